// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// API is the part of *awsecr.Client the ECR grants use.
type API interface {
	GetRepositoryPolicy(ctx context.Context, in *awsecr.GetRepositoryPolicyInput, optFns ...func(*awsecr.Options)) (*awsecr.GetRepositoryPolicyOutput, error)
	SetRepositoryPolicy(ctx context.Context, in *awsecr.SetRepositoryPolicyInput, optFns ...func(*awsecr.Options)) (*awsecr.SetRepositoryPolicyOutput, error)
	DeleteRepositoryPolicy(ctx context.Context, in *awsecr.DeleteRepositoryPolicyInput, optFns ...func(*awsecr.Options)) (*awsecr.DeleteRepositoryPolicyOutput, error)
	DescribeRepositories(ctx context.Context, in *awsecr.DescribeRepositoriesInput, optFns ...func(*awsecr.Options)) (*awsecr.DescribeRepositoriesOutput, error)
}

// ECR error codes the grants look at.
const (
	codeRepositoryNotFound       = "RepositoryNotFoundException"
	codeRepositoryPolicyNotFound = "RepositoryPolicyNotFoundException"
)

// Repository names one ECR repository.
type Repository struct {
	// Region is the AWS region of the registry, e.g. eu-central-1.
	Region string
	// RegistryID is the 12-digit account id of the registry; empty means the caller's account (use
	// ResolveRegistryID first to learn it).
	RegistryID string
	// Name is the repository name, e.g. zenml/zenml-pro-server.
	Name string
}

func (r Repository) key() string { return r.Region + "/" + r.RegistryID + "/" + r.Name }

func (r Repository) String() string {
	if r.RegistryID == "" {
		return fmt.Sprintf("ECR repository %q in %s", r.Name, r.Region)
	}
	return fmt.Sprintf("ECR repository %q of registry %s in %s", r.Name, r.RegistryID, r.Region)
}

// Partition returns the AWS partition of the repository's region.
func (r Repository) Partition() string { return PartitionOfRegion(r.Region) }

// ARN returns the repository ARN; it needs RegistryID.
func (r Repository) ARN() string {
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", r.Partition(), r.Region, r.RegistryID, r.Name)
}

// PartitionOfRegion returns the AWS partition of a region name: aws-cn for cn-*, aws-us-gov for
// us-gov-*, aws otherwise.
func PartitionOfRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// Grant is one grant: a principal's access to one repository.
type Grant struct {
	Repository Repository
	// PrincipalARN is the IAM role ARN granted.
	PrincipalARN string
	Access       registryaccess.Access
}

// StatementID is the Sid of the statement the grant owns.
func (g Grant) StatementID() string { return StatementID(g.PrincipalARN, g.Access) }

// ecrPolicy is a repository's policy as read: nil doc when the repository has none.
type ecrPolicy struct {
	doc *PolicyDocument
}

func (p ecrPolicy) document() *PolicyDocument {
	if p.doc == nil {
		return NewPolicyDocument()
	}
	return p.doc
}

// Service applies grants to ECR repository policies. It is safe for concurrent use; one ECR value per
// provider shares its locks and cache between every grant.
type Service struct {
	api   API
	opts  registryaccess.Options
	locks retry.Locks
	cache retry.Cache[ecrPolicy]
}

// NewService returns the ECR grant service of a client.
func NewService(api API, opts registryaccess.Options) *Service { return &Service{api: api, opts: opts} }

func inRegion(region string) func(*awsecr.Options) {
	return func(o *awsecr.Options) { o.Region = region }
}

func registryID(id string) *string {
	if id == "" {
		return nil
	}
	return aws.String(id)
}

