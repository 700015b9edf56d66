// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
)

// Limits and defaults of a database_servers entry.
const (
	maxMaxOpenConnections = 100
	exampleServerKey      = "main"
)

var serverKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

const serverKeyRule = "1 to 63 lower-case letters, digits, underscores and hyphens, starting with a letter"

func engineNames() []string {
	out := make([]string, 0, 2)
	for _, e := range databases.Engines() {
		out = append(out, string(e))
	}
	return out
}

func tlsModeNames() []string {
	out := make([]string, 0, 4)
	for _, m := range databases.TLSModes() {
		out = append(out, string(m))
	}
	return out
}

// tlsModeDescriptions explains each TLS mode, in the order of databases.TLSModes.
var tlsModeDescriptions = map[databases.TLSMode]string{
	databases.TLSDisabled:   "plain TCP, nothing encrypted",
	databases.TLSRequired:   "encrypted, but the server certificate is not checked (protects against eavesdropping, not against impersonation)",
	databases.TLSVerifyCA:   "encrypted, and the server certificate must chain to `ca_certificate` (the host name is not checked)",
	databases.TLSVerifyFull: "encrypted, the server certificate must chain to `ca_certificate` (or, without it, to the system's trusted roots) and name the `host`",
}

func tlsModesDescription() string {
	var b strings.Builder
	for _, m := range databases.TLSModes() {
		fmt.Fprintf(&b, " `%s`: %s.", m, tlsModeDescriptions[m])
	}
	return b.String()
}

