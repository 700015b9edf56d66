// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"go.yaml.in/yaml/v3"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

const prereqAddress = "data.zenmlpro_prerequisites.test"

const prereqDigest = "sha256:2222222222222222222222222222222222222222222222222222222222222222"

// prereqFixture writes a private CA and a wildcard certificate for *.ml.example.com, valid for a year
// from now (the data source judges validity at the real clock here), and returns the files' paths.
func prereqFixture(t *testing.T, leafDays int) (chainFile, caFile string) {
	t.Helper()
	now := time.Now()
	ca := testcert.New(t, testcert.Spec{CommonName: "Example Root CA", Organization: "Example Corp", CA: true,
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(5, 0, 0)}, nil)
	leaf := testcert.New(t, testcert.Spec{CommonName: "*.ml.example.com", DNSNames: []string{"*.ml.example.com"},
		NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(0, 0, leafDays)}, ca)
	dir := t.TempDir()
	chainFile, caFile = filepath.Join(dir, "chain.pem"), filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(chainFile, []byte(leaf.PEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caFile, []byte(ca.PEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return chainFile, caFile
}

// prereqConfig is a complete self-hosted deployment; extra is added inside the data source block and
// replace rewrites parts of it (old -> new).
func prereqConfig(chainFile, caFile string, replace ...string) string {
	cfg := fmt.Sprintf(`
data "zenmlpro_prerequisites" "test" {
  scenario           = "self_hosted"
  kubernetes_version = "1.29"
  air_gapped         = true

  control_plane = {
    version = "0.13.0"
    host    = "zenml.ml.example.com"
    database = {
      engine   = "postgres"
      host     = "pg.internal.example.com"
      name     = "zenml_pro"
      username = "zenml_pro"
      tls_mode = "verify_full"
    }
    sso = {
      enabled                     = true
      oidc_configuration_endpoint = "https://login.example.com/.well-known/openid-configuration"
      client_id                   = "zenml-pro"
    }
  }

  workspaces = {
    "ws-1" = {
      version = "0.93.2"
      host    = "ws-1.ml.example.com"
      database = {
        engine          = "mysql"
        host            = "mysql.internal.example.com"
        name            = "zenml_ws_1"
        username        = "zenml_ws_1"
        tls_mode        = "verify_full"
        password_secret = { name = "zenml-ws-1-db", key = "password" }
      }
      workspace_id          = "0f4c5a2e-0000-4000-8000-000000000002"
      organization_id       = "0f4c5a2e-0000-4000-8000-000000000001"
      organization_name     = "acme"
      enrollment_key_secret = { name = "zenml-ws-1-enrollment", key = "key" }
    }
  }

  tls = {
    certificate_chain_pem = file(%q)
    ca_certificate_pem    = file(%q)
    management            = "manual"
  }

  registry = {
    image_source = "private"
    url          = "harbor.internal.example.com/zenml"
    auth_method  = "aws_iam_role"
    principal    = "arn:aws:iam::123456789012:role/zenml-pro-nodes"
    workload     = "eks_node_role"
    digests = {
      "harbor.internal.example.com/zenml/zenml-pro-server:0.93.2" = %q
    }
  }
}
`, chainFile, caFile, prereqDigest)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(cfg, replace[i]) {
			panic("prereqConfig: no " + replace[i])
		}
		cfg = strings.Replace(cfg, replace[i], replace[i+1], 1)
	}
	return cfg
}

// yamlHas checks a YAML document: each dotted key has the value, and none of absent appears as text.
func yamlHas(want map[string]any, absent ...string) knownvalue.Check {
	return knownvalue.StringFunc(func(got string) error {
		var tree map[string]any
		if err := yaml.Unmarshal([]byte(got), &tree); err != nil {
			return fmt.Errorf("not YAML: %v\n%s", err, got)
		}
		for k, w := range want {
			var cur any = tree
			for _, p := range strings.Split(k, ".") {
				m, ok := cur.(map[string]any)
				if !ok {
					return fmt.Errorf("%s: no map at %q in\n%s", k, p, got)
				}
				cur = m[p]
			}
			if fmt.Sprint(cur) != fmt.Sprint(w) {
				return fmt.Errorf("%s = %v, want %v in\n%s", k, cur, w, got)
			}
		}
		for _, a := range absent {
			if strings.Contains(got, a) {
				return fmt.Errorf("values hold %q:\n%s", a, got)
			}
		}
		return nil
	})
}

// checklistRow matches a checklist row by section and item, with its status.
func checklistRow(section, item, status string) knownvalue.Check {
	return knownvalue.ObjectPartial(map[string]knownvalue.Check{
		"section": knownvalue.StringExact(section), "item": knownvalue.StringExact(item), "status": knownvalue.StringExact(status)})
}

func TestAccPrerequisitesComplete(t *testing.T) {
	chain, ca := prereqFixture(t, 365)
	testAccSteps(t, []resource.TestStep{{
		Config: prereqConfig(chain, ca),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("ready"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("checklist"), knownvalue.ListPartial(map[int]knownvalue.Check{
				0: checklistRow("Deployment", "Deployment scenario", "ok"),
			})),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("workspace_helm_values").AtMapKey("ws-1"), yamlHas(map[string]any{
				"zenml.image.repository":                "harbor.internal.example.com/zenml/zenml-pro-server",
				"zenml.image.tag":                       "0.93.2@" + prereqDigest,
				"zenml.serverURL":                       "https://ws-1.ml.example.com",
				"zenml.database.url":                    "mysql://zenml_ws_1@mysql.internal.example.com:3306/zenml_ws_1",
				"zenml.database.passwordSecretRef.name": "zenml-ws-1-db",
				"zenml.database.sslCa.secretRef.key":    "ca.crt",
				"zenml.ingress.tls.secretName":          "zenml-tls",
				"zenml.pro.apiURL":                      "https://zenml.ml.example.com/api/v1",
				"zenml.pro.organizationID":              "0f4c5a2e-0000-4000-8000-000000000001",
				// Chart 0.93.2 reads no secret reference for the enrollment key (helm_sensitive_values has it).
			}, "external", "password:", "enrollmentKey", "server:")),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("control_plane_helm_values"), yamlHas(map[string]any{
				"zenml.image.api.repository":   "harbor.internal.example.com/zenml/zenml-pro-api",
				"zenml.image.dashboard.tag":    "0.13.0",
				"zenml.serverURL":              "https://zenml.ml.example.com",
				"zenml.database.external.type": "postgres",
				"zenml.database.external.host": "pg.internal.example.com",
				"zenml.ingress.host":           "zenml.ml.example.com",
				"zenml.auth.authCookieDomain":  "ml.example.com",
				"zenml.auth.sso.clientID":      "zenml-pro",
			}, "port:", "password:", "clientSecret:")),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("helm_sensitive_values"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"chart": knownvalue.StringExact("zenml-pro"), "key": knownvalue.StringExact("zenml.auth.sso.clientSecret")}),
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"chart": knownvalue.StringExact("zenml-pro"), "key": knownvalue.StringExact("zenml.database.external.password")}),
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"chart": knownvalue.StringExact("zenml"), "workspace": knownvalue.StringExact("ws-1"),
					"key": knownvalue.StringExact("zenml.pro.enrollmentKey"), "purpose": knownvalue.StringRegexp(regexp.MustCompile(`"zenml-ws-1-enrollment", key "key"`))}),
			})),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("checklist"), knownvalue.SetPartial([]knownvalue.Check{
				checklistRow("Versions", "Control Plane Helm values: keys verified for chart zenml-pro 0.13.0", "ok"),
				checklistRow("Versions", `Workspace "ws-1" Helm values: keys verified for chart zenml 0.93.2`, "ok"),
			})),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("network_flows"), knownvalue.SetPartial([]knownvalue.Check{
				knownvalue.ObjectExact(map[string]knownvalue.Check{"from": knownvalue.StringExact("workspace_server.ws-1"), "to": knownvalue.StringExact("mysql.internal.example.com"),
					"port": knownvalue.Int64Exact(3306), "protocol": knownvalue.StringExact("tcp"), "purpose": knownvalue.NotNull()}),
				knownvalue.ObjectExact(map[string]knownvalue.Check{"from": knownvalue.StringExact("control_plane_api"), "to": knownvalue.StringExact("pg.internal.example.com"),
					"port": knownvalue.Int64Exact(5432), "protocol": knownvalue.StringExact("tcp"), "purpose": knownvalue.NotNull()}),
				knownvalue.ObjectExact(map[string]knownvalue.Check{"from": knownvalue.StringExact("kubernetes_nodes"), "to": knownvalue.StringExact("harbor.internal.example.com"),
					"port": knownvalue.Int64Exact(443), "protocol": knownvalue.StringExact("tcp"), "purpose": knownvalue.NotNull()}),
			})),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("images"), knownvalue.ListPartial(map[int]knownvalue.Check{
				2: knownvalue.ObjectPartial(map[string]knownvalue.Check{"component": knownvalue.StringExact("workspace_server"),
					"digest": knownvalue.StringExact(prereqDigest), "workspaces": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("ws-1")})}),
			})),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("pulled_by"), knownvalue.StringRegexp(regexp.MustCompile("node group's IAM role"))),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("report_markdown"), knownvalue.StringRegexp(regexp.MustCompile(
				`(?s)Ready: \*\*yes\*\*.*`+regexp.QuoteMeta(prereqDigest)+`.*### Control Plane, chart zenml-pro 0\.13\.0.*zenml\.database\.external\.password.*`+
					`### Workspace "ws-1", chart zenml 0\.93\.2.*\| `+"`zenml.database.passwordSecretRef`"+` \| zenml-io/zenml pull request #3320`))),
		},
	}})
}

