// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const endpointsAddress = "data.zenmlpro_endpoints.test"

// endpointsMessage matches a diagnostic as Terraform prints it: "Error: <summary>", the configuration
// excerpt, then the detail, wrapped at any space.
func endpointsMessage(summary, detail string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)Error: ` + wrappedPhrase(summary) + `\n.*` + wrappedPhrase(detail))
}

// endpointsOutputs checks every output of the data source.
func endpointsOutputs(scenario, webUIURL, apiURL string, workspaceURLs map[string]string, parent string, needsCORS bool,
	certificateNames []string, wildcard string) []statecheck.StateCheck {
	str := func(s string) knownvalue.Check {
		if s == "" {
			return knownvalue.Null()
		}
		return knownvalue.StringExact(s)
	}
	urls := map[string]knownvalue.Check{}
	for k, v := range workspaceURLs {
		urls[k] = knownvalue.StringExact(v)
	}
	names := make([]knownvalue.Check, len(certificateNames))
	for i, n := range certificateNames {
		names[i] = knownvalue.StringExact(n)
	}
	at := func(attr string, c knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(endpointsAddress, tfjsonpath.New(attr), c)
	}
	return []statecheck.StateCheck{
		at("scenario", knownvalue.StringExact(scenario)),
		at("web_ui_url", str(webUIURL)),
		at("control_plane_api_url", str(apiURL)),
		at("workspace_urls", knownvalue.MapExact(urls)),
		at("common_parent_domain", str(parent)),
		at("cookie_domain", str(parent)),
		at("needs_cors", knownvalue.Bool(needsCORS)),
		at("certificate_names", knownvalue.ListExact(names)),
		at("wildcard_certificate", str(wildcard)),
	}
}

func TestAccEndpointsDataSource_commonSubdomain(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config: `
data "zenmlpro_endpoints" "test" {
  web_ui_host            = "zenml.ml.example.com"
  control_plane_api_host = "zenml-api.ml.example.com"
  workspace_hosts = {
    "workspace-1" = "zenml-workspace-1.ml.example.com"
  }
}
`,
		ConfigStateChecks: endpointsOutputs("self_hosted",
			"https://zenml.ml.example.com", "https://zenml-api.ml.example.com",
			map[string]string{"workspace-1": "https://zenml-workspace-1.ml.example.com"},
			"ml.example.com", false,
			[]string{"zenml-api.ml.example.com", "zenml-workspace-1.ml.example.com", "zenml.ml.example.com"},
			"*.ml.example.com"),
	}})
}

func TestAccEndpointsDataSource_separateDomains(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config: `
data "zenmlpro_endpoints" "test" {
  scenario               = "self_hosted"
  control_plane_api_host = "zenml-api.site-one.com"
  web_ui_host            = "zenml.site-one.com"
  workspace_hosts = {
    ml = "ml-workspace.site-two.com"
  }
}
`,
		ConfigStateChecks: endpointsOutputs("self_hosted",
			"https://zenml.site-one.com", "https://zenml-api.site-one.com",
			map[string]string{"ml": "https://ml-workspace.site-two.com"},
			"", true,
			[]string{"ml-workspace.site-two.com", "zenml-api.site-one.com", "zenml.site-one.com"},
			""),
	}})
}

func TestAccEndpointsDataSource_pathRouting(t *testing.T) {
	testAccSteps(t, []resource.TestStep{
		{
			Config: `
data "zenmlpro_endpoints" "test" {
  web_ui_host = "zenml.ml.example.com"
  workspace_hosts = {
    "workspace-1" = "workspace-1.ml.example.com"
    "workspace-2" = "eu.workspace-2.ml.example.com"
  }
}
`,
			ConfigStateChecks: endpointsOutputs("self_hosted",
				"https://zenml.ml.example.com", "https://zenml.ml.example.com/api/v1",
				map[string]string{"workspace-1": "https://workspace-1.ml.example.com", "workspace-2": "https://eu.workspace-2.ml.example.com"},
				"ml.example.com", false,
				[]string{"eu.workspace-2.ml.example.com", "workspace-1.ml.example.com", "zenml.ml.example.com"},
				""),
		},
		{
			Config: `
