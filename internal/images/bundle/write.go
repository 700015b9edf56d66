// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
)

// WriteOptions tune a Write.
type WriteOptions struct {
	// Pins are digests the sources must name, by source reference (the plan's): a tag that
	// moved since is an error rather than a different bundle than the plan showed.
	Pins map[string]string
	// Timeout bounds the download of each image or chart, its retries included.
	Timeout time.Duration
	// Progress, when set, is called as an item's blobs are written.
	Progress func(item string, p oci.Progress)
	// CreatedAt is the creation time recorded in the manifest.
	CreatedAt time.Time
}

// MovedError says that a source reference no longer names the digest the plan resolved.
type MovedError struct {
	Reference, Planned, Now string
}

func (e *MovedError) Error() string {
	return fmt.Sprintf("%s pointed to %s when the plan was made and points to %s now: the tag moved; plan again to bundle the new image",
		e.Reference, e.Planned, e.Now)
}

// NotBundleError says that a directory holds files but no bundle: it is never written over.
type NotBundleError struct {
	Dir string
}

func (e *NotBundleError) Error() string {
	return fmt.Sprintf("%s is not empty and holds no bundle (no %s of this provider): a bundle is never written over other files; "+
		"name a new or empty directory", e.Dir, ManifestFile)
}

// ForeignFilesError says that a bundle directory holds files the bundle did not write: a rewrite, which
// replaces the directory, would delete them.
type ForeignFilesError struct {
	Dir   string
	Files []string
}

func (e *ForeignFilesError) Error() string {
	return fmt.Sprintf("%s holds files the bundle did not write (%s): writing the bundle again replaces the directory and "+
		"would delete them; move them out of it first", e.Dir, strings.Join(e.Files, ", "))
}

// CheckDirectory says whether a bundle may be written to dir: it must not exist, be empty, or hold a
// bundle and nothing else (a rewrite replaces the directory).
func CheckDirectory(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) == 0:
		return nil
	}
	m, err := readManifest(dir)
	if err != nil {
		return &NotBundleError{Dir: dir}
	}
	foreign, err := foreignFiles(dir, m)
	if err != nil {
		return err
	}
	if len(foreign) > 0 {
		return &ForeignFilesError{Dir: dir, Files: foreign}
	}
	return nil
}

// foreignFiles lists the files of the bundle at dir that it did not write: those SHA256SUMS does not
// list, or, when SHA256SUMS cannot be read, those outside what a bundle of m holds (its manifests, its
// OCI layout and archives under images/, its charts).
func foreignFiles(dir string, m Manifest) ([]string, error) {
	present, err := files(dir)
	if err != nil {
		return nil, err
	}
	listed, err := readSums(dir)
	withoutSums := err != nil
	if withoutSums {
		listed = map[string]string{ManifestFile: "", SummaryFile: ""}
		for _, c := range m.Charts {
			listed[c.File] = ""
		}
	}
	var out []string
	for _, f := range present {
		if _, ok := listed[f]; ok {
			continue
		}
		if withoutSums && strings.HasPrefix(f, ImagesDir+"/") {
			continue // without SHA256SUMS the layout's files cannot be told apart: they count as the bundle's
		}
		out = append(out, f)
	}
	return out, nil
}

