// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package controlplane talks to a ZenML Pro Control Plane's API (under /api/v1): it logs in with a
// personal access token or a username and password, finds organizations, and finds, enrols and deletes
// workspaces. It also reads the health and server information of ZenML servers, for the live checks.
// It knows no Terraform: the provider adapts it.
package controlplane

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// Transport limits: a server that accepts a connection and never answers is given up on within
// these bounds, whatever the operation's own timeout.
const (
	DialTimeout           = 30 * time.Second
	TLSHandshakeTimeout   = 15 * time.Second
	ResponseHeaderTimeout = time.Minute
	// maxBody caps the answers read: the API answers small JSON documents.
	maxBody = 8 << 20
)

// Config is how to reach a Control Plane.
type Config struct {
	// URL is the Control Plane's base URL, e.g. https://zenml.ml.example.com (the API is under
	// /api/v1 of it). Plain http is allowed only for loopback hosts.
	URL string
	// Token is a personal access token; or Username and Password log in to get one.
	Token              string
	Username, Password string
	// CACertificatePEM, when set, are the CA certificates trusted besides the system's.
	CACertificatePEM string
	// Backoff bounds retries of throttled or failed calls; zero fields take retry's defaults.
	Backoff retry.Backoff
	// DialContext, when set, opens the connections (tests route a host name to a local server).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client is a Control Plane API client. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	http    *http.Client
	cfg     Config
	mu      sync.Mutex
	session string // the access token a login returned
}

// NewHTTPClient returns an HTTP client with the transport limits, trusting the system's CAs and
// caPEM's.
func NewHTTPClient(caPEM string) (*http.Client, error) {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   TLSHandshakeTimeout,
		ResponseHeaderTimeout: ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
	if strings.TrimSpace(caPEM) != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(caPEM)) {
			return nil, errors.New("the CA certificate holds no PEM certificate")
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		// A redirect never carries the credentials to another host.
		if len(via) > 0 && req.URL.Host != via[0].URL.Host {
			req.Header.Del("Authorization")
		}
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return nil
	}}, nil
}

// New returns a client for cfg; it contacts nothing.
func New(cfg Config) (*Client, error) {
	u, err := CheckURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" && (cfg.Username == "" || cfg.Password == "") {
		return nil, errors.New("no credentials: give a personal access token (token), or username and password")
	}
	hc, err := NewHTTPClient(cfg.CACertificatePEM)
	if err != nil {
		return nil, err
	}
	if t, ok := hc.Transport.(*http.Transport); ok && cfg.DialContext != nil {
		t.DialContext = cfg.DialContext
	}
	if cfg.Backoff.Timeout == 0 {
		// The caller's context bounds the retries (the resource's timeouts).
		cfg.Backoff.Timeout = 24 * time.Hour
	}
	return &Client{base: u, http: hc, cfg: cfg}, nil
}

// URL is the Control Plane's base URL.
func (c *Client) URL() string { return c.base.String() }

// Organization is a Control Plane organization.
type Organization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Workspace is a Control Plane workspace, as the API answers it (the fields the provider reads).
type Workspace struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Organization Organization `json:"organization"`
	Status       string       `json:"status"`
	DesiredState string       `json:"desired_state"`
	Service      *struct {
		Configuration *struct {
			Version *string `json:"version"`
		} `json:"configuration"`
		Status *struct {
			ServerURL *string `json:"server_url"`
			Version   *string `json:"version"`
		} `json:"status"`
	} `json:"zenml_service"`
}

// Enrolled is a workspace just enrolled, with its enrollment key: the Control Plane answers the key
// once, in this answer only.
type Enrolled struct {
	Workspace
	EnrollmentKey string `json:"enrollment_key"`
}

// APIError is an answer of the API with an error status.
type APIError struct {
	Method, Endpoint string
	Status           int
	// Detail is the API's own message (its "detail" field), when it gave one.
	Detail     string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s %s answered HTTP %d %s", e.Method, e.Endpoint, e.Status, http.StatusText(e.Status))
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Advice says what to do about an API error, by its status.
func (e *APIError) Advice() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return "the Control Plane did not accept the credentials: check the provider's control_plane.token (a personal access token, " +
			"created in the Web UI under Settings) or control_plane.username and password, and that control_plane.url is this Control Plane"
	case http.StatusForbidden:
		return "the user may not do this: enrolling and deleting workspaces needs a user with the organization's admin role " +
			"(the role that may create workspaces)"
	case http.StatusNotFound:
		return "the object is not there: it was deleted in the Control Plane, or the ID belongs to another Control Plane"
	case http.StatusConflict:
		return "the name is taken: a workspace of this name already exists in the organization; import it by its ID, or choose another name"
	case http.StatusUnprocessableEntity:
		return "the Control Plane refused the request's content: workspace names are lowercase letters, digits and hyphens, e.g. workspace-1"
	case http.StatusTooManyRequests:
		return "the Control Plane asked to slow down, and kept asking until the timeout: try again later or raise the timeout"
	}
	if e.Status >= 500 {
		return "the Control Plane failed and kept failing until the timeout: check its logs (kubectl logs of the zenml-pro API pods)"
	}
	return "see the Control Plane's answer above"
}

