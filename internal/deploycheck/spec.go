// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package deploycheck checks a running ZenML Pro deployment against what was declared for it: after
// the charts are installed, it reads the Control Plane's and each workspace server's public endpoints
// (GET /health, and GET /api/v1/info of a workspace server) and turns what they answer into a
// checklist, with the statuses of the prerequisites checklist. A server that does not answer is a row,
// never an error of the check. Nothing it reads or keeps is secret: the endpoints need no credentials.
package deploycheck

import (
	"net/url"
	"strings"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/prerequisites"
)

// Status is the verdict on one row: the statuses of the prerequisites checklist.
type Status = prerequisites.Status

// The statuses.
const (
	OK            = prerequisites.OK
	Missing       = prerequisites.Missing
	Fail          = prerequisites.Fail
	Warn          = prerequisites.Warn
	NotApplicable = prerequisites.NotApplicable
)

// Statuses lists every status, in the order of the report's counts.
func Statuses() []Status { return prerequisites.Statuses() }

// ControlPlaneKey is the key of the Control Plane among the servers of a result; workspace keys never
// take it (they have no underscore).
const ControlPlaneKey = "control_plane"

// DefaultTimeout bounds a whole check when the spec gives no timeout.
const DefaultTimeout = 2 * time.Minute

// ExampleWorkspaceURL is a workspace server's URL in messages; the other examples are the
// controlplane package's.
const ExampleWorkspaceURL = "https://zenml-workspace-1.ml.example.com"

// ControlPlane is the Control Plane as declared.
type ControlPlane struct {
	// URL is its base URL, e.g. https://zenml.ml.example.com (the API is under /api/v1 of it).
	URL string
	// Version is the declared version, "" when not declared. No public endpoint reports it.
	Version string
}

// Workspace is a workspace server as declared.
type Workspace struct {
	// URL is its base URL, e.g. https://zenml-workspace-1.ml.example.com.
	URL string
	// Version, WorkspaceID and OrganizationID are "" when not declared.
	Version        string
	WorkspaceID    string
	OrganizationID string
}

// Spec is what was declared: the servers to read and how.
type Spec struct {
	ControlPlane *ControlPlane
	Workspaces   map[string]Workspace
	// CACertificatePEM holds CA certificates trusted besides the system's, "" for none.
	CACertificatePEM string
	// Timeout bounds the whole check (every server is read at the same time); 0 is DefaultTimeout.
	Timeout time.Duration
}

// normalizeURL is a URL as compared: lowercase scheme and host, without the scheme's default port,
// the path without a trailing slash. A value that is no URL is compared as written, trimmed.
func normalizeURL(raw string) string {
	s := strings.TrimSpace(raw)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return strings.TrimRight(s, "/")
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/")
}
