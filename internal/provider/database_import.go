// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

// Import of zenmlpro_database: the import ID (databases.ImportID, checked here against the name
// rules), what is read back from the server instead of asked for, and the mark, in the private
// state, of an imported user whose password the provider has not set.

// databaseImportIDFormat describes the accepted import IDs in messages.
var databaseImportIDFormat = databases.ImportIDFormat(string(checks.WorkspaceDatabase))

// importComponentRule says when an import ID needs its component.
var importComponentRule = fmt.Sprintf("The server does not record which component a database serves: a MySQL database may serve %s, so give "+
	"component in the ID for configuration generated from the import (terraform plan -generate-config-out); on PostgreSQL, which ZenML "+
	"supports for the Control Plane only, the component is %q when left out", wording.Join(wording.Quoted(checks.DatabaseComponentNames()), "or"), checks.ControlPlaneDatabase)

// parseDatabaseImportID takes an import ID apart and checks its names.
func parseDatabaseImportID(id string) (databases.ImportID, error) {
	ref, err := databases.ParseImportID(id)
	if err != nil {
		return ref, fmt.Errorf("import ID %q: %w", id, err)
	}
	if !serverKeyPattern.MatchString(ref.Server) {
		return ref, fmt.Errorf("import ID %q: the server %q is not a database_servers key (%s)", id, ref.Server, serverKeyRule)
	}
	if err := checks.CheckDatabaseName(ref.Database); err != nil {
		return ref, fmt.Errorf("import ID %q: %w", id, err)
	}
	if u := ref.User; u != nil {
		if u.Host != "" {
			if err := checks.CheckUserHost(u.Host); err != nil {
				return ref, fmt.Errorf("import ID %q: %w", id, err)
			}
		}
		if err := checks.CheckUserName(u.Name); err != nil {
			return ref, fmt.Errorf("import ID %q: %w", id, err)
		}
	}
	if ref.Component != "" {
		c, _, err := checks.ParseDatabaseComponent(ref.Component)
		if err != nil {
			return ref, fmt.Errorf("import ID %q: component: %w", id, err)
		}
		if err := secretForComponent(ref, c); err != nil {
			return ref, fmt.Errorf("import ID %q: %w", id, err)
		}
	}
	if ref.PasswordSecretName != "" {
		if err := checks.CheckSecretName(ref.PasswordSecretName); err != nil {
			return ref, fmt.Errorf("import ID %q: %s: %w", id, databases.ImportOptionSecretName, err)
		}
	}
	if ref.PasswordSecretKey != "" {
		if err := checks.CheckSecretKey(ref.PasswordSecretKey); err != nil {
			return ref, fmt.Errorf("import ID %q: %s: %w", id, databases.ImportOptionSecretKey, err)
		}
	}
	return ref, nil
}

// secretForComponent refuses a password secret for the Control Plane's database, whose chart takes
// the password as a value (as ValidateConfig does for the attribute).
func secretForComponent(ref databases.ImportID, c checks.DatabaseComponent) error {
	if c == checks.ControlPlaneDatabase && ref.PasswordSecretName != "" {
		return fmt.Errorf("%s is for workspace databases, and this database serves %q, whose chart (zenml-pro) takes the password as a value; "+
			"leave it out", databases.ImportOptionSecretName, c)
	}
	return nil
}

// importIDOf is the import ID that imports the resource as the model has it again, with the
// attributes the server does not record.
func importIDOf(m databaseResourceModel, user *databaseUserModel) string {
	id := databases.ImportID{Server: m.Server.ValueString(), Database: m.Name.ValueString()}
	if user != nil {
		u := user.account()
		id.User = &u
	}
	if !m.Component.IsUnknown() {
		id.Component = m.Component.ValueString()
	}
	if p := m.DeletionPolicy.ValueString(); p != databases.PolicyRetain {
		id.DeletionPolicy = p
	}
	if attrs := m.PasswordSecret.Attributes(); !m.PasswordSecret.IsNull() && !m.PasswordSecret.IsUnknown() {
		if name, ok := attrs["name"].(types.String); ok && !name.IsUnknown() {
			id.PasswordSecretName = name.ValueString()
		}
		if key, ok := attrs["key"].(types.String); ok && !key.IsUnknown() && key.ValueString() != checks.DefaultPasswordSecretKey {
			id.PasswordSecretKey = key.ValueString()
		}
	}
	return id.String()
}

