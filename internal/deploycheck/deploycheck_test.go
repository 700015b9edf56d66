// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package deploycheck

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/cpfake"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

const (
	testWorkspaceID = "0f4c5a2e-0000-4000-8000-000000000002"
	testOrgID       = "0f4c5a2e-0000-4000-8000-000000000001"
)

// rowOf returns the row of a section and item, failing the test when there is none.
func rowOf(t *testing.T, res Result, section, item string) Row {
	t.Helper()
	for _, r := range res.Rows {
		if r.Section == section && r.Item == item {
			return r
		}
	}
	t.Fatalf("no row %s / %s among %+v", section, item, res.Rows)
	return Row{}
}

// wantRow requires the row's status and that its detail holds every phrase.
func wantRow(t *testing.T, res Result, section, item string, status Status, phrases ...string) {
	t.Helper()
	r := rowOf(t, res, section, item)
	if r.Status != status {
		t.Errorf("%s / %s is %s, want %s: %s", section, item, r.Status, status, r.Detail)
	}
	for _, p := range phrases {
		if !strings.Contains(r.Detail, p) {
			t.Errorf("%s / %s: the detail %q does not say %q", section, item, r.Detail, p)
		}
	}
}

// matchingInfo is the server model of a workspace server at base that matches the declared IDs and
// the Control Plane at cpURL.
func matchingInfo(base, cpURL, version string) *controlplane.ServerInfo {
	return &controlplane.ServerInfo{
		Version: version, DeploymentType: "cloud", DatabaseType: "sql", AuthScheme: "EXTERNAL",
		ServerURL: cpfake.String(base), ProAPIURL: cpfake.String(cpURL + "/api/v1"),
		ProWorkspaceID: cpfake.String(testWorkspaceID), ProOrganizationID: cpfake.String(testOrgID),
	}
}

// answered is the observation of a server that answered /health with 2xx and, for a workspace, info.
func answered(t *testing.T, raw string, info *controlplane.ServerInfo) observation {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return observation{url: u, answered: true, infoTried: info != nil, info: info}
}

func declared() Spec {
	return Spec{
		ControlPlane: &ControlPlane{URL: "http://127.0.0.1:8080", Version: "0.13.0"},
		Workspaces: map[string]Workspace{"ws-1": {URL: "http://127.0.0.1:8081", Version: "0.93.2",
			WorkspaceID: testWorkspaceID, OrganizationID: testOrgID}},
	}
}

func TestJudgeAllMatching(t *testing.T) {
	spec := declared()
	cp := answered(t, "http://127.0.0.1:8080", nil)
	ws := answered(t, "http://127.0.0.1:8081", matchingInfo("http://127.0.0.1:8081/", "http://127.0.0.1:8080", "0.93.2"))
	res := judge(spec, nil, time.Minute, cp, map[string]observation{"ws-1": ws})
	if !res.OK {
		t.Errorf("OK is false for a deployment that matches; rows: %+v", res.Rows)
	}
	s := WorkspaceSection("ws-1")
	wantRow(t, res, SectionControlPlane, ItemReachable, OK)
	wantRow(t, res, SectionControlPlane, ItemTLS, NotApplicable, "plain http")
	wantRow(t, res, SectionControlPlane, ItemVersion, NotApplicable, "no public endpoint of the Control Plane reports its version", "0.13.0")
	wantRow(t, res, s, ItemVersion, OK, "runs 0.93.2, as declared")
	wantRow(t, res, s, ItemDeploymentType, OK)
	wantRow(t, res, s, ItemCompatibility, OK, "pass: release order")
	wantRow(t, res, s, ItemWorkspaceID, OK, testWorkspaceID)
	wantRow(t, res, s, ItemOrganizationID, OK, testOrgID)
	// A trailing slash does not make another URL.
	wantRow(t, res, s, ItemServerURL, OK)
	wantRow(t, res, s, ItemProAPIURL, OK)
	// The rows come in a fixed order: the Control Plane's first.
	if res.Rows[0].Section != SectionControlPlane || res.Rows[len(res.Rows)-1].Item != ItemProAPIURL {
		t.Errorf("the rows are not in order: %+v", res.Rows)
	}
	srv := res.Servers["ws-1"]
	if srv.Version != "0.93.2" || srv.WorkspaceID != testWorkspaceID || !srv.Reachable || srv.TLSVerified != nil || srv.Error != "" {
		t.Errorf("servers[ws-1] = %+v", srv)
	}
	if !strings.Contains(res.Report, "As declared: **yes**") || !strings.Contains(res.Report, "Nothing: every check passed.") {
		t.Errorf("the report does not give the verdict:\n%s", res.Report)
	}
}

