// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package cpfake

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	orgA     = "11111111-1111-4111-8111-111111111111"
	orgB     = "22222222-2222-4222-8222-222222222222"
	pat      = "pat-full"
	readOnly = "pat-read-only"
	password = "s3cret"
)

// startCP starts a Control Plane with two organizations, a login and both kinds of token.
func startCP(t *testing.T) *ControlPlane {
	t.Helper()
	return StartControlPlane(t, ControlPlaneOptions{
		Organizations: map[string]string{"acme": orgA, "beta": orgB},
		AdminPassword: password, Tokens: []string{pat}, ReadOnlyTokens: []string{readOnly},
		ZenMLVersion: "0.93.2",
	})
}

// answer is an HTTP answer read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (a answer) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("the body %q is no JSON: %v", a.body, err)
	}
	return v
}

// object decodes the body as a JSON object.
func (a answer) object(t *testing.T) map[string]any {
	t.Helper()
	m, ok := a.json(t).(map[string]any)
	if !ok {
		t.Fatalf("the body %s is no JSON object", a.body)
	}
	return m
}

// list decodes the body as a JSON array of objects.
func (a answer) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	if err := json.Unmarshal(a.body, &l); err != nil || l == nil {
		t.Fatalf("the body %s is no JSON array: %v", a.body, err)
	}
	return l
}

// detail is the detail of an error body.
func (a answer) detail(t *testing.T) string {
	t.Helper()
	d, ok := a.object(t)["detail"].(string)
	if !ok || d == "" {
		t.Fatalf("the body %s has no detail", a.body)
	}
	return d
}

// call sends a request with a bearer token (none when empty) and a JSON body (none when nil).
func call(t *testing.T, client *http.Client, method, u, token string, body any) answer {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, client, req)
}

// send sends req and reads the answer whole.
func send(t *testing.T, client *http.Client, req *http.Request) answer {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// login posts the form of the login.
func login(t *testing.T, cp *ControlPlane, form url.Values) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, cp.URL()+"/api/v1/auth/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, nil, req)
}

// create posts a workspace, enrolled or not.
func create(t *testing.T, cp *ControlPlane, token, name, orgID string, enroll bool) answer {
	t.Helper()
	u := cp.URL() + "/api/v1/workspaces"
	if enroll {
		u += "?enroll=true"
	}
	return call(t, nil, http.MethodPost, u, token, map[string]string{"name": name, "organization_id": orgID})
}

func wantStatus(t *testing.T, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %s", a.status, status, a.body)
	}
}