// A Workspace Server chart of 0.94.2 or later takes its settings under server: (the chart's changelog
// of 0.94.2), and zenml: must not be set beside it (zenml: would win).
func TestAccPrerequisitesServerKey(t *testing.T) {
	chain, ca := prereqFixture(t, 365)
	testAccSteps(t, []resource.TestStep{{
		Config: prereqConfig(chain, ca, `version = "0.93.2"`, `version = "0.94.2"`, `control_plane = {
    version = "0.13.0"`, `control_plane = {
    version = "0.13.18"`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("workspace_helm_values").AtMapKey("ws-1"), yamlHas(map[string]any{
				"server.image.tag":   "0.94.2",
				"server.serverURL":   "https://ws-1.ml.example.com",
				"server.pro.enabled": true,
			}, "zenml:")),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("checklist"), knownvalue.SetPartial([]knownvalue.Check{
				checklistRow("Versions", `Workspace "ws-1" Helm values: keys verified for chart zenml 0.94.2`, "ok"),
				checklistRow("Versions", "Control Plane Helm values: keys verified for chart zenml-pro 0.13.18", "ok"),
			})),
		},
	}})
}

func TestAccPrerequisitesNotReady(t *testing.T) {
	chain, ca := prereqFixture(t, 365)
	short, shortCA := prereqFixture(t, 10)
	testAccSteps(t, []resource.TestStep{
		{
			// The default on_not_ready = "error" fails the plan and names every fail and missing row.
			Config: prereqConfig(chain, ca, `kubernetes_version = "1.29"`, `kubernetes_version = "1.23"`,
				`client_id                   = "zenml-pro"`, ``,
				`host    = "ws-1.ml.example.com"`, `host    = "ws-1.other.example.net"`),
			ExpectError: regexp.MustCompile(`(?s)ZenML Pro Prerequisites Not Ready.*fail: Deployment / Kubernetes version: Kubernetes 1.23 is older.*` +
				`fail: TLS certificates / Covers ws-1.other.example.net.*missing: SSO / Client ID`),
		},
		{
			// With on_not_ready = "warn" every output is set and the rows say what is wrong.
			Config: prereqConfig(chain, ca, `kubernetes_version = "1.29"`, `kubernetes_version = "1.23"
  on_not_ready       = "warn"`,
				`client_id                   = "zenml-pro"`, ``,
				`host    = "ws-1.ml.example.com"`, `host    = "ws-1.other.example.net"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("ready"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("checklist"), knownvalue.SetPartial([]knownvalue.Check{
					checklistRow("Deployment", "Kubernetes version", "fail"),
					checklistRow("TLS certificates", "Covers ws-1.other.example.net", "fail"),
					checklistRow("TLS certificates", "Covers zenml.ml.example.com", "ok"),
					checklistRow("SSO", "Client ID", "missing"),
				})),
				statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("report_markdown"), knownvalue.StringRegexp(regexp.MustCompile(
					`(?s)Ready: \*\*no\*\*.*\*\*fail\*\* Deployment / Kubernetes version`))),
			},
		},
		{
			// A certificate that expires within min_remaining_days: fail by default, warn when configured.
			Config:      prereqConfig(short, shortCA),
			ExpectError: regexp.MustCompile(`(?s)fail: TLS certificates / Validity`),
		},
		{
			Config: prereqConfig(short, shortCA, `management            = "manual"`, `management            = "manual"
    on_expiring           = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("ready"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("checklist"), knownvalue.SetPartial([]knownvalue.Check{
					checklistRow("TLS certificates", "Validity", "warn"),
				})),
			},
		},
	})
}

