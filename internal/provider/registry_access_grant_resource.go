package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
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
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/cloud"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/grant"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

var (
	_ resource.Resource                   = (*registryAccessGrantResource)(nil)
	_ resource.ResourceWithConfigure      = (*registryAccessGrantResource)(nil)
	_ resource.ResourceWithValidateConfig = (*registryAccessGrantResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*registryAccessGrantResource)(nil)
	_ resource.ResourceWithImportState    = (*registryAccessGrantResource)(nil)
)

// defaultGrantTimeout is the create and delete timeout of a grant when timeouts does not set one.
const defaultGrantTimeout = registryaccess.DefaultTimeout

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
				MarkdownDescription: "An Amazon ECR repository, e.g. `ecr = { repository = \"" + grant.ExampleECRRepository + "\", region = \"" +
					cloud.ExampleAWSRegion + "\" }`. Exactly one of `ecr` and `artifact_registry`. Needs the provider's `aws` settings (or the default " +
					"AWS credential chain) with `ecr:DescribeRepositories`, `ecr:GetRepositoryPolicy`, `ecr:SetRepositoryPolicy` and " +
					"`ecr:DeleteRepositoryPolicy` on the repository.",
				PlanModifiers: []planmodifier.Object{requiresReplaceIfPresenceChanges()},
				Attributes: map[string]schema.Attribute{
					"repository": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "The repository name, without registry host or tag, e.g. `" + grant.ExampleECRRepository +
							"` or `zenml/" + grant.ExampleECRRepository + "`. Changing it replaces the grant.",
						Validators:    []validator.String{checkedString{"Invalid ECR Repository", "value must be an ECR repository name", grant.CheckECRRepositoryName}},
						PlanModifiers: replace,
					},
					"region": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "The AWS region of the registry, e.g. `" + cloud.ExampleAWSRegion + "`; its partition must be the " +
							"role's. Changing it replaces the grant.",
						Validators:    []validator.String{checkedString{"Invalid AWS Region", "value must be an AWS region name", cloud.CheckAWSRegion}},
						PlanModifiers: replace,
					},
					"registry_id": schema.StringAttribute{
						Optional: true,
						Computed: true,
						MarkdownDescription: "The registry id (the 12-digit AWS account id) that owns the repository, e.g. `" + grant.ExampleRegistryID +
							"`. Defaults to the registry of the provider's credentials, learnt at create. Changing it replaces the grant.",
						Validators:    []validator.String{checkedString{"Invalid Registry ID", "value must be a 12-digit AWS account id", grant.CheckRegistryID}},
						PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
					},
				},
			},
			"artifact_registry": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "A Google Artifact Registry repository, e.g. `artifact_registry = { project = \"" + principal.ExampleGCPProject +
					"\", location = \"" + grant.ExampleARLocation + "\", repository = \"" + grant.ExampleARRepository + "\" }`. Exactly one of " +
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
						Validators:    []validator.String{checkedString{"Invalid GCP Project", "value must be a GCP project id", principal.CheckGCPProjectID}},
						PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
					},
					"location": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "The location of the repository, a region such as `" + grant.ExampleARLocation + "` or a " +
							"multi-region such as `europe`. Changing it replaces the grant.",
						Validators:    []validator.String{checkedString{"Invalid Artifact Registry Location", "value must be a region or multi-region", grant.CheckARLocation}},
						PlanModifiers: replace,
					},
					"repository": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "The repository id, the last part of `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY`, e.g. `" +
							grant.ExampleARRepository + "`. Changing it replaces the grant.",
						Validators:    []validator.String{checkedString{"Invalid Artifact Registry Repository", "value must be a repository id", grant.CheckARRepositoryID}},
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
						Validators:          []validator.String{principalStringValidator{kind: principalAWSRole}},
					},
					"gcp_service_account": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: gcpServiceAccountDescription(),
						Validators:          []validator.String{principalStringValidator{kind: principalGCPServiceAccount}},
					},
					"gke_workload_identity": schema.SingleNestedAttribute{
						Optional:            true,
						MarkdownDescription: workloadIdentityDescription(),
						Attributes: map[string]schema.Attribute{
							"project": schema.StringAttribute{
								Required: true, MarkdownDescription: workloadIdentityProjectDescription(),
								Validators: []validator.String{principalStringValidator{kind: principalProject}},
							},
							"namespace": schema.StringAttribute{
								Required: true, MarkdownDescription: workloadIdentityNamespaceDescription(),
								Validators: []validator.String{principalStringValidator{kind: principalNamespace}},
							},
							"service_account": schema.StringAttribute{
								Required: true, MarkdownDescription: workloadIdentityKSADescription(),
								Validators: []validator.String{principalStringValidator{kind: principalKSA}},
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
					"access level on a repository).", codeList(registryaccess.AccessPull.ECRActions()), codeList(pushOnlyActions()),
					registryaccess.RoleReader, registryaccess.RoleWriter),
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
				"16 hex digits of the SHA-256 of the role ARN, e.g. `" + registryaccess.StatementID(principal.ExampleAWSRoleARN, registryaccess.AccessPull) +
				"` for `" + principal.ExampleAWSRoleARN + "`. Known at plan. Null for Artifact Registry."),
			"actions": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "ECR only: the actions the statement allows, sorted. Known at plan. Null for Artifact Registry.",
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
			"member": computedString("Artifact Registry only: the IAM member bound, `serviceAccount:EMAIL` or " +
				"`serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]`. Known at plan. Null for ECR."),
			"role": computedString("Artifact Registry only: the role the member is bound to, `" + registryaccess.RoleReader + "` (pull) or `" +
				registryaccess.RoleWriter + "` (push). Known at plan. Null for ECR."),
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

func codeList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}

