// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/genproto/googleapis/type/expr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// API is the part of the Artifact Registry client (*artifactregistry.Client) the grants use.
type API interface {
	GetIamPolicy(ctx context.Context, req *iampb.GetIamPolicyRequest, opts ...gax.CallOption) (*iampb.Policy, error)
	SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest, opts ...gax.CallOption) (*iampb.Policy, error)
}

// Repository names one Artifact Registry repository.
type Repository struct {
	Project, Location, Repository string
}

// Name is the resource name, projects/P/locations/L/repositories/R.
func (r Repository) Name() string {
	return fmt.Sprintf("projects/%s/locations/%s/repositories/%s", r.Project, r.Location, r.Repository)
}

func (r Repository) String() string { return "Artifact Registry repository " + r.Name() }

// Grant is one grant: an IAM member's role on one repository.
type Grant struct {
	Repository Repository
	// Member is the IAM member, e.g. serviceAccount:x@p.iam.gserviceaccount.com or
	// serviceAccount:p.svc.id.goog[ns/ksa].
	Member string
	Access registryaccess.Access
}

// Role is the role the grant binds the member to.
func (g Grant) Role() string { return Role(g.Access) }

func isNotFound(err error) bool {
	s, ok := status.FromError(err)
	return ok && s.Code() == codes.NotFound
}

// Service applies grants to Artifact Registry repository IAM policies. It is safe for
// concurrent use; one value per provider shares its locks and cache between every grant.
type Service struct {
	api   API
	opts  registryaccess.Options
	locks retry.Locks
	cache retry.Cache[*IAMPolicy]
}

// NewService returns the Artifact Registry grant service of a client.
func NewService(api API, opts registryaccess.Options) *Service {
	return &Service{api: api, opts: opts}
}

func fromProto(p *iampb.Policy) *IAMPolicy {
	out := &IAMPolicy{Version: p.GetVersion(), Etag: p.GetEtag()}
	for _, b := range p.GetBindings() {
		nb := Binding{Role: b.GetRole(), Members: append([]string(nil), b.GetMembers()...)}
		if c := b.GetCondition(); c != nil {
			nb.Condition = &Expr{Expression: c.GetExpression(), Title: c.GetTitle(), Description: c.GetDescription(), Location: c.GetLocation()}
		}
		out.Bindings = append(out.Bindings, nb)
	}
	return out
}

func toProto(p *IAMPolicy) *iampb.Policy {
	out := &iampb.Policy{Version: p.Version, Etag: p.Etag}
	for _, b := range p.Bindings {
		nb := &iampb.Binding{Role: b.Role, Members: append([]string(nil), b.Members...)}
		if c := b.Condition; c != nil {
			nb.Condition = &expr.Expr{Expression: c.Expression, Title: c.Title, Description: c.Description, Location: c.Location}
		}
		out.Bindings = append(out.Bindings, nb)
	}
	return out
}

// read reads the policy in version 3, so that conditional bindings come back as they are.
func (a *Service) read(ctx context.Context, repo Repository) (*IAMPolicy, error) {
	p, err := a.api.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{
		Resource: repo.Name(), Options: &iampb.GetPolicyOptions{RequestedPolicyVersion: 3},
	})
	if err != nil {
		if isNotFound(err) {
			return nil, &registryaccess.RepositoryNotFoundError{What: repo.String(), Err: err}
		}
		return nil, err
	}
	return fromProto(p), nil
}

// write writes the bindings with the etag that was read: a concurrent change makes it fail with
// ABORTED or FAILED_PRECONDITION, and the retry reads again. Without an update mask only bindings
// and etag are written, so audit configurations are left alone.
func (a *Service) write(ctx context.Context, repo Repository, p *IAMPolicy) error {
	_, err := a.api.SetIamPolicy(ctx, &iampb.SetIamPolicyRequest{Resource: repo.Name(), Policy: toProto(p)})
	return err
}

func notFound(err error) (*registryaccess.RepositoryNotFoundError, bool) {
	var nf *registryaccess.RepositoryNotFoundError
	return nf, errors.As(err, &nf)
}