data "zenmlpro_endpoints" "test" {
  web_ui_host = "zenml.example.co.uk"
}
`,
			ConfigStateChecks: endpointsOutputs("self_hosted",
				"https://zenml.example.co.uk", "https://zenml.example.co.uk/api/v1", map[string]string{},
				"example.co.uk", false, []string{"zenml.example.co.uk"}, "*.example.co.uk"),
		},
	})
}

func TestAccEndpointsDataSource_hybrid(t *testing.T) {
	// ZenML serves the Web UI from its own domain: needs_cors is true whatever the workspace hosts share,
	// and cookie_domain is what they share.
	testAccSteps(t, []resource.TestStep{
		{
			Config: `
data "zenmlpro_endpoints" "test" {
  scenario = "hybrid"
  workspace_hosts = {
    "workspace-1" = "workspace-1.ml.example.com"
    "workspace-2" = "workspace-2.ml.example.com"
  }
}
`,
			ConfigStateChecks: endpointsOutputs("hybrid", "", "",
				map[string]string{"workspace-1": "https://workspace-1.ml.example.com", "workspace-2": "https://workspace-2.ml.example.com"},
				"ml.example.com", true,
				[]string{"workspace-1.ml.example.com", "workspace-2.ml.example.com"},
				"*.ml.example.com"),
		},
		{
			Config: `
data "zenmlpro_endpoints" "test" {
  scenario        = "hybrid"
  workspace_hosts = { "workspace-1" = "zenml-workspace-1.ml.example.com" }
}
`,
			ConfigStateChecks: endpointsOutputs("hybrid", "", "",
				map[string]string{"workspace-1": "https://zenml-workspace-1.ml.example.com"},
				"ml.example.com", true, []string{"zenml-workspace-1.ml.example.com"}, "*.ml.example.com"),
		},
		{
			Config: `
data "zenmlpro_endpoints" "test" {
  scenario        = "hybrid"
  private_domains = ["corp.internal"]
  workspace_hosts = {
    "workspace-1" = "zenml-workspace-1.ml.corp.internal"
    "workspace-2" = "zenml-workspace-2.eu.corp.internal"
  }
}
`,
			ConfigStateChecks: endpointsOutputs("hybrid", "", "",
				map[string]string{"workspace-1": "https://zenml-workspace-1.ml.corp.internal", "workspace-2": "https://zenml-workspace-2.eu.corp.internal"},
				"corp.internal", true,
				[]string{"zenml-workspace-1.ml.corp.internal", "zenml-workspace-2.eu.corp.internal"}, ""),
		},
	})
}

func TestAccEndpointsDataSource_privateDomains(t *testing.T) {
	testAccSteps(t, []resource.TestStep{
		{
			// The layout below without the declaration fails, and says what to declare.
			Config: `
data "zenmlpro_endpoints" "test" {
  web_ui_host            = "zenml.ml.corp.internal"
  control_plane_api_host = "zenml-api.ml.corp.internal"
}
`,
			PlanOnly: true,
			ExpectError: endpointsMessage("Invalid Hostname", `Attribute web_ui_host: "zenml.ml.corp.internal" is not a valid hostname (rule: known public suffix): `+
				`its top-level domain "internal" is not on the Public Suffix List`),
		},
		{
			// The page's recommended layout in an air-gapped site's private zone.
			Config: `
data "zenmlpro_endpoints" "test" {
  private_domains        = ["corp.internal"]
  web_ui_host            = "zenml.ml.corp.internal"
  control_plane_api_host = "zenml-api.ml.corp.internal"
  workspace_hosts = {
    "workspace-1" = "zenml-workspace-1.ml.corp.internal"
  }
}
`,
			ConfigStateChecks: append(endpointsOutputs("self_hosted",
				"https://zenml.ml.corp.internal", "https://zenml-api.ml.corp.internal",
				map[string]string{"workspace-1": "https://zenml-workspace-1.ml.corp.internal"},
				"ml.corp.internal", false,
				[]string{"zenml-api.ml.corp.internal", "zenml-workspace-1.ml.corp.internal", "zenml.ml.corp.internal"},
				"*.ml.corp.internal"),
				statecheck.ExpectKnownValue(endpointsAddress, tfjsonpath.New("private_domains"),
					knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("corp.internal")}))),
		},
		{
			// Hosts one label below the declared domain: the wildcard stays within it.
			Config: `