func (r *databaseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ref, err := parseDatabaseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%s. An import ID is %s. %s.", err, databaseImportIDFormat, importComponentRule))
		return
	}
	tflog.Info(ctx, "importing database", map[string]any{"server": ref.Server, "database": ref.Database})
	engine, ok := r.verifyImport(ctx, ref, &resp.Diagnostics)
	if !ok {
		return
	}
	component := types.StringNull()
	switch {
	case ref.Component != "":
		c, _, _ := checks.ParseDatabaseComponent(ref.Component)
		if !supportedOn(c, engine) {
			resp.Diagnostics.AddError("Workspace Database On PostgreSQL", fmt.Sprintf("Import ID %q gives component %q, but server %q is a postgres "+
				"server. %s (ZenML Pro database support matrix): a database there serves the Control Plane; leave component out of the ID, or "+
				"write component=%s.", req.ID, ref.Component, ref.Server, checks.DatabaseSupportMatrix, checks.ControlPlaneDatabase))
			return
		}
		component = types.StringValue(ref.Component)
	case engine == databases.Postgres:
		// The one component ZenML supports on PostgreSQL: read from the server, not asked for.
		if err := secretForComponent(ref, checks.ControlPlaneDatabase); err != nil {
			resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("Import ID %q: server %q is a postgres server, whose databases serve the "+
				"Control Plane (%q): %s.", req.ID, ref.Server, checks.ControlPlaneDatabase, err))
			return
		}
		component = types.StringValue(string(checks.ControlPlaneDatabase))
	default:
		with := ref
		with.Component = string(checks.WorkspaceDatabase)
		resp.Diagnostics.AddWarning("Component Not Imported", fmt.Sprintf("Import ID %q gives no component, and a MySQL database may serve %s: "+
			"the server does not record which. The configuration must give component; configuration generated from this import "+
			"(terraform plan -generate-config-out) would have component = null, which fails. To generate it, import with the component, e.g. %q.",
			req.ID, wording.Join(wording.Quoted(checks.DatabaseComponentNames()), "or"), with.String()))
	}
	policy := ref.DeletionPolicy
	if policy == "" {
		policy = databases.PolicyRetain
	}
	m := databaseResourceModel{
		ID:                 types.StringValue(databases.ID(ref.Server, ref.Database)),
		Server:             types.StringValue(ref.Server),
		Name:               types.StringValue(ref.Database),
		Component:          component,
		DeletionPolicy:     types.StringValue(policy),
		AdoptExisting:      types.BoolValue(false),
		CharacterSet:       types.StringNull(),
		Collation:          types.StringNull(),
		Encoding:           types.StringNull(),
		User:               types.ObjectNull(databaseUserAttrTypes),
		PasswordSecret:     types.ObjectNull(passwordSecretAttrTypes),
		Engine:             types.StringNull(),
		ServerVersion:      types.StringNull(),
		StoreURL:           types.StringNull(),
		HelmDatabaseValues: types.StringNull(),
		Timeouts:           timeouts.Value{Object: types.ObjectNull(databaseTimeoutsAttrTypes)},
	}
	if ref.PasswordSecretName != "" {
		key := ref.PasswordSecretKey
		if key == "" {
			key = checks.DefaultPasswordSecretKey
		}
		obj, d := types.ObjectValue(passwordSecretAttrTypes, map[string]attr.Value{"name": types.StringValue(ref.PasswordSecretName), "key": types.StringValue(key)})
		resp.Diagnostics.Append(d...)
		m.PasswordSecret = obj
	}
	if user := ref.User; user != nil {
		obj, d := types.ObjectValue(databaseUserAttrTypes, map[string]attr.Value{
			"name":                types.StringValue(user.Name),
			"host":                nullIfEmpty(user.Host),
			"password_wo":         types.StringNull(),
			"password_wo_version": types.Int64Null(),
			"exists":              types.BoolNull(),
			"missing_privileges":  types.ListNull(types.StringType),
			"other_privileges":    types.ListNull(types.StringType),
		})
		resp.Diagnostics.Append(d...)
		m.User = obj
		// The user's password is whatever its applications use: it stays until the configuration asks for a new one.
		u := databases.User{Name: user.Name, Host: engine.UserHost(user.Host)}
		markPasswordNotSet(ctx, resp.Private, &u, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// verifyImport checks on the server that what an import ID names is there: the database, and the
// user with privileges on it. A user that holds anything elsewhere is imported with a warning: the
// provider will not change its password nor drop it. It returns the server's engine.
func (r *databaseResource) verifyImport(ctx context.Context, ref databases.ImportID, diags *diag.Diagnostics) (databases.Engine, bool) {
	server, name := ref.Server, ref.Database
	srv, slot, d := r.connect(server)
	diags.Append(d...)
	if diags.HasError() {
		return "", false
	}
	ctx, cancel := context.WithTimeout(ctx, defaultDatabaseTimeout)
	defer cancel()
	db, err := srv.GetDatabase(ctx, name)
	if err != nil {
		addServerError(diags, "Cannot Import Database", fmt.Sprintf("look up database %q", name), slot, err)
		return "", false
	}
	if db == nil {
		diags.AddError("Cannot Import Database", fmt.Sprintf("Database %q does not exist on server %q at %s: there is nothing to import. "+
			"Check the import ID (%s), or let terraform apply create the database.", name, server, hostPort(slot.cfg), databaseImportIDFormat))
		return "", false
	}
	engine := slot.cfg.Engine
	if ref.User == nil {
		return engine, true
	}
	alone := ref
	alone.User = nil
	u := *ref.User
	u.Host = engine.UserHost(u.Host)
	grants, err := srv.DatabaseGrants(ctx, u, name)
	if err != nil {
		addServerError(diags, "Cannot Import Database", fmt.Sprintf("read user %s", databases.DescribeUser(u)), slot, err)
		return "", false
	}
	switch {
	case grants.UserMissing():
		diags.AddError("Cannot Import Database", fmt.Sprintf("User %s does not exist on server %q. Import the database alone (%s); the first apply "+
			"with user in the configuration then creates the user.", databases.DescribeUser(u), server, alone))
		return "", false
	case !grants.Holds:
		diags.AddError("Cannot Import Database", fmt.Sprintf("User %s holds none of the privileges of database %q, so it is not that database's user "+
			"(it holds: %s). Import the database alone (%s), and give it its own user.", databases.DescribeUser(u), name,
			orNothing(grants.Elsewhere), alone))
		return "", false
	case !grants.Dedicated():
		diags.AddWarning("Imported User Holds Other Privileges", fmt.Sprintf("User %s holds privileges outside database %q: %s. The provider will "+
			"neither change its password nor drop it while it does.", databases.DescribeUser(u), name, strings.Join(grants.Elsewhere, "; ")))
	}
	return engine, true
}

func orNothing(items []string) string {
	if len(items) == 0 {
		return "nothing"
	}
	return strings.Join(items, "; ")
}

// privateData is the private state of a resource instance (the framework's ProviderData).
type privateData interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// passwordNotSetKey is the private state key that marks an imported user whose password the
// provider has not set: its value names the user ({"name": ..., "host": ...}).
const passwordNotSetKey = "user_password_not_set"

type passwordNotSetMark struct {
	Name string `json:"name"`
	Host string `json:"host"`
}

// markPasswordNotSet records in the private state that the provider has not set the password of
// user u; nil removes the mark.
func markPasswordNotSet(ctx context.Context, p privateData, u *databases.User, diags *diag.Diagnostics) {
	if p == nil {
		return
	}
	var value []byte
	if u != nil {
		value, _ = json.Marshal(passwordNotSetMark{Name: u.Name, Host: u.Host})
	}
	diags.Append(p.SetKey(ctx, passwordNotSetKey, value)...)
}

// passwordNotSet reports whether the private state marks the recorded user as imported with a
// password the provider has not set. The mark counts only for the user it names, while the state
// records no password version for it.
func passwordNotSet(ctx context.Context, p privateData, recorded *databaseUserModel, diags *diag.Diagnostics) bool {
	if p == nil || recorded == nil || !recorded.PasswordWOVersion.IsNull() {
		return false
	}
	raw, d := p.GetKey(ctx, passwordNotSetKey)
	diags.Append(d...)
	if len(raw) == 0 {
		return false
	}
	var mark passwordNotSetMark
	if err := json.Unmarshal(raw, &mark); err != nil {
		return false
	}
	return databases.User(mark) == recorded.account()
}
