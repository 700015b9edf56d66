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

// withReleases prefixes a configuration with a provider block that sets the releases attribute.
func withReleases(releasesHCL, config string) string {
	return fmt.Sprintf("provider \"zenmlpro\" {\n  releases = %s\n}\n\n%s", releasesHCL, config)
}

// TestAccProviderReleases_addsDates: a version the catalog does not date fails until the provider's
// releases attribute supplies its date; then the same data source succeeds with that date.
func TestAccProviderReleases_addsDates(t *testing.T) {
	ds := compatConfig("0.13.99", map[string]string{"ws1": "0.98.1", "ws2": "0.99.0"}, "")
	testAccSteps(t, []resource.TestStep{
		{
			Config: ds,
			ExpectError: wrapped("Unknown Version", "Control Plane 0.13.99 is not in this provider's release catalog",
				`releases = { control_plane = { "0.13.99" = "YYYY-MM-DD" } }`,
				"Unknown Release Date", "the release date of Workspace Server 0.99.0 is not known to this provider"),
		},
		{
			Config: withReleases(`{ control_plane = { "0.13.99" = "2026-12-01" } }`, ds),
			ExpectError: wrapped("Unknown Release Date", `Attribute workspace_versions["ws2"]:`,
				"the release date of Workspace Server 0.99.0 is not known"),
		},
		{
			Config: withReleases(`{
    control_plane    = { "0.13.99" = "2026-12-01" }
    workspace_server = { "0.99.0" = "2026-11-20" }
  }`, ds),
			ConfigStateChecks: []statecheck.StateCheck{
				compatState("compatible", knownvalue.Bool(true)),
				compatState("control_plane_release_date", knownvalue.StringExact("2026-12-01")),
				compatState("results", knownvalue.MapExact(map[string]knownvalue.Check{
					"ws1": compatResult("0.98.1", "2026-11-04", true,
						"pass: release order: Control Plane 0.13.99 (released 2026-12-01) is at least as new as Workspace Server 0.98.1 (released 2026-11-04)"),
					"ws2": compatResult("0.99.0", "2026-11-20", true,
						"pass: release order: Control Plane 0.13.99 (released 2026-12-01) is at least as new as Workspace Server 0.99.0 (released 2026-11-20)"),
				})),
			},
		},
		{
			// The Control Plane the catalog lists without a date (0.12.0) is judged once dated,
			// including its stated minimum.
			Config: withReleases(`{ control_plane = { "0.12.0" = "2025-10-01" } }`,
				compatConfig("0.12.0", map[string]string{"ws1": "0.85.0"}, "")),
			ConfigStateChecks: []statecheck.StateCheck{
				compatState("compatible", knownvalue.Bool(true)),
				compatState("control_plane_release_date", knownvalue.StringExact("2025-10-01")),
				compatState("results", knownvalue.MapExact(map[string]knownvalue.Check{
					"ws1": compatResult("0.85.0", "2025-09-12", true,
						"pass: release order: Control Plane 0.12.0 (released 2025-10-01) is at least as new as Workspace Server 0.85.0 (released 2025-09-12)",
						"pass: stated minimum: Control Plane 0.12.0 requires Workspace Server 0.85.0 or later; 0.85.0 meets it"),
				})),
			},
		},
	})
}

// TestAccProviderReleases_overridesDates: a date given in the provider wins over the embedded one, shown
// by a verdict that changes.
func TestAccProviderReleases_overridesDates(t *testing.T) {
	ds := compatConfig("0.13.0", map[string]string{"ws1": "0.93.2"}, `  on_incompatible = "warn"`)
	testAccSteps(t, []resource.TestStep{
		{
			Config: ds,
			ConfigStateChecks: []statecheck.StateCheck{
				compatState("compatible", knownvalue.Bool(true)),
				compatState("control_plane_release_date", knownvalue.StringExact("2026-01-30")),
			},
		},
		{
			Config: withReleases(`{ control_plane = { "0.13.0" = "2026-01-28" } }`, ds),
			ConfigStateChecks: []statecheck.StateCheck{
				compatState("compatible", knownvalue.Bool(false)),
				compatState("control_plane_release_date", knownvalue.StringExact("2026-01-28")),
				compatState("results", knownvalue.MapPartial(map[string]knownvalue.Check{
					"ws1": knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"release_date": knownvalue.StringExact("2026-01-29"),
						"compatible":   knownvalue.Bool(false),
					}),
				})),
			},
		},
		{
			Config: withReleases(`{ workspace_server = { "0.93.2" = "2026-02-02" } }`, ds),
			ConfigStateChecks: []statecheck.StateCheck{
				compatState("compatible", knownvalue.Bool(false)),
				compatState("control_plane_release_date", knownvalue.StringExact("2026-01-30")),
				compatState("results", knownvalue.MapPartial(map[string]knownvalue.Check{
					"ws1": knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"release_date": knownvalue.StringExact("2026-02-02"),
						"compatible":   knownvalue.Bool(false),
					}),
				})),
			},
		},
		{
			Config: withReleases(`{ workspace_server = { "0.93.2" = "2026-02-02" } }`,
				compatConfig("0.13.0", map[string]string{"ws1": "0.93.2"}, "")),
			ExpectError: wrapped("Incompatible Workspace Server Version",
				`Workspace "ws1" runs Workspace Server 0.93.2 (released 2026-02-02), which Control Plane 0.13.0 (released 2026-01-30) does not support: release order failed.`),
		},
	})
}

