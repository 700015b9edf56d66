// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package oci talks to OCI registries with go-containerregistry: it resolves image references to
// their digests and platforms, with the credentials of the provider's `registries` settings (or of
// the Docker config, an ECR token or a Google token), retries throttling and server errors within
// the caller's timeout with the backoff of package retry, and asks a registry once per reference
// and provider process. It knows nothing about Terraform: the provider package adapts it.
package oci

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// DefaultTimeout bounds one resolution, its retries included, when the caller gives none.
const DefaultTimeout = 2 * time.Minute

// Options configure a Client.
type Options struct {
	// Registries are the credentials and transport settings of registries by host (with port).
	Registries map[string]Registry
	// Tokens issue short-lived credentials for the registries of a cloud (ECR, Artifact Registry)
	// that have no entry in Registries; nil means none.
	Tokens []TokenSource
	// Backoff of the retries of throttling and server errors; its Timeout is each call's timeout.
	Backoff retry.Backoff
	// Transport is the HTTP transport; nil means the client's own: http.DefaultTransport's settings
	// with limits on the dial, the TLS handshake and the wait for an answer's headers.
	Transport http.RoundTripper
	// DockerConfig, when true, takes credentials of hosts that nothing else serves from the Docker
	// config file (~/.docker/config.json, $DOCKER_CONFIG), as docker pull would.
	DockerConfig bool
	// Log, when set, receives retry events.
	Log func(ctx context.Context, msg string, fields map[string]any)
}

// Registry is one entry of the provider's `registries`.
type Registry struct {
	Username string
	Password string // never logged or quoted
	// Insecure lets the client talk plain HTTP to the registry (loopback registries always may).
	Insecure bool
	// CACertificate is PEM: certificates the registry's TLS certificate may chain to, in addition
	// to the system's roots (a registry signed by an internal CA). Empty means the system's only.
	CACertificate string
}

// Client resolves references. It is safe for concurrent use; one Client per provider process
// shares its cache between every data source and resource.
type Client struct {
	opts      Options
	auth      *keychain
	transport *guard
	cache     retry.Cache[Descriptor]
}

// NewClient returns a client; it contacts nothing until a call needs a registry. It fails only on a
// CA certificate that cannot be read.
func NewClient(opts Options) (*Client, error) {
	g, err := newGuard(opts)
	if err != nil {
		return nil, err
	}
	return &Client{opts: opts, auth: newKeychain(opts), transport: g}, nil
}

// Descriptor is what a registry says of a reference.
type Descriptor struct {
	// Digest is the digest of the manifest or index the reference names, e.g. sha256:...
	Digest string
	// MediaType is the manifest's media type, e.g. application/vnd.oci.image.index.v1+json.
	MediaType string
	// Platforms are the images of an index (an image manifest has none).
	Platforms []Platform
}

// Platform is one image of an index.
type Platform struct {
	OS           string
	Architecture string
	Variant      string
	Digest       string
}

// String is os/architecture[/variant], as docker --platform writes it.
func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// Resolve asks the registry what ref (e.g. "harbor.example.com/zenml/zenml-pro-server:0.93.2")
// names: its digest, media type and platforms. The answer is kept for the process: a second
// Resolve of the same reference asks nothing. Throttling (429), server errors (5xx) and broken
// connections are retried until timeout; a refused login is an *AuthError naming the credentials
// used, a missing tag or repository a *NotFoundError.
func (c *Client) Resolve(ctx context.Context, ref string, timeout time.Duration) (Descriptor, error) {
	r, err := c.parse(ref)
	if err != nil {
		return Descriptor{}, err
	}
	return c.cache.Get(ctx, r.Name(), func(ctx context.Context) (Descriptor, error) {
		var d Descriptor
		err := c.do(ctx, timeout, "resolving "+r.Name(), func(ctx context.Context) error {
			desc, err := remote.Get(r, c.remoteOptions(ctx)...)
			if err != nil {
				return err
			}
			d, err = describe(desc)
			return err
		})
		if err != nil {
			return Descriptor{}, c.explain(r, err)
		}
		return d, nil
	})
}

// parse reads a reference; plain HTTP is allowed for registries marked insecure (loopback
// registries are reached over plain HTTP by go-containerregistry itself).
func (c *Client) parse(ref string) (name.Reference, error) {
	var opts []name.Option
	if r, err := name.ParseReference(ref); err == nil {
		if reg, ok := c.opts.Registries[r.Context().RegistryStr()]; ok && reg.Insecure {
			opts = append(opts, name.Insecure)
		}
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("%q is not an image reference: %w", ref, err)
	}
	return r, nil
}

func (c *Client) remoteOptions(ctx context.Context) []remote.Option {
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(c.auth),
		remote.WithUserAgent("terraform-provider-zenmlpro"),
		// The retries are Resolve's own, within the caller's timeout.
		remote.WithRetryStatusCodes(),
		remote.WithRetryPredicate(func(error) bool { return false }),
		remote.WithTransport(c.transport),
	}
	return opts
}

