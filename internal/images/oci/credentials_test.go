// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
)

// A registries entry gives its user and password, which do not expire; an entry without them ends
// the search with a NoCredentialsError; Docker Hub's entry may be keyed docker.io.
func TestCredentialsFromRegistriesEntry(t *testing.T) {
	t.Parallel()
	const host = "harbor.internal.example.com"
	c := newClient(t, oci.Options{DockerConfig: true, Registries: map[string]oci.Registry{
		host:                {Username: "robot$zenml", Password: "s3cret-pw"},
		"127.0.0.1:5001":    {},
		"docker.io":         {Username: "hubuser", Password: "hub-pw"},
		"other.example.com": {Username: "u", Password: "p"},
	}, Tokens: []oci.TokenSource{&expiringTokens{host: host}}})

	got, err := c.Credentials(context.Background(), host)
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != "robot$zenml" || got.Password != "s3cret-pw" || !got.Expires.IsZero() {
		t.Errorf("Credentials(%s) = user %q, expires %v; want robot$zenml, its password, no expiry", host, got.Username, got.Expires)
	}
	if want := "the provider's registries entry for " + host; !strings.Contains(got.Source, want) || strings.Contains(got.Source, "s3cret-pw") {
		t.Errorf("Source = %q, want it to name %q and never the password", got.Source, want)
	}

	got, err = c.Credentials(context.Background(), "docker.io")
	if err != nil || got.Username != "hubuser" || got.Password != "hub-pw" {
		t.Errorf("Credentials(docker.io) = user %q, %v; want the docker.io entry", got.Username, err)
	}

	_, err = c.Credentials(context.Background(), "127.0.0.1:5001")
	var none *oci.NoCredentialsError
	if !errors.As(err, &none) || none.Host != "127.0.0.1:5001" || !strings.Contains(err.Error(), "has no username and password") {
		t.Errorf("Credentials of an entry without credentials = %v, want a NoCredentialsError saying the entry has none", err)
	}

	if _, err := c.Credentials(context.Background(), "https://harbor.example.com"); err == nil {
		t.Error("Credentials of a URL succeeded, want an error")
	}
}

// A token source that serves the host gives a token with its expiry, from the client's cache on
// the second call; a failing token source is an error naming it.
func TestCredentialsFromTokenSource(t *testing.T) {
	t.Parallel()
	const host = "123456789012.dkr.ecr.eu-central-1.amazonaws.com"
	expires := time.Now().Add(12 * time.Hour).Truncate(time.Second)
	src := &expiringTokens{host: host, expires: expires}
	c := newClient(t, oci.Options{DockerConfig: true, Tokens: []oci.TokenSource{&expiringTokens{host: "other.example.com"}, src}})
	for range 2 {
		got, err := c.Credentials(context.Background(), host)
		if err != nil {
			t.Fatal(err)
		}
		if got.Username != "AWS" || got.Password != "token-1" || !got.Expires.Equal(expires) || got.Source != "a test token for "+host {
			t.Errorf("Credentials(%s) = user %q, expires %v, source %q; want AWS, token-1, %v, the source's description",
				host, got.Username, got.Expires, got.Source, expires)
		}
	}
	if src.calls != 1 {
		t.Errorf("two calls asked the token source %d times, want 1 (the cached token lives for hours)", src.calls)
	}

	broken := &expiringTokens{host: host, err: errors.New("AccessDenied")}
	_, err := newClient(t, oci.Options{Tokens: []oci.TokenSource{broken}}).Credentials(context.Background(), host)
	if err == nil || !strings.Contains(err.Error(), "a test token for "+host) || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("Credentials with a failing token source = %v, want an error naming the source and its error", err)
	}
}

// isolateDockerConfig points the Docker config, and the Podman auth files go-containerregistry
// falls back to, at an empty directory, and returns it.
func isolateDockerConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("REGISTRY_AUTH_FILE", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	return dir
}

// A host that nothing else serves gets the Docker config's credentials, from an auths entry's
// base64 "auth"; an entry with an identity token only is an error.
func TestCredentialsFromDockerConfig(t *testing.T) {
	dir := isolateDockerConfig(t)
	const host = "registry.example.com:5000"
	auth := base64.StdEncoding.EncodeToString([]byte("mirror:s3cret-docker-pw"))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q},"tokens.example.com":{"identitytoken":"refresh-token"}}}`, host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, oci.Options{DockerConfig: true})
	got, err := c.Credentials(context.Background(), host)
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != "mirror" || got.Password != "s3cret-docker-pw" || !got.Expires.IsZero() {
		t.Errorf("Credentials(%s) = user %q, expires %v; want mirror, its password, no expiry", host, got.Username, got.Expires)
	}
	if !strings.Contains(got.Source, "the Docker config") || strings.Contains(got.Source, "s3cret-docker-pw") {
		t.Errorf("Source = %q, want it to name the Docker config and never the password", got.Source)
	}

	_, err = c.Credentials(context.Background(), "tokens.example.com")
	if err == nil || !strings.Contains(err.Error(), "not a user name and password") || strings.Contains(err.Error(), "refresh-token") {
		t.Errorf("Credentials of an identity token entry = %v, want an error that does not quote the token", err)
	}

	// Without DockerConfig the file is not read.
	_, err = newClient(t, oci.Options{}).Credentials(context.Background(), host)
	var none *oci.NoCredentialsError
	if !errors.As(err, &none) || !strings.Contains(err.Error(), "the Docker config is not read") {
		t.Errorf("Credentials without DockerConfig = %v, want a NoCredentialsError saying the Docker config is not read", err)
	}
}

// Nothing holds credentials for the host: the error names it and everything that was tried.
func TestCredentialsNone(t *testing.T) {
	isolateDockerConfig(t)
	const host = "harbor.internal.example.com"
	_, err := newClient(t, oci.Options{DockerConfig: true}).Credentials(context.Background(), host)
	var none *oci.NoCredentialsError
	if !errors.As(err, &none) || none.Host != host {
		t.Fatalf("Credentials with nothing configured = %v, want a NoCredentialsError for %s", err, host)
	}
	for _, want := range []string{"no credentials for " + host, "no registries entry names " + host, "no cloud token serves it",
		"the Docker config", "has none for it"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// expiringTokens is a token source for one host whose tokens expire at expires, or that fails with
// err.
type expiringTokens struct {
	host    string
	expires time.Time
	err     error
	mu      sync.Mutex
	calls   int
}

func (f *expiringTokens) Serves(host string) bool { return host == f.host }

func (f *expiringTokens) Token(context.Context, string) (string, string, time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return "", "", time.Time{}, f.err
	}
	return "AWS", "token-1", f.expires, nil
}

func (f *expiringTokens) Describe(host string) string { return "a test token for " + host }

// The document keys Docker Hub as docker login does and keeps a password's characters as they are.
func TestDockerConfigJSON(t *testing.T) {
	for host, key := range map[string]string{"harbor.example.com:5001": "harbor.example.com:5001", "docker.io": "https://index.docker.io/v1/",
		"index.docker.io": "https://index.docker.io/v1/"} {
		doc, err := oci.DockerConfigJSON(host, "robot$zenml", "p&ss<word>")
		if err != nil {
			t.Fatal(err)
		}
		want := `{"auths":{"` + key + `":{"username":"robot$zenml","password":"p&ss<word>","auth":"` +
			base64.StdEncoding.EncodeToString([]byte("robot$zenml:p&ss<word>")) + `"}}}`
		if doc != want {
			t.Errorf("DockerConfigJSON(%s) = %s, want %s", host, doc, want)
		}
	}
}