data "zenmlpro_endpoints" "test" {
  private_domains = ["lan.example", "corp.internal"]
  web_ui_host     = "zenml.lan.example"
  workspace_hosts = { ws = "ws.lan.example" }
}
`,
			ConfigStateChecks: endpointsOutputs("self_hosted",
				"https://zenml.lan.example", "https://zenml.lan.example/api/v1",
				map[string]string{"ws": "https://ws.lan.example"},
				"lan.example", false, []string{"ws.lan.example", "zenml.lan.example"}, "*.lan.example"),
		},
		{
			// A public Web UI host and a workspace in the private zone share no parent domain.
			Config: `
data "zenmlpro_endpoints" "test" {
  private_domains = ["corp.internal"]
  web_ui_host     = "zenml.ml.example.com"
  workspace_hosts = { ws = "ws.ml.corp.internal" }
}
`,
			ConfigStateChecks: endpointsOutputs("self_hosted",
				"https://zenml.ml.example.com", "https://zenml.ml.example.com/api/v1",
				map[string]string{"ws": "https://ws.ml.corp.internal"},
				"", true, []string{"ws.ml.corp.internal", "zenml.ml.example.com"}, ""),
		},
	})
}

// endpointsRuleCases are configurations that break one rule each, with the message the user sees.
var endpointsRuleCases = []struct {
	name, config, summary, message string
}{
	{"localhost", `web_ui_host = "localhost"`,
		"Invalid Hostname", `Attribute web_ui_host: "localhost" is not a valid hostname (rule: no localhost name): localhost names (localhost, *.localhost) are not accepted`},
	{"subdomain of localhost", `web_ui_host = "zenml.localhost"`,
		"Invalid Hostname", `Attribute web_ui_host: "zenml.localhost" is not a valid hostname (rule: no localhost name)`},
	{"single label", `web_ui_host = "zenml"`,
		"Invalid Hostname", `Attribute web_ui_host: "zenml" is not a valid hostname (rule: at least two labels): it is a single label`},
	{"simple DNS prefix", `web_ui_host = "zenml.cluster"`,
		"Invalid Hostname", `"zenml.cluster" is not a valid hostname (rule: known public suffix): its top-level domain "cluster" is not on the Public Suffix List`},
	{"private zone not declared", `web_ui_host = "zenml.ml.corp.internal"`,
		"Invalid Hostname", `If "zenml.ml.corp.internal" is in a private DNS zone that your organization runs (an air-gapped or internal site), declare the zone: private_domains = ["corp.internal"].`},
	{"another private zone declared", `private_domains = ["lan.example"]
web_ui_host = "zenml.ml.corp.internal"`,
		"Invalid Hostname", `nor is it in a declared private domain ("lan.example"). Use a name under a registered domain`},
	{"upper case under a declared private domain", `private_domains = ["corp.internal"]
web_ui_host = "zenml.ml.corp.internal"
workspace_hosts = { ws1 = "WS1.ml.corp.internal" }`,
		"Invalid Hostname", `Attribute workspace_hosts["ws1"]: "WS1.ml.corp.internal" is not a valid hostname (rule: lower case): it contains upper-case letters. Use lower case: "ws1.ml.corp.internal".`},
	{"localhost under a declared private domain's rules", `private_domains = ["corp.internal"]
web_ui_host = "zenml.localhost"`,
		"Invalid Hostname", `Attribute web_ui_host: "zenml.localhost" is not a valid hostname (rule: no localhost name)`},
	{"single-label private domain", `private_domains = ["internal"]
web_ui_host = "zenml.internal"`,
		"Invalid Private Domain", `Attribute private_domains: "internal" is not a valid private domain (rule: at least two labels): it is a single label`},
	{"single-label private domain: example", `private_domains = ["internal"]
web_ui_host = "zenml.internal"`,
		"Invalid Private Domain", `would admit names like "zenml.internal"`},
	{"single-label private domain: fix", `private_domains = ["internal"]
web_ui_host = "zenml.internal"`,
		"Invalid Private Domain", `Declare the zone your hosts are in, of at least two labels, such as "corp.internal".`},
	{"localhost as private domain", `private_domains = ["localhost"]
