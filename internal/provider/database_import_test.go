// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// exitCode runs the CLI in the working directory and returns its output and exit code, for
// `plan -detailed-exitcode`, whose code 2 is not a failure.
func (c *cliWorkdir) exitCode(args ...string) ([]byte, int) {
	c.t.Helper()
	out, err := c.terraformErr(args...)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out, 0
	case errors.As(err, &exit):
		return out, exit.ExitCode()
	}
	c.t.Fatalf("terraform %v: %v\n%s", args, err, out)
	return nil, 0
}

// readFile returns a file of the working directory.
func (c *cliWorkdir) readFile(name string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.work, name))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

// writeFile writes a file into the working directory.
func (c *cliWorkdir) writeFile(name, content string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.work, name), []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// generatedAttr matches `name = value` in a configuration written by Terraform, whatever the alignment.
func generatedAttr(name, value string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(name) + `\s+=\s+` + regexp.QuoteMeta(value) + `\s*$`)
}

// TestAccDatabase_ImportGeneratesConfiguration imports a database and its user made outside Terraform
// with an import block and `terraform plan -generate-config-out`, on MariaDB (the component, the
// deletion policy and the password secret given in the ID) and on PostgreSQL (the component read as
// control_plane), as superuser and as restricted admin. The generated file plans the import alone, and
// nothing once it is applied. Adding password_wo and password_wo_version = 1 then records the version
// with a warning and leaves the user's password as it was (the old one still logs in, the new one does
// not); the next version sets the new password. On MariaDB, an ID without the component first warns
// that the generated file will lack it, and that file fails the plan.
func TestAccDatabase_ImportGeneratesConfiguration(t *testing.T) {
	t.Parallel()
	requireWriteOnlyCLI(t)
	for _, tc := range []struct {
		engine string
		srv    *testsupport.Server
	}{
		{"mysql", testsupport.MySQL(t)},
		{"postgres", testsupport.Postgres(t)},
	} {
		t.Run(tc.engine, func(t *testing.T) {
			t.Parallel()
			forEachAdmin(t, tc.srv, func(t *testing.T, admin testsupport.Account) {
				testImportGeneratesConfiguration(t, tc.srv, admin)
			})
		})
	}
}

