// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package checks

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func given(hosts map[string]string) map[string]HostValue {
	out := map[string]HostValue{}
	for k, v := range hosts {
		out[k] = GivenHost(v)
	}
	return out
}

func TestPlanEndpoints(t *testing.T) {
	cases := []struct {
		name   string
		layout EndpointLayout
		want   Endpoints
	}{
		{
			name: "page example: common subdomain",
			layout: EndpointLayout{
				WebUIHost:           GivenHost("zenml.ml.example.com"),
				ControlPlaneAPIHost: GivenHost("zenml-api.ml.example.com"),
				WorkspaceHosts:      given(map[string]string{"workspace-1": "zenml-workspace-1.ml.example.com"}),
			},
			want: Endpoints{
				WebUIURL:            "https://zenml.ml.example.com",
				ControlPlaneAPIURL:  "https://zenml-api.ml.example.com",
				WorkspaceURLs:       map[string]string{"workspace-1": "https://zenml-workspace-1.ml.example.com"},
				CommonParentDomain:  "ml.example.com",
				CookieDomain:        "ml.example.com",
				NeedsCORS:           false,
				CertificateNames:    []string{"zenml-api.ml.example.com", "zenml-workspace-1.ml.example.com", "zenml.ml.example.com"},
				WildcardCertificate: "*.ml.example.com",
			},
		},
		{
			name: "page example: separate domains",
			layout: EndpointLayout{
				Scenario:            SelfHosted,
				WebUIHost:           GivenHost("zenml.site-one.com"),
				ControlPlaneAPIHost: GivenHost("zenml-api.site-one.com"),
				WorkspaceHosts:      given(map[string]string{"ml": "ml-workspace.site-two.com"}),
			},
			want: Endpoints{
				WebUIURL:           "https://zenml.site-one.com",
				ControlPlaneAPIURL: "https://zenml-api.site-one.com",
				WorkspaceURLs:      map[string]string{"ml": "https://ml-workspace.site-two.com"},
				NeedsCORS:          true,
				CertificateNames:   []string{"ml-workspace.site-two.com", "zenml-api.site-one.com", "zenml.site-one.com"},
			},
		},
		{
			name: "page example: path routing on the Web UI host",
			layout: EndpointLayout{
				WebUIHost:      GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"workspace-1": "workspace-1.ml.example.com", "workspace-2": "workspace-2.ml.example.com"}),
			},
			want: Endpoints{
				WebUIURL:           "https://zenml.ml.example.com",
				ControlPlaneAPIURL: "https://zenml.ml.example.com/api/v1",
				WorkspaceURLs: map[string]string{
					"workspace-1": "https://workspace-1.ml.example.com",
					"workspace-2": "https://workspace-2.ml.example.com",
				},
				CommonParentDomain:  "ml.example.com",
				CookieDomain:        "ml.example.com",
				CertificateNames:    []string{"workspace-1.ml.example.com", "workspace-2.ml.example.com", "zenml.ml.example.com"},
				WildcardCertificate: "*.ml.example.com",
			},
		},
		{
			name:   "only the Web UI host: its parent domain",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com")},
			want: Endpoints{
				WebUIURL:            "https://zenml.ml.example.com",
				ControlPlaneAPIURL:  "https://zenml.ml.example.com/api/v1",
				WorkspaceURLs:       map[string]string{},
				CommonParentDomain:  "ml.example.com",
				CookieDomain:        "ml.example.com",
				CertificateNames:    []string{"zenml.ml.example.com"},
				WildcardCertificate: "*.ml.example.com",
			},
		},
		{
			name:   "only a registrable domain: no parent at or below it",
			layout: EndpointLayout{WebUIHost: GivenHost("example.com")},
			want: Endpoints{
				WebUIURL:           "https://example.com",
				ControlPlaneAPIURL: "https://example.com/api/v1",
				WorkspaceURLs:      map[string]string{},
				CertificateNames:   []string{"example.com"},
			},
		},
		{
			name: "hybrid: workspaces only; CORS, because ZenML serves the Web UI from its own domain",
			layout: EndpointLayout{
				Scenario:       Hybrid,
				WorkspaceHosts: given(map[string]string{"a": "a.ml.example.com", "b": "b.ml.example.com"}),
			},
			want: Endpoints{
				WorkspaceURLs:       map[string]string{"a": "https://a.ml.example.com", "b": "https://b.ml.example.com"},
				CommonParentDomain:  "ml.example.com",
				CookieDomain:        "ml.example.com",
				NeedsCORS:           true,
				CertificateNames:    []string{"a.ml.example.com", "b.ml.example.com"},
				WildcardCertificate: "*.ml.example.com",
			},
		},
		{
			name: "hybrid: one workspace; CORS, and the cookie domain is its parent",
			layout: EndpointLayout{
				Scenario:       Hybrid,
				WorkspaceHosts: given(map[string]string{"workspace-1": "zenml-workspace-1.ml.example.com"}),
			},
			want: Endpoints{
				WorkspaceURLs:       map[string]string{"workspace-1": "https://zenml-workspace-1.ml.example.com"},
				CommonParentDomain:  "ml.example.com",
				CookieDomain:        "ml.example.com",
				NeedsCORS:           true,
				CertificateNames:    []string{"zenml-workspace-1.ml.example.com"},
				WildcardCertificate: "*.ml.example.com",
			},
		},
		{
			name: "hybrid: workspaces on separate domains",
			layout: EndpointLayout{
				Scenario:       Hybrid,
				WorkspaceHosts: given(map[string]string{"a": "ws.site-one.com", "b": "ws.site-two.com"}),
			},
			want: Endpoints{
				WorkspaceURLs:    map[string]string{"a": "https://ws.site-one.com", "b": "https://ws.site-two.com"},
				NeedsCORS:        true,
				CertificateNames: []string{"ws.site-one.com", "ws.site-two.com"},
			},
		},
		{
			name: "hybrid: workspaces in a declared private domain",
			layout: EndpointLayout{
				Scenario:       Hybrid,
				PrivateDomains: []string{"corp.internal"},
				WorkspaceHosts: given(map[string]string{"a": "a.ml.corp.internal", "b": "b.ml.corp.internal"}),
			},
			want: Endpoints{
				WorkspaceURLs:       map[string]string{"a": "https://a.ml.corp.internal", "b": "https://b.ml.corp.internal"},
				CommonParentDomain:  "ml.corp.internal",
				CookieDomain:        "ml.corp.internal",
				NeedsCORS:           true,
				CertificateNames:    []string{"a.ml.corp.internal", "b.ml.corp.internal"},
				WildcardCertificate: "*.ml.corp.internal",
			},
		},
		{
			name: "private domain: the page's layout under ml.corp.internal",
			layout: EndpointLayout{
				PrivateDomains:      []string{"corp.internal"},
				WebUIHost:           GivenHost("zenml.ml.corp.internal"),
				ControlPlaneAPIHost: GivenHost("zenml-api.ml.corp.internal"),
				WorkspaceHosts:      given(map[string]string{"workspace-1": "zenml-workspace-1.ml.corp.internal"}),
			},
			want: Endpoints{
				WebUIURL:            "https://zenml.ml.corp.internal",
				ControlPlaneAPIURL:  "https://zenml-api.ml.corp.internal",
				WorkspaceURLs:       map[string]string{"workspace-1": "https://zenml-workspace-1.ml.corp.internal"},
				CommonParentDomain:  "ml.corp.internal",
				CookieDomain:        "ml.corp.internal",
				CertificateNames:    []string{"zenml-api.ml.corp.internal", "zenml-workspace-1.ml.corp.internal", "zenml.ml.corp.internal"},
				WildcardCertificate: "*.ml.corp.internal",
			},
		},
		{
			name: "private domain: hosts one label below it share it, and its wildcard covers them",
			layout: EndpointLayout{
				PrivateDomains: []string{"corp.internal", "lan.example"},
				WebUIHost:      GivenHost("zenml.corp.internal"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.corp.internal"}),
			},
			want: Endpoints{
				WebUIURL:            "https://zenml.corp.internal",
				ControlPlaneAPIURL:  "https://zenml.corp.internal/api/v1",
				WorkspaceURLs:       map[string]string{"ws": "https://ws.corp.internal"},
				CommonParentDomain:  "corp.internal",
				CookieDomain:        "corp.internal",
				CertificateNames:    []string{"ws.corp.internal", "zenml.corp.internal"},
				WildcardCertificate: "*.corp.internal",
			},
		},
		{
			name: "private domain: the common parent never rises above the declared domain",
			layout: EndpointLayout{
				PrivateDomains: []string{"ml.corp.internal", "eu.corp.internal"},
				WebUIHost:      GivenHost("zenml.ml.corp.internal"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.eu.corp.internal"}),
			},
			want: Endpoints{
				WebUIURL:           "https://zenml.ml.corp.internal",
				ControlPlaneAPIURL: "https://zenml.ml.corp.internal/api/v1",
				WorkspaceURLs:      map[string]string{"ws": "https://ws.eu.corp.internal"},
				NeedsCORS:          true,
				CertificateNames:   []string{"ws.eu.corp.internal", "zenml.ml.corp.internal"},
			},
		},
		{
			name: "private domain: a host equal to the declared domain has no parent within it",
			layout: EndpointLayout{
				PrivateDomains: []string{"corp.internal"},
				WebUIHost:      GivenHost("corp.internal"),
			},
			want: Endpoints{
				WebUIURL:           "https://corp.internal",
				ControlPlaneAPIURL: "https://corp.internal/api/v1",
				WorkspaceURLs:      map[string]string{},
				CertificateNames:   []string{"corp.internal"},
			},
		},
		{
			name: "private domain: mixed with a public host, no common parent",
			layout: EndpointLayout{
				PrivateDomains: []string{"corp.internal"},
				WebUIHost:      GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.ml.corp.internal"}),
			},
			want: Endpoints{
				WebUIURL:           "https://zenml.ml.example.com",
				ControlPlaneAPIURL: "https://zenml.ml.example.com/api/v1",
				WorkspaceURLs:      map[string]string{"ws": "https://ws.ml.corp.internal"},
				NeedsCORS:          true,
				CertificateNames:   []string{"ws.ml.corp.internal", "zenml.ml.example.com"},
			},
		},
		{
			name: "private domain under a public one: the common parent stays within it",
			layout: EndpointLayout{
				PrivateDomains: []string{"ml.example.com"},
				WebUIHost:      GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.example.com"}),
			},
			want: Endpoints{
				WebUIURL:           "https://zenml.ml.example.com",
				ControlPlaneAPIURL: "https://zenml.ml.example.com/api/v1",
				WorkspaceURLs:      map[string]string{"ws": "https://ws.example.com"},
				NeedsCORS:          true,
				CertificateNames:   []string{"ws.example.com", "zenml.ml.example.com"},
			},
		},
		{
			name: "a host equal to the common parent: no wildcard",
			layout: EndpointLayout{
				WebUIHost:      GivenHost("example.com"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.example.com"}),
			},
			want: Endpoints{
				WebUIURL:           "https://example.com",
				ControlPlaneAPIURL: "https://example.com/api/v1",
				WorkspaceURLs:      map[string]string{"ws": "https://ws.example.com"},
				CommonParentDomain: "example.com",
				CookieDomain:       "example.com",
				CertificateNames:   []string{"example.com", "ws.example.com"},
			},
		},
		{
			name: "hosts at different depths: parent but no wildcard",
			layout: EndpointLayout{
				WebUIHost:      GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.eu.ml.example.com"}),
			},
			want: Endpoints{
				WebUIURL:           "https://zenml.ml.example.com",
				ControlPlaneAPIURL: "https://zenml.ml.example.com/api/v1",
				WorkspaceURLs:      map[string]string{"ws": "https://ws.eu.ml.example.com"},
				CommonParentDomain: "ml.example.com",
				CookieDomain:       "ml.example.com",
				CertificateNames:   []string{"ws.eu.ml.example.com", "zenml.ml.example.com"},
			},
		},
		{
			name: "multi-label public suffix: parent is the registrable domain",
			layout: EndpointLayout{
				WebUIHost:      GivenHost("zenml.example.co.uk"),
				WorkspaceHosts: given(map[string]string{"ws": "internal.example.co.uk"}),
			},
			want: Endpoints{
				WebUIURL:            "https://zenml.example.co.uk",
				ControlPlaneAPIURL:  "https://zenml.example.co.uk/api/v1",
				WorkspaceURLs:       map[string]string{"ws": "https://internal.example.co.uk"},
				CommonParentDomain:  "example.co.uk",
				CookieDomain:        "example.co.uk",
				CertificateNames:    []string{"internal.example.co.uk", "zenml.example.co.uk"},
				WildcardCertificate: "*.example.co.uk",
			},
		},
		{
			name: "sharing only co.uk is no common parent",
			layout: EndpointLayout{
				WebUIHost:      GivenHost("zenml.one.co.uk"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.two.co.uk"}),
			},
			want: Endpoints{
				WebUIURL:           "https://zenml.one.co.uk",
				ControlPlaneAPIURL: "https://zenml.one.co.uk/api/v1",
				WorkspaceURLs:      map[string]string{"ws": "https://ws.two.co.uk"},
				NeedsCORS:          true,
				CertificateNames:   []string{"ws.two.co.uk", "zenml.one.co.uk"},
			},
		},
		{
			name: "sharing only a private suffix is no common parent",
			layout: EndpointLayout{
				WebUIHost:      GivenHost("team-a.github.io"),
				WorkspaceHosts: given(map[string]string{"ws": "team-b.github.io"}),
			},
			want: Endpoints{
				WebUIURL:           "https://team-a.github.io",
				ControlPlaneAPIURL: "https://team-a.github.io/api/v1",
				WorkspaceURLs:      map[string]string{"ws": "https://team-b.github.io"},
				NeedsCORS:          true,
				CertificateNames:   []string{"team-a.github.io", "team-b.github.io"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.layout.Plan()
			if err != nil {
				t.Fatalf("Plan() = %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Plan() =\n%+v\nwant\n%+v", got, c.want)
			}
		})
	}
}

func TestPlanEndpointsRejects(t *testing.T) {
	cases := []struct {
		name      string
		layout    EndpointLayout
		field     string
		rule      EndpointRule
		fragments []string
	}{
		{
			name:      "self_hosted without Web UI host",
			layout:    EndpointLayout{WorkspaceHosts: given(map[string]string{"ws": "ws.ml.example.com"})},
			field:     "web_ui_host",
			rule:      EndpointRuleWebUIRequired,
			fragments: []string{`web_ui_host is required when scenario is "self_hosted"`, `"zenml.ml.example.com"`, `scenario = "hybrid"`},
		},
		{
			name: "hybrid with Web UI host",
			layout: EndpointLayout{Scenario: Hybrid, WebUIHost: GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.ml.example.com"})},
			field:     "web_ui_host",
			rule:      EndpointRuleHybridNoCP,
			fragments: []string{`web_ui_host must not be set when scenario is "hybrid"`, "ZenML runs the Control Plane", `Remove web_ui_host ("zenml.ml.example.com")`},
		},
		{
			name: "hybrid with API host",
			layout: EndpointLayout{Scenario: Hybrid, ControlPlaneAPIHost: GivenHost("zenml-api.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.ml.example.com"})},
			field:     "control_plane_api_host",
			rule:      EndpointRuleHybridNoCP,
			fragments: []string{`control_plane_api_host must not be set when scenario is "hybrid"`},
		},
		{
			name:      "hybrid without workspaces",
			layout:    EndpointLayout{Scenario: Hybrid},
			field:     "workspace_hosts",
			rule:      EndpointRuleHybridWorkspaces,
			fragments: []string{`scenario "hybrid" needs at least one workspace`, `"zenml-workspace-1.ml.example.com"`},
		},
		{
			name: "API host equal to Web UI host",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"),
				ControlPlaneAPIHost: GivenHost("zenml.ml.example.com")},
			field: "control_plane_api_host",
			rule:  EndpointRulePathRouting,
			fragments: []string{"control_plane_api_host is the same host as web_ui_host", "https://zenml.ml.example.com/api/v1",
				"omit control_plane_api_host", `"zenml-api.ml.example.com"`},
		},
		{
			name: "workspace on the Web UI host",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"ws1": "zenml.ml.example.com"})},
			field:     `workspace_hosts["ws1"]`,
			rule:      EndpointRuleUniqueHosts,
			fragments: []string{`web_ui_host and workspace_hosts["ws1"] have the same host "zenml.ml.example.com"`, `"zenml-workspace-1.ml.example.com"`},
		},
		{
			name: "two workspaces on one host",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"a": "ws.ml.example.com", "b": "ws.ml.example.com"})},
			field:     `workspace_hosts["b"]`,
			rule:      EndpointRuleUniqueHosts,
			fragments: []string{`workspace_hosts["a"] and workspace_hosts["b"] have the same host "ws.ml.example.com"`},
		},
		{
			name: "workspace on the API host",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"), ControlPlaneAPIHost: GivenHost("api.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"a": "api.ml.example.com"})},
			field:     `workspace_hosts["a"]`,
			rule:      EndpointRuleUniqueHosts,
			fragments: []string{`control_plane_api_host and workspace_hosts["a"] have the same host`},
		},
		{
			name: "empty workspace name",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"": "ws.ml.example.com"})},
			field:     `workspace_hosts[""]`,
			rule:      EndpointRuleWorkspaceName,
			fragments: []string{`workspace name "" is empty or blank`},
		},
		{
			name: "blank workspace name",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"  ": "ws.ml.example.com"})},
			field: `workspace_hosts["  "]`,
			rule:  EndpointRuleWorkspaceName,
		},
		{
			name: "workspace without host",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: map[string]HostValue{"ws": {}}},
			field:     `workspace_hosts["ws"]`,
			rule:      EndpointRuleHost,
			fragments: []string{`workspace "ws" has no host`},
		},
		{
			name: "invalid workspace host",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"ws": "zenml.localhost"})},
			field:     `workspace_hosts["ws"]`,
			rule:      EndpointRuleHost,
			fragments: []string{`"zenml.localhost" is not a valid hostname (rule: no localhost name)`},
		},
		{
			name: "workspace host that is not a valid A-label",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"),
				WorkspaceHosts: given(map[string]string{"ws": "xn--zz.ml.example.com"})},
			field: `workspace_hosts["ws"]`,
			rule:  EndpointRuleHost,
			fragments: []string{`"xn--zz.ml.example.com" is not a valid hostname (rule: labels valid under IDNA2008)`,
				`"zz" is not valid punycode`, `such as "zenml.ml.example.com".`},
		},
		{
			name:      "invalid Web UI host",
			layout:    EndpointLayout{WebUIHost: GivenHost("zenml.cluster")},
			field:     "web_ui_host",
			rule:      EndpointRuleHost,
			fragments: []string{"Public Suffix List"},
		},
		{
			name:   "host in a private zone that is not declared",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.corp.internal")},
			field:  "web_ui_host",
			rule:   EndpointRuleHost,
			fragments: []string{`"zenml.ml.corp.internal" is not a valid hostname (rule: known public suffix)`,
				`declare the zone: private_domains = ["corp.internal"].`},
		},
		{
			name: "host in another private zone than the declared one",
			layout: EndpointLayout{PrivateDomains: []string{"lan.example"}, WebUIHost: GivenHost("zenml.lan.example"),
				WorkspaceHosts: given(map[string]string{"ws": "ws.ml.corp.internal"})},
			field:     `workspace_hosts["ws"]`,
			rule:      EndpointRuleHost,
			fragments: []string{`"ws.ml.corp.internal" is not a valid hostname (rule: known public suffix)`, `nor is it in a declared private domain ("lan.example")`},
		},
		{
			name: "upper case in a host under a declared private domain",
			layout: EndpointLayout{PrivateDomains: []string{"corp.internal"}, WebUIHost: GivenHost("zenml.ml.corp.internal"),
				WorkspaceHosts: given(map[string]string{"ws": "WS.ml.corp.internal"})},
			field:     `workspace_hosts["ws"]`,
			rule:      EndpointRuleHost,
			fragments: []string{`"WS.ml.corp.internal" is not a valid hostname (rule: lower case)`, `Use lower case: "ws.ml.corp.internal".`},
		},
		{
			name:      "localhost under a declared private domain's rules",
			layout:    EndpointLayout{PrivateDomains: []string{"corp.internal"}, WebUIHost: GivenHost("zenml.localhost")},
			field:     "web_ui_host",
			rule:      EndpointRuleHost,
			fragments: []string{"(rule: no localhost name)"},
		},
		{
			name:   "single-label private domain; the host's suffix problem waits for the declaration",
			layout: EndpointLayout{PrivateDomains: []string{"internal"}, WebUIHost: GivenHost("zenml.internal")},
			field:  "private_domains",
			rule:   EndpointRulePrivateDomain,
			fragments: []string{`"internal" is not a valid private domain (rule: at least two labels)`, `"zenml.internal"`,
				`such as "corp.internal".`},
		},
		{
			name:   "private domain with hyphens in the third and fourth positions",
			layout: EndpointLayout{PrivateDomains: []string{"ab--cd.internal"}, WebUIHost: GivenHost("zenml.ml.example.com")},
			field:  "private_domains",
			rule:   EndpointRulePrivateDomain,
			fragments: []string{`"ab--cd.internal" is not a valid private domain (rule: labels valid under IDNA2008)`,
				`Use one hyphen: "ab-cd.internal".`},
		},
		{
			name:      "localhost as private domain",
			layout:    EndpointLayout{PrivateDomains: []string{"localhost"}, WebUIHost: GivenHost("zenml.ml.example.com")},
			field:     "private_domains",
			rule:      EndpointRulePrivateDomain,
			fragments: []string{`"localhost" is not a valid private domain (rule: no localhost name)`},
		},
		{
			name:      "public suffix as private domain",
			layout:    EndpointLayout{PrivateDomains: []string{"co.uk"}, WebUIHost: GivenHost("zenml.ml.example.com")},
			field:     "private_domains",
			rule:      EndpointRulePrivateDomain,
			fragments: []string{`"co.uk" is not a valid private domain (rule: not a public suffix itself)`},
		},
		{
			name: "nested private domains",
			layout: EndpointLayout{PrivateDomains: []string{"corp.internal", "ml.corp.internal"},
				WebUIHost: GivenHost("zenml.ml.corp.internal")},
			field:     "private_domains",
			rule:      EndpointRulePrivateDomain,
			fragments: []string{`"ml.corp.internal" is not a valid private domain (rule: no private domain under another)`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.layout.Plan()
			var errs EndpointErrors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("Plan() = %v, want exactly one EndpointErrors entry", err)
			}
			fe := errs[0]
			if fe.Field.String() != c.field || fe.Rule != c.rule {
				t.Errorf("error on %s for rule %q, want %s for rule %q: %v", fe.Field, fe.Rule, c.field, c.rule, fe)
			}
			for _, f := range c.fragments {
				if !strings.Contains(fe.Err.Error(), f) {
					t.Errorf("message %q lacks %q", fe.Err, f)
				}
			}
			if c.rule == EndpointRuleHost && len(c.fragments) > 0 && strings.Contains(c.fragments[0], "not a valid hostname") {
				var he *HostError
				if !errors.As(err, &he) {
					t.Errorf("errors.As(%v, *HostError) found none", err)
				}
			}
			if c.rule == EndpointRulePrivateDomain {
				var pe *PrivateDomainError
				if !errors.As(err, &pe) {
					t.Errorf("errors.As(%v, *PrivateDomainError) found none", err)
				}
			}
		})
	}
}