func TestAccPrerequisitesNothingDecided(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config: `data "zenmlpro_prerequisites" "test" { on_not_ready = "warn" }`,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("ready"), knownvalue.Bool(false)),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("control_plane_helm_values"), knownvalue.Null()),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("workspace_helm_values"), knownvalue.MapExact(map[string]knownvalue.Check{})),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("checklist"), knownvalue.SetPartial([]knownvalue.Check{
				checklistRow("Deployment", "Deployment scenario", "missing"),
				checklistRow("Deployment", "Kubernetes version", "missing"),
				checklistRow("Versions", "Control Plane version", "missing"),
				checklistRow("Databases", "Control Plane database: connection", "missing"),
				checklistRow("TLS certificates", "Certificate management", "missing"),
				checklistRow("Container registry", "Image source", "missing"),
			})),
		},
	}})
}

func TestAccPrerequisitesHybrid(t *testing.T) {
	chain, ca := prereqFixture(t, 365)
	cfg := fmt.Sprintf(`
data "zenmlpro_prerequisites" "test" {
  scenario           = "hybrid"
  kubernetes_version = "1.30"
  control_plane      = { version = "0.13.0" }
  workspaces = {
    "ws-1" = {
      version  = "0.93.2"
      host     = "ws-1.ml.example.com"
      database = { engine = "mysql", host = "mysql.internal.example.com", name = "zenml_ws_1", username = "zenml_ws_1", tls_mode = "verify_full" }
      workspace_id          = "0f4c5a2e-0000-4000-8000-000000000002"
      organization_id       = "0f4c5a2e-0000-4000-8000-000000000001"
      organization_name     = "acme"
      enrollment_key_secret = { name = "zenml-ws-1-enrollment", key = "key" }
    }
  }
  tls = {
    certificate_chain_pem = file(%q)
    ca_certificate_pem    = file(%q)
    management            = "manual"
  }
  registry = {
    image_source = "zenml_aws"
    auth_method  = "aws_iam_role"
    principal    = "arn:aws:iam::123456789012:role/zenml-pro-irsa"
    workload     = "eks_irsa"
  }
  on_not_ready = "warn"
}
`, chain, ca)
	testAccSteps(t, []resource.TestStep{{
		Config: cfg,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("ready"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("control_plane_helm_values"), knownvalue.Null()),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("checklist"), knownvalue.SetPartial([]knownvalue.Check{
				checklistRow("Databases", "Control Plane database", "not_applicable"),
				checklistRow("DNS and hostnames", "Web UI host", "not_applicable"),
				checklistRow("SSO", "Single sign-on", "not_applicable"),
				// The IRSA role is a pod identity: the kubelet pulls with the node's role.
				checklistRow("Container registry", "Identity that pulls images", "warn"),
			})),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("workspace_helm_values").AtMapKey("ws-1"), yamlHas(map[string]any{
				"zenml.pro.apiURL":       "https://cloudapi.zenml.io",
				"zenml.pro.dashboardURL": "https://cloud.zenml.io",
				"zenml.image.repository": "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server",
			})),
			statecheck.ExpectKnownValue(prereqAddress, tfjsonpath.New("network_flows"), knownvalue.SetPartial([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"from": knownvalue.StringExact("workspace_server.ws-1"),
					"to": knownvalue.StringExact("cloudapi.zenml.io"), "port": knownvalue.Int64Exact(443)}),
			})),
		},
	}})
}

