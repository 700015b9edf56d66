// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/accessrequest"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

var (
	_ datasource.DataSource                   = (*registryAccessRequestDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*registryAccessRequestDataSource)(nil)
)

// NewRegistryAccessRequestDataSource returns the zenmlpro_registry_access_request data source.
func NewRegistryAccessRequestDataSource() datasource.DataSource {
	return &registryAccessRequestDataSource{}
}

type registryAccessRequestDataSource struct{}

type registryAccessRequestModel struct {
	Workload     types.String `tfsdk:"workload"`
	Principal    types.Object `tfsdk:"principal"`
	Components   types.Set    `tfsdk:"components"`
	Source       types.String `tfsdk:"source"`
	KubeletPod   types.Bool   `tfsdk:"kubelet_uses_pod_identity"`
	PulledBy     types.String `tfsdk:"pulled_by"`
	Repositories types.List   `tfsdk:"repositories"`
	Grantee      types.String `tfsdk:"grantee"`
	Method       types.String `tfsdk:"method"`
	RequestJSON  types.String `tfsdk:"request_json"`
	RequestText  types.String `tfsdk:"request_text"`
}

type registryAccessPrincipalModel struct {
	AWSIAMRoleARN       types.String `tfsdk:"aws_iam_role_arn"`
	GCPServiceAccount   types.String `tfsdk:"gcp_service_account"`
	GKEWorkloadIdentity types.Object `tfsdk:"gke_workload_identity"`
}

type registryAccessWorkloadIdentityModel struct {
	Project        types.String `tfsdk:"project"`
	Namespace      types.String `tfsdk:"namespace"`
	ServiceAccount types.String `tfsdk:"service_account"`
}

var registryAccessRepositoryAttrTypes = map[string]attr.Type{
	"component":     types.StringType,
	"image_name":    types.StringType,
	"repository":    types.StringType,
	"registry_host": types.StringType,
	"region":        types.StringType,
	"arn":           types.StringType,
	"location":      types.StringType,
	"project":       types.StringType,
	"repository_id": types.StringType,
}

func (d *registryAccessRequestDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_registry_access_request"
}

