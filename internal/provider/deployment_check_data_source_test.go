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
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/cpfake"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

const (
	deployCheckAddress = "data.zenmlpro_deployment_check.test"
	deployWorkspaceID  = "0f4c5a2e-0000-4000-8000-000000000002"
	deployOrgID        = "0f4c5a2e-0000-4000-8000-000000000001"
)

// deployCheckSteps runs steps against the real Terraform CLI with the provider in process.
func deployCheckSteps(t *testing.T, steps []tfresource.TestStep) {
	t.Helper()
	testAccSteps(t, steps)
}

// deployRow matches a checklist row by section, item and status, and its detail by phrases in order
// (as Terraform may wrap them), when given.
func deployRow(section, item, status string, detail ...string) knownvalue.Check {
	m := map[string]knownvalue.Check{
		"section": knownvalue.StringExact(section), "item": knownvalue.StringExact(item), "status": knownvalue.StringExact(status)}
	if len(detail) > 0 {
		m["detail"] = knownvalue.StringRegexp(wrapped(detail...))
	}
	return knownvalue.ObjectPartial(m)
}

func deployState(p tfjsonpath.Path, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(deployCheckAddress, p, v)
}

func deployRows(rows ...knownvalue.Check) statecheck.StateCheck {
	return deployState(tfjsonpath.New("checklist"), knownvalue.SetPartial(rows))
}

func deployServer(key string, attrs map[string]knownvalue.Check) statecheck.StateCheck {
	return deployState(tfjsonpath.New("servers").AtMapKey(key), knownvalue.ObjectPartial(attrs))
}

// deployWorkspace starts a workspace server at version that reports its own URL, the Control Plane at
// cpURL and the test's workspace and organization IDs; with a certificate, it serves HTTPS at localhost.
func deployWorkspace(t *testing.T, cpURL, version string, certPEM, keyPEM []byte) *cpfake.WorkspaceServer {
	t.Helper()
	opts := cpfake.WorkspaceServerOptions{Info: cpfake.NewServerInfo("ws-1", version), TLSCertPEM: certPEM, TLSKeyPEM: keyPEM}
	if certPEM != nil {
		opts.Listen = "localhost:0"
	}
	ws := cpfake.StartWorkspaceServer(t, opts)
	info := ws.Info()
	info.ServerURL, info.ProAPIURL = cpfake.String(ws.URL()), cpfake.String(cpURL+"/api/v1")
	info.ProWorkspaceID, info.ProOrganizationID = cpfake.String(deployWorkspaceID), cpfake.String(deployOrgID)
	ws.SetInfo(info)
	return ws
}

// deployConfig is a check of the Control Plane at cpURL (none when empty) and the workspace "ws-1" at
// wsURL declared at version 0.93.2 with the test's IDs; extra goes inside the block.
func deployConfig(cpURL, wsURL, extra string) string {
	cp := ""
	if cpURL != "" {
		cp = fmt.Sprintf("  control_plane = { url = %q, version = \"0.13.0\" }\n", cpURL)
	}
	return fmt.Sprintf(`
data "zenmlpro_deployment_check" "test" {
%s  workspaces = {
    "ws-1" = {
      url             = %q
      version         = "0.93.2"
      workspace_id    = %q
      organization_id = %q
    }
  }
%s
}
`, cp, wsURL, deployWorkspaceID, deployOrgID, extra)
}