// databaseServersAttribute is the provider's `database_servers` attribute.
func databaseServersAttribute() schema.Attribute {
	return schema.MapNestedAttribute{
		Optional: true,
		MarkdownDescription: "Admin connections to the MySQL (or MariaDB) and PostgreSQL servers that hold ZenML Pro's databases, keyed by a name " +
			"that `zenmlpro_database` resources refer to in `server`, e.g. `database_servers = { main = { engine = \"mysql\", host = \"db.example.com\", " +
			"username = \"admin\", password = var.db_admin_password } }`. Keys are " + serverKeyRule + ". " +
			"Values may be unknown until apply (a server created in the same apply): the provider connects lazily, at the first operation " +
			"that needs the server, with one connection pool per server shared by every resource; a plan whose server address is not known yet " +
			"never connects. This configuration never enters the state. Defaults to no servers.",
		Validators: []validator.Map{
			mapvalidator.KeysAre(stringvalidator.RegexMatches(serverKeyPattern,
				"must be "+serverKeyRule+", e.g. \""+exampleServerKey+"\"")),
		},
		NestedObject: schema.NestedAttributeObject{
			Attributes: map[string]schema.Attribute{
				"engine": schema.StringAttribute{
					Required: true,
					MarkdownDescription: "The kind of server: " + quotedList(engineNames()) + ". `mysql` covers MySQL 8.0+ and MariaDB 10.6+ " +
						"(accepted with a warning: ZenML documents MySQL 8.0+); ZenML supports `postgres` for the Control Plane only.",
					Validators: []validator.String{stringvalidator.OneOf(engineNames()...)},
				},
				"host": schema.StringAttribute{
					Required: true,
					MarkdownDescription: "Host name or IP address of the server, without scheme or port, e.g. `db.example.com` or `10.0.0.5`. " +
						"With `tls.mode = \"verify_full\"` the server certificate must name this host.",
					Validators: []validator.String{databaseHostCheck},
				},
				"port": schema.Int64Attribute{
					Optional:            true,
					MarkdownDescription: "TCP port of the server, 1 to 65535. Defaults to `3306` for `mysql` and `5432` for `postgres`.",
					Validators:          []validator.Int64{int64validator.Between(1, 65535)},
				},
				"username": schema.StringAttribute{
					Required: true,
					MarkdownDescription: "The admin user the provider connects as. It needs to create databases and users and to grant privileges " +
						"(MySQL: `CREATE`, `DROP`, `CREATE USER` and the privileges it grants, `WITH GRANT OPTION`, and `SELECT` on the `mysql` schema to read users and their privileges; " +
						"PostgreSQL: `CREATEDB` and `CREATEROLE`); " +
						"a superuser is not required, so a managed cloud's master user works.",
					Validators: []validator.String{stringvalidator.LengthBetween(1, 128)},
				},
				"password": schema.StringAttribute{
					Optional:  true,
					Sensitive: true,
					MarkdownDescription: "Password of the admin user. It is used to connect only: it never enters the state, the logs or an error message. " +
						"Give it from an `ephemeral = true` variable or an ephemeral resource (Terraform 1.10+): a plain variable's value is " +
						"written into saved plan files (`terraform plan -out`). Omit it only for a server that lets the admin in without a password.",
				},
				"tls": schema.SingleNestedAttribute{
					Optional: true,
					MarkdownDescription: "TLS settings of the admin connection. Without this attribute the connection is not encrypted (`mode = \"disabled\"`). " +
						"When it is given, `mode` defaults to `verify_full`: with `ca_certificate`, the server certificate must chain to that CA; " +
						"without it, to the system's trusted roots. Nothing is ever downgraded silently: a server without TLS fails to connect " +
						"unless `mode` is `disabled`.",
					Validators: []validator.Object{databaseTLSValidator{}},
					Attributes: map[string]schema.Attribute{
						"mode": schema.StringAttribute{
							Optional: true,
							MarkdownDescription: "One of " + quotedList(tlsModeNames()) + "." + tlsModesDescription() +
								" `verify_ca` needs `ca_certificate`; `disabled` and `required` take no `ca_certificate` (they would not use it). " +
								"Defaults to `verify_full`.",
							Validators: []validator.String{stringvalidator.OneOf(tlsModeNames()...)},
						},
						"ca_certificate": schema.StringAttribute{
							Optional: true,
							MarkdownDescription: "PEM-encoded certificate(s) of the CA that signed the server certificate, given inline " +
								"(e.g. `file(\"rds-ca.pem\")`). Needed by `verify_ca`; optional for `verify_full`, which otherwise uses the system's trusted roots.",
							Validators: []validator.String{pemCertificatesCheck},
						},
						"client_certificate": schema.StringAttribute{
							Optional: true,
							MarkdownDescription: "PEM-encoded client certificate the provider presents to the server, for servers that require one. " +
								"Needs `client_key`, and a `mode` other than `disabled`.",
							Validators: []validator.String{pemCertificatesCheck},
						},
						"client_key": schema.StringAttribute{
							Optional:  true,
							Sensitive: true,
							MarkdownDescription: "PEM-encoded private key of `client_certificate` (PKCS #1, PKCS #8 or EC). Needs `client_certificate`; " +
								"the key must match it.",
							Validators: []validator.String{pemPrivateKeyCheck},
						},
					},
				},
				"connect_timeout": schema.StringAttribute{
					Optional: true,
					MarkdownDescription: fmt.Sprintf("How long to wait for a connection to the server, as a duration such as `10s` or `1m`, "+
						"from %s to %s. Defaults to `%s`.", databases.MinConnectTimeout, databases.MaxConnectTimeout, databases.DefaultConnectTimeout),
					Validators: []validator.String{connectTimeoutCheck},
				},
				"max_open_connections": schema.Int64Attribute{
					Optional: true,
					MarkdownDescription: fmt.Sprintf("The most connections of the pool the provider keeps to this server, shared by all resources, "+
						"1 to %d. Defaults to `%d`. On PostgreSQL, where a connection reaches one database, work inside a database (its "+
						"schema privileges, counting its tables) opens one more short-lived connection to that database, outside the pool, "+
						"for each resource doing it at the time (at most Terraform's parallelism).", maxMaxOpenConnections, databases.DefaultMaxOpenConnections),
					Validators: []validator.Int64{int64validator.Between(1, maxMaxOpenConnections)},
				},
			},
		},
	}
}

// databaseServerModel is one entry of database_servers.
type databaseServerModel struct {
	Engine             types.String `tfsdk:"engine"`
	Host               types.String `tfsdk:"host"`
	Port               types.Int64  `tfsdk:"port"`
	Username           types.String `tfsdk:"username"`
	Password           types.String `tfsdk:"password"`
	TLS                types.Object `tfsdk:"tls"`
	ConnectTimeout     types.String `tfsdk:"connect_timeout"`
	MaxOpenConnections types.Int64  `tfsdk:"max_open_connections"`
}