web_ui_host = "zenml.ml.example.com"`,
		"Invalid Private Domain", `Attribute private_domains: "localhost" is not a valid private domain (rule: no localhost name)`},
	{"public suffix as private domain", `private_domains = ["co.uk"]
web_ui_host = "zenml.ml.example.com"`,
		"Invalid Private Domain", `Attribute private_domains: "co.uk" is not a valid private domain (rule: not a public suffix itself): it is a public suffix`},
	{"upper-case private domain", `private_domains = ["Corp.Internal"]
web_ui_host = "zenml.ml.corp.internal"`,
		"Invalid Private Domain", `Attribute private_domains: "Corp.Internal" is not a valid private domain (rule: lower case): it contains upper-case letters. Use lower case: "corp.internal".`},
	{"private domain with scheme", `private_domains = ["https://corp.internal"]
web_ui_host = "zenml.ml.example.com"`,
		"Invalid Private Domain", `"https://corp.internal" is not a valid private domain (rule: no scheme): it has a scheme "https://", which a domain never has. Remove it and give the bare domain: "corp.internal".`},
	{"nested private domains", `private_domains = ["corp.internal", "ml.corp.internal"]
web_ui_host = "zenml.ml.corp.internal"`,
		"Invalid Private Domain", `"ml.corp.internal" is not a valid private domain (rule: no private domain under another): it is under "corp.internal", which is declared too`},
	{"IPv4 address", `web_ui_host = "10.0.0.1"`,
		"Invalid Hostname", `"10.0.0.1" is not a valid hostname (rule: no IP address): it is an IP address`},
	{"IPv6 address", `web_ui_host = "zenml.ml.example.com"
workspace_hosts = { ws1 = "[2001:db8::1]" }`,
		"Invalid Hostname", `Attribute workspace_hosts["ws1"]: "[2001:db8::1]" is not a valid hostname (rule: no IP address)`},
	{"scheme", `web_ui_host = "https://zenml.ml.example.com/"`,
		"Invalid Hostname", `"https://zenml.ml.example.com/" is not a valid hostname (rule: no scheme): it has a scheme "https://" and a path "/"`},
	{"scheme: bare host shown", `web_ui_host = "https://zenml.ml.example.com/"`,
		"Invalid Hostname", `Remove them and give the bare host: "zenml.ml.example.com".`},
	{"port", `web_ui_host = "zenml.ml.example.com:443"`,
		"Invalid Hostname", `"zenml.ml.example.com:443" is not a valid hostname (rule: no port): it has a port ":443", which a hostname never has`},
	{"path", `web_ui_host = "zenml.ml.example.com"
control_plane_api_host = "zenml.ml.example.com/api/v1"`,
		"Invalid Hostname", `Attribute control_plane_api_host: "zenml.ml.example.com/api/v1" is not a valid hostname (rule: no path)`},
	{"upper case", `web_ui_host = "zenml.ml.example.com"
workspace_hosts = { ws1 = "ZenML-Workspace.ml.example.com" }`,
		"Invalid Hostname", `Attribute workspace_hosts["ws1"]: "ZenML-Workspace.ml.example.com" is not a valid hostname (rule: lower case): it contains upper-case letters. Use lower case: "zenml-workspace.ml.example.com".`},
	{"wildcard", `web_ui_host = "*.ml.example.com"`,
		"Invalid Hostname", `"*.ml.example.com" is not a valid hostname (rule: no wildcard)`},
	{"trailing dot", `web_ui_host = "zenml.ml.example.com."`,
		"Invalid Hostname", `(rule: no trailing dot): it ends with a dot. Remove the trailing dot: "zenml.ml.example.com".`},
	{"label too long", `web_ui_host = "` + strings.Repeat("a", 64) + `.example.com"`,
		"Invalid Hostname", `(rule: labels of 1 to 63 characters): its label`},
	{"invalid punycode", `web_ui_host = "xn--zz.example.com"`,
		"Invalid Hostname", `Attribute web_ui_host: "xn--zz.example.com" is not a valid hostname (rule: labels valid under IDNA2008): its label "xn--zz" starts with "xn--", ` +
			`which marks an internationalized label in its ASCII (punycode) form, but "zz" is not valid punycode. ` +
			`Give an internationalized name in the ASCII form IDNA2008 gives it (e.g. "xn--bcher-kva" for "bücher"), or labels that do not start with "xn--", such as "zenml.ml.example.com".`},
	{"hyphens in the third and fourth positions", `web_ui_host = "zenml.ml.example.com"
