// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package helmvalues

import (
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
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

func TestRenderWorkspace(t *testing.T) {
	for _, tc := range []struct{ version, key, other string }{
		{"0.93.2", "zenml", "server"},
		{"0.95.0", "server", "zenml"},
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
				"pro.enrollmentKeySecretRef.name": "zenml-ws-1-enrollment",
				"pro.enrollmentKeySecretRef.key":  "key",
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
			if got := at(t, tree, "imagePullSecrets"); !reflect.DeepEqual(got, []any{map[string]any{"name": "zenml-registry"}}) {
				t.Errorf("imagePullSecrets = %v", got)
			}
			// Keys the workspace chart does not have, and secret values, never appear.
			for _, k := range []string{"external", "enrollmentKey:", "password:"} {
				if strings.Contains(v.YAML, k) {
					t.Errorf("workspace values hold %q:\n%s", k, v.YAML)
				}
			}
			if len(v.Sensitive) != 0 {
				t.Errorf("the workspace chart takes every secret by reference, yet Sensitive = %v", v.Sensitive)
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
		t.Errorf("zenml.database.external has keys beyond type, host, username and database (the chart has no port key): %v", external)
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
