// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
)

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
		if msg := controlplane.KeyFileProblem(plan.EnrollmentKeyFile.ValueString()); msg != "" {
			resp.Diagnostics.AddAttributeError(path.Root("enrollment_key_file"), "Enrollment Key File Not Writable", "Attribute enrollment_key_file: "+msg)
			return
		}
	}
	if !plan.Organization.IsUnknown() && controlplane.IsID(plan.Organization.ValueString()) {
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
	sum, _ := want.(string)
	st, err := controlplane.KeyFileOf(f, sum)
	return err == nil && st == controlplane.KeyFileHoldsKey
}
