package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
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

func (r *databaseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_database"
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
				MarkdownDescription: "`<server>/<name>`, e.g. `main/zenml_workspace_1`.",
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
				Validators:    []validator.String{identifierValidator{kind: "database name", check: checks.CheckDatabaseName}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"component": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The ZenML Pro component the database serves: " + quotedList(checks.DatabaseComponentNames()) + ". " +
					checks.DatabaseSupportMatrix + ", so a `workspace` database on a `postgres` server fails the plan. " +
					"It selects the Helm chart block of `helm_database_values`; changing it changes only that.",
				Validators: []validator.String{stringvalidator.OneOf(checks.DatabaseComponentNames()...)},
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
						Validators: []validator.String{identifierValidator{kind: "user name", check: checks.CheckUserName}},
					},
					"host": schema.StringAttribute{
						Optional: true,
						Computed: true,
						MarkdownDescription: "MySQL only: the host part of the account, `user@host`: `%` (any host), an IP address, a pattern such as `10.0.%` " +
							"or an address/netmask, in lower case (as MySQL stores it). Defaults to `" + databases.DefaultUserHost + "` on MySQL and is null on PostgreSQL, which has no host part.",
						Validators: []validator.String{identifierValidator{kind: "MySQL account host", check: checks.CheckUserHost}},
					},
					"password_wo": schema.StringAttribute{
						Optional:  true,
						WriteOnly: true,
						Sensitive: true,
						MarkdownDescription: "The user's password, write-only: Terraform passes it to the provider during apply and never stores it in the plan " +
							"or the state (Terraform 1.11+), so it can come from an ephemeral value. Required with `user`. It is set when the user is created " +
							"and whenever `password_wo_version` changes; the server receives it as a hash where the engine allows " +
							"(MariaDB: mysql_native_password; PostgreSQL: SCRAM-SHA-256), so no statement carries it in clear.",
					},
					"password_wo_version": schema.Int64Attribute{
						Optional: true,
						MarkdownDescription: "Any number that you change to set `password_wo` again (password rotation): since the password is not stored, " +
							"Terraform cannot see that it changed. Defaults to null (the password is set only when the user is created).",
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
						Validators:          []validator.String{identifierValidator{kind: "Kubernetes secret name", check: checks.CheckSecretName}},
					},
					"key": schema.StringAttribute{
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString(checks.DefaultPasswordSecretKey),
						MarkdownDescription: "Key of the password in the secret. Defaults to `" + checks.DefaultPasswordSecretKey + "`.",
						Validators:          []validator.String{identifierValidator{kind: "Kubernetes secret key", check: checks.CheckSecretKey}},
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
					"passed as a values file). For a workspace: `zenml.database` of the `zenml` chart with `url` (the `store_url`), " +
					"`passwordSecretRef` (from `password_secret`) and, when the server connection uses TLS, `ssl`, `sslVerifyServerCert` and " +
					"`sslCa` / `sslCert` / `sslKey` as secret references. For the Control Plane: `zenml.database.external` of the `zenml-pro` chart with " +
					"`type`, `host`, `port`, `username` and `database`; its `password` is a plain value in that chart, so pass it to Helm separately " +
					"(e.g. `set_sensitive`). Secrets appear as references, never as values.",
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

func (r *databaseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// serverLookup is what the provider configuration says about the server of a resource.
type serverLookup struct {
	// configured is false while the provider is not configured (validation) or its server map is unknown.
	configured bool
	// slot is nil when the key is not configured.
	slot *databaseServerSlot
}

func (r *databaseResource) lookup(server types.String) serverLookup {
	if r.data == nil || !r.data.databaseServers.keysKnown || server.IsUnknown() || server.IsNull() {
		return serverLookup{}
	}
	return serverLookup{configured: true, slot: r.data.databaseServers.slots[server.ValueString()]}
}

func (r *databaseResource) unknownServerDiag(server string) diag.Diagnostic {
	keys := "none is configured"
	if r.data != nil && len(r.data.databaseServers.slots) > 0 {
		keys = "the configured keys are " + quotedList(r.data.databaseServers.keys())
	}
	return diag.NewAttributeErrorDiagnostic(path.Root("server"), "Unknown Database Server",
		fmt.Sprintf("Attribute server is %q, which is not a key of the provider's database_servers (%s). "+
			"Use one of those keys, or add the server to the provider, e.g. database_servers = { %s = { engine = \"mysql\", host = \"db.example.com\", "+
			"username = \"admin\", password = var.db_admin_password } }.", server, strings.ReplaceAll(keys, "`", "\""), server))
}

// connect returns the server of a resource for an operation at apply or refresh time.
func (r *databaseResource) connect(server string) (databases.Server, *databaseServerSlot, diag.Diagnostics) {
	var diags diag.Diagnostics
	if r.data == nil || r.data.pools == nil {
		diags.AddError("Provider Not Configured", "The zenmlpro provider was not configured before a database operation. This is a defect in the provider; please report it.")
		return nil, nil, diags
	}
	slot := r.data.databaseServers.slots[server]
	if slot == nil {
		if !r.data.databaseServers.keysKnown {
			diags.AddAttributeError(path.Root("server"), "Database Servers Not Known",
				"The provider's database_servers is not known yet, so the server cannot be reached. This happens during a plan whose servers are created in the same apply; "+
					"the operation runs once they are known.")
			return nil, nil, diags
		}
		diags.Append(r.unknownServerDiag(server))
		return nil, nil, diags
	}
	if slot.problem != nil {
		diags.AddAttributeError(path.Root("server"), "Invalid Database Server",
			fmt.Sprintf("The provider's configuration of server %q is invalid: %s.", server, slot.problem))
		return nil, nil, diags
	}
	if !slot.known {
		diags.AddAttributeError(path.Root("server"), "Database Server Not Known",
			fmt.Sprintf("The provider's configuration of server %q has values that are not known yet, so the server cannot be reached.", server))
		return nil, nil, diags
	}
	srv, err := r.data.pools.Server(slot.cfg)
	if err != nil {
		diags.AddAttributeError(path.Root("server"), "Invalid Database Server",
			fmt.Sprintf("The provider's configuration of server %q (%s) cannot be used: %s.", server, hostPort(slot.cfg), err))
		return nil, nil, diags
	}
	return srv, slot, diags
}

func hostPort(cfg databases.ServerConfig) string {
	return net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
}

// target is what a database operation works on, for the domain's messages.
func target(m databaseResourceModel, user *databaseUserModel, slot *databaseServerSlot) databases.Target {
	t := databases.Target{Server: m.Server.ValueString(), Database: m.Name.ValueString()}
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
		refused     *databases.RefusedError
		locked      *databases.LockedError
		unreachable *databases.UnreachableError
	)
	switch {
	case errors.As(err, &refused):
		diags.AddAttributeError(attributePath(refused.Attribute), refused.Summary, refused.Detail)
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

// attributePath turns a dotted attribute name of the domain ("user.name") into a path.
func attributePath(name string) path.Path {
	parts := strings.Split(name, ".")
	p := path.Root(parts[0])
	for _, part := range parts[1:] {
		p = p.AtName(part)
	}
	return p
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
	m.ID = types.StringValue(databaseID(m.Server.ValueString(), m.Name.ValueString()))
	user := userOf(ctx, m.User, diags)
	if user != nil {
		if user.Host.IsUnknown() {
			user.Host = types.StringNull()
			if engine == databases.MySQL {
				user.Host = types.StringValue(databases.DefaultUserHost)
			}
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

// databaseID is the resource ID, `<server>/<name>`.
func databaseID(server, name string) string { return server + "/" + name }

func emptyList() types.List { return types.ListValueMust(types.StringType, []attr.Value{}) }

func stringsList(values []string) types.List {
	elems := make([]attr.Value, 0, len(values))
	for _, v := range values {
		elems = append(elems, types.StringValue(v))
	}
	return types.ListValueMust(types.StringType, elems)
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
	if movedEngine(state, slot) {
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
	state.ID = types.StringValue(databaseID(server, name))
	recordDatabase(&state, db, info.Engine)

	user := userOf(ctx, state.User, &resp.Diagnostics)
	if user != nil {
		switch {
		case info.Engine == databases.Postgres:
			user.Host = types.StringNull()
		case user.Host.IsNull():
			user.Host = types.StringValue(databases.DefaultUserHost)
		}
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
		if !r.updateUser(ctx, srv, slot, plan, oldUser, newUser, config, &resp.Diagnostics) {
			return
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

// updateUser brings the user to the planned state: created or restored, renamed (new user created,
// old one dropped unless it holds anything elsewhere), password rotated (never for a user that holds
// anything elsewhere), privileges granted again, or dropped when the user object is gone.
func (r *databaseResource) updateUser(ctx context.Context, srv databases.Server, slot *databaseServerSlot, plan databaseResourceModel,
	oldUser, newUser *databaseUserModel, config databaseResourceModel, diags *diag.Diagnostics) bool {
	database := plan.Name.ValueString()
	sameAccount := oldUser != nil && newUser != nil && oldUser.account() == newUser.account()
	if newUser != nil {
		t := target(plan, newUser, slot)
		account := newUser.account()
		needCreate := !sameAccount || !oldUser.Exists.ValueBool()
		rotate := sameAccount && !oldUser.PasswordWOVersion.Equal(newUser.PasswordWOVersion)
		granted := false
		if needCreate || rotate {
			password, ok := configuredPassword(ctx, config, diags)
			if !ok {
				return false
			}
			if needCreate {
				// A user found missing at refresh is ours to create again; one that reappeared meanwhile is
				// taken over only if it holds nothing elsewhere.
				outcome, err := databases.EnsureUser(ctx, srv, t, password, plan.AdoptExisting.ValueBool(), sameAccount)
				if err != nil {
					addServerError(diags, "Unable to Create User", fmt.Sprintf("create user %s", databases.DescribeUser(account)), slot, err)
					return false
				}
				tflog.Info(ctx, "user provisioned", map[string]any{"user": account.Name, "user_host": account.Host, "outcome": string(outcome)})
				granted = true
			} else {
				tflog.Info(ctx, "setting a new password (password_wo_version changed)", map[string]any{"user": account.Name, "user_host": account.Host})
				if err := databases.RotatePassword(ctx, srv, t, password); err != nil {
					addServerError(diags, "Unable to Set Password", fmt.Sprintf("set the password of user %s", databases.DescribeUser(account)), slot, err)
					return false
				}
			}
		}
		missing := oldUser == nil || !sameAccount || !oldUser.Exists.ValueBool() || oldUser.MissingPrivileges.IsNull() || len(oldUser.MissingPrivileges.Elements()) > 0
		if missing && !granted {
			tflog.Info(ctx, "granting the privilege profile", map[string]any{"user": account.Name, "user_host": account.Host})
			if err := srv.GrantDatabase(ctx, account, database); err != nil {
				addServerError(diags, "Unable to Grant Privileges", fmt.Sprintf("grant user %s the privileges on database %q",
					databases.DescribeUser(account), database), slot, err)
				return false
			}
		}
	}
	if oldUser != nil && !sameAccount {
		account := oldUser.account()
		tflog.Info(ctx, "dropping the user that the configuration no longer has", map[string]any{"user": account.Name, "user_host": account.Host})
		kept, err := databases.DropUserIfDedicated(ctx, srv, account, database)
		if err != nil {
			addServerError(diags, "Unable to Drop User", fmt.Sprintf("drop user %s", databases.DescribeUser(account)), slot, err)
			return false
		}
		if kept != "" {
			diags.AddWarning("User Kept", strings.ToUpper(kept[:1])+kept[1:]+".")
		}
	}
	return true
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
		resp.Diagnostics.AddWarning("Database Kept",
			fmt.Sprintf("zenmlpro_database %s was removed from the Terraform state only: deletion_policy is \"retain\", so %s stayed on server %q with its data. "+
				"To manage it again, import it (terraform import <address> %s); to drop it, import it, set deletion_policy = \"drop\", apply, then destroy.",
				state.ID.ValueString(), keptText(state, user), server, databaseID(server, name)))
		return
	}
	srv, slot, diags := r.connect(server)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if movedEngine(state, slot) {
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

// keptText names what a retained database keeps on the server, for messages.
func keptText(state databaseResourceModel, user *databaseUserModel) string {
	if user == nil {
		return fmt.Sprintf("database %q", state.Name.ValueString())
	}
	return fmt.Sprintf("database %q and its user %s", state.Name.ValueString(), databases.DescribeUser(user.account()))
}

// movedEngine reports whether the server key now names a server of another engine than the one the
// database was created on.
func movedEngine(state databaseResourceModel, slot *databaseServerSlot) bool {
	return !state.Engine.IsNull() && !state.Engine.IsUnknown() && state.Engine.ValueString() != string(slot.cfg.Engine)
}

// importIDFormat describes the accepted import IDs.
const importIDFormat = "\"<server>/<database>\", or with the dedicated user \"<server>/<database>/<user>\" (MySQL: \"<server>/<database>/<user>@<host>\"), " +
	"e.g. \"main/zenml_workspace_1\" or \"main/zenml_workspace_1/zenml_ws1@%\""

// parseDatabaseImportID splits an import ID into server, database and optional user.
func parseDatabaseImportID(id string) (server, name string, user *databases.User, err error) {
	parts := strings.Split(id, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return "", "", nil, fmt.Errorf("import ID %q is not in the form %s", id, importIDFormat)
	}
	server, name = parts[0], parts[1]
	if !serverKeyPattern.MatchString(server) {
		return "", "", nil, fmt.Errorf("import ID %q: the server %q is not a database_servers key (%s); expected %s", id, server, serverKeyRule, importIDFormat)
	}
	if err := checks.CheckDatabaseName(name); err != nil {
		return "", "", nil, fmt.Errorf("import ID %q: %v", id, err)
	}
	if len(parts) == 3 {
		u := databases.User{Name: parts[2]}
		if i := strings.Index(parts[2], "@"); i >= 0 {
			u = databases.User{Name: parts[2][:i], Host: parts[2][i+1:]}
			if err := checks.CheckUserHost(u.Host); err != nil {
				return "", "", nil, fmt.Errorf("import ID %q: %v", id, err)
			}
		}
		if err := checks.CheckUserName(u.Name); err != nil {
			return "", "", nil, fmt.Errorf("import ID %q: %v", id, err)
		}
		user = &u
	}
	return server, name, user, nil
}

func (r *databaseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	server, name, user, err := parseDatabaseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error()+".")
		return
	}
	tflog.Info(ctx, "importing database", map[string]any{"server": server, "database": name})
	if !r.verifyImport(ctx, server, name, user, &resp.Diagnostics) {
		return
	}
	m := databaseResourceModel{
		ID:                 types.StringValue(databaseID(server, name)),
		Server:             types.StringValue(server),
		Name:               types.StringValue(name),
		Component:          types.StringNull(),
		DeletionPolicy:     types.StringValue(databases.PolicyRetain),
		AdoptExisting:      types.BoolValue(false),
		CharacterSet:       types.StringNull(),
		Collation:          types.StringNull(),
		Encoding:           types.StringNull(),
		User:               types.ObjectNull(databaseUserAttrTypes),
		PasswordSecret:     types.ObjectNull(map[string]attr.Type{"name": types.StringType, "key": types.StringType}),
		Engine:             types.StringNull(),
		ServerVersion:      types.StringNull(),
		StoreURL:           types.StringNull(),
		HelmDatabaseValues: types.StringNull(),
		Timeouts:           timeouts.Value{Object: types.ObjectNull(databaseTimeoutsAttrTypes)},
	}
	if user != nil {
		host := types.StringNull()
		if user.Host != "" {
			host = types.StringValue(user.Host)
		}
		obj, d := types.ObjectValue(databaseUserAttrTypes, map[string]attr.Value{
			"name":                types.StringValue(user.Name),
			"host":                host,
			"password_wo":         types.StringNull(),
			"password_wo_version": types.Int64Null(),
			"exists":              types.BoolNull(),
			"missing_privileges":  types.ListNull(types.StringType),
			"other_privileges":    types.ListNull(types.StringType),
		})
		resp.Diagnostics.Append(d...)
		m.User = obj
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// verifyImport checks on the server that what an import ID names is there: the database, and the
// user with privileges on it. A user that holds anything elsewhere is imported with a warning: the
// provider will not change its password nor drop it.
func (r *databaseResource) verifyImport(ctx context.Context, server, name string, user *databases.User, diags *diag.Diagnostics) bool {
	srv, slot, d := r.connect(server)
	diags.Append(d...)
	if diags.HasError() {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, defaultDatabaseTimeout)
	defer cancel()
	db, err := srv.GetDatabase(ctx, name)
	if err != nil {
		addServerError(diags, "Cannot Import Database", fmt.Sprintf("look up database %q", name), slot, err)
		return false
	}
	if db == nil {
		diags.AddError("Cannot Import Database", fmt.Sprintf("Database %q does not exist on server %q at %s: there is nothing to import. "+
			"Check the import ID (%s), or let terraform apply create the database.", name, server, hostPort(slot.cfg), importIDFormat))
		return false
	}
	if user == nil {
		return true
	}
	u := *user
	if slot.cfg.Engine == databases.MySQL && u.Host == "" {
		u.Host = databases.DefaultUserHost
	}
	grants, err := srv.DatabaseGrants(ctx, u, name)
	if err != nil {
		addServerError(diags, "Cannot Import Database", fmt.Sprintf("read user %s", databases.DescribeUser(u)), slot, err)
		return false
	}
	switch {
	case grants.UserMissing():
		diags.AddError("Cannot Import Database", fmt.Sprintf("User %s does not exist on server %q. Import the database alone (%s); the first apply "+
			"with user in the configuration then creates the user.", databases.DescribeUser(u), server, databaseID(server, name)))
		return false
	case !grants.Holds:
		diags.AddError("Cannot Import Database", fmt.Sprintf("User %s holds none of the privileges of database %q, so it is not that database's user "+
			"(it holds: %s). Import the database alone (%s), and give it its own user.", databases.DescribeUser(u), name,
			orNothing(grants.Elsewhere), databaseID(server, name)))
		return false
	case !grants.Dedicated():
		diags.AddWarning("Imported User Holds Other Privileges", fmt.Sprintf("User %s holds privileges outside database %q: %s. The provider will "+
			"neither change its password nor drop it while it does.", databases.DescribeUser(u), name, strings.Join(grants.Elsewhere, "; ")))
	}
	return true
}

func orNothing(items []string) string {
	if len(items) == 0 {
		return "nothing"
	}
	return strings.Join(items, "; ")
}