func TestJudgeMismatches(t *testing.T) {
	spec := declared()
	cp := answered(t, "http://127.0.0.1:8080", nil)
	info := matchingInfo("http://127.0.0.1:8081", "http://127.0.0.1:8080", "0.94.0")
	info.DeploymentType = "oss"
	info.ProWorkspaceID = cpfake.String("0f4c5a2e-0000-4000-8000-00000000000f")
	info.ProOrganizationID = nil
	info.ServerURL = cpfake.String("https://ws-1.other.example.com")
	info.ProAPIURL = cpfake.String("https://zenml.other.example.com/api/v1")
	res := judge(spec, nil, time.Minute, cp, map[string]observation{"ws-1": answered(t, "http://127.0.0.1:8081", info)})
	if res.OK {
		t.Error("OK is true although rows fail")
	}
	s := WorkspaceSection("ws-1")
	wantRow(t, res, s, ItemVersion, Fail, "runs 0.94.0, but 0.93.2 is declared", `workspaces["ws-1"].version`)
	wantRow(t, res, s, ItemDeploymentType, Fail, `"oss", not "cloud"`)
	wantRow(t, res, s, ItemCompatibility, Fail, "fail: release order", "Control Plane 0.13.0")
	wantRow(t, res, s, ItemWorkspaceID, Fail, "0f4c5a2e-0000-4000-8000-00000000000f", "but "+testWorkspaceID+" is declared")
	wantRow(t, res, s, ItemOrganizationID, Fail, "reports no pro_organization_id")
	wantRow(t, res, s, ItemServerURL, Fail, "https://ws-1.other.example.com", "the declared url is http://127.0.0.1:8081")
	wantRow(t, res, s, ItemProAPIURL, Fail, "https://zenml.other.example.com/api/v1", "serves its API at http://127.0.0.1:8080/api/v1")
	if !strings.Contains(res.Report, "**fail** Workspace \"ws-1\" / Version: runs 0.94.0") {
		t.Errorf("the report's to-do list lacks the version:\n%s", res.Report)
	}
}

func TestJudgeNotDeclared(t *testing.T) {
	spec := Spec{Workspaces: map[string]Workspace{"ws-1": {URL: "http://127.0.0.1:8081"}}}
	info := matchingInfo("http://127.0.0.1:8081", "https://zenml.ml.example.com", "0.93.2")
	res := judge(spec, nil, time.Minute, observation{}, map[string]observation{"ws-1": answered(t, "http://127.0.0.1:8081", info)})
	if !res.OK {
		t.Errorf("OK is false although nothing fails; rows: %+v", res.Rows)
	}
	s := WorkspaceSection("ws-1")
	wantRow(t, res, s, ItemVersion, NotApplicable, "runs 0.93.2; no version declared")
	wantRow(t, res, s, ItemCompatibility, NotApplicable, "no Control Plane version declared")
	wantRow(t, res, s, ItemWorkspaceID, NotApplicable, "the server reports "+testWorkspaceID)
	wantRow(t, res, s, ItemProAPIURL, NotApplicable, "no control_plane is declared")
	if _, ok := res.Servers[ControlPlaneKey]; ok {
		t.Error("servers has a Control Plane that was not declared")
	}
	for _, r := range res.Rows {
		if r.Section == SectionControlPlane {
			t.Errorf("a Control Plane row without a Control Plane: %+v", r)
		}
	}
}

