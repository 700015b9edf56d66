// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

// Integration tests against the real servers of scripts/services.sh (MariaDB, MariaDB with TLS,
// PostgreSQL 15), each run as the server's superuser and as the restricted admin. They never skip:
// without the services they fail with the hint of how to start them.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// target is one test server with one admin account.
type target struct {
	ts    *testsupport.Server
	admin testsupport.Account
}

// targetNames are the plain MariaDB and PostgreSQL servers, each with both admin accounts.
var targetNames = []string{"mysql/superuser", "mysql/restricted_admin", "postgres/superuser", "postgres/restricted_admin"}

// targetFor gets the server of a target name for the (sub)test t, whose helpers then fail t.
func targetFor(t *testing.T, name string) target {
	t.Helper()
	engine, who, _ := strings.Cut(name, "/")
	var ts *testsupport.Server
	if engine == testsupport.EngineMySQL {
		ts = testsupport.MySQL(t)
	} else {
		ts = testsupport.Postgres(t)
	}
	if who == "restricted_admin" {
		return target{ts: ts, admin: ts.Admin}
	}
	return target{ts: ts, admin: ts.Superuser}
}

func (tg target) config() ServerConfig {
	cfg := ServerConfig{Name: "it", Engine: Engine(tg.ts.Engine), Host: tg.ts.Host, Port: tg.ts.Port,
		Username: tg.admin.User, Password: tg.admin.Password}
	if tg.ts.TLS != nil {
		cfg.TLS = TLS{Mode: TLSVerifyFull, CACertificate: tg.ts.TLS.CAPEM}
	}
	return cfg
}

// open returns the Server of cfg from a Pools of the test's own.
func open(t *testing.T, cfg ServerConfig) Server {
	t.Helper()
	pools := NewPools()
	t.Cleanup(func() { _ = pools.Close() })
	s, err := pools.Server(cfg)
	if err != nil {
		t.Fatalf("Pools.Server: %v", err)
	}
	return s
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// password returns a fresh password that no log holds before the test.
func password(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "zt-Pw'" + hex.EncodeToString(b) + `\"`
}

// userOf is the test user on the server (MySQL host "%", none on PostgreSQL).
func userOf(ts *testsupport.Server, name string) User {
	if ts.Engine == testsupport.EngineMySQL {
		return User{Name: name, Host: "%"}
	}
	return User{Name: name}
}

// tsHost is the host testsupport takes for the user ("" on PostgreSQL).
func tsHost(u User) string { return u.Host }

// assertNotLogged reads the server's statement log and fails when it holds one of the secrets. It
// also requires the log to name marker (a user the test created), which proves that the log records
// the test's statements at all.
func assertNotLogged(t *testing.T, ts *testsupport.Server, marker string, secrets ...string) {
	t.Helper()
	var log []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		log, err = os.ReadFile(ts.LogFile)
		if err != nil {
			t.Fatalf("reading the server log %s: %v", ts.LogFile, err)
		}
		if strings.Contains(string(log), marker) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(string(log), marker) {
		t.Fatalf("the server log %s does not mention %s: it does not record the statements, so it proves nothing", ts.LogFile, marker)
	}
	for _, s := range secrets {
		if strings.Contains(string(log), s) {
			t.Errorf("the server log %s contains a password used by the test", ts.LogFile)
		}
	}
}

func TestIntegrationInfo(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := targetFor(t, name)
			info, err := open(t, tg.config()).Info(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			raw := tg.ts.Version()
			if info.Raw != raw || info.Engine != Engine(tg.ts.Engine) {
				t.Errorf("Info = %+v, want raw version %q", info, raw)
			}
			switch tg.ts.Engine {
			case testsupport.EngineMySQL:
				if info.Flavor != FlavorMariaDB || len(info.Warnings) != 1 || !strings.HasPrefix(raw, info.Version) {
					t.Errorf("MariaDB %q: Info = %+v, want flavour mariadb, its version and the MariaDB warning", raw, info)
				}
			default:
				if info.Flavor != FlavorPostgres || len(info.Warnings) != 0 || !strings.HasPrefix(raw, info.Version) {
					t.Errorf("PostgreSQL %q: Info = %+v", raw, info)
				}
			}
		})
	}
}

