// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
)

// The provisioning rules of a dedicated database and its user: what a create may take over, in
// which order it creates, what it undoes when it fails, when a password may be set and a user
// dropped, and what a destroy does. The provider calls these with plain values and turns the typed
// results and the refusals into diagnostics. A refusal, caused by the configuration or by what
// exists on the server and found before anything was changed, is an *inputerr.Error whose Input is
// the resource attribute it concerns ("name", "user.name", "character_set", ...).

// Outcome says how a provisioning step came by a database or user.
type Outcome string

const (
	// Created: this call created it.
	Created Outcome = "created"
	// Adopted: it existed and adopt_existing took it over.
	Adopted Outcome = "adopted"
	// Recovered: it existed, left by an apply of this provider that did not finish (the database
	// carries the provider's marker for this user and holds no tables; the user holds nothing
	// anywhere), and was taken over.
	Recovered Outcome = "recovered"
	// Reused: the user existed and held privileges on this database and nothing else: this
	// database's own user, left behind when the database was dropped outside Terraform.
	Reused Outcome = "reused"
)

// markerPrefix starts the comment the provider stores with every database it creates.
const markerPrefix = "Created by terraform-provider-zenmlpro"

// Marker is the comment stored with a database the provider creates, naming the user it is for. A
// create that finds a database with the marker for its own user and no tables in it takes it over:
// it was left by an apply of this provider that was interrupted before the state was saved.
func Marker(u *User) string {
	if u == nil {
		return markerPrefix + " without a dedicated user"
	}
	if u.Host == "" {
		return fmt.Sprintf("%s for user %s", markerPrefix, u.Name)
	}
	return fmt.Sprintf("%s for user '%s'@'%s'", markerPrefix, u.Name, u.Host)
}

// IsMarker reports whether a database comment is a marker of this provider (for any user).
func IsMarker(comment string) bool { return strings.HasPrefix(comment, markerPrefix) }

// Target names what a provisioning call works on, for messages and import IDs.
type Target struct {
	// Server is the key of the server in the provider's database_servers, e.g. "main".
	Server string
	// Address is host:port of the server.
	Address string
	// Database is the database's name.
	Database string
	// User is the dedicated user, nil for none.
	User *User
	// Component is the ZenML component the database serves, as configured ("" when not known), for
	// the import IDs that messages give.
	Component string
}

// ID is the resource ID of a database, `<server>/<name>`, which is also its import ID without a user.
func ID(server, database string) string { return server + "/" + database }

// ImportID is the import ID of the database, with the user when withUser is set, and the component
// when known: `<server>/<name>[/<user>[@<host>]][,component=<component>]`.
func (t Target) ImportID(withUser bool) string {
	id := ImportID{Server: t.Server, Database: t.Database, Component: t.Component}
	if withUser {
		id.User = t.User
	}
	return id.String()
}

// DescribeUser names a user for messages: 'name'@'host' on MySQL, "name" on PostgreSQL.
func DescribeUser(u User) string {
	if u.Host == "" {
		return fmt.Sprintf("%q", u.Name)
	}
	return fmt.Sprintf("'%s'@'%s'", u.Name, u.Host)
}

// ProvisionRequest is what a create asks for.
type ProvisionRequest struct {
	Target
	Spec          DatabaseSpec // Name is Target.Database; Comment and Owner are set by Provision
	Password      string       // the user's password; required with User
	AdoptExisting bool
}

// Provisioned is what a create did.
type Provisioned struct {
	Info     ServerInfo
	Database *Database // as the server reports it after the create
	// DatabaseOutcome is Created, Adopted or Recovered; UserOutcome is Created, Adopted, Recovered or
	// Reused, or "" without a user.
	DatabaseOutcome Outcome
	UserOutcome     Outcome
	// Notes are facts to show the user as warnings (see ProvisionPlan).
	Notes []Note
}

