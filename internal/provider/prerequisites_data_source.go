// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/prerequisites"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/accessrequest"
)

var (
	_ datasource.DataSource              = (*prerequisitesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*prerequisitesDataSource)(nil)
)

// NewPrerequisitesDataSource returns the zenmlpro_prerequisites data source.
func NewPrerequisitesDataSource() datasource.DataSource {
	return &prerequisitesDataSource{now: time.Now}
}

type prerequisitesDataSource struct {
	data *providerData
	// now is the clock the certificate's validity is judged at; tests fix it.
	now func() time.Time
}

type secretRefModel struct {
	Name types.String `tfsdk:"name"`
	Key  types.String `tfsdk:"key"`
}

type prereqDatabaseModel struct {
	Engine            types.String `tfsdk:"engine"`
	Host              types.String `tfsdk:"host"`
	Port              types.Int64  `tfsdk:"port"`
	Name              types.String `tfsdk:"name"`
	Username          types.String `tfsdk:"username"`
	TLSMode           types.String `tfsdk:"tls_mode"`
	ClientCertificate types.Bool   `tfsdk:"client_certificate"`
}

// prereqWorkspaceDatabaseModel is a workspace's database: the Control Plane's chart takes no password
// secret, the workspace chart does.
type prereqWorkspaceDatabaseModel struct {
	prereqDatabaseModel
	PasswordSecret *secretRefModel `tfsdk:"password_secret"`
}

type prereqSSOModel struct {
	Enabled                   types.Bool   `tfsdk:"enabled"`
	OIDCConfigurationEndpoint types.String `tfsdk:"oidc_configuration_endpoint"`
	ClientID                  types.String `tfsdk:"client_id"`
}

type prereqControlPlaneModel struct {
	Version      types.String         `tfsdk:"version"`
	ChartVersion types.String         `tfsdk:"chart_version"`
	Host         types.String         `tfsdk:"host"`
	APIHost      types.String         `tfsdk:"api_host"`
	Database     *prereqDatabaseModel `tfsdk:"database"`
	SSO          *prereqSSOModel      `tfsdk:"sso"`
}

type prereqWorkspaceModel struct {
	Version             types.String                  `tfsdk:"version"`
	ChartVersion        types.String                  `tfsdk:"chart_version"`
	Host                types.String                  `tfsdk:"host"`
	Database            *prereqWorkspaceDatabaseModel `tfsdk:"database"`
	WorkspaceID         types.String                  `tfsdk:"workspace_id"`
	OrganizationID      types.String                  `tfsdk:"organization_id"`
	OrganizationName    types.String                  `tfsdk:"organization_name"`
	EnrollmentKeySecret *secretRefModel               `tfsdk:"enrollment_key_secret"`
}

type prereqTLSModel struct {
	CertificateChainPEM types.String `tfsdk:"certificate_chain_pem"`
	CACertificatePEM    types.String `tfsdk:"ca_certificate_pem"`
	Management          types.String `tfsdk:"management"`
	SecretName          types.String `tfsdk:"secret_name"`
	MinRemainingDays    types.Int64  `tfsdk:"min_remaining_days"`
	OnExpiring          types.String `tfsdk:"on_expiring"`
}

type prereqRegistryModel struct {
	ImageSource            types.String `tfsdk:"image_source"`
	URL                    types.String `tfsdk:"url"`
	AuthMethod             types.String `tfsdk:"auth_method"`
	Principal              types.String `tfsdk:"principal"`
	Workload               types.String `tfsdk:"workload"`
	KubeletUsesPodIdentity types.Bool   `tfsdk:"kubelet_uses_pod_identity"`
	PullSecretName         types.String `tfsdk:"pull_secret_name"`
	Digests                types.Map    `tfsdk:"digests"`
}

