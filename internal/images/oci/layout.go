// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types of a Helm chart stored in an OCI registry, as `helm push` writes it.
const (
	HelmConfigMediaType  types.MediaType = "application/vnd.cncf.helm.config.v1+json"
	HelmContentMediaType types.MediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
)

// refNameAnnotation names an entry of an OCI layout's index.json.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// Layout is an OCI image layout directory: many images and charts sharing one blob store.
type Layout struct {
	path layout.Path
}

// CreateLayout makes an empty OCI image layout in dir, which must not exist or be empty.
func CreateLayout(dir string) (*Layout, error) {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return nil, fmt.Errorf("creating the OCI layout %s: %w", dir, err)
	}
	return &Layout{path: p}, nil
}

// OpenLayout reads the OCI image layout in dir.
func OpenLayout(dir string) (*Layout, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is no OCI image layout: %w", dir, err)
	}
	return &Layout{path: p}, nil
}

// SaveOptions tune a Save.
type SaveOptions struct {
	// Platforms keeps only these platforms of an index, as CopyOptions.Platforms; a single image (or a
	// Helm chart) is saved as it is.
	Platforms []string
	// Timeout bounds the download, its retries included; 0 means DefaultCopyTimeout.
	Timeout time.Duration
	// Progress, when set, is called as blobs are written.
	Progress func(Progress)
}

// SaveResult says what a Save read and wrote.
type SaveResult struct {
	// Source is what src named; Saved what the layout holds: Source, or with a platform filter an
	// index of the kept platforms.
	Source, Saved Descriptor
}

// Save downloads what src names (an image, an index with the filtered platforms, or a Helm chart) into
// the layout, blobs streamed to files (those the layout has are skipped, so a retry resumes), and adds
// it to the layout's index under refName.
func (c *Client) Save(ctx context.Context, l *Layout, src, refName string, opts SaveOptions) (SaveResult, error) {
	srcRef, err := c.parse(src)
	if err != nil {
		return SaveResult{}, err
	}
	filters, err := parseFilters(opts.Platforms)
	if err != nil {
		return SaveResult{}, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultCopyTimeout
	}
	var out SaveResult
	var count counting
	err = c.do(ctx, timeout, "downloading "+srcRef.Name(), func(ctx context.Context) error {
		desc, err := remote.Get(srcRef, c.remoteOptions(ctx)...)
		if err != nil {
			return err
		}
		if out.Source, err = describe(desc); err != nil {
			return err
		}
		total, err := c.inventory(srcRef.Name(), desc, filters)
		if err != nil {
			return err
		}
		count.reset(total, opts.Progress)
		if !desc.MediaType.IsIndex() {
			img, err := desc.Image()
			if err != nil {
				return err
			}
			if err := l.path.WriteImage(countingImage{img, &count}); err != nil {
				return err
			}
			out.Saved = out.Source
			return l.name(img, refName)
		}
		idx, err := desc.ImageIndex()
		if err != nil {
			return err
		}
		if len(filters) > 0 {
			if idx, err = keepPlatforms(srcRef.Name(), idx, filters); err != nil {
				return err
			}
		}
		if err := l.writeIndex(idx, &count); err != nil {
			return err
		}
		if out.Saved, err = describeIndex(idx); err != nil {
			return err
		}
		return l.name(idx, refName)
	})
	if opts.Progress != nil {
		opts.Progress(count.final())
	}
	if err != nil {
		return SaveResult{}, c.explain(srcRef, err)
	}
	return out, nil
}

// name makes the layout's index name what was written (an image or an index whose blobs are in the
// layout already) refName, in place of what had that name. Only the index changes: ReplaceImage and
// ReplaceIndex would write the artifact again, and writing a layer opens its source before it finds
// the blob there, a request whose answer the registry starts to send for nothing.
func (l *Layout) name(written partial.Describable, refName string) error {
	desc, err := partial.Descriptor(written)
	if err != nil {
		return err
	}
	// A copy: the descriptor may be the artifact's own.
	named := v1.Descriptor{MediaType: desc.MediaType, Size: desc.Size, Digest: desc.Digest, Annotations: map[string]string{refNameAnnotation: refName}}
	if err := l.path.RemoveDescriptors(match.Annotation(refNameAnnotation, refName)); err != nil {
		return err
	}
	return l.path.AppendDescriptor(named)
}

// countingImage is an image whose layers count the bytes read from them, blob by blob.
type countingImage struct {
	v1.Image
	c *counting
}