// ProvisionPlan is what a create will do, found by CheckProvision before anything changes.
type ProvisionPlan struct {
	Info ServerInfo
	// DatabaseOutcome is Created, Adopted or Recovered; UserOutcome is Created, Adopted, Recovered or
	// Reused, or "" without a user.
	DatabaseOutcome Outcome
	UserOutcome     Outcome
	// Notes are facts to show the user as warnings: the server accepted with a warning, something
	// taken over without adopt_existing.
	Notes []Note

	existing *Database
}

// Note is a fact to show the user as a warning.
type Note struct {
	Summary string
	Detail  string
}

// CheckProvision applies the rules of a create without changing anything, and says what the create
// would take over, or refuses (*inputerr.Error):
//   - an existing database only with adopt_existing (its settings must match), or when it carries the
//     provider's marker for this user and holds no tables (left by an interrupted apply);
//   - an existing user never when it holds anything outside this database (it may be another
//     application's: its password is not set and it is never dropped); otherwise with
//     adopt_existing, when it holds privileges on this database (its own user, left behind), or when
//     the database was recovered (the user was created by the same interrupted apply).
//
// The plan runs it to show refusals before the apply; Provision runs it again.
func CheckProvision(ctx context.Context, srv Server, req ProvisionRequest) (ProvisionPlan, error) {
	var out ProvisionPlan
	info, err := srv.Info(ctx)
	if err != nil {
		return out, err
	}
	out.Info = info
	for _, w := range info.Warnings {
		out.Notes = append(out.Notes, Note{Summary: "Database Server Accepted With A Warning",
			Detail: fmt.Sprintf("Server %q at %s runs %s: %s.", req.Server, req.Address, info.Raw, strings.TrimSuffix(w, "."))})
	}
	name := req.Database

	existing, err := srv.GetDatabase(ctx, name)
	if err != nil {
		return out, fmt.Errorf("look up database %q: %w", name, err)
	}
	out.existing = existing
	var grants Grants
	if req.User != nil {
		if grants, err = srv.DatabaseGrants(ctx, *req.User, name); err != nil {
			return out, fmt.Errorf("read user %s: %w", DescribeUser(*req.User), err)
		}
	}
	marker := Marker(req.User)

	out.DatabaseOutcome = Created
	if existing != nil {
		switch {
		case req.AdoptExisting:
			if err := settingsMatch(existing, req.Spec, req.Target); err != nil {
				return out, err
			}
			out.DatabaseOutcome = Adopted
		case existing.Comment == marker:
			n, err := srv.TableCount(ctx, name)
			if err != nil {
				return out, err
			}
			if n > 0 {
				return out, databaseExists(req, grants, fmt.Sprintf("It carries this provider's marker (%q) but holds %d tables or views, "+
					"so it is not taken over as left by an interrupted apply.", existing.Comment, n))
			}
			if err := settingsMatch(existing, req.Spec, req.Target); err != nil {
				return out, err
			}
			out.DatabaseOutcome = Recovered
			out.Notes = append(out.Notes, Note{Summary: "Interrupted Apply Recovered", Detail: fmt.Sprintf("Database %q was created by this "+
				"provider in an apply that did not finish before its state was saved (its comment says %q and it holds no tables): it is "+
				"taken over.", name, existing.Comment)})
		default:
			why := ""
			if IsMarker(existing.Comment) {
				why = fmt.Sprintf("Its comment says %q: it was created by this provider for another user, so it is not taken over.", existing.Comment)
			}
			return out, databaseExists(req, grants, why)
		}
	}
	if req.User != nil {
		out.UserOutcome, err = userOutcome(req, grants, out.DatabaseOutcome == Recovered, existing != nil)
		if err != nil {
			return out, err
		}
		switch u := DescribeUser(*req.User); out.UserOutcome {
		case Reused:
			out.Notes = append(out.Notes, Note{Summary: "Existing User Reused", Detail: fmt.Sprintf("User %s existed already and held privileges "+
				"on database %q and nothing else: it is taken to be this database's own user, left behind when the database was dropped "+
				"outside Terraform. Its password was set to user.password_wo.", u, name)})
		case Recovered:
			out.Notes = append(out.Notes, Note{Summary: "Interrupted Apply Recovered", Detail: fmt.Sprintf("User %s was created by the same "+
				"unfinished apply as database %q (it held nothing anywhere): it is taken over and its password set to user.password_wo.", u, name)})
		}
	}
	return out, nil
}

