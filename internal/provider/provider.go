// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package provider adapts the domain packages to the Terraform plugin framework. It holds wiring,
// schemas and diagnostics only; the rules live in internal/releases, internal/images and internal/checks.
package provider

import (
	"context"
	"net"
	"sync"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// Address is the provider's registry source address.
const Address = "registry.terraform.io/zenmlpro-infra/zenmlpro"

var (
	_ provider.Provider              = (*zenmlproProvider)(nil)
	_ provider.ProviderWithFunctions = (*zenmlproProvider)(nil)

	_ provider.ProviderWithEphemeralResources = (*zenmlproProvider)(nil)
)

type zenmlproProvider struct {
	version string
	// grantOptions are the retry settings of registry access grants; tests shorten the backoff.
	grantOptions registryaccess.Options
	// awsLoadOptions are extra AWS SDK load options; tests pin static credentials with them.
	awsLoadOptions []func(*config.LoadOptions) error
	// registryOptions are the transport and retry settings of the registry client; tests shorten
	// the backoff and route hosts to local registries.
	registryOptions oci.Options
	// controlPlaneBackoff are the retry settings of Control Plane API calls; tests shorten the backoff.
	controlPlaneBackoff retry.Backoff
	// controlPlaneDial, when set, opens the connections of the Control Plane client and of the live
	// reads; tests route the examples' host names to local stand-ins.
	controlPlaneDial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New returns the provider factory for providerserver.Serve and the tests.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &zenmlproProvider{version: version} }
}

// providerData is what Configure hands to every data source and resource.
type providerData struct {
	// catalog is the embedded release catalog with the dates of the provider's `releases` attribute applied.
	catalog *releases.Catalog
	// pools holds one lazily opened connection pool per database server; databaseServers is the
	// provider's database_servers attribute, possibly unknown at plan time.
	pools           *databases.Pools
	databaseServers databaseServers
	// aws and gcp are the provider's cloud attributes: clients built lazily at first use, or why
	// they cannot be used yet (unknown at plan time, or a rule broken by a value known only now).
	aws lazyClients[*ecr.Clients]
	gcp lazyClients[*artifactregistry.Clients]
	// registry reads images from OCI registries with the credentials of the registries attribute (and
	// tokens of the aws and gcp ones); it asks a registry once per reference and provider process.
	registry lazyClients[*oci.Client]
	// grants are the registry access grant services, built from aws and gcp at first use.
	grants *grantServices
	// replacedUsers records, during a plan, the databases planned as replacements that keep their
	// user (key: replacementKey): Terraform plans a replacement's create again without the prior
	// state, and that create must not refuse the user for holding the old database, which the
	// replacement's destroy handles first.
	replacedUsers sync.Map
	// replacedMirrors records the image copies whose replacement writes the same tag (key: the
	// target reference, value: the old copy's digest), from the replacement's plan and from the
	// destroy that leaves the old copy: Terraform plans and applies a replacement's create without
	// the prior state, and that create must not refuse the tag for naming the old copy.
	replacedMirrors sync.Map
	// controlPlane is the provider's control_plane attribute: the Control Plane API client, built at
	// its first use.
	controlPlane *lazyControlPlane
	// replacedKeyFiles records, during a plan, the enrollment key files of workspaces deleted in the
	// Control Plane whose replacement writes the same file (key: the path, value: the old key's
	// SHA-256): the replacement's destroy removes the file, and the create planned without the prior
	// state must not refuse it for being there.
	replacedKeyFiles sync.Map
	// liveDial, when set, opens the connections of the live reads (zenmlpro_deployment_check); tests
	// route the examples' host names to local stand-ins with it.
	liveDial func(ctx context.Context, network, addr string) (net.Conn, error)
}

type providerModel struct {
	Releases        types.Map    `tfsdk:"releases"`
	DatabaseServers types.Map    `tfsdk:"database_servers"`
	AWS             types.Object `tfsdk:"aws"`
	GCP             types.Object `tfsdk:"gcp"`
	Registries      types.Map    `tfsdk:"registries"`
	ControlPlane    types.Object `tfsdk:"control_plane"`
}

func (p *zenmlproProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "zenmlpro"
	resp.Version = p.version
}

