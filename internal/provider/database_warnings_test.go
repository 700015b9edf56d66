// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// cliTerraformBlock makes the CLI take the provider from the dev_overrides of newCLIWorkdir.
const cliTerraformBlock = `
terraform {
  required_providers {
    zenmlpro = { source = "zenmlpro-infra/zenmlpro" }
  }
}
`

// warningsIn splits CLI output (-no-color) into its warnings: summary -> the text of each warning with
// that summary, up to the next warning or error.
func warningsIn(out []byte) map[string][]string {
	starts := regexp.MustCompile(`(?m)^[│ ]*(Warning|Error): `).FindAllIndex(out, -1)
	got := map[string][]string{}
	for i, s := range starts {
		end := len(out)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		block := string(out[s[0]:end])
		if !strings.Contains(block[:s[1]-s[0]], "Warning: ") {
			continue
		}
		summary, _, _ := strings.Cut(block[s[1]-s[0]:], "\n")
		got[strings.TrimSpace(summary)] = append(got[strings.TrimSpace(summary)], block)
	}
	return got
}

// phrasesIn matches phrases in order, as the CLI prints them: words may be wrapped across lines, which
// may start with the box-drawing border.
func phrasesIn(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `[\s│]+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// wantWarning requires exactly n warnings with the summary in out, each matching the phrases.
func wantWarning(t *testing.T, what string, out []byte, n int, summary string, phrases ...string) {
	t.Helper()
	blocks := warningsIn(out)[summary]
	if len(blocks) != n {
		t.Errorf("%s: %d warnings %q, want %d; output:\n%s", what, len(blocks), summary, n, out)
		return
	}
	re := phrasesIn(phrases...)
	for _, b := range blocks {
		if !re.MatchString(b) {
			t.Errorf("%s: warning %q does not match %s:\n%s", what, summary, re, b)
		}
	}
}

// TestAccDatabaseWarnings_RetainAndEngineChange reads the warnings of zenmlpro_database from the real
// CLI's output (terraform-plugin-testing does not show warnings): "Database Will Be Kept" in a plan that
// destroys a database under deletion_policy retain and "Database Kept" when it is applied, for that
// database only; and, when a server key moves to a server of the other engine, "Database Server Changed
// Engine" at refresh and "Database Not Dropped" at the replacement, which leaves the old database as it is.
func TestAccDatabaseWarnings_RetainAndEngineChange(t *testing.T) {
	t.Parallel()
	mysqlSrv, pgSrv := testsupport.MySQL(t), testsupport.Postgres(t)
	kept, dropped, moved := testsupport.UniqueName(t, "keep"), testsupport.UniqueName(t, "drop"), testsupport.UniqueName(t, "move")
	for _, n := range []string{kept, dropped, moved} {
		mysqlSrv.CleanupDatabase(n)
	}
	pgSrv.CleanupDatabase(moved)
	provider := func(movedTo *testsupport.Server) string {
		return cliTerraformBlock + providerConfig(
			dbServer{key: "my", srv: mysqlSrv, account: mysqlSrv.Admin},
			dbServer{key: "main", srv: movedTo, account: movedTo.Admin},
		)
	}
	db := func(label, server, name, component, policy string) string {
		return fmt.Sprintf(`
resource "zenmlpro_database" %q {
  server          = %q
  name            = %q
  component       = %q
  deletion_policy = %q
}
`, label, server, name, component, policy)
	}
	keptDB, droppedDB := db("kept", "my", kept, "workspace_server", "retain"), db("dropped", "my", dropped, "workspace_server", "drop")
	movedDB := db("moved", "main", moved, "control_plane", "drop")
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(provider(mysqlSrv) + keptDB + droppedDB + movedDB)})

	out := cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	for _, s := range []string{"Database Will Be Kept", "Database Kept", "Database Server Changed Engine", "Database Not Dropped"} {
		wantWarning(t, "the first apply", out, 0, s)
	}

	// A destroy plan warns about the retained database only.
	out = cli.terraform("plan", "-destroy", "-input=false", "-no-color")
	wantWarning(t, "plan -destroy", out, 1, "Database Will Be Kept",
		fmt.Sprintf(`zenmlpro_database my/%s has deletion_policy "retain"`, kept), fmt.Sprintf(`database %q stays on server "my"`, kept),
		`first apply deletion_policy = "drop_if_empty" or "drop"`)

	// The key main now names a PostgreSQL server: the refresh cannot read the database there.
	cli.writeConfig(provider(pgSrv) + keptDB + droppedDB + movedDB)
	out = cli.terraform("plan", "-input=false", "-no-color")
	wantWarning(t, "the plan after the engine change", out, 1, "Database Server Changed Engine",
		fmt.Sprintf(`Server "main" is now a postgres server, but database %q was created on a mysql server`, moved),
		"leaves the old one as it is")
	out = cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	wantWarning(t, "the apply of the engine change", out, 1, "Database Not Dropped",
		fmt.Sprintf(`Database %q was created on a mysql server under the key "main", which now names a postgres server`, moved),
		"left there as they are, whatever deletion_policy says")
	if !mysqlSrv.DatabaseExists(moved) || !pgSrv.DatabaseExists(moved) {
		t.Errorf("after the engine change, database %s exists on MySQL: %t (want true, it is left as it is), on PostgreSQL: %t (want true)",
			moved, mysqlSrv.DatabaseExists(moved), pgSrv.DatabaseExists(moved))
	}

	// Removing the databases from the configuration: warned at plan and at apply, for the retained one only.
	cli.writeConfig(provider(pgSrv))
	out = cli.terraform("plan", "-input=false", "-no-color")
	wantWarning(t, "the plan that removes the databases", out, 1, "Database Will Be Kept", fmt.Sprintf(`zenmlpro_database my/%s`, kept))
	out = cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	wantWarning(t, "the apply that removes the databases", out, 1, "Database Kept",
		fmt.Sprintf(`zenmlpro_database my/%s was removed from the Terraform state only: deletion_policy is "retain"`, kept),
		fmt.Sprintf(`database %q stayed on server "my" with its data`, kept), fmt.Sprintf(`terraform import <address> my/%s`, kept))
	if !mysqlSrv.DatabaseExists(kept) {
		t.Errorf("database %s (retain) was dropped", kept)
	}
	if mysqlSrv.DatabaseExists(dropped) || pgSrv.DatabaseExists(moved) {
		t.Errorf("a database under deletion_policy drop is left: %s on MySQL: %t, %s on PostgreSQL: %t",
			dropped, mysqlSrv.DatabaseExists(dropped), moved, pgSrv.DatabaseExists(moved))
	}
}

// TestAccDatabaseWarnings_ExistingUserReused drops a database outside Terraform: MySQL keeps its user
// with the grants, so the next apply creates the database again and reuses the user, with the warning
// "Existing User Reused" (which a first create does not give).
func TestAccDatabaseWarnings_ExistingUserReused(t *testing.T) {
	t.Parallel()
	requireWriteOnlyCLI(t)
	srv := testsupport.MySQL(t)
	name, user := testsupport.UniqueName(t, "reuse"), testsupport.UniqueName(t, "ru")
	pw := testPassword(t, "reuse")
	srv.CleanupDatabase(name)
	srv.CleanupUser(user, "%")
	hcl := cliTerraformBlock + providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin}) + fmt.Sprintf(`
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
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(hcl)})
	out := cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	wantWarning(t, "the first apply", out, 0, "Existing User Reused")

	srv.DropDatabase(name)
	out = cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	wantWarning(t, "the apply after the database was dropped", out, 1, "Existing User Reused",
		fmt.Sprintf(`User '%s'@'%%' existed already and held privileges on database %q and nothing else`, user, name),
		"left behind when the database was dropped outside Terraform", "Its password was set to user.password_wo")
	if !srv.DatabaseExists(name) || !srv.CanLogin(user, pw, name) {
		t.Errorf("database %s was not created again, or user %s cannot log in to it", name, user)
	}
	cli.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
}