// Provision creates the database and its user, or takes over what CheckProvision allows. Everything
// is checked before the first change. Then the database is created first, with the marker, so that
// an interruption leaves something the next apply recognises; then the user; then the privileges.
// A failure undoes what this call created.
func Provision(ctx context.Context, srv Server, req ProvisionRequest) (Provisioned, error) {
	if req.User != nil && req.Password == "" {
		return Provisioned{}, ErrEmptyPassword
	}
	plan, err := CheckProvision(ctx, srv, req)
	out := Provisioned{Info: plan.Info, DatabaseOutcome: plan.DatabaseOutcome, UserOutcome: plan.UserOutcome, Notes: plan.Notes}
	if err != nil {
		return out, err
	}
	name := req.Database

	// Undo what this call created if a later step fails.
	createdDB, createdUser := false, false
	fail := func(err error) (Provisioned, error) {
		var undo []error
		if createdDB {
			if derr := srv.DropDatabase(ctx, name); derr != nil {
				undo = append(undo, fmt.Errorf("database %q was created and could not be dropped again (drop it by hand): %w", name, derr))
			}
		}
		if createdUser {
			if derr := srv.DropUser(ctx, *req.User); derr != nil {
				undo = append(undo, fmt.Errorf("user %s was created and could not be dropped again (drop it by hand): %w", DescribeUser(*req.User), derr))
			}
		}
		return out, errors.Join(append([]error{err}, undo...)...)
	}

	if plan.existing == nil {
		spec := req.Spec
		spec.Name = name
		spec.Comment = Marker(req.User)
		spec.Owner = "" // on PostgreSQL the user becomes the owner when it is granted the database
		if err := srv.CreateDatabase(ctx, spec); err != nil {
			if errors.Is(err, ErrDatabaseExists) {
				return out, databaseExists(req, Grants{Missing: []string{MissingUser}}, "It was created by someone else while this apply ran.")
			}
			return out, err
		}
		createdDB = true
	}
	if req.User != nil {
		if out.UserOutcome == Created {
			if err := srv.CreateUser(ctx, *req.User, req.Password); err != nil {
				if errors.Is(err, ErrUserExists) {
					return fail(&inputerr.Error{Input: "user.name", Summary: "User Exists",
						Detail: fmt.Sprintf("User %s was created by someone else while this apply ran; nothing of this create is left. Apply again to see what it holds.",
							DescribeUser(*req.User))})
				}
				return fail(err)
			}
			createdUser = true
		} else if err := srv.SetPassword(ctx, *req.User, req.Password); err != nil {
			return fail(err)
		}
		if err := srv.GrantDatabase(ctx, *req.User, name); err != nil {
			return fail(err)
		}
	}
	db, err := srv.GetDatabase(ctx, name)
	if err == nil && db == nil {
		err = errors.New("the database is not listed after it was created")
	}
	if err != nil {
		return fail(fmt.Errorf("read database %q after creating it: %w", name, err))
	}
	out.Database = db
	return out, nil
}

// userOutcome applies the rules for the user of a create, before anything is changed.
func userOutcome(req ProvisionRequest, g Grants, recoveredDB, databaseExisted bool) (Outcome, error) {
	u := *req.User
	switch {
	case g.UserMissing():
		return Created, nil
	case !g.Dedicated():
		return "", &inputerr.Error{Input: "user.name", Summary: "User Holds Other Privileges",
			Detail: fmt.Sprintf("User %s exists already and holds privileges outside database %q: %s. It may be another application's user: the provider "+
				"never takes over, sets the password of or drops a user that holds anything else, adopt_existing or not. Give this database a user of its own "+
				"(e.g. user.name = %q), or revoke those privileges first if the user is really meant for this database only.",
				DescribeUser(u), req.Database, strings.Join(g.Elsewhere, "; "), suggestUserName(u.Name))}
	case req.AdoptExisting:
		return Adopted, nil
	case g.Holds:
		return Reused, nil
	case recoveredDB:
		return Recovered, nil
	}
	importHint := fmt.Sprintf("set adopt_existing = true to take it over (its password is then set), or give this database another user (e.g. user.name = %q)",
		suggestUserName(u.Name))
	if databaseExisted {
		importHint = "import the database with its user after granting the user this database (terraform import <address> " + req.ImportID(true) +
			"), " + importHint
	}
	return "", &inputerr.Error{Input: "user.name", Summary: "User Exists",
		Detail: fmt.Sprintf("User %s exists already on server %q at %s and holds nothing on database %q, and the provider never takes over an existing "+
			"user silently: %s.", DescribeUser(u), req.Server, req.Address, req.Database, importHint)}
}

