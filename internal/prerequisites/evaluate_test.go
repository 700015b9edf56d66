// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package prerequisites

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

const digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

// pki is a private CA with a wildcard certificate for *.ml.example.com valid for a year.
type pki struct{ ca, leaf *testcert.Cert }

func newPKI(t *testing.T, notAfter time.Time) pki {
	t.Helper()
	names := []string{"*.ml.example.com"}
	ca := testcert.New(t, testcert.Spec{CommonName: "Example Root CA", CA: true, NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(5, 0, 0)}, nil)
	leaf := testcert.New(t, testcert.Spec{CommonName: names[0], DNSNames: names, NotBefore: now.AddDate(0, -1, 0), NotAfter: notAfter}, ca)
	return pki{ca: ca, leaf: leaf}
}

// complete is a fully decided self-hosted deployment: every row should be ok or not applicable.
func complete(t *testing.T) Spec {
	p := newPKI(t, now.AddDate(1, 0, 0))
	days := 30
	return Spec{
		Scenario: "self_hosted", KubernetesVersion: "1.29", AirGapped: true,
		ControlPlane: &ControlPlane{
			Version: "0.13.0", Host: "zenml.ml.example.com",
			Database: &Database{Engine: "postgres", Host: "pg.internal.example.com", Name: "zenml_pro", Username: "zenml_pro", TLSMode: "verify_full"},
			SSO:      &SSO{Enabled: true, OIDCConfigurationEndpoint: "https://login.example.com/.well-known/openid-configuration", ClientID: "zenml-pro"},
		},
		Workspaces: map[string]Workspace{
			"ws-1": {
				Version: "0.93.2", Host: "ws-1.ml.example.com",
				Database:    &Database{Engine: "mysql", Host: "mysql.internal.example.com", Name: "zenml_ws_1", Username: "zenml_ws_1", TLSMode: "verify_full"},
				WorkspaceID: "0f4c5a2e-0000-4000-8000-000000000002", OrganizationID: "0f4c5a2e-0000-4000-8000-000000000001", OrganizationName: "acme",
				EnrollmentKeySecret: &checks.SecretRef{Name: "zenml-ws-1-enrollment", Key: "key"},
			},
		},
		TLS: &TLS{CertificateChainPEM: p.leaf.PEM, CACertificatePEM: p.ca.PEM, Management: ManagementManual, MinRemainingDays: &days},
		Registry: &Registry{ImageSource: "private", URL: "harbor.internal.example.com/zenml", AuthMethod: AuthAWSIAMRole,
			Principal: "arn:aws:iam::123456789012:role/zenml-pro-nodes", Workload: "eks_node_role",
			Digests: map[string]string{"harbor.internal.example.com/zenml/zenml-pro-server:0.93.2": digest}},
	}
}

// dig returns the value at a dotted path of a parsed YAML document; nil when the last key is absent.
func dig(t *testing.T, v any, path string) any {
	t.Helper()
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not a map", path, v)
		}
		v = m[p]
	}
	return v
}

func row(t *testing.T, res Result, section, item string) Row {
	t.Helper()
	for _, r := range res.Rows {
		if r.Section == section && r.Item == item {
			return r
		}
	}
	var have []string
	for _, r := range res.Rows {
		have = append(have, r.Section+" / "+r.Item)
	}
	t.Fatalf("no row %s / %s; rows:\n%s", section, item, strings.Join(have, "\n"))
	return Row{}
}

func wantStatus(t *testing.T, res Result, section, item string, want Status, detail ...string) {
	t.Helper()
	r := row(t, res, section, item)
	if r.Status != want {
		t.Errorf("%s / %s = %s (%s), want %s", section, item, r.Status, r.Detail, want)
	}
	for _, d := range detail {
		if !strings.Contains(r.Detail, d) {
			t.Errorf("%s / %s detail %q does not say %q", section, item, r.Detail, d)
		}
	}
}