// TestAccDeploymentCheck_healthy: a Control Plane and a workspace server that run what was declared
// give ok = true, every row ok (or not_applicable for the Control Plane's version, which no endpoint
// reports), the servers' answers and a report that says so.
func TestAccDeploymentCheck_healthy(t *testing.T) {
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{})
	ws := deployWorkspace(t, cp.URL(), "0.93.2", nil, nil)
	ws1 := `Workspace "ws-1"`
	deployCheckSteps(t, []tfresource.TestStep{{
		Config: deployConfig(cp.URL(), ws.URL()+"/", ""),
		ConfigStateChecks: []statecheck.StateCheck{
			deployState(tfjsonpath.New("ok"), knownvalue.Bool(true)),
			deployState(tfjsonpath.New("checklist"), knownvalue.ListSizeExact(13)),
			deployRows(
				deployRow("Control Plane", "Reachable", "ok", "GET "+cp.URL()+"/health answered 2xx"),
				deployRow("Control Plane", "TLS", "not_applicable", "plain http to the loopback host"),
				deployRow("Control Plane", "Version", "not_applicable", "no public endpoint of the Control Plane reports its version", "0.13.0"),
				deployRow(ws1, "Reachable", "ok"),
				deployRow(ws1, "Server information", "ok", "ZenML 0.93.2"),
				deployRow(ws1, "Version", "ok", "runs 0.93.2, as declared"),
				deployRow(ws1, "Deployment type", "ok", `"cloud"`),
				deployRow(ws1, "Compatibility with the Control Plane", "ok", "pass: release order"),
				deployRow(ws1, "Workspace ID", "ok", deployWorkspaceID),
				deployRow(ws1, "Organization ID", "ok", deployOrgID),
				deployRow(ws1, "Server URL", "ok"),
				deployRow(ws1, "Pro API URL", "ok", cp.URL()+"/api/v1"),
			),
			deployServer("ws-1", map[string]knownvalue.Check{
				"url": knownvalue.StringExact(ws.URL()), "reachable": knownvalue.Bool(true), "tls_verified": knownvalue.Null(),
				"version": knownvalue.StringExact("0.93.2"), "deployment_type": knownvalue.StringExact("cloud"),
				"workspace_id": knownvalue.StringExact(deployWorkspaceID), "organization_id": knownvalue.StringExact(deployOrgID),
				"pro_api_url": knownvalue.StringExact(cp.URL() + "/api/v1"), "error": knownvalue.Null(),
			}),
			deployServer("control_plane", map[string]knownvalue.Check{
				"url": knownvalue.StringExact(cp.URL()), "reachable": knownvalue.Bool(true), "version": knownvalue.Null(), "error": knownvalue.Null(),
			}),
			deployState(tfjsonpath.New("report_markdown"), knownvalue.StringRegexp(regexp.MustCompile(
				`(?s)As declared: \*\*yes\*\*.*Nothing: every check passed\..*### Workspace "ws-1"`))),
		},
	}})
	if ws.Requests(http.MethodGet, "/api/v1/info") == 0 || cp.Requests(http.MethodGet, "/health") == 0 {
		t.Error("the servers were not read")
	}
}

