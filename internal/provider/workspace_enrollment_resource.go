// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
)

var (
	_ resource.Resource                   = (*workspaceEnrollmentResource)(nil)
	_ resource.ResourceWithConfigure      = (*workspaceEnrollmentResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*workspaceEnrollmentResource)(nil)
	_ resource.ResourceWithImportState    = (*workspaceEnrollmentResource)(nil)
	_ resource.ResourceWithValidateConfig = (*workspaceEnrollmentResource)(nil)
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

// workspaceNamePattern is the Control Plane's rule for workspace names.
var workspaceNamePattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// uuidPattern matches a UUID as the Control Plane writes its IDs.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// NewWorkspaceEnrollmentResource returns the zenmlpro_workspace_enrollment resource.
func NewWorkspaceEnrollmentResource() resource.Resource { return &workspaceEnrollmentResource{} }

type workspaceEnrollmentResource struct {
	data *providerData
}

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
					"lowercase letters, digits and hyphens, e.g. workspace-1", checkWorkspaceName)},
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

func checkWorkspaceName(s string) error {
	if !workspaceNamePattern.MatchString(s) {
		return fmt.Errorf("%q is not a workspace name: use lowercase letters, digits and hyphens, e.g. workspace-1", s)
	}
	return nil
}

func (r *workspaceEnrollmentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks literal values: the key file's path is absolute or relative, never a directory.
func (r *workspaceEnrollmentResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var file types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("enrollment_key_file"), &file)...)
	if file.IsNull() || file.IsUnknown() {
		return
	}
	if f := file.ValueString(); f == "" || f[len(f)-1] == '/' || f[len(f)-1] == os.PathSeparator {
		resp.Diagnostics.AddAttributeError(path.Root("enrollment_key_file"), "Invalid Enrollment Key File",
			fmt.Sprintf("Attribute enrollment_key_file: %q is not a file path; give a file in an existing directory, e.g. \"${path.root}/.secrets/workspace-1.key\".", f))
	}
}

// ModifyPlan: a create needs a place for the key, a file that is not there yet, and no same-named
// workspace in the organization; an organization given by ID is known at plan.
func (r *workspaceEnrollmentResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		r.warnRetained(ctx, req.State, &resp.Diagnostics)
		return
	}
	var plan workspaceEnrollmentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.StoreEnrollmentKeyInState.IsUnknown() && !plan.StoreEnrollmentKeyInState.ValueBool() {
		// Not kept: no key in the plan, nor in the state after it (also when the opt-in is withdrawn).
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("enrollment_key"), types.StringNull())...)
	}
	if !req.State.Raw.IsNull() {
		var state workspaceEnrollmentModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if state.Status.ValueString() == statusGone {
			// The workspace was deleted in the Control Plane: enrol it again. Its destroy removes the
			// old key file (when it holds the old key), which the create then writes anew.
			if f := state.EnrollmentKeyFile.ValueString(); f != "" && r.data != nil && plan.EnrollmentKeyFile.ValueString() == f {
				r.data.replacedKeyFiles.Store(f, state.EnrollmentKeySHA256.ValueString())
			}
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("status"), types.StringUnknown())...)
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("status"))
			return
		}
		if !state.StoreEnrollmentKeyInState.ValueBool() && plan.StoreEnrollmentKeyInState.ValueBool() && !plan.ID.IsUnknown() {
			resp.Diagnostics.AddAttributeWarning(path.Root("store_enrollment_key_in_state"), "Enrollment Key Not Recoverable",
				"The Control Plane answered the enrollment key once, when the workspace was enrolled, and it was not kept in the state then: "+
					"enrollment_key stays null. To get a new key, enrol again: terraform apply -replace=<this resource's address> (a new workspace ID and key).")
		}
		return
	}
	// A create.
	if plan.EnrollmentKeyFile.IsNull() && !plan.StoreEnrollmentKeyInState.IsUnknown() && !plan.StoreEnrollmentKeyInState.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("enrollment_key_file"), "Nowhere to Put the Enrollment Key",
			"The Control Plane answers a workspace's enrollment key once, at enrollment; without a place for it the key would be lost "+
				"and the workspace server could not log in. Set enrollment_key_file = \"${path.root}/.secrets/workspace-1.key\" (written "+
				"once, mode 0600), or store_enrollment_key_in_state = true (kept in the state as a sensitive value).")
		return
	}
	if !plan.EnrollmentKeyFile.IsNull() && !plan.EnrollmentKeyFile.IsUnknown() && !r.replacesOwnKeyFile(plan.EnrollmentKeyFile.ValueString()) {
		if msg := keyFileProblem(plan.EnrollmentKeyFile.ValueString()); msg != "" {
			resp.Diagnostics.AddAttributeError(path.Root("enrollment_key_file"), "Enrollment Key File Not Writable", "Attribute enrollment_key_file: "+msg)
			return
		}
	}
	if !plan.Organization.IsUnknown() && uuidPattern.MatchString(plan.Organization.ValueString()) {
		plan.OrganizationID = plan.Organization
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("organization_id"), plan.OrganizationID)...)
	}
	// A same-named workspace is found at plan when everything needed is known: the plan then fails
	// before anything is created.
	if plan.Name.IsUnknown() || plan.Organization.IsUnknown() || r.data == nil || r.data.controlPlane == nil ||
		r.data.controlPlane.unknown || r.data.controlPlane.absent {
		return
	}
	client, ctx, cancel, d := r.call(ctx, plan.Timeouts, "read", &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}
	org, err := client.ResolveOrganization(ctx, plan.Organization.ValueString())
	if err != nil {
		addControlPlaneError(&resp.Diagnostics, path.Root("organization"), "read", d, "finding the organization", err)
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("organization_id"), types.StringValue(org.ID))...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("organization_name"), types.StringValue(org.Name))...)
	ws, err := client.FindWorkspace(ctx, org.ID, plan.Name.ValueString())
	if err != nil {
		addControlPlaneError(&resp.Diagnostics, path.Root("name"), "read", d, "looking for the workspace", err)
		return
	}
	if ws != nil {
		addWorkspaceExists(&resp.Diagnostics, plan.Name.ValueString(), org, ws.ID)
	}
}