// databaseExists is the refusal of an existing database, with an import command that works for what
// is on the server.
func databaseExists(req ProvisionRequest, g Grants, why string) error {
	cmd := "terraform import <address> " + req.ImportID(false)
	switch {
	case req.User == nil:
	case !g.UserMissing() && g.Holds && g.Dedicated():
		cmd = "terraform import <address> " + req.ImportID(true)
	case g.UserMissing():
		cmd += " (the first apply after it creates user " + DescribeUser(*req.User) + ")"
	default:
		cmd += " (then set adopt_existing = true, or give the database another user, for user " + DescribeUser(*req.User) + ")"
	}
	detail := fmt.Sprintf("Database %q exists already on server %q at %s, and the provider never takes over an existing database silently. ", req.Database,
		req.Server, req.Address)
	if why != "" {
		detail += why + " "
	}
	detail += "Import it: " + cmd + "; or, to take it over at create, set adopt_existing = true."
	return &inputerr.Error{Input: "name", Summary: "Database Exists", Detail: detail}
}

// settingsMatch refuses an existing database whose settings differ from the configured ones.
func settingsMatch(db *Database, spec DatabaseSpec, t Target) error {
	var diffs []string
	attr := ""
	for _, c := range []struct{ attr, want, got string }{
		{"character_set", spec.CharacterSet, db.CharacterSet}, {"collation", spec.Collation, db.Collation}, {"encoding", spec.Encoding, db.Encoding},
	} {
		if c.want == "" || c.got == "" || strings.EqualFold(c.want, c.got) {
			continue
		}
		if attr == "" {
			attr = c.attr
		}
		diffs = append(diffs, fmt.Sprintf("%s %q (the configuration asks for %q; set %s = %q to take it as it is)", c.attr, c.got, c.want, c.attr, c.got))
	}
	if len(diffs) == 0 {
		return nil
	}
	return &inputerr.Error{Input: attr, Summary: "Existing Database Differs",
		Detail: fmt.Sprintf("Database %q on server %q exists with %s. A database is taken over as it is; converting it is a migration to do outside Terraform.",
			t.Database, t.Server, strings.Join(diffs, "; "))}
}

// suggestUserName proposes another user name for messages.
func suggestUserName(name string) string {
	if len(name)+len("_zenml") <= 32 {
		return name + "_zenml"
	}
	return "zenml_ws1"
}

// EnsureUser brings a user to a database outside a create: a user added to the configuration, one
// renamed, or one found missing at refresh. The rules of Provision apply (sameAccount: the state
// already had this very user, found missing, so it is created again, or taken over if it came back
// holding nothing elsewhere). It sets the password and grants the profile.
func EnsureUser(ctx context.Context, srv Server, t Target, password string, adopt, sameAccount bool) (Outcome, error) {
	u := *t.User
	g, err := srv.DatabaseGrants(ctx, u, t.Database)
	if err != nil {
		return "", fmt.Errorf("read user %s: %w", DescribeUser(u), err)
	}
	outcome, err := userOutcome(ProvisionRequest{Target: t, AdoptExisting: adopt || sameAccount}, g, false, true)
	if err != nil {
		return "", err
	}
	if outcome == Created {
		if err := srv.CreateUser(ctx, u, password); err != nil {
			return "", err
		}
	} else if err := srv.SetPassword(ctx, u, password); err != nil {
		return "", err
	}
	if err := srv.GrantDatabase(ctx, u, t.Database); err != nil {
		return "", err
	}
	return outcome, nil
}