func TestLoginAndBearer(t *testing.T) {
	cp := startCP(t)
	orgs := cp.URL() + "/api/v1/organizations"

	a := login(t, cp, url.Values{"username": {"admin"}, "password": {"wrong"}})
	wantStatus(t, a, http.StatusUnauthorized)
	a.detail(t)
	wantStatus(t, login(t, cp, url.Values{"username": {"admin"}}), http.StatusUnprocessableEntity)

	a = login(t, cp, url.Values{"username": {"admin"}, "password": {password}})
	wantStatus(t, a, http.StatusOK)
	m := a.object(t)
	token, _ := m["access_token"].(string)
	if token == "" || m["token_type"] != "bearer" || m["expires_in"] != float64(3600) {
		t.Fatalf("login answered %s", a.body)
	}

	for _, tok := range []string{"", "unknown"} {
		a := call(t, nil, http.MethodGet, orgs, tok, nil)
		wantStatus(t, a, http.StatusUnauthorized)
		if d := a.detail(t); d != "Not authenticated" {
			t.Errorf("token %q: detail %q", tok, d)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, orgs, nil)
	req.Header.Set("Authorization", "Basic "+token)
	wantStatus(t, send(t, nil, req), http.StatusUnauthorized)

	for _, tok := range []string{token, pat, readOnly} {
		wantStatus(t, call(t, nil, http.MethodGet, orgs, tok, nil), http.StatusOK)
	}
	// /health needs no token.
	a = call(t, nil, http.MethodGet, cp.URL()+"/health", "", nil)
	wantStatus(t, a, http.StatusOK)
	if a.json(t) != "OK" {
		t.Errorf("/health answered %s", a.body)
	}

	cp.ExpireAccessTokens()
	wantStatus(t, call(t, nil, http.MethodGet, orgs, token, nil), http.StatusUnauthorized)
	wantStatus(t, call(t, nil, http.MethodGet, orgs, pat, nil), http.StatusOK)
}

func TestLoginRefusedWithoutPassword(t *testing.T) {
	cp := StartControlPlane(t, ControlPlaneOptions{})
	wantStatus(t, login(t, cp, url.Values{"username": {"admin"}, "password": {""}}), http.StatusUnauthorized)
	if orgs := cp.Organizations(); len(orgs) != 1 || orgs[0].Name != DefaultOrganization || !isUUID(orgs[0].ID) {
		t.Errorf("organizations %+v, want one named %q with a UUID", orgs, DefaultOrganization)
	}
}

func TestNewControlPlaneRefusesBadOptions(t *testing.T) {
	if _, err := NewControlPlane(ControlPlaneOptions{Organizations: map[string]string{"x": "not-a-uuid"}}); err == nil {
		t.Error("an organization ID that is no UUID was accepted")
	}
	if _, err := NewControlPlane(ControlPlaneOptions{TLSCertPEM: []byte("x")}); err == nil {
		t.Error("a certificate without a key was accepted")
	}
	if _, err := NewControlPlane(ControlPlaneOptions{TLSCertPEM: []byte("x"), TLSKeyPEM: []byte("y")}); err == nil {
		t.Error("a certificate and key that are no PEM were accepted")
	}
}

func TestOrganizations(t *testing.T) {
	cp := startCP(t)
	l := call(t, nil, http.MethodGet, cp.URL()+"/api/v1/organizations", pat, nil).list(t)
	if len(l) != 2 || l[0]["name"] != "acme" || l[0]["id"] != orgA || l[1]["name"] != "beta" || l[1]["id"] != orgB {
		t.Fatalf("organizations %v", l)
	}
	a := call(t, nil, http.MethodGet, cp.URL()+"/api/v1/organizations/"+orgB, pat, nil)
	wantStatus(t, a, http.StatusOK)
	if m := a.object(t); m["name"] != "beta" || m["id"] != orgB {
		t.Errorf("organization %s", a.body)
	}
	a = call(t, nil, http.MethodGet, cp.URL()+"/api/v1/organizations/"+NewUUID(), pat, nil)
	wantStatus(t, a, http.StatusNotFound)
	a.detail(t)
	if cp.OrganizationID("acme") != orgA || cp.OrganizationID("nope") != "" {
		t.Error("OrganizationID does not find the organizations by name")
	}
}

func TestEnrollReturnsKeyOnce(t *testing.T) {
	cp := startCP(t)
	a := create(t, cp, pat, "ws-one", orgA, true)
	wantStatus(t, a, http.StatusOK)
	m := a.object(t)
	key, _ := m["enrollment_key"].(string)
	if len(key) != 64 {
		t.Fatalf("enrollment key %q, want 64 characters", key)
	}
	id, _ := m["id"].(string)
	if !isUUID(id) || m["name"] != "ws-one" || m["description"] != nil || m["desired_state"] != "available" ||
		m["status"] != "available" || m["state_reason"] != "" {
		t.Errorf("workspace %s", a.body)
	}
	if org, _ := m["organization"].(map[string]any); org["id"] != orgA || org["name"] != "acme" {
		t.Errorf("organization of the workspace: %v", m["organization"])
	}
	svc, _ := m["zenml_service"].(map[string]any)
	cfg, _ := svc["configuration"].(map[string]any)
	st, _ := svc["status"].(map[string]any)
	if cfg["version"] != "0.93.2" || st == nil || st["server_url"] != nil || st["version"] != nil {
		t.Errorf("zenml_service %v", m["zenml_service"])
	}
	if _, has := st["server_url"]; !has {
		t.Error("zenml_service.status lacks server_url (null expected)")
	}

	got := call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces/"+id, pat, nil)
	wantStatus(t, got, http.StatusOK)
	g := got.object(t)
	if _, has := g["enrollment_key"]; has {
		t.Errorf("GET shows the enrollment key: %s", got.body)
	}
	if g["id"] != id || g["name"] != "ws-one" {
		t.Errorf("GET answered %s", got.body)
	}
	for _, w := range call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces", pat, nil).list(t) {
		if _, has := w["enrollment_key"]; has {
			t.Errorf("the list shows the enrollment key: %v", w)
		}
	}
	if ws, ok := cp.Workspace(id); !ok || ws.EnrollmentKey != key {
		t.Errorf("the record's enrollment key is %q, want %q", ws.EnrollmentKey, key)
	}

	a = create(t, cp, pat, "ws-two", orgA, false)
	wantStatus(t, a, http.StatusOK)
	if _, has := a.object(t)["enrollment_key"]; has {
		t.Errorf("a creation without enroll=true answered a key: %s", a.body)
	}
	if ws := cp.Workspaces(); len(ws) != 2 || ws[1].Name != "ws-two" || ws[1].EnrollmentKey != "" {
		t.Errorf("workspaces %+v", ws)
	}
}