func TestCompleteIsReady(t *testing.T) {
	res := Evaluate(complete(t), nil, now)
	// The one setting no values can carry: the Control Plane chart documents no shape for its CAs.
	const byHand = "Control Plane Helm values: settings to make by hand"
	for _, r := range res.Rows {
		if r.Status != OK && r.Status != NotApplicable && r.Item != byHand {
			t.Errorf("%s / %s = %s: %s", r.Section, r.Item, r.Status, r.Detail)
		}
	}
	wantStatus(t, res, SectionVersions, byHand, Warn, "zenml.certificates", "helm show values oci://public.ecr.aws/zenml/zenml-pro --version 0.13.0")
	wantStatus(t, res, SectionVersions, "Control Plane Helm values: keys verified for chart zenml-pro 0.13.0", OK, "keys, each read by chart zenml-pro 0.13.0")
	wantStatus(t, res, SectionVersions, `Workspace "ws-1" Helm values: keys verified for chart zenml 0.93.2`, OK)
	if !res.Ready {
		t.Error("Ready = false for a complete deployment")
	}
	if res.ControlPlaneValues == nil || len(res.WorkspaceValues) != 1 {
		t.Fatalf("values: control plane %v, workspaces %d", res.ControlPlaneValues, len(res.WorkspaceValues))
	}
	// The workspace values: parsed back, key by key.
	var ws map[string]any
	if err := yaml.Unmarshal([]byte(res.WorkspaceValues["ws-1"].YAML), &ws); err != nil {
		t.Fatal(err)
	}
	z := dig(t, ws, "zenml")
	checksOf := map[string]any{
		"serverURL":                       "https://ws-1.ml.example.com",
		"image.repository":                "harbor.internal.example.com/zenml/zenml-pro-server",
		"image.tag":                       "0.93.2@" + digest,
		"database.url":                    "mysql://zenml_ws_1@mysql.internal.example.com:3306/zenml_ws_1",
		"database.passwordSecretRef.name": "zenml-ws-1-db",
		"ingress.host":                    "ws-1.ml.example.com",
		"ingress.className":               "nginx",
		"ingress.tls.secretName":          "zenml-tls",
		"pro.apiURL":                      "https://zenml.ml.example.com/api/v1",
		"pro.dashboardURL":                "https://zenml.ml.example.com",
		"pro.workspaceName":               "ws-1",
	}
	for k, want := range checksOf {
		if cur := dig(t, z, k); cur != want {
			t.Errorf("workspace zenml.%s = %v, want %v", k, cur, want)
		}
	}
	if cas, ok := dig(t, z, "certificates.customCAs").([]any); !ok || len(cas) != 1 {
		t.Errorf("customCAs = %v", cas)
	}
	// Chart 0.93.2 reads the enrollment key from no secret: it is a key to set separately.
	if s := res.WorkspaceValues["ws-1"].Sensitive; len(s) != 1 || s[0].Key != "zenml.pro.enrollmentKey" {
		t.Errorf("workspace Sensitive = %+v, want zenml.pro.enrollmentKey", s)
	}
	// The Control Plane values.
	var cp map[string]any
	if err := yaml.Unmarshal([]byte(res.ControlPlaneValues.YAML), &cp); err != nil {
		t.Fatal(err)
	}
	zc := dig(t, cp, "zenml")
	if got := dig(t, zc, "auth.authCookieDomain"); got != "ml.example.com" {
		t.Errorf("authCookieDomain = %v", got)
	}
	if got := dig(t, zc, "database.external.type"); got != "postgres" {
		t.Errorf("database.external.type = %v", got)
	}
	if got := dig(t, zc, "ingress.host"); got != "zenml.ml.example.com" {
		t.Errorf("ingress.host = %v", got)
	}
	// Flows: the ones ZenML's page lists, with their ports.
	want := []Flow{
		{From: FromClients, To: "zenml.ml.example.com", Port: 443},
		{From: FromClients, To: "ws-1.ml.example.com", Port: 443},
		{From: FromControlPlaneUI, To: "zenml.ml.example.com", Port: 443},
		{From: WorkspaceEnd("ws-1"), To: "zenml.ml.example.com", Port: 443},
		{From: FromControlPlaneAPI, To: "pg.internal.example.com", Port: 5432},
		{From: WorkspaceEnd("ws-1"), To: "mysql.internal.example.com", Port: 3306},
		{From: FromKubernetesNodes, To: "harbor.internal.example.com", Port: 443},
		{From: FromControlPlaneAPI, To: "login.example.com", Port: 443},
	}
	if len(res.Flows) != len(want) {
		t.Errorf("%d flows, want %d: %+v", len(res.Flows), len(want), res.Flows)
	}
	for _, w := range want {
		found := false
		for _, f := range res.Flows {
			found = found || f.From == w.From && f.To == w.To && f.Port == w.Port && f.Protocol == "tcp" && f.Purpose != ""
		}
		if !found {
			t.Errorf("no flow %s -> %s:%d in %+v", w.From, w.To, w.Port, res.Flows)
		}
	}
	for _, f := range res.Flows {
		if strings.Contains(f.To, "zenml.io") || strings.Contains(f.To, "pkg.dev") {
			t.Errorf("an air-gapped deployment got a flow to ZenML: %+v", f)
		}
	}
	if !strings.Contains(res.Report, "Ready: **yes**") || !strings.Contains(res.Report, digest) {
		t.Errorf("report does not say ready or lacks the digest:\n%s", res.Report)
	}
	// Per chart: the keys emitted with their sources, the keys to set separately, the settings by hand.
	for _, want := range []string{
		"### Control Plane, chart zenml-pro 0.13.0", `### Workspace "ws-1", chart zenml 0.93.2`,
		"| `zenml.database.passwordSecretRef` | zenml-io/zenml pull request #3320",
		"- `zenml.pro.enrollmentKey`: the enrollment key, from the Kubernetes secret",
		"- `zenml.database.external.password`: the password of the database user",
		"To set by hand (no source shows a key this chart version reads for it):\n\n- `zenml.certificates`:",
	} {
		if !strings.Contains(res.Report, want) {
			t.Errorf("report lacks %q:\n%s", want, res.Report)
		}
	}
}

