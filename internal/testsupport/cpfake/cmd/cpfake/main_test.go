// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a buffer that the command writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// get sends a request and decodes its JSON answer into out.
func get(t *testing.T, method, url, token, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s answered %s: %v", method, url, b, err)
		}
	}
	return resp.StatusCode
}

func TestRun(t *testing.T) {
	stateFile := filepath.Join(t.TempDir(), "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout syncBuffer
	done := make(chan error, 1)
	c := config{
		listen: "127.0.0.1:0", adminUsername: "admin", adminPassword: "pw", tokens: listFlag{"tok"},
		orgs: listFlag{"acme", "beta"}, workspaceServers: "alpha=0.93.2, bravo=0.94.0",
		urlTemplate: "https://zenml-%s.ml.example.com", stateFile: stateFile,
	}
	go func() { done <- run(ctx, c, &stdout) }()

	var st state
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(stateFile)
		if err == nil {
			if err := json.Unmarshal(b, &st); err != nil {
				t.Fatalf("the state file holds %s: %v", b, err)
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the command ended before writing its state: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no state file")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(st.Organizations) != 2 || st.Organizations["acme"] == "" || len(st.WorkspaceServers) != 2 ||
		!strings.HasPrefix(st.ControlPlaneURL, "http://127.0.0.1:") {
		t.Fatalf("state %+v", st)
	}
	if line := strings.TrimSpace(stdout.String()); !strings.Contains(line, st.ControlPlaneURL) || strings.Count(line, "\n") != 0 {
		t.Errorf("stdout %q, want the state as one line", line)
	}

	// Before the enrollment, the info has no pro_* workspace fields.
	var info map[string]any
	if s := get(t, http.MethodGet, st.WorkspaceServers["alpha"]+"/api/v1/info", "", "", &info); s != http.StatusOK {
		t.Fatalf("info: %d", s)
	}
	if info["name"] != "alpha" || info["version"] != "0.93.2" || info["server_url"] != "https://zenml-alpha.ml.example.com" ||
		info["pro_workspace_id"] != nil || info["pro_api_url"] != st.ControlPlaneURL+"/api/v1" {
		t.Errorf("info before the enrollment: %v", info)
	}

	var ws map[string]any
	body := `{"name":"alpha","organization_id":"` + st.Organizations["beta"] + `"}`
	if s := get(t, http.MethodPost, st.ControlPlaneURL+"/api/v1/workspaces?enroll=true", "tok", body, &ws); s != http.StatusOK {
		t.Fatalf("enrollment: %d %v", s, ws)
	}
	info = nil
	get(t, http.MethodGet, st.WorkspaceServers["alpha"]+"/api/v1/info", "", "", &info)
	if info["pro_workspace_id"] != ws["id"] || info["pro_workspace_name"] != "alpha" ||
		info["pro_organization_id"] != st.Organizations["beta"] || info["pro_organization_name"] != "beta" {
		t.Errorf("info after the enrollment: %v", info)
	}
	// The server reported itself to the Control Plane's record.
	ws = nil
	wsID, _ := info["pro_workspace_id"].(string)
	get(t, http.MethodGet, st.ControlPlaneURL+"/api/v1/workspaces/"+wsID, "tok", "", &ws)
	service, _ := ws["zenml_service"].(map[string]any)
	status, _ := service["status"].(map[string]any)
	if status["server_url"] != "https://zenml-alpha.ml.example.com" || status["version"] != "0.93.2" {
		t.Errorf("the Control Plane's record after the info: %v", ws)
	}
	// The other server is not enrolled.
	info = nil
	get(t, http.MethodGet, st.WorkspaceServers["bravo"]+"/api/v1/info", "", "", &info)
	if info["version"] != "0.94.0" || info["pro_workspace_id"] != nil {
		t.Errorf("info of bravo: %v", info)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command does not end with its context")
	}
}

func TestParseServers(t *testing.T) {
	got, err := parseServers(" a=1.0 ,b=2.0,")
	if err != nil || len(got) != 2 || got[0] != (serverSpec{"a", "1.0"}) || got[1] != (serverSpec{"b", "2.0"}) {
		t.Errorf("parseServers: %v, %v", got, err)
	}
	for _, bad := range []string{"a", "a=", "=1", "a=1,a=2"} {
		if _, err := parseServers(bad); err == nil {
			t.Errorf("parseServers(%q) accepted", bad)
		}
	}
}

func TestListFlag(t *testing.T) {
	var l listFlag
	_ = l.Set("a, b")
	_ = l.Set("c")
	if l.String() != "a,b,c" {
		t.Errorf("listFlag %q, want a,b,c", l.String())
	}
}