// ResolveRegistryID returns the registry id of the repository: its own when set, else the id of the
// caller's registry, read with DescribeRepositories (which also tells whether the repository exists).
func (e *Service) ResolveRegistryID(ctx context.Context, repo Repository, timeout time.Duration) (string, error) {
	var id string
	_, err := e.opts.Retry(ctx, timeout, classifier{}, "describing "+repo.String(), func(ctx context.Context) error {
		out, err := e.api.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{
			RegistryId: registryID(repo.RegistryID), RepositoryNames: []string{repo.Name},
		}, inRegion(repo.Region))
		if err != nil {
			return err
		}
		if len(out.Repositories) != 1 || aws.ToString(out.Repositories[0].RegistryId) == "" {
			return fmt.Errorf("DescribeRepositories of %s answered %d repositories", repo, len(out.Repositories))
		}
		id = aws.ToString(out.Repositories[0].RegistryId)
		return nil
	})
	if err != nil {
		if errorCode(err) == codeRepositoryNotFound {
			return "", &registryaccess.RepositoryNotFoundError{What: repo.String(), Err: err}
		}
		return "", fmt.Errorf("describing %s: %w", repo, err)
	}
	return id, nil
}

// read reads a repository's policy (no cache).
func (e *Service) read(ctx context.Context, repo Repository) (ecrPolicy, error) {
	out, err := e.api.GetRepositoryPolicy(ctx, &awsecr.GetRepositoryPolicyInput{
		RegistryId: registryID(repo.RegistryID), RepositoryName: aws.String(repo.Name),
	}, inRegion(repo.Region))
	switch code := errorCode(err); {
	case code == codeRepositoryPolicyNotFound:
		return ecrPolicy{}, nil
	case code == codeRepositoryNotFound:
		return ecrPolicy{}, &registryaccess.RepositoryNotFoundError{What: repo.String(), Err: err}
	case err != nil:
		return ecrPolicy{}, err
	}
	doc, err := ParsePolicyDocument(aws.ToString(out.PolicyText))
	if err != nil {
		return ecrPolicy{}, fmt.Errorf("the policy of %s cannot be read: %w", repo, err)
	}
	return ecrPolicy{doc: doc}, nil
}

// MaxPolicyLength is ECR's limit on the text of a repository policy, in characters
// (SetRepositoryPolicy's policyText).
const MaxPolicyLength = 10240

// PolicyTooLargeError says that a repository policy with the grant's statement would exceed
// MaxPolicyLength. It is found before the write, so the policy is left as it was.
type PolicyTooLargeError struct {
	Repository string
	Length     int // characters of the policy that would have been written
	Statements int
}

func (e *PolicyTooLargeError) Error() string {
	return fmt.Sprintf("the policy of %s would be %d characters with this grant's statement (%d statements), over ECR's limit of %d "+
		"characters per repository policy: let the workloads that pull from it share one IAM role, spread them over repositories, "+
		"or remove statements that are no longer needed", e.Repository, e.Length, e.Statements, MaxPolicyLength)
}

func (e *Service) write(ctx context.Context, repo Repository, doc *PolicyDocument) error {
	text := doc.String()
	if n := utf8.RuneCountInString(text); n > MaxPolicyLength {
		return &PolicyTooLargeError{Repository: repo.String(), Length: n, Statements: len(doc.Statements)}
	}
	_, err := e.api.SetRepositoryPolicy(ctx, &awsecr.SetRepositoryPolicyInput{
		RegistryId: registryID(repo.RegistryID), RepositoryName: aws.String(repo.Name), PolicyText: aws.String(text),
	}, inRegion(repo.Region))
	return err
}

func (e *Service) deletePolicy(ctx context.Context, repo Repository) error {
	_, err := e.api.DeleteRepositoryPolicy(ctx, &awsecr.DeleteRepositoryPolicyInput{
		RegistryId: registryID(repo.RegistryID), RepositoryName: aws.String(repo.Name),
	}, inRegion(repo.Region))
	if errorCode(err) == codeRepositoryPolicyNotFound {
		return nil
	}
	return err
}

// readRetrying reads with retries of throttling; a missing repository is returned as is.
func (e *Service) readRetrying(ctx context.Context, repo Repository, timeout time.Duration) (ecrPolicy, error) {
	var p ecrPolicy
	_, err := e.opts.Retry(ctx, timeout, classifier{}, "reading the policy of "+repo.String(), func(ctx context.Context) error {
		var err error
		p, err = e.read(ctx, repo)
		return err
	})
	var nf *registryaccess.RepositoryNotFoundError
	if errors.As(err, &nf) {
		return p, nf
	}
	return p, err
}

