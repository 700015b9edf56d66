package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

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
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
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

// Deletion policies.
const (
	policyRetain      = "retain"
	policyDropIfEmpty = "drop_if_empty"
	policyDrop        = "drop"
)

func deletionPolicies() []string { return []string{policyRetain, policyDropIfEmpty, policyDrop} }

type databaseResourceModel struct {
	ID                 types.String `tfsdk:"id"`
	Server             types.String `tfsdk:"server"`
	Name               types.String `tfsdk:"name"`
	Component          types.String `tfsdk:"component"`
	DeletionPolicy     types.String `tfsdk:"deletion_policy"`
	AdoptExisting      types.Bool   `tfsdk:"adopt_existing"`
	CharacterSet       types.String `tfsdk:"character_set"`
	Collation          types.String `tfsdk:"collation"`
	Encoding           types.String `tfsdk:"encoding"`
	User               types.Object `tfsdk:"user"`
	PasswordSecret     types.Object `tfsdk:"password_secret"`
	Engine             types.String `tfsdk:"engine"`
	ServerVersion      types.String `tfsdk:"server_version"`
	StoreURL           types.String `tfsdk:"store_url"`
	HelmDatabaseValues types.String `tfsdk:"helm_database_values"`
}

type databaseUserModel struct {
	Name              types.String `tfsdk:"name"`
	Host              types.String `tfsdk:"host"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
	Exists            types.Bool   `tfsdk:"exists"`
	MissingPrivileges types.List   `tfsdk:"missing_privileges"`
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
}

func (r *databaseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_database"
}

func (r *databaseResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One dedicated database for a ZenML Pro component on a server of the provider's `database_servers`: " +
			"`zenml_pro` for the Control Plane (MySQL 8.0+ or PostgreSQL), `zenml_workspace_1`, `zenml_workspace_2`, ... for Workspace Servers " +
			"(MySQL only), optionally with a dedicated user that holds every privilege on this one database and nothing else. " +
			"Destroying it keeps the database unless `deletion_policy` says otherwise; an existing database is taken over only through " +
			"`terraform import` or `adopt_existing`. The user's password is write-only: it never enters the plan or the state.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<server>/<name>`, e.g. `main/zenml_workspace_1`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"server": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The key, in the provider's `database_servers`, of the server that holds the database, e.g. `main`. " +
					"Changing it creates the database on the other server (the old one is handled by `deletion_policy`).",
				Validators: []validator.String{stringvalidator.RegexMatches(serverKeyPattern,
					"must be a key of the provider's database_servers: "+serverKeyRule+", e.g. \""+exampleServerKey+"\"")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: fmt.Sprintf("Name of the database: %s, e.g. `%s` or `zenml_pro`; not a system database such as `mysql` or `postgres`. "+
					"Changing it creates a new database (the old one is handled by `deletion_policy`).",
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
				Default:  stringdefault.StaticString(policyRetain),
				MarkdownDescription: "What destroying the resource does to the database: " + quotedList(deletionPolicies()) + ". " +
					"`retain` removes it from the state only and keeps the database and its user on the server (with a warning saying so); " +
					"`drop_if_empty` drops the database and its user only when the database holds no tables or views, and fails with the table count otherwise; " +
					"`drop` drops the database, with its data, and its user. The policy in the state applies, so apply a change of policy before a destroy. " +
					"Defaults to `retain`.",
				Validators: []validator.String{stringvalidator.OneOf(deletionPolicies()...)},
			},
			"adopt_existing": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "When the database (or the user) exists already at create time, take it over instead of failing. " +
					"An adopted database must have the configured `character_set`, `collation` and `encoding`; an adopted user gets the configured " +
					"password and the privileges on this database. Without it, an existing database is an error that says to import it. Defaults to `false`.",
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
					"drops the old one, keeping the database (on PostgreSQL, where the old role owns ZenML's tables, a rename fails the plan and says how to rename the role instead).",
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Required: true,
						MarkdownDescription: fmt.Sprintf("Name of the user: %s, e.g. `%s`; not the server's admin user or a built-in account.",
							checks.IdentifierRule(checks.MaxUserNameLength), checks.ExampleUserName),
						Validators: []validator.String{identifierValidator{kind: "user name", check: checks.CheckUserName}},
					},
					"host": schema.StringAttribute{
						Optional: true,
						Computed: true,
						MarkdownDescription: "MySQL only: the host part of the account, `user@host`: `%` (any host), an IP address, a pattern such as `10.0.%` " +
							"or an address/netmask. Defaults to `" + databases.DefaultUserHost + "` on MySQL and is null on PostgreSQL, which has no host part.",
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
		},
	}
}

