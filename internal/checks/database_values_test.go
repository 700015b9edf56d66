// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package checks

import (
	"strings"
	"testing"
)

// TestParseDatabaseComponent: both spellings of the Workspace Server's database read as one component,
// the former one marked deprecated; the names listed for descriptions are the current ones.
func TestParseDatabaseComponent(t *testing.T) {
	for _, tc := range []struct {
		in             string
		want           DatabaseComponent
		wantDeprecated bool
		wantErr        string
	}{
		{in: "control_plane", want: ControlPlaneDatabase},
		{in: "workspace_server", want: WorkspaceDatabase},
		{in: "workspace", want: WorkspaceDatabase, wantDeprecated: true},
		{in: "Workspace", wantErr: `"Workspace" is not a database component: use "control_plane" or "workspace_server", e.g. "workspace_server"`},
		{in: "workspace_servers", wantErr: "is not a database component"},
		{in: "", wantErr: `"" is not a database component`},
	} {
		got, deprecated, err := ParseDatabaseComponent(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseDatabaseComponent(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want || deprecated != tc.wantDeprecated {
			t.Errorf("ParseDatabaseComponent(%q) = %q, %t, %v; want %q, %t", tc.in, got, deprecated, err, tc.want, tc.wantDeprecated)
		}
	}
	if got := strings.Join(DatabaseComponentNames(), ","); got != "control_plane,workspace_server" {
		t.Errorf("DatabaseComponentNames() = %s", got)
	}
	if WorkspaceDatabase.SupportsPostgres() || !ControlPlaneDatabase.SupportsPostgres() {
		t.Error("SupportsPostgres: only the Control Plane's database is supported on PostgreSQL")
	}
}

func TestCheckDatabaseName(t *testing.T) {
	for _, tc := range []struct {
		name, wantErr string
	}{
		// The names the ZenML Pro prerequisites use.
		{name: "zenml_pro"},
		{name: "zenml_workspace_1"},
		{name: "zenml_workspace_2"},
		{name: "_private"},
		{name: strings.Repeat("a", 63)},
		{name: "", wantErr: `"" is not a safe database name`},
		{name: strings.Repeat("a", 64), wantErr: "is not a safe database name: use 1 to 63 characters"},
		{name: "1zenml", wantErr: `"1zenml" is not a safe database name`},
		{name: "Zenml_Pro", wantErr: `"Zenml_Pro" is not a safe database name`},
		{name: "zenml-workspace-1", wantErr: `"zenml-workspace-1" is not a safe database name: use 1 to 63 characters: lower-case letters, digits and underscores, not starting with a digit, e.g. "zenml_workspace_1"`},
		{name: "zenml`; DROP DATABASE x; --", wantErr: "is not a safe database name"},
		{name: "zenml pro", wantErr: "is not a safe database name"},
		{name: "mysql", wantErr: `"mysql" is a system database`},
		{name: "postgres", wantErr: `"postgres" is a system database`},
		{name: "information_schema", wantErr: "is a system database"},
		{name: "template1", wantErr: "is a system database"},
	} {
		err := CheckDatabaseName(tc.name)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("CheckDatabaseName(%q) = %v, want nil", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("CheckDatabaseName(%q) = %v, want an error containing %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestCheckUserNameAndHost(t *testing.T) {
	for _, ok := range []string{"zenml_ws1", "zenml_cp", "_x", strings.Repeat("u", 32)} {
		if err := CheckUserName(ok); err != nil {
			t.Errorf("CheckUserName(%q) = %v", ok, err)
		}
	}
	for name, want := range map[string]string{
		"":                      "is not a safe user name",
		strings.Repeat("u", 33): "use 1 to 32 characters",
		"Zenml":                 "is not a safe user name",
		"zenml@%":               "is not a safe user name",
		"root":                  "is a built-in account",
		"postgres":              "is a built-in account",
	} {
		if err := CheckUserName(name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckUserName(%q) = %v, want %q", name, err, want)
		}
	}
	for _, ok := range []string{"%", "localhost", "10.0.%", "10.0.0.0/255.255.0.0", "::1", "app-1.example.com", "10.0.0._"} {
		if err := CheckUserHost(ok); err != nil {
			t.Errorf("CheckUserHost(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a'b", "a b", "x\\", strings.Repeat("h", 256)} {
		if err := CheckUserHost(bad); err == nil || !strings.Contains(err.Error(), `e.g. "%" (any host)`) {
			t.Errorf("CheckUserHost(%q) = %v, want the rule with an example", bad, err)
		}
	} // MySQL stores hosts in lower case: another case would never converge.
	for bad, want := range map[string]string{"LOCALHOST": `write "localhost"`, "DB.Example.COM": `write "db.example.com"`} {
		if err := CheckUserHost(bad); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "lower case") {
			t.Errorf("CheckUserHost(%q) = %v, want the lower-case rule and %s", bad, err, want)
		}
	}
}

func TestCheckPostgresRoleName(t *testing.T) {
	for _, ok := range []string{"zenml_ws1", "pgadmin", "nonexistent", "publicist", "user"} {
		if err := CheckPostgresRoleName(ok); err != nil {
			t.Errorf("CheckPostgresRoleName(%q) = %v", ok, err)
		}
	}
	for name, want := range map[string]string{
		"pg_zenml": `starts with "pg_"`, "none": "is reserved by PostgreSQL", "public": "is reserved by PostgreSQL",
		"current_user": "is reserved by PostgreSQL", "session_user": "is reserved by PostgreSQL", "current_role": "is reserved by PostgreSQL",
	} {
		if err := CheckPostgresRoleName(name); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"zenml_ws1"`) {
			t.Errorf("CheckPostgresRoleName(%q) = %v, want %q and an example", name, err, want)
		}
	}
}

func TestSecretNamesAndKeys(t *testing.T) {
	if got := DefaultPasswordSecret("zenml_workspace_1"); got != (SecretRef{Name: "zenml-workspace-1-db", Key: "password"}) {
		t.Errorf("DefaultPasswordSecret = %+v", got)
	}
	// The default name is a valid Kubernetes name for every valid database name.
	for _, db := range []string{"zenml_pro", "zenml_workspace_1", "x", strings.Repeat("a", 63)} {
		if err := CheckSecretName(DefaultPasswordSecret(db).Name); err != nil {
			t.Errorf("default secret name of %q: %v", db, err)
		}
	}
	if err := CheckSecretName("zenml_db"); err == nil || !strings.Contains(err.Error(), "no underscores") {
		t.Errorf("CheckSecretName(zenml_db) = %v", err)
	}
	for _, bad := range []string{"", "-a", "a-", "A", strings.Repeat("a", 254)} {
		if CheckSecretName(bad) == nil {
			t.Errorf("CheckSecretName(%q) accepted", bad)
		}
	}
	for _, ok := range []string{"password", "db.password", "DB_PASSWORD", "tls.key"} {
		if err := CheckSecretKey(ok); err != nil {
			t.Errorf("CheckSecretKey(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a b"} {
		if CheckSecretKey(bad) == nil {
			t.Errorf("CheckSecretKey(%q) accepted", bad)
		}
	}
}

func TestStoreURL(t *testing.T) {
	for _, tc := range []struct {
		c    DatabaseConnection
		want string
	}{
		// The example.
		{DatabaseConnection{Engine: "mysql", Host: "db.example.com", Port: 3306, Database: "zenml_workspace_1", Username: "zenml_ws1"},
			"mysql://zenml_ws1@db.example.com:3306/zenml_workspace_1"},
		{DatabaseConnection{Engine: "mysql", Host: "10.0.0.5", Port: 33306, Database: "zenml_pro"}, "mysql://10.0.0.5:33306/zenml_pro"},
		{DatabaseConnection{Engine: "mysql", Host: "::1", Port: 3306, Database: "zenml_pro", Username: "u"}, "mysql://u@[::1]:3306/zenml_pro"},
		{DatabaseConnection{Engine: "postgres", Host: "db", Port: 5432, Database: "zenml_pro", Username: "u"}, ""},
	} {
		if got := StoreURL(tc.c); got != tc.want {
			t.Errorf("StoreURL(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}