// TestDatabaseResourceFormerComponentSpelling: component = "workspace", the former spelling of
// "workspace_server", validates (as at terraform validate and plan, before the provider is
// configured) with one warning on the attribute that names the new spelling; the current names
// validate without one, and any other name is an error that lists the current names.
func TestDatabaseResourceFormerComponentSpelling(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	server := protoServer(t)
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	resourceType := schemas.ResourceSchemas["zenmlpro_database"].ValueType()
	for _, tc := range []struct {
		component        string
		warning, failure string // "" for none
	}{
		{"workspace_server", "", ""},
		{"control_plane", "", ""},
		{"workspace", `Attribute component: "workspace" is deprecated, write "workspace_server"; "workspace" is accepted until version 1.0.`, ""},
		{"dashboard", "", `Attribute component value must be one of: ["control_plane" "workspace_server"], got: "dashboard"`},
	} {
		config := objectValue(t, resourceType, map[string]tftypes.Value{
			"server":    tftypes.NewValue(tftypes.String, "main"),
			"name":      tftypes.NewValue(tftypes.String, "zenml_workspace_1"),
			"component": tftypes.NewValue(tftypes.String, tc.component),
		})
		resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
			TypeName: "zenmlpro_database", Config: dynamicValue(t, resourceType, config),
		})
		if err != nil {
			t.Fatal(err)
		}
		var warnings, failures []string
		for _, d := range resp.Diagnostics {
			if attributePathString(d.Attribute) != "component" {
				t.Errorf("component %q: diagnostic %q on %q, want it on component", tc.component, d.Summary, attributePathString(d.Attribute))
			}
			if d.Severity == tfprotov6.DiagnosticSeverityWarning {
				warnings = append(warnings, d.Summary+": "+d.Detail)
			} else {
				failures = append(failures, d.Summary+": "+d.Detail)
			}
		}
		for _, c := range []struct {
			kind string
			got  []string
			want string
		}{{"warnings", warnings, tc.warning}, {"errors", failures, tc.failure}} {
			if (c.want == "" && len(c.got) != 0) || (c.want != "" && (len(c.got) != 1 || !strings.HasSuffix(c.got[0], ": "+c.want))) {
				t.Errorf("component %q: %s %q, want %q", tc.component, c.kind, c.got, c.want)
			}
		}
		if tc.warning != "" && !strings.HasPrefix(warnings[0], "Deprecated Value: ") {
			t.Errorf("component %q: warning %q, want the summary \"Deprecated Value\"", tc.component, warnings[0])
		}
	}
}