type prerequisitesModel struct {
	Scenario               types.String                    `tfsdk:"scenario"`
	KubernetesVersion      types.String                    `tfsdk:"kubernetes_version"`
	AirGapped              types.Bool                      `tfsdk:"air_gapped"`
	OnNotReady             types.String                    `tfsdk:"on_not_ready"`
	IngressClassName       types.String                    `tfsdk:"ingress_class_name"`
	PrivateDomains         types.Set                       `tfsdk:"private_domains"`
	ControlPlane           *prereqControlPlaneModel        `tfsdk:"control_plane"`
	Workspaces             map[string]prereqWorkspaceModel `tfsdk:"workspaces"`
	TLS                    *prereqTLSModel                 `tfsdk:"tls"`
	Registry               *prereqRegistryModel            `tfsdk:"registry"`
	Checklist              types.List                      `tfsdk:"checklist"`
	Ready                  types.Bool                      `tfsdk:"ready"`
	NetworkFlows           types.List                      `tfsdk:"network_flows"`
	ControlPlaneHelmValues types.String                    `tfsdk:"control_plane_helm_values"`
	WorkspaceHelmValues    types.Map                       `tfsdk:"workspace_helm_values"`
	HelmSensitiveValues    types.List                      `tfsdk:"helm_sensitive_values"`
	Images                 types.List                      `tfsdk:"images"`
	PulledBy               types.String                    `tfsdk:"pulled_by"`
	ReportMarkdown         types.String                    `tfsdk:"report_markdown"`
}

// The object types of the computed lists.
var (
	checklistRowType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"section": types.StringType, "item": types.StringType, "status": types.StringType, "detail": types.StringType}}
	networkFlowType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"from": types.StringType, "to": types.StringType, "port": types.Int64Type, "protocol": types.StringType, "purpose": types.StringType}}
	helmSensitiveType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"chart": types.StringType, "workspace": types.StringType, "key": types.StringType, "purpose": types.StringType}}
	prereqImageType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"component": types.StringType, "workspaces": types.ListType{ElemType: types.StringType}, "version": types.StringType,
		"uri": types.StringType, "digest": types.StringType}}
)

const (
	onExpiringWarn = "warn"
	onExpiringFail = "fail"
)

var (
	kubernetesVersionCheck = checkString("Invalid Kubernetes Version", "value must be a Kubernetes version MAJOR.MINOR, e.g. 1.29",
		func(s string) error { _, _, err := prerequisites.CheckKubernetesVersion(s); return err })
)

func secretRefAttribute(what, example string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional:            true,
		MarkdownDescription: "The Kubernetes secret that holds " + what + ", e.g. `{ name = \"" + example + "\", key = \"password\" }`. Only its name and key are used; the value never passes through Terraform.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Name of the secret.", Validators: []validator.String{kubernetesSecretNameCheck}},
			"key":  schema.StringAttribute{Required: true, MarkdownDescription: "Key in the secret.", Validators: []validator.String{kubernetesSecretKeyCheck}},
		},
	}
}

func prereqDatabaseAttribute(component string) schema.SingleNestedAttribute {
	engines := []string{prerequisites.EngineMySQL, prerequisites.EnginePostgres}
	example := "zenml_pro"
	if component == "workspace" {
		example = "zenml_workspace_1"
	}
	attrs := map[string]schema.Attribute{
		"engine": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(engines...)},
			MarkdownDescription: "`mysql` or `postgres` (`zenmlpro_database.<name>.engine`). Workspace servers support MySQL only: `postgres` fails the checklist."},
		"host": schema.StringAttribute{Optional: true, Validators: []validator.String{databaseHostCheck},
			MarkdownDescription: "The database server's host, e.g. `aws_db_instance.zenml.address`."},
		"port": schema.Int64Attribute{Optional: true, Validators: []validator.Int64{int64validator.Between(1, 65535)},
			MarkdownDescription: "The port; defaults to 3306 for MySQL and 5432 for PostgreSQL."},
		"name": schema.StringAttribute{Optional: true,
			MarkdownDescription: "The dedicated database, e.g. `zenmlpro_database.<name>.name` (`" + example + "`)."},
		"username": schema.StringAttribute{Optional: true,
			MarkdownDescription: "The database's dedicated user, e.g. `zenmlpro_database.<name>.user.name`. The password is never taken here."},
		"tls_mode": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(prerequisites.TLSModes()...)},
			MarkdownDescription: "How ZenML connects: " + quotedList(prerequisites.TLSModes()) + " (the `tls_mode` of the provider's `database_servers` entry). " +
				"`disabled` and `required` are warnings; not set is `missing`."},
		"client_certificate": schema.BoolAttribute{Optional: true,
			MarkdownDescription: "Whether ZenML presents a client certificate (workspace values then reference `tls.crt` and `tls.key` of the password secret)."},
	}
	if component == "workspace" {
		attrs["password_secret"] = withDescriptionSuffix(
			secretRefAttribute("the user's password (and, for TLS, `ca.crt`, `tls.crt`, `tls.key`)", "zenml-workspace-1-db"),
			" Use `zenmlpro_database.<name>.password_secret`; defaults to `<database name with - for _>-db`, key `password`.")
	}
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "The dedicated database (the prerequisites page's database table). Every field may be left out while " +
			"not decided; the checklist then says `missing`. Pass the attributes of a `zenmlpro_database` and of the database server.",
		Attributes: attrs,
	}
}

