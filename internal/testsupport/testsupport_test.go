// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package testsupport

import (
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// fakeTB records what a helper reports instead of ending the test.
type fakeTB struct {
	testing.TB
	fatal   string
	skipped bool
}

var errStopped = errors.New("fakeTB stopped the helper")

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(errStopped)
}
func (f *fakeTB) Fatal(args ...any)              { f.Fatalf("%s", fmt.Sprint(args...)) }
func (f *fakeTB) FailNow()                       { f.Fatalf("FailNow") }
func (f *fakeTB) Skip(...any)                    { f.SkipNow() }
func (f *fakeTB) Skipf(string, ...any)           { f.SkipNow() }
func (f *fakeTB) SkipNow()                       { f.skipped = true; panic(errStopped) }
func (f *fakeTB) Errorf(format string, a ...any) { f.Fatalf(format, a...) }

// outcome runs f with a fakeTB and returns the fake after f returned or stopped.
func outcome(t *testing.T, f func(tb testing.TB)) *fakeTB {
	t.Helper()
	ft := &fakeTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != errStopped {
				panic(r)
			}
		}()
		f(ft)
	}()
	return ft
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

func TestUniqueName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		prefix, wantPrefix string
		maxLen             int
	}{
		{"ws", "ws_uniquename_", 32},
		{"zenml_workspace", "zenml_workspace_", 32},
		{"Work Space-1", "work_space_1_", 32},
		{"1db", "t1db_", 32},
		{"", "t_uniquename_", 32},
		{"__", "t_uniquename_", 32},
		{"a_prefix_of_exactly_twenty_chars", "a_prefix_of_exactly_twenty_chars_", 63},
		{strings.Repeat("long", 20), strings.Repeat("long", 13) + "lo_", 63},
	}
	for _, c := range cases {
		got := UniqueName(t, c.prefix)
		if !namePattern.MatchString(got) {
			t.Errorf("UniqueName(%q) = %q, not a lower-case identifier of 1 to 63 characters", c.prefix, got)
		}
		if !strings.HasPrefix(got, c.wantPrefix) {
			t.Errorf("UniqueName(%q) = %q, want the prefix %q", c.prefix, got, c.wantPrefix)
		}
		if len(got) > c.maxLen {
			t.Errorf("UniqueName(%q) = %q has %d characters, want at most %d", c.prefix, got, len(got), c.maxLen)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < 20000; i++ {
		n := UniqueName(t, "db")
		if seen[n] {
			t.Fatalf("UniqueName returned %q twice", n)
		}
		seen[n] = true
	}
	t.Run("Subtest/With Spaces", func(t *testing.T) {
		got := UniqueName(t, "x")
		if !strings.HasPrefix(got, "x_uniquename_subte") || len(got) != 32 {
			t.Errorf("UniqueName in a subtest = %q, want x_uniquename_subte... of 32 characters", got)
		}
	})
}

// TestMissingServicesFailWithHowToStart: a missing setting or a silent server fails the test with
// the way to start the services; it never skips.
func TestMissingServicesFailWithHowToStart(t *testing.T) {
	t.Setenv("ZENMLPRO_TEST_MYSQL_PORT", "")
	got := outcome(t, func(tb testing.TB) { MySQL(tb) })
	if got.skipped || !strings.Contains(got.fatal, "ZENMLPRO_TEST_MYSQL_PORT") || !strings.Contains(got.fatal, "make services") {
		t.Errorf("MySQL without ZENMLPRO_TEST_MYSQL_PORT: skipped=%v fatal=%q, want a failure naming the variable and `make services`", got.skipped, got.fatal)
	}

	closed := strconv.Itoa(freePort(t))
	t.Setenv("ZENMLPRO_TEST_PG_HOST", "127.0.0.1")
	t.Setenv("ZENMLPRO_TEST_PG_PORT", closed)
	for _, v := range []string{"USER", "PASSWORD", "ADMIN_USER", "ADMIN_PASSWORD", "LOG"} {
		if os.Getenv("ZENMLPRO_TEST_PG_"+v) == "" {
			t.Setenv("ZENMLPRO_TEST_PG_"+v, "x")
		}
	}
	got = outcome(t, func(tb testing.TB) { Postgres(tb) })
	if got.skipped || !strings.Contains(got.fatal, "127.0.0.1:"+closed+" does not answer") || !strings.Contains(got.fatal, "scripts/services.sh start") {
		t.Errorf("Postgres on a closed port: skipped=%v fatal=%q, want a failure naming the address and scripts/services.sh start", got.skipped, got.fatal)
	}
}

func TestMariaDBServers(t *testing.T) {
	t.Parallel()
	for name, get := range map[string]func(testing.TB) *Server{"plain": MySQL, "tls": MySQLTLS} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := get(t)
			v := s.Version()
			m := regexp.MustCompile(`^(\d+)\.(\d+)\.\d+-MariaDB`).FindStringSubmatch(v)
			if m == nil {
				t.Fatalf("version %q is not a MariaDB version", v)
			}
			if major, _ := strconv.Atoi(m[1]); major < 10 {
				t.Errorf("version %q: want MariaDB 10.6 or later", v)
			}
			for _, a := range s.Admins() {
				if !s.CanLogin(a.User, a.Password, "") {
					t.Errorf("%s %s cannot log in", a.Label, a.User)
				}
				if s.CanLogin(a.User, a.Password+"x", "") {
					t.Errorf("%s %s logs in with a wrong password", a.Label, a.User)
				}
			}
			grants := strings.Join(s.Grants(s.Admin.User, "%"), "\n")
			for _, want := range []string{"CREATE USER", "CREATE,", "DROP,", "WITH GRANT OPTION", "ON *.*"} {
				if !strings.Contains(grants, want) {
					t.Errorf("restricted admin grants lack %q:\n%s", want, grants)
				}
			}
			for _, unwanted := range []string{"ALL PRIVILEGES", "SUPER", "FILE", "PROCESS", "RELOAD", "SHUTDOWN"} {
				if strings.Contains(grants, unwanted) {
					t.Errorf("restricted admin grants hold %q:\n%s", unwanted, grants)
				}
			}
			if got := s.QueryValue("SELECT @@general_log"); got != "1" {
				t.Errorf("general_log = %s, want 1", got)
			}
			if got := s.QueryValue("SELECT @@general_log_file"); got != s.LogFile {
				t.Errorf("general_log_file = %s, want %s", got, s.LogFile)
			}
			if got := s.QueryValue("SELECT @@require_secure_transport"); got != map[string]string{"plain": "0", "tls": "1"}[name] {
				t.Errorf("require_secure_transport = %s", got)
			}
		})
	}
}

