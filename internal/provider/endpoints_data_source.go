// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
)

var (
	_ datasource.DataSource                   = (*endpointsDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*endpointsDataSource)(nil)
)

// NewEndpointsDataSource returns the zenmlpro_endpoints data source.
func NewEndpointsDataSource() datasource.DataSource { return &endpointsDataSource{} }

type endpointsDataSource struct{}

type endpointsModel struct {
	WebUIHost           types.String `tfsdk:"web_ui_host"`
	ControlPlaneAPIHost types.String `tfsdk:"control_plane_api_host"`
	WorkspaceHosts      types.Map    `tfsdk:"workspace_hosts"`
	Scenario            types.String `tfsdk:"scenario"`
	PrivateDomains      types.Set    `tfsdk:"private_domains"`
	WebUIURL            types.String `tfsdk:"web_ui_url"`
	ControlPlaneAPIURL  types.String `tfsdk:"control_plane_api_url"`
	WorkspaceURLs       types.Map    `tfsdk:"workspace_urls"`
	CommonParentDomain  types.String `tfsdk:"common_parent_domain"`
	CookieDomain        types.String `tfsdk:"cookie_domain"`
	NeedsCORS           types.Bool   `tfsdk:"needs_cors"`
	CertificateNames    types.List   `tfsdk:"certificate_names"`
	WildcardCertificate types.String `tfsdk:"wildcard_certificate"`
}

// endpointsHostRules is the hostname rule set, as stated in every host attribute's description.
var endpointsHostRules = fmt.Sprintf("It must be a fully qualified domain name in lower case: at least two labels of 1 to %d letters, digits and hyphens "+
	"(not starting or ending with a hyphen), at most %d characters, with a top-level domain on the Public Suffix List or in a domain declared in `%s`; "+
	"internationalized names in their ASCII (`xn--`) form, as IDNA2008 gives it: a label that starts with `xn--` is valid punycode "+
	"(e.g. `xn--bcher-kva` for `bücher`), no other label has hyphens in its third and fourth positions (such as `ab--cd`), "+
	"and a name with a right-to-left label follows the IDNA Bidi rule. No scheme (`https://`), port, path or trailing dot; "+
	"not `localhost`, `*.localhost`, a single label, an IP address, a wildcard or a name such as `zenml.cluster` whose top-level domain is not a public one "+
	"(unless it is in a declared private domain), nor a name whose last label is all digits, such as `010.0.0.5` (no top-level domain is, RFC 3696 section 2, "+
	"and browsers read such a name as an IPv4 address). Hosts are unique across all endpoints.", checks.MaxLabelLength, checks.MaxHostLength, checks.PrivateDomainsInput)

// endpointsPrivateDomainsDescription is the description of the private_domains attribute.
var endpointsPrivateDomainsDescription = fmt.Sprintf("Private domains: DNS zones that your organization runs itself, for air-gapped or internal sites whose "+
	"hosts are not under a top-level domain on the Public Suffix List, e.g. `[\"%s\"]` for `%s` (ICANN reserves `.internal` for private use). "+
	"A host equal to or under a declared domain passes the public suffix rule, and the declared domain takes the place of its registrable domain: "+
	"`common_parent_domain`, `cookie_domain` and `wildcard_certificate` never reach above it, and hosts in it share no parent domain with hosts outside it. "+
	"Every other hostname rule still applies to those hosts. Each entry follows the label rules of a hostname (lower case letters, digits and hyphens, "+
	"labels of 1 to %d characters not starting or ending with a hyphen and valid under IDNA2008, at most %d characters; no scheme, port, path, trailing dot, IP address or wildcard); "+
	"has at least two labels, because a single label such as `internal` would admit names like `zenml.internal`, which the ZenML Pro prerequisites warn against; "+
	"is not `localhost` or under `.localhost`; is not a public suffix itself (such as `co.uk` or `github.io`); and is not under another entry. "+
	"Declare only zones you run: names outside the public DNS need certificates from a private CA or self-signed ones. Defaults to no private domains.",
	checks.ExamplePrivateDomain, "zenml.ml."+checks.ExamplePrivateDomain, checks.MaxLabelLength, checks.MaxHostLength)

func (d *endpointsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_endpoints"
}