// warnRetained warns, at the plan of a destroy, that a retained workspace stays in the Control Plane.
func (r *workspaceEnrollmentResource) warnRetained(ctx context.Context, st tfsdk.State, diags *diag.Diagnostics) {
	var policy, name, status types.String
	diags.Append(st.GetAttribute(ctx, path.Root("deletion_policy"), &policy)...)
	diags.Append(st.GetAttribute(ctx, path.Root("name"), &name)...)
	diags.Append(st.GetAttribute(ctx, path.Root("status"), &status)...)
	if policy.ValueString() != enrollmentDelete && status.ValueString() != statusGone {
		diags.AddWarning("Workspace Kept in the Control Plane",
			fmt.Sprintf("Destroying this resource forgets the workspace %q but keeps it in the Control Plane (deletion_policy = %q). "+
				"Set deletion_policy = \"delete\" and apply before destroying to delete it.", name.ValueString(), policy.ValueString()))
	}
}

func addWorkspaceExists(diags *diag.Diagnostics, name string, org controlplane.Organization, id string) {
	diags.AddAttributeError(path.Root("name"), "Workspace Exists",
		fmt.Sprintf("Attribute name: the organization %s (%s) already has a workspace %q (ID %s), which this resource did not create; "+
			"it is not taken over, and its enrollment key cannot be read back. To manage it here, import it: "+
			"terraform import <this resource's address> %s (or an import block with id = %q). Otherwise choose another name.",
			org.Name, org.ID, name, id, id, id))
}

// replacesOwnKeyFile reports whether f is the key file of a workspace being enrolled again, still
// holding the old key, which the replacement's destroy removes first.
func (r *workspaceEnrollmentResource) replacesOwnKeyFile(f string) bool {
	if r.data == nil {
		return false
	}
	want, ok := r.data.replacedKeyFiles.Load(f)
	if !ok {
		return false
	}
	data, err := os.ReadFile(f)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]) == want
}