// TestIntegrationLifecycle walks a database and its user through what the resource does: create,
// read, grant, rotate the password, drift (a revoked privilege), restore, drop.
func TestIntegrationLifecycle(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := targetFor(t, name)
			ctx, ts := testCtx(t), tg.ts
			s := open(t, tg.config())
			mysqlServer := ts.Engine == testsupport.EngineMySQL
			db := testsupport.UniqueName(t, "zt_db")
			u := userOf(ts, testsupport.UniqueName(t, "zt_u"))
			ts.CleanupUser(u.Name, tsHost(u))
			ts.CleanupDatabase(db)

			// Database.
			if got, err := s.GetDatabase(ctx, db); err != nil || got != nil {
				t.Fatalf("GetDatabase before create = %+v, %v; want nil, nil", got, err)
			}
			if err := s.CreateDatabase(ctx, DatabaseSpec{Name: db}); err != nil {
				t.Fatalf("CreateDatabase: %v", err)
			}
			got, err := s.GetDatabase(ctx, db)
			if err != nil || got == nil || got.Name != db {
				t.Fatalf("GetDatabase = %+v, %v", got, err)
			}
			if mysqlServer && (got.CharacterSet != "utf8mb4" || !strings.HasPrefix(got.Collation, "utf8mb4_")) {
				t.Errorf("MySQL database %+v, want utf8mb4", got)
			}
			if !mysqlServer && (got.Encoding != "UTF8" || got.Owner != tg.admin.User) {
				t.Errorf("PostgreSQL database %+v, want UTF8 owned by %s", got, tg.admin.User)
			}
			if err := s.CreateDatabase(ctx, DatabaseSpec{Name: db}); !errors.Is(err, ErrDatabaseExists) {
				t.Fatalf("CreateDatabase of an existing database: %v, want ErrDatabaseExists", err)
			}
			if n, err := s.TableCount(ctx, db); err != nil || n != 0 {
				t.Fatalf("TableCount of a new database = %d, %v", n, err)
			}
			ts.CreateTable(db, "t1")
			if n, err := s.TableCount(ctx, db); err != nil || n != 1 {
				t.Fatalf("TableCount after one table = %d, %v", n, err)
			}

			// User.
			pw1, pw2 := password(t), password(t)
			if ok, err := s.UserExists(ctx, u); err != nil || ok {
				t.Fatalf("UserExists before create = %v, %v", ok, err)
			}
			if err := s.CreateUser(ctx, u, pw1); err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			if ok, err := s.UserExists(ctx, u); err != nil || !ok || !ts.UserExists(u.Name, tsHost(u)) {
				t.Fatalf("UserExists after create = %v, %v", ok, err)
			}
			err = s.CreateUser(ctx, u, pw2)
			if !errors.Is(err, ErrUserExists) {
				t.Fatalf("CreateUser of an existing user: %v, want ErrUserExists", err)
			}
			if strings.Contains(err.Error(), pw2) {
				t.Errorf("the error %q contains the password", err)
			}
			if err := s.CreateUser(ctx, userOf(ts, testsupport.UniqueName(t, "zt_e")), ""); !errors.Is(err, ErrEmptyPassword) {
				t.Errorf("CreateUser with an empty password: %v, want ErrEmptyPassword", err)
			}
			if mysqlServer && ts.CanLogin(u.Name, pw1, db) {
				t.Error("the new user can use the database before any grant")
			}
			g, err := s.DatabaseGrants(ctx, u, db)
			if err != nil || g.Complete() || g.UserMissing() {
				t.Fatalf("DatabaseGrants before the grant = %+v, %v; want incomplete, of a user that exists", g, err)
			}

			// Grant: the user can run migrations in its database, and only there.
			if err := s.GrantDatabase(ctx, u, db); err != nil {
				t.Fatalf("GrantDatabase: %v", err)
			}
			if g, err := s.DatabaseGrants(ctx, u, db); err != nil || !g.Complete() {
				t.Fatalf("DatabaseGrants after the grant = %+v, %v; want complete", g, err)
			}
			userDB := ts.DB(testsupport.Account{User: u.Name, Password: pw1}, db)
			if _, err := userDB.ExecContext(ctx, "CREATE TABLE migration_check (id INT PRIMARY KEY)"); err != nil {
				t.Fatalf("the user cannot create a table in its database: %v", err)
			}
			if _, err := userDB.ExecContext(ctx, "DROP TABLE t1"); err != nil {
				t.Fatalf("the user cannot drop a table of its database: %v", err)
			}
			if err := userDB.Close(); err != nil {
				t.Fatal(err)
			}
			if mysqlServer {
				// `_` is a wildcard in database grants: a name differing only there must stay closed.
				sibling := strings.Replace(db, "_", "x", 1)
				ts.CreateDatabase(sibling)
				ts.CleanupDatabase(sibling)
				if ts.CanLogin(u.Name, pw1, sibling) {
					t.Errorf("the user can use %s, which differs from its database %s only where the name has `_`", sibling, db)
				}
				if ts.CanLogin(u.Name, pw1, "mysql") {
					t.Error("the user can use the mysql database")
				}
			} else {
				if owner := ts.DatabaseOwner(db); owner != u.Name {
					t.Errorf("database owner = %s, want the user %s", owner, u.Name)
				}
			}

			// Password rotation: the new one works, the old one no longer does.
			if err := s.SetPassword(ctx, u, pw2); err != nil {
				t.Fatalf("SetPassword: %v", err)
			}
			if !ts.CanLogin(u.Name, pw2, db) {
				t.Error("the new password does not log in")
			}
			if ts.CanLogin(u.Name, pw1, db) {
				t.Error("the old password still logs in")
			}

			// Drift: a revoked privilege is seen and restored.
			revoked := "DELETE"
			if !mysqlServer {
				revoked = "CONNECT"
			}
			if mysqlServer {
				// As SHOW GRANTS spells the grant: with the wildcards of the name escaped.
				qdb, err := QuoteMySQLGrantDatabase(db, false)
				if err != nil {
					t.Fatal(err)
				}
				ts.Exec("REVOKE DELETE ON " + qdb + ".* FROM '" + u.Name + "'@'%'")
			} else {
				ts.RevokePrivilege(u.Name, tsHost(u), db, revoked)
			}
			g, err = s.DatabaseGrants(ctx, u, db)
			if err != nil || g.Complete() || !slices.Equal(g.Missing, []string{revoked}) {
				t.Fatalf("DatabaseGrants after REVOKE %s = %+v, %v; want exactly %s missing", revoked, g, err, revoked)
			}
			if err := s.GrantDatabase(ctx, u, db); err != nil {
				t.Fatalf("GrantDatabase to restore: %v", err)
			}
			if g, err := s.DatabaseGrants(ctx, u, db); err != nil || !g.Complete() {
				t.Fatalf("DatabaseGrants after restoring = %+v, %v", g, err)
			}

			// Drop: the database, then the user; both idempotent.
			if err := s.DropDatabase(ctx, db); err != nil {
				t.Fatalf("DropDatabase: %v", err)
			}
			if got, err := s.GetDatabase(ctx, db); err != nil || got != nil || ts.DatabaseExists(db) {
				t.Fatalf("GetDatabase after drop = %+v, %v", got, err)
			}
			if err := s.DropDatabase(ctx, db); err != nil {
				t.Fatalf("DropDatabase of a dropped database: %v", err)
			}
			if n, err := s.TableCount(ctx, db); err != nil || n != 0 {
				t.Fatalf("TableCount of a dropped database = %d, %v", n, err)
			}
			if err := s.DropUser(ctx, u); err != nil {
				t.Fatalf("DropUser: %v", err)
			}
			if ok, err := s.UserExists(ctx, u); err != nil || ok || ts.UserExists(u.Name, tsHost(u)) {
				t.Fatalf("UserExists after drop = %v, %v", ok, err)
			}
			if err := s.DropUser(ctx, u); err != nil {
				t.Fatalf("DropUser of a dropped user: %v", err)
			}
			if g, err := s.DatabaseGrants(ctx, u, db); err != nil || g.Complete() || !g.UserMissing() || !slices.Equal(g.Missing, []string{MissingUser}) {
				t.Fatalf("DatabaseGrants of a dropped user = %+v, %v; want [user] missing", g, err)
			}

			// Passwords went to the server as hashes only.
			assertNotLogged(t, ts, u.Name, pw1, pw2)
			if mysqlServer {
				log, err := os.ReadFile(ts.LogFile)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(log), "IDENTIFIED BY PASSWORD '"+MySQLNativePasswordHash(pw2)+"'") {
					t.Error("the MariaDB general log does not show the password hash of the rotation")
				}
			}
		})
	}
}

