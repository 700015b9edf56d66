// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

// Tests of the provisioning rules (provision.go) against the real servers of scripts/services.sh,
// as superuser and as restricted admin, without Terraform.

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// provisionCase is one target with a fresh database name and user.
type provisionCase struct {
	tg   target
	srv  Server
	name string
	user User
	pw   string
}

func newProvisionCase(t *testing.T, targetName, prefix string) provisionCase {
	t.Helper()
	tg := targetFor(t, targetName)
	c := provisionCase{tg: tg, srv: open(t, tg.config()), name: testsupport.UniqueName(t, prefix+"db"), pw: password(t)}
	c.user = userOf(tg.ts, testsupport.UniqueName(t, prefix+"u"))
	tg.ts.CleanupDatabase(c.name)
	tg.ts.CleanupUser(c.user.Name, tsHost(c.user))
	return c
}

func (c provisionCase) request() ProvisionRequest {
	u := c.user
	return ProvisionRequest{Target: Target{Server: "it", Address: c.tg.ts.Addr(), Database: c.name, User: &u}, Password: c.pw}
}

// wantRefused checks that err is a *inputerr.Error with the summary, on the attribute, mentioning each phrase.
func wantRefused(t *testing.T, err error, attribute, summary string, phrases ...string) {
	t.Helper()
	var refused *inputerr.Error
	if !errors.As(err, &refused) {
		t.Fatalf("error = %v, want a refusal %q", err, summary)
	}
	if refused.Input != attribute || refused.Summary != summary {
		t.Errorf("refusal = %q on %q, want %q on %q: %s", refused.Summary, refused.Input, summary, attribute, refused.Detail)
	}
	for _, p := range phrases {
		if !strings.Contains(refused.Detail, p) {
			t.Errorf("refusal detail lacks %q:\n%s", p, refused.Detail)
		}
	}
}

// TestProvisionNeverTakesOverAnotherApplicationsUser: a user that holds privileges on another
// database and a global privilege, plus a grant on the database to be created, is refused with and
// without adopt_existing, before anything changes: no database, its password as it was. Its password
// is never rotated and a destroy never drops it.
func TestProvisionNeverTakesOverAnotherApplicationsUser(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "shared")
			ctx := testCtx(t)
			ts := c.tg.ts
			other := testsupport.UniqueName(t, "otherapp")
			ts.CleanupDatabase(other)
			oldPw := password(t)
			ts.CreateUser(c.user.Name, tsHost(c.user), oldPw)
			ts.CreateDatabase(other)
			if ts.Engine == testsupport.EngineMySQL {
				ts.Exec("GRANT SELECT ON *.* TO " + accountText(c.user))
				ts.Exec("GRANT ALL PRIVILEGES ON `" + other + "`.* TO " + accountText(c.user))
				ts.Exec("GRANT ALL PRIVILEGES ON `" + c.name + "`.* TO " + accountText(c.user))
			} else {
				ts.Exec("GRANT CONNECT, CREATE ON DATABASE " + other + " TO " + c.user.Name)
				ts.Exec("ALTER ROLE " + c.user.Name + " CREATEDB")
			}
			for _, adopt := range []bool{false, true} {
				req := c.request()
				req.AdoptExisting = adopt
				_, err := Provision(ctx, c.srv, req)
				wantRefused(t, err, "user.name", "User Holds Other Privileges", other, "never takes over, sets the password of or drops")
				if _, err := CheckProvision(ctx, c.srv, req); err == nil {
					t.Error("CheckProvision accepted what Provision refuses")
				}
			}
			if ts.DatabaseExists(c.name) {
				t.Error("the refused create left a database")
			}
			if !ts.CanLogin(c.user.Name, oldPw, other) {
				t.Error("the other application's user cannot log in with its password any more")
			}
			tgt := c.request().Target
			wantRefused(t, RotatePassword(ctx, c.srv, tgt, c.pw), "user.password_wo_version", "Password Not Changed", other)
			kept, err := DropUserIfDedicated(ctx, c.srv, c.user, c.name)
			if err != nil || !strings.Contains(kept, "was not dropped") || !strings.Contains(kept, other) {
				t.Errorf("DropUserIfDedicated = %q, %v; want it kept, naming %s", kept, err, other)
			}
			if !ts.UserExists(c.user.Name, tsHost(c.user)) || !ts.CanLogin(c.user.Name, oldPw, other) {
				t.Error("the other application's user was dropped or its password changed")
			}
		})
	}
}