func TestNothingDecided(t *testing.T) {
	res := Evaluate(Spec{}, nil, now)
	if res.Ready {
		t.Error("Ready with nothing decided")
	}
	for _, item := range []struct{ section, item string }{
		{SectionDeployment, "Deployment scenario"},
		{SectionDeployment, "Kubernetes version"},
		{SectionVersions, "Control Plane version"},
		{SectionVersions, "Workspaces"},
		{SectionDatabases, "Control Plane database: connection"},
		{SectionDNS, "Web UI host"},
		{SectionTLS, "Certificate management"},
		{SectionTLS, "Certificate"},
		{SectionRegistry, "Image source"},
		{SectionRegistry, "Authentication method"},
	} {
		wantStatus(t, res, item.section, item.item, Missing)
	}
	if res.ControlPlaneValues != nil || len(res.WorkspaceValues) != 0 {
		t.Error("values rendered with nothing decided")
	}
	if !strings.Contains(res.Report, "Ready: **no**") {
		t.Errorf("report:\n%s", res.Report)
	}
}

func TestKubernetesVersion(t *testing.T) {
	for v, want := range map[string]Status{"1.23": Fail, "1.24": OK, "1.29": OK, "v1.30.2": OK, "1.9": Fail, "one": Fail, "": Missing} {
		s := complete(t)
		s.KubernetesVersion = v
		wantStatus(t, Evaluate(s, nil, now), SectionDeployment, "Kubernetes version", want)
	}
}

func TestSSOWithoutClientID(t *testing.T) {
	s := complete(t)
	s.ControlPlane.SSO.ClientID = ""
	res := Evaluate(s, nil, now)
	wantStatus(t, res, SectionSSO, "Client ID", Missing)
	if res.Ready {
		t.Error("Ready with SSO enabled and no client ID")
	}
	s.ControlPlane.SSO.OIDCConfigurationEndpoint = "http://login.example.com/"
	wantStatus(t, Evaluate(s, nil, now), SectionSSO, "OIDC configuration endpoint", Fail, "https")
	s.ControlPlane.SSO = nil
	res = Evaluate(s, nil, now)
	wantStatus(t, res, SectionSSO, "Single sign-on", OK, "adminPassword")
	keys := []string{}
	for _, k := range res.ControlPlaneValues.Sensitive {
		keys = append(keys, k.Key)
	}
	if strings.Join(keys, ",") != "zenml.auth.password.adminPassword,zenml.database.external.password" {
		t.Errorf("sensitive keys without SSO = %v", keys)
	}
}