// TestIntegrationSecretErrors makes statements that carry a password fail and checks the errors.
func TestIntegrationSecretErrors(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := targetFor(t, name)
			ctx, ts := testCtx(t), tg.ts
			s := open(t, tg.config())
			u := userOf(ts, testsupport.UniqueName(t, "zt_missing"))
			pw := password(t)
			err := s.SetPassword(ctx, u, pw)
			var se *StatementError
			if !errors.As(err, &se) || se.Code == "" {
				t.Fatalf("SetPassword of a missing user: %v (%T), want a *StatementError with a code", err, err)
			}
			for _, secret := range []string{pw, MySQLNativePasswordHash(pw), "SCRAM-SHA-256$"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error %q holds the password or its hash", err)
				}
			}
			if !strings.Contains(err.Error(), u.Name) {
				t.Errorf("the error %q does not name the user", err)
			}
		})
	}
}

// TestIntegrationQuoting creates and drops databases whose names try to break out of the quotes.
func TestIntegrationQuoting(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := targetFor(t, name)
			ctx, ts := testCtx(t), tg.ts
			s := open(t, tg.config())
			unique := testsupport.UniqueName(t, "zt_q")
			base := "zt_q_" + unique[len(unique)-8:]
			victim := base + "_v"
			ts.CreateDatabase(victim)
			ts.CleanupDatabase(victim)
			// Quotes of both engines and a statement; MySQL forbids only a trailing space.
			evil := base + "`\"'; DROP DATABASE " + victim + "; --"
			ts.CleanupDatabase(evil)
			if err := s.CreateDatabase(ctx, DatabaseSpec{Name: evil}); err != nil {
				t.Fatalf("CreateDatabase(%q): %v", evil, err)
			}
			got, err := s.GetDatabase(ctx, evil)
			if err != nil || got == nil || got.Name != evil {
				t.Fatalf("GetDatabase(%q) = %+v, %v", evil, got, err)
			}
			if !ts.DatabaseExists(victim) {
				t.Fatal("the name's text ran as a statement and dropped another database")
			}
			if err := s.DropDatabase(ctx, evil); err != nil {
				t.Fatalf("DropDatabase(%q): %v", evil, err)
			}
			if ts.DatabaseExists(evil) || !ts.DatabaseExists(victim) {
				t.Fatal("DropDatabase did not drop exactly the quoted database")
			}
		})
	}
}