// TestProvisionReusesOnlyThisDatabasesUser: a user that holds privileges on this database and
// nothing else is reused (its own user, left behind); one that holds nothing at all is refused
// without adopt_existing, with what to do, and taken over with it.
func TestProvisionReusesOnlyThisDatabasesUser(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "reuse")
			ctx := testCtx(t)
			ts := c.tg.ts
			ts.CreateUser(c.user.Name, tsHost(c.user), password(t))
			_, err := Provision(ctx, c.srv, c.request())
			wantRefused(t, err, "user.name", "User Exists", "adopt_existing = true")
			if ts.DatabaseExists(c.name) {
				t.Fatal("the refused create left a database")
			}
			req := c.request()
			req.AdoptExisting = true
			done, err := Provision(ctx, c.srv, req)
			if err != nil || done.UserOutcome != Adopted || done.DatabaseOutcome != Created {
				t.Fatalf("Provision(adopt) = %+v, %v; want database created, user adopted", done, err)
			}
			if !ts.CanLogin(c.user.Name, c.pw, c.name) {
				t.Error("the adopted user cannot log in with the configured password")
			}
			if ts.Engine == testsupport.EnginePostgres {
				return // a PostgreSQL role's privileges go with its database
			}
			// MySQL keeps the grants of a dropped database: the user is this database's own.
			ts.DropDatabase(c.name)
			c.pw = password(t)
			done, err = Provision(ctx, c.srv, c.request())
			if err != nil || done.UserOutcome != Reused || len(done.Notes) == 0 || done.Notes[len(done.Notes)-1].Summary != "Existing User Reused" {
				t.Fatalf("Provision after the database was dropped = %+v, %v; want the user reused with a note", done, err)
			}
		})
	}
}

// TestProvisionRecoversAnInterruptedApply: an apply killed between its steps leaves a database with
// the provider's marker, perhaps the user, perhaps its privileges. A create converges from each, and
// refuses a marked database that holds tables or is marked for another user.
func TestProvisionRecoversAnInterruptedApply(t *testing.T) {
	steps := []struct {
		name         string
		user, grant  bool
		wantUser     Outcome
		wantDatabase Outcome
	}{
		{"database only", false, false, Created, Recovered},
		{"database and user", true, false, Recovered, Recovered},
		{"database, user and privileges", true, true, Reused, Recovered},
	}
	for _, name := range targetNames {
		for _, step := range steps {
			t.Run(name+"/"+step.name, func(t *testing.T) {
				t.Parallel()
				c := newProvisionCase(t, name, "crash")
				ctx := testCtx(t)
				ts := c.tg.ts
				if err := c.srv.CreateDatabase(ctx, DatabaseSpec{Name: c.name, Comment: Marker(&c.user)}); err != nil {
					t.Fatal(err)
				}
				if db, err := c.srv.GetDatabase(ctx, c.name); err != nil || db.Comment != Marker(&c.user) {
					t.Fatalf("GetDatabase = %+v, %v; want the marker as its comment", db, err)
				}
				if step.user {
					if err := c.srv.CreateUser(ctx, c.user, password(t)); err != nil {
						t.Fatal(err)
					}
				}
				if step.grant {
					if err := c.srv.GrantDatabase(ctx, c.user, c.name); err != nil {
						t.Fatal(err)
					}
				}
				done, err := Provision(ctx, c.srv, c.request())
				if err != nil || done.DatabaseOutcome != step.wantDatabase || done.UserOutcome != step.wantUser {
					t.Fatalf("Provision = %+v, %v; want database %s, user %s", done, err, step.wantDatabase, step.wantUser)
				}
				if !ts.CanLogin(c.user.Name, c.pw, c.name) {
					t.Error("the user cannot log in with the configured password after the recovery")
				}
				if g, err := c.srv.DatabaseGrants(ctx, c.user, c.name); err != nil || !g.Complete() || !g.Dedicated() {
					t.Errorf("after the recovery the user holds %+v, %v; want the whole profile and nothing else", g, err)
				}
			})
		}
		t.Run(name+"/refused", func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "crashno")
			ctx := testCtx(t)
			other := User{Name: "someone_else", Host: c.user.Host}
			if err := c.srv.CreateDatabase(ctx, DatabaseSpec{Name: c.name, Comment: Marker(&other)}); err != nil {
				t.Fatal(err)
			}
			_, err := Provision(ctx, c.srv, c.request())
			wantRefused(t, err, "name", "Database Exists", "created by this provider for another user", "terraform import <address> it/"+c.name)
			// Marked for this user, but it holds a table: not taken over either.
			c.tg.ts.DropDatabase(c.name)
			if err := c.srv.CreateDatabase(ctx, DatabaseSpec{Name: c.name, Comment: Marker(&c.user)}); err != nil {
				t.Fatal(err)
			}
			c.tg.ts.CreateTable(c.name, "t1")
			_, err = Provision(ctx, c.srv, c.request())
			wantRefused(t, err, "name", "Database Exists", "holds 1 tables")
		})
	}
}