// keyFileProblem says why the key cannot be written to f: it exists, or its directory does not.
func keyFileProblem(f string) string {
	if _, err := os.Lstat(f); err == nil {
		return fmt.Sprintf("%q exists already, and an enrollment key file is never overwritten: remove it, or name another file", f)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Sprintf("%q cannot be checked: %v", f, err)
	}
	dir := filepath.Dir(f)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Sprintf("the directory %q of %q does not exist: create it first (e.g. a terraform_data with mkdir, or a directory in the module)", dir, f)
	}
	return ""
}

func enrollmentTimeout(ctx context.Context, t timeouts.Value, op string) (time.Duration, diag.Diagnostics) {
	switch op {
	case "read":
		return t.Read(ctx, defaultEnrollmentRead)
	case "delete":
		return t.Delete(ctx, defaultEnrollmentTimeout)
	case "update":
		return t.Update(ctx, defaultEnrollmentTimeout)
	}
	return t.Create(ctx, defaultEnrollmentTimeout)
}

// addControlPlaneError reports a failed Control Plane call on attribute p: the HTTP status, the
// endpoint and what to do, or the timeout attribute that ran out.
func addControlPlaneError(diags *diag.Diagnostics, p path.Path, within string, limit time.Duration, doing string, err error) {
	var api *controlplane.APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &api):
		diags.AddAttributeError(p, "Control Plane Did Not Answer",
			fmt.Sprintf("Attribute %s: %s: the Control Plane did not answer within timeouts.%s (%s): %v. Check that the Control Plane runs "+
				"and is reachable from here, or raise timeouts.%s.", p, doing, within, limit, err, within))
	case errors.As(err, &api):
		diags.AddAttributeError(p, fmt.Sprintf("Control Plane Refused (HTTP %d)", api.Status),
			fmt.Sprintf("Attribute %s: %s: %v. %s.", p, doing, err, capitalize(api.Advice())))
	default:
		diags.AddAttributeError(p, "Control Plane Not Reachable", fmt.Sprintf("Attribute %s: %s: %v.", p, doing, err))
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// call prepares the Control Plane calls of operation op ("create", "read", "delete"): the client, and
// a context that ends at the operation's timeout (its length is limit). A nil client means diags holds
// why; cancel is then a no-op.
func (r *workspaceEnrollmentResource) call(ctx context.Context, t timeouts.Value, op string, diags *diag.Diagnostics) (
	client *controlplane.Client, cctx context.Context, cancel context.CancelFunc, limit time.Duration) {
	limit, d := enrollmentTimeout(ctx, t, op)
	diags.Append(d...)
	switch {
	case diags.HasError():
	case r.data == nil:
		diags.AddError("Provider Not Configured", "the provider was not configured")
	default:
		c, err := r.data.controlPlane.get()
		if err != nil {
			diags.AddError("Control Plane Not Usable", err.Error())
			break
		}
		cctx, cancel = context.WithTimeout(ctx, limit)
		return c, cctx, cancel, limit
	}
	return nil, ctx, func() {}, limit
}

