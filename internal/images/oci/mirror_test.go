// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

func TestMirrorOf(t *testing.T) {
	const digest = "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
	for _, tc := range []struct {
		source, registry string
		want             oci.Mirror
		err              string
	}{
		{source: "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2", registry: "harbor.internal.example.com/zenml",
			want: oci.Mirror{Source: "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2",
				SourceRepository: "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server", Name: "zenml-pro-server", Tag: "0.93.2",
				Target: "harbor.internal.example.com/zenml/zenml-pro-server:0.93.2", TargetRepository: "harbor.internal.example.com/zenml/zenml-pro-server"}},
		{source: "zenmldocker/zenml:0.93.2", registry: "127.0.0.1:5001",
			want: oci.Mirror{Source: "index.docker.io/zenmldocker/zenml:0.93.2", SourceRepository: "index.docker.io/zenmldocker/zenml", Name: "zenml", Tag: "0.93.2",
				Target: "127.0.0.1:5001/zenml:0.93.2", TargetRepository: "127.0.0.1:5001/zenml"}},
		{source: "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0@" + digest, registry: "registry.example.com:5000/mirrors/zenml",
			want: oci.Mirror{Source: "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api@" + digest, SourceDigest: digest,
				SourceRepository: "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api",
				Name:             "zenml-pro-api", Tag: "0.13.0", Target: "registry.example.com:5000/mirrors/zenml/zenml-pro-api:0.13.0",
				TargetRepository: "registry.example.com:5000/mirrors/zenml/zenml-pro-api"}},
		{source: "zenmldocker/zenml", registry: "harbor.example.com", err: "is not an image reference with a tag"},
		{source: "zenmldocker/zenml@" + digest, registry: "harbor.example.com", err: "is not an image reference with a tag"},
		{source: "zenmldocker/zenml:0.93.2@sha256:abc", registry: "harbor.example.com", err: "pins no valid digest"},
		{source: "zenmldocker/zenml:0.93.2", registry: "https://harbor.example.com", err: "it has a scheme"},
	} {
		got, err := oci.MirrorOf(tc.source, tc.registry)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("MirrorOf(%q, %q) = %+v, %v; want %+v", tc.source, tc.registry, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("MirrorOf(%q, %q) = %v; want an error with %q", tc.source, tc.registry, err, tc.err)
		}
	}
}

// A copy's tag is deleted only while it still names the copy, and other tags keep the image; Head
// sees every change (it is not cached).
func TestDeleteCopy(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{})
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	ctx := context.Background()
	ref := reg.Host + "/zenml/zenml-pro-server:0.93.2"
	digest := reg.PushImage(t, "zenml/zenml-pro-server:0.93.2")

	reg.Tag(t, "zenml/zenml-pro-server:0.93.2", "zenml/zenml-pro-server:stable")
	out, err := c.DeleteCopy(ctx, ref, "sha256:"+strings.Repeat("0", 64), time.Minute)
	if err != nil || out.Deleted || !strings.Contains(out.Kept, "changed outside Terraform") {
		t.Fatalf("DeleteCopy of a changed tag = %+v, %v; want it kept", out, err)
	}

	// The tag is deleted; the other tag keeps the image.
	out, err = c.DeleteCopy(ctx, ref, digest, time.Minute)
	if err != nil || !out.Deleted {
		t.Fatalf("DeleteCopy = %+v, %v; want it deleted", out, err)
	}
	var nf *oci.NotFoundError
	if _, err := c.Head(ctx, ref, time.Minute); !errors.As(err, &nf) {
		t.Fatalf("Head after the delete = %v, want a NotFoundError", err)
	}
	if d, err := c.Head(ctx, reg.Host+"/zenml/zenml-pro-server:stable", time.Minute); err != nil || d.Digest != digest {
		t.Fatalf("the other tag = %+v, %v; want it to keep %s", d, err, digest)
	}
	out, err = c.DeleteCopy(ctx, ref, digest, time.Minute)
	if err != nil || out.Deleted || out.Kept != "the tag is gone already" {
		t.Fatalf("DeleteCopy of a gone tag = %+v, %v", out, err)
	}
}

// A registry that deletes by digest only (distribution 2.x) gets a delete by digest, which takes the
// image's tags with it: never while another tag names the image.
func TestDeleteCopyDigestOnlyRegistry(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{DigestDeletesOnly: true})
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	ctx := context.Background()
	ref := reg.Host + "/zenml/zenml-pro-server:0.93.2"
	digest := reg.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	reg.Tag(t, "zenml/zenml-pro-server:0.93.2", "zenml/zenml-pro-server:stable")
	out, err := c.DeleteCopy(ctx, ref, digest, time.Minute)
	if err != nil || out.Deleted || !strings.Contains(out.Kept, "deletes images by digest only, with all their tags, and the tag stable names the same image") {
		t.Fatalf("DeleteCopy with another tag on the image = %+v, %v; want it kept", out, err)
	}
	if _, err := c.Head(ctx, reg.Host+"/zenml/zenml-pro-server:stable", time.Minute); err != nil {
		t.Fatalf("the other tag is gone: %v", err)
	}
	other := reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	out, err = c.DeleteCopy(ctx, reg.Host+"/zenml/zenml-pro-api:0.13.0", other, time.Minute)
	if err != nil || !out.Deleted {
		t.Fatalf("DeleteCopy = %+v, %v; want it deleted", out, err)
	}
	var nf *oci.NotFoundError
	if _, err := c.Head(ctx, reg.Host+"/zenml/zenml-pro-api:0.13.0", time.Minute); !errors.As(err, &nf) {
		t.Fatalf("Head after the delete = %v, want a NotFoundError", err)
	}
}