// IsNotFound reports whether err is an API answer 404.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// classify retries throttling, server failures and failed connections; everything else fails at once.
func classify(err error) retry.Kind {
	var e *APIError
	if errors.As(err, &e) {
		if e.Status == http.StatusTooManyRequests || e.Status == http.StatusBadGateway || e.Status == http.StatusServiceUnavailable ||
			e.Status == http.StatusGatewayTimeout || e.Status == http.StatusInternalServerError {
			return retry.Throttle
		}
		return retry.Permanent
	}
	// A certificate the client does not trust, or a host that does not exist, stays so: no retry.
	var cve *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var dnsErr *net.DNSError
	if errors.As(err, &cve) || errors.As(err, &unknown) || errors.As(err, &hostErr) || errors.As(err, &invalid) ||
		(errors.As(err, &dnsErr) && dnsErr.IsNotFound) {
		return retry.Permanent
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return retry.Throttle
	}
	return retry.Permanent
}

// do sends one request (with retries for retryable failures) and decodes a JSON answer into out.
// Authenticated requests carry the token; a login session that expired is renewed once.
func (c *Client) do(ctx context.Context, method, endpoint string, query url.Values, out any) error {
	return retry.Do(ctx, c.cfg.Backoff, retry.ClassifierFunc(classify), func(ctx context.Context) error {
		err := c.once(ctx, method, endpoint, query, nil, out)
		var e *APIError
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized && c.cfg.Token == "" {
			// The session may have expired: log in again, once.
			c.mu.Lock()
			c.session = ""
			c.mu.Unlock()
			err = c.once(ctx, method, endpoint, query, nil, out)
		}
		return err
	})
}

func (c *Client) token(ctx context.Context) (string, error) {
	if c.cfg.Token != "" {
		return c.cfg.Token, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session != "" {
		return c.session, nil
	}
	form := url.Values{"username": {c.cfg.Username}, "password": {c.cfg.Password}}
	var answer struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.send(ctx, http.MethodPost, "/auth/login", nil, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), "", &answer); err != nil {
		return "", err
	}
	if answer.AccessToken == "" {
		return "", errors.New("POST /api/v1/auth/login answered without an access_token")
	}
	c.session = answer.AccessToken
	return c.session, nil
}

func (c *Client) once(ctx context.Context, method, endpoint string, query url.Values, body any, out any) error {
	token, err := c.token(ctx)
	if err != nil {
		return err
	}
	var r io.Reader
	ctype := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r, ctype = bytes.NewReader(b), "application/json"
	}
	return c.send(ctx, method, endpoint, query, ctype, r, token, out)
}

// send makes one HTTP request to base/api/v1/endpoint.
func (c *Client) send(ctx context.Context, method, endpoint string, query url.Values, ctype string, body io.Reader, token string, out any) error {
	u := *c.base
	u.Path = c.base.Path + "/api/v1" + endpoint
	u.RawQuery = query.Encode()
	return Send(ctx, c.http, method, &u, "/api/v1"+endpoint, ctype, body, token, out)
}

// Send makes one HTTP request to u and decodes a JSON answer into out (when not nil). endpoint names
// the call in errors (the path, without the host). A non-2xx answer is an *APIError.
func Send(ctx context.Context, hc *http.Client, method string, u *url.URL, endpoint, ctype string, body io.Reader, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, endpoint, scrub(err, u))
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, endpoint, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &APIError{Method: method, Endpoint: endpoint, Status: resp.StatusCode, Detail: detailOf(data)}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s answered HTTP %d with a body that is not the expected JSON: %w", method, endpoint, resp.StatusCode, err)
	}
	return nil
}

// scrub keeps a URL's query out of a transport error (the Go client quotes the whole URL).
func scrub(err error, u *url.URL) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		c := *u
		c.RawQuery = ""
		return &url.Error{Op: ue.Op, URL: c.String(), Err: ue.Err}
	}
	return err
}

