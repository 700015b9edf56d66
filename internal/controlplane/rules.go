// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Examples used in messages and descriptions.
const (
	ExampleURL            = "https://zenml.ml.example.com"
	ExampleWorkspaceName  = "workspace-1"
	ExampleWorkspaceID    = "8a7c3e1f-2b4d-4c6a-9e8f-1a2b3c4d5e6f"
	ExampleOrganizationID = "5d9e2a41-7c3b-4f18-a6d2-0e9b8c7f6a15"
)

// CheckURL checks the base URL of a ZenML server (the Control Plane or a workspace server): absolute
// http(s), no credentials, query or fragment, not the API path /api/v1 itself (the API and /health
// are found under the base URL), and plain http only for a loopback host, so that no credential or
// answer crosses a network unencrypted. It returns the URL without a trailing slash.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return nil, fmt.Errorf("%q is not an http(s) URL (rule: the server's base URL, https://<host>[:port][/path]); give e.g. url = %q",
			raw, ExampleURL)
	case u.User != nil:
		// Never quoted: the user information may hold a password.
		return nil, fmt.Errorf("the URL holds user information before the host (rule: no credentials in a URL; give them in their own "+
			"attributes); give e.g. url = %q", ExampleURL)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%q has a query or fragment (rule: the server's base URL only); give e.g. url = %q", raw, ExampleURL)
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return nil, fmt.Errorf("%q is plain http (rule: https, so that the server's certificate is checked and nothing crosses the network "+
			"unencrypted; plain http only for a loopback host such as http://127.0.0.1:8080); give e.g. url = %q",
			raw, "https://"+u.Host+strings.TrimRight(u.Path, "/"))
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api/v1"):
		return nil, fmt.Errorf("%q ends with the API path /api/v1 (rule: the server's base URL; /health and /api/v1 are found under it); give e.g. url = %q",
			raw, u.Scheme+"://"+u.Host+strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v1"))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// IsLoopback reports whether a host name (without port) is this machine: localhost or a loopback IP.
func IsLoopback(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

var idPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsID reports whether s is an ID as the Control Plane gives them: a UUID in its text form.
func IsID(s string) bool { return idPattern.MatchString(s) }

// CheckID checks an ID of the Control Plane (a workspace's or an organization's) given as field, e.g.
// "workspace_id": a UUID.
func CheckID(field, s string) error {
	if IsID(s) {
		return nil
	}
	example := ExampleWorkspaceID
	if field == "organization_id" {
		example = ExampleOrganizationID
	}
	return fmt.Errorf("%q is not a UUID (rule: 32 hexadecimal digits in groups of 8-4-4-4-12, as the Control Plane gives IDs); "+
		"give the ID the enrollment returned, e.g. %s = %q", s, field, example)
}

var workspaceNamePattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// CheckWorkspaceName checks a workspace name by the rule ZenML documents: lowercase letters, digits and
// hyphens. (No public source states a length limit or a rule for the first character, so none is
// enforced here; the Control Plane's own answer says so if it has one.)
func CheckWorkspaceName(s string) error {
	if workspaceNamePattern.MatchString(s) {
		return nil
	}
	return fmt.Errorf("%q is not a workspace name (rule: lowercase letters, digits and hyphens); give e.g. %q", s, ExampleWorkspaceName)
}