// TestIntegrationParallelCreates runs the create path of 20 databases with users at once through
// one Pools, as Terraform's default parallelism would, as the restricted admin.
func TestIntegrationParallelCreates(t *testing.T) {
	for _, name := range []string{"mysql/restricted_admin", "postgres/restricted_admin"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			tg := targetFor(t, name)
			ts := tg.ts
			pools := NewPools()
			t.Cleanup(func() { _ = pools.Close() })
			const n = 20
			names := make([]string, n)
			for i := range names {
				names[i] = testsupport.UniqueName(t, "zt_par")
				ts.CleanupUser(names[i], tsHost(userOf(ts, names[i])))
				ts.CleanupDatabase(names[i])
			}
			run := func(f func(s Server, name string) error) []error {
				errs := make([]error, n)
				var wg sync.WaitGroup
				for i, name := range names {
					wg.Add(1)
					go func() {
						defer wg.Done()
						// Every goroutine asks Pools for the server, as every resource does.
						s, err := pools.Server(tg.config())
						if err == nil {
							err = f(s, name)
						}
						errs[i] = err
					}()
				}
				wg.Wait()
				return errs
			}
			pw := password(t)
			errs := run(func(s Server, name string) error {
				u := userOf(ts, name)
				if err := s.CreateUser(ctx, u, pw); err != nil {
					return err
				}
				if err := s.CreateDatabase(ctx, DatabaseSpec{Name: name}); err != nil {
					return err
				}
				return s.GrantDatabase(ctx, u, name)
			})
			for i, err := range errs {
				if err != nil {
					t.Errorf("database %d (%s): %v", i, names[i], err)
				}
			}
			errs = run(func(s Server, name string) error {
				g, err := s.DatabaseGrants(ctx, userOf(ts, name), name)
				if err == nil && !g.Complete() {
					err = fmt.Errorf("grants incomplete: %v", g.Missing)
				}
				return err
			})
			for i, err := range errs {
				if err != nil {
					t.Errorf("database %d (%s): %v", i, names[i], err)
				}
			}
			errs = run(func(s Server, name string) error {
				if err := s.DropDatabase(ctx, name); err != nil {
					return err
				}
				return s.DropUser(ctx, userOf(ts, name))
			})
			for i, err := range errs {
				if err != nil {
					t.Errorf("dropping %d (%s): %v", i, names[i], err)
				}
				if ts.DatabaseExists(names[i]) || ts.UserExists(names[i], tsHost(userOf(ts, names[i]))) {
					t.Errorf("%s still exists after the drops", names[i])
				}
			}
			assertNotLogged(t, ts, names[0], pw)
		})
	}
}