func TestCreateWorkspaceErrors(t *testing.T) {
	cp := startCP(t)
	for _, name := range []string{"", "1abc", "Abc", "a_b", "ws one", "-ws", strings.Repeat("a", 51)} {
		a := create(t, cp, pat, name, orgA, true)
		wantStatus(t, a, http.StatusUnprocessableEntity)
		a.detail(t)
	}
	wantStatus(t, create(t, cp, pat, "a"+strings.Repeat("-9", 24)+"z", orgA, true), http.StatusOK) // 50 characters
	wantStatus(t, create(t, cp, pat, "ws", "not-a-uuid", true), http.StatusUnprocessableEntity)
	a := call(t, nil, http.MethodPost, cp.URL()+"/api/v1/workspaces", pat, map[string]string{"organization_id": orgA})
	wantStatus(t, a, http.StatusUnprocessableEntity)

	a = create(t, cp, pat, "ws", NewUUID(), true)
	wantStatus(t, a, http.StatusNotFound)
	a.detail(t)

	wantStatus(t, create(t, cp, pat, "ws", orgA, true), http.StatusOK)
	a = create(t, cp, pat, "ws", orgA, true)
	wantStatus(t, a, http.StatusConflict)
	a.detail(t)
	wantStatus(t, create(t, cp, pat, "ws", orgB, true), http.StatusOK) // the same name in another organization

	a = create(t, cp, readOnly, "other", orgA, true)
	wantStatus(t, a, http.StatusForbidden)
	a.detail(t)
	id := cp.Workspaces()[0].ID
	wantStatus(t, call(t, nil, http.MethodDelete, cp.URL()+"/api/v1/workspaces/"+id, readOnly, nil), http.StatusForbidden)
	wantStatus(t, call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces/"+id, readOnly, nil), http.StatusOK)
	if n := len(cp.Workspaces()); n != 3 {
		t.Errorf("%d workspaces, want the 3 created", n)
	}

	a = call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces/"+NewUUID(), pat, nil)
	wantStatus(t, a, http.StatusNotFound)
	a.detail(t)
}

func TestListAndFilter(t *testing.T) {
	cp := startCP(t)
	wantStatus(t, create(t, cp, pat, "one", orgA, true), http.StatusOK)
	wantStatus(t, create(t, cp, pat, "two", orgA, true), http.StatusOK)
	wantStatus(t, create(t, cp, pat, "one", orgB, true), http.StatusOK)
	uiID := cp.AddWorkspace("beta", "from-ui")
	if !isUUID(uiID) {
		t.Fatalf("AddWorkspace returned %q", uiID)
	}
	if id := cp.AddWorkspace("beta", "from-ui"); id != "" {
		t.Errorf("AddWorkspace of a name taken returned %q", id)
	}
	if id := cp.AddWorkspace("nope", "x"); id != "" {
		t.Errorf("AddWorkspace in an unknown organization returned %q", id)
	}

	list := func(query string) []string {
		t.Helper()
		var names []string
		for _, w := range call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces"+query, pat, nil).list(t) {
			org, _ := w["organization"].(map[string]any)
			names = append(names, fmt.Sprint(w["name"])+"@"+fmt.Sprint(org["name"]))
		}
		return names
	}
	for query, want := range map[string]string{
		"":                         "one@acme two@acme one@beta from-ui@beta",
		"?organization_id=" + orgA: "one@acme two@acme",
		"?workspace_name=one":      "one@acme one@beta",
		"?organization_id=" + orgB + "&workspace_name=one": "one@beta",
		"?workspace_name=none":                             "",
	} {
		if got := strings.Join(list(query), " "); got != want {
			t.Errorf("list%s: %q, want %q", query, got, want)
		}
	}
	a := call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces?workspace_name=none", pat, nil)
	if strings.TrimSpace(string(a.body)) != "[]" {
		t.Errorf("an empty list is %s, want []", a.body)
	}
	a = call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces/"+uiID, pat, nil)
	wantStatus(t, a, http.StatusOK)
	if m := a.object(t); m["name"] != "from-ui" {
		t.Errorf("the workspace added is %s", a.body)
	}
}