func (d *registryAccessRequestDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	workloads := make([]string, 0, len(accessrequest.Workloads()))
	for _, w := range accessrequest.Workloads() {
		workloads = append(workloads, fmt.Sprintf("`%s` (%s: %s)", w, w.Title(), w.PrincipalHint()))
	}
	components := make([]string, 0, len(accessrequest.Components()))
	for _, c := range accessrequest.Components() {
		names := make([]string, 0, 2)
		for _, img := range c.Images() {
			names = append(names, "`"+img.ImageName()+"`")
		}
		components = append(components, fmt.Sprintf("`%s` (%s, images %s)", c, c.Title(), strings.Join(names, " and ")))
	}
	optionalString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The request for pull access to ZenML's private container registries, to send ZenML support: which " +
			"ZenML repositories must grant access (with their regions), to which principal (an AWS IAM role, a GCP service account or " +
			"a GKE Workload Identity member), and how it will be used. It builds the request only and contacts nothing.\n\n" +
			"ZenML grants access on request (see \"Authenticating to ZenML Pro Container Registries\" in the ZenML Pro self-hosting " +
			"documentation): AWS workloads get pull on ZenML's ECR repositories, GCP workloads read on ZenML's Artifact Registry " +
			"repository, and other environments a JSON key for Docker.",
		Attributes: map[string]schema.Attribute{
			"workload": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Where the ZenML Pro containers run, which decides the principal to give: " + strings.Join(workloads, "; ") + ".",
				Validators:          []validator.String{stringvalidator.OneOf(accessrequest.WorkloadNames()...)},
			},
			"principal": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("The identity that pulls the images, with exactly one of `aws_iam_role_arn`, "+
					"`gcp_service_account` or `gke_workload_identity`. Required for every workload except `%s`, which takes none. "+
					"AWS workloads take `aws_iam_role_arn`; `%s` and `%s` take `gcp_service_account`; `%s` takes `gke_workload_identity` "+
					"or the `gcp_service_account` the Kubernetes service account impersonates.",
					accessrequest.DockerCredentials, accessrequest.CloudRun, accessrequest.ComputeEngine, accessrequest.GKEWorkloadIdentity),
				Attributes: map[string]schema.Attribute{
					"aws_iam_role_arn": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: awsRoleARNDescription("ZenML's ECR is in `aws`, so a role in another partition cannot be granted on it (use `docker_credentials` there)."),
						Validators:          []validator.String{awsRoleARNCheck},
					},
					"gcp_service_account": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: gcpServiceAccountDescription(),
						Validators:          []validator.String{gcpServiceAccountCheck},
					},
					"gke_workload_identity": schema.SingleNestedAttribute{
						Optional:            true,
						MarkdownDescription: workloadIdentityDescription(),
						Attributes: map[string]schema.Attribute{
							"project": schema.StringAttribute{
								Required:            true,
								MarkdownDescription: workloadIdentityProjectDescription(),
								Validators:          []validator.String{gcpProjectCheck},
							},
							"namespace": schema.StringAttribute{
								Required:            true,
								MarkdownDescription: workloadIdentityNamespaceDescription(),
								Validators:          []validator.String{kubernetesNamespaceCheck},
							},
							"service_account": schema.StringAttribute{
								Required:            true,
								MarkdownDescription: workloadIdentityKSADescription(),
								Validators:          []validator.String{kubernetesServiceAccountCheck},
							},
						},
					},
				},
			},
			"components": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				MarkdownDescription: "The components whose images need access: " + strings.Join(components, ", ") + ". At least one. " +
					"Defaults to both. `control_plane` only matters in the fully self-hosted scenario (in the hybrid scenario ZenML runs the Control Plane).",
			},
			"source": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: fmt.Sprintf("The ZenML registry: `%s` (%s) or `%s` (%s). Defaults to the one the workload can be "+
					"granted on: `%s` for AWS workloads, `%s` for GCP workloads and `%s`. A value that contradicts the workload is an error.",
					images.SourceZenMLAWS, images.SourceZenMLAWS.Title(), images.SourceZenMLGCP, images.SourceZenMLGCP.Title(),
					images.SourceZenMLAWS, images.SourceZenMLGCP, accessrequest.DockerCredentials),
				Validators: []validator.String{stringvalidator.OneOf(string(images.SourceZenMLAWS), string(images.SourceZenMLGCP))},
			},
			"repositories": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "The ZenML repositories that must grant access, one per image, in a fixed order (Control Plane " +
					"API, Web UI, Workspace Server). The Control Plane images and the Workspace Server image are in different ECR regions.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"component":     optionalString("The image's component, e.g. `workspace_server` (as in `zenmlpro_image`)."),
					"image_name":    optionalString("The image name, e.g. `zenml-pro-server`."),
					"repository":    optionalString("The full repository without tag, e.g. `715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server`."),
					"registry_host": optionalString("The registry host, e.g. `europe-west3-docker.pkg.dev`."),
					"region":        optionalString("ECR only: the AWS region of the repository, e.g. `eu-west-1`. Null for Artifact Registry."),
					"arn":           optionalString("ECR only: the repository ARN, e.g. `arn:aws:ecr:eu-west-1:715803424590:repository/zenml-pro-api`. Null for Artifact Registry."),
					"location":      optionalString("Artifact Registry only: the location, `europe-west3`. Null for ECR."),
					"project":       optionalString("Artifact Registry only: the project, `zenml-cloud`. Null for ECR."),
					"repository_id": optionalString("Artifact Registry only: the repository id, `zenml-pro`. Null for ECR."),
				}},
			},
			"grantee": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The normalised principal ZenML grants access to: the role ARN, the service account e-mail or the " +
					"Workload Identity member (`serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]`). Null for `docker_credentials`.",
			},
			"method": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: fmt.Sprintf("How access is granted: `%s`, `%s`, `%s` or `%s`.", accessrequest.MethodAWSIAMRole,
					accessrequest.MethodGCPServiceAccount, accessrequest.MethodGKEWorkloadIdentity, accessrequest.MethodDockerCredentials),
			},
			"request_json": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The request as a JSON document with sorted keys, stable across runs, for a ticket system.",
			},
			"kubelet_uses_pod_identity": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Set to `true` when the kubelet's image credential provider pulls with the pods' service account "+
					"token (Kubernetes 1.33+: on EKS the ecr-credential-provider reading the `eks.amazonaws.com/ecr-role-arn` annotation; on GKE "+
					"the credential provider for Workload Identity). Only then does a pod identity (`%s`, `%s`) pull the images: otherwise the "+
					"kubelet pulls with the node's identity, and the request for a pod identity alone is answered with a warning naming the "+
					"workload to ask for instead (`%s`, `%s`, or `%s` on Fargate). Defaults to `false`.",
					accessrequest.EKSIRSA, accessrequest.GKEWorkloadIdentity, accessrequest.EKSNodeRole, accessrequest.GKENode, accessrequest.EKSFargate),
			},
			"pulled_by": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Which identity pulls the images for this workload, e.g. for `eks_node_role` \"the kubelet, with the node " +
					"group's IAM role\": what a reviewer checks the grant against.",
			},
			"request_text": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The message to send ZenML support: who (the principal, its kind, the workload, the AWS account id), " +
					"what (pull access on which repositories and regions, which components) and how the access will be used.",
			},
		},
	}
}

