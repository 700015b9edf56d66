// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRegistryHost(t *testing.T) {
	for host, want := range map[string]string{
		"europe-west3-docker.pkg.dev":          "europe-west3",
		"us-docker.pkg.dev":                    "us",
		"EUROPE-docker.pkg.dev":                "europe",
		"docker.pkg.dev":                       "",
		"europe-west3-docker.pkg.dev.evil.com": "",
		"europe-west3-maven.pkg.dev":           "",
		"gcr.io":                               "",
	} {
		got, ok := RegistryHost(host)
		if got != want || ok != (want != "") {
			t.Errorf("RegistryHost(%q) = %q, %v; want %q", host, got, ok, want)
		}
	}
}

// A service account key's token_uri points at a local OAuth token endpoint: Google's own cannot be
// reached from the tests, so this endpoint stands in for it (the JWT grant is the real library's).
func TestAuthTokensServiceAccount(t *testing.T) {
	var grants atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Form.Get("assertion") == "" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		grants.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"ya29.local-token","expires_in":3600,"token_type":"Bearer"}`))
	}))
	t.Cleanup(srv.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "my-project", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"client_email": "puller@my-project.iam.gserviceaccount.com", "client_id": "1", "token_uri": srv.URL,
	})
	src := NewAuthTokens(Config{CredentialsJSON: string(doc)})
	user, pass, expires, err := src.Token(t.Context(), "europe-west3-docker.pkg.dev")
	if err != nil {
		t.Fatal(err)
	}
	if user != "oauth2accesstoken" || pass != "ya29.local-token" || time.Until(expires) < 50*time.Minute {
		t.Errorf("token = %q, %q, expires %s; want oauth2accesstoken, the endpoint's token and an hour", user, pass, expires)
	}
	if _, _, _, err := src.Token(t.Context(), "harbor.example.com"); err == nil {
		t.Error("a token for a host that is no Artifact Registry host was issued")
	}
	if d := src.Describe("europe-west3-docker.pkg.dev"); !strings.Contains(d, "gcp.credentials") {
		t.Errorf("Describe = %q", d)
	}
	if grants.Load() != 1 {
		t.Errorf("the token endpoint granted %d tokens, want 1", grants.Load())
	}
}
