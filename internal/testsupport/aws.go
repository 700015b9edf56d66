// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package testsupport

// The AWS stand-in: moto_server (ECR, IAM, STS), which scripts/services.sh runs on loopback.
//
// What moto does and does not check, for tests built on it:
//   - SetRepositoryPolicy checks the policy's grammar (JSON, Statement, Effect, Action) and answers
//     InvalidParameterException for a broken one, like ECR. It is laxer than ECR in one respect: a
//     statement without Principal is accepted.
//   - It does NOT check that a principal exists: a policy naming a role that was never created is
//     accepted and stored. IAM propagation delays ("Invalid repository policy provided" for a role
//     created a moment ago) therefore cannot be produced with moto; internal/testsupport/ecrfake
//     injects them. Nor does moto replace the ARN of a deleted role by its unique ID (AROA...) in a
//     stored policy, as ECR does: that drift case needs a planted policy (SetRepositoryPolicy with
//     an AROA... principal).
//   - Its state is shared by every test that runs against the same moto_server, in parallel and across
//     test binaries. Tests use names from UniqueName and never reset moto (POST /moto-api/reset would
//     wipe the roles and repositories of every other running test).
//   - Every account's resources live in account 123456789012 (moto's default) whatever the
//     credentials; a repository's URI is 123456789012.dkr.ecr.REGION.amazonaws.com/NAME.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Environment variables `scripts/services.sh env` sets for the AWS stand-in. They are not the AWS_*
// names the SDK reads on its own: a test hands them to the provider explicitly.
const (
	EnvAWSEndpoint        = "ZENMLPRO_TEST_AWS_ENDPOINT"
	EnvAWSAccessKeyID     = "ZENMLPRO_TEST_AWS_ACCESS_KEY_ID"
	EnvAWSSecretAccessKey = "ZENMLPRO_TEST_AWS_SECRET_ACCESS_KEY"
	EnvAWSRegion          = "ZENMLPRO_TEST_AWS_REGION"
)

// EC2EKSTrustPolicy is the trust policy of the roles CreateRole makes: EC2 instances (instance
// profiles) and EKS may assume them.
const EC2EKSTrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
	`"Principal":{"Service":["ec2.amazonaws.com","eks.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`

// AWSServer is the moto_server the services script runs, with SDK clients pointed at it. Obtain it
// with AWS; its helpers fail the test it was obtained with.
type AWSServer struct {
	// Endpoint is the base URL of every service, e.g. http://127.0.0.1:35000.
	Endpoint string
	// Region is the region the clients use (eu-west-1).
	Region string
	// AccessKeyID and SecretAccessKey are static credentials moto accepts (any value works).
	AccessKeyID, SecretAccessKey string

	// Config is the SDK configuration the clients were made from: base endpoint, region, static
	// credentials. Copy it to build more clients.
	Config aws.Config
	ECR    *ecr.Client
	IAM    *iam.Client
	STS    *sts.Client

	tb testing.TB
}

// AWS is the shared moto_server. Missing settings or a server that does not answer fail the test
// with the way to start it.
func AWS(tb testing.TB) *AWSServer {
	tb.Helper()
	e := readEnv(tb, "AWS (moto)", EnvAWSEndpoint, EnvAWSAccessKeyID, EnvAWSSecretAccessKey, EnvAWSRegion)
	s := &AWSServer{
		Endpoint:        strings.TrimRight(e[EnvAWSEndpoint], "/"),
		Region:          e[EnvAWSRegion],
		AccessKeyID:     e[EnvAWSAccessKeyID],
		SecretAccessKey: e[EnvAWSSecretAccessKey],
		tb:              tb,
	}
	s.mustAnswer()
	s.Config = aws.Config{
		Region:       s.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.Endpoint),
	}
	s.ECR = ecr.NewFromConfig(s.Config)
	s.IAM = iam.NewFromConfig(s.Config)
	s.STS = sts.NewFromConfig(s.Config)
	return s
}

// mustAnswer fails the test unless moto's management API answers.
func (s *AWSServer) mustAnswer() {
	s.tb.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(s.Endpoint + "/moto-api/")
	if err == nil {
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET /moto-api/ answered %s", resp.Status)
		}
	}
	if err != nil {
		s.tb.Fatalf("testsupport: the moto test server at %s does not answer: %v; %s", s.Endpoint, err, StartHint)
	}
}

func (s *AWSServer) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

// AccountID is the account the credentials belong to (STS GetCallerIdentity; 123456789012 on moto).
func (s *AWSServer) AccountID() string {
	s.tb.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	out, err := s.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		s.tb.Fatalf("testsupport: sts GetCallerIdentity on %s: %v", s.Endpoint, err)
	}
	return aws.ToString(out.Account)
}

