// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/cpfake"
)

// fast retries: the stand-in answers at once.
var fast = retry.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond, Timeout: 5 * time.Second}

func start(t *testing.T) *cpfake.ControlPlane {
	t.Helper()
	return cpfake.StartControlPlane(t, cpfake.ControlPlaneOptions{
		Organizations: map[string]string{"example-corp": ""}, AdminPassword: "admin-secret",
		Tokens: []string{"pat-full"}, ReadOnlyTokens: []string{"pat-read"},
	})
}

func client(t *testing.T, cp *cpfake.ControlPlane, cfg Config) *Client {
	t.Helper()
	cfg.URL = cp.URL()
	cfg.Backoff = fast
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewNeedsCredentials(t *testing.T) {
	if _, err := New(Config{URL: "https://zenml.ml.example.com"}); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Errorf("New without credentials = %v", err)
	}
}

func TestEnrollFindDelete(t *testing.T) {
	cp := start(t)
	ctx := context.Background()
	for _, cfg := range []Config{{Token: "pat-full"}, {Username: "admin", Password: "admin-secret"}} {
		c := client(t, cp, cfg)
		org, err := c.ResolveOrganization(ctx, "example-corp")
		if err != nil || org.ID != cp.OrganizationID("example-corp") {
			t.Fatalf("ResolveOrganization = %+v, %v", org, err)
		}
		if byID, err := c.ResolveOrganization(ctx, org.ID); err != nil || byID.Name != "example-corp" {
			t.Fatalf("ResolveOrganization by ID = %+v, %v", byID, err)
		}
		name := "ws-" + map[bool]string{true: "pat", false: "login"}[cfg.Token != ""]
		if ws, err := c.FindWorkspace(ctx, org.ID, name); err != nil || ws != nil {
			t.Fatalf("FindWorkspace before = %+v, %v", ws, err)
		}
		e, err := c.Enroll(ctx, org.ID, name)
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == "" || len(e.EnrollmentKey) < 32 || e.Organization.ID != org.ID || e.Name != name {
			t.Errorf("Enroll = %+v", e)
		}
		got, err := c.Workspace(ctx, e.ID)
		if err != nil || got.Name != name {
			t.Fatalf("Workspace = %+v, %v", got, err)
		}
		if found, err := c.FindWorkspace(ctx, org.ID, name); err != nil || found == nil || found.ID != e.ID {
			t.Fatalf("FindWorkspace after = %+v, %v", found, err)
		}
		if err := c.DeleteWorkspace(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Workspace(ctx, e.ID); !IsNotFound(err) {
			t.Errorf("Workspace after delete = %v, want not found", err)
		}
		// Deleting again is no error.
		if err := c.DeleteWorkspace(ctx, e.ID); err != nil {
			t.Errorf("second delete = %v", err)
		}
	}
}

func TestErrorsNameStatusEndpointAndAdvice(t *testing.T) {
	cp := start(t)
	ctx := context.Background()
	org := cp.OrganizationID("example-corp")
	for _, tc := range []struct {
		name   string
		cfg    Config
		setup  func()
		call   func(c *Client) error
		status int
		advice string
	}{
		{"bad token", Config{Token: "wrong"}, nil, func(c *Client) error { _, err := c.Organizations(ctx); return err },
			401, "control_plane.token"},
		{"bad password", Config{Username: "admin", Password: "wrong"}, nil, func(c *Client) error { _, err := c.Organizations(ctx); return err },
			401, "control_plane.token"},
		{"read-only user", Config{Token: "pat-read"}, nil, func(c *Client) error { _, err := c.Enroll(ctx, org, "ws-ro"); return err },
			403, "admin role"},
		{"name taken", Config{Token: "pat-full"}, func() { cp.AddWorkspace("example-corp", "ws-taken") },
			func(c *Client) error { _, err := c.Enroll(ctx, org, "ws-taken"); return err }, 409, "import it by its ID"},
		{"gone", Config{Token: "pat-full"}, nil, func(c *Client) error { _, err := c.Workspace(ctx, cpfake.NewUUID()); return err },
			404, "deleted in the Control Plane"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			err := tc.call(client(t, cp, tc.cfg))
			var e *APIError
			if !errors.As(err, &e) || e.Status != tc.status {
				t.Fatalf("error = %v, want HTTP %d", err, tc.status)
			}
			if !strings.Contains(e.Error(), "/api/v1/") || !strings.Contains(e.Advice(), tc.advice) {
				t.Errorf("error %q, advice %q: want the endpoint and %q", e.Error(), e.Advice(), tc.advice)
			}
			for _, secret := range []string{"admin-secret", "pat-full", "pat-read"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error quotes a credential: %v", err)
				}
			}
		})
	}
}

