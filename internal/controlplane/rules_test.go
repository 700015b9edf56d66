// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://zenml.ml.example.com/": "https://zenml.ml.example.com",
		"https://zenml.ml.example.com":  "https://zenml.ml.example.com",
		"http://127.0.0.1:8080":         "http://127.0.0.1:8080",
		"http://localhost:1234/zenml/":  "http://localhost:1234/zenml",
	} {
		u, err := CheckURL(in)
		if err != nil || u.String() != want {
			t.Errorf("CheckURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for bad, want := range map[string]string{
		"zenml.ml.example.com":                       "is not an http(s) URL",
		"ftp://zenml.ml.example.com":                 "is not an http(s) URL",
		"http://zenml.ml.example.com":                "plain http only for a loopback host",
		"https://admin:pw@zenml.ml.example.com":      "no credentials in a URL",
		"https://zenml.ml.example.com/?a=b":          "query or fragment",
		"https://zenml-workspace-1.ml.example.com#x": "query or fragment",
		"https://zenml.ml.example.com/api/v1":        `url = "https://zenml.ml.example.com"`,
	} {
		_, err := CheckURL(bad)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckURL(%q) = %v, want an error saying %q", bad, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("CheckURL(%q) repeats the password: %v", bad, err)
		}
	}
}

func TestCheckIDAndWorkspaceName(t *testing.T) {
	if err := CheckID("workspace_id", ExampleWorkspaceID); err != nil {
		t.Error(err)
	}
	if err := CheckID("organization_id", "acme"); err == nil || !strings.Contains(err.Error(), `organization_id = "`+ExampleOrganizationID) {
		t.Errorf("CheckID(acme) = %v", err)
	}
	for _, ok := range []string{"workspace-1", "ws1", "1-ws"} {
		if err := CheckWorkspaceName(ok); err != nil {
			t.Errorf("CheckWorkspaceName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Workspace-1", "ws_1", "ws 1", "ws.1"} {
		if err := CheckWorkspaceName(bad); err == nil || !strings.Contains(err.Error(), "lowercase letters, digits and hyphens") {
			t.Errorf("CheckWorkspaceName(%q) = %v", bad, err)
		}
	}
}
