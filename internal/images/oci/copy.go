// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// CopyOptions tune a Copy.
type CopyOptions struct {
	// Platforms, when not empty, keeps only these platforms of an index ("linux/amd64",
	// "linux/arm64/v8"; a filter without variant matches every variant). Empty copies everything.
	Platforms []string
	// Timeout bounds the copy, its retries included; 0 means DefaultCopyTimeout.
	Timeout time.Duration
	// Progress, when set, is called as blobs and bytes are written (every 8 MiB and at the end of
	// each blob) and once at the end; calls are made one at a time.
	Progress func(Progress)
	// Tag, when set, is what the target tag may name when the copy writes it: anything else stops the
	// copy with a *TagConflictError before the first blob is sent, or before the manifest is written.
	// Without it the copy writes over whatever the tag names.
	Tag *TagRule
}

// DefaultCopyTimeout bounds a copy when the caller gives no timeout.
const DefaultCopyTimeout = 30 * time.Minute

// Progress of a copy.
type Progress struct {
	// BytesDone and BytesTotal count the blob bytes to write (blobs the target has are not counted).
	BytesDone, BytesTotal int64
	// BlobsUploaded counts the blobs written; BlobsSkipped those the target already had.
	BlobsUploaded, BlobsSkipped int64
}

// CopyResult says what a Copy wrote.
type CopyResult struct {
	// Source is what the source reference named when it was read.
	Source Descriptor
	// Target is what the target reference names after the copy: equal to Source unless Platforms
	// filtered an index, and then an index of the kept platforms, each with its source digest.
	Target Descriptor
	// Before is the digest the target tag named when the copy first looked, "" for nothing. When it
	// is Target's digest, the copy wrote nothing: the target held the image already.
	Before string
	Progress
}

// PlatformError says that a platform filter matches nothing, or not every filter matched.
type PlatformError struct {
	Reference string
	Missing   []string
	Available []string
}

func (e *PlatformError) Error() string {
	avail := "none (a single-platform image)"
	if len(e.Available) > 0 {
		avail = strings.Join(e.Available, ", ")
	}
	return fmt.Sprintf("%s has no image for %s; its platforms are %s", e.Reference, strings.Join(e.Missing, ", "), avail)
}

// VerifyError says that the target does not hold what was copied.
type VerifyError struct {
	Reference string
	Want, Got string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("after the copy, %s names %s, not the copied %s", e.Reference, e.Got, e.Want)
}

// ParsePlatform reads "os/architecture[/variant]".
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" || (len(parts) == 3 && parts[2] == "") {
		return Platform{}, fmt.Errorf("%q is not a platform: write os/architecture or os/architecture/variant, e.g. %q or %q", s, "linux/amd64", "linux/arm64/v8")
	}
	p := Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// matches reports whether the platform of an index entry, e, is the filter p (a filter without a
// variant matches every variant).
func (p Platform) matches(e *v1.Platform) bool {
	return e != nil && e.OS == p.OS && e.Architecture == p.Architecture && (p.Variant == "" || e.Variant == p.Variant)
}

