// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bundle

import (
	"context"
	"strings"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
)

// ResolveError says that the source of an image or chart of a bundle could not be read.
type ResolveError struct {
	// Reference is the source reference; Chart is set for a chart's.
	Reference string
	Chart     bool
	Err       error
}

func (e *ResolveError) Error() string { return e.Reference + ": " + e.Err.Error() }
func (e *ResolveError) Unwrap() error { return e.Err }

// checkArchiveAmong says whether the platforms an index keeps (kept; none for a single-platform
// image, whose platform a plan does not read) hold an image of the docker tarballs' platform.
func checkArchiveAmong(ref, archive string, kept []oci.Platform, filtered bool) error {
	if len(kept) == 0 {
		return nil
	}
	if archive == "" {
		archive = DefaultArchivePlatform
	}
	a, err := oci.ParsePlatform(archive)
	if err != nil {
		return err
	}
	names := make([]string, len(kept))
	for i, p := range kept {
		if p.OS == a.OS && p.Architecture == a.Architecture && (a.Variant == "" || p.Variant == a.Variant) {
			return nil
		}
		names[i] = p.String()
	}
	return &ArchivePlatformError{Reference: ref, Platform: archive, Available: names, Filtered: filtered}
}

// Resolve reads what the sources of m (from Plan) name now, as a plan shows the bundle: each image's
// source digest and the platforms the bundle keeps of it (m.Platforms filters multi-platform images;
// a single image is kept as it is), its bundled digest when that is the source's (without a filter,
// or for a single image; with a filter the write computes the index of the kept platforms), and each
// chart's digest. It returns every failure: *ResolveError, *oci.PlatformError for a platform an
// image lacks, or *ArchivePlatformError for an index without an image of the docker tarballs' platform.
func Resolve(ctx context.Context, c *oci.Client, m *Manifest, timeout time.Duration) []error {
	var errs []error
	for i := range m.Images {
		img := &m.Images[i]
		d, err := c.Resolve(ctx, img.SourceURI, timeout)
		if err != nil {
			errs = append(errs, &ResolveError{Reference: img.SourceURI, Err: err})
			continue
		}
		kept := d.Platforms
		filtered := len(m.Platforms) > 0 && len(d.Platforms) > 0
		if filtered {
			if kept, err = oci.SelectPlatforms(img.SourceURI, d, m.Platforms); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		img.Platforms = nil
		for _, p := range kept {
			img.Platforms = append(img.Platforms, p.String())
		}
		if err := checkArchiveAmong(img.SourceURI, m.ArchivePlatform, kept, filtered); err != nil {
			errs = append(errs, err)
			continue
		}
		img.SourceDigest = d.Digest
		if !filtered {
			img.Digest = d.Digest
		}
	}
	for i := range m.Charts {
		ch := &m.Charts[i]
		d, err := c.Resolve(ctx, strings.TrimPrefix(ch.SourceURI, images.OCIScheme), timeout)
		if err != nil {
			errs = append(errs, &ResolveError{Reference: ch.SourceURI, Chart: true, Err: err})
			continue
		}
		ch.Digest = d.Digest
	}
	return errs
}
