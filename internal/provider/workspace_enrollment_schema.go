// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
)

// Timeouts of an enrollment when timeouts does not set them.
const (
	defaultEnrollmentTimeout = 5 * time.Minute
	defaultEnrollmentRead    = 2 * time.Minute
)

// statusGone is the status of a workspace that a refresh no longer found in the Control Plane.
const statusGone = "deleted in the Control Plane"

// Deletion policies of an enrollment.
const (
	enrollmentRetain = "retain"
	enrollmentDelete = "delete"
)

type workspaceEnrollmentModel struct {
	ID                        types.String   `tfsdk:"id"`
	Name                      types.String   `tfsdk:"name"`
	Organization              types.String   `tfsdk:"organization"`
	DeletionPolicy            types.String   `tfsdk:"deletion_policy"`
	EnrollmentKeyFile         types.String   `tfsdk:"enrollment_key_file"`
	StoreEnrollmentKeyInState types.Bool     `tfsdk:"store_enrollment_key_in_state"`
	Timeouts                  timeouts.Value `tfsdk:"timeouts"`
	WorkspaceID               types.String   `tfsdk:"workspace_id"`
	OrganizationID            types.String   `tfsdk:"organization_id"`
	OrganizationName          types.String   `tfsdk:"organization_name"`
	Status                    types.String   `tfsdk:"status"`
	EnrollmentKey             types.String   `tfsdk:"enrollment_key"`
	EnrollmentKeySHA256       types.String   `tfsdk:"enrollment_key_sha256"`
}

func (r *workspaceEnrollmentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace_enrollment"
}

func (r *workspaceEnrollmentResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Enrols a workspace with a ZenML Pro Control Plane (the provider's `control_plane`): the Control Plane creates " +
			"the workspace and answers its IDs and its **enrollment key**, the credential the workspace server's Helm release needs to " +
			"log in to the Control Plane. The IDs go to `zenmlpro_prerequisites` (`workspaces[*].workspace_id`, `organization_id`, " +
			"`organization_name`), which fills the workspace chart's `pro.*` values.\n\n" +
			"The Control Plane answers the key once, at enrollment, and never again. It does not go into the state in plain text " +
			"unless asked: `enrollment_key_file` writes it once to a file only its owner may read (mode 0600), from which the same " +
			"apply can create the Kubernetes secret; `store_enrollment_key_in_state = true` keeps it in the state as a sensitive " +
			"value, for a `kubernetes_secret_v1` in the same configuration (the state then holds a credential: encrypt and restrict " +
			"it). A create needs at least one of them. The state always records `enrollment_key_sha256`, the key's SHA-256, so a " +
			"reviewer can tell which key was issued without seeing it.\n\n" +
			"A workspace of the same name that this resource did not create is never taken over: the plan fails and names the " +
			"`terraform import` that adopts it (by workspace ID). A workspace deleted in the Control Plane is found at refresh and " +
			"planned again (a new ID and key). Destroy keeps the Control Plane's workspace unless `deletion_policy = \"delete\"`, and " +
			"then deletes only the workspace ID this state holds.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The workspace's ID in the Control Plane (as `workspace_id`).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The workspace's name: lowercase letters, digits and hyphens, e.g. `workspace-1`. Unique in the " +
					"organization. Changing it enrols a new workspace (a new ID and key).",
				Validators: []validator.String{checkString("Invalid Workspace Name",
					"lowercase letters, digits and hyphens, e.g. workspace-1", controlplane.CheckWorkspaceName)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"organization": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The organization, by ID (a UUID) or by exact name, e.g. `example-corp`. Writing the ID instead " +
					"of the name of the same organization (or the other way round) changes nothing; another organization enrols a new " +
					"workspace.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{organizationPlanModifier{}},
			},
			"deletion_policy": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(enrollmentRetain),
				MarkdownDescription: "What destroy does with the Control Plane's workspace: `retain` (the default) keeps it and only " +
					"forgets it; `delete` deletes it, by the workspace ID in the state, never by name.",
				Validators: []validator.String{stringvalidator.OneOf(enrollmentRetain, enrollmentDelete)},
			},
			"enrollment_key_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A file to write the enrollment key to at create, e.g. `\"${path.root}/.secrets/workspace-1.key\"`: " +
					"created with mode 0600, never overwritten (a file already there fails the plan), holding the key alone without a " +
					"newline, so that `kubectl create secret generic NAME --from-file=key=FILE` stores it as is. Its directory must exist. " +
					"Used at create only: a later change of the path moves nothing. Refresh warns when the file is gone or holds another key.",
			},
			"store_enrollment_key_in_state": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Keep the enrollment key in the state, as the sensitive `enrollment_key`, for a Kubernetes secret " +
					"made in the same configuration. Defaults to `false`: the state then holds no key. Setting it after the create " +
					"cannot recover the key, which the Control Plane answers once.",
			},
			"timeouts": timeouts.AttributesAll(ctx),
			"workspace_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The workspace's ID: `pro.workspaceID` of the workspace chart (through `zenmlpro_prerequisites`).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The organization's ID: `pro.organizationID`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The organization's name: `pro.organizationName`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"status": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The workspace's status as the Control Plane reports it at the last refresh, e.g. `available`; `" + statusGone +
					"` when a refresh no longer found it (the plan then enrols it again).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"enrollment_key": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "The enrollment key, only with `store_enrollment_key_in_state = true` (otherwise null). For " +
					"`kubernetes_secret_v1.data` of the secret that `zenmlpro_prerequisites` names in `enrollment_key_secret`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"enrollment_key_sha256": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The SHA-256 of the enrollment key (hex): which key was issued, without the key.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// organizationPlanModifier keeps an organization that names the state's organization by its other
// spelling (ID for name, name for ID) in place, and replaces the resource for another organization.
type organizationPlanModifier struct{}

func (organizationPlanModifier) Description(context.Context) string {
	return "another organization enrols a new workspace; the same organization by ID or name changes nothing"
}

func (m organizationPlanModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (organizationPlanModifier) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || req.ConfigValue.IsUnknown() || req.StateValue.IsNull() {
		return
	}
	if req.ConfigValue.Equal(req.StateValue) {
		return
	}
	var id, name types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("organization_id"), &id)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("organization_name"), &name)...)
	v := req.ConfigValue.ValueString()
	if v == id.ValueString() || v == name.ValueString() {
		return
	}
	resp.RequiresReplace = true
}
