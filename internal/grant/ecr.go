package grant

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
)

// ECRAPI is the part of *ecr.Client the ECR grants use.
type ECRAPI interface {
	GetRepositoryPolicy(ctx context.Context, in *ecr.GetRepositoryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.GetRepositoryPolicyOutput, error)
	SetRepositoryPolicy(ctx context.Context, in *ecr.SetRepositoryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.SetRepositoryPolicyOutput, error)
	DeleteRepositoryPolicy(ctx context.Context, in *ecr.DeleteRepositoryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.DeleteRepositoryPolicyOutput, error)
	DescribeRepositories(ctx context.Context, in *ecr.DescribeRepositoriesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
}

// ECR error codes the grants look at.
const (
	codeRepositoryNotFound       = "RepositoryNotFoundException"
	codeRepositoryPolicyNotFound = "RepositoryPolicyNotFoundException"
)

// ECRRepository names one ECR repository.
type ECRRepository struct {
	// Region is the AWS region of the registry, e.g. eu-central-1.
	Region string
	// RegistryID is the 12-digit account id of the registry; empty means the caller's account (use
	// ResolveRegistryID first to learn it).
	RegistryID string
	// Name is the repository name, e.g. zenml/zenml-pro-server.
	Name string
}

func (r ECRRepository) key() string { return r.Region + "/" + r.RegistryID + "/" + r.Name }

func (r ECRRepository) String() string {
	if r.RegistryID == "" {
		return fmt.Sprintf("ECR repository %q in %s", r.Name, r.Region)
	}
	return fmt.Sprintf("ECR repository %q of registry %s in %s", r.Name, r.RegistryID, r.Region)
}

// Partition returns the AWS partition of the repository's region.
func (r ECRRepository) Partition() string { return PartitionOfRegion(r.Region) }

// ARN returns the repository ARN; it needs RegistryID.
func (r ECRRepository) ARN() string {
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

// ECRGrant is one grant: a principal's access to one repository.
type ECRGrant struct {
	Repository ECRRepository
	// PrincipalARN is the IAM role ARN granted.
	PrincipalARN string
	Access       registryaccess.Access
}

// StatementID is the Sid of the statement the grant owns.
func (g ECRGrant) StatementID() string { return registryaccess.StatementID(g.PrincipalARN, g.Access) }

// ecrPolicy is a repository's policy as read: nil doc when the repository has none.
type ecrPolicy struct {
	doc *registryaccess.PolicyDocument
}

func (p ecrPolicy) document() *registryaccess.PolicyDocument {
	if p.doc == nil {
		return registryaccess.NewPolicyDocument()
	}
	return p.doc
}

// ECR applies grants to ECR repository policies. It is safe for concurrent use; one ECR value per
// provider shares its locks and cache between every grant.
type ECR struct {
	api   ECRAPI
	opts  Options
	locks registryaccess.Locks
	cache registryaccess.Cache[ecrPolicy]
}

// NewECR returns the ECR grant service of a client.
func NewECR(api ECRAPI, opts Options) *ECR { return &ECR{api: api, opts: opts} }

// RepositoryNotFoundError says that a repository does not exist.
type RepositoryNotFoundError struct {
	What string
	Err  error
}

func (e *RepositoryNotFoundError) Error() string {
	return e.What + " does not exist (or the credentials cannot see it): create it first, or check the name, region and registry"
}

func (e *RepositoryNotFoundError) Unwrap() error { return e.Err }

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func inRegion(region string) func(*ecr.Options) {
	return func(o *ecr.Options) { o.Region = region }
}

func registryID(id string) *string {
	if id == "" {
		return nil
	}
	return aws.String(id)
}

// ResolveRegistryID returns the registry id of the repository: its own when set, else the id of the
// caller's registry, read with DescribeRepositories (which also tells whether the repository exists).
func (e *ECR) ResolveRegistryID(ctx context.Context, repo ECRRepository, timeout time.Duration) (string, error) {
	var id string
	_, err := e.opts.retry(ctx, timeout, registryaccess.ECRClassifier{}, "describing "+repo.String(), func(ctx context.Context) error {
		out, err := e.api.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{
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
			return "", &RepositoryNotFoundError{What: repo.String(), Err: err}
		}
		return "", fmt.Errorf("describing %s: %w", repo, err)
	}
	return id, nil
}

// read reads a repository's policy (no cache).
func (e *ECR) read(ctx context.Context, repo ECRRepository) (ecrPolicy, error) {
	out, err := e.api.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{
		RegistryId: registryID(repo.RegistryID), RepositoryName: aws.String(repo.Name),
	}, inRegion(repo.Region))
	switch code := errorCode(err); {
	case code == codeRepositoryPolicyNotFound:
		return ecrPolicy{}, nil
	case code == codeRepositoryNotFound:
		return ecrPolicy{}, &RepositoryNotFoundError{What: repo.String(), Err: err}
	case err != nil:
		return ecrPolicy{}, err
	}
	doc, err := registryaccess.ParsePolicyDocument(aws.ToString(out.PolicyText))
	if err != nil {
		return ecrPolicy{}, fmt.Errorf("the policy of %s cannot be read: %w", repo, err)
	}
	return ecrPolicy{doc: doc}, nil
}

// MaxECRPolicyLength is ECR's limit on the text of a repository policy, in characters
// (SetRepositoryPolicy's policyText).
const MaxECRPolicyLength = 10240

// PolicyTooLargeError says that a repository policy with the grant's statement would exceed
// MaxECRPolicyLength. It is found before the write, so the policy is left as it was.
type PolicyTooLargeError struct {
	Repository string
	Length     int // characters of the policy that would have been written
	Statements int
}

func (e *PolicyTooLargeError) Error() string {
	return fmt.Sprintf("the policy of %s would be %d characters with this grant's statement (%d statements), over ECR's limit of %d "+
		"characters per repository policy: let the workloads that pull from it share one IAM role, spread them over repositories, "+
		"or remove statements that are no longer needed", e.Repository, e.Length, e.Statements, MaxECRPolicyLength)
}

func (e *ECR) write(ctx context.Context, repo ECRRepository, doc *registryaccess.PolicyDocument) error {
	text := doc.String()
	if n := utf8.RuneCountInString(text); n > MaxECRPolicyLength {
		return &PolicyTooLargeError{Repository: repo.String(), Length: n, Statements: len(doc.Statements)}
	}
	_, err := e.api.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{
		RegistryId: registryID(repo.RegistryID), RepositoryName: aws.String(repo.Name), PolicyText: aws.String(text),
	}, inRegion(repo.Region))
	return err
}

func (e *ECR) deletePolicy(ctx context.Context, repo ECRRepository) error {
	_, err := e.api.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{
		RegistryId: registryID(repo.RegistryID), RepositoryName: aws.String(repo.Name),
	}, inRegion(repo.Region))
	if errorCode(err) == codeRepositoryPolicyNotFound {
		return nil
	}
	return err
}

