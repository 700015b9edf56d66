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
	"regexp"
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
	// Replace is the manifest of the bundle this writer wrote at the directory before, to write it
	// again: the directory is then replaced when it holds nothing but a bundle's files. Nil writes a
	// new bundle, which needs a directory that does not exist or is empty.
	Replace *Manifest
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
	// Files are some of the files it holds.
	Files []string
}

func (e *NotBundleError) Error() string {
	return fmt.Sprintf("%s is not empty (it holds %s) and holds no bundle (no %s of this provider): a bundle is never written "+
		"over other files; name a new or empty directory, or move the files out of it", e.Dir, someFiles(e.Files), ManifestFile)
}

// ExistingBundleError says that a directory already holds a bundle that the writer did not write: a
// new bundle is never written over it.
type ExistingBundleError struct {
	Dir      string
	Manifest Manifest
}

func (e *ExistingBundleError) Error() string {
	return fmt.Sprintf("%s already holds a bundle (Control Plane %s, Workspace Server %s, written %s) that this resource did not "+
		"write, or whose write was interrupted before it was recorded: a new bundle is never written over it, and this resource "+
		"would never delete it. To take it over, import it: terraform import <resource address> %s, or an import block with "+
		"id = %q (the import verifies every file against %s and records what is on disk); or name another, new or empty, directory",
		e.Dir, e.Manifest.ControlPlaneVersion, strings.Join(e.Manifest.WorkspaceVersions, ", "), e.Manifest.CreatedAt, e.Dir, e.Dir, SumsFile)
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

// someFiles names up to five files, and how many more there are.
func someFiles(fs []string) string {
	if len(fs) <= 5 {
		return strings.Join(fs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(fs[:5], ", "), len(fs)-5)
}

// CheckNew says whether a new bundle may be written to dir: it must not exist, or be empty. A
// directory holding a bundle is an *ExistingBundleError (which says how to import it), one holding
// other files a *NotBundleError. Leftovers of interrupted writes beside dir do not count.
func CheckNew(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) == 0:
		return nil
	}
	if m, err := readManifest(dir); err == nil {
		return &ExistingBundleError{Dir: dir, Manifest: m}
	}
	present, err := files(dir)
	if err != nil {
		return err
	}
	if len(present) == 0 {
		for _, e := range entries {
			present = append(present, e.Name())
		}
	}
	return &NotBundleError{Dir: dir, Files: present}
}

// CheckRewrite says whether the bundle that prev describes (the manifest its writer recorded) may be
// written again at dir, which a rewrite replaces: dir must hold nothing but a bundle's files (those
// SHA256SUMS lists, or without a SHA256SUMS those of prev and the OCI layout), else a
// *ForeignFilesError names the others. A directory that does not exist, or is empty, may be written.
func CheckRewrite(dir string, prev Manifest) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) == 0:
		return nil
	}
	foreign, err := foreignFiles(dir, prev)
	if err != nil {
		return err
	}
	if len(foreign) > 0 {
		return &ForeignFilesError{Dir: dir, Files: foreign}
	}
	return nil
}

// checkTarget is CheckNew, or with replace CheckRewrite.
func checkTarget(dir string, replace *Manifest) error {
	if replace == nil {
		return CheckNew(dir)
	}
	return CheckRewrite(dir, *replace)
}

// foreignFiles lists the files of the bundle directory dir that no bundle wrote: those neither
// SHA256SUMS (when it can be read) nor prev name (its manifests, archives and charts); without a
// SHA256SUMS, the files under images/ count as the OCI layout's.
func foreignFiles(dir string, prev Manifest) ([]string, error) {
	present, err := files(dir)
	if err != nil {
		return nil, err
	}
	ours := map[string]bool{ManifestFile: true, SummaryFile: true}
	for _, img := range prev.Images {
		ours[img.Archive] = true
	}
	for _, c := range prev.Charts {
		ours[c.File] = true
	}
	withoutSums := true
	if sums, err := os.ReadFile(filepath.Join(dir, SumsFile)); err == nil {
		if listed, _, err := parseSums(sums); err == nil {
			withoutSums = false
			for f := range listed {
				ours[f] = true
			}
		}
	}
	var out []string
	for _, f := range present {
		if ours[f] {
			continue
		}
		if withoutSums && strings.HasPrefix(f, ImagesDir+"/") {
			continue // without SHA256SUMS the layout's files cannot be told apart: they count as the bundle's
		}
		out = append(out, f)
	}
	return out, nil
}

