// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

var (
	_ datasource.DataSource              = (*versionCompatibilityDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*versionCompatibilityDataSource)(nil)
)

const (
	onIncompatibleError = "error"
	onIncompatibleWarn  = "warn"
)

// onIncompatibleModes are the values of on_incompatible; the validator and the description use this list.
var onIncompatibleModes = []string{onIncompatibleError, onIncompatibleWarn}

// NewVersionCompatibilityDataSource returns the zenmlpro_version_compatibility data source.
func NewVersionCompatibilityDataSource() datasource.DataSource {
	return &versionCompatibilityDataSource{}
}

type versionCompatibilityDataSource struct {
	data *providerData
}

type versionCompatibilityModel struct {
	ControlPlaneVersion     types.String `tfsdk:"control_plane_version"`
	WorkspaceVersions       types.Map    `tfsdk:"workspace_versions"`
	OnIncompatible          types.String `tfsdk:"on_incompatible"`
	Compatible              types.Bool   `tfsdk:"compatible"`
	ControlPlaneReleaseDate types.String `tfsdk:"control_plane_release_date"`
	Results                 types.Map    `tfsdk:"results"`
}

type compatibilityResultModel struct {
	Version     string   `tfsdk:"version"`
	ReleaseDate string   `tfsdk:"release_date"`
	Compatible  bool     `tfsdk:"compatible"`
	Reasons     []string `tfsdk:"reasons"`
}

func (d *versionCompatibilityDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_version_compatibility"
}

func (d *versionCompatibilityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	minimums := make([]string, 0, len(releases.Minimums))
	for _, m := range releases.Minimums {
		minimums = append(minimums, fmt.Sprintf("Control Plane %s to %s require Workspace Server %s or later", m.ControlPlaneFrom, m.ControlPlaneTo, m.WorkspaceServer))
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Checks that a ZenML Pro Control Plane version works with the Workspace Server version of every workspace, " +
			"and fails the plan when one does not.\n\n" +
			"Two rules apply. First, the release order from the ZenML Pro prerequisites: compatibility is guaranteed as long as the " +
			"Control Plane version is at least as new as the Workspace Server version. The two components have separate version " +
			"numbers (Control Plane `0.13.0`, Workspace Server `0.93.2`), so \"as new\" is judged by release date: the Control Plane " +
			"must be released on the same day as or after the Workspace Server. This is why the Control Plane is always upgraded first. " +
			"Second, the minimums stated in the Control Plane changelog: " + strings.Join(minimums, "; ") + ".\n\n" +
			"Release dates come from the catalog embedded in the provider. A version whose date is not known cannot be judged and is " +
			"an error (whatever `on_incompatible` says), never a guess: supply its date with the provider's `releases` attribute, " +
			"which adds dates and wins over the embedded ones.",
		Attributes: map[string]schema.Attribute{
			"control_plane_version": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The ZenML Pro Control Plane version, an exact release such as `0.13.0` (the tag of the " +
					"`zenml-pro-api` and `zenml-pro-dashboard` images and the version of the `zenml-pro` Helm chart). " +
					"Prefixes (`v0.13.0`), ranges (`>= 0.13`, `0.13.x`), partial versions (`0.13`) and names such as `latest` are rejected.",
				Validators: []validator.String{exactReleaseVersionCheck},
			},
			"workspace_versions": schema.MapAttribute{
				Required:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The Workspace Server version of each workspace, as a map of workspace name to an exact ZenML " +
					"release such as `0.93.2` (the tag of the `zenml-pro-server` image and the version of the `zenml` Helm chart). " +
					"The names are yours and only label the results. At least one workspace is required; the versions follow the " +
					"same rules as `control_plane_version`.",
				Validators: []validator.Map{
					mapvalidator.SizeAtLeast(1),
					workspaceVersionsValidator{},
				},
			},
			"on_incompatible": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "What an incompatible workspace does: " + quotedList(onIncompatibleModes) + ". " +
					"With `error`, each incompatible workspace is an error that fails the plan; with `warn`, it is a warning and " +
					"`compatible` is `false`. Unknown release dates and invalid versions are errors in both modes. Defaults to `error`.",
				Validators: []validator.String{stringvalidator.OneOf(onIncompatibleModes...)},
			},
			"compatible": schema.BoolAttribute{
				Computed:            true,
				MarkdownDescription: "Whether every workspace is compatible with the Control Plane.",
			},
			"control_plane_release_date": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The release date of the Control Plane version, as `YYYY-MM-DD`.",
			},
			"results": schema.MapNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The verdict for each workspace, keyed like `workspace_versions`.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"version": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "The workspace's Workspace Server version.",
						},
						"release_date": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "The release date of the Workspace Server version, as `YYYY-MM-DD`.",
						},
						"compatible": schema.BoolAttribute{
							Computed:            true,
							MarkdownDescription: "Whether the workspace passes every rule.",
						},
						"reasons": schema.ListAttribute{
							Computed:    true,
							ElementType: types.StringType,
							MarkdownDescription: "One sentence per rule evaluated, starting with `pass: ` or `fail: ` and the rule name " +
								"(`" + releases.RuleReleaseOrder + "`, `" + releases.RuleStatedMinimum + "`), so a reviewer sees which checks passed as well as which failed.",
						},
					},
				},
			},
		},
	}
}