func TestJudgeNothingDeclared(t *testing.T) {
	res := judge(Spec{}, nil, time.Minute, observation{}, nil)
	wantRow(t, res, SectionDeployment, ItemServers, Missing, "give control_plane, workspaces or both")
	if res.OK {
		t.Error("OK is true for a check of nothing")
	}
}

// A version the catalog cannot date is a warning, not a failure: the check cannot judge it.
func TestJudgeCompatibilityUnknownVersion(t *testing.T) {
	spec := declared()
	w := spec.Workspaces["ws-1"]
	w.Version = ""
	spec.Workspaces["ws-1"] = w
	info := matchingInfo("http://127.0.0.1:8081", "http://127.0.0.1:8080", "9.99.0")
	res := judge(spec, nil, time.Minute, answered(t, "http://127.0.0.1:8080", nil),
		map[string]observation{"ws-1": answered(t, "http://127.0.0.1:8081", info)})
	wantRow(t, res, WorkspaceSection("ws-1"), ItemCompatibility, Warn, "cannot be judged", "9.99.0")
	if !res.OK {
		t.Errorf("a warning made OK false: %+v", res.Rows)
	}
}

func TestNormalizeURL(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"https://zenml.ml.example.com/", "https://zenml.ml.example.com"},
		{"HTTPS://Zenml.ML.example.com:443", "https://zenml.ml.example.com"},
		{"http://127.0.0.1:80/zenml/", "http://127.0.0.1/zenml"},
	} {
		if normalizeURL(tc.a) != normalizeURL(tc.b) {
			t.Errorf("%q and %q compare different: %q, %q", tc.a, tc.b, normalizeURL(tc.a), normalizeURL(tc.b))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"https://zenml.ml.example.com", "http://zenml.ml.example.com"},
		{"https://zenml.ml.example.com:8443", "https://zenml.ml.example.com"},
		{"https://zenml.ml.example.com/a", "https://zenml.ml.example.com/b"},
	} {
		if normalizeURL(tc.a) == normalizeURL(tc.b) {
			t.Errorf("%q and %q compare equal", tc.a, tc.b)
		}
	}
}

// --- Reading live servers (the fakes of cpfake) ---

// tlsPair makes a CA and a server certificate for localhost and 127.0.0.1 signed by it, and returns
// the CA's PEM and the server's certificate and key PEM.
func tlsPair(t *testing.T) (caPEM string, certPEM, keyPEM []byte) {
	t.Helper()
	now := time.Now()
	ca := testcert.New(t, testcert.Spec{CommonName: "Deployment Check Test CA", CA: true, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, nil)
	leaf := testcert.New(t, testcert.Spec{CommonName: "localhost", DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 6, 0)}, ca)
	return ca.PEM, []byte(leaf.PEM), leaf.KeyPEM(t)
}

// closedPortURL is an http URL of a loopback port nothing listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return u
}

// startWorkspace starts a workspace server at 0.93.2 whose info matches the declared IDs, the Control Plane
// at cpURL and its own URL.
func startWorkspace(t *testing.T, cpURL string, certPEM, keyPEM []byte) *cpfake.WorkspaceServer {
	t.Helper()
	opts := cpfake.WorkspaceServerOptions{Info: cpfake.NewServerInfo("ws-1", "0.93.2"), TLSCertPEM: certPEM, TLSKeyPEM: keyPEM}
	if certPEM != nil {
		opts.Listen = "localhost:0"
	}
	ws := cpfake.StartWorkspaceServer(t, opts)
	info := ws.Info()
	info.ServerURL, info.ProAPIURL = cpfake.String(ws.URL()), cpfake.String(cpURL+"/api/v1")
	info.ProWorkspaceID, info.ProOrganizationID = cpfake.String(testWorkspaceID), cpfake.String(testOrgID)
	ws.SetInfo(info)
	return ws
}

