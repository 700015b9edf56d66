// Package grant applies registry access grants to the clouds: one statement of an ECR repository
// policy (ECR) or one member of an IAM role binding (Artifact Registry), read, written and removed
// without touching anything else in the policy.
//
// Every write is a read-modify-write under a per-repository lock, verified by reading the policy
// back, and retried (IAM propagation, throttling, concurrent writers) within the caller's timeout
// with the capped jittered backoff of package registryaccess. Reads of many grants on one
// repository share one policy read (a cache per repository) until a write replaces it.
//
// It knows nothing about Terraform: the provider package adapts it. The cloud clients are reached
// through small interfaces that the AWS SDK and cloud.google.com/go clients satisfy, so tests can
// point the real clients at moto or at the fakes of internal/testsupport.
package grant

import (
	"context"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
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
	Backoff registryaccess.Backoff
	// Log, when set, receives retry and write events.
	Log Logger
}

func (o Options) backoff(timeout time.Duration) registryaccess.Backoff {
	b := o.Backoff
	if timeout > 0 {
		b.Timeout = timeout
	}
	return b
}

func (o Options) log(ctx context.Context, msg string, fields map[string]any) {
	if o.Log != nil {
		o.Log(ctx, msg, fields)
	}
}

// retry runs op with the options' backoff, logging every failed attempt that will be retried.
func (o Options) retry(ctx context.Context, timeout time.Duration, classify registryaccess.Classifier, what string,
	op func(context.Context) error) (int, error) {
	attempts := 0
	logged := registryaccess.ClassifierFunc(func(err error) registryaccess.Kind {
		k := classify.Classify(err)
		if k != registryaccess.Permanent {
			o.log(ctx, what+": retrying", map[string]any{"attempt": attempts, "kind": k.String(), "error": err.Error()})
		}
		return k
	})
	err := registryaccess.Do(ctx, o.backoff(timeout), logged, func(ctx context.Context) error {
		attempts++
		return op(ctx)
	})
	return attempts, err
}