// TestMariaDBTLS checks the TLS server and its material the way a client sees them.
func TestMariaDBTLS(t *testing.T) {
	t.Parallel()
	s := MySQLTLS(t)
	f := s.TLS
	connect := func(a Account, cfg *tls.Config) error {
		c := mysql.NewConfig()
		c.User, c.Passwd, c.Net, c.Addr, c.Timeout, c.TLS = a.User, a.Password, "tcp", s.Addr(), 10*time.Second, cfg
		conn, err := mysql.NewConnector(c)
		if err != nil {
			return err
		}
		db := sql.OpenDB(conn)
		defer func() { _ = db.Close() }()
		return db.Ping()
	}
	pool := func(pemText string) *x509.CertPool {
		p := x509.NewCertPool()
		if !p.AppendCertsFromPEM([]byte(pemText)) {
			t.Fatalf("no certificate in %q", pemText)
		}
		return p
	}
	clientCert, err := tls.X509KeyPair([]byte(f.ClientCertPEM), []byte(f.ClientKeyPEM))
	if err != nil {
		t.Fatalf("client certificate: %v", err)
	}

	if err := connect(s.Superuser, nil); err == nil {
		t.Errorf("a connection without TLS was accepted")
	}
	for _, host := range []string{"localhost", "127.0.0.1"} {
		if err := connect(s.Superuser, &tls.Config{RootCAs: pool(f.CAPEM), ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			t.Errorf("verify_full against the CA for %s: %v", host, err)
		}
	}
	if err := connect(s.Superuser, &tls.Config{RootCAs: pool(f.CAPEM), ServerName: "db.example.com", MinVersion: tls.VersionTLS12}); err == nil {
		t.Errorf("the server certificate is accepted for db.example.com")
	}
	err = connect(s.Superuser, &tls.Config{RootCAs: pool(f.WrongCAPEM), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	var unknownAuthority x509.UnknownAuthorityError
	if !errors.As(err, &unknownAuthority) {
		t.Errorf("with the wrong CA: %v, want an unknown authority error", err)
	}
	withCA := &tls.Config{RootCAs: pool(f.CAPEM), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if err := connect(f.X509, withCA); !IsLoginRefused(err) {
		t.Errorf("%s without a client certificate: %v, want a refusal", f.X509.User, err)
	}
	withCert := withCA.Clone()
	withCert.Certificates = []tls.Certificate{clientCert}
	if err := connect(f.X509, withCert); err != nil {
		t.Errorf("%s with the client certificate: %v", f.X509.User, err)
	}
}

func TestPostgresServer(t *testing.T) {
	t.Parallel()
	s := Postgres(t)
	if v := s.Version(); !strings.HasPrefix(v, "15.") {
		t.Errorf("version %q, want PostgreSQL 15", v)
	}
	row := s.Query("SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = $1", s.Admin.User)
	if len(row) != 1 || strings.Join(row[0], ",") != "false,true,true,true" {
		t.Errorf("restricted admin (rolsuper, rolcreaterole, rolcreatedb, rolcanlogin) = %v, want [false true true true]", row)
	}
	for setting, want := range map[string]string{"log_statement": "all", "password_encryption": "scram-sha-256", "listen_addresses": "127.0.0.1"} {
		if got := s.QueryValue("SELECT current_setting($1)", setting); got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
	for _, a := range s.Admins() {
		if !s.CanLogin(a.User, a.Password, "") {
			t.Errorf("%s %s cannot log in", a.Label, a.User)
		}
		if s.CanLogin(a.User, "wrong-"+a.Password, "") {
			t.Errorf("%s %s logs in with a wrong password", a.Label, a.User)
		}
	}
}

// TestObjectsOutOfBand walks the helpers the provider tests use behind the provider's back: create
// a database and a user, log in, rotate the password, revoke, drop.
func TestObjectsOutOfBand(t *testing.T) {
	t.Parallel()
	for name, get := range map[string]func(testing.TB) *Server{"mysql": MySQL, "mysql_tls": MySQLTLS, "postgres": Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := get(t)
			db, user := UniqueName(t, "db"), UniqueName(t, "u")
			s.CleanupDatabase(db)
			s.CleanupUser(user, "")
			pw1, pw2 := "pw1-"+UniqueName(t, "p"), "pw2'\\"+UniqueName(t, "p")

			if s.DatabaseExists(db) || s.UserExists(user, "") {
				t.Fatalf("%s or %s exists before the test created it", db, user)
			}
			s.CreateDatabase(db)
			s.CreateUser(user, "", pw1)
			if !s.DatabaseExists(db) || !s.UserExists(user, "") {
				t.Fatalf("DatabaseExists(%s)=%v UserExists(%s)=%v after creating them", db, s.DatabaseExists(db), user, s.UserExists(user, ""))
			}
			if s.CanLogin(user, pw1, "no_such_database_"+UniqueName(t, "x")) {
				t.Errorf("login to a database that does not exist succeeded")
			}
			s.Grant(user, "", db)
			if !s.CanLogin(user, pw1, db) {
				t.Errorf("%s cannot log in to %s with its password", user, db)
			}
			if s.CanLogin(user, "wrong", db) {
				t.Errorf("%s logs in with a wrong password", user)
			}
			s.SetPassword(user, "", pw2)
			if s.CanLogin(user, pw1, db) || !s.CanLogin(user, pw2, db) {
				t.Errorf("after the password change: old password works=%v, new password works=%v; want false, true",
					s.CanLogin(user, pw1, db), s.CanLogin(user, pw2, db))
			}

			s.CreateTable(db, "t1")
			var tables [][]string
			if s.Engine == EnginePostgres {
				tables = s.QueryIn(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 't1'")
			} else {
				tables = s.Query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't1'", db)
			}
			if len(tables) != 1 || tables[0][0] != "1" {
				t.Errorf("tables t1 in %s: %v, want 1", db, tables)
			}

			if s.Engine == EngineMySQL {
				if g := strings.Join(s.Grants(user, ""), "\n"); !strings.Contains(g, "GRANT ALL PRIVILEGES ON `"+strings.ReplaceAll(db, "_", `\_`)+"`.*") {
					t.Errorf("grants after Grant:\n%s", g)
				}
				s.RevokePrivilege(user, "", db, "DELETE")
				if g := strings.Join(s.Grants(user, ""), "\n"); strings.Contains(g, "ALL PRIVILEGES") || strings.Contains(g, "DELETE,") || !strings.Contains(g, "SELECT") {
					t.Errorf("grants after revoking DELETE:\n%s", g)
				}
				s.RevokeAll(user, "", db)
				if g := strings.Join(s.Grants(user, ""), "\n"); strings.Contains(g, db) {
					t.Errorf("grants after RevokeAll still name %s:\n%s", db, g)
				}
				if s.CanLogin(user, pw2, db) {
					t.Errorf("%s still logs in to %s after RevokeAll", user, db)
				}
			} else {
				if got := s.DatabaseOwner(db); got != user {
					t.Errorf("owner of %s after Grant = %s, want %s", db, got, user)
				}
				s.RevokeAll(user, "", db)
				if got := s.DatabaseOwner(db); got != s.Superuser.User {
					t.Errorf("owner of %s after RevokeAll = %s, want %s", db, got, s.Superuser.User)
				}
				s.Grant(user, "", db) // DropUser must cope with a role that owns a database
			}

			s.DropUser(user, "")
			if s.UserExists(user, "") || s.CanLogin(user, pw2, "") {
				t.Errorf("%s still exists or logs in after DropUser", user)
			}
			if !s.DatabaseExists(db) {
				t.Errorf("DropUser dropped the database %s", db)
			}
			s.DropDatabase(db)
			if s.DatabaseExists(db) {
				t.Errorf("%s exists after DropDatabase", db)
			}
			s.DropDatabase(db) // absent: no error
			s.DropUser(user, "")
		})
	}
}

// TestLogsRecordStatementsButNoPasswords: the statement logs the password-leak test reads are on,
// and the helpers that carry passwords keep them out.
func TestLogsRecordStatementsButNoPasswords(t *testing.T) {
	t.Parallel()
	for name, get := range map[string]func(testing.TB) *Server{"mysql": MySQL, "mysql_tls": MySQLTLS, "postgres": Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := get(t)
			marker, user := UniqueName(t, "marker"), UniqueName(t, "u")
			password := "secret-" + UniqueName(t, "pw")
			s.CleanupUser(user, "")
			s.Exec("SELECT '" + marker + "'")
			s.CreateUser(user, "", password)
			s.SetPassword(user, "", password+"2")
			if !s.CanLogin(user, password+"2", "") {
				t.Fatalf("%s cannot log in with the password SetPassword gave it", user)
			}
			var log []byte
			deadline := time.Now().Add(10 * time.Second)
			for {
				b, err := os.ReadFile(s.LogFile)
				if err != nil {
					t.Fatalf("reading the server log: %v", err)
				}
				log = b
				if strings.Contains(string(log), marker) || time.Now().After(deadline) {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			if !strings.Contains(string(log), marker) {
				t.Errorf("%s does not record the statement holding %s", s.LogFile, marker)
			}
			if strings.Contains(string(log), password) {
				t.Errorf("%s holds the password given to CreateUser/SetPassword", s.LogFile)
			}
		})
	}
}

// TestOwnMariaDBStopStart: a test's own server stops (its port refuses connections, which is not a
// login refusal) and starts again with its data.
func TestOwnMariaDBStopStart(t *testing.T) {
	t.Parallel()
	m := StartMariaDB(t)
	for _, a := range m.Admins() {
		if !m.CanLogin(a.User, a.Password, "") {
			t.Fatalf("%s cannot log in to the test's own server", a.User)
		}
	}
	if m.CanLogin("root", "", "") {
		t.Errorf("root logs in without a password")
	}
	if grants := strings.Join(m.Grants(m.Admin.User, "%"), "\n"); strings.Contains(grants, "SUPER") || !strings.Contains(grants, "CREATE USER") {
		t.Errorf("restricted admin grants on the own server:\n%s", grants)
	}
	db := UniqueName(t, "db")
	m.CreateDatabase(db)

	m.Stop()
	if m.Running() {
		t.Fatalf("Running after Stop")
	}
	err := m.LoginError("root", m.Superuser.Password, "")
	if err == nil || IsLoginRefused(err) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("login to the stopped server: %v, want connection refused", err)
	}
	m.Stop() // stopped: no-op

	m.Start()
	if !m.Running() {
		t.Fatalf("not Running after Start")
	}
	if !m.DatabaseExists(db) {
		t.Errorf("%s is gone after the restart", db)
	}
	m.Start() // running: no-op
	if !m.CanLogin(m.Admin.User, m.Admin.Password, db) {
		t.Errorf("the restricted admin cannot log in after the restart")
	}
}

// TestOwnMariaDBPortTaken: a start on a port another process holds fails as errPortTaken (which
// StartMariaDB answers with another port), not as "listening": the other process's listener must
// not pass for the server.
func TestOwnMariaDBPortTaken(t *testing.T) {
	t.Parallel()
	m := StartMariaDB(t)
	m.Stop()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("unexpected listener address %v", l.Addr())
	}
	own := m.Port
	m.Port = addr.Port
	err = m.start()
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("start on a taken port: %v, want errPortTaken", err)
	}
	if m.Running() {
		t.Errorf("Running after a start on a taken port")
	}
	m.Port = own
	m.Start()
	if !m.CanLogin(m.Admin.User, m.Admin.Password, "") {
		t.Errorf("the restricted admin cannot log in after the start on the own port")
	}
}
