// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package testsupport gives tests the real database servers that scripts/services.sh runs on
// loopback (MariaDB, MariaDB with TLS, PostgreSQL 15), the accounts on them (the superuser and a
// restricted admin shaped like a managed cloud's master user), helpers that look at or change the
// servers behind the provider's back, and throwaway MariaDB instances a test can stop and start.
// AWS gives the moto_server the same script runs (ECR, IAM, STS) with SDK clients and helpers for
// roles, repositories and repository policies (see aws.go for what moto does not check).
//
// The connection settings come from the environment that `scripts/services.sh env` prints (`make
// test` starts the services and exports it). A test that finds the settings missing or the server
// silent fails with a message saying how to start the services; it never skips.
//
// Every helper takes the testing.TB the server was obtained with and fails the test on an error, so
// tests read as a list of facts. Statements that carry a password run with the server's statement
// logging switched off for their session, so that tests can search the server logs for passwords.
package testsupport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// StartHint says how to get the services; every failure about a missing service includes it.
const StartHint = "start the test services with `make services` (scripts/services.sh start) and export " +
	"their settings with `eval \"$(scripts/services.sh env)\"`; `make test` does both"

// Engine names, as the provider's `engine` attribute spells them.
const (
	EngineMySQL    = "mysql"
	EnginePostgres = "postgres"
)

// opTimeout bounds every statement a helper runs.
const opTimeout = 2 * time.Minute

// Account is a login on a server.
type Account struct {
	// Label says which account this is ("superuser" or "restricted admin"), for subtest names.
	Label    string
	User     string
	Password string
}

// TLSFiles is the TLS material of the MariaDB server that requires TLS: file paths and PEM contents.
type TLSFiles struct {
	Dir string
	// CAFile is the CA that signed the server and client certificates; CAPEM is its content.
	CAFile, CAPEM string
	// ServerCertFile and ServerKeyFile are the server's certificate (for localhost and 127.0.0.1).
	ServerCertFile, ServerKeyFile string
	// ClientCertFile / ClientKeyFile are a client certificate signed by the CA, and their contents.
	ClientCertFile, ClientCertPEM string
	ClientKeyFile, ClientKeyPEM   string
	// WrongCAFile is an unrelated CA that did not sign the server certificate.
	WrongCAFile, WrongCAPEM string
	// X509 is an admin account (same privileges as the restricted admin) that must present a client
	// certificate signed by the CA (REQUIRE X509).
	X509 Account
}

// Server is one database server and the accounts on it. Obtain it with MySQL, MySQLTLS, Postgres or
// StartMariaDB; its helpers fail the test they were obtained with.
type Server struct {
	// Engine is EngineMySQL or EnginePostgres.
	Engine string
	Host   string
	Port   int
	// Superuser is root on MariaDB, postgres on PostgreSQL.
	Superuser Account
	// Admin is the restricted admin: MariaDB `zenml_admin`@`%` with database-level privileges, CREATE
	// USER and GRANT OPTION on *.* (no SUPER, FILE, PROCESS, RELOAD, SHUTDOWN); PostgreSQL role
	// zenml_admin with LOGIN CREATEDB CREATEROLE, not SUPERUSER.
	Admin Account
	// TLS is set when the server requires TLS (MySQLTLS); every connection the helpers open then
	// verifies the server certificate against TLS.CAFile.
	TLS *TLSFiles
	// LogFile is the server log that records every statement (the MariaDB general log, the
	// PostgreSQL log with log_statement=all).
	LogFile string

	tb        testing.TB
	tlsConfig *tls.Config
}