func (d *endpointsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	scenarios := ""
	for _, s := range checks.Scenarios() {
		scenarios += fmt.Sprintf(" With `%s`, %s.", s, s.Description())
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Plans the hostnames and URLs of a ZenML Pro deployment: the Control Plane's Web UI and API and each " +
			"workspace server, as in the \"DNS / Hostnames\" section of the ZenML Pro prerequisites. It checks every host against " +
			"the fully-qualified-domain-name rules there and derives what TLS certificates and the Control Plane's cookie " +
			"settings need. Literal values are checked by `terraform validate`; values known only after apply are checked when they are known.",
		Attributes: map[string]schema.Attribute{
			"web_ui_host": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Host of the Control Plane's Web UI (dashboard), e.g. `%s`. %s "+
					"Required when `scenario` is `%s`; must not be set when it is `%s`.",
					checks.RoleWebUI.ExampleHost(), endpointsHostRules, checks.SelfHosted, checks.Hybrid),
				Validators: []validator.String{endpointsHostValidator{}},
			},
			"control_plane_api_host": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Host of the Control Plane API, e.g. `%s`. %s "+
					"Omit it to serve the API on the Web UI host with path routing, at `https://<web_ui_host>/api/v1`. "+
					"Must not be set when `scenario` is `%s`.",
					checks.RoleControlPlaneAPI.ExampleHost(), endpointsHostRules, checks.Hybrid),
				Validators: []validator.String{endpointsHostValidator{}},
			},
			"workspace_hosts": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: fmt.Sprintf("Map of workspace name to the host of its workspace server, e.g. "+
					"`{ \"workspace-1\" = \"%s\" }`. Workspace names must not be empty. %s "+
					"At least one workspace is required when `scenario` is `%s`. Defaults to no workspaces.",
					checks.RoleWorkspace.ExampleHost(), endpointsHostRules, checks.Hybrid),
				Validators: []validator.Map{endpointsWorkspaceHostsValidator{}},
			},
			"scenario": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: fmt.Sprintf("Who runs the Control Plane: %s.%s Defaults to `%s`.",
					quotedList(checks.ScenarioNames()), scenarios, checks.SelfHosted),
				Validators: []validator.String{stringvalidator.OneOf(checks.ScenarioNames()...)},
			},
			checks.PrivateDomainsInput: schema.SetAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: endpointsPrivateDomainsDescription,
				Validators:          []validator.Set{endpointsPrivateDomainsValidator{}},
			},
			"web_ui_url": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "URL of the Web UI, `https://<web_ui_host>` (the Control Plane's dashboard URL). Null when `scenario` is `hybrid`.",
			},
			"control_plane_api_url": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "URL of the Control Plane API: `https://<control_plane_api_host>`, or `https://<web_ui_host>/api/v1` " +
					"with path routing when `control_plane_api_host` is not set. Null when `scenario` is `hybrid`.",
			},
			"workspace_urls": schema.MapAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Map of workspace name to the URL of its workspace server, `https://<host>`. Empty when there are no workspaces.",
			},
			"common_parent_domain": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The longest domain that every host is, or is a subdomain of, and that is at or below the registrable " +
					"domain (a public suffix such as `com` or `co.uk` never counts; for hosts in a domain declared in `private_domains`, that domain); " +
					"for a single host, its parent domain. Null when the hosts share no such domain (separate domains).",
			},
			"cookie_domain": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The domain the authentication cookies can be scoped to: the common parent domain of the hosts. " +
					"When `scenario` is `self_hosted`, it is the Control Plane's Helm value `zenml.auth.authCookieDomain`, so that the dashboard " +
					"and the workspace servers share the cookies. When `scenario` is `hybrid`, it is still the domain the workspace hosts share; " +
					"the Control Plane, which ZenML runs on its own domain, cannot share a cookie domain with them. Null when there is none.",
			},
			"needs_cors": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "True when CORS and cookie settings must be configured explicitly: always when `scenario` is `hybrid`, " +
					"because ZenML serves the Control Plane and its Web UI from ZenML's own domain, so the browser's requests to the workspace " +
					"servers are always cross-site, whatever the workspace hosts; otherwise when there are several hosts and they share no parent domain.",
			},
			"certificate_names": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Every host a TLS certificate must cover, unique and sorted.",
			},
			"wildcard_certificate": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The one wildcard name, `*.<common_parent_domain>`, that covers every host: set when every host is " +
					"exactly one label below the common parent domain (a wildcard covers one label only), null otherwise.",
			},
		},
	}
}