func withDescriptionSuffix(a schema.SingleNestedAttribute, suffix string) schema.SingleNestedAttribute {
	a.MarkdownDescription += suffix
	return a
}

func (d *prerequisitesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_prerequisites"
}

func (d *prerequisitesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *prerequisitesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	versionAttr := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: desc, Validators: []validator.String{exactReleaseVersionCheck}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The whole set of ZenML Pro prerequisites in one object: the prerequisites page's \"Information to Collect " +
			"Before Deployment\" tables (databases, DNS, TLS, the container registry, SSO) as typed arguments, and as results a checklist " +
			"computed from them, the network flows to open, the Helm values of the `zenml-pro` and `zenml` charts, and a review document.\n\n" +
			"Every part not decided yet may be left out: its rows say `missing` instead of the plan failing on a required argument. " +
			"The checklist applies the rules the provider knows: version compatibility, the workspace database engine, one database per " +
			"component, hostname rules, certificate coverage of every host, its chain and validity, image tag equal to chart version, and " +
			"which identity pulls the images. With `on_not_ready = \"error\"` (the default) a checklist with a `fail` or `missing` row fails " +
			"the plan, listing them; with `\"warn\"` they are warnings and every output is set.\n\n" +
			"It reads nothing but its arguments (and the provider's release catalog), and no secret passes through it: passwords and keys " +
			"are references to Kubernetes secrets, or keys listed in `helm_sensitive_values` to set with `set_sensitive`.\n\n" +
			"The Helm values carry only keys that a source shows the chart version reads (the guide [Helm values by chart version](../guides/helm-values.md) lists " +
			"every key with its versions and source); the checklist has, per chart, a row of the keys verified for its version (`warn` for a " +
			"chart newer than the newest the provider checked, or a key with a weak source) and a row of the settings to make by hand.\n\n" +
			"Like every data source, it is read at plan when its arguments are known then; an argument taken from a resource created in " +
			"the same apply (a mirror's digest, a new database) defers the read, and its checks, to the apply. For a CI gate at plan, " +
			"feed it values known before the apply (variables, data sources, resources that exist already).",
		Attributes: map[string]schema.Attribute{
			"scenario": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(checks.ScenarioNames()...)},
				MarkdownDescription: "`self_hosted` (you run the Control Plane and the workspaces) or `hybrid` (ZenML runs the Control Plane, you run the " +
					"workspaces). In `hybrid`, the Control Plane's host, database and SSO rows are `not_applicable` and only `control_plane.version` is used. " +
					"Not set: a `missing` row, and the other rows are judged as for `self_hosted`."},
			"kubernetes_version": schema.StringAttribute{Optional: true, Validators: []validator.String{kubernetesVersionCheck},
				MarkdownDescription: "The cluster's Kubernetes version, e.g. `\"1.29\"`. ZenML Pro supports 1.24 and newer: an older one is a `fail` row."},
			"air_gapped": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Whether the cluster has no route to the internet. Then the images must come from a private registry, and no flow to ZenML is listed. Defaults to `false`."},
			"on_not_ready": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(onFailureModes...)},
				MarkdownDescription: "What a `fail` or `missing` row does: `error` (default) fails the plan with every such row; `warn` reports them as warnings and sets every output."},
			"ingress_class_name": schema.StringAttribute{Optional: true,
				MarkdownDescription: "The ingress class of the workspace ingresses; defaults to `nginx`, the chart's default."},
			"private_domains": schema.SetAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "DNS zones your organization runs itself, e.g. `[\"" + checks.ExamplePrivateDomain + "\"]`, whose hosts pass the hostname rules (as in `zenmlpro_endpoints`)."},
			"control_plane": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "The Control Plane. In `hybrid`, give only `version` (the version ZenML runs for you): it decides which workspace versions are compatible.",
				Attributes: map[string]schema.Attribute{
					"version":       versionAttr("The Control Plane version, e.g. `\"0.13.0\"`."),
					"chart_version": versionAttr("The `zenml-pro` chart version, when it is given separately; its images are tagged with it, so it must equal `version`."),
					"host":          schema.StringAttribute{Optional: true, MarkdownDescription: "The Web UI host, e.g. `\"zenml.ml.example.com\"`; the chart's ingress host."},
					"api_host": schema.StringAttribute{Optional: true,
						MarkdownDescription: "A separate Control Plane API host. Leave it out for path routing (`https://<host>/api/v1`), which is what the `zenml-pro` chart serves."},
					"database": prereqDatabaseAttribute("control_plane"),
					"sso": schema.SingleNestedAttribute{
						Optional:            true,
						MarkdownDescription: "Single sign-on with an OIDC provider (scopes `openid email profile`). Not set or disabled: local accounts.",
						Attributes: map[string]schema.Attribute{
							"enabled": schema.BoolAttribute{Optional: true, MarkdownDescription: "Whether SSO is enabled."},
							"oidc_configuration_endpoint": schema.StringAttribute{Optional: true,
								MarkdownDescription: "The provider's discovery URL, e.g. `https://login.example.com/.well-known/openid-configuration`."},
							"client_id": schema.StringAttribute{Optional: true,
								MarkdownDescription: "The client ID of the OIDC application. The client secret is set with `set_sensitive` (see `helm_sensitive_values`)."},
						},
					},
				},
			},
			"workspaces": schema.MapNestedAttribute{
				Optional:            true,
				MarkdownDescription: "The workspace servers, by workspace name (the name ZenML shows).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"version":       versionAttr("The workspace server (ZenML) version, e.g. `\"0.93.2\"`."),
					"chart_version": versionAttr("The `zenml` chart version, when given separately; it must equal `version`."),
					"host":          schema.StringAttribute{Optional: true, MarkdownDescription: "The workspace's host, e.g. `\"zenml-workspace-1.ml.example.com\"`."},
					"database":      prereqDatabaseAttribute("workspace"),
					"workspace_id": schema.StringAttribute{Optional: true,
						MarkdownDescription: "The workspace ID its enrollment at the Control Plane returned."},
					"organization_id":       schema.StringAttribute{Optional: true, MarkdownDescription: "The organization ID the enrollment returned."},
					"organization_name":     schema.StringAttribute{Optional: true, MarkdownDescription: "The organization name the enrollment returned."},
					"enrollment_key_secret": secretRefAttribute("the enrollment key", "zenml-workspace-1-enrollment"),
				}},
			},
			"tls": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "The certificate of the ingresses (the prerequisites page's TLS table).",
				Attributes: map[string]schema.Attribute{
					"certificate_chain_pem": schema.StringAttribute{Optional: true, Validators: []validator.String{certificateChainCheck},
						MarkdownDescription: "The certificate chain in PEM, leaf first, e.g. `file(\"" + checks.ExampleCertificateFile + "\")`. Needed for `manual`; " +
							"with `cert_manager` or `cloud` it may be left out (the certificate is issued at deployment)."},
					"ca_certificate_pem": schema.StringAttribute{Optional: true, Validators: []validator.String{caCertificatesCheck},
						MarkdownDescription: "A private CA's certificate(s) in PEM (for a self-signed certificate, the certificate itself). The chain must verify up to it, " +
							"and both charts' values trust it (`certificates.customCAs`). Not set: the system roots."},
					"management": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(prerequisites.Managements()...)},
						MarkdownDescription: "Who manages the certificate: `manual`, `cert_manager` or `cloud` (a cloud load balancer terminates TLS; the ingresses then serve no TLS)."},
					"secret_name": schema.StringAttribute{Optional: true, Validators: []validator.String{kubernetesSecretNameCheck},
						MarkdownDescription: "The Kubernetes TLS secret of the ingresses; defaults to `zenml-tls`."},
					"min_remaining_days": schema.Int64Attribute{Optional: true, Validators: []validator.Int64{minRemainingDaysValidator{}},
						MarkdownDescription: fmt.Sprintf("The least number of days the certificate must stay valid; defaults to %d.", checks.DefaultMinRemainingDays)},
					"on_expiring": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(onExpiringWarn, onExpiringFail)},
						MarkdownDescription: "The status of a certificate valid for fewer than `min_remaining_days`: `fail` (default) or `warn`. An expired certificate always fails."},
				},
			},
			"registry": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Where the images come from and who pulls them (the prerequisites page's container registry table).",
				Attributes: map[string]schema.Attribute{
					"image_source": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(images.SourceNames()...)},
						MarkdownDescription: "`zenml_gcp` (ZenML's Artifact Registry), `zenml_aws` (ZenML's ECR) or `private` (your registry; required when air-gapped)."},
					"url": schema.StringAttribute{Optional: true, Validators: []validator.String{imageRegistryCheck(false)},
						MarkdownDescription: "The private registry and path, e.g. `\"" + images.ExampleRegistry + "\"`; only with `private`."},
					"auth_method": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(prerequisites.AuthMethods()...)},
						MarkdownDescription: "`aws_iam_role`, `gcp_service_account` or `docker_credentials`."},
					"principal": schema.StringAttribute{Optional: true,
						MarkdownDescription: "The IAM role ARN (`aws_iam_role.<name>.arn`) or the service account e-mail (or Workload Identity member) granted pull access."},
					"workload": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(accessrequest.WorkloadNames()...)},
						MarkdownDescription: "Where the containers run, as `zenmlpro_registry_access_request` names it, e.g. `eks_node_role`: it decides which identity pulls the images. " +
							"A pod identity (`eks_irsa`, `gke_workload_identity`) is a warning unless `kubelet_uses_pod_identity` is true: the kubelet pulls with the node's identity."},
					"kubelet_uses_pod_identity": schema.BoolAttribute{Optional: true,
						MarkdownDescription: "Whether the kubelet's image credential provider uses the pods' service account tokens (Kubernetes 1.33+)."},
					"pull_secret_name": schema.StringAttribute{Optional: true, Validators: []validator.String{kubernetesSecretNameCheck},
						MarkdownDescription: "A Kubernetes secret of type `kubernetes.io/dockerconfigjson` the charts pull with (`imagePullSecrets`); required for `docker_credentials`."},
					"digests": schema.MapAttribute{Optional: true, ElementType: types.StringType, Validators: []validator.Map{mapvalidator.ValueStringsAre(imageDigestCheck)},
						MarkdownDescription: "Digests to pin the images to, by `\"<repository>:<tag>\"`, e.g. from `data.zenmlpro_image` with `resolve_digest = true`: " +
							"`{ for i in data.zenmlpro_image.all : \"${i.repository}:${i.tag}\" => i.digest }`. The values then pull exactly these digests."},
				},
			},
			"checklist": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "One row per item of the prerequisites page's tables and per rule: `section`, `item`, `status` (`ok`, `missing`, `fail`, " +
					"`warn` or `not_applicable`) and `detail` (what was found, or what to do).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"section": schema.StringAttribute{Computed: true, MarkdownDescription: "The section: " + strings.Join(prerequisites.Sections(), ", ") + "."},
					"item":    schema.StringAttribute{Computed: true, MarkdownDescription: "What was checked."},
					"status":  schema.StringAttribute{Computed: true, MarkdownDescription: "`ok`, `missing`, `fail`, `warn` or `not_applicable`."},
					"detail":  schema.StringAttribute{Computed: true, MarkdownDescription: "What was found, or what to do."},
				}},
			},
			"ready": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether no row is `fail` or `missing`."},
			"network_flows": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "The connections the deployment needs, from the prerequisites page's connectivity tables, for the scenario and the " +
					"hosts given: ready for security group or firewall rules. `from` is `clients`, `kubernetes_nodes`, `control_plane_api`, " +
					"`control_plane_dashboard` or `workspace_server.<name>`; `to` is a host.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"from":     schema.StringAttribute{Computed: true, MarkdownDescription: "The source."},
					"to":       schema.StringAttribute{Computed: true, MarkdownDescription: "The destination host."},
					"port":     schema.Int64Attribute{Computed: true, MarkdownDescription: "The destination port."},
					"protocol": schema.StringAttribute{Computed: true, MarkdownDescription: "`tcp`."},
					"purpose":  schema.StringAttribute{Computed: true, MarkdownDescription: "Why the flow is needed."},
				}},
			},
			"control_plane_helm_values": schema.StringAttribute{Computed: true,
				MarkdownDescription: "YAML values of the `zenml-pro` chart (`helm_release.values`) for `control_plane.chart_version` (or `version`): " +
					"`zenml.image.api` / `zenml.image.dashboard`, `zenml.serverURL`, `zenml.database.external` (`type`, `host`, `port` when not the " +
					"engine's default, `username`, `database`), `zenml.ingress`, `zenml.auth` (`authCookieDomain` when the hosts share a parent domain, " +
					"`sso` or `password.enabled`) and `imagePullSecrets`. The private CA is a setting to make by hand (the chart documents " +
					"`zenml.certificates` without its shape). Null in `hybrid` or while the version or image source is not decided."},
			"workspace_helm_values": schema.MapAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "YAML values of the `zenml` chart by workspace, for its `chart_version` (or `version`): image, `serverURL`, " +
					"`database` (`url` without password, `passwordSecretRef`, `ssl*` as secret references), `ingress`, `pro` (with " +
					"`enrollmentKeySecretRef` from chart 0.96.3; before, the enrollment key is in `helm_sensitive_values`), `certificates.customCAs` and " +
					"`imagePullSecrets`, under the top-level key the chart version documents: `zenml:` before 0.94.2, `server:` from 0.94.2."},
			"helm_sensitive_values": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "Keys a chart version takes only as plain values (the Control Plane's database password, SSO client secret or " +
					"admin password; a workspace's enrollment key before chart 0.96.3): set them with `helm_release`'s `set_sensitive` from your secret " +
					"store. Their values are never here.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"chart":     schema.StringAttribute{Computed: true, MarkdownDescription: "`zenml-pro` or `zenml`."},
					"workspace": schema.StringAttribute{Computed: true, MarkdownDescription: "The workspace, for the `zenml` chart; empty otherwise."},
					"key":       schema.StringAttribute{Computed: true, MarkdownDescription: "The values key, e.g. `zenml.database.external.password`."},
					"purpose":   schema.StringAttribute{Computed: true, MarkdownDescription: "What to set it to."},
				}},
			},
			"images": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The images the deployment runs, with their digests when `registry.digests` pins them.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"component":  schema.StringAttribute{Computed: true, MarkdownDescription: "`control_plane_api`, `control_plane_dashboard` or `workspace_server`."},
					"workspaces": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "The workspaces that run it (workspace server images)."},
					"version":    schema.StringAttribute{Computed: true, MarkdownDescription: "The version (the tag)."},
					"uri":        schema.StringAttribute{Computed: true, MarkdownDescription: "The reference, with `@digest` when pinned."},
					"digest":     schema.StringAttribute{Computed: true, MarkdownDescription: "The pinned digest, or null."},
				}},
			},
			"pulled_by": schema.StringAttribute{Computed: true, MarkdownDescription: "Which identity pulls the images, when the workload or method says it."},
			"report_markdown": schema.StringAttribute{Computed: true,
				MarkdownDescription: "A review document in Markdown: the verdict, what is left to do, every check and its result, versions and digests, " +
					"who has registry access, the network flows and the keys to set separately. Write it with `local_file` or keep it in state for the reviewer."},
		},
	}
}

