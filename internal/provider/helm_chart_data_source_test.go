// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func testAccHelmChartConfig(name, chart, version, registry string) string {
	extra := ""
	if registry != "" {
		extra = fmt.Sprintf("registry = %q", registry)
	}
	return fmt.Sprintf(`
data "zenmlpro_helm_chart" %q {
  chart   = %q
  version = %q
  %s
}
`, name, chart, version, extra)
}

func testHelmChartChecks(name, chartName, repository, version string) []statecheck.StateCheck {
	addr := "data.zenmlpro_helm_chart." + name
	check := func(attr, want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), knownvalue.StringExact(want))
	}
	return []statecheck.StateCheck{
		check("name", chartName),
		check("repository", repository),
		check("oci_reference", repository+"/"+chartName),
		check("version", version),
		check("image_tag", version),
	}
}

func TestAccHelmChartDataSource_basic(t *testing.T) {
	var checks []statecheck.StateCheck
	checks = append(checks, testHelmChartChecks("control_plane", "zenml-pro", "oci://public.ecr.aws/zenml", "0.13.0")...)
	checks = append(checks, testHelmChartChecks("workspace_server", "zenml", "oci://public.ecr.aws/zenml", "0.93.2")...)
	// A mirror, given with and without oci://, is normalised to one repository with the scheme.
	checks = append(checks, testHelmChartChecks("mirror_with_scheme", "zenml-pro", "oci://harbor.internal.example.com/zenml", "0.13.0")...)
	checks = append(checks, testHelmChartChecks("mirror_without_scheme", "zenml", "oci://registry.example.com:5000/charts", "0.93.1")...)
	checks = append(checks,
		statecheck.ExpectKnownValue("data.zenmlpro_helm_chart.control_plane", tfjsonpath.New("oci_reference"), knownvalue.StringExact("oci://public.ecr.aws/zenml/zenml-pro")),
		statecheck.ExpectKnownValue("data.zenmlpro_helm_chart.workspace_server", tfjsonpath.New("oci_reference"), knownvalue.StringExact("oci://public.ecr.aws/zenml/zenml")),
		statecheck.ExpectKnownValue("data.zenmlpro_helm_chart.mirror_with_scheme", tfjsonpath.New("registry"), knownvalue.StringExact("oci://harbor.internal.example.com/zenml")),
		statecheck.ExpectKnownValue("data.zenmlpro_helm_chart.control_plane", tfjsonpath.New("registry"), knownvalue.Null()),
	)
	testAccSteps(t, []resource.TestStep{{
		Config: testAccHelmChartConfig("control_plane", "control_plane", "0.13.0", "") +
			testAccHelmChartConfig("workspace_server", "workspace_server", "0.93.2", "") +
			testAccHelmChartConfig("mirror_with_scheme", "control_plane", "0.13.0", "oci://harbor.internal.example.com/zenml") +
			testAccHelmChartConfig("mirror_without_scheme", "workspace_server", "0.93.1", "registry.example.com:5000/charts"),
		ConfigStateChecks: checks,
	}})
}

// The image tag of a chart is the tag of the images it deploys.
func TestAccHelmChartDataSource_imageTagMatchesImage(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config: testAccHelmChartConfig("workspace_server", "workspace_server", "0.93.2", "") + `
data "zenmlpro_image" "server" {
  component = "workspace_server"
  version   = data.zenmlpro_helm_chart.workspace_server.image_tag
  source    = "zenml_aws"
}
`,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.zenmlpro_image.server", tfjsonpath.New("uri"),
				knownvalue.StringExact("715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2")),
		},
	}})
}

