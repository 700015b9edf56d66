// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// writeOnlyVersionChecks: write-only attributes (user.password_wo) need Terraform 1.11. The write-only
// path is also exercised without the CLI by TestDatabaseResourceWriteOnlyPasswordProviderServer.
var writeOnlyVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}

// dbServer is one entry of database_servers in a test configuration.
type dbServer struct {
	key     string
	srv     *testsupport.Server
	account testsupport.Account
	// hostExpr replaces the quoted host with an HCL expression.
	hostExpr string
	// extra is more HCL inside the entry, e.g. a tls block.
	extra string
}

func (s dbServer) hcl() string {
	host := strconv.Quote(s.srv.Host)
	if s.hostExpr != "" {
		host = s.hostExpr
	}
	return fmt.Sprintf(`    %s = {
      engine   = %q
      host     = %s
      port     = %d
      username = %q
      password = %q
%s
    }
`, s.key, s.srv.Engine, host, s.srv.Port, s.account.User, s.account.Password, s.extra)
}

// providerConfig renders the provider block with the given servers.
func providerConfig(servers ...dbServer) string {
	var b strings.Builder
	b.WriteString("provider \"zenmlpro\" {\n  database_servers = {\n")
	for _, s := range servers {
		b.WriteString(s.hcl())
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// testPassword returns a password no other test uses, so that a search of logs finds only this test's.
func testPassword(t *testing.T, label string) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "pw-" + label + "-" + hex.EncodeToString(b)
}

// forEachAdmin runs the test once as the server's superuser and once as its restricted admin
// (database privileges, CREATE USER and GRANT OPTION only, like a managed cloud's master user).
func forEachAdmin(t *testing.T, srv *testsupport.Server, f func(t *testing.T, admin testsupport.Account)) {
	t.Helper()
	for _, a := range srv.Admins() {
		t.Run(strings.ReplaceAll(a.Label, " ", "_"), func(t *testing.T) {
			t.Parallel()
			f(t, a)
		})
	}
}

// checkServer adapts a check of the real server to a TestCheckFunc.
func checkServer(f func() error) resource.TestCheckFunc {
	return func(*terraform.State) error { return f() }
}

// helmValuesEqual checks helm_database_values against the expected document.
func helmValuesEqual(want map[string]any) knownvalue.Check {
	return knownvalue.StringFunc(func(got string) error {
		var m map[string]any
		if err := json.Unmarshal([]byte(got), &m); err != nil {
			return fmt.Errorf("helm_database_values is not JSON: %v: %s", err, got)
		}
		w, _ := json.Marshal(want)
		var wm map[string]any
		_ = json.Unmarshal(w, &wm)
		if !reflect.DeepEqual(m, wm) {
			return fmt.Errorf("helm_database_values:\n got %s\nwant %s", got, w)
		}
		return nil
	})
}

// checkLogin proves the password works and, for each of refused, that it does not.
func checkLogin(srv *testsupport.Server, user, database, works string, refused ...string) resource.TestCheckFunc {
	return checkServer(func() error {
		if !srv.CanLogin(user, works, database) {
			return fmt.Errorf("user %s cannot log in to %s with the configured password", user, database)
		}
		for _, pw := range refused {
			if srv.CanLogin(user, pw, database) {
				return fmt.Errorf("user %s can still log in to %s with an old password", user, database)
			}
		}
		return nil
	})
}

// checkMySQLProfile checks, with SHOW GRANTS, that the user holds ALL PRIVILEGES on the database and
// nothing else but USAGE.
func checkMySQLProfile(srv *testsupport.Server, user, database string) resource.TestCheckFunc {
	return checkServer(func() error {
		grants := srv.Grants(user, "%")
		all := false
		for _, g := range grants {
			switch {
			case strings.HasPrefix(g, "GRANT USAGE ON *.* TO"):
			// The grant names the database with its LIKE wildcards escaped (`zenml\_ws`), so that it covers this one database only.
			case strings.HasPrefix(g, "GRANT ALL PRIVILEGES ON `"+strings.ReplaceAll(database, "_", `\_`)+"`.* TO"):
				all = true
			default:
				return fmt.Errorf("user %s holds a privilege outside its database: %q (all grants: %q)", user, g, grants)
			}
		}
		if !all {
			return fmt.Errorf("user %s lacks ALL PRIVILEGES on `%s`.*: %q", user, database, grants)
		}
		return nil
	})
}

func checkGone(srv *testsupport.Server, database, user, host string) resource.TestCheckFunc {
	return checkServer(func() error {
		if srv.DatabaseExists(database) {
			return fmt.Errorf("database %s still exists on %s", database, srv.Addr())
		}
		if user != "" && srv.UserExists(user, host) {
			return fmt.Errorf("user %s still exists on %s", user, srv.Addr())
		}
		return nil
	})
}

const dbAddr = "zenmlpro_database.this"

// wantServerVersion is the server_version the resource should record for the server: its numeric
// version, marked -MariaDB on MariaDB.
func wantServerVersion(srv *testsupport.Server) string {
	v := srv.Version() // "10.11.6-MariaDB-0+deb12u1", "15.8 (Debian 15.8-1)"
	numeric := strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == ' ' })[0]
	if strings.Contains(v, "MariaDB") {
		return numeric + "-MariaDB"
	}
	return numeric
}

