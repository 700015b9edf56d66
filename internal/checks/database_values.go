// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package checks

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
)

// DatabaseComponent is the ZenML Pro component a dedicated database serves.
type DatabaseComponent string

const (
	// ControlPlaneDatabase is the Control Plane's database (MySQL 8.0+ or PostgreSQL), e.g. `zenml_pro`.
	ControlPlaneDatabase DatabaseComponent = "control_plane"
	// WorkspaceDatabase is a Workspace Server's database (MySQL only), e.g. `zenml_workspace_1`.
	WorkspaceDatabase DatabaseComponent = "workspace_server"
)

// DeprecatedWorkspaceDatabase is the former name of WorkspaceDatabase, read as it (with a
// deprecation warning) until version 1.0.
const DeprecatedWorkspaceDatabase = "workspace"

// DatabaseComponents lists the components in a fixed order, for validators and descriptions.
func DatabaseComponents() []DatabaseComponent {
	return []DatabaseComponent{ControlPlaneDatabase, WorkspaceDatabase}
}

// DatabaseComponentNames returns DatabaseComponents as strings.
func DatabaseComponentNames() []string {
	out := make([]string, 0, 2)
	for _, c := range DatabaseComponents() {
		out = append(out, string(c))
	}
	return out
}

// ParseDatabaseComponent reads a component name: one of DatabaseComponentNames, or
// DeprecatedWorkspaceDatabase, read as WorkspaceDatabase with deprecated set. Every rule takes the
// component it returns, so both spellings mean the same.
func ParseDatabaseComponent(s string) (c DatabaseComponent, deprecated bool, err error) {
	if s == DeprecatedWorkspaceDatabase {
		return WorkspaceDatabase, true, nil
	}
	for _, c := range DatabaseComponents() {
		if s == string(c) {
			return c, false, nil
		}
	}
	names := DatabaseComponentNames()
	for i, n := range names {
		names[i] = strconv.Quote(n)
	}
	return "", false, fmt.Errorf("%q is not a database component: use %s, e.g. %q", s, strings.Join(names, " or "), WorkspaceDatabase)
}

// SupportsPostgres reports whether ZenML supports the component on PostgreSQL: the Control Plane
// does, a Workspace Server does not.
func (c DatabaseComponent) SupportsPostgres() bool { return c == ControlPlaneDatabase }

// DatabaseSupportMatrix is the ZenML Pro database support matrix, quoted in messages.
const DatabaseSupportMatrix = "ZenML Pro supports MySQL 8.0+ for the Control Plane and for Workspace Servers, " +
	"and PostgreSQL for the Control Plane only: Workspace Servers are NOT supported on PostgreSQL"

// Identifier rules of database and user names.
const (
	// MaxDatabaseNameLength is the longest database name accepted (PostgreSQL's limit; MySQL allows 64).
	MaxDatabaseNameLength = 63
	// MaxUserNameLength is the longest user name accepted (MySQL 8's limit; MariaDB and PostgreSQL allow more).
	MaxUserNameLength = 32
	// ExampleDatabaseName is the valid database name quoted in messages.
	ExampleDatabaseName = "zenml_workspace_1"
	// ExampleUserName is the valid user name quoted in messages.
	ExampleUserName = "zenml_ws1"
)

