package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

var objectAsOptions = basetypes.ObjectAsOptions{}

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

// quotedList renders values as a Markdown list of code spans: `a`, `b` or `c`.
func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// releaseDatesValidator checks a map of exact version -> YYYY-MM-DD at validate time.
type releaseDatesValidator struct{ line releases.Line }

func (v releaseDatesValidator) Description(context.Context) string {
	return fmt.Sprintf("keys are exact %s versions and values are dates in the form YYYY-MM-DD", v.line.Title())
}

func (v releaseDatesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v releaseDatesValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for k, e := range req.ConfigValue.Elements() {
		if _, err := releases.ParseVersion(k); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Release Version",
				fmt.Sprintf("Attribute %s has key %s: %s.", req.Path, err.Error(), exampleDates(v.line)))
			continue
		}
		s, ok := e.(basetypes.StringValue)
		if !ok || s.IsUnknown() || s.IsNull() {
			continue
		}
		if _, err := releases.ParseDate(s.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid Release Date",
				fmt.Sprintf("Attribute %s: %s. %s.", req.Path.AtMapKey(k), err.Error(), exampleDates(v.line)))
		}
	}
}

func exampleDates(line releases.Line) string {
	if line == releases.ControlPlane {
		return `A valid entry: releases = { control_plane = { "0.13.19" = "2026-07-01" } }`
	}
	return `A valid entry: releases = { workspace_server = { "0.99.0" = "2026-11-20" } }`
}
