// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// checkExists checks that the database exists on the server, or that it does not.
func checkExists(srv *testsupport.Server, database string, want bool) resource.TestCheckFunc {
	return checkServer(func() error {
		if got := srv.DatabaseExists(database); got != want {
			return fmt.Errorf("database %s exists on %s: %t, want %t", database, srv.Addr(), got, want)
		}
		return nil
	})
}

// TestAccDatabaseClaims_PostgresAdminWithCreateDBAndCreateRole runs the lifecycle of a database with its
// user as an admin role the test creates with LOGIN CREATEDB CREATEROLE and nothing else (no superuser,
// no role memberships): the documentation says that is all PostgreSQL needs.
func TestAccDatabaseClaims_PostgresAdminWithCreateDBAndCreateRole(t *testing.T) {
	t.Parallel()
	srv := testsupport.Postgres(t)
	adminName, adminPW := testsupport.UniqueName(t, "adm"), testPassword(t, "adm")
	name, user := testsupport.UniqueName(t, "cp"), testsupport.UniqueName(t, "u")
	pw1, pw2 := testPassword(t, "one"), testPassword(t, "two")
	srv.CreateUser(adminName, "", adminPW)
	srv.CleanupUser(adminName, "") // registered first, so it runs after the database and the user are gone
	srv.CleanupDatabase(name)
	srv.CleanupUser(user, "")
	srv.Exec(fmt.Sprintf(`ALTER ROLE %q CREATEDB CREATEROLE NOSUPERUSER NOREPLICATION NOBYPASSRLS`, adminName))
	attrs := srv.Query(`SELECT rolsuper::text, rolcreatedb::text, rolcreaterole::text, rolreplication::text, rolbypassrls::text,
		(SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid)::text FROM pg_roles r WHERE rolname = $1`, adminName)
	if want := []string{"false", "true", "true", "false", "false", "0"}; len(attrs) != 1 || strings.Join(attrs[0], ",") != strings.Join(want, ",") {
		t.Fatalf("the admin role %s is not shaped as the test needs: %q (superuser, createdb, createrole, replication, bypassrls, memberships), want %q",
			adminName, attrs, want)
	}
	admin := testsupport.Account{Label: "createdb createrole admin", User: adminName, Password: adminPW}
	config := func(pw string, version int, withUser bool) string {
		u := ""
		if withUser {
			u = fmt.Sprintf("user = {\n    name = %q\n    password_wo = %q\n    password_wo_version = %d\n  }", user, pw, version)
		}
		return providerConfig(dbServer{key: "pg", srv: srv, account: admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "pg"
  name            = %q
  component       = "control_plane"
  deletion_policy = "drop"
  %s
}
`, name, u)
	}
	owner := func(want string) resource.TestCheckFunc {
		return checkServer(func() error {
			if got := srv.DatabaseOwner(name); got != want {
				return fmt.Errorf("database %s is owned by %q, want %q", name, got, want)
			}
			return nil
		})
	}
	canMigrate := checkServer(func() error {
		db := srv.DB(testsupport.Account{User: user, Password: pw2}, name)
		defer func() { _ = db.Close() }()
		if _, err := db.Exec("CREATE TABLE zenml_probe (id integer)"); err != nil {
			return fmt.Errorf("user %s cannot create a table in %s: %v", user, name, err)
		}
		return nil
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyVersionChecks,
		CheckDestroy:             checkGone(srv, name, user, ""),
		Steps: []resource.TestStep{
			{
				Config: config(pw1, 1, true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("engine"), knownvalue.StringExact("postgres")),
					statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("user").AtMapKey("missing_privileges"), knownvalue.ListExact([]knownvalue.Check{})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkLogin(srv, user, name, pw1), owner(user)),
			},
			{
				Config: config(pw2, 2, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(checkLogin(srv, user, name, pw2, pw1), canMigrate),
			},
			{
				// The user goes, with the table it created; the database stays.
				Config: config("", 0, false),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkExists(srv, name, true),
					checkServer(func() error {
						if srv.UserExists(user, "") {
							return fmt.Errorf("user %s was not dropped when the user attribute was removed", user)
						}
						return nil
					}),
				),
			},
		},
	})
}

// TestAccDatabaseClaims_DropIfEmptyRefusesViews: drop_if_empty keeps a database that holds a view and no
// table, on both engines.
func TestAccDatabaseClaims_DropIfEmptyRefusesViews(t *testing.T) {
	t.Parallel()
	for _, srv := range []*testsupport.Server{testsupport.MySQL(t), testsupport.Postgres(t)} {
		t.Run(srv.Engine, func(t *testing.T) {
			t.Parallel()
			name := testsupport.UniqueName(t, "view")
			srv.CleanupDatabase(name)
			component := "workspace_server"
			if srv.Engine == testsupport.EnginePostgres {
				component = "control_plane"
			}
			provider := providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin})
			config := func(policy string) string {
				return provider + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "main"
  name            = %q
  component       = %q
  deletion_policy = %q
}
`, name, component, policy)
			}
			createView := func() {
				if srv.Engine == testsupport.EnginePostgres {
					srv.ExecIn(name, "CREATE VIEW zenml_view AS SELECT 1 AS one")
					if n := srv.QueryIn(name, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "+
						"WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")[0][0]; n != "0" {
						t.Fatalf("database %s holds %s tables; the test needs a view only", name, n)
					}
					return
				}
				srv.Exec(fmt.Sprintf("CREATE VIEW `%s`.`zenml_view` AS SELECT 1 AS one", name))
				if n := srv.QueryValue("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW'", name); n != "0" {
					t.Fatalf("database %s holds %s tables; the test needs a view only", name, n)
				}
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             checkExists(srv, name, false),
				Steps: []resource.TestStep{
					{Config: config("drop_if_empty"), Check: checkExists(srv, name, true)},
					{
						PreConfig:   createView,
						Config:      provider,
						ExpectError: wrapped("Database Not Empty", "holds 1 tables or views", `deletion_policy is "drop_if_empty"`),
					},
					{
						Config: config("drop"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
						}},
						Check: checkExists(srv, name, true),
					},
					{Config: provider, Check: checkExists(srv, name, false)},
				},
			})
		})
	}
}