workspace_hosts = { ws1 = "ab--cd.example.com" }`,
		"Invalid Hostname", `Attribute workspace_hosts["ws1"]: "ab--cd.example.com" is not a valid hostname (rule: labels valid under IDNA2008): its label "ab--cd" has hyphens in the third and fourth positions, ` +
			`which IDNA2008 reserves for the ASCII form of internationalized labels ("xn--"). Use one hyphen: "ab-cd.example.com".`},
	{"empty workspace name", `web_ui_host = "zenml.ml.example.com"
workspace_hosts = { "" = "ws.ml.example.com" }`,
		"Invalid Workspace Name", `Attribute workspace_hosts[""]: workspace name "" is empty or blank`},
	{"duplicate hosts", `web_ui_host = "zenml.ml.example.com"
workspace_hosts = { a = "ws.ml.example.com", b = "ws.ml.example.com" }`,
		"Duplicate Hostname", `workspace_hosts["a"] and workspace_hosts["b"] have the same host "ws.ml.example.com"; every endpoint needs a host of its own`},
	{"API host equal to Web UI host", `web_ui_host = "zenml.ml.example.com"
control_plane_api_host = "zenml.ml.example.com"`,
		"Duplicate Hostname", `control_plane_api_host is the same host as web_ui_host ("zenml.ml.example.com"). To serve the API on the Web UI host with path routing (https://zenml.ml.example.com/api/v1), omit control_plane_api_host`},
	{"hybrid with Web UI host", `scenario = "hybrid"
web_ui_host = "zenml.ml.example.com"
workspace_hosts = { ws1 = "ws1.ml.example.com" }`,
		"Control Plane Host In Hybrid Scenario", `web_ui_host must not be set when scenario is "hybrid", because ZenML runs the Control Plane`},
	{"hybrid with API host", `scenario = "hybrid"
control_plane_api_host = "zenml-api.ml.example.com"
workspace_hosts = { ws1 = "ws1.ml.example.com" }`,
		"Control Plane Host In Hybrid Scenario", `control_plane_api_host must not be set when scenario is "hybrid"`},
	{"hybrid without workspaces", `scenario = "hybrid"`,
		"Missing Workspace Hosts", `scenario "hybrid" needs at least one workspace`},
	{"self_hosted without Web UI host", `workspace_hosts = { ws1 = "ws1.ml.example.com" }`,
		"Missing Web UI Host", `web_ui_host is required when scenario is "self_hosted"`},
	{"unknown scenario", `scenario = "saas"
web_ui_host = "zenml.ml.example.com"`,
		"Invalid Attribute Value Match", `Attribute scenario value must be one of: ["self_hosted" "hybrid"], got: "saas"`},
}

func TestAccEndpointsDataSource_rules(t *testing.T) {
	var steps []resource.TestStep
	for _, c := range endpointsRuleCases {
		steps = append(steps, resource.TestStep{
			Config:      fmt.Sprintf("data \"zenmlpro_endpoints\" \"test\" {\n%s\n}\n", c.config),
			PlanOnly:    true,
			ExpectError: endpointsMessage(c.summary, c.message),
		})
	}
	testAccSteps(t, steps)
}

// endpointsFromApply passes values through terraform_data, whose output is unknown until apply.
func endpointsFromApply(values map[string]string, body string) string {
	var b strings.Builder
	for name, v := range values {
		fmt.Fprintf(&b, "resource \"terraform_data\" %q {\n  input = %q\n}\n", name, v)
	}
	fmt.Fprintf(&b, "data \"zenmlpro_endpoints\" \"test\" {\n%s\n}\n", body)
	return b.String()
}

