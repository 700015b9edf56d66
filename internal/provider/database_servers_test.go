// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
)

// testKeyPair returns a self-signed certificate and its key, in PEM.
func testKeyPair(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "zenml test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

func heredoc(s string) string { return "<<-EOT\n" + strings.TrimSpace(s) + "\nEOT\n" }

// TestAccDatabaseServers_Validation checks that every rule of database_servers and of
// zenmlpro_database fails `terraform plan` (most at validate time) with the attribute, the rule and
// the offending value. The servers are never contacted: nothing here connects at plan time.
func TestAccDatabaseServers_Validation(t *testing.T) {
	t.Parallel()
	cert, key := testKeyPair(t)
	_, otherKey := testKeyPair(t)
	servers := func(mainExtra string) string {
		return fmt.Sprintf(`
provider "zenmlpro" {
  database_servers = {
    main = {
      engine   = "mysql"
      host     = "db.example.com"
      username = "admin"
      password = "not-used-at-plan"
      %s
    }
    pg = {
      engine   = "postgres"
      host     = "pg.example.com"
      username = "pgadmin"
      password = "not-used-at-plan"
    }
  }
}
`, mainExtra)
	}
	db := func(body string) string {
		return "resource \"zenmlpro_database\" \"this\" {\n" + body + "\n}\n"
	}
	ws := `server = "main"
  name = "zenml_workspace_1"
  component = "workspace_server"`
	for _, tc := range []struct {
		name   string
		config string
		want   string
	}{
		{"engine", strings.Replace(servers(""), `engine   = "mysql"`, `engine = "oracle"`, 1) + db(ws), `(?s)must be one of:.*"mysql".*"postgres".*got:\s+"oracle"`},
		{"port", servers("port = 70000") + db(ws), `(?s)port value must be between 1 and 65535,\s+got:\s+70000`},
		{"host_with_port", strings.Replace(servers(""), `"db.example.com"`, `"db.example.com:3306"`, 1) + db(ws), `(?s)Invalid Database Host.*"db.example.com:3306" has a port`},
		{"host_with_scheme", strings.Replace(servers(""), `"db.example.com"`, `"mysql://db.example.com"`, 1) + db(ws), `(?s)Invalid Database Host.*has a\s+scheme.*e.g.\s+"db.example.com"`},
		{"server_key", strings.Replace(servers(""), "    main = {", "    Main = {", 1) + db(ws), `(?s)must be 1 to 63\s+lower-case letters.*e.g.\s+"main"`},
		{"tls_mode", servers(`tls = { mode = "strict" }`) + db(ws), `(?s)mode value must be one of:.*"verify_full".*got:\s+"strict"`},
		{"ca_not_pem", servers(`tls = { ca_certificate = "not a pem" }`) + db(ws), `(?s)Invalid PEM Certificate.*holds no PEM\s+certificate`},
		{"key_as_ca", servers(`tls = { ca_certificate = `+heredoc(key)+` }`) + db(ws), `(?s)Private Key Instead of Certificate.*"PRIVATE\s+KEY".*not\s+a\s+certificate;\s+this\s+message\s+does\s+not\s+repeat\s+it`},
		{"client_cert_without_key", servers(`tls = { client_certificate = `+heredoc(cert)+` }`) + db(ws), `(?s)Invalid TLS Settings.*client_certificate is given\s+without\s+client_key`},
		{"client_key_without_cert", servers(`tls = { client_key = `+heredoc(key)+` }`) + db(ws), `(?s)Invalid TLS Settings.*client_key is given without\s+client_certificate`},
		{"client_key_mismatch", servers(`tls = {
        client_certificate = `+heredoc(cert)+`
        client_key = `+heredoc(otherKey)+`
      }`) + db(ws), `(?s)client_key does not match\s+client_certificate`},
		{"verify_ca_without_ca", servers(`tls = { mode = "verify_ca" }`) + db(ws), `(?s)mode "verify_ca" checks the server certificate against ca_certificate,\s+which is missing`},
		{"disabled_with_ca", servers(`tls = {
        mode = "disabled"
        ca_certificate = `+heredoc(cert)+`
      }`) + db(ws), `(?s)mode is "disabled" but certificates are given`},
		{"required_with_ca", servers(`tls = {
        mode = "required"
        ca_certificate = `+heredoc(cert)+`
      }`) + db(ws), `(?s)mode is "required", which does not check the server certificate`},
		{"connect_timeout_unit", servers(`connect_timeout = "10"`) + db(ws), `(?s)Invalid Connect Timeout.*"10" is not a\s+duration.*"10s"`},
		{"connect_timeout_range", servers(`connect_timeout = "1h"`) + db(ws), `(?s)"1h" is outside 1s to 5m0s`},
		{"max_open_connections", servers(`max_open_connections = 0`) + db(ws), `(?s)max_open_connections value must be\s+between 1 and 100`},
		{"database_name", servers("") + db(`server = "main"
  name = "Zenml-WS"
  component = "workspace_server"`), `(?s)Invalid Database Name.*"Zenml-WS" is not a safe database name: use 1\s+to 63 characters: lower-case letters, digits and underscores, not starting\s+with a digit, e.g. "zenml_workspace_1"`},
		{"database_name_digit", servers("") + db(`server = "main"
  name = "1zenml"
  component = "workspace_server"`), `(?s)"1zenml" is not a safe database name`},
		{"system_database", servers("") + db(`server = "main"
  name = "mysql"
  component = "workspace_server"`), `(?s)"mysql" is a system database`},
		{"component", servers("") + db(`server = "main"
  name = "zenml_pro"
  component = "dashboard"`), `(?s)component value must be one of:.*"control_plane".*"workspace_server"`},
		{"deletion_policy", servers("") + db(ws+`
  deletion_policy = "delete"`), `(?s)deletion_policy value must be one of:.*"retain".*"drop_if_empty".*"drop"`},
		{"workspace_on_postgres", servers("") + db(`server = "pg"
  name = "zenml_workspace_1"
  component = "workspace_server"`), `(?s)Workspace Database On PostgreSQL.*ZenML Pro supports MySQL 8.0\+ for the\s+Control Plane and for Workspace Servers, and PostgreSQL for the Control Plane\s+only: Workspace Servers are NOT supported on PostgreSQL`},
		// The former spelling of the component is the same component to every rule.
		{"workspace_on_postgres_former_spelling", servers("") + db(`server = "pg"
  name = "zenml_workspace_1"
  component = "workspace"`), `(?s)Workspace Database On PostgreSQL.*Attribute component is "workspace" but server "pg" is a postgres server`},
		{"unknown_server", servers("") + db(`server = "other"
  name = "zenml_pro"
  component = "control_plane"`), `(?s)Unknown Database Server.*"other", which is not a key of the provider's\s+database_servers \(the configured keys are "main" or "pg"\)`},
		{"user_without_password", servers("") + db(ws+`
  user = { name = "zenml_ws1" }`), `(?s)Missing User Password.*password_wo is not set, but the apply creates user.*password_wo = var.workspace_db_password`},
		{"version_without_password", servers("") + db(ws+`
  user = {
    name = "zenml_ws1"
    password_wo_version = 1
  }`), `(?s)Missing User Password.*password_wo_version is set but user.password_wo is not`},
		{"empty_password", servers("") + db(ws+`
  user = {
    name = "zenml_ws1"
    password_wo = ""
  }`), `(?s)Empty User Password`},
		{"user_name", servers("") + db(ws+`
  user = {
    name = "zenml-ws1"
    password_wo = "x"
  }`), `(?s)Invalid User Name.*"zenml-ws1" is not a safe user name`},
		{"user_is_admin", servers("") + db(ws+`
  user = {
    name = "admin"
    password_wo = "x"
  }`), `(?s)User Is The Admin User.*"admin", the admin user of server "main"`},
		{"user_host", servers("") + db(ws+`
  user = {
    name = "zenml_ws1"
    host = "10.0.0.1'; --"
    password_wo = "x"
  }`), `(?s)Invalid MySQL Account Host`},
		{"user_host_on_postgres", servers("") + db(`server = "pg"
  name = "zenml_pro"
  component = "control_plane"
  user = {
    name = "zenml_cp"
    host = "%"
    password_wo = "x"
  }`), `(?s)Attribute Not For This Engine.*user.host applies to MySQL servers only`},
		{"character_set_on_postgres", servers("") + db(`server = "pg"
  name = "zenml_pro"
  component = "control_plane"
  character_set = "utf8mb4"`), `(?s)Attribute Not For This Engine.*character_set applies to mysql servers only`},
		{"encoding_on_mysql", servers("") + db(ws+`
  encoding = "UTF8"`), `(?s)Attribute Not For This Engine.*encoding applies to postgres servers only`},
		{"password_secret_on_control_plane", servers("") + db(`server = "main"
  name = "zenml_pro"
  component = "control_plane"
  password_secret = { name = "zenml-pro-db" }`), `(?s)Password Secret Not Used.*zenml.database.external.password`},
		{"password_secret_name", servers("") + db(ws+`
  password_secret = { name = "zenml_db" }`), `(?s)Invalid Kubernetes Secret Name.*no underscores`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var versionChecks []tfversion.TerraformVersionCheck
			if strings.Contains(tc.config, "password_wo") {
				versionChecks = writeOnlyVersionChecks
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				TerraformVersionChecks:   versionChecks,
				Steps: []resource.TestStep{{
					Config:   tc.config,
					PlanOnly: true,
					// Terraform wraps long messages: any space may be a line break.
					ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
				}},
			})
		})
	}
}