func TestAccHelmChartDataSource_errors(t *testing.T) {
	steps := []resource.TestStep{
		{
			Config:      testAccHelmChartConfig("test", "zenml-pro", "0.13.0", ""),
			ExpectError: regexp.MustCompile(`(?s)Attribute chart value must be one of:.*"control_plane".*"workspace_server".*got:\s+"zenml-pro"`),
		},
		{
			Config:      testAccHelmChartConfig("test", "control_plane", "v0.13.0", ""),
			ExpectError: regexp.MustCompile(`(?s)Invalid Version.*no\s+"v"\s+prefix\s+\(write\s+"0.13.0"\)`),
		},
		{
			Config:      testAccHelmChartConfig("test", "workspace_server", "latest", ""),
			ExpectError: regexp.MustCompile(`(?s)Invalid Version.*"latest"\s+cannot\s+be\s+checked\s+or\s+pinned`),
		},
		{
			Config:      testAccHelmChartConfig("test", "workspace_server", "0.93.*", ""),
			ExpectError: regexp.MustCompile(`(?s)Invalid Version.*range\s+or\s+constraint`),
		},
		{
			Config:      testAccHelmChartConfig("test", "control_plane", "0.93.2", ""),
			ExpectError: regexp.MustCompile(`(?s)Wrong Version Line.*0.93.2 is a Workspace Server\s+\(ZenML\s+OSS\)\s+version,\s+but\s+the\s+control_plane\s+chart\s+takes\s+a\s+Control\s+Plane\s+version\s+such\s+as\s+0.13.0`),
		},
		{
			Config:      testAccHelmChartConfig("test", "workspace_server", "0.13.0", ""),
			ExpectError: regexp.MustCompile(`(?s)Wrong Version Line.*0.13.0 is a Control Plane version, but\s+the\s+workspace_server\s+chart`),
		},
		{
			Config:      testAccHelmChartConfig("test", "workspace_server", "0.93.2", "https://harbor.internal.example.com/zenml"),
			ExpectError: regexp.MustCompile(`(?s)Invalid Registry.*Attribute registry:.*Helm\s+pulls\s+charts\s+from\s+OCI\s+registries\s+only:\s+remove\s+"https://",\s+or\s+write\s+"oci://harbor.internal.example.com/zenml"`),
		},
		{
			Config:      testAccHelmChartConfig("test", "workspace_server", "0.93.2", "oci://harbor.internal.example.com/zenml/"),
			ExpectError: regexp.MustCompile(`(?s)Invalid Registry.*remove\s+the\s+trailing\s+slash`),
		},
		{
			Config:      testAccHelmChartConfig("test", "workspace_server", "0.93.2", "oci://harbor.internal.example.com/Zenml"),
			ExpectError: regexp.MustCompile(`(?s)Invalid Registry.*lower\s+case:\s+write\s+"zenml"`),
		},
	}
	for i := range steps {
		steps[i].PlanOnly = true
	}
	testAccSteps(t, steps)
}

// The former spelling chart = "workspace" gives the chart of "workspace_server": the same name,
// repository, reference and image tag; the chart attribute keeps the spelling written. (Its
// deprecation warning, which the testing library does not show, is checked by
// TestHelmChartDataSourceValidate.)
func TestAccHelmChartDataSource_formerChartSpelling(t *testing.T) {
	former, current := "data.zenmlpro_helm_chart.former", "data.zenmlpro_helm_chart.current"
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(former, tfjsonpath.New("chart"), knownvalue.StringExact("workspace")),
		statecheck.ExpectKnownValue(current, tfjsonpath.New("chart"), knownvalue.StringExact("workspace_server")),
	}
	checks = append(checks, testHelmChartChecks("former", "zenml", "oci://harbor.internal.example.com/zenml", "0.93.2")...)
	for _, attr := range []string{"name", "repository", "oci_reference", "version", "image_tag"} {
		checks = append(checks, statecheck.CompareValuePairs(former, tfjsonpath.New(attr), current, tfjsonpath.New(attr), compare.ValuesSame()))
	}
	testAccSteps(t, []resource.TestStep{{
		Config: testAccHelmChartConfig("former", "workspace", "0.93.2", "oci://harbor.internal.example.com/zenml") +
			testAccHelmChartConfig("current", "workspace_server", "0.93.2", "oci://harbor.internal.example.com/zenml"),
		ConfigStateChecks: checks,
	}})
}

// A version absent from the release catalog is a warning, not an error.
func TestAccHelmChartDataSource_unlistedVersion(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config:            testAccHelmChartConfig("test", "workspace_server", "0.93.9", ""),
		ConfigStateChecks: testHelmChartChecks("test", "zenml", "oci://public.ecr.aws/zenml", "0.93.9"),
	}})
}

