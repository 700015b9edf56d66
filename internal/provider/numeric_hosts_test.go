// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccNumericHosts: the attributes that take a host name or an IP address (database_servers'
// host, the prerequisites' database hosts, the registries' host keys, the registry of an image or a
// chart) refuse a host whose last label
// is all digits unless it is an IPv4 address in dotted decimal, naming the attribute, the rule and
// the address meant; "10.0.0.5" stays accepted.
func TestAccNumericHosts(t *testing.T) {
	endpoints := `
data "zenmlpro_endpoints" "test" {
  web_ui_host = "zenml.ml.example.com"
}
`
	databaseServer := func(host string) string {
		return fmt.Sprintf(`provider "zenmlpro" {
  database_servers = {
    main = {
      engine   = "mysql"
      host     = %q
      username = "admin"
      password = "not-used-at-plan"
    }
  }
}
`, host) + endpoints
	}
	registry := func(host string) string {
		return fmt.Sprintf(`provider "zenmlpro" {
  registries = { %q = { insecure = true } }
}
`, host) + endpoints
	}
	prerequisites := func(host string) string {
		return fmt.Sprintf(`data "zenmlpro_prerequisites" "test" {
  on_not_ready = "warn"
  control_plane = {
    database = { engine = "mysql", host = %q }
  }
}
`, host)
	}
	const rule = `is not a valid hostname (rule: last label not all digits, unless an IPv4 address in dotted decimal): ` +
		`it is not an IPv4 address, since "010" has a leading zero, which some software reads as octal and some as decimal, ` +
		`nor is it a DNS name: its last label "5" is all digits`
	const fix = `Write the address in decimal without leading zeros: "10.0.0.5". If the leading zeros meant octal, the address is "8.0.0.5".`
	refused := func(config, summary, attr string) resource.TestStep {
		return resource.TestStep{Config: config, PlanOnly: true,
			ExpectError: wrapped(summary, "Attribute "+attr+`: "010.0.0.5`, rule, fix)}
	}
	accepted := func(config string) resource.TestStep {
		return resource.TestStep{Config: config, PlanOnly: true}
	}
	image := func(registry string) string {
		return fmt.Sprintf(`data "zenmlpro_image" "test" {
  component = "workspace_server"
  version   = "0.93.2"
  source    = "private"
  registry  = %q
}
`, registry)
	}
	testAccSteps(t, []resource.TestStep{
		refused(image("010.0.0.5:5000/zenml"), "Invalid Registry Host", `registry`),
		refused(`data "zenmlpro_helm_chart" "test" {
  chart    = "workspace_server"
  version  = "0.93.2"
  registry = "oci://010.0.0.5:5000/charts"
}
`, "Invalid Registry Host", `registry`),
		refused(databaseServer("010.0.0.5"), "Invalid Database Host", `database_servers["main"].host`),
		refused(registry("010.0.0.5:5000"), "Invalid Registry Host", `registries["010.0.0.5:5000"]`),
		refused(prerequisites("010.0.0.5"), "Invalid Database Host", `control_plane.database.host`),
		accepted(databaseServer("10.0.0.5")),
		accepted(registry("10.0.0.5:5000")),
		accepted(image("10.0.0.5:5000/zenml")),
	})
}
