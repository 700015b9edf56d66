// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import "context"

// The rules of an update of a database's user: a user added, renamed (on MySQL), found missing or
// lacking privileges at refresh, or given a new password. The provider calls Reconcile with plain
// values and turns the typed result and errors into diagnostics and state.

// RecordedUser is the user as the state records it, from the last refresh.
type RecordedUser struct {
	User User
	// Exists is false when the last refresh found the user missing (or did not read it).
	Exists bool
	// PrivilegesMissing is true when the last refresh found part of the privilege profile missing
	// (or did not read it).
	PrivilegesMissing bool
	// PasswordNotSet is true for a user that was imported and whose password the provider has not
	// set since (nor recorded a password version for): whatever logs in as it uses a password the
	// configuration may not know. The first password version given for it is recorded and the
	// password kept; only a later change of the version sets the configured password.
	PasswordNotSet bool
}

// ReconcileRequest is what an update asks of the user.
type ReconcileRequest struct {
	// Target is the database and the configured user (Target.User; nil when the configuration has
	// none).
	Target
	// Old is the user the state records, nil for none.
	Old *RecordedUser
	// Password is the configured password; needed when Steps().NeedsPassword().
	Password string
	// PasswordChanged is set when the password's version changed: a rotation, or, for an Old user
	// with PasswordNotSet (which has no version), the first version given.
	PasswordChanged bool
	AdoptExisting   bool
}

// ReconcileSteps is what Reconcile does, decided from the request alone (the server may still refuse).
type ReconcileSteps struct {
	// EnsureUser: bring the configured user in as a create does (EnsureUser): a user added or
	// renamed, or the recorded one found missing. It sets the password and grants the profile.
	EnsureUser bool
	// Rotate: set a new password on the recorded user (its password's version changed).
	Rotate bool
	// RecordVersion: the first password version given for a user whose password the provider never
	// set (RecordedUser.PasswordNotSet) is recorded; the password stays as it is.
	RecordVersion bool
	// Grant: grant the privilege profile again (the last refresh found part of it missing).
	Grant bool
	// DropOld: drop the recorded user, which the configuration no longer has (a rename, or the user
	// removed), unless it holds anything outside the database.
	DropOld bool
}

// NeedsPassword reports whether the steps set the password.
func (s ReconcileSteps) NeedsPassword() bool { return s.EnsureUser || s.Rotate }

// sameUser reports whether the configured user is the recorded one.
func (r ReconcileRequest) sameUser() bool {
	return r.Old != nil && r.User != nil && r.Old.User == *r.User
}

// Steps decides what Reconcile does.
func (r ReconcileRequest) Steps() ReconcileSteps {
	same := r.sameUser()
	var s ReconcileSteps
	if r.User != nil {
		s.EnsureUser = !same || !r.Old.Exists
		kept := same && r.Old.PasswordNotSet
		s.Rotate = !s.EnsureUser && r.PasswordChanged && !kept
		s.RecordVersion = !s.EnsureUser && r.PasswordChanged && kept
		s.Grant = !s.EnsureUser && r.Old.PrivilegesMissing
	}
	s.DropOld = r.Old != nil && !same
	return s
}

// Outcomes of Reconcile besides those of a create.
const (
	// Kept: the user was there as the state records it and stays (its password may have been set
	// and its privileges granted again, see Reconciled); for the old user of a rename, it was not
	// dropped (Reconciled.OldUserKept says why).
	Kept Outcome = "kept"
	// Dropped: the old user was dropped (or was gone already).
	Dropped Outcome = "dropped"
)