// TestAccDatabase_MySQLLifecycle creates a workspace database with its user, imports it, rotates
// the password, and restores a revoked privilege, a dropped user and a dropped database, as the
// superuser and as the restricted admin.
func TestAccDatabase_MySQLLifecycle(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	forEachAdmin(t, srv, func(t *testing.T, admin testsupport.Account) {
		name := testsupport.UniqueName(t, "ws")
		user, renamed := testsupport.UniqueName(t, "u"), testsupport.UniqueName(t, "r")
		pw1, pw2 := testPassword(t, "one"), testPassword(t, "two")
		srv.CleanupDatabase(name)
		srv.CleanupUser(user, "%")
		srv.CleanupUser(renamed, "%")
		// configFor renders the resource with the named user ("" for none).
		configFor := func(extra, userName, pw string, version int) string {
			userBlock := ""
			if userName != "" {
				userBlock = fmt.Sprintf("user = {\n    name = %q\n    password_wo = %q\n    password_wo_version = %d\n  }", userName, pw, version)
			}
			return providerConfig(dbServer{key: "main", srv: srv, account: admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "main"
  name            = %q
  component       = "workspace_server"
  deletion_policy = "drop"
  %s
  %s
}
`, name, extra, userBlock)
		}
		config := func(extra, pw string, version int) string { return configFor(extra, user, pw, version) }
		storeURL := fmt.Sprintf("mysql://%s@%s/%s", user, srv.Addr(), name)
		secret := strings.ReplaceAll(name, "_", "-") + "-db"
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   writeOnlyVersionChecks,
			CheckDestroy:             checkGone(srv, name, user, "%"),
			Steps: []resource.TestStep{
				{
					Config: config("", pw1, 1),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionCreate),
						// Known at plan time: the server's configuration is.
						plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("store_url"), knownvalue.StringExact(storeURL)),
						plancheck.ExpectUnknownValue(dbAddr, tfjsonpath.New("server_version")),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("id"), knownvalue.StringExact("main/"+name)),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("engine"), knownvalue.StringExact("mysql")),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("server_version"), knownvalue.StringExact(wantServerVersion(srv))),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("character_set"), knownvalue.StringExact("utf8mb4")),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("collation"), knownvalue.StringRegexp(regexp.MustCompile(`^utf8mb4_`))),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("encoding"), knownvalue.Null()),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("deletion_policy"), knownvalue.StringExact("drop")),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("adopt_existing"), knownvalue.Bool(false)),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("store_url"), knownvalue.StringExact(storeURL)),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("helm_database_values"), helmValuesEqual(map[string]any{
							"zenml": map[string]any{"database": map[string]any{
								"url":               storeURL,
								"passwordSecretRef": map[string]any{"name": secret, "key": "password"},
							}},
						})),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("user"), knownvalue.ObjectExact(map[string]knownvalue.Check{
							"name":                knownvalue.StringExact(user),
							"host":                knownvalue.StringExact("%"),
							"password_wo":         knownvalue.Null(),
							"password_wo_version": knownvalue.Int64Exact(1),
							"exists":              knownvalue.Bool(true),
							"missing_privileges":  knownvalue.ListExact([]knownvalue.Check{}),
							"other_privileges":    knownvalue.ListExact([]knownvalue.Check{}),
						})),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						checkLogin(srv, user, name, pw1),
						checkMySQLProfile(srv, user, name),
					),
				},
				{
					ResourceName:      dbAddr,
					ImportState:       true,
					ImportStateId:     "main/" + name + "/" + user + "@%",
					ImportStateVerify: true,
					// The form without options: not recorded on the server, the component, the policy, and the
					// write-only password's version.
					ImportStateVerifyIgnore: []string{"component", "helm_database_values", "deletion_policy", "user.password_wo", "user.password_wo_version"},
				},
				{
					// With the options for what the server does not record, the import has every attribute but the
					// password's version (the imported user keeps its password until a version is given).
					ResourceName:            dbAddr,
					ImportState:             true,
					ImportStateId:           "main/" + name + "/" + user + "@%,component=workspace_server,deletion_policy=drop",
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"user.password_wo", "user.password_wo_version"},
				},
				{
					// A changed character set is a migration, not an update: the plan fails.
					Config:      config(`character_set = "latin1"`, pw1, 1),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)Database Setting Cannot Change.*character_set is "latin1".*has\s+"utf8mb4"`),
				},
				{
					// Password rotation: a new version sets the new password in place.
					Config: config("", pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkLogin(srv, user, name, pw2, pw1),
				},
				{
					// A privilege revoked outside Terraform shows as an update that grants it again.
					PreConfig: func() { srv.RevokePrivilege(user, "%", name, "DELETE") },
					Config:    config("", pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("user").AtMapKey("missing_privileges"), knownvalue.ListExact([]knownvalue.Check{})),
					}},
					Check: checkMySQLProfile(srv, user, name),
				},
				{
					// A user dropped outside Terraform is created again, with the configured password.
					PreConfig: func() { srv.DropUser(user, "%") },
					Config:    config("", pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("user").AtMapKey("exists"), knownvalue.Bool(true)),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(checkLogin(srv, user, name, pw2), checkMySQLProfile(srv, user, name)),
				},
				{
					// A database dropped outside Terraform leaves the state and is created again; its user (which
					// MySQL leaves with its grants) is this database's own and is reused.
					PreConfig: func() { srv.DropDatabase(name) },
					Config:    config("", pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionCreate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						checkServer(func() error {
							if !srv.DatabaseExists(name) {
								return fmt.Errorf("database %s was not created again", name)
							}
							return nil
						}),
						checkLogin(srv, user, name, pw2),
					),
				},
				{
					// A new user name: the new user is created and granted, the old one dropped, the database kept.
					PreConfig: func() { srv.CreateTable(name, "zenml_data") },
					Config:    configFor("", renamed, pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						checkLogin(srv, renamed, name, pw2),
						checkMySQLProfile(srv, renamed, name),
						checkServer(func() error {
							if srv.UserExists(user, "%") {
								return fmt.Errorf("the old user %s was not dropped", user)
							}
							if srv.QueryValue("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", name) != "1" {
								return fmt.Errorf("the database lost its table when its user was renamed")
							}
							return nil
						}),
					),
				},
				{
					// No user any more: it is dropped, the database is kept.
					Config: configFor("", "", "", 0),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("user"), knownvalue.Null()),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("store_url"), knownvalue.StringExact(fmt.Sprintf("mysql://%s/%s", srv.Addr(), name))),
					},
					Check: checkServer(func() error {
						if srv.UserExists(renamed, "%") {
							return fmt.Errorf("user %s was not dropped when the user attribute was removed", renamed)
						}
						if !srv.DatabaseExists(name) {
							return fmt.Errorf("database %s was dropped with its user", name)
						}
						return nil
					}),
				},
			},
		})
	})
}