// Copy copies what src names (an image, or an index with every image of it) to dst, blobs streamed
// from registry to registry, skipping the blobs dst already has, and verifies that dst then names the
// expected digest (and, with a platform filter, every kept platform's digest). A dst that names the
// expected digest already is only verified. With opts.Tag, the tag of dst is written only while it
// names what the rule allows, read before the first blob is sent and again right before the manifest
// is written. Throttling, server errors and broken connections are retried within the timeout, a
// retry skipping what was written. Cancelling ctx stops the copy.
func (c *Client) Copy(ctx context.Context, src, dst string, opts CopyOptions) (CopyResult, error) {
	srcRef, err := c.parse(src)
	if err != nil {
		return CopyResult{}, err
	}
	dstRef, err := c.parse(dst)
	if err != nil {
		return CopyResult{}, err
	}
	filters, err := parseFilters(opts.Platforms)
	if err != nil {
		return CopyResult{}, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultCopyTimeout
	}
	var res CopyResult
	var count counting
	looked := false
	err = c.do(ctx, timeout, "copying "+srcRef.Name()+" to "+dstRef.Name(), func(ctx context.Context) error {
		desc, err := remote.Get(srcRef, c.remoteOptions(ctx)...)
		if err != nil {
			return err
		}
		if res.Source, err = describe(desc); err != nil {
			return err
		}
		total, err := c.inventory(srcRef.Name(), desc, filters)
		if err != nil {
			return err
		}
		want, err := planned(desc, srcRef, filters)
		if err != nil {
			return err
		}
		res.Target = want
		count.reset(total, opts.Progress)
		// What the tag names before anything is sent. A retry after a write whose answer was lost
		// finds the copy there: Before stays what the first look found.
		found, err := c.tagDigest(ctx, dstRef)
		if err != nil {
			return err
		}
		if !looked {
			res.Before, looked = found, true
		}
		if found == want.Digest {
			return c.verify(ctx, dstRef, want)
		}
		if err := opts.Tag.Check(dstRef.Name(), found, want.Digest); err != nil {
			return err
		}
		ct := c.guardedTransport(&count, dstRef, opts.Tag, want.Digest)
		if err := c.write(desc, dstRef, filters, append(c.remoteOptions(ctx), remote.WithTransport(ct))); err != nil {
			return err
		}
		return c.verify(ctx, dstRef, want)
	})
	res.Progress = count.final()
	if opts.Progress != nil {
		opts.Progress(res.Progress)
	}
	if err != nil {
		return res, c.explain(srcRef, err)
	}
	return res, nil
}

// guardedTransport is the transport of a write to dst that counts what it sends and, with a tag rule,
// reads the tag again right before the manifest is written (another writer may have come in while
// the blobs were sent) and writes it only as rule allows; want is the digest written.
func (c *Client) guardedTransport(count *counting, dst name.Reference, rule *TagRule, want string) *countingTransport {
	ct := &countingTransport{next: c.transport, c: count, host: dst.Context().RegistryStr()}
	if tag, ok := dst.(name.Tag); ok && rule != nil {
		ct.tagPath = "/v2/" + tag.RepositoryStr() + "/manifests/" + tag.TagStr()
		ct.beforeTag = func(ctx context.Context) error {
			now, err := c.tagDigest(ctx, tag)
			if err != nil {
				return err
			}
			return rule.Check(tag.Name(), now, want)
		}
	}
	return ct
}

// planned is what a copy of desc writes: desc itself, or with filters the index of the kept platforms.
func planned(desc *remote.Descriptor, srcRef name.Reference, filters []Platform) (Descriptor, error) {
	if len(filters) == 0 {
		return describe(desc)
	}
	if !desc.MediaType.IsIndex() {
		return Descriptor{}, &PlatformError{Reference: srcRef.Name(), Missing: platformNames(filters)}
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return Descriptor{}, err
	}
	if idx, err = keepPlatforms(srcRef.Name(), idx, filters); err != nil {
		return Descriptor{}, err
	}
	return describeIndex(idx)
}

// Planned says what a copy of src with the platform filters writes at its target: the source's
// digest, or with filters the digest of the index of the kept platforms, which the plan of a copy
// compares with what the target tag names. It asks the registry every time.
func (c *Client) Planned(ctx context.Context, src string, platforms []string, timeout time.Duration) (Descriptor, error) {
	srcRef, err := c.parse(src)
	if err != nil {
		return Descriptor{}, err
	}
	filters, err := parseFilters(platforms)
	if err != nil {
		return Descriptor{}, err
	}
	var d Descriptor
	err = c.do(ctx, timeout, "reading "+srcRef.Name(), func(ctx context.Context) error {
		desc, err := remote.Get(srcRef, c.remoteOptions(ctx)...)
		if err != nil {
			return err
		}
		d, err = planned(desc, srcRef, filters)
		return err
	})
	if err != nil {
		return Descriptor{}, c.explain(srcRef, err)
	}
	return d, nil
}