func testImportGeneratesConfiguration(t *testing.T, srv *testsupport.Server, admin testsupport.Account) {
	mysql := srv.Engine == testsupport.EngineMySQL
	name, user := testsupport.UniqueName(t, "gen"), testsupport.UniqueName(t, "genu")
	host := ""
	if mysql {
		host = "%"
	}
	oldPW, newPW, nextPW := testPassword(t, "old"), testPassword(t, "new"), testPassword(t, "next")
	srv.CleanupUser(user, host)
	srv.CleanupDatabase(name)
	srv.CreateDatabase(name)
	srv.CreateUser(user, host, oldPW)
	srv.Grant(user, host, name)

	key := "pg"
	id := "pg/" + name + "/" + user
	secret := strings.ReplaceAll(name, "_", "-") + "-secret"
	if mysql {
		key = "main"
		id = "main/" + name + "/" + user + "@%,component=workspace_server,deletion_policy=drop_if_empty,password_secret.name=" + secret
	}
	importBlock := func(id string) string {
		return cliTerraformBlock + providerConfig(dbServer{key: key, srv: srv, account: admin}) +
			fmt.Sprintf("import {\n  to = zenmlpro_database.imported\n  id = %q\n}\n", id)
	}
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(importBlock(id))})

	if mysql {
		// The form of earlier versions cannot know the component of a MySQL database: the import warns, and
		// the generated file fails until the component is written into it.
		old := "main/" + name + "/" + user + "@%"
		cli.writeConfig(importBlock(old))
		out, err := cli.terraformErr("plan", "-input=false", "-no-color", "-generate-config-out=old.tf")
		if err == nil {
			t.Fatalf("the plan of configuration generated without the component succeeded:\n%s", out)
		}
		wantWarning(t, "import without the component", out, 1, "Component Not Imported",
			fmt.Sprintf("Import ID %q gives no component", old), "configuration generated from this import",
			"would have component = null, which fails", fmt.Sprintf("import with the component, e.g. %q", old+",component=workspace_server"))
		if generated := cli.readFile("old.tf"); !generatedAttr("component", "null").MatchString(generated) {
			t.Errorf("configuration generated without the component:\n%s", generated)
		}
		if err := os.Remove(filepath.Join(cli.work, "old.tf")); err != nil {
			t.Fatal(err)
		}
		cli.writeConfig(importBlock(id))
	}

	out := cli.terraform("plan", "-input=false", "-no-color", "-generate-config-out=generated.tf")
	wantWarning(t, "the plan that generates configuration", out, 0, "Component Not Imported")
	generated := cli.readFile("generated.tf")
	want := map[string]string{"server": fmt.Sprintf("%q", key), "name": fmt.Sprintf("%q", name), "component": `"control_plane"`,
		"deletion_policy": `"retain"`, "password_wo_version": "null", "encoding": `"UTF8"`, "character_set": "null"}
	if mysql {
		for k, v := range map[string]string{"component": `"workspace_server"`, "deletion_policy": `"drop_if_empty"`, "name": fmt.Sprintf("%q", secret),
			"key": `"password"`, "host": `"%"`, "character_set": `"utf8mb4"`, "encoding": "null"} {
			want[k] = v
		}
	}
	for k, v := range want {
		if !generatedAttr(k, v).MatchString(generated) {
			t.Errorf("the generated configuration lacks %s = %s:\n%s", k, v, generated)
		}
	}

	// The generated file plans the import and nothing else.
	out, code := cli.exitCode("plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=import.tfplan")
	if code != 2 || !strings.Contains(string(out), "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("the plan of the generated configuration exits %d, want 2 for the import alone:\n%s", code, out)
	}
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions   []string        `json:"actions"`
				Importing json.RawMessage `json:"importing"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(cli.terraform("show", "-json", "import.tfplan"), &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.ResourceChanges) != 1 || strings.Join(plan.ResourceChanges[0].Change.Actions, ",") != "no-op" ||
		len(plan.ResourceChanges[0].Change.Importing) == 0 {
		t.Fatalf("the import plan's changes: %+v, want one no-op import", plan.ResourceChanges)
	}
	cli.terraform("apply", "-input=false", "-no-color", "import.tfplan")
	if out, code := cli.exitCode("plan", "-input=false", "-no-color", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after the import exits %d, want 0 (no change):\n%s", code, out)
	}

	// The configuration gives a password with its first version: recorded, the password kept.
	withPassword := func(version int, pw string) string {
		s := regexp.MustCompile(`(?m)^(\s*password_wo\s+=\s+).*$`).ReplaceAllString(generated, fmt.Sprintf("${1}%q", pw))
		return regexp.MustCompile(`(?m)^(\s*password_wo_version\s+=\s+).*$`).ReplaceAllString(s, fmt.Sprintf("${1}%d", version))
	}
	cli.writeFile("generated.tf", withPassword(1, newPW))
	out = cli.terraform("plan", "-input=false", "-no-color")
	addr := key + "/" + name
	account := fmt.Sprintf("%q", user)
	if mysql {
		account = fmt.Sprintf("'%s'@'%%'", user)
	}
	wantWarning(t, "the plan of the first password version", out, 1, "Imported User's Password Kept",
		fmt.Sprintf("%s: user %s was imported, and the provider has not set its password", addr, account),
		"This apply records user.password_wo_version = 1 and leaves the password on the server as it is",
		"change user.password_wo_version again (e.g. to 2) and apply")
	if !phrasesIn("+ password_wo_version = 1", "Plan: 0 to add, 1 to change, 0 to destroy.").Match(out) {
		t.Errorf("the plan of the first password version does not show the version recorded:\n%s", out)
	}
	cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	if !srv.CanLogin(user, oldPW, name) {
		t.Errorf("after the first password version, user %s cannot log in with the password it had: %v", user, srv.LoginError(user, oldPW, name))
	}
	if srv.CanLogin(user, newPW, name) {
		t.Errorf("the first password version of imported user %s set password_wo", user)
	}
	if out, code := cli.exitCode("plan", "-input=false", "-no-color", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after the version was recorded exits %d, want 0:\n%s", code, out)
	}

	// The next version sets the configured password.
	cli.writeFile("generated.tf", withPassword(2, nextPW))
	out = cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	wantWarning(t, "the apply of the next password version", out, 0, "Imported User's Password Kept")
	if !srv.CanLogin(user, nextPW, name) {
		t.Errorf("after the next password version, user %s cannot log in with it: %v", user, srv.LoginError(user, nextPW, name))
	}
	if srv.CanLogin(user, oldPW, name) {
		t.Errorf("after the next password version, user %s still logs in with the imported password", user)
	}
}

type importNoChangeCase struct {
	engine, key, component, id, extra string
	srv                               *testsupport.Server
}

// refused are the import steps that fail on the case's engine: on PostgreSQL an ID that says
// workspace_server, or gives a password secret, which the Control Plane's chart does not take.
func (tc importNoChangeCase) refused(config, id string) []resource.TestStep {
	if tc.engine != "postgres" {
		return nil
	}
	step := func(options string, phrases ...string) resource.TestStep {
		return resource.TestStep{Config: config, ResourceName: dbAddr, ImportState: true, ImportStateId: id + options, ExpectError: phrasesIn(phrases...)}
	}
	return []resource.TestStep{
		step(",component=workspace_server", "Workspace Database On PostgreSQL", `gives component "workspace_server", but server "pg" is a postgres server`),
		step(",password_secret.name=zenml-pro-db", "Invalid Import ID", `server "pg" is a postgres server, whose databases serve the Control Plane ("control_plane")`,
			"password_secret.name is for workspace databases"),
	}
}

// TestAccDatabase_ImportBlockNoChange imports with the options of the import ID, as superuser and as
// restricted admin: the import plans no change against a configuration that gives the same attributes;
// on PostgreSQL the component is read as control_plane without being given, and an ID that says
// workspace_server, or gives a password secret, is refused. A configuration without user.password_wo
// plans the imported user as it is, and fails the plan once the apply would need the password (a new
// user name); a password version without the password fails validation.
func TestAccDatabase_ImportBlockNoChange(t *testing.T) {
	t.Parallel()
	for _, tc := range []importNoChangeCase{
		{"mysql", "main", "workspace_server", ",component=workspace_server,deletion_policy=drop,password_secret.name=zenml-ws-db,password_secret.key=pw",
			"deletion_policy = \"drop\"\n  password_secret = {\n    name = \"zenml-ws-db\"\n    key = \"pw\"\n  }", testsupport.MySQL(t)},
		{"postgres", "pg", "control_plane", "", "", testsupport.Postgres(t)},
	} {
		t.Run(tc.engine, func(t *testing.T) {
			t.Parallel()
			forEachAdmin(t, tc.srv, func(t *testing.T, admin testsupport.Account) {
				srv := tc.srv
				name, user := testsupport.UniqueName(t, "nochg"), testsupport.UniqueName(t, "nochgu")
				host := ""
				if srv.Engine == testsupport.EngineMySQL {
					host = "%"
				}
				pw := testPassword(t, "kept")
				srv.CleanupUser(user, host)
				srv.CleanupDatabase(name)
				config := func(userBlock string) string {
					return fullSourceBlock + providerConfig(dbServer{key: tc.key, srv: srv, account: admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server    = %q
  name      = %q
  component = %q
  %s
  %s
}
`, tc.key, name, tc.component, tc.extra, userBlock)
				}
				imported := fmt.Sprintf("user = {\n    name = %q\n  }", user)
				resource.Test(t, resource.TestCase{
					PreCheck:                 func() { testAccPreCheck(t) },
					ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
					TerraformVersionChecks:   writeOnlyVersionChecks,
					Steps: slices.Concat([]resource.TestStep{
						{
							PreConfig: func() {
								srv.CreateDatabase(name)
								srv.CreateUser(user, host, pw)
								srv.Grant(user, host, name)
							},
							Config:          config(imported),
							ResourceName:    dbAddr,
							ImportState:     true,
							ImportStateKind: resource.ImportBlockWithID,
							ImportStateId:   tc.key + "/" + name + "/" + user + tc.id,
							// No ExpectNonEmptyPlan: the import must plan no change.
							ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
								plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionNoop),
								plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("component"), knownvalue.StringExact(tc.component)),
								plancheck.ExpectKnownValue(dbAddr, tfjsonpath.New("user").AtMapKey("password_wo_version"), knownvalue.Null()),
							}},
						},
					},
						tc.refused(config(imported), tc.key+"/"+name+"/"+user),
						[]resource.TestStep{
							{
								// The same import, kept in the state.
								Config:             config(imported),
								ResourceName:       dbAddr,
								ImportState:        true,
								ImportStateId:      tc.key + "/" + name + "/" + user + tc.id,
								ImportStatePersist: true,
							},
							{
								Config: config(imported),
								ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
									plancheck.ExpectEmptyPlan(),
								}},
								Check: checkLogin(srv, user, name, pw),
							},
							{
								// A new user needs a password.
								Config:      config(fmt.Sprintf("user = {\n    name = %q\n  }", testsupport.UniqueName(t, "nochgb"))),
								PlanOnly:    true,
								ExpectError: phrasesIn("Missing User Password", "Attribute user.password_wo is not set, but user", "is new to this database"),
							},
							{
								// A version needs its password, at validate time.
								Config:      config(fmt.Sprintf("user = {\n    name = %q\n    password_wo_version = 1\n  }", user)),
								PlanOnly:    true,
								ExpectError: phrasesIn("Missing User Password", "user.password_wo_version is set but user.password_wo is not"),
							},
							{
								// Back to the imported configuration, which the destroy after the test uses.
								Config:   config(imported),
								PlanOnly: true,
							},
						}),
				})
			})
		})
	}
}
