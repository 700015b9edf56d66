// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const compatAddress = "data.zenmlpro_version_compatibility.test"

// wantReasons are the reasons the data source reports for the pairs the tests use, keyed "CP/WS".
var wantReasons = map[string][]string{
	"0.13.0/0.93.2": {
		"pass: release order: Control Plane 0.13.0 (released 2026-01-30) is at least as new as Workspace Server 0.93.2 (released 2026-01-29)",
		"pass: stated minimum: Control Plane 0.13.0 requires Workspace Server 0.85.0 or later; 0.93.2 meets it",
	},
	"0.13.0/0.93.1": {
		"pass: release order: Control Plane 0.13.0 (released 2026-01-30) is at least as new as Workspace Server 0.93.1 (released 2026-01-14)",
		"pass: stated minimum: Control Plane 0.13.0 requires Workspace Server 0.85.0 or later; 0.93.1 meets it",
	},
	"0.12.22/0.93.2": {
		"fail: release order: Control Plane 0.12.22 (released 2026-01-14) is older than Workspace Server 0.93.2 (released 2026-01-29); " +
			"the Control Plane must be at least as new as the Workspace Server, by release date (ZenML Pro prerequisites: \"Compatibility between versions is " +
			"guaranteed as long as the Control Plane version is at least as new as the Workspace Server version\"). A workspace on a newer ZenML version than " +
			"its Control Plane is what ZenML's upgrade order rules out: always upgrade the Control Plane first, to a release dated 2026-01-29 or later",
		"pass: stated minimum: Control Plane 0.12.22 requires Workspace Server 0.85.0 or later; 0.93.2 meets it",
	},
	"0.12.22/0.93.1": {
		"pass: release order: Control Plane 0.12.22 (released 2026-01-14) is at least as new as Workspace Server 0.93.1 (released 2026-01-14)",
		"pass: stated minimum: Control Plane 0.12.22 requires Workspace Server 0.85.0 or later; 0.93.1 meets it",
	},
	"0.13.3/0.84.3": {
		"pass: release order: Control Plane 0.13.3 (released 2026-02-20) is at least as new as Workspace Server 0.84.3 (released 2025-08-27)",
		"fail: stated minimum: Control Plane 0.13.3 requires Workspace Server 0.85.0 or later, but the workspace runs 0.84.3 " +
			"(ZenML Pro Control Plane changelog 0.12.0 to 0.13.3: \"Requires ZenML Server and SDK v0.85.0 or later\")",
	},
	"0.13.4/0.84.3": {
		"pass: release order: Control Plane 0.13.4 (released 2026-03-05) is at least as new as Workspace Server 0.84.3 (released 2025-08-27)",
	},
}

// compatConfig is a data source configuration; extra is added inside the data block verbatim.
func compatConfig(controlPlane string, workspaces map[string]string, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "data \"zenmlpro_version_compatibility\" \"test\" {\n  control_plane_version = %q\n  workspace_versions = {\n", controlPlane)
	for _, name := range sortedKeys(workspaces) {
		fmt.Fprintf(&b, "    %s = %q\n", name, workspaces[name])
	}
	b.WriteString("  }\n" + extra + "\n}\n")
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func compatResult(version, date string, compatible bool, reasons ...string) knownvalue.Check {
	rs := make([]knownvalue.Check, len(reasons))
	for i, r := range reasons {
		rs[i] = knownvalue.StringExact(r)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"version":      knownvalue.StringExact(version),
		"release_date": knownvalue.StringExact(date),
		"compatible":   knownvalue.Bool(compatible),
		"reasons":      knownvalue.ListExact(rs),
	})
}

func compatState(attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(compatAddress, tfjsonpath.New(attr), v)
}

