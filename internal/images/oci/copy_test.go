// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// Every platform of an index is copied from one registry (with basic auth) to another, digest for
// digest; a second copy of the same image uploads no blob, because the target has them all.
func TestCopyIndexAllPlatforms(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{Username: "zenml", Password: "src-pw"})
	dst := registryfake.Start(t, registryfake.Options{})
	index := src.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	c := newClient(t, oci.Options{Backoff: fastBackoff(), Registries: map[string]oci.Registry{src.Host: {Username: "zenml", Password: "src-pw"}}})
	var updates []oci.Progress
	res, err := c.Copy(context.Background(), src.Host+"/zenml-pro/zenml-pro-server:0.93.2", dst.Host+"/zenml/zenml-pro-server:0.93.2",
		oci.CopyOptions{Progress: func(p oci.Progress) { updates = append(updates, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source.Digest != index.Digest || res.Target.Digest != index.Digest || len(res.Target.Platforms) != 2 {
		t.Fatalf("Copy = %+v, want source and target %s with two platforms", res, index.Digest)
	}
	// Two images of two layers and a config each.
	if res.BlobsUploaded != 6 || dst.BlobUploads() != 6 || res.BlobsSkipped != 0 || res.BytesDone != res.BytesTotal {
		t.Errorf("first copy uploaded %d blobs (registry: %d) and skipped %d, want 6, 6, 0", res.BlobsUploaded, dst.BlobUploads(), res.BlobsSkipped)
	}
	if len(updates) < 7 || updates[len(updates)-1] != res.Progress || res.BytesTotal == 0 {
		t.Errorf("progress updates %+v: want several, ending with every byte done", updates)
	}
	d, err := c.Resolve(context.Background(), dst.Host+"/zenml/zenml-pro-server:0.93.2", time.Minute)
	if err != nil || d.Digest != index.Digest {
		t.Fatalf("the target resolves to %+v, %v; want %s", d, err, index.Digest)
	}
	again, err := c.Copy(context.Background(), src.Host+"/zenml-pro/zenml-pro-server:0.93.2", dst.Host+"/zenml/zenml-pro-server:copy", oci.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.BlobsUploaded != 0 || dst.BlobUploads() != 6 || again.BlobsSkipped != 6 {
		t.Errorf("second copy uploaded %d blobs (registry: %d in all) and skipped %d, want 0, 6, 6", again.BlobsUploaded, dst.BlobUploads(), again.BlobsSkipped)
	}
}

// A platform filter keeps the named platforms: the target is a smaller index whose images are the
// source's, digest for digest; a platform the source lacks is an error listing those it has.
func TestCopyPlatformFilter(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	index := src.PushIndex(t, "zenml/zenml-pro-api:0.13.0", "linux/amd64", "linux/arm64/v8")
	single := src.PushImage(t, "zenml/zenml-pro-dashboard:0.13.0")
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	res, err := c.Copy(context.Background(), src.Host+"/zenml/zenml-pro-api:0.13.0", dst.Host+"/zenml/zenml-pro-api:0.13.0",
		oci.CopyOptions{Platforms: []string{"linux/arm64"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Target.Digest == index.Digest || len(res.Target.Platforms) != 1 || res.Target.Platforms[0].Digest != index.Platforms[1] ||
		res.Target.Platforms[0].String() != "linux/arm64/v8" {
		t.Fatalf("filtered copy = %+v, want an index of linux/arm64/v8 only, digest %s", res.Target, index.Platforms[1])
	}
	if res.BlobsUploaded != 3 {
		t.Errorf("filtered copy uploaded %d blobs, want 3 (one image)", res.BlobsUploaded)
	}
	_, err = c.Copy(context.Background(), src.Host+"/zenml/zenml-pro-api:0.13.0", dst.Host+"/zenml/zenml-pro-api:x",
		oci.CopyOptions{Platforms: []string{"linux/amd64", "linux/s390x"}})
	var pe *oci.PlatformError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "has no image for linux/s390x; its platforms are linux/amd64, linux/arm64/v8") {
		t.Errorf("Copy with a missing platform = %v, want a PlatformError listing the index's platforms", err)
	}
	_, err = c.Copy(context.Background(), src.Host+"/zenml/zenml-pro-dashboard:0.13.0", dst.Host+"/zenml/zenml-pro-dashboard:0.13.0",
		oci.CopyOptions{Platforms: []string{"linux/amd64"}})
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "none (a single-platform image)") {
		t.Errorf("Copy of a single image with a filter = %v, want a PlatformError", err)
	}
	if res, err := c.Copy(context.Background(), src.Host+"/zenml/zenml-pro-dashboard:0.13.0", dst.Host+"/zenml/zenml-pro-dashboard:0.13.0",
		oci.CopyOptions{}); err != nil || res.Target.Digest != single {
		t.Errorf("Copy of a single image = %+v, %v; want %s", res.Target, err, single)
	}
	if _, err := oci.ParsePlatform("linux"); err == nil || !strings.Contains(err.Error(), `"linux/arm64/v8"`) {
		t.Errorf("ParsePlatform(linux) = %v, want an error with an example", err)
	}
}

// Server errors on blob writes and a connection cut in the middle of a blob read are retried; the copy
// completes with the source's digest.
func TestCopyRetriesFaults(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	index := src.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64")
	src.CutBlobReads(1)
	dst.FailBlobs(http.StatusInternalServerError, http.StatusTooManyRequests)
	var retries int
	c := newClient(t, oci.Options{Backoff: fastBackoff(), Log: func(context.Context, string, map[string]any) { retries++ }})
	res, err := c.Copy(context.Background(), src.Host+"/zenml/zenml-pro-server:0.93.2", dst.Host+"/zenml/zenml-pro-server:0.93.2", oci.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Target.Digest != index.Digest || retries == 0 {
		t.Errorf("copy after faults = %s with %d retries, want %s after retries", res.Target.Digest, retries, index.Digest)
	}
}

// A cancelled copy stops with the cancellation, without retrying.
func TestCopyCancelled(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	src.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	_, err := newClient(t, oci.Options{Backoff: fastBackoff()}).Copy(ctx, src.Host+"/zenml/zenml-pro-server:0.93.2", dst.Host+"/zenml/x:1", oci.CopyOptions{})
	if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
		t.Errorf("cancelled Copy = %v after %s, want context.Canceled at once", err, time.Since(start))
	}
}

// With a tag rule, a copy writes its target tag only while it names what the plan saw (here nothing)
// or the copy itself: a tag that names another image stops the copy before the first blob is sent; a
// rule that expects that image replaces it, and says what was there; a tag that names the copy
// already is not written again.
func TestCopyTagRule(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	index := src.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
	other := dst.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	from, to := src.Host+"/zenml-pro/zenml-pro-server:0.93.2", dst.Host+"/zenml/zenml-pro-server:0.93.2"

	_, err := c.Copy(context.Background(), from, to, oci.CopyOptions{Tag: &oci.TagRule{}})
	var tc *oci.TagConflictError
	if !errors.As(err, &tc) || tc.Found != other || tc.Want != index.Digest || !strings.Contains(err.Error(), "names "+other+" now") {
		t.Fatalf("Copy onto another image = %v, want a TagConflictError naming %s and %s", err, other, index.Digest)
	}
	if d, _ := dst.Digest(t, "zenml/zenml-pro-server:0.93.2"); d != other || dst.BlobUploads() != 0 {
		t.Fatalf("after the refused copy the tag names %s and %d blobs were uploaded; want %s and none", d, dst.BlobUploads(), other)
	}

	res, err := c.Copy(context.Background(), from, to, oci.CopyOptions{Tag: &oci.TagRule{Expect: other}})
	if err != nil || res.Before != other || res.Target.Digest != index.Digest {
		t.Fatalf("Copy expecting %s = %+v, %v; want it replaced, Before = %[1]s", other, res, err)
	}
	uploads := dst.BlobUploads()
	res, err = c.Copy(context.Background(), from, to, oci.CopyOptions{Tag: &oci.TagRule{}})
	if err != nil || res.Before != index.Digest || dst.BlobUploads() != uploads || res.BlobsUploaded != 0 {
		t.Fatalf("Copy onto itself = %+v, %v (%d uploads); want nothing written, Before = %s", res, err, dst.BlobUploads()-uploads, index.Digest)
	}
}

// Another writer pushes to the target tag while the copy sends its blobs (a fake fault: the registry
// answers the first blob upload after pushing another image to the tag): the copy reads the tag again
// right before it writes the manifest, and stops.
func TestCopyTagWrittenDuringCopy(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	index := src.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
	var pushed atomic.Bool
	var other string
	dst.Intercept(func(w http.ResponseWriter, req *http.Request, inner http.Handler) bool {
		if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/blobs/uploads/") && pushed.CompareAndSwap(false, true) {
			other = dst.PushImage(t, "zenml/zenml-pro-server:0.93.2")
		}
		return false
	})
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	_, err := c.Copy(context.Background(), src.Host+"/zenml-pro/zenml-pro-server:0.93.2", dst.Host+"/zenml/zenml-pro-server:0.93.2",
		oci.CopyOptions{Tag: &oci.TagRule{}})
	var tc *oci.TagConflictError
	if !errors.As(err, &tc) || !tc.Changed || tc.Found != other || tc.Want != index.Digest {
		t.Fatalf("Copy while another writer takes the tag = %v, want a TagConflictError naming %s", err, other)
	}
	if d, _ := dst.Digest(t, "zenml/zenml-pro-server:0.93.2"); d != other {
		t.Fatalf("the tag names %s after the copy, want the other writer's %s", d, other)
	}
}

// A push from a layout (an offline bundle) reads the tag again right before the manifest, as a copy
// does: another writer that takes the tag while the blobs are sent keeps it, and the push fails
// naming its digest (the other writer is played by the test at the first blob upload).
func TestPushTagWrittenDuringPush(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	index := src.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	l, err := oci.CreateLayout(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	saved, err := c.Save(context.Background(), l, src.Host+"/zenml-pro/zenml-pro-server:0.93.2", "zenml-pro-server:0.93.2", oci.SaveOptions{})
	if err != nil || saved.Saved.Digest != index.Digest {
		t.Fatalf("Save = %+v, %v", saved, err)
	}
	var pushed atomic.Bool
	var other string
	dst.Intercept(func(w http.ResponseWriter, req *http.Request, inner http.Handler) bool {
		if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/blobs/uploads/") && pushed.CompareAndSwap(false, true) {
			other = dst.PushImage(t, "zenml/zenml-pro-server:0.93.2")
		}
		return false
	})
	_, err = c.Push(context.Background(), l, index.Digest, dst.Host+"/zenml/zenml-pro-server:0.93.2", oci.CopyOptions{Tag: &oci.TagRule{}})
	var tc *oci.TagConflictError
	if !errors.As(err, &tc) || !tc.Changed || tc.Found != other || tc.Want != index.Digest {
		t.Fatalf("Push while another writer takes the tag = %v, want a TagConflictError naming %s", err, other)
	}
	if d, _ := dst.Digest(t, "zenml/zenml-pro-server:0.93.2"); d != other {
		t.Fatalf("the tag names %s after the push, want the other writer's %s", d, other)
	}
}

// A failed request names the operation that failed and the registry's own error code, whichever
// registry answered (fake faults: a registry that refuses an upload with DIGEST_INVALID, a manifest
// with MANIFEST_INVALID, a push with DENIED, and a source whose blob redirects to a store that has
// lost it, which no real registry produces on demand).
func TestCopyErrorsNameOperationAndCode(t *testing.T) {
	t.Parallel()
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	refuse := func(method, part string, status int, code, message string) registryfake.Interceptor {
		return func(w http.ResponseWriter, req *http.Request, inner http.Handler) bool {
			if req.Method != method || !strings.Contains(req.URL.Path, part) {
				return false
			}
			if req.Body != nil {
				_, _ = io.Copy(io.Discard, req.Body)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`, code, message)
			return true
		}
	}
	for _, tc := range []struct {
		name   string
		fault  func(src, dst *registryfake.Registry)
		op     oci.Operation
		code   string
		status int
		words  []string
	}{
		{name: "upload refused", fault: func(_, dst *registryfake.Registry) {
			dst.Intercept(refuse(http.MethodPut, "/blobs/uploads/", http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content"))
		}, op: oci.OpUploadBlob, code: "DIGEST_INVALID", status: http.StatusBadRequest, words: []string{"uploading a blob sha256:", " to ", "DIGEST_INVALID"}},
		{name: "manifest refused", fault: func(_, dst *registryfake.Registry) {
			dst.Intercept(refuse(http.MethodPut, "/manifests/", http.StatusBadRequest, "MANIFEST_INVALID", "manifest invalid"))
		}, op: oci.OpWriteManifest, code: "MANIFEST_INVALID", status: http.StatusBadRequest, words: []string{"writing the manifest", "MANIFEST_INVALID"}},
		{name: "blob lost behind a redirect", fault: func(src, _ *registryfake.Registry) {
			store := httptest.NewServer(http.NotFoundHandler())
			t.Cleanup(store.Close)
			src.Intercept(func(w http.ResponseWriter, req *http.Request, inner http.Handler) bool {
				if req.Method != http.MethodGet || !strings.Contains(req.URL.Path, "/blobs/sha256:") {
					return false
				}
				http.Redirect(w, req, store.URL+"/objects/"+req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:], http.StatusTemporaryRedirect)
				return true
			})
		}, op: oci.OpReadBlob, status: http.StatusNotFound, words: []string{"reading a blob sha256:", " from ", "no registry error code", "redirected"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := registryfake.Start(t, registryfake.Options{})
			dst := registryfake.Start(t, registryfake.Options{})
			src.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
			tc.fault(src, dst)
			_, err := c.Copy(context.Background(), src.Host+"/zenml-pro/zenml-pro-server:0.93.2", dst.Host+"/zenml/zenml-pro-server:0.93.2", oci.CopyOptions{})
			t.Log(err)
			var re *oci.RegistryError
			var nf *oci.NotFoundError
			if !errors.As(err, &re) || errors.As(err, &nf) {
				t.Fatalf("Copy = %v (%T), want a RegistryError", err, err)
			}
			if re.Operation != tc.op || re.Code != tc.code || re.Status != tc.status {
				t.Errorf("Copy failed %q with %q (HTTP %d), want %q with %q (HTTP %d)", re.Operation, re.Code, re.Status, tc.op, tc.code, tc.status)
			}
			for _, w := range tc.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "resolving") || strings.Contains(err.Error(), "no such repository") {
				t.Errorf("the error %q names another failure than the one that happened", err)
			}
		})
	}

	// A push the target refuses (DENIED) names the target, not the source, and the upload.
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	src.PushImage(t, "zenml-pro/zenml-pro-api:0.13.0")
	dst.Intercept(refuse(http.MethodPost, "/blobs/uploads/", http.StatusForbidden, "DENIED", "requested access to the resource is denied"))
	_, err := c.Copy(context.Background(), src.Host+"/zenml-pro/zenml-pro-api:0.13.0", dst.Host+"/zenml/zenml-pro-api:0.13.0", oci.CopyOptions{})
	var ae *oci.AuthError
	if !errors.As(err, &ae) || ae.Host != dst.Host || oci.FailureOf(err).Operation != oci.OpUploadBlob || oci.FailureOf(err).Code != "DENIED" {
		t.Fatalf("Copy refused by the target = %v, want an AuthError for %s while uploading a blob, with DENIED", err, dst.Host)
	}
}

// The plan of a filtered copy knows its digest: the index of the kept platforms, as the copy writes it.
func TestPlannedFilteredDigest(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	src.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	from := src.Host + "/zenml/zenml-pro-server:0.93.2"
	want, err := c.Planned(context.Background(), from, []string{"linux/arm64"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Copy(context.Background(), from, dst.Host+"/zenml/zenml-pro-server:0.93.2", oci.CopyOptions{Platforms: []string{"linux/arm64"}})
	if err != nil || res.Target.Digest != want.Digest {
		t.Fatalf("Copy = %+v, %v; want the planned %s", res.Target, err, want.Digest)
	}
}

// Save fetches each blob of an index once (two images of a config and two layers each), and a second
// Save of the same index into the layout, which holds every blob, fetches none: writing a layer the
// layout has does not open its source. Before, naming the saved index in the layout wrote it again,
// and every layer's request was made and dropped unread.
func TestSaveFetchesEachBlobOnce(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	src.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64")
	var blobGets atomic.Int64
	src.Intercept(func(w http.ResponseWriter, req *http.Request, inner http.Handler) bool {
		if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/sha256:") {
			blobGets.Add(1)
		}
		return false
	})
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	l, err := oci.CreateLayout(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ref := src.Host + "/zenml-pro/zenml-pro-server:0.93.2"
	if _, err := c.Save(context.Background(), l, ref, "zenml-pro-server:0.93.2", oci.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := blobGets.Load(); n != 6 {
		t.Errorf("the first Save made %d blob requests, want 6 (two configs, four layers)", n)
	}
	blobGets.Store(0)
	if _, err := c.Save(context.Background(), l, ref, "zenml-pro-server:0.93.2", oci.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	// The configs are read again to describe the images; no layer is.
	if n := blobGets.Load(); n > 2 {
		t.Errorf("a Save into a layout that holds every blob made %d blob requests, want at most 2 (the configs)", n)
	}
	entries, err := l.Entries()
	if err != nil || len(entries) != 1 || entries[0].Name != "zenml-pro-server:0.93.2" {
		t.Fatalf("the layout's entries are %+v, %v; want the one name, once", entries, err)
	}
}