func (d *endpointsDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m endpointsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	layout, err := endpointLayoutOf(m)
	if err != nil {
		// The scenario's attribute validator reports the value; the scenario rules wait for a valid one.
		layout.ScenarioPending = true
	}
	// Each host and workspace name on its own is checked by the attribute validators.
	addEndpointProblems(&resp.Diagnostics, layout.LayoutProblems())
}

func (d *endpointsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m endpointsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	layout, err := endpointLayoutOf(m)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("scenario"), "Invalid Scenario", fmt.Sprintf("Attribute scenario: %s.", err))
		return
	}
	ep, err := layout.Plan()
	if err != nil {
		var problems checks.EndpointErrors
		if errors.As(err, &problems) {
			addEndpointProblems(&resp.Diagnostics, problems)
		} else {
			resp.Diagnostics.AddError("Endpoints Not Known Yet", err.Error())
		}
		return
	}

	m.Scenario = types.StringValue(string(layout.Scenario))
	m.WebUIURL = nullIfEmpty(ep.WebUIURL)
	m.ControlPlaneAPIURL = nullIfEmpty(ep.ControlPlaneAPIURL)
	m.CommonParentDomain = nullIfEmpty(ep.CommonParentDomain)
	m.CookieDomain = nullIfEmpty(ep.CookieDomain)
	m.WildcardCertificate = nullIfEmpty(ep.WildcardCertificate)
	m.NeedsCORS = types.BoolValue(ep.NeedsCORS)
	var diags diag.Diagnostics
	m.WorkspaceURLs, diags = types.MapValueFrom(ctx, types.StringType, ep.WorkspaceURLs)
	resp.Diagnostics.Append(diags...)
	m.CertificateNames, diags = types.ListValueFrom(ctx, types.StringType, ep.CertificateNames)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// endpointLayoutOf turns the configuration into the domain's layout, marking values not known yet as
// pending. A null scenario is the default, self_hosted. The error is an invalid scenario.
func endpointLayoutOf(m endpointsModel) (checks.EndpointLayout, error) {
	layout := checks.EndpointLayout{
		Scenario:            checks.SelfHosted,
		WebUIHost:           endpointsHostValue(m.WebUIHost),
		ControlPlaneAPIHost: endpointsHostValue(m.ControlPlaneAPIHost),
	}
	layout.WorkspaceHosts, layout.WorkspacesPending = endpointsWorkspaceHosts(m.WorkspaceHosts)
	layout.PrivateDomains, layout.PrivateDomainsPending = endpointsPrivateDomains(m.PrivateDomains)
	var err error
	switch {
	case m.Scenario.IsUnknown():
		layout.ScenarioPending = true
	case !m.Scenario.IsNull():
		layout.Scenario, err = checks.ParseScenario(m.Scenario.ValueString())
	}
	return layout, err
}

func endpointsHostValue(v types.String) checks.HostValue {
	switch {
	case v.IsUnknown():
		return checks.PendingHost()
	case v.IsNull():
		return checks.HostValue{}
	}
	return checks.GivenHost(v.ValueString())
}

// endpointsWorkspaceHosts returns the workspace hosts, and whether the map itself is not known yet.
func endpointsWorkspaceHosts(m types.Map) (map[string]checks.HostValue, bool) {
	if m.IsUnknown() {
		return nil, true
	}
	out := map[string]checks.HostValue{}
	for name, v := range m.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsUnknown() {
			out[name] = checks.PendingHost()
			continue
		}
		out[name] = endpointsHostValue(s)
	}
	return out, false
}

// endpointsPrivateDomains returns the known declared private domains, and whether some are not known
// yet. A null entry is the empty name, which the rules refuse.
func endpointsPrivateDomains(s types.Set) ([]string, bool) {
	if s.IsUnknown() {
		return nil, true
	}
	var names []string
	pending := false
	for _, v := range s.Elements() {
		str, ok := v.(types.String)
		if !ok || str.IsUnknown() {
			pending = true
			continue
		}
		names = append(names, str.ValueString())
	}
	return names, pending
}

