// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

func TestAccIsCompatibleFunction(t *testing.T) {
	pairs := []struct {
		name, cp, ws string
		want         bool
	}{
		{"page_example", "0.13.0", "0.93.2", true},
		{"same_day", "0.13.1", "0.93.2", true},
		{"equal_dates", "0.12.22", "0.93.1", true},
		{"control_plane_older", "0.12.22", "0.93.2", false},
		{"one_day_older", "0.13.15", "0.94.6", false},
		{"below_stated_minimum", "0.13.3", "0.84.3", false},
		{"minimum_ends_at_0_13_3", "0.13.4", "0.84.3", true},
	}
	config := ""
	var checks []statecheck.StateCheck
	for _, p := range pairs {
		config += fmt.Sprintf("output %q {\n  value = provider::zenmlpro::is_compatible(%q, %q)\n}\n", p.name, p.cp, p.ws)
		checks = append(checks, statecheck.ExpectKnownOutputValue(p.name, knownvalue.Bool(p.want)))
	}
	testAccFunctionSteps(t, []resource.TestStep{{Config: config, ConfigStateChecks: checks}})
}

func TestAccIsCompatibleFunction_errors(t *testing.T) {
	call := func(cp, ws string) string {
		return fmt.Sprintf("output \"test\" {\n  value = provider::zenmlpro::is_compatible(%q, %q)\n}\n", cp, ws)
	}
	testAccFunctionSteps(t, []resource.TestStep{
		{
			Config: call("v0.13.0", "0.93.2"),
			ExpectError: wrapped(`Invalid value for "control_plane_version" parameter:`,
				`"v0.13.0" is not an exact release version: ZenML versions carry no "v" prefix (write "0.13.0")`),
		},
		{
			Config:      call("0.13.0", "latest"),
			ExpectError: wrapped(`Invalid value for "workspace_version" parameter:`, `"latest" is not an exact release version`),
		},
		{
			Config:      call("0.13.0", ">= 0.93"),
			ExpectError: wrapped(`">= 0.93" is not an exact release version: it is a range or constraint, not one release.`),
		},
		{
			Config:      call("0.13", "0.93.2"),
			ExpectError: wrapped(`"0.13" is not an exact release version: a release number has exactly three parts`),
		},
		{
			Config:      call("0.13.0", "0.93.x"),
			ExpectError: wrapped(`"0.93.x" is not an exact release version: it is a range or constraint`),
		},
		{
			Config: call("0.13.99", "0.93.2"),
			ExpectError: wrapped(`Invalid value for "control_plane_version" parameter:`,
				"Control Plane 0.13.99 is not in this provider's release catalog",
				`releases = { control_plane = { "0.13.99" = "YYYY-MM-DD" } }`,
				"Provider-defined functions cannot read the provider configuration and use the release catalog embedded in the provider only",
				"use the zenmlpro_version_compatibility data source, which accepts extra dates."),
		},
		{
			Config: call("0.12.0", "0.93.2"),
			ExpectError: wrapped("the release date of Control Plane 0.12.0 is not known to this provider",
				"Provider-defined functions cannot read the provider configuration"),
		},
		{
			Config: call("0.13.18", "0.99.0"),
			ExpectError: wrapped(`Invalid value for "workspace_version" parameter:`,
				"the release date of Workspace Server 0.99.0 is not known to this provider",
				`releases = { workspace_server = { "0.99.0" = "YYYY-MM-DD" } }`),
		},
		{
			Config: call("0.93.2", "0.13.0"),
			ExpectError: wrapped(`Invalid value for "control_plane_version" parameter:`,
				"Control Plane 0.93.2 is not in this provider's release catalog; 0.93.2 is a Workspace Server version, check that the versions are not swapped"),
		},
	})
}

// TestReleaseFunctions_errorText calls the functions directly: Terraform ends a function error with a
// period of its own, so the provider's texts must not, or users read "..".
func TestReleaseFunctions_errorText(t *testing.T) {
	ctx := t.Context()
	run := func(f function.Function, args ...string) *function.FuncError {
		vals := make([]attr.Value, len(args))
		for i, a := range args {
			vals[i] = types.StringValue(a)
		}
		resp := &function.RunResponse{Result: function.NewResultData(types.StringUnknown())}
		if _, ok := f.(*isCompatibleFunction); ok {
			resp.Result = function.NewResultData(types.BoolUnknown())
		}
		f.Run(ctx, function.RunRequest{Arguments: function.NewArgumentsData(vals)}, resp)
		return resp.Error
	}
	for _, tt := range []struct {
		name string
		err  *function.FuncError
		want string
	}{
		{"is_compatible v-prefix", run(NewIsCompatibleFunction(), "v0.13.0", "0.93.2"), `ZenML versions carry no "v" prefix`},
		{"is_compatible unknown date", run(NewIsCompatibleFunction(), "0.12.0", "0.93.2"), "which accepts extra dates"},
		{"release_date unknown version", run(NewReleaseDateFunction(), "workspace_server", "0.93.99"), "which accepts extra dates"},
		{"release_date bad line", run(NewReleaseDateFunction(), "oss", "0.93.2"), `"oss" is not a version line`},
	} {
		if tt.err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if !strings.Contains(tt.err.Text, tt.want) || strings.HasSuffix(tt.err.Text, ".") {
			t.Errorf("%s: error text %q: want it to contain %q and not to end with a period", tt.name, tt.err.Text, tt.want)
		}
	}
}