// TestAccProviderReleases_invalid: invalid releases values fail at plan time with the attribute, the rule
// and a valid entry.
func TestAccProviderReleases_invalid(t *testing.T) {
	ds := compatConfig("0.13.0", map[string]string{"ws1": "0.93.2"}, "")
	testAccSteps(t, []resource.TestStep{
		{
			Config: withReleases(`{ control_plane = { "v0.13.19" = "2026-07-01" } }`, ds),
			ExpectError: wrapped("Invalid Release Version", `releases["control_plane"]["v0.13.19"]`,
				`"v0.13.19" is not an exact release version: ZenML versions carry no "v" prefix (write "0.13.19")`,
				`A valid value: releases = { control_plane = { "0.13.19" = "2026-07-01" } }`),
		},
		{
			Config: withReleases(`{ workspace_server = { "0.99" = "2026-11-20" } }`, ds),
			ExpectError: wrapped("Invalid Release Version", `"0.99" is not an exact release version: a release number has exactly three parts`,
				`A valid value: releases = { workspace_server = { "0.99.0" = "2026-11-20" } }`),
		},
		{
			Config:      withReleases(`{ workspace_server = { "0.99.x" = "2026-11-20" } }`, ds),
			ExpectError: wrapped("Invalid Release Version", `"0.99.x" is not an exact release version: it is a range`),
		},
		{
			Config: withReleases(`{ control_plane = { "0.13.19" = "01.07.2026" } }`, ds),
			ExpectError: wrapped("Invalid Release Date", `"01.07.2026" is not a date in the form YYYY-MM-DD, e.g. "2026-01-30"`,
				`A valid value: releases = { control_plane = { "0.13.19" = "2026-07-01" } }`),
		},
		{
			Config:      withReleases(`{ control_plane = { "0.13.19" = "2026-13-01" } }`, ds),
			ExpectError: wrapped("Invalid Release Date", `"2026-13-01" is not a calendar day in the form YYYY-MM-DD`),
		},
		{
			Config:      withReleases(`{ workspace_server = { "0.99.0" = "2026-7-1" } }`, ds),
			ExpectError: wrapped("Invalid Release Date", `"2026-7-1" is not a date in the form YYYY-MM-DD`),
		},
		{
			// A misspelt line would otherwise drop its dates without a word.
			Config: withReleases(`{ oss = { "0.99.0" = "2026-11-20" } }`, ds),
			ExpectError: wrapped("Invalid Release Line", `releases has an unknown key: "oss" is not a version line: use "control_plane"`,
				`or "workspace_server"`),
		},
		{
			Config:      withReleases(`{ control_plane = { "0.13.19" = null } }`, ds),
			ExpectError: wrapped("Missing Release Date", `releases["control_plane"]["0.13.19"] is null; give the release date as YYYY-MM-DD`),
		},
		{
			Config:      withReleases(`{ workspace_server = { "0.99.0" = "0001-01-01" } }`, ds),
			ExpectError: wrapped("Invalid Release Date", `"0001-01-01" is before 2000-01-01 and cannot be a ZenML release date`),
		},
	})
}

// TestAccProviderReleases_functionsUseEmbeddedCatalog: functions cannot read the provider configuration,
// so a date supplied there does not reach them, and their error says so.
func TestAccProviderReleases_functionsUseEmbeddedCatalog(t *testing.T) {
	testAccFunctionSteps(t, []resource.TestStep{
		{
			Config: withReleases(`{ control_plane = { "0.13.99" = "2026-12-01" } }`,
				"output \"test\" {\n  value = provider::zenmlpro::release_date(\"control_plane\", \"0.13.99\")\n}\n"),
			ExpectError: wrapped("Control Plane 0.13.99 is not in this provider's release catalog",
				"Provider-defined functions cannot read the provider configuration"),
		},
		{
			Config: withReleases(`{ control_plane = { "0.13.0" = "2026-01-28" } }`,
				"output \"test\" {\n  value = provider::zenmlpro::is_compatible(\"0.13.0\", \"0.93.2\")\n}\n"),
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownOutputValue("test", knownvalue.Bool(true))},
		},
	})
}