// A workspace server that runs another version than the one declared: the default on_failure =
// "error" fails the read naming both versions; with "warn" the outputs say it, and compatibility is
// judged with the version that runs.
func TestAccDeploymentCheck_versionMismatch(t *testing.T) {
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{})
	ws := deployWorkspace(t, cp.URL(), "0.94.0", nil, nil)
	ws1 := `Workspace "ws-1"`
	deployCheckSteps(t, []tfresource.TestStep{
		{
			Config: deployConfig(cp.URL(), ws.URL(), ""),
			ExpectError: wrapped("ZenML Pro Deployment Check Failed", "2 check(s) failed",
				`Workspace "ws-1" / Version: runs 0.94.0, but 0.93.2 is declared (workspaces["ws-1"].version)`,
				`Workspace "ws-1" / Compatibility with the Control Plane: Workspace Server 0.94.0 (what the server reports) with Control Plane 0.13.0`,
				`set on_failure = "warn"`),
		},
		{
			Config: deployConfig(cp.URL(), ws.URL(), `  on_failure = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				deployState(tfjsonpath.New("ok"), knownvalue.Bool(false)),
				deployRows(
					deployRow(ws1, "Version", "fail", "runs 0.94.0, but 0.93.2 is declared"),
					deployRow(ws1, "Compatibility with the Control Plane", "fail", "fail: release order: Control Plane 0.13.0", "is older than Workspace Server 0.94.0"),
					deployRow(ws1, "Workspace ID", "ok"),
				),
				deployServer("ws-1", map[string]knownvalue.Check{"version": knownvalue.StringExact("0.94.0")}),
				deployState(tfjsonpath.New("report_markdown"), knownvalue.StringRegexp(regexp.MustCompile(
					`(?s)As declared: \*\*no\*\*.*\*\*fail\*\* Workspace "ws-1" / Version: runs 0\.94\.0`))),
			},
		},
	})
}

// A workspace server enrolled as another workspace, and pointing at another Control Plane.
func TestAccDeploymentCheck_enrollmentMismatch(t *testing.T) {
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{})
	ws := deployWorkspace(t, cp.URL(), "0.93.2", nil, nil)
	other := "0f4c5a2e-0000-4000-8000-0000000000ff"
	info := ws.Info()
	info.ProWorkspaceID = cpfake.String(other)
	info.ProAPIURL = cpfake.String("https://zenml.other.example.com/api/v1")
	info.ServerURL = cpfake.String("https://zenml-workspace-9.ml.example.com")
	ws.SetInfo(info)
	ws1 := `Workspace "ws-1"`
	deployCheckSteps(t, []tfresource.TestStep{
		{
			Config: deployConfig(cp.URL(), ws.URL(), ""),
			ExpectError: wrapped(`Workspace "ws-1" / Workspace ID: the server reports pro_workspace_id `+other+`, but `+deployWorkspaceID+` is declared`,
				`Workspace "ws-1" / Server URL: the server reports server_url https://zenml-workspace-9.ml.example.com, but the declared url is `+ws.URL(),
				`Workspace "ws-1" / Pro API URL: the server reports pro_api_url https://zenml.other.example.com/api/v1, but the declared Control Plane serves its API at `+cp.URL()+`/api/v1`),
		},
		{
			Config: deployConfig(cp.URL(), ws.URL(), `  on_failure = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				deployState(tfjsonpath.New("ok"), knownvalue.Bool(false)),
				deployRows(
					deployRow(ws1, "Workspace ID", "fail", other),
					deployRow(ws1, "Organization ID", "ok"),
					deployRow(ws1, "Version", "ok"),
				),
				deployServer("ws-1", map[string]knownvalue.Check{"workspace_id": knownvalue.StringExact(other)}),
			},
		},
	})
}

// A server that is down (a closed port) and a Control Plane whose /health answers 503 are rows, not
// crashes: fail rows with the reason, and the rows that depend on the answer missing.
func TestAccDeploymentCheck_serverDown(t *testing.T) {
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{})
	cp.FailNext(http.MethodGet, "/health", http.StatusServiceUnavailable, 1000)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	ws1 := `Workspace "ws-1"`
	deployCheckSteps(t, []tfresource.TestStep{
		{
			Config: deployConfig(cp.URL(), down, ""),
			ExpectError: wrapped("ZenML Pro Deployment Check Failed",
				"Control Plane / Reachable: GET "+cp.URL()+"/health answered HTTP 503 Service Unavailable",
				`Workspace "ws-1" / Reachable: GET `+down+"/health: no connection to "+strings.TrimPrefix(down, "http://"),
				"other check(s) could not be judged because of them (status missing)"),
		},
		{
			Config: deployConfig(cp.URL(), down, `  on_failure = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				deployState(tfjsonpath.New("ok"), knownvalue.Bool(false)),
				deployRows(
					deployRow("Control Plane", "Reachable", "fail", "HTTP 503 Service Unavailable", "does not report itself healthy"),
					deployRow(ws1, "Reachable", "fail", "connection refused"),
					deployRow(ws1, "Server information", "missing", "got no answer"),
					deployRow(ws1, "Version", "missing", "could not be read", "0.93.2 is declared"),
				),
				deployServer("ws-1", map[string]knownvalue.Check{
					"reachable": knownvalue.Bool(false), "version": knownvalue.Null(),
					"error": knownvalue.StringRegexp(regexp.MustCompile(`no connection to 127\.0\.0\.1:\d+`)),
				}),
				deployServer("control_plane", map[string]knownvalue.Check{
					"reachable": knownvalue.Bool(false), "error": knownvalue.StringRegexp(regexp.MustCompile(`HTTP 503`)),
				}),
			},
		},
	})
}