func TestRetriesThrottlingAndServerErrors(t *testing.T) {
	cp := start(t)
	c := client(t, cp, Config{Token: "pat-full"})
	cp.FailNext(http.MethodGet, "/api/v1/organizations", http.StatusTooManyRequests, 2)
	cp.FailNext(http.MethodGet, "/api/v1/organizations", http.StatusServiceUnavailable, 1)
	before := cp.Requests(http.MethodGet, "/api/v1/organizations")
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := cp.Requests(http.MethodGet, "/api/v1/organizations") - before; n != 4 {
		t.Errorf("requests = %d, want 4 (three refused, one answered)", n)
	}
	// Throttled until the timeout: the error says so.
	c.cfg.Backoff.Timeout = 200 * time.Millisecond
	cp.FailNext(http.MethodGet, "/api/v1/organizations", http.StatusTooManyRequests, 1000)
	_, err := c.Organizations(context.Background())
	var e *APIError
	if !errors.As(err, &e) || e.Status != 429 || !strings.Contains(err.Error(), "gave up after") {
		t.Errorf("error = %v, want 429 given up", err)
	}
	cp.ClearFaults()
}

// An enrollment whose answer was lost (the stand-in holds the answer past the client's timeout, so
// the workspace was created but its key never arrived) is not left half done: the next attempt finds
// the workspace it made, deletes it and enrols again, so the caller gets a key that works.
func TestEnrollAnswerLost(t *testing.T) {
	cp := start(t)
	org := cp.OrganizationID("example-corp")
	c := client(t, cp, Config{Token: "pat-full"})
	// A 502 from a gateway after the Control Plane created the workspace: the stand-in answers the
	// fault without creating, so create it first as the lost attempt would have.
	cp.FailNext(http.MethodPost, "/api/v1/workspaces", http.StatusBadGateway, 1)
	lost := cp.AddWorkspace("example-corp", "ws-lost")
	e, err := c.Enroll(context.Background(), org, "ws-lost")
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == lost {
		t.Errorf("enrolled into the workspace of the lost answer %s, whose key is unknown", lost)
	}
	if _, ok := cp.Workspace(lost); ok {
		t.Errorf("the workspace of the lost answer %s is left behind", lost)
	}
	if n := len(cp.Workspaces()); n != 1 {
		t.Errorf("workspaces = %d, want 1", n)
	}
}

func TestTimeoutBoundsASlowControlPlane(t *testing.T) {
	cp := start(t)
	c := client(t, cp, Config{Token: "pat-full"})
	cp.SetDelay(http.MethodGet, "/api/v1/organizations", time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := c.Organizations(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want the deadline", err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("took %s with a 300ms deadline", d)
	}
}

func TestLiveReadsAndTLS(t *testing.T) {
	ws := cpfake.StartWorkspaceServer(t, cpfake.WorkspaceServerOptions{Info: cpfake.NewServerInfo("ws-1", "0.93.2")})
	hc, err := NewHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(ws.URL())
	if r := Health(context.Background(), hc, u); !r.Healthy || r.Err != nil {
		t.Errorf("Health = %+v", r)
	}
	info, err := Info(context.Background(), hc, u)
	if err != nil || info.Version != "0.93.2" || info.DeploymentType != "cloud" {
		t.Errorf("Info = %+v, %v", info, err)
	}
	ws.FailNext(http.MethodGet, "/health", http.StatusServiceUnavailable, 1)
	if r := Health(context.Background(), hc, u); r.Healthy || !strings.Contains(DescribeConnError(r.Err, u.Host), "503") {
		t.Errorf("Health with a 503 = %+v", r)
	}
	if _, err := NewHTTPClient("not a certificate"); err == nil {
		t.Error("a CA without a certificate is accepted")
	}
}
