// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// neverAnsweringEndpoint is the URL of a TCP listener on loopback that accepts connections and
// never answers: an AWS endpoint that hangs, a fault neither AWS nor moto produces on demand. Its
// connections are closed when the test ends.
func neverAnsweringEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
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
	return "http://" + l.Addr().String()
}

// The AWS clients wait at most ResponseHeaderTimeout for an answer, on top of the SDK's dial and
// TLS handshake limits.
func TestClientsHTTPTimeouts(t *testing.T) {
	isolateAWS(t)
	c, err := NewClients(Config{Region: "eu-west-1"}, staticCredentials("AKIASTATIC")).Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, ok := c.Config.HTTPClient.(*awshttp.BuildableClient)
	if !ok {
		t.Fatalf("HTTP client is a %T", c.Config.HTTPClient)
	}
	tr := b.GetTransport()
	if tr.ResponseHeaderTimeout != ResponseHeaderTimeout || tr.TLSHandshakeTimeout == 0 || b.GetDialer().Timeout == 0 || tr.Proxy == nil {
		t.Errorf("transport: response header timeout %v, TLS handshake timeout %v, dial timeout %v, proxy set %v; want %v, a TLS "+
			"and a dial limit, proxies from the environment", tr.ResponseHeaderTimeout, tr.TLSHandshakeTimeout, b.GetDialer().Timeout,
			tr.Proxy != nil, ResponseHeaderTimeout)
	}
}

// A call of the ECR service to an endpoint that never answers ends at the call's timeout.
func TestServiceCallEndsAtItsTimeoutWhenAWSNeverAnswers(t *testing.T) {
	isolateAWS(t)
	u := neverAnsweringEndpoint(t)
	c, err := NewClients(Config{Region: "eu-west-1", Endpoints: endpointsAt(u)}, staticCredentials("AKIASTATIC")).Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewService(c.ECR, registryaccess.Options{}).ResolveRegistryID(context.Background(),
		Repository{Region: "eu-west-1", Name: "zenml"}, 2*time.Second)
	var re *retry.Error
	if !errors.As(err, &re) || re.Reason != retry.StopDeadline || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("DescribeRepositories against an endpoint that never answers = %v; want it stopped by the 2s timeout", err)
	}
}

// A registry token fetched for an image read runs under the read's timeout: an ECR endpoint that
// never answers ends the read at its timeout, saying no answer came.
func TestAuthTokensEndAtTheReadTimeout(t *testing.T) {
	isolateAWS(t)
	u := neverAnsweringEndpoint(t)
	tokens := NewAuthTokens(NewClients(Config{Region: "eu-west-1", Endpoints: endpointsAt(u)}, staticCredentials("AKIASTATIC")))
	client, err := oci.NewClient(oci.Options{Tokens: []oci.TokenSource{tokens}})
	if err != nil {
		t.Fatal(err)
	}
	ref := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/zenml/zenml-pro-server:0.93.2"
	_, err = client.Resolve(context.Background(), ref, 2*time.Second)
	var te *oci.TimeoutError
	if !errors.As(err, &te) || te.Timeout != 2*time.Second || !strings.Contains(err.Error(), "no answer came while resolving "+ref) ||
		!strings.Contains(err.Error(), "ecr:GetAuthorizationToken") {
		t.Fatalf("Resolve with an ECR endpoint that never answers = %v; want a *oci.TimeoutError of the 2s read naming the token call", err)
	}
}

// A call whose timeout ends while the SDK waits to retry a failed attempt still says what the
// attempt was answered: "request canceled" alone would hide that ECR kept failing.
func TestCallCutWhileTheSDKWaitsKeepsTheLastAnswer(t *testing.T) {
	isolateAWS(t)
	stub, u := startStub(t)
	stub.ecrStatus = http.StatusInternalServerError
	retries := MaxAWSRetries // the SDK's waits between its many attempts outlast the timeout
	c, err := NewClients(Config{Region: "eu-west-1", Endpoints: endpointsAt(u), MaxRetries: &retries}, staticCredentials("AKIASTATIC")).Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewService(c.ECR, registryaccess.Options{}).ResolveRegistryID(context.Background(),
		Repository{Region: "eu-west-1", Name: "zenml"}, time.Second)
	var re *retry.Error
	if !errors.As(err, &re) || re.Reason != retry.StopDeadline || !strings.Contains(err.Error(), "ServerException") {
		t.Fatalf("DescribeRepositories against an endpoint that always fails = %v; want the 1s timeout and the endpoint's ServerException", err)
	}
}