// RotatePassword sets a new password for the database's user, unless the user holds anything
// outside the database (another application may log in as it): that is refused.
func RotatePassword(ctx context.Context, srv Server, t Target, password string) error {
	u := *t.User
	g, err := srv.DatabaseGrants(ctx, u, t.Database)
	if err != nil {
		return fmt.Errorf("read user %s: %w", DescribeUser(u), err)
	}
	if !g.Dedicated() {
		return &inputerr.Error{Input: "user.password_wo_version", Summary: "Password Not Changed",
			Detail: fmt.Sprintf("User %s holds privileges outside database %q: %s. Another application may log in as it, so the provider does not "+
				"change its password. Revoke those privileges, or give this database a user of its own.", DescribeUser(u), t.Database,
				strings.Join(g.Elsewhere, "; "))}
	}
	if g.UserMissing() {
		return fmt.Errorf("user %s does not exist any more; apply again to create it", DescribeUser(u))
	}
	return srv.SetPassword(ctx, u, password)
}

// DropUserIfDedicated drops the user unless it holds anything outside the database; kept says why
// it was left ("" when it was dropped or did not exist).
func DropUserIfDedicated(ctx context.Context, srv Server, u User, database string) (kept string, err error) {
	g, err := srv.DatabaseGrants(ctx, u, database)
	if err != nil {
		return "", fmt.Errorf("read user %s: %w", DescribeUser(u), err)
	}
	if g.UserMissing() {
		return "", nil
	}
	if !g.Dedicated() {
		return fmt.Sprintf("user %s was not dropped: it holds privileges outside database %q (%s), so another application may use it",
			DescribeUser(u), database, strings.Join(g.Elsewhere, "; ")), nil
	}
	return "", srv.DropUser(ctx, u)
}

// Deletion policies of a database.
const (
	PolicyRetain      = "retain"
	PolicyDropIfEmpty = "drop_if_empty"
	PolicyDrop        = "drop"
)

// DeletionPolicies lists the policies in documentation order.
func DeletionPolicies() []string { return []string{PolicyRetain, PolicyDropIfEmpty, PolicyDrop} }

// Removed is what a Remove did.
type Removed struct {
	// DatabaseDropped is true when the database was dropped (false when it was already gone).
	DatabaseDropped bool
	// UserKept says why the user was left ("" when it was dropped, did not exist or there is none).
	UserKept string
}

// Remove applies a drop policy (drop_if_empty or drop) to the database and its user: the database is
// dropped (drop_if_empty: only when it holds no tables or views, else *inputerr.Error), then the user,
// unless it holds anything outside the database (Removed.UserKept says so).
func Remove(ctx context.Context, srv Server, t Target, policy string) (Removed, error) {
	var out Removed
	db, err := srv.GetDatabase(ctx, t.Database)
	if err != nil {
		return out, fmt.Errorf("look up database %q: %w", t.Database, err)
	}
	if db != nil {
		if policy == PolicyDropIfEmpty {
			n, err := srv.TableCount(ctx, t.Database)
			if err != nil {
				return out, err
			}
			if n > 0 {
				return out, &inputerr.Error{Input: "deletion_policy", Summary: "Database Not Empty",
					Detail: fmt.Sprintf("Database %q on server %q at %s holds %d tables or views, and deletion_policy is \"drop_if_empty\", so it was not "+
						"dropped (nor its user). To drop it with its data, apply deletion_policy = \"drop\" first; to keep it, apply deletion_policy = \"retain\" first.",
						t.Database, t.Server, t.Address, n)}
			}
		}
		if err := srv.DropDatabase(ctx, t.Database); err != nil {
			return out, err
		}
		out.DatabaseDropped = true
	}
	if t.User != nil {
		kept, err := DropUserIfDedicated(ctx, srv, *t.User, t.Database)
		if err != nil {
			return out, err
		}
		out.UserKept = kept
	}
	return out, nil
}