func TestPlanEndpointsReportsEveryProblem(t *testing.T) {
	l := EndpointLayout{
		Scenario:            Hybrid,
		WebUIHost:           GivenHost("ZenML.example.com"),
		ControlPlaneAPIHost: GivenHost("zenml-api.example.com"),
		WorkspaceHosts:      given(map[string]string{"a": "ws.example.com", "b": "ws.example.com"}),
	}
	_, err := l.Plan()
	var errs EndpointErrors
	if !errors.As(err, &errs) {
		t.Fatalf("Plan() = %v, want EndpointErrors", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Field.String()+" "+string(e.Rule))
	}
	want := []string{
		"web_ui_host " + string(EndpointRuleHost),
		"web_ui_host " + string(EndpointRuleHybridNoCP),
		"control_plane_api_host " + string(EndpointRuleHybridNoCP),
		`workspace_hosts["b"] ` + string(EndpointRuleUniqueHosts),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}

func TestLayoutProblemsWithPendingValues(t *testing.T) {
	cases := []struct {
		name   string
		layout EndpointLayout
		want   []string // field and rule of each problem
	}{
		{
			name:   "pending Web UI host may still be set: no self_hosted error",
			layout: EndpointLayout{WebUIHost: PendingHost()},
		},
		{
			name:   "pending scenario: no scenario rule",
			layout: EndpointLayout{ScenarioPending: true, WebUIHost: GivenHost("zenml.ml.example.com")},
		},
		{
			name:   "pending scenario: absent Web UI host is fine for now",
			layout: EndpointLayout{ScenarioPending: true, WorkspaceHosts: given(map[string]string{"a": "a.ml.example.com"})},
		},
		{
			name:   "hybrid with pending Web UI host: may turn out null",
			layout: EndpointLayout{Scenario: Hybrid, WebUIHost: PendingHost(), WorkspaceHosts: given(map[string]string{"a": "a.ml.example.com"})},
		},
		{
			name:   "hybrid with pending workspaces",
			layout: EndpointLayout{Scenario: Hybrid, WorkspacesPending: true},
		},
		{
			name:   "hybrid with a workspace whose host is pending",
			layout: EndpointLayout{Scenario: Hybrid, WorkspaceHosts: map[string]HostValue{"a": PendingHost()}},
		},
		{
			name: "known duplicates are found beside pending hosts",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"), ControlPlaneAPIHost: PendingHost(),
				WorkspaceHosts: map[string]HostValue{"a": PendingHost(), "b": GivenHost("zenml.ml.example.com")}},
			want: []string{`workspace_hosts["b"] ` + string(EndpointRuleUniqueHosts)},
		},
		{
			name:   "known Web UI host in hybrid is an error already",
			layout: EndpointLayout{Scenario: Hybrid, WebUIHost: GivenHost("zenml.ml.example.com"), WorkspacesPending: true},
			want:   []string{"web_ui_host " + string(EndpointRuleHybridNoCP)},
		},
		{
			name:   "known absent Web UI host when self-hosted is an error already",
			layout: EndpointLayout{WorkspaceHosts: map[string]HostValue{"a": PendingHost()}},
			want:   []string{"web_ui_host " + string(EndpointRuleWebUIRequired)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, e := range c.layout.LayoutProblems() {
				got = append(got, e.Field.String()+" "+string(e.Rule))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("LayoutProblems() = %q, want %q", got, c.want)
			}
			if len(c.layout.FieldProblems()) != 0 {
				t.Errorf("FieldProblems() = %v, want none", c.layout.FieldProblems())
			}
		})
	}
}