// detailOf is the API's message in an error answer: its "detail" field (a string, or FastAPI's list
// of {msg}), or the start of the body.
func detailOf(data []byte) string {
	var d struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(data, &d) == nil && len(d.Detail) > 0 {
		var s string
		if json.Unmarshal(d.Detail, &s) == nil {
			return clip(s)
		}
		var list []struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(d.Detail, &list) == nil {
			var msgs []string
			for _, m := range list {
				msgs = append(msgs, m.Msg)
			}
			return clip(strings.Join(msgs, "; "))
		}
	}
	return clip(strings.TrimSpace(string(data)))
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// Organizations lists the organizations the credentials see.
func (c *Client) Organizations(ctx context.Context) ([]Organization, error) {
	var out []Organization
	err := c.do(ctx, http.MethodGet, "/organizations", nil, &out)
	return out, err
}

// ResolveOrganization finds an organization by ID or by name.
func (c *Client) ResolveOrganization(ctx context.Context, idOrName string) (Organization, error) {
	orgs, err := c.Organizations(ctx)
	if err != nil {
		return Organization{}, err
	}
	var names []string
	for _, o := range orgs {
		if strings.EqualFold(o.ID, idOrName) || o.Name == idOrName {
			return o, nil
		}
		names = append(names, o.Name)
	}
	return Organization{}, fmt.Errorf("no organization %q among those the credentials see (%s): give an organization's ID or exact name",
		idOrName, strings.Join(names, ", "))
}

// FindWorkspace returns the workspace named name in the organization, or nil.
func (c *Client) FindWorkspace(ctx context.Context, orgID, name string) (*Workspace, error) {
	var out []Workspace
	q := url.Values{"organization_id": {orgID}, "workspace_name": {name}}
	if err := c.do(ctx, http.MethodGet, "/workspaces", q, &out); err != nil {
		return nil, err
	}
	for i := range out {
		// The filter may match by pattern: only the exact name counts.
		if out[i].Name == name && (out[i].Organization.ID == "" || strings.EqualFold(out[i].Organization.ID, orgID)) {
			return &out[i], nil
		}
	}
	return nil, nil
}

// Workspace reads a workspace by ID; an absent one is an error for which IsNotFound is true.
func (c *Client) Workspace(ctx context.Context, id string) (*Workspace, error) {
	var out Workspace
	if err := c.do(ctx, http.MethodGet, "/workspaces/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Enroll creates the workspace name in the organization and returns it with its enrollment key.
// The POST is not repeated blindly: a POST whose answer was lost may have created the workspace,
// whose key is then lost with the answer. So before each new attempt the workspace is looked up; one
// that appeared since the first attempt (it did not exist before, the caller checked) is deleted by
// its ID and enrolled again, which gives a new key.
func (c *Client) Enroll(ctx context.Context, orgID, name string) (*Enrolled, error) {
	attempt := 0
	var out *Enrolled
	err := retry.Do(ctx, c.cfg.Backoff, retry.ClassifierFunc(classify), func(ctx context.Context) error {
		attempt++
		if attempt > 1 {
			ws, err := c.findOnce(ctx, orgID, name)
			if err != nil {
				return err
			}
			if ws != nil {
				if err := c.once(ctx, http.MethodDelete, "/workspaces/"+url.PathEscape(ws.ID), nil, nil, nil); err != nil && !IsNotFound(err) {
					return fmt.Errorf("the enrollment's answer was lost after workspace %s was created, and deleting it to enrol again failed: %w", ws.ID, err)
				}
			}
		}
		var e Enrolled
		q := url.Values{"enroll": {"true"}}
		if err := c.once(ctx, http.MethodPost, "/workspaces", q, map[string]string{"name": name, "organization_id": orgID}, &e); err != nil {
			return err
		}
		if e.ID == "" || e.EnrollmentKey == "" {
			return fmt.Errorf("POST /api/v1/workspaces?enroll=true answered without the workspace's id or enrollment_key")
		}
		out = &e
		return nil
	})
	return out, err
}

func (c *Client) findOnce(ctx context.Context, orgID, name string) (*Workspace, error) {
	var list []Workspace
	q := url.Values{"organization_id": {orgID}, "workspace_name": {name}}
	if err := c.once(ctx, http.MethodGet, "/workspaces", q, nil, &list); err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Name == name {
			return &list[i], nil
		}
	}
	return nil, nil
}

// DeleteWorkspace deletes the workspace id; one already gone is no error.
func (c *Client) DeleteWorkspace(ctx context.Context, id string) error {
	err := c.do(ctx, http.MethodDelete, "/workspaces/"+url.PathEscape(id), nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}
