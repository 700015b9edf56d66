// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// neverAnswering is a TCP listener on loopback that accepts connections and never answers: a
// Google endpoint (OAuth token, Artifact Registry gRPC) that hangs, a fault no real service
// produces on demand. Each accepted connection is announced on accepted; all are closed when the
// test ends.
func neverAnswering(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 100)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String(), ch
}

// serviceAccountJSON is a service account key whose token_uri is tokenURI.
func serviceAccountJSON(t *testing.T, tokenURI string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "my-project", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"client_email": "puller@my-project.iam.gserviceaccount.com", "client_id": "1", "token_uri": tokenURI,
	})
	return string(doc)
}

// A caller whose deadline passes while another caller's token fetch waits for a token endpoint
// that never answers returns at its own deadline, not when the other fetch gives up.
func TestAuthTokensEndAtTheCallersDeadline(t *testing.T) {
	addr, accepted := neverAnswering(t)
	src := NewAuthTokens(Config{CredentialsJSON: serviceAccountJSON(t, "http://"+addr+"/token")})
	const host = "europe-west3-docker.pkg.dev"
	first := make(chan error, 1)
	go func() {
		_, _, _, err := src.Token(t.Context(), host) // no deadline: waits for the endpoint
		first <- err
	}()
	<-accepted // the first fetch waits for the endpoint
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _, _, err := src.Token(ctx, host)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "getting a Google access token") {
		t.Errorf("Token with a 1s deadline = %v; want the deadline", err)
	}
	select {
	case err := <-first:
		t.Fatalf("the second caller returned only after the first fetch ended (%v): it waited past its own deadline", err)
	default:
	}
}

// A registry token fetched for an image read runs under the read's timeout.
func TestAuthTokensEndAtTheReadTimeout(t *testing.T) {
	addr, _ := neverAnswering(t)
	tokens := NewAuthTokens(Config{CredentialsJSON: serviceAccountJSON(t, "http://"+addr+"/token")})
	client, err := oci.NewClient(oci.Options{Tokens: []oci.TokenSource{tokens}})
	if err != nil {
		t.Fatal(err)
	}
	ref := "europe-west3-docker.pkg.dev/my-project/zenml/zenml-pro-server:0.93.2"
	_, err = client.Resolve(context.Background(), ref, 2*time.Second)
	var te *oci.TimeoutError
	if !errors.As(err, &te) || te.Timeout != 2*time.Second || !strings.Contains(err.Error(), "no answer came while resolving "+ref) ||
		!strings.Contains(err.Error(), "getting a Google access token") {
		t.Fatalf("Resolve with a token endpoint that never answers = %v; want a *oci.TimeoutError of the 2s read naming the token", err)
	}
}

// An Artifact Registry endpoint that accepts connections and never answers (no HTTP/2 handshake,
// no answer to a call) ends a grant's read at the grant's timeout.
func TestServiceCallEndsAtItsTimeoutWhenArtifactRegistryNeverAnswers(t *testing.T) {
	addr, _ := neverAnswering(t)
	clients := NewClients(Config{ArtifactRegistryEndpoint: addr, Insecure: true})
	t.Cleanup(func() { _ = clients.Close() })
	c, err := clients.ArtifactRegistry(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	g := Grant{Repository: Repository{Project: "my-project", Location: "europe-west3", Repository: "zenml"},
		Member: "serviceAccount:puller@my-project.iam.gserviceaccount.com", Access: registryaccess.AccessPull}
	_, _, err = NewService(c, registryaccess.Options{}).Check(context.Background(), g, 2*time.Second)
	var re *retry.Error
	if !errors.As(err, &re) || re.Reason != retry.StopDeadline || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("reading the IAM policy from an endpoint that never answers = %v; want it cut by the 2s timeout", err)
	}
}
