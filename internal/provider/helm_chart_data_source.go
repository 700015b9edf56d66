// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
)

var (
	_ datasource.DataSource              = (*helmChartDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*helmChartDataSource)(nil)
)

// NewHelmChartDataSource returns the zenmlpro_helm_chart data source.
func NewHelmChartDataSource() datasource.DataSource {
	return &helmChartDataSource{}
}

type helmChartDataSource struct {
	data *providerData
}

type helmChartDataSourceModel struct {
	Chart        types.String `tfsdk:"chart"`
	Version      types.String `tfsdk:"version"`
	Registry     types.String `tfsdk:"registry"`
	Name         types.String `tfsdk:"name"`
	Repository   types.String `tfsdk:"repository"`
	OCIReference types.String `tfsdk:"oci_reference"`
	ImageTag     types.String `tfsdk:"image_tag"`
}

func (d *helmChartDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_helm_chart"
}

func (d *helmChartDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	charts := make([]string, 0, len(images.Charts()))
	for _, c := range images.Charts() {
		imgs := make([]string, 0, 2)
		for _, comp := range c.Components() {
			imgs = append(imgs, "`"+comp.ImageName()+"`")
		}
		charts = append(charts, fmt.Sprintf("`%s` (the chart `%s`, numbered by %s versions such as `%s`, which deploys %s)",
			c, c.Name(), images.LineTitle(c.Line()), images.ExampleVersion(c.Line()), strings.Join(imgs, " and ")))
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("The reference of one ZenML Pro Helm chart: the OCI repository, the chart name and the "+
			"image tag the chart version implies. It only builds the reference and never contacts a registry.\n\n"+
			"Both charts are public in `%s%s`. Image tags equal the chart version (the version synchronization rule of the ZenML "+
			"Pro prerequisites page), so `image_tag` is the version, and the `tag` of the matching `zenmlpro_image`. Use "+
			"`oci_reference` with `helm install NAME <oci_reference> --version <version>`, or `repository` and `name` as the "+
			"`repository` and `chart` of a `helm_release`.\n\n"+
			"A version from the wrong release line is an error when the release catalog lists it; a version the catalog does not "+
			"list at all is a warning. Add such a release with the provider's `releases` attribute.",
			images.OCIScheme, images.DefaultChartRegistry),
		Attributes: map[string]schema.Attribute{
			"chart": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The chart: " + strings.Join(charts, "; ") + ". " +
					deprecatedSpellingNote(images.DeprecatedChartWorkspaceServer, string(images.ChartWorkspaceServer)) + ".",
				Validators: []validator.String{chartNamesValidator()},
			},
			"version": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The exact chart version, e.g. `0.13.0` for `control_plane` or `0.93.2` for `workspace_server`. Prefixes " +
					"(`v0.13.0`), ranges (`>= 0.13`), partial versions and names such as `latest` are rejected.",
				Validators: []validator.String{exactReleaseVersionCheck},
			},
			"registry": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("An OCI registry that mirrors the chart, instead of `%s`: a registry host (DNS name or "+
					"IP address, optional `:port`) with an optional lower-case path, without trailing slash, tag or digest, per the OCI "+
					"distribution reference grammar. It may be written with or without the `%s` scheme; both mean the same registry, "+
					"and `repository` always carries the scheme. E.g. `%s`.",
					images.DefaultChartRegistry, images.OCIScheme, images.ExampleChartRegistry),
				Validators: []validator.String{imageRegistryCheck(true)},
			},
			"name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The chart name: `zenml-pro` for `control_plane`, `zenml` for `workspace_server`.",
			},
			"repository": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: fmt.Sprintf("The chart repository with the `%s` scheme, e.g. `%s%s`: the `repository` of a "+
					"`helm_release`.", images.OCIScheme, images.OCIScheme, images.DefaultChartRegistry),
			},
			"oci_reference": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: fmt.Sprintf("`<repository>/<name>`, e.g. `%s%s/zenml-pro`: what `helm install NAME <reference> "+
					"--version <version>` and `helm pull` take.", images.OCIScheme, images.DefaultChartRegistry),
			},
			"image_tag": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The tag of the images the chart deploys, equal to `version`.",
			},
		},
	}
}

func (d *helmChartDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *helmChartDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m helmChartDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The validators checked literal values; values that were unknown then are checked here.
	ref, err := images.ResolveChart(catalogOf(d.data), images.ChartSpec{
		Chart:    images.Chart(m.Chart.ValueString()),
		Version:  m.Version.ValueString(),
		Registry: m.Registry.ValueString(),
	})
	if err != nil {
		addImagesError(&resp.Diagnostics, err)
		return
	}
	addUnlistedWarning(&resp.Diagnostics, ref.Unlisted)
	m.Name = types.StringValue(ref.Name)
	m.Repository = types.StringValue(ref.Repository)
	m.OCIReference = types.StringValue(ref.OCIReference)
	m.ImageTag = types.StringValue(ref.ImageTag)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