func TestHelmChartDataSourceRead(t *testing.T) {
	diags, state := testReadDataSource(t, NewHelmChartDataSource(), nil, map[string]string{"chart": "control_plane", "version": "0.13.99"})
	if diags.HasError() {
		t.Fatalf("errors: %v", diags)
	}
	if w := diags.Warnings(); len(w) != 1 || !strings.Contains(w[0].Detail(), "Control Plane version 0.13.99 is not in the release catalog") {
		t.Errorf("warnings = %v", w)
	}
	if got := testStateString(t, state, "oci_reference"); got != "oci://public.ecr.aws/zenml/zenml-pro" {
		t.Errorf("oci_reference = %q", got)
	}

	// The former spelling of workspace_server reads the same chart.
	formerDiags, former := testReadDataSource(t, NewHelmChartDataSource(), nil, map[string]string{"chart": "workspace", "version": "0.93.2"})
	_, current := testReadDataSource(t, NewHelmChartDataSource(), nil, map[string]string{"chart": "workspace_server", "version": "0.93.2"})
	if len(formerDiags) != 0 {
		t.Errorf("chart \"workspace\": diagnostics at read %v", formerDiags)
	}
	for _, attr := range []string{"name", "repository", "oci_reference", "image_tag"} {
		if f, c := testStateString(t, former, attr), testStateString(t, current, attr); f != c {
			t.Errorf("chart \"workspace\": %s = %q, want %q as for \"workspace_server\"", attr, f, c)
		}
	}

	for _, tt := range []struct {
		config          map[string]string
		summary, detail string
	}{
		{map[string]string{"chart": "zenml", "version": "0.93.2"}, "Invalid Chart", `Attribute chart: "zenml" is not a chart`},
		{map[string]string{"chart": "workspace_server", "version": "0.13.0"}, "Wrong Version Line", "Attribute version: 0.13.0 is a Control Plane version"},
		{map[string]string{"chart": "workspace_server", "version": "0.93.2", "registry": "http://r.example.com"}, "Invalid Registry", `remove "http://"`},
	} {
		diags, _ := testReadDataSource(t, NewHelmChartDataSource(), nil, tt.config)
		if errs := diags.Errors(); len(errs) != 1 || errs[0].Summary() != tt.summary || !strings.Contains(errs[0].Detail(), tt.detail) {
			t.Errorf("%v: errors = %v, want %q with %q", tt.config, errs, tt.summary, tt.detail)
		}
	}
}

func TestAccHelmChartDataSource_example(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config: testAccExample(t, "data-sources/zenmlpro_helm_chart/data-source.tf"),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("helm_install",
				knownvalue.StringExact("helm install zenml-pro oci://public.ecr.aws/zenml/zenml-pro --version 0.13.0")),
			statecheck.ExpectKnownOutputValue("workspace_chart", knownvalue.ObjectExact(map[string]knownvalue.Check{
				"repository": knownvalue.StringExact("oci://harbor.internal.example.com/zenml"),
				"chart":      knownvalue.StringExact("zenml"),
				"version":    knownvalue.StringExact("0.93.2"),
				"image_tag":  knownvalue.StringExact("0.93.2"),
			})),
		},
	}})
}

// The rules on literal values hold at `terraform validate`, before the provider is configured.
func TestHelmChartDataSourceValidate(t *testing.T) {
	tests := []struct {
		config  map[string]any
		summary string // "" means no diagnostic
	}{
		{map[string]any{"chart": "control_plane", "version": "0.13.0"}, ""},
		{map[string]any{"chart": "workspace_server", "version": "0.93.2", "registry": "oci://harbor.internal.example.com/zenml"}, ""},
		{map[string]any{"chart": "workspace_server", "version": "0.93.2", "registry": "harbor.internal.example.com/zenml"}, ""},
		{map[string]any{"chart": "workspace_server", "version": "0.93.2", "registry": tftypes.UnknownValue}, ""},
		{map[string]any{"chart": "zenml", "version": "0.93.2"}, "Invalid Attribute Value Match"},
		{map[string]any{"chart": "workspace_server", "version": "v0.93.2"}, "Invalid Version"},
		{map[string]any{"chart": "workspace_server", "version": "0.93.2", "registry": "https://harbor.internal.example.com/zenml"}, "Invalid Registry"},
		{map[string]any{"chart": "workspace_server", "version": "0.93.2", "registry": ""}, "Invalid Registry"},
	}
	for _, tt := range tests {
		diags := testValidateDataSource(t, NewHelmChartDataSource(), tt.config)
		switch {
		case tt.summary == "" && len(diags) != 0:
			t.Errorf("%v: diagnostics %s: %s", tt.config, diags[0].Summary, diags[0].Detail)
		case tt.summary != "" && (len(diags) != 1 || diags[0].Summary != tt.summary):
			t.Errorf("%v: diagnostics %+v, want one %q", tt.config, diags, tt.summary)
		}
	}

	// The former spelling of workspace_server is accepted with a warning on the attribute that names
	// the new spelling.
	diags := testValidateDataSource(t, NewHelmChartDataSource(), map[string]any{"chart": "workspace", "version": "0.93.2"})
	want := `Attribute chart: "workspace" is deprecated, write "workspace_server"; "workspace" is accepted until version 1.0.`
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityWarning || diags[0].Summary != "Deprecated Value" ||
		diags[0].Detail != want || attributePathString(diags[0].Attribute) != "chart" {
		t.Errorf("chart \"workspace\": diagnostics %+v, want one warning %q on chart", diags, want)
	}
}
