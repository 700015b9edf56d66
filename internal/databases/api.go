// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package databases creates and inspects the dedicated databases and users that ZenML Pro needs, on
// MySQL (and MariaDB) and PostgreSQL servers. It knows nothing about Terraform: the provider package
// adapts it.
//
// One Pools value holds one connection pool per configured server, opened lazily at the first call
// that needs it and shared by every caller, so that a plan of many databases on one server opens one
// pool, and a server whose address is only known at apply time is never contacted at plan time.
package databases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Engine is the kind of server, as the provider's `engine` attribute names it.
type Engine string

const (
	// MySQL is MySQL 8.0+ or MariaDB 10.6+ (accepted with a warning).
	MySQL Engine = "mysql"
	// Postgres is PostgreSQL; ZenML supports it for the Control Plane only.
	Postgres Engine = "postgres"
)

// Engines lists the engines in a fixed order, for validators and descriptions.
func Engines() []Engine { return []Engine{MySQL, Postgres} }

// DefaultPort is the engine's default port (3306 / 5432).
func (e Engine) DefaultPort() int {
	if e == Postgres {
		return 5432
	}
	return 3306
}

// TLSMode says how the connection to the server is secured.
type TLSMode string

const (
	TLSDisabled   TLSMode = "disabled"    // plain TCP
	TLSRequired   TLSMode = "required"    // encrypted, server certificate not verified
	TLSVerifyCA   TLSMode = "verify_ca"   // encrypted, certificate chains to the CA; name not checked
	TLSVerifyFull TLSMode = "verify_full" // encrypted, chains to the CA and matches the host name
)

// TLSModes lists the modes in a fixed order, for validators and descriptions.
func TLSModes() []TLSMode { return []TLSMode{TLSDisabled, TLSRequired, TLSVerifyCA, TLSVerifyFull} }

// TLS is the TLS configuration of a server connection. PEM blocks are given inline.
type TLS struct {
	Mode              TLSMode
	CACertificate     string // PEM; verify_ca and verify_full need it (or the system roots for verify_full)
	ClientCertificate string // PEM, optional, with ClientKey
	ClientKey         string // PEM, optional, with ClientCertificate
}

// ServerConfig is one admin connection: an entry of the provider's `database_servers` map.
type ServerConfig struct {
	Name               string // the key in database_servers, used in messages and IDs
	Engine             Engine
	Host               string
	Port               int
	Username           string
	Password           string // never logged, never returned in errors
	TLS                TLS
	ConnectTimeout     time.Duration // 0 means 10s
	MaxOpenConnections int           // 0 means 4
}

// ServerInfo is what the server says about itself.
type ServerInfo struct {
	Engine  Engine
	Flavor  string // "mysql", "mariadb" or "postgres"
	Version string // numeric version, e.g. "8.0.36", "10.11.6", "15.8"
	Raw     string // the server's full version string
	// Warnings are supported-but-discouraged facts to show the user (e.g. MariaDB instead of MySQL).
	Warnings []string
}

// DatabaseSpec describes a database to create.
type DatabaseSpec struct {
	Name         string
	CharacterSet string // MySQL, default utf8mb4
	Collation    string // MySQL, optional (server default for the character set)
	Encoding     string // PostgreSQL, default UTF8
	Owner        string // PostgreSQL: the role that owns the database ("" = the admin)
	// Comment is stored with the database where the engine keeps one (MariaDB's COMMENT, PostgreSQL's
	// COMMENT ON DATABASE; MySQL 8 has none and ignores it): the provider's marker (see Marker).
	Comment string
}

// Database is what the server reports about an existing database.
type Database struct {
	Name         string
	CharacterSet string // MySQL
	Collation    string // MySQL
	Encoding     string // PostgreSQL
	Owner        string // PostgreSQL
	Comment      string // MariaDB and PostgreSQL; always "" on MySQL 8
}

// User is a database user: MySQL users are name@host, PostgreSQL roles have a name only.
type User struct {
	Name string
	Host string // MySQL only; default "%"
}

