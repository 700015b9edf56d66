// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/bundle"
)

// The object types of a bundle's images and charts, shared by the resource and the data source.
var (
	bundleImageAttrTypes = map[string]attr.Type{
		"component": types.StringType, "version": types.StringType, "source_uri": types.StringType, "source_digest": types.StringType,
		"digest": types.StringType, "internal_uri": types.StringType, "archive": types.StringType, "platforms": types.ListType{ElemType: types.StringType},
	}
	bundleChartAttrTypes = map[string]attr.Type{
		"chart": types.StringType, "name": types.StringType, "version": types.StringType, "source_uri": types.StringType,
		"digest": types.StringType, "file": types.StringType, "internal_registry": types.StringType, "internal_uri": types.StringType,
	}
	bundleImagesType = types.MapType{ElemType: types.ObjectType{AttrTypes: bundleImageAttrTypes}}
	bundleChartsType = types.MapType{ElemType: types.ObjectType{AttrTypes: bundleChartAttrTypes}}
)

type bundleImageModel struct {
	Component    types.String `tfsdk:"component"`
	Version      types.String `tfsdk:"version"`
	SourceURI    types.String `tfsdk:"source_uri"`
	SourceDigest types.String `tfsdk:"source_digest"`
	Digest       types.String `tfsdk:"digest"`
	InternalURI  types.String `tfsdk:"internal_uri"`
	Archive      types.String `tfsdk:"archive"`
	Platforms    types.List   `tfsdk:"platforms"`
}

type bundleChartModel struct {
	Chart            types.String `tfsdk:"chart"`
	Name             types.String `tfsdk:"name"`
	Version          types.String `tfsdk:"version"`
	SourceURI        types.String `tfsdk:"source_uri"`
	Digest           types.String `tfsdk:"digest"`
	File             types.String `tfsdk:"file"`
	InternalRegistry types.String `tfsdk:"internal_registry"`
	InternalURI      types.String `tfsdk:"internal_uri"`
}

// Descriptions of the computed images and charts, shared by the resource and the data source.
const (
	bundleImagesDescription = "Every image of the bundle, keyed `<name>:<tag>` (e.g. `zenml-pro-api:0.13.0`), ready for `for_each` " +
		"over `zenmlpro_image_mirror` with `source_bundle = { path = ..., image = each.key }`: `component`, `version`, `source_uri` " +
		"(where it was read), `source_digest` (what it named then), `digest` (of what the bundle holds: `source_digest`, or with " +
		"`platforms` the index of the kept platforms), `internal_uri` (`<internal_registry>/<name>:<tag>`), `archive` (the `docker load` tarball, relative to the " +
		"bundle) and `platforms`."
	bundleChartsDescription = "Both Helm charts of each version, keyed `<name>:<version>` (e.g. `zenml-pro:0.13.0`): `chart` " +
		"(`control_plane` or `workspace_server`), `name`, `version`, `source_uri` (`oci://...:<version>`), `digest` (of the chart's " +
		"OCI manifest), `file` (the `.tgz`, relative to the bundle), `internal_registry` (`<internal_registry>/charts`, the " +
		"`target_registry` of its mirror: the workspace chart and the pipeline client image are both named `zenml`) and " +
		"`internal_uri` (`oci://<internal_registry>/charts/<name>`, Helm's chart reference inside)."
)

// bundleImageDescriptions and bundleChartDescriptions describe the attributes of a bundle's images
// and charts, in the resource and the data source alike.
var (
	bundleImageDescriptions = map[string]string{
		"component":     "The component, e.g. `control_plane_api`.",
		"version":       "The release, which is the tag.",
		"source_uri":    "Where the image was read.",
		"source_digest": "What `source_uri` named when the bundle was written.",
		"digest":        "The digest of what the bundle holds: `source_digest`, or with `platforms` the index of the kept platforms.",
		"internal_uri":  "`<internal_registry>/<name>:<tag>`.",
		"archive":       "The `docker load` tarball, relative to the bundle.",
		"platforms":     "The platforms the bundle holds (empty for a single-platform image).",
	}
	bundleChartDescriptions = map[string]string{
		"chart":             "`control_plane` or `workspace_server`.",
		"name":              "The chart name, `zenml-pro` or `zenml`.",
		"version":           "The chart version.",
		"source_uri":        "Where the chart was read, `oci://...:<version>`.",
		"digest":            "The digest of the chart's OCI manifest.",
		"file":              "The `.tgz`, relative to the bundle.",
		"internal_registry": "`<internal_registry>/charts`: the `target_registry` of the chart's mirror.",
		"internal_uri":      "`oci://<internal_registry>/charts/<name>`: Helm's chart reference inside.",
	}
)

// bundleImagesValue is the images attribute of imgs; an empty digest is unknown (not resolved yet).
func bundleImagesValue(ctx context.Context, imgs []bundle.Image, diags *diag.Diagnostics) types.Map {
	out := make(map[string]bundleImageModel, len(imgs))
	for _, img := range imgs {
		platforms, d := types.ListValueFrom(ctx, types.StringType, nonNil(img.Platforms))
		diags.Append(d...)
		out[img.Key] = bundleImageModel{
			Component: types.StringValue(img.Component), Version: types.StringValue(img.Version), SourceURI: types.StringValue(img.SourceURI),
			SourceDigest: knownOrUnknown(img.SourceDigest), Digest: knownOrUnknown(img.Digest), InternalURI: types.StringValue(img.InternalURI), Archive: types.StringValue(img.Archive), Platforms: platforms,
		}
	}
	v, d := types.MapValueFrom(ctx, bundleImagesType.ElemType, out)
	diags.Append(d...)
	return v
}

func bundleChartsValue(ctx context.Context, charts []bundle.Chart, diags *diag.Diagnostics) types.Map {
	out := make(map[string]bundleChartModel, len(charts))
	for _, c := range charts {
		digest := knownOrUnknown(c.Digest)
		out[c.Key] = bundleChartModel{
			Chart: types.StringValue(c.Chart), Name: types.StringValue(c.Name), Version: types.StringValue(c.Version),
			SourceURI: types.StringValue(c.SourceURI), Digest: digest, File: types.StringValue(c.File),
			InternalRegistry: types.StringValue(c.InternalRegistry), InternalURI: types.StringValue(c.InternalURI),
		}
	}
	v, d := types.MapValueFrom(ctx, bundleChartsType.ElemType, out)
	diags.Append(d...)
	return v
}

// knownOrUnknown is s, or unknown when s is empty.
func knownOrUnknown(s string) types.String {
	if s == "" {
		return types.StringUnknown()
	}
	return types.StringValue(s)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// addBundleVerifyError reports a bundle that does not match its SHA256SUMS, file by file.
func addBundleVerifyError(diags *diag.Diagnostics, p path.Path, err error) {
	var verr *bundle.VerifyError
	if !errors.As(err, &verr) {
		diags.AddAttributeError(p, "Bundle Not Readable", fmt.Sprintf("Attribute %s: %s.", p, err))
		return
	}
	lines := make([]string, len(verr.Files))
	for i, f := range verr.Files {
		lines[i] = "- " + f.Error()
	}
	diags.AddAttributeError(p, "Bundle Does Not Match SHA256SUMS", fmt.Sprintf("Attribute %s: the bundle %s does not match its %s:\n%s\n\n"+
		"A bundle is checked file by file against the SHA256SUMS written with it (`sha256sum -c SHA256SUMS` in the bundle "+
		"directory checks the same). Copy the bundle again from the connected side, or write it again there.",
		p, verr.Dir, bundle.SumsFile, strings.Join(lines, "\n")))
}
