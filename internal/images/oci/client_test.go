// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

func fastBackoff() retry.Backoff {
	return retry.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond}
}

func newClient(t *testing.T, opts oci.Options) *oci.Client {
	t.Helper()
	c, err := oci.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestResolveIndexAndImage(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{})
	index := reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	image := reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	c := newClient(t, oci.Options{Backoff: fastBackoff()})

	d, err := c.Resolve(context.Background(), reg.Host+"/zenml/zenml-pro-server:0.93.2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if d.Digest != index.Digest || d.MediaType != "application/vnd.oci.image.index.v1+json" || len(d.Platforms) != 2 {
		t.Fatalf("Resolve(index) = %+v, want digest %s with two platforms", d, index.Digest)
	}
	if got := d.Platforms[1].String(); got != "linux/arm64/v8" || d.Platforms[1].Digest != index.Platforms[1] {
		t.Errorf("second platform = %s %s, want linux/arm64/v8 %s", got, d.Platforms[1].Digest, index.Platforms[1])
	}
	d, err = c.Resolve(context.Background(), reg.Host+"/zenml/zenml-pro-api:0.13.0", time.Minute)
	if err != nil || d.Digest != image || len(d.Platforms) != 0 || !strings.Contains(d.MediaType, "manifest") {
		t.Fatalf("Resolve(image) = %+v, %v; want digest %s and no platforms", d, err, image)
	}
}

// One request per distinct reference and process: a second Resolve asks the registry nothing.
func TestResolveAsksOncePerReference(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{})
	reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	c := newClient(t, oci.Options{Backoff: fastBackoff()})
	ref := reg.Host + "/zenml/zenml-pro-api:0.13.0"
	for range 5 {
		if _, err := c.Resolve(context.Background(), ref, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if n := reg.ManifestRequests(); n != 1 {
		t.Errorf("5 resolutions of one reference made %d manifest requests, want 1", n)
	}
}

// Throttling and server errors are retried within the timeout; a 404 is not.
func TestResolveRetriesThrottlingAndServerErrors(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{})
	image := reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	reg.FailManifests(429, 500, 503)
	var retries []string
	c := newClient(t, oci.Options{Backoff: fastBackoff(), Log: func(_ context.Context, msg string, f map[string]any) {
		kind, _ := f["kind"].(string)
		retries = append(retries, kind)
	}})
	d, err := c.Resolve(context.Background(), reg.Host+"/zenml/zenml-pro-api:0.13.0", time.Minute)
	if err != nil || d.Digest != image {
		t.Fatalf("Resolve after 429, 500, 503 = %+v, %v", d, err)
	}
	if len(retries) != 3 {
		t.Errorf("retries logged: %q, want 3", retries)
	}
	_, err = c.Resolve(context.Background(), reg.Host+"/zenml/zenml-pro-api:9.9.9", time.Minute)
	var nf *oci.NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Resolve of a missing tag = %v, want a NotFoundError", err)
	}
	// Endless throttling ends at the timeout with the last error. The tag is throttled on every request
	// (a fault a real registry does not produce on demand), so the deadline, not the number of faults,
	// ends the retries, and a loaded machine still sees a 429 before it.
	reg.Intercept(func(w http.ResponseWriter, req *http.Request, _ http.Handler) bool {
		if !strings.HasSuffix(req.URL.Path, "/manifests/0.13.1") {
			return false
		}
		http.Error(w, `{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`, http.StatusTooManyRequests)
		return true
	})
	_, err = c.Resolve(context.Background(), reg.Host+"/zenml/zenml-pro-api:0.13.1", 2*time.Second)
	var re *retry.Error
	if !errors.As(err, &re) || re.Reason != retry.StopDeadline || !strings.Contains(err.Error(), "429") {
		t.Errorf("Resolve under endless throttling = %v, want the 429 after the deadline", err)
	}
}

// Credentials come from the provider's registries entry; refused credentials are named (never the
// password) in the error.
func TestResolveWithCredentials(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{Username: "mirror", Password: "s3cret-pw"})
	image := reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	ref := reg.Host + "/zenml/zenml-pro-api:0.13.0"

	good := newClient(t, oci.Options{Backoff: fastBackoff(), Registries: map[string]oci.Registry{reg.Host: {Username: "mirror", Password: "s3cret-pw"}}})
	if d, err := good.Resolve(context.Background(), ref, time.Minute); err != nil || d.Digest != image {
		t.Fatalf("Resolve with the right credentials = %+v, %v", d, err)
	}
	for name, opts := range map[string]oci.Options{
		"wrong password": {Registries: map[string]oci.Registry{reg.Host: {Username: "mirror", Password: "wrong-pw"}}},
		"no entry":       {},
	} {
		opts.Backoff = fastBackoff()
		_, err := newClient(t, opts).Resolve(context.Background(), ref, time.Minute)
		var ae *oci.AuthError
		if !errors.As(err, &ae) || ae.Host != reg.Host {
			t.Fatalf("%s: Resolve = %v, want an AuthError for %s", name, err, reg.Host)
		}
		want := "the provider's registries entry for " + reg.Host + ` (user "mirror")`
		if name == "no entry" {
			want = "no credentials (no registries entry names " + reg.Host + ")"
		}
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: error %q does not name %q, or quotes a password", name, err, want)
		}
	}
}

