// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// neverAnswer makes reg accept the requests that match and never answer them: a fault no real
// registry produces on demand, served by the test in place of the registry. Each request is held
// until the client gives up on it (its context on the server side ends when the connection closes)
// or the test ends.
func neverAnswer(t *testing.T, reg *registryfake.Registry, match func(*http.Request) bool) {
	t.Helper()
	testDone := make(chan struct{})
	t.Cleanup(func() { close(testDone) }) // runs before the registry's own cleanup closes it
	reg.Intercept(func(_ http.ResponseWriter, req *http.Request, _ http.Handler) bool {
		if !match(req) {
			return false
		}
		select {
		case <-req.Context().Done():
		case <-testDone:
		}
		return true
	})
}

func manifestRequests(req *http.Request) bool { return strings.Contains(req.URL.Path, "/manifests/") }

// wantTimeout checks that err is a *oci.TimeoutError of the host, the work and the limit given.
func wantTimeout(t *testing.T, err error, host, doing string, limit time.Duration) {
	t.Helper()
	var te *oci.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v; want a *oci.TimeoutError", err)
	}
	if te.Host != host || te.Doing != doing || te.Timeout != limit {
		t.Errorf("TimeoutError{Host: %q, Doing: %q, Timeout: %v}, want {%q, %q, %v}", te.Host, te.Doing, te.Timeout, host, doing, limit)
	}
	want := fmt.Sprintf("the registry %s did not answer while %s within the %s timeout", host, doing, te.Limit())
	if !strings.Contains(err.Error(), want) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %q: want it to say %q and wrap context.DeadlineExceeded", err, want)
	}
}

// A registry that accepts a manifest request and never answers holds Resolve only until the
// timeout, retries included: the error names the registry, the reference and the limit.
func TestResolveRegistryThatNeverAnswers(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{})
	reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	neverAnswer(t, reg, manifestRequests)
	ref := reg.Host + "/zenml/zenml-pro-api:0.13.0"
	_, err := newClient(t, oci.Options{Backoff: fastBackoff()}).Resolve(context.Background(), ref, 2*time.Second)
	wantTimeout(t, err, reg.Host, "resolving "+ref, 2*time.Second)
}

// A copy whose target never answers its manifest requests ends at the copy's timeout, naming the
// target registry, not the source that answered.
func TestCopyTargetThatNeverAnswers(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	src.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64")
	neverAnswer(t, dst, manifestRequests)
	from, to := src.Host+"/zenml/zenml-pro-server:0.93.2", dst.Host+"/zenml/zenml-pro-server:0.93.2"
	_, err := newClient(t, oci.Options{Backoff: fastBackoff()}).Copy(context.Background(), from, to, oci.CopyOptions{Timeout: 2 * time.Second})
	wantTimeout(t, err, dst.Host, "copying "+from+" to "+to, 2*time.Second)
}

// A source that sends the headers and half of a blob and then stops sending (without closing the
// connection) holds the copy until its timeout: the transport's response header limit never cuts a
// blob in progress, the copy's timeout does, naming the source.
func TestCopySourceThatStopsInTheMiddleOfABlob(t *testing.T) {
	t.Parallel()
	src := registryfake.Start(t, registryfake.Options{})
	dst := registryfake.Start(t, registryfake.Options{})
	src.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	testDone := make(chan struct{})
	t.Cleanup(func() { close(testDone) })
	src.Intercept(func(w http.ResponseWriter, req *http.Request, inner http.Handler) bool {
		if req.Method != http.MethodGet || !strings.Contains(req.URL.Path, "/blobs/sha256:") {
			return false
		}
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-req.Context().Done():
		case <-testDone:
		}
		return true
	})
	from, to := src.Host+"/zenml/zenml-pro-api:0.13.0", dst.Host+"/zenml/zenml-pro-api:0.13.0"
	_, err := newClient(t, oci.Options{Backoff: fastBackoff()}).Copy(context.Background(), from, to, oci.CopyOptions{Timeout: 2 * time.Second})
	wantTimeout(t, err, src.Host, "copying "+from+" to "+to, 2*time.Second)
}

// A mirror's read of its copy (Head) and a delete end at their timeouts the same way.
func TestHeadAndDeleteRegistryThatNeverAnswers(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{})
	digest := reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	neverAnswer(t, reg, manifestRequests)
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	ref := reg.Host + "/zenml/zenml-pro-api:0.13.0"
	_, err := c.Head(context.Background(), ref, time.Second)
	wantTimeout(t, err, reg.Host, "reading "+ref, time.Second)
	_, err = c.DeleteCopy(context.Background(), ref, digest, time.Second)
	wantTimeout(t, err, reg.Host, "deleting "+ref, time.Second)
}

// The limit reads as a user writes it.
func TestTimeoutErrorLimit(t *testing.T) {
	for d, want := range map[time.Duration]string{3 * time.Second: "3s", 2 * time.Minute: "2m", 90 * time.Second: "1m30s",
		time.Hour: "1h", 90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1.5s"} {
		if got := (&oci.TimeoutError{Timeout: d}).Limit(); got != want {
			t.Errorf("Limit of %v = %q, want %q", d, got, want)
		}
	}
}