// TestAccDatabase_PostgresLifecycle does the same on PostgreSQL, where the user owns its database.
func TestAccDatabase_PostgresLifecycle(t *testing.T) {
	t.Parallel()
	srv := testsupport.Postgres(t)
	forEachAdmin(t, srv, func(t *testing.T, admin testsupport.Account) {
		name := testsupport.UniqueName(t, "cp")
		user := testsupport.UniqueName(t, "u")
		pw1, pw2 := testPassword(t, "one"), testPassword(t, "two")
		srv.CleanupDatabase(name)
		srv.CleanupUser(user, "")
		configFor := func(extra, user, pw string, version int) string {
			return providerConfig(dbServer{key: "pg", srv: srv, account: admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "pg"
  name            = %q
  component       = "control_plane"
  deletion_policy = "drop"
  %s
  user = {
    name                = %q
    password_wo         = %q
    password_wo_version = %d
  }
}
`, name, extra, user, pw, version)
		}
		config := func(extra, pw string, version int) string { return configFor(extra, user, pw, version) }
		owned := checkServer(func() error {
			if owner := srv.DatabaseOwner(name); owner != user {
				return fmt.Errorf("database %s is owned by %q, want %q", name, owner, user)
			}
			return nil
		})
		// The user can create tables in schema public, as ZenML's migrations do.
		canMigrate := checkServer(func() error {
			db := srv.DB(testsupport.Account{User: user, Password: pw2}, name)
			defer func() { _ = db.Close() }()
			if _, err := db.Exec("CREATE TABLE IF NOT EXISTS migration_probe (id integer); DROP TABLE migration_probe"); err != nil {
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
					Config: config("", pw1, 1),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("id"), knownvalue.StringExact("pg/"+name)),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("engine"), knownvalue.StringExact("postgres")),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("server_version"), knownvalue.StringExact(wantServerVersion(srv))),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("encoding"), knownvalue.StringExact("UTF8")),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("character_set"), knownvalue.Null()),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("collation"), knownvalue.Null()),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("store_url"), knownvalue.Null()),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("user").AtMapKey("host"), knownvalue.Null()),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("helm_database_values"), helmValuesEqual(map[string]any{
							// The test server listens on a port other than 5432, which the values say.
							"zenml": map[string]any{"database": map[string]any{"external": map[string]any{
								"type": "postgres", "host": srv.Host, "port": srv.Port, "username": user, "database": name,
							}}},
						})),
					},
					Check: resource.ComposeAggregateTestCheckFunc(checkLogin(srv, user, name, pw1), owned),
				},
				{
					// The component of a PostgreSQL database is read as control_plane, the only one ZenML supports there.
					ResourceName:            dbAddr,
					ImportState:             true,
					ImportStateId:           "pg/" + name + "/" + user + ",deletion_policy=drop",
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"user.password_wo", "user.password_wo_version"},
				},
				{
					Config: config("", pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(checkLogin(srv, user, name, pw2, pw1), canMigrate),
				},
				{
					PreConfig: func() { srv.RevokePrivilege(user, "", name, "CONNECT") },
					Config:    config("", pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkLogin(srv, user, name, pw2),
				},
				{
					// Ownership taken away: as superuser, RevokeAll hands the database to the superuser; the
					// restricted admin cannot take a database back from a superuser (PostgreSQL needs the rights
					// of the current owner), so there an operator hands it to the admin account instead.
					PreConfig: func() {
						if admin == srv.Superuser {
							srv.RevokeAll(user, "", name)
							return
						}
						srv.Exec(fmt.Sprintf(`ALTER DATABASE %q OWNER TO %q`, name, admin.User))
					},
					Config: config("", pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(owned, canMigrate),
				},
				{
					// The role dropped outside Terraform; as with ownership, by the admin account in the restricted run.
					PreConfig: func() {
						if admin == srv.Superuser {
							srv.DropUser(user, "")
							return
						}
						db := srv.DB(admin, name)
						if _, err := db.Exec(fmt.Sprintf(`REASSIGN OWNED BY %q TO CURRENT_USER; DROP OWNED BY %q`, user, user)); err != nil {
							t.Fatalf("handing the objects of %s to %s: %v", user, admin.User, err)
						}
						_ = db.Close()
						db = srv.DB(admin, "")
						if _, err := db.Exec(fmt.Sprintf(`DROP ROLE %q`, user)); err != nil {
							t.Fatalf("dropping role %s as %s: %v", user, admin.User, err)
						}
						_ = db.Close()
					},
					Config: config("", pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(checkLogin(srv, user, name, pw2), owned, canMigrate),
				},
				{
					// PostgreSQL keeps no trace linking a left-behind role to a dropped database: the recreate
					// refuses to take the role over silently...
					PreConfig: func() { srv.DropDatabase(name) },
					Config:    config("", pw2, 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionCreate),
					}},
					ExpectError: regexp.MustCompile(`(?s)User Exists.*set\s+adopt_existing\s+=\s+true`),
				},
				{
					// ...and takes it when told to.
					Config: config("adopt_existing = true", pw2, 2),
					Check:  resource.ComposeAggregateTestCheckFunc(checkLogin(srv, user, name, pw2), owned, canMigrate),
				},
				{
					// A new role would not own the tables ZenML created: the plan refuses and says what to do.
					Config:      configFor("adopt_existing = true", "zenml_other", pw2, 2),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)User Rename Not Supported On PostgreSQL.*ALTER ROLE`),
				},
			},
		})
	})
}

