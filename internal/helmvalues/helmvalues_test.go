// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package helmvalues

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// parse reads a values document back, as Helm does.
func parse(t *testing.T, doc string) map[string]any {
	t.Helper()
	var tree map[string]any
	if err := yaml.Unmarshal([]byte(doc), &tree); err != nil {
		t.Fatalf("values are not YAML: %v\n%s", err, doc)
	}
	return tree
}

// at returns the value at a dotted path, failing the test when a step is missing.
func at(t *testing.T, tree map[string]any, dotted string) any {
	t.Helper()
	var cur any = tree
	for _, k := range strings.Split(dotted, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not a map", dotted, cur)
		}
		if cur, ok = m[k]; !ok {
			t.Fatalf("%s: no key %q in %v", dotted, k, m)
		}
	}
	return cur
}

// mapAt is at for a value that must be a map.
func mapAt(t *testing.T, tree map[string]any, dotted string) map[string]any {
	t.Helper()
	m, ok := at(t, tree, dotted).(map[string]any)
	if !ok {
		t.Fatalf("%s is not a map", dotted)
	}
	return m
}

func workspace(version string) Workspace {
	return Workspace{
		ChartVersion: version,
		Image:        Image{Repository: "harbor.example.com/zenml/zenml-pro-server", Tag: version, Digest: "sha256:" + strings.Repeat("ab", 32)},
		ServerURL:    "https://ws-1.ml.example.com",
		Database: &checks.DatabaseConnection{Engine: "mysql", Host: "db.example.com", Port: 3306, Database: "zenml_ws_1",
			Username: "zenml_ws_1", TLSMode: "verify_full", ClientCertificate: true},
		PasswordSecret: checks.SecretRef{Name: "zenml-ws-1-db", Key: "password"},
		Ingress:        Ingress{Host: "ws-1.ml.example.com", ClassName: "nginx", TLS: true, TLSSecretName: "zenml-tls"},
		Pro: Pro{APIURL: "https://zenml.ml.example.com/api/v1", DashboardURL: "https://zenml.ml.example.com",
			OrganizationID: "0f4c5a2e-0000-4000-8000-000000000001", OrganizationName: "acme",
			WorkspaceID: "0f4c5a2e-0000-4000-8000-000000000002", WorkspaceName: "ws-1",
			EnrollmentKeySecret: &checks.SecretRef{Name: "zenml-ws-1-enrollment", Key: "key"}},
		CustomCAs:        []CustomCA{{Name: "zenml-ca", Certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}},
		ImagePullSecrets: []string{"zenml-registry"},
	}
}

