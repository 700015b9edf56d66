// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package registryaccess

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// Status is what a read finds of a grant.
type Status int

const (
	// Current: the grant's statement or member is there, granting what it should.
	Current Status = iota
	// Absent: the statement or member is not there (removed outside Terraform).
	Absent
	// PrincipalReplaced: the policy names the principal by the unique ID (ECR, AROA...) or the
	// deleted: form (Artifact Registry) of a deleted principal: it was deleted and perhaps recreated,
	// and the recreated principal has no access until the grant is made again.
	PrincipalReplaced
	// Changed: the statement exists but grants something else (ECR only).
	Changed
	// RepositoryGone: the repository itself does not exist any more.
	RepositoryGone
)

func (s Status) String() string {
	switch s {
	case Current:
		return "current"
	case Absent:
		return "absent"
	case PrincipalReplaced:
		return "principal replaced"
	case Changed:
		return "changed"
	case RepositoryGone:
		return "repository gone"
	}
	return "unknown"
}

// Result is what a Grant did.
type Result struct {
	// Preexisting is true when the principal already had the access before the grant's first write.
	// ECR: through other statements than the grant's own (a statement with the grant's Sid was
	// written by a grant and is adopted, not preexisting). Artifact Registry: through any
	// unconditional binding of a covering role, the grant's own role included (a binding does not
	// tell who added the member).
	Preexisting bool
	// Adopted is true when the grant's own statement or member was already there, so nothing was
	// written.
	Adopted bool
	// Attempts is how many read-modify-write attempts it took.
	Attempts int
	// Note, when set, says what the create found and took as it was (Adopted).
	Note *Note
}

// RevokeResult is what a Revoke did.
type RevokeResult struct {
	// Removed is true when the grant's statement or member was removed.
	Removed bool
	// PolicyDeleted is true when the ECR policy had no statement left and was deleted.
	PolicyDeleted bool
	// Kept explains why the statement or member was left in place ("" when it was removed or
	// already gone).
	Kept string
	// AlreadyGone is true when there was nothing to remove (statement, member or repository gone).
	AlreadyGone bool
}

// Logger receives a line per retried attempt and per write, for the provider's debug log. Fields
// never hold secrets (there are none here: policies name principals and actions only).
type Logger func(ctx context.Context, msg string, fields map[string]any)

// Options are shared by the ECR and Artifact Registry grant services.
type Options struct {
	// Backoff of the retries; its Timeout is replaced by each call's timeout.
	Backoff retry.Backoff
	// Log, when set, receives retry and write events.
	Log Logger
}

func (o Options) backoff(timeout time.Duration) retry.Backoff {
	b := o.Backoff
	if timeout > 0 {
		b.Timeout = timeout
	}
	return b
}

// Emit passes an event to the options' logger, if any.
func (o Options) Emit(ctx context.Context, msg string, fields map[string]any) {
	if o.Log != nil {
		o.Log(ctx, msg, fields)
	}
}

// Retry runs op with the options' backoff within timeout, logging every failed attempt that will be
// retried, and returns how many attempts it took.
func (o Options) Retry(ctx context.Context, timeout time.Duration, classify retry.Classifier, what string,
	op func(context.Context) error) (int, error) {
	attempts := 0
	logged := retry.ClassifierFunc(func(err error) retry.Kind {
		k := classify.Classify(err)
		if k != retry.Permanent {
			o.Emit(ctx, what+": retrying", map[string]any{"attempt": attempts, "kind": k.String(), "error": err.Error()})
		}
		return k
	})
	err := retry.Do(ctx, o.backoff(timeout), logged, func(ctx context.Context) error {
		attempts++
		return op(ctx)
	})
	return attempts, err
}

// Inspection is what a read finds of a grant, with the details a plan shows.
type Inspection struct {
	Status Status
	// Preexisting tells whether access the grant does not own gives the access too.
	Preexisting bool
	// Differences says how the statement under the grant's Sid differs from the grant's statement
	// (ECR: Changed, PrincipalReplaced); empty otherwise.
	Differences []string
	// Statement is the statement under the grant's Sid as the policy holds it (ECR; "" when absent).
	Statement string
	// Reason says, for a status other than Current, what was found, in a sentence for the user.
	Reason string
	// Drift is set when what the read found under the grant's own name differs from the grant and
	// can be put back in place by Rewrite (ECR: a changed statement under its Sid, or one naming a
	// deleted role's unique ID): what differs and what the policy holds, for the state and the plan.
	Drift string
}

// Grant is access for one principal on one repository of some registry, bound to the service that
// applies it. The cloud packages implement it (ecr.Service.Bind, artifactregistry.Service.Bind).
type Grant interface {
	// ID is the grant's identity and import ID.
	ID() string
	// Create makes the grant, adopting only exactly its own statement or member.
	Create(ctx context.Context, timeout time.Duration) (Result, error)
	// Rewrite puts the grant back over what a read found changed under its own name (ECR: a changed
	// statement under its Sid); where nothing can be changed in place it is Create.
	Rewrite(ctx context.Context, timeout time.Duration) (Result, error)
	// Inspect reads the grant. Reads of one repository are shared until a write.
	Inspect(ctx context.Context, timeout time.Duration) (Inspection, error)
	// Revoke removes the grant; with preexisting, only if other access still gives it.
	Revoke(ctx context.Context, preexisting bool, timeout time.Duration) (RevokeResult, error)
	// Principal names the identity granted, for messages.
	Principal() string
	// PermissionHint says which permissions the provider's credentials need when err is the cloud
	// refusing them; "" for any other error.
	PermissionHint(err error) string
}

// Note is a fact a create reports, to show the user as a warning.
type Note struct {
	Summary string
	Detail  string
}

// RepositoryNotFoundError says that a repository does not exist.
type RepositoryNotFoundError struct {
	What string
	Err  error
}

func (e *RepositoryNotFoundError) Error() string {
	return e.What + " does not exist (or the credentials cannot see it): create it first, or check the name, region and registry"
}

func (e *RepositoryNotFoundError) Unwrap() error { return e.Err }

// ErrStatementLost reports that a policy read back after a write no longer holds the grant's
// statement or member: a concurrent writer replaced the policy. The cloud classifiers call it a
// conflict, so the write is made again.
var ErrStatementLost = errors.New("the policy read back after the write lacks the grant: a concurrent writer replaced it")

// ErrStatementBack reports that a policy read back after a revoke still holds the grant's statement
// or member: a concurrent writer put it back. It is retried as a conflict.
var ErrStatementBack = fmt.Errorf("the policy read back after the revoke still holds the grant (a concurrent writer put it back): %w",
	ErrStatementLost)
