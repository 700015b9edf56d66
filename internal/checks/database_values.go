// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package checks

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