// TestIntegrationPostgresOwnership covers what only PostgreSQL has: a database created with its
// owner, ownership lost and restored, sessions blocking a drop, and a user removed while its
// database is kept.
func TestIntegrationPostgresOwnership(t *testing.T) {
	for _, name := range []string{"postgres/superuser", "postgres/restricted_admin"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			tg := targetFor(t, name)
			ts, admin := tg.ts, tg.admin
			s := open(t, tg.config())
			db := testsupport.UniqueName(t, "zt_own")
			u := User{Name: testsupport.UniqueName(t, "zt_ou")}
			other := testsupport.UniqueName(t, "zt_other")
			ts.CleanupDatabase(db)
			ts.CleanupUser(u.Name, "")
			ts.CleanupUser(other, "")
			pw := password(t)

			if err := s.CreateUser(ctx, u, pw); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateDatabase(ctx, DatabaseSpec{Name: db, Owner: u.Name}); err != nil {
				t.Fatalf("CreateDatabase with the user as owner: %v", err)
			}
			if owner := ts.DatabaseOwner(db); owner != u.Name {
				t.Fatalf("owner = %s, want %s", owner, u.Name)
			}
			if err := s.GrantDatabase(ctx, u, db); err != nil {
				t.Fatal(err)
			}
			if g, err := s.DatabaseGrants(ctx, u, db); err != nil || !g.Complete() {
				t.Fatalf("DatabaseGrants = %+v, %v", g, err)
			}
			// The schema public belongs to the database owner (pg_database_owner) on PostgreSQL 15.
			if owner := ts.QueryIn(db, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'"); owner[0][0] != "pg_database_owner" {
				t.Errorf("schema public is owned by %s, want pg_database_owner", owner[0][0])
			}

			// Ownership handed to another ordinary role, schema privileges revoked: seen and restored.
			ts.CreateUser(other, "", password(t))
			ts.Exec(`ALTER DATABASE "` + db + `" OWNER TO "` + other + `"`)
			ts.ExecIn(db, `REVOKE ALL ON SCHEMA public FROM pg_database_owner`)
			g, err := s.DatabaseGrants(ctx, u, db)
			if err != nil || g.Complete() || !slices.Contains(g.Missing, "ownership") || !slices.Contains(g.Missing, "CREATE ON SCHEMA public") {
				t.Fatalf("DatabaseGrants after losing ownership and schema privileges = %+v, %v", g, err)
			}
			if err := s.GrantDatabase(ctx, u, db); err != nil {
				t.Fatalf("GrantDatabase to restore ownership: %v", err)
			}
			if g, err := s.DatabaseGrants(ctx, u, db); err != nil || !g.Complete() || ts.DatabaseOwner(db) != u.Name {
				t.Fatalf("after restoring: %+v, %v, owner %s", g, err, ts.DatabaseOwner(db))
			}

			// A connected session blocks the drop; the error says so; nothing is forced.
			userDB := ts.DB(testsupport.Account{User: u.Name, Password: pw}, db)
			if err := userDB.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
			err = s.DropDatabase(ctx, db)
			// The count may include a backend of an earlier connection that is still exiting (PostgreSQL
			// ends a backend asynchronously after its client disconnects), so only "at least one" is exact.
			if !errors.Is(err, ErrDatabaseInUse) || !regexp.MustCompile(`[1-9][0-9]* other session\(s\) are connected`).MatchString(err.Error()) {
				t.Fatalf("DropDatabase with a session connected: %v, want ErrDatabaseInUse naming the connected sessions", err)
			}
			if !ts.DatabaseExists(db) {
				t.Fatal("the database was dropped although a session was connected")
			}
			if _, err := userDB.ExecContext(ctx, "CREATE TABLE kept (id int)"); err != nil {
				t.Fatalf("the user cannot create a table: %v", err)
			}
			if err := userDB.Close(); err != nil {
				t.Fatal(err)
			}

			// The user removed, the database kept: what the user owned passes to the admin.
			if err := s.DropUser(ctx, u); err != nil {
				t.Fatalf("DropUser of the owner of a kept database: %v", err)
			}
			if ts.UserExists(u.Name, "") || !ts.DatabaseExists(db) {
				t.Fatal("DropUser did not drop the user, or dropped the database")
			}
			if owner := ts.DatabaseOwner(db); owner != admin.User {
				t.Errorf("the kept database is owned by %s, want the admin %s", owner, admin.User)
			}
			if n, err := s.TableCount(ctx, db); err != nil || n != 1 {
				t.Errorf("TableCount of the kept database = %d, %v; want its one table", n, err)
			}
			if err := s.DropDatabase(ctx, db); err != nil {
				t.Fatalf("DropDatabase: %v", err)
			}
			assertNotLogged(t, ts, u.Name, pw)
		})
	}
}

// TestIntegrationPostgresRestrictedAdminLimits: a database that a superuser owns cannot be handed to
// the user by a restricted admin; the error says what PostgreSQL refused.
func TestIntegrationPostgresRestrictedAdminLimits(t *testing.T) {
	ts := testsupport.Postgres(t)
	ctx := testCtx(t)
	s := open(t, target{ts: ts, admin: ts.Admin}.config())
	db := testsupport.UniqueName(t, "zt_super")
	u := User{Name: testsupport.UniqueName(t, "zt_su")}
	ts.CleanupDatabase(db)
	ts.CleanupUser(u.Name, "")
	ts.CreateDatabase(db) // owned by the superuser
	if err := s.CreateUser(ctx, u, password(t)); err != nil {
		t.Fatal(err)
	}
	err := s.GrantDatabase(ctx, u, db)
	if err == nil || !strings.Contains(err.Error(), "must be owner of database") {
		t.Fatalf("GrantDatabase on a superuser's database as the restricted admin: %v, want PostgreSQL's refusal", err)
	}
}

