// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/cpfake"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

const enrollAddr = "zenmlpro_workspace_enrollment.ws1"

// enrollmentFactories is the in-process provider with a short retry backoff for Control Plane calls.
func enrollmentFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	p := &zenmlproProvider{version: "test", controlPlaneBackoff: retry.Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}}
	return map[string]func() (tfprotov6.ProviderServer, error){"zenmlpro": providerserver.NewProtocol6WithError(p)}
}

func enrollmentSteps(t *testing.T, destroyed resource.TestCheckFunc, steps ...resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: enrollmentFactories(),
		CheckDestroy:             destroyed,
		Steps:                    steps,
	})
}

// stand-in Control Plane with one organization, an admin password and two tokens.
func startControlPlane(t *testing.T, opts cpfake.ControlPlaneOptions) *cpfake.ControlPlane {
	t.Helper()
	if opts.Organizations == nil {
		opts.Organizations = map[string]string{"example-corp": ""}
	}
	if opts.AdminPassword == "" {
		opts.AdminPassword = "admin-secret"
	}
	opts.Tokens = append(opts.Tokens, "pat-full")
	opts.ReadOnlyTokens = []string{"pat-read"}
	return cpfake.StartControlPlane(t, opts)
}

func controlPlaneProvider(url, creds, extra string) string {
	return fmt.Sprintf(`
provider "zenmlpro" {
  control_plane = {
    url = %q
    %s
    %s
  }
}
`, url, creds, extra)
}

const patCreds = `token = "pat-full"`

func enrollmentConfig(provider, body string) string {
	return provider + `
resource "zenmlpro_workspace_enrollment" "ws1" {
` + body + `
}
`
}

// workspaceOf finds the stand-in's workspace by name.
func workspaceOf(cp *cpfake.ControlPlane, name string) (cpfake.Workspace, bool) {
	for _, w := range cp.Workspaces() {
		if w.Name == name {
			return w, true
		}
	}
	return cpfake.Workspace{}, false
}

// noKeyInState fails when any attribute of any resource holds the key the stand-in issued.
func noKeyInState(cp *cpfake.ControlPlane, name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		w, ok := workspaceOf(cp, name)
		if !ok || w.EnrollmentKey == "" {
			return fmt.Errorf("the Control Plane has no enrolled workspace %q", name)
		}
		for addr, rs := range s.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				if strings.Contains(v, w.EnrollmentKey) {
					return fmt.Errorf("%s.%s holds the enrollment key", addr, k)
				}
			}
		}
		return nil
	}
}

