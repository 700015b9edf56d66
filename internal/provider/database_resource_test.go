package provider

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// writeOnlyVersionChecks: write-only attributes (user.password_wo) need Terraform 1.11.
var writeOnlyVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}

// dbServer is one entry of database_servers in a test configuration.
type dbServer struct {
	key     string
	srv     *testsupport.Server
	account testsupport.Account
	// host overrides srv.Host (an HCL expression when hostExpr is set).
	host     string
	hostExpr bool
	// extra is more HCL inside the entry, e.g. a tls block.
	extra string
}

func (s dbServer) hcl() string {
	host := strconv.Quote(s.srv.Host)
	if s.host != "" {
		host = strconv.Quote(s.host)
	}
	if s.hostExpr {
		host = s.host
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
// (CREATE, CREATE USER and GRANT OPTION only, like a managed cloud's master user), in parallel.
func forEachAdmin(t *testing.T, srv *testsupport.Server, f func(t *testing.T, account testsupport.Account)) {
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

// helmValues decodes helm_database_values for comparisons.
func helmValues(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("helm_database_values is not JSON: %v: %s", err, s)
	}
	return m
}

var (
	_ = regexp.MustCompile
	_ = knownvalue.Null
	_ = plancheck.ExpectEmptyPlan
	_ = statecheck.ExpectKnownValue
	_ = tfjsonpath.New[string]
)

func TestAccDatabase_Smoke(t *testing.T) {
	srv := testsupport.MySQL(t)
	name := testsupport.UniqueName(t, "ws")
	user := testsupport.UniqueName(t, "u")
	pw := testPassword(t, "smoke")
	srv.CleanupDatabase(name)
	srv.CleanupUser(user, "%")
	cfg := providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin}) + fmt.Sprintf(`
resource "zenmlpro_database" "ws" {
  server          = "main"
  name            = %q
  component       = "workspace"
  deletion_policy = "drop"
  user = {
    name                = %q
    password_wo         = %q
    password_wo_version = 1
  }
}
`, name, user, pw)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyVersionChecks,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("zenmlpro_database.ws", tfjsonpath.New("id"), knownvalue.StringExact("main/"+name)),
			},
			Check: checkServer(func() error {
				if !srv.CanLogin(user, pw, name) {
					return fmt.Errorf("cannot log in as %s", user)
				}
				return nil
			}),
		}},
	})
}