var (
	databaseNamePattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	userNamePattern     = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,31}$`)
	userHostPattern     = regexp.MustCompile(`^[A-Za-z0-9._%:/-]{1,255}$`)
)

// reservedDatabaseNames are system databases of MySQL, MariaDB and PostgreSQL.
var reservedDatabaseNames = map[string]bool{
	"mysql": true, "information_schema": true, "performance_schema": true, "sys": true,
	"postgres": true, "template0": true, "template1": true,
}

// IdentifierRule states the rule for database names, as in messages.
func IdentifierRule(maxLen int) string {
	return fmt.Sprintf("1 to %d characters: lower-case letters, digits and underscores, not starting with a digit", maxLen)
}

// CheckDatabaseName checks a database name against the safe identifier rule.
func CheckDatabaseName(name string) error {
	if !databaseNamePattern.MatchString(name) {
		return fmt.Errorf("%q is not a safe database name: use %s, e.g. %q", name, IdentifierRule(MaxDatabaseNameLength), ExampleDatabaseName)
	}
	if reservedDatabaseNames[name] {
		return fmt.Errorf("%q is a system database of MySQL or PostgreSQL; use a dedicated name such as %q", name, ExampleDatabaseName)
	}
	return nil
}

// CheckUserName checks a database user name against the safe identifier rule.
func CheckUserName(name string) error {
	if !userNamePattern.MatchString(name) {
		return fmt.Errorf("%q is not a safe user name: use %s, e.g. %q", name, IdentifierRule(MaxUserNameLength), ExampleUserName)
	}
	switch name {
	case "root", "postgres", "mysql", "mariadb", "public":
		return fmt.Errorf("%q is a built-in account of MySQL or PostgreSQL; use a dedicated name such as %q", name, ExampleUserName)
	}
	return nil
}

// CheckUserHost checks the host part of a MySQL account (`%`, a host name, an IP address, a
// pattern with `%` or `_`, or an address/netmask). Upper-case letters are refused: MySQL and MariaDB
// store the host in lower case, so an account written otherwise would never match what the server
// reports.
func CheckUserHost(host string) error {
	if !userHostPattern.MatchString(host) {
		return fmt.Errorf("%q is not a valid MySQL account host: use 1 to 255 letters, digits and the characters . _ %% : / -, "+
			"e.g. \"%%\" (any host), \"10.0.%%\" or \"10.0.0.0/255.255.0.0\"", host)
	}
	if lower := strings.ToLower(host); lower != host {
		return fmt.Errorf("%q has upper-case letters, but MySQL and MariaDB store account hosts in lower case, so the account would "+
			"never match what the server reports; write %q", host, lower)
	}
	return nil
}

// reservedPostgresRoleNames are names PostgreSQL refuses for a role, or reads as the session's own
// role in GRANT and ALTER ROLE.
var reservedPostgresRoleNames = []string{"none", "public", "current_user", "current_role", "session_user"}

// CheckPostgresRoleName checks a user name against what PostgreSQL reserves: names starting with
// `pg_`, and none, public, current_user, current_role and session_user.
func CheckPostgresRoleName(name string) error {
	if strings.HasPrefix(name, "pg_") {
		return fmt.Errorf("%q starts with \"pg_\", which PostgreSQL reserves for its own roles; use a name such as %q", name, ExampleUserName)
	}
	if slices.Contains(reservedPostgresRoleNames, name) {
		return fmt.Errorf("%q is reserved by PostgreSQL (as are %s); use a name such as %q", name,
			strings.Join(reservedPostgresRoleNames, ", "), ExampleUserName)
	}
	return nil
}

// SecretRef names a key of a Kubernetes secret.
type SecretRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// DefaultPasswordSecretKey is the key of the password in the default secret.
const DefaultPasswordSecretKey = "password"

// Keys, in the password secret, of the TLS material a Workspace Server needs (the names of
// Kubernetes TLS secrets).
const (
	SecretKeyCA         = "ca.crt"
	SecretKeyClientCert = "tls.crt"
	SecretKeyClientKey  = "tls.key"
)

// DefaultPasswordSecret is the secret reference used when none is given: `<database name>-db` with
// underscores turned into hyphens (Kubernetes names allow no underscores), key `password`.
func DefaultPasswordSecret(database string) SecretRef {
	return SecretRef{Name: strings.ReplaceAll(database, "_", "-") + "-db", Key: DefaultPasswordSecretKey}
}

var (
	secretNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	secretKeyPattern  = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
)

// CheckSecretName checks a Kubernetes secret name (a DNS-1123 subdomain).
func CheckSecretName(name string) error {
	if len(name) > 253 || !secretNamePattern.MatchString(name) {
		return fmt.Errorf("%q is not a valid Kubernetes secret name: use at most 253 lower-case letters, digits, '-' and '.', "+
			"starting and ending with a letter or digit (no underscores), e.g. %q", name, DefaultPasswordSecret(ExampleDatabaseName).Name)
	}
	return nil
}

// CheckSecretKey checks a key of a Kubernetes secret.
func CheckSecretKey(key string) error {
	if len(key) > 253 || !secretKeyPattern.MatchString(key) || key == "." || key == ".." {
		return fmt.Errorf("%q is not a valid Kubernetes secret key: use at most 253 letters, digits, '-', '_' and '.', e.g. %q", key, DefaultPasswordSecretKey)
	}
	return nil
}

// DatabaseConnection is what ZenML needs to know to reach its database.
type DatabaseConnection struct {
	Engine   string // "mysql" or "postgres"
	Host     string
	Port     int
	Database string
	Username string // "" when the database has no dedicated user
	// TLSMode is the mode of the server's admin connection: disabled, required, verify_ca or verify_full.
	TLSMode string
	// ClientCertificate is true when the server's admin connection presents a client certificate.
	ClientCertificate bool
}

// StoreURL is ZenML's store URL without the password, `mysql://USER@HOST:PORT/DATABASE` (no USER
// without a dedicated user). ZenML documents no PostgreSQL URL, so it is "" for PostgreSQL.
func StoreURL(c DatabaseConnection) string {
	if c.Engine != "mysql" {
		return ""
	}
	u := url.URL{Scheme: "mysql", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), Path: "/" + c.Database}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	return u.String()
}