// TestAccVersionCompatibilityDataSource_pageExample is the prerequisites page's own pair (Control Plane
// 0.13.0 with Workspace Server 0.93.2) plus the quickstart's second workspace.
func TestAccVersionCompatibilityDataSource_pageExample(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config: compatConfig("0.13.0", map[string]string{"ws1": "0.93.2", "ws2": "0.93.1"}, ""),
		ConfigStateChecks: []statecheck.StateCheck{
			compatState("control_plane_version", knownvalue.StringExact("0.13.0")),
			compatState("workspace_versions", knownvalue.MapExact(map[string]knownvalue.Check{
				"ws1": knownvalue.StringExact("0.93.2"),
				"ws2": knownvalue.StringExact("0.93.1"),
			})),
			compatState("on_incompatible", knownvalue.StringExact("error")),
			compatState("compatible", knownvalue.Bool(true)),
			compatState("control_plane_release_date", knownvalue.StringExact("2026-01-30")),
			compatState("results", knownvalue.MapExact(map[string]knownvalue.Check{
				"ws1": compatResult("0.93.2", "2026-01-29", true, wantReasons["0.13.0/0.93.2"]...),
				"ws2": compatResult("0.93.1", "2026-01-14", true, wantReasons["0.13.0/0.93.1"]...),
			})),
		},
	}})
}

// TestAccVersionCompatibilityDataSource_statedMinimum: the stated minimum fails while the release order
// passes, and ends at Control Plane 0.13.3.
func TestAccVersionCompatibilityDataSource_statedMinimum(t *testing.T) {
	testAccSteps(t, []resource.TestStep{
		{
			Config: compatConfig("0.13.3", map[string]string{"legacy": "0.84.3"}, ""),
			ExpectError: wrapped("Incompatible Workspace Server Version",
				`Workspace "legacy" runs Workspace Server 0.84.3 (released 2025-08-27), which Control Plane 0.13.3 (released 2026-02-20) does not support: stated minimum failed.`,
				"Control Plane 0.13.3 requires Workspace Server 0.85.0 or later, but the workspace runs 0.84.3",
				`A Control Plane that accepts Workspace Server 0.84.3: 0.13.4 (released 2026-03-05) or later, e.g. control_plane_version = "0.13.4".`,
				`To report this as a warning instead, set on_incompatible = "warn".`),
		},
		{
			Config: compatConfig("0.13.3", map[string]string{"legacy": "0.84.3"}, `  on_incompatible = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				compatState("on_incompatible", knownvalue.StringExact("warn")),
				compatState("compatible", knownvalue.Bool(false)),
				compatState("control_plane_release_date", knownvalue.StringExact("2026-02-20")),
				compatState("results", knownvalue.MapExact(map[string]knownvalue.Check{
					"legacy": compatResult("0.84.3", "2025-08-27", false, wantReasons["0.13.3/0.84.3"]...),
				})),
			},
		},
		{
			Config: compatConfig("0.13.4", map[string]string{"legacy": "0.84.3"}, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				compatState("on_incompatible", knownvalue.StringExact("error")),
				compatState("compatible", knownvalue.Bool(true)),
				compatState("control_plane_release_date", knownvalue.StringExact("2026-03-05")),
				compatState("results", knownvalue.MapExact(map[string]knownvalue.Check{
					"legacy": compatResult("0.84.3", "2025-08-27", true, wantReasons["0.13.4/0.84.3"]...),
				})),
			},
		},
	})
}

// TestAccVersionCompatibilityDataSource_releaseOrder: a Control Plane older than a workspace fails the
// plan by default and is a warning with on_incompatible = "warn".
func TestAccVersionCompatibilityDataSource_releaseOrder(t *testing.T) {
	workspaces := map[string]string{"ws_new": "0.93.2", "ws_old": "0.93.1"}
	testAccSteps(t, []resource.TestStep{
		{
			Config: compatConfig("0.12.22", workspaces, ""),
			ExpectError: wrapped("Incompatible Workspace Server Version",
				`ws_new = "0.93.2"`,
				`Workspace "ws_new" runs Workspace Server 0.93.2 (released 2026-01-29), which Control Plane 0.12.22 (released 2026-01-14) does not support: release order failed.`,
				"fail: release order:", "always upgrade the Control Plane first, to a release dated 2026-01-29 or later",
				"pass: stated minimum:",
				`A Control Plane that accepts Workspace Server 0.93.2: 0.13.0 (released 2026-01-30) or later, e.g. control_plane_version = "0.13.0".`),
		},
		{
			Config: compatConfig("0.13.18", map[string]string{"ws1": "0.98.1"}, ""),
			ExpectError: wrapped(`Workspace "ws1" runs Workspace Server 0.98.1 (released 2026-11-04), which Control Plane 0.13.18 (released 2026-06-18) does not support: release order failed.`,
				"No Control Plane release in the catalog accepts Workspace Server 0.98.1. If a Control Plane released on or after 2026-11-04 exists,",
				`releases = { control_plane = { "<version>" = "YYYY-MM-DD" } }`),
		},
		{
			Config:      compatConfig("0.12.22", workspaces, `  on_incompatible = "error"`),
			ExpectError: wrapped(`Workspace "ws_new" runs Workspace Server 0.93.2`),
		},
		{
			Config: compatConfig("0.12.22", workspaces, `  on_incompatible = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				compatState("on_incompatible", knownvalue.StringExact("warn")),
				compatState("compatible", knownvalue.Bool(false)),
				compatState("control_plane_release_date", knownvalue.StringExact("2026-01-14")),
				compatState("results", knownvalue.MapExact(map[string]knownvalue.Check{
					"ws_new": compatResult("0.93.2", "2026-01-29", false, wantReasons["0.12.22/0.93.2"]...),
					"ws_old": compatResult("0.93.1", "2026-01-14", true, wantReasons["0.12.22/0.93.1"]...),
				})),
			},
		},
	})
}

