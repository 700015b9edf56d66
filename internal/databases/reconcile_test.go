// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

// Tests of the update rules of a database's user (reconcile.go) against the real servers of
// scripts/services.sh, as superuser and as restricted admin, without Terraform.

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// provisioned creates the case's database and user as a create does, and returns the user as the
// state then records it.
func (c provisionCase) provisioned(t *testing.T) *RecordedUser {
	t.Helper()
	if _, err := Provision(testCtx(t), c.srv, c.request()); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return &RecordedUser{User: c.user, Exists: true}
}

// reconcileRequest asks for the user u on the case's database, with the recorded user old.
func (c provisionCase) reconcileRequest(u User, old *RecordedUser, pw string) ReconcileRequest {
	t := c.request().Target
	t.User = &u
	return ReconcileRequest{Target: t, Old: old, Password: pw}
}

// wantProfile checks that the user holds the whole profile on the database and nothing else, and
// logs in with pw.
func (c provisionCase) wantProfile(t *testing.T, u User, pw string) {
	t.Helper()
	if g, err := c.srv.DatabaseGrants(testCtx(t), u, c.name); err != nil || !g.Complete() || !g.Dedicated() {
		t.Errorf("user %s holds %+v, %v; want the whole profile on %s and nothing else", DescribeUser(u), g, err, c.name)
	}
	if !c.tg.ts.CanLogin(u.Name, pw, c.name) {
		t.Errorf("user %s cannot log in to %s with its password", DescribeUser(u), c.name)
	}
}

// restrictedPostgres reports whether the case runs on PostgreSQL as the restricted admin, which cannot
// take a database back from a superuser (PostgreSQL needs the rights of the current owner): there an
// operator's out-of-band changes hand what the user owned to the admin account instead.
func (c provisionCase) restrictedPostgres() bool {
	return c.tg.ts.Engine == testsupport.EnginePostgres && c.tg.admin != c.tg.ts.Superuser
}

// revokeOutOfBand takes the user's privileges on the database away, as an operator would.
func (c provisionCase) revokeOutOfBand() {
	if c.restrictedPostgres() {
		c.tg.ts.Exec(fmt.Sprintf(`ALTER DATABASE %q OWNER TO %q`, c.name, c.tg.admin.User))
		return
	}
	c.tg.ts.RevokeAll(c.user.Name, tsHost(c.user), c.name)
}

// dropUserOutOfBand drops the user, as an operator would.
func (c provisionCase) dropUserOutOfBand(t *testing.T) {
	t.Helper()
	if !c.restrictedPostgres() {
		c.tg.ts.DropUser(c.user.Name, tsHost(c.user))
		return
	}
	for _, step := range []struct{ database, statement string }{
		{c.name, fmt.Sprintf(`REASSIGN OWNED BY %q TO CURRENT_USER; DROP OWNED BY %q`, c.user.Name, c.user.Name)},
		{"", fmt.Sprintf(`DROP ROLE %q`, c.user.Name)},
	} {
		db := c.tg.ts.DB(c.tg.admin, step.database)
		_, err := db.Exec(step.statement)
		_ = db.Close()
		if err != nil {
			t.Fatalf("dropping role %s as %s: %v", c.user.Name, c.tg.admin.User, err)
		}
	}
}