// TestAccDatabaseClaims_ReplacementUsesStoredPolicy replaces databases (a new name, a new server key) while
// the same change sets the opposite deletion_policy: the old database is handled by the policy it was
// stored with, not by the new configuration.
func TestAccDatabaseClaims_ReplacementUsesStoredPolicy(t *testing.T) {
	t.Parallel()
	plain, tlsSrv := testsupport.MySQL(t), testsupport.MySQLTLS(t)
	keptOld, keptNew := testsupport.UniqueName(t, "ko"), testsupport.UniqueName(t, "kn")
	droppedOld, droppedNew := testsupport.UniqueName(t, "do"), testsupport.UniqueName(t, "dn")
	moved := testsupport.UniqueName(t, "mv")
	for _, n := range []string{keptOld, keptNew, droppedOld, droppedNew, moved} {
		plain.CleanupDatabase(n)
	}
	tlsSrv.CleanupDatabase(moved)
	tlsBlock := fmt.Sprintf("      tls = {\n        ca_certificate = <<-EOT\n%s\n        EOT\n      }", strings.TrimSpace(tlsSrv.TLS.CAPEM))
	provider := providerConfig(dbServer{key: "a", srv: plain, account: plain.Admin}, dbServer{key: "b", srv: tlsSrv, account: tlsSrv.Admin, extra: tlsBlock})
	db := func(label, server, name, policy string) string {
		return fmt.Sprintf(`
resource "zenmlpro_database" %q {
  server          = %q
  name            = %q
  component       = "workspace_server"
  deletion_policy = %q
}
`, label, server, name, policy)
	}
	before := provider + db("kept", "a", keptOld, "retain") + db("dropped", "a", droppedOld, "drop") + db("moved", "a", moved, "retain")
	after := provider + db("kept", "a", keptNew, "drop") + db("dropped", "a", droppedNew, "retain") + db("moved", "b", moved, "drop")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// The replacements were created with the opposite policies, which the destroy now follows.
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkExists(plain, keptNew, false), checkExists(plain, droppedNew, true), checkExists(tlsSrv, moved, false),
		),
		Steps: []resource.TestStep{
			{
				Config: before,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkExists(plain, keptOld, true), checkExists(plain, droppedOld, true), checkExists(plain, moved, true)),
			},
			{
				Config: after,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("zenmlpro_database.kept", plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction("zenmlpro_database.dropped", plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction("zenmlpro_database.moved", plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("zenmlpro_database.kept", tfjsonpath.New("deletion_policy"), knownvalue.StringExact("drop")),
					statecheck.ExpectKnownValue("zenmlpro_database.dropped", tfjsonpath.New("deletion_policy"), knownvalue.StringExact("retain")),
					statecheck.ExpectKnownValue("zenmlpro_database.moved", tfjsonpath.New("server"), knownvalue.StringExact("b")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					// retain stored: the old database stays, although the new configuration says drop.
					checkExists(plain, keptOld, true), checkExists(plain, keptNew, true),
					// drop stored: the old database goes, although the new configuration says retain.
					checkExists(plain, droppedOld, false), checkExists(plain, droppedNew, true),
					// A new server key: created on the other server, the old one kept under retain.
					checkExists(plain, moved, true), checkExists(tlsSrv, moved, true),
				),
			},
		},
	})
}