func TestAccEndpointsDataSource_unknownAtPlan(t *testing.T) {
	testAccSteps(t, []resource.TestStep{
		{
			// Valid values known only at apply: the plan defers the read, apply fills every output.
			Config: endpointsFromApply(map[string]string{"web": "zenml.ml.example.com", "scenario": "self_hosted"}, `
  scenario        = terraform_data.scenario.output
  web_ui_host     = terraform_data.web.output
  workspace_hosts = { "workspace-1" = "zenml-workspace-1.ml.example.com" }`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(endpointsAddress, tfjsonpath.New("web_ui_url")),
			}},
			ConfigStateChecks: endpointsOutputs("self_hosted",
				"https://zenml.ml.example.com", "https://zenml.ml.example.com/api/v1",
				map[string]string{"workspace-1": "https://zenml-workspace-1.ml.example.com"},
				"ml.example.com", false,
				[]string{"zenml-workspace-1.ml.example.com", "zenml.ml.example.com"}, "*.ml.example.com"),
		},
	})
}

func TestAccEndpointsDataSource_privateDomainsUnknownAtPlan(t *testing.T) {
	// A host in a private zone passes validate and plan while the declaration is not known yet; apply
	// checks it against the declared domain.
	testAccSteps(t, []resource.TestStep{{
		Config: endpointsFromApply(map[string]string{"zone": "corp.internal"}, `
  private_domains = [terraform_data.zone.output]
  web_ui_host     = "zenml.ml.corp.internal"
  workspace_hosts = { "workspace-1" = "zenml-workspace-1.ml.corp.internal" }`),
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectUnknownValue(endpointsAddress, tfjsonpath.New("cookie_domain")),
		}},
		ConfigStateChecks: endpointsOutputs("self_hosted",
			"https://zenml.ml.corp.internal", "https://zenml.ml.corp.internal/api/v1",
			map[string]string{"workspace-1": "https://zenml-workspace-1.ml.corp.internal"},
			"ml.corp.internal", false,
			[]string{"zenml-workspace-1.ml.corp.internal", "zenml.ml.corp.internal"}, "*.ml.corp.internal"),
	}})
}