// do runs op with the client's backoff within timeout; every attempt's context ends when the time
// is up. A call that ran out of time waiting for a registry fails with a *TimeoutError.
func (c *Client) do(ctx context.Context, timeout time.Duration, what string, op func(context.Context) error) error {
	b := c.opts.Backoff
	b.Timeout = timeout
	if b.Timeout <= 0 {
		b.Timeout = DefaultTimeout
	}
	attempt := 0
	classify := retry.ClassifierFunc(func(err error) retry.Kind {
		k := classify(err)
		if k != retry.Permanent && c.opts.Log != nil {
			c.opts.Log(ctx, what+": retrying", map[string]any{"attempt": attempt, "kind": k.String(), "error": err.Error()})
		}
		return k
	})
	var watch *hostWatch
	err := retry.Do(ctx, b, classify, func(ctx context.Context) error {
		attempt++
		ctx, watch = withHostWatch(ctx)
		return op(ctx)
	})
	return timedOut(err, what, b.Timeout, watch)
}

// describe turns a registry's descriptor into a Descriptor: the platforms of an index are listed in
// the index's order.
func describe(desc *remote.Descriptor) (Descriptor, error) {
	d := Descriptor{Digest: desc.Digest.String(), MediaType: string(desc.MediaType)}
	if !desc.MediaType.IsIndex() {
		return d, nil
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return d, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return d, err
	}
	for _, m := range m.Manifests {
		if !m.MediaType.IsImage() || m.Platform == nil {
			continue // attestations and other artifacts are no platform of the image
		}
		d.Platforms = append(d.Platforms, platformOf(m))
	}
	return d, nil
}

func platformOf(m v1.Descriptor) Platform {
	return Platform{OS: m.Platform.OS, Architecture: m.Platform.Architecture, Variant: m.Platform.Variant, Digest: m.Digest.String()}
}

// NotFoundError says that a registry has no such repository or tag.
type NotFoundError struct {
	Reference string
	Err       error
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s does not exist: the registry has no such repository or tag (%v)", e.Reference, e.Err)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// AuthError says that a registry refused the credentials the client used.
type AuthError struct {
	Reference string
	Host      string
	// Credentials names the credentials used, e.g. "the provider's registries entry for HOST (user U)".
	Credentials string
	Status      int
	Err         error
}

func (e *AuthError) Error() string {
	what := "refused the credentials"
	if e.Status == http.StatusForbidden {
		what = "accepted the credentials but refused access"
	}
	return fmt.Sprintf("registry %s %s used for %s: %s (%v)", e.Host, what, e.Reference, e.Credentials, e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }

// explain turns the last error of a call into one of the package's errors where it can: a missing
// manifest is a *NotFoundError, a refused login an *AuthError, any other failed request a
// *RegistryError that says which operation failed and with which error code of the registry. The
// errors of the copy itself (*TagConflictError, *PlatformError, *VerifyError) are returned as they are.
func (c *Client) explain(r name.Reference, err error) error {
	var re *retry.Error
	if errors.As(err, &re) && re.Reason == retry.StopPermanent {
		err = re.Err
	}
	var conflict *TagConflictError
	var pe *PlatformError
	var ve *VerifyError
	switch {
	case errors.As(err, &conflict):
		return conflict
	case errors.As(err, &pe):
		return pe
	case errors.As(err, &ve):
		return ve
	}
	f := FailureOf(err)
	ref, host := r.Name(), r.Context().RegistryStr()
	if f.Repository != "" && f.Host+"/"+f.Repository != r.Context().Name() {
		// The request was about another repository than r: the target of a copy, say.
		ref, host = f.Host+"/"+f.Repository, f.Host
	}
	manifest := f.Operation == OpResolve || f.Operation == ""
	switch status := statusOf(err); {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &AuthError{Reference: ref, Host: host, Credentials: c.auth.describe(host), Status: status, Err: err}
	case manifest && (status == http.StatusNotFound || strings.Contains(f.Code, "MANIFEST_UNKNOWN") || strings.Contains(f.Code, "NAME_UNKNOWN")):
		return &NotFoundError{Reference: ref, Err: err}
	case f.Operation == "" && (strings.Contains(err.Error(), "MANIFEST_UNKNOWN") || strings.Contains(err.Error(), "NAME_UNKNOWN")):
		return &NotFoundError{Reference: ref, Err: err}
	}
	var unknownAuthority x509.UnknownAuthorityError
	if errors.As(err, &unknownAuthority) || strings.Contains(err.Error(), "x509: certificate signed by unknown authority") {
		what := string(f.Operation)
		if what == "" || f.Operation == OpConnect {
			what = "reaching"
		}
		return fmt.Errorf("%s %s: %w; if %s has a certificate of an internal CA, give that CA's certificate in "+
			"registries = { %q = { ca_certificate = file(\"ca.pem\") } }", what, ref, err, host, host)
	}
	return &RegistryError{Failure: f, Reference: ref, Err: err}
}
