// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/helmvalues"
)

// Plan-time code of zenmlpro_database: validation, the planned values, and the checks that say in
// the plan what an apply would refuse or lose.

var (
	charsetPattern  = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	encodingPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)
)

func (r *databaseResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m databaseResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.User.IsNull() && !m.User.IsUnknown() {
		var u databaseUserModel
		resp.Diagnostics.Append(m.User.As(ctx, &u, basetypes.ObjectAsOptions{})...)
		if resp.Diagnostics.HasError() {
			return
		}
		if !u.PasswordWO.IsUnknown() && u.PasswordWO.ValueString() == "" && !u.PasswordWO.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("user").AtName("password_wo"), "Empty User Password",
				"Attribute user.password_wo is empty. Give the user a password, e.g. from an ephemeral random_password or a secret manager.")
		}
		// A user without password_wo is an imported one whose password the provider is not to set (the plan
		// fails when the apply would need it); a version numbers a password, so it needs one.
		if u.PasswordWO.IsNull() && !u.PasswordWOVersion.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("user").AtName("password_wo"), "Missing User Password",
				"Attribute user.password_wo_version is set but user.password_wo is not: the version numbers the password given in password_wo. "+
					"Give the password from a variable or an ephemeral resource, e.g. password_wo = var.workspace_db_password; or, for an imported user "+
					"whose password is to stay as it is, leave out both.")
		}
	}
	if component, _, err := checks.ParseDatabaseComponent(m.Component.ValueString()); err == nil && component == checks.ControlPlaneDatabase &&
		!m.PasswordSecret.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("password_secret"), "Password Secret Not Used",
			"Attribute password_secret is for workspace databases: the Control Plane chart (zenml-pro) takes the database password as the plain "+
				"value zenml.database.external.password, with no secret reference. Remove password_secret and pass the password to Helm separately, "+
				"e.g. with set_sensitive { name = \"zenml.database.external.password\" }.")
	}
}