func TestDelete(t *testing.T) {
	cp := startCP(t)
	a := create(t, cp, pat, "gone", orgA, true)
	wantStatus(t, a, http.StatusOK)
	id := fmt.Sprint(a.object(t)["id"])
	u := cp.URL() + "/api/v1/workspaces/" + id

	a = call(t, nil, http.MethodDelete, u, pat, nil)
	wantStatus(t, a, http.StatusOK)
	if m := a.object(t); m["id"] != id || m["name"] != "gone" {
		t.Errorf("DELETE answered %s", a.body)
	}
	if _, has := a.object(t)["enrollment_key"]; has {
		t.Error("DELETE shows the enrollment key")
	}
	wantStatus(t, call(t, nil, http.MethodGet, u, pat, nil), http.StatusNotFound)
	wantStatus(t, call(t, nil, http.MethodDelete, u, pat, nil), http.StatusNotFound)
	wantStatus(t, create(t, cp, pat, "gone", orgA, true), http.StatusOK) // the name is free again

	// Deleted in the Web UI.
	other := cp.AddWorkspace("acme", "other")
	if !cp.DeleteWorkspace(other) || cp.DeleteWorkspace(other) {
		t.Error("DeleteWorkspace does not say whether there was a workspace")
	}
	wantStatus(t, call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces/"+other, pat, nil), http.StatusNotFound)
}

func TestUpdateWorkspace(t *testing.T) {
	cp := startCP(t)
	id := cp.AddWorkspace("acme", "ws")
	ok := cp.UpdateWorkspace(id, func(w *Workspace) {
		w.Status, w.StateReason = "pending", "installing"
		w.ServerURL, w.ServerVersion = String("https://ws.example.com"), String("0.93.2")
		w.ID = "changed"
	})
	if !ok || cp.UpdateWorkspace(NewUUID(), func(*Workspace) {}) {
		t.Fatal("UpdateWorkspace does not say whether there is a workspace")
	}
	a := call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces/"+id, pat, nil)
	wantStatus(t, a, http.StatusOK)
	m := a.object(t)
	service, _ := m["zenml_service"].(map[string]any)
	st, _ := service["status"].(map[string]any)
	if m["status"] != "pending" || m["state_reason"] != "installing" || st["server_url"] != "https://ws.example.com" || st["version"] != "0.93.2" {
		t.Errorf("workspace %s", a.body)
	}
	// A snapshot shares nothing with the record.
	snap := cp.Workspaces()[0]
	*snap.ServerURL = "changed"
	if w, _ := cp.Workspace(id); *w.ServerURL != "https://ws.example.com" {
		t.Error("changing a snapshot changed the record")
	}
}

func TestFailNext(t *testing.T) {
	cp := startCP(t)
	cp.FailNext(http.MethodPost, "/api/v1/workspaces", http.StatusServiceUnavailable, 2)
	for i := range 2 {
		a := create(t, cp, pat, "ws", orgA, true)
		wantStatus(t, a, http.StatusServiceUnavailable)
		if d := a.detail(t); !strings.Contains(d, "503") {
			t.Errorf("fault %d: detail %q", i, d)
		}
		if a.header.Get("Retry-After") != "" {
			t.Error("a 503 fault has Retry-After")
		}
	}
	if n := len(cp.Workspaces()); n != 0 {
		t.Fatalf("a faulted request created %d workspaces", n)
	}
	// GETs do not match the rule of POST.
	wantStatus(t, call(t, nil, http.MethodGet, cp.URL()+"/api/v1/workspaces", pat, nil), http.StatusOK)
	wantStatus(t, create(t, cp, pat, "ws", orgA, true), http.StatusOK)
	if n := cp.Requests(http.MethodPost, "/api/v1/workspaces"); n != 3 {
		t.Errorf("%d POSTs counted, want 3", n)
	}
	if n := cp.Requests("", "/api/v1/"); n != 4 {
		t.Errorf("%d requests counted, want 4", n)
	}
	if n := cp.Requests(http.MethodDelete, ""); n != 0 {
		t.Errorf("%d DELETEs counted, want 0", n)
	}

	cp.FailNext("", "/api/v1/organizations", http.StatusTooManyRequests, 1)
	a := call(t, nil, http.MethodGet, cp.URL()+"/api/v1/organizations", pat, nil)
	wantStatus(t, a, http.StatusTooManyRequests)
	if got := a.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	a.detail(t)
	wantStatus(t, call(t, nil, http.MethodGet, cp.URL()+"/api/v1/organizations", pat, nil), http.StatusOK)

	// Faults come before authentication, as a gateway's do.
	cp.FailNext("", "/health", http.StatusBadGateway, 5)
	wantStatus(t, call(t, nil, http.MethodGet, cp.URL()+"/health", "", nil), http.StatusBadGateway)
	cp.ClearFaults()
	wantStatus(t, call(t, nil, http.MethodGet, cp.URL()+"/health", "", nil), http.StatusOK)
}

func TestSetDelay(t *testing.T) {
	cp := startCP(t)
	cp.SetDelay(http.MethodGet, "/api/v1/organizations", 500*time.Millisecond)
	start := time.Now()
	wantStatus(t, call(t, nil, http.MethodGet, cp.URL()+"/api/v1/organizations", pat, nil), http.StatusOK)
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("the answer came after %v, before the delay", d)
	}
	cp.SetDelay(http.MethodGet, "/api/v1/organizations", 0)
	start = time.Now()
	wantStatus(t, call(t, nil, http.MethodGet, cp.URL()+"/api/v1/organizations", pat, nil), http.StatusOK)
	if d := time.Since(start); d >= 500*time.Millisecond {
		t.Errorf("the answer came after %v with the delay removed", d)
	}

	// A client that gives up: the server stops holding the answer; the creation took effect.
	cp.SetDelay(http.MethodPost, "/api/v1/workspaces", time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cp.URL()+"/api/v1/workspaces?enroll=true",
		strings.NewReader(`{"name":"slow","organization_id":"`+orgA+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+pat)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatal("the answer came despite a delay of an hour")
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the request failed with %v, want its deadline", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for cp.faults.held.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the server still holds the answer of a request whose client has gone")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if ws := cp.Workspaces(); len(ws) != 1 || ws[0].Name != "slow" {
		t.Errorf("workspaces %+v, want the one whose answer was lost", ws)
	}
}

