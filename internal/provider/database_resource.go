// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
)

var (
	_ resource.Resource                   = (*databaseResource)(nil)
	_ resource.ResourceWithConfigure      = (*databaseResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*databaseResource)(nil)
	_ resource.ResourceWithImportState    = (*databaseResource)(nil)
	_ resource.ResourceWithValidateConfig = (*databaseResource)(nil)
)

// NewDatabaseResource returns the zenmlpro_database resource.
func NewDatabaseResource() resource.Resource { return &databaseResource{} }

type databaseResource struct {
	data *providerData
}

// Default timeouts of zenmlpro_database.
const (
	defaultDatabaseTimeout       = 5 * time.Minute
	defaultDatabaseDeleteTimeout = 10 * time.Minute
)

func (r *databaseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_database"
}

func (r *databaseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// target is what a database operation works on, for the domain's messages.
func target(m databaseResourceModel, user *databaseUserModel, slot *databaseServerSlot) databases.Target {
	t := databases.Target{Server: m.Server.ValueString(), Database: m.Name.ValueString()}
	if !m.Component.IsUnknown() {
		t.Component = m.Component.ValueString()
	}
	if slot != nil {
		t.Address = hostPort(slot.cfg)
	}
	if user != nil {
		u := user.account()
		t.User = &u
	}
	return t
}

// addServerError reports a failed server operation: a refusal of the domain on its attribute, a
// lock that was not released in time with the sessions holding it, an unreachable server (naming
// host:port and the cause, never "the database is gone"), or another failure.
func addServerError(diags *diag.Diagnostics, summary, action string, slot *databaseServerSlot, err error) {
	var (
		locked      *databases.LockedError
		unreachable *databases.UnreachableError
	)
	switch {
	case addInputError(diags, err):
	case errors.As(err, &locked):
		diags.AddError("Database Locked", fmt.Sprintf("Could not %s on database server %q at %s: %v. To wait longer for the lock, raise "+
			"timeouts.delete, e.g. timeouts = { delete = \"30m\" }.", action, slot.cfg.Name, hostPort(slot.cfg), locked))
	case errors.As(err, &unreachable) && unreachable.LoginRefused:
		diags.AddError("Database Server Refused the Admin Login",
			fmt.Sprintf("Could not %s: the database server %q at %s answered but refused the admin login: %v. "+
				"Check username and password in the provider's database_servers[%q] (and its tls settings, if the server requires TLS). "+
				"Nothing was changed in the state.", action, slot.cfg.Name, hostPort(slot.cfg), unreachable.Err, slot.cfg.Name))
	case errors.As(err, &unreachable):
		diags.AddError("Database Server Unreachable",
			fmt.Sprintf("Could not %s: the database server %q at %s could not be reached: %v. "+
				"Check that the server is running and reachable from here, and the provider's database_servers[%q]. "+
				"Nothing was changed in the state.", action, slot.cfg.Name, hostPort(slot.cfg), unreachable.Err, slot.cfg.Name))
	case errors.Is(err, context.DeadlineExceeded):
		diags.AddError(summary, fmt.Sprintf("Could not %s on database server %q at %s: the operation did not finish within its timeout (%v). "+
			"Raise the resource's timeouts if the server is slow.", action, slot.cfg.Name, hostPort(slot.cfg), err))
	default:
		diags.AddError(summary, fmt.Sprintf("Could not %s on database server %q at %s: %v.", action, slot.cfg.Name, hostPort(slot.cfg), err))
	}
}

// withTimeout bounds ctx by a configured timeout of the resource.
func withTimeout(ctx context.Context, get func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration,
	diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	d, dd := get(ctx, def)
	diags.Append(dd...)
	return context.WithTimeout(ctx, d)
}

func (r *databaseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config databaseResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, defaultDatabaseTimeout, &resp.Diagnostics)
	defer cancel()
	srv, slot, diags := r.connect(plan.Server.ValueString())
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	ctx = tflog.SetField(ctx, "server", slot.cfg.Name)
	ctx = tflog.SetField(ctx, "database", name)
	if d := workspaceOnPostgres(plan, slot.cfg.Engine); d != nil {
		resp.Diagnostics.Append(d)
		return
	}
	user := userOf(ctx, plan.User, &resp.Diagnostics)
	request := databases.ProvisionRequest{
		Target:        target(plan, user, slot),
		Spec:          databases.DatabaseSpec{CharacterSet: plan.CharacterSet.ValueString(), Collation: plan.Collation.ValueString(), Encoding: plan.Encoding.ValueString()},
		AdoptExisting: plan.AdoptExisting.ValueBool(),
	}
	if user != nil {
		var ok bool
		if request.Password, ok = configuredPassword(ctx, config, &resp.Diagnostics); !ok {
			return
		}
	}
	tflog.Info(ctx, "creating database", map[string]any{"character_set": request.Spec.CharacterSet, "collation": request.Spec.Collation,
		"encoding": request.Spec.Encoding, "adopt_existing": request.AdoptExisting})
	done, err := databases.Provision(ctx, srv, request)
	for _, n := range done.Notes {
		resp.Diagnostics.AddWarning(n.Summary, n.Detail)
	}
	if err != nil {
		addServerError(&resp.Diagnostics, "Unable to Create Database", fmt.Sprintf("create database %q", name), slot, err)
		return
	}
	tflog.Info(ctx, "database provisioned", map[string]any{"database_outcome": string(done.DatabaseOutcome), "user_outcome": string(done.UserOutcome),
		"engine": string(done.Info.Engine), "version": done.Info.Version})
	recordDatabase(&plan, done.Database, done.Info.Engine)
	plan.ServerVersion = types.StringValue(done.Info.VersionLabel())
	plan.Engine = types.StringValue(string(done.Info.Engine))
	for _, v := range []*types.String{&plan.CharacterSet, &plan.Collation, &plan.Encoding} {
		if v.IsUnknown() {
			*v = types.StringNull()
		}
	}
	r.finishPlanned(ctx, &plan, done.Info.Engine, slot, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// finishPlanned fills the values that were unknown in the plan once the server is known.
func (r *databaseResource) finishPlanned(ctx context.Context, m *databaseResourceModel, engine databases.Engine, slot *databaseServerSlot, diags *diag.Diagnostics) {
	m.ID = types.StringValue(databases.ID(m.Server.ValueString(), m.Name.ValueString()))
	user := userOf(ctx, m.User, diags)
	if user != nil {
		if user.Host.IsUnknown() {
			user.Host = nullIfEmpty(engine.UserHost(""))
		}
		user.PasswordWO = types.StringNull()
		user.Exists = types.BoolValue(true)
		user.MissingPrivileges = emptyList()
		if user.OtherPrivileges.IsUnknown() || user.OtherPrivileges.IsNull() {
			user.OtherPrivileges = emptyList()
		}
		obj, d := types.ObjectValueFrom(ctx, databaseUserAttrTypes, user)
		diags.Append(d...)
		m.User = obj
	}
	if m.StoreURL.IsUnknown() || m.HelmDatabaseValues.IsUnknown() {
		m.StoreURL, m.HelmDatabaseValues = derivedValues(ctx, *m, user, slot, diags)
	}
}

// recordDatabase records what the server reports about the database's settings. Values equal to the
// configured ones but for case keep the configured spelling.
func recordDatabase(m *databaseResourceModel, db *databases.Database, engine databases.Engine) {
	keep := func(current types.String, reported string) types.String {
		if reported == "" {
			return types.StringNull()
		}
		if !current.IsNull() && !current.IsUnknown() && strings.EqualFold(current.ValueString(), reported) {
			return current
		}
		return types.StringValue(reported)
	}
	if engine == databases.MySQL {
		m.CharacterSet = keep(m.CharacterSet, db.CharacterSet)
		m.Collation = keep(m.Collation, db.Collation)
		m.Encoding = types.StringNull()
	} else {
		m.Encoding = keep(m.Encoding, db.Encoding)
		m.CharacterSet = types.StringNull()
		m.Collation = types.StringNull()
	}
}

func (r *databaseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state databaseResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultDatabaseTimeout, &resp.Diagnostics)
	defer cancel()
	server := state.Server.ValueString()
	name := state.Name.ValueString()
	ctx = tflog.SetField(ctx, "server", server)
	ctx = tflog.SetField(ctx, "database", name)
	if state.DeletionPolicy.IsNull() {
		state.DeletionPolicy = types.StringValue(databases.PolicyRetain)
	}
	if state.AdoptExisting.IsNull() {
		state.AdoptExisting = types.BoolValue(false)
	}
	if r.data != nil {
		slot := r.data.databaseServers.slots[server]
		if !r.data.databaseServers.keysKnown || (slot != nil && !slot.known && slot.problem == nil) {
			// A server whose address is known only after apply: nothing to refresh against yet.
			tflog.Info(ctx, "not refreshing: the server's configuration is not known until apply")
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
			return
		}
	}
	srv, slot, diags := r.connect(server)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if movedEngine(state, slot.cfg.Engine) {
		// The key now names a server of another engine: the database is on a server the provider no
		// longer knows. Keep the state as it is; the plan replaces the resource (engine changes).
		resp.Diagnostics.AddWarning("Database Server Changed Engine",
			fmt.Sprintf("Server %q is now a %s server, but database %q was created on a %s server under that key. It cannot be read there; "+
				"the plan creates the database on the new server and leaves the old one as it is.", server, slot.cfg.Engine, name, state.Engine.ValueString()))
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	tflog.Debug(ctx, "reading database")
	db, err := srv.GetDatabase(ctx, name)
	if err != nil {
		addServerError(&resp.Diagnostics, "Unable to Read Database", fmt.Sprintf("read database %q", name), slot, err)
		return
	}
	if db == nil {
		tflog.Info(ctx, "database not found on the server: removing it from the state so that the plan creates it again")
		resp.State.RemoveResource(ctx)
		return
	}
	info, err := srv.Info(ctx)
	if err != nil {
		addServerError(&resp.Diagnostics, "Unable to Read Database", "read the server version", slot, err)
		return
	}
	state.ServerVersion = types.StringValue(info.VersionLabel())
	state.Engine = types.StringValue(string(info.Engine))
	state.ID = types.StringValue(databases.ID(server, name))
	recordDatabase(&state, db, info.Engine)

	user := userOf(ctx, state.User, &resp.Diagnostics)
	if user != nil {
		user.Host = nullIfEmpty(info.Engine.UserHost(user.Host.ValueString()))
		account := user.account()
		// One call answers all: whether the user exists, what it lacks here and what it holds elsewhere.
		grants, err := srv.DatabaseGrants(ctx, account, name)
		if err != nil {
			addServerError(&resp.Diagnostics, "Unable to Read User", fmt.Sprintf("read user %s and its privileges on database %q",
				databases.DescribeUser(account), name), slot, err)
			return
		}
		exists := !grants.UserMissing()
		user.Exists = types.BoolValue(exists)
		user.MissingPrivileges = types.ListNull(types.StringType)
		user.OtherPrivileges = stringsList(grants.Elsewhere)
		if exists {
			user.MissingPrivileges = stringsList(grants.Missing)
		}
		tflog.Debug(ctx, "read user", map[string]any{"user": account.Name, "user_host": account.Host, "exists": exists})
		obj, d := types.ObjectValueFrom(ctx, databaseUserAttrTypes, user)
		resp.Diagnostics.Append(d...)
		state.User = obj
	}
	state.StoreURL, state.HelmDatabaseValues = derivedValues(ctx, state, user, slot, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *databaseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config databaseResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, defaultDatabaseTimeout, &resp.Diagnostics)
	defer cancel()
	name := plan.Name.ValueString()
	ctx = tflog.SetField(ctx, "server", plan.Server.ValueString())
	ctx = tflog.SetField(ctx, "database", name)
	oldUser := userOf(ctx, state.User, &resp.Diagnostics)
	newUser := userOf(ctx, plan.User, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	var slot *databaseServerSlot
	if oldUser != nil || newUser != nil {
		var srv databases.Server
		var diags diag.Diagnostics
		srv, slot, diags = r.connect(plan.Server.ValueString())
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		notSet := passwordNotSet(ctx, req.Private, oldUser, &resp.Diagnostics)
		done, ok := r.reconcileUser(ctx, srv, slot, plan, oldUser, newUser, notSet, config, &resp.Diagnostics)
		if !ok {
			return
		}
		if notSet && !done.PasswordNotSet {
			// A password was set or its first version recorded: from now on a new version sets the password.
			markPasswordNotSet(ctx, resp.Private, nil, &resp.Diagnostics)
		}
	} else if r.data != nil {
		slot = r.data.databaseServers.slots[plan.Server.ValueString()]
	}
	engine := databases.Engine(plan.Engine.ValueString())
	if plan.Engine.IsUnknown() {
		engine = databases.Engine(state.Engine.ValueString())
		plan.Engine = state.Engine
	}
	if plan.ServerVersion.IsUnknown() {
		plan.ServerVersion = state.ServerVersion
	}
	for _, v := range []struct{ plan, state *types.String }{
		{&plan.CharacterSet, &state.CharacterSet}, {&plan.Collation, &state.Collation}, {&plan.Encoding, &state.Encoding},
	} {
		if v.plan.IsUnknown() || v.plan.IsNull() {
			*v.plan = *v.state
		}
	}
	r.finishPlanned(ctx, &plan, engine, slot, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// userRequest is the update of the user from the state's (oldUser, nil for none) to the planned one
// (newUser), as databases.Reconcile takes it; notSet says that the private state marks oldUser as
// imported with a password the provider has not set (passwordNotSet).
func userRequest(t databases.Target, oldUser, newUser *databaseUserModel, notSet, adopt bool) databases.ReconcileRequest {
	req := databases.ReconcileRequest{Target: t, AdoptExisting: adopt}
	if oldUser != nil {
		req.Old = &databases.RecordedUser{User: oldUser.account(), Exists: oldUser.Exists.ValueBool(),
			PrivilegesMissing: oldUser.MissingPrivileges.IsNull() || len(oldUser.MissingPrivileges.Elements()) > 0, PasswordNotSet: notSet}
		req.PasswordChanged = newUser != nil && !oldUser.PasswordWOVersion.Equal(newUser.PasswordWOVersion)
	}
	return req
}

// reconcileUser brings the user to the planned state through databases.Reconcile, and turns what it
// did into logs and warnings, and its errors into diagnostics.
func (r *databaseResource) reconcileUser(ctx context.Context, srv databases.Server, slot *databaseServerSlot, plan databaseResourceModel,
	oldUser, newUser *databaseUserModel, notSet bool, config databaseResourceModel, diags *diag.Diagnostics) (databases.Reconciled, bool) {
	database := plan.Name.ValueString()
	req := userRequest(target(plan, newUser, slot), oldUser, newUser, notSet, plan.AdoptExisting.ValueBool())
	steps := req.Steps()
	if steps.NeedsPassword() {
		var ok bool
		if req.Password, ok = configuredPassword(ctx, config, diags); !ok {
			return databases.Reconciled{}, false
		}
	}
	for _, s := range []struct {
		do   bool
		user *databaseUserModel
		msg  string
	}{
		{steps.EnsureUser, newUser, "creating or restoring the user"},
		{steps.Rotate, newUser, "setting a new password (password_wo_version changed)"},
		{steps.RecordVersion, newUser, "recording the first password_wo_version of the imported user; its password stays as it is"},
		{steps.Grant, newUser, "granting the privilege profile"},
		{steps.DropOld, oldUser, "dropping the user that the configuration no longer has"},
	} {
		if s.do {
			tflog.Info(ctx, s.msg, map[string]any{"user": s.user.Name.ValueString(), "user_host": s.user.Host.ValueString()})
		}
	}
	done, err := databases.Reconcile(ctx, srv, req)
	if err != nil {
		summary, action := reconcileFailure(err, database)
		addServerError(diags, summary, action, slot, err)
		return done, false
	}
	tflog.Info(ctx, "user reconciled", map[string]any{"outcome": string(done.User), "password_set": done.Rotated, "privileges_granted": done.Granted,
		"password_version_recorded": done.VersionRecorded, "old_user": string(done.OldUser)})
	if done.OldUser == databases.Kept {
		diags.AddWarning("User Kept", strings.ToUpper(done.OldUserKept[:1])+done.OldUserKept[1:]+".")
	}
	return done, true
}

// reconcileFailure names the failed step of databases.Reconcile for its diagnostic: the summary and
// what was attempted.
func reconcileFailure(err error, database string) (summary, action string) {
	var failed *databases.ReconcileError
	if !errors.As(err, &failed) {
		return "Unable to Update User", "update the user"
	}
	u := databases.DescribeUser(failed.User)
	switch failed.Step {
	case databases.StepSetPassword:
		return "Unable to Set Password", "set the password of user " + u
	case databases.StepGrant:
		return "Unable to Grant Privileges", fmt.Sprintf("grant user %s the privileges on database %q", u, database)
	case databases.StepDropOldUser:
		return "Unable to Drop User", "drop user " + u
	}
	return "Unable to Create User", "create user " + u
}

func (r *databaseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state databaseResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, defaultDatabaseDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	name := state.Name.ValueString()
	server := state.Server.ValueString()
	ctx = tflog.SetField(ctx, "server", server)
	ctx = tflog.SetField(ctx, "database", name)
	user := userOf(ctx, state.User, &resp.Diagnostics)
	policy := state.DeletionPolicy.ValueString()
	if policy == "" || policy == databases.PolicyRetain {
		tflog.Info(ctx, "deletion_policy retain: removing from state only, keeping the database")
		kept, _ := keptText(state, user)
		resp.Diagnostics.AddWarning("Database Kept",
			fmt.Sprintf("zenmlpro_database %s was removed from the Terraform state only: deletion_policy is \"retain\", so %s stayed on server %q with its data. "+
				"To manage it again, import it (terraform import <address> %s); to drop it, import it, set deletion_policy = \"drop\", apply, then destroy.",
				state.ID.ValueString(), kept, server, importIDOf(state, user)))
		return
	}
	srv, slot, diags := r.connect(server)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if movedEngine(state, slot.cfg.Engine) {
		resp.Diagnostics.AddWarning("Database Not Dropped",
			fmt.Sprintf("Database %q was created on a %s server under the key %q, which now names a %s server: the provider can no longer reach "+
				"the old server, so the database (and its user) were left there as they are, whatever deletion_policy says. Drop them by hand if they are not needed.",
				name, state.Engine.ValueString(), server, slot.cfg.Engine))
		return
	}
	tflog.Info(ctx, "dropping database", map[string]any{"deletion_policy": policy})
	removed, err := databases.Remove(ctx, srv, target(state, user, slot), policy)
	if err != nil {
		addServerError(&resp.Diagnostics, "Unable to Drop Database", fmt.Sprintf("drop database %q", name), slot, err)
		return
	}
	if removed.UserKept != "" {
		resp.Diagnostics.AddWarning("User Kept", fmt.Sprintf("Database %q was dropped, but %s. Drop it by hand once nothing uses it.", name, removed.UserKept))
	}
}

// keptText names what a destroy under deletion_policy retain keeps on the server, for the warnings of
// the plan and of the apply, with the present tense of "stay" that agrees with it.
func keptText(state databaseResourceModel, user *databaseUserModel) (kept, stays string) {
	if user == nil {
		return fmt.Sprintf("database %q", state.Name.ValueString()), "stays"
	}
	return fmt.Sprintf("database %q and its user %s", state.Name.ValueString(), databases.DescribeUser(user.account())), "stay"
}

// movedEngine reports whether the server key now names a server of another engine than the one the
// database was created on (false while the engine is not known).
func movedEngine(state databaseResourceModel, engine databases.Engine) bool {
	return engine != "" && !state.Engine.IsNull() && !state.Engine.IsUnknown() && state.Engine.ValueString() != string(engine)
}