// TestIntegrationPostgresSCRAMLogin proves that PostgreSQL takes the client-computed verifier: the
// user logs in with the password, the stored secret is the verifier form, and a wrong password fails.
func TestIntegrationPostgresSCRAMLogin(t *testing.T) {
	ts := testsupport.Postgres(t)
	ctx := testCtx(t)
	s := open(t, target{ts: ts, admin: ts.Superuser}.config())
	u := User{Name: testsupport.UniqueName(t, "zt_scram")}
	ts.CleanupUser(u.Name, "")
	for _, pw := range []string{password(t), "pässwörd-" + password(t)} {
		if ok, _ := s.UserExists(ctx, u); ok {
			if err := s.SetPassword(ctx, u, pw); err != nil {
				t.Fatal(err)
			}
		} else if err := s.CreateUser(ctx, u, pw); err != nil {
			t.Fatal(err)
		}
		if !ts.CanLogin(u.Name, pw, "postgres") {
			t.Errorf("the user cannot log in with the password %q sent as a verifier", pw)
		}
		if ts.CanLogin(u.Name, pw+"x", "postgres") {
			t.Error("a wrong password logs in")
		}
		stored := ts.QueryValue("SELECT rolpassword FROM pg_authid WHERE rolname = $1", u.Name)
		if !scramVerifierPattern.MatchString(stored) {
			t.Errorf("the stored secret %q is not a SCRAM-SHA-256 verifier", stored)
		}
	}
	if err := s.SetPassword(ctx, u, "pa\u00ADss"); !errors.Is(err, ErrPasswordNormalization) {
		t.Errorf("SetPassword with a soft hyphen: %v, want ErrPasswordNormalization", err)
	}
}

// TestIntegrationTLS connects to the MariaDB server that requires TLS in each mode.
func TestIntegrationTLS(t *testing.T) {
	files := testsupport.MySQLTLS(t).TLS
	tests := []struct {
		name    string
		host    string
		user    *testsupport.Account
		tls     TLS
		wantErr []string // nil: works
	}{
		{"verify_full with the CA", "", nil, TLS{Mode: TLSVerifyFull, CACertificate: files.CAPEM}, nil},
		{"verify_full by name", "localhost", nil, TLS{CACertificate: files.CAPEM}, nil},
		{"verify_ca", "", nil, TLS{Mode: TLSVerifyCA, CACertificate: files.CAPEM}, nil},
		{"required without a CA", "", nil, TLS{Mode: TLSRequired}, nil},
		{"verify_full with the wrong CA", "", nil, TLS{Mode: TLSVerifyFull, CACertificate: files.WrongCAPEM},
			[]string{"not signed by the CA in tls.ca_certificate", "unknown authority"}},
		{"verify_ca with the wrong CA", "", nil, TLS{Mode: TLSVerifyCA, CACertificate: files.WrongCAPEM},
			[]string{"not signed by the CA in tls.ca_certificate"}},
		{"verify_full without a CA", "", nil, TLS{Mode: TLSVerifyFull}, []string{"not signed by a CA the system trusts"}},
		{"disabled", "", nil, TLS{Mode: TLSDisabled}, []string{"Access denied", "if the server requires TLS, configure tls"}},
		{"client certificate", "", &files.X509, TLS{Mode: TLSVerifyFull, CACertificate: files.CAPEM,
			ClientCertificate: files.ClientCertPEM, ClientKey: files.ClientKeyPEM}, nil},
		{"client certificate missing", "", &files.X509, TLS{Mode: TLSVerifyFull, CACertificate: files.CAPEM},
			[]string{"Access denied"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, ts := testCtx(t), testsupport.MySQLTLS(t)
			cfg := ServerConfig{Name: "tls", Engine: MySQL, Host: ts.Host, Port: ts.Port, Username: ts.Admin.User,
				Password: ts.Admin.Password, ConnectTimeout: 10 * time.Second, TLS: tt.tls}
			if tt.host != "" {
				cfg.Host = tt.host
			}
			if tt.user != nil {
				cfg.Username, cfg.Password = tt.user.User, tt.user.Password
			}
			s := open(t, cfg)
			info, err := s.Info(ctx)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Info: %v", err)
				}
				if info.Flavor != FlavorMariaDB {
					t.Errorf("Info = %+v", info)
				}
				db := testsupport.UniqueName(t, "zt_tls")
				ts.CleanupDatabase(db)
				if err := s.CreateDatabase(ctx, DatabaseSpec{Name: db}); err != nil {
					t.Fatalf("CreateDatabase over TLS: %v", err)
				}
				if err := s.DropDatabase(ctx, db); err != nil {
					t.Fatalf("DropDatabase over TLS: %v", err)
				}
				return
			}
			var ue *UnreachableError
			if !errors.As(err, &ue) {
				t.Fatalf("Info: %v (%T), want *UnreachableError", err, err)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if !strings.Contains(err.Error(), cfg.Address()) || strings.Contains(err.Error(), cfg.Password) {
				t.Errorf("error %q must name %s and not the password", err, cfg.Address())
			}
		})
	}
}