// StatementConflictError says that the repository policy holds a statement under the grant's Sid
// that is not the statement the grant writes (another effect, principal, actions, a condition...).
// A create never overwrites it: it is found before anything is written.
type StatementConflictError struct {
	Repository  string
	Sid         string
	Statement   string   // the statement as the policy holds it
	Differences []string // how it differs from the grant's statement, one phrase each
}

func (e *StatementConflictError) Error() string {
	return fmt.Sprintf("the policy of %s already has a statement with Sid %s, the Sid this grant derives from its principal and access, "+
		"but it is not the statement the grant writes: %s. The statement is %s. Nothing was written", e.Repository, e.Sid,
		strings.Join(e.Differences, "; "), e.Statement)
}

// Grant makes sure the grant's statement is in the repository policy, for a create: it reads the
// policy, adds the statement, writes the policy and reads it back, and does it again if the
// statement is not there (a concurrent writer), all under the repository's lock and within
// timeout. A statement already there under the grant's Sid is adopted when it is exactly the
// grant's statement (Result.Adopted); anything else under that Sid is a *StatementConflictError,
// found before anything is written. IAM propagation ("Invalid repository policy provided",
// "Principal not found") and throttling are retried; anything else fails at once.
// Repository.RegistryID must be set.
func (e *Service) Grant(ctx context.Context, g Grant, timeout time.Duration) (registryaccess.Result, error) {
	return e.put(ctx, g, timeout, false)
}

// Rewrite puts the grant's statement back when the statement under its Sid was changed outside
// Terraform (or names a deleted role's unique ID): it replaces that statement, as the plan said it
// would, and touches nothing else. Otherwise it is Grant.
func (e *Service) Rewrite(ctx context.Context, g Grant, timeout time.Duration) (registryaccess.Result, error) {
	return e.put(ctx, g, timeout, true)
}

func (e *Service) put(ctx context.Context, g Grant, timeout time.Duration, overwrite bool) (registryaccess.Result, error) {
	repo := g.Repository
	unlock := e.locks.Lock(repo.key())
	defer unlock()
	defer e.cache.Invalidate(repo.key())

	var res registryaccess.Result
	first, written := true, false
	attempts, err := e.opts.Retry(ctx, timeout, classifier{Principal: g.PrincipalARN}, "granting on "+repo.String(), func(ctx context.Context) error {
		pol, err := e.read(ctx, repo)
		if err != nil {
			return err
		}
		doc := pol.document()
		state := CheckStatement(doc, g.PrincipalARN, g.Access)
		if first {
			first = false
			// A statement that is exactly the grant's, under the grant's own Sid, was written by a grant
			// of this provider (an earlier create whose state was lost, or another configuration): it is
			// adopted but does not make the access preexisting, so destroy removes it. Only other
			// statements do.
			res.Adopted = state == StatementCurrent
			res.Preexisting = Preexisting(doc, g.PrincipalARN, g.Access)
		}
		if state != StatementCurrent && state != StatementAbsent && !overwrite && !written {
			found, _ := Find(doc, g.StatementID())
			text, _ := found.MarshalJSON()
			return &StatementConflictError{Repository: repo.String(), Sid: g.StatementID(), Statement: string(text),
				Differences: StatementDifferences(found, g.PrincipalARN, g.Access)}
		}
		if state != StatementCurrent {
			next := Upsert(doc, NewStatement(g.PrincipalARN, g.Access))
			e.opts.Emit(ctx, "writing the repository policy", map[string]any{
				"repository": repo.String(), "statement_id": g.StatementID(), "found": state.String(), "statements": len(next.Statements)})
			if err := e.write(ctx, repo, next); err != nil {
				return err
			}
			written = true
		}
		back, err := e.read(ctx, repo)
		if err != nil {
			return err
		}
		if CheckStatement(back.document(), g.PrincipalARN, g.Access) != StatementCurrent {
			return registryaccess.ErrStatementLost
		}
		return nil
	})
	res.Attempts = attempts
	if err != nil {
		var nf *registryaccess.RepositoryNotFoundError
		if errors.As(err, &nf) {
			return res, nf
		}
		return res, fmt.Errorf("granting %s access on %s to %s: %w", g.Access, repo, g.PrincipalARN, err)
	}
	return res, nil
}

