// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
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

// Operation is what the client was doing when a request to a registry failed, in words that fit
// "... failed": "uploading a blob", "writing the manifest".
type Operation string

// The operations of a registry client, told apart by the request that failed.
const (
	OpResolve       Operation = "resolving"
	OpReadBlob      Operation = "reading a blob"
	OpCheckBlob     Operation = "checking a blob"
	OpUploadBlob    Operation = "uploading a blob"
	OpWriteManifest Operation = "writing the manifest"
	OpDelete        Operation = "deleting"
	OpListTags      Operation = "listing the tags"
	OpConnect       Operation = "connecting"
	OpLogin         Operation = "logging in"
)

// Title is the operation in title case, for the summary of a diagnostic: "Uploading a Blob".
func (o Operation) Title() string {
	words := strings.Fields(string(o))
	for i, w := range words {
		if i == 0 || (w != "a" && w != "the") {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// Failure is what a failed request to a registry was and what the registry answered.
type Failure struct {
	// Operation is what the request did; "" when the error names no request.
	Operation Operation
	// Host and Repository are those of the request, e.g. "harbor.example.com" and "zenml/zenml-pro-server";
	// Subject is the tag or digest of a manifest, or the digest of a blob, when the request names one.
	Host, Repository, Subject string
	// RedirectedTo is the host a redirect sent the request to (a blob store), or "".
	RedirectedTo string
	// Status is the HTTP status of the answer, 0 when there was none (a broken connection).
	Status int
	// Code is the registry's own error code (OCI distribution), e.g. DIGEST_INVALID, BLOB_UNKNOWN,
	// MANIFEST_INVALID, DENIED; "" when the answer carried none.
	Code string
}

// FailureOf reads the failed request and the registry's answer from err's chain.
func FailureOf(err error) Failure {
	var f Failure
	var req *http.Request
	var te *transport.Error
	var ue *url.Error
	switch {
	case errors.As(err, &te):
		f.Status = te.StatusCode
		var codes []string
		for _, d := range te.Errors {
			codes = append(codes, string(d.Code))
		}
		f.Code = strings.Join(codes, ", ")
		req = te.Request
	case errors.As(err, &ue):
		if u, perr := url.Parse(ue.URL); perr == nil {
			req = &http.Request{Method: strings.ToUpper(ue.Op), URL: u}
		}
	}
	if req == nil || req.URL == nil {
		return f
	}
	// A redirect (a blob served from object storage) keeps the registry's request in Response.Request.
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	if first != req {
		f.RedirectedTo = req.URL.Host
	}
	f.Host = first.URL.Host
	f.Operation, f.Repository, f.Subject = operationOf(first.Method, first.URL)
	return f
}

// operationOf tells the operation of a request to a registry by its method and path.
func operationOf(method string, u *url.URL) (Operation, string, string) {
	p := u.Path
	if !strings.HasPrefix(p, "/v2/") {
		// go-containerregistry asks other URLs than the API's only for tokens.
		return OpLogin, "", ""
	}
	p = strings.TrimPrefix(p, "/v2/")
	if p == "" {
		return OpConnect, "", ""
	}
	if i := strings.LastIndex(p, "/blobs/uploads"); i >= 0 {
		return OpUploadBlob, p[:i], u.Query().Get("digest")
	}
	if i := strings.LastIndex(p, "/blobs/"); i >= 0 {
		repo, digest := p[:i], p[i+len("/blobs/"):]
		switch method {
		case http.MethodHead:
			return OpCheckBlob, repo, digest
		case http.MethodDelete:
			return OpDelete, repo, digest
		}
		return OpReadBlob, repo, digest
	}
	if i := strings.LastIndex(p, "/manifests/"); i >= 0 {
		repo, ref := p[:i], p[i+len("/manifests/"):]
		switch method {
		case http.MethodPut:
			return OpWriteManifest, repo, ref
		case http.MethodDelete:
			return OpDelete, repo, ref
		}
		return OpResolve, repo, ref
	}
	if strings.HasSuffix(p, "/tags/list") {
		return OpListTags, strings.TrimSuffix(p, "/tags/list"), ""
	}
	return "", "", ""
}

// where names what a failure is about after its operation: "sha256:... to harbor.example.com/zenml/app"
// for an upload, "harbor.example.com/zenml/app:1.0" for a manifest.
func (f Failure) where() string {
	repo := f.Host + "/" + f.Repository
	blob := ""
	if f.Subject != "" {
		blob = f.Subject + " "
	}
	switch {
	case f.Repository == "":
		return f.Host
	case f.Operation == OpUploadBlob:
		return blob + "to " + repo
	case f.Operation == OpReadBlob:
		return blob + "from " + repo
	case f.Operation == OpCheckBlob:
		return blob + "at " + repo
	case f.Operation == OpListTags:
		return "of " + repo
	case f.Subject == "":
		return repo
	case strings.HasPrefix(f.Subject, "sha256:"):
		return repo + "@" + f.Subject
	}
	return repo + ":" + f.Subject
}

// answer says what came back: the status, the registry's error code, and where a redirect went.
func (f Failure) answer() string {
	if f.Status == 0 {
		return ""
	}
	s := fmt.Sprintf("HTTP %d %s", f.Status, http.StatusText(f.Status))
	if f.Code != "" {
		s += ", " + f.Code
	} else {
		s += ", no registry error code"
	}
	if f.RedirectedTo != "" {
		s += ", from " + f.RedirectedTo + " where the registry redirected the request"
	}
	return s
}

// RegistryError is a failed request to a registry that no other error of the package describes:
// it says what the client was doing and what the registry answered, with its own error code.
type RegistryError struct {
	Failure
	// Reference is what the call was about, e.g. the source of a copy.
	Reference string
	Err       error
}

func (e *RegistryError) Error() string {
	op := string(e.Operation)
	switch {
	case op == "":
		op = "reading " + e.Reference
	case e.Operation == OpLogin:
		op += " at " + e.Host
	case e.Host != "":
		op += " " + e.where()
	}
	if a := e.answer(); a != "" {
		return fmt.Sprintf("%s failed (%s): %v", op, a, e.Err)
	}
	return fmt.Sprintf("%s failed: %v", op, e.Err)
}

func (e *RegistryError) Unwrap() error { return e.Err }
