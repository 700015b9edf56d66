// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
)

// The schema of zenmlpro_database and the models it is read into.

type databaseResourceModel struct {
	ID                 types.String   `tfsdk:"id"`
	Server             types.String   `tfsdk:"server"`
	Name               types.String   `tfsdk:"name"`
	Component          types.String   `tfsdk:"component"`
	DeletionPolicy     types.String   `tfsdk:"deletion_policy"`
	AdoptExisting      types.Bool     `tfsdk:"adopt_existing"`
	CharacterSet       types.String   `tfsdk:"character_set"`
	Collation          types.String   `tfsdk:"collation"`
	Encoding           types.String   `tfsdk:"encoding"`
	User               types.Object   `tfsdk:"user"`
	PasswordSecret     types.Object   `tfsdk:"password_secret"`
	Engine             types.String   `tfsdk:"engine"`
	ServerVersion      types.String   `tfsdk:"server_version"`
	StoreURL           types.String   `tfsdk:"store_url"`
	HelmDatabaseValues types.String   `tfsdk:"helm_database_values"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

type databaseUserModel struct {
	Name              types.String `tfsdk:"name"`
	Host              types.String `tfsdk:"host"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
	Exists            types.Bool   `tfsdk:"exists"`
	MissingPrivileges types.List   `tfsdk:"missing_privileges"`
	OtherPrivileges   types.List   `tfsdk:"other_privileges"`
}

type passwordSecretModel struct {
	Name types.String `tfsdk:"name"`
	Key  types.String `tfsdk:"key"`
}

var databaseUserAttrTypes = map[string]attr.Type{
	"name":                types.StringType,
	"host":                types.StringType,
	"password_wo":         types.StringType,
	"password_wo_version": types.Int64Type,
	"exists":              types.BoolType,
	"missing_privileges":  types.ListType{ElemType: types.StringType},
	"other_privileges":    types.ListType{ElemType: types.StringType},
}

var databaseTimeoutsAttrTypes = map[string]attr.Type{
	"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
}

var passwordSecretAttrTypes = map[string]attr.Type{"name": types.StringType, "key": types.StringType}

// emptyList and stringsList are values of the models' list attributes.
func emptyList() types.List { return types.ListValueMust(types.StringType, []attr.Value{}) }

func stringsList(values []string) types.List {
	elems := make([]attr.Value, 0, len(values))
	for _, v := range values {
		elems = append(elems, types.StringValue(v))
	}
	return types.ListValueMust(types.StringType, elems)
}

