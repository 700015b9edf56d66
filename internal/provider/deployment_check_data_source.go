// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/deploycheck"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

var (
	_ datasource.DataSource                   = (*deploymentCheckDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*deploymentCheckDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*deploymentCheckDataSource)(nil)
)

// NewDeploymentCheckDataSource returns the zenmlpro_deployment_check data source.
func NewDeploymentCheckDataSource() datasource.DataSource {
	return &deploymentCheckDataSource{}
}

type deploymentCheckDataSource struct {
	data *providerData
}

type deploymentCheckControlPlaneModel struct {
	URL     types.String `tfsdk:"url"`
	Version types.String `tfsdk:"version"`
}

type deploymentCheckWorkspaceModel struct {
	URL            types.String `tfsdk:"url"`
	Version        types.String `tfsdk:"version"`
	WorkspaceID    types.String `tfsdk:"workspace_id"`
	OrganizationID types.String `tfsdk:"organization_id"`
}

type deploymentCheckModel struct {
	ControlPlane     *deploymentCheckControlPlaneModel        `tfsdk:"control_plane"`
	Workspaces       map[string]deploymentCheckWorkspaceModel `tfsdk:"workspaces"`
	CACertificatePEM types.String                             `tfsdk:"ca_certificate_pem"`
	OnFailure        types.String                             `tfsdk:"on_failure"`
	Timeouts         timeouts.Value                           `tfsdk:"timeouts"`
	OK               types.Bool                               `tfsdk:"ok"`
	Checklist        types.List                               `tfsdk:"checklist"`
	Servers          types.Map                                `tfsdk:"servers"`
	ReportMarkdown   types.String                             `tfsdk:"report_markdown"`
}

// deploymentServerType is the object type of an element of servers.
var deploymentServerType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"url": types.StringType, "reachable": types.BoolType, "tls_verified": types.BoolType, "version": types.StringType,
	"deployment_type": types.StringType, "server_url": types.StringType, "pro_api_url": types.StringType,
	"organization_id": types.StringType, "workspace_id": types.StringType, "error": types.StringType,
}}

// The checks of the inputs of zenmlpro_deployment_check.
var (
	deploymentURLCheck = checkString("Invalid Server URL",
		"value must be a server's base URL: https (http only for a loopback host), no credentials, query or fragment, e.g. "+controlplane.ExampleURL,
		ignoreValue(controlplane.CheckURL))
	workspaceKeyCheck = checkString("Invalid Workspace Key",
		"keys must be workspace names: lowercase letters, digits and hyphens, e.g. "+controlplane.ExampleWorkspaceName, controlplane.CheckWorkspaceName)
)

// controlPlaneIDCheck checks an ID of the Control Plane given as field ("workspace_id" or
// "organization_id"): a UUID.
func controlPlaneIDCheck(field string) stringCheck {
	example := controlplane.ExampleWorkspaceID
	if field == "organization_id" {
		example = controlplane.ExampleOrganizationID
	}
	return checkString("Invalid "+titleCase(strings.ReplaceAll(strings.TrimSuffix(field, "_id"), "_", " "))+" ID",
		"value must be a UUID, e.g. "+example, func(s string) error { return controlplane.CheckID(field, s) })
}

func (d *deploymentCheckDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment_check"
}