// TestProvisionCreatesInOrderAndUndoes: the database carries the marker, and a create that fails
// after its first step leaves nothing of its own behind.
func TestProvisionCreatesInOrderAndUndoes(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "order")
			ctx := testCtx(t)
			done, err := Provision(ctx, c.srv, c.request())
			if err != nil || done.DatabaseOutcome != Created || done.UserOutcome != Created {
				t.Fatalf("Provision = %+v, %v", done, err)
			}
			if done.Database.Comment != Marker(&c.user) {
				t.Errorf("the database's comment is %q, want the marker %q", done.Database.Comment, Marker(&c.user))
			}
			// A failing grant (a server that refuses it) undoes the database and the user this call made.
			failing := &failingGrant{Server: c.srv}
			c2 := newProvisionCase(t, name, "undo")
			_, err = Provision(ctx, failing, c2.request())
			if err == nil || !strings.Contains(err.Error(), "grant refused") {
				t.Fatalf("Provision with a failing grant = %v", err)
			}
			if c2.tg.ts.DatabaseExists(c2.name) || c2.tg.ts.UserExists(c2.user.Name, tsHost(c2.user)) {
				t.Error("the failed create left its database or user behind")
			}
		})
	}
}

// failingGrant is a Server whose GrantDatabase fails: a fault the real servers do not produce on
// demand once the admin may grant.
type failingGrant struct{ Server }

func (f *failingGrant) GrantDatabase(context.Context, User, string) error {
	return errors.New("grant refused")
}

// TestDatabaseGrantsElsewhere lists what a user holds outside the database, in one statement.
func TestDatabaseGrantsElsewhere(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "where")
			ctx := testCtx(t)
			ts := c.tg.ts
			if _, err := Provision(ctx, c.srv, c.request()); err != nil {
				t.Fatal(err)
			}
			g, err := c.srv.DatabaseGrants(ctx, c.user, c.name)
			if err != nil || !g.Dedicated() || !g.Holds || !g.Complete() {
				t.Fatalf("a dedicated user: %+v, %v", g, err)
			}
			other := testsupport.UniqueName(t, "elsewhere")
			ts.CleanupDatabase(other)
			ts.CreateDatabase(other)
			var want []string
			if ts.Engine == testsupport.EngineMySQL {
				ts.ExecIn(other, "CREATE TABLE t (c INT)")
				ts.Exec("GRANT SELECT ON *.* TO " + accountText(c.user))
				ts.Exec("GRANT INSERT ON `" + other + "`.* TO " + accountText(c.user))
				ts.Exec("GRANT UPDATE (c) ON `" + other + "`.t TO " + accountText(c.user))
				want = []string{"SELECT ON *.*", "INSERT ON `" + other + "`.*", "UPDATE (c) ON `" + other + "`.`t`"}
			} else {
				ts.Exec("GRANT CONNECT ON DATABASE " + other + " TO " + c.user.Name)
				ts.Exec("ALTER ROLE " + c.user.Name + " CREATEDB")
				want = []string{"CREATEDB", "privileges on database " + other}
			}
			g, err = c.srv.DatabaseGrants(ctx, c.user, c.name)
			if err != nil || g.Dedicated() || !g.Complete() {
				t.Fatalf("after grants elsewhere: %+v, %v", g, err)
			}
			for _, w := range want {
				found := false
				for _, e := range g.Elsewhere {
					found = found || e == w
				}
				if !found {
					t.Errorf("Elsewhere = %q, want it to hold %q", g.Elsewhere, w)
				}
			}
		})
	}
}