// The key goes to a file (0600, the key alone) and nowhere in the state; the IDs come out; writing
// the organization's ID for its name changes nothing; deletion_policy = "delete" deletes the
// workspace and the key file on destroy.
func TestAccWorkspaceEnrollment_keyFile(t *testing.T) {
	cp := startControlPlane(t, cpfake.ControlPlaneOptions{})
	keyFile := filepath.Join(t.TempDir(), "workspace-1.key")
	orgID := cp.OrganizationID("example-corp")
	prov := controlPlaneProvider(cp.URL(), patCreds, "")
	body := func(org, policy string) string {
		return fmt.Sprintf("  name = \"workspace-1\"\n  organization = %q\n  deletion_policy = %q\n  enrollment_key_file = %q", org, policy, keyFile)
	}
	enrollmentSteps(t, func(*terraform.State) error {
		if _, ok := workspaceOf(cp, "workspace-1"); ok {
			return fmt.Errorf("destroy with deletion_policy = delete left the workspace in the Control Plane")
		}
		if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
			return fmt.Errorf("destroy left the key file of a deleted workspace: %v", err)
		}
		return nil
	},
		resource.TestStep{
			Config: enrollmentConfig(prov, body("example-corp", "retain")),
			Check: resource.ComposeAggregateTestCheckFunc(
				func(s *terraform.State) error {
					w, ok := workspaceOf(cp, "workspace-1")
					if !ok {
						return fmt.Errorf("no workspace in the Control Plane")
					}
					st, err := os.Stat(keyFile)
					if err != nil {
						return err
					}
					if st.Mode().Perm() != 0o600 {
						return fmt.Errorf("key file mode %v, want 0600", st.Mode().Perm())
					}
					data, _ := os.ReadFile(keyFile)
					if string(data) != w.EnrollmentKey {
						return fmt.Errorf("the key file holds %d bytes, not the key alone", len(data))
					}
					return resource.ComposeTestCheckFunc(
						resource.TestCheckResourceAttr(enrollAddr, "workspace_id", w.ID),
						resource.TestCheckResourceAttr(enrollAddr, "id", w.ID),
						resource.TestCheckResourceAttr(enrollAddr, "enrollment_key_sha256", controlplane.KeySHA256(w.EnrollmentKey)),
					)(s)
				},
				resource.TestCheckResourceAttr(enrollAddr, "organization_id", orgID),
				resource.TestCheckResourceAttr(enrollAddr, "organization_name", "example-corp"),
				resource.TestCheckResourceAttr(enrollAddr, "status", cpfake.StateAvailable),
				resource.TestCheckNoResourceAttr(enrollAddr, "enrollment_key"),
				noKeyInState(cp, "workspace-1"),
			),
		},
		resource.TestStep{
			// The organization by its ID: the same organization, updated in place, no new workspace.
			Config: enrollmentConfig(prov, body(orgID, "delete")),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(enrollAddr, plancheck.ResourceActionUpdate),
			}},
			Check: func(*terraform.State) error {
				if n := len(cp.Workspaces()); n != 1 {
					return fmt.Errorf("%d workspaces, want 1", n)
				}
				return nil
			},
		},
	)
}

// With the opt-in, the key is in the state (sensitive); login by username and password; a retained
// workspace outlives the destroy.
func TestAccWorkspaceEnrollment_keyInStateLogin(t *testing.T) {
	cp := startControlPlane(t, cpfake.ControlPlaneOptions{})
	prov := controlPlaneProvider(cp.URL(), `username = "admin"`, `password = "admin-secret"`)
	enrollmentSteps(t, func(*terraform.State) error {
		if _, ok := workspaceOf(cp, "workspace-2"); !ok {
			return fmt.Errorf("destroy with deletion_policy = retain deleted the workspace")
		}
		return nil
	},
		resource.TestStep{
			Config: enrollmentConfig(prov, `  name = "workspace-2"
  organization = "example-corp"
  store_enrollment_key_in_state = true`),
			Check: func(s *terraform.State) error {
				w, ok := workspaceOf(cp, "workspace-2")
				if !ok {
					return fmt.Errorf("no workspace")
				}
				return resource.TestCheckResourceAttr(enrollAddr, "enrollment_key", w.EnrollmentKey)(s)
			},
		},
		resource.TestStep{
			// The opt-in withdrawn: the key leaves the state, in place.
			Config: enrollmentConfig(prov, `  name = "workspace-2"
  organization = "example-corp"
  store_enrollment_key_in_state = false`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(enrollAddr, plancheck.ResourceActionUpdate),
			}},
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckNoResourceAttr(enrollAddr, "enrollment_key"),
				noKeyInState(cp, "workspace-2"),
			),
		},
	)
	if n := cp.Requests(http.MethodPost, "/api/v1/auth/login"); n == 0 {
		t.Error("the provider never logged in with username and password")
	}
}