// TestAccDatabase_FormerComponentSpelling: a database written with component = "workspace" is the
// one written with "workspace_server": the state keeps the spelling written (so a configuration that
// keeps it plans no change), and moving to the new spelling changes the component attribute alone,
// in place, with the same Helm values.
func TestAccDatabase_FormerComponentSpelling(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	name := testsupport.UniqueName(t, "former")
	srv.CleanupDatabase(name)
	config := func(component string) string {
		return providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server          = "main"
  name            = %q
  component       = %q
  deletion_policy = "drop"
}
`, name, component)
	}
	helmValues, storeURL, id := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesSame()),
		statecheck.CompareValue(compare.ValuesSame())
	unchanged := func() []statecheck.StateCheck {
		return []statecheck.StateCheck{
			helmValues.AddStateValue(dbAddr, tfjsonpath.New("helm_database_values")),
			storeURL.AddStateValue(dbAddr, tfjsonpath.New("store_url")),
			id.AddStateValue(dbAddr, tfjsonpath.New("id")),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkGone(srv, name, "", ""),
		Steps: []resource.TestStep{
			{
				Config: config("workspace"),
				ConfigStateChecks: append(unchanged(),
					statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("component"), knownvalue.StringExact("workspace")),
					statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("helm_database_values"), helmValuesEqual(map[string]any{
						"zenml": map[string]any{"database": map[string]any{"url": fmt.Sprintf("mysql://%s/%s", srv.Addr(), name)}},
					})),
				),
			},
			{
				Config: config("workspace_server"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dbAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: append(unchanged(),
					statecheck.ExpectKnownValue(dbAddr, tfjsonpath.New("component"), knownvalue.StringExact("workspace_server"))),
			},
		},
	})
}