func TestCheckLiveHealthy(t *testing.T) {
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{})
	ws := startWorkspace(t, cp.URL(), nil, nil)
	res := Check(t.Context(), Spec{
		ControlPlane: &ControlPlane{URL: cp.URL(), Version: "0.13.0"},
		Workspaces: map[string]Workspace{"ws-1": {URL: ws.URL() + "/", Version: "0.93.2",
			WorkspaceID: strings.ToUpper(testWorkspaceID), OrganizationID: testOrgID}},
	}, Options{})
	if !res.OK {
		t.Fatalf("OK is false:\n%s", res.Report)
	}
	wantRow(t, res, SectionControlPlane, ItemReachable, OK, cp.URL()+"/health answered 2xx")
	wantRow(t, res, WorkspaceSection("ws-1"), ItemServerInfo, OK, "ZenML 0.93.2")
	if cp.Requests("GET", "/health") != 1 || ws.Requests("GET", "/api/v1/info") != 1 {
		t.Errorf("requests: Control Plane /health %d, workspace /api/v1/info %d; want 1 each",
			cp.Requests("GET", "/health"), ws.Requests("GET", "/api/v1/info"))
	}
}

func TestCheckLiveFailures(t *testing.T) {
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{})
	cp.FailNext(http.MethodGet, "/health", http.StatusServiceUnavailable, 1)
	ws := startWorkspace(t, cp.URL(), nil, nil)
	ws.FailNext(http.MethodGet, "/api/v1/info", http.StatusInternalServerError, 1)
	up := startWorkspace(t, cp.URL(), nil, nil)
	down := closedPortURL(t)
	res := Check(t.Context(), Spec{
		ControlPlane: &ControlPlane{URL: cp.URL(), Version: "0.13.0"},
		Workspaces: map[string]Workspace{
			"ws-1":  {URL: ws.URL(), Version: "0.93.2"},
			"ws-2":  {URL: down, Version: "0.93.2", WorkspaceID: testWorkspaceID},
			"ws-up": {URL: up.URL()},
		},
	}, Options{})
	if res.OK {
		t.Fatal("OK is true although servers fail")
	}
	wantRow(t, res, SectionControlPlane, ItemReachable, Fail, "answered HTTP 503 Service Unavailable", "does not report itself healthy")
	// A 503 on /health still lets the info be read; a 500 on it is a failed row.
	wantRow(t, res, WorkspaceSection("ws-1"), ItemServerInfo, Fail, "/api/v1/info", "HTTP 500")
	wantRow(t, res, WorkspaceSection("ws-1"), ItemVersion, Missing, "could not be read")
	wantRow(t, res, WorkspaceSection("ws-2"), ItemReachable, Fail, "no connection to "+strings.TrimPrefix(down, "http://"))
	wantRow(t, res, WorkspaceSection("ws-2"), ItemServerInfo, Missing, "got no answer")
	wantRow(t, res, WorkspaceSection("ws-2"), ItemWorkspaceID, Missing, testWorkspaceID+" is declared")
	wantRow(t, res, WorkspaceSection("ws-up"), ItemVersion, NotApplicable, "runs 0.93.2")
	if s := res.Servers["ws-2"]; s.Reachable || !strings.Contains(s.Error, "no connection") {
		t.Errorf("servers[ws-2] = %+v", s)
	}
	if s := res.Servers[ControlPlaneKey]; s.Reachable || !strings.Contains(s.Error, "HTTP 503") {
		t.Errorf("servers[control_plane] = %+v", s)
	}
}