// ValidateConfig checks, for literal values, that workload, principal, components and source agree.
func (d *registryAccessRequestDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m registryAccessRequestModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.Components.IsNull() && !m.Components.IsUnknown() {
		names, ok := setStrings(m.Components)
		if ok {
			if err := accessrequest.CheckComponents(names); err != nil {
				addRegistryAccessError(&resp.Diagnostics, err)
			}
		}
	}
	spec, known := registryAccessSpec(ctx, m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !known {
		// Workload and source are often literals while the principal comes from another resource:
		// check what they say of each other now rather than at apply.
		if !m.Workload.IsUnknown() && !m.Source.IsUnknown() && !m.Source.IsNull() && images.Source(m.Source.ValueString()).ZenML() {
			if err := accessrequest.CheckSource(m.Workload.ValueString(), m.Source.ValueString()); err != nil {
				if ie, ok := inputerr.As(err); ok && ie.Input == accessrequest.InputSource {
					addRegistryAccessError(&resp.Diagnostics, err)
				}
			}
		}
		return
	}
	spec.Components = nil // checked above
	if _, err := accessrequest.BuildRequest(spec); err != nil {
		var pe *principal.Error
		if errors.As(err, &pe) {
			return // the attribute validator reported it
		}
		if ie, ok := inputerr.As(err); ok && (ie.Input == accessrequest.InputWorkload || ie.Input == accessrequest.InputSource && spec.Source != "" && !images.Source(spec.Source).ZenML()) {
			return // the OneOf validators reported it
		}
		addRegistryAccessError(&resp.Diagnostics, err)
	}
}

func (d *registryAccessRequestDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m registryAccessRequestModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The validators checked literal values; values that were unknown then are checked here.
	spec, known := registryAccessSpec(ctx, m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !known {
		resp.Diagnostics.AddError("Unknown Configuration Value", "A value of zenmlpro_registry_access_request is still unknown at read time. "+
			"This is a defect in the provider; please report it.")
		return
	}
	r, err := accessrequest.BuildRequest(spec)
	if err != nil {
		addRegistryAccessError(&resp.Diagnostics, err)
		return
	}
	comps := make([]attr.Value, 0, len(r.Components))
	for _, c := range r.Components {
		comps = append(comps, types.StringValue(string(c)))
	}
	m.Components = types.SetValueMust(types.StringType, comps)
	m.Source = types.StringValue(string(r.Source))
	repoType := types.ObjectType{AttrTypes: registryAccessRepositoryAttrTypes}
	repos := make([]attr.Value, 0, len(r.Repositories))
	for _, repo := range r.Repositories {
		obj, diags := types.ObjectValue(registryAccessRepositoryAttrTypes, map[string]attr.Value{
			"component":     types.StringValue(repo.Component),
			"image_name":    types.StringValue(repo.ImageName),
			"repository":    types.StringValue(repo.Repository),
			"registry_host": types.StringValue(repo.RegistryHost),
			"region":        nullIfEmpty(repo.Region),
			"arn":           nullIfEmpty(repo.ARN),
			"location":      nullIfEmpty(repo.Location),
			"project":       nullIfEmpty(repo.Project),
			"repository_id": nullIfEmpty(repo.RepositoryID),
		})
		resp.Diagnostics.Append(diags...)
		repos = append(repos, obj)
	}
	list, diags := types.ListValue(repoType, repos)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Repositories = list
	m.Grantee = nullIfEmpty(r.Principal)
	m.PulledBy = types.StringValue(r.PulledBy)
	if r.Workload.PodIdentity() && !r.KubeletUsesPodIdentity {
		resp.Diagnostics.AddAttributeWarning(path.Root("workload"), "Pod Identity Does Not Pull Images", fmt.Sprintf("Workload %q grants "+
			"the pods' identity (%s), but on Kubernetes the kubelet pulls images with the node's identity unless its image credential "+
			"provider is configured to use the pods' service account token (Kubernetes 1.33+). Ask ZenML for the node's identity instead "+
			"(workload = %q with its %s, or %q on Fargate), or, once the kubelet's credential provider is configured, set "+
			"kubelet_uses_pod_identity = true.", r.Workload, r.Principal, r.Workload.NodeWorkload(), strings.ReplaceAll(r.Workload.NodeWorkload().PrincipalHint(), "`", ""),
			accessrequest.EKSFargate))
	}
	m.Method = types.StringValue(string(r.Method))
	m.RequestJSON = types.StringValue(r.JSON)
	m.RequestText = types.StringValue(r.Text)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// setStrings returns the elements of a known set of strings; false when an element is unknown.
func setStrings(s types.Set) ([]string, bool) {
	out := make([]string, 0, len(s.Elements()))
	for _, e := range s.Elements() {
		v, ok := e.(basetypes.StringValue)
		if !ok || v.IsUnknown() {
			return nil, false
		}
		out = append(out, v.ValueString())
	}
	return out, true
}

// registryAccessSpec converts the configuration into a request spec; false when a value it needs is unknown.
func registryAccessSpec(ctx context.Context, m registryAccessRequestModel, diags *diag.Diagnostics) (accessrequest.RequestSpec, bool) {
	var spec accessrequest.RequestSpec
	if m.Workload.IsUnknown() || m.Source.IsUnknown() || m.Principal.IsUnknown() || m.Components.IsUnknown() {
		return spec, false
	}
	spec.Workload = m.Workload.ValueString()
	spec.Source = m.Source.ValueString()
	spec.KubeletUsesPodIdentity = m.KubeletPod.ValueBool()
	if !m.Components.IsNull() {
		names, ok := setStrings(m.Components)
		if !ok {
			return spec, false
		}
		spec.Components = names
	}
	if m.Principal.IsNull() {
		return spec, true
	}
	spec.PrincipalSet = true
	in, known := readPrincipalInput(ctx, m.Principal, diags)
	if !known || diags.HasError() {
		return spec, false
	}
	spec.AWSIAMRoleARN, spec.GCPServiceAccount, spec.GKEWorkloadIdentity = in.AWSIAMRoleARN, in.GCPServiceAccount, in.GKEWorkloadIdentity
	return spec, true
}

// registryAccessErrorSummary names the kind of an error of the principal package, for a diagnostic summary.
func registryAccessErrorSummary(err error) string {
	if ie, ok := inputerr.As(err); ok {
		return ie.Summary
	}
	var pe *principal.Error
	if errors.As(err, &pe) {
		return principal.Summary(err)
	}
	return "Invalid Registry Access Request"
}

// addRegistryAccessError adds an error of the principal package as an error on the attribute it names.
func addRegistryAccessError(diags *diag.Diagnostics, err error) {
	if !addInputError(diags, err) {
		diags.AddError(registryAccessErrorSummary(err), err.Error()+".")
	}
}