// Check reports the state of the grant's statement. Reads of one repository are shared (cached)
// until a Grant or Revoke on it. Preexisting tells whether other statements give the access too.
func (e *Service) Check(ctx context.Context, g Grant, timeout time.Duration) (status registryaccess.Status, preexisting bool, err error) {
	c, err := e.Inspect(ctx, g, timeout)
	return c.Status, c.Preexisting, err
}

// Inspect is Check with the details of a changed statement.
func (e *Service) Inspect(ctx context.Context, g Grant, timeout time.Duration) (registryaccess.Inspection, error) {
	pol, err := e.cache.Get(ctx, g.Repository.key(), func(ctx context.Context) (ecrPolicy, error) {
		return e.readRetrying(ctx, g.Repository, timeout)
	})
	var nf *registryaccess.RepositoryNotFoundError
	switch {
	case errors.As(err, &nf):
		return registryaccess.Inspection{Status: registryaccess.RepositoryGone}, nil
	case err != nil:
		return registryaccess.Inspection{}, fmt.Errorf("reading the policy of %s: %w", g.Repository, err)
	}
	doc := pol.document()
	c := registryaccess.Inspection{Status: registryaccess.Absent, Preexisting: Preexisting(doc, g.PrincipalARN, g.Access)}
	switch CheckStatement(doc, g.PrincipalARN, g.Access) {
	case StatementCurrent:
		c.Status = registryaccess.Current
	case StatementPrincipalReplaced:
		c.Status = registryaccess.PrincipalReplaced
	case StatementChanged:
		c.Status = registryaccess.Changed
	}
	if found, ok := Find(doc, g.StatementID()); ok {
		text, _ := found.MarshalJSON()
		c.Statement = string(text)
		if c.Status != registryaccess.Current {
			c.Differences = StatementDifferences(found, g.PrincipalARN, g.Access)
		}
	}
	c.Reason = reason(c, g)
	if c.Status == registryaccess.Changed || c.Status == registryaccess.PrincipalReplaced {
		c.Drift = fmt.Sprintf("statement %s of %s differs from the grant's: %s; the policy holds %s",
			g.StatementID(), g.Repository, strings.Join(c.Differences, "; "), c.Statement)
	}
	return c, nil
}

// reason says what a read found of a grant that is not current, for the user.
func reason(c registryaccess.Inspection, g Grant) string {
	switch c.Status {
	case registryaccess.RepositoryGone:
		return g.Repository.String() + " does not exist any more"
	case registryaccess.Absent:
		return "the repository policy has no statement " + g.StatementID() + " (removed outside Terraform, or never created)"
	case registryaccess.PrincipalReplaced:
		return "statement " + g.StatementID() + " names a unique ID (AROA...) instead of " + g.PrincipalARN +
			": the role was deleted, and a role created again under the same name has no access until the grant is made again"
	case registryaccess.Changed:
		return "statement " + g.StatementID() + " was changed outside Terraform: " + strings.Join(c.Differences, "; ")
	}
	return ""
}

// Bind returns the grant bound to the service, as the registry-neutral registryaccess.Grant. A
// create of a grant whose repository names no registry id first resolves it into *g.
func (e *Service) Bind(g *Grant) registryaccess.Grant { return bound{svc: e, g: g} }

type bound struct {
	svc *Service
	g   *Grant
}

func (b bound) ID() string { return b.g.ID() }

func (b bound) Create(ctx context.Context, timeout time.Duration) (registryaccess.Result, error) {
	if b.g.Repository.RegistryID == "" {
		id, err := b.svc.ResolveRegistryID(ctx, b.g.Repository, timeout)
		if err != nil {
			return registryaccess.Result{}, err
		}
		b.g.Repository.RegistryID = id
	}
	res, err := b.svc.Grant(ctx, *b.g, timeout)
	if err == nil && res.Adopted {
		res.Note = &registryaccess.Note{Summary: "Existing Statement Adopted", Detail: fmt.Sprintf("statement %s was already in the "+
			"policy: its Sid is the one this provider derives from the principal and access, so a grant wrote it before (a create whose "+
			"state was lost, or another configuration). This grant now manages it, and destroying the grant removes it. If another "+
			"Terraform configuration manages the same grant, keep only one of them.", b.g.StatementID())}
	}
	return res, err
}