// TestAccDatabase_DeletionPolicies destroys databases under each policy and looks at the server.
func TestAccDatabase_DeletionPolicies(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	forEachAdmin(t, srv, func(t *testing.T, admin testsupport.Account) {
		retained, empty, dropped, full := testsupport.UniqueName(t, "keep"), testsupport.UniqueName(t, "empty"), testsupport.UniqueName(t, "drop"), testsupport.UniqueName(t, "full")
		retainedUser, fullUser := testsupport.UniqueName(t, "ku"), testsupport.UniqueName(t, "fu")
		for _, n := range []string{retained, empty, dropped, full} {
			srv.CleanupDatabase(n)
		}
		srv.CleanupUser(retainedUser, "%")
		srv.CleanupUser(fullUser, "%")
		pw := testPassword(t, "policy")
		db := func(label, name, policy, user string) string {
			u := ""
			if user != "" {
				u = fmt.Sprintf("user = {\n    name = %q\n    password_wo = %q\n  }", user, pw)
			}
			return fmt.Sprintf(`
resource "zenmlpro_database" %q {
  server          = "main"
  name            = %q
  component       = "workspace_server"
  deletion_policy = %q
  %s
}
`, label, name, policy, u)
		}
		base := providerConfig(dbServer{key: "main", srv: srv, account: admin}) +
			db("retained", retained, "retain", retainedUser) + db("empty", empty, "drop_if_empty", "") + db("dropped", dropped, "drop", "")
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   writeOnlyVersionChecks,
			CheckDestroy: resource.ComposeAggregateTestCheckFunc(
				checkServer(func() error {
					if !srv.DatabaseExists(retained) || !srv.UserExists(retainedUser, "%") {
						return fmt.Errorf("deletion_policy retain: database %s or its user is gone", retained)
					}
					if !srv.CanLogin(retainedUser, pw, retained) {
						return fmt.Errorf("deletion_policy retain: the kept user cannot log in any more")
					}
					return nil
				}),
				checkGone(srv, empty, "", ""),
				checkGone(srv, dropped, "", ""),
				checkGone(srv, full, fullUser, "%"),
			),
			Steps: []resource.TestStep{
				{Config: base + db("full", full, "drop_if_empty", fullUser)},
				{
					// drop_if_empty refuses a database with tables, and says how many.
					PreConfig:   func() { srv.CreateTable(full, "t1"); srv.CreateTable(full, "t2") },
					Config:      base,
					ExpectError: regexp.MustCompile(`(?s)Database Not Empty.*holds 2 tables.*drop_if_empty`),
				},
				{
					Check: checkServer(func() error {
						if !srv.DatabaseExists(full) || !srv.UserExists(fullUser, "%") {
							return fmt.Errorf("drop_if_empty dropped a database with tables, or its user")
						}
						return nil
					}),
					Config: base + db("full", full, "drop", fullUser),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("zenmlpro_database.full", plancheck.ResourceActionUpdate),
					}},
				},
				{
					// drop drops the database with its tables, and its user.
					Config: base,
					Check:  checkGone(srv, full, fullUser, "%"),
				},
			},
		})
	})
}

// TestAccDatabase_AdoptExisting refuses an existing database (and user) without adopt_existing and
// takes them over with it, setting the user's password.
func TestAccDatabase_AdoptExisting(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	forEachAdmin(t, srv, func(t *testing.T, admin testsupport.Account) {
		name, user := testsupport.UniqueName(t, "adopt"), testsupport.UniqueName(t, "au")
		oldPW, newPW := testPassword(t, "old"), testPassword(t, "new")
		srv.CreateDatabase(name)
		srv.CreateTable(name, "kept")
		srv.CreateUser(user, "%", oldPW)
		srv.CleanupDatabase(name)
		srv.CleanupUser(user, "%")
		config := func(adopt bool, withUser bool) string {
			u := ""
			if withUser {
				u = fmt.Sprintf("user = {\n    name = %q\n    password_wo = %q\n  }\n  password_secret = { name = \"zenml-ws-secrets\" }", user, newPW)
			}
			return providerConfig(dbServer{key: "main", srv: srv, account: admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server         = "main"
  name           = %q
  component      = "workspace_server"
  adopt_existing = %t
  %s
}
`, name, adopt, u)
		}
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   writeOnlyVersionChecks,
			CheckDestroy: checkServer(func() error {
				if !srv.DatabaseExists(name) {
					return fmt.Errorf("the adopted database was dropped under deletion_policy retain")
				}
				return nil
			}),
			Steps: []resource.TestStep{
				{
					// The import command the error gives carries the component, so that the import records it.
					Config:      config(false, false),
					ExpectError: phrasesIn("Database Exists", "Import it: terraform import <address> main/"+name+",component=workspace_server;", "set adopt_existing = true"),
				},
				{
					Config:      config(false, true),
					ExpectError: regexp.MustCompile(`(?s)Database Exists.*Import\s+it:\s+terraform\s+import\s+<address>.*set\s+adopt_existing\s+=\s+true`),
					Check:       checkLogin(srv, user, name, oldPW),
				},
				{
					Config: config(true, true),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("adopt_existing"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("character_set"), knownvalue.StringExact("utf8mb4")),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("password_secret"), knownvalue.ObjectExact(map[string]knownvalue.Check{
							"name": knownvalue.StringExact("zenml-ws-secrets"), "key": knownvalue.StringExact("password"),
						})),
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("helm_database_values"), helmValuesEqual(map[string]any{
							"zenml": map[string]any{"database": map[string]any{
								"url":               fmt.Sprintf("mysql://%s@%s/%s", user, srv.Addr(), name),
								"passwordSecretRef": map[string]any{"name": "zenml-ws-secrets", "key": "password"},
							}},
						})),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						checkLogin(srv, user, name, newPW, oldPW),
						checkMySQLProfile(srv, user, name),
						checkServer(func() error {
							if srv.QueryValue("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", name) != "1" {
								return fmt.Errorf("the adopted database lost its table")
							}
							return nil
						}),
					),
				},
			},
		})
	})
}

// TestAccDatabase_ImportBlock imports an existing database with an import block.
func TestAccDatabase_ImportBlock(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	name := testsupport.UniqueName(t, "imp")
	srv.CleanupDatabase(name)
	config := fullSourceBlock + providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server    = "main"
  name      = %q
  component = "workspace_server"
}
`, name)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:          func() { srv.CreateDatabase(name) },
				Config:             config,
				ResourceName:       dbAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ImportStateId:      "main/" + name,
				ExpectNonEmptyPlan: true, // the component is recorded by an update after the import
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("id"), knownvalue.StringExact("main/"+name)),
					plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("character_set"), knownvalue.StringExact("utf8mb4")),
					plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("deletion_policy"), knownvalue.StringExact("retain")),
				}},
			},
		},
	})
}