func TestAccPrerequisitesInvalidInput(t *testing.T) {
	for _, tc := range []struct{ name, cfg, want string }{
		{"scenario", `scenario = "saas"`, `(?s)scenario.*value must be one of`},
		{"kubernetes version", `kubernetes_version = "latest"`, `(?s)Invalid Kubernetes Version.*e\.g\. "1\.29"`},
		{"version", `control_plane = { version = "latest" }`, `(?s)control_plane\.version.*latest`},
		{"management", `tls = { management = "letsencrypt" }`, `(?s)tls\.management.*value must be one of`},
		{"secret name", `workspaces = { a = { enrollment_key_secret = { name = "Bad_Name", key = "k" } } }`, `(?s)Invalid Kubernetes Secret Name.*Bad_Name`},
		{"digest", `registry = { digests = { "a/b:1.0.0" = "sha256:123" } }`, `(?s)registry\.digests.*sha256`},
		{"private key", `tls = { certificate_chain_pem = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n" }`, `(?s)tls\.certificate_chain_pem.*private key`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testAccSteps(t, []resource.TestStep{{
				Config:      `data "zenmlpro_prerequisites" "test" {` + "\n" + tc.cfg + "\n}",
				ExpectError: regexp.MustCompile(tc.want),
			}})
		})
	}
}