// readRetrying reads with retries of throttling; a missing repository is returned as is.
func (e *ECR) readRetrying(ctx context.Context, repo ECRRepository, timeout time.Duration) (ecrPolicy, error) {
	var p ecrPolicy
	_, err := e.opts.retry(ctx, timeout, registryaccess.ECRClassifier{}, "reading the policy of "+repo.String(), func(ctx context.Context) error {
		var err error
		p, err = e.read(ctx, repo)
		return err
	})
	var nf *RepositoryNotFoundError
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
func (e *ECR) Grant(ctx context.Context, g ECRGrant, timeout time.Duration) (Result, error) {
	return e.put(ctx, g, timeout, false)
}

// Rewrite puts the grant's statement back when the statement under its Sid was changed outside
// Terraform (or names a deleted role's unique ID): it replaces that statement, as the plan said it
// would, and touches nothing else. Otherwise it is Grant.
func (e *ECR) Rewrite(ctx context.Context, g ECRGrant, timeout time.Duration) (Result, error) {
	return e.put(ctx, g, timeout, true)
}

func (e *ECR) put(ctx context.Context, g ECRGrant, timeout time.Duration, overwrite bool) (Result, error) {
	repo := g.Repository
	unlock := e.locks.Lock(repo.key())
	defer unlock()
	defer e.cache.Invalidate(repo.key())

	var res Result
	first, written := true, false
	attempts, err := e.opts.retry(ctx, timeout, registryaccess.ECRClassifier{Principal: g.PrincipalARN}, "granting on "+repo.String(), func(ctx context.Context) error {
		pol, err := e.read(ctx, repo)
		if err != nil {
			return err
		}
		doc := pol.document()
		state := registryaccess.CheckStatement(doc, g.PrincipalARN, g.Access)
		if first {
			first = false
			// A statement that is exactly the grant's, under the grant's own Sid, was written by a grant
			// of this provider (an earlier create whose state was lost, or another configuration): it is
			// adopted but does not make the access preexisting, so destroy removes it. Only other
			// statements do.
			res.Adopted = state == registryaccess.StatementCurrent
			res.Preexisting = registryaccess.Preexisting(doc, g.PrincipalARN, g.Access)
		}
		if state != registryaccess.StatementCurrent && state != registryaccess.StatementAbsent && !overwrite && !written {
			found, _ := registryaccess.Find(doc, g.StatementID())
			text, _ := found.MarshalJSON()
			return &StatementConflictError{Repository: repo.String(), Sid: g.StatementID(), Statement: string(text),
				Differences: registryaccess.StatementDifferences(found, g.PrincipalARN, g.Access)}
		}
		if state != registryaccess.StatementCurrent {
			next := registryaccess.Upsert(doc, registryaccess.NewStatement(g.PrincipalARN, g.Access))
			e.opts.log(ctx, "writing the repository policy", map[string]any{
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
		if registryaccess.CheckStatement(back.document(), g.PrincipalARN, g.Access) != registryaccess.StatementCurrent {
			return registryaccess.ErrStatementLost
		}
		return nil
	})
	res.Attempts = attempts
	if err != nil {
		var nf *RepositoryNotFoundError
		if errors.As(err, &nf) {
			return res, nf
		}
		return res, fmt.Errorf("granting %s access on %s to %s: %w", g.Access, repo, g.PrincipalARN, err)
	}
	return res, nil
}

// Check reports the state of the grant's statement. Reads of one repository are shared (cached)
// until a Grant or Revoke on it. Preexisting tells whether other statements give the access too.
func (e *ECR) Check(ctx context.Context, g ECRGrant, timeout time.Duration) (status Status, preexisting bool, err error) {
	c, err := e.Inspect(ctx, g, timeout)
	return c.Status, c.Preexisting, err
}

// Inspection is what a read finds of a grant, with the details a plan shows.
type Inspection struct {
	Status Status
	// Preexisting tells whether other statements or bindings give the access too.
	Preexisting bool
	// Differences says how the statement under the grant's Sid differs from the grant's statement
	// (Changed, PrincipalReplaced); empty otherwise.
	Differences []string
	// Statement is the statement under the grant's Sid as the policy holds it ("" when absent).
	Statement string
}

// Inspect is Check with the details of a changed statement.
func (e *ECR) Inspect(ctx context.Context, g ECRGrant, timeout time.Duration) (Inspection, error) {
	pol, err := e.cache.Get(ctx, g.Repository.key(), func(ctx context.Context) (ecrPolicy, error) {
		return e.readRetrying(ctx, g.Repository, timeout)
	})
	var nf *RepositoryNotFoundError
	switch {
	case errors.As(err, &nf):
		return Inspection{Status: RepositoryGone}, nil
	case err != nil:
		return Inspection{}, fmt.Errorf("reading the policy of %s: %w", g.Repository, err)
	}
	doc := pol.document()
	c := Inspection{Status: Absent, Preexisting: registryaccess.Preexisting(doc, g.PrincipalARN, g.Access)}
	switch registryaccess.CheckStatement(doc, g.PrincipalARN, g.Access) {
	case registryaccess.StatementCurrent:
		c.Status = Current
	case registryaccess.StatementPrincipalReplaced:
		c.Status = PrincipalReplaced
	case registryaccess.StatementChanged:
		c.Status = Changed
	}
	if found, ok := registryaccess.Find(doc, g.StatementID()); ok {
		text, _ := found.MarshalJSON()
		c.Statement = string(text)
		if c.Status != Current {
			c.Differences = registryaccess.StatementDifferences(found, g.PrincipalARN, g.Access)
		}
	}
	return c, nil
}

// errStatementBack reports that a policy read back after a revoke still holds the grant's statement
// or member: a concurrent writer put it back. It is retried as a conflict.
var errStatementBack = fmt.Errorf("the policy read back after the revoke still holds the grant (a concurrent writer put it back): %w",
	registryaccess.ErrStatementLost)

// Revoke removes the grant's statement, and deletes the policy when no statement is left; it reads the
// policy back and does it again if a concurrent writer put the statement back. When
// preexisting is true (the access existed before the grant), the statement is removed only if other
// statements still give the access; otherwise it is left in place and Kept says why.
func (e *ECR) Revoke(ctx context.Context, g ECRGrant, preexisting bool, timeout time.Duration) (RevokeResult, error) {
	repo := g.Repository
	unlock := e.locks.Lock(repo.key())
	defer unlock()
	defer e.cache.Invalidate(repo.key())

	var res RevokeResult
	_, err := e.opts.retry(ctx, timeout, registryaccess.ECRClassifier{}, "revoking on "+repo.String(), func(ctx context.Context) error {
		res = RevokeResult{}
		pol, err := e.read(ctx, repo)
		if err != nil {
			return err
		}
		doc := pol.document()
		if _, ok := registryaccess.Find(doc, g.StatementID()); !ok {
			res.AlreadyGone = true
			return nil
		}
		if preexisting && !registryaccess.Preexisting(doc, g.PrincipalARN, g.Access) {
			res.Kept = fmt.Sprintf("%s had %s access on %s before this grant was created, and no other statement gives it now: "+
				"statement %s is left in place so that the access it had is not lost", g.PrincipalARN, g.Access, repo, g.StatementID())
			return nil
		}
		next, empty := registryaccess.Remove(doc, g.StatementID())
		e.opts.log(ctx, "removing a statement", map[string]any{"repository": repo.String(), "statement_id": g.StatementID(), "policy_empty": empty})
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
		if _, ok := registryaccess.Find(back.document(), g.StatementID()); ok {
			return errStatementBack
		}
		res.Removed = true
		return nil
	})
	var nf *RepositoryNotFoundError
	if errors.As(err, &nf) {
		return RevokeResult{AlreadyGone: true}, nil
	}
	if err != nil {
		return res, fmt.Errorf("revoking %s access on %s from %s: %w", g.Access, repo, g.PrincipalARN, err)
	}
	return res, nil
}