// MySQL is the shared MariaDB server without TLS.
func MySQL(tb testing.TB) *Server {
	tb.Helper()
	e := readEnv(tb, "MariaDB",
		"ZENMLPRO_TEST_MYSQL_HOST", "ZENMLPRO_TEST_MYSQL_PORT", "ZENMLPRO_TEST_MYSQL_USER",
		"ZENMLPRO_TEST_MYSQL_PASSWORD", "ZENMLPRO_TEST_MYSQL_ADMIN_USER", "ZENMLPRO_TEST_MYSQL_ADMIN_PASSWORD",
		"ZENMLPRO_TEST_MYSQL_GENERAL_LOG")
	s := &Server{
		Engine:    EngineMySQL,
		Host:      e["ZENMLPRO_TEST_MYSQL_HOST"],
		Port:      envPort(tb, e, "ZENMLPRO_TEST_MYSQL_PORT"),
		Superuser: Account{Label: "superuser", User: e["ZENMLPRO_TEST_MYSQL_USER"], Password: e["ZENMLPRO_TEST_MYSQL_PASSWORD"]},
		Admin:     Account{Label: "restricted admin", User: e["ZENMLPRO_TEST_MYSQL_ADMIN_USER"], Password: e["ZENMLPRO_TEST_MYSQL_ADMIN_PASSWORD"]},
		LogFile:   e["ZENMLPRO_TEST_MYSQL_GENERAL_LOG"],
		tb:        tb,
	}
	s.mustAnswer("the MariaDB test server", StartHint)
	return s
}

// MySQLTLS is the shared MariaDB server that requires TLS (require_secure_transport=ON). Its
// certificate is valid for localhost and 127.0.0.1 and signed by TLS.CAFile.
func MySQLTLS(tb testing.TB) *Server {
	tb.Helper()
	e := readEnv(tb, "MariaDB with TLS",
		"ZENMLPRO_TEST_MYSQL_HOST", "ZENMLPRO_TEST_MYSQL_TLS_PORT", "ZENMLPRO_TEST_MYSQL_USER",
		"ZENMLPRO_TEST_MYSQL_PASSWORD", "ZENMLPRO_TEST_MYSQL_ADMIN_USER", "ZENMLPRO_TEST_MYSQL_ADMIN_PASSWORD",
		"ZENMLPRO_TEST_MYSQL_X509_USER", "ZENMLPRO_TEST_MYSQL_X509_PASSWORD", "ZENMLPRO_TEST_TLS_DIR",
		"ZENMLPRO_TEST_MYSQL_TLS_GENERAL_LOG")
	dir := e["ZENMLPRO_TEST_TLS_DIR"]
	files := &TLSFiles{
		Dir:            dir,
		CAFile:         filepath.Join(dir, "ca.pem"),
		ServerCertFile: filepath.Join(dir, "server.pem"),
		ServerKeyFile:  filepath.Join(dir, "server-key.pem"),
		ClientCertFile: filepath.Join(dir, "client.pem"),
		ClientKeyFile:  filepath.Join(dir, "client-key.pem"),
		WrongCAFile:    filepath.Join(dir, "wrong-ca.pem"),
		X509:           Account{Label: "client certificate admin", User: e["ZENMLPRO_TEST_MYSQL_X509_USER"], Password: e["ZENMLPRO_TEST_MYSQL_X509_PASSWORD"]},
	}
	files.CAPEM = readPEM(tb, files.CAFile)
	files.ClientCertPEM = readPEM(tb, files.ClientCertFile)
	files.ClientKeyPEM = readPEM(tb, files.ClientKeyFile)
	files.WrongCAPEM = readPEM(tb, files.WrongCAFile)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(files.CAPEM)) {
		tb.Fatalf("testsupport: %s holds no PEM certificate; %s", files.CAFile, StartHint)
	}
	host := e["ZENMLPRO_TEST_MYSQL_HOST"]
	s := &Server{
		Engine:    EngineMySQL,
		Host:      host,
		Port:      envPort(tb, e, "ZENMLPRO_TEST_MYSQL_TLS_PORT"),
		Superuser: Account{Label: "superuser", User: e["ZENMLPRO_TEST_MYSQL_USER"], Password: e["ZENMLPRO_TEST_MYSQL_PASSWORD"]},
		Admin:     Account{Label: "restricted admin", User: e["ZENMLPRO_TEST_MYSQL_ADMIN_USER"], Password: e["ZENMLPRO_TEST_MYSQL_ADMIN_PASSWORD"]},
		TLS:       files,
		LogFile:   e["ZENMLPRO_TEST_MYSQL_TLS_GENERAL_LOG"],
		tb:        tb,
		tlsConfig: &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12},
	}
	s.mustAnswer("the MariaDB test server with TLS", StartHint)
	return s
}