func (r *workspaceEnrollmentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan workspaceEnrollmentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, ctx, cancel, d := r.call(ctx, plan.Timeouts, "create", &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}
	keyFile := ""
	if !plan.EnrollmentKeyFile.IsNull() {
		keyFile = plan.EnrollmentKeyFile.ValueString()
		if msg := keyFileProblem(keyFile); msg != "" {
			resp.Diagnostics.AddAttributeError(path.Root("enrollment_key_file"), "Enrollment Key File Not Writable", "Attribute enrollment_key_file: "+msg)
			return
		}
	} else if !plan.StoreEnrollmentKeyInState.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("enrollment_key_file"), "Nowhere to Put the Enrollment Key",
			"Set enrollment_key_file or store_enrollment_key_in_state = true: the Control Plane answers the key once.")
		return
	}
	org, err := client.ResolveOrganization(ctx, plan.Organization.ValueString())
	if err != nil {
		addControlPlaneError(&resp.Diagnostics, path.Root("organization"), "create", d, "finding the organization", err)
		return
	}
	name := plan.Name.ValueString()
	existing, err := client.FindWorkspace(ctx, org.ID, name)
	if err != nil {
		addControlPlaneError(&resp.Diagnostics, path.Root("name"), "create", d, "looking for the workspace", err)
		return
	}
	if existing != nil {
		addWorkspaceExists(&resp.Diagnostics, name, org, existing.ID)
		return
	}
	e, err := client.Enroll(ctx, org.ID, name)
	if err != nil {
		addControlPlaneError(&resp.Diagnostics, path.Root("name"), "create", d, fmt.Sprintf("enrolling the workspace %q", name), err)
		return
	}
	sum := sha256.Sum256([]byte(e.EnrollmentKey))
	if keyFile != "" {
		if err := writeKeyFile(keyFile, e.EnrollmentKey); err != nil {
			// The key cannot be handed over: the workspace, just made by this apply, is deleted again
			// rather than left without a usable key.
			derr := client.DeleteWorkspace(ctx, e.ID)
			msg := fmt.Sprintf("Attribute enrollment_key_file: writing the enrollment key to %q failed: %v. ", keyFile, err)
			if derr != nil {
				msg += fmt.Sprintf("Deleting the workspace %s again failed too (%v): delete it in the Control Plane, then apply again.", e.ID, derr)
			} else {
				msg += fmt.Sprintf("The workspace %s was deleted again; fix the file's place and apply again.", e.ID)
			}
			resp.Diagnostics.AddAttributeError(path.Root("enrollment_key_file"), "Enrollment Key Not Written", msg)
			return
		}
	}
	plan.ID = types.StringValue(e.ID)
	plan.WorkspaceID = types.StringValue(e.ID)
	plan.OrganizationID = types.StringValue(org.ID)
	plan.OrganizationName = types.StringValue(org.Name)
	if e.Organization.Name != "" {
		plan.OrganizationName = types.StringValue(e.Organization.Name)
	}
	plan.Status = types.StringValue(e.Status)
	plan.EnrollmentKeySHA256 = types.StringValue(hex.EncodeToString(sum[:]))
	plan.EnrollmentKey = types.StringNull()
	if plan.StoreEnrollmentKeyInState.ValueBool() {
		plan.EnrollmentKey = types.StringValue(e.EnrollmentKey)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// writeKeyFile creates f with mode 0600 holding key alone; it never overwrites a file.
func writeKeyFile(f, key string) error {
	fh, err := os.OpenFile(f, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := fh.WriteString(key); err != nil {
		_ = fh.Close()
		_ = os.Remove(f)
		return err
	}
	if err := fh.Close(); err != nil {
		_ = os.Remove(f)
		return err
	}
	return nil
}

func (r *workspaceEnrollmentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state workspaceEnrollmentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, ctx, cancel, d := r.call(ctx, state.Timeouts, "read", &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}
	ws, err := client.Workspace(ctx, state.WorkspaceID.ValueString())
	if controlplane.IsNotFound(err) {
		if state.Status.ValueString() != statusGone {
			resp.Diagnostics.AddWarning("Workspace Deleted in the Control Plane",
				fmt.Sprintf("The workspace %q (ID %s) is no longer in the Control Plane: the plan enrols it again, with a new ID and a new "+
					"enrollment key (replacing the key file this resource wrote, if it still holds the old key); the workspace server's "+
					"Helm values and its key secret must follow.", state.Name.ValueString(), state.WorkspaceID.ValueString()))
		}
		// Kept in the state, marked gone, so that the replacement's destroy can remove the old key
		// file it wrote; the plan replaces it.
		state.Status = types.StringValue(statusGone)
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	if err != nil {
		addControlPlaneError(&resp.Diagnostics, path.Root("workspace_id"), "read", d, "reading the workspace", err)
		return
	}
	state.Name = types.StringValue(ws.Name)
	if ws.Organization.ID != "" {
		state.OrganizationID = types.StringValue(ws.Organization.ID)
	}
	if ws.Organization.Name != "" {
		state.OrganizationName = types.StringValue(ws.Organization.Name)
	}
	if state.Organization.IsNull() {
		// An import: the organization is known by its ID.
		state.Organization = state.OrganizationID
	}
	state.Status = types.StringValue(ws.Status)
	if f := state.EnrollmentKeyFile.ValueString(); f != "" && state.EnrollmentKeySHA256.ValueString() != "" {
		data, err := os.ReadFile(f)
		switch {
		case errors.Is(err, os.ErrNotExist):
			resp.Diagnostics.AddAttributeWarning(path.Root("enrollment_key_file"), "Enrollment Key File Gone",
				fmt.Sprintf("%q, where the enrollment key was written, is gone; the Control Plane never answers the key again. If the "+
					"workspace server's secret still holds it, nothing is lost; otherwise enrol again with terraform apply -replace.", f))
		case err == nil:
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != state.EnrollmentKeySHA256.ValueString() {
				resp.Diagnostics.AddAttributeWarning(path.Root("enrollment_key_file"), "Enrollment Key File Changed",
					fmt.Sprintf("%q no longer holds the enrollment key this resource wrote (its SHA-256 differs from enrollment_key_sha256).", f))
			}
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *workspaceEnrollmentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state workspaceEnrollmentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Only settings of this resource change in place (deletion_policy, the organization's spelling,
	// the key file's path, the state flag); the Control Plane is not written.
	plan.ID, plan.WorkspaceID = state.ID, state.WorkspaceID
	plan.OrganizationID, plan.OrganizationName, plan.Status = state.OrganizationID, state.OrganizationName, state.Status
	plan.EnrollmentKeySHA256 = state.EnrollmentKeySHA256
	plan.EnrollmentKey = types.StringNull()
	if plan.StoreEnrollmentKeyInState.ValueBool() {
		plan.EnrollmentKey = state.EnrollmentKey
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *workspaceEnrollmentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state workspaceEnrollmentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gone := state.Status.ValueString() == statusGone
	if state.DeletionPolicy.ValueString() != enrollmentDelete && !gone {
		return
	}
	if gone {
		removeOwnKeyFile(&resp.Diagnostics, state)
		return
	}
	client, ctx, cancel, d := r.call(ctx, state.Timeouts, "delete", &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}
	if err := client.DeleteWorkspace(ctx, state.WorkspaceID.ValueString()); err != nil {
		addControlPlaneError(&resp.Diagnostics, path.Root("deletion_policy"), "delete", d, "deleting the workspace "+state.WorkspaceID.ValueString(), err)
		return
	}
	removeOwnKeyFile(&resp.Diagnostics, state)
}

// removeOwnKeyFile removes the key file of a workspace that no longer exists, when it still holds
// exactly the key this resource wrote (by its SHA-256); any other file is left alone.
func removeOwnKeyFile(diags *diag.Diagnostics, state workspaceEnrollmentModel) {
	f := state.EnrollmentKeyFile.ValueString()
	if f == "" || state.EnrollmentKeySHA256.ValueString() == "" {
		return
	}
	data, err := os.ReadFile(f)
	if err != nil {
		return
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != state.EnrollmentKeySHA256.ValueString() {
		diags.AddAttributeWarning(path.Root("enrollment_key_file"), "Enrollment Key File Kept",
			fmt.Sprintf("%q holds something else than the key this resource wrote, so it is left as it is.", f))
		return
	}
	if err := os.Remove(f); err != nil {
		diags.AddAttributeWarning(path.Root("enrollment_key_file"), "Enrollment Key File Not Removed",
			fmt.Sprintf("%q holds the key of a workspace that no longer exists, and removing it failed: %v.", f, err))
	}
}

const enrollmentImportFormat = "the workspace's ID in the Control Plane, a UUID, e.g. 0f4c5a2e-5b1d-4c1e-9a40-1d2f3c4b5a69"

func (r *workspaceEnrollmentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !uuidPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not a workspace ID: give %s.", req.ID, enrollmentImportFormat))
		return
	}
	m := workspaceEnrollmentModel{
		ID: types.StringValue(req.ID), WorkspaceID: types.StringValue(req.ID), Name: types.StringNull(), Organization: types.StringNull(),
		DeletionPolicy: types.StringValue(enrollmentRetain), EnrollmentKeyFile: types.StringNull(),
		StoreEnrollmentKeyInState: types.BoolValue(false), Timeouts: timeouts.Value{Object: types.ObjectNull(timeoutsAllAttrTypes)},
		OrganizationID: types.StringNull(), OrganizationName: types.StringNull(), Status: types.StringNull(),
		EnrollmentKey: types.StringNull(), EnrollmentKeySHA256: types.StringNull(),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
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