// TestAccVersionCompatibilityDataSource_invalidVersions: every kind of inexact version fails, for the
// Control Plane and for a workspace, with the reason and a valid example.
func TestAccVersionCompatibilityDataSource_invalidVersions(t *testing.T) {
	classes := []struct{ version, why string }{
		{"v0.93.2", `ZenML versions carry no "v" prefix (write "0.93.2")`},
		{"latest", `a moving name such as "latest" cannot be checked or pinned`},
		{">= 0.93", "it is a range or constraint, not one release"},
		{"0.93", "a release number has exactly three parts, MAJOR.MINOR.PATCH"},
		{"0.93.x", "it is a range or constraint, not one release"},
		{"0.93.2-rc1", "pre-release and build suffixes are not ZenML release numbers"},
		{"0.-1.0", `the minor part "-1" is not a non-negative number; a release number is three non-negative integers without leading zeros, MAJOR.MINOR.PATCH`},
		{"", "it is empty"},
	}
	var steps []resource.TestStep
	for _, c := range classes {
		steps = append(steps,
			resource.TestStep{
				Config: compatConfig(c.version, map[string]string{"ws1": "0.93.2"}, ""),
				ExpectError: wrapped("Invalid Version", "Attribute control_plane_version:",
					fmt.Sprintf("%q is not an exact release version: %s.", c.version, c.why),
					`Give one release, e.g. "0.93.2" for a Workspace Server or "0.13.0" for the Control Plane.`),
			},
			resource.TestStep{
				Config: compatConfig("0.13.0", map[string]string{"ws1": c.version}, ""),
				ExpectError: wrapped("Invalid Version", `Attribute workspace_versions["ws1"]:`,
					fmt.Sprintf("%q is not an exact release version: %s.", c.version, c.why)),
			})
	}
	testAccSteps(t, steps)
}

// TestAccVersionCompatibilityDataSource_invalidInputs covers the other input rules.
func TestAccVersionCompatibilityDataSource_invalidInputs(t *testing.T) {
	testAccSteps(t, []resource.TestStep{
		{
			Config:      compatConfig("0.13.0", map[string]string{"ws1": "0.93.2"}, `  on_incompatible = "fail"`),
			ExpectError: wrapped("Attribute on_incompatible value must be one of:", `["error" "warn"], got: "fail"`),
		},
		{
			Config:      compatConfig("0.13.0", map[string]string{}, ""),
			ExpectError: wrapped("Attribute workspace_versions map must contain at least 1 elements, got: 0"),
		},
		{
			Config: `
data "zenmlpro_version_compatibility" "test" {
  control_plane_version = "0.13.0"
  workspace_versions    = { ws1 = null }
}
`,
			ExpectError: wrapped("Missing Version", `Attribute workspace_versions["ws1"] is null. Give the workspace's Workspace Server version, an exact release such as "0.93.2", or remove the workspace from the map.`),
		},
	})
}