func (d *deploymentCheckDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *deploymentCheckDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	versionAttr := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: desc, Validators: []validator.String{exactReleaseVersionCheck}}
	}
	urlAttr := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Required: true, MarkdownDescription: desc, Validators: []validator.String{deploymentURLCheck}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Checks a running ZenML Pro deployment against what was declared for it: after `helm install` of the " +
			"`zenml-pro` and `zenml` charts, is what runs what was meant to run? It reads the public endpoints of the Control Plane " +
			"(`GET /health`) and of each workspace server (`GET /health` and `GET /api/v1/info`), all at the same time and within " +
			"`timeouts.read`, and reports a checklist with the statuses of `zenmlpro_prerequisites`: each server is reachable, its " +
			"TLS certificate verifies for its host, and each workspace server runs the declared version, as a ZenML Pro workspace " +
			"(`deployment_type` `cloud`), compatible with the Control Plane's version, enrolled with the declared workspace and " +
			"organization IDs, with its `server_url` and `pro_api_url` pointing where they should.\n\n" +
			"A server that does not answer is a `fail` row, never a crash. With `on_failure = \"error\"` (the default) a `fail` row " +
			"fails the read, listing the failed rows; with `\"warn\"` they are warnings and every output is set.\n\n" +
			"Like every data source it is read at plan time when its arguments are known: run it once the charts are installed, in a " +
			"configuration or stage of its own (before the install nothing runs, and every server would fail). No credentials are " +
			"used or stored: the endpoints it reads are public.",
		Attributes: map[string]schema.Attribute{
			"control_plane": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "The Control Plane, when you run it: its `/health` is read. Leave it out in the hybrid scenario " +
					"(ZenML runs the Control Plane); the workspaces' `pro_api_url` and compatibility rows are then `not_applicable`.",
				Attributes: map[string]schema.Attribute{
					"url": urlAttr("The Control Plane's base URL, e.g. `\"" + controlplane.ExampleURL + "\"` (the API is under " +
						"`/api/v1` of it). `https`; plain `http` only for a loopback host (`http://127.0.0.1:8080`). A workspace's " +
						"`pro_api_url` must be this URL followed by `/api/v1`."),
					"version": versionAttr("The Control Plane version deployed, e.g. `\"0.13.0\"`. No public endpoint of the Control Plane " +
						"reports its version, so it is not checked; it is the version the workspaces' compatibility rows are judged with."),
				},
			},
			"workspaces": schema.MapNestedAttribute{
				Optional: true,
				MarkdownDescription: "The workspace servers, by a key of lowercase letters, digits and hyphens (e.g. the workspace's name, " +
					"`\"" + controlplane.ExampleWorkspaceName + "\"`). Each is read at `GET /health` and `GET /api/v1/info`.",
				Validators: []validator.Map{mapvalidator.KeysAre(workspaceKeyCheck)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"url": urlAttr("The workspace server's base URL, e.g. `\"" + deploycheck.ExampleWorkspaceURL + "\"`: the URL clients " +
						"use, which the server must report as its `server_url` (compared without a trailing slash, the scheme's default " +
						"port or case in the scheme and host)."),
					"version": versionAttr("The workspace server (ZenML) version deployed, e.g. `\"0.93.2\"`: the server must report it. " +
						"Not set: the version row is `not_applicable`, and compatibility is judged with the version the server reports."),
					"workspace_id": schema.StringAttribute{Optional: true, Validators: []validator.String{controlPlaneIDCheck("workspace_id")},
						MarkdownDescription: "The workspace ID the enrollment at the Control Plane returned, a UUID, e.g. `\"" +
							controlplane.ExampleWorkspaceID + "\"`: the server must report it as `pro_workspace_id`."},
					"organization_id": schema.StringAttribute{Optional: true, Validators: []validator.String{controlPlaneIDCheck("organization_id")},
						MarkdownDescription: "The organization ID the enrollment returned, a UUID, e.g. `\"" + controlplane.ExampleOrganizationID +
							"\"`: the server must report it as `pro_organization_id`."},
				}},
			},
			checks.CACertificateInput: schema.StringAttribute{
				Optional:   true,
				Validators: []validator.String{caCertificatesCheck},
				MarkdownDescription: "The certificates of the deployment's private CA in PEM, e.g. `file(\"certs/zenml-ca.pem\")`, trusted " +
					"besides the system's CAs of the machine that runs Terraform. Not set: the system's CAs only, as for certificates " +
					"of a public CA. A private key here is refused, and the message does not repeat it.",
			},
			"on_failure": schema.StringAttribute{
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(onFailureModes...)},
				MarkdownDescription: "What a `fail` row does: " + quotedList(onFailureModes) + ". With `error` (the default) the read " +
					"fails with every failed row; with `warn` they are warnings, and `ok`, `checklist`, `servers` and `report_markdown` " +
					"are set.",
			},
			"timeouts": timeouts.AttributesWithOpts(context.Background(), timeouts.Opts{ReadDescription: "How long the whole check may " +
				"take, as a duration such as `30s` or `5m`; every server is read at the same time within it. A server that has not " +
				"answered by then is a `fail` row naming the limit. Defaults to `2m`."}),
			"ok": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether no row is `fail` or `missing`."},
			"checklist": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "One row per check and server, the Control Plane's first, then the workspaces by key: `section` " +
					"(`Control Plane` or `Workspace \"<key>\"`), `item`, `status` (`ok`, `fail`, `missing`, `warn` or `not_applicable`) " +
					"and `detail`, which names both values when what runs differs from what was declared.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"section": schema.StringAttribute{Computed: true, MarkdownDescription: "`Control Plane` or `Workspace \"<key>\"`."},
					"item": schema.StringAttribute{Computed: true, MarkdownDescription: "What was checked: " + quotedList([]string{
						deploycheck.ItemReachable, deploycheck.ItemTLS, deploycheck.ItemServerInfo, deploycheck.ItemVersion,
						deploycheck.ItemDeploymentType, deploycheck.ItemCompatibility, deploycheck.ItemWorkspaceID,
						deploycheck.ItemOrganizationID, deploycheck.ItemServerURL, deploycheck.ItemProAPIURL}) + "."},
					"status": schema.StringAttribute{Computed: true, MarkdownDescription: "`ok`, `fail`, `missing` (not known, because " +
						"a server could not be read), `warn` or `not_applicable` (nothing declared to compare with)."},
					"detail": schema.StringAttribute{Computed: true, MarkdownDescription: "What was found, or what to do."},
				}},
			},
			"servers": schema.MapNestedAttribute{
				Computed: true,
				MarkdownDescription: "What each server showed, by `control_plane` and by workspace key. The strings are null when the " +
					"server did not report them (the Control Plane reports none of `version` to `workspace_id`).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"url":       schema.StringAttribute{Computed: true, MarkdownDescription: "The URL read, without a trailing slash."},
					"reachable": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether `GET <url>/health` answered 2xx."},
					"tls_verified": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the certificate verified against the " +
						"system's CAs and `ca_certificate_pem`, for the host; null for plain `http`."},
					"version":         schema.StringAttribute{Computed: true, MarkdownDescription: "The version the server reports (`version`)."},
					"deployment_type": schema.StringAttribute{Computed: true, MarkdownDescription: "The `deployment_type` it reports; `cloud` for a ZenML Pro workspace."},
					"server_url":      schema.StringAttribute{Computed: true, MarkdownDescription: "The `server_url` it reports."},
					"pro_api_url":     schema.StringAttribute{Computed: true, MarkdownDescription: "The `pro_api_url` it reports: the Control Plane API it uses."},
					"organization_id": schema.StringAttribute{Computed: true, MarkdownDescription: "The `pro_organization_id` it reports."},
					"workspace_id":    schema.StringAttribute{Computed: true, MarkdownDescription: "The `pro_workspace_id` it reports."},
					"error": schema.StringAttribute{Computed: true, MarkdownDescription: "Why the server could not be read, in words " +
						"(a refused connection, a certificate, an HTTP status, the timeout); null when it could."},
				}},
			},
			"report_markdown": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The check as a Markdown document: the verdict, what is left to do, each server's summary and every row. " +
					"Write it with `local_file`, or keep it in state for the reviewer."},
		},
	}
}