// Postgres is the shared PostgreSQL 15 server (scram-sha-256 over TCP, no TLS).
func Postgres(tb testing.TB) *Server {
	tb.Helper()
	e := readEnv(tb, "PostgreSQL",
		"ZENMLPRO_TEST_PG_HOST", "ZENMLPRO_TEST_PG_PORT", "ZENMLPRO_TEST_PG_USER", "ZENMLPRO_TEST_PG_PASSWORD",
		"ZENMLPRO_TEST_PG_ADMIN_USER", "ZENMLPRO_TEST_PG_ADMIN_PASSWORD", "ZENMLPRO_TEST_PG_LOG")
	s := &Server{
		Engine:    EnginePostgres,
		Host:      e["ZENMLPRO_TEST_PG_HOST"],
		Port:      envPort(tb, e, "ZENMLPRO_TEST_PG_PORT"),
		Superuser: Account{Label: "superuser", User: e["ZENMLPRO_TEST_PG_USER"], Password: e["ZENMLPRO_TEST_PG_PASSWORD"]},
		Admin:     Account{Label: "restricted admin", User: e["ZENMLPRO_TEST_PG_ADMIN_USER"], Password: e["ZENMLPRO_TEST_PG_ADMIN_PASSWORD"]},
		LogFile:   e["ZENMLPRO_TEST_PG_LOG"],
		tb:        tb,
	}
	s.mustAnswer("the PostgreSQL test server", StartHint)
	return s
}

func readEnv(tb testing.TB, what string, names ...string) map[string]string {
	tb.Helper()
	values := make(map[string]string, len(names))
	var missing []string
	for _, n := range names {
		v := os.Getenv(n)
		if v == "" {
			missing = append(missing, n)
		}
		values[n] = v
	}
	if len(missing) > 0 {
		tb.Fatalf("testsupport: the %s settings are not in the environment (missing %s): %s",
			what, strings.Join(missing, ", "), StartHint)
	}
	return values
}

func envPort(tb testing.TB, e map[string]string, name string) int {
	tb.Helper()
	p, err := strconv.Atoi(e[name])
	if err != nil || p <= 0 || p > 65535 {
		tb.Fatalf("testsupport: %s=%q is not a port number: %s", name, e[name], StartHint)
	}
	return p
}

func readPEM(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("testsupport: reading the TLS material: %v; %s", err, StartHint)
	}
	return string(b)
}

func (s *Server) mustAnswer(what, hint string) {
	s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	db, err := s.pool(s.Superuser)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		s.tb.Fatalf("testsupport: %s at %s does not answer as %s: %v; %s", what, s.Addr(), s.Superuser.User, err, hint)
	}
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Admins lists the superuser and the restricted admin, so a test can run once as each.
func (s *Server) Admins() []Account { return []Account{s.Superuser, s.Admin} }

// defaultDatabase is where a connection lands when no database is named.
func (s *Server) defaultDatabase(database string) string {
	if database == "" && s.Engine == EnginePostgres {
		return "postgres"
	}
	return database
}

// open opens a database/sql handle for the account on the database (not yet connected).
func (s *Server) open(a Account, database string, timeout time.Duration) (*sql.DB, error) {
	database = s.defaultDatabase(database)
	switch s.Engine {
	case EngineMySQL:
		cfg := mysql.NewConfig()
		cfg.User = a.User
		cfg.Passwd = a.Password
		cfg.Net = "tcp"
		cfg.Addr = s.Addr()
		cfg.DBName = database
		cfg.Timeout = timeout
		cfg.ReadTimeout = opTimeout
		cfg.WriteTimeout = opTimeout
		if s.tlsConfig != nil {
			cfg.TLS = s.tlsConfig.Clone()
		}
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, err
		}
		return sql.OpenDB(c), nil
	case EnginePostgres:
		u := url.URL{
			Scheme:   "postgres",
			User:     url.UserPassword(a.User, a.Password),
			Host:     s.Addr(),
			Path:     "/" + database,
			RawQuery: url.Values{"sslmode": {"disable"}, "connect_timeout": {strconv.Itoa(int(timeout / time.Second))}}.Encode(),
		}
		return sql.Open("pgx", u.String())
	}
	return nil, fmt.Errorf("unknown engine %q", s.Engine)
}

var pools = struct {
	sync.Mutex
	m map[string]*sql.DB
}{m: map[string]*sql.DB{}}