func (r *databaseResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		r.warnOnDestroy(ctx, req, resp)
		return
	}
	var plan, config databaseResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *databaseResourceModel
	if !req.State.Raw.IsNull() {
		state = &databaseResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	lk := r.lookup(plan.Server)
	if lk.configured && lk.slot == nil {
		resp.Diagnostics.Append(r.unknownServerDiag(plan.Server.ValueString()))
		return
	}
	var engine databases.Engine
	if lk.slot != nil {
		engine = lk.slot.engine
		if lk.slot.problem != nil {
			resp.Diagnostics.AddAttributeError(path.Root("server"), "Invalid Database Server",
				fmt.Sprintf("The provider's configuration of server %q is invalid: %s.", plan.Server.ValueString(), lk.slot.problem))
			return
		}
	}
	if d := workspaceOnPostgres(plan, engine); d != nil {
		resp.Diagnostics.Append(d)
	}

	// Replacement: a new server key or name (RequiresReplace), or the same key on a server of another engine.
	replacing := false
	if state != nil {
		replacing = !plan.Server.Equal(state.Server) || !plan.Name.Equal(state.Name)
		if movedEngine(*state, engine) {
			replacing = true
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("engine"))
		}
	}
	existing := state != nil && !replacing

	if plan.Server.IsUnknown() || plan.Name.IsUnknown() {
		plan.ID = types.StringUnknown()
	} else {
		plan.ID = types.StringValue(databases.ID(plan.Server.ValueString(), plan.Name.ValueString()))
	}
	if engine != "" {
		plan.Engine = types.StringValue(string(engine))
	} else {
		plan.Engine = types.StringUnknown()
	}
	if existing {
		plan.ServerVersion = state.ServerVersion
	} else {
		plan.ServerVersion = types.StringUnknown()
	}

	r.planEngineAttributes(&plan, config, state, existing, engine, &resp.Diagnostics)
	var oldUser *databaseUserModel
	if existing {
		oldUser = userOf(ctx, state.User, &resp.Diagnostics)
	}
	user := r.planUser(ctx, &plan, config, engine, lk.slot, oldUser, &resp.Diagnostics)
	notSet := existing && passwordNotSet(ctx, req.Private, oldUser, &resp.Diagnostics)
	steps, known := planPassword(ctx, plan, config, oldUser, user, existing, notSet, &resp.Diagnostics)
	if existing && known {
		r.checkUserChange(plan, engine, oldUser, user, steps, &resp.Diagnostics)
	}
	if replacing {
		r.checkReplacement(ctx, plan, *state, lk.slot, user, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	switch key := replacementKey(plan, user); {
	case replacing && r.data != nil:
		// Terraform plans the replacement's create again, without the state. The replacement's destroy
		// runs first and handles the old database and, with it, the user: that create checks the
		// database at plan time and leaves the user to the apply.
		if old := userOf(ctx, state.User, &resp.Diagnostics); old != nil && user != nil && key != "" && old.account() == user.account() {
			r.data.replacedUsers.Store(key, true)
		}
	case state == nil:
		checked := user
		if r.data != nil && key != "" {
			if _, replaced := r.data.replacedUsers.LoadAndDelete(key); replaced {
				checked = nil
			}
		}
		r.checkCreateAtPlan(ctx, plan, checked, lk.slot, &resp.Diagnostics)
	}
	plan.StoreURL, plan.HelmDatabaseValues = derivedValues(ctx, plan, user, lk.slot, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// supportedOn reports whether ZenML supports the component's database on the engine (an unknown
// engine is not refused): a Workspace Server's is not supported on PostgreSQL.
func supportedOn(component checks.DatabaseComponent, engine databases.Engine) bool {
	return engine != databases.Postgres || component.SupportsPostgres()
}

// workspaceOnPostgres is the error for a Workspace Server database on a PostgreSQL server (nil when
// the engine is unknown or the combination is supported).
func workspaceOnPostgres(m databaseResourceModel, engine databases.Engine) diag.Diagnostic {
	if m.Component.IsNull() || m.Component.IsUnknown() {
		return nil
	}
	if component, _, err := checks.ParseDatabaseComponent(m.Component.ValueString()); err != nil || supportedOn(component, engine) {
		return nil
	}
	return diag.NewAttributeErrorDiagnostic(path.Root("component"), "Workspace Database On PostgreSQL",
		fmt.Sprintf("Attribute component is %q but server %q is a postgres server. %s (ZenML Pro database support matrix). "+
			"Put workspace databases on a MySQL server (engine = \"mysql\"), or use component = \"control_plane\" for the Control Plane's database.",
			m.Component.ValueString(), m.Server.ValueString(), checks.DatabaseSupportMatrix))
}

// planPassword says in the plan what the apply does with the user's password, from the steps of the
// update (databases.ReconcileRequest.Steps; known is false while the planned user is not known, or
// without a user): the plan fails when the apply must set a password and the configuration gives
// none, and warns when the first password version of an imported user is only recorded.
func planPassword(ctx context.Context, plan, config databaseResourceModel, oldUser, user *databaseUserModel, existing, notSet bool,
	diags *diag.Diagnostics) (steps databases.ReconcileSteps, known bool) {
	if user == nil || user.Name.IsUnknown() || user.Host.IsUnknown() {
		return steps, false
	}
	account := databases.DescribeUser(user.account())
	why := fmt.Sprintf("the apply creates user %s (or takes it over) and sets its password", account)
	if existing {
		steps = userRequest(target(plan, user, nil), oldUser, user, notSet, false).Steps()
		switch {
		case steps.EnsureUser:
			why = fmt.Sprintf("user %s is new to this database (added, renamed, or found missing on the server), and the apply creates it "+
				"(or takes it over) and sets its password", account)
		case steps.Rotate:
			why = "user.password_wo_version changed, and the apply sets the password of user " + account
		default:
			why = ""
		}
	}
	// The configuration is read only when the apply needs the password: a plan with no change reads nothing more.
	if why != "" && passwordMissing(ctx, config, diags) {
		diags.AddAttributeError(path.Root("user").AtName("password_wo"), "Missing User Password",
			fmt.Sprintf("Attribute user.password_wo is not set, but %s. Give it from a variable or an ephemeral resource, e.g. "+
				"password_wo = var.workspace_db_password, with password_wo_version = 1 (change the version to rotate it).", why))
	}
	if steps.RecordVersion {
		version, next := "the new user.password_wo_version", "change user.password_wo_version again"
		if v := user.PasswordWOVersion; !v.IsUnknown() && !v.IsNull() {
			version = fmt.Sprintf("user.password_wo_version = %d", v.ValueInt64())
			next = fmt.Sprintf("change user.password_wo_version again (e.g. to %d)", v.ValueInt64()+1)
		}
		diags.AddWarning("Imported User's Password Kept", fmt.Sprintf("%s: user %s was imported, and the provider has not set its password. "+
			"This apply records %s and leaves the password on the server as it is (user.password_wo is neither set nor compared with it), "+
			"so whatever logs in as the user keeps working. To set user.password_wo as the user's password, %s and apply.",
			plan.ID.ValueString(), account, version, next))
	}
	return steps, true
}

// passwordMissing reports whether the configuration has a user without user.password_wo.
func passwordMissing(ctx context.Context, config databaseResourceModel, diags *diag.Diagnostics) bool {
	u := userOf(ctx, config.User, diags)
	return u != nil && u.PasswordWO.IsNull()
}

// checkUserChange says in the plan what an update will refuse or keep: a PostgreSQL rename (the old
// role owns ZenML's tables), a password rotation of a user that holds anything elsewhere, and the old
// user of a rename that is kept for the same reason.
func (r *databaseResource) checkUserChange(plan databaseResourceModel, engine databases.Engine, oldUser, user *databaseUserModel,
	steps databases.ReconcileSteps, diags *diag.Diagnostics) {
	if oldUser == nil || user == nil || oldUser.Name.IsUnknown() || user.Name.IsUnknown() {
		return
	}
	elsewhere := listStrings(oldUser.OtherPrivileges)
	renamed := oldUser.Name.ValueString() != user.Name.ValueString() || (!user.Host.IsUnknown() && oldUser.Host.ValueString() != user.Host.ValueString())
	switch {
	case renamed && engine == databases.Postgres:
		old, next, server := oldUser.Name.ValueString(), user.Name.ValueString(), plan.Server.ValueString()
		diags.AddAttributeError(path.Root("user").AtName("name"), "User Rename Not Supported On PostgreSQL",
			fmt.Sprintf("Attribute user.name changes from %q to %q on PostgreSQL server %q. The tables ZenML created belong to %q; a new role would own "+
				"the database but not its tables, and dropping the old role would hand them to the admin user, breaking ZenML's next migration. "+
				"Rename the role in SQL instead (ALTER ROLE %s RENAME TO %s), run terraform state rm on this resource and import it as %s "+
				"(an imported user keeps its password: the first password_wo_version after the import is recorded, a later change sets password_wo).",
				old, next, server, old, old, next, importIDOf(plan, user)))
	case renamed && len(elsewhere) > 0:
		diags.AddWarning("Old User Will Be Kept", fmt.Sprintf("%s: user %s is replaced by user %s, but it holds privileges outside database %q (%s), "+
			"so it is not dropped: another application may use it.", plan.ID.ValueString(), databases.DescribeUser(oldUser.account()),
			databases.DescribeUser(user.account()), plan.Name.ValueString(), strings.Join(elsewhere, "; ")))
	case !renamed && len(elsewhere) > 0 && steps.Rotate:
		diags.AddAttributeError(path.Root("user").AtName("password_wo_version"), "Password Not Changed",
			fmt.Sprintf("Attribute user.password_wo_version changed, but user %s holds privileges outside database %q: %s. Another application may "+
				"log in as it, so the provider does not change its password. Revoke those privileges first, or give this database a user of its own.",
				databases.DescribeUser(user.account()), plan.Name.ValueString(), strings.Join(elsewhere, "; ")))
	}
}

// checkReplacement says in the plan what a replacement does to the old database: it warns when the
// deletion policy drops it, and fails when the replacement cannot succeed: the new key names the same
// server as the old one (the database would be dropped and created empty, or kept and then refused),
// or the user kept with a retained database would be needed by the new one.
func (r *databaseResource) checkReplacement(ctx context.Context, plan, state databaseResourceModel, slot *databaseServerSlot, user *databaseUserModel,
	diags *diag.Diagnostics) {
	policy := state.DeletionPolicy.ValueString()
	old := databases.ID(state.Server.ValueString(), state.Name.ValueString())
	oldSlot := r.lookup(state.Server).slot
	sameServer := slot != nil && oldSlot != nil && slot.known && oldSlot.known && slot.cfg.Engine == oldSlot.cfg.Engine &&
		hostPort(slot.cfg) == hostPort(oldSlot.cfg)
	if sameServer && !plan.Server.Equal(state.Server) && plan.Name.Equal(state.Name) {
		diags.AddAttributeError(path.Root("server"), "Replacement Would Recreate The Same Database",
			fmt.Sprintf("Attribute server changes from %q to %q, and both keys name the server at %s: the replacement would handle database %q "+
				"by its deletion_policy %q (with \"drop\", its data is lost) and then create it again on the same server. To move the resource to the "+
				"new key without touching the database: terraform state rm <address>, then terraform import <address> %s.", state.Server.ValueString(),
				plan.Server.ValueString(), hostPort(slot.cfg), state.Name.ValueString(), policy, importIDOf(plan, user)))
		return
	}
	oldUser := userOf(ctx, state.User, diags)
	sameUser := user != nil && oldUser != nil && !user.Name.IsUnknown() && oldUser.account() == user.account() &&
		(plan.Server.Equal(state.Server) || sameServer)
	switch {
	case (policy == databases.PolicyRetain || policy == "") && sameUser:
		u := databases.DescribeUser(user.account())
		diags.AddAttributeError(path.Root("name"), "Replacement Cannot Succeed",
			fmt.Sprintf("Database %s is replaced by %s under deletion_policy \"retain\": the old database stays, and with it user %s, which then holds "+
				"privileges on it. The new database cannot take that user (the provider never takes over a user that holds anything elsewhere), so "+
				"the apply would fail after the old database left the state. Either give the new database its own user (user.name), or move the user "+
				"by hand: terraform state rm <address>; revoke what %s holds on %q (MySQL: REVOKE ALL PRIVILEGES ON `%s`.* FROM %s; PostgreSQL: "+
				"ALTER DATABASE %s OWNER TO <admin> and REASSIGN OWNED BY %s TO <admin> in it); then set adopt_existing = true and apply.",
				old, plan.ID.ValueString(), u, u, state.Name.ValueString(), state.Name.ValueString(), u, state.Name.ValueString(), user.Name.ValueString()))
	case policy == databases.PolicyDrop:
		diags.AddWarning("Replacement Drops The Database", fmt.Sprintf("zenmlpro_database %s is replaced, and its deletion_policy is \"drop\": "+
			"the apply drops database %q on server %q with all its data (and its user), then creates %s. If the data must stay, set "+
			"deletion_policy = \"retain\" and apply that first.", old, state.Name.ValueString(), state.Server.ValueString(), plan.ID.ValueString()))
	case policy == databases.PolicyDropIfEmpty:
		diags.AddWarning("Replacement Drops The Database", fmt.Sprintf("zenmlpro_database %s is replaced, and its deletion_policy is \"drop_if_empty\": "+
			"the apply drops database %q on server %q (and its user) if it holds no tables, and fails otherwise, then creates %s.", old,
			state.Name.ValueString(), state.Server.ValueString(), plan.ID.ValueString()))
	}
}

// replacementKey names a planned database with its user, "" while a part is unknown.
func replacementKey(plan databaseResourceModel, user *databaseUserModel) string {
	if user == nil || plan.Server.IsUnknown() || plan.Name.IsUnknown() || user.Name.IsUnknown() || user.Host.IsUnknown() {
		return ""
	}
	return databases.ID(plan.Server.ValueString(), plan.Name.ValueString()) + "/" + databases.DescribeUser(user.account())
}

// checkCreateAtPlan runs the create's rules against the server when it can be reached at plan time,
// so that a database or user the apply would refuse fails the plan instead. A server that cannot be
// reached, or does not answer within timeouts.read, is left to the apply.
func (r *databaseResource) checkCreateAtPlan(ctx context.Context, plan databaseResourceModel, user *databaseUserModel, slot *databaseServerSlot,
	diags *diag.Diagnostics) {
	if slot == nil || !slot.known || slot.problem != nil || plan.Name.IsUnknown() || plan.AdoptExisting.IsUnknown() || r.data == nil || r.data.pools == nil ||
		(user != nil && (user.Name.IsUnknown() || user.Host.IsUnknown())) {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Read, defaultDatabaseTimeout, diags)
	defer cancel()
	srv, err := r.data.pools.Server(slot.cfg)
	if err != nil {
		return
	}
	req := databases.ProvisionRequest{
		Target:        target(plan, user, slot),
		Spec:          databases.DatabaseSpec{CharacterSet: plan.CharacterSet.ValueString(), Collation: plan.Collation.ValueString(), Encoding: plan.Encoding.ValueString()},
		AdoptExisting: plan.AdoptExisting.ValueBool(),
	}
	_, err = databases.CheckProvision(ctx, srv, req)
	switch {
	case addInputError(diags, err):
	case err != nil:
		tflog.Info(ctx, "the create could not be checked at plan time; the apply checks it", map[string]any{"error": err.Error()})
	}
}

// warnOnDestroy says, at plan time, what a destroy keeps: the database under deletion_policy retain,
// and a user that holds anything outside the database under the drop policies.
func (r *databaseResource) warnOnDestroy(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() {
		return
	}
	var state databaseResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	user := userOf(ctx, state.User, &resp.Diagnostics)
	if state.DeletionPolicy.IsNull() || state.DeletionPolicy.ValueString() == databases.PolicyRetain {
		kept, stays := keptText(state, user)
		resp.Diagnostics.AddWarning("Database Will Be Kept",
			fmt.Sprintf("zenmlpro_database %s has deletion_policy \"retain\": destroying it removes it from the Terraform state only, and %s %s "+
				"on server %q with the data. To drop it, first apply deletion_policy = \"drop_if_empty\" or \"drop\".",
				state.ID.ValueString(), kept, stays, state.Server.ValueString()))
		return
	}
	if user != nil {
		if elsewhere := listStrings(user.OtherPrivileges); len(elsewhere) > 0 {
			resp.Diagnostics.AddWarning("User Will Be Kept", fmt.Sprintf("zenmlpro_database %s: destroying it drops database %q, but not its user %s, "+
				"which holds privileges outside it (%s): another application may use it.", state.ID.ValueString(), state.Name.ValueString(),
				databases.DescribeUser(user.account()), strings.Join(elsewhere, "; ")))
		}
	}
}

// listStrings returns the known string elements of a list.
func listStrings(l types.List) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []string
	for _, e := range l.Elements() {
		if s, ok := e.(types.String); ok && !s.IsNull() && !s.IsUnknown() {
			out = append(out, s.ValueString())
		}
	}
	return out
}

// planEngineAttributes plans character_set, collation and encoding: engine defaults for new databases,
// the recorded values for existing ones, and errors for values of the other engine or for changes.
func (r *databaseResource) planEngineAttributes(plan *databaseResourceModel, config databaseResourceModel, state *databaseResourceModel,
	existing bool, engine databases.Engine, diags *diag.Diagnostics) {
	type engineAttr struct {
		name     string
		config   types.String
		state    types.String
		planned  *types.String
		def      string
		engineOf databases.Engine
	}
	var st databaseResourceModel
	if state != nil {
		st = *state
	}
	attrs := []engineAttr{
		{"character_set", config.CharacterSet, st.CharacterSet, &plan.CharacterSet, databases.DefaultCharacterSet, databases.MySQL},
		{"collation", config.Collation, st.Collation, &plan.Collation, "", databases.MySQL},
		{"encoding", config.Encoding, st.Encoding, &plan.Encoding, databases.DefaultEncoding, databases.Postgres},
	}
	for _, a := range attrs {
		switch {
		case engine != "" && engine != a.engineOf:
			if !a.config.IsNull() {
				other := "character_set and collation"
				if a.engineOf == databases.MySQL {
					other = "encoding"
				}
				diags.AddAttributeError(path.Root(a.name), "Attribute Not For This Engine",
					fmt.Sprintf("Attribute %s applies to %s servers only, and server %q is a %s server. Remove it (on %s, use %s).",
						a.name, a.engineOf, plan.Server.ValueString(), engine, engine, other))
			}
			*a.planned = types.StringNull()
		case existing && !a.state.IsNull() && !a.state.IsUnknown():
			if !a.config.IsNull() && !a.config.IsUnknown() && !strings.EqualFold(a.config.ValueString(), a.state.ValueString()) {
				diags.AddAttributeError(path.Root(a.name), "Database Setting Cannot Change",
					fmt.Sprintf("Attribute %s is %q, but database %q has %q on the server. It is set when the database is created; "+
						"converting an existing database is a migration, not something Terraform should do on its own. "+
						"Set %s = %q to match the server, or convert the database outside Terraform first.",
						a.name, a.config.ValueString(), plan.Name.ValueString(), a.state.ValueString(), a.name, a.state.ValueString()))
			}
			if a.config.IsNull() || a.config.IsUnknown() {
				*a.planned = a.state
			} else {
				*a.planned = a.config
			}
		case !a.config.IsNull():
			*a.planned = a.config
		case engine == a.engineOf && a.def != "":
			*a.planned = types.StringValue(a.def)
		default:
			*a.planned = types.StringUnknown()
		}
	}
}

// planUser plans the user object: host default, the engine's name rules, and the drift attributes as
// they will be after apply (other_privileges stays as read for the same user, and is empty for a new
// one, since a create refuses a user that holds anything elsewhere).
func (r *databaseResource) planUser(ctx context.Context, plan *databaseResourceModel, config databaseResourceModel, engine databases.Engine,
	slot *databaseServerSlot, oldUser *databaseUserModel, diags *diag.Diagnostics) *databaseUserModel {
	if config.User.IsNull() || config.User.IsUnknown() {
		plan.User = config.User
		return nil
	}
	var u databaseUserModel
	diags.Append(config.User.As(ctx, &u, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return nil
	}
	switch {
	case engine == databases.Postgres && !u.Host.IsNull():
		diags.AddAttributeError(path.Root("user").AtName("host"), "Attribute Not For This Engine",
			fmt.Sprintf("Attribute user.host applies to MySQL servers only, and server %q is a postgres server: PostgreSQL roles have no host part. Remove it.",
				plan.Server.ValueString()))
	case u.Host.IsNull() && engine != "":
		u.Host = nullIfEmpty(engine.UserHost(""))
	case u.Host.IsNull():
		u.Host = types.StringUnknown()
	}
	if engine == databases.Postgres && !u.Name.IsUnknown() {
		if err := checks.CheckPostgresRoleName(u.Name.ValueString()); err != nil {
			diags.AddAttributeError(path.Root("user").AtName("name"), "Reserved PostgreSQL Role Name",
				fmt.Sprintf("Attribute user.name: %s. Server %q is a postgres server.", err, plan.Server.ValueString()))
		}
	}
	if slot != nil && slot.known && !u.Name.IsUnknown() && u.Name.ValueString() == slot.cfg.Username {
		diags.AddAttributeError(path.Root("user").AtName("name"), "User Is The Admin User",
			fmt.Sprintf("Attribute user.name is %q, the admin user of server %q. The dedicated user must be a separate account, which the provider "+
				"creates and may drop; use a name such as %q.", u.Name.ValueString(), plan.Server.ValueString(), checks.ExampleUserName))
	}
	u.PasswordWO = types.StringNull()
	u.Exists = types.BoolValue(true)
	u.MissingPrivileges = emptyList()
	u.OtherPrivileges = emptyList()
	if oldUser != nil && !u.Name.IsUnknown() && !u.Host.IsUnknown() && oldUser.account() == u.account() && !oldUser.OtherPrivileges.IsNull() {
		u.OtherPrivileges = oldUser.OtherPrivileges
	}
	obj, d := types.ObjectValueFrom(ctx, databaseUserAttrTypes, u)
	diags.Append(d...)
	plan.User = obj
	return &u
}

// derivedValues computes store_url and helm_database_values, unknown while anything they need is.
func derivedValues(ctx context.Context, m databaseResourceModel, user *databaseUserModel, slot *databaseServerSlot, diags *diag.Diagnostics) (types.String, types.String) {
	if slot == nil || !slot.known || slot.problem != nil || m.Name.IsUnknown() || m.Component.IsUnknown() ||
		m.PasswordSecret.IsUnknown() || m.User.IsUnknown() || (user != nil && user.Name.IsUnknown()) {
		return types.StringUnknown(), types.StringUnknown()
	}
	conn := checks.DatabaseConnection{
		Engine: string(slot.cfg.Engine), Host: slot.cfg.Host, Port: slot.cfg.Port, Database: m.Name.ValueString(),
		TLSMode: string(slot.cfg.TLS.Mode), ClientCertificate: slot.cfg.TLS.ClientCertificate != "",
	}
	if user != nil {
		conn.Username = user.Name.ValueString()
	}
	storeURL := types.StringNull()
	if u := checks.StoreURL(conn); u != "" {
		storeURL = types.StringValue(u)
	}
	if m.Component.IsNull() {
		return storeURL, types.StringNull()
	}
	component, _, err := checks.ParseDatabaseComponent(m.Component.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("component"), "Invalid Component", fmt.Sprintf("Attribute component: %s.", err))
		return storeURL, types.StringNull()
	}
	if !supportedOn(component, slot.cfg.Engine) {
		return storeURL, types.StringNull()
	}
	secret := checks.DefaultPasswordSecret(m.Name.ValueString())
	if !m.PasswordSecret.IsNull() {
		var ps passwordSecretModel
		diags.Append(m.PasswordSecret.As(ctx, &ps, basetypes.ObjectAsOptions{})...)
		if ps.Name.IsUnknown() || ps.Key.IsUnknown() {
			return storeURL, types.StringUnknown()
		}
		secret = checks.SecretRef{Name: ps.Name.ValueString(), Key: ps.Key.ValueString()}
		if ps.Key.IsNull() {
			secret.Key = checks.DefaultPasswordSecretKey
		}
	}
	values, err := helmvalues.DatabaseValues(component, conn, secret)
	if err != nil {
		diags.AddError("Unable to Render Helm Values", err.Error())
		return storeURL, types.StringNull()
	}
	return storeURL, types.StringValue(values)
}

// userOf reads the user object of a model; nil when there is none.
func userOf(ctx context.Context, obj types.Object, diags *diag.Diagnostics) *databaseUserModel {
	if obj.IsNull() || obj.IsUnknown() {
		return nil
	}
	var u databaseUserModel
	diags.Append(obj.As(ctx, &u, basetypes.ObjectAsOptions{})...)
	return &u
}

func (u *databaseUserModel) account() databases.User {
	return databases.User{Name: u.Name.ValueString(), Host: u.Host.ValueString()}
}

// configuredPassword reads user.password_wo from the configuration (write-only values exist only there).
func configuredPassword(ctx context.Context, config databaseResourceModel, diags *diag.Diagnostics) (string, bool) {
	u := userOf(ctx, config.User, diags)
	if u == nil || u.PasswordWO.IsNull() || u.PasswordWO.IsUnknown() {
		diags.AddAttributeError(path.Root("user").AtName("password_wo"), "Missing User Password",
			"Attribute user.password_wo has no value during apply, so the user cannot be given a password. Give it from a variable or an ephemeral resource, "+
				"e.g. password_wo = var.workspace_db_password.")
		return "", false
	}
	return u.PasswordWO.ValueString(), true
}