// TestDropDatabaseGivesUpOnALock: DROP DATABASE waits for a session's metadata lock. At the
// caller's deadline it fails with the session that uses the database, and the server gives up too:
// once the lock is released, the database is still there (the drop does not run later). The admin
// connects through a relay that, like a connection pooler or proxy, keeps the server connection open
// when the provider's side closes, so the server never learns that the client left: only the lock
// wait bound the provider sets makes it give up. (MariaDB connected directly notices the closed
// connection by itself, which would prove nothing.)
func TestDropDatabaseGivesUpOnALock(t *testing.T) {
	for _, name := range []string{"mysql/superuser", "mysql/restricted_admin"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "lock")
			ts := c.tg.ts
			cfg := c.tg.config()
			cfg.Host, cfg.Port = stickyRelay(t, ts.Addr())
			srv := open(t, cfg)
			ts.CreateDatabase(c.name)
			ts.CreateTable(c.name, "t1")
			holder := ts.DB(ts.Superuser, c.name)
			conn, err := holder.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.Close() }()
			// An open transaction that read the table holds its metadata lock until it ends.
			if _, err := conn.ExecContext(context.Background(), "BEGIN"); err != nil {
				t.Fatal(err)
			}
			var n sql.NullInt64
			if err := conn.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM t1").Scan(&n); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			err = srv.DropDatabase(ctx, c.name)
			var locked *LockedError
			if !errors.As(err, &locked) {
				t.Fatalf("DropDatabase = %v, want a LockedError", err)
			}
			if !strings.Contains(err.Error(), "gave up waiting for a lock") || !strings.Contains(err.Error(), "was not dropped") {
				t.Errorf("LockedError = %v", err)
			}
			if c.tg.admin == ts.Superuser && (len(locked.Sessions) == 0 || !strings.Contains(locked.Sessions[0], ts.Superuser.User)) {
				t.Errorf("Sessions = %q, want the session holding the lock", locked.Sessions)
			}
			// Wait past the server's own bound, release the lock: the drop must not happen by itself.
			time.Sleep(1500 * time.Millisecond)
			if _, err := conn.ExecContext(context.Background(), "COMMIT"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
			if !ts.DatabaseExists(c.name) {
				t.Error("the database was dropped after the drop had given up")
			}
		})
	}
}

// stickyRelay relays TCP connections to addr and, when the client side closes, keeps the server
// side open until the test ends, as a connection pooler or proxy may: a fault the database servers
// do not produce themselves. It returns the relay's host and port.
func stickyRelay(t *testing.T, addr string) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var upstreams []net.Conn
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, u := range upstreams {
			_ = u.Close()
		}
	})
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			upstream, err := net.Dial("tcp", addr)
			if err != nil {
				_ = client.Close()
				continue
			}
			mu.Lock()
			upstreams = append(upstreams, upstream)
			mu.Unlock()
			go func() { _, _ = io.Copy(client, upstream); _ = client.Close() }()
			// When the client goes, the upstream connection stays open (closed at the test's end).
			go func() { _, _ = io.Copy(upstream, client) }()
		}
	}()
	a, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("the relay listens on %v, not TCP", ln.Addr())
	}
	return a.IP.String(), a.Port
}

// TestLockWaitBound: the bound statements carry the time left, at least a second.
func TestLockWaitBound(t *testing.T) {
	if got := (mysqlDialect{}).lockWaitBound(2300 * time.Millisecond); got != "SET SESSION lock_wait_timeout = 3" {
		t.Errorf("MySQL bound = %q", got)
	}
	if got := (mysqlDialect{}).lockWaitBound(-time.Second); got != "SET SESSION lock_wait_timeout = 1" {
		t.Errorf("MySQL bound past the deadline = %q", got)
	}
	if got := (pgDialect{}).lockWaitBound(2300 * time.Millisecond); got != "SET lock_timeout = 2300" {
		t.Errorf("PostgreSQL bound = %q", got)
	}
	if got := (pgDialect{}).lockWaitBound(0); got != "SET lock_timeout = 1000" {
		t.Errorf("PostgreSQL bound past the deadline = %q", got)
	}
}

func TestMarker(t *testing.T) {
	for u, want := range map[*User]string{
		nil:                            "Created by terraform-provider-zenmlpro without a dedicated user",
		{Name: "zenml_ws1", Host: "%"}: "Created by terraform-provider-zenmlpro for user 'zenml_ws1'@'%'",
		{Name: "zenml_cp"}:             "Created by terraform-provider-zenmlpro for user zenml_cp",
	} {
		if got := Marker(u); got != want || !IsMarker(got) {
			t.Errorf("Marker(%v) = %q, want %q", u, got, want)
		}
	}
	if IsMarker("application database") {
		t.Error("IsMarker of another comment")
	}
}