// TestAccDatabaseServers_ValidPlanDoesNotConnect plans databases on servers that do not exist, with
// every TLS setting given: the plan succeeds because nothing connects at plan time.
func TestAccDatabaseServers_ValidPlanDoesNotConnect(t *testing.T) {
	t.Parallel()
	cert, key := testKeyPair(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "zenmlpro" {
  database_servers = {
    main = {
      engine               = "mysql"
      host                 = "db.invalid"
      username             = "admin"
      password             = "not-used-at-plan"
      connect_timeout      = "2s"
      max_open_connections = 8
      tls = {
        ca_certificate     = %s
        client_certificate = %s
        client_key         = %s
      }
    }
  }
}
resource "zenmlpro_database" "this" {
  server    = "main"
  name      = "zenml_workspace_1"
  component = "workspace_server"
}
`, heredoc(cert), heredoc(cert), heredoc(key)),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}

// TestDatabaseServersFrom reads database_servers with unknown parts, as at plan time: nothing fails,
// the known engine is kept for plan-time checks, and the server is not marked connectable.
func TestDatabaseServersFrom(t *testing.T) {
	ctx := context.Background()
	tlsType := map[string]attr.Type{"mode": types.StringType, "ca_certificate": types.StringType, "client_certificate": types.StringType, "client_key": types.StringType}
	serverType := map[string]attr.Type{
		"engine": types.StringType, "host": types.StringType, "port": types.Int64Type, "username": types.StringType, "password": types.StringType,
		"tls": types.ObjectType{AttrTypes: tlsType}, "connect_timeout": types.StringType, "max_open_connections": types.Int64Type,
	}
	entry := func(host types.String, port types.Int64, timeout types.String) attr.Value {
		return types.ObjectValueMust(serverType, map[string]attr.Value{
			"engine": types.StringValue("mysql"), "host": host, "port": port, "username": types.StringValue("admin"),
			"password": types.StringValue("secret"), "tls": types.ObjectNull(tlsType), "connect_timeout": timeout,
			"max_open_connections": types.Int64Null(),
		})
	}
	m := types.MapValueMust(types.ObjectType{AttrTypes: serverType}, map[string]attr.Value{
		"known":     entry(types.StringValue("db.example.com"), types.Int64Null(), types.StringNull()),
		"late":      entry(types.StringUnknown(), types.Int64Value(3307), types.StringNull()),
		"bad_port":  entry(types.StringValue("db.example.com"), types.Int64Value(0), types.StringNull()),
		"bad_delay": entry(types.StringValue("db.example.com"), types.Int64Null(), types.StringValue("soon")),
		"unknown":   types.ObjectUnknown(serverType),
	})
	got, diags := databaseServersFrom(ctx, m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if !got.keysKnown || strings.Join(got.keys(), ",") != "bad_delay,bad_port,known,late,unknown" {
		t.Fatalf("keys = %v (known %t)", got.keys(), got.keysKnown)
	}
	k := got.slots["known"]
	want := databases.ServerConfig{Name: "known", Engine: databases.MySQL, Host: "db.example.com", Port: 3306, Username: "admin", Password: "secret",
		TLS: databases.TLS{Mode: databases.TLSDisabled}, ConnectTimeout: 10 * time.Second, MaxOpenConnections: 4}
	if !k.known || k.problem != nil || k.cfg != want {
		t.Errorf("known = %+v, want %+v", *k, want)
	}
	if l := got.slots["late"]; l.known || l.problem != nil || l.engine != databases.MySQL {
		t.Errorf("late = %+v, want unknown, engine mysql, no problem", *l)
	}
	if u := got.slots["unknown"]; u.known || u.problem != nil || u.engine != "" {
		t.Errorf("unknown = %+v", *u)
	}
	if p := got.slots["bad_port"].problem; p == nil || !strings.Contains(p.Error(), `database_servers["bad_port"].port is 0`) {
		t.Errorf("bad_port problem = %v", p)
	}
	if p := got.slots["bad_delay"].problem; p == nil || !strings.Contains(p.Error(), `"soon" is not a duration`) {
		t.Errorf("bad_delay problem = %v", p)
	}

	whole, diags := databaseServersFrom(ctx, types.MapUnknown(types.ObjectType{AttrTypes: serverType}))
	if diags.HasError() || whole.keysKnown {
		t.Errorf("an unknown map: keysKnown = %t, diags %v", whole.keysKnown, diags)
	}
	none, diags := databaseServersFrom(ctx, types.MapNull(types.ObjectType{AttrTypes: serverType}))
	if diags.HasError() || !none.keysKnown || len(none.slots) != 0 {
		t.Errorf("a null map: %+v, diags %v", none, diags)
	}
}

// TestParseDatabaseImportID: the path forms, with the options for the attributes the server does not
// record, and an error for each broken rule that names it.
func TestParseDatabaseImportID(t *testing.T) {
	ws := &databases.User{Name: "zenml_ws1", Host: "%"}
	for _, tc := range []struct {
		id      string
		want    databases.ImportID
		wantErr string
	}{
		{id: "main/zenml_workspace_1", want: databases.ImportID{Server: "main", Database: "zenml_workspace_1"}},
		{id: "main/zenml_workspace_1/zenml_ws1", want: databases.ImportID{Server: "main", Database: "zenml_workspace_1", User: &databases.User{Name: "zenml_ws1"}}},
		{id: "main/zenml_workspace_1/zenml_ws1@%", want: databases.ImportID{Server: "main", Database: "zenml_workspace_1", User: ws}},
		{id: "pg/zenml_pro/zenml_cp", want: databases.ImportID{Server: "pg", Database: "zenml_pro", User: &databases.User{Name: "zenml_cp"}}},
		// A MySQL host may be an address/netmask.
		{id: "main/zenml_ws/u@10.0.0.0/255.255.0.0", want: databases.ImportID{Server: "main", Database: "zenml_ws", User: &databases.User{Name: "u", Host: "10.0.0.0/255.255.0.0"}}},
		{id: "main/zenml_workspace_1/zenml_ws1@%,component=workspace_server", want: databases.ImportID{Server: "main", Database: "zenml_workspace_1", User: ws,
			Component: "workspace_server"}},
		{id: "main/zenml_pro,component=control_plane,deletion_policy=drop_if_empty", want: databases.ImportID{Server: "main", Database: "zenml_pro",
			Component: "control_plane", DeletionPolicy: "drop_if_empty"}},
		// Options in any order; the former spelling of the component is kept as written.
		{id: "main/zenml_ws/zenml_ws1@%,password_secret.key=db-password,deletion_policy=drop,password_secret.name=zenml-ws-db,component=workspace",
			want: databases.ImportID{Server: "main", Database: "zenml_ws", User: ws, Component: "workspace", DeletionPolicy: "drop",
				PasswordSecretName: "zenml-ws-db", PasswordSecretKey: "db-password"}},
		{id: "pg/zenml_pro,deletion_policy=retain", want: databases.ImportID{Server: "pg", Database: "zenml_pro", DeletionPolicy: "retain"}},
		{id: "zenml_workspace_1", wantErr: "it is not in the form <server>/<database>[/<user>[@<host>]]"},
		{id: "main/zenml_ws/u/x", wantErr: "has more than three parts"},
		{id: "main/zenml_ws/u@", wantErr: `gives no host (leave out "@" for the default host "%")`},
		{id: "Main/zenml_ws", wantErr: `the server "Main" is not a database_servers key`},
		{id: "main/Zenml", wantErr: `"Zenml" is not a safe database name`},
		{id: "main/zenml/Bad", wantErr: `"Bad" is not a safe user name`},
		{id: "main/zenml/u@a b", wantErr: "is not a valid MySQL account host"},
		{id: "main/zenml,component=dashboard", wantErr: `component: "dashboard" is not a database component: use "control_plane" or "workspace_server"`},
		{id: "main/zenml,component=", wantErr: "option component has no value: write component=<value>"},
		{id: "main/zenml,component", wantErr: "option component has no value"},
		{id: "main/zenml,component=control_plane,component=control_plane", wantErr: "option component is given twice"},
		{id: "main/zenml,engine=mysql", wantErr: `"engine=mysql" is not an option of an import ID: the options are "component", "deletion_policy", "password_secret.name" or "password_secret.key"`},
		{id: "main/zenml,component=workspace_server,", wantErr: `"" is not an option of an import ID`},
		{id: "main/zenml,deletion_policy=delete", wantErr: `deletion_policy "delete" is not a deletion policy: use "retain", "drop_if_empty" or "drop"`},
		{id: "main/zenml,password_secret.key=password", wantErr: "option password_secret.key is given without password_secret.name"},
		{id: "main/zenml,password_secret.name=zenml_db", wantErr: `password_secret.name: "zenml_db" is not a valid Kubernetes secret name`},
		{id: "main/zenml,password_secret.name=db,password_secret.key=a/b", wantErr: `password_secret.key: "a/b" is not a valid Kubernetes secret key`},
		{id: "main/zenml_pro,component=control_plane,password_secret.name=zenml-pro-db", wantErr: `password_secret.name is for workspace databases, and this database serves "control_plane"`},
		{id: "", wantErr: "is not in the form"},
	} {
		got, err := parseDatabaseImportID(tc.id)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseDatabaseImportID(%q) error = %v, want %q", tc.id, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseDatabaseImportID(%q) = %+v (user %+v), %v; want %+v (user %+v)", tc.id, got, got.User, err, tc.want, tc.want.User)
		}
	}
}

// TestDatabaseImportIDFormat: the description of the accepted IDs that the "Invalid Import ID" error
// gives names every form and option, and each of its examples is accepted.
func TestDatabaseImportIDFormat(t *testing.T) {
	for _, want := range []string{`"<server>/<database>"`, `"<server>/<database>/<user>"`, `"<server>/<database>/<user>@<host>"`,
		`"component", "deletion_policy", "password_secret.name" or "password_secret.key"`} {
		if !strings.Contains(databaseImportIDFormat, want) {
			t.Errorf("the import ID format lacks %s:\n%s", want, databaseImportIDFormat)
		}
	}
	examples := regexp.MustCompile(`"(main/[^"]+)"`).FindAllStringSubmatch(databaseImportIDFormat, -1)
	if len(examples) != 3 {
		t.Fatalf("the import ID format has %d examples, want 3:\n%s", len(examples), databaseImportIDFormat)
	}
	for _, e := range examples {
		if _, err := parseDatabaseImportID(e[1]); err != nil {
			t.Errorf("the example %q is refused: %v", e[1], err)
		}
	}
}

// FuzzParseDatabaseImportID: any accepted ID splits into parts that pass the name rules and rebuild
// the ID (options in their canonical order).
func FuzzParseDatabaseImportID(f *testing.F) {
	for _, s := range []string{"main/zenml_workspace_1", "main/zenml_workspace_1/zenml_ws1@%", "pg/zenml_pro/zenml_cp", "a/b/c@d@e", "//", "main/x/y@",
		"main/x/y@10.0.0.0/255.0.0.0,component=workspace_server,deletion_policy=drop,password_secret.name=a,password_secret.key=b", "main/x,component=control_plane"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		got, err := parseDatabaseImportID(id)
		if err != nil {
			return
		}
		rebuilt, err := parseDatabaseImportID(got.String())
		if err != nil || !reflect.DeepEqual(rebuilt, got) {
			t.Errorf("parseDatabaseImportID(%q) = %+v, which writes %q and reads back as %+v, %v", id, got, got.String(), rebuilt, err)
		}
		if strings.ContainsAny(got.Database+got.Server+got.Component+got.DeletionPolicy+got.PasswordSecretName+got.PasswordSecretKey, "`'\"\\ ;,=") {
			t.Errorf("parseDatabaseImportID(%q) accepted unsafe characters", id)
		}
	})
}
