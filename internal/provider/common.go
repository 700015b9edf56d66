// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

// configuredData returns the provider data handed to a data source or resource Configure call. It is
// nil while Terraform validates a configuration before the provider is configured.
func configuredData(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	d, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a defect in the provider; please report it.", raw))
		return nil
	}
	return d
}

// catalogOf returns the configured catalog, or the embedded one when the provider is not configured.
func catalogOf(d *providerData) *releases.Catalog {
	if d == nil || d.catalog == nil {
		return releases.Embedded()
	}
	return d.catalog
}

// nullIfEmpty is the value of an optional computed string: null when the domain left it empty.
func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// quotedList renders values as a Markdown list of code spans: `a`, `b` or `c`.
func quotedList(values []string) string { return wording.Join(wording.Code(values), "or") }

// releasesValidator checks the provider's `releases` attribute at validate time: line keys, exact
// versions and YYYY-MM-DD dates, each error at the path of the offending entry.
type releasesValidator struct{}

func (releasesValidator) Description(context.Context) string {
	return "keys are " + strings.Join(releases.LineNames(), " or ") + "; inner keys are exact versions and values dates in the form YYYY-MM-DD"
}

func (v releasesValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (releasesValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for lineName, inner := range req.ConfigValue.Elements() {
		linePath := req.Path.AtMapKey(lineName)
		line, err := releases.ParseLine(lineName)
		if err != nil {
			resp.Diagnostics.AddAttributeError(linePath, "Invalid Release Line",
				fmt.Sprintf("%s has an unknown key: %s. %s.", req.Path, err.Error(), exampleDates(releases.ControlPlane)))
			continue
		}
		m, ok := inner.(basetypes.MapValue)
		if !ok || m.IsUnknown() {
			continue
		}
		if m.IsNull() {
			resp.Diagnostics.AddAttributeError(linePath, "Missing Release Dates",
				fmt.Sprintf("%s is null; give a map of version to date or leave the key out. %s.", linePath, exampleDates(line)))
			continue
		}
		for version, e := range m.Elements() {
			entry := linePath.AtMapKey(version)
			if _, err := releases.ParseVersion(version); err != nil {
				resp.Diagnostics.AddAttributeError(entry, "Invalid Release Version",
					fmt.Sprintf("The key of %s: %s. %s.", entry, err.Error(), exampleDates(line)))
				continue
			}
			s, ok := e.(basetypes.StringValue)
			if !ok || s.IsUnknown() {
				continue
			}
			if s.IsNull() {
				resp.Diagnostics.AddAttributeError(entry, "Missing Release Date",
					fmt.Sprintf("%s is null; give the release date as YYYY-MM-DD. %s.", entry, exampleDates(line)))
				continue
			}
			if _, err := releases.ParseDate(s.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(entry, "Invalid Release Date",
					fmt.Sprintf("%s: %s. %s.", entry, err.Error(), exampleDates(line)))
			}
		}
	}
}

// releaseDates reads the provider's `releases` map (validated already) as line -> version -> date.
func releaseDates(ctx context.Context, m basetypes.MapValue) (map[releases.Line]map[string]string, diag.Diagnostics) {
	var diags diag.Diagnostics
	var byLine map[string]map[string]string
	diags.Append(m.ElementsAs(ctx, &byLine, false)...)
	if diags.HasError() {
		return nil, diags
	}
	out := make(map[releases.Line]map[string]string, len(byLine))
	for name, dates := range byLine {
		line, err := releases.ParseLine(name)
		if err != nil {
			diags.AddAttributeError(path.Root("releases").AtMapKey(name), "Invalid Release Line", err.Error())
			continue
		}
		out[line] = dates
	}
	return out, diags
}

func exampleDates(line releases.Line) string {
	if line == releases.ControlPlane {
		return `A valid value: releases = { control_plane = { "0.13.19" = "2026-07-01" } }`
	}
	return `A valid value: releases = { workspace_server = { "0.99.0" = "2026-11-20" } }`
}

// inputPath turns an input name of the domain packages, dotted as the schema names attributes
// ("principal.gke_workload_identity.project", "user.name"), into a path.
func inputPath(input string) path.Path {
	parts := strings.Split(input, ".")
	p := path.Root(parts[0])
	for _, name := range parts[1:] {
		p = p.AtName(name)
	}
	return p
}

// addInputError reports the *inputerr.Error in err's chain, if there is one, as an error on the
// attribute it names, and tells whether it did.
func addInputError(diags *diag.Diagnostics, err error) bool {
	return addInputErrorIn(diags, path.Empty(), err)
}

// addInputErrorIn is addInputError for an input of a nested attribute within: the domain's
// "version" of the image attribute is image.version.
func addInputErrorIn(diags *diag.Diagnostics, within path.Path, err error) bool {
	ie, ok := inputerr.As(err)
	if !ok {
		return false
	}
	p := inputPath(ie.Input)
	if len(within.Steps()) > 0 {
		p = within
		for _, name := range strings.Split(ie.Input, ".") {
			p = p.AtName(name)
		}
	}
	diags.AddAttributeError(p, ie.Summary, fmt.Sprintf("Attribute %s: %s.", p, strings.TrimSuffix(ie.Detail, ".")))
	return true
}