func TestCertificateMustCoverEveryHost(t *testing.T) {
	s := complete(t)
	s.Workspaces["ws-2"] = Workspace{Version: "0.93.2", Host: "ws-2.example.net",
		Database: &Database{Engine: "mysql", Host: "mysql.internal.example.com", Name: "zenml_ws_2", Username: "zenml_ws_2", TLSMode: "verify_full"}}
	res := Evaluate(s, nil, now)
	wantStatus(t, res, SectionTLS, "Covers ws-2.example.net", Fail, "ws-2.example.net")
	wantStatus(t, res, SectionTLS, "Covers ws-1.ml.example.com", OK)
	wantStatus(t, res, SectionDNS, "Cookies and CORS", Warn)
	if res.Ready {
		t.Error("Ready with a host the certificate does not cover")
	}
	// Without a common parent domain, the Control Plane gets no cookie domain.
	var cp map[string]any
	_ = yaml.Unmarshal([]byte(res.ControlPlaneValues.YAML), &cp)
	if got := dig(t, cp, "zenml.auth.authCookieDomain"); got != nil {
		t.Error("authCookieDomain set for hosts without a common parent")
	}
}

func TestCertificateExpiry(t *testing.T) {
	for _, tc := range []struct {
		configured Status
		notAfter   time.Time
		want       Status
	}{
		{"", now.AddDate(0, 0, 10), Fail},
		{Warn, now.AddDate(0, 0, 10), Warn},
		{Fail, now.AddDate(0, 0, 10), Fail},
		{Warn, now.AddDate(0, 0, 40), OK},
	} {
		t.Run(fmt.Sprintf("%s-%s", tc.configured, tc.notAfter.Format("2006-01-02")), func(t *testing.T) {
			s := complete(t)
			p := newPKI(t, tc.notAfter)
			s.TLS.CertificateChainPEM, s.TLS.CACertificatePEM, s.TLS.ExpiringStatus = p.leaf.PEM, p.ca.PEM, tc.configured
			wantStatus(t, Evaluate(s, nil, now), SectionTLS, "Validity", tc.want)
		})
	}
}

func TestCertificateFromAnotherCA(t *testing.T) {
	s := complete(t)
	other := newPKI(t, now.AddDate(1, 0, 0))
	s.TLS.CACertificatePEM = other.ca.PEM
	wantStatus(t, Evaluate(s, nil, now), SectionTLS, "Chains to the CA", Fail)
}

func TestCertificateLeftToCertManager(t *testing.T) {
	s := complete(t)
	s.TLS = &TLS{Management: ManagementCertManager, SecretName: "zenml-cert"}
	res := Evaluate(s, nil, now)
	wantStatus(t, res, SectionTLS, "Certificate", NotApplicable)
	if !strings.Contains(res.WorkspaceValues["ws-1"].YAML, "secretName: zenml-cert") {
		t.Errorf("workspace values do not name the TLS secret:\n%s", res.WorkspaceValues["ws-1"].YAML)
	}
	s.TLS.Management = ManagementCloud
	res = Evaluate(s, nil, now)
	var ws map[string]any
	_ = yaml.Unmarshal([]byte(res.WorkspaceValues["ws-1"].YAML), &ws)
	if tls := dig(t, ws, "zenml.ingress.tls"); dig(t, tls, "enabled") != false {
		t.Errorf("ingress TLS enabled though the cloud's load balancer terminates TLS: %v", tls)
	}
}