// Write downloads everything m (from Plan) lists and writes the bundle to dir, a new one or, with
// opts.Replace, again. It holds the bundle's lock throughout (a write under way elsewhere is a
// *BusyError). The bundle is built in a sibling directory and put in place at the end, so an
// interrupted write leaves the previous bundle (or nothing) at dir and its leftovers beside it, which
// the next write removes. Blobs of the previous bundle and of the leftovers are reused, not
// downloaded again, when their content is their digest.
func Write(ctx context.Context, c *oci.Client, m Manifest, dir string, opts WriteOptions) (Written, error) {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Written{}, err
	}
	lk, err := acquire(dir)
	if err != nil {
		return Written{}, err
	}
	defer lk.release()
	if err := checkTarget(dir, opts.Replace); err != nil {
		return Written{}, err
	}
	leftovers, err := staged(dir)
	if err != nil {
		return Written{}, err
	}
	stage, err := os.MkdirTemp(parent, stagePrefix(dir))
	if err != nil {
		return Written{}, err
	}
	defer func() { _ = os.RemoveAll(stage) }()
	if err := os.Chmod(stage, 0o755); err != nil {
		return Written{}, err
	}
	l, err := oci.CreateLayout(filepath.Join(stage, ImagesDir))
	if err != nil {
		return Written{}, err
	}
	for _, from := range append([]string{dir}, leftovers...) {
		reuseBlobs(filepath.Join(from, ImagesDir), filepath.Join(stage, ImagesDir))
	}
	for _, p := range leftovers {
		if err := os.RemoveAll(p); err != nil {
			return Written{}, fmt.Errorf("removing %s, left by an interrupted write of the bundle: %w", p, err)
		}
	}
	if err := os.MkdirAll(filepath.Join(stage, ChartsDir), 0o755); err != nil {
		return Written{}, err
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
			return Written{}, err
		}
		if err := checkPin(opts.Pins, img.SourceURI, res.Source.Digest); err != nil {
			return Written{}, err
		}
		d := res.Saved
		img.SourceDigest, img.Digest, img.MediaType = res.Source.Digest, d.Digest, d.MediaType
		img.Platforms = nil
		for _, p := range d.Platforms {
			img.Platforms = append(img.Platforms, p.String())
		}
		if img.ArchiveDigest, err = l.WriteDockerArchive(d.Digest, m.ArchivePlatform, dockerTag(img.SourceURI), filepath.Join(stage, img.Archive)); err != nil {
			var pe *oci.PlatformError
			if errors.As(err, &pe) {
				return Written{}, &ArchivePlatformError{Reference: img.SourceURI, Platform: m.ArchivePlatform, Available: pe.Available,
					Filtered: len(m.Platforms) > 0 && len(d.Platforms) > 0, Single: len(d.Platforms) == 0}
			}
			return Written{}, fmt.Errorf("the docker tarball of %s: %w", img.SourceURI, err)
		}
	}
	for i := range out.Charts {
		ch := &out.Charts[i]
		ref := strings.TrimPrefix(ch.SourceURI, "oci://")
		res, err := c.Save(ctx, l, ref, ChartsDir+"/"+ch.Key, oci.SaveOptions{Timeout: opts.Timeout, Progress: progress(ch.SourceURI)})
		if err != nil {
			return Written{}, err
		}
		if err := checkPin(opts.Pins, ch.SourceURI, res.Source.Digest); err != nil {
			return Written{}, err
		}
		d := res.Saved
		ch.Digest = d.Digest
		if err := l.WriteChartArchive(d.Digest, filepath.Join(stage, ch.File)); err != nil {
			return Written{}, fmt.Errorf("the chart archive of %s: %w", ch.SourceURI, err)
		}
	}
	raw, err := writeManifests(stage, out)
	if err != nil {
		return Written{}, err
	}
	sums, err := writeSums(stage)
	if err != nil {
		return Written{}, err
	}
	// Files put into the directory while the bundle was built are not lost to the swap.
	if err := checkTarget(dir, opts.Replace); err != nil {
		return Written{}, err
	}
	if err := swap(stage, dir); err != nil {
		return Written{}, err
	}
	return Written{Manifest: out, ManifestJSON: string(raw), Record: Record{SumsDigest: Digest(sums), ManifestDigest: Digest(raw)}}, nil
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

// reuseBlobs links the blobs of a previous bundle's layout (or of an interrupted write's) into the new
// one, so that a rewrite downloads only what changed. A blob is linked only when its content is its
// digest: a changed or half-written one is downloaded again. Anything that cannot be linked is simply
// downloaded again.
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
		if !e.Type().IsRegular() || !blobName.MatchString(e.Name()) {
			continue
		}
		target := filepath.Join(dst, e.Name())
		if _, err := os.Lstat(target); err == nil {
			continue
		}
		src := filepath.Join(dir, e.Name())
		if got, err := sum(src); err != nil || got != e.Name() {
			continue
		}
		_ = os.Link(src, target)
	}
}

// blobName is the name of a blob in an OCI layout's blobs/sha256.
var blobName = regexp.MustCompile(`^[0-9a-f]{64}$`)

// writeManifests writes manifest.json and manifest.txt to dir, and returns manifest.json.
func writeManifests(dir string, m Manifest) ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o644); err != nil {
		return nil, err
	}
	return b, os.WriteFile(filepath.Join(dir, SummaryFile), []byte(Summary(m)), 0o644)
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