// write writes desc to dst (only the filtered platforms of an index).
func (c *Client) write(desc *remote.Descriptor, dst name.Reference, filters []Platform, opts []remote.Option) error {
	if !desc.MediaType.IsIndex() {
		img, err := desc.Image()
		if err != nil {
			return err
		}
		return remote.Write(dst, img, opts...)
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return err
	}
	if len(filters) > 0 {
		if idx, err = keepPlatforms(dst.Name(), idx, filters); err != nil {
			return err
		}
	}
	return remote.WriteIndex(dst, idx, opts...)
}

// keepPlatforms is idx without the images of other platforms (and without entries that are no
// platform's image, such as attestations, which refer to images that may be gone).
func keepPlatforms(ref string, idx v1.ImageIndex, filters []Platform) (v1.ImageIndex, error) {
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	matched := make([]bool, len(filters))
	var available []string
	var drop []v1.Hash
	for _, d := range m.Manifests {
		keep := false
		if d.Platform != nil && d.MediaType.IsImage() {
			available = append(available, platformOf(d).String())
			for i, f := range filters {
				if f.matches(d.Platform) {
					keep, matched[i] = true, true
				}
			}
		}
		if !keep {
			drop = append(drop, d.Digest)
		}
	}
	var missing []string
	for i, ok := range matched {
		if !ok {
			missing = append(missing, filters[i].String())
		}
	}
	if len(missing) > 0 {
		return nil, &PlatformError{Reference: ref, Missing: missing, Available: available}
	}
	return mutate.RemoveManifests(idx, func(d v1.Descriptor) bool {
		for _, h := range drop {
			if d.Digest == h {
				return true
			}
		}
		return false
	}), nil
}

func describeIndex(idx v1.ImageIndex) (Descriptor, error) {
	d, err := idx.Digest()
	if err != nil {
		return Descriptor{}, err
	}
	mt, err := idx.MediaType()
	if err != nil {
		return Descriptor{}, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return Descriptor{}, err
	}
	out := Descriptor{Digest: d.String(), MediaType: string(mt)}
	for _, e := range m.Manifests {
		if e.MediaType.IsImage() && e.Platform != nil {
			out.Platforms = append(out.Platforms, platformOf(e))
		}
	}
	return out, nil
}

func platformNames(ps []Platform) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// verify checks that dst names want, and that each platform image of want is at dst by its digest.
func (c *Client) verify(ctx context.Context, dst name.Reference, want Descriptor) error {
	got, err := remote.Head(dst, c.remoteOptions(ctx)...)
	if err != nil {
		return err
	}
	if got.Digest.String() != want.Digest {
		return &VerifyError{Reference: dst.Name(), Want: want.Digest, Got: got.Digest.String()}
	}
	for _, p := range want.Platforms {
		ref := dst.Context().Digest(p.Digest)
		h, err := remote.Head(ref, c.remoteOptions(ctx)...)
		if err != nil {
			return fmt.Errorf("verifying %s (%s): %w", ref.Name(), p, err)
		}
		if h.Digest.String() != p.Digest {
			return &VerifyError{Reference: ref.Name(), Want: p.Digest, Got: h.Digest.String()}
		}
	}
	return nil
}

// blobs are the distinct blobs of a copy (configs and layers), by digest, with their sizes.
type blobs map[v1.Hash]int64

// inventory lists the blobs of what desc names (only the filtered platforms of an index).
func (c *Client) inventory(ref string, desc *remote.Descriptor, filters []Platform) (blobs, error) {
	out := blobs{}
	if !desc.MediaType.IsIndex() {
		img, err := desc.Image()
		if err != nil {
			return nil, err
		}
		return out, out.addImage(img)
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, err
	}
	if len(filters) > 0 {
		if idx, err = keepPlatforms(ref, idx, filters); err != nil {
			return nil, err
		}
	}
	return out, out.addIndex(idx)
}

