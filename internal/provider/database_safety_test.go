// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

// Acceptance tests of what zenmlpro_database must never do: take over another application's user,
// import what is not there, plan what cannot converge, hang on a lock, lose data in a replacement
// without a word, stay broken after an interrupted apply. Real Terraform CLI, real servers.

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// dbBlock is a zenmlpro_database on server "main" with optional user and extra lines.
func dbBlock(label, name, component, policy, user, password, extra string) string {
	u := ""
	if user != "" {
		u = fmt.Sprintf("  user = {\n    name        = %q\n    password_wo = %q\n  }\n", user, password)
	}
	return fmt.Sprintf(`
resource "zenmlpro_database" %q {
  server          = "main"
  name            = %q
  component       = %q
  deletion_policy = %q
%s%s
}
`, label, name, component, policy, u, extra)
}

// TestAccDatabase_NeverTakesOverAnotherApplicationsUser: a user with privileges on another database,
// a global SELECT and a grant on the database to be created is refused at plan, with and without
// adopt_existing; its password still works and no database is created. A dedicated user that later
// gains a privilege elsewhere shows it in other_privileges; its password rotation fails the plan,
// and a destroy under "drop" keeps it.
func TestAccDatabase_NeverTakesOverAnotherApplicationsUser(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	forEachAdmin(t, srv, func(t *testing.T, admin testsupport.Account) {
		name, other, shared := testsupport.UniqueName(t, "tk"), testsupport.UniqueName(t, "tkother"), testsupport.UniqueName(t, "rtshared")
		dedicated := testsupport.UniqueName(t, "tkded")
		oldPW, newPW := testPassword(t, "old"), testPassword(t, "new")
		for _, n := range []string{name, other} {
			srv.CleanupDatabase(n)
		}
		srv.CleanupUser(shared, "%")
		srv.CleanupUser(dedicated, "%")
		srv.CreateDatabase(other)
		srv.CreateUser(shared, "%", oldPW)
		srv.Exec("GRANT SELECT ON *.* TO '" + shared + "'@'%'")
		srv.Grant(shared, "%", other)
		srv.Grant(shared, "%", name)
		base := providerConfig(dbServer{key: "main", srv: srv, account: admin})
		untouched := func() {
			if srv.DatabaseExists(name) {
				t.Errorf("the refused create made database %s", name)
			}
			if !srv.CanLogin(shared, oldPW, other) {
				t.Errorf("user %s cannot log in with its own password any more", shared)
			}
		}
		versioned := func(version int) string {
			return fmt.Sprintf("  user = {\n    name                = %q\n    password_wo         = %q\n    password_wo_version = %d\n  }\n",
				dedicated, newPW, version)
		}
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   writeOnlyVersionChecks,
			CheckDestroy: checkServer(func() error {
				if srv.DatabaseExists(name) {
					return fmt.Errorf("database %s was not dropped", name)
				}
				if !srv.UserExists(dedicated, "%") {
					return fmt.Errorf("user %s, which holds a privilege on %s, was dropped", dedicated, other)
				}
				return nil
			}),
			Steps: []resource.TestStep{
				{
					Config: base + dbBlock("this", name, "workspace_server", "drop", shared, newPW, ""),
					ExpectError: phrasesIn("User Holds Other Privileges", "SELECT ON *.*", "ALL PRIVILEGES ON `"+other+"`.*",
						"never takes over, sets the password of or drops"),
				},
				{
					Config:      base + dbBlock("this", name, "workspace_server", "drop", shared, newPW, "  adopt_existing = true"),
					ExpectError: phrasesIn("User Holds Other Privileges"),
				},
				{
					PreConfig: func() { untouched(); srv.RevokeAll(shared, "%", name) },
					Config:    base + dbBlock("this", name, "workspace_server", "drop", "", "", versioned(1)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("user").AtMapKey("other_privileges"), knownvalue.ListExact([]knownvalue.Check{})),
					},
				},
				{
					// The dedicated user gains a privilege elsewhere: the refresh shows it, and rotating its password fails the plan.
					PreConfig: func() { srv.Exec("GRANT SELECT ON `" + other + "`.* TO '" + dedicated + "'@'%'") },
					Config:    base + dbBlock("this", name, "workspace_server", "drop", "", "", versioned(2)),
					ExpectError: phrasesIn("Password Not Changed", dedicated, "SELECT ON `"+other+"`.*",
						"does not change its password"),
				},
				{
					Config: base + dbBlock("this", name, "workspace_server", "drop", "", "", versioned(1)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("user").AtMapKey("other_privileges"),
							knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("SELECT ON `" + other + "`.*")})),
					},
				},
			},
		})
	})
}

