// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
)

// ExampleSourceURI is an image reference as a mirror's source_uri takes it.
const ExampleSourceURI = "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2"

// Mirror is where a copy of an image goes: the target keeps the image's name (the last component of
// its repository) and its tag, under the target registry.
type Mirror struct {
	// Source is the reference to copy from: the repository and tag, or the repository and digest when
	// the source pins one (repository:tag@digest), normalised (docker.io images get index.docker.io).
	Source string
	// SourceDigest is the digest the source pins, or "".
	SourceDigest string
	// SourceRepository is the source's repository, e.g. index.docker.io/zenmldocker/zenml.
	SourceRepository string
	// Name and Tag are kept by the copy, e.g. "zenml-pro-server" and "0.93.2".
	Name, Tag string
	// Target is <target registry>/<name>:<tag>.
	Target string
	// TargetRepository is <target registry>/<name>.
	TargetRepository string
}

// MirrorOf works out the mirror of source (an image reference with a tag, and optionally a digest)
// in targetRegistry (a host with an optional path, e.g. "harbor.internal.example.com/zenml").
func MirrorOf(source, targetRegistry string) (Mirror, error) {
	reg, err := images.ParseRegistry(targetRegistry)
	if err != nil {
		return Mirror{}, err
	}
	base, digest, pinned := strings.Cut(source, "@")
	if pinned {
		if err := images.ParseDigest(digest); err != nil {
			return Mirror{}, fmt.Errorf("%q pins no valid digest: %w", source, err)
		}
	}
	tag, err := name.NewTag(base)
	if err == nil && !strings.Contains(base[strings.LastIndex(base, "/")+1:], ":") {
		err = errors.New("it names no tag")
	}
	if err != nil {
		return Mirror{}, fmt.Errorf("%q is not an image reference with a tag: %v. The copy keeps the image's name and tag, "+
			"so the source names a tag (with an optional digest), e.g. %q", source, err, ExampleSourceURI)
	}
	repo := tag.RepositoryStr()
	m := Mirror{Source: tag.Name(), SourceRepository: tag.Context().Name(), Name: repo[strings.LastIndex(repo, "/")+1:], Tag: tag.TagStr()}
	if pinned {
		m.Source, m.SourceDigest = tag.Context().Digest(digest).Name(), digest
	}
	m.TargetRepository = reg.String() + "/" + m.Name
	m.Target = m.TargetRepository + ":" + m.Tag
	return m, nil
}

// Pinned is the source reference by digest, repository@digest: what a copy planned for that digest copies.
func (m Mirror) Pinned(digest string) string { return m.SourceRepository + "@" + digest }

// Head says what ref names now, asking the registry every time (no cache): a mirror's Read must see
// a copy changed or deleted since the last look. A missing tag is a *NotFoundError.
func (c *Client) Head(ctx context.Context, ref string, timeout time.Duration) (Descriptor, error) {
	r, err := c.parse(ref)
	if err != nil {
		return Descriptor{}, err
	}
	var d Descriptor
	err = c.do(ctx, timeout, "reading "+r.Name(), func(ctx context.Context) error {
		desc, err := remote.Get(r, c.remoteOptions(ctx)...)
		if err != nil {
			return err
		}
		d, err = describe(desc)
		return err
	})
	if err != nil {
		return Descriptor{}, c.explain(r, err)
	}
	return d, nil
}

// DeleteOutcome says what DeleteCopy did.
type DeleteOutcome struct {
	// Deleted is true when the manifest was deleted.
	Deleted bool
	// Kept says why the copy was left in place (it changed, or another tag shares it), or "".
	Kept string
}

// ErrDeleteUnsupported says that the registry refuses deletes (many do by default).
var ErrDeleteUnsupported = errors.New("the registry does not allow deleting manifests (it answered 405 or UNSUPPORTED)")

// DeleteCopy deletes the copy that ref (repository:tag) names, if the tag still names digest. It
// deletes the tag (OCI distribution 1.1), which leaves the image to every other tag that names it.
// A registry that deletes only by digest (deleting the image with all its tags) gets a delete by
// digest only when no other tag of the repository names the image. A tag already gone is no error.
func (c *Client) DeleteCopy(ctx context.Context, ref, digest string, timeout time.Duration) (DeleteOutcome, error) {
	r, err := c.parse(ref)
	if err != nil {
		return DeleteOutcome{}, err
	}
	tag, ok := r.(name.Tag)
	if !ok {
		return DeleteOutcome{}, fmt.Errorf("%s names no tag", ref)
	}
	var out DeleteOutcome
	err = c.do(ctx, timeout, "deleting "+r.Name(), func(ctx context.Context) error {
		out = DeleteOutcome{}
		opts := c.remoteOptions(ctx)
		now, err := remote.Head(tag, opts...)
		switch {
		case statusOf(err) == http.StatusNotFound:
			out.Kept = "the tag is gone already"
			return nil
		case err != nil:
			return err
		case now.Digest.String() != digest:
			out.Kept = fmt.Sprintf("the tag points to %s now, not to the copied %s: it was changed outside Terraform", now.Digest, digest)
			return nil
		}
		err = remote.Delete(tag, opts...)
		switch {
		case err == nil || statusOf(err) == http.StatusNotFound:
			out.Deleted = true
			return nil
		case !unsupported(err):
			return err
		}
		// The registry deletes by digest only: not while another tag names the image.
		tags, err := remote.List(tag.Context(), opts...)
		if err != nil {
			return fmt.Errorf("listing the tags of %s, to make sure no other tag names the image: %w", tag.Context().Name(), err)
		}
		for _, t := range tags {
			if t == tag.TagStr() {
				continue
			}
			other, err := remote.Head(tag.Context().Tag(t), opts...)
			if statusOf(err) == http.StatusNotFound {
				continue
			}
			if err != nil {
				return err
			}
			if other.Digest.String() == digest {
				out.Kept = fmt.Sprintf("the registry deletes images by digest only, with all their tags, and the tag %s names the same image", t)
				return nil
			}
		}
		err = remote.Delete(tag.Context().Digest(digest), opts...)
		if unsupported(err) {
			return ErrDeleteUnsupported
		}
		if err != nil && statusOf(err) != http.StatusNotFound {
			return err
		}
		out.Deleted = true
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrDeleteUnsupported) {
			return DeleteOutcome{}, err
		}
		return DeleteOutcome{}, c.explain(r, err)
	}
	return out, nil
}

// unsupported reports whether a registry refused a delete as an operation it does not offer.
func unsupported(err error) bool {
	if err == nil {
		return false
	}
	s := statusOf(err)
	return s == http.StatusMethodNotAllowed || s == http.StatusBadRequest || strings.Contains(err.Error(), "UNSUPPORTED")
}