func (d *versionCompatibilityDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *versionCompatibilityDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m versionCompatibilityModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	mode := onIncompatibleError
	if !m.OnIncompatible.IsNull() {
		mode = m.OnIncompatible.ValueString()
	}
	var workspaces map[string]string
	resp.Diagnostics.Append(m.WorkspaceVersions.ElementsAs(ctx, &workspaces, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	names := make([]string, 0, len(workspaces))
	for name := range workspaces {
		names = append(names, name)
	}
	sort.Strings(names)

	// The validators already ran on literal values; values that were unknown then are checked here.
	cpPath := path.Root("control_plane_version")
	wsPath := func(name string) path.Path { return path.Root("workspace_versions").AtMapKey(name) }
	catalog := catalogOf(d.data)
	cp, err := catalog.ReleaseDate(releases.ControlPlane, m.ControlPlaneVersion.ValueString())
	if err != nil {
		addReleaseError(&resp.Diagnostics, cpPath, err)
	}
	dated := make(map[string]releases.Release, len(names))
	for _, name := range names {
		ws, err := catalog.ReleaseDate(releases.WorkspaceServer, workspaces[name])
		if err != nil {
			addReleaseError(&resp.Diagnostics, wsPath(name), err)
			continue
		}
		dated[name] = ws
	}
	if resp.Diagnostics.HasError() {
		return
	}

	all := true
	results := make(map[string]compatibilityResultModel, len(names))
	for _, name := range names {
		chk := releases.CheckReleases(cp, dated[name])
		results[name] = compatibilityResultModel{
			Version:     chk.WorkspaceServer.Version,
			ReleaseDate: chk.WorkspaceServer.DateString(),
			Compatible:  chk.Compatible,
			Reasons:     chk.Reasons,
		}
		if chk.Compatible {
			continue
		}
		all = false
		detail := incompatibleDetail(catalog, name, chk, mode)
		if mode == onIncompatibleWarn {
			resp.Diagnostics.AddAttributeWarning(wsPath(name), incompatibleSummary, detail)
		} else {
			resp.Diagnostics.AddAttributeError(wsPath(name), incompatibleSummary, detail)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	resultsValue, diags := types.MapValueFrom(ctx, types.ObjectType{AttrTypes: map[string]attr.Type{
		"version":      types.StringType,
		"release_date": types.StringType,
		"compatible":   types.BoolType,
		"reasons":      types.ListType{ElemType: types.StringType},
	}}, results)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.OnIncompatible = types.StringValue(mode)
	m.Compatible = types.BoolValue(all)
	m.ControlPlaneReleaseDate = types.StringValue(cp.DateString())
	m.Results = resultsValue
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

const incompatibleSummary = "Incompatible Workspace Server Version"

// incompatibleDetail words the diagnostic for one incompatible workspace: the workspace, both versions
// and dates, every rule's outcome, and a Control Plane release that would pass. mode is the data
// source's on_incompatible, or "" where there is none (an offline bundle).
func incompatibleDetail(catalog *releases.Catalog, workspace string, chk releases.Check, mode string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Workspace %q runs Workspace Server %s (released %s), which Control Plane %s (released %s) does not support: %s failed.\n",
		workspace, chk.WorkspaceServer.Version, chk.WorkspaceServer.DateString(),
		chk.ControlPlane.Version, chk.ControlPlane.DateString(), strings.Join(chk.Failed, " and "))
	for _, r := range chk.Reasons {
		b.WriteString("\n- " + r)
	}
	b.WriteString("\n\n")
	if s, ok := catalog.OldestCompatibleControlPlane(chk.WorkspaceServer.Version); ok {
		fmt.Fprintf(&b, "A Control Plane that accepts Workspace Server %s: %s (released %s) or later, e.g. control_plane_version = %q.",
			chk.WorkspaceServer.Version, s.Version, s.DateString(), s.Version)
	} else {
		fmt.Fprintf(&b, "No Control Plane release in the catalog accepts Workspace Server %s. If a Control Plane released on or after %s exists, "+
			"upgrade to it and supply its date in the provider's releases attribute: releases = { control_plane = { \"<version>\" = \"YYYY-MM-DD\" } }.",
			chk.WorkspaceServer.Version, chk.WorkspaceServer.DateString())
	}
	switch mode {
	case onIncompatibleWarn:
		b.WriteString(" This is a warning because on_incompatible = \"warn\".")
	case onIncompatibleError:
		b.WriteString(" To report this as a warning instead, set on_incompatible = \"warn\".")
	}
	return b.String()
}

// addReleaseError turns an error of the releases package into an attribute error with a summary that
// names its kind.
func addReleaseError(diags *diag.Diagnostics, p path.Path, err error) {
	diags.AddAttributeError(p, releaseErrorSummary(err), fmt.Sprintf("Attribute %s: %s.", p, err))
}

// workspaceVersionsValidator checks each value of a map of workspace name to version: not null, and an
// exact release (releases.ParseVersion).
type workspaceVersionsValidator struct{}

func (workspaceVersionsValidator) Description(ctx context.Context) string {
	return "each " + exactReleaseVersionCheck.Description(ctx)
}

func (v workspaceVersionsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (workspaceVersionsValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for name, e := range req.ConfigValue.Elements() {
		p := req.Path.AtMapKey(name)
		s, ok := e.(types.String)
		switch {
		case !ok || s.IsUnknown():
		case s.IsNull():
			resp.Diagnostics.AddAttributeError(p, "Missing Version",
				fmt.Sprintf("Attribute %s is null. Give the workspace's Workspace Server version, an exact release such as \"0.93.2\", or remove the workspace from the map.", p))
		default:
			if _, err := releases.ParseVersion(s.ValueString()); err != nil {
				addReleaseError(&resp.Diagnostics, p, err)
			}
		}
	}
}