// TestAccDatabase_ImportIsVerified: an import names a database that exists, and a user that exists
// and holds its privileges; otherwise it fails with what to import instead. A user imported although
// it holds a privilege elsewhere is not dropped when the configuration renames it.
func TestAccDatabase_ImportIsVerified(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	name, otherDB := testsupport.UniqueName(t, "imp"), testsupport.UniqueName(t, "impother")
	own, stranger, renamed := testsupport.UniqueName(t, "impown"), testsupport.UniqueName(t, "impstr"), testsupport.UniqueName(t, "impnew")
	for _, n := range []string{name, otherDB} {
		srv.CleanupDatabase(n)
	}
	for _, u := range []string{own, stranger, renamed} {
		srv.CleanupUser(u, "%")
	}
	srv.CreateDatabase(name)
	srv.CreateDatabase(otherDB)
	srv.CreateUser(own, "%", testPassword(t, "own"))
	srv.Grant(own, "%", name)
	srv.Exec("GRANT SELECT ON `" + otherDB + "`.* TO '" + own + "'@'%'")
	srv.CreateUser(stranger, "%", testPassword(t, "stranger"))
	srv.Grant(stranger, "%", otherDB)
	pw := testPassword(t, "new")
	base := providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin})
	importStep := func(id, want string) resource.TestStep {
		return resource.TestStep{
			Config: base + dbBlock("this", name, "workspace_server", "drop", own, pw, ""), ResourceName: dbAddr,
			ImportState: true, ImportStateId: id, ExpectError: phrasesIn("Cannot Import Database", want),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyVersionChecks,
		Steps: []resource.TestStep{
			importStep("main/"+testsupport.UniqueName(t, "nodb"), "does not exist on server \"main\""),
			importStep("main/"+name+"/"+stranger+"@%", "holds none of the privileges of database"),
			importStep("main/"+name+"/nobody_here@%", "User 'nobody_here'@'%' does not exist"),
			{
				Config: base + dbBlock("this", name, "workspace_server", "drop", own, pw, ""), ResourceName: dbAddr,
				ImportState: true, ImportStateId: "main/" + name + "/" + own + "@%", ImportStatePersist: true,
			},
			{
				// Renaming the user creates the new one and keeps the old, which holds a privilege elsewhere.
				Config: base + dbBlock("this", name, "workspace_server", "drop", renamed, pw, ""),
				Check: checkServer(func() error {
					if !srv.UserExists(own, "%") {
						return fmt.Errorf("the rename dropped %s, which holds a privilege on %s", own, otherDB)
					}
					if !srv.CanLogin(renamed, pw, name) {
						return fmt.Errorf("the new user %s cannot log in", renamed)
					}
					return nil
				}),
			},
		},
	})
}

