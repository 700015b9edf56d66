package grant

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
)

// IAMAPI is the part of the Artifact Registry client (*artifactregistry.Client) the grants use.
type IAMAPI interface {
	GetIamPolicy(ctx context.Context, req *iampb.GetIamPolicyRequest, opts ...gax.CallOption) (*iampb.Policy, error)
	SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest, opts ...gax.CallOption) (*iampb.Policy, error)
}

// ARRepository names one Artifact Registry repository.
type ARRepository struct {
	Project, Location, Repository string
}

// Name is the resource name, projects/P/locations/L/repositories/R.
func (r ARRepository) Name() string {
	return fmt.Sprintf("projects/%s/locations/%s/repositories/%s", r.Project, r.Location, r.Repository)
}

func (r ARRepository) String() string { return "Artifact Registry repository " + r.Name() }

// ARGrant is one grant: an IAM member's role on one repository.
type ARGrant struct {
	Repository ARRepository
	// Member is the IAM member, e.g. serviceAccount:x@p.iam.gserviceaccount.com or
	// serviceAccount:p.svc.id.goog[ns/ksa].
	Member string
	Access registryaccess.Access
}

// Role is the role the grant binds the member to.
func (g ARGrant) Role() string { return g.Access.ArtifactRegistryRole() }

// arClassifier classifies Artifact Registry errors by gRPC status code.
var arClassifier = registryaccess.ClassifierFunc(func(err error) registryaccess.Kind {
	if errors.Is(err, registryaccess.ErrStatementLost) {
		return registryaccess.RetryConflict
	}
	s, ok := status.FromError(err)
	if !ok {
		var se interface{ GRPCStatus() *status.Status }
		if !errors.As(err, &se) {
			return registryaccess.Permanent
		}
		s = se.GRPCStatus()
	}
	return registryaccess.ClassifyArtifactRegistry(registryaccess.GRPCStatus{Code: registryaccess.Code(s.Code()), Message: s.Message()})
})

func isNotFound(err error) bool {
	s, ok := status.FromError(err)
	return ok && s.Code() == codes.NotFound
}

// ArtifactRegistry applies grants to Artifact Registry repository IAM policies. It is safe for
// concurrent use; one value per provider shares its locks and cache between every grant.
type ArtifactRegistry struct {
	api   IAMAPI
	opts  Options
	locks registryaccess.Locks
	cache registryaccess.Cache[*registryaccess.IAMPolicy]
}

// NewArtifactRegistry returns the Artifact Registry grant service of a client.
func NewArtifactRegistry(api IAMAPI, opts Options) *ArtifactRegistry {
	return &ArtifactRegistry{api: api, opts: opts}
}

func fromProto(p *iampb.Policy) *registryaccess.IAMPolicy {
	out := &registryaccess.IAMPolicy{Version: p.GetVersion(), Etag: p.GetEtag()}
	for _, b := range p.GetBindings() {
		nb := registryaccess.Binding{Role: b.GetRole(), Members: append([]string(nil), b.GetMembers()...)}
		if c := b.GetCondition(); c != nil {
			nb.Condition = &registryaccess.Expr{Expression: c.GetExpression(), Title: c.GetTitle(), Description: c.GetDescription(), Location: c.GetLocation()}
		}
		out.Bindings = append(out.Bindings, nb)
	}
	return out
}

func toProto(p *registryaccess.IAMPolicy) *iampb.Policy {
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
func (a *ArtifactRegistry) read(ctx context.Context, repo ARRepository) (*registryaccess.IAMPolicy, error) {
	p, err := a.api.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{
		Resource: repo.Name(), Options: &iampb.GetPolicyOptions{RequestedPolicyVersion: 3},
	})
	if err != nil {
		if isNotFound(err) {
			return nil, &RepositoryNotFoundError{What: repo.String(), Err: err}
		}
		return nil, err
	}
	return fromProto(p), nil
}

// write writes the bindings with the etag that was read: a concurrent change makes it fail with
// ABORTED or FAILED_PRECONDITION, and the retry reads again. Without an update mask only bindings
// and etag are written, so audit configurations are left alone.
func (a *ArtifactRegistry) write(ctx context.Context, repo ARRepository, p *registryaccess.IAMPolicy) error {
	_, err := a.api.SetIamPolicy(ctx, &iampb.SetIamPolicyRequest{Resource: repo.Name(), Policy: toProto(p)})
	return err
}

func notFound(err error) (*RepositoryNotFoundError, bool) {
	var nf *RepositoryNotFoundError
	return nf, errors.As(err, &nf)
}