// A token source serves the hosts it claims, once per expiry; a token that expires within ten
// minutes is replaced before it is used, so a long copy never runs on an expiring token.
func TestResolveWithTokenSource(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{Username: "AWS", Password: "token-1"})
	for _, tag := range []string{"0.13.0", "0.13.1", "0.13.2", "0.13.3"} {
		reg.PushImage(t, "zenml/zenml-pro-api:"+tag)
	}
	src := &fakeTokens{host: reg.Host, expires: time.Now().Add(time.Hour)}
	c := newClient(t, oci.Options{Backoff: fastBackoff(), Tokens: []oci.TokenSource{src}})
	for _, tag := range []string{"0.13.0", "0.13.1"} {
		if _, err := c.Resolve(context.Background(), reg.Host+"/zenml/zenml-pro-api:"+tag, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if src.calls != 1 {
		t.Errorf("two references with an hour-long token asked the token source %d times, want 1", src.calls)
	}
	soon := &fakeTokens{host: reg.Host, expires: time.Now().Add(5 * time.Minute)}
	c = newClient(t, oci.Options{Backoff: fastBackoff(), Tokens: []oci.TokenSource{soon}})
	for _, tag := range []string{"0.13.2", "0.13.3"} {
		if _, err := c.Resolve(context.Background(), reg.Host+"/zenml/zenml-pro-api:"+tag, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if soon.calls != 2 {
		t.Errorf("two references with a token expiring in 5 minutes asked the token source %d times, want 2 (refresh before expiry)", soon.calls)
	}
	other := &fakeTokens{host: "123456789012.dkr.ecr.eu-central-1.amazonaws.com"}
	_, err := newClient(t, oci.Options{Backoff: fastBackoff(), Tokens: []oci.TokenSource{other}}).
		Resolve(context.Background(), reg.Host+"/zenml/zenml-pro-api:0.13.0", time.Minute)
	var ae *oci.AuthError
	if !errors.As(err, &ae) || other.calls != 0 {
		t.Errorf("a token source for another host was asked %d times (want 0); Resolve = %v, want an AuthError", other.calls, err)
	}
}

// redirect is a transport that sends every connection to addr, whatever host a request names: it
// lets a test registry on loopback play a registry at a private address.
func redirect(addr string) *http.Transport {
	return &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
}

// go-containerregistry falls back to plain HTTP for private addresses; the client refuses that unless
// the registry is marked insecure, and says how to allow it.
func TestResolveRefusesPlainHTTPUnlessInsecure(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{Username: "mirror", Password: "s3cret-pw"})
	image := reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	const host = "10.20.30.40:5000"
	ref := host + "/zenml/zenml-pro-api:0.13.0"
	creds := oci.Registry{Username: "mirror", Password: "s3cret-pw"}

	_, err := newClient(t, oci.Options{Backoff: fastBackoff(), Transport: redirect(reg.Host), Registries: map[string]oci.Registry{host: creds}}).
		Resolve(context.Background(), ref, time.Minute)
	var plain *oci.PlainHTTPError
	if !errors.As(err, &plain) || plain.Host != host || !strings.Contains(err.Error(), `registries = { "10.20.30.40:5000" = { insecure = true } }`) {
		t.Fatalf("Resolve over plain HTTP to a private address = %v, want a PlainHTTPError saying how to allow it", err)
	}
	creds.Insecure = true
	d, err := newClient(t, oci.Options{Backoff: fastBackoff(), Transport: redirect(reg.Host), Registries: map[string]oci.Registry{host: creds}}).
		Resolve(context.Background(), ref, time.Minute)
	if err != nil || d.Digest != image {
		t.Fatalf("Resolve of an insecure registry = %+v, %v; want digest %s", d, err, image)
	}
	if !oci.IsLoopback(reg.Host) || !oci.IsLoopback("localhost:5000") || !oci.IsLoopback("[::1]:5000") || oci.IsLoopback(host) {
		t.Error("IsLoopback is wrong for 127.0.0.1, localhost, ::1 or a private address")
	}
}

// A registry signed by an internal CA is trusted with the entry's ca_certificate, and only then.
func TestResolveWithCACertificate(t *testing.T) {
	t.Parallel()
	reg := registryfake.Start(t, registryfake.Options{TLS: true})
	image := reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	ref := reg.Host + "/zenml/zenml-pro-api:0.13.0"
	d, err := newClient(t, oci.Options{Backoff: fastBackoff(), Registries: map[string]oci.Registry{reg.Host: {CACertificate: reg.CACertificate}}}).
		Resolve(context.Background(), ref, time.Minute)
	if err != nil || d.Digest != image {
		t.Fatalf("Resolve with the registry's CA = %+v, %v; want digest %s", d, err, image)
	}
	if _, err := newClient(t, oci.Options{Backoff: fastBackoff()}).Resolve(context.Background(), ref, time.Minute); err == nil {
		t.Fatal("Resolve of a registry whose CA is not trusted succeeded")
	}
	if _, err := oci.NewClient(oci.Options{Registries: map[string]oci.Registry{reg.Host: {CACertificate: "not a certificate"}}}); err == nil ||
		!strings.Contains(err.Error(), "ca_certificate") || strings.Contains(err.Error(), "not a certificate") {
		t.Errorf("NewClient with a broken CA certificate = %v, want an error naming ca_certificate without quoting it", err)
	}
}

type fakeTokens struct {
	host    string
	expires time.Time
	mu      sync.Mutex
	calls   int
}

func (f *fakeTokens) Serves(host string) bool { return host == f.host }

func (f *fakeTokens) Token(context.Context, string) (string, string, time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return "AWS", "token-1", f.expires, nil
}

func (f *fakeTokens) Describe(string) string { return "a test token" }