// deployTLS makes a CA and a certificate for localhost and 127.0.0.1 signed by it, and writes the CA to
// a file: the CA's file, the certificate and its key in PEM.
func deployTLS(t *testing.T) (caFile string, certPEM, keyPEM []byte) {
	t.Helper()
	now := time.Now()
	ca := testcert.New(t, testcert.Spec{CommonName: "Deployment Check Test CA", Organization: "Example Corp", CA: true,
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, nil)
	leaf := testcert.New(t, testcert.Spec{CommonName: "localhost", DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 3, 0)}, ca)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte(ca.PEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return caFile, []byte(leaf.PEM), leaf.KeyPEM(t)
}

// Servers with a certificate of a private CA: verified with ca_certificate_pem, refused without it
// (the system's CAs do not know it), whatever on_failure says about the rest.
func TestAccDeploymentCheck_TLS(t *testing.T) {
	caFile, certPEM, keyPEM := deployTLS(t)
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{TLSCertPEM: certPEM, TLSKeyPEM: keyPEM, Listen: "localhost:0"})
	ws := deployWorkspace(t, cp.URL(), "0.93.2", certPEM, keyPEM)
	if !strings.HasPrefix(ws.URL(), "https://localhost:") || !strings.HasPrefix(cp.URL(), "https://localhost:") {
		t.Fatalf("the servers serve %s and %s", cp.URL(), ws.URL())
	}
	ws1 := `Workspace "ws-1"`
	withCA := fmt.Sprintf("  ca_certificate_pem = file(%q)", caFile)
	deployCheckSteps(t, []tfresource.TestStep{
		{
			Config: deployConfig(cp.URL(), ws.URL(), withCA),
			ConfigStateChecks: []statecheck.StateCheck{
				deployState(tfjsonpath.New("ok"), knownvalue.Bool(true)),
				deployRows(
					deployRow("Control Plane", "TLS", "ok", `issued by "CN=Deployment Check Test CA,O=Example Corp", is valid for localhost`,
						"trusted by the system's CAs and ca_certificate_pem"),
					deployRow(ws1, "TLS", "ok", "valid for localhost"),
				),
				deployServer("ws-1", map[string]knownvalue.Check{"tls_verified": knownvalue.Bool(true), "reachable": knownvalue.Bool(true)}),
				deployServer("control_plane", map[string]knownvalue.Check{"tls_verified": knownvalue.Bool(true)}),
			},
		},
		{
			Config: deployConfig(cp.URL(), ws.URL(), ""),
			ExpectError: wrapped("Control Plane / TLS: TLS: the certificate of " + strings.TrimPrefix(cp.URL(), "https://") +
				" is not signed by a trusted CA (give the deployment's CA as ca_certificate_pem)"),
		},
		{
			Config: deployConfig(cp.URL(), ws.URL(), `  on_failure = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				deployState(tfjsonpath.New("ok"), knownvalue.Bool(false)),
				deployRows(
					deployRow(ws1, "TLS", "fail", "not signed by a trusted CA"),
					deployRow(ws1, "Reachable", "fail", "TLS:"),
				),
				deployServer("ws-1", map[string]knownvalue.Check{"tls_verified": knownvalue.Bool(false), "reachable": knownvalue.Bool(false)}),
			},
		},
	})
}

// A workspace server that accepts the connection and never answers is cut by timeouts.read: a fail
// row naming the limit within seconds, while the Control Plane, read at the same time, is ok.
func TestAccDeploymentCheck_timeout(t *testing.T) {
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{})
	ws := deployWorkspace(t, cp.URL(), "0.93.2", nil, nil)
	ws.SetDelay(http.MethodGet, "/health", 10*time.Minute)
	start := time.Now()
	deployCheckSteps(t, []tfresource.TestStep{
		{
			Config:      deployConfig(cp.URL(), ws.URL(), `  timeouts = { read = "2s" }`),
			ExpectError: wrapped(`Workspace "ws-1" / Reachable: GET `+ws.URL()+`/health: no answer from`, "within the 2s read timeout (timeouts.read)"),
		},
		{
			Config: deployConfig(cp.URL(), ws.URL(), `  timeouts = { read = "2s" }
  on_failure = "warn"`),
			ConfigStateChecks: []statecheck.StateCheck{
				deployRows(
					deployRow("Control Plane", "Reachable", "ok"),
					deployRow(`Workspace "ws-1"`, "Reachable", "fail", "within the 2s read timeout (timeouts.read): raise timeouts.read"),
				),
				deployServer("ws-1", map[string]knownvalue.Check{"reachable": knownvalue.Bool(false)}),
			},
		},
	})
	// Each step reads the data source a few times, each read within the 2s limit (plus the CLI's own
	// time); a read that waited for the server would take 10 minutes.
	if took := time.Since(start); took > 40*time.Second {
		t.Errorf("the steps took %s with timeouts.read = 2s", took)
	}
	if ws.Requests(http.MethodGet, "/health") == 0 {
		t.Error("the workspace server was not asked")
	}
}

// Invalid arguments fail `terraform validate`, before any server is read, with the attribute, the rule
// and a valid example.
func TestAccDeploymentCheck_invalidInput(t *testing.T) {
	deployCheckSteps(t, []tfresource.TestStep{
		{
			Config:      deployConfig("http://zenml.ml.example.com", "https://zenml-workspace-1.ml.example.com", ""),
			PlanOnly:    true,
			ExpectError: wrapped("Invalid Server URL", `Attribute control_plane.url: "http://zenml.ml.example.com" is plain http`, `url = "https://zenml.ml.example.com"`),
		},
		{
			Config: `
data "zenmlpro_deployment_check" "test" {
  workspaces = { "Workspace_1" = { url = "https://zenml-workspace-1.ml.example.com" } }
}
`,
			PlanOnly: true,
			ExpectError: wrapped("Invalid Workspace Key", `Attribute workspaces["Workspace_1"]: "Workspace_1" is not a workspace name`,
				"rule: lowercase letters, digits and hyphens"),
		},
		{
			Config: `
data "zenmlpro_deployment_check" "test" {
  workspaces = { "workspace-1" = { url = "https://zenml-workspace-1.ml.example.com", workspace_id = "workspace-1" } }
}
`,
			PlanOnly: true,
			ExpectError: wrapped("Invalid Workspace ID", `Attribute workspaces["workspace-1"].workspace_id: "workspace-1" is not a UUID`,
				`workspace_id = "`+controlplane.ExampleWorkspaceID+`"`),
		},
		{
			Config:      `data "zenmlpro_deployment_check" "test" {}`,
			PlanOnly:    true,
			ExpectError: wrapped("Nothing to Check", "Neither control_plane nor a workspace is given"),
		},
	})
}

// deployConfigValue is a configuration as Terraform sends it for validation: control_plane and the
// workspace "ws-1" with the attributes given (the others null), plus root attributes.
func deployConfigValue(t *testing.T, cp, ws map[string]string, root map[string]string) map[string]tftypes.Value {
	t.Helper()
	_, typ := testDataSourceType(t, NewDeploymentCheckDataSource())
	object := func(ot tftypes.Object, vals map[string]string) tftypes.Value {
		if vals == nil {
			return tftypes.NewValue(ot, nil)
		}
		all := map[string]tftypes.Value{}
		for name, at := range ot.AttributeTypes {
			all[name] = tftypes.NewValue(at, nil)
		}
		for name, v := range vals {
			all[name] = tftypes.NewValue(tftypes.String, v)
		}
		return tftypes.NewValue(ot, all)
	}
	cpType, ok1 := typ.AttributeTypes["control_plane"].(tftypes.Object)
	wsMap, ok2 := typ.AttributeTypes["workspaces"].(tftypes.Map)
	wsType, ok3 := wsMap.ElementType.(tftypes.Object)
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("unexpected schema types: %v", typ)
	}
	out := map[string]tftypes.Value{"control_plane": object(cpType, cp), "workspaces": tftypes.NewValue(wsMap, nil)}
	if ws != nil {
		key := "ws-1"
		if k, ok := ws["(key)"]; ok {
			key = k
			delete(ws, "(key)")
		}
		out["workspaces"] = tftypes.NewValue(wsMap, map[string]tftypes.Value{key: object(wsType, ws)})
	}
	for name, v := range root {
		out[name] = tftypes.NewValue(tftypes.String, v)
	}
	return out
}

// TestDeploymentCheckDataSource_validate runs ValidateDataResourceConfig, the call behind `terraform
// validate`, on the registered data source: each error at its attribute with the rule and an example.
func TestDeploymentCheckDataSource_validate(t *testing.T) {
	_, _, keyPEM := deployTLS(t)
	okWS := map[string]string{"url": "https://zenml-workspace-1.ml.example.com"}
	cases := []struct {
		name    string
		cp, ws  map[string]string
		root    map[string]string
		want    string // "path | summary | detail phrase"; "" for none
		keyless bool
	}{
		{"valid", map[string]string{"url": "https://zenml.ml.example.com", "version": "0.13.0"},
			map[string]string{"url": "https://zenml-workspace-1.ml.example.com", "version": "0.93.2", "workspace_id": deployWorkspaceID,
				"organization_id": deployOrgID}, map[string]string{"on_failure": "warn"}, "", false},
		{"loopback http", map[string]string{"url": "http://127.0.0.1:8080"}, nil, nil, "", false},
		{"nothing", nil, nil, nil, "workspaces | Nothing to Check | Give e.g. control_plane = { url = \"https://zenml.ml.example.com\" }", false},
		{"plain http", map[string]string{"url": "http://zenml.ml.example.com"}, nil, nil,
			`control_plane.url | Invalid Server URL | Attribute control_plane.url: "http://zenml.ml.example.com" is plain http (rule: https`, false},
		{"api path", nil, map[string]string{"url": "https://zenml-workspace-1.ml.example.com/api/v1/"}, nil,
			`workspaces["ws-1"].url | Invalid Server URL | ends with the API path /api/v1 (rule: the server's base URL; /health and /api/v1 are found under it); give e.g. url = "https://zenml-workspace-1.ml.example.com"`, false},
		{"credentials", map[string]string{"url": "https://admin:s3cret@zenml.ml.example.com"}, nil, nil,
			`control_plane.url | Invalid Server URL | no credentials in a URL`, false},
		{"version", map[string]string{"url": "https://zenml.ml.example.com", "version": "v0.13.0"}, nil, nil,
			`control_plane.version | Invalid Version | ZenML versions carry no "v" prefix (write "0.13.0")`, false},
		{"workspace version", nil, map[string]string{"url": "https://zenml-workspace-1.ml.example.com", "version": "latest"}, nil,
			`workspaces["ws-1"].version | Invalid Version | a moving name such as "latest" cannot be checked`, false},
		{"workspace ID", nil, map[string]string{"url": "https://zenml-workspace-1.ml.example.com", "workspace_id": "workspace-1"}, nil,
			`workspaces["ws-1"].workspace_id | Invalid Workspace ID | "workspace-1" is not a UUID (rule: 32 hexadecimal digits in groups of 8-4-4-4-12`, false},
		{"organization ID", nil, map[string]string{"url": "https://zenml-workspace-1.ml.example.com", "organization_id": "acme"}, nil,
			`workspaces["ws-1"].organization_id | Invalid Organization ID | e.g. organization_id = "` + controlplane.ExampleOrganizationID + `"`, false},
		{"key", nil, map[string]string{"(key)": "WS 1", "url": "https://zenml-workspace-1.ml.example.com"}, nil,
			`workspaces["WS 1"] | Invalid Workspace Key | rule: lowercase letters, digits and hyphens`, false},
		{"key as CA", nil, okWS, map[string]string{"ca_certificate_pem": string(keyPEM)},
			`ca_certificate_pem | Private Key Instead of Certificate | Attribute ca_certificate_pem: the value holds a private key`, true},
		{"not PEM", nil, okWS, map[string]string{"ca_certificate_pem": "zenml-ca"},
			`ca_certificate_pem | Invalid PEM Certificate | ca_certificate_pem = file("certs/zenml-ca.pem")`, false},
		{"mode", nil, okWS, map[string]string{"on_failure": "fail"},
			`on_failure | Invalid Attribute Value Match | value must be one of: ["error" "warn"], got: "fail"`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diags := testValidate(t, NewDeploymentCheckDataSource(), deployConfigValue(t, c.cp, c.ws, c.root))
			if c.want == "" {
				if len(diags) != 0 {
					t.Fatalf("unexpected diagnostics: %s | %s | %s", attributePathString(diags[0].Attribute), diags[0].Summary, diags[0].Detail)
				}
				return
			}
			if len(diags) != 1 {
				for _, d := range diags {
					t.Logf("%s | %s | %s", attributePathString(d.Attribute), d.Summary, d.Detail)
				}
				t.Fatalf("got %d diagnostics, want 1", len(diags))
			}
			d := diags[0]
			wantPath, rest, _ := strings.Cut(c.want, " | ")
			wantSummary, wantDetail, _ := strings.Cut(rest, " | ")
			if d.Severity != tfprotov6.DiagnosticSeverityError || attributePathString(d.Attribute) != wantPath || d.Summary != wantSummary ||
				!strings.Contains(d.Detail, wantDetail) {
				t.Errorf("diagnostic %s | %s | %s\nwant %s", attributePathString(d.Attribute), d.Summary, d.Detail, c.want)
			}
			if strings.Contains(d.Detail, "s3cret") {
				t.Errorf("the diagnostic repeats the password of the URL: %s", d.Detail)
			}
			if c.keyless {
				for _, line := range strings.Split(string(keyPEM), "\n") {
					if len(line) >= 8 && !strings.HasPrefix(line, "-----") && strings.Contains(d.Summary+d.Detail, line) {
						t.Errorf("the diagnostic repeats the private key: %q", line)
					}
				}
			}
		})
	}
}

// TestAccDeploymentCheck_example runs the example as written: its hosts reach a Control Plane and a
// workspace server on loopback that serve a certificate for them from a private CA, which the test
// writes to certs/zenml-ca.pem in Terraform's working directory.
func TestAccDeploymentCheck_example(t *testing.T) {
	now := time.Now()
	ca := testcert.New(t, testcert.Spec{CommonName: "Example Root CA", Organization: "Example Corp", CA: true,
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, nil)
	leaf := testcert.New(t, testcert.Spec{CommonName: "*.ml.example.com", DNSNames: []string{"*.ml.example.com"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 3, 0)}, ca)
	certPEM, keyPEM := []byte(leaf.PEM), leaf.KeyPEM(t)
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{TLSCertPEM: certPEM, TLSKeyPEM: keyPEM})
	info := cpfake.NewServerInfo("workspace-1", "0.93.2")
	info.ServerURL = cpfake.String("https://zenml-workspace-1.ml.example.com")
	info.ProAPIURL = cpfake.String("https://zenml.ml.example.com/api/v1")
	info.ProWorkspaceID = cpfake.String(controlplane.ExampleWorkspaceID)
	info.ProOrganizationID = cpfake.String(controlplane.ExampleOrganizationID)
	ws := cpfake.StartWorkspaceServer(t, cpfake.WorkspaceServerOptions{Info: info, TLSCertPEM: certPEM, TLSKeyPEM: keyPEM})
	routes := map[string]string{
		"zenml.ml.example.com:443":             strings.TrimPrefix(cp.URL(), "https://"),
		"zenml-workspace-1.ml.example.com:443": strings.TrimPrefix(ws.URL(), "https://"),
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := routes[addr]
		if !ok {
			return nil, fmt.Errorf("the test routes no connection to %s", addr)
		}
		return (&net.Dialer{}).DialContext(ctx, network, to)
	}
	base := t.TempDir()
	writeCA := func() {
		dirs, err := filepath.Glob(filepath.Join(base, "work*"))
		if err != nil || len(dirs) != 1 {
			t.Fatalf("the working directory under %s: %v %v", base, dirs, err)
		}
		certs := filepath.Join(dirs[0], "certs")
		if err := os.MkdirAll(certs, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(certs, "zenml-ca.pem"), []byte(ca.PEM), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tfresource.Test(t, tfresource.TestCase{
		PreCheck: func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"zenmlpro": providerserver.NewProtocol6WithError(&zenmlproProvider{version: "test", controlPlaneDial: dial}),
		},
		WorkingDir: base,
		Steps: []tfresource.TestStep{{
			PreConfig: writeCA,
			Config:    testAccExample(t, "data-sources/zenmlpro_deployment_check/data-source.tf"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("deployment_ok", knownvalue.Bool(true)),
				statecheck.ExpectKnownOutputValue("running_versions", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"control_plane": knownvalue.Null(), "workspace-1": knownvalue.StringExact("0.93.2"),
				})),
				statecheck.ExpectKnownOutputValue("problems", knownvalue.ObjectExact(map[string]knownvalue.Check{})),
				statecheck.ExpectKnownOutputValue("ci_report", knownvalue.StringRegexp(regexp.MustCompile(
					`(?s)As declared: \*\*yes\*\*.*\| workspace-1 \| https://zenml-workspace-1\.ml\.example\.com \| yes \| yes \| 0\.93\.2 \| cloud \|`))),
			},
		}},
	})
	if cp.Requests(http.MethodGet, "/health") == 0 || ws.Requests(http.MethodGet, "/api/v1/info") == 0 {
		t.Error("the example's hosts did not reach the servers")
	}
}

// TestDeploymentCheckDataSource_diagnostics reads the data source through the protocol to see what the
// testing library does not expose: with on_failure = "warn" a failed check is a warning (and the state
// is set), a warn row is a warning of its own; by default the failed check is the one error. Values
// that reach Read unchecked (known only at apply) are checked there, before any server is read.
func TestDeploymentCheckDataSource_diagnostics(t *testing.T) {
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{})
	cp.FailNext(http.MethodGet, "/health", http.StatusServiceUnavailable, 1000)
	ws := deployWorkspace(t, cp.URL(), "9.99.0", nil, nil)
	ds := NewDeploymentCheckDataSource()
	s, err := providerserver.NewProtocol6WithError(&zenmlproProvider{version: "test"})()
	if err != nil {
		t.Fatal(err)
	}
	read := func(t *testing.T, cpAttrs map[string]string, mode string) *tfprotov6.ReadDataSourceResponse {
		t.Helper()
		config := deployConfigValue(t, cpAttrs, map[string]string{"url": ws.URL()}, map[string]string{"on_failure": mode})
		resp, err := s.ReadDataSource(t.Context(), &tfprotov6.ReadDataSourceRequest{
			TypeName: "zenmlpro_deployment_check", Config: testConfigValue(t, ds, config)})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	diagnostics := func(resp *tfprotov6.ReadDataSourceResponse) []string {
		var out []string
		for _, d := range resp.Diagnostics {
			out = append(out, fmt.Sprintf("%v | %s | %s | %s", d.Severity, attributePathString(d.Attribute), d.Summary, d.Detail))
		}
		return out
	}
	cpAttrs := map[string]string{"url": cp.URL(), "version": "0.13.0"}

	t.Run("warn", func(t *testing.T) {
		got := diagnostics(read(t, cpAttrs, "warn"))
		want := []*regexp.Regexp{
			regexp.MustCompile(`(?s)^WARNING \|  \| ZenML Pro Deployment Check Failed \| 1 check\(s\) failed:\n- Control Plane / Reachable: .*HTTP 503.*` +
				`This is a warning because on_failure = "warn"\.$`),
			regexp.MustCompile(`^WARNING \|  \| ZenML Pro Deployment Check: Workspace "ws-1" / Compatibility with the Control Plane \| ` +
				`Workspace Server 9\.99\.0 \(what the server reports\) with Control Plane 0\.13\.0 \(declared\) cannot be judged: ` +
				`Workspace Server 9\.99\.0 is not in this provider's release catalog`),
		}
		if len(got) != len(want) {
			t.Fatalf("diagnostics:\n%s", strings.Join(got, "\n"))
		}
		for i, re := range want {
			if !re.MatchString(got[i]) {
				t.Errorf("diagnostic %d: %s\nwant %s", i, got[i], re)
			}
		}
	})
	t.Run("error", func(t *testing.T) {
		resp := read(t, cpAttrs, "error")
		got := diagnostics(resp)
		if len(got) != 1 || !strings.HasPrefix(got[0], "ERROR |  | ZenML Pro Deployment Check Failed | 1 check(s) failed:") {
			t.Fatalf("diagnostics:\n%s", strings.Join(got, "\n"))
		}
	})
	t.Run("unchecked input", func(t *testing.T) {
		before := cp.Requests("", "")
		got := diagnostics(read(t, map[string]string{"url": "http://zenml.ml.example.com", "version": "0.13"}, "warn"))
		want := []string{
			`ERROR | control_plane.url | Invalid Server URL | Attribute control_plane.url: "http://zenml.ml.example.com" is plain http`,
			`ERROR | control_plane.version | Invalid Version | Attribute control_plane.version: "0.13" is not an exact release version`,
		}
		if len(got) != len(want) {
			t.Fatalf("diagnostics:\n%s", strings.Join(got, "\n"))
		}
		for i, w := range want {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("diagnostic %d: %s\nwant %s...", i, got[i], w)
			}
		}
		if cp.Requests("", "") != before {
			t.Error("a server was read although the arguments are invalid")
		}
	})
}