func (b blobs) addIndex(idx v1.ImageIndex) error {
	m, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range m.Manifests {
		switch {
		case d.MediaType.IsImage():
			img, err := idx.Image(d.Digest)
			if err != nil {
				return err
			}
			if err := b.addImage(img); err != nil {
				return err
			}
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return err
			}
			if err := b.addIndex(child); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b blobs) addImage(img v1.Image) error {
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	b[m.Config.Digest] = m.Config.Size
	for _, l := range m.Layers {
		b[l.Digest] = l.Size
	}
	return nil
}

// progressStep is how many bytes pass between two progress reports within a blob.
const progressStep = 8 << 20

// counting follows one copy: the blobs to have at the target, the bytes and blobs uploaded.
type counting struct {
	mu       sync.Mutex
	total    blobs
	uploaded map[v1.Hash]bool
	bytes    int64
	reported int64
	report   func(Progress)
}

func (c *counting) reset(total blobs, report func(Progress)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total, c.report = total, report
	if c.uploaded == nil {
		c.uploaded = map[v1.Hash]bool{}
	}
}

// progress is the state of the copy; the caller holds mu.
func (c *counting) progress() Progress {
	var p Progress
	for h, size := range c.total {
		p.BytesTotal += size
		if c.uploaded[h] {
			p.BlobsUploaded++
		}
	}
	p.BytesDone = c.bytes
	// Blobs not uploaded by this copy were at the target already (a retry's uploads count once).
	p.BlobsSkipped = int64(len(c.total)) - p.BlobsUploaded
	return p
}

// final is the progress at the end of the copy: every blob is at the target.
func (c *counting) final() Progress {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.progress()
	var skippedBytes int64
	for h, size := range c.total {
		if !c.uploaded[h] {
			skippedBytes += size
		}
	}
	// Bytes of skipped blobs are done without being sent.
	p.BytesDone = min(p.BytesTotal, c.bytes+skippedBytes)
	return p
}

func (c *counting) sent(n int64, blobDone *v1.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock() // reports are made one at a time, in order
	c.bytes += n
	if blobDone != nil {
		c.uploaded[*blobDone] = true
	}
	if c.report != nil && (blobDone != nil || c.bytes-c.reported >= progressStep) {
		c.reported = c.bytes
		c.report(c.progress())
	}
}

// countingTransport counts the blob bytes sent to the target registry host, and the blobs uploaded.
// With beforeTag, a manifest written to tagPath at host is sent only when beforeTag allows it.
type countingTransport struct {
	next      http.RoundTripper
	c         *counting
	host      string
	tagPath   string
	beforeTag func(context.Context) error
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.beforeTag != nil && req.Method == http.MethodPut && req.URL.Host == t.host && req.URL.Path == t.tagPath {
		if err := t.beforeTag(req.Context()); err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, err
		}
	}
	upload := req.URL.Host == t.host && strings.Contains(req.URL.Path, "/blobs/uploads/")
	if upload && req.Body != nil && req.Body != http.NoBody {
		req.Body = &countingBody{ReadCloser: req.Body, c: t.c}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil || !upload || req.Method != http.MethodPut || resp.StatusCode != http.StatusCreated {
		return resp, err
	}
	if h, herr := v1.NewHash(req.URL.Query().Get("digest")); herr == nil {
		t.c.sent(0, &h)
	}
	return resp, nil
}

// countingBody counts the bytes of a request body as the transport reads them.
type countingBody struct {
	io.ReadCloser
	c *counting
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.c.sent(int64(n), nil)
	}
	return n, err
}

// SelectPlatforms are the platforms of src that the filters (os/architecture[/variant]) keep, in
// src's order; a filter that matches none is a *PlatformError listing the platforms src has.
func SelectPlatforms(ref string, src Descriptor, filters []string) ([]Platform, error) {
	fs, err := parseFilters(filters)
	if err != nil {
		return nil, err
	}
	matched := make([]bool, len(fs))
	var out []Platform
	for _, p := range src.Platforms {
		keep := false
		for i, f := range fs {
			if f.matches(&v1.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}) {
				keep, matched[i] = true, true
			}
		}
		if keep {
			out = append(out, p)
		}
	}
	var missing []string
	for i, ok := range matched {
		if !ok {
			missing = append(missing, fs[i].String())
		}
	}
	if len(missing) > 0 {
		return nil, &PlatformError{Reference: ref, Missing: missing, Available: platformNames(src.Platforms)}
	}
	return out, nil
}