// endpointsDeclaredDomains is a layout holding only the private domains declared in the
// configuration, for checking hosts at validate time.
func endpointsDeclaredDomains(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) checks.EndpointLayout {
	var set types.Set
	diags.Append(config.GetAttribute(ctx, path.Root(checks.PrivateDomainsInput), &set)...)
	var layout checks.EndpointLayout
	layout.PrivateDomains, layout.PrivateDomainsPending = endpointsPrivateDomains(set)
	return layout
}

// endpointsPath is the attribute path of a field of the layout.
func endpointsPath(f checks.Field) path.Path {
	p := path.Root(string(f.Role))
	if f.Entry {
		p = p.AtMapKey(f.Workspace)
	}
	return p
}

var endpointsSummaries = map[checks.EndpointRule]string{
	checks.EndpointRuleHost:             "Invalid Hostname",
	checks.EndpointRuleWorkspaceName:    "Invalid Workspace Name",
	checks.EndpointRuleWebUIRequired:    "Missing Web UI Host",
	checks.EndpointRuleHybridNoCP:       "Control Plane Host In Hybrid Scenario",
	checks.EndpointRuleHybridWorkspaces: "Missing Workspace Hosts",
	checks.EndpointRuleUniqueHosts:      "Duplicate Hostname",
	checks.EndpointRulePathRouting:      "Duplicate Hostname",
	checks.EndpointRulePrivateDomain:    "Invalid Private Domain",
}

// addEndpointProblems reports each broken rule on its attribute.
func addEndpointProblems(diags *diag.Diagnostics, problems checks.EndpointErrors) {
	for _, p := range problems {
		addEndpointProblem(diags, endpointsPath(p.Field), p.Rule, p.Err)
	}
}

// addEndpointProblem reports one broken rule. Hostname, workspace name and private domain messages are
// about a value, so they are prefixed with the attribute; the others name their attributes already.
func addEndpointProblem(diags *diag.Diagnostics, at path.Path, rule checks.EndpointRule, err error) {
	detail := err.Error()
	if rule == checks.EndpointRuleHost || rule == checks.EndpointRuleWorkspaceName || rule == checks.EndpointRulePrivateDomain {
		detail = fmt.Sprintf("Attribute %s: %s", at, detail)
	}
	diags.AddAttributeError(at, endpointsSummaries[rule], detail)
}

// endpointsHostValidator applies the hostname rules to a literal host, with the private domains
// declared in the configuration.
type endpointsHostValidator struct{}

func (v endpointsHostValidator) Description(context.Context) string {
	return "must be a fully qualified domain name in lower case, without scheme, port, path or trailing dot, e.g. " + checks.ExampleHost
}

func (v endpointsHostValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v endpointsHostValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	layout := endpointsDeclaredDomains(ctx, req.Config, &resp.Diagnostics)
	layout.WebUIHost = checks.GivenHost(req.ConfigValue.ValueString())
	for _, p := range layout.HostProblems() {
		addEndpointProblem(&resp.Diagnostics, req.Path, p.Rule, p.Err)
	}
}

// endpointsWorkspaceHostsValidator applies the rules of each workspace entry (name and host) to the
// entries known at validate time.
type endpointsWorkspaceHostsValidator struct{}

func (v endpointsWorkspaceHostsValidator) Description(context.Context) string {
	return "keys are non-empty workspace names and values are fully qualified domain names, e.g. " + checks.RoleWorkspace.ExampleHost()
}

func (v endpointsWorkspaceHostsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v endpointsWorkspaceHostsValidator) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	hosts, pending := endpointsWorkspaceHosts(req.ConfigValue)
	if req.ConfigValue.IsNull() || pending {
		return
	}
	layout := endpointsDeclaredDomains(ctx, req.Config, &resp.Diagnostics)
	layout.WorkspaceHosts = hosts
	addEndpointProblems(&resp.Diagnostics, layout.HostProblems())
}

// endpointsPrivateDomainsValidator applies the private domain rules to the literal entries.
type endpointsPrivateDomainsValidator struct{}

func (v endpointsPrivateDomainsValidator) Description(context.Context) string {
	return "each entry is a domain of at least two labels, in lower case, not localhost, not a public suffix and not under another entry, e.g. " +
		checks.ExamplePrivateDomain
}

func (v endpointsPrivateDomainsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v endpointsPrivateDomainsValidator) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	names, _ := endpointsPrivateDomains(req.ConfigValue)
	addEndpointProblems(&resp.Diagnostics, checks.EndpointLayout{PrivateDomains: names}.PrivateDomainProblems())
}