// Write downloads everything m (from Plan) lists and writes the bundle to dir: it is built in a
// sibling directory and put in place at the end, so an interrupted write leaves the previous bundle
// (or nothing) at dir. Blobs a previous bundle at dir holds are reused, not downloaded again.
func Write(ctx context.Context, c *oci.Client, m Manifest, dir string, opts WriteOptions) (Manifest, error) {
	if err := CheckDirectory(dir); err != nil {
		return Manifest{}, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Manifest{}, err
	}
	stage, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return Manifest{}, err
	}
	defer func() { _ = os.RemoveAll(stage) }()
	if err := os.Chmod(stage, 0o755); err != nil {
		return Manifest{}, err
	}
	l, err := oci.CreateLayout(filepath.Join(stage, ImagesDir))
	if err != nil {
		return Manifest{}, err
	}
	reuseBlobs(filepath.Join(dir, ImagesDir), filepath.Join(stage, ImagesDir))
	if err := os.MkdirAll(filepath.Join(stage, ChartsDir), 0o755); err != nil {
		return Manifest{}, err
	}

	out := m
	out.CreatedAt = opts.CreatedAt.UTC().Format(time.RFC3339)
	out.Images = append([]Image(nil), m.Images...)
	out.Charts = append([]Chart(nil), m.Charts...)
	progress := func(item string) func(oci.Progress) {
		if opts.Progress == nil {
			return nil
		}
		return func(p oci.Progress) { opts.Progress(item, p) }
	}
	for i := range out.Images {
		img := &out.Images[i]
		res, err := c.Save(ctx, l, img.SourceURI, img.Key, oci.SaveOptions{Platforms: m.Platforms, Timeout: opts.Timeout, Progress: progress(img.SourceURI)})
		if err != nil {
			return Manifest{}, err
		}
		if err := checkPin(opts.Pins, img.SourceURI, res.Source.Digest); err != nil {
			return Manifest{}, err
		}
		d := res.Saved
		img.SourceDigest, img.Digest, img.MediaType = res.Source.Digest, d.Digest, d.MediaType
		img.Platforms = nil
		for _, p := range d.Platforms {
			img.Platforms = append(img.Platforms, p.String())
		}
		if img.ArchiveDigest, err = l.WriteDockerArchive(d.Digest, m.ArchivePlatform, dockerTag(img.SourceURI), filepath.Join(stage, img.Archive)); err != nil {
			return Manifest{}, fmt.Errorf("the docker tarball of %s: %w", img.SourceURI, err)
		}
	}
	for i := range out.Charts {
		ch := &out.Charts[i]
		ref := strings.TrimPrefix(ch.SourceURI, "oci://")
		res, err := c.Save(ctx, l, ref, ChartsDir+"/"+ch.Key, oci.SaveOptions{Timeout: opts.Timeout, Progress: progress(ch.SourceURI)})
		if err != nil {
			return Manifest{}, err
		}
		if err := checkPin(opts.Pins, ch.SourceURI, res.Source.Digest); err != nil {
			return Manifest{}, err
		}
		d := res.Saved
		ch.Digest = d.Digest
		if err := l.WriteChartArchive(d.Digest, filepath.Join(stage, ch.File)); err != nil {
			return Manifest{}, fmt.Errorf("the chart archive of %s: %w", ch.SourceURI, err)
		}
	}
	if err := writeManifests(stage, out); err != nil {
		return Manifest{}, err
	}
	if err := writeSums(stage); err != nil {
		return Manifest{}, err
	}
	if err := swap(stage, dir); err != nil {
		return Manifest{}, err
	}
	return out, nil
}

func checkPin(pins map[string]string, ref, got string) error {
	if want, ok := pins[ref]; ok && want != "" && want != got {
		return &MovedError{Reference: ref, Planned: want, Now: got}
	}
	return nil
}

// dockerTag is the tag a tarball carries: the source reference without digest, as docker save writes
// it (docker load then names the image as it was pulled).
func dockerTag(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	return ref
}

// reuseBlobs links the blobs of a previous bundle's layout into the new one, so that a rewrite
// downloads only what changed. Anything that cannot be linked is simply downloaded again.
func reuseBlobs(from, to string) {
	dir := filepath.Join(from, "blobs", "sha256")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	dst := filepath.Join(to, "blobs", "sha256")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			_ = os.Link(filepath.Join(dir, e.Name()), filepath.Join(dst, e.Name()))
		}
	}
}

func writeManifests(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, SummaryFile), []byte(Summary(m)), 0o644)
}

// Summary is manifest.txt: the manifest for people.
func Summary(m Manifest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ZenML Pro offline bundle\ncreated: %s\ncontrol plane: %s\nworkspace servers: %s\ninternal registry: %s\n",
		m.CreatedAt, m.ControlPlaneVersion, strings.Join(m.WorkspaceVersions, ", "), m.InternalRegistry)
	b.WriteString("\nimages (source -> internal, digest):\n")
	for _, img := range m.Images {
		fmt.Fprintf(&b, "  %s\n    from %s\n    to   %s\n    %s (%s); docker load -i %s\n", img.Key, img.SourceURI, img.InternalURI,
			img.Digest, strings.Join(img.Platforms, ", "), img.Archive)
	}
	b.WriteString("\ncharts (source -> internal, digest):\n")
	for _, c := range m.Charts {
		fmt.Fprintf(&b, "  %s\n    from %s\n    to   %s --version %s\n    %s; %s\n", c.Key, c.SourceURI, c.InternalURI, c.Version, c.Digest, c.File)
	}
	b.WriteString("\nverify: sha256sum -c " + SumsFile + "\n")
	return b.String()
}

// swap puts the staged bundle at dir: a previous bundle is moved aside first and removed after.
func swap(stage, dir string) error {
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = stage + ".previous"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(stage, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