// CreateRole creates an IAM role that EC2 and EKS may assume (EC2EKSTrustPolicy) and returns its ARN.
// The role is deleted when the test ends unless it is gone by then.
func (s *AWSServer) CreateRole(name string) string {
	s.tb.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	out, err := s.IAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(EC2EKSTrustPolicy),
	})
	var arn string
	var exists *iamtypes.EntityAlreadyExistsException
	switch {
	case errors.As(err, &exists):
		// The SDK repeated a create whose answer was lost (moto's server dropped the connection):
		// the names tests use are their own, so the role is the one the first request made.
		got, gerr := s.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		if gerr != nil {
			s.tb.Fatalf("testsupport: iam CreateRole %s: %v; GetRole: %v", name, err, gerr)
		}
		arn = aws.ToString(got.Role.Arn)
	case err != nil:
		s.tb.Fatalf("testsupport: iam CreateRole %s: %v", name, err)
	default:
		arn = aws.ToString(out.Role.Arn)
	}
	s.tb.Cleanup(func() {
		if err := s.deleteRole(name); err != nil && !isNoSuchEntity(err) {
			s.tb.Errorf("testsupport: deleting role %s at the end of the test: %v", name, err)
		}
	})
	return arn
}

// DeleteRole deletes an IAM role; a role that does not exist fails the test.
func (s *AWSServer) DeleteRole(name string) {
	s.tb.Helper()
	if !s.RoleExists(name) {
		s.tb.Fatalf("testsupport: iam DeleteRole %s: the role does not exist", name)
	}
	// The role exists: NoSuchEntity now comes from a delete that the SDK repeated after moto's server
	// dropped the first answer (seen in CI), whose delete took effect.
	if err := s.deleteRole(name); err != nil && !isNoSuchEntity(err) {
		s.tb.Fatalf("testsupport: iam DeleteRole %s: %v", name, err)
	}
}

func (s *AWSServer) deleteRole(name string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
	return err
}

func isNoSuchEntity(err error) bool {
	var nse *iamtypes.NoSuchEntityException
	return errors.As(err, &nse)
}

// RoleExists says whether the IAM role exists.
func (s *AWSServer) RoleExists(name string) bool {
	s.tb.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if isNoSuchEntity(err) {
		return false
	}
	if err != nil {
		s.tb.Fatalf("testsupport: iam GetRole %s: %v", name, err)
	}
	return true
}

// CreateRepository creates an ECR repository in the server's region and returns its ARN and URI
// (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME). It is deleted, with its images, when the test ends
// unless it is gone by then. ECR repository names allow lower-case letters, digits and _ - . /, so
// names from UniqueName fit.
func (s *AWSServer) CreateRepository(name string) (arn, uri string) {
	s.tb.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	out, err := s.ECR.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)})
	var repo *ecrtypes.Repository
	var exists *ecrtypes.RepositoryAlreadyExistsException
	switch {
	case errors.As(err, &exists):
		// The SDK repeated a create whose answer was lost (moto's server dropped the connection; seen
		// in CI): the names tests use are their own, so the repository is the one the first request made.
		got, derr := s.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
		if derr != nil || len(got.Repositories) != 1 {
			s.tb.Fatalf("testsupport: ecr CreateRepository %s: %v; DescribeRepositories: %v", name, err, derr)
		}
		repo = &got.Repositories[0]
	case err != nil:
		s.tb.Fatalf("testsupport: ecr CreateRepository %s: %v", name, err)
	default:
		repo = out.Repository
	}
	s.tb.Cleanup(func() {
		var nf *ecrtypes.RepositoryNotFoundException
		if err := s.deleteRepository(name); err != nil && !errors.As(err, &nf) {
			s.tb.Errorf("testsupport: deleting repository %s at the end of the test: %v", name, err)
		}
	})
	return aws.ToString(repo.RepositoryArn), aws.ToString(repo.RepositoryUri)
}

// DeleteRepository deletes an ECR repository with its images and policy; a repository that does not
// exist fails the test.
func (s *AWSServer) DeleteRepository(name string) {
	s.tb.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	if _, err := s.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}}); err != nil {
		s.tb.Fatalf("testsupport: ecr DeleteRepository %s: %v", name, err)
	}
	// The repository exists: a RepositoryNotFoundException now comes from a delete that the SDK
	// repeated after moto's server dropped the first answer (seen in CI), whose delete took effect.
	var nf *ecrtypes.RepositoryNotFoundException
	if err := s.deleteRepository(name); err != nil && !errors.As(err, &nf) {
		s.tb.Fatalf("testsupport: ecr DeleteRepository %s: %v", name, err)
	}
}

