// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/bundle"
)

var _ datasource.DataSource = (*offlineBundleDataSource)(nil)

// NewOfflineBundleDataSource returns the zenmlpro_offline_bundle data source.
func NewOfflineBundleDataSource() datasource.DataSource { return &offlineBundleDataSource{} }

type offlineBundleDataSource struct{}

type offlineBundleDataModel struct {
	Path                types.String `tfsdk:"path"`
	CreatedAt           types.String `tfsdk:"created_at"`
	ControlPlaneVersion types.String `tfsdk:"control_plane_version"`
	WorkspaceVersions   types.List   `tfsdk:"workspace_versions"`
	InternalRegistry    types.String `tfsdk:"internal_registry"`
	Images              types.Map    `tfsdk:"images"`
	Charts              types.Map    `tfsdk:"charts"`
	ManifestJSON        types.String `tfsdk:"manifest_json"`
	SHA256SumsDigest    types.String `tfsdk:"sha256sums_digest"`
}

func (d *offlineBundleDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_offline_bundle"
}

func (d *offlineBundleDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	s := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	items := func(descriptions map[string]string) map[string]schema.Attribute {
		out := make(map[string]schema.Attribute, len(descriptions))
		for name, d := range descriptions {
			if name == "platforms" {
				out[name] = schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: d}
				continue
			}
			out[name] = schema.StringAttribute{Computed: true, MarkdownDescription: d}
		}
		return out
	}
	imageAttrs, chartAttrs := items(bundleImageDescriptions), items(bundleChartDescriptions)
	resp.Schema = schema.Schema{
		MarkdownDescription: "An offline bundle on the air-gapped side, as `zenmlpro_offline_bundle` wrote it on the connected side, " +
			"verified and listed for `for_each` over `zenmlpro_image_mirror` with `source_bundle`. Every read verifies every " +
			"byte of every file against SHA256SUMS, on every plan, with no cache and no sampling: a changed, missing or added " +
			"file, or a file SHA256SUMS lists more than once, fails the plan, naming each (a large bundle takes as long as " +
			"reading it from disk). Nothing is contacted: the bundle is read from disk.",
		Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The bundle directory, e.g. `/media/zenml-bundle` (the one holding manifest.json and SHA256SUMS).",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"created_at":            s("When the bundle was written, RFC 3339 in UTC."),
			"control_plane_version": s("The Control Plane release of the bundle."),
			"workspace_versions": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The Workspace Server releases of the bundle, sorted."},
			"internal_registry": s("The internal registry the bundle was written for, e.g. `harbor.internal.example.com/zenml`: the " +
				"`target_registry` of the images' mirrors."),
			"images": schema.MapNestedAttribute{Computed: true, MarkdownDescription: bundleImagesDescription,
				NestedObject: schema.NestedAttributeObject{Attributes: imageAttrs}},
			"charts": schema.MapNestedAttribute{Computed: true, MarkdownDescription: bundleChartsDescription,
				NestedObject: schema.NestedAttributeObject{Attributes: chartAttrs}},
			"manifest_json":     s("manifest.json of the bundle."),
			"sha256sums_digest": s("`sha256:` and the SHA-256 of SHA256SUMS, equal to the resource's on the connected side when the bundle arrived whole."),
		},
	}
}

func (d *offlineBundleDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m offlineBundleDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	dir := m.Path.ValueString()
	w, err := bundle.Read(dir)
	if err != nil {
		addBundleVerifyError(&resp.Diagnostics, path.Root("path"), err)
		return
	}
	manifest := w.Manifest
	tflog.Info(ctx, "bundle verified", map[string]any{"path": dir, "images": len(manifest.Images), "charts": len(manifest.Charts)})
	ws, diags := types.ListValueFrom(ctx, types.StringType, manifest.WorkspaceVersions)
	resp.Diagnostics.Append(diags...)
	m.CreatedAt, m.ControlPlaneVersion = types.StringValue(manifest.CreatedAt), types.StringValue(manifest.ControlPlaneVersion)
	m.WorkspaceVersions, m.InternalRegistry = ws, types.StringValue(manifest.InternalRegistry)
	m.Images = bundleImagesValue(ctx, manifest.Images, &resp.Diagnostics)
	m.Charts = bundleChartsValue(ctx, manifest.Charts, &resp.Diagnostics)
	m.ManifestJSON, m.SHA256SumsDigest = types.StringValue(w.ManifestJSON), types.StringValue(w.Record.SumsDigest)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