// Reconciled is what Reconcile did.
type Reconciled struct {
	// User is what happened to the configured user: Created, Adopted, Reused or Recovered when it was
	// brought in as a create does, Kept when it was there as recorded; "" without a user.
	User Outcome
	// Rotated is set when the user's password was set because its version changed.
	Rotated bool
	// VersionRecorded is set when the first password version of a user whose password the provider
	// never set was recorded, and the password left as it is (ReconcileSteps.RecordVersion).
	VersionRecorded bool
	// PasswordNotSet is set while the user is still one whose password the provider never set: the
	// recorded user with RecordedUser.PasswordNotSet, kept, with neither a password set nor a version
	// recorded. The provider keeps that mark for the next update.
	PasswordNotSet bool
	// Granted is set when the privilege profile was granted again to a kept user.
	Granted bool
	// OldUser is what happened to the recorded user the configuration no longer has: Dropped or Kept;
	// "" when there is none.
	OldUser Outcome
	// OldUserKept says why the old user was kept ("" unless OldUser is Kept).
	OldUserKept string
}

// ReconcileStep names the step of Reconcile that failed.
type ReconcileStep string

// The steps of Reconcile, as ReconcileSteps names them.
const (
	StepEnsureUser  ReconcileStep = "ensure user"   // ReconcileSteps.EnsureUser
	StepSetPassword ReconcileStep = "set password"  // ReconcileSteps.Rotate
	StepGrant       ReconcileStep = "grant"         // ReconcileSteps.Grant
	StepDropOldUser ReconcileStep = "drop old user" // ReconcileSteps.DropOld
)

// ReconcileError is a failed step of Reconcile, on User; it reads as the error of the step, and
// unwraps to it (a *inputerr.Error, an *UnreachableError, ...).
type ReconcileError struct {
	Step ReconcileStep
	User User
	Err  error
}

func (e *ReconcileError) Error() string { return e.Err.Error() }

func (e *ReconcileError) Unwrap() error { return e.Err }

// Reconcile brings the user of a database to the configuration, in this order:
//   - a user added or renamed, or the recorded one found missing, is brought in by the rules of a
//     create (EnsureUser: a recorded user found missing is created again, or taken over if it came
//     back holding nothing elsewhere), with the password and the privilege profile;
//   - otherwise a changed password version sets the password (never on a user that holds anything
//     outside the database: *inputerr.Error), except the first version given for an imported user
//     whose password the provider never set, which is only recorded; privileges found missing are
//     granted again;
//   - then the recorded user the configuration no longer has is dropped, unless it holds anything
//     outside the database (another application may use it; Reconciled.OldUserKept says so).
//
// A failed step is a *ReconcileError naming it; the steps before it stay done.
func Reconcile(ctx context.Context, srv Server, req ReconcileRequest) (Reconciled, error) {
	var out Reconciled
	steps := req.Steps()
	if steps.NeedsPassword() && req.Password == "" {
		return out, ErrEmptyPassword
	}
	if req.User != nil {
		u := *req.User
		fail := func(step ReconcileStep, err error) (Reconciled, error) {
			return out, &ReconcileError{Step: step, User: u, Err: err}
		}
		out.User = Kept
		if steps.EnsureUser {
			outcome, err := EnsureUser(ctx, srv, req.Target, req.Password, req.AdoptExisting, req.sameUser())
			if err != nil {
				return fail(StepEnsureUser, err)
			}
			out.User = outcome
		}
		if steps.Rotate {
			if err := RotatePassword(ctx, srv, req.Target, req.Password); err != nil {
				return fail(StepSetPassword, err)
			}
			out.Rotated = true
		}
		out.VersionRecorded = steps.RecordVersion
		out.PasswordNotSet = req.sameUser() && req.Old.PasswordNotSet && !steps.EnsureUser && !steps.Rotate && !steps.RecordVersion
		if steps.Grant {
			if err := srv.GrantDatabase(ctx, u, req.Database); err != nil {
				return fail(StepGrant, err)
			}
			out.Granted = true
		}
	}
	if steps.DropOld {
		old := req.Old.User
		kept, err := DropUserIfDedicated(ctx, srv, old, req.Database)
		if err != nil {
			return out, &ReconcileError{Step: StepDropOldUser, User: old, Err: err}
		}
		out.OldUser, out.OldUserKept = Dropped, kept
		if kept != "" {
			out.OldUser = Kept
		}
	}
	return out, nil
}