// Grant makes sure the member is in the role's unconditional binding: read (with etag), add the
// member, write with the etag, read back; under the repository's lock and within timeout, retrying
// etag conflicts (ABORTED, FAILED_PRECONDITION), throttling (RESOURCE_EXHAUSTED, UNAVAILABLE) and a
// service account IAM does not know yet. Deleted forms of the member in that binding are dropped.
func (a *ArtifactRegistry) Grant(ctx context.Context, g ARGrant, timeout time.Duration) (Result, error) {
	repo := g.Repository
	unlock := a.locks.Lock(repo.Name())
	defer unlock()
	defer a.cache.Invalidate(repo.Name())

	var res Result
	first := true
	attempts, err := a.opts.retry(ctx, timeout, arClassifier, "granting on "+repo.String(), func(ctx context.Context) error {
		pol, err := a.read(ctx, repo)
		if err != nil {
			return err
		}
		state := registryaccess.CheckMember(pol, g.Role(), g.Member)
		if first {
			first = false
			res.Adopted = state == registryaccess.MemberCurrent
			res.Preexisting = registryaccess.PreexistingMember(pol, g.Access, g.Member)
		}
		if next, changed := registryaccess.AddMember(pol, g.Role(), g.Member); changed {
			a.opts.log(ctx, "writing the repository IAM policy", map[string]any{
				"repository": repo.Name(), "role": g.Role(), "member": g.Member, "found": state.String()})
			if err := a.write(ctx, repo, next); err != nil {
				return err
			}
		}
		back, err := a.read(ctx, repo)
		if err != nil {
			return err
		}
		if !registryaccess.HasMember(back, g.Role(), g.Member) {
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
func (a *ArtifactRegistry) Check(ctx context.Context, g ARGrant, timeout time.Duration) (status Status, preexisting bool, err error) {
	pol, err := a.cache.Get(ctx, g.Repository.Name(), func(ctx context.Context) (*registryaccess.IAMPolicy, error) {
		var p *registryaccess.IAMPolicy
		_, err := a.opts.retry(ctx, timeout, arClassifier, "reading the IAM policy of "+g.Repository.String(), func(ctx context.Context) error {
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
		return RepositoryGone, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("reading the IAM policy of %s: %w", g.Repository, err)
	}
	others, _ := registryaccess.RemoveMember(pol, g.Role(), g.Member)
	pre := registryaccess.PreexistingMember(others, g.Access, g.Member)
	switch registryaccess.CheckMember(pol, g.Role(), g.Member) {
	case registryaccess.MemberCurrent:
		return Current, pre, nil
	case registryaccess.MemberPrincipalReplaced:
		return PrincipalReplaced, pre, nil
	}
	return Absent, pre, nil
}

// Revoke removes the member from the role's unconditional binding (dropping the binding when it
// becomes empty), writing with the etag read, and reads the policy back. When preexisting is true,
// the member is removed only if another binding still gives the access; otherwise it is left in
// place and Kept says why.
func (a *ArtifactRegistry) Revoke(ctx context.Context, g ARGrant, preexisting bool, timeout time.Duration) (RevokeResult, error) {
	repo := g.Repository
	unlock := a.locks.Lock(repo.Name())
	defer unlock()
	defer a.cache.Invalidate(repo.Name())

	var res RevokeResult
	_, err := a.opts.retry(ctx, timeout, arClassifier, "revoking on "+repo.String(), func(ctx context.Context) error {
		res = RevokeResult{}
		pol, err := a.read(ctx, repo)
		if err != nil {
			return err
		}
		next, changed := registryaccess.RemoveMember(pol, g.Role(), g.Member)
		if !changed {
			res.AlreadyGone = true
			return nil
		}
		if preexisting && !registryaccess.PreexistingMember(next, g.Access, g.Member) {
			res.Kept = fmt.Sprintf("%s had %s on %s before this grant was created, and no other binding gives that access now: "+
				"the member is left in place so that the access it had is not lost", g.Member, g.Role(), repo)
			return nil
		}
		a.opts.log(ctx, "removing a member", map[string]any{"repository": repo.Name(), "role": g.Role(), "member": g.Member})
		if err := a.write(ctx, repo, next); err != nil {
			return err
		}
		back, err := a.read(ctx, repo)
		if err != nil {
			return err
		}
		if registryaccess.HasMember(back, g.Role(), g.Member) {
			return errStatementBack
		}
		res.Removed = true
		return nil
	})
	if _, ok := notFound(err); ok {
		return RevokeResult{AlreadyGone: true}, nil
	}
	if err != nil {
		return res, fmt.Errorf("revoking %s on %s from %s: %w", g.Role(), repo, g.Member, err)
	}
	return res, nil
}