// TestAccDatabase_HostInLowerCase: MySQL stores account hosts in lower case, so another case fails
// validation, in the configuration and in an import ID.
func TestAccDatabase_HostInLowerCase(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	name := testsupport.UniqueName(t, "host")
	base := providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyVersionChecks, // the rule itself is tested without Terraform in internal/checks
		Steps: []resource.TestStep{
			{
				Config: base + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server    = "main"
  name      = %q
  component = "workspace_server"
  user = {
    name        = "zenml_ws1"
    host        = "LOCALHOST"
    password_wo = "x-password-1"
  }
}
`, name),
				ExpectError: phrasesIn("user.host", `"LOCALHOST" has upper-case letters`, "lower case", `write "localhost"`),
			},
			{
				Config: base + dbBlock("this", name, "workspace_server", "retain", "", "", ""), ResourceName: dbAddr, ImportState: true,
				ImportStateId: "main/" + name + "/zenml_ws1@DB.Example.COM", ExpectError: phrasesIn("Invalid Import ID", `write "db.example.com"`),
			},
			{
				// The error names the rule and the accepted forms, with examples.
				Config: base + dbBlock("this", name, "workspace_server", "retain", "", "", ""), ResourceName: dbAddr, ImportState: true,
				ImportStateId: "main/" + name + ",engine=mysql",
				ExpectError: phrasesIn("Invalid Import ID", `"engine=mysql" is not an option of an import ID`, "An import ID is",
					`"<server>/<database>/<user>@<host>"`, `"main/zenml_workspace_1/zenml_ws1@%,component=workspace_server"`,
					"a MySQL database may serve", `the component is "control_plane" when left out`),
			},
		},
	})
}

// TestAccDatabase_PostgresReservedRoleNames: names PostgreSQL refuses for a role fail the plan.
func TestAccDatabase_PostgresReservedRoleNames(t *testing.T) {
	t.Parallel()
	srv := testsupport.Postgres(t)
	name := testsupport.UniqueName(t, "pgres")
	base := providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin})
	var steps []resource.TestStep
	for user, want := range map[string]string{"pg_zenml": `starts with "pg_"`, "none": "is reserved by PostgreSQL",
		"current_user": "is reserved by PostgreSQL", "session_user": "is reserved by PostgreSQL"} {
		steps = append(steps, resource.TestStep{
			Config:      base + dbBlock("this", name, "control_plane", "retain", user, "x-password-1", ""),
			PlanOnly:    true,
			ExpectError: phrasesIn("Reserved PostgreSQL Role Name", want, `"zenml_ws1"`),
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyVersionChecks,
		Steps:                    steps,
	})
}

// TestAccDatabase_DestroyDoesNotHangOnALock: a session holds a lock in the database; destroying it
// under "drop" with timeouts.delete = "3s" fails after that time with the session named, and the
// database stays; once the session ends, the destroy drops it.
func TestAccDatabase_DestroyDoesNotHangOnALock(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	name := testsupport.UniqueName(t, "locked")
	srv.CleanupDatabase(name)
	cfg := providerConfig(dbServer{key: "main", srv: srv, account: srv.Superuser}) +
		dbBlock("this", name, "workspace_server", "drop", "", "", `  timeouts = { delete = "3s" }`)
	var holder *sql.Conn
	release := func() {
		if holder != nil {
			_, _ = holder.ExecContext(context.Background(), "COMMIT")
			_ = holder.Close()
			holder = nil
		}
	}
	t.Cleanup(release)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: checkServer(func() error {
			if srv.DatabaseExists(name) {
				return fmt.Errorf("database %s was not dropped once the lock was released", name)
			}
			return nil
		}),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					srv.CreateTable(name, "t1")
					conn, err := srv.DB(srv.Superuser, name).Conn(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					holder = conn
					if _, err := conn.ExecContext(context.Background(), "BEGIN"); err != nil {
						t.Fatal(err)
					}
					var n int
					if err := conn.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM t1").Scan(&n); err != nil {
						t.Fatal(err)
					}
				},
				Config:  cfg,
				Destroy: true,
				ExpectError: phrasesIn("Database Locked", fmt.Sprintf("drop database %q gave up waiting for a lock", name), "it is in use by session",
					srv.Superuser.User, "The database was not dropped", "raise timeouts.delete"),
			},
			{
				PreConfig: func() {
					if !srv.DatabaseExists(name) {
						t.Error("the database was dropped although the destroy failed")
					}
					release()
				},
				Config: cfg,
			},
		},
	})
}

// TestAccDatabase_ReplacementSaysWhatItDoes: a replacement under "drop" is announced in the plan; a
// name change under "retain" that keeps the user, and a new key for the same server, fail the plan
// with the steps to take; the database is untouched.
func TestAccDatabase_ReplacementSaysWhatItDoes(t *testing.T) {
	t.Parallel()
	requireWriteOnlyCLI(t)
	srv := testsupport.MySQL(t)
	first, second, third := testsupport.UniqueName(t, "rep1"), testsupport.UniqueName(t, "rep2"), testsupport.UniqueName(t, "rep3")
	user := testsupport.UniqueName(t, "repu")
	for _, n := range []string{first, second, third} {
		srv.CleanupDatabase(n)
	}
	srv.CleanupUser(user, "%")
	pw := testPassword(t, "rep")
	provider := cliTerraformBlock + providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin},
		dbServer{key: "again", srv: srv, account: srv.Admin})
	withServer := func(block, key string) string {
		return strings.Replace(block, `server          = "main"`, `server          = "`+key+`"`, 1)
	}
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(provider + dbBlock("this", first, "workspace_server", "retain", user, pw, ""))})
	cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	srv.CreateTable(first, "kept")

	// retain, same user, new name: the old database keeps the user, the new one could not take it.
	cli.writeConfig(provider + dbBlock("this", second, "workspace_server", "retain", user, pw, ""))
	out, err := cli.terraformErr("plan", "-input=false", "-no-color")
	wantFailure(t, "rename under retain", out, err, "Replacement Cannot Succeed", "user '"+user+"'@'%'", "REVOKE ALL PRIVILEGES ON `"+first+"`.*",
		"adopt_existing = true")

	// A new key for the same server: the same database would be dropped or kept, then created again.
	cli.writeConfig(provider + withServer(dbBlock("this", first, "workspace_server", "retain", user, pw, ""), "again"))
	out, err = cli.terraformErr("plan", "-input=false", "-no-color")
	wantFailure(t, "same server under a new key", out, err, "Replacement Would Recreate The Same Database", "terraform state rm <address>",
		"terraform import <address> again/"+first)

	// drop: the plan says the database goes with its data.
	cli.writeConfig(provider + dbBlock("this", first, "workspace_server", "drop", user, pw, ""))
	cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	cli.writeConfig(provider + dbBlock("this", third, "workspace_server", "drop", user, pw, ""))
	out = cli.terraform("plan", "-input=false", "-no-color")
	wantWarning(t, "rename under drop", out, 1, "Replacement Drops The Database", fmt.Sprintf(`the apply drops database %q on server "main" with all its data`, first))
	if !srv.DatabaseExists(first) || srv.DatabaseExists(second) {
		t.Errorf("the plans changed the server: %s exists %t (want true), %s exists %t (want false)", first, srv.DatabaseExists(first),
			second, srv.DatabaseExists(second))
	}
	cli.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
}

// wantFailure requires a failed command whose output holds the error's phrases.
func wantFailure(t *testing.T, what string, out []byte, err error, phrases ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: the command succeeded, want %q:\n%s", what, phrases[0], out)
		return
	}
	if !phrasesIn(phrases...).Match(out) {
		t.Errorf("%s: the output does not match %q:\n%s", what, phrases, out)
	}
}

// TestAccDatabase_InterruptedApplyConverges: an apply of 20 databases with their users is killed
// (terraform and the provider, kill -9) while it creates them, before any state is saved. The next
// apply converges by itself: every database and user exists, the state holds all 20, and a plan
// after it is empty.
func TestAccDatabase_InterruptedApplyConverges(t *testing.T) {
	t.Parallel()
	requireWriteOnlyCLI(t)
	srv := testsupport.MySQL(t)
	prefix := testsupport.UniqueName(t, "k")
	var hcl strings.Builder
	hcl.WriteString(cliTerraformBlock + providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin}))
	var names, users []string
	for i := range 20 {
		name, user := fmt.Sprintf("%s_%02d", prefix, i), fmt.Sprintf("%s_u%02d", prefix[:min(len(prefix), 26)], i)
		names, users = append(names, name), append(users, user)
		srv.CleanupDatabase(name)
		srv.CleanupUser(user, "%")
		hcl.WriteString(dbBlock(fmt.Sprintf("db%02d", i), name, "workspace_server", "drop", user, testPassword(t, "k"), ""))
	}
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(hcl.String())})

	cmd := exec.Command(cli.tf, "-chdir="+cli.work, "apply", "-auto-approve", "-input=false", "-no-color")
	cmd.Env = append(os.Environ(), cli.env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for count := 0; count < 3; count, _ = strconv.Atoi(srv.QueryValue("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '" + prefix + "\\_%'")) {
		if time.Now().After(deadline) {
			t.Fatal("the apply created no database within 2 minutes")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
	created := 0
	for _, n := range names {
		if srv.DatabaseExists(n) {
			created++
		}
	}
	if created == len(names) {
		t.Log("the apply had created every database before it was killed; the re-apply still has to adopt them all")
	}
	t.Logf("killed with %d of %d databases created", created, len(names))
	if _, err := os.Stat(filepath.Join(cli.work, "terraform.tfstate")); err == nil {
		t.Log("the killed apply had saved a state")
	}

	cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	for i, n := range names {
		if !srv.DatabaseExists(n) || !srv.UserExists(users[i], "%") {
			t.Errorf("after the re-apply database %s exists %t, user %s exists %t", n, srv.DatabaseExists(n), users[i], srv.UserExists(users[i], "%"))
		}
	}
	out := cli.terraform("state", "list")
	if got := strings.Count(string(out), "zenmlpro_database."); got != len(names) {
		t.Errorf("the state holds %d databases, want %d:\n%s", got, len(names), out)
	}
	out = cli.terraform("plan", "-detailed-exitcode", "-input=false", "-no-color")
	if !strings.Contains(string(out), "No changes.") {
		t.Errorf("the plan after the re-apply is not empty:\n%s", out)
	}
	cli.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
}