// pushOnlyActions are the actions push adds to pull.
func pushOnlyActions() []string {
	pull := map[string]bool{}
	for _, a := range registryaccess.AccessPull.ECRActions() {
		pull[a] = true
	}
	var out []string
	for _, a := range registryaccess.AccessPush.ECRActions() {
		if !pull[a] {
			out = append(out, a)
		}
	}
	return out
}

func (r *registryAccessGrantResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// grantSpec is a grant as configured, with every value known.
type grantSpec struct {
	ecr *grant.ECRGrant
	ar  *grant.ARGrant
}

// readPrincipalInput reads a principal object (of the grant or of the request data source); false
// when it or one of its values is unknown.
func readPrincipalInput(ctx context.Context, obj types.Object, diags *diag.Diagnostics) (principal.Input, bool) {
	var in principal.Input
	if obj.IsNull() || obj.IsUnknown() {
		return in, !obj.IsUnknown()
	}
	var p registryAccessPrincipalModel
	diags.Append(obj.As(ctx, &p, basetypes.ObjectAsOptions{})...)
	if diags.HasError() || anyUnknown(p.AWSIAMRoleARN, p.GCPServiceAccount, p.GKEWorkloadIdentity) {
		return in, false
	}
	if !p.AWSIAMRoleARN.IsNull() {
		in.AWSIAMRoleARN = p.AWSIAMRoleARN.ValueStringPointer()
	}
	if !p.GCPServiceAccount.IsNull() {
		in.GCPServiceAccount = p.GCPServiceAccount.ValueStringPointer()
	}
	if !p.GKEWorkloadIdentity.IsNull() {
		var wi registryAccessWorkloadIdentityModel
		diags.Append(p.GKEWorkloadIdentity.As(ctx, &wi, basetypes.ObjectAsOptions{})...)
		if diags.HasError() || anyUnknown(wi.Project, wi.Namespace, wi.ServiceAccount) {
			return in, false
		}
		in.GKEWorkloadIdentity = &principal.WorkloadIdentity{Project: wi.Project.ValueString(), Namespace: wi.Namespace.ValueString(),
			ServiceAccount: wi.ServiceAccount.ValueString()}
	}
	return in, true
}

// addGrantConfigError reports a rule of package grant at the attribute it names. Malformed principal
// values are left to the attribute validators, which report them already.
func addGrantConfigError(diags *diag.Diagnostics, err error) {
	var ce *grant.ConfigError
	var pe *principal.Error
	switch {
	case errors.As(err, &ce):
		p := registryAccessPath(ce.Input)
		diags.AddAttributeError(p, ce.Summary, fmt.Sprintf("Attribute %s: %s.", p, ce.Err))
	case errors.As(err, &pe):
	default:
		diags.AddError("Invalid Registry Access Grant", err.Error()+".")
	}
}

// checkGrantShape checks, with the rules of package grant, what the attribute validators cannot: one
// registry, one principal, the principal's kind against the registry's, and the partitions. Values
// still unknown are skipped. known is false when a value the spec needs is unknown.
func checkGrantShape(ctx context.Context, m registryAccessGrantModel, defaultProject string, diags *diag.Diagnostics) (spec grantSpec, known bool) {
	ecrUnknown, arUnknown := m.ECR.IsUnknown(), m.ArtifactRegistry.IsUnknown()
	ecrSet, arSet := !m.ECR.IsNull() && !ecrUnknown, !m.ArtifactRegistry.IsNull() && !arUnknown
	if ecrSet && arSet || m.ECR.IsNull() && m.ArtifactRegistry.IsNull() {
		addGrantConfigError(diags, grant.CheckOneRegistry(ecrSet, arSet))
		return spec, false
	}
	in, pKnown := readPrincipalInput(ctx, m.Principal, diags)
	if diags.HasError() || !pKnown {
		return spec, false
	}
	access, err := registryaccess.ParseAccess(m.Access.ValueString())
	known = !ecrUnknown && !arUnknown && !m.Access.IsUnknown() && !m.Access.IsNull() && err == nil
	switch {
	case ecrSet:
		spec.ecr, known = ecrGrantSpec(ctx, m.ECR, in, access, known, diags)
	case arSet:
		spec.ar, known = arGrantSpec(ctx, m.ArtifactRegistry, in, access, known, defaultProject, diags)
	default: // the registry is not known yet: only the principal itself can be checked
		if err := grant.CheckOnePrincipal(in); err != nil {
			addGrantConfigError(diags, err)
		}
		known = false
	}
	return spec, known
}

// ecrGrantSpec checks the ecr object against the principal and builds the grant; nil when a value is
// unknown or a rule is broken (reported in diags).
func ecrGrantSpec(ctx context.Context, obj types.Object, in principal.Input, access registryaccess.Access, known bool,
	diags *diag.Diagnostics) (*grant.ECRGrant, bool) {
	var e grantECRModel
	diags.Append(obj.As(ctx, &e, basetypes.ObjectAsOptions{UnhandledUnknownAsEmpty: true})...)
	if diags.HasError() {
		return nil, false
	}
	region := ""
	if !e.Region.IsUnknown() {
		region = e.Region.ValueString()
	}
	role, err := grant.ECRRole(in, region)
	if err != nil {
		addGrantConfigError(diags, err)
		return nil, false
	}
	if !known || anyUnknown(e.Repository, e.Region) {
		return nil, false
	}
	regID := ""
	if !e.RegistryID.IsUnknown() && !e.RegistryID.IsNull() {
		regID = e.RegistryID.ValueString()
	}
	return &grant.ECRGrant{
		Repository:   grant.ECRRepository{Region: region, RegistryID: regID, Name: e.Repository.ValueString()},
		PrincipalARN: role.ARN(), Access: access,
	}, true
}

// arGrantSpec checks the artifact_registry object against the principal and builds the grant, with
// the provider's default project when the object names none; nil when a value is unknown or a rule
// is broken (reported in diags).
func arGrantSpec(ctx context.Context, obj types.Object, in principal.Input, access registryaccess.Access, known bool,
	defaultProject string, diags *diag.Diagnostics) (*grant.ARGrant, bool) {
	member, err := grant.ARMember(in)
	if err != nil {
		addGrantConfigError(diags, err)
		return nil, false
	}
	var a grantARModel
	diags.Append(obj.As(ctx, &a, basetypes.ObjectAsOptions{UnhandledUnknownAsEmpty: true})...)
	if diags.HasError() || !known || anyUnknown(a.Location, a.Repository, a.Project) {
		return nil, false
	}
	project := a.Project.ValueString()
	if a.Project.IsNull() {
		project = defaultProject
	}
	if project == "" {
		return nil, false
	}
	return &grant.ARGrant{Repository: grant.ARRepository{Project: project, Location: a.Location.ValueString(), Repository: a.Repository.ValueString()},
		Member: member, Access: access}, true
}

func (r *registryAccessGrantResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m registryAccessGrantModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Access.IsNull() {
		m.Access = types.StringValue(string(registryaccess.AccessPull))
	}
	// The provider's default project is not known at validate time: a placeholder keeps the other checks going.
	checkGrantShape(ctx, m, principal.ExampleGCPProject, &resp.Diagnostics)
}

// defaultProject is the provider's gcp.project ("" when unset or unknown) and whether it is unknown.
func (r *registryAccessGrantResource) defaultProject() (string, bool) {
	if r.data == nil {
		return "", false
	}
	if r.data.gcp.unknown {
		return "", true
	}
	if r.data.gcp.clients == nil {
		return "", false
	}
	return r.data.gcp.clients.Config().Project, false
}

func (r *registryAccessGrantResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		r.warnDestroy(ctx, req, resp)
		return
	}
	if !req.State.Raw.IsNull() {
		// An update changes timeouts, or puts back a statement changed outside Terraform; Terraform plans
		// a replacement again as a create, with no state.
		r.planRewrite(ctx, req, resp)
		return
	}
	var plan registryAccessGrantModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var config registryAccessGrantModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	project, projectUnknown := r.defaultProject()
	if !plan.ArtifactRegistry.IsNull() && !plan.ArtifactRegistry.IsUnknown() && configProjectUnset(ctx, config, &resp.Diagnostics) {
		var a grantARModel
		resp.Diagnostics.Append(plan.ArtifactRegistry.As(ctx, &a, basetypes.ObjectAsOptions{UnhandledUnknownAsEmpty: true})...)
		switch {
		case project != "":
			a.Project = types.StringValue(project)
		case !projectUnknown:
			resp.Diagnostics.AddAttributeError(path.Root("artifact_registry").AtName("project"), "Missing Project",
				"Attribute artifact_registry.project: the repository's project is required when the provider's gcp.project is not set, "+
					"e.g. artifact_registry = { project = \""+principal.ExampleGCPProject+"\", location = \""+grant.ExampleARLocation+
					"\", repository = \""+grant.ExampleARRepository+"\" }.")
			return
		}
		obj, d := types.ObjectValueFrom(ctx, grantARAttrTypes, a)
		resp.Diagnostics.Append(d...)
		plan.ArtifactRegistry = obj
	}
	spec, known := checkGrantShape(ctx, plan, project, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.Drift = types.StringNull()
	switch {
	case !known:
		// the values derived from unknown ones stay unknown
	case spec.ecr != nil:
		plan.StatementID = types.StringValue(spec.ecr.StatementID())
		plan.Actions = stringList(spec.ecr.Access.ECRActions())
		plan.Member, plan.Role = types.StringNull(), types.StringNull()
		if spec.ecr.Repository.RegistryID != "" {
			plan.ID = types.StringValue(spec.ecr.ID())
		}
	case spec.ar != nil:
		plan.StatementID, plan.Actions = types.StringNull(), types.ListNull(types.StringType)
		plan.Member, plan.Role = types.StringValue(spec.ar.Member), types.StringValue(spec.ar.Role())
		plan.ID = types.StringValue(spec.ar.ID())
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// configProjectUnset reports whether the configuration leaves artifact_registry.project unset.
func configProjectUnset(ctx context.Context, config registryAccessGrantModel, diags *diag.Diagnostics) bool {
	if config.ArtifactRegistry.IsNull() || config.ArtifactRegistry.IsUnknown() {
		return false
	}
	var a grantARModel
	diags.Append(config.ArtifactRegistry.As(ctx, &a, basetypes.ObjectAsOptions{UnhandledUnknownAsEmpty: true})...)
	return a.Project.IsNull()
}

// planRewrite plans an update: drift goes back to null, and when the statement under the grant's Sid
// was changed outside Terraform the plan says what the apply will write over.
func (r *registryAccessGrantResource) planRewrite(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state registryAccessGrantModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.Drift = types.StringNull()
	if !state.Drift.IsNull() && state.Drift.ValueString() != "" {
		if spec, ok := stateSpec(ctx, state, &resp.Diagnostics); ok && spec.ecr != nil {
			own, _ := registryaccess.NewStatement(spec.ecr.PrincipalARN, spec.ecr.Access).MarshalJSON()
			resp.Diagnostics.AddWarning("Registry Access Statement Will Be Rewritten",
				fmt.Sprintf("%s: %s.\n\nThis apply writes the grant's statement in its place:\n%s\nNothing else in the policy changes. If the "+
					"statement was changed on purpose (a Deny, a condition), do not apply: remove the grant from the configuration, or from the "+
					"state with terraform state rm, first.", state.ID.ValueString(), state.Drift.ValueString(), own))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// warnDestroy tells, at plan time, that a grant whose access existed before may be left in place.
func (r *registryAccessGrantResource) warnDestroy(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state registryAccessGrantModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !state.Preexisting.ValueBool() {
		return
	}
	resp.Diagnostics.AddWarning("Pre-existing Access Is Kept",
		fmt.Sprintf("%s: the principal had this access before the grant was created (preexisting = true). Destroying the grant removes its "+
			"own statement or member only if other statements or bindings still give the access; otherwise it is left in place.", state.ID.ValueString()))
}

func stringList(values []string) types.List {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

// services returns the grant service of the spec's cloud.
func (r *registryAccessGrantResource) ecrService(ctx context.Context) (*grant.ECR, error) {
	if r.data == nil {
		return nil, errors.New("the provider is not configured")
	}
	return r.data.grants.ecr(ctx, r.data.aws)
}

func (r *registryAccessGrantResource) arService(ctx context.Context) (*grant.ArtifactRegistry, error) {
	if r.data == nil {
		return nil, errors.New("the provider is not configured")
	}
	return r.data.grants.artifactRegistry(ctx, r.data.gcp)
}

func (r *registryAccessGrantResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan registryAccessGrantModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultGrantTimeout)
	resp.Diagnostics.Append(d...)
	project, _ := r.defaultProject()
	spec, known := checkGrantShape(ctx, plan, project, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !known {
		resp.Diagnostics.AddError("Unknown Configuration Value", "A value of zenmlpro_registry_access_grant is still unknown at apply time. "+
			"This is a defect in the provider; please report it.")
		return
	}
	var res grant.Result
	switch {
	case spec.ecr != nil:
		svc, err := r.ecrService(ctx)
		if err != nil {
			addGrantError(&resp.Diagnostics, "ECR Client Unavailable", err, spec)
			return
		}
		if spec.ecr.Repository.RegistryID == "" {
			id, err := svc.ResolveRegistryID(ctx, spec.ecr.Repository, timeout)
			if err != nil {
				addGrantError(&resp.Diagnostics, "Registry Access Grant Failed", err, spec)
				return
			}
			spec.ecr.Repository.RegistryID = id
		}
		res, err = svc.Grant(ctx, *spec.ecr, timeout)
		if err != nil {
			addGrantError(&resp.Diagnostics, "Registry Access Grant Failed", err, spec)
			return
		}
		setECRState(&plan, *spec.ecr, &resp.Diagnostics)
	case spec.ar != nil:
		svc, err := r.arService(ctx)
		if err != nil {
			addGrantError(&resp.Diagnostics, "Artifact Registry Client Unavailable", err, spec)
			return
		}
		res, err = svc.Grant(ctx, *spec.ar, timeout)
		if err != nil {
			addGrantError(&resp.Diagnostics, "Registry Access Grant Failed", err, spec)
			return
		}
		setARState(&plan, *spec.ar, &resp.Diagnostics)
	}
	plan.Preexisting = types.BoolValue(res.Preexisting)
	plan.Drift = types.StringNull()
	tflog.Info(ctx, "registry access granted", map[string]any{"id": plan.ID.ValueString(), "preexisting": res.Preexisting,
		"adopted": res.Adopted, "attempts": res.Attempts})
	switch {
	case res.Adopted && spec.ecr != nil:
		resp.Diagnostics.AddWarning("Existing Statement Adopted", fmt.Sprintf("%s: statement %s was already in the policy: its Sid "+
			"is the one this provider derives from the principal and access, so a grant wrote it before (a create whose state was lost, "+
			"or another configuration). This grant now manages it, and destroying the grant removes it. If another Terraform "+
			"configuration manages the same grant, keep only one of them.", plan.ID.ValueString(), spec.ecr.StatementID()))
	case res.Adopted:
		resp.Diagnostics.AddWarning("Existing Member Kept", fmt.Sprintf("%s: %s was already in the binding of %s, so nothing was "+
			"written and preexisting = true (a binding does not tell who added a member): destroying this grant leaves the member in "+
			"place unless another binding gives the same access. To have destroy remove it, remove the member by hand first and "+
			"apply again.", plan.ID.ValueString(), spec.ar.Member, spec.ar.Role()))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func setECRState(m *registryAccessGrantModel, g grant.ECRGrant, diags *diag.Diagnostics) {
	obj, d := types.ObjectValue(grantECRAttrTypes, map[string]attr.Value{
		"repository": types.StringValue(g.Repository.Name), "region": types.StringValue(g.Repository.Region),
		"registry_id": types.StringValue(g.Repository.RegistryID),
	})
	diags.Append(d...)
	m.ECR = obj
	m.ArtifactRegistry = types.ObjectNull(grantARAttrTypes)
	m.ID = types.StringValue(g.ID())
	m.StatementID = types.StringValue(g.StatementID())
	m.Actions = stringList(g.Access.ECRActions())
	m.Member, m.Role = types.StringNull(), types.StringNull()
}

func setARState(m *registryAccessGrantModel, g grant.ARGrant, diags *diag.Diagnostics) {
	obj, d := types.ObjectValue(grantARAttrTypes, map[string]attr.Value{
		"project": types.StringValue(g.Repository.Project), "location": types.StringValue(g.Repository.Location),
		"repository": types.StringValue(g.Repository.Repository),
	})
	diags.Append(d...)
	m.ArtifactRegistry = obj
	m.ECR = types.ObjectNull(grantECRAttrTypes)
	m.ID = types.StringValue(g.ID())
	m.StatementID, m.Actions = types.StringNull(), types.ListNull(types.StringType)
	m.Member, m.Role = types.StringValue(g.Member), types.StringValue(g.Role())
}

// stateSpec reads the grant from a state (Read and Delete): every value is known there.
func stateSpec(ctx context.Context, m registryAccessGrantModel, diags *diag.Diagnostics) (grantSpec, bool) {
	spec, known := checkGrantShape(ctx, m, "", diags)
	if diags.HasError() {
		return spec, false
	}
	if !known || (spec.ecr == nil && spec.ar == nil) || (spec.ecr != nil && spec.ecr.Repository.RegistryID == "") {
		diags.AddError("Incomplete State", "The state of zenmlpro_registry_access_grant "+m.ID.ValueString()+" lacks a value it needs "+
			"(registry, principal, access or registry id). Remove it with terraform state rm and import it again: terraform import ADDRESS '"+
			m.ID.ValueString()+"'.")
		return spec, false
	}
	return spec, true
}

func (r *registryAccessGrantResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state registryAccessGrantModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := stateSpec(ctx, state, &resp.Diagnostics)
	if !ok {
		return
	}
	if r.data != nil && ((spec.ecr != nil && r.data.aws.unknown) || (spec.ar != nil && r.data.gcp.unknown)) {
		// The provider's cloud settings depend on values known only after apply: the grant cannot be
		// read in this plan, and is kept as it is (the apply reads and writes with the known settings).
		tflog.Info(ctx, "registry access not refreshed: the provider's cloud settings are not known yet", map[string]any{"id": state.ID.ValueString()})
		return
	}
	readTimeout, d := state.Timeouts.Read(ctx, defaultGrantTimeout)
	resp.Diagnostics.Append(d...)
	var (
		found grant.Inspection
		err   error
	)
	switch {
	case spec.ecr != nil:
		var svc *grant.ECR
		if svc, err = r.ecrService(ctx); err == nil {
			found, err = svc.Inspect(ctx, *spec.ecr, readTimeout)
		}
	default:
		var svc *grant.ArtifactRegistry
		if svc, err = r.arService(ctx); err == nil {
			found.Status, found.Preexisting, err = svc.Check(ctx, *spec.ar, readTimeout)
		}
	}
	if err != nil {
		addGrantError(&resp.Diagnostics, "Reading Registry Access Failed", err, spec)
		return
	}
	st := found.Status
	imported := state.Preexisting.IsNull() || state.Preexisting.IsUnknown()
	// A statement under the grant's own Sid that differs from the grant's stays in the state: the plan
	// shows it being rewritten, with a warning, rather than a create that would refuse it.
	rewrite := spec.ecr != nil && (st == grant.Changed || st == grant.PrincipalReplaced)
	if st != grant.Current && !rewrite && imported {
		resp.Diagnostics.AddError("Cannot Import Registry Access", fmt.Sprintf("%s: %s. Only a grant that exists can be imported; "+
			"check the ID (%s) or create the grant with terraform apply.", state.ID.ValueString(), driftReason(st, spec), grant.ImportFormats))
		return
	}
	if st != grant.Current && !rewrite {
		resp.Diagnostics.AddWarning("Registry Access Changed Outside Terraform", fmt.Sprintf("%s: %s. The grant is removed from the state; "+
			"the next apply grants it again.", state.ID.ValueString(), driftReason(st, spec)))
		resp.State.RemoveResource(ctx)
		return
	}
	if imported {
		state.Preexisting = types.BoolValue(found.Preexisting)
	}
	state.Drift = types.StringNull()
	if rewrite {
		state.Drift = types.StringValue(fmt.Sprintf("statement %s of %s differs from the grant's: %s; the policy holds %s",
			spec.ecr.StatementID(), spec.ecr.Repository, strings.Join(found.Differences, "; "), found.Statement))
	}
	if spec.ecr != nil {
		setECRState(&state, *spec.ecr, &resp.Diagnostics)
	} else {
		setARState(&state, *spec.ar, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func driftReason(st grant.Status, spec grantSpec) string {
	switch {
	case st == grant.RepositoryGone && spec.ecr != nil:
		return spec.ecr.Repository.String() + " does not exist any more"
	case st == grant.RepositoryGone:
		return spec.ar.Repository.String() + " does not exist any more"
	case st == grant.Absent && spec.ecr != nil:
		return "the repository policy has no statement " + spec.ecr.StatementID() + " (removed outside Terraform, or never created)"
	case st == grant.Absent:
		return "the repository's IAM policy has no member " + spec.ar.Member + " in " + spec.ar.Role() + " (removed outside Terraform, or never granted)"
	case st == grant.PrincipalReplaced && spec.ecr != nil:
		return "statement " + spec.ecr.StatementID() + " names a unique ID (AROA...) instead of " + spec.ecr.PrincipalARN +
			": the role was deleted, and a role created again under the same name has no access until the grant is made again"
	case st == grant.PrincipalReplaced:
		return "the binding of " + spec.ar.Role() + " holds deleted:" + spec.ar.Member + "?uid=...: the service account was deleted, and " +
			"one created again under the same name has no access until the grant is made again"
	}
	return "statement " + spec.ecr.StatementID() + " was changed outside Terraform (effect, principal, actions or conditions)"
}

func (r *registryAccessGrantResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// Only timeouts change without replacement, and a statement changed outside Terraform is put back
	// (the plan said so); the rest of the state stays.
	var plan, state registryAccessGrantModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !state.Drift.IsNull() && state.Drift.ValueString() != "" {
		spec, ok := stateSpec(ctx, state, &resp.Diagnostics)
		if !ok {
			return
		}
		if spec.ecr != nil {
			timeout, d := plan.Timeouts.Create(ctx, defaultGrantTimeout)
			resp.Diagnostics.Append(d...)
			svc, err := r.ecrService(ctx)
			if err == nil {
				_, err = svc.Rewrite(ctx, *spec.ecr, timeout)
			}
			if err != nil {
				addGrantError(&resp.Diagnostics, "Registry Access Grant Failed", err, spec)
				return
			}
			tflog.Info(ctx, "registry access statement rewritten", map[string]any{"id": state.ID.ValueString()})
		}
	}
	state.Drift = types.StringNull()
	state.Timeouts = plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *registryAccessGrantResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state registryAccessGrantModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, defaultGrantTimeout)
	resp.Diagnostics.Append(d...)
	spec, ok := stateSpec(ctx, state, &resp.Diagnostics)
	if !ok {
		return
	}
	preexisting := state.Preexisting.ValueBool()
	var (
		res grant.RevokeResult
		err error
	)
	switch {
	case spec.ecr != nil:
		var svc *grant.ECR
		if svc, err = r.ecrService(ctx); err == nil {
			res, err = svc.Revoke(ctx, *spec.ecr, preexisting, timeout)
		}
	default:
		var svc *grant.ArtifactRegistry
		if svc, err = r.arService(ctx); err == nil {
			res, err = svc.Revoke(ctx, *spec.ar, preexisting, timeout)
		}
	}
	if err != nil {
		addGrantError(&resp.Diagnostics, "Revoking Registry Access Failed", err, spec)
		return
	}
	tflog.Info(ctx, "registry access revoked", map[string]any{"id": state.ID.ValueString(), "removed": res.Removed,
		"policy_deleted": res.PolicyDeleted, "already_gone": res.AlreadyGone, "kept": res.Kept != ""})
	if res.Kept != "" {
		resp.Diagnostics.AddWarning("Pre-existing Access Kept", state.ID.ValueString()+": "+res.Kept+".")
	}
}

func (r *registryAccessGrantResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, err := grant.ParseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error()+".")
		return
	}
	m := registryAccessGrantModel{
		Preexisting: types.BoolNull(),
		Drift:       types.StringNull(),
		Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType, "read": types.StringType,
			"delete": types.StringType})},
	}
	wiNull := types.ObjectNull(grantWIAttrTypes)
	var principalAttrs map[string]attr.Value
	if id.ECR != nil {
		setECRState(&m, *id.ECR, &resp.Diagnostics)
		m.Access = types.StringValue(string(id.ECR.Access))
		principalAttrs = map[string]attr.Value{"aws_iam_role_arn": types.StringValue(id.ECR.PrincipalARN),
			"gcp_service_account": types.StringNull(), "gke_workload_identity": wiNull}
	} else {
		setARState(&m, *id.AR, &resp.Diagnostics)
		m.Access = types.StringValue(string(id.AR.Access))
		principalAttrs = map[string]attr.Value{"aws_iam_role_arn": types.StringNull(), "gcp_service_account": types.StringNull(), "gke_workload_identity": wiNull}
		if id.WorkloadIdentity != nil {
			wi, d := types.ObjectValue(grantWIAttrTypes, map[string]attr.Value{"project": types.StringValue(id.WorkloadIdentity.Project),
				"namespace": types.StringValue(id.WorkloadIdentity.Namespace), "service_account": types.StringValue(id.WorkloadIdentity.ServiceAccount)})
			resp.Diagnostics.Append(d...)
			principalAttrs["gke_workload_identity"] = wi
		} else {
			principalAttrs["gcp_service_account"] = types.StringValue(id.ServiceAccount)
		}
	}
	p, d := types.ObjectValue(grantPrincipalAttrTypes, principalAttrs)
	resp.Diagnostics.Append(d...)
	m.Principal = p
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// addGrantError reports a failed grant operation with what to do about it.
func addGrantError(diags *diag.Diagnostics, summary string, err error, spec grantSpec) {
	var nf *grant.RepositoryNotFoundError
	var rerr *registryaccess.RetryError
	attrPath := path.Root("ecr").AtName("repository")
	if spec.ar != nil {
		attrPath = path.Root("artifact_registry").AtName("repository")
	}
	var tooLarge *grant.PolicyTooLargeError
	var conflict *grant.StatementConflictError
	switch {
	case errors.As(err, &conflict):
		diags.AddAttributeError(path.Root("principal"), "Statement ID Already In Use", fmt.Sprintf("%s.\n\nThe grant never takes over a "+
			"statement that merely carries its Sid. Remove that statement from the repository policy and apply again; or, to have this "+
			"grant manage it, import it (terraform import ADDRESS '%s'): the next plan then shows the statement being rewritten, with "+
			"both versions, before anything changes.", conflict.Error(), spec.ecr.ID()))
		return
	case errors.As(err, &nf):
		diags.AddAttributeError(attrPath, "Repository Not Found", fmt.Sprintf("Attribute %s: %s.", attrPath, nf.Error()))
		return
	case errors.As(err, &tooLarge):
		diags.AddAttributeError(attrPath, "Repository Policy Too Large", fmt.Sprintf("Attribute %s: %s. Nothing was written.", attrPath, tooLarge.Error()))
		return
	case errors.As(err, &rerr) && rerr.Kind == registryaccess.RetryPropagation:
		who := ""
		if spec.ecr != nil {
			who = spec.ecr.PrincipalARN
		} else if spec.ar != nil {
			who = spec.ar.Member
		}
		diags.AddAttributeError(path.Root("principal"), "Principal Not Known To The Registry", fmt.Sprintf("%v.\n\nThe registry still "+
			"refused %s when the time ran out. If the principal was created in this apply, IAM may need longer to propagate it: raise "+
			"timeouts.create, e.g. timeouts = { create = \"10m\" }. Otherwise check that it exists.", err, who))
		return
	}
	detail := err.Error() + "."
	if hint := permissionHint(err, spec); hint != "" {
		detail += "\n\n" + hint
	}
	diags.AddError(summary, detail)
}

// permissionHint says which permissions the provider's credentials need when the cloud refused them.
func permissionHint(err error, spec grantSpec) string {
	var api smithy.APIError
	var se interface{ GRPCStatus() *status.Status }
	switch {
	case spec.ecr != nil && errors.As(err, &api) && strings.Contains(api.ErrorCode(), "AccessDenied"):
		return "The provider's AWS credentials need ecr:DescribeRepositories, ecr:GetRepositoryPolicy, ecr:SetRepositoryPolicy and " +
			"ecr:DeleteRepositoryPolicy on " + spec.ecr.Repository.String() + "."
	case spec.ar != nil && errors.As(err, &se) && (se.GRPCStatus().Code() == codes.PermissionDenied || se.GRPCStatus().Code() == codes.Unauthenticated):
		return "The provider's Google credentials need artifactregistry.repositories.getIamPolicy and " +
			"artifactregistry.repositories.setIamPolicy on " + spec.ar.Repository.Name() + " (e.g. roles/artifactregistry.repoAdmin)."
	}
	return ""
}