func TestHybrid(t *testing.T) {
	s := complete(t)
	s.Scenario = "hybrid"
	s.AirGapped = false
	s.ControlPlane = &ControlPlane{Version: "0.13.0"}
	s.Registry = &Registry{ImageSource: "zenml_aws", AuthMethod: AuthAWSIAMRole, Principal: "arn:aws:iam::123456789012:role/zenml-pro-nodes", Workload: "eks_node_role"}
	res := Evaluate(s, nil, now)
	for _, item := range []struct{ section, item string }{
		{SectionDatabases, "Control Plane database"},
		{SectionDNS, "Web UI host"},
		{SectionDNS, "Control Plane API host"},
		{SectionSSO, "Single sign-on"},
	} {
		wantStatus(t, res, item.section, item.item, NotApplicable)
	}
	if !res.Ready {
		for _, r := range res.Rows {
			t.Logf("%s / %s = %s: %s", r.Section, r.Item, r.Status, r.Detail)
		}
		t.Error("a complete hybrid deployment is not ready")
	}
	if res.ControlPlaneValues != nil {
		t.Error("Control Plane values in the hybrid scenario")
	}
	v := res.WorkspaceValues["ws-1"].YAML
	for _, want := range []string{"apiURL: " + ZenMLControlPlaneAPIURL, "dashboardURL: " + ZenMLDashboardURL, "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server"} {
		if !strings.Contains(v, want) {
			t.Errorf("hybrid workspace values lack %q:\n%s", want, v)
		}
	}
	found := false
	for _, f := range res.Flows {
		found = found || f.From == WorkspaceEnd("ws-1") && f.To == "cloudapi.zenml.io" && f.Port == 443
		if f.From == FromControlPlaneAPI {
			t.Errorf("hybrid flow from the Control Plane: %+v", f)
		}
	}
	if !found {
		t.Errorf("no flow from the workspace to ZenML's Control Plane: %+v", res.Flows)
	}
	// Hybrid, ZenML's Control Plane runs already: the enrollment is a prerequisite.
	s.Workspaces["ws-1"] = func(w Workspace) Workspace { w.OrganizationID = ""; return w }(s.Workspaces["ws-1"])
	wantStatus(t, Evaluate(s, nil, now), SectionVersions, `Workspace "ws-1" enrollment`, Missing, "organization_id")
	// A Control Plane host in the hybrid scenario is an error.
	s.ControlPlane.Host = "zenml.ml.example.com"
	wantStatus(t, Evaluate(s, nil, now), SectionDNS, "Web UI host", Fail, "control_plane.host")
}

func TestWorkspaceDatabaseRules(t *testing.T) {
	s := complete(t)
	s.Workspaces["ws-1"].Database.Engine = "postgres"
	res := Evaluate(s, nil, now)
	wantStatus(t, res, SectionDatabases, `Workspace "ws-1" database: type`, Fail, "NOT supported")
	if strings.Contains(res.WorkspaceValues["ws-1"].YAML, "database:") {
		t.Error("workspace values carry a PostgreSQL database")
	}

	s = complete(t)
	s.Workspaces["ws-2"] = Workspace{Version: "0.93.2", Host: "ws-2.ml.example.com",
		Database: &Database{Engine: "mysql", Host: "MySQL.internal.example.com", Name: "zenml_ws_1", Username: "zenml_ws_2", TLSMode: "verify_full"}}
	wantStatus(t, Evaluate(s, nil, now), SectionDatabases, "One dedicated database per component", Fail, `"zenml_ws_1"`)

	// A Control Plane database on another port: the values carry the port key, whose only source is
	// weak, which the values row says.
	s = complete(t)
	s.ControlPlane.Database.Port = 6432
	res = Evaluate(s, nil, now)
	wantStatus(t, res, SectionDatabases, "Control Plane database: host and port", OK, "pg.internal.example.com:6432")
	wantStatus(t, res, SectionVersions, "Control Plane Helm values: keys verified for chart zenml-pro 0.13.0", Warn,
		"zenml.database.external.port (documented only in an example")
	if !strings.Contains(res.ControlPlaneValues.YAML, "port: 6432") {
		t.Errorf("Control Plane values without the port:\n%s", res.ControlPlaneValues.YAML)
	}

	s = complete(t)
	s.Workspaces["ws-1"].Database.TLSMode = "disabled"
	wantStatus(t, Evaluate(s, nil, now), SectionDatabases, `Workspace "ws-1" database: SSL/TLS`, Warn)
}

