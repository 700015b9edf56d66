// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccEndpointsDataSource_numericHosts: a host whose last label is all digits fails validation as
// neither an IP address nor a DNS name, on every host attribute, literal or known only at apply; a
// dotted quad with a leading zero is named as such, with the address it would be and why an address
// is no endpoint host either.
func TestAccEndpointsDataSource_numericHosts(t *testing.T) {
	const rule = `is not a valid hostname (rule: last label not all digits, unless an IPv4 address in dotted decimal): `
	leadingZero := `it is not an IPv4 address, since "010" has a leading zero, which some software reads as octal and some as decimal, ` +
		`nor is it a DNS name: its last label "5" is all digits, which the last label of a DNS name never is (RFC 3696 section 2: ` +
		`no top-level domain is all digits, and browsers and resolvers read such a name as an IPv4 address); and "10.0.0.5", the value with that fixed, ` +
		`is not valid either: it is an IP address, and ZenML Pro endpoints need DNS names`
	steps := []resource.TestStep{}
	for _, c := range []struct{ config, message string }{
		{`web_ui_host = "010.0.0.5"`, `Attribute web_ui_host: "010.0.0.5" ` + rule + leadingZero},
		{`web_ui_host = "zenml.ml.example.com"
control_plane_api_host = "10.0.0.300"`, `Attribute control_plane_api_host: "10.0.0.300" ` + rule + `it is not an IPv4 address, since "300" is above 255`},
		{`web_ui_host = "zenml.ml.example.com"
workspace_hosts = { ws1 = "zenml.0.0.5" }`, `Attribute workspace_hosts["ws1"]: "zenml.0.0.5" ` + rule +
			`it is not an IP address, nor is it a DNS name: its last label "5" is all digits`},
	} {
		steps = append(steps, resource.TestStep{
			Config:      fmt.Sprintf("data \"zenmlpro_endpoints\" \"test\" {\n%s\n}\n", c.config),
			PlanOnly:    true,
			ExpectError: endpointsMessage("Invalid Hostname", c.message),
		})
	}
	steps = append(steps,
		resource.TestStep{
			Config: `data "zenmlpro_endpoints" "test" {
  private_domains = ["010.0.0.5"]
  web_ui_host     = "zenml.ml.example.com"
}
`,
			PlanOnly:    true,
			ExpectError: endpointsMessage("Invalid Private Domain", `Attribute private_domains: "010.0.0.5" is not a valid private domain (rule: last label not all digits`),
		},
		resource.TestStep{
			Config:      endpointsFromApply(map[string]string{"web": "010.0.0.5"}, `web_ui_host = terraform_data.web.output`),
			ExpectError: endpointsMessage("Invalid Hostname", `"010.0.0.5" `+rule+leadingZero),
		},
	)
	testAccSteps(t, steps)
}