// TestAccVersionCompatibilityDataSource_unknownDates: a version without a known release date is an
// error naming the version and showing how to supply the date, in both modes.
func TestAccVersionCompatibilityDataSource_unknownDates(t *testing.T) {
	testAccSteps(t, []resource.TestStep{
		{
			Config: compatConfig("0.12.0", map[string]string{"ws1": "0.93.2"}, ""),
			ExpectError: wrapped("Unknown Release Date", "Attribute control_plane_version:",
				"the release date of Control Plane 0.12.0 is not known to this provider",
				"Compatibility is judged by release date and is never guessed",
				`releases = { control_plane = { "0.12.0" = "YYYY-MM-DD" } }`),
		},
		{
			Config: compatConfig("0.13.99", map[string]string{"ws1": "0.93.2"}, `  on_incompatible = "warn"`),
			ExpectError: wrapped("Unknown Version", "Attribute control_plane_version:",
				"Control Plane 0.13.99 is not in this provider's release catalog",
				`releases = { control_plane = { "0.13.99" = "YYYY-MM-DD" } }`),
		},
		{
			Config: compatConfig("0.13.18", map[string]string{"next": "0.99.0"}, ""),
			ExpectError: wrapped("Unknown Release Date", `Attribute workspace_versions["next"]:`,
				"the release date of Workspace Server 0.99.0 is not known to this provider",
				`releases = { workspace_server = { "0.99.0" = "YYYY-MM-DD" } }`),
		},
		{
			Config: compatConfig("0.93.2", map[string]string{"ws1": "0.13.0"}, ""),
			ExpectError: wrapped("Version of the Other Component", "Attribute control_plane_version:",
				"Control Plane 0.93.2 is not in this provider's release catalog; 0.93.2 is a Workspace Server version, check that the versions are not swapped",
				"Version of the Other Component", `Attribute workspace_versions["ws1"]:`,
				"Workspace Server 0.13.0 is not in this provider's release catalog; 0.13.0 is a Control Plane version"),
		},
	})
}

// TestAccVersionCompatibilityDataSource_unknownAtPlan: versions known only at apply are checked in Read.
func TestAccVersionCompatibilityDataSource_unknownAtPlan(t *testing.T) {
	config := func(cp, ws string) string {
		return fmt.Sprintf(`
resource "terraform_data" "versions" {
  input = { control_plane = %q, workspace = %q }
}

data "zenmlpro_version_compatibility" "test" {
  control_plane_version = terraform_data.versions.output.control_plane
  workspace_versions    = { ws1 = terraform_data.versions.output.workspace }
}
`, cp, ws)
	}
	testAccSteps(t, []resource.TestStep{
		{
			Config: config("0.13.0", "v0.93.2"),
			ExpectError: wrapped("Invalid Version", `Attribute workspace_versions["ws1"]:`,
				`"v0.93.2" is not an exact release version: ZenML versions carry no "v" prefix (write "0.93.2")`),
		},
		{
			Config:      config("latest", "0.93.2"),
			ExpectError: wrapped("Invalid Version", "Attribute control_plane_version:", `"latest" is not an exact release version`),
		},
		{
			Config: config("0.13.0", "0.93.2"),
			ConfigStateChecks: []statecheck.StateCheck{
				compatState("compatible", knownvalue.Bool(true)),
				compatState("control_plane_release_date", knownvalue.StringExact("2026-01-30")),
				compatState("results", knownvalue.MapExact(map[string]knownvalue.Check{
					"ws1": compatResult("0.93.2", "2026-01-29", true, wantReasons["0.13.0/0.93.2"]...),
				})),
			},
		},
	})
}

// compatConfigValue builds the data source's configuration as Terraform sends it.
func compatConfigValue(t *testing.T, controlPlane string, workspaces map[string]string, onIncompatible *string) *tfprotov6.DynamicValue {
	t.Helper()
	ws := map[string]tftypes.Value{}
	for k, v := range workspaces {
		ws[k] = tftypes.NewValue(tftypes.String, v)
	}
	config := map[string]tftypes.Value{
		"control_plane_version": tftypes.NewValue(tftypes.String, controlPlane),
		"workspace_versions":    tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, ws),
	}
	if onIncompatible != nil {
		config["on_incompatible"] = tftypes.NewValue(tftypes.String, *onIncompatible)
	}
	return testConfigValue(t, NewVersionCompatibilityDataSource(), config)
}

