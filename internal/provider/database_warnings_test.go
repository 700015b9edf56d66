package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

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
	keptDB, droppedDB := db("kept", "my", kept, "workspace", "retain"), db("dropped", "my", dropped, "workspace", "drop")
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
  component       = "workspace"
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
