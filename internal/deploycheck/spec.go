// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package deploycheck checks a running ZenML Pro deployment against what was declared for it: after
// the charts are installed, it reads the Control Plane's and each workspace server's public endpoints
// (GET /health, and GET /api/v1/info of a workspace server) and turns what they answer into a
// checklist, with the statuses of the prerequisites checklist. A server that does not answer is a row,
// never an error of the check. Nothing it reads or keeps is secret: the endpoints need no credentials.
package deploycheck

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
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

// Examples used in messages.
const (
	ExampleControlPlaneURL = "https://zenml.ml.example.com"
	ExampleWorkspaceURL    = "https://zenml-workspace-1.ml.example.com"
	ExampleWorkspaceKey    = "workspace-1"
	ExampleWorkspaceID     = "8a7c3e1f-2b4d-4c6a-9e8f-1a2b3c4d5e6f"
	ExampleOrganizationID  = "5d9e2a41-7c3b-4f18-a6d2-0e9b8c7f6a15"
)

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

// CheckURL checks a server's base URL as this check takes it: https (or http for a loopback host
// only), no credentials, query or fragment, and not the API path /api/v1 itself.
func CheckURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Errorf("%q is not an http(s) URL (rule: the server's base URL, https://<host>[:port][/path]); give e.g. url = %q",
			raw, ExampleControlPlaneURL)
	case u.User != nil:
		return fmt.Errorf("the URL holds user information before the host (rule: no credentials in a URL; these endpoints need none); give e.g. url = %q",
			ExampleControlPlaneURL)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q has a query or fragment (rule: the server's base URL only); give e.g. url = %q", raw, ExampleControlPlaneURL)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Errorf("%q is plain http (rule: https, so that the server's certificate is checked; plain http only for a loopback host such as "+
			"http://127.0.0.1:8080); give e.g. url = %q", raw, "https://"+u.Host+strings.TrimRight(u.Path, "/"))
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api/v1"):
		return fmt.Errorf("%q ends with the API path /api/v1 (rule: the server's base URL; /health and /api/v1 are found under it); give e.g. url = %q",
			raw, u.Scheme+"://"+u.Host+strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v1"))
	}
	// The client's own rule, so that what passes here is what it reads.
	if _, err := controlplane.CheckURL(raw); err != nil {
		return err
	}
	return nil
}

func isLoopback(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// CheckUUID checks an ID of the Control Plane (a workspace's or an organization's): a UUID in its text
// form. field names the attribute in the example, e.g. "workspace_id".
func CheckUUID(field, s string) error {
	if uuidPattern.MatchString(s) {
		return nil
	}
	example := ExampleWorkspaceID
	if field == "organization_id" {
		example = ExampleOrganizationID
	}
	return fmt.Errorf("%q is not a UUID (rule: 32 hexadecimal digits in groups of 8-4-4-4-12, as the Control Plane gives IDs); "+
		"give the ID the enrollment returned, e.g. %s = %q", s, field, example)
}

var workspaceKeyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,49}$`)

// CheckWorkspaceKey checks the key of a workspace: lowercase letters, digits and hyphens, as workspace
// names are, 1 to 50 characters, not starting with a hyphen.
func CheckWorkspaceKey(key string) error {
	if workspaceKeyPattern.MatchString(key) {
		return nil
	}
	return fmt.Errorf("the workspace key %q is not valid (rule: lowercase letters, digits and hyphens, 1 to 50 characters, not starting with a hyphen, "+
		"as workspace names are); give e.g. workspaces = { %q = { url = %q } }", key, ExampleWorkspaceKey, ExampleWorkspaceURL)
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
