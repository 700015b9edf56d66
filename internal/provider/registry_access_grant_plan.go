// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// Plan-time code of zenmlpro_registry_access_grant: the grant read from a configuration, its rules,
// and the values and warnings a plan shows.

// grantSpec is a grant as configured, with every value known.
type grantSpec struct {
	ecr *ecr.Grant
	ar  *artifactregistry.Grant
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

// addGrantConfigError reports a rule of the registry access packages at the attribute it names. Malformed principal
// values are left to the attribute validators, which report them already.
func addGrantConfigError(diags *diag.Diagnostics, err error) {
	var pe *principal.Error
	switch {
	case addInputError(diags, err):
	case errors.As(err, &pe):
	default:
		diags.AddError("Invalid Registry Access Grant", err.Error()+".")
	}
}

// checkGrantShape checks, with the rules of the registry access packages, what the attribute validators cannot: one
// registry, one principal, the principal's kind against the registry's, and the partitions. Values
// still unknown are skipped. known is false when a value the spec needs is unknown.
func checkGrantShape(ctx context.Context, m registryAccessGrantModel, defaultProject string, diags *diag.Diagnostics) (spec grantSpec, known bool) {
	ecrUnknown, arUnknown := m.ECR.IsUnknown(), m.ArtifactRegistry.IsUnknown()
	ecrSet, arSet := !m.ECR.IsNull() && !ecrUnknown, !m.ArtifactRegistry.IsNull() && !arUnknown
	if ecrSet && arSet || m.ECR.IsNull() && m.ArtifactRegistry.IsNull() {
		addGrantConfigError(diags, registryaccess.CheckOneRegistry(ecrSet, arSet))
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
		if err := registryaccess.CheckOnePrincipal(in); err != nil {
			addGrantConfigError(diags, err)
		}
		known = false
	}
	return spec, known
}

// ecrGrantSpec checks the ecr object against the principal and builds the grant; nil when a value is
// unknown or a rule is broken (reported in diags).
func ecrGrantSpec(ctx context.Context, obj types.Object, in principal.Input, access registryaccess.Access, known bool,
	diags *diag.Diagnostics) (*ecr.Grant, bool) {
	var e grantECRModel
	diags.Append(obj.As(ctx, &e, basetypes.ObjectAsOptions{UnhandledUnknownAsEmpty: true})...)
	if diags.HasError() {
		return nil, false
	}
	region := ""
	if !e.Region.IsUnknown() {
		region = e.Region.ValueString()
	}
	role, err := ecr.Role(in, region)
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
	return &ecr.Grant{
		Repository:   ecr.Repository{Region: region, RegistryID: regID, Name: e.Repository.ValueString()},
		PrincipalARN: role.ARN(), Access: access,
	}, true
}

// arGrantSpec checks the artifact_registry object against the principal and builds the grant, with
// the provider's default project when the object names none; nil when a value is unknown or a rule
// is broken (reported in diags).
func arGrantSpec(ctx context.Context, obj types.Object, in principal.Input, access registryaccess.Access, known bool,
	defaultProject string, diags *diag.Diagnostics) (*artifactregistry.Grant, bool) {
	member, err := artifactregistry.Member(in)
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
	return &artifactregistry.Grant{Repository: artifactregistry.Repository{Project: project, Location: a.Location.ValueString(), Repository: a.Repository.ValueString()},
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
					"e.g. artifact_registry = { project = \""+principal.ExampleGCPProject+"\", location = \""+artifactregistry.ExampleLocation+
					"\", repository = \""+artifactregistry.ExampleRepository+"\" }.")
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
		plan.Actions = stringList(ecr.Actions(spec.ecr.Access))
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
			own, _ := ecr.NewStatement(spec.ecr.PrincipalARN, spec.ecr.Access).MarshalJSON()
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