// Grants is the state of the dedicated user's privileges on its database.
type Grants struct {
	// Missing names what is missing, e.g. ["DELETE"] or ["ownership"], for messages and state.
	Missing []string
	// Holds is true when the user holds some of the profile on the database (on PostgreSQL: owns it
	// or holds a database privilege in its own name).
	Holds bool
	// Elsewhere names what the user holds outside this database, one item each, e.g.
	// "SELECT ON *.*", "ALL PRIVILEGES ON `app`.*" (MySQL) or "owner of database app",
	// "objects in database app", "member of role app_rw", "CREATEDB" (PostgreSQL); empty for a user
	// dedicated to this database. The provider never sets the password of, nor drops, such a user.
	Elsewhere []string
}

// Dedicated reports whether the user holds nothing outside this database.
func (g Grants) Dedicated() bool { return len(g.Elsewhere) == 0 }

// MissingUser is what Grants.Missing holds when the user does not exist.
const MissingUser = "user"

// Complete reports whether the user holds the full privilege profile on the database (and, on
// PostgreSQL, owns it): nothing is missing.
func (g Grants) Complete() bool { return len(g.Missing) == 0 }

// UserMissing reports whether the user does not exist: a caller that needs both the user's existence
// and its privileges asks DatabaseGrants alone.
func (g Grants) UserMissing() bool { return slices.Contains(g.Missing, MissingUser) }

// Server is one configured server. All methods connect lazily and share the server's pool.
type Server interface {
	// Info connects and reports the server's engine flavour and version; it fails for servers the
	// provider does not support (MySQL older than 8.0, MariaDB older than 10.6).
	Info(ctx context.Context) (ServerInfo, error)
	// GetDatabase returns the database, or nil and no error when it does not exist.
	GetDatabase(ctx context.Context, name string) (*Database, error)
	// CreateDatabase creates the database; ErrDatabaseExists when it exists already.
	CreateDatabase(ctx context.Context, spec DatabaseSpec) error
	// TableCount counts the tables (and views) in the database.
	TableCount(ctx context.Context, name string) (int, error)
	// DropDatabase drops the database.
	DropDatabase(ctx context.Context, name string) error
	// UserExists reports whether the user exists.
	UserExists(ctx context.Context, u User) (bool, error)
	// CreateUser creates the user with the password; ErrUserExists when it exists already.
	CreateUser(ctx context.Context, u User, password string) error
	// SetPassword changes the user's password.
	SetPassword(ctx context.Context, u User, password string) error
	// GrantDatabase gives the user the full privilege profile on the database and nothing else (on
	// PostgreSQL: ownership of the database and of its public schema).
	GrantDatabase(ctx context.Context, u User, database string) error
	// DatabaseGrants reports whether the user holds the full profile on the database.
	DatabaseGrants(ctx context.Context, u User, database string) (Grants, error)
	// DropUser drops the user.
	DropUser(ctx context.Context, u User) error
}

var (
	// ErrDatabaseExists is returned by CreateDatabase for a name that is taken.
	ErrDatabaseExists = errors.New("database exists")
	// ErrUserExists is returned by CreateUser for a user that exists.
	ErrUserExists = errors.New("user exists")
)

// lockReportTimeout bounds the query that describes who holds a lock, after a statement gave up.
const lockReportTimeout = 5 * time.Second

// LockedError says that dropping a database gave up waiting for a lock (at the caller's deadline,
// or the server's lock wait bound set from it): other sessions use the database. The server gave up
// too, so the drop does not happen later.
type LockedError struct {
	Database string
	// Sessions describes the other sessions using the database, as far as the admin may see them.
	Sessions []string
	Err      error
}

func (e *LockedError) Error() string {
	who := "no other session the admin user may see uses it (on MySQL, other users' sessions are visible only with the " +
		"PROCESS privilege: SHOW PROCESSLIST as a user that has it shows who holds the lock)"
	if len(e.Sessions) > 0 {
		who = "it is in use by " + strings.Join(e.Sessions, "; ")
	}
	return fmt.Sprintf("drop database %q gave up waiting for a lock: %s. The database was not dropped; end those sessions "+
		"(or wait for their transactions to finish) and try again", e.Database, who)
}

func (e *LockedError) Unwrap() error { return e.Err }

// UnreachableError says that the server could not be reached or refused the admin login. It is never
// to be read as "the database is gone".
type UnreachableError struct {
	Server string // the database_servers key
	Host   string
	Port   int
	// LoginRefused is set when the server answered but refused the admin's credentials (MySQL 1045,
	// PostgreSQL 28P01/28000): the server is there, the configuration is wrong.
	LoginRefused bool
	Err          error // the cause, without the password
}