func (p *zenmlproProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `zenmlpro` provider prepares a self-hosted ZenML Pro deployment. It checks at plan time the " +
			"version compatibility, image and Helm chart references, endpoints and certificates, and builds the request for access to " +
			"ZenML's private registries; with `resolve_digest` it reads image digests and platforms from registries " +
			"(`registries`); at apply it creates the dedicated databases and their users (`zenmlpro_database`), " +
			"grants workload identities access to your own registries (`zenmlpro_registry_access_grant`) and enrols workspaces with the " +
			"Control Plane (`zenmlpro_workspace_enrollment`, through `control_plane`).",
		Attributes: map[string]schema.Attribute{
			"releases": schema.MapAttribute{
				ElementType: types.MapType{ElemType: types.StringType},
				Optional:    true,
				MarkdownDescription: "Release dates to add to, or correct in, the release catalog embedded in the provider, " +
					"keyed by version line (" + quotedList(releases.LineNames()) + "), then by exact version, with dates as `YYYY-MM-DD`: " +
					"`releases = { control_plane = { \"0.13.19\" = \"2026-07-01\" }, workspace_server = { \"0.99.0\" = \"2026-11-20\" } }`. " +
					"Compatibility is judged by release date, and a version whose date is unknown cannot be judged: supply the date of a " +
					"release newer than this provider here. **A date given here wins over the embedded one.** " +
					"Provider-defined functions cannot read provider configuration, so they use the embedded catalog only; " +
					"use the `zenmlpro_version_compatibility` data source for versions supplied here.",
				Validators: []validator.Map{releasesValidator{}},
			},
			"database_servers": databaseServersAttribute(),
			"aws":              awsAttribute(),
			"gcp":              gcpAttribute(),
			"registries":       registriesAttribute(),
			"control_plane":    controlPlaneAttribute(),
		},
	}
}

func (p *zenmlproProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	catalog := releases.Embedded()
	if cfg.Releases.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("releases"), "Release Dates Not Known Yet",
			"The release dates must be known when the provider is configured, but they are derived from values that are only known after apply. Give them as literal strings, "+
				`e.g. releases = { control_plane = { "0.13.19" = "2026-07-01" } }.`)
		return
	}
	if !cfg.Releases.IsNull() {
		dates, diags := releaseDates(ctx, cfg.Releases)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		var err error
		catalog, err = catalog.WithDates(dates)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("releases"), "Invalid Release Date", err.Error())
			return
		}
	}
	servers, diags := databaseServersFrom(ctx, cfg.DatabaseServers)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	awsClients, diags := awsClientsFrom(ctx, cfg.AWS, p.awsLoadOptions...)
	resp.Diagnostics.Append(diags...)
	gcpClients, diags := gcpClientsFrom(ctx, cfg.GCP)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	registry, diags := registryClientFrom(ctx, cfg.Registries, awsClients, gcpClients, p.registryOptions)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	controlPlane, diags := controlPlaneFrom(ctx, cfg.ControlPlane)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	controlPlane.cfg.Backoff = p.controlPlaneBackoff
	controlPlane.cfg.DialContext = p.controlPlaneDial
	data := &providerData{catalog: catalog, pools: databases.NewPools(), databaseServers: servers, aws: awsClients, gcp: gcpClients,
		registry: registry, grants: newGrantServices(p.grantOptions), controlPlane: controlPlane, liveDial: p.controlPlaneDial}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data
}

func (p *zenmlproProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		// resources are listed one per line
		NewDatabaseResource,
		NewRegistryAccessGrantResource,
		NewImageMirrorResource,
		NewOfflineBundleResource,
		NewWorkspaceEnrollmentResource,
	}
}

func (p *zenmlproProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		// data sources are listed one per line
		NewImageDataSource,
		NewHelmChartDataSource,
		NewEndpointsDataSource,
		NewVersionCompatibilityDataSource,
		NewRegistryAccessRequestDataSource,
		NewOfflineBundleDataSource,
		NewTLSCertificateDataSource,
		NewPrerequisitesDataSource,
		NewDeploymentCheckDataSource,
	}
}

func (p *zenmlproProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		// ephemeral resources are listed one per line
		NewRegistryCredentialsEphemeralResource,
	}
}

func (p *zenmlproProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		// functions are listed one per line
		NewImageURIFunction,
		NewIsCompatibleFunction,
		NewReleaseDateFunction,
	}
}