// Grant makes sure the member is in the role's unconditional binding: read (with etag), add the
// member, write with the etag, read back; under the repository's lock and within timeout, retrying
// etag conflicts (ABORTED, FAILED_PRECONDITION), throttling (RESOURCE_EXHAUSTED, UNAVAILABLE) and a
// service account IAM does not know yet. Deleted forms of the member in that binding are dropped.
func (a *Service) Grant(ctx context.Context, g Grant, timeout time.Duration) (registryaccess.Result, error) {
	repo := g.Repository
	unlock := a.locks.Lock(repo.Name())
	defer unlock()
	defer a.cache.Invalidate(repo.Name())

	var res registryaccess.Result
	first := true
	attempts, err := a.opts.Retry(ctx, timeout, classifier, "granting on "+repo.String(), func(ctx context.Context) error {
		pol, err := a.read(ctx, repo)
		if err != nil {
			return err
		}
		state := CheckMember(pol, g.Role(), g.Member)
		if first {
			first = false
			res.Adopted = state == MemberCurrent
			res.Preexisting = PreexistingMember(pol, g.Access, g.Member)
		}
		if next, changed := AddMember(pol, g.Role(), g.Member); changed {
			a.opts.Emit(ctx, "writing the repository IAM policy", map[string]any{
				"repository": repo.Name(), "role": g.Role(), "member": g.Member, "found": state.String()})
			if err := a.write(ctx, repo, next); err != nil {
				return err
			}
		}
		back, err := a.read(ctx, repo)
		if err != nil {
			return err
		}
		if !HasMember(back, g.Role(), g.Member) {
			return registryaccess.ErrStatementLost
		}
		return nil
	})
	res.Attempts = attempts
	if err != nil {
		if nf, ok := notFound(err); ok {
			return res, nf
		}
		return res, fmt.Errorf("granting %s on %s to %s: %w", g.Role(), repo, g.Member, err)
	}
	return res, nil
}

// Check reports the state of the grant's member. Reads of one repository are shared (cached) until
// a Grant or Revoke on it. Preexisting tells whether the member has the access through another
// binding too.
func (a *Service) Check(ctx context.Context, g Grant, timeout time.Duration) (status registryaccess.Status, preexisting bool, err error) {
	pol, err := a.cache.Get(ctx, g.Repository.Name(), func(ctx context.Context) (*IAMPolicy, error) {
		var p *IAMPolicy
		_, err := a.opts.Retry(ctx, timeout, classifier, "reading the IAM policy of "+g.Repository.String(), func(ctx context.Context) error {
			var err error
			p, err = a.read(ctx, g.Repository)
			return err
		})
		if nf, ok := notFound(err); ok {
			return p, nf
		}
		return p, err
	})
	if _, ok := notFound(err); ok {
		return registryaccess.RepositoryGone, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("reading the IAM policy of %s: %w", g.Repository, err)
	}
	others, _ := RemoveMember(pol, g.Role(), g.Member)
	pre := PreexistingMember(others, g.Access, g.Member)
	switch CheckMember(pol, g.Role(), g.Member) {
	case MemberCurrent:
		return registryaccess.Current, pre, nil
	case MemberPrincipalReplaced:
		return registryaccess.PrincipalReplaced, pre, nil
	}
	return registryaccess.Absent, pre, nil
}