var (
	charsetPattern  = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	encodingPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)
)

// identifierValidator checks a literal name with one of the checks package's rules.
type identifierValidator struct {
	kind  string
	check func(string) error
}

func (v identifierValidator) Description(context.Context) string {
	return "value must be a valid " + v.kind
}

func (v identifierValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v identifierValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+titleCase(v.kind), fmt.Sprintf("Attribute %s: %s.", req.Path, err))
	}
}

func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		if w != "" && w[0] >= 'a' && w[0] <= 'z' {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

func (r *databaseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

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
		if u.PasswordWO.IsNull() {
			p := path.Root("user").AtName("password_wo")
			resp.Diagnostics.AddAttributeError(p, "Missing User Password",
				"Attribute user.password_wo is required with user: the provider creates the user with it. Give it from a variable or an "+
					"ephemeral resource, e.g. password_wo = var.workspace_db_password, with password_wo_version = 1 (change the version to rotate it).")
		}
	}
	if !m.PasswordSecret.IsNull() && m.Component.ValueString() == string(checks.ControlPlaneDatabase) {
		resp.Diagnostics.AddAttributeError(path.Root("password_secret"), "Password Secret Not Used",
			"Attribute password_secret is for workspace databases: the Control Plane chart (zenml-pro) takes the database password as the plain "+
				"value zenml.database.external.password, with no secret reference. Remove password_secret and pass the password to Helm separately, "+
				"e.g. with set_sensitive { name = \"zenml.database.external.password\" }.")
	}
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

// addServerError reports a failed server operation. An unreachable server is always an error naming
// host:port and the cause, never "the database is gone".
func addServerError(diags *diag.Diagnostics, summary, action string, slot *databaseServerSlot, err error) {
	var unreachable *databases.UnreachableError
	if errors.As(err, &unreachable) && unreachable.LoginRefused {
		diags.AddError("Database Server Refused the Admin Login",
			fmt.Sprintf("Could not %s: the database server %q at %s answered but refused the admin login: %v. "+
				"Check username and password in the provider's database_servers[%q] (and its tls settings, if the server requires TLS). "+
				"Nothing was changed in the state.", action, slot.cfg.Name, hostPort(slot.cfg), unreachable.Err, slot.cfg.Name))
		return
	}
	if errors.As(err, &unreachable) {
		diags.AddError("Database Server Unreachable",
			fmt.Sprintf("Could not %s: the database server %q at %s could not be reached: %v. "+
				"Check that the server is running and reachable from here, and the provider's database_servers[%q]. "+
				"Nothing was changed in the state.", action, slot.cfg.Name, hostPort(slot.cfg), unreachable.Err, slot.cfg.Name))
		return
	}
	diags.AddError(summary, fmt.Sprintf("Could not %s on database server %q at %s: %v.", action, slot.cfg.Name, hostPort(slot.cfg), err))
}

func (r *databaseResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		r.warnRetainOnDestroy(ctx, req, resp)
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

	if engine == databases.Postgres && plan.Component.ValueString() == string(checks.WorkspaceDatabase) {
		resp.Diagnostics.AddAttributeError(path.Root("component"), "Workspace Database On PostgreSQL",
			fmt.Sprintf("Attribute component is \"workspace\" but server %q is a postgres server. %s (ZenML Pro database support matrix). "+
				"Put workspace databases on a MySQL server (engine = \"mysql\"), or use component = \"control_plane\" for the Control Plane's database.",
				plan.Server.ValueString(), checks.DatabaseSupportMatrix))
	}

	// Replacement: a new server key or name (RequiresReplace), or the same key on a server of another engine.
	replacing := false
	if state != nil {
		replacing = !plan.Server.Equal(state.Server) || !plan.Name.Equal(state.Name)
		if engine != "" && !state.Engine.IsNull() && state.Engine.ValueString() != string(engine) {
			replacing = true
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("engine"))
		}
	}
	existing := state != nil && !replacing

	if plan.Server.IsUnknown() || plan.Name.IsUnknown() {
		plan.ID = types.StringUnknown()
	} else {
		plan.ID = types.StringValue(plan.Server.ValueString() + "/" + plan.Name.ValueString())
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
	user := r.planUser(ctx, &plan, config, engine, lk.slot, &resp.Diagnostics)
	if existing && engine == databases.Postgres && user != nil {
		if old := userOf(ctx, state.User, &resp.Diagnostics); old != nil && !old.Name.IsUnknown() && !user.Name.IsUnknown() && old.Name.ValueString() != user.Name.ValueString() {
			resp.Diagnostics.AddAttributeError(path.Root("user").AtName("name"), "User Rename Not Supported On PostgreSQL",
				fmt.Sprintf("Attribute user.name changes from %q to %q on PostgreSQL server %q. The tables ZenML created belong to %q; a new role would own "+
					"the database but not its tables, and dropping the old role would hand them to the admin user, breaking ZenML's next migration. "+
					"Rename the role in SQL instead (ALTER ROLE %s RENAME TO %s), run terraform state rm on this resource and import it as %s/%s/%s "+
					"(the first apply after the import sets its password).", old.Name.ValueString(), user.Name.ValueString(), plan.Server.ValueString(), old.Name.ValueString(),
					old.Name.ValueString(), user.Name.ValueString(), plan.Server.ValueString(), plan.Name.ValueString(), user.Name.ValueString()))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	plan.StoreURL, plan.HelmDatabaseValues = derivedValues(ctx, plan, user, lk.slot, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// warnRetainOnDestroy says, at plan time, that a destroy keeps the database.
func (r *databaseResource) warnRetainOnDestroy(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() {
		return
	}
	var state databaseResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.DeletionPolicy.IsNull() || state.DeletionPolicy.ValueString() == policyRetain {
		kept := fmt.Sprintf("database %q stays", state.Name.ValueString())
		if u := userOf(ctx, state.User, &resp.Diagnostics); u != nil {
			kept = fmt.Sprintf("database %q and its user %s stay", state.Name.ValueString(), describeUser(u.account()))
		}
		resp.Diagnostics.AddWarning("Database Will Be Kept",
			fmt.Sprintf("zenmlpro_database %s has deletion_policy \"retain\": destroying it removes it from the Terraform state only, and %s "+
				"on server %q with the data. To drop it, first apply deletion_policy = \"drop_if_empty\" or \"drop\".",
				state.ID.ValueString(), kept, state.Server.ValueString()))
	}
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

// planUser plans the user object: host default, and the drift attributes as they will be after apply.
func (r *databaseResource) planUser(ctx context.Context, plan *databaseResourceModel, config databaseResourceModel, engine databases.Engine,
	slot *databaseServerSlot, diags *diag.Diagnostics) *databaseUserModel {
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
	case engine == databases.Postgres:
		u.Host = types.StringNull()
	case engine == databases.MySQL && u.Host.IsNull():
		u.Host = types.StringValue(databases.DefaultUserHost)
	case u.Host.IsNull():
		u.Host = types.StringUnknown()
	}
	if slot != nil && slot.known && !u.Name.IsUnknown() && u.Name.ValueString() == slot.cfg.Username {
		diags.AddAttributeError(path.Root("user").AtName("name"), "User Is The Admin User",
			fmt.Sprintf("Attribute user.name is %q, the admin user of server %q. The dedicated user must be a separate account, which the provider "+
				"creates and may drop; use a name such as %q.", u.Name.ValueString(), plan.Server.ValueString(), checks.ExampleUserName))
	}
	u.PasswordWO = types.StringNull()
	u.Exists = types.BoolValue(true)
	u.MissingPrivileges = types.ListValueMust(types.StringType, []attr.Value{})
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
	component := checks.DatabaseComponent(m.Component.ValueString())
	if component == checks.WorkspaceDatabase && slot.cfg.Engine != databases.MySQL {
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
	values, err := checks.HelmDatabaseValues(component, conn, secret)
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

// describeUser names a user for messages: 'name'@'host' on MySQL, name on PostgreSQL.
func describeUser(u databases.User) string {
	if u.Host == "" {
		return fmt.Sprintf("%q", u.Name)
	}
	return fmt.Sprintf("'%s'@'%s'", u.Name, u.Host)
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

func (r *databaseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config databaseResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	srv, slot, diags := r.connect(plan.Server.ValueString())
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	ctx = tflog.SetField(ctx, "server", slot.cfg.Name)
	ctx = tflog.SetField(ctx, "database", name)

	info, err := srv.Info(ctx)
	if err != nil {
		addServerError(&resp.Diagnostics, "Unsupported Database Server", "connect and check the server version", slot, err)
		return
	}
	for _, w := range info.Warnings {
		resp.Diagnostics.AddWarning("Database Server Accepted With A Warning",
			fmt.Sprintf("Server %q at %s runs %s: %s.", slot.cfg.Name, hostPort(slot.cfg), info.Raw, strings.TrimSuffix(w, ".")))
	}
	tflog.Info(ctx, "database server version", map[string]any{"engine": string(info.Engine), "flavor": info.Flavor, "version": info.Version})
	if info.Engine == databases.Postgres && plan.Component.ValueString() == string(checks.WorkspaceDatabase) {
		resp.Diagnostics.AddAttributeError(path.Root("component"), "Workspace Database On PostgreSQL",
			fmt.Sprintf("Server %q is a PostgreSQL server. %s. Put workspace databases on a MySQL server.", slot.cfg.Name, checks.DatabaseSupportMatrix))
		return
	}

	user := userOf(ctx, plan.User, &resp.Diagnostics)
	password := ""
	if user != nil {
		var ok bool
		if password, ok = configuredPassword(ctx, config, &resp.Diagnostics); !ok {
			return
		}
	}
	adopt := plan.AdoptExisting.ValueBool()

	existingDB, err := srv.GetDatabase(ctx, name)
	if err != nil {
		addServerError(&resp.Diagnostics, "Unable to Create Database", fmt.Sprintf("look up database %q", name), slot, err)
		return
	}
	if existingDB != nil && !adopt {
		r.addExistsError(&resp.Diagnostics, plan, slot)
		return
	}
	if existingDB != nil && !r.checkAdopted(existingDB, plan, slot, &resp.Diagnostics) {
		return
	}

	// Undo what this call created if a later step fails, so that a failed create leaves nothing behind.
	var createdUser *databases.User
	createdDB := false
	rollback := func() {
		if createdDB {
			if err := srv.DropDatabase(ctx, name); err != nil {
				resp.Diagnostics.AddWarning("Database Left Behind", fmt.Sprintf("Database %q was created, then the create failed, and dropping it again failed too: %v. Drop it by hand, or import it.", name, err))
			}
		}
		if createdUser != nil {
			if err := srv.DropUser(ctx, *createdUser); err != nil {
				resp.Diagnostics.AddWarning("User Left Behind", fmt.Sprintf("User %s was created, then the create failed, and dropping it again failed too: %v. Drop it by hand.", describeUser(*createdUser), err))
			}
		}
	}

	if user != nil {
		account := user.account()
		created, ok := r.ensureUser(ctx, srv, slot, account, password, name, adopt, &resp.Diagnostics)
		if !ok {
			return
		}
		if created {
			createdUser = &account
		}
	}
	if existingDB == nil {
		spec := databases.DatabaseSpec{Name: name, CharacterSet: plan.CharacterSet.ValueString(), Collation: plan.Collation.ValueString(), Encoding: plan.Encoding.ValueString()}
		if info.Engine == databases.Postgres && user != nil {
			spec.Owner = user.Name.ValueString()
		}
		tflog.Info(ctx, "creating database", map[string]any{"character_set": spec.CharacterSet, "collation": spec.Collation, "encoding": spec.Encoding, "owner": spec.Owner})
		if err := srv.CreateDatabase(ctx, spec); err != nil {
			if errors.Is(err, databases.ErrDatabaseExists) {
				r.addExistsError(&resp.Diagnostics, plan, slot)
			} else {
				addServerError(&resp.Diagnostics, "Unable to Create Database", fmt.Sprintf("create database %q", name), slot, err)
			}
			rollback()
			return
		}
		createdDB = true
	} else {
		tflog.Info(ctx, "adopting existing database")
	}
	if user != nil {
		tflog.Info(ctx, "granting the privilege profile", map[string]any{"user": user.Name.ValueString(), "user_host": user.Host.ValueString()})
		if err := srv.GrantDatabase(ctx, user.account(), name); err != nil {
			addServerError(&resp.Diagnostics, "Unable to Grant Privileges", fmt.Sprintf("grant user %s the privileges on database %q", describeUser(user.account()), name), slot, err)
			rollback()
			return
		}
	}

	db, err := srv.GetDatabase(ctx, name)
	if err != nil || db == nil {
		if err == nil {
			err = errors.New("the database is not listed after it was created")
		}
		addServerError(&resp.Diagnostics, "Unable to Read Database", fmt.Sprintf("read database %q after creating it", name), slot, err)
		rollback()
		return
	}
	recordDatabase(&plan, db, info.Engine)
	plan.ServerVersion = types.StringValue(info.VersionLabel())
	plan.Engine = types.StringValue(string(info.Engine))
	if plan.CharacterSet.IsUnknown() {
		plan.CharacterSet = types.StringNull()
	}
	if plan.Collation.IsUnknown() {
		plan.Collation = types.StringNull()
	}
	if plan.Encoding.IsUnknown() {
		plan.Encoding = types.StringNull()
	}
	r.finishPlanned(ctx, &plan, info.Engine, slot, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// finishPlanned fills the values that were unknown in the plan once the server is known.
func (r *databaseResource) finishPlanned(ctx context.Context, m *databaseResourceModel, engine databases.Engine, slot *databaseServerSlot, diags *diag.Diagnostics) {
	m.ID = types.StringValue(m.Server.ValueString() + "/" + m.Name.ValueString())
	user := userOf(ctx, m.User, diags)
	if user != nil {
		if user.Host.IsUnknown() {
			if engine == databases.MySQL {
				user.Host = types.StringValue(databases.DefaultUserHost)
			} else {
				user.Host = types.StringNull()
			}
		}
		user.PasswordWO = types.StringNull()
		user.Exists = types.BoolValue(true)
		user.MissingPrivileges = types.ListValueMust(types.StringType, []attr.Value{})
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

func (r *databaseResource) addExistsError(diags *diag.Diagnostics, plan databaseResourceModel, slot *databaseServerSlot) {
	id := plan.Server.ValueString() + "/" + plan.Name.ValueString()
	diags.AddAttributeError(path.Root("name"), "Database Exists",
		fmt.Sprintf("Database %q exists already on server %q at %s, and the provider never takes over an existing database silently: "+
			"import it, or set adopt_existing. To import: terraform import <address> %s (or an import block with id = %q); "+
			"to adopt it at create, set adopt_existing = true.", plan.Name.ValueString(), slot.cfg.Name, hostPort(slot.cfg), id, id))
}

// checkAdopted refuses to adopt a database whose settings differ from the configuration.
func (r *databaseResource) checkAdopted(db *databases.Database, plan databaseResourceModel, slot *databaseServerSlot, diags *diag.Diagnostics) bool {
	ok := true
	for _, c := range []struct {
		name     string
		want     types.String
		reported string
	}{{"character_set", plan.CharacterSet, db.CharacterSet}, {"collation", plan.Collation, db.Collation}, {"encoding", plan.Encoding, db.Encoding}} {
		if c.want.IsNull() || c.want.IsUnknown() || c.reported == "" || strings.EqualFold(c.want.ValueString(), c.reported) {
			continue
		}
		ok = false
		diags.AddAttributeError(path.Root(c.name), "Existing Database Differs",
			fmt.Sprintf("Database %q on server %q exists with %s %q, but the configuration asks for %q. adopt_existing takes a database over as it is; "+
				"set %s = %q to adopt it, or convert it outside Terraform first.", plan.Name.ValueString(), slot.cfg.Name, c.name, c.reported, c.want.ValueString(), c.name, c.reported))
	}
	return ok
}

// ensureUser creates the user with the password. An existing user is taken over (its password set)
// when adopt is set, or when it already holds the full privilege profile on this database: MySQL
// keeps grants when a database is dropped, so such a user is this database's own user, left behind
// when the database was dropped outside Terraform. Otherwise an existing user is an error. created
// reports whether this call created the user.
func (r *databaseResource) ensureUser(ctx context.Context, srv databases.Server, slot *databaseServerSlot, u databases.User, password, database string,
	adopt bool, diags *diag.Diagnostics) (created, ok bool) {
	fields := map[string]any{"user": u.Name, "user_host": u.Host}
	tflog.Info(ctx, "creating user", fields)
	err := srv.CreateUser(ctx, u, password)
	if err == nil {
		return true, true
	}
	if !errors.Is(err, databases.ErrUserExists) {
		addServerError(diags, "Unable to Create User", fmt.Sprintf("create user %s", describeUser(u)), slot, err)
		return false, false
	}
	if !adopt {
		grants, gerr := srv.DatabaseGrants(ctx, u, database)
		if gerr != nil {
			addServerError(diags, "Unable to Create User", fmt.Sprintf("read the privileges of the existing user %s", describeUser(u)), slot, gerr)
			return false, false
		}
		if !grants.Complete() {
			diags.AddAttributeError(path.Root("user").AtName("name"), "User Exists",
				fmt.Sprintf("User %s exists already on server %q at %s, and the provider never takes over an existing user silently: "+
					"import it with the database (terraform import <address> %s/%s/%s), or set adopt_existing = true to take it over (its password is then set). "+
					"On PostgreSQL this also happens when the database was dropped outside Terraform and its role was left behind.",
					describeUser(u), slot.cfg.Name, hostPort(slot.cfg), slot.cfg.Name, database, importUserPart(u)))
			return false, false
		}
		diags.AddWarning("Existing User Reused",
			fmt.Sprintf("User %s existed already and held every privilege on database %q: it is taken to be this database's own user, left behind when "+
				"the database was dropped outside Terraform. Its password was set to user.password_wo.", describeUser(u), database))
	}
	tflog.Info(ctx, "taking over the existing user: setting its password", fields)
	if err := srv.SetPassword(ctx, u, password); err != nil {
		addServerError(diags, "Unable to Set Password", fmt.Sprintf("set the password of user %s", describeUser(u)), slot, err)
		return false, false
	}
	return false, true
}

func importUserPart(u databases.User) string {
	if u.Host == "" {
		return u.Name
	}
	return u.Name + "@" + u.Host
}

func (r *databaseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state databaseResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	server := state.Server.ValueString()
	name := state.Name.ValueString()
	ctx = tflog.SetField(ctx, "server", server)
	ctx = tflog.SetField(ctx, "database", name)
	if state.DeletionPolicy.IsNull() {
		state.DeletionPolicy = types.StringValue(policyRetain)
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
	state.ID = types.StringValue(server + "/" + name)
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
		// One call answers both: whether the user exists, and what it lacks on the database.
		grants, err := srv.DatabaseGrants(ctx, account, name)
		if err != nil {
			addServerError(&resp.Diagnostics, "Unable to Read User", fmt.Sprintf("read user %s and its privileges on database %q", describeUser(account), name), slot, err)
			return
		}
		exists := !grants.UserMissing()
		user.Exists = types.BoolValue(exists)
		user.MissingPrivileges = types.ListNull(types.StringType)
		if exists {
			missing := []attr.Value{}
			for _, m := range grants.Missing {
				missing = append(missing, types.StringValue(m))
			}
			user.MissingPrivileges = types.ListValueMust(types.StringType, missing)
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
		if !r.updateUser(ctx, srv, slot, name, oldUser, newUser, plan, config, &resp.Diagnostics) {
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
	for _, v := range []*types.String{&plan.CharacterSet, &plan.Collation, &plan.Encoding} {
		if v.IsUnknown() {
			*v = types.StringNull()
		}
	}
	if plan.CharacterSet.IsNull() {
		plan.CharacterSet = state.CharacterSet
	}
	if plan.Collation.IsNull() {
		plan.Collation = state.Collation
	}
	if plan.Encoding.IsNull() {
		plan.Encoding = state.Encoding
	}
	r.finishPlanned(ctx, &plan, engine, slot, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// updateUser brings the user to the planned state: created or restored, renamed (new user created,
// old one dropped), password rotated, privileges granted again, or dropped when the user object is gone.
func (r *databaseResource) updateUser(ctx context.Context, srv databases.Server, slot *databaseServerSlot, database string,
	oldUser, newUser *databaseUserModel, plan, config databaseResourceModel, diags *diag.Diagnostics) bool {
	sameAccount := oldUser != nil && newUser != nil && oldUser.account() == newUser.account()
	if newUser != nil {
		account := newUser.account()
		needCreate := !sameAccount || !oldUser.Exists.ValueBool()
		rotate := sameAccount && !oldUser.PasswordWOVersion.Equal(newUser.PasswordWOVersion)
		if needCreate || rotate {
			password, ok := configuredPassword(ctx, config, diags)
			if !ok {
				return false
			}
			if needCreate {
				// A user found missing at refresh is ours to create again; one that reappeared meanwhile gets the password.
				adopt := sameAccount || plan.AdoptExisting.ValueBool()
				if _, ok := r.ensureUser(ctx, srv, slot, account, password, database, adopt, diags); !ok {
					return false
				}
			} else {
				tflog.Info(ctx, "setting a new password (password_wo_version changed)", map[string]any{"user": account.Name, "user_host": account.Host})
				if err := srv.SetPassword(ctx, account, password); err != nil {
					addServerError(diags, "Unable to Set Password", fmt.Sprintf("set the password of user %s", describeUser(account)), slot, err)
					return false
				}
			}
		}
		missing := oldUser == nil || !sameAccount || !oldUser.Exists.ValueBool() || oldUser.MissingPrivileges.IsNull() || len(oldUser.MissingPrivileges.Elements()) > 0
		if missing {
			tflog.Info(ctx, "granting the privilege profile", map[string]any{"user": account.Name, "user_host": account.Host})
			if err := srv.GrantDatabase(ctx, account, database); err != nil {
				addServerError(diags, "Unable to Grant Privileges", fmt.Sprintf("grant user %s the privileges on database %q", describeUser(account), database), slot, err)
				return false
			}
		}
	}
	if oldUser != nil && !sameAccount {
		account := oldUser.account()
		return dropUser(ctx, srv, slot, account, "dropping the user that the configuration no longer has", fmt.Sprintf("drop user %s", describeUser(account)), diags)
	}
	return true
}

// dropUser drops the user when it exists; logMsg is logged before the drop, action names the drop in
// an error. It reports whether it succeeded.
func dropUser(ctx context.Context, srv databases.Server, slot *databaseServerSlot, account databases.User, logMsg, action string, diags *diag.Diagnostics) bool {
	exists, err := srv.UserExists(ctx, account)
	if err != nil {
		addServerError(diags, "Unable to Drop User", fmt.Sprintf("look up user %s", describeUser(account)), slot, err)
		return false
	}
	if !exists {
		return true
	}
	tflog.Info(ctx, logMsg, map[string]any{"user": account.Name, "user_host": account.Host})
	if err := srv.DropUser(ctx, account); err != nil {
		addServerError(diags, "Unable to Drop User", action, slot, err)
		return false
	}
	return true
}

func (r *databaseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state databaseResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	server := state.Server.ValueString()
	ctx = tflog.SetField(ctx, "server", server)
	ctx = tflog.SetField(ctx, "database", name)
	user := userOf(ctx, state.User, &resp.Diagnostics)
	policy := state.DeletionPolicy.ValueString()
	if policy == "" || policy == policyRetain {
		kept := fmt.Sprintf("database %q", name)
		if user != nil {
			kept += " and its user " + describeUser(user.account())
		}
		tflog.Info(ctx, "deletion_policy retain: removing from state only, keeping the database")
		resp.Diagnostics.AddWarning("Database Kept",
			fmt.Sprintf("zenmlpro_database %s was removed from the Terraform state only: deletion_policy is \"retain\", so %s stayed on server %q with its data. "+
				"To manage it again, import it (terraform import <address> %s/%s); to drop it, import it, set deletion_policy = \"drop\", apply, then destroy.",
				state.ID.ValueString(), kept, server, server, name))
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
	db, err := srv.GetDatabase(ctx, name)
	if err != nil {
		addServerError(&resp.Diagnostics, "Unable to Delete Database", fmt.Sprintf("look up database %q", name), slot, err)
		return
	}
	if db != nil {
		if policy == policyDropIfEmpty {
			n, err := srv.TableCount(ctx, name)
			if err != nil {
				addServerError(&resp.Diagnostics, "Unable to Delete Database", fmt.Sprintf("count the tables of database %q", name), slot, err)
				return
			}
			if n > 0 {
				resp.Diagnostics.AddError("Database Not Empty",
					fmt.Sprintf("Database %q on server %q at %s holds %d tables or views, and deletion_policy is \"drop_if_empty\", so it was not dropped (nor its user). "+
						"To drop it with its data, apply deletion_policy = \"drop\" first; to keep it, apply deletion_policy = \"retain\" first.",
						name, server, hostPort(slot.cfg), n))
				return
			}
		}
		tflog.Info(ctx, "dropping database", map[string]any{"deletion_policy": policy})
		if err := srv.DropDatabase(ctx, name); err != nil {
			addServerError(&resp.Diagnostics, "Unable to Drop Database", fmt.Sprintf("drop database %q", name), slot, err)
			return
		}
	}
	if user != nil {
		account := user.account()
		dropUser(ctx, srv, slot, account, "dropping user with its database",
			fmt.Sprintf("drop user %s (its database %q was dropped)", describeUser(account), name), &resp.Diagnostics)
	}
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
	m := databaseResourceModel{
		ID:                 types.StringValue(server + "/" + name),
		Server:             types.StringValue(server),
		Name:               types.StringValue(name),
		Component:          types.StringNull(),
		DeletionPolicy:     types.StringValue(policyRetain),
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
		})
		resp.Diagnostics.Append(d...)
		m.User = obj
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