type databaseTLSModel struct {
	Mode              types.String `tfsdk:"mode"`
	CACertificate     types.String `tfsdk:"ca_certificate"`
	ClientCertificate types.String `tfsdk:"client_certificate"`
	ClientKey         types.String `tfsdk:"client_key"`
}

// databaseServers is the configured database_servers attribute, as far as it is known. At plan time
// any part may be unknown (a server created in the same apply); at apply time it is known.
type databaseServers struct {
	// keysKnown is false when the map itself is unknown: no key can be checked then.
	keysKnown bool
	slots     map[string]*databaseServerSlot
}

// databaseServerSlot is one configured server.
type databaseServerSlot struct {
	// engine is "" while the engine is unknown.
	engine databases.Engine
	// known is true when every value of the entry is known: cfg is complete and may be connected to.
	known bool
	cfg   databases.ServerConfig
	// problem is set when values that were unknown at validate time turned out invalid.
	problem error
}

// keys returns the configured server names, sorted.
func (s databaseServers) keys() []string {
	out := make([]string, 0, len(s.slots))
	for k := range s.slots {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// databaseServersFrom reads the database_servers attribute. It never fails on unknown values and never
// connects; values that are known but invalid (they came from expressions that validate could not
// evaluate) are recorded in the slot and reported by the resources that use it.
func databaseServersFrom(ctx context.Context, m types.Map) (databaseServers, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := databaseServers{slots: map[string]*databaseServerSlot{}}
	if m.IsUnknown() {
		return out, diags
	}
	out.keysKnown = true
	if m.IsNull() {
		return out, diags
	}
	for key, v := range m.Elements() {
		obj, ok := v.(basetypes.ObjectValue)
		if !ok {
			diags.AddAttributeError(path.Root("database_servers").AtMapKey(key), "Unexpected Database Server Value",
				fmt.Sprintf("Expected an object, got %T. This is a defect in the provider; please report it.", v))
			continue
		}
		slot := &databaseServerSlot{}
		out.slots[key] = slot
		if obj.IsUnknown() || obj.IsNull() {
			if obj.IsNull() {
				slot.problem = fmt.Errorf("database_servers[%q] is null; give its engine, host, username and password", key)
			}
			continue
		}
		var sm databaseServerModel
		diags.Append(obj.As(ctx, &sm, basetypes.ObjectAsOptions{})...)
		if diags.HasError() {
			return out, diags
		}
		if !sm.Engine.IsUnknown() && !sm.Engine.IsNull() {
			slot.engine = databases.Engine(sm.Engine.ValueString())
		}
		cfg, known, err := serverConfigOf(ctx, key, sm)
		slot.known = known
		slot.cfg = cfg
		slot.problem = err
		if err == nil && !isKnownEngine(slot.engine) && slot.engine != "" {
			slot.problem = fmt.Errorf("database_servers[%q].engine is %q; use %s", key, slot.engine, strings.Join(engineNames(), " or "))
		}
	}
	return out, diags
}

func isKnownEngine(e databases.Engine) bool {
	for _, k := range databases.Engines() {
		if e == k {
			return true
		}
	}
	return false
}

// serverConfigOf converts a fully known entry into a ServerConfig, checking the rules again for values
// that were unknown at validate time. known is false while any value is unknown.
func serverConfigOf(ctx context.Context, key string, sm databaseServerModel) (databases.ServerConfig, bool, error) {
	cfg := databases.ServerConfig{Name: key}
	values := []attr.Value{sm.Engine, sm.Host, sm.Port, sm.Username, sm.Password, sm.TLS, sm.ConnectTimeout, sm.MaxOpenConnections}
	for _, v := range values {
		if v.IsUnknown() {
			return cfg, false, nil
		}
	}
	var tm databaseTLSModel
	if !sm.TLS.IsNull() {
		if diags := sm.TLS.As(ctx, &tm, basetypes.ObjectAsOptions{}); diags.HasError() {
			return cfg, false, fmt.Errorf("database_servers[%q].tls could not be read", key)
		}
		for _, v := range []attr.Value{tm.Mode, tm.CACertificate, tm.ClientCertificate, tm.ClientKey} {
			if v.IsUnknown() {
				return cfg, false, nil
			}
		}
	}
	prefix := fmt.Sprintf("database_servers[%q]", key)
	cfg.Engine = databases.Engine(sm.Engine.ValueString())
	if !isKnownEngine(cfg.Engine) {
		return cfg, true, fmt.Errorf("%s.engine is %q; use %s", prefix, cfg.Engine, strings.Join(engineNames(), " or "))
	}
	cfg.Host = sm.Host.ValueString()
	if err := databases.CheckHost(cfg.Host); err != nil {
		return cfg, true, fmt.Errorf("%s.host: %w", prefix, err)
	}
	cfg.Port = cfg.Engine.DefaultPort()
	if !sm.Port.IsNull() {
		p := sm.Port.ValueInt64()
		if p < 1 || p > 65535 {
			return cfg, true, fmt.Errorf("%s.port is %d; use a TCP port from 1 to 65535, e.g. %d", prefix, p, cfg.Engine.DefaultPort())
		}
		cfg.Port = int(p)
	}
	cfg.Username = sm.Username.ValueString()
	if cfg.Username == "" {
		return cfg, true, fmt.Errorf("%s.username is empty; give the admin user, e.g. \"admin\"", prefix)
	}
	cfg.Password = sm.Password.ValueString()
	cfg.ConnectTimeout = databases.DefaultConnectTimeout
	if !sm.ConnectTimeout.IsNull() {
		d, err := databases.ParseConnectTimeout(sm.ConnectTimeout.ValueString())
		if err != nil {
			return cfg, true, fmt.Errorf("%s.connect_timeout: %w", prefix, err)
		}
		cfg.ConnectTimeout = d
	}
	cfg.MaxOpenConnections = databases.DefaultMaxOpenConnections
	if !sm.MaxOpenConnections.IsNull() {
		n := sm.MaxOpenConnections.ValueInt64()
		if n < 1 || n > maxMaxOpenConnections {
			return cfg, true, fmt.Errorf("%s.max_open_connections is %d; use 1 to %d, e.g. %d", prefix, n, maxMaxOpenConnections, databases.DefaultMaxOpenConnections)
		}
		cfg.MaxOpenConnections = int(n)
	}
	cfg.TLS = databases.TLS{Mode: databases.TLSDisabled}
	if !sm.TLS.IsNull() {
		t := databases.TLSSettings{
			ModeSet: !tm.Mode.IsNull(), Mode: tm.Mode.ValueString(),
			CA: tm.CACertificate.ValueString(), Cert: tm.ClientCertificate.ValueString(), Key: tm.ClientKey.ValueString(),
		}
		if p := t.Problems(true); len(p) > 0 {
			return cfg, true, fmt.Errorf("%s.tls.%s: %s", prefix, p[0].Attr, p[0].Msg)
		}
		cfg.TLS = databases.TLS{Mode: t.EffectiveMode(), CACertificate: t.CA, ClientCertificate: t.Cert, ClientKey: t.Key}
	}
	return cfg, true, nil
}

// databaseTLSValidator checks the combination of a literal tls object at validate time: the mode
// against the certificates given, and the client certificate against its key.
type databaseTLSValidator struct{}

func (databaseTLSValidator) Description(context.Context) string {
	return "verify_ca needs ca_certificate; disabled and required take no CA; client_certificate and client_key come together and match"
}

func (v databaseTLSValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (databaseTLSValidator) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var tm databaseTLSModel
	resp.Diagnostics.Append(req.ConfigValue.As(ctx, &tm, basetypes.ObjectAsOptions{})...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, v := range []attr.Value{tm.Mode, tm.CACertificate, tm.ClientCertificate, tm.ClientKey} {
		if v.IsUnknown() {
			return
		}
	}
	t := databases.TLSSettings{
		ModeSet: !tm.Mode.IsNull(), Mode: tm.Mode.ValueString(),
		CA: tm.CACertificate.ValueString(), Cert: tm.ClientCertificate.ValueString(), Key: tm.ClientKey.ValueString(),
	}
	for _, p := range t.Problems(false) {
		resp.Diagnostics.AddAttributeError(req.Path.AtName(p.Attr), "Invalid TLS Settings", fmt.Sprintf("Attribute %s: %s.", req.Path.AtName(p.Attr), p.Msg))
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