func TestVersionRules(t *testing.T) {
	s := complete(t)
	s.ControlPlane.Version = "0.12.10"
	s.Workspaces["ws-1"] = func(w Workspace) Workspace { w.Version = "0.80.2"; return w }(s.Workspaces["ws-1"])
	res := Evaluate(s, nil, now)
	wantStatus(t, res, SectionVersions, `Workspace "ws-1" compatibility`, Fail, "0.85.0")

	s = complete(t)
	s.Workspaces["ws-1"] = func(w Workspace) Workspace { w.ChartVersion = "0.93.1"; return w }(s.Workspaces["ws-1"])
	wantStatus(t, Evaluate(s, nil, now), SectionVersions, `Workspace "ws-1" chart and image tags`, Fail, "0.93.1")

	s = complete(t)
	s.ControlPlane.Version = "0.93.2"
	wantStatus(t, Evaluate(s, nil, now), SectionVersions, "Control Plane version", Fail, "Workspace Server")

	s = complete(t)
	s.Workspaces["ws-1"] = func(w Workspace) Workspace { w.WorkspaceID = ""; w.EnrollmentKeySecret = nil; return w }(s.Workspaces["ws-1"])
	res = Evaluate(s, nil, now)
	// Self-hosted, the enrollment needs the running Control Plane: a warning, not a blocker.
	wantStatus(t, res, SectionVersions, `Workspace "ws-1" enrollment`, Warn, "workspace_id", "enrollment_key_secret", "enroll=true")
	if !res.Ready {
		t.Error("a self-hosted deployment waiting for its workspaces' enrollment is not ready to install its Control Plane")
	}
	if strings.Contains(res.WorkspaceValues["ws-1"].YAML, "workspaceID") || strings.Contains(res.WorkspaceValues["ws-1"].YAML, "enrollmentKey") {
		t.Errorf("values carry enrollment keys that were not given:\n%s", res.WorkspaceValues["ws-1"].YAML)
	}
}

func TestServerKeyFrom095(t *testing.T) {
	s := complete(t)
	s.Workspaces["ws-1"] = func(w Workspace) Workspace { w.Version = "0.95.0"; return w }(s.Workspaces["ws-1"])
	s.Registry.Digests = nil
	res := Evaluate(s, nil, now)
	var ws map[string]any
	if err := yaml.Unmarshal([]byte(res.WorkspaceValues["ws-1"].YAML), &ws); err != nil {
		t.Fatal(err)
	}
	if _, ok := ws["server"]; !ok {
		t.Errorf("0.95.0 values lack the server: key:\n%s", res.WorkspaceValues["ws-1"].YAML)
	}
	if _, ok := ws["zenml"]; ok {
		t.Errorf("0.95.0 values carry the zenml: key, which would win over server:")
	}
}

// The enrollment row says how the key reaches the server for the chart version installed: by the
// chart's secret reference from 0.96.3, as a value set with set_sensitive before.
func TestEnrollmentKeyRoutePerChart(t *testing.T) {
	for _, tc := range []struct {
		version, want, not string
	}{
		{"0.93.2", "set pro.enrollmentKey from that secret with set_sensitive", "enrollmentKeySecretRef"},
		{"0.96.2", "set pro.enrollmentKey from that secret with set_sensitive", "enrollmentKeySecretRef"},
		{"0.96.3", "(pro.enrollmentKeySecretRef)", "set_sensitive"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			s := complete(t)
			s.Workspaces["ws-1"] = func(w Workspace) Workspace { w.Version = tc.version; return w }(s.Workspaces["ws-1"])
			s.Registry.Digests = nil
			r := row(t, Evaluate(s, nil, now), SectionVersions, `Workspace "ws-1" enrollment`)
			if r.Status != OK || !strings.Contains(r.Detail, tc.want) || strings.Contains(r.Detail, tc.not) {
				t.Errorf("enrollment row = %s %q, want ok with %q and without %q", r.Status, r.Detail, tc.want, tc.not)
			}
		})
	}
}

