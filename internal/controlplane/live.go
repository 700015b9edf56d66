// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ServerInfo is a ZenML server's model as GET /api/v1/info answers it (the fields the checks read).
type ServerInfo struct {
	ID                  string  `json:"id"`
	Version             string  `json:"version"`
	DeploymentType      string  `json:"deployment_type"`
	DatabaseType        string  `json:"database_type"`
	AuthScheme          string  `json:"auth_scheme"`
	ServerURL           *string `json:"server_url"`
	DashboardURL        *string `json:"dashboard_url"`
	ProAPIURL           *string `json:"pro_api_url"`
	ProDashboardURL     *string `json:"pro_dashboard_url"`
	ProOrganizationID   *string `json:"pro_organization_id"`
	ProOrganizationName *string `json:"pro_organization_name"`
	ProWorkspaceID      *string `json:"pro_workspace_id"`
	ProWorkspaceName    *string `json:"pro_workspace_name"`
}

// Reach is what connecting to a server showed.
type Reach struct {
	// Healthy: GET /health answered 2xx.
	Healthy bool
	// Err is why the server could not be read (nil when it could).
	Err error
	// TLS is the verified connection state of an https server; nil for http or when the handshake
	// failed.
	TLS *tls.ConnectionState
}

// Health reads GET base/health.
func Health(ctx context.Context, hc *http.Client, base *url.URL) Reach {
	u := *base
	u.Path = strings.TrimRight(base.Path, "/") + "/health"
	var st *tls.ConnectionState
	hc2 := *hc
	if t, ok := hc.Transport.(*http.Transport); ok {
		hc2.Transport = &stateRecorder{base: t, state: &st}
	}
	err := Send(ctx, &hc2, http.MethodGet, &u, "/health", "", nil, "", nil)
	return Reach{Healthy: err == nil, Err: err, TLS: st}
}

// Info reads GET base/api/v1/info.
func Info(ctx context.Context, hc *http.Client, base *url.URL) (*ServerInfo, error) {
	u := *base
	u.Path = strings.TrimRight(base.Path, "/") + "/api/v1/info"
	var out ServerInfo
	if err := Send(ctx, hc, http.MethodGet, &u, "/api/v1/info", "", nil, "", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// stateRecorder keeps the TLS state of the answer.
type stateRecorder struct {
	base  http.RoundTripper
	state **tls.ConnectionState
}

func (s *stateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(req)
	if err == nil && resp.TLS != nil {
		*s.state = resp.TLS
	}
	return resp, err
}

// DescribeConnError turns a connection failure into words: a certificate the trusted CAs do not
// sign, one not valid for the host, an expired one, a refused connection, a host not found.
func DescribeConnError(err error, host string) string {
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var api *APIError
	switch {
	case errors.As(err, &unknown):
		return fmt.Sprintf("TLS: the certificate of %s is not signed by a trusted CA (give the deployment's CA as ca_certificate_pem)", host)
	case errors.As(err, &hostErr):
		return fmt.Sprintf("TLS: the certificate is not valid for %s (%v)", host, hostErr.Error())
	case errors.As(err, &invalid):
		return fmt.Sprintf("TLS: the certificate of %s is not valid: %v", host, invalid.Error())
	case errors.As(err, &api):
		return api.Error()
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the host %s is not found in DNS", host)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s did not answer within the timeout", host)
	case errors.As(err, &opErr):
		return fmt.Sprintf("no connection to %s: %v", host, opErr.Err)
	}
	return err.Error()
}