func (s *AWSServer) deleteRepository(name string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.ECR.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String(name), Force: true})
	return err
}

// RepositoryPolicy returns the repository's policy text as ECR stores it, and false when the
// repository has no policy. A missing repository fails the test.
func (s *AWSServer) RepositoryPolicy(repo string) (policy string, exists bool) {
	s.tb.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	out, err := s.ECR.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String(repo)})
	var nf *ecrtypes.RepositoryPolicyNotFoundException
	if errors.As(err, &nf) {
		return "", false
	}
	if err != nil {
		s.tb.Fatalf("testsupport: ecr GetRepositoryPolicy %s: %v", repo, err)
	}
	return aws.ToString(out.PolicyText), true
}

// SetRepositoryPolicy replaces the repository's policy, e.g. to plant a statement that belongs to
// someone else or existed before a grant. An invalid policy fails the test.
func (s *AWSServer) SetRepositoryPolicy(repo, policy string) {
	s.tb.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.ECR.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{
		RepositoryName: aws.String(repo),
		PolicyText:     aws.String(policy),
	})
	if err != nil {
		s.tb.Fatalf("testsupport: ecr SetRepositoryPolicy %s: %v\npolicy: %s", repo, err, policy)
	}
}

// DeleteRepositoryPolicy deletes the repository's policy; a repository without one fails the test.
func (s *AWSServer) DeleteRepositoryPolicy(repo string) {
	s.tb.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	if _, err := s.ECR.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String(repo)}); err != nil {
		s.tb.Fatalf("testsupport: ecr DeleteRepositoryPolicy %s: %v", repo, err)
	}
	// The policy exists: RepositoryPolicyNotFound now comes from a delete that the SDK repeated after
	// moto's server dropped the first answer (seen in CI), whose delete took effect.
	var nf *ecrtypes.RepositoryPolicyNotFoundException
	if _, err := s.ECR.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String(repo)}); err != nil && !errors.As(err, &nf) {
		s.tb.Fatalf("testsupport: ecr DeleteRepositoryPolicy %s: %v", repo, err)
	}
}

// PolicyStatement is one statement of a repository policy, as far as tests look at it. Principal
// holds the principal element as it was written (a string such as "*" or an object such as
// {"AWS": [...]}); Action is a string or a list.
type PolicyStatement struct {
	Sid       string          `json:"Sid,omitempty"`
	Effect    string          `json:"Effect"`
	Principal json.RawMessage `json:"Principal"`
	Action    json.RawMessage `json:"Action"`
}

// Actions returns the statement's actions, sorted.
func (st PolicyStatement) Actions() []string {
	return sortedStrings(st.Action)
}

// AWSPrincipals returns the statement's AWS principals (ARNs or unique IDs), sorted.
func (st PolicyStatement) AWSPrincipals() []string {
	var p struct {
		AWS json.RawMessage `json:"AWS"`
	}
	if json.Unmarshal(st.Principal, &p) != nil {
		return nil
	}
	return sortedStrings(p.AWS)
}

// sortedStrings reads a JSON string or list of strings.
func sortedStrings(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return nil
	}
	sort.Strings(many)
	return many
}

// PolicyStatements parses the repository's policy and returns its statements by Sid (statements
// without a Sid are keyed ""; the last one wins). A repository without a policy has none.
func (s *AWSServer) PolicyStatements(repo string) map[string]PolicyStatement {
	s.tb.Helper()
	text, ok := s.RepositoryPolicy(repo)
	if !ok {
		return map[string]PolicyStatement{}
	}
	out, err := ParsePolicyStatements(text)
	if err != nil {
		s.tb.Fatalf("testsupport: the policy of repository %s: %v\n%s", repo, err, text)
	}
	return out
}

// ParsePolicyStatements parses a repository policy's statements by Sid (see PolicyStatements).
func ParsePolicyStatements(policy string) (map[string]PolicyStatement, error) {
	var doc struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return nil, err
	}
	var list []PolicyStatement
	if err := json.Unmarshal(doc.Statement, &list); err != nil {
		var one PolicyStatement
		if err1 := json.Unmarshal(doc.Statement, &one); err1 != nil {
			return nil, fmt.Errorf("the Statement element is neither a list nor an object: %w", err)
		}
		list = []PolicyStatement{one}
	}
	out := make(map[string]PolicyStatement, len(list))
	for _, st := range list {
		out[st.Sid] = st
	}
	return out, nil
}