// ValidateConfig refuses a check of nothing: neither control_plane nor a workspace given.
func (d *deploymentCheckDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var cp types.Object
	var ws types.Map
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("control_plane"), &cp)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("workspaces"), &ws)...)
	if resp.Diagnostics.HasError() || cp.IsUnknown() || ws.IsUnknown() {
		return
	}
	if cp.IsNull() && len(ws.Elements()) == 0 {
		addNothingToCheck(&resp.Diagnostics)
	}
}

// addNothingToCheck refuses a check without a server.
func addNothingToCheck(diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("workspaces"), "Nothing to Check", fmt.Sprintf(
		"Neither control_plane nor a workspace is given (rule: at least one server to read). Give e.g. control_plane = { url = %q } "+
			"and workspaces = { %q = { url = %q } }.", controlplane.ExampleURL, controlplane.ExampleWorkspaceName, deploycheck.ExampleWorkspaceURL))
}

func (d *deploymentCheckDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m deploymentCheckModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, td := m.Timeouts.Read(ctx, deploycheck.DefaultTimeout)
	resp.Diagnostics.Append(td...)
	spec := deploymentCheckSpec(&m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	spec.Timeout = timeout
	res := deploycheck.Check(ctx, spec, deploycheck.Options{Catalog: catalogOf(d.data), Dial: liveDial(d.data)})

	mode := onFailureError
	if !m.OnFailure.IsNull() {
		mode = m.OnFailure.ValueString()
	}
	var failed, missing []string
	for _, r := range res.Rows {
		line := fmt.Sprintf("- %s / %s: %s", r.Section, r.Item, r.Detail)
		switch r.Status {
		case deploycheck.Fail:
			failed = append(failed, line)
		case deploycheck.Missing:
			missing = append(missing, line)
		}
	}
	const summary = "ZenML Pro Deployment Check Failed"
	switch {
	case len(failed) > 0:
		detail := fmt.Sprintf("%d check(s) failed:\n%s", len(failed), strings.Join(failed, "\n"))
		if len(missing) > 0 {
			detail += fmt.Sprintf("\n\n%d other check(s) could not be judged because of them (status missing).", len(missing))
		}
		if mode == onFailureWarn {
			resp.Diagnostics.AddWarning(summary, detail+"\n\nThis is a warning because on_failure = \"warn\".")
		} else {
			resp.Diagnostics.AddError(summary, detail+"\n\nFix these, or set on_failure = \"warn\" to see every output (checklist, servers, "+
				"report_markdown) while some fail.")
			return
		}
	case len(missing) > 0:
		resp.Diagnostics.AddWarning("ZenML Pro Deployment Check Incomplete",
			fmt.Sprintf("%d check(s) could not be judged (status missing):\n%s", len(missing), strings.Join(missing, "\n")))
	}
	for _, r := range res.Rows {
		if r.Status == deploycheck.Warn {
			resp.Diagnostics.AddWarning(fmt.Sprintf("ZenML Pro Deployment Check: %s / %s", r.Section, r.Item), r.Detail)
		}
	}

	m.OK = types.BoolValue(res.OK)
	m.ReportMarkdown = types.StringValue(res.Report)
	rows := make([]attr.Value, 0, len(res.Rows))
	for _, r := range res.Rows {
		rows = append(rows, types.ObjectValueMust(checklistRowType.AttrTypes, map[string]attr.Value{
			"section": types.StringValue(r.Section), "item": types.StringValue(r.Item),
			"status": types.StringValue(string(r.Status)), "detail": types.StringValue(r.Detail)}))
	}
	m.Checklist = types.ListValueMust(checklistRowType, rows)
	servers := make(map[string]attr.Value, len(res.Servers))
	for key, s := range res.Servers {
		servers[key] = types.ObjectValueMust(deploymentServerType.AttrTypes, map[string]attr.Value{
			"url": types.StringValue(s.URL), "reachable": types.BoolValue(s.Reachable), "tls_verified": types.BoolPointerValue(s.TLSVerified),
			"version": nullIfEmpty(s.Version), "deployment_type": nullIfEmpty(s.DeploymentType), "server_url": nullIfEmpty(s.ServerURL),
			"pro_api_url": nullIfEmpty(s.ProAPIURL), "organization_id": nullIfEmpty(s.OrganizationID),
			"workspace_id": nullIfEmpty(s.WorkspaceID), "error": nullIfEmpty(s.Error)})
	}
	m.Servers = types.MapValueMust(deploymentServerType, servers)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// deploymentCheckSpec reads the arguments into the domain's spec. The validators checked literal
// values; values that were unknown then are checked here, with the same rules.
func deploymentCheckSpec(m *deploymentCheckModel, diags *diag.Diagnostics) deploycheck.Spec {
	check := func(p path.Path, summary string, v types.String, rule func(string) error) string {
		if v.IsNull() || v.IsUnknown() {
			return ""
		}
		if err := rule(v.ValueString()); err != nil {
			diags.AddAttributeError(p, summary, fmt.Sprintf("Attribute %s: %s.", p, strings.TrimSuffix(err.Error(), ".")))
		}
		return v.ValueString()
	}
	version := func(s string) error { _, err := releases.ParseVersion(s); return err }
	spec := deploycheck.Spec{}
	if cp := m.ControlPlane; cp != nil {
		p := path.Root("control_plane")
		spec.ControlPlane = &deploycheck.ControlPlane{
			URL:     check(p.AtName("url"), "Invalid Server URL", cp.URL, ignoreValue(controlplane.CheckURL)),
			Version: check(p.AtName("version"), "Invalid Version", cp.Version, version),
		}
	}
	keys := make([]string, 0, len(m.Workspaces))
	for k := range m.Workspaces {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		spec.Workspaces = map[string]deploycheck.Workspace{}
	}
	for _, k := range keys {
		w := m.Workspaces[k]
		p := path.Root("workspaces").AtMapKey(k)
		check(p, "Invalid Workspace Key", types.StringValue(k), controlplane.CheckWorkspaceName)
		spec.Workspaces[k] = deploycheck.Workspace{
			URL:     check(p.AtName("url"), "Invalid Server URL", w.URL, ignoreValue(controlplane.CheckURL)),
			Version: check(p.AtName("version"), "Invalid Version", w.Version, version),
			WorkspaceID: check(p.AtName("workspace_id"), "Invalid Workspace ID", w.WorkspaceID,
				func(s string) error { return controlplane.CheckID("workspace_id", s) }),
			OrganizationID: check(p.AtName("organization_id"), "Invalid Organization ID", w.OrganizationID,
				func(s string) error { return controlplane.CheckID("organization_id", s) }),
		}
	}
	if spec.ControlPlane == nil && len(spec.Workspaces) == 0 {
		addNothingToCheck(diags)
	}
	if v := m.CACertificatePEM; !v.IsNull() && !v.IsUnknown() {
		if _, err := checks.ParseCACertificates(v.ValueString()); err != nil {
			if !addInputError(diags, err) {
				diags.AddAttributeError(path.Root(checks.CACertificateInput), "Invalid PEM Certificate", err.Error())
			}
		}
		spec.CACertificatePEM = v.ValueString()
	}
	return spec
}

// liveDial is the dial hook of the provider's live reads (nil: the system's); tests send declared
// hosts to local servers with it.
func liveDial(data *providerData) deploycheck.DialFunc {
	if data == nil || data.liveDial == nil {
		return nil
	}
	return data.liveDial
}