// The documentation's example runs as written.
func TestAccPrerequisites_example(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config: testAccExample(t, "data-sources/zenmlpro_prerequisites/data-source.tf"),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("ready", knownvalue.Bool(false)),
			statecheck.ExpectKnownOutputValue("open_items", knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"section": knownvalue.StringExact("SSO"), "item": knownvalue.StringExact("Client ID"),
					"status": knownvalue.StringExact("missing")}),
			})),
			statecheck.ExpectKnownOutputValue("set_sensitive", knownvalue.ListExact([]knownvalue.Check{
				knownvalue.StringExact("zenml.auth.sso.clientSecret"), knownvalue.StringExact("zenml.database.external.password"),
				// Chart 0.93.2 reads the enrollment key from no secret.
				knownvalue.StringExact("zenml.pro.enrollmentKey"),
			})),
			statecheck.ExpectKnownOutputValue("workspace_1_values", yamlHas(map[string]any{
				"zenml.image.repository":                "123456789012.dkr.ecr.eu-central-1.amazonaws.com/zenml/zenml-pro-server",
				"zenml.ingress.tls.secretName":          "zenml-tls",
				"zenml.database.passwordSecretRef.name": "zenml-workspace-1-db",
			})),
			statecheck.ExpectKnownOutputValue("network_flows", knownvalue.SetPartial([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"from": knownvalue.StringExact("workspace_server.workspace-1"),
					"to": knownvalue.StringExact("zenml-workspaces.abc123.eu-central-1.rds.amazonaws.com"), "port": knownvalue.Int64Exact(3306)}),
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"from": knownvalue.StringExact("kubernetes_nodes"),
					"to": knownvalue.StringExact("123456789012.dkr.ecr.eu-central-1.amazonaws.com"), "port": knownvalue.Int64Exact(443)}),
			})),
		},
	}})
}