// TestAccDatabase_ServerUnknownAtPlan takes the server's host from a resource created in the same
// apply: the plan works without connecting, and the database is created once the host is known.
func TestAccDatabase_ServerUnknownAtPlan(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	name, user := testsupport.UniqueName(t, "late"), testsupport.UniqueName(t, "lu")
	pw := testPassword(t, "late")
	srv.CleanupDatabase(name)
	srv.CleanupUser(user, "%")
	config := func(generation int) string {
		return fmt.Sprintf(`
resource "terraform_data" "db_host" {
  input            = %q
  triggers_replace = %d
}
`, srv.Host, generation) + providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin, hostExpr: "terraform_data.db_host.output"}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "main"
  name            = %q
  component       = "workspace_server"
  deletion_policy = "drop"
  user = {
    name        = %q
    password_wo = %q
  }
}
`, name, user, pw)
	}
	storeURL := fmt.Sprintf("mysql://%s@%s/%s", user, srv.Addr(), name)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyVersionChecks,
		CheckDestroy:             checkGone(srv, name, user, "%"),
		Steps: []resource.TestStep{
			{
				Config: config(1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("engine"), knownvalue.StringExact("mysql")),
					plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("id"), knownvalue.StringExact("main/"+name)),
					plancheck.ExpectUnknownValue(dbAddr, tfjsonpath.New("store_url")),
					plancheck.ExpectUnknownValue(dbAddr, tfjsonpath.New("helm_database_values")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("store_url"), knownvalue.StringExact(storeURL)),
				},
				Check: checkLogin(srv, user, name, pw),
			},
			{
				// The host becomes unknown again (its resource is replaced): the refresh leaves the
				// database alone instead of connecting, and the apply fills the values in again.
				Config: config(2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(dbAddr, tfjsonpath.New("store_url")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("store_url"), knownvalue.StringExact(storeURL)),
				},
			},
		},
	})
}

// TestAccDatabase_TLS connects to the MariaDB that requires TLS: verify_full with the right CA works,
// the wrong CA and a disabled TLS fail clearly, and a client certificate login works with verify_ca.
func TestAccDatabase_TLS(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQLTLS(t)
	caBlock := func(ca, mode string) string {
		m := ""
		if mode != "" {
			m = fmt.Sprintf("mode = %q\n", mode)
		}
		return fmt.Sprintf("      tls = {\n        %sca_certificate = <<-EOT\n%s\n        EOT\n      }", m, strings.TrimSpace(ca))
	}
	clientBlock := fmt.Sprintf("      tls = {\n        mode = \"verify_ca\"\n        ca_certificate = <<-EOT\n%s\n        EOT\n        client_certificate = <<-EOT\n%s\n        EOT\n        client_key = <<-EOT\n%s\n        EOT\n      }",
		strings.TrimSpace(srv.TLS.CAPEM), strings.TrimSpace(srv.TLS.ClientCertPEM), strings.TrimSpace(srv.TLS.ClientKeyPEM))
	db := func(name string) string {
		return fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "tls"
  name            = %q
  component       = "workspace_server"
  deletion_policy = "drop"
}
`, name)
	}
	t.Run("verify_full", func(t *testing.T) {
		t.Parallel()
		name := testsupport.UniqueName(t, "tls")
		srv.CleanupDatabase(name)
		secret := strings.ReplaceAll(name, "_", "-") + "-db"
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkGone(srv, name, "", ""),
			Steps: []resource.TestStep{{
				Config: providerConfig(dbServer{key: "tls", srv: srv, account: srv.Admin, extra: caBlock(srv.TLS.CAPEM, "")}) + db(name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("helm_database_values"), helmValuesEqual(map[string]any{
						"zenml": map[string]any{"database": map[string]any{
							"url":                 fmt.Sprintf("mysql://%s/%s", srv.Addr(), name),
							"ssl":                 true,
							"sslVerifyServerCert": true,
							"sslCa":               map[string]any{"secretRef": map[string]any{"name": secret, "key": "ca.crt"}},
						}},
					})),
				},
				Check: checkServer(func() error {
					if !srv.DatabaseExists(name) {
						return fmt.Errorf("database %s was not created over TLS", name)
					}
					return nil
				}),
			}},
		})
	})
	t.Run("wrong_ca", func(t *testing.T) {
		t.Parallel()
		name := testsupport.UniqueName(t, "tlsbad")
		srv.CleanupDatabase(name)
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: providerConfig(dbServer{key: "tls", srv: srv, account: srv.Admin, extra: caBlock(srv.TLS.WrongCAPEM, "verify_full")}) + db(name),
				ExpectError: regexp.MustCompile(`(?s)Database Server Unreachable.*` + regexp.QuoteMeta(srv.Addr()) +
					`.*(certificate signed by unknown authority|unknown authority|x509)`),
			}},
		})
	})
	t.Run("disabled_against_required_tls", func(t *testing.T) {
		t.Parallel()
		name := testsupport.UniqueName(t, "tlsoff")
		srv.CleanupDatabase(name)
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: providerConfig(dbServer{key: "tls", srv: srv, account: srv.Admin}) + db(name),
				// MariaDB refuses a plain login to a server that requires TLS as it refuses a wrong password.
				ExpectError: regexp.MustCompile(`(?s)Database Server Refused the Admin Login.*` + regexp.QuoteMeta(srv.Addr()) + `.*if\s+the\s+server\s+requires\s+TLS`),
			}},
		})
	})
	t.Run("client_certificate", func(t *testing.T) {
		t.Parallel()
		name := testsupport.UniqueName(t, "tlsx")
		srv.CleanupDatabase(name)
		secret := strings.ReplaceAll(name, "_", "-") + "-db"
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkGone(srv, name, "", ""),
			Steps: []resource.TestStep{{
				Config: providerConfig(dbServer{key: "tls", srv: srv, account: srv.TLS.X509, extra: clientBlock}) + db(name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("helm_database_values"), helmValuesEqual(map[string]any{
						"zenml": map[string]any{"database": map[string]any{
							"url":                 fmt.Sprintf("mysql://%s/%s", srv.Addr(), name),
							"ssl":                 true,
							"sslVerifyServerCert": false,
							"sslCa":               map[string]any{"secretRef": map[string]any{"name": secret, "key": "ca.crt"}},
							"sslCert":             map[string]any{"secretRef": map[string]any{"name": secret, "key": "tls.crt"}},
							"sslKey":              map[string]any{"secretRef": map[string]any{"name": secret, "key": "tls.key"}},
						}},
					})),
				},
			}},
		})
	})
}