// A mirror whose target is its source's own repository is refused, whichever way the repository is
// written: Docker Hub's spellings, the host's case, the default port.
func TestMirrorCheckTarget(t *testing.T) {
	for _, tc := range []struct {
		source, registry string
		same             bool
	}{
		{source: "zenmldocker/zenml:0.93.2", registry: "docker.io/zenmldocker", same: true},
		{source: "docker.io/zenmldocker/zenml:0.93.2", registry: "index.docker.io/zenmldocker", same: true},
		{source: "zenmldocker/zenml:0.93.2", registry: "registry-1.docker.io/zenmldocker", same: true},
		{source: "nginx:1.27", registry: "docker.io/library", same: true},
		{source: "nginx:1.27", registry: "docker.io", same: true},
		{source: "harbor.example.com/zenml/zenml-pro-server:0.93.2", registry: "Harbor.Example.com/zenml", same: true},
		{source: "harbor.example.com:443/zenml/zenml-pro-server:0.93.2", registry: "harbor.example.com/zenml", same: true},
		{source: "harbor.example.com/zenml/zenml-pro-server:0.93.2", registry: "harbor.example.com/mirror"},
		{source: "zenmldocker/zenml:0.93.2", registry: "docker.io/mirror"},
		{source: "harbor.example.com:5000/zenml/zenml-pro-server:0.93.2", registry: "harbor.example.com/zenml"},
	} {
		m, err := oci.MirrorOf(tc.source, tc.registry)
		if err != nil {
			t.Fatalf("MirrorOf(%q, %q): %v", tc.source, tc.registry, err)
		}
		err = m.CheckTarget()
		ie, isInput := inputerr.As(err)
		switch {
		case tc.same && (!isInput || ie.Input != "target_registry" || !strings.Contains(err.Error(), "is the source repository") ||
			!strings.Contains(err.Error(), `target_registry = "`)):
			t.Errorf("CheckTarget of %q into %q = %v, want an error on target_registry with an example", tc.source, tc.registry, err)
		case !tc.same && err != nil:
			t.Errorf("CheckTarget of %q into %q = %v, want none", tc.source, tc.registry, err)
		}
	}
}

// What a new copy does with a tag that exists: nothing there is written; the same image is
// preexisting unless adopted; another image is a conflict unless adopted, and then replaced.
func TestClaimTag(t *testing.T) {
	const ref, want, other = "harbor.example.com/zenml/app:1.0", "sha256:aaaa", "sha256:bbbb"
	for _, tc := range []struct {
		existing string
		adopt    bool
		claim    oci.Claim
		conflict bool
	}{
		{existing: ""},
		{existing: "", adopt: true},
		{existing: want, claim: oci.Claim{Existing: want, Preexisting: true}},
		{existing: want, adopt: true, claim: oci.Claim{Existing: want, Replaced: want}},
		{existing: other, conflict: true},
		{existing: other, adopt: true, claim: oci.Claim{Existing: other, Replaced: other}},
	} {
		got, err := oci.ClaimTag(ref, tc.existing, want, tc.adopt)
		var conflict *oci.TagConflictError
		switch {
		case tc.conflict && (!errors.As(err, &conflict) || conflict.Found != other || conflict.Want != want):
			t.Errorf("ClaimTag(%q, adopt %v) = %+v, %v; want a TagConflictError", tc.existing, tc.adopt, got, err)
		case !tc.conflict && (err != nil || got != tc.claim):
			t.Errorf("ClaimTag(%q, adopt %v) = %+v, %v; want %+v", tc.existing, tc.adopt, got, err, tc.claim)
		}
	}
}

// A copy without a recorded digest is never deleted: nothing proves the tag names it.
func TestDeleteCopyWithoutDigest(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{})
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	digest := reg.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	out, err := c.DeleteCopy(context.Background(), reg.Host+"/zenml/zenml-pro-server:0.93.2", "", time.Minute)
	if err != nil || out.Deleted || !strings.Contains(out.Kept, "no digest of the copy is recorded") {
		t.Fatalf("DeleteCopy without a digest = %+v, %v; want it kept", out, err)
	}
	if d, ok := reg.Digest(t, "zenml/zenml-pro-server:0.93.2"); !ok || d != digest {
		t.Fatalf("the tag names %q (present %v) after the delete, want %s", d, ok, digest)
	}
}

// On a registry that deletes by digest only, the tag is read again right before the delete: moved
// by someone else while the other tags were looked at (a fake fault: the tag moves when the registry
// lists the tags), the image is kept.
func TestDeleteCopyDigestOnlyTagMovedDuringLook(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{DigestDeletesOnly: true})
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	digest := reg.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	reg.PushImage(t, "zenml/zenml-pro-server:next")
	var moved atomic.Bool
	reg.Intercept(func(w http.ResponseWriter, req *http.Request, inner http.Handler) bool {
		if strings.HasSuffix(req.URL.Path, "/tags/list") && moved.CompareAndSwap(false, true) {
			reg.Tag(t, "zenml/zenml-pro-server:next", "zenml/zenml-pro-server:0.93.2")
		}
		return false
	})
	out, err := c.DeleteCopy(context.Background(), reg.Host+"/zenml/zenml-pro-server:0.93.2", digest, time.Minute)
	if err != nil || out.Deleted || !strings.Contains(out.Kept, "changed outside Terraform") {
		t.Fatalf("DeleteCopy of a tag moved during the look = %+v, %v; want it kept", out, err)
	}
	if _, ok := reg.Digest(t, "zenml/zenml-pro-server@"+digest); !ok {
		t.Fatalf("the image %s was deleted although its tag no longer named it", digest)
	}
}