// A workspace deleted in the Control Plane is found at refresh and enrolled again: a new ID, and the
// key file this resource wrote replaced by the new key.
func TestAccWorkspaceEnrollment_deletedInControlPlane(t *testing.T) {
	cp := startControlPlane(t, cpfake.ControlPlaneOptions{})
	keyFile := filepath.Join(t.TempDir(), "ws.key")
	cfg := enrollmentConfig(controlPlaneProvider(cp.URL(), patCreds, ""), fmt.Sprintf(`  name = "workspace-1"
  organization = "example-corp"
  enrollment_key_file = %q`, keyFile))
	var first string
	enrollmentSteps(t, nil,
		resource.TestStep{
			Config: cfg,
			Check: func(*terraform.State) error {
				w, _ := workspaceOf(cp, "workspace-1")
				first = w.ID
				return nil
			},
		},
		resource.TestStep{
			PreConfig: func() {
				if !cp.DeleteWorkspace(first) {
					t.Fatal("the stand-in has no workspace to delete")
				}
			},
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(enrollAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
			Check: func(s *terraform.State) error {
				w, ok := workspaceOf(cp, "workspace-1")
				if !ok || w.ID == first {
					return fmt.Errorf("not enrolled again: %+v (first %s)", w, first)
				}
				data, _ := os.ReadFile(keyFile)
				if string(data) != w.EnrollmentKey {
					return fmt.Errorf("the key file does not hold the new key")
				}
				return resource.TestCheckResourceAttr(enrollAddr, "workspace_id", w.ID)(s)
			},
		},
	)
}

// A same-named workspace this resource did not create fails the plan, naming the import; the import
// by ID adopts it and plans no change without any key setting.
func TestAccWorkspaceEnrollment_existingAndImport(t *testing.T) {
	cp := startControlPlane(t, cpfake.ControlPlaneOptions{})
	id := cp.AddWorkspace("example-corp", "taken")
	// Steps that import name the provider by its full source address (OpenTofu's import init).
	prov := fullSourceBlock + controlPlaneProvider(cp.URL(), patCreds, "")
	enrollmentSteps(t, func(*terraform.State) error {
		if _, ok := cp.Workspace(id); !ok {
			return fmt.Errorf("the imported workspace was deleted on destroy with the default deletion_policy")
		}
		return nil
	},
		resource.TestStep{
			Config: enrollmentConfig(prov, `  name = "taken"
  organization = "example-corp"
  store_enrollment_key_in_state = true`),
			ExpectError: regexp.MustCompile(wrappedPhrase("Workspace Exists") + `[\s\S]*` + wrappedPhrase("terraform import") + `[\s\S]*` + regexp.QuoteMeta(id)),
		},
		resource.TestStep{
			Config: enrollmentConfig(prov, fmt.Sprintf(`  name = "taken"
  organization = %q`, cp.OrganizationID("example-corp"))),
			ResourceName:       enrollAddr,
			ImportState:        true,
			ImportStateId:      id,
			ImportStatePersist: true,
		},
		resource.TestStep{
			Config: enrollmentConfig(prov, fmt.Sprintf(`  name = "taken"
  organization = %q`, cp.OrganizationID("example-corp"))),
			PlanOnly: true,
		},
	)
	if n := len(cp.Workspaces()); n != 1 {
		t.Errorf("%d workspaces, want the one imported", n)
	}
}

// Errors name the HTTP status, the endpoint and what to do; invalid input fails at validate.
func TestAccWorkspaceEnrollment_errors(t *testing.T) {
	cp := startControlPlane(t, cpfake.ControlPlaneOptions{})
	existing := filepath.Join(t.TempDir(), "there.key")
	if err := os.WriteFile(existing, []byte("other"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := `  name = "workspace-1"
  organization = "example-corp"
  store_enrollment_key_in_state = true`
	enrollmentSteps(t, nil,
		resource.TestStep{
			Config:      enrollmentConfig(controlPlaneProvider(cp.URL(), `token = "wrong"`, ""), good),
			ExpectError: wrapped("Control Plane Refused (HTTP 401)", "GET /api/v1/organizations", "control_plane.token"),
		},
		resource.TestStep{
			Config:      enrollmentConfig(controlPlaneProvider(cp.URL(), `token = "pat-read"`, ""), good),
			ExpectError: wrapped("Control Plane Refused (HTTP 403)", "POST /api/v1/workspaces", "admin role"),
		},
		resource.TestStep{
			Config:      enrollmentConfig(controlPlaneProvider(cp.URL(), patCreds, ""), "  name = \"workspace-1\"\n  organization = \"example-corp\""),
			ExpectError: wrapped("Nowhere to Put the Enrollment Key", "enrollment_key_file", "store_enrollment_key_in_state = true"),
		},
		resource.TestStep{
			Config: enrollmentConfig(controlPlaneProvider(cp.URL(), patCreds, ""),
				fmt.Sprintf("  name = \"workspace-1\"\n  organization = \"example-corp\"\n  enrollment_key_file = %q", existing)),
			ExpectError: wrapped("Enrollment Key File Not Writable", "exists already", "never overwritten"),
		},
		resource.TestStep{
			Config:      enrollmentConfig(controlPlaneProvider(cp.URL(), patCreds, ""), "  name = \"Workspace_1\"\n  organization = \"example-corp\""),
			ExpectError: wrapped("Invalid Workspace Name", `"Workspace_1" is not a workspace name (rule: lowercase letters, digits and hyphens); give e.g. "workspace-1"`),
		},
		resource.TestStep{
			Config:      enrollmentConfig(controlPlaneProvider(cp.URL(), patCreds, `username = "admin"`), good),
			ExpectError: wrapped("Invalid Control Plane Credentials", "not both"),
		},
		resource.TestStep{
			Config:      enrollmentConfig(controlPlaneProvider("http://zenml.ml.example.com", patCreds, ""), good),
			ExpectError: wrapped("Invalid Control Plane URL", "plain http only for a loopback host"),
		},
		resource.TestStep{
			Config:      enrollmentConfig(controlPlaneProvider(cp.URL(), patCreds, ""), "  name = \"workspace-1\"\n  organization = \"no-such-org\"\n  store_enrollment_key_in_state = true"),
			ExpectError: wrapped("no organization \"no-such-org\"", "example-corp"),
		},
	)
	if len(cp.Workspaces()) != 0 {
		t.Errorf("failed steps left workspaces: %+v", cp.Workspaces())
	}
}

// Throttling and server errors are retried; a Control Plane that does not answer is given up on
// within timeouts.read, naming it.
func TestAccWorkspaceEnrollment_retriesAndTimeout(t *testing.T) {
	cp := startControlPlane(t, cpfake.ControlPlaneOptions{})
	prov := controlPlaneProvider(cp.URL(), patCreds, "")
	enrollmentSteps(t, nil,
		resource.TestStep{
			PreConfig: func() {
				cp.FailNext(http.MethodPost, "/api/v1/workspaces", http.StatusTooManyRequests, 2)
				cp.FailNext(http.MethodPost, "/api/v1/workspaces", http.StatusServiceUnavailable, 1)
			},
			Config: enrollmentConfig(prov, `  name = "workspace-1"
  organization = "example-corp"
  store_enrollment_key_in_state = true
  timeouts = { read = "2s" }`),
			Check: func(*terraform.State) error {
				if n := cp.Requests(http.MethodPost, "/api/v1/workspaces"); n != 4 {
					return fmt.Errorf("%d enrollment requests, want 4 (three refused)", n)
				}
				if n := len(cp.Workspaces()); n != 1 {
					return fmt.Errorf("%d workspaces, want 1", n)
				}
				return nil
			},
		},
		resource.TestStep{
			PreConfig: func() { cp.SetDelay(http.MethodGet, "/api/v1/workspaces", time.Minute) },
			Config: enrollmentConfig(prov, `  name = "workspace-1"
  organization = "example-corp"
  store_enrollment_key_in_state = true
  timeouts = { read = "2s" }`),
			ExpectError: wrapped("Control Plane Did Not Answer", "timeouts.read (2s)", "GET /api/v1/workspaces/"),
		},
		resource.TestStep{
			PreConfig: func() { cp.ClearFaults() },
			Config: enrollmentConfig(prov, `  name = "workspace-1"
  organization = "example-corp"
  store_enrollment_key_in_state = true
  timeouts = { read = "2s" }`),
		},
	)
}

// TLS to the Control Plane with the deployment's CA; without it, the certificate is refused.
func TestAccWorkspaceEnrollment_tls(t *testing.T) {
	now := time.Now()
	ca := testcert.New(t, testcert.Spec{CommonName: "Example Root CA", Organization: "Example Corp", CA: true,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}, nil)
	leaf := testcert.New(t, testcert.Spec{CommonName: "localhost", DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}, ca)
	keyPEM := leaf.KeyPEM(t)
	cp := startControlPlane(t, cpfake.ControlPlaneOptions{TLSCertPEM: []byte(leaf.PEM), TLSKeyPEM: keyPEM, Listen: "localhost:0"})
	if !strings.HasPrefix(cp.URL(), "https://localhost:") {
		t.Fatalf("stand-in URL %s", cp.URL())
	}
	body := `  name = "workspace-1"
  organization = "example-corp"
  store_enrollment_key_in_state = true`
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte(ca.PEM), 0o600); err != nil {
		t.Fatal(err)
	}
	enrollmentSteps(t, nil,
		resource.TestStep{
			Config:      enrollmentConfig(controlPlaneProvider(cp.URL(), patCreds, ""), body),
			ExpectError: wrapped("Control Plane Not Reachable", "certificate signed by unknown authority"),
		},
		resource.TestStep{
			Config: enrollmentConfig(controlPlaneProvider(cp.URL(), patCreds, fmt.Sprintf("ca_certificate = file(%q)", caFile)), body),
			Check:  resource.TestCheckResourceAttrSet(enrollAddr, "workspace_id"),
		},
	)
}

// Neither the Control Plane password, nor a token, nor the enrollment key is in the TRACE log or the
// state files: the password and token come from sensitive variables, the key goes to a file. (Not
// parallel: it sets the process's logging environment.)
func TestAccWorkspaceEnrollment_noSecretsInLogsOrState(t *testing.T) {
	password, token := testPassword(t, "cpadmin"), testPassword(t, "cptoken")
	cp := startControlPlane(t, cpfake.ControlPlaneOptions{AdminPassword: password, Tokens: []string{token}})
	logFile, work := traceLogs(t)
	keyFile := filepath.Join(t.TempDir(), "ws.key")
	t.Setenv("TF_VAR_cp_password", password)
	t.Setenv("TF_VAR_cp_token", token)
	vars := `
variable "cp_password" {
  type      = string
  sensitive = true
}
variable "cp_token" {
  type      = string
  sensitive = true
}
`
	body := fmt.Sprintf("  name = \"workspace-1\"\n  organization = \"example-corp\"\n  enrollment_key_file = %q\n  deletion_policy = \"delete\"", keyFile)
	checkNoSecrets := func(*terraform.State) error {
		log, err := os.ReadFile(logFile)
		if err != nil {
			return fmt.Errorf("no TRACE log: %w", err)
		}
		states, n, err := stateFiles(work)
		if err != nil {
			return err
		}
		text := string(log) + states
		w, ok := workspaceOf(cp, "workspace-1")
		switch {
		case !ok || n == 0 || !strings.Contains(text, w.ID):
			return fmt.Errorf("the state files (%d) and the log do not record the workspace: the search would prove nothing", n)
		case strings.Contains(text, password):
			return fmt.Errorf("the Control Plane password is in the TRACE log or the state")
		case strings.Contains(text, token):
			return fmt.Errorf("the personal access token is in the TRACE log or the state")
		case strings.Contains(text, w.EnrollmentKey):
			return fmt.Errorf("the enrollment key is in the TRACE log or the state")
		}
		return nil
	}
	enrollmentSteps(t, nil,
		resource.TestStep{
			Config: vars + controlPlaneProvider(cp.URL(), "username = \"admin\"", "password = var.cp_password") + `
resource "zenmlpro_workspace_enrollment" "ws1" {
` + body + `
}
`,
			Check: checkNoSecrets,
		},
		resource.TestStep{
			Config: vars + controlPlaneProvider(cp.URL(), "token = var.cp_token", "") + `
resource "zenmlpro_workspace_enrollment" "ws1" {
` + body + `
}
`,
			Check: checkNoSecrets,
		},
	)
}

// The resource's example runs as written, but for three things a test cannot have: the Control
// Plane's host is routed to a stand-in serving a certificate of the example's CA, the CA and key file
// live in the test's directory, and kubectl (absent here) is replaced by a command that checks what
// it would read: the key file, holding the key alone, mode 0600.
func TestAccWorkspaceEnrollment_example(t *testing.T) {
	requireWriteOnlyCLI(t) // the example's token is an ephemeral variable: Terraform 1.11+
	now := time.Now()
	ca := testcert.New(t, testcert.Spec{CommonName: "Example Root CA", Organization: "Example Corp", CA: true,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}, nil)
	leaf := testcert.New(t, testcert.Spec{CommonName: "zenml.ml.example.com", DNSNames: []string{"zenml.ml.example.com"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}, ca)
	token := testPassword(t, "pat")
	cp := startControlPlane(t, cpfake.ControlPlaneOptions{TLSCertPEM: []byte(leaf.PEM), Tokens: []string{token},
		TLSKeyPEM: leaf.KeyPEM(t)})
	addr := strings.TrimPrefix(cp.URL(), "https://")
	p := &zenmlproProvider{version: "test", controlPlaneBackoff: retry.Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond},
		controlPlaneDial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
	dir := t.TempDir()
	caFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "workspace-1.key")
	if err := os.WriteFile(caFile, []byte(ca.PEM), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_VAR_zenml_token", token)
	cfg := testAccExample(t, "resources/zenmlpro_workspace_enrollment/resource.tf")
	for old, repl := range map[string]string{
		`"${path.module}/ca.pem"`:                 `"` + caFile + `"`,
		`"${path.root}/.secrets/workspace-1.key"`: `"` + keyFile + `"`,
	} {
		if !strings.Contains(cfg, old) {
			t.Fatalf("the example no longer has %s", old)
		}
		cfg = strings.ReplaceAll(cfg, old, repl)
	}
	kubectl := regexp.MustCompile(`command = "kubectl [^\n]*"`)
	if !kubectl.MatchString(cfg) {
		t.Fatal("the example no longer runs kubectl")
	}
	cfg = kubectl.ReplaceAllString(cfg, `command = "test \"$(stat -c %a ${zenmlpro_workspace_enrollment.workspace_1.enrollment_key_file})\" = 600 && test -s ${zenmlpro_workspace_enrollment.workspace_1.enrollment_key_file}"`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){"zenmlpro": providerserver.NewProtocol6WithError(p)},
		CheckDestroy: func(*terraform.State) error {
			if _, ok := workspaceOf(cp, "workspace-1"); !ok {
				return fmt.Errorf("workspace-1 (deletion_policy = retain) was deleted")
			}
			if _, ok := workspaceOf(cp, "workspace-2"); ok {
				return fmt.Errorf("workspace-2 (deletion_policy = delete) is still there")
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(s *terraform.State) error {
				w1, ok1 := workspaceOf(cp, "workspace-1")
				w2, ok2 := workspaceOf(cp, "workspace-2")
				if !ok1 || !ok2 {
					return fmt.Errorf("workspaces: %+v", cp.Workspaces())
				}
				if data, _ := os.ReadFile(keyFile); string(data) != w1.EnrollmentKey {
					return fmt.Errorf("the key file does not hold workspace-1's key")
				}
				return resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("zenmlpro_workspace_enrollment.workspace_1", "workspace_id", w1.ID),
					resource.TestCheckNoResourceAttr("zenmlpro_workspace_enrollment.workspace_1", "enrollment_key"),
					resource.TestCheckResourceAttr("zenmlpro_workspace_enrollment.workspace_2", "enrollment_key", w2.EnrollmentKey),
				)(s)
			},
		}},
	})
}