func (i countingImage) Layers() ([]v1.Layer, error) {
	ls, err := i.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for n, l := range ls {
		out[n] = countingLayer{Layer: l, c: i.c}
	}
	return out, nil
}

type countingLayer struct {
	v1.Layer
	c *counting
}

// Compressed opens the layer's source at the first read, not before: a layout that holds the blob
// already (a bundle written again reuses the blobs of the previous one) closes the reader unread, and
// no request is made.
func (l countingLayer) Compressed() (io.ReadCloser, error) {
	h, err := l.Digest()
	if err != nil {
		return nil, err
	}
	return &countingReader{ReadCloser: &lazyReader{open: l.Layer.Compressed}, c: l.c, digest: h}, nil
}

// lazyReader is the reader open returns, opened at the first Read.
type lazyReader struct {
	open func() (io.ReadCloser, error)
	rc   io.ReadCloser
}

func (r *lazyReader) Read(p []byte) (int, error) {
	if r.rc == nil {
		rc, err := r.open()
		if err != nil {
			return 0, err
		}
		r.rc = rc
	}
	return r.rc.Read(p)
}

func (r *lazyReader) Close() error {
	if r.rc == nil {
		return nil
	}
	return r.rc.Close()
}

// countingReader counts the bytes read, and the blob as done at its end.
type countingReader struct {
	io.ReadCloser
	c      *counting
	digest v1.Hash
	done   bool
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if n > 0 {
		r.c.sent(int64(n), nil)
	}
	if errors.Is(err, io.EOF) && !r.done {
		r.done = true
		r.c.sent(0, &r.digest)
	}
	return n, err
}

// writeIndex writes the blobs and manifests of idx, counting the blob bytes.
func (l *Layout) writeIndex(idx v1.ImageIndex, count *counting) error {
	m, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range m.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return err
			}
			if err := l.writeIndex(child, count); err != nil {
				return err
			}
		default:
			img, err := idx.Image(d.Digest)
			if err != nil {
				return err
			}
			if err := l.path.WriteImage(countingImage{img, count}); err != nil {
				return err
			}
		}
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return err
	}
	h, err := idx.Digest()
	if err != nil {
		return err
	}
	return l.path.WriteBlob(h, io.NopCloser(bytes.NewReader(raw)))
}

// Entry is one entry of a layout's index.
type Entry struct {
	Name   string
	Digest string
}

// Entries lists the layout's index.
func (l *Layout) Entries() ([]Entry, error) {
	idx, err := l.path.ImageIndex()
	if err != nil {
		return nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(m.Manifests))
	for _, d := range m.Manifests {
		out = append(out, Entry{Name: d.Annotations[refNameAnnotation], Digest: d.Digest.String()})
	}
	return out, nil
}

// ErrNotInLayout says that a layout holds no entry of the digest asked for.
var ErrNotInLayout = errors.New("not in the bundle's OCI layout")

// artifact is what digest names in the layout: an image (or chart) or an index.
func (l *Layout) artifact(digest string) (v1.Image, v1.ImageIndex, error) {
	h, err := v1.NewHash(digest)
	if err != nil {
		return nil, nil, err
	}
	idx, err := l.path.ImageIndex()
	if err != nil {
		return nil, nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, nil, err
	}
	for _, d := range m.Manifests {
		if d.Digest != h {
			continue
		}
		if d.MediaType.IsIndex() {
			child, err := idx.ImageIndex(h)
			return nil, child, err
		}
		img, err := idx.Image(h)
		return img, nil, err
	}
	return nil, nil, fmt.Errorf("%s: %w", digest, ErrNotInLayout)
}