func TestRegistryRules(t *testing.T) {
	s := complete(t)
	s.Registry.Workload = "eks_irsa"
	wantStatus(t, Evaluate(s, nil, now), SectionRegistry, "Identity that pulls images", Warn, "eks_node_role", "kubelet")
	s.Registry.KubeletUsesPodIdentity = true
	wantStatus(t, Evaluate(s, nil, now), SectionRegistry, "Identity that pulls images", OK)

	s = complete(t)
	s.Registry = &Registry{ImageSource: "zenml_gcp", AuthMethod: AuthGCPServiceAccount,
		Principal: "serviceAccount:acme-ml.svc.id.goog[zenml/zenml-server]"}
	s.AirGapped = false
	wantStatus(t, Evaluate(s, nil, now), SectionRegistry, "Identity that pulls images", Warn, "gke_node")

	s = complete(t)
	s.Registry.ImageSource = "zenml_aws"
	s.Registry.URL = ""
	wantStatus(t, Evaluate(s, nil, now), SectionRegistry, "Image source", Fail, "air-gapped")

	s = complete(t)
	s.AirGapped = false
	s.Registry = &Registry{ImageSource: "zenml_aws", AuthMethod: AuthGCPServiceAccount, Principal: "zenml@acme-ml.iam.gserviceaccount.com"}
	wantStatus(t, Evaluate(s, nil, now), SectionRegistry, "Authentication method", Fail)

	s = complete(t)
	s.Registry = &Registry{ImageSource: "private", URL: "harbor.internal.example.com/zenml", AuthMethod: AuthDockerCredentials}
	res := Evaluate(s, nil, now)
	wantStatus(t, res, SectionRegistry, "Registry credentials", Missing)
	s.Registry.PullSecretName = "zenml-registry"
	res = Evaluate(s, nil, now)
	wantStatus(t, res, SectionRegistry, "Registry credentials", OK)
	if !strings.Contains(res.WorkspaceValues["ws-1"].YAML, "imagePullSecrets:\n  - name: zenml-registry") ||
		!strings.Contains(res.ControlPlaneValues.YAML, "imagePullSecrets:\n  - name: zenml-registry") {
		t.Errorf("imagePullSecrets missing:\n%s\n%s", res.WorkspaceValues["ws-1"].YAML, res.ControlPlaneValues.YAML)
	}

	s = complete(t)
	s.Registry.Digests["harbor.internal.example.com/zenml/zenml-pro-api:9.9.9"] = digest
	wantStatus(t, Evaluate(s, nil, now), SectionRegistry, "Digests", Warn, "zenml-pro-api:9.9.9")
}

func TestNoSecretInAnyOutput(t *testing.T) {
	s := complete(t)
	res := Evaluate(s, nil, now)
	// The leaf's private key never reaches the results (only public certificates were given), and no
	// output carries a password-like key with a value.
	all := res.Report + res.ControlPlaneValues.YAML + res.WorkspaceValues["ws-1"].YAML
	for _, bad := range []string{"PRIVATE KEY", "password:", "clientSecret:", "adminPassword:", "enrollmentKey:"} {
		if strings.Contains(all, bad) {
			t.Errorf("an output holds %q", bad)
		}
	}
}

func TestSecretReferencesFromControlPlane01313(t *testing.T) {
	s := complete(t)
	s.ControlPlane.SSO = nil
	res := Evaluate(s, nil, now)
	for _, k := range res.ControlPlaneValues.Sensitive {
		if strings.Contains(k.Purpose, "Kubernetes secret") {
			t.Errorf("Control Plane 0.13.0: %s says it takes a secret reference", k.Key)
		}
	}
	s.ControlPlane.Version = "0.13.18"
	res = Evaluate(s, nil, now)
	for _, k := range res.ControlPlaneValues.Sensitive {
		if got := strings.Contains(k.Purpose, "0.13.13 and later"); got != (k.Key == "zenml.auth.password.adminPassword") {
			t.Errorf("Control Plane 0.13.18: %s: %s", k.Key, k.Purpose)
		}
	}
}
