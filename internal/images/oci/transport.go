// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/certpem"
)

// PlainHTTPError says that a request would have gone to a registry over plain HTTP although the
// registry is neither on loopback nor marked insecure: credentials and image contents would cross
// the network unencrypted. go-containerregistry falls back to plain HTTP for private (RFC 1918)
// addresses on its own; the client never lets it do so silently.
type PlainHTTPError struct {
	Host string
}

func (e *PlainHTTPError) Error() string {
	return fmt.Sprintf("registry %s was to be reached over plain HTTP, which is allowed only for loopback registries "+
		"and for registries marked insecure; serve it over HTTPS, or set registries = { %q = { insecure = true } } "+
		"if it really has no TLS", e.Host, e.Host)
}

// IsLoopback reports whether a registry host ("127.0.0.1:5001", "localhost", "[::1]:5000") is on
// this machine: such registries may be reached over plain HTTP.
func IsLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// guard is the client's transport: it refuses plain HTTP to registries that may not have it, and
// gives each registry with its own CA certificates a transport that trusts them.
type guard struct {
	base http.RoundTripper
	// byHost are the transports of registries with their own CA certificates.
	byHost map[string]http.RoundTripper
	// insecure are the hosts marked insecure.
	insecure map[string]bool
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	if req.URL.Scheme == "http" && !IsLoopback(host) && !g.insecure[host] {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, &PlainHTTPError{Host: host}
	}
	next := g.base
	if t, ok := g.byHost[host]; ok {
		next = t
	}
	w := hostWatchOf(req.Context())
	if w == nil {
		return next.RoundTrip(req)
	}
	ctx := req.Context()
	f := w.begin(host)
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(ctx)
		req.Body = &watchedBody{ReadCloser: req.Body, ctx: ctx, f: f}
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		f.end(ctx, err)
		return resp, err
	}
	f.progress()
	if resp.Body == nil {
		f.end(ctx, nil)
		return resp, nil
	}
	resp.Body = &watchedBody{ReadCloser: resp.Body, ctx: ctx, f: f, answer: true}
	return resp, nil
}

// Limits of the client's own transport. The response header timeout bounds only the wait for an
// answer once a request is sent, never a blob being sent or received: a registry that accepts
// connections and never answers is given up on, and the request retried, within the caller's
// timeout, which bounds every attempt anyway. A minute leaves a registry the time to store a large
// blob before it answers the request that completes its upload.
const (
	dialTimeout           = 30 * time.Second
	keepAlive             = 30 * time.Second
	tlsHandshakeTimeout   = 15 * time.Second
	responseHeaderTimeout = time.Minute
	idleConnTimeout       = 90 * time.Second
)

// newTransport is the client's HTTP transport: http.DefaultTransport's settings (proxies from the
// environment, HTTP/2, idle connections kept), with limits on the dial, the TLS handshake and the
// wait for an answer's headers.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: keepAlive}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
}

// newGuard builds the transport of opts.
func newGuard(opts Options) (*guard, error) {
	var base http.RoundTripper = newTransport()
	if opts.Transport != nil {
		base = opts.Transport
	}
	g := &guard{base: base, byHost: map[string]http.RoundTripper{}, insecure: map[string]bool{}}
	for host, reg := range opts.Registries {
		if reg.Insecure {
			g.insecure[host] = true
		}
		if reg.CACertificate == "" {
			continue
		}
		t, err := withCA(base, reg.CACertificate)
		if err != nil {
			return nil, fmt.Errorf("registries[%q].ca_certificate: %w", host, err)
		}
		g.byHost[host] = t
	}
	return g, nil
}

// CheckCACertificate checks the ca_certificate of a registries entry: at least one PEM certificate,
// and no private key (certpem.CheckNoPrivateKey, an *inputerr.Error on ca_certificate, refuses one
// wherever it is in the value). Its errors never quote the document.
func CheckCACertificate(pem string) error {
	_, err := certPool(pem)
	return err
}

func certPool(pem string) (*x509.CertPool, error) {
	if err := certpem.CheckNoPrivateKey("ca_certificate", `ca_certificate = file("corporate-ca.pem")`, pem); err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !strings.Contains(pem, "-----BEGIN CERTIFICATE-----") || !pool.AppendCertsFromPEM([]byte(pem)) {
		return nil, errors.New("no PEM certificate could be read (give one or more \"-----BEGIN CERTIFICATE-----\" blocks, e.g. file(\"ca.pem\"))")
	}
	return pool, nil
}

// withCA returns a copy of base (an *http.Transport) that trusts the certificates of pem in addition
// to the system's roots.
func withCA(base http.RoundTripper, pem string) (http.RoundTripper, error) {
	pool, err := certPool(pem)
	if err != nil {
		return nil, err
	}
	bt, ok := base.(*http.Transport)
	if !ok {
		return nil, errors.New("a CA certificate needs the default HTTP transport")
	}
	t := bt.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	t.TLSClientConfig.RootCAs = pool
	return t, nil
}
