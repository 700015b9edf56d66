// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// statusOf is the HTTP status of a registry's error response in err's chain, 0 when there is none.
func statusOf(err error) int {
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode
	}
	return 0
}

// classify says which registry errors are worth another attempt: throttling (429), server errors
// (5xx, a 408), timeouts and connections that broke midway are. Anything else fails at once: 401,
// 403, 404, a malformed manifest, a certificate that is not trusted, plain HTTP where it is not
// allowed, a host that does not resolve and a port where nothing listens (a wrong address, far
// more often than a registry that is restarting).
func classify(err error) retry.Kind {
	switch s := statusOf(err); {
	case s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s >= 500:
		return retry.Throttle
	case s != 0:
		return retry.Permanent
	}
	var plain *PlainHTTPError
	var dnsErr *net.DNSError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &plain), errors.As(err, &unknownAuthority), errors.As(err, &hostname),
		errors.As(err, &invalid), errors.As(err, &verify), errors.Is(err, syscall.ECONNREFUSED):
		return retry.Permanent
	case errors.As(err, &dnsErr):
		if dnsErr.IsTemporary || dnsErr.IsTimeout {
			return retry.Throttle
		}
		return retry.Permanent
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return retry.Throttle
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return retry.Throttle
	}
	return retry.Permanent
}
