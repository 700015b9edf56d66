// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

func TestAccReleaseDateFunction(t *testing.T) {
	dates := []struct {
		name, line, version, want string
	}{
		{"cp_0_13_0", "control_plane", "0.13.0", "2026-01-30"},
		{"cp_0_13_1", "control_plane", "0.13.1", "2026-01-30"},
		{"cp_0_12_10", "control_plane", "0.12.10", "2025-08-28"},
		{"ws_0_93_2", "workspace_server", "0.93.2", "2026-01-29"},
		{"ws_0_84_3", "workspace_server", "0.84.3", "2025-08-27"},
		{"ws_0_60_0", "workspace_server", "0.60.0", "2024-06-25"},
	}
	config := ""
	var checks []statecheck.StateCheck
	for _, d := range dates {
		config += fmt.Sprintf("output %q {\n  value = provider::zenmlpro::release_date(%q, %q)\n}\n", d.name, d.line, d.version)
		checks = append(checks, statecheck.ExpectKnownOutputValue(d.name, knownvalue.StringExact(d.want)))
	}
	testAccFunctionSteps(t, []resource.TestStep{{Config: config, ConfigStateChecks: checks}})
}

func TestAccReleaseDateFunction_errors(t *testing.T) {
	call := func(line, version string) string {
		return fmt.Sprintf("output \"test\" {\n  value = provider::zenmlpro::release_date(%q, %q)\n}\n", line, version)
	}
	testAccFunctionSteps(t, []resource.TestStep{
		{
			Config: call("oss", "0.93.2"),
			ExpectError: wrapped(`Invalid value for "line" parameter:`, `"oss" is not a version line: use "control_plane"`,
				`or "workspace_server" (Workspace Server / ZenML OSS, e.g. 0.93.2).`),
		},
		{
			Config:      call("workspace_server", "v0.93.2"),
			ExpectError: wrapped(`Invalid value for "version" parameter:`, `"v0.93.2" is not an exact release version`),
		},
		{
			Config:      call("control_plane", "latest"),
			ExpectError: wrapped(`Invalid value for "version" parameter:`, `"latest" is not an exact release version`),
		},
		{
			Config: call("workspace_server", "0.99.0"),
			ExpectError: wrapped(`Invalid value for "version" parameter:`,
				"the release date of Workspace Server 0.99.0 is not known to this provider",
				`releases = { workspace_server = { "0.99.0" = "YYYY-MM-DD" } }`,
				"Provider-defined functions cannot read the provider configuration"),
		},
		{
			Config: call("control_plane", "0.13.99"),
			ExpectError: wrapped(`Invalid value for "version" parameter:`,
				"Control Plane 0.13.99 is not in this provider's release catalog"),
		},
		{
			Config: call("workspace_server", "0.13.0"),
			ExpectError: wrapped("Workspace Server 0.13.0 is not in this provider's release catalog; 0.13.0 is a Control Plane version",
				"check that the versions are not swapped"),
		},
	})
}
