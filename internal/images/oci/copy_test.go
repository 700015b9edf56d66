// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
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