func (d *prerequisitesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m prerequisitesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, diags := prerequisitesSpec(ctx, &m)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	res := prerequisites.Evaluate(spec, catalogOf(d.data), d.now())

	mode := onFailureError
	if !m.OnNotReady.IsNull() {
		mode = m.OnNotReady.ValueString()
	}
	var blocking []string
	for _, r := range res.Rows {
		if r.Status == prerequisites.Fail || r.Status == prerequisites.Missing {
			blocking = append(blocking, fmt.Sprintf("- %s: %s / %s: %s", r.Status, r.Section, r.Item, r.Detail))
		}
	}
	if len(blocking) > 0 {
		detail := fmt.Sprintf("%d checklist row(s) are fail or missing:\n%s", len(blocking), strings.Join(blocking, "\n"))
		if mode == onFailureWarn {
			resp.Diagnostics.AddWarning("ZenML Pro Prerequisites Not Ready", detail+"\n\nThis is a warning because on_not_ready = \"warn\".")
		} else {
			resp.Diagnostics.AddError("ZenML Pro Prerequisites Not Ready", detail+"\n\nDecide or fix these, or set on_not_ready = \"warn\" to see every output while some are open.")
			return
		}
	}
	for _, r := range res.Rows {
		if r.Status == prerequisites.Warn {
			resp.Diagnostics.AddWarning("ZenML Pro Prerequisites: "+r.Item, r.Detail)
		}
	}

	m.OnNotReady = types.StringValue(mode)
	m.Ready = types.BoolValue(res.Ready)
	m.ReportMarkdown = types.StringValue(res.Report)
	m.PulledBy = nullIfEmpty(res.PulledBy)

	rows := make([]attr.Value, 0, len(res.Rows))
	for _, r := range res.Rows {
		rows = append(rows, types.ObjectValueMust(checklistRowType.AttrTypes, map[string]attr.Value{
			"section": types.StringValue(r.Section), "item": types.StringValue(r.Item),
			"status": types.StringValue(string(r.Status)), "detail": types.StringValue(r.Detail)}))
	}
	m.Checklist = types.ListValueMust(checklistRowType, rows)

	flows := make([]attr.Value, 0, len(res.Flows))
	for _, f := range res.Flows {
		flows = append(flows, types.ObjectValueMust(networkFlowType.AttrTypes, map[string]attr.Value{
			"from": types.StringValue(f.From), "to": types.StringValue(f.To), "port": types.Int64Value(int64(f.Port)),
			"protocol": types.StringValue(f.Protocol), "purpose": types.StringValue(f.Purpose)}))
	}
	m.NetworkFlows = types.ListValueMust(networkFlowType, flows)

	var sensitive []attr.Value
	m.ControlPlaneHelmValues = types.StringNull()
	if v := res.ControlPlaneValues; v != nil {
		m.ControlPlaneHelmValues = types.StringValue(v.YAML)
		for _, s := range v.Sensitive {
			sensitive = append(sensitive, types.ObjectValueMust(helmSensitiveType.AttrTypes, map[string]attr.Value{
				"chart": types.StringValue(v.Chart), "workspace": types.StringValue(""), "key": types.StringValue(s.Key), "purpose": types.StringValue(s.Purpose)}))
		}
	}
	wsValues := map[string]attr.Value{}
	names := make([]string, 0, len(res.WorkspaceValues))
	for n := range res.WorkspaceValues {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := res.WorkspaceValues[n]
		wsValues[n] = types.StringValue(v.YAML)
		for _, s := range v.Sensitive {
			sensitive = append(sensitive, types.ObjectValueMust(helmSensitiveType.AttrTypes, map[string]attr.Value{
				"chart": types.StringValue(v.Chart), "workspace": types.StringValue(n), "key": types.StringValue(s.Key), "purpose": types.StringValue(s.Purpose)}))
		}
	}
	m.WorkspaceHelmValues = types.MapValueMust(types.StringType, wsValues)
	m.HelmSensitiveValues = types.ListValueMust(helmSensitiveType, sensitive)

	imgs := make([]attr.Value, 0, len(res.Images))
	for _, img := range res.Images {
		ws := make([]attr.Value, 0, len(img.Workspaces))
		for _, w := range img.Workspaces {
			ws = append(ws, types.StringValue(w))
		}
		imgs = append(imgs, types.ObjectValueMust(prereqImageType.AttrTypes, map[string]attr.Value{
			"component": types.StringValue(img.Component), "workspaces": types.ListValueMust(types.StringType, ws),
			"version": types.StringValue(img.Version), "uri": types.StringValue(img.URI), "digest": nullIfEmpty(img.Digest)}))
	}
	m.Images = types.ListValueMust(prereqImageType, imgs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// prerequisitesSpec reads the arguments into the domain's spec: null is "not decided" ("" or nil).
func prerequisitesSpec(ctx context.Context, m *prerequisitesModel) (prerequisites.Spec, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := prerequisites.Spec{
		Scenario:          m.Scenario.ValueString(),
		KubernetesVersion: m.KubernetesVersion.ValueString(),
		AirGapped:         m.AirGapped.ValueBool(),
		IngressClassName:  m.IngressClassName.ValueString(),
	}
	if !m.PrivateDomains.IsNull() {
		diags.Append(m.PrivateDomains.ElementsAs(ctx, &spec.PrivateDomains, false)...)
		sort.Strings(spec.PrivateDomains)
	}
	if cp := m.ControlPlane; cp != nil {
		spec.ControlPlane = &prerequisites.ControlPlane{
			Version: cp.Version.ValueString(), ChartVersion: cp.ChartVersion.ValueString(),
			Host: cp.Host.ValueString(), APIHost: cp.APIHost.ValueString(), Database: prereqDatabase(cp.Database),
		}
		if s := cp.SSO; s != nil {
			spec.ControlPlane.SSO = &prerequisites.SSO{Enabled: s.Enabled.ValueBool(),
				OIDCConfigurationEndpoint: s.OIDCConfigurationEndpoint.ValueString(), ClientID: s.ClientID.ValueString()}
		}
	}
	if m.Workspaces != nil {
		spec.Workspaces = map[string]prerequisites.Workspace{}
		for name, ws := range m.Workspaces {
			spec.Workspaces[name] = prerequisites.Workspace{
				Version: ws.Version.ValueString(), ChartVersion: ws.ChartVersion.ValueString(), Host: ws.Host.ValueString(),
				Database: prereqWorkspaceDatabase(ws.Database), WorkspaceID: ws.WorkspaceID.ValueString(),
				OrganizationID: ws.OrganizationID.ValueString(), OrganizationName: ws.OrganizationName.ValueString(),
				EnrollmentKeySecret: secretRef(ws.EnrollmentKeySecret),
			}
		}
	}
	if t := m.TLS; t != nil {
		spec.TLS = &prerequisites.TLS{CertificateChainPEM: t.CertificateChainPEM.ValueString(), CACertificatePEM: t.CACertificatePEM.ValueString(),
			Management: t.Management.ValueString(), SecretName: t.SecretName.ValueString()}
		if !t.MinRemainingDays.IsNull() {
			days := int(t.MinRemainingDays.ValueInt64())
			spec.TLS.MinRemainingDays = &days
		}
		if t.OnExpiring.ValueString() == onExpiringWarn {
			spec.TLS.ExpiringStatus = prerequisites.Warn
		}
	}
	if r := m.Registry; r != nil {
		spec.Registry = &prerequisites.Registry{ImageSource: r.ImageSource.ValueString(), URL: r.URL.ValueString(),
			AuthMethod: r.AuthMethod.ValueString(), Principal: r.Principal.ValueString(), Workload: r.Workload.ValueString(),
			KubeletUsesPodIdentity: r.KubeletUsesPodIdentity.ValueBool(), PullSecretName: r.PullSecretName.ValueString()}
		if !r.Digests.IsNull() {
			diags.Append(r.Digests.ElementsAs(ctx, &spec.Registry.Digests, false)...)
		}
	}
	return spec, diags
}

func prereqDatabase(db *prereqDatabaseModel) *prerequisites.Database {
	if db == nil {
		return nil
	}
	return &prerequisites.Database{Engine: db.Engine.ValueString(), Host: db.Host.ValueString(), Port: int(db.Port.ValueInt64()),
		Name: db.Name.ValueString(), Username: db.Username.ValueString(), TLSMode: db.TLSMode.ValueString(),
		ClientCertificate: db.ClientCertificate.ValueBool()}
}

func prereqWorkspaceDatabase(db *prereqWorkspaceDatabaseModel) *prerequisites.Database {
	if db == nil {
		return nil
	}
	out := prereqDatabase(&db.prereqDatabaseModel)
	out.PasswordSecret = secretRef(db.PasswordSecret)
	return out
}

func secretRef(s *secretRefModel) *checks.SecretRef {
	if s == nil {
		return nil
	}
	return &checks.SecretRef{Name: s.Name.ValueString(), Key: s.Key.ValueString()}
}