func TestCheckLiveTLS(t *testing.T) {
	caPEM, certPEM, keyPEM := tlsPair(t)
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{TLSCertPEM: certPEM, TLSKeyPEM: keyPEM, Listen: "localhost:0"})
	ws := startWorkspace(t, cp.URL(), certPEM, keyPEM)
	spec := Spec{
		ControlPlane: &ControlPlane{URL: cp.URL()},
		Workspaces:   map[string]Workspace{"ws-1": {URL: ws.URL()}},
	}
	if !strings.HasPrefix(ws.URL(), "https://localhost:") {
		t.Fatalf("the workspace server's URL is %s", ws.URL())
	}

	spec.CACertificatePEM = caPEM
	res := Check(t.Context(), spec, Options{})
	if !res.OK {
		t.Fatalf("OK is false with the CA given:\n%s", res.Report)
	}
	wantRow(t, res, SectionControlPlane, ItemTLS, OK, "Deployment Check Test CA", "valid for localhost", "ca_certificate_pem")
	wantRow(t, res, WorkspaceSection("ws-1"), ItemTLS, OK)
	if v := res.Servers["ws-1"].TLSVerified; v == nil || !*v {
		t.Errorf("servers[ws-1].TLSVerified = %v, want true", v)
	}

	spec.CACertificatePEM = ""
	res = Check(t.Context(), spec, Options{})
	wantRow(t, res, SectionControlPlane, ItemTLS, Fail, "not signed by a trusted CA", "ca_certificate_pem")
	wantRow(t, res, WorkspaceSection("ws-1"), ItemTLS, Fail, "not signed by a trusted CA")
	wantRow(t, res, WorkspaceSection("ws-1"), ItemReachable, Fail, "TLS:")
	if v := res.Servers["ws-1"].TLSVerified; v == nil || *v {
		t.Errorf("servers[ws-1].TLSVerified = %v, want false", v)
	}

	// A certificate for localhost does not serve another name for the same server.
	spec.CACertificatePEM = caPEM
	spec.ControlPlane = nil
	ws2 := cpfake.StartWorkspaceServer(t, cpfake.WorkspaceServerOptions{TLSCertPEM: certPEM, TLSKeyPEM: keyPEM, Listen: "127.0.0.2:0"})
	spec.Workspaces = map[string]Workspace{"ws-1": {URL: ws2.URL()}}
	res = Check(t.Context(), spec, Options{})
	wantRow(t, res, WorkspaceSection("ws-1"), ItemTLS, Fail, "not valid for 127.0.0.2")

	// https to a server that speaks plain http.
	plain := cpfake.StartWorkspaceServer(t, cpfake.WorkspaceServerOptions{Listen: "localhost:0"})
	spec.Workspaces = map[string]Workspace{"ws-1": {URL: strings.Replace(plain.URL(), "http://", "https://", 1)}}
	res = Check(t.Context(), spec, Options{})
	wantRow(t, res, WorkspaceSection("ws-1"), ItemTLS, Fail, "does not answer TLS")
}

// A server that never answers is cut by the timeout of the whole check; the others are read at the
// same time, so two slow servers take one timeout, not two.
func TestCheckLiveTimeout(t *testing.T) {
	cp := cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{})
	slow1 := startWorkspace(t, cp.URL(), nil, nil)
	slow2 := startWorkspace(t, cp.URL(), nil, nil)
	slow1.SetDelay(http.MethodGet, "/health", time.Minute)
	slow2.SetDelay(http.MethodGet, "/api/v1/info", time.Minute)
	start := time.Now()
	res := Check(context.Background(), Spec{
		ControlPlane: &ControlPlane{URL: cp.URL(), Version: "0.13.0"},
		Workspaces:   map[string]Workspace{"slow-1": {URL: slow1.URL()}, "slow-2": {URL: slow2.URL()}},
		Timeout:      time.Second,
	}, Options{})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the check took %s with a 1s timeout", took)
	}
	wantRow(t, res, SectionControlPlane, ItemReachable, OK)
	wantRow(t, res, WorkspaceSection("slow-1"), ItemReachable, Fail, "within the 1s read timeout (timeouts.read)")
	wantRow(t, res, WorkspaceSection("slow-1"), ItemServerInfo, Missing)
	wantRow(t, res, WorkspaceSection("slow-2"), ItemReachable, OK)
	wantRow(t, res, WorkspaceSection("slow-2"), ItemServerInfo, Fail, "within the 1s read timeout")
}

// Dial sends every connection where the test wants it: a declared host that no DNS knows is read
// from a local server.
func TestCheckDial(t *testing.T) {
	ws := startWorkspace(t, "https://zenml.ml.example.com", nil, nil)
	addr := strings.TrimPrefix(ws.URL(), "http://")
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	res := Check(t.Context(), Spec{Workspaces: map[string]Workspace{"ws-1": {URL: "http://localhost:9"}}}, Options{Dial: dial})
	wantRow(t, res, WorkspaceSection("ws-1"), ItemReachable, OK)
	if ws.Requests("GET", "/health") != 1 {
		t.Error("the dial did not reach the server")
	}
}