func (r *databaseResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One dedicated database for a ZenML Pro component on a server of the provider's `database_servers`: " +
			"`zenml_pro` for the Control Plane (MySQL 8.0+ or PostgreSQL), `zenml_workspace_1`, `zenml_workspace_2`, ... for Workspace Servers " +
			"(MySQL only), optionally with a dedicated user that holds every privilege on this one database and nothing else. " +
			"Destroying it keeps the database unless `deletion_policy` says otherwise; an existing database is taken over only through " +
			"`terraform import` or `adopt_existing`, or when it carries this provider's marker for the same user and holds no tables (left " +
			"by an apply that was interrupted before its state was saved). A user that holds anything outside this database is never " +
			"taken over, given a new password or dropped. The user's password is write-only: it never enters the plan or the state.\n\n" +
			"Every database the provider creates carries a comment naming the provider and its user where the engine keeps one (MariaDB, " +
			"PostgreSQL). Every statement runs within `timeouts`, and the server is told to stop waiting for a lock at the same moment, so " +
			"a destroy blocked by another session fails with the sessions that use the database instead of hanging.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`" + databases.ID("<server>", "<name>") + "`, e.g. `" + databases.ID("main", checks.ExampleDatabaseName) + "`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"server": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The key, in the provider's `database_servers`, of the server that holds the database, e.g. `main`. " +
					"Changing it creates the database on the other server (the old one is handled by `deletion_policy`, and the plan warns when " +
					"that drops it); a new key for the same host and port fails the plan, which says how to move the state instead.",
				Validators: []validator.String{stringvalidator.RegexMatches(serverKeyPattern,
					"must be a key of the provider's database_servers: "+serverKeyRule+", e.g. \""+exampleServerKey+"\"")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: fmt.Sprintf("Name of the database: %s, e.g. `%s` or `zenml_pro`; not a system database such as `mysql` or `postgres`. "+
					"Changing it creates a new database (the old one is handled by `deletion_policy`, and the plan warns when that drops it; "+
					"under `retain` a user kept with the old database cannot move to the new one, which fails the plan with the steps to take).",
					checks.IdentifierRule(checks.MaxDatabaseNameLength), checks.ExampleDatabaseName),
				Validators:    []validator.String{identifierCheck("database name", checks.CheckDatabaseName)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"component": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The ZenML Pro component the database serves: " + quotedList(checks.DatabaseComponentNames()) + ". " +
					checks.DatabaseSupportMatrix + ", so a `" + string(checks.WorkspaceDatabase) + "` database on a `postgres` server fails the plan. " +
					"It selects the Helm chart block of `helm_database_values`; changing it changes only that. " +
					deprecatedSpellingNote(checks.DeprecatedWorkspaceDatabase, string(checks.WorkspaceDatabase)) + ".",
				Validators: []validator.String{componentNamesValidator()},
			},
			"deletion_policy": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(databases.PolicyRetain),
				MarkdownDescription: "What destroying the resource does to the database: " + quotedList(databases.DeletionPolicies()) + ". " +
					"`retain` removes it from the state only and keeps the database and its user on the server (with a warning saying so); " +
					"`drop_if_empty` drops the database and its user only when the database holds no tables or views, and fails with the table count otherwise; " +
					"`drop` drops the database, with its data, and its user. A user that holds anything outside this database is never dropped " +
					"(a warning says so, in the plan and at apply). The policy in the state applies, so apply a change of policy before a destroy. " +
					"Defaults to `retain`.",
				Validators: []validator.String{stringvalidator.OneOf(databases.DeletionPolicies()...)},
			},
			"adopt_existing": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "When the database (or the user) exists already at create time, take it over instead of failing. " +
					"An adopted database must have the configured `character_set`, `collation` and `encoding`; an adopted user gets the configured " +
					"password and the privileges on this database, but a user that holds anything outside this database (another database, a " +
					"global privilege, a role) is refused even so. Without it, an existing database is an error, at plan when the server can be " +
					"reached, that gives the import command that works. Defaults to `false`.",
			},
			"character_set": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "MySQL only: the database's default character set, e.g. `utf8mb4`. Defaults to `" + databases.DefaultCharacterSet + "` on MySQL " +
					"and is null on PostgreSQL. It is set at creation: a database whose character set differs from the configuration " +
					"(changed outside Terraform, or a new value here) fails the plan, since converting a database is a migration, not an update.",
				Validators: []validator.String{stringvalidator.RegexMatches(charsetPattern, "must be a MySQL character set name such as \"utf8mb4\"")},
			},
			"collation": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "MySQL only: the database's default collation, e.g. `utf8mb4_unicode_ci`. Defaults to the server's default collation " +
					"of `character_set`, which is recorded here. Like `character_set`, it is set at creation only.",
				Validators: []validator.String{stringvalidator.RegexMatches(charsetPattern, "must be a MySQL collation name such as \"utf8mb4_unicode_ci\"")},
			},
			"encoding": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "PostgreSQL only: the database's encoding, e.g. `UTF8`. Defaults to `" + databases.DefaultEncoding + "` on PostgreSQL and is null on MySQL. " +
					"It is set at creation only.",
				Validators: []validator.String{stringvalidator.RegexMatches(encodingPattern, "must be a PostgreSQL encoding name such as \"UTF8\"")},
			},
			"user": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "A dedicated user for ZenML, with every privilege on this database and nothing else, so that ZenML's migrations can run " +
					"(MySQL: ``GRANT ALL PRIVILEGES ON `<name>`.*``; PostgreSQL: the user owns the database, as PostgreSQL 15+ no longer lets PUBLIC create in " +
					"schema `public`). A user deleted, or a privilege revoked, outside Terraform shows as a change in the next plan that restores it. " +
					"The user is dropped only when its database is dropped or this attribute is removed; on MySQL, changing `name` or `host` creates the new user and " +
					"drops the old one, keeping the database (on PostgreSQL, where the old role owns ZenML's tables, a rename fails the plan and says how to rename the role instead). " +
					"An existing user is reused without `adopt_existing` only when it holds privileges on this database and nothing else; a user that holds " +
					"anything elsewhere (`other_privileges`) is never given a new password nor dropped.",
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Required: true,
						MarkdownDescription: fmt.Sprintf("Name of the user: %s, e.g. `%s`; not the server's admin user or a built-in account. "+
							"On PostgreSQL not a reserved role name either (starting with `pg_`, or `none`, `public`, `current_user`, `current_role`, "+
							"`session_user`).", checks.IdentifierRule(checks.MaxUserNameLength), checks.ExampleUserName),
						Validators: []validator.String{identifierCheck("user name", checks.CheckUserName)},
					},
					"host": schema.StringAttribute{
						Optional: true,
						Computed: true,
						MarkdownDescription: "MySQL only: the host part of the account, `user@host`: `%` (any host), an IP address, a pattern such as `10.0.%` " +
							"or an address/netmask, in lower case (as MySQL stores it). Defaults to `" + databases.DefaultUserHost + "` on MySQL and is null on PostgreSQL, which has no host part.",
						Validators: []validator.String{identifierCheck("MySQL account host", checks.CheckUserHost)},
					},
					"password_wo": schema.StringAttribute{
						Optional:  true,
						WriteOnly: true,
						Sensitive: true,
						MarkdownDescription: "The user's password, write-only: Terraform passes it to the provider during apply and never stores it in the plan " +
							"or the state (Terraform 1.11+), so it can come from an ephemeral value. It is set when the user is created (or taken over) " +
							"and whenever `password_wo_version` changes; the server receives it as a hash where the engine allows " +
							"(MariaDB: mysql_native_password; PostgreSQL: SCRAM-SHA-256), so no statement carries it in clear. Required with `user`, " +
							"except for an imported user whose password is to stay as it is (configuration generated by an import has none): " +
							"the plan fails when the apply would need it.",
					},
					"password_wo_version": schema.Int64Attribute{
						Optional: true,
						MarkdownDescription: "Any number that you change to set `password_wo` again (password rotation): since the password is not stored, " +
							"Terraform cannot see that it changed. Defaults to null (the password is set only when the user is created). Needs `password_wo`. " +
							"An imported user keeps the password it has, which its applications use: the import records no version, and the first " +
							"version given after the import is recorded without setting the password (the plan warns \"Imported User's Password Kept\"); " +
							"each later change sets `password_wo`.",
					},
					"exists": schema.BoolAttribute{
						Computed: true,
						MarkdownDescription: "Whether the user exists on the server, as last read. `false` after the user was dropped outside Terraform; " +
							"the next apply creates it again.",
					},
					"missing_privileges": schema.ListAttribute{
						Computed:    true,
						ElementType: types.StringType,
						MarkdownDescription: "The privileges of the profile the user lacks on the database, as last read (e.g. `[\"DELETE\"]`, or " +
							"`[\"ownership\"]` on PostgreSQL); empty when the user holds them all. Anything listed here is granted again by the next apply.",
					},
					"other_privileges": schema.ListAttribute{
						Computed:    true,
						ElementType: types.StringType,
						MarkdownDescription: "What the user holds outside this database, as last read: privileges on other databases or on `*.*`, " +
							"table, column and routine privileges elsewhere, roles (e.g. `[\"SELECT ON *.*\", \"INSERT ON app.*\"]` on MySQL, " +
							"`[\"owner of database app\", \"member of role app_rw\", \"CREATEDB\"]` on PostgreSQL); empty for a user dedicated to this " +
							"database. While it is not empty the provider neither changes the user's password nor drops the user: another application " +
							"may use it, and the plan says so.",
					},
				},
			},
			"password_secret": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Workspace databases only: the Kubernetes secret that holds the user's password, referenced by `helm_database_values` as " +
					"`zenml.database.passwordSecretRef`. The same secret holds the TLS material (`ca.crt`, `tls.crt`, `tls.key`) when the server connection uses TLS. " +
					"Defaults to name `<name with underscores as hyphens>-db` (e.g. `zenml-workspace-1-db`) and key `password`.",
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Name of the secret: a DNS subdomain (lower-case letters, digits, `-` and `.`), e.g. `zenml-workspace-1-db`.",
						Validators:          []validator.String{kubernetesSecretNameCheck},
					},
					"key": schema.StringAttribute{
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString(checks.DefaultPasswordSecretKey),
						MarkdownDescription: "Key of the password in the secret. Defaults to `" + checks.DefaultPasswordSecretKey + "`.",
						Validators:          []validator.String{kubernetesSecretKeyCheck},
					},
				},
			},
			"engine": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The engine of the server, " + quotedList(engineNames()) + ", from the provider's `database_servers`. " +
					"A server key whose engine changes is a different server: the database is created there.",
			},
			"server_version": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The server's version, e.g. `8.0.36` (MySQL), `10.11.6-MariaDB` or `15.8` (PostgreSQL), read at create and on every refresh. " +
					"MySQL older than 8.0 and MariaDB older than 10.6 are refused; MariaDB is accepted with a warning, since ZenML documents MySQL 8.0+.",
			},
			"store_url": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "ZenML's store URL without the password, `mysql://USER@HOST:PORT/DATABASE` (without `USER@` when there is no `user`), " +
					"e.g. `mysql://zenml_ws1@db.example.com:3306/zenml_workspace_1`: the Workspace Server's `zenml.database.url` (Helm) or " +
					"`ZENML_STORE_URL` (Docker), with the password supplied separately. Null on PostgreSQL, for which ZenML documents no URL.",
			},
			"helm_database_values": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The database block of the component's Helm chart, as a JSON document (which Helm also reads as YAML, so it can be " +
					"passed as a values file). For a Workspace Server (`workspace_server`): `zenml.database` of the `zenml` chart with `url` (the `store_url`), " +
					"`passwordSecretRef` (from `password_secret`) and, when the server connection uses TLS, `ssl`, `sslVerifyServerCert` and " +
					"`sslCa` / `sslCert` / `sslKey` as secret references. For the Control Plane (`control_plane`): `zenml.database.external` of the `zenml-pro` chart with " +
					"`type`, `host`, `port` (only when it is not the engine's default), `username` and `database`; its `password` is a plain value in " +
					"that chart, so pass it to Helm separately (e.g. `set_sensitive`). The keys are those every chart version the provider covers reads, " +
					"under `zenml:` (which every version reads); the guide \"Helm values by chart version\" lists them with their sources. Secrets " +
					"appear as references, never as values.",
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{
				Create: true, Read: true, Update: true, Delete: true,
				CreateDescription: "How long a create may take, e.g. `\"10m\"`; every statement, and every wait for a lock on the server, ends by then. Defaults to `5m`.",
				ReadDescription:   "How long a refresh may take. Defaults to `5m`.",
				UpdateDescription: "How long an update (user, password, privileges) may take. Defaults to `5m`.",
				DeleteDescription: "How long a destroy may take, including waiting for other sessions' locks on the database before `DROP DATABASE`; " +
					"when it runs out the drop is abandoned on the server too, and the error names the sessions that use the database. Defaults to `10m`.",
			}),
		},
	}
}

// componentNamesValidator checks the component of zenmlpro_database.
func componentNamesValidator() namesValidator {
	return namesValidator{names: checks.DatabaseComponentNames(), parse: func(s string) (string, bool, error) {
		c, deprecated, err := checks.ParseDatabaseComponent(s)
		return string(c), deprecated, err
	}}
}