func TestReconcileSteps(t *testing.T) {
	a, b := User{Name: "a", Host: "%"}, User{Name: "b", Host: "%"}
	recorded := func(exists, missing bool) *RecordedUser {
		return &RecordedUser{User: a, Exists: exists, PrivilegesMissing: missing}
	}
	imported := func(exists, missing bool) *RecordedUser {
		return &RecordedUser{User: a, Exists: exists, PrivilegesMissing: missing, PasswordNotSet: true}
	}
	for _, tt := range []struct {
		name         string
		user         *User
		old          *RecordedUser
		rotate       bool
		want         ReconcileSteps
		wantPassword bool
	}{
		{"nothing to do", &a, recorded(true, false), false, ReconcileSteps{}, false},
		{"no user before or after", nil, nil, true, ReconcileSteps{}, false},
		{"user added", &a, nil, false, ReconcileSteps{EnsureUser: true}, true},
		{"user removed", nil, recorded(true, false), false, ReconcileSteps{DropOld: true}, false},
		{"rename", &b, recorded(true, true), true, ReconcileSteps{EnsureUser: true, DropOld: true}, true},
		{"host changed", &User{Name: "a", Host: "10.0.%"}, recorded(true, false), false, ReconcileSteps{EnsureUser: true, DropOld: true}, true},
		{"found missing", &a, recorded(false, true), true, ReconcileSteps{EnsureUser: true}, true},
		{"rotation", &a, recorded(true, false), true, ReconcileSteps{Rotate: true}, true},
		{"privileges missing", &a, recorded(true, true), false, ReconcileSteps{Grant: true}, false},
		{"rotation and privileges missing", &a, recorded(true, true), true, ReconcileSteps{Rotate: true, Grant: true}, true},
		// An imported user whose password the provider never set: its first version is recorded, no password is set.
		{"first version of an imported user", &a, imported(true, false), true, ReconcileSteps{RecordVersion: true}, false},
		{"first version of an imported user, privileges missing", &a, imported(true, true), true, ReconcileSteps{RecordVersion: true, Grant: true}, false},
		{"imported user unchanged", &a, imported(true, false), false, ReconcileSteps{}, false},
		{"imported user found missing", &a, imported(false, true), true, ReconcileSteps{EnsureUser: true}, true},
		{"imported user renamed", &b, imported(true, false), true, ReconcileSteps{EnsureUser: true, DropOld: true}, true},
	} {
		req := ReconcileRequest{Target: Target{Server: "main", Database: "db", User: tt.user}, Old: tt.old, PasswordChanged: tt.rotate}
		got := req.Steps()
		if got != tt.want || got.NeedsPassword() != tt.wantPassword {
			t.Errorf("%s: Steps() = %+v (password %t), want %+v (password %t)", tt.name, got, got.NeedsPassword(), tt.want, tt.wantPassword)
		}
		if !tt.wantPassword {
			continue
		}
		// Refused before the server is asked anything (it has none here).
		if _, err := Reconcile(t.Context(), nil, req); !errors.Is(err, ErrEmptyPassword) {
			t.Errorf("%s: Reconcile without a password = %v, want ErrEmptyPassword", tt.name, err)
		}
	}
}

// TestReconcileRenameDropsTheDedicatedOldUser: a rename creates the new user with the password and
// the profile, then drops the old one, which held nothing else.
func TestReconcileRenameDropsTheDedicatedOldUser(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "ren")
			ts := c.tg.ts
			old := c.provisioned(t)
			next := userOf(ts, testsupport.UniqueName(t, "renb"))
			ts.CleanupUser(next.Name, tsHost(next))
			pw := password(t)
			done, err := Reconcile(testCtx(t), c.srv, c.reconcileRequest(next, old, pw))
			if err != nil || done != (Reconciled{User: Created, OldUser: Dropped}) {
				t.Fatalf("Reconcile = %+v, %v; want the new user created and the old one dropped", done, err)
			}
			if ts.UserExists(c.user.Name, tsHost(c.user)) {
				t.Error("the old user is still there")
			}
			c.wantProfile(t, next, pw)
		})
	}
}

// TestReconcileRenameKeepsAnOldUserThatHoldsPrivilegesElsewhere: the old user of a rename that holds
// privileges on another database is not dropped (another application may use it), and its password
// is never set.
func TestReconcileRenameKeepsAnOldUserThatHoldsPrivilegesElsewhere(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "renk")
			ts := c.tg.ts
			old := c.provisioned(t)
			other := testsupport.UniqueName(t, "renother")
			ts.CleanupDatabase(other)
			ts.CreateDatabase(other)
			if ts.Engine == testsupport.EngineMySQL {
				ts.Exec("GRANT ALL PRIVILEGES ON `" + other + "`.* TO " + accountText(c.user))
			} else {
				ts.Exec("GRANT CONNECT, CREATE ON DATABASE " + other + " TO " + c.user.Name)
			}
			next := userOf(ts, testsupport.UniqueName(t, "renkb"))
			ts.CleanupUser(next.Name, tsHost(next))
			pw := password(t)
			done, err := Reconcile(testCtx(t), c.srv, c.reconcileRequest(next, old, pw))
			if err != nil || done.User != Created || done.OldUser != Kept || !strings.Contains(done.OldUserKept, "was not dropped") ||
				!strings.Contains(done.OldUserKept, other) {
				t.Fatalf("Reconcile = %+v, %v; want the new user created and the old one kept, naming %s", done, err, other)
			}
			if !ts.CanLogin(c.user.Name, c.pw, other) {
				t.Error("the old user was dropped or its password changed")
			}
			c.wantProfile(t, next, pw)

			// Nor is its password set when its version changes.
			req := c.reconcileRequest(c.user, &RecordedUser{User: c.user, Exists: true}, password(t))
			req.PasswordChanged = true
			_, err = Reconcile(testCtx(t), c.srv, req)
			var failed *ReconcileError
			if !errors.As(err, &failed) || failed.Step != StepSetPassword || failed.User != c.user {
				t.Fatalf("Reconcile of a rotation = %v, want the step %q of user %s to fail", err, StepSetPassword, DescribeUser(c.user))
			}
			wantRefused(t, err, "user.password_wo_version", "Password Not Changed", other)
			if !ts.CanLogin(c.user.Name, c.pw, other) {
				t.Error("the password of the user that holds privileges elsewhere was changed")
			}
		})
	}
}