func TestSetDelayServeHTTPContext(t *testing.T) {
	ws := StartWorkspaceServer(t, WorkspaceServerOptions{Info: NewServerInfo("ws", "")})
	ws.SetDelay("", "/", time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	req := (&http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/health"}, Header: http.Header{}}).WithContext(ctx)
	rw := &recorder{header: http.Header{}}
	done := make(chan struct{})
	go func() {
		ws.ServeHTTP(rw, req)
		close(done)
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeHTTP still waits after the request's context ended")
	}
	if rw.status != 0 || rw.body.Len() != 0 {
		t.Errorf("an answer was written (%d %q) for a request whose context ended", rw.status, rw.body.String())
	}
}

// recorder is a ResponseWriter that keeps what it is given.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func TestWorkspaceServerInfo(t *testing.T) {
	info := NewServerInfo("zenml-ws", "")
	info.ServerURL = String("https://zenml-ws.ml.example.com")
	info.ProOrganizationID, info.ProWorkspaceName = String(orgA), String("zenml-ws")
	var hooked atomic.Int32
	ws := StartWorkspaceServer(t, WorkspaceServerOptions{Info: info, InfoHook: func(i *ServerInfo) {
		hooked.Add(1)
		i.ProAPIURL = String("https://cp.example.com/api/v1")
	}})

	a := call(t, nil, http.MethodGet, ws.URL()+"/health", "", nil)
	wantStatus(t, a, http.StatusOK)
	if a.json(t) != "OK" {
		t.Errorf("/health answered %s", a.body)
	}
	a = call(t, nil, http.MethodGet, ws.URL()+"/api/v1/info", "", nil)
	wantStatus(t, a, http.StatusOK)
	m := a.object(t)
	want := map[string]any{
		"id": info.ID, "name": "zenml-ws", "version": "0.93.2", "debug": false, "deployment_type": "cloud",
		"database_type": "sql", "secrets_store_type": "sql", "auth_scheme": "EXTERNAL",
		"server_url": "https://zenml-ws.ml.example.com", "dashboard_url": nil, "analytics_enabled": false,
		"pro_dashboard_url": nil, "pro_api_url": "https://cp.example.com/api/v1", "pro_organization_id": orgA,
		"pro_organization_name": nil, "pro_workspace_id": nil, "pro_workspace_name": "zenml-ws",
	}
	for k, v := range want {
		got, has := m[k]
		if !has || got != v {
			t.Errorf("%s: %v (present %v), want %v", k, got, has, v)
		}
	}
	if md, ok := m["metadata"].(map[string]any); !ok || len(md) != 0 {
		t.Errorf("metadata %v, want {}", m["metadata"])
	}
	if n := hooked.Load(); n != 1 {
		t.Errorf("the hook ran %d times, want 1", n)
	}
	if ws.Info().ProAPIURL != nil {
		t.Error("the hook changed the info set")
	}

	info.Version = "0.94.0"
	ws.SetInfo(info)
	if v := call(t, nil, http.MethodGet, ws.URL()+"/api/v1/info", "", nil).object(t)["version"]; v != "0.94.0" {
		t.Errorf("version %v after SetInfo, want 0.94.0", v)
	}
	wantStatus(t, call(t, nil, http.MethodGet, ws.URL()+"/api/v1/nothing", "", nil), http.StatusNotFound)

	ws.FailNext(http.MethodGet, "/api/v1/info", http.StatusTooManyRequests, 1)
	a = call(t, nil, http.MethodGet, ws.URL()+"/api/v1/info", "", nil)
	wantStatus(t, a, http.StatusTooManyRequests)
	if a.header.Get("Retry-After") != "1" {
		t.Error("a 429 of the workspace server lacks Retry-After: 1")
	}
	if n := ws.Requests(http.MethodGet, "/api/v1/info"); n != 3 {
		t.Errorf("%d info requests counted, want 3", n)
	}
	if n := ws.Requests("", "/health"); n != 1 {
		t.Errorf("%d health requests counted, want 1", n)
	}
}

// testPKI is a CA and a server certificate for 127.0.0.1 and localhost that it signed, in PEM.
type testPKI struct {
	caPEM, certPEM, keyPEM []byte
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cpfake test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return testPKI{
		caPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
}

func TestTLS(t *testing.T) {
	pki := newTestPKI(t)
	cp := StartControlPlane(t, ControlPlaneOptions{Tokens: []string{pat}, TLSCertPEM: pki.certPEM, TLSKeyPEM: pki.keyPEM})
	ws := StartWorkspaceServer(t, WorkspaceServerOptions{
		Info: NewServerInfo("ws", ""), TLSCertPEM: pki.certPEM, TLSKeyPEM: pki.keyPEM, Listen: "localhost:0",
	})
	if !strings.HasPrefix(cp.URL(), "https://127.0.0.1:") || !strings.HasPrefix(ws.URL(), "https://localhost:") {
		t.Fatalf("URLs %s and %s", cp.URL(), ws.URL())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pki.caPEM) {
		t.Fatal("the CA does not parse")
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(trusting.CloseIdleConnections)

	wantStatus(t, call(t, trusting, http.MethodGet, cp.URL()+"/api/v1/organizations", pat, nil), http.StatusOK)
	wantStatus(t, call(t, trusting, http.MethodGet, ws.URL()+"/api/v1/info", "", nil), http.StatusOK)

	// A client without the CA refuses the certificate.
	resp, err := http.Get(cp.URL() + "/health")
	if err == nil {
		_ = resp.Body.Close()
		t.Fatal("a client without the CA trusted the Control Plane")
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("the client failed with %v, want an unknown authority", err)
	}
	// Plain HTTP to the HTTPS port gets nowhere.
	if a := call(t, nil, http.MethodGet, "http"+strings.TrimPrefix(cp.URL(), "https")+"/health", "", nil); a.status == http.StatusOK {
		t.Error("plain HTTP was served on the HTTPS port")
	}
}

func TestStartAndClose(t *testing.T) {
	cp, err := NewControlPlane(ControlPlaneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cp.URL() != "" {
		t.Errorf("URL before Start: %q", cp.URL())
	}
	if err := cp.Start(); err != nil {
		t.Fatal(err)
	}
	if err := cp.Start(); err == nil {
		t.Error("a second Start succeeded")
	}
	u := cp.URL()
	wantStatus(t, call(t, nil, http.MethodGet, u+"/health", "", nil), http.StatusOK)
	if err := cp.Close(); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	if resp, err := client.Get(u + "/health"); err == nil {
		_ = resp.Body.Close()
		t.Error("the Control Plane still answers after Close")
	}
}

func TestURLHost(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4321}
	for listen, want := range map[string]string{
		"127.0.0.1:0": "127.0.0.1:4321", ":0": "127.0.0.1:4321", "0.0.0.0:4321": "127.0.0.1:4321",
		"[::]:0": "127.0.0.1:4321", "localhost:0": "localhost:4321", "[::1]:0": "[::1]:4321",
	} {
		if got := urlHost(listen, addr); got != want {
			t.Errorf("urlHost(%q) = %q, want %q", listen, got, want)
		}
	}
}
