// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"strings"
	"testing"

	"cloud.google.com/go/iam/apiv1/iampb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/arfake"
)

const secretMarker = "TOP-SECRET-MARKER"

func serviceAccountKey(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "my-project",
		"private_key_id": secretMarker,
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   "deployer@my-project.iam.gserviceaccount.com",
		"client_id":      "1234567890",
		"token_uri":      "http://127.0.0.1:1/token",
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestClientsAgainstFake(t *testing.T) {
	fake, endpoint := arfake.Start(t)
	repo := arfake.RepositoryName("my-project", "europe-west3", "zenml")
	fake.AddRepository(repo)
	g := NewClients(Config{Project: "my-project", ArtifactRegistryEndpoint: endpoint, Insecure: true})
	t.Cleanup(func() { _ = g.Close() })
	c, err := g.ArtifactRegistry(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if fake.Calls(arfake.GetIamPolicy) != 0 {
		t.Fatal("building the client made a call")
	}
	p, err := c.GetIamPolicy(t.Context(), &iampb.GetIamPolicyRequest{Resource: repo})
	if err != nil || string(p.Etag) != string(fake.Etag(repo)) {
		t.Fatalf("GetIamPolicy = %v, %v; want the fake's policy", p, err)
	}
	fake.Fail(arfake.SetIamPolicy, codes.Aborted, 1)
	_, err = c.SetIamPolicy(t.Context(), &iampb.SetIamPolicyRequest{Resource: repo, Policy: &iampb.Policy{Etag: p.Etag}})
	if status.Code(err) != codes.Aborted {
		t.Fatalf("injected ABORTED arrived as %v", err)
	}
	again, err := g.ArtifactRegistry(t.Context())
	if err != nil || again != c {
		t.Fatalf("second call built a new client (%p, %p) or failed: %v", again, c, err)
	}
	if got := fake.Calls(arfake.GetIamPolicy) + fake.Calls(arfake.SetIamPolicy); got != 2 {
		t.Fatalf("calls = %d, want 2", got)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.ArtifactRegistry(t.Context()); err == nil {
		t.Fatal("a closed client was handed out")
	}
}

func TestClientsCredentialsJSONBuildsWithoutNetwork(t *testing.T) {
	// The token URI and the endpoint are closed ports: the client is built without contacting either.
	g := NewClients(Config{CredentialsJSON: serviceAccountKey(t), ArtifactRegistryEndpoint: closedPort(t)})
	t.Cleanup(func() { _ = g.Close() })
	if _, err := g.ArtifactRegistry(t.Context()); err != nil {
		t.Fatalf("building with a service account key: %v", err)
	}
	s := fmt.Sprintf("%v %+v %#v %s", g.Config(), g.Config(), g.Config(), g.Config())
	if strings.Contains(s, secretMarker) || strings.Contains(s, "PRIVATE KEY") {
		t.Fatalf("the configuration prints the credentials: %s", s)
	}
}

func TestClientsRefuseBadConfigAtFirstUse(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"insecure without endpoint": {Config{Insecure: true}, "insecure: insecure = true needs artifact_registry_endpoint"},
		"credentials not JSON":      {Config{CredentialsJSON: secretMarker}, "not a JSON object"},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewClients(tc.cfg)
			_, err := g.ArtifactRegistry(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secretMarker) {
				t.Fatalf("the error quotes the credentials: %v", err)
			}
		})
	}
}

func TestCheckCredentialsJSON(t *testing.T) {
	sa := serviceAccountKey(t)
	user := `{"type":"authorized_user","client_id":"id.apps.googleusercontent.com","client_secret":"` + secretMarker + `","refresh_token":"1//r"}`
	for _, tc := range []struct {
		name, in, kind, err string
	}{
		{"service account key", sa, ServiceAccountCredentials, ""},
		{"authorized user", user, AuthorizedUserCredentials, ""},
		{"not JSON", "/home/me/key.json", "", "not a JSON object"},
		{"JSON array", `["` + secretMarker + `"]`, "", "not a JSON object"},
		{"null", `null`, "", "not a JSON object"},
		{"no type", `{"private_key":"` + secretMarker + `"}`, "", `has no "type" field`},
		{"external account", `{"type":"external_account","audience":"` + secretMarker + `"}`, "", `has "type": "external_account"`},
		{"secret in type", `{"type":"` + secretMarker + ` with spaces"}`, "", `has an unexpected "type"`},
		{"type not a string", `{"type":42}`, "", `has an unexpected "type"`},
		{"key without private_key", `{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com","private_key_id":"` + secretMarker + `"}`, "", `no "private_key"`},
		{"user without refresh_token", `{"type":"authorized_user","client_id":"x","client_secret":"` + secretMarker + `"}`, "", `no "refresh_token"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, err := CheckCredentialsJSON(tc.in)
			if tc.err == "" {
				if err != nil || kind != tc.kind {
					t.Fatalf("= %q, %v; want %q", kind, err, tc.kind)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want %q", err, tc.err)
			}
			if strings.Contains(err.Error(), secretMarker) {
				t.Fatalf("the error quotes the credentials: %v", err)
			}
		})
	}
}

func FuzzCheckCredentialsJSON(f *testing.F) {
	f.Add(`{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com","private_key":"k"}`)
	f.Add(`{"type":"authorized_user","client_id":"i","client_secret":"s","refresh_token":"r"}`)
	f.Add(`{"type":"x y"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		_, err := CheckCredentialsJSON(s)
		if err == nil {
			return
		}
		// The message depends on the type and on which fields are present, never on other values:
		// with every other non-empty string replaced, the message stays the same.
		var doc map[string]any
		if json.Unmarshal([]byte(s), &doc) != nil || doc == nil {
			return
		}
		for k, v := range doc {
			if str, ok := v.(string); ok && k != "type" && str != "" {
				doc[k] = "X"
			}
		}
		masked, merr := json.Marshal(doc)
		if merr != nil {
			t.Fatal(merr)
		}
		_, err2 := CheckCredentialsJSON(string(masked))
		if err2 == nil || err2.Error() != err.Error() {
			t.Fatalf("the error %q depends on a value of the document (masked: %v)", err, err2)
		}
	})
}

// A closed port: a client pointed at it builds fine and fails only when called.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
