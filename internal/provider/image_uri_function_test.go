// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

func testAccImageURIOutput(name, component, version, source string) string {
	return fmt.Sprintf("output %q {\n  value = provider::zenmlpro::image_uri(%q, %q, %q)\n}\n", name, component, version, source)
}

func TestAccImageURIFunction(t *testing.T) {
	tests := []struct{ component, version, source, uri string }{
		{"control_plane_api", "0.13.0", "zenml_gcp", "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0"},
		{"control_plane_dashboard", "0.13.0", "zenml_gcp", "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-dashboard:0.13.0"},
		{"workspace_server", "0.93.2", "zenml_gcp", "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-server:0.93.2"},
		{"client", "0.93.2", "zenml_gcp", "docker.io/zenmldocker/zenml:0.93.2"},
		{"control_plane_api", "0.13.0", "zenml_aws", "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-api:0.13.0"},
		{"control_plane_dashboard", "0.13.0", "zenml_aws", "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-dashboard:0.13.0"},
		{"workspace_server", "0.93.2", "zenml_aws", "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2"},
		{"client", "0.93.2", "zenml_aws", "docker.io/zenmldocker/zenml:0.93.2"},
		// Not in the embedded catalog: accepted (functions cannot warn).
		{"workspace_server", "0.93.9", "zenml_aws", "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.9"},
	}
	var cfg strings.Builder
	var checks []statecheck.StateCheck
	for i, tt := range tests {
		name := fmt.Sprintf("uri_%d", i)
		cfg.WriteString(testAccImageURIOutput(name, tt.component, tt.version, tt.source))
		checks = append(checks, statecheck.ExpectKnownOutputValue(name, knownvalue.StringExact(tt.uri)))
	}
	testAccFunctionSteps(t, []resource.TestStep{{Config: cfg.String(), ConfigStateChecks: checks}})
}

// The function and the data source build the same reference.
func TestAccImageURIFunction_matchesDataSource(t *testing.T) {
	testAccFunctionSteps(t, []resource.TestStep{{
		Config: testAccImageConfig("workspace_server", "0.93.1", "zenml_aws", "") + `
output "same" {
  value = data.zenmlpro_image.test.uri == provider::zenmlpro::image_uri("workspace_server", "0.93.1", "zenml_aws")
}
`,
		ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownOutputValue("same", knownvalue.Bool(true))},
	}})
}

func TestAccImageURIFunction_errors(t *testing.T) {
	tests := []struct {
		component, version, source string
		want                       string
	}{
		{"control_plane_api", "0.13.0", "private",
			`(?s)source\s+"private"\s+needs\s+the\s+registry\s+of\s+your\s+mirror.*use\s+the\s+zenmlpro_image\s+data\s+source`},
		{"api", "0.13.0", "zenml_gcp", `(?s)value\s+must\s+be\s+one\s+of:.*"control_plane_api".*got:\s+"api"`},
		{"control_plane_api", "0.13.0", "gcp", `(?s)value\s+must\s+be\s+one\s+of:.*"zenml_gcp".*got:\s+"gcp"`},
		{"control_plane_api", "v0.13.0", "zenml_gcp", `(?s)Invalid\s+value\s+for\s+"version"\s+parameter:\s+"v0.13.0"\s+is\s+not\s+an\s+exact\s+release\s+version:.*no\s+"v"\s+prefix`},
		{"workspace_server", "latest", "zenml_gcp", `(?s)"latest"\s+cannot\s+be\s+checked\s+or\s+pinned`},
		{"workspace_server", "~> 0.93", "zenml_gcp", `(?s)range\s+or\s+constraint`},
		{"control_plane_api", "0.93.2", "zenml_gcp",
			`(?s)0.93.2\s+is\s+a\s+Workspace\s+Server\s+\(ZenML\s+OSS\)\s+version,\s+but\s+control_plane_api\s+takes\s+a\s+Control\s+Plane\s+version\s+such\s+as\s+0.13.0`},
		{"client", "0.13.0", "zenml_aws", `(?s)0.13.0\s+is\s+a\s+Control\s+Plane\s+version,\s+but\s+client\s+takes`},
	}
	steps := make([]resource.TestStep, 0, len(tests))
	for _, tt := range tests {
		steps = append(steps, resource.TestStep{
			Config:      testAccImageURIOutput("uri", tt.component, tt.version, tt.source),
			ExpectError: regexp.MustCompile(tt.want),
			PlanOnly:    true,
		})
	}
	testAccFunctionSteps(t, steps)
}

// Run is called directly too, so the error positions are checked without Terraform. Terraform prefixes
// an argument error with the parameter and ends it with a period, so the text does neither.
func TestImageURIFunctionRun(t *testing.T) {
	ctx := t.Context()
	run := func(args ...string) (string, *function.FuncError) {
		vals := make([]attr.Value, len(args))
		for i, a := range args {
			vals[i] = types.StringValue(a)
		}
		resp := function.RunResponse{Result: function.NewResultData(types.StringUnknown())}
		NewImageURIFunction().Run(ctx, function.RunRequest{Arguments: function.NewArgumentsData(vals)}, &resp)
		if resp.Error != nil {
			return "", resp.Error
		}
		out, ok := resp.Result.Value().(types.String)
		if !ok {
			t.Fatalf("result %v is not a string", resp.Result.Value())
		}
		return out.ValueString(), nil
	}
	if got, err := run("workspace_server", "0.93.2", "zenml_aws"); err != nil || got != "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, tt := range []struct {
		args     []string
		argument int64
		want     string
	}{
		{[]string{"control_plane_api", "0.13.0", "private"}, 2, `source "private" needs the registry of your mirror`},
		{[]string{"control_plane_api", "0.93.2", "zenml_gcp"}, 1, "0.93.2 is a Workspace Server (ZenML OSS) version"},
		{[]string{"control_plane_api", "0.13", "zenml_gcp"}, 1, `"0.13" is not an exact release version`},
		{[]string{"api", "0.13.0", "zenml_gcp"}, 0, `"api" is not a component`},
		{[]string{"client", "0.93.2", "aws"}, 2, `"aws" is not an image source`},
	} {
		_, err := run(tt.args...)
		if err == nil || err.FunctionArgument == nil || *err.FunctionArgument != tt.argument || !strings.HasPrefix(err.Text, tt.want) ||
			strings.HasSuffix(err.Text, ".") {
			t.Errorf("%v: error %+v, want argument %d with %q", tt.args, err, tt.argument, tt.want)
		}
	}
}

func TestAccImageURIFunction_example(t *testing.T) {
	testAccFunctionSteps(t, []resource.TestStep{{
		Config: testAccExample(t, "functions/image_uri/function.tf"),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("control_plane_api_image",
				knownvalue.StringExact("europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0")),
			statecheck.ExpectKnownOutputValue("workspace_server_image",
				knownvalue.StringExact("715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2")),
		},
	}})
}
