// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"net/http"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

// The client's own transport limits the dial, the TLS handshake and the wait for an answer's
// headers, and keeps what http.DefaultTransport does (proxies from the environment, HTTP/2, idle
// connections); a registry with its own CA certificate gets the same limits.
func TestTransportLimits(t *testing.T) {
	ca := testcert.New(t, testcert.Spec{CommonName: "Internal CA", CA: true}, nil)
	g, err := newGuard(Options{Registries: map[string]Registry{"harbor.example.com": {CACertificate: ca.PEM}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, rt := range map[string]http.RoundTripper{"the default": g.base, "with a CA certificate": g.byHost["harbor.example.com"]} {
		tr, ok := rt.(*http.Transport)
		if !ok {
			t.Fatalf("%s transport is a %T", name, rt)
		}
		if tr.ResponseHeaderTimeout != time.Minute || tr.TLSHandshakeTimeout < 10*time.Second || tr.DialContext == nil ||
			tr.IdleConnTimeout == 0 || tr.Proxy == nil || !tr.ForceAttemptHTTP2 {
			t.Errorf("%s transport: response header timeout %v, TLS handshake timeout %v, dial set %v, idle timeout %v, proxy set %v, HTTP/2 %v; "+
				"want 1m, at least 10s, a dialer with a timeout, an idle timeout, proxies from the environment and HTTP/2",
				name, tr.ResponseHeaderTimeout, tr.TLSHandshakeTimeout, tr.DialContext != nil, tr.IdleConnTimeout, tr.Proxy != nil, tr.ForceAttemptHTTP2)
		}
	}
	// A transport the caller gives is used as it is.
	given := &http.Transport{}
	if g, err := newGuard(Options{Transport: given}); err != nil || g.base != given {
		t.Errorf("a given transport was replaced: %v", err)
	}
}