// TestReconcileRotatesThePassword: a changed password version sets the new password; the old one no
// longer logs in.
func TestReconcileRotatesThePassword(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "rot")
			recorded := c.provisioned(t)
			pw := password(t)
			req := c.reconcileRequest(c.user, recorded, pw)
			if done, err := Reconcile(testCtx(t), c.srv, req); err != nil || done != (Reconciled{User: Kept}) {
				t.Fatalf("Reconcile without a change = %+v, %v; want the user kept as it is", done, err)
			}
			if c.tg.ts.CanLogin(c.user.Name, pw, c.name) {
				t.Fatal("the password was set without a change of its version")
			}
			req.PasswordChanged = true
			done, err := Reconcile(testCtx(t), c.srv, req)
			if err != nil || done != (Reconciled{User: Kept, Rotated: true}) {
				t.Fatalf("Reconcile = %+v, %v; want the password set", done, err)
			}
			c.wantProfile(t, c.user, pw)
			if c.tg.ts.CanLogin(c.user.Name, c.pw, c.name) {
				t.Error("the old password still logs in")
			}
		})
	}
}

// TestReconcileKeepsAnImportedUsersPassword: the first password version given for an imported user
// whose password the provider never set is recorded, and the password stays (its applications still
// log in, the configured password does not); the mark is kept until then, and a later change of the
// version sets the configured password.
func TestReconcileKeepsAnImportedUsersPassword(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "impk")
			recorded := c.provisioned(t)
			recorded.PasswordNotSet = true
			pw := password(t)
			req := c.reconcileRequest(c.user, recorded, pw)
			if done, err := Reconcile(testCtx(t), c.srv, req); err != nil || done != (Reconciled{User: Kept, PasswordNotSet: true}) {
				t.Fatalf("Reconcile without a version = %+v, %v; want the user kept, still marked", done, err)
			}
			req.PasswordChanged = true
			done, err := Reconcile(testCtx(t), c.srv, req)
			if err != nil || done != (Reconciled{User: Kept, VersionRecorded: true}) {
				t.Fatalf("Reconcile of the first version = %+v, %v; want the version recorded and the mark gone", done, err)
			}
			if !c.tg.ts.CanLogin(c.user.Name, c.pw, c.name) {
				t.Error("the imported user's password was changed by its first version")
			}
			if c.tg.ts.CanLogin(c.user.Name, pw, c.name) {
				t.Error("the configured password was set by the first version of an imported user")
			}
			recorded.PasswordNotSet = false
			if done, err := Reconcile(testCtx(t), c.srv, req); err != nil || done != (Reconciled{User: Kept, Rotated: true}) {
				t.Fatalf("Reconcile of the next version = %+v, %v; want the password set", done, err)
			}
			c.wantProfile(t, c.user, pw)
			if c.tg.ts.CanLogin(c.user.Name, c.pw, c.name) {
				t.Error("the imported password still logs in after the rotation")
			}
		})
	}
}

// TestReconcileCreatesAMissingUserAgain: a user dropped outside Terraform, found missing at refresh,
// is created again with the password and the profile.
func TestReconcileCreatesAMissingUserAgain(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "gone")
			c.provisioned(t)
			c.dropUserOutOfBand(t)
			pw := password(t)
			recorded := &RecordedUser{User: c.user, Exists: false, PrivilegesMissing: true}
			done, err := Reconcile(testCtx(t), c.srv, c.reconcileRequest(c.user, recorded, pw))
			if err != nil || done != (Reconciled{User: Created}) {
				t.Fatalf("Reconcile = %+v, %v; want the user created again", done, err)
			}
			c.wantProfile(t, c.user, pw)
		})
	}
}

// TestReconcileGrantsMissingPrivilegesAgain: privileges revoked outside Terraform, found missing at
// refresh, are granted again; the password stays.
func TestReconcileGrantsMissingPrivilegesAgain(t *testing.T) {
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newProvisionCase(t, name, "rev")
			c.provisioned(t)
			c.revokeOutOfBand()
			if g, err := c.srv.DatabaseGrants(testCtx(t), c.user, c.name); err != nil || g.Complete() {
				t.Fatalf("after the revoke the user holds %+v, %v; want part of the profile missing", g, err)
			}
			recorded := &RecordedUser{User: c.user, Exists: true, PrivilegesMissing: true}
			done, err := Reconcile(testCtx(t), c.srv, c.reconcileRequest(c.user, recorded, ""))
			if err != nil || done != (Reconciled{User: Kept, Granted: true}) {
				t.Fatalf("Reconcile = %+v, %v; want the privileges granted again", done, err)
			}
			c.wantProfile(t, c.user, c.pw)
		})
	}
}