// TestIntegrationStoppedServer: a server that stops is unreachable (never "gone"), and the same pool
// works again once it is back.
func TestIntegrationStoppedServer(t *testing.T) {
	m := testsupport.StartMariaDB(t)
	ctx := testCtx(t)
	cfg := target{ts: m.Server, admin: m.Admin}.config()
	cfg.ConnectTimeout = 3 * time.Second
	s := open(t, cfg)
	db := testsupport.UniqueName(t, "zt_stop")
	if err := s.CreateDatabase(ctx, DatabaseSpec{Name: db}); err != nil {
		t.Fatal(err)
	}
	m.Stop()
	got, err := s.GetDatabase(ctx, db)
	var ue *UnreachableError
	if !errors.As(err, &ue) || got != nil {
		t.Fatalf("GetDatabase on a stopped server = %+v, %v; want an *UnreachableError", got, err)
	}
	if !strings.Contains(err.Error(), m.Addr()) {
		t.Errorf("error %q does not name %s", err, m.Addr())
	}
	if _, err := s.DatabaseGrants(ctx, User{Name: "u"}, db); !errors.As(err, &ue) {
		t.Errorf("DatabaseGrants on a stopped server: %v, want *UnreachableError", err)
	}
	m.Start()
	if got, err := s.GetDatabase(ctx, db); err != nil || got == nil {
		t.Fatalf("GetDatabase after the restart = %+v, %v", got, err)
	}
}

// TestIntegrationPostgresDatabaseClosedToAdmin: a database the admin may not connect to gives a plain
// error naming the cause, not an *UnreachableError.
func TestIntegrationPostgresDatabaseClosedToAdmin(t *testing.T) {
	ts := testsupport.Postgres(t)
	ctx := testCtx(t)
	s := open(t, target{ts: ts, admin: ts.Admin}.config())
	db := testsupport.UniqueName(t, "zt_closed")
	ts.CleanupDatabase(db)
	ts.CreateDatabase(db)
	ts.Exec(`REVOKE CONNECT ON DATABASE "` + db + `" FROM PUBLIC`)
	_, err := s.TableCount(ctx, db)
	var ue *UnreachableError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "may not connect") {
		t.Fatalf("TableCount of a database closed to the admin: %v (%T), want a plain error saying the admin may not connect", err, err)
	}
}

// TestIntegrationMySQL8PasswordPath runs the MySQL 8 way of setting passwords (the password itself,
// escaped by the driver for the connection's SQL mode) against MariaDB, which accepts it too, with
// a password full of quotes and backslashes, in both backslash modes (the second on a session of its own). MariaDB writes such statements
// to its general log in clear, so this test's passwords are its own and never reused.
func TestIntegrationMySQL8PasswordPath(t *testing.T) {
	ts := testsupport.MySQL(t)
	ctx := testCtx(t)
	s := open(t, target{ts: ts, admin: ts.Admin}.config())
	ms, ok := s.(*mysqlServer)
	if !ok {
		t.Fatalf("the MySQL server is a %T", s)
	}
	// Pretend the server is MySQL 8.0.36.
	if _, err := ms.traits.get(ctx, func(context.Context) (mysqlTraits, error) {
		return mysqlTraits{raw: "8.0.36", flavor: FlavorMySQL, version: Version{8, 0, 36}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"", "NO_BACKSLASH_ESCAPES"} {
		u := User{Name: testsupport.UniqueName(t, "zt_my8"), Host: "%"}
		ts.CleanupUser(u.Name, "%")
		pw := `it's a \'quoted\' "pass\word" ` + password(t)
		if mode != "" {
			// The pool's one connection gets the mode for its session; CreateUser then runs on it.
			ms.db.SetMaxOpenConns(1)
			conn, err := ms.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')"); err != nil {
				t.Fatal(err)
			}
			if err := conn.Close(); err != nil {
				t.Fatal(err)
			}
		}
		err := s.CreateUser(ctx, u, pw)
		if err != nil {
			t.Fatalf("CreateUser (sql_mode %q): %v", mode, err)
		}
		if !ts.CanLogin(u.Name, pw, "") {
			t.Errorf("sql_mode %q: the user cannot log in with the password the driver escaped", mode)
		}
		if mode != "" {
			var sqlMode string
			if err := ms.db.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&sqlMode); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(sqlMode, mode) {
				t.Fatalf("the pool's connection has sql_mode %q; the test did not run in %s", sqlMode, mode)
			}
		}
	}
}

// TestIntegrationWrongAdminPassword: a server that answers but refuses the admin's credentials is
// reported as such, with the address, so that the user fixes the configuration instead of the network.
func TestIntegrationWrongAdminPassword(t *testing.T) {
	for _, name := range []string{"mysql/restricted_admin", "postgres/restricted_admin"} {
		t.Run(name, func(t *testing.T) {
			tg := targetFor(t, name)
			cfg := tg.config()
			cfg.Password = "not-the-admin-password"
			_, err := open(t, cfg).GetDatabase(testCtx(t), "zenml_workspace_1")
			var ue *UnreachableError
			if !errors.As(err, &ue) || !ue.LoginRefused {
				t.Fatalf("GetDatabase with a wrong admin password = %v; want an *UnreachableError with LoginRefused", err)
			}
			want := fmt.Sprintf("database server %q at %s refused the admin login", cfg.Name, tg.ts.Addr())
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
			if strings.Contains(err.Error(), cfg.Password) {
				t.Errorf("error %q holds the password", err)
			}
		})
	}
}