// WriteDockerArchive writes the image of one platform of what digest names in the layout (an index,
// or a single image of that platform) to file as a `docker load` tarball tagged tag. It returns the
// digest of the image written. An index without an image of the platform, or a single image whose
// configuration names another platform, is a *PlatformError.
func (l *Layout) WriteDockerArchive(digest, platform, tag, file string) (string, error) {
	p, err := ParsePlatform(platform)
	if err != nil {
		return "", err
	}
	img, idx, err := l.artifact(digest)
	if err != nil {
		return "", err
	}
	if idx != nil {
		m, err := idx.IndexManifest()
		if err != nil {
			return "", err
		}
		var found *v1.Descriptor
		var available []string
		for i, d := range m.Manifests {
			if d.Platform == nil || !d.MediaType.IsImage() {
				continue
			}
			available = append(available, platformOf(d).String())
			if p.matches(d.Platform) && found == nil {
				found = &m.Manifests[i]
			}
		}
		if found == nil {
			return "", &PlatformError{Reference: tag, Missing: []string{p.String()}, Available: available}
		}
		if img, err = idx.Image(found.Digest); err != nil {
			return "", err
		}
	} else if cfg, err := img.ConfigFile(); err == nil && cfg.OS != "" && cfg.Architecture != "" {
		// A single image of another platform is no image of this one (an image that names no platform is taken as it is).
		own := v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
		if !p.matches(&own) {
			return "", &PlatformError{Reference: tag, Missing: []string{p.String()}, Available: []string{Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}.String()}}
		}
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		return "", err
	}
	f, err := os.Create(file)
	if err != nil {
		return "", err
	}
	if err := tarball.Write(ref, img, f); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("writing %s: %w", file, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// WriteChartArchive writes the chart content (the .tgz `helm package` makes) of the Helm chart that
// digest names in the layout to file.
func (l *Layout) WriteChartArchive(digest, file string) error {
	img, _, err := l.artifact(digest)
	if err != nil {
		return err
	}
	if img == nil {
		return fmt.Errorf("%s is an index, not a Helm chart", digest)
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	if m.Config.MediaType != HelmConfigMediaType {
		return fmt.Errorf("%s is no Helm chart: its config is %s, not %s", digest, m.Config.MediaType, HelmConfigMediaType)
	}
	for _, d := range m.Layers {
		if d.MediaType != HelmContentMediaType {
			continue
		}
		layer, err := img.LayerByDigest(d.Digest)
		if err != nil {
			return err
		}
		rc, err := layer.Compressed()
		if err != nil {
			return err
		}
		defer func() { _ = rc.Close() }()
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, rc); err != nil {
			_ = f.Close()
			return err
		}
		return f.Close()
	}
	return fmt.Errorf("%s is no Helm chart: it has no %s layer", digest, HelmContentMediaType)
}

// Push copies what digest names in the layout to dst (an image, an index with every platform in the
// layout, or a Helm chart), skipping the blobs dst has, and verifies that dst then names digest.
func (c *Client) Push(ctx context.Context, l *Layout, digest, dst string, opts CopyOptions) (CopyResult, error) {
	dstRef, err := c.parse(dst)
	if err != nil {
		return CopyResult{}, err
	}
	img, idx, err := l.artifact(digest)
	if err != nil {
		return CopyResult{}, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultCopyTimeout
	}
	var res CopyResult
	var count counting
	err = c.do(ctx, timeout, "pushing "+digest+" to "+dstRef.Name(), func(ctx context.Context) error {
		total := blobs{}
		var want Descriptor
		if idx != nil {
			if err := total.addIndex(idx); err != nil {
				return err
			}
			if want, err = describeIndex(idx); err != nil {
				return err
			}
		} else {
			if err := total.addImage(img); err != nil {
				return err
			}
			mt, err := img.MediaType()
			if err != nil {
				return err
			}
			want = Descriptor{Digest: digest, MediaType: string(mt)}
		}
		res.Source, res.Target = want, want
		count.reset(total, opts.Progress)
		wopts := append(c.remoteOptions(ctx), remote.WithTransport(c.guardedTransport(&count, dstRef, opts.Tag, want.Digest)))
		if idx != nil {
			err = remote.WriteIndex(dstRef, idx, wopts...)
		} else {
			err = remote.Write(dstRef, img, wopts...)
		}
		if err != nil {
			return err
		}
		return c.verify(ctx, dstRef, want)
	})
	res.Progress = count.final()
	if opts.Progress != nil {
		opts.Progress(res.Progress)
	}
	if err != nil {
		return res, c.explain(dstRef, err)
	}
	return res, nil
}

func parseFilters(platforms []string) ([]Platform, error) {
	filters := make([]Platform, 0, len(platforms))
	for _, s := range platforms {
		p, err := ParsePlatform(s)
		if err != nil {
			return nil, err
		}
		filters = append(filters, p)
	}
	return filters, nil
}

// Describe says what digest names in the layout: its media type and, for an index, its platforms.
func (l *Layout) Describe(digest string) (Descriptor, error) {
	img, idx, err := l.artifact(digest)
	if err != nil {
		return Descriptor{}, err
	}
	if idx != nil {
		return describeIndex(idx)
	}
	mt, err := img.MediaType()
	if err != nil {
		return Descriptor{}, err
	}
	return Descriptor{Digest: digest, MediaType: string(mt)}, nil
}