func TestAccEndpointsDataSource_invalidUnknownAtPlan(t *testing.T) {
	cases := []struct {
		name             string
		values           map[string]string
		body             string
		summary, message string
	}{
		{"localhost", map[string]string{"web": "zenml.localhost"}, `web_ui_host = terraform_data.web.output`,
			"Invalid Hostname", `Attribute web_ui_host: "zenml.localhost" is not a valid hostname (rule: no localhost name)`},
		{"upper-case workspace host", map[string]string{"ws": "ZenML.ml.example.com"}, `web_ui_host = "zenml-ui.ml.example.com"
  workspace_hosts = { ws1 = terraform_data.ws.output }`,
			"Invalid Hostname", `Attribute workspace_hosts["ws1"]: "ZenML.ml.example.com" is not a valid hostname (rule: lower case)`},
		{"duplicate of a literal host", map[string]string{"ws": "zenml.ml.example.com"}, `web_ui_host = "zenml.ml.example.com"
  workspace_hosts = { ws1 = terraform_data.ws.output }`,
			"Duplicate Hostname", `web_ui_host and workspace_hosts["ws1"] have the same host "zenml.ml.example.com"`},
		{"hybrid scenario known at apply", map[string]string{"scenario": "hybrid"}, `scenario = terraform_data.scenario.output
  web_ui_host = "zenml.ml.example.com"
  workspace_hosts = { ws1 = "ws1.ml.example.com" }`,
			"Control Plane Host In Hybrid Scenario", `web_ui_host must not be set when scenario is "hybrid"`},
		{"single-label private domain known at apply", map[string]string{"zone": "internal"}, `private_domains = [terraform_data.zone.output]
  web_ui_host = "zenml.internal"`,
			"Invalid Private Domain", `Attribute private_domains: "internal" is not a valid private domain (rule: at least two labels)`},
		{"host outside the private domain known at apply", map[string]string{"zone": "lan.example"}, `private_domains = [terraform_data.zone.output]
  web_ui_host = "zenml.ml.corp.internal"`,
			"Invalid Hostname", `Attribute web_ui_host: "zenml.ml.corp.internal" is not a valid hostname (rule: known public suffix)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			config := endpointsFromApply(c.values, c.body)
			testAccSteps(t, []resource.TestStep{
				// Validate and plan pass: the value is not known yet.
				{Config: config, PlanOnly: true, ExpectNonEmptyPlan: true},
				// Apply fails with the message a literal value gets at validate time.
				{Config: config, ExpectError: endpointsMessage(c.summary, c.message)},
			})
		})
	}
}

func TestAccEndpointsDataSource_knownDuplicateBesideUnknown(t *testing.T) {
	// A rule that the known values decide already fails the plan, though another value is unknown.
	testAccSteps(t, []resource.TestStep{{
		Config: endpointsFromApply(map[string]string{"api": "zenml-api.ml.example.com"}, `
  web_ui_host            = "zenml.ml.example.com"
  control_plane_api_host = terraform_data.api.output
  workspace_hosts        = { a = "ws.ml.example.com", b = "ws.ml.example.com" }`),
		PlanOnly:    true,
		ExpectError: endpointsMessage("Duplicate Hostname", `workspace_hosts["a"] and workspace_hosts["b"] have the same host "ws.ml.example.com"`),
	}})
}

// TestEndpointsValidateConfig calls the provider the way `terraform validate` does, with values that
// are literal or not known yet.
func TestEndpointsValidateConfig(t *testing.T) {
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	hosts := func(m map[string]tftypes.Value) tftypes.Value {
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, m)
	}
	domains := func(v ...tftypes.Value) tftypes.Value {
		return tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, v)
	}
	cases := []struct {
		name   string
		config map[string]tftypes.Value
		want   []string // "summary | attribute path | detail fragment"
	}{
		{
			name:   "literal invalid host",
			config: map[string]tftypes.Value{"web_ui_host": str("zenml.localhost")},
			want:   []string{`Invalid Hostname | web_ui_host | Attribute web_ui_host: "zenml.localhost" is not a valid hostname (rule: no localhost name)`},
		},
		{
			name: "literal invalid workspace host and name",
			config: map[string]tftypes.Value{"web_ui_host": str("zenml.ml.example.com"),
				"workspace_hosts": hosts(map[string]tftypes.Value{"": str("ws.ml.example.com"), "b": str("B.ml.example.com"), "c": unknown})},
			want: []string{
				`Invalid Workspace Name | workspace_hosts[""] | Attribute workspace_hosts[""]: workspace name "" is empty or blank`,
				`Invalid Hostname | workspace_hosts["b"] | Attribute workspace_hosts["b"]: "B.ml.example.com" is not a valid hostname (rule: lower case)`,
			},
		},
		{
			name:   "unknown values: nothing to report yet",
			config: map[string]tftypes.Value{"web_ui_host": unknown, "control_plane_api_host": unknown, "scenario": unknown, "workspace_hosts": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, tftypes.UnknownValue)},
		},
		{
			name:   "unknown Web UI host may be set: no self_hosted error",
			config: map[string]tftypes.Value{"web_ui_host": unknown},
		},
		{
			name:   "missing Web UI host",
			config: map[string]tftypes.Value{"workspace_hosts": hosts(map[string]tftypes.Value{"a": unknown})},
			want:   []string{`Missing Web UI Host | web_ui_host | web_ui_host is required when scenario is "self_hosted"`},
		},
		{
			name: "workspace without host",
			config: map[string]tftypes.Value{"web_ui_host": str("zenml.ml.example.com"),
				"workspace_hosts": hosts(map[string]tftypes.Value{"a": tftypes.NewValue(tftypes.String, nil)})},
			want: []string{`Invalid Hostname | workspace_hosts["a"] | Attribute workspace_hosts["a"]: workspace "a" has no host`},
		},
		{
			name: "hybrid with Web UI host",
			config: map[string]tftypes.Value{"scenario": str("hybrid"), "web_ui_host": str("zenml.ml.example.com"),
				"workspace_hosts": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, tftypes.UnknownValue)},
			want: []string{`Control Plane Host In Hybrid Scenario | web_ui_host | web_ui_host must not be set when scenario is "hybrid"`},
		},
		{
			name: "hosts in a declared private domain",
			config: map[string]tftypes.Value{"private_domains": domains(str("corp.internal")), "web_ui_host": str("zenml.ml.corp.internal"),
				"control_plane_api_host": str("zenml-api.ml.corp.internal"),
				"workspace_hosts":        hosts(map[string]tftypes.Value{"a": str("a.ml.corp.internal")})},
		},
		{
			name: "hosts in a private zone that is not declared",
			config: map[string]tftypes.Value{"private_domains": domains(str("lan.example")), "web_ui_host": str("zenml.ml.corp.internal"),
				"workspace_hosts": hosts(map[string]tftypes.Value{"a": str("a.ml.corp.internal")})},
			want: []string{
				`Invalid Hostname | web_ui_host | Attribute web_ui_host: "zenml.ml.corp.internal" is not a valid hostname (rule: known public suffix)`,
				`Invalid Hostname | workspace_hosts["a"] | Attribute workspace_hosts["a"]: "a.ml.corp.internal" is not a valid hostname (rule: known public suffix)`,
			},
		},
		{
			name: "invalid private domains: reported once each, on private_domains, the hosts wait",
			config: map[string]tftypes.Value{"private_domains": domains(str("internal"), str("localhost"), str("co.uk")),
				"web_ui_host": str("zenml.internal")},
			want: []string{
				`Invalid Private Domain | private_domains | Attribute private_domains: "co.uk" is not a valid private domain (rule: not a public suffix itself)`,
				`Invalid Private Domain | private_domains | Attribute private_domains: "internal" is not a valid private domain (rule: at least two labels)`,
				`Invalid Private Domain | private_domains | Attribute private_domains: "localhost" is not a valid private domain (rule: no localhost name)`,
			},
		},
		{
			name: "unknown private domain: the suffix rule waits, the other rules apply",
			config: map[string]tftypes.Value{"private_domains": domains(str("corp.internal"), unknown), "web_ui_host": str("zenml.ml.corp.other"),
				"control_plane_api_host": str("ZenML-API.ml.corp.other")},
			want: []string{`Invalid Hostname | control_plane_api_host | Attribute control_plane_api_host: "ZenML-API.ml.corp.other" is not a valid hostname (rule: lower case)`},
		},
		{
			name:   "unknown private domains: invalid known entries are still reported",
			config: map[string]tftypes.Value{"private_domains": domains(str("corp"), unknown), "web_ui_host": str("zenml.ml.example.com")},
			want:   []string{`Invalid Private Domain | private_domains | Attribute private_domains: "corp" is not a valid private domain (rule: at least two labels)`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Attributes are validated in no fixed order: compare sorted lists.
			var got []string
			for _, d := range testValidate(t, NewEndpointsDataSource(), c.config) {
				got = append(got, fmt.Sprintf("%s | %s | %s", d.Summary, attributePathString(d.Attribute), d.Detail))
			}
			want := append([]string(nil), c.want...)
			sort.Strings(got)
			sort.Strings(want)
			if len(got) != len(want) {
				t.Fatalf("diagnostics:\n%s\nwant %d:\n%s", strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], want[i]) {
					t.Errorf("diagnostic %d:\n%s\nwant prefix\n%s", i, got[i], want[i])
				}
			}
		})
	}
}

func TestAccEndpointsDataSource_example(t *testing.T) {
	example, err := os.ReadFile("../../examples/data-sources/zenmlpro_endpoints/data-source.tf")
	if err != nil {
		t.Fatal(err)
	}
	at := func(name, attr string, c knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("data.zenmlpro_endpoints."+name, tfjsonpath.New(attr), c)
	}
	testAccSteps(t, []resource.TestStep{{
		Config: string(example),
		ConfigStateChecks: []statecheck.StateCheck{
			at("zenml", "cookie_domain", knownvalue.StringExact("ml.example.com")),
			at("zenml", "wildcard_certificate", knownvalue.StringExact("*.ml.example.com")),
			at("zenml", "needs_cors", knownvalue.Bool(false)),
			at("zenml", "control_plane_api_url", knownvalue.StringExact("https://zenml-api.ml.example.com")),
			at("zenml", "certificate_names", knownvalue.ListSizeExact(4)),
			at("air_gapped", "cookie_domain", knownvalue.StringExact("ml.corp.internal")),
			at("air_gapped", "wildcard_certificate", knownvalue.StringExact("*.ml.corp.internal")),
			at("air_gapped", "control_plane_api_url", knownvalue.StringExact("https://zenml.ml.corp.internal/api/v1")),
			at("air_gapped", "needs_cors", knownvalue.Bool(false)),
			at("hybrid", "needs_cors", knownvalue.Bool(true)),
			at("hybrid", "cookie_domain", knownvalue.StringExact("ml.example.com")),
		},
	}})
}
