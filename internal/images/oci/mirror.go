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
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
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

// CheckTarget refuses a mirror whose target is its source's own repository: the copy would be
// written onto the source, and its destroy could delete the source image. Repositories are compared
// as registries name them: Docker Hub's spellings (docker.io, index.docker.io, registry-1.docker.io,
// and library/ for official images) are one, host names are compared in lower case, and the HTTPS
// port 443 is the default one.
func (m Mirror) CheckTarget() error {
	if m.SourceRepository == "" || normalRepository(m.SourceRepository) != normalRepository(m.TargetRepository) {
		return nil
	}
	return inputerr.New("target_registry", "Target Is The Source",
		"the copy would be %s, which is the source repository %s itself: the copy would be written onto the source, and "+
			"destroying it could delete the source image. A mirror copies into another repository than its source's, e.g. "+
			"target_registry = %q", m.Target, m.SourceRepository, images.ExampleRegistry)
}

// normalRepository is a repository as registries compare it (see CheckTarget).
func normalRepository(s string) string {
	host, rest, _ := strings.Cut(strings.TrimRight(s, "/"), "/")
	host = strings.TrimSuffix(strings.ToLower(host), ":443")
	switch host {
	case "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		host = name.DefaultRegistry
	}
	if r, err := name.NewRepository(host + "/" + rest); err == nil {
		return r.Name()
	}
	return host + "/" + rest
}

// TagConflictError says that a copy's target tag names another image than the one the copy writes,
// which the copy did not write: it is not overwritten.
type TagConflictError struct {
	// Reference is the target tag, e.g. harbor.internal.example.com/zenml/zenml-pro-server:0.93.2.
	Reference string
	// Found is the digest the tag names; Want is the digest the copy writes.
	Found, Want string
	// Changed is true when the tag changed since the copy was planned, when it named Expected
	// ("" for nothing).
	Changed  bool
	Expected string
}

func (e *TagConflictError) Error() string {
	if e.Changed {
		was := "named nothing"
		if e.Expected != "" {
			was = "named " + e.Expected
		}
		return fmt.Sprintf("%s names %s now, but it %s when the copy was planned: something else wrote it since; the copy, %s, was not written",
			e.Reference, orNothing(e.Found), was, e.Want)
	}
	return fmt.Sprintf("%s names %s already, another image than the copy, %s", e.Reference, e.Found, e.Want)
}

func orNothing(digest string) string {
	if digest == "" {
		return "nothing"
	}
	return digest
}

// TagRule says what a copy may find at its target tag when it writes it. A copy without a rule
// writes over whatever the tag names (a copy of a tag it owns, restoring it).
type TagRule struct {
	// Expect is the digest the tag named when the copy was planned, "" for nothing: the copy writes
	// the tag only while it names Expect or the copy's own digest, checked before the first blob is
	// sent and again right before the manifest is written.
	Expect string
	// Also is another digest the tag may name ("" for none): the copy of an earlier apply that this
	// one replaces, whose tag may be gone (deleted by its destroy) or still name it.
	Also string
}

// Check checks what the tag ref names now, found ("" for nothing), against the rule: want is the
// digest the copy writes. A nil rule allows everything.
func (r *TagRule) Check(ref, found, want string) error {
	if r == nil || found == r.Expect || found == want || (r.Also != "" && found == r.Also) {
		return nil
	}
	return &TagConflictError{Reference: ref, Found: found, Want: want, Changed: true, Expected: r.Expect}
}

// Claim is what a new copy does with its target tag, decided from what the tag names before it.
type Claim struct {
	// Existing is the digest the tag names, "" for nothing.
	Existing string
	// Preexisting is true when the tag names the copy's digest already and the copy does not adopt
	// it: nothing is written, and the image is not the copy's to delete.
	Preexisting bool
	// Replaced is the digest an adopted tag named: another image, which the copy replaces, or the
	// copy's own digest, which it keeps. "" when nothing was adopted.
	Replaced string
}