func TestHostProblemsWithPrivateDomains(t *testing.T) {
	cases := []struct {
		name   string
		layout EndpointLayout
		want   []string // field and rule of each problem
	}{
		{
			name:   "declared: the host passes",
			layout: EndpointLayout{PrivateDomains: []string{"corp.internal"}, WebUIHost: GivenHost("zenml.ml.corp.internal")},
		},
		{
			name:   "not declared: the host is refused",
			layout: EndpointLayout{WebUIHost: GivenHost("zenml.ml.corp.internal")},
			want:   []string{"web_ui_host " + string(EndpointRuleHost)},
		},
		{
			name:   "pending declarations: the suffix rule waits for them",
			layout: EndpointLayout{PrivateDomainsPending: true, WebUIHost: GivenHost("zenml.ml.corp.internal")},
		},
		{
			name:   "pending declarations: every other rule applies",
			layout: EndpointLayout{PrivateDomainsPending: true, WebUIHost: GivenHost("zenml.localhost")},
			want:   []string{"web_ui_host " + string(EndpointRuleHost)},
		},
		{
			name:   "an invalid declaration is reported once, on the declaration",
			layout: EndpointLayout{PrivateDomains: []string{"Corp.Internal"}, WebUIHost: GivenHost("zenml.corp.internal")},
			want:   []string{"private_domains " + string(EndpointRulePrivateDomain)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, e := range c.layout.FieldProblems() {
				got = append(got, e.Field.String()+" "+string(e.Rule))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("FieldProblems() = %q, want %q", got, c.want)
			}
		})
	}
	_, err := EndpointLayout{PrivateDomainsPending: true, WebUIHost: GivenHost("zenml.ml.corp.internal")}.Plan()
	if err == nil || !strings.Contains(err.Error(), "not known yet: private_domains") {
		t.Errorf("Plan() = %v, want an error naming the pending private domains", err)
	}
}