// The values of the workspace chart follow its version: the top-level key (server: from 0.94.2), and
// the enrollment key by secret reference from 0.96.3, before that a key to set separately.
func TestRenderWorkspace(t *testing.T) {
	for _, tc := range []struct {
		version, key, other  string
		enrollmentRef, newer bool
	}{
		{"0.93.2", "zenml", "server", false, false},
		{"0.94.1", "zenml", "server", false, false},
		{"0.94.2", "server", "zenml", false, false},
		{"0.96.2", "server", "zenml", false, false},
		{"0.96.3", "server", "zenml", true, false},
		{"0.98.1", "server", "zenml", true, true},
	} {
		t.Run(tc.version, func(t *testing.T) {
			v, err := RenderWorkspace(workspace(tc.version))
			if err != nil {
				t.Fatal(err)
			}
			tree := parse(t, v.YAML)
			if want := []string{"imagePullSecrets", tc.key}; !reflect.DeepEqual(v.TopLevelKeys, want) {
				t.Errorf("TopLevelKeys = %v, want %v", v.TopLevelKeys, want)
			}
			if _, ok := tree[tc.other]; ok {
				t.Errorf("chart %s: values carry %q besides %q; the chart reads only the key its version documents", tc.version, tc.other, tc.key)
			}
			if bad := CheckDocument(WorkspaceChart, tc.version, tree); len(bad) > 0 {
				t.Errorf("chart %s: keys the contract does not grant: %v", tc.version, bad)
			}
			want := map[string]any{
				"image.repository":                "harbor.example.com/zenml/zenml-pro-server",
				"image.tag":                       tc.version + "@sha256:" + strings.Repeat("ab", 32),
				"serverURL":                       "https://ws-1.ml.example.com",
				"database.url":                    "mysql://zenml_ws_1@db.example.com:3306/zenml_ws_1",
				"database.passwordSecretRef.name": "zenml-ws-1-db",
				"database.passwordSecretRef.key":  "password",
				"database.ssl":                    true,
				"database.sslVerifyServerCert":    true,
				"database.sslCa.secretRef.key":    "ca.crt",
				"database.sslCert.secretRef.key":  "tls.crt",
				"database.sslKey.secretRef.key":   "tls.key",
				"ingress.enabled":                 true,
				"ingress.className":               "nginx",
				"ingress.host":                    "ws-1.ml.example.com",
				"ingress.tls.enabled":             true,
				"ingress.tls.secretName":          "zenml-tls",
				"pro.enabled":                     true,
				"pro.apiURL":                      "https://zenml.ml.example.com/api/v1",
				"pro.dashboardURL":                "https://zenml.ml.example.com",
				"pro.organizationID":              "0f4c5a2e-0000-4000-8000-000000000001",
				"pro.organizationName":            "acme",
				"pro.workspaceID":                 "0f4c5a2e-0000-4000-8000-000000000002",
				"pro.workspaceName":               "ws-1",
			}
			if tc.enrollmentRef {
				want["pro.enrollmentKeySecretRef.name"] = "zenml-ws-1-enrollment"
				want["pro.enrollmentKeySecretRef.key"] = "key"
			}
			for k, w := range want {
				if got := at(t, tree, tc.key+"."+k); got != w {
					t.Errorf("%s.%s = %v, want %v", tc.key, k, got, w)
				}
			}
			wantCAs := []any{map[string]any{"name": "zenml-ca", "certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}}
			if cas := at(t, tree, tc.key+".certificates.customCAs"); !reflect.DeepEqual(cas, wantCAs) {
				t.Errorf("certificates.customCAs = %v", cas)
			}
			// The chart adds nginx's ssl-redirect annotation to this map with TLS on: a map must be given.
			if got := at(t, tree, tc.key+".ingress.annotations"); !reflect.DeepEqual(got, map[string]any{}) {
				t.Errorf("ingress.annotations = %#v, want an empty map", got)
			}
			if got := at(t, tree, "imagePullSecrets"); !reflect.DeepEqual(got, []any{map[string]any{"name": "zenml-registry"}}) {
				t.Errorf("imagePullSecrets = %v", got)
			}
			// Keys the workspace chart does not have, and secret values, never appear.
			for _, k := range []string{"external", "enrollmentKey:", "password:"} {
				if strings.Contains(v.YAML, k) {
					t.Errorf("workspace values hold %q:\n%s", k, v.YAML)
				}
			}
			switch {
			case tc.enrollmentRef && len(v.Sensitive) != 0:
				t.Errorf("chart %s reads the enrollment key by reference, yet Sensitive = %v", tc.version, v.Sensitive)
			case !tc.enrollmentRef && (len(v.Sensitive) != 1 || v.Sensitive[0].Key != tc.key+".pro.enrollmentKey" ||
				!strings.Contains(v.Sensitive[0].Purpose, `"zenml-ws-1-enrollment", key "key"`) || !strings.Contains(v.Sensitive[0].Purpose, "0.96.3")):
				t.Errorf("chart %s reads no secret reference for the enrollment key: Sensitive = %+v, want %s.pro.enrollmentKey from the secret", tc.version, v.Sensitive, tc.key)
			}
			if len(v.ByHand) != 0 {
				t.Errorf("ByHand = %v, want nothing", v.ByHand)
			}
			if v.Newer() != tc.newer || v.VerifiedThrough != WorkspaceChartVerifiedThrough {
				t.Errorf("Newer() = %v (verified through %s), want %v", v.Newer(), v.VerifiedThrough, tc.newer)
			}
			// Every key emitted names its source, and only the keys the document sets are listed.
			if len(v.Keys) < len(want) {
				t.Errorf("Keys lists %d keys, fewer than the %d checked", len(v.Keys), len(want))
			}
			for _, k := range v.Keys {
				if k.Source == "" || !strings.HasPrefix(k.Key, tc.key+".") && k.Key != "imagePullSecrets" {
					t.Errorf("key %+v: no source, or not under %s", k, tc.key)
				}
			}
		})
	}
}

func TestRenderWorkspaceMinimal(t *testing.T) {
	in := workspace("0.93.2")
	in.Database.TLSMode, in.Database.ClientCertificate = "disabled", false
	in.Pro = Pro{APIURL: "https://cloudapi.zenml.io", DashboardURL: "https://cloud.zenml.io", WorkspaceName: "ws-1"}
	in.CustomCAs, in.ImagePullSecrets = nil, nil
	in.Image.Digest = ""
	in.Ingress = Ingress{Host: "ws-1.ml.example.com"}
	v, err := RenderWorkspace(in)
	if err != nil {
		t.Fatal(err)
	}
	tree := parse(t, v.YAML)
	db := mapAt(t, tree, "zenml.database")
	for _, k := range []string{"ssl", "sslCa", "sslCert", "sslKey"} {
		if _, ok := db[k]; ok {
			t.Errorf("database.%s set without TLS: %v", k, db)
		}
	}
	if got := at(t, tree, "zenml.image.tag"); got != "0.93.2" {
		t.Errorf("image.tag = %v", got)
	}
	if got := at(t, tree, "zenml.ingress.tls.enabled"); got != false {
		t.Errorf("ingress.tls.enabled = %v", got)
	}
	pro := mapAt(t, tree, "zenml.pro")
	for _, k := range []string{"organizationID", "workspaceID", "enrollmentKeySecretRef"} {
		if _, ok := pro[k]; ok {
			t.Errorf("pro.%s set though not given: %v", k, pro)
		}
	}
	for _, k := range []string{"certificates", "imagePullSecrets"} {
		if strings.Contains(v.YAML, k) {
			t.Errorf("%s set though not given:\n%s", k, v.YAML)
		}
	}
}

func TestRenderWorkspaceRefusesPostgres(t *testing.T) {
	in := workspace("0.93.2")
	in.Database.Engine = "postgres"
	if _, err := RenderWorkspace(in); err == nil || !strings.Contains(err.Error(), "MySQL") {
		t.Fatalf("err = %v, want the workspace database support rule", err)
	}
	in = workspace("0.95")
	if _, err := RenderWorkspace(in); err == nil {
		t.Fatal("a chart version that is not a release was accepted")
	}
}

func controlPlane() ControlPlane {
	return ControlPlane{
		ChartVersion:     "0.13.0",
		APIImage:         Image{Repository: "harbor.example.com/zenml/zenml-pro-api", Tag: "0.13.0"},
		DashboardImage:   Image{Repository: "harbor.example.com/zenml/zenml-pro-dashboard", Tag: "0.13.0", Digest: "sha256:" + strings.Repeat("cd", 32)},
		ServerURL:        "https://zenml.ml.example.com",
		Database:         &checks.DatabaseConnection{Engine: "postgres", Host: "pg.example.com", Port: 5432, Database: "zenml_pro", Username: "zenml_pro"},
		IngressHost:      "zenml.ml.example.com",
		AuthCookieDomain: "ml.example.com",
		SSO:              SSO{Enabled: true, OIDCConfigurationEndpoint: "https://login.example.com/.well-known/openid-configuration", ClientID: "zenml-pro"},
		CustomCAs:        []CustomCA{{Name: "zenml-ca", Certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}},
		ImagePullSecrets: []string{"zenml-registry"},
	}
}

func TestRenderControlPlane(t *testing.T) {
	v, err := RenderControlPlane(controlPlane())
	if err != nil {
		t.Fatal(err)
	}
	tree := parse(t, v.YAML)
	want := map[string]any{
		"zenml.image.api.repository":               "harbor.example.com/zenml/zenml-pro-api",
		"zenml.image.api.tag":                      "0.13.0",
		"zenml.image.dashboard.repository":         "harbor.example.com/zenml/zenml-pro-dashboard",
		"zenml.image.dashboard.tag":                "0.13.0@sha256:" + strings.Repeat("cd", 32),
		"zenml.serverURL":                          "https://zenml.ml.example.com",
		"zenml.database.external.type":             "postgres",
		"zenml.database.external.host":             "pg.example.com",
		"zenml.database.external.username":         "zenml_pro",
		"zenml.database.external.database":         "zenml_pro",
		"zenml.ingress.enabled":                    true,
		"zenml.ingress.host":                       "zenml.ml.example.com",
		"zenml.auth.authCookieDomain":              "ml.example.com",
		"zenml.auth.sso.enabled":                   true,
		"zenml.auth.sso.oidcConfigurationEndpoint": "https://login.example.com/.well-known/openid-configuration",
		"zenml.auth.sso.clientID":                  "zenml-pro",
	}
	for k, w := range want {
		if got := at(t, tree, k); got != w {
			t.Errorf("%s = %v, want %v", k, got, w)
		}
	}
	external := mapAt(t, tree, "zenml.database.external")
	if len(external) != 4 {
		t.Errorf("zenml.database.external has keys beyond type, host, username and database (the port is the default): %v", external)
	}
	if bad := CheckDocument(ControlPlaneChart, "0.13.0", tree); len(bad) > 0 {
		t.Errorf("keys the contract does not grant: %v", bad)
	}
	// The chart's custom CA key has no documented shape: a setting to make by hand, not a guess.
	if _, ok := mapAt(t, tree, "zenml")["certificates"]; ok || len(v.ByHand) != 1 || v.ByHand[0].Key != "zenml.certificates" ||
		!strings.Contains(v.ByHand[0].Why, "zenml-ca") {
		t.Errorf("certificates: emitted %v, ByHand = %+v; want zenml.certificates by hand naming the CA", ok, v.ByHand)
	}
	auth := mapAt(t, tree, "zenml.auth")
	if _, ok := auth["password"]; ok {
		t.Errorf("local password login set beside SSO: %v", auth)
	}
	for _, k := range []string{"clientSecret", "adminPassword", "password:"} {
		if strings.Contains(v.YAML, k) {
			t.Errorf("values hold %q:\n%s", k, v.YAML)
		}
	}
	wantSensitive := []Sensitive{
		{Key: "zenml.auth.sso.clientSecret"},
		{Key: "zenml.database.external.password"},
	}
	if len(v.Sensitive) != len(wantSensitive) {
		t.Fatalf("Sensitive = %v", v.Sensitive)
	}
	for i, s := range v.Sensitive {
		if s.Key != wantSensitive[i].Key || s.Purpose == "" {
			t.Errorf("Sensitive[%d] = %+v, want key %s with a purpose", i, s, wantSensitive[i].Key)
		}
	}
}

func TestRenderControlPlaneWithoutSSO(t *testing.T) {
	in := controlPlane()
	in.SSO = SSO{}
	in.AuthCookieDomain = ""
	v, err := RenderControlPlane(in)
	if err != nil {
		t.Fatal(err)
	}
	tree := parse(t, v.YAML)
	if got := at(t, tree, "zenml.auth.password.enabled"); got != true {
		t.Errorf("zenml.auth.password.enabled = %v", got)
	}
	auth := mapAt(t, tree, "zenml.auth")
	for _, k := range []string{"sso", "authCookieDomain"} {
		if _, ok := auth[k]; ok {
			t.Errorf("zenml.auth.%s set though not asked for: %v", k, auth)
		}
	}
	keys := []string{}
	for _, s := range v.Sensitive {
		keys = append(keys, s.Key)
	}
	if !reflect.DeepEqual(keys, []string{"zenml.auth.password.adminPassword", "zenml.database.external.password"}) {
		t.Errorf("Sensitive keys = %v", keys)
	}
}

// The database block of zenmlpro_database, for a chart version not known: keys every covered version
// reads, under zenml:, checked against the contract.
func TestDatabaseValues(t *testing.T) {
	secret := checks.SecretRef{Name: "zenml-workspace-1-db", Key: "password"}
	ws := checks.DatabaseConnection{Engine: "mysql", Host: "db.example.com", Port: 3306, Database: "zenml_workspace_1", Username: "zenml_ws1", TLSMode: "disabled"}
	ref := func(key string) map[string]any {
		return map[string]any{"secretRef": map[string]any{"name": "zenml-workspace-1-db", "key": key}}
	}
	for _, tc := range []struct {
		name      string
		component checks.DatabaseComponent
		c         checks.DatabaseConnection
		want      map[string]any
		wantErr   string
	}{
		{name: "workspace without TLS", component: checks.WorkspaceDatabase, c: ws, want: map[string]any{
			"url":               "mysql://zenml_ws1@db.example.com:3306/zenml_workspace_1",
			"passwordSecretRef": map[string]any{"name": "zenml-workspace-1-db", "key": "password"},
		}},
		{name: "workspace without a user", component: checks.WorkspaceDatabase, c: func() checks.DatabaseConnection { c := ws; c.Username = ""; return c }(), want: map[string]any{
			"url": "mysql://db.example.com:3306/zenml_workspace_1",
		}},
		{name: "workspace verify_full with client certificate", component: checks.WorkspaceDatabase,
			c: func() checks.DatabaseConnection {
				c := ws
				c.TLSMode = "verify_full"
				c.ClientCertificate = true
				return c
			}(), want: map[string]any{
				"url":                 "mysql://zenml_ws1@db.example.com:3306/zenml_workspace_1",
				"passwordSecretRef":   map[string]any{"name": "zenml-workspace-1-db", "key": "password"},
				"ssl":                 true,
				"sslVerifyServerCert": true,
				"sslCa":               ref("ca.crt"),
				"sslCert":             ref("tls.crt"),
				"sslKey":              ref("tls.key"),
			}},
		{name: "workspace verify_ca", component: checks.WorkspaceDatabase,
			c: func() checks.DatabaseConnection { c := ws; c.TLSMode = "verify_ca"; return c }(), want: map[string]any{
				"url":                 "mysql://zenml_ws1@db.example.com:3306/zenml_workspace_1",
				"passwordSecretRef":   map[string]any{"name": "zenml-workspace-1-db", "key": "password"},
				"ssl":                 true,
				"sslVerifyServerCert": false,
				"sslCa":               ref("ca.crt"),
			}},
		{name: "workspace required", component: checks.WorkspaceDatabase,
			c: func() checks.DatabaseConnection { c := ws; c.TLSMode = "required"; return c }(), want: map[string]any{
				"url":                 "mysql://zenml_ws1@db.example.com:3306/zenml_workspace_1",
				"passwordSecretRef":   map[string]any{"name": "zenml-workspace-1-db", "key": "password"},
				"ssl":                 true,
				"sslVerifyServerCert": false,
			}},
		{name: "control plane on postgres", component: checks.ControlPlaneDatabase,
			c: checks.DatabaseConnection{Engine: "postgres", Host: "pg.example.com", Port: 5432, Database: "zenml_pro", Username: "zenml_cp"}, want: map[string]any{
				"external": map[string]any{"type": "postgres", "host": "pg.example.com", "username": "zenml_cp", "database": "zenml_pro"},
			}},
		{name: "control plane on another port", component: checks.ControlPlaneDatabase,
			c: checks.DatabaseConnection{Engine: "postgres", Host: "pg.example.com", Port: 6432, Database: "zenml_pro", Username: "zenml_cp"}, want: map[string]any{
				"external": map[string]any{"type": "postgres", "host": "pg.example.com", "port": float64(6432), "username": "zenml_cp", "database": "zenml_pro"},
			}},
		{name: "control plane on mysql without user", component: checks.ControlPlaneDatabase,
			c: checks.DatabaseConnection{Engine: "mysql", Host: "db", Port: 3306, Database: "zenml_pro"}, want: map[string]any{
				"external": map[string]any{"type": "mysql", "host": "db", "database": "zenml_pro"},
			}},
		{name: "workspace on postgres", component: checks.WorkspaceDatabase,
			c: checks.DatabaseConnection{Engine: "postgres", Host: "db", Port: 5432, Database: "zenml_workspace_1"}, wantErr: "NOT supported on PostgreSQL"},
		{name: "unknown component", component: "pipeline", c: ws, wantErr: `unknown component "pipeline"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DatabaseValues(tc.component, tc.c, secret)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(got), &m); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"zenml": map[string]any{"database": tc.want}}
			if !reflect.DeepEqual(m, want) {
				t.Errorf("got  %s\nwant %v", got, want)
			}
			for _, s := range []string{"password\":\"", "PRIVATE KEY", "BEGIN CERTIFICATE"} {
				if strings.Contains(got, s) {
					t.Errorf("values hold a secret value (%q): %s", s, got)
				}
			}
		})
	}
}

// Every row of the contract says where its fact comes from, from which version, as what; a path is
// listed once per chart.
func TestContractRows(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Contract() {
		id := k.Chart + " " + k.Path
		if seen[id] {
			t.Errorf("%s is listed twice", id)
		}
		seen[id] = true
		if k.Chart != WorkspaceChart && k.Chart != ControlPlaneChart {
			t.Errorf("%s: unknown chart", id)
		}
		if k.Source == "" || k.Type == "" || k.Becomes == "" {
			t.Errorf("%s: source %q, type %q, becomes %q: every row needs all three", id, k.Source, k.Type, k.Becomes)
		}
		for _, v := range []string{k.From, k.Until} {
			if v == "" && v == k.Until {
				continue
			}
			if _, err := releases.ParseVersion(v); err != nil {
				t.Errorf("%s: version %q: %v", id, v, err)
			}
		}
		if k.Chart == ControlPlaneChart && strings.HasPrefix(k.Path, ServerBlock) {
			t.Errorf("%s: the Control Plane chart has no server block", id)
		}
	}
}

// CheckDocument finds keys the contract does not grant to the chart version: unknown keys, keys of a
// later version, the server: key before 0.94.2; a secret reference counts as one key.
func TestCheckDocument(t *testing.T) {
	for _, tc := range []struct {
		chart, version string
		doc            map[string]any
		want           []string
	}{
		{WorkspaceChart, "0.93.2", map[string]any{"zenml": map[string]any{
			"database": map[string]any{"url": "mysql://u@db:3306/ws", "passwordSecretRef": map[string]any{"name": "s", "key": "password"},
				"external": map[string]any{"host": "db"}},
			"pro": map[string]any{"enrollmentKeySecretRef": map[string]any{"name": "s", "key": "k"}, "workspaceID": "id"},
		}}, []string{"zenml.database.external.host", "zenml.pro.enrollmentKeySecretRef"}},
		{WorkspaceChart, "0.94.1", map[string]any{"server": map[string]any{"serverURL": "https://ws"}}, []string{"server"}},
		{WorkspaceChart, "0.94.2", map[string]any{"server": map[string]any{"serverURL": "https://ws"}, "zenml": map[string]any{"serverURL": "https://ws"}}, nil},
		{WorkspaceChart, "0.96.2", map[string]any{"server": map[string]any{"pro": map[string]any{"enrollmentKeySecretRef": map[string]any{"name": "s", "key": "k"}}}},
			[]string{"server.pro.enrollmentKeySecretRef"}},
		{ControlPlaneChart, "0.13.0", map[string]any{"zenml": map[string]any{"certificates": map[string]any{"customCAs": []any{}}, "serverURL": "https://cp"}},
			[]string{"zenml.certificates.customCAs"}},
		{ControlPlaneChart, "0.13", map[string]any{}, []string{`(version "0.13": `}},
	} {
		got := CheckDocument(tc.chart, tc.version, tc.doc)
		if len(tc.want) == 1 && strings.HasPrefix(tc.want[0], "(") {
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.want[0]) {
				t.Errorf("%s %s: %v, want %v", tc.chart, tc.version, got, tc.want)
			}
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %s: CheckDocument = %v, want %v", tc.chart, tc.version, got, tc.want)
		}
	}
}

// The Control Plane chart: a database on another port gets the port key, whose only source is weak
// (said in Doubtful); from 0.13.12 and 0.13.13 the keys to set separately say that a secret reference
// exists whose key no public source names; a version before the contract's coverage is refused.
func TestRenderControlPlaneVersions(t *testing.T) {
	in := controlPlane()
	in.Database.Port = 6432
	in.ChartVersion = "0.13.18"
	in.SSO = SSO{}
	v, err := RenderControlPlane(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := at(t, parse(t, v.YAML), "zenml.database.external.port"); got != 6432 {
		t.Errorf("zenml.database.external.port = %v, want 6432", got)
	}
	if d := v.Doubtful(); len(d) != 1 || d[0].Key != "zenml.database.external.port" {
		t.Errorf("Doubtful = %+v, want the port key", d)
	}
	for _, s := range v.Sensitive {
		if !strings.Contains(s.Purpose, "no public source names") {
			t.Errorf("Control Plane 0.13.18: %s's purpose %q does not say a secret reference exists", s.Key, s.Purpose)
		}
	}
	in.ChartVersion = "0.13.11"
	v, err = RenderControlPlane(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Sensitive {
		if strings.Contains(s.Purpose, "Kubernetes secret") {
			t.Errorf("Control Plane 0.13.11 reads no secret reference, yet %s says %q", s.Key, s.Purpose)
		}
	}
	in.ChartVersion = "0.12.9"
	if _, err := RenderControlPlane(in); err == nil || !strings.Contains(err.Error(), "older than the oldest version") {
		t.Errorf("Control Plane 0.12.9: err = %v, want the coverage error", err)
	}
	if _, err := RenderWorkspace(workspace("0.81.0")); err == nil || !strings.Contains(err.Error(), "0.82.0") {
		t.Errorf("workspace 0.81.0: err = %v, want the coverage error", err)
	}
}

// The guide of the contract in templates/ is the one the contract renders (make generate writes it).
func TestGuideIsCurrent(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("..", "..", GuidePath))
	if err != nil {
		t.Fatalf("%v; run make generate", err)
	}
	if string(got) != Guide() {
		t.Fatalf("%s is not what the contract renders: run make generate and commit it", GuidePath)
	}
	for _, k := range Contract() {
		if !strings.Contains(string(got), "| `"+k.Path+"` |") {
			t.Errorf("the guide lacks %s %s", k.Chart, k.Path)
		}
	}
}