// TestVersionCompatibilityDataSource_validate shows that literal invalid versions fail in
// ValidateDataResourceConfig, the call behind `terraform validate`, before any provider configuration.
func TestVersionCompatibilityDataSource_validate(t *testing.T) {
	s := protoServer(t)
	ctx := t.Context()
	warn, bad := "warn", "never"
	cases := []struct {
		name       string
		cp         string
		ws         map[string]string
		mode       *string
		wantPath   string
		wantDetail string
	}{
		{"valid", "0.13.0", map[string]string{"ws1": "0.93.2"}, &warn, "", ""},
		{"valid even when unknown to the catalog", "0.13.99", map[string]string{"ws1": "0.99.0"}, nil, "", ""},
		{"control plane prefix", "v0.13.0", map[string]string{"ws1": "0.93.2"}, nil, "control_plane_version", `"v0.13.0" is not an exact release version`},
		{"workspace range", "0.13.0", map[string]string{"ws1": "0.93.x"}, nil, `workspace_versions["ws1"]`, `"0.93.x" is not an exact release version: it is a range`},
		{"workspace partial", "0.13.0", map[string]string{"a": "0.93.2", "b": "0.93"}, nil, `workspace_versions["b"]`, "exactly three parts"},
		{"mode", "0.13.0", map[string]string{"ws1": "0.93.2"}, &bad, "on_incompatible", `value must be one of: ["error" "warn"], got: "never"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := s.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{
				TypeName: "zenmlpro_version_compatibility",
				Config:   compatConfigValue(t, tc.cp, tc.ws, tc.mode),
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantDetail == "" {
				if len(resp.Diagnostics) != 0 {
					t.Fatalf("unexpected diagnostics: %+v", resp.Diagnostics[0])
				}
				return
			}
			if len(resp.Diagnostics) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %+v", len(resp.Diagnostics), resp.Diagnostics)
			}
			d := resp.Diagnostics[0]
			if d.Severity != tfprotov6.DiagnosticSeverityError || !strings.Contains(d.Detail, tc.wantDetail) {
				t.Errorf("diagnostic %q / %q, want an error containing %q", d.Summary, d.Detail, tc.wantDetail)
			}
			if got := attributePathString(d.Attribute); got != tc.wantPath {
				t.Errorf("diagnostic path %q, want %q", got, tc.wantPath)
			}
		})
	}
}

// TestVersionCompatibilityDataSource_warnings reads the data source through the protocol to see the
// diagnostics the testing library does not expose: one warning per incompatible workspace, at its path.
func TestVersionCompatibilityDataSource_warnings(t *testing.T) {
	s := protoServer(t)
	ctx := t.Context()
	cfgResp, err := s.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: nullProviderConfig(t)})
	if err != nil || len(cfgResp.Diagnostics) != 0 {
		t.Fatalf("ConfigureProvider: %v %+v", err, cfgResp)
	}
	for _, mode := range []string{"warn", "error"} {
		t.Run(mode, func(t *testing.T) {
			m := mode
			resp, err := s.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{
				TypeName: "zenmlpro_version_compatibility",
				Config:   compatConfigValue(t, "0.12.22", map[string]string{"ws_new": "0.93.2", "ws_old": "0.93.1", "ws_newer": "0.93.3"}, &m),
			})
			if err != nil {
				t.Fatal(err)
			}
			want := tfprotov6.DiagnosticSeverityWarning
			if mode == "error" {
				want = tfprotov6.DiagnosticSeverityError
			}
			var paths []string
			for _, d := range resp.Diagnostics {
				if d.Severity != want || d.Summary != "Incompatible Workspace Server Version" {
					t.Errorf("diagnostic %v %q, want severity %v", d.Severity, d.Summary, want)
				}
				paths = append(paths, attributePathString(d.Attribute))
			}
			if got := strings.Join(paths, ","); got != `workspace_versions["ws_new"],workspace_versions["ws_newer"]` {
				t.Errorf("diagnostics at %s", got)
			}
			if mode == "warn" && resp.State == nil {
				t.Error("warn mode set no state")
			}
			if mode == "warn" && !strings.Contains(resp.Diagnostics[0].Detail, `This is a warning because on_incompatible = "warn".`) {
				t.Errorf("warning detail %q", resp.Diagnostics[0].Detail)
			}
		})
	}
}

func nullProviderConfig(t *testing.T) *tfprotov6.DynamicValue {
	t.Helper()
	resp, err := protoServer(t).GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ, ok := resp.Provider.ValueType().(tftypes.Object)
	if !ok {
		t.Fatalf("provider schema type is %T", resp.Provider.ValueType())
	}
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}