// pool is a shared connection pool for the account on the server's default database, kept for the
// whole test binary.
func (s *Server) pool(a Account) (*sql.DB, error) {
	key := strings.Join([]string{s.Engine, s.Addr(), strconv.FormatBool(s.tlsConfig != nil), a.User, a.Password}, "\x00")
	pools.Lock()
	defer pools.Unlock()
	if db, ok := pools.m[key]; ok {
		return db, nil
	}
	db, err := s.open(a, "", 5*time.Second)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(30 * time.Second)
	pools.m[key] = db
	return db, nil
}

// DB opens a connection pool for the account on the database ("" = none on MySQL, postgres on
// PostgreSQL), closed when the test ends (close it earlier to let PostgreSQL drop the database).
func (s *Server) DB(a Account, database string) *sql.DB {
	s.tb.Helper()
	db, err := s.open(a, database, 10*time.Second)
	if err != nil {
		s.tb.Fatalf("testsupport: opening %s as %s: %v", s.Addr(), a.User, err)
	}
	s.tb.Cleanup(func() { _ = db.Close() })
	return db
}

// Exec runs a statement as the superuser.
func (s *Server) Exec(query string, args ...any) {
	s.tb.Helper()
	s.ExecIn("", query, args...)
}

// ExecIn runs a statement as the superuser connected to the database.
func (s *Server) ExecIn(database, query string, args ...any) {
	s.tb.Helper()
	if err := s.exec(database, query, args...); err != nil {
		s.tb.Fatalf("testsupport: %s on %s: %v", query, s.Addr(), err)
	}
}

func (s *Server) exec(database, query string, args ...any) error {
	return s.withDB(database, func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, query, args...)
		return err
	})
}

// execQuiet runs statements that carry a password as the superuser, on one connection whose
// statement logging is off, so the password reaches no server log.
func (s *Server) execQuiet(statements ...string) error {
	db, err := s.pool(s.Superuser)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	off, on := "SET SESSION sql_log_off = ON", "SET SESSION sql_log_off = OFF"
	if s.Engine == EnginePostgres {
		off, on = "SET log_statement = 'none'", "RESET log_statement"
	}
	if _, err := conn.ExecContext(ctx, off); err != nil {
		return err
	}
	for _, q := range statements {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			// The connection may be in any state now: do not give it back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			return errors.New(redact(err.Error(), statements))
		}
	}
	_, err = conn.ExecContext(ctx, on)
	return err
}

// redact removes the statements (which hold passwords) from a driver error message.
func redact(msg string, statements []string) string {
	for _, q := range statements {
		msg = strings.ReplaceAll(msg, q, "<statement>")
	}
	return msg
}

// Query runs a query as the superuser and returns every row, each column as text (NULL as "").
func (s *Server) Query(query string, args ...any) [][]string {
	s.tb.Helper()
	return s.QueryIn("", query, args...)
}

// QueryIn runs a query as the superuser connected to the database.
func (s *Server) QueryIn(database, query string, args ...any) [][]string {
	s.tb.Helper()
	rows, err := s.query(database, query, args...)
	if err != nil {
		s.tb.Fatalf("testsupport: %s on %s: %v", query, s.Addr(), err)
	}
	return rows
}

func (s *Server) query(database, query string, args ...any) (out [][]string, err error) {
	err = s.withDB(database, func(ctx context.Context, db *sql.DB) error {
		out, err = scanAll(db.QueryContext(ctx, query, args...))
		return err
	})
	return out, err
}

func scanAll(rows *sql.Rows, err error) ([][]string, error) {
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// QueryValue runs a query as the superuser and returns the first column of its only row; a query
// that returns no row or several fails the test.
func (s *Server) QueryValue(query string, args ...any) string {
	s.tb.Helper()
	rows := s.Query(query, args...)
	if len(rows) != 1 || len(rows[0]) == 0 {
		s.tb.Fatalf("testsupport: %s on %s returned %d rows, want 1", query, s.Addr(), len(rows))
	}
	return rows[0][0]
}

// Version is the server's version string (e.g. "10.11.6-MariaDB-0+deb12u1", "15.8 (Debian ...)").
func (s *Server) Version() string {
	s.tb.Helper()
	if s.Engine == EnginePostgres {
		return s.QueryValue("SHOW server_version")
	}
	return s.QueryValue("SELECT VERSION()")
}