// TestAccDatabaseClaims_DestroyUsesStoredPolicy destroys with a configuration whose deletion_policy
// differs from the stored one: the stored policy decides, as the documentation says.
func TestAccDatabaseClaims_DestroyUsesStoredPolicy(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	retained, dropped := testsupport.UniqueName(t, "keep"), testsupport.UniqueName(t, "drop")
	srv.CleanupDatabase(retained)
	srv.CleanupDatabase(dropped)
	config := func(retainedPolicy, droppedPolicy string) string {
		return providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "retained" {
  server          = "main"
  name            = %q
  component       = "workspace_server"
  deletion_policy = %q
}
resource "zenmlpro_database" "dropped" {
  server          = "main"
  name            = %q
  component       = "workspace_server"
  deletion_policy = %q
}
`, retained, retainedPolicy, dropped, droppedPolicy)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeAggregateTestCheckFunc(checkExists(srv, retained, true), checkExists(srv, dropped, false)),
		Steps: []resource.TestStep{
			{
				Config: config("retain", "drop"),
				Check:  resource.ComposeAggregateTestCheckFunc(checkExists(srv, retained, true), checkExists(srv, dropped, true)),
			},
			{
				// The opposite policies in the configuration, and a destroy: the stored ones apply.
				Config:  config("drop", "retain"),
				Destroy: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("zenmlpro_database.retained", plancheck.ResourceActionDestroy),
					plancheck.ExpectResourceAction("zenmlpro_database.dropped", plancheck.ResourceActionDestroy),
				}},
			},
		},
	})
}

// dbProtoServer drives zenmlpro_database through the provider server, as Terraform does, for what an
// acceptance test cannot arrange: a stale value in the prior state, or many operations on one
// configured provider.
type dbProtoServer struct {
	t      *testing.T
	server tfprotov6.ProviderServer
	typ    tftypes.Type
}

// newDBProtoServer configures a provider with one server, "main", and at most maxOpen connections to it.
func newDBProtoServer(t *testing.T, srv *testsupport.Server, admin testsupport.Account, maxOpen int) *dbProtoServer {
	t.Helper()
	server := protoServer(t)
	schemas, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "GetProviderSchema", schemas.Diagnostics)
	providerType := schemas.Provider.ValueType()
	serversType := attrType(t, providerType, "database_servers")
	serversMap, ok := serversType.(tftypes.Map)
	if !ok {
		t.Fatalf("database_servers is a %s, not a map", serversType)
	}
	cfg := objectValue(t, providerType, map[string]tftypes.Value{
		"database_servers": tftypes.NewValue(serversType, map[string]tftypes.Value{
			"main": objectValue(t, serversMap.ElementType, map[string]tftypes.Value{
				"engine":               tftypes.NewValue(tftypes.String, srv.Engine),
				"host":                 tftypes.NewValue(tftypes.String, srv.Host),
				"port":                 tftypes.NewValue(tftypes.Number, srv.Port),
				"username":             tftypes.NewValue(tftypes.String, admin.User),
				"password":             tftypes.NewValue(tftypes.String, admin.Password),
				"max_open_connections": tftypes.NewValue(tftypes.Number, maxOpen),
			}),
		}),
	})
	configured, err := server.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: dynamicValue(t, providerType, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "ConfigureProvider", configured.Diagnostics)
	return &dbProtoServer{t: t, server: server, typ: schemas.ResourceSchemas["zenmlpro_database"].ValueType()}
}

// diagError is the first error among diags, or nil.
func diagError(what string, diags []*tfprotov6.Diagnostic) error {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return fmt.Errorf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
	return nil
}

// plan plans the creation of a database without a user, deletion_policy drop.
func (p *dbProtoServer) plan(name, component string) *tfprotov6.DynamicValue {
	p.t.Helper()
	config := dynamicValue(p.t, p.typ, objectValue(p.t, p.typ, map[string]tftypes.Value{
		"server":          tftypes.NewValue(tftypes.String, "main"),
		"name":            tftypes.NewValue(tftypes.String, name),
		"component":       tftypes.NewValue(tftypes.String, component),
		"deletion_policy": tftypes.NewValue(tftypes.String, "drop"),
	}))
	planned, err := p.server.PlanResourceChange(p.t.Context(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: "zenmlpro_database", PriorState: p.null(), ProposedNewState: config, Config: config,
	})
	if err != nil {
		p.t.Fatal(err)
	}
	noErrors(p.t, "PlanResourceChange", planned.Diagnostics)
	return planned.PlannedState
}

func (p *dbProtoServer) null() *tfprotov6.DynamicValue {
	return dynamicValue(p.t, p.typ, tftypes.NewValue(p.typ, nil))
}

// create applies a planned creation; safe for concurrent use.
func (p *dbProtoServer) create(planned *tfprotov6.DynamicValue) (*tfprotov6.DynamicValue, error) {
	applied, err := p.server.ApplyResourceChange(p.t.Context(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "zenmlpro_database", PriorState: p.null(), PlannedState: planned, Config: planned,
	})
	if err != nil {
		return nil, err
	}
	return applied.NewState, diagError("ApplyResourceChange (create)", applied.Diagnostics)
}

// read refreshes a state; safe for concurrent use.
func (p *dbProtoServer) read(state *tfprotov6.DynamicValue) (*tfprotov6.DynamicValue, error) {
	read, err := p.server.ReadResource(p.t.Context(), &tfprotov6.ReadResourceRequest{TypeName: "zenmlpro_database", CurrentState: state})
	if err != nil {
		return nil, err
	}
	return read.NewState, diagError("ReadResource", read.Diagnostics)
}

// destroy applies the deletion of a state; safe for concurrent use.
func (p *dbProtoServer) destroy(state *tfprotov6.DynamicValue) error {
	deleted, err := p.server.ApplyResourceChange(p.t.Context(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "zenmlpro_database", PriorState: state, PlannedState: p.null(), Config: p.null(),
	})
	if err != nil {
		return err
	}
	return diagError("ApplyResourceChange (delete)", deleted.Diagnostics)
}

// attr returns a top-level attribute of a state.
func (p *dbProtoServer) attr(state *tfprotov6.DynamicValue, name string) tftypes.Value {
	p.t.Helper()
	v, err := state.Unmarshal(p.typ)
	if err != nil {
		p.t.Fatal(err)
	}
	var top map[string]tftypes.Value
	if err := v.As(&top); err != nil {
		p.t.Fatal(err)
	}
	return top[name]
}

// withAttr returns the state with a top-level string attribute replaced.
func (p *dbProtoServer) withAttr(state *tfprotov6.DynamicValue, name, value string) *tfprotov6.DynamicValue {
	p.t.Helper()
	v, err := state.Unmarshal(p.typ)
	if err != nil {
		p.t.Fatal(err)
	}
	out, err := tftypes.Transform(v, func(path *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if path.Equal(tftypes.NewAttributePath().WithAttributeName(name)) {
			return tftypes.NewValue(tftypes.String, value), nil
		}
		return v, nil
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return dynamicValue(p.t, p.typ, out)
}

func stringOf(t *testing.T, v tftypes.Value) string {
	t.Helper()
	var s string
	if err := v.As(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAccDatabaseClaims_RefreshRecordsServerVersion refreshes a state whose server_version is stale, as
// after a server upgrade: the refresh records the version the server reports.
func TestAccDatabaseClaims_RefreshRecordsServerVersion(t *testing.T) {
	t.Parallel()
	for _, srv := range []*testsupport.Server{testsupport.MySQL(t), testsupport.Postgres(t)} {
		t.Run(srv.Engine, func(t *testing.T) {
			t.Parallel()
			name := testsupport.UniqueName(t, "ver")
			srv.CleanupDatabase(name)
			component := "workspace_server"
			if srv.Engine == testsupport.EnginePostgres {
				component = "control_plane"
			}
			p := newDBProtoServer(t, srv, srv.Admin, 2)
			state, err := p.create(p.plan(name, component))
			if err != nil {
				t.Fatal(err)
			}
			want := wantServerVersion(srv)
			if got := stringOf(t, p.attr(state, "server_version")); got != want {
				t.Fatalf("server_version after create is %q, want %q", got, want)
			}
			const stale = "8.0.1"
			refreshed, err := p.read(p.withAttr(state, "server_version", stale))
			if err != nil {
				t.Fatal(err)
			}
			if got := stringOf(t, p.attr(refreshed, "server_version")); got != want {
				t.Errorf("server_version after a refresh of a state holding %q is %q, want %q (what the server reports)", stale, got, want)
			}
			if err := p.destroy(refreshed); err != nil {
				t.Fatal(err)
			}
			if srv.DatabaseExists(name) {
				t.Errorf("database %s was not dropped", name)
			}
		})
	}
}

// TestAccDatabaseClaims_OnePoolPerServer creates, refreshes and drops 20 databases concurrently through
// one configured provider, on a MariaDB server of the test's own, and counts the connections the
// server accepted meanwhile (its Connections counter, read on a connection held open by the test):
// one pool per server, shared by every resource, opens at most max_open_connections of them.
func TestAccDatabaseClaims_OnePoolPerServer(t *testing.T) {
	t.Parallel()
	m := testsupport.StartMariaDB(t)
	const maxOpen, count = 2, 20
	prefix := testsupport.UniqueName(t, "pool")
	names := make([]string, count)
	for i := range names {
		names[i] = fmt.Sprintf("%s_%d", prefix, i)
	}

	probe, err := m.DB(m.Superuser, "").Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = probe.Close() }()
	connections := func() int {
		t.Helper()
		var variable, value string
		if err := probe.QueryRowContext(t.Context(), "SHOW GLOBAL STATUS LIKE 'Connections'").Scan(&variable, &value); err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(value)
		if err != nil {
			t.Fatalf("Connections is %q", value)
		}
		return n
	}
	existing := func() int {
		t.Helper()
		var n int
		if err := probe.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?",
			strings.ReplaceAll(prefix, "_", `\_`)+`\_%`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	p := newDBProtoServer(t, m.Server, m.Admin, maxOpen)
	planned := make([]*tfprotov6.DynamicValue, count)
	for i, n := range names {
		planned[i] = p.plan(n, "workspace_server")
	}
	// concurrently runs f for every database, 10 at a time as Terraform does, and fails on any error.
	concurrently := func(what string, f func(i int) error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, count)
		slots := make(chan struct{}, 10)
		for i := range count {
			wg.Add(1)
			go func() {
				defer wg.Done()
				slots <- struct{}{}
				defer func() { <-slots }()
				errs[i] = f(i)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("%s %s: %v", what, names[i], err)
			}
		}
	}

	before := connections()
	states := make([]*tfprotov6.DynamicValue, count)
	concurrently("create", func(i int) (err error) { states[i], err = p.create(planned[i]); return err })
	if n := existing(); n != count {
		t.Fatalf("%d of the %d databases exist after the creates", n, count)
	}
	concurrently("refresh", func(i int) (err error) { states[i], err = p.read(states[i]); return err })
	concurrently("delete", func(i int) error { return p.destroy(states[i]) })
	opened := connections() - before
	t.Logf("%d connections opened for %d databases (max_open_connections = %d)", opened, count, maxOpen)
	if n := existing(); n != 0 {
		t.Fatalf("%d of the %d databases are left after the deletes", n, count)
	}
	if opened < 1 {
		t.Fatalf("the server counted no connection during %d creates: the counter does not see the provider", count)
	}
	if opened > maxOpen {
		t.Errorf("the provider opened %d connections to the server for %d resources, with max_open_connections = %d: "+
			"the resources do not share one pool", opened, count, maxOpen)
	}
}

// planFileContents returns every file inside a saved plan (a zip archive), by name.
func planFileContents(t *testing.T, path string) map[string]string {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("the saved plan %s is not a zip archive: %v", path, err)
	}
	defer func() { _ = r.Close() }()
	out := map[string]string{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}

// TestAccDatabaseClaims_WriteOnlyPasswordNotInSavedPlan saves a plan (terraform plan -out) of a
// database whose user password comes from an ephemeral variable, looks for the password in every file
// of the saved plan and in `terraform show -json`, then applies the saved plan: the user logs in with
// the password, which the plan never held.
func TestAccDatabaseClaims_WriteOnlyPasswordNotInSavedPlan(t *testing.T) {
	t.Parallel()
	requireWriteOnlyCLI(t)
	srv := testsupport.MySQL(t)
	name, user, pw := testsupport.UniqueName(t, "plan"), testsupport.UniqueName(t, "pu"), testPassword(t, "plan")
	srv.CleanupDatabase(name)
	srv.CleanupUser(user, "%")
	hcl := `
terraform {
  required_providers {
    zenmlpro = { source = "zenmlpro-infra/zenmlpro" }
  }
}
variable "user_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
` + providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "main"
  name            = %q
  component       = "workspace_server"
  deletion_policy = "drop"
  user = {
    name                = %q
    password_wo         = var.user_password
    password_wo_version = 1
  }
}
`, name, user)
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(hcl)}, "TF_VAR_user_password="+pw)
	cli.terraform("plan", "-input=false", "-no-color", "-out=saved.tfplan")
	files := planFileContents(t, filepath.Join(cli.work, "saved.tfplan"))
	sawDatabase := false
	for file, content := range files {
		if strings.Contains(content, pw) {
			t.Errorf("the saved plan's %s holds the user's password", file)
		}
		sawDatabase = sawDatabase || strings.Contains(content, name)
	}
	if !sawDatabase {
		t.Fatalf("no file of the saved plan (%d files) names database %s: it is not the plan this test needs", len(files), name)
	}
	shown := string(cli.terraform("show", "-json", "saved.tfplan"))
	if !strings.Contains(shown, name) || !strings.Contains(shown, "password_wo_version") {
		t.Fatalf("terraform show -json of the saved plan does not describe the database: %s", shown)
	}
	if strings.Contains(shown, pw) {
		t.Error("terraform show -json of the saved plan holds the user's password")
	}

	cli.terraform("apply", "-input=false", "-no-color", "saved.tfplan")
	if !srv.CanLogin(user, pw, name) {
		t.Fatalf("user %s cannot log in with the password after the saved plan was applied", user)
	}
	state, err := os.ReadFile(filepath.Join(cli.work, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(state), name) {
		t.Fatalf("the state does not record database %s", name)
	}
	if strings.Contains(string(state), pw) {
		t.Error("the state holds the user's password")
	}
	cli.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
	if srv.DatabaseExists(name) || srv.UserExists(user, "%") {
		t.Errorf("deletion_policy drop left database %s or user %s", name, user)
	}
}
