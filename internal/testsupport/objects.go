// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package testsupport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// quoteIdent quotes a database or role name for the server (backticks / double quotes, doubled).
func (s *Server) quoteIdent(name string) string {
	if s.Engine == EnginePostgres {
		return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// grantDatabase names a MySQL database in a database-level GRANT or REVOKE the way the provider grants
// it: "_" and "%" are wildcards there, so they are escaped with a backslash. A revoke must name the
// grant exactly as it was made, or the server answers "There is no such grant".
func (s *Server) grantDatabase(name string) string {
	r := strings.NewReplacer(`\`, `\\`, "_", `\_`, "%", `\%`)
	return s.quoteIdent(r.Replace(name))
}

// quoteString quotes a string literal for the server.
func (s *Server) quoteString(v string) string {
	v = strings.ReplaceAll(v, "'", "''")
	if s.Engine == EngineMySQL {
		v = strings.ReplaceAll(v, `\`, `\\`)
	}
	return "'" + v + "'"
}

// account is the MySQL account 'name'@'host' ("" host = "%"), or the quoted PostgreSQL role.
func (s *Server) account(name, host string) string {
	s.tb.Helper()
	if s.Engine == EnginePostgres {
		if host != "" {
			s.tb.Fatalf("testsupport: PostgreSQL roles have no host (got %q for %s)", host, name)
		}
		return s.quoteIdent(name)
	}
	if host == "" {
		host = "%"
	}
	return s.quoteString(name) + "@" + s.quoteString(host)
}

// withDB runs f on the superuser's shared pool for the default database, or on a connection of its
// own for any other database, closed afterwards (an idle connection would make PostgreSQL refuse to
// drop that database).
func (s *Server) withDB(database string, f func(ctx context.Context, db *sql.DB) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if database == "" {
		db, err := s.pool(s.Superuser)
		if err != nil {
			return err
		}
		return f(ctx, db)
	}
	db, err := s.open(s.Superuser, database, 10*time.Second)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1)
	return f(ctx, db)
}

func (s *Server) count(query string, args ...any) int {
	s.tb.Helper()
	var n int
	err := s.withDB("", func(ctx context.Context, db *sql.DB) error {
		return db.QueryRowContext(ctx, query, args...).Scan(&n)
	})
	if err != nil {
		s.tb.Fatalf("testsupport: %s on %s: %v", query, s.Addr(), err)
	}
	return n
}

// DatabaseExists reports whether the database exists.
func (s *Server) DatabaseExists(name string) bool {
	s.tb.Helper()
	if s.Engine == EnginePostgres {
		return s.count("SELECT count(*) FROM pg_database WHERE datname = $1", name) > 0
	}
	return s.count("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name) > 0
}

// UserExists reports whether the user exists: MySQL 'name'@'host' ("" host = "%"), PostgreSQL role
// name (host must be "").
func (s *Server) UserExists(name, host string) bool {
	s.tb.Helper()
	if s.Engine == EnginePostgres {
		s.account(name, host)
		return s.count("SELECT count(*) FROM pg_roles WHERE rolname = $1", name) > 0
	}
	if host == "" {
		host = "%"
	}
	return s.count("SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?", name, host) > 0
}

// CreateDatabase creates a database outside the provider (MySQL: utf8mb4; PostgreSQL: UTF8), owned
// by the superuser.
func (s *Server) CreateDatabase(name string) {
	s.tb.Helper()
	if s.Engine == EnginePostgres {
		s.Exec("CREATE DATABASE " + s.quoteIdent(name) + " ENCODING 'UTF8' TEMPLATE template0")
		return
	}
	s.Exec("CREATE DATABASE " + s.quoteIdent(name) + " CHARACTER SET utf8mb4")
}

// CreateTable creates a small table (one integer column) in the database, making it non-empty.
func (s *Server) CreateTable(database, table string) {
	s.tb.Helper()
	if s.Engine == EnginePostgres {
		s.ExecIn(database, "CREATE TABLE "+s.quoteIdent(table)+" (id integer PRIMARY KEY)")
		return
	}
	s.Exec("CREATE TABLE " + s.quoteIdent(database) + "." + s.quoteIdent(table) + " (id INT PRIMARY KEY)")
}

// DropDatabase drops the database if it exists (PostgreSQL: WITH (FORCE), ending its sessions).
func (s *Server) DropDatabase(name string) {
	s.tb.Helper()
	if err := s.dropDatabase(name); err != nil {
		s.tb.Fatalf("testsupport: dropping database %s on %s: %v", name, s.Addr(), err)
	}
}

func (s *Server) dropDatabase(name string) error {
	q := "DROP DATABASE IF EXISTS " + s.quoteIdent(name)
	if s.Engine == EnginePostgres {
		q += " WITH (FORCE)"
	}
	return s.exec("", q)
}

// CreateUser creates a user with a password outside the provider (MySQL 'name'@'host', "" host =
// "%"; PostgreSQL a LOGIN role). The password reaches no server log.
func (s *Server) CreateUser(name, host, password string) {
	s.tb.Helper()
	q := "CREATE USER " + s.account(name, host) + " IDENTIFIED BY " + s.quoteString(password)
	if s.Engine == EnginePostgres {
		q = "CREATE ROLE " + s.account(name, host) + " LOGIN PASSWORD " + s.quoteString(password)
	}
	if err := s.execQuiet(q); err != nil {
		s.tb.Fatalf("testsupport: creating user %s on %s: %v", name, s.Addr(), err)
	}
}

// SetPassword changes a user's password outside the provider. The password reaches no server log.
func (s *Server) SetPassword(name, host, password string) {
	s.tb.Helper()
	q := "ALTER USER " + s.account(name, host) + " IDENTIFIED BY " + s.quoteString(password)
	if s.Engine == EnginePostgres {
		q = "ALTER ROLE " + s.account(name, host) + " PASSWORD " + s.quoteString(password)
	}
	if err := s.execQuiet(q); err != nil {
		s.tb.Fatalf("testsupport: changing the password of %s on %s: %v", name, s.Addr(), err)
	}
}

// Grant gives the user every privilege on the database outside the provider (MySQL: GRANT ALL
// PRIVILEGES ON `db`.*; PostgreSQL: ownership of the database).
func (s *Server) Grant(name, host, database string) {
	s.tb.Helper()
	if s.Engine == EnginePostgres {
		s.Exec("ALTER DATABASE " + s.quoteIdent(database) + " OWNER TO " + s.account(name, host))
		return
	}
	s.Exec("GRANT ALL PRIVILEGES ON " + s.grantDatabase(database) + ".* TO " + s.account(name, host))
}

// DropUser drops the user if it exists, as an operator would behind the provider's back. On
// PostgreSQL whatever the role owns (its database included) passes to the superuser first, and its
// privileges go, since a role that owns or holds anything cannot be dropped.
func (s *Server) DropUser(name, host string) {
	s.tb.Helper()
	if err := s.dropUser(name, host); err != nil {
		s.tb.Fatalf("testsupport: dropping user %s on %s: %v", name, s.Addr(), err)
	}
}

func (s *Server) dropUser(name, host string) error {
	if s.Engine == EngineMySQL {
		return s.exec("", "DROP USER IF EXISTS "+s.account(name, host))
	}
	role := s.account(name, host)
	dbs, err := s.query("", `SELECT datname FROM pg_database d
		WHERE datallowconn AND (datname = 'postgres'
		  OR datdba = (SELECT oid FROM pg_roles WHERE rolname = $1)
		  OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)))`, name)
	if err != nil {
		return err
	}
	exists, err := s.query("", "SELECT 1 FROM pg_roles WHERE rolname = $1", name)
	if err != nil || len(exists) == 0 {
		return err
	}
	for _, row := range dbs {
		err := s.withDB(row[0], func(ctx context.Context, db *sql.DB) error {
			if _, err := db.ExecContext(ctx, "REASSIGN OWNED BY "+role+" TO "+s.quoteIdent(s.Superuser.User)); err != nil {
				return err
			}
			_, err := db.ExecContext(ctx, "DROP OWNED BY "+role)
			return err
		})
		if err != nil && !isPgCode(err, "3D000") { // dropped meanwhile by another test
			return fmt.Errorf("in database %s: %w", row[0], err)
		}
	}
	return s.exec("", "DROP ROLE IF EXISTS "+role)
}

// RevokeAll takes every privilege on the database away from the user, as an operator would behind
// the provider's back: MySQL REVOKE ALL PRIVILEGES ON `db`.*; PostgreSQL: the database and its
// public schema pass to the superuser and the role's grants on both are revoked.
func (s *Server) RevokeAll(name, host, database string) {
	s.tb.Helper()
	if s.Engine == EngineMySQL {
		s.Exec("REVOKE ALL PRIVILEGES ON " + s.grantDatabase(database) + ".* FROM " + s.account(name, host))
		return
	}
	role, db, super := s.account(name, host), s.quoteIdent(database), s.quoteIdent(s.Superuser.User)
	s.Exec("ALTER DATABASE " + db + " OWNER TO " + super)
	s.Exec("REVOKE ALL ON DATABASE " + db + " FROM " + role)
	s.ExecIn(database, "ALTER SCHEMA public OWNER TO pg_database_owner")
	s.ExecIn(database, "REVOKE ALL ON SCHEMA public FROM "+role)
}

var privilegePattern = regexp.MustCompile(`^[A-Z]+( [A-Z]+)*$`)

// RevokePrivilege takes one privilege on the database away from the user (e.g. "DELETE" on MySQL,
// "CONNECT" or "CREATE" on PostgreSQL, where it is a database privilege).
func (s *Server) RevokePrivilege(name, host, database, privilege string) {
	s.tb.Helper()
	if !privilegePattern.MatchString(privilege) {
		s.tb.Fatalf("testsupport: %q is not a privilege name (upper-case words, e.g. DELETE)", privilege)
	}
	if s.Engine == EngineMySQL {
		s.Exec("REVOKE " + privilege + " ON " + s.grantDatabase(database) + ".* FROM " + s.account(name, host))
		return
	}
	s.Exec("REVOKE " + privilege + " ON DATABASE " + s.quoteIdent(database) + " FROM " + s.account(name, host))
}

// Grants is what SHOW GRANTS FOR 'name'@'host' reports (MySQL only).
func (s *Server) Grants(name, host string) []string {
	s.tb.Helper()
	if s.Engine != EngineMySQL {
		s.tb.Fatalf("testsupport: Grants is for MySQL servers; on PostgreSQL use DatabaseOwner")
	}
	var out []string
	for _, row := range s.Query("SHOW GRANTS FOR " + s.account(name, host)) {
		out = append(out, row[0])
	}
	return out
}

// DatabaseOwner is the role that owns the database (PostgreSQL only).
func (s *Server) DatabaseOwner(database string) string {
	s.tb.Helper()
	if s.Engine != EnginePostgres {
		s.tb.Fatalf("testsupport: DatabaseOwner is for PostgreSQL servers; on MySQL use Grants")
	}
	return s.QueryValue("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", database)
}

// CanLogin reports whether user/password can log in to the database ("" = none on MySQL, postgres
// on PostgreSQL) over TCP, the way the provider connects (with TLS on the TLS server). A refusal
// (wrong password, unknown user, no access to the database, unknown database) is false; any other
// failure, such as an unreachable server, fails the test, so that it is never mistaken for "false".
func (s *Server) CanLogin(user, password, database string) bool {
	s.tb.Helper()
	err := s.LoginError(user, password, database)
	if err == nil {
		return true
	}
	if IsLoginRefused(err) {
		return false
	}
	s.tb.Fatalf("testsupport: logging in to %s as %s failed for a reason other than a refusal: %v", s.Addr(), user, err)
	return false
}

// LoginError logs in as user/password to the database on a new connection and returns the error,
// nil when the login works.
func (s *Server) LoginError(user, password, database string) error {
	db, err := s.open(Account{User: user, Password: password}, database, 10*time.Second)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// IsLoginRefused reports whether err is the server refusing a login: a wrong password or unknown
// user, no access to the named database, or a database that does not exist.
func IsLoginRefused(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1044, // access denied to the database
			1045, // access denied (user or password)
			1049, // unknown database
			1130, // host not allowed to connect
			1698, // access denied (no password given)
			3118, // MySQL 8: account locked
			3159, // MySQL 8: insecure transport refused
			4151: // MariaDB: account locked
			return true
		}
		return false
	}
	return isPgCode(err, "28P01", "28000", "3D000", "42501")
}

func isPgCode(err error, codes ...string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	for _, c := range codes {
		if pe.Code == c {
			return true
		}
	}
	return false
}

// CleanupDatabase drops the database (if it exists) when the test ends.
func (s *Server) CleanupDatabase(name string) {
	tb := s.tb
	tb.Cleanup(func() {
		if err := s.dropDatabase(name); err != nil {
			tb.Errorf("testsupport: cleanup: dropping database %s on %s: %v", name, s.Addr(), err)
		}
	})
}

// CleanupUser drops the user (if it exists) when the test ends.
func (s *Server) CleanupUser(name, host string) {
	tb := s.tb
	s.account(name, host)
	tb.Cleanup(func() {
		if err := s.dropUser(name, host); err != nil {
			tb.Errorf("testsupport: cleanup: dropping user %s on %s: %v", name, s.Addr(), err)
		}
	})
}

// GlobalStatus reads a MySQL server status counter (SHOW GLOBAL STATUS), such as Connections (every
// connection attempt since the server started) or Questions (statements clients sent, this query
// included). It reads over the superuser's shared pool, which opens its one connection at its first
// use, so the difference of two reads counts what others did between them, plus this statement.
func (s *Server) GlobalStatus(name string) int64 {
	s.tb.Helper()
	if s.Engine != EngineMySQL {
		s.tb.Fatalf("testsupport: GlobalStatus is for MySQL servers; %s is %s", s.Addr(), s.Engine)
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && r != '_' {
			s.tb.Fatalf("testsupport: %q is not a status variable name", name)
		}
	}
	var variable string
	var value int64
	err := s.withDB("", func(ctx context.Context, db *sql.DB) error {
		// SHOW takes no placeholder; the name was checked above.
		return db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&variable, &value)
	})
	if err != nil {
		s.tb.Fatalf("testsupport: SHOW GLOBAL STATUS LIKE %q on %s: %v", name, s.Addr(), err)
	}
	return value
}
