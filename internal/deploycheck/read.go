// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package deploycheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
)

// DialFunc opens a connection as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// observation is what reading one server showed.
type observation struct {
	// url is the URL read; nil when the declared one is not valid (urlErr says why).
	url    *url.URL
	urlErr error
	// health is the failure of GET /health; nil when it answered 2xx.
	health error
	// answered: GET /health got an HTTP answer, 2xx or not (the connection and TLS worked).
	answered bool
	// tls is the verified TLS state of an https server; nil for http, or when no handshake succeeded.
	tls *tls.ConnectionState
	// tlsErr is why the TLS handshake failed, when it did.
	tlsErr error
	// infoTried: GET /api/v1/info was asked (workspace servers that answered /health).
	infoTried bool
	info      *controlplane.ServerInfo
	infoErr   error
}

// handshake records the outcome of the TLS handshake of a request, which the client's trace reports
// even when the answer never comes.
type handshake struct {
	mu    sync.Mutex
	state *tls.ConnectionState
	err   error
}

func (h *handshake) done(st tls.ConnectionState, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.err = err
		return
	}
	h.state, h.err = &st, nil
}

func (h *handshake) result() (*tls.ConnectionState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state, h.err
}

// newClient is an HTTP client of its own for one server (so that its first request makes the TLS
// handshake the trace sees), trusting the system's CAs and caPEM's. dial, when set, replaces the
// dialer and the proxy: connections go where it sends them.
func newClient(caPEM string, dial DialFunc) (*http.Client, error) {
	hc, err := controlplane.NewHTTPClient(caPEM)
	if err != nil {
		return nil, err
	}
	if t, ok := hc.Transport.(*http.Transport); ok && dial != nil {
		t.DialContext = dial
		t.Proxy = nil
	}
	return hc, nil
}

// observe reads one server: GET /health and, for a workspace server that answered it, GET
// /api/v1/info. ctx bounds it.
func observe(ctx context.Context, raw, caPEM string, dial DialFunc, workspace bool) observation {
	var o observation
	u, err := controlplane.CheckURL(raw)
	if err != nil {
		o.urlErr = err
		return o
	}
	o.url = u
	hc, err := newClient(caPEM, dial)
	if err != nil {
		o.urlErr = fmt.Errorf("ca_certificate_pem: %w", err)
		return o
	}
	defer hc.CloseIdleConnections()

	var hs handshake
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{TLSHandshakeDone: hs.done})
	reach := controlplane.Health(traced, hc, u)
	o.health = reach.Err
	var api *controlplane.APIError
	o.answered = reach.Err == nil || errors.As(reach.Err, &api)
	state, hsErr := hs.result()
	o.tls = reach.TLS
	if o.tls == nil {
		o.tls = state
	}
	switch {
	case o.tls != nil:
	case hsErr != nil:
		o.tlsErr = hsErr
	case isTLSError(reach.Err):
		o.tlsErr = reach.Err
	}
	if workspace && o.answered {
		o.infoTried = true
		o.info, o.infoErr = controlplane.Info(ctx, hc, u)
	}
	return o
}

// isTLSError tells whether a connection failed in its TLS handshake: a certificate that does not
// verify, or a server that does not speak TLS.
func isTLSError(err error) bool {
	if err == nil {
		return false
	}
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	return errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert)
}