func (b bound) Principal() string { return b.g.PrincipalARN }

// PermissionHint names the ECR permissions the provider's credentials need when AWS denied them.
func (b bound) PermissionHint(err error) string {
	if !strings.Contains(errorCode(err), "AccessDenied") {
		return ""
	}
	return "The provider's AWS credentials need ecr:DescribeRepositories, ecr:GetRepositoryPolicy, ecr:SetRepositoryPolicy and " +
		"ecr:DeleteRepositoryPolicy on " + b.g.Repository.String() + "."
}

func (b bound) Rewrite(ctx context.Context, timeout time.Duration) (registryaccess.Result, error) {
	return b.svc.Rewrite(ctx, *b.g, timeout)
}

func (b bound) Inspect(ctx context.Context, timeout time.Duration) (registryaccess.Inspection, error) {
	return b.svc.Inspect(ctx, *b.g, timeout)
}

func (b bound) Revoke(ctx context.Context, preexisting bool, timeout time.Duration) (registryaccess.RevokeResult, error) {
	return b.svc.Revoke(ctx, *b.g, preexisting, timeout)
}

// Revoke removes the grant's statement, and deletes the policy when no statement is left; it reads the
// policy back and does it again if a concurrent writer put the statement back. When
// preexisting is true (the access existed before the grant), the statement is removed only if other
// statements still give the access; otherwise it is left in place and Kept says why.
func (e *Service) Revoke(ctx context.Context, g Grant, preexisting bool, timeout time.Duration) (registryaccess.RevokeResult, error) {
	repo := g.Repository
	unlock := e.locks.Lock(repo.key())
	defer unlock()
	defer e.cache.Invalidate(repo.key())

	var res registryaccess.RevokeResult
	// removing is set once a write or delete has been sent: when its answer is lost, the next attempt
	// finds the statement gone because of it, not because somebody else removed it.
	removing := false
	_, err := e.opts.Retry(ctx, timeout, classifier{}, "revoking on "+repo.String(), func(ctx context.Context) error {
		res = registryaccess.RevokeResult{}
		pol, err := e.read(ctx, repo)
		if err != nil {
			return err
		}
		doc := pol.document()
		if _, ok := Find(doc, g.StatementID()); !ok {
			if removing {
				res.Removed, res.PolicyDeleted = true, pol.doc == nil
				return nil
			}
			res.AlreadyGone = true
			return nil
		}
		if preexisting && !Preexisting(doc, g.PrincipalARN, g.Access) {
			res.Kept = fmt.Sprintf("%s had %s access on %s before this grant was created, and no other statement gives it now: "+
				"statement %s is left in place so that the access it had is not lost", g.PrincipalARN, g.Access, repo, g.StatementID())
			return nil
		}
		next, empty := Remove(doc, g.StatementID())
		e.opts.Emit(ctx, "removing a statement", map[string]any{"repository": repo.String(), "statement_id": g.StatementID(), "policy_empty": empty})
		removing = true
		if empty {
			if err := e.deletePolicy(ctx, repo); err != nil {
				return err
			}
			res.PolicyDeleted = true
		} else if err := e.write(ctx, repo, next); err != nil {
			return err
		}
		// ECR has no conditional writes: a writer that read the policy before this change may have
		// written it back. The statement must be gone when read again.
		back, err := e.read(ctx, repo)
		if err != nil {
			return err
		}
		if _, ok := Find(back.document(), g.StatementID()); ok {
			return registryaccess.ErrStatementBack
		}
		res.Removed = true
		return nil
	})
	var nf *registryaccess.RepositoryNotFoundError
	if errors.As(err, &nf) {
		return registryaccess.RevokeResult{AlreadyGone: true}, nil
	}
	if err != nil {
		return res, fmt.Errorf("revoking %s access on %s from %s: %w", g.Access, repo, g.PrincipalARN, err)
	}
	return res, nil
}