func TestPlanNeedsKnownValues(t *testing.T) {
	_, err := EndpointLayout{WebUIHost: GivenHost("zenml.ml.example.com"), WorkspaceHosts: map[string]HostValue{"a": PendingHost()}}.Plan()
	if err == nil || !strings.Contains(err.Error(), `not known yet: workspace_hosts["a"]`) {
		t.Errorf("Plan() = %v, want an error naming the pending workspace host", err)
	}
}

func TestPlanRejectsUnknownScenario(t *testing.T) {
	_, err := EndpointLayout{Scenario: "saas", WebUIHost: GivenHost("zenml.ml.example.com")}.Plan()
	if err == nil || !strings.Contains(err.Error(), `"saas" is not a scenario`) {
		t.Errorf("Plan() = %v, want an error naming the scenario", err)
	}
}

func TestParseScenario(t *testing.T) {
	for _, name := range ScenarioNames() {
		if s, err := ParseScenario(name); err != nil || string(s) != name {
			t.Errorf("ParseScenario(%q) = %q, %v", name, s, err)
		}
	}
	if got := ScenarioNames(); !reflect.DeepEqual(got, []string{"self_hosted", "hybrid"}) {
		t.Errorf("ScenarioNames() = %q", got)
	}
	_, err := ParseScenario("saas")
	if err == nil || !strings.Contains(err.Error(), `"saas" is not a scenario: use "self_hosted"`) {
		t.Errorf("ParseScenario(saas) = %v", err)
	}
}

