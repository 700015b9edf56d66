// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

var (
	_ resource.Resource                   = (*workspaceEnrollmentResource)(nil)
	_ resource.ResourceWithConfigure      = (*workspaceEnrollmentResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*workspaceEnrollmentResource)(nil)
	_ resource.ResourceWithImportState    = (*workspaceEnrollmentResource)(nil)
	_ resource.ResourceWithValidateConfig = (*workspaceEnrollmentResource)(nil)
)

// NewWorkspaceEnrollmentResource returns the zenmlpro_workspace_enrollment resource.
func NewWorkspaceEnrollmentResource() resource.Resource { return &workspaceEnrollmentResource{} }

type workspaceEnrollmentResource struct {
	data *providerData
}

func (r *workspaceEnrollmentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
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
			fmt.Sprintf("Attribute %s: %s: %v. %s.", p, doing, err, wording.Sentence(api.Advice())))
	default:
		diags.AddAttributeError(p, "Control Plane Not Reachable", fmt.Sprintf("Attribute %s: %s: %v.", p, doing, err))
	}
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
		if msg := controlplane.KeyFileProblem(keyFile); msg != "" {
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
	if keyFile != "" {
		if err := controlplane.WriteKeyFile(keyFile, e.EnrollmentKey); err != nil {
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
	plan.EnrollmentKeySHA256 = types.StringValue(controlplane.KeySHA256(e.EnrollmentKey))
	plan.EnrollmentKey = types.StringNull()
	if plan.StoreEnrollmentKeyInState.ValueBool() {
		plan.EnrollmentKey = types.StringValue(e.EnrollmentKey)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
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
		switch st, err := controlplane.KeyFileOf(f, state.EnrollmentKeySHA256.ValueString()); {
		case err != nil:
		case st == controlplane.KeyFileGone:
			resp.Diagnostics.AddAttributeWarning(path.Root("enrollment_key_file"), "Enrollment Key File Gone",
				fmt.Sprintf("%q, where the enrollment key was written, is gone; the Control Plane never answers the key again. If the "+
					"workspace server's secret still holds it, nothing is lost; otherwise enrol again with terraform apply -replace.", f))
		case st == controlplane.KeyFileOther:
			resp.Diagnostics.AddAttributeWarning(path.Root("enrollment_key_file"), "Enrollment Key File Changed",
				fmt.Sprintf("%q no longer holds the enrollment key this resource wrote (its SHA-256 differs from enrollment_key_sha256).", f))
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
	st, err := controlplane.KeyFileOf(f, state.EnrollmentKeySHA256.ValueString())
	if err != nil || st == controlplane.KeyFileGone {
		return
	}
	if st == controlplane.KeyFileOther {
		diags.AddAttributeWarning(path.Root("enrollment_key_file"), "Enrollment Key File Kept",
			fmt.Sprintf("%q holds something else than the key this resource wrote, so it is left as it is.", f))
		return
	}
	if err := os.Remove(f); err != nil {
		diags.AddAttributeWarning(path.Root("enrollment_key_file"), "Enrollment Key File Not Removed",
			fmt.Sprintf("%q holds the key of a workspace that no longer exists, and removing it failed: %v.", f, err))
	}
}

const enrollmentImportFormat = "the workspace's ID in the Control Plane, a UUID, e.g. " + controlplane.ExampleWorkspaceID

func (r *workspaceEnrollmentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !controlplane.IsID(req.ID) {
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
