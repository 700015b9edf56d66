// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

func (r *registryAccessGrantResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ecrService and arService return the grant service of a cloud, built at first use.
func (r *registryAccessGrantResource) ecrService(ctx context.Context) (*ecr.Service, error) {
	if r.data == nil {
		return nil, errors.New("the provider is not configured")
	}
	return r.data.grants.ecr(ctx, r.data.aws)
}

func (r *registryAccessGrantResource) arService(ctx context.Context) (*artifactregistry.Service, error) {
	if r.data == nil {
		return nil, errors.New("the provider is not configured")
	}
	return r.data.grants.artifactRegistry(ctx, r.data.gcp)
}

// bind returns the grant of a spec bound to its cloud's service. An ECR grant is bound through its
// pointer: a create that resolves the registry id writes it into spec.
func (r *registryAccessGrantResource) bind(ctx context.Context, spec grantSpec) (registryaccess.Grant, error) {
	if spec.ecr != nil {
		svc, err := r.ecrService(ctx)
		if err != nil {
			return nil, err
		}
		return svc.Bind(spec.ecr), nil
	}
	svc, err := r.arService(ctx)
	if err != nil {
		return nil, err
	}
	return svc.Bind(*spec.ar), nil
}

// cloudUnknown reports whether the provider's settings of the spec's cloud are known only after apply.
func (r *registryAccessGrantResource) cloudUnknown(spec grantSpec) bool {
	return r.data != nil && ((spec.ecr != nil && r.data.aws.unknown) || (spec.ar != nil && r.data.gcp.unknown))
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
	g, err := r.bind(ctx, spec)
	if err != nil {
		summary := "ECR Client Unavailable"
		if spec.ar != nil {
			summary = "Artifact Registry Client Unavailable"
		}
		addGrantError(&resp.Diagnostics, summary, err, spec, nil)
		return
	}
	res, err := g.Create(ctx, timeout)
	if err != nil {
		addGrantError(&resp.Diagnostics, "Registry Access Grant Failed", err, spec, g)
		return
	}
	setGrantState(&plan, spec, &resp.Diagnostics)
	plan.Preexisting = types.BoolValue(res.Preexisting)
	plan.Drift = types.StringNull()
	tflog.Info(ctx, "registry access granted", map[string]any{"id": plan.ID.ValueString(), "preexisting": res.Preexisting,
		"adopted": res.Adopted, "attempts": res.Attempts})
	if res.Note != nil {
		resp.Diagnostics.AddWarning(res.Note.Summary, plan.ID.ValueString()+": "+res.Note.Detail)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// setGrantState records the grant's registry block and the values derived from it.
func setGrantState(m *registryAccessGrantModel, spec grantSpec, diags *diag.Diagnostics) {
	if g := spec.ecr; g != nil {
		obj, d := types.ObjectValue(grantECRAttrTypes, map[string]attr.Value{
			"repository": types.StringValue(g.Repository.Name), "region": types.StringValue(g.Repository.Region),
			"registry_id": types.StringValue(g.Repository.RegistryID),
		})
		diags.Append(d...)
		m.ECR = obj
		m.ArtifactRegistry = types.ObjectNull(grantARAttrTypes)
		m.ID = types.StringValue(g.ID())
		m.StatementID = types.StringValue(g.StatementID())
		m.Actions = stringList(ecr.Actions(g.Access))
		m.Member, m.Role = types.StringNull(), types.StringNull()
		return
	}
	g := spec.ar
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
	if r.cloudUnknown(spec) {
		// The provider's cloud settings depend on values known only after apply: the grant cannot be
		// read in this plan, and is kept as it is (the apply reads and writes with the known settings).
		tflog.Info(ctx, "registry access not refreshed: the provider's cloud settings are not known yet", map[string]any{"id": state.ID.ValueString()})
		return
	}
	readTimeout, d := state.Timeouts.Read(ctx, defaultGrantTimeout)
	resp.Diagnostics.Append(d...)
	g, err := r.bind(ctx, spec)
	var found registryaccess.Inspection
	if err == nil {
		found, err = g.Inspect(ctx, readTimeout)
	}
	if err != nil {
		addGrantError(&resp.Diagnostics, "Reading Registry Access Failed", err, spec, g)
		return
	}
	imported := state.Preexisting.IsNull() || state.Preexisting.IsUnknown()
	// What differs under the grant's own name stays in the state: the plan shows it being rewritten,
	// with a warning, rather than a create that would refuse it.
	switch {
	case found.Status != registryaccess.Current && found.Drift == "" && imported:
		resp.Diagnostics.AddError("Cannot Import Registry Access", fmt.Sprintf("%s: %s. Only a grant that exists can be imported; "+
			"check the ID (%s) or create the grant with terraform apply.", state.ID.ValueString(), found.Reason, registryaccess.ImportFormats))
		return
	case found.Status != registryaccess.Current && found.Drift == "":
		resp.Diagnostics.AddWarning("Registry Access Changed Outside Terraform", fmt.Sprintf("%s: %s. The grant is removed from the state; "+
			"the next apply grants it again.", state.ID.ValueString(), found.Reason))
		resp.State.RemoveResource(ctx)
		return
	}
	if imported {
		state.Preexisting = types.BoolValue(found.Preexisting)
	}
	state.Drift = types.StringNull()
	if found.Drift != "" {
		state.Drift = types.StringValue(found.Drift)
	}
	setGrantState(&state, spec, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *registryAccessGrantResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// Only timeouts change without replacement, and what a refresh found changed under the grant's own
	// name is put back (the plan said so); the rest of the state stays.
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
		timeout, d := plan.Timeouts.Create(ctx, defaultGrantTimeout)
		resp.Diagnostics.Append(d...)
		g, err := r.bind(ctx, spec)
		if err == nil {
			_, err = g.Rewrite(ctx, timeout)
		}
		if err != nil {
			addGrantError(&resp.Diagnostics, "Registry Access Grant Failed", err, spec, g)
			return
		}
		tflog.Info(ctx, "registry access rewritten", map[string]any{"id": state.ID.ValueString()})
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
	g, err := r.bind(ctx, spec)
	var res registryaccess.RevokeResult
	if err == nil {
		res, err = g.Revoke(ctx, state.Preexisting.ValueBool(), timeout)
	}
	if err != nil {
		addGrantError(&resp.Diagnostics, "Revoking Registry Access Failed", err, spec, g)
		return
	}
	tflog.Info(ctx, "registry access revoked", map[string]any{"id": state.ID.ValueString(), "removed": res.Removed,
		"policy_deleted": res.PolicyDeleted, "already_gone": res.AlreadyGone, "kept": res.Kept != ""})
	if res.Kept != "" {
		resp.Diagnostics.AddWarning("Pre-existing Access Kept", state.ID.ValueString()+": "+res.Kept+".")
	}
}

// parseGrantImportID reads an import ID of either registry.
func parseGrantImportID(id string) (grantSpec, principalState, error) {
	if g, ok, err := ecr.ParseID(id); ok || err != nil {
		return grantSpec{ecr: &g}, principalState{awsRoleARN: g.PrincipalARN}, err
	}
	if imp, ok, err := artifactregistry.ParseID(id); ok || err != nil {
		return grantSpec{ar: &imp.Grant}, principalState{gcpServiceAccount: imp.ServiceAccount, workloadIdentity: imp.WorkloadIdentity}, err
	}
	if _, _, _, err := registryaccess.SplitImportID(id); err != nil {
		return grantSpec{}, principalState{}, err
	}
	return grantSpec{}, principalState{}, registryaccess.ErrUnknownImportID(id)
}

// principalState is the principal object of an imported grant: one of its values is set.
type principalState struct {
	awsRoleARN        string
	gcpServiceAccount string
	workloadIdentity  *principal.WorkloadIdentity
}

func (p principalState) value(diags *diag.Diagnostics) types.Object {
	str := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	wi := types.ObjectNull(grantWIAttrTypes)
	if w := p.workloadIdentity; w != nil {
		obj, d := types.ObjectValue(grantWIAttrTypes, map[string]attr.Value{"project": types.StringValue(w.Project),
			"namespace": types.StringValue(w.Namespace), "service_account": types.StringValue(w.ServiceAccount)})
		diags.Append(d...)
		wi = obj
	}
	obj, d := types.ObjectValue(grantPrincipalAttrTypes, map[string]attr.Value{"aws_iam_role_arn": str(p.awsRoleARN),
		"gcp_service_account": str(p.gcpServiceAccount), "gke_workload_identity": wi})
	diags.Append(d...)
	return obj
}

func (r *registryAccessGrantResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	spec, who, err := parseGrantImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error()+".")
		return
	}
	m := registryAccessGrantModel{
		Preexisting: types.BoolNull(),
		Drift:       types.StringNull(),
		Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType, "read": types.StringType,
			"delete": types.StringType})},
		Principal: who.value(&resp.Diagnostics),
	}
	setGrantState(&m, spec, &resp.Diagnostics)
	if spec.ecr != nil {
		m.Access = types.StringValue(string(spec.ecr.Access))
	} else {
		m.Access = types.StringValue(string(spec.ar.Access))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// addGrantError reports a failed grant operation with what to do about it. g, when known, adds the
// principal and the permissions the cloud refused.
func addGrantError(diags *diag.Diagnostics, summary string, err error, spec grantSpec, g registryaccess.Grant) {
	var nf *registryaccess.RepositoryNotFoundError
	var rerr *retry.Error
	attrPath := path.Root("ecr").AtName("repository")
	if spec.ar != nil {
		attrPath = path.Root("artifact_registry").AtName("repository")
	}
	var tooLarge *ecr.PolicyTooLargeError
	var conflict *ecr.StatementConflictError
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
	case errors.As(err, &rerr) && rerr.Kind == retry.Propagation && g != nil:
		diags.AddAttributeError(path.Root("principal"), "Principal Not Known To The Registry", fmt.Sprintf("%v.\n\nThe registry still "+
			"refused %s when the time ran out. If the principal was created in this apply, IAM may need longer to propagate it: raise "+
			"timeouts.create, e.g. timeouts = { create = \"10m\" }. Otherwise check that it exists.", err, g.Principal()))
		return
	}
	detail := err.Error() + "."
	if g != nil {
		if hint := g.PermissionHint(err); hint != "" {
			detail += "\n\n" + hint
		}
	}
	diags.AddError(summary, detail)
}