// HelmDatabaseValues renders the database block of the component's Helm chart as JSON (which is
// also YAML, so it can be passed to Helm as a values file): for a workspace, `zenml.database` of the
// `zenml` chart (URL, password and TLS material as secret references); for the Control Plane,
// `zenml.database.external` of the `zenml-pro` chart (without the password, which that block takes as
// a value). secret is where the password (and TLS material) is kept.
func HelmDatabaseValues(component DatabaseComponent, c DatabaseConnection, secret SecretRef) (string, error) {
	var database map[string]any
	var err error
	switch component {
	case WorkspaceDatabase:
		database, err = WorkspaceDatabaseValues(c, secret)
	case ControlPlaneDatabase:
		database = map[string]any{"external": ControlPlaneDatabaseValues(c)}
	default:
		err = fmt.Errorf("unknown component %q: use %s", component, strings.Join(DatabaseComponentNames(), " or "))
	}
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(map[string]any{"zenml": map[string]any{"database": database}})
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// WorkspaceDatabaseValues is the `database` block of the workspace server chart (`zenml`): the store URL
// without password, the password as `passwordSecretRef`, and the TLS settings with the CA certificate,
// client certificate and key as `secretRef`s into the same secret (keys ca.crt, tls.crt, tls.key).
// Only MySQL is accepted: ZenML's workspace servers do not support PostgreSQL.
func WorkspaceDatabaseValues(c DatabaseConnection, secret SecretRef) (map[string]any, error) {
	if c.Engine != "mysql" {
		return nil, fmt.Errorf("a workspace database needs a MySQL server, not %s: %s", c.Engine, DatabaseSupportMatrix)
	}
	database := map[string]any{"url": StoreURL(c)}
	if c.Username != "" {
		database["passwordSecretRef"] = secret
	}
	if c.TLSMode != "" && c.TLSMode != "disabled" {
		database["ssl"] = true
		database["sslVerifyServerCert"] = c.TLSMode == "verify_full"
		if c.TLSMode == "verify_ca" || c.TLSMode == "verify_full" {
			database["sslCa"] = map[string]any{"secretRef": SecretRef{Name: secret.Name, Key: SecretKeyCA}}
		}
		if c.ClientCertificate {
			database["sslCert"] = map[string]any{"secretRef": SecretRef{Name: secret.Name, Key: SecretKeyClientCert}}
			database["sslKey"] = map[string]any{"secretRef": SecretRef{Name: secret.Name, Key: SecretKeyClientKey}}
		}
	}
	return database, nil
}

// ControlPlaneDatabaseValues is the `database.external` block of the Control Plane chart (`zenml-pro`):
// type, host, database and username. The password is a plain value of that block, so it is left out
// (set it with set_sensitive). The chart documents no port key: a server on another port than the
// engine's default (databases.Engine.DefaultPort) cannot be described by these values, which
// NonDefaultPortNote says.
func ControlPlaneDatabaseValues(c DatabaseConnection) map[string]any {
	external := map[string]any{"type": c.Engine, "host": c.Host, "database": c.Database}
	if c.Username != "" {
		external["username"] = c.Username
	}
	return external
}

// NonDefaultPortNote explains, for a Control Plane database on a port other than the engine's default,
// that the zenml-pro chart has no documented port key; "" when the port is the default.
func NonDefaultPortNote(c DatabaseConnection) string {
	def := databases.Engine(c.Engine).DefaultPort()
	if c.Port == 0 || c.Port == def {
		return ""
	}
	return fmt.Sprintf("the Control Plane database listens on port %d, but the zenml-pro chart documents no port key "+
		"(zenml.database.external takes type, host, username, password and database) and connects to the default port %d; "+
		"serve the database on port %d, or put a proxy or service on that port in front of it",
		c.Port, def, def)
}