func FuzzPlanEndpoints(f *testing.F) {
	f.Add(false, "", "zenml.ml.example.com", "zenml-api.ml.example.com", "workspace-1", "zenml-workspace-1.ml.example.com", "", "")
	f.Add(false, "", "zenml.site-one.com", "zenml-api.site-one.com", "ws", "ml-workspace.site-two.com", "", "")
	f.Add(false, "", "zenml.ml.example.com", "", "a", "a.ml.example.com", "b", "b.eu.ml.example.com")
	f.Add(true, "", "", "", "a", "a.example.co.uk", "b", "b.example.co.uk")
	f.Add(true, "", "zenml.ml.example.com", "zenml.ml.example.com", "", "x", "", "x")
	f.Add(false, "", "example.com", "", "a", "example.com", "b", "b.github.io")
	f.Add(false, "corp.internal", "zenml.ml.corp.internal", "zenml-api.ml.corp.internal", "a", "a.ml.corp.internal", "b", "b.ml.corp.internal")
	f.Add(true, "corp.internal", "", "", "a", "a.ml.corp.internal", "b", "b.eu.corp.internal")
	f.Add(false, "corp.internal", "zenml.ml.example.com", "", "a", "a.corp.internal", "", "")
	f.Add(false, "corp.internal", "corp.internal", "", "a", "a.corp.internal", "", "")
	f.Add(false, "ml.example.com", "zenml.ml.example.com", "", "a", "a.example.com", "", "")
	f.Add(false, "internal", "zenml.internal", "", "", "", "", "")
	f.Add(false, "localhost", "zenml.localhost", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, hybrid bool, private, web, api, ws1, host1, ws2, host2 string) {
		l := EndpointLayout{WorkspaceHosts: map[string]HostValue{}}
		if private != "" {
			l.PrivateDomains = []string{private}
		}
		if hybrid {
			l.Scenario = Hybrid
		}
		if web != "" {
			l.WebUIHost = GivenHost(web)
		}
		if api != "" {
			l.ControlPlaneAPIHost = GivenHost(api)
		}
		if host1 != "" {
			l.WorkspaceHosts[ws1] = GivenHost(host1)
		}
		if host2 != "" {
			l.WorkspaceHosts[ws2] = GivenHost(host2)
		}
		ep, err := l.Plan()
		if err != nil {
			var errs EndpointErrors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Plan() = %v, want EndpointErrors", err)
			}
			for _, e := range errs {
				if e.Rule == "" || e.Err == nil || e.Field.Role == "" {
					t.Fatalf("incomplete problem %+v", e)
				}
			}
			return
		}
		declared, err := NewPrivateDomains(l.PrivateDomains...)
		if err != nil {
			t.Fatalf("planned with invalid private domains %q: %v", l.PrivateDomains, err)
		}
		var hosts []Host
		for _, name := range ep.CertificateNames {
			h, err := declared.ParseHost(name)
			if err != nil {
				t.Fatalf("certificate name %q: %v", name, err)
			}
			hosts = append(hosts, h)
		}
		if !sort.StringsAreSorted(ep.CertificateNames) {
			t.Fatalf("certificate names not sorted: %q", ep.CertificateNames)
		}
		for i := 1; i < len(ep.CertificateNames); i++ {
			if ep.CertificateNames[i] == ep.CertificateNames[i-1] {
				t.Fatalf("duplicate certificate name %q", ep.CertificateNames[i])
			}
		}
		if len(ep.WorkspaceURLs) != len(l.WorkspaceHosts) {
			t.Fatalf("workspace URLs %v for %v", ep.WorkspaceURLs, l.WorkspaceHosts)
		}
		for name, u := range ep.WorkspaceURLs {
			if u != "https://"+l.WorkspaceHosts[name].Host {
				t.Fatalf("workspace %q URL %q", name, u)
			}
		}
		if hybrid != (ep.WebUIURL == "" && ep.ControlPlaneAPIURL == "") {
			t.Fatalf("hybrid=%v but URLs %q %q", hybrid, ep.WebUIURL, ep.ControlPlaneAPIURL)
		}
		d := ep.CommonParentDomain
		if d != ep.CookieDomain {
			t.Fatalf("cookie domain %q != common parent %q", ep.CookieDomain, d)
		}
		if d != "" {
			for _, h := range hosts {
				if h.Name != d && !strings.HasSuffix(h.Name, "."+d) {
					t.Fatalf("host %q is not under common parent %q", h.Name, d)
				}
				if d != h.RegistrableDomain && !strings.HasSuffix(d, "."+h.RegistrableDomain) {
					t.Fatalf("common parent %q is above the registrable domain %q", d, h.RegistrableDomain)
				}
			}
		}
		if ep.NeedsCORS != (hybrid || len(hosts) > 1 && d == "") {
			t.Fatalf("needs_cors %v with %d hosts and parent %q", ep.NeedsCORS, len(hosts), d)
		}
		if w := ep.WildcardCertificate; w != "" {
			if w != "*."+d {
				t.Fatalf("wildcard %q for parent %q", w, d)
			}
			for _, h := range hosts {
				if strings.Count(h.Name, ".") != strings.Count(d, ".")+1 {
					t.Fatalf("wildcard %q does not cover %q", w, h.Name)
				}
			}
		}
	})
}
