// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

var (
	_ resource.Resource                   = (*registryAccessGrantResource)(nil)
	_ resource.ResourceWithConfigure      = (*registryAccessGrantResource)(nil)
	_ resource.ResourceWithValidateConfig = (*registryAccessGrantResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*registryAccessGrantResource)(nil)
	_ resource.ResourceWithImportState    = (*registryAccessGrantResource)(nil)
)

// defaultGrantTimeout is the create and delete timeout of a grant when timeouts does not set one.
const defaultGrantTimeout = retry.DefaultTimeout

// NewRegistryAccessGrantResource returns the zenmlpro_registry_access_grant resource.
func NewRegistryAccessGrantResource() resource.Resource { return &registryAccessGrantResource{} }

type registryAccessGrantResource struct {
	data *providerData
}

type registryAccessGrantModel struct {
	ID               types.String   `tfsdk:"id"`
	ECR              types.Object   `tfsdk:"ecr"`
	ArtifactRegistry types.Object   `tfsdk:"artifact_registry"`
	Principal        types.Object   `tfsdk:"principal"`
	Access           types.String   `tfsdk:"access"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
	StatementID      types.String   `tfsdk:"statement_id"`
	Actions          types.List     `tfsdk:"actions"`
	Member           types.String   `tfsdk:"member"`
	Role             types.String   `tfsdk:"role"`
	Preexisting      types.Bool     `tfsdk:"preexisting"`
	Drift            types.String   `tfsdk:"drift"`
}

type grantECRModel struct {
	Repository types.String `tfsdk:"repository"`
	Region     types.String `tfsdk:"region"`
	RegistryID types.String `tfsdk:"registry_id"`
}

type grantARModel struct {
	Project    types.String `tfsdk:"project"`
	Location   types.String `tfsdk:"location"`
	Repository types.String `tfsdk:"repository"`
}

var (
	grantECRAttrTypes       = map[string]attr.Type{"repository": types.StringType, "region": types.StringType, "registry_id": types.StringType}
	grantARAttrTypes        = map[string]attr.Type{"project": types.StringType, "location": types.StringType, "repository": types.StringType}
	grantWIAttrTypes        = map[string]attr.Type{"project": types.StringType, "namespace": types.StringType, "service_account": types.StringType}
	grantPrincipalAttrTypes = map[string]attr.Type{
		"aws_iam_role_arn": types.StringType, "gcp_service_account": types.StringType,
		"gke_workload_identity": types.ObjectType{AttrTypes: grantWIAttrTypes},
	}
)

func (r *registryAccessGrantResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_registry_access_grant"
}

// requiresReplaceIfPresenceChanges replaces the resource when a registry object is added or removed
// (switching between ECR and Artifact Registry); changes inside it are handled by its attributes.
func requiresReplaceIfPresenceChanges() planmodifier.Object {
	return objectplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.ObjectRequest, resp *objectplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = req.StateValue.IsNull() != req.PlanValue.IsNull()
	}, "Adding or removing the registry object replaces the grant.", "Adding or removing the registry object replaces the grant.")
}

func (r *registryAccessGrantResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Access for one principal to one of your container registry repositories: one statement of an ECR repository " +
			"policy, or one member of an Artifact Registry repository's IAM role binding. Use it for the mirrors of ZenML's images and for " +
			"your pipeline images, granted to the same identities that ZenML grants access to its own registries (see " +
			"`zenmlpro_registry_access_request`).\n\n" +
			"The grant is non-authoritative: it owns its statement (a fixed `Sid` derived from principal and access) or its member, and " +
			"never changes anything else in the policy: every other statement is written back byte for byte. A create adopts a statement " +
			"already under its `Sid` only when it is exactly the grant's statement; anything else there (a Deny, a condition, another " +
			"principal) fails the create before anything is written, naming the `Sid` and what differs. A statement changed outside " +
			"Terraform later shows in `drift`, and the plan warns before an apply writes the grant's statement over it. Every write reads the policy, changes only its own part, writes it (Artifact " +
			"Registry: with the policy's etag) and reads it back; writes to one repository are serialised within the provider, and " +
			"concurrent writers, IAM propagation of a principal created in the same apply, and throttling are retried within " +
			"`timeouts.create`. Destroying it removes only its own statement or member (an ECR policy left empty is deleted); access the " +
			"principal had before the grant was created (`preexisting`) is never taken away.\n\n" +
			"An ECR repository policy only adds access to the repository: the role also needs `ecr:GetAuthorizationToken` in its own " +
			"IAM policy to log in to the registry. Every argument but `timeouts` replaces the grant when changed; add " +
			"`lifecycle { create_before_destroy = true }` when the principal must not lose access in between.",
		Attributes: map[string]schema.Attribute{
			"id": computedString("The grant's identity, also its import ID: `" + grantExampleECRID + "` for ECR or `" + grantExampleARID +
				"` for Artifact Registry (repository, access and principal, separated by single spaces)."),
			"ecr": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "An Amazon ECR repository, e.g. `ecr = { repository = \"" + ecr.ExampleRepository + "\", region = \"" +
					ecr.ExampleAWSRegion + "\" }`. Exactly one of `ecr` and `artifact_registry`. Needs the provider's `aws` settings (or the default " +
					"AWS credential chain) with `ecr:DescribeRepositories`, `ecr:GetRepositoryPolicy`, `ecr:SetRepositoryPolicy` and " +
					"`ecr:DeleteRepositoryPolicy` on the repository.",
				PlanModifiers: []planmodifier.Object{requiresReplaceIfPresenceChanges()},
				Attributes: map[string]schema.Attribute{
					"repository": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "The repository name, without registry host or tag, e.g. `" + ecr.ExampleRepository +
							"` or `zenml/" + ecr.ExampleRepository + "`. Changing it replaces the grant.",
						Validators:    []validator.String{checkString("Invalid ECR Repository", "value must be an ECR repository name", ecr.CheckRepositoryName)},
						PlanModifiers: replace,
					},
					"region": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "The AWS region of the registry, e.g. `" + ecr.ExampleAWSRegion + "`; its partition must be the " +
							"role's. Changing it replaces the grant.",
						Validators:    []validator.String{checkString("Invalid AWS Region", "value must be an AWS region name", ecr.CheckAWSRegion)},
						PlanModifiers: replace,
					},
					"registry_id": schema.StringAttribute{
						Optional: true,
						Computed: true,
						MarkdownDescription: "The registry id (the 12-digit AWS account id) that owns the repository, e.g. `" + ecr.ExampleRegistryID +
							"`. Defaults to the registry of the provider's credentials, learnt at create. Changing it replaces the grant.",
						Validators:    []validator.String{checkString("Invalid Registry ID", "value must be a 12-digit AWS account id", ecr.CheckRegistryID)},
						PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
					},
				},
			},
			"artifact_registry": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "A Google Artifact Registry repository, e.g. `artifact_registry = { project = \"" + principal.ExampleGCPProject +
					"\", location = \"" + artifactregistry.ExampleLocation + "\", repository = \"" + artifactregistry.ExampleRepository + "\" }`. Exactly one of " +
					"`ecr` and `artifact_registry`. Needs the provider's `gcp` settings (or Application Default Credentials) with " +
					"`artifactregistry.repositories.getIamPolicy` and `artifactregistry.repositories.setIamPolicy` on the repository " +
					"(e.g. `roles/artifactregistry.repoAdmin`).",
				PlanModifiers: []planmodifier.Object{requiresReplaceIfPresenceChanges()},
				Attributes: map[string]schema.Attribute{
					"project": schema.StringAttribute{
						Optional: true,
						Computed: true,
						MarkdownDescription: "The project id of the repository, e.g. `" + principal.ExampleGCPProject + "`. Defaults to the " +
							"provider's `gcp.project`; one of them is required. Changing it replaces the grant.",
						Validators:    []validator.String{checkString("Invalid GCP Project", "value must be a GCP project id", principal.CheckGCPProjectID)},
						PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
					},
					"location": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "The location of the repository, a region such as `" + artifactregistry.ExampleLocation + "` or a " +
							"multi-region such as `europe`. Changing it replaces the grant.",
						Validators:    []validator.String{checkString("Invalid Artifact Registry Location", "value must be a region or multi-region", artifactregistry.CheckLocation)},
						PlanModifiers: replace,
					},
					"repository": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "The repository id, the last part of `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY`, e.g. `" +
							artifactregistry.ExampleRepository + "`. Changing it replaces the grant.",
						Validators:    []validator.String{checkString("Invalid Artifact Registry Repository", "value must be a repository id", artifactregistry.CheckRepositoryID)},
						PlanModifiers: replace,
					},
				},
			},
			"principal": schema.SingleNestedAttribute{
				Required: true,
				MarkdownDescription: "The identity granted access, with exactly one of `aws_iam_role_arn` (for `ecr`), `gcp_service_account` or " +
					"`gke_workload_identity` (for `artifact_registry`); the same object as in `zenmlpro_registry_access_request`. " +
					"Changing it replaces the grant.",
				PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplace()},
				Attributes: map[string]schema.Attribute{
					"aws_iam_role_arn": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: awsRoleARNDescription("it must be in the partition of the repository's region."),
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
								Required: true, MarkdownDescription: workloadIdentityProjectDescription(),
								Validators: []validator.String{gcpProjectCheck},
							},
							"namespace": schema.StringAttribute{
								Required: true, MarkdownDescription: workloadIdentityNamespaceDescription(),
								Validators: []validator.String{kubernetesNamespaceCheck},
							},
							"service_account": schema.StringAttribute{
								Required: true, MarkdownDescription: workloadIdentityKSADescription(),
								Validators: []validator.String{kubernetesServiceAccountCheck},
							},
						},
					},
				},
			},
			"access": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(string(registryaccess.AccessPull)),
				MarkdownDescription: fmt.Sprintf("`pull` (the default) or `push`, which includes pull. ECR actions: pull is %s; push adds %s. "+
					"Artifact Registry roles: pull is `%s`, push `%s`. Changing it replaces the grant (a principal may have one grant of each "+
					"access level on a repository).", wording.Join(wording.Code(ecr.Actions(registryaccess.AccessPull)), "and"), wording.Join(wording.Code(pushOnlyActions()), "and"),
					artifactregistry.RoleReader, artifactregistry.RoleWriter),
				Validators:    []validator.String{stringvalidator.OneOf(string(registryaccess.AccessPull), string(registryaccess.AccessPush))},
				PlanModifiers: replace,
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{
				Create: true, Read: true, Delete: true,
				CreateDescription: "How long a create may retry IAM propagation, throttling and concurrent policy changes, e.g. `\"10m\"`. " +
					"Defaults to `5m`; raise it when the principal is created in the same apply and the cloud is slow to propagate it.",
				ReadDescription:   "How long a refresh may retry throttling of the policy read, e.g. `\"10m\"`. Defaults to `5m`.",
				DeleteDescription: "How long a destroy may retry throttling and concurrent policy changes, e.g. `\"10m\"`. Defaults to `5m`.",
			}),
			"statement_id": computedString("ECR only: the `Sid` of the statement the grant owns, `ZenMLProPull` or `ZenMLProPush` followed by " +
				"16 hex digits of the SHA-256 of the role ARN, e.g. `" + ecr.StatementID(principal.ExampleAWSRoleARN, registryaccess.AccessPull) +
				"` for `" + principal.ExampleAWSRoleARN + "`. Known at plan. Null for Artifact Registry."),
			"actions": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "ECR only: the actions the statement allows, sorted. Known at plan. Null for Artifact Registry.",
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
			"member": computedString("Artifact Registry only: the IAM member bound, `serviceAccount:EMAIL` or " +
				"`serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]`. Known at plan. Null for ECR."),
			"role": computedString("Artifact Registry only: the role the member is bound to, `" + artifactregistry.RoleReader + "` (pull) or `" +
				artifactregistry.RoleWriter + "` (push). Known at plan. Null for ECR."),
			"preexisting": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "Whether the principal already had this access on the repository when the grant was created, from " +
					"something no grant of this provider writes: another ECR statement (e.g. one allowing `ecr:*`), the Artifact Registry " +
					"`repoAdmin` or `admin` role, or a member already in the grant's own binding (a binding does not tell who added a " +
					"member). Access written by this provider's grants (the principal's pull or push statement, the `writer` binding a push " +
					"grant writes) never counts, so when the last of them goes the access goes too. When true, destroy removes the grant's " +
					"statement or member only if such other access still gives it, so the access that was there before is never lost. For " +
					"an imported grant it says whether other statements or bindings give the access too.",
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"drift": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "ECR only: how the statement under the grant's `statement_id` differs from the statement the grant writes, " +
					"as last read (e.g. `Effect is \"Deny\", the grant writes \"Allow\"`), with the statement as the policy holds it; null when " +
					"they match. A statement changed outside Terraform, or one that names the unique ID of a deleted role, stays in the state " +
					"with this set, and the next plan shows it going back to null with a warning that quotes both statements: the apply then " +
					"writes the grant's statement in its place. A create never does that: it fails when its `Sid` is taken by anything but " +
					"exactly its own statement.",
			},
		},
	}
}

const (
	grantExampleECRID = "arn:aws:ecr:eu-central-1:123456789012:repository/zenml-pro-server pull arn:aws:iam::123456789012:role/zenml-pro-pull"
	grantExampleARID  = "projects/my-project/locations/europe-west3/repositories/zenml-mirror pull serviceAccount:zenml-pull@my-project.iam.gserviceaccount.com"
)

// pushOnlyActions are the actions push adds to pull.
func pushOnlyActions() []string {
	pull := map[string]bool{}
	for _, a := range ecr.Actions(registryaccess.AccessPull) {
		pull[a] = true
	}
	var out []string
	for _, a := range ecr.Actions(registryaccess.AccessPush) {
		if !pull[a] {
			out = append(out, a)
		}
	}
	return out
}