// TestAccDatabase_StoppedServer stops the server between two plans: the refresh fails with an error
// naming host:port, and the database stays in the state (it is not taken to be gone).
func TestAccDatabase_StoppedServer(t *testing.T) {
	t.Parallel()
	m := testsupport.StartMariaDB(t)
	name := testsupport.UniqueName(t, "stop")
	config := providerConfig(dbServer{key: "main", srv: m.Server, account: m.Admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "main"
  name            = %q
  component       = "workspace_server"
  deletion_policy = "drop"
}
`, name)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkGone(m.Server, name, "", ""),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig:   m.Stop,
				Config:      config,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Database Server Unreachable.*` + regexp.QuoteMeta(m.Addr()) + `.*(refused|connect)`),
			},
			{
				// Back up: nothing to do, so the failed refresh did not drop the database from the state.
				PreConfig: m.Start,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// TestAccDatabase_TwentyInOneApply creates 20 databases with users on one server in one apply
// (Terraform runs 10 operations at a time), on each engine, as the superuser and as the restricted admin.
func TestAccDatabase_TwentyInOneApply(t *testing.T) {
	t.Parallel()
	for _, srv := range []*testsupport.Server{testsupport.MySQL(t), testsupport.Postgres(t)} {
		t.Run(srv.Engine, func(t *testing.T) {
			forEachAdmin(t, srv, func(t *testing.T, admin testsupport.Account) {
				prefix := testsupport.UniqueName(t, "many")
				userPrefix := "mu" + testPassword(t, "x")[len("pw-x-"):][:8]
				pw := testPassword(t, "many")
				var names, users []string
				host := ""
				component := "workspace_server"
				if srv.Engine == testsupport.EngineMySQL {
					host = "%"
				} else {
					component = "control_plane"
				}
				for i := range 20 {
					names = append(names, fmt.Sprintf("%s_%d", prefix, i))
					users = append(users, fmt.Sprintf("%s_%d", userPrefix, i))
					srv.CleanupDatabase(names[i])
					srv.CleanupUser(users[i], host)
				}
				config := providerConfig(dbServer{key: "main", srv: srv, account: admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "many" {
  count           = 20
  server          = "main"
  name            = "%s_${count.index}"
  component       = %q
  deletion_policy = "drop"
  user = {
    name        = "%s_${count.index}"
    password_wo = %q
  }
}
`, prefix, component, userPrefix, pw)
				resource.Test(t, resource.TestCase{
					PreCheck:                 func() { testAccPreCheck(t) },
					ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
					TerraformVersionChecks:   writeOnlyVersionChecks,
					CheckDestroy: checkServer(func() error {
						for i := range names {
							if srv.DatabaseExists(names[i]) || srv.UserExists(users[i], host) {
								return fmt.Errorf("database %s or user %s is left after destroy", names[i], users[i])
							}
						}
						return nil
					}),
					Steps: []resource.TestStep{{
						Config: config,
						Check: checkServer(func() error {
							for i := range names {
								if !srv.CanLogin(users[i], pw, names[i]) {
									return fmt.Errorf("user %s cannot log in to database %s", users[i], names[i])
								}
							}
							return nil
						}),
					}},
				})
			})
		})
	}
}

// TestAccDatabase_NoSecretsInStateOrLogs creates databases with users on MySQL and PostgreSQL and
// rotates their passwords with Terraform and the provider logging at TRACE level, then searches the
// state files, the TRACE log and the servers' statement logs for every password used, failing if one
// is found. (Not parallel: it sets the process's logging environment.)
func TestAccDatabase_NoSecretsInStateOrLogs(t *testing.T) {
	mysqlSrv, pgSrv := testsupport.MySQL(t), testsupport.Postgres(t)
	logFile, work := traceLogs(t)

	myDB, myUser := testsupport.UniqueName(t, "sec"), testsupport.UniqueName(t, "su")
	pgDB, pgUser := testsupport.UniqueName(t, "secpg"), testsupport.UniqueName(t, "spu")
	mysqlSrv.CleanupDatabase(myDB)
	mysqlSrv.CleanupUser(myUser, "%")
	pgSrv.CleanupDatabase(pgDB)
	pgSrv.CleanupUser(pgUser, "")
	userPasswords := []string{testPassword(t, "my1"), testPassword(t, "my2"), testPassword(t, "pg1"), testPassword(t, "pg2")}
	adminPasswords := []string{mysqlSrv.Admin.Password, pgSrv.Admin.Password}

	// The recommended shape: admin passwords in sensitive variables, user passwords in ephemeral ones.
	hcl := `
variable "mysql_admin_password" {
  type      = string
  sensitive = true
}
variable "pg_admin_password" {
  type      = string
  sensitive = true
}
variable "mysql_user_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "pg_user_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "password_version" {
  type = number
}
` + fmt.Sprintf(`
provider "zenmlpro" {
  database_servers = {
    mysql = {
      engine   = "mysql"
      host     = %q
      port     = %d
      username = %q
      password = var.mysql_admin_password
    }
    pg = {
      engine   = "postgres"
      host     = %q
      port     = %d
      username = %q
      password = var.pg_admin_password
    }
  }
}
resource "zenmlpro_database" "mysql" {
  server          = "mysql"
  name            = %q
  component       = "workspace_server"
  deletion_policy = "drop"
  user = {
    name                = %q
    password_wo         = var.mysql_user_password
    password_wo_version = var.password_version
  }
}
resource "zenmlpro_database" "pg" {
  server          = "pg"
  name            = %q
  component       = "control_plane"
  deletion_policy = "drop"
  user = {
    name                = %q
    password_wo         = var.pg_user_password
    password_wo_version = var.password_version
  }
}
`, mysqlSrv.Host, mysqlSrv.Port, mysqlSrv.Admin.User, pgSrv.Host, pgSrv.Port, pgSrv.Admin.User, myDB, myUser, pgDB, pgUser)
	vars := func(version int) config.Variables {
		return config.Variables{
			"mysql_admin_password": config.StringVariable(mysqlSrv.Admin.Password),
			"pg_admin_password":    config.StringVariable(pgSrv.Admin.Password),
			"mysql_user_password":  config.StringVariable(userPasswords[(version - 1)]),
			"pg_user_password":     config.StringVariable(userPasswords[2+(version-1)]),
			"password_version":     config.IntegerVariable(version),
		}
	}
	// readStates reads every state file Terraform wrote, and requires that they record the databases.
	readStates := func() (string, error) {
		all, _, err := stateFiles(work)
		if err == nil && (!strings.Contains(all, myDB) || !strings.Contains(all, pgDB)) {
			err = fmt.Errorf("no state file under %s records the databases", work)
		}
		return all, err
	}
	noPasswordIn := func(what, text string, passwords []string) error {
		for _, pw := range passwords {
			if strings.Contains(text, pw) {
				return fmt.Errorf("%s holds a password (%s...)", what, pw[:6])
			}
		}
		return nil
	}
	checkState := checkServer(func() error {
		state, err := readStates()
		if err != nil {
			return err
		}
		return noPasswordIn("the state", state, append(adminPasswords, userPasswords...))
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyVersionChecks,
		Steps: []resource.TestStep{
			{
				Config: hcl, ConfigVariables: vars(1),
				Check: resource.ComposeAggregateTestCheckFunc(checkState,
					checkLogin(mysqlSrv, myUser, myDB, userPasswords[0]), checkLogin(pgSrv, pgUser, pgDB, userPasswords[2])),
			},
			{
				Config: hcl, ConfigVariables: vars(2),
				Check: resource.ComposeAggregateTestCheckFunc(checkState,
					checkLogin(mysqlSrv, myUser, myDB, userPasswords[1], userPasswords[0]), checkLogin(pgSrv, pgUser, pgDB, userPasswords[3], userPasswords[2])),
			},
		},
	})

	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("the TRACE log was not written: %v", err)
	}
	log := string(raw)
	// The log is the one wanted: Terraform's TRACE lines and the provider's own, about these databases.
	for _, want := range []string{"[TRACE]", "creating database", "setting a new password", myDB, pgUser} {
		if !strings.Contains(log, want) {
			t.Errorf("the TRACE log (%d bytes) lacks %q: it is not the log this test needs", len(log), want)
		}
	}
	if err := noPasswordIn("the TRACE log "+logFile, log, append(adminPasswords, userPasswords...)); err != nil {
		t.Error(err)
	}
	state, err := readStates()
	if err != nil {
		t.Fatal(err)
	}
	if err := noPasswordIn("the state after destroy", state, append(adminPasswords, userPasswords...)); err != nil {
		t.Error(err)
	}
	for _, srv := range []*testsupport.Server{mysqlSrv, pgSrv} {
		b, err := os.ReadFile(srv.LogFile)
		if err != nil {
			t.Fatalf("reading the statement log of %s: %v", srv.Addr(), err)
		}
		serverLog := string(b)
		if !strings.Contains(serverLog, myDB) && !strings.Contains(serverLog, pgDB) {
			t.Errorf("the statement log %s does not record this test's statements", srv.LogFile)
		}
		if err := noPasswordIn("the statement log "+srv.LogFile, serverLog, userPasswords); err != nil {
			t.Error(err)
		}
	}
}

// objectValue builds a value of an object type: the given attributes, every other attribute null.
func objectValue(t *testing.T, typ tftypes.Type, attrs map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("%s is not an object type", typ)
	}
	vals := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		if v, ok := attrs[name]; ok {
			vals[name] = v
			continue
		}
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name := range attrs {
		if _, ok := obj.AttributeTypes[name]; !ok {
			t.Fatalf("no attribute %q in %s", name, typ)
		}
	}
	return tftypes.NewValue(obj, vals)
}

func attrType(t *testing.T, typ tftypes.Type, name string) tftypes.Type {
	t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok || obj.AttributeTypes[name] == nil {
		t.Fatalf("no attribute %q in %s", name, typ)
	}
	return obj.AttributeTypes[name]
}

func dynamicValue(t *testing.T, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func noErrors(t *testing.T, what string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

// TestDatabaseResourceWriteOnlyPasswordProviderServer drives the write-only password through the
// provider server directly, as Terraform 1.11+ does, so that the path is exercised whatever Terraform
// CLI runs the acceptance tests: the password reaches the server at create and at rotation, and never
// the planned or the new state. It also sees the MariaDB warning of create.
func TestDatabaseResourceWriteOnlyPasswordProviderServer(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	ctx := t.Context()
	name, user := testsupport.UniqueName(t, "wo"), testsupport.UniqueName(t, "wu")
	pw1, pw2 := testPassword(t, "wo1"), testPassword(t, "wo2")
	srv.CleanupDatabase(name)
	srv.CleanupUser(user, "%")

	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "GetProviderSchema", schemas.Diagnostics)
	providerType := schemas.Provider.ValueType()
	resourceSchema := schemas.ResourceSchemas["zenmlpro_database"]
	resourceType := resourceSchema.ValueType()
	for _, a := range resourceSchema.Block.Attributes {
		if a.Name == "user" {
			for _, n := range a.NestedType.Attributes {
				if n.Name == "password_wo" && (!n.WriteOnly || !n.Sensitive) {
					t.Fatalf("user.password_wo is not write-only and sensitive in the schema: %+v", n)
				}
			}
		}
	}

	serversType := attrType(t, providerType, "database_servers")
	serversMap, ok := serversType.(tftypes.Map)
	if !ok {
		t.Fatalf("database_servers is a %s, not a map", serversType)
	}
	serverType := serversMap.ElementType
	providerConfig := objectValue(t, providerType, map[string]tftypes.Value{
		"database_servers": tftypes.NewValue(serversType, map[string]tftypes.Value{
			"main": objectValue(t, serverType, map[string]tftypes.Value{
				"engine":   tftypes.NewValue(tftypes.String, "mysql"),
				"host":     tftypes.NewValue(tftypes.String, srv.Host),
				"port":     tftypes.NewValue(tftypes.Number, srv.Port),
				"username": tftypes.NewValue(tftypes.String, srv.Admin.User),
				"password": tftypes.NewValue(tftypes.String, srv.Admin.Password),
			}),
		}),
	})
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: dynamicValue(t, providerType, providerConfig)})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "ConfigureProvider", configured.Diagnostics)

	userType := attrType(t, resourceType, "user")
	config := func(password string, version int) tftypes.Value {
		return objectValue(t, resourceType, map[string]tftypes.Value{
			"server":          tftypes.NewValue(tftypes.String, "main"),
			"name":            tftypes.NewValue(tftypes.String, name),
			"component":       tftypes.NewValue(tftypes.String, "workspace_server"),
			"deletion_policy": tftypes.NewValue(tftypes.String, "drop"),
			"user": objectValue(t, userType, map[string]tftypes.Value{
				"name":                tftypes.NewValue(tftypes.String, user),
				"password_wo":         tftypes.NewValue(tftypes.String, password),
				"password_wo_version": tftypes.NewValue(tftypes.Number, version),
			}),
		})
	}
	// withoutPassword is the proposed new state: Terraform never sends the write-only value there.
	withoutPassword := func(password string, version int) tftypes.Value {
		v := config(password, version)
		out, err := tftypes.Transform(v, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
			if p.Equal(tftypes.NewAttributePath().WithAttributeName("user").WithAttributeName("password_wo")) {
				return tftypes.NewValue(tftypes.String, nil), nil
			}
			return v, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	userValues := func(state *tfprotov6.DynamicValue) map[string]tftypes.Value {
		t.Helper()
		v, err := state.Unmarshal(resourceType)
		if err != nil {
			t.Fatal(err)
		}
		var top, u map[string]tftypes.Value
		if err := v.As(&top); err != nil {
			t.Fatal(err)
		}
		if err := top["user"].As(&u); err != nil {
			t.Fatal(err)
		}
		return u
	}

	validated, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: "zenmlpro_database", Config: dynamicValue(t, resourceType, config(pw1, 1)),
		ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "ValidateResourceConfig", validated.Diagnostics)

	apply := func(prior *tfprotov6.DynamicValue, password string, version int) *tfprotov6.DynamicValue {
		t.Helper()
		planned, err := server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: "zenmlpro_database", PriorState: prior,
			ProposedNewState: dynamicValue(t, resourceType, withoutPassword(password, version)),
			Config:           dynamicValue(t, resourceType, config(password, version)),
		})
		if err != nil {
			t.Fatal(err)
		}
		noErrors(t, "PlanResourceChange", planned.Diagnostics)
		if pw := userValues(planned.PlannedState)["password_wo"]; !pw.IsNull() {
			t.Fatalf("the planned state holds user.password_wo: %v", pw)
		}
		applied, err := server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
			TypeName: "zenmlpro_database", PriorState: prior, PlannedState: planned.PlannedState,
			Config: dynamicValue(t, resourceType, config(password, version)),
		})
		if err != nil {
			t.Fatal(err)
		}
		noErrors(t, "ApplyResourceChange", applied.Diagnostics)
		if v, err := prior.Unmarshal(resourceType); err == nil && v.IsNull() {
			warned := false
			for _, d := range applied.Diagnostics {
				warned = warned || (d.Severity == tfprotov6.DiagnosticSeverityWarning && strings.Contains(d.Detail, "MariaDB"))
			}
			if !warned && strings.Contains(srv.Version(), "MariaDB") {
				t.Errorf("create on MariaDB gave no warning that ZenML documents MySQL 8.0+: %v", applied.Diagnostics)
			}
		}
		u := userValues(applied.NewState)
		if !u["password_wo"].IsNull() {
			t.Fatalf("the new state holds user.password_wo: %v", u["password_wo"])
		}
		if raw, _ := json.Marshal(applied.NewState); strings.Contains(string(raw), password) {
			t.Fatal("the new state holds the password")
		}
		return applied.NewState
	}

	state := apply(dynamicValue(t, resourceType, tftypes.NewValue(resourceType, nil)), pw1, 1)
	if !srv.CanLogin(user, pw1, name) {
		t.Fatalf("user %s cannot log in with the password given at create", user)
	}
	state = apply(state, pw2, 2)
	if !srv.CanLogin(user, pw2, name) || srv.CanLogin(user, pw1, name) {
		t.Fatalf("after rotation, user %s must log in with the new password only", user)
	}

	deleted, err := server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "zenmlpro_database", PriorState: state,
		PlannedState: dynamicValue(t, resourceType, tftypes.NewValue(resourceType, nil)),
		Config:       dynamicValue(t, resourceType, tftypes.NewValue(resourceType, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "ApplyResourceChange (delete)", deleted.Diagnostics)
	if srv.DatabaseExists(name) || srv.UserExists(user, "%") {
		t.Fatalf("deletion_policy drop left database %s or user %s", name, user)
	}
}

// TestAccDatabase_EngineChangeReplaces points a server key at a server of the other engine: the
// database is replaced (created on the new server), and the old one is left alone, with warnings.
func TestAccDatabase_EngineChangeReplaces(t *testing.T) {
	t.Parallel()
	mysqlSrv, pgSrv := testsupport.MySQL(t), testsupport.Postgres(t)
	name := testsupport.UniqueName(t, "move")
	mysqlSrv.CleanupDatabase(name)
	pgSrv.CleanupDatabase(name)
	config := func(srv *testsupport.Server) string {
		return providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "main"
  name            = %q
  component       = "control_plane"
  deletion_policy = "drop"
}
`, name)
	}
	exists := func(srv *testsupport.Server, want bool) resource.TestCheckFunc {
		return checkServer(func() error {
			if got := srv.DatabaseExists(name); got != want {
				return fmt.Errorf("database %s exists on %s: %t, want %t", name, srv.Addr(), got, want)
			}
			return nil
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             exists(pgSrv, false),
		Steps: []resource.TestStep{
			{
				Config:            config(mysqlSrv),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("engine"), knownvalue.StringExact("mysql"))},
			},
			{
				Config: config(pgSrv),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("engine"), knownvalue.StringExact("postgres"))},
				// The old database is on a server the provider no longer knows: left as it is.
				Check: resource.ComposeAggregateTestCheckFunc(exists(pgSrv, true), exists(mysqlSrv, true)),
			},
		},
	})
}