// TestIntegrationMySQLDatabasePrivilegesFromGrantTables checks that the database-level privileges read
// from mysql.db are exactly what information_schema.SCHEMA_PRIVILEGES lists for the same account,
// for a database granted ALL, a pattern granted a few privileges WITH GRANT OPTION (the option is not
// a privilege of its own) and a name with an escaped underscore; both admin accounts read them.
func TestIntegrationMySQLDatabasePrivilegesFromGrantTables(t *testing.T) {
	for _, name := range []string{"mysql/superuser", "mysql/restricted_admin"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := targetFor(t, name)
			ctx, ts := testCtx(t), tg.ts
			s, ok := open(t, tg.config()).(*mysqlServer)
			if !ok {
				t.Fatal("the MySQL engine's server is not a *mysqlServer")
			}
			u := userOf(ts, testsupport.UniqueName(t, "zt_p"))
			ts.CleanupUser(u.Name, u.Host)
			db := testsupport.UniqueName(t, "zt_pdb")
			account := "'" + u.Name + "'@'%'"
			ts.Exec("CREATE USER " + account + " IDENTIFIED BY 'zt-unused-Pw-1'")
			ts.Exec("GRANT ALL PRIVILEGES ON `" + escapeMySQLWildcards(db) + "`.* TO " + account)
			ts.Exec("GRANT SELECT, INSERT, CREATE TEMPORARY TABLES, LOCK TABLES ON `" + db + "_pat%`.* TO " + account + " WITH GRANT OPTION")
			ts.Exec("GRANT SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EXECUTE, EVENT, TRIGGER ON `other_" + db + "`.* TO " + account)

			want := map[string]bool{}
			for _, row := range ts.Query("SELECT TABLE_SCHEMA, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ?", account) {
				want[row[0]+" "+row[1]] = true
			}
			if len(want) < 19+4+6 {
				t.Fatalf("information_schema lists %d database privileges of %s, want at least %d: the grants did not land", len(want), account, 19+4+6)
			}
			traits, err := s.supported(ctx)
			if err != nil {
				t.Fatal(err)
			}
			privs, err := s.privileges(ctx, traits, u)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, p := range privs {
				if p.kind == "db" {
					got[p.object+" "+p.privilege] = true
				}
			}
			for k := range want {
				if !got[k] {
					t.Errorf("information_schema lists %q, the grant tables' reading does not", k)
				}
			}
			for k := range got {
				if !want[k] {
					t.Errorf("the grant tables' reading has %q, information_schema does not list it", k)
				}
			}
			if g, err := s.DatabaseGrants(ctx, u, db); err != nil || !g.Complete() || len(g.Elsewhere) != 2 {
				t.Errorf("DatabaseGrants = %+v, %v; want complete with the pattern and the other database elsewhere", g, err)
			}
		})
	}
}

// TestIntegrationMySQLAdminWithoutSelectOnMySQL: an admin account that cannot read the mysql schema
// still connects and creates databases; reading a user's privileges fails saying what it lacks.
func TestIntegrationMySQLAdminWithoutSelectOnMySQL(t *testing.T) {
	t.Parallel()
	tg := targetFor(t, "mysql/superuser")
	ctx, ts := testCtx(t), tg.ts
	admin := testsupport.UniqueName(t, "zt_nosel")
	ts.CleanupUser(admin, "%")
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	pw := "zt-nosel-" + hex.EncodeToString(b)
	ts.Exec("CREATE USER '" + admin + "'@'%' IDENTIFIED BY '" + pw + "'")
	ts.Exec("GRANT CREATE, DROP ON *.* TO '" + admin + "'@'%'")
	cfg := tg.config()
	cfg.Username, cfg.Password = admin, pw
	s := open(t, cfg)
	db := testsupport.UniqueName(t, "zt_nsdb")
	ts.CleanupDatabase(db)
	if err := s.CreateDatabase(ctx, DatabaseSpec{Name: db}); err != nil {
		t.Fatalf("CreateDatabase as an admin without SELECT on mysql: %v", err)
	}
	_, err := s.DatabaseGrants(ctx, User{Name: "zt_someone", Host: "%"}, db)
	if !errors.Is(err, errNoPrivilegeColumns) || !strings.Contains(err.Error(), "SELECT on the mysql schema") {
		t.Fatalf("DatabaseGrants as an admin without SELECT on mysql: %v; want it to say the account needs SELECT on the mysql schema", err)
	}
}