// Revoke removes the member from the role's unconditional binding (dropping the binding when it
// becomes empty), writing with the etag read, and reads the policy back. When preexisting is true,
// the member is removed only if another binding still gives the access; otherwise it is left in
// place and Kept says why.
func (a *Service) Revoke(ctx context.Context, g Grant, preexisting bool, timeout time.Duration) (registryaccess.RevokeResult, error) {
	repo := g.Repository
	unlock := a.locks.Lock(repo.Name())
	defer unlock()
	defer a.cache.Invalidate(repo.Name())

	var res registryaccess.RevokeResult
	_, err := a.opts.Retry(ctx, timeout, classifier, "revoking on "+repo.String(), func(ctx context.Context) error {
		res = registryaccess.RevokeResult{}
		pol, err := a.read(ctx, repo)
		if err != nil {
			return err
		}
		next, changed := RemoveMember(pol, g.Role(), g.Member)
		if !changed {
			res.AlreadyGone = true
			return nil
		}
		if preexisting && !PreexistingMember(next, g.Access, g.Member) {
			res.Kept = fmt.Sprintf("%s had %s on %s before this grant was created, and no other binding gives that access now: "+
				"the member is left in place so that the access it had is not lost", g.Member, g.Role(), repo)
			return nil
		}
		a.opts.Emit(ctx, "removing a member", map[string]any{"repository": repo.Name(), "role": g.Role(), "member": g.Member})
		if err := a.write(ctx, repo, next); err != nil {
			return err
		}
		back, err := a.read(ctx, repo)
		if err != nil {
			return err
		}
		if HasMember(back, g.Role(), g.Member) {
			return registryaccess.ErrStatementBack
		}
		res.Removed = true
		return nil
	})
	if _, ok := notFound(err); ok {
		return registryaccess.RevokeResult{AlreadyGone: true}, nil
	}
	if err != nil {
		return res, fmt.Errorf("revoking %s on %s from %s: %w", g.Role(), repo, g.Member, err)
	}
	return res, nil
}

// Inspect is Check with the sentence a plan shows when the grant is not current.
func (a *Service) Inspect(ctx context.Context, g Grant, timeout time.Duration) (registryaccess.Inspection, error) {
	st, pre, err := a.Check(ctx, g, timeout)
	if err != nil {
		return registryaccess.Inspection{}, err
	}
	c := registryaccess.Inspection{Status: st, Preexisting: pre}
	switch st {
	case registryaccess.RepositoryGone:
		c.Reason = g.Repository.String() + " does not exist any more"
	case registryaccess.Absent:
		c.Reason = "the repository's IAM policy has no member " + g.Member + " in " + g.Role() + " (removed outside Terraform, or never granted)"
	case registryaccess.PrincipalReplaced:
		c.Reason = "the binding of " + g.Role() + " holds deleted:" + g.Member + "?uid=...: the service account was deleted, and " +
			"one created again under the same name has no access until the grant is made again"
	}
	return c, nil
}

// Bind returns the grant bound to the service, as the registry-neutral registryaccess.Grant.
func (a *Service) Bind(g Grant) registryaccess.Grant { return bound{svc: a, g: g} }

type bound struct {
	svc *Service
	g   Grant
}

func (b bound) ID() string { return b.g.ID() }

func (b bound) Create(ctx context.Context, timeout time.Duration) (registryaccess.Result, error) {
	res, err := b.svc.Grant(ctx, b.g, timeout)
	if err == nil && res.Adopted {
		res.Note = &registryaccess.Note{Summary: "Existing Member Kept", Detail: fmt.Sprintf("%s was already in the binding of %s, so "+
			"nothing was written and preexisting = true (a binding does not tell who added a member): destroying this grant leaves the "+
			"member in place unless another binding gives the same access. To have destroy remove it, remove the member by hand first "+
			"and apply again.", b.g.Member, b.g.Role())}
	}
	return res, err
}

func (b bound) Principal() string { return b.g.Member }

// PermissionHint names the IAM permissions the provider's credentials need when Google denied them.
func (b bound) PermissionHint(err error) string {
	var se interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &se) || (se.GRPCStatus().Code() != codes.PermissionDenied && se.GRPCStatus().Code() != codes.Unauthenticated) {
		return ""
	}
	return "The provider's Google credentials need artifactregistry.repositories.getIamPolicy and " +
		"artifactregistry.repositories.setIamPolicy on " + b.g.Repository.Name() + " (e.g. roles/artifactregistry.repoAdmin)."
}

// Rewrite is Create: a member is there or not, nothing under the grant's name can differ.
func (b bound) Rewrite(ctx context.Context, timeout time.Duration) (registryaccess.Result, error) {
	return b.svc.Grant(ctx, b.g, timeout)
}

func (b bound) Inspect(ctx context.Context, timeout time.Duration) (registryaccess.Inspection, error) {
	return b.svc.Inspect(ctx, b.g, timeout)
}

func (b bound) Revoke(ctx context.Context, preexisting bool, timeout time.Duration) (registryaccess.RevokeResult, error) {
	return b.svc.Revoke(ctx, b.g, preexisting, timeout)
}
