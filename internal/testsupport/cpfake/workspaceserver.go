// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package cpfake

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultServerVersion is the ZenML version NewServerInfo gives when asked for none.
const DefaultServerVersion = "0.93.2"

// ServerInfo is the server model a ZenML server answers GET /api/v1/info with. The pointer fields
// are null when nil.
type ServerInfo struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Version             string            `json:"version"`
	Debug               bool              `json:"debug"`
	DeploymentType      string            `json:"deployment_type"`
	DatabaseType        string            `json:"database_type"`
	SecretsStoreType    string            `json:"secrets_store_type"`
	AuthScheme          string            `json:"auth_scheme"`
	ServerURL           *string           `json:"server_url"`
	DashboardURL        *string           `json:"dashboard_url"`
	AnalyticsEnabled    bool              `json:"analytics_enabled"`
	Metadata            map[string]string `json:"metadata"`
	ProDashboardURL     *string           `json:"pro_dashboard_url"`
	ProAPIURL           *string           `json:"pro_api_url"`
	ProOrganizationID   *string           `json:"pro_organization_id"`
	ProOrganizationName *string           `json:"pro_organization_name"`
	ProWorkspaceID      *string           `json:"pro_workspace_id"`
	ProWorkspaceName    *string           `json:"pro_workspace_name"`
}

// NewServerInfo is the server model of a ZenML Pro workspace server named name at version
// (DefaultServerVersion when empty), with a random ID, deployment type "cloud", SQL database and
// secrets store, the EXTERNAL auth scheme, analytics off, empty metadata and every URL and pro_*
// field null.
func NewServerInfo(name, version string) ServerInfo {
	if version == "" {
		version = DefaultServerVersion
	}
	return ServerInfo{
		ID: NewUUID(), Name: name, Version: version, DeploymentType: "cloud", DatabaseType: "sql",
		SecretsStoreType: "sql", AuthScheme: "EXTERNAL", Metadata: map[string]string{},
	}
}

// String returns a pointer to s, for the pointer fields of ServerInfo and Workspace.
func String(s string) *string { return &s }

// WorkspaceServerOptions configure a fake workspace server.
type WorkspaceServerOptions struct {
	// Info is the server model GET /api/v1/info answers (see NewServerInfo); an empty ID gets a
	// random UUID.
	Info ServerInfo
	// InfoHook, when set, is called with a copy of the server model for every GET /api/v1/info, to
	// change what that answer says, e.g. from the state of a Control Plane at that time.
	InfoHook func(info *ServerInfo)
	// TLSCertPEM and TLSKeyPEM, when given, make the server serve HTTPS with that certificate
	// (chain) and key; without them it serves plain HTTP.
	TLSCertPEM, TLSKeyPEM []byte
	// Listen is the address to listen on, DefaultListen when empty.
	Listen string
}

// WorkspaceServer is a fake ZenML workspace server: GET /health and GET /api/v1/info, without
// authentication, as the real server serves them.
type WorkspaceServer struct {
	hook   func(info *ServerInfo)
	srv    *server
	faults faults

	mu   sync.Mutex
	info ServerInfo
}

// NewWorkspaceServer makes a workspace server of opts; Start serves it.
func NewWorkspaceServer(opts WorkspaceServerOptions) (*WorkspaceServer, error) {
	ws := &WorkspaceServer{hook: opts.InfoHook}
	ws.SetInfo(opts.Info)
	if ws.info.ID == "" {
		ws.info.ID = NewUUID()
	}
	srv, err := newServer(opts.Listen, opts.TLSCertPEM, opts.TLSKeyPEM, ws.faults.wrap(http.HandlerFunc(ws.route)))
	if err != nil {
		return nil, err
	}
	ws.srv = srv
	return ws, nil
}

// StartWorkspaceServer makes and starts a workspace server of opts that stops when the test ends;
// it fails the test on an error.
func StartWorkspaceServer(tb testing.TB, opts WorkspaceServerOptions) *WorkspaceServer {
	tb.Helper()
	ws, err := NewWorkspaceServer(opts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := ws.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ws.Close() })
	return ws
}

// Start listens and serves in the background until Close.
func (ws *WorkspaceServer) Start() error { return ws.srv.start() }

// Close stops serving at once, cutting requests in progress.
func (ws *WorkspaceServer) Close() error { return ws.srv.close() }

// URL is the base URL of the server, e.g. http://127.0.0.1:40124, without a trailing slash; empty
// before Start.
func (ws *WorkspaceServer) URL() string { return ws.srv.URL() }

// ServeHTTP serves a request as the running server does, faults included.
func (ws *WorkspaceServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws.srv.handler.ServeHTTP(w, r)
}

// SetInfo replaces the server model that GET /api/v1/info answers (before InfoHook changes it).
func (ws *WorkspaceServer) SetInfo(info ServerInfo) {
	info = copyInfo(info)
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.info = info
}

// Info is a copy of the server model set, before InfoHook changes it.
func (ws *WorkspaceServer) Info() ServerInfo {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return copyInfo(ws.info)
}

// FailNext answers the next n requests whose method is method ("" for any) and whose path starts
// with pathPrefix with status and a body {"detail": "injected ..."}, plus Retry-After: 1 for 429.
// Rules apply in the order they were added; n < 1 adds none.
func (ws *WorkspaceServer) FailNext(method, pathPrefix string, status, n int) {
	ws.faults.failNext(method, pathPrefix, status, n)
}

// SetDelay holds the answers of the requests whose method is method ("" for any) and whose path
// starts with pathPrefix for d, or drops them if the request's context ends first. A second call
// with the same method and prefix replaces the delay, d <= 0 removes it. When several delays
// match, the one set first applies.
func (ws *WorkspaceServer) SetDelay(method, pathPrefix string, d time.Duration) {
	ws.faults.setDelay(method, pathPrefix, d)
}

// ClearFaults removes every fault of FailNext and SetDelay; Requests keeps counting.
func (ws *WorkspaceServer) ClearFaults() { ws.faults.clear() }

// Requests counts the requests received whose method is method ("" for any) and whose path starts
// with pathPrefix, those answered with a fault included.
func (ws *WorkspaceServer) Requests(method, pathPrefix string) int {
	return ws.faults.requests(method, pathPrefix)
}

// copyInfo copies info with its pointers and metadata (never nil in the copy), so that the copy
// shares nothing with the original.
func copyInfo(info ServerInfo) ServerInfo {
	for _, p := range []**string{
		&info.ServerURL, &info.DashboardURL, &info.ProDashboardURL, &info.ProAPIURL,
		&info.ProOrganizationID, &info.ProOrganizationName, &info.ProWorkspaceID, &info.ProWorkspaceName,
	} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	md := make(map[string]string, len(info.Metadata))
	for k, v := range info.Metadata {
		md[k] = v
	}
	info.Metadata = md
	return info
}

// route serves a request once the faults let it through.
func (ws *WorkspaceServer) route(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/health":
		serveHealth(w, r)
	case "/api/v1/info":
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		info := ws.Info()
		if ws.hook != nil {
			ws.hook(&info)
			if info.Metadata == nil {
				info.Metadata = map[string]string{}
			}
		}
		writeJSON(w, http.StatusOK, info)
	default:
		writeDetail(w, http.StatusNotFound, "Not Found")
	}
}