// ClaimTag decides what a new copy of want to ref does with the tag, which names existing ("" for
// nothing): a tag that names nothing is written; with adopt, the tag is taken over whatever it
// names; without it, a tag that names want already is recorded as preexisting, and a tag that names
// another image is a *TagConflictError.
func ClaimTag(ref, existing, want string, adopt bool) (Claim, error) {
	c := Claim{Existing: existing}
	switch {
	case existing == "":
	case adopt:
		c.Replaced = existing
	case existing == want:
		c.Preexisting = true
	default:
		return c, &TagConflictError{Reference: ref, Found: existing, Want: want}
	}
	return c, nil
}

// TagDigest is the digest ref (repository:tag) names now, asking the registry every time, or "" when
// the tag (or its repository) does not exist.
func (c *Client) TagDigest(ctx context.Context, ref string, timeout time.Duration) (string, error) {
	d, err := c.Head(ctx, ref, timeout)
	var nf *NotFoundError
	switch {
	case errors.As(err, &nf):
		return "", nil
	case err != nil:
		return "", err
	}
	return d.Digest, nil
}

// tagDigest is TagDigest within a call of the client: one request, no retries of its own.
func (c *Client) tagDigest(ctx context.Context, tag name.Reference) (string, error) {
	d, err := remote.Head(tag, c.remoteOptions(ctx)...)
	switch {
	case statusOf(err) == http.StatusNotFound:
		return "", nil
	case err != nil:
		return "", err
	}
	return d.Digest.String(), nil
}

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

// DeleteCopy deletes the copy that ref (repository:tag) names, if the tag still names digest, read
// right before the delete. It deletes the tag (OCI distribution 1.1), which leaves the image to every
// other tag that names it. A registry that deletes only by digest (deleting the image with all its
// tags) gets a delete by digest only when no other tag of the repository names the image, and when
// the tag still names it after that look. A tag already gone is no error; an empty digest (nothing
// recorded) deletes nothing.
func (c *Client) DeleteCopy(ctx context.Context, ref, digest string, timeout time.Duration) (DeleteOutcome, error) {
	r, err := c.parse(ref)
	if err != nil {
		return DeleteOutcome{}, err
	}
	tag, ok := r.(name.Tag)
	if !ok {
		return DeleteOutcome{}, fmt.Errorf("%s names no tag", ref)
	}
	if !isDigest(digest) {
		return DeleteOutcome{Kept: "no digest of the copy is recorded, so nothing proves that the tag names this resource's copy"}, nil
	}
	var out DeleteOutcome
	err = c.do(ctx, timeout, "deleting "+r.Name(), func(ctx context.Context) error {
		out = DeleteOutcome{}
		opts := c.remoteOptions(ctx)
		// names reads the tag and says whether it still names the copy; out.Kept says why not.
		names := func() (bool, error) {
			now, err := c.tagDigest(ctx, tag)
			switch {
			case err != nil:
				return false, err
			case now == "":
				out.Kept = "the tag is gone already"
			case now != digest:
				out.Kept = fmt.Sprintf("the tag points to %s now, not to the copied %s: it was changed outside Terraform", now, digest)
			}
			return now == digest, nil
		}
		if ok, err := names(); !ok || err != nil {
			return err
		}
		err = remote.Delete(tag, opts...)
		switch {
		case err == nil:
			out.Deleted = true
			return nil
		case statusOf(err) == http.StatusNotFound:
			out.Kept = "the tag is gone already"
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
			other, err := c.tagDigest(ctx, tag.Context().Tag(t))
			if err != nil {
				return err
			}
			if other == digest {
				out.Kept = fmt.Sprintf("the registry deletes images by digest only, with all their tags, and the tag %s names the same image", t)
				return nil
			}
		}
		// The tag again, right before the delete: the look at the other tags took a while.
		if ok, err := names(); !ok || err != nil {
			return err
		}
		err = remote.Delete(tag.Context().Digest(digest), opts...)
		switch {
		case unsupported(err):
			return ErrDeleteUnsupported
		case statusOf(err) == http.StatusNotFound:
			out.Kept = "the image is gone already"
			return nil
		case err != nil:
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

// isDigest reports whether s is a digest (algorithm:hex).
func isDigest(s string) bool {
	_, err := v1.NewHash(s)
	return err == nil
}
