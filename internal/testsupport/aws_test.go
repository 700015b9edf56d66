// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package testsupport

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// pullPolicy is a repository policy with one pull statement per Sid and principal.
func pullPolicy(sidPrincipals ...string) string {
	var sts []string
	for i := 0; i+1 < len(sidPrincipals); i += 2 {
		sts = append(sts, fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":%q},`+
			`"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]}`,
			sidPrincipals[i], sidPrincipals[i+1]))
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
}

var pullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}

// TestAWSMissingFailsWithHowToStart: missing settings or a silent moto fail the test with the way
// to start the services; they never skip.
func TestAWSMissingFailsWithHowToStart(t *testing.T) {
	t.Setenv(EnvAWSEndpoint, "")
	got := outcome(t, func(tb testing.TB) { AWS(tb) })
	if got.skipped || !strings.Contains(got.fatal, EnvAWSEndpoint) || !strings.Contains(got.fatal, "make services") {
		t.Errorf("AWS without %s: skipped=%v fatal=%q, want a failure naming the variable and `make services`", EnvAWSEndpoint, got.skipped, got.fatal)
	}

	closed := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	t.Setenv(EnvAWSEndpoint, closed)
	for _, v := range []string{EnvAWSAccessKeyID, EnvAWSSecretAccessKey, EnvAWSRegion} {
		t.Setenv(v, "x")
	}
	got = outcome(t, func(tb testing.TB) { AWS(tb) })
	if got.skipped || !strings.Contains(got.fatal, closed+" does not answer") || !strings.Contains(got.fatal, "scripts/services.sh start") {
		t.Errorf("AWS on a closed port: skipped=%v fatal=%q, want a failure naming the endpoint and scripts/services.sh start", got.skipped, got.fatal)
	}
}

func TestAWSSettings(t *testing.T) {
	t.Parallel()
	s := AWS(t)
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") || s.Region != "eu-west-1" || s.AccessKeyID != "testing" || s.SecretAccessKey != "testing" {
		t.Errorf("settings: endpoint %q region %q keys %q/%q, want http://127.0.0.1:PORT, eu-west-1, testing/testing",
			s.Endpoint, s.Region, s.AccessKeyID, s.SecretAccessKey)
	}
	if got := s.AccountID(); got != "123456789012" {
		t.Errorf("AccountID = %q, want moto's 123456789012", got)
	}
}

func TestAWSRoles(t *testing.T) {
	t.Parallel()
	s := AWS(t)
	name := UniqueName(t, "role")
	arn := s.CreateRole(name)
	if want := "arn:aws:iam::123456789012:role/" + name; arn != want {
		t.Errorf("CreateRole = %q, want %q", arn, want)
	}
	if !s.RoleExists(name) {
		t.Errorf("RoleExists(%s) = false after CreateRole", name)
	}
	s.DeleteRole(name)
	if s.RoleExists(name) {
		t.Errorf("RoleExists(%s) = true after DeleteRole", name)
	}
	got := outcome(t, func(tb testing.TB) { AWS(tb).DeleteRole(name) })
	if !strings.Contains(got.fatal, "DeleteRole "+name) {
		t.Errorf("DeleteRole of a missing role: fatal=%q, want a failure naming the role", got.fatal)
	}
}

// TestAWSRepositoryPolicy: the policy round trip, two statements, and deleting the policy and the
// repository.
func TestAWSRepositoryPolicy(t *testing.T) {
	t.Parallel()
	s := AWS(t)
	repo := UniqueName(t, "repo")
	arn, uri := s.CreateRepository(repo)
	if want := "arn:aws:ecr:eu-west-1:123456789012:repository/" + repo; arn != want {
		t.Errorf("CreateRepository ARN = %q, want %q", arn, want)
	}
	if want := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/" + repo; uri != want {
		t.Errorf("CreateRepository URI = %q, want %q", uri, want)
	}
	if text, ok := s.RepositoryPolicy(repo); ok {
		t.Fatalf("a new repository has a policy: %s", text)
	}
	if got := s.PolicyStatements(repo); len(got) != 0 {
		t.Errorf("PolicyStatements of a repository without a policy = %v, want none", got)
	}

	role1 := s.CreateRole(UniqueName(t, "puller"))
	role2 := s.CreateRole(UniqueName(t, "pusher"))
	s.SetRepositoryPolicy(repo, pullPolicy("One", role1))
	text, ok := s.RepositoryPolicy(repo)
	if !ok || !strings.Contains(text, role1) || !strings.Contains(text, `"One"`) {
		t.Fatalf("policy after SetRepositoryPolicy: %v %s, want the statement One for %s", ok, text, role1)
	}
	sts := s.PolicyStatements(repo)
	if len(sts) != 1 || sts["One"].Effect != "Allow" ||
		!reflect.DeepEqual(sts["One"].AWSPrincipals(), []string{role1}) ||
		!reflect.DeepEqual(sts["One"].Actions(), pullActions) {
		t.Errorf("statements = %+v, want One allowing %v to %s", sts, pullActions, role1)
	}

	s.SetRepositoryPolicy(repo, pullPolicy("One", role1, "Two", role2))
	sts = s.PolicyStatements(repo)
	if len(sts) != 2 || !reflect.DeepEqual(sts["Two"].AWSPrincipals(), []string{role2}) ||
		!reflect.DeepEqual(sts["One"].AWSPrincipals(), []string{role1}) {
		t.Errorf("statements after planting a second one = %+v, want One for %s and Two for %s", sts, role1, role2)
	}

	s.DeleteRepositoryPolicy(repo)
	if text, ok := s.RepositoryPolicy(repo); ok {
		t.Errorf("policy after DeleteRepositoryPolicy: %s", text)
	}
	got := outcome(t, func(tb testing.TB) { AWS(tb).DeleteRepositoryPolicy(repo) })
	if !strings.Contains(got.fatal, "DeleteRepositoryPolicy "+repo) || !strings.Contains(got.fatal, "RepositoryPolicyNotFoundException") {
		t.Errorf("DeleteRepositoryPolicy without a policy: fatal=%q, want RepositoryPolicyNotFoundException", got.fatal)
	}

	s.DeleteRepository(repo)
	_, err := s.ECR.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{repo}})
	var nf *ecrtypes.RepositoryNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeRepositories after DeleteRepository: %v, want RepositoryNotFoundException", err)
	}
	got = outcome(t, func(tb testing.TB) { AWS(tb).RepositoryPolicy(repo) })
	if !strings.Contains(got.fatal, "RepositoryNotFoundException") {
		t.Errorf("RepositoryPolicy of a deleted repository: fatal=%q, want RepositoryNotFoundException", got.fatal)
	}
}

// TestMotoChecksPolicyGrammarNotPrincipals pins down what moto validates, so that nobody relies on
// it for more: a malformed policy (broken JSON, no Statement, an unknown Effect, no Action) is
// rejected with InvalidParameterException like ECR does, but a statement without Principal is
// accepted, and a principal that does not exist (never created, or deleted) is accepted and stored
// as written. IAM propagation errors need internal/testsupport/ecrfake.
func TestMotoChecksPolicyGrammarNotPrincipals(t *testing.T) {
	t.Parallel()
	s := AWS(t)
	repo := UniqueName(t, "repo")
	s.CreateRepository(repo)

	for name, policy := range map[string]string{
		"not JSON":       `{"Version":`,
		"no Statement":   `{"Version":"2012-10-17"}`,
		"bad Effect":     strings.Replace(pullPolicy("S", "arn:aws:iam::123456789012:role/x"), `"Allow"`, `"Perhaps"`, 1),
		"no Action":      `{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Principal":{"AWS":"*"}}]}`,
		"Statement text": `{"Version":"2012-10-17","Statement":"everything"}`,
	} {
		_, err := s.ECR.SetRepositoryPolicy(context.Background(), &ecr.SetRepositoryPolicyInput{
			RepositoryName: aws.String(repo), PolicyText: aws.String(policy),
		})
		var ipe *ecrtypes.InvalidParameterException
		if !errors.As(err, &ipe) {
			t.Errorf("%s: SetRepositoryPolicy(%s) = %v, want InvalidParameterException", name, policy, err)
		}
	}
	if text, ok := s.RepositoryPolicy(repo); ok {
		t.Errorf("a rejected policy was stored: %s", text)
	}

	// Laxer than ECR, which requires a Principal in a repository policy.
	noPrincipal := `{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Action":"ecr:BatchGetImage"}]}`
	s.SetRepositoryPolicy(repo, noPrincipal)
	if text, _ := s.RepositoryPolicy(repo); text != noPrincipal {
		t.Errorf("a statement without Principal: stored %q, want it accepted as written (moto does not require a Principal)", text)
	}

	ghost := "arn:aws:iam::123456789012:role/" + UniqueName(t, "never_created")
	s.SetRepositoryPolicy(repo, pullPolicy("Ghost", ghost))
	if got := s.PolicyStatements(repo)["Ghost"].AWSPrincipals(); !reflect.DeepEqual(got, []string{ghost}) {
		t.Errorf("a policy naming a role that does not exist: principals %v, want it stored as %s", got, ghost)
	}

	roleName := UniqueName(t, "deleted")
	role := s.CreateRole(roleName)
	s.SetRepositoryPolicy(repo, pullPolicy("Gone", role))
	s.DeleteRole(roleName)
	if got := s.PolicyStatements(repo)["Gone"].AWSPrincipals(); !reflect.DeepEqual(got, []string{role}) {
		t.Errorf("after deleting the role: principals %v, want the ARN %s as written (moto does not turn it into a unique ID the way ECR does)", got, role)
	}
}

func TestParsePolicyStatements(t *testing.T) {
	t.Parallel()
	got, err := ParsePolicyStatements(`{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Deny","Principal":"*","Action":"ecr:*"}}`)
	if err != nil || len(got) != 1 || got["A"].Effect != "Deny" || !reflect.DeepEqual(got["A"].Actions(), []string{"ecr:*"}) || got["A"].AWSPrincipals() != nil {
		t.Errorf("a single statement object: %+v, %v", got, err)
	}
	got, err = ParsePolicyStatements(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["b","a"]},"Action":["y","x"]}]}`)
	if err != nil || !reflect.DeepEqual(got[""].AWSPrincipals(), []string{"a", "b"}) || !reflect.DeepEqual(got[""].Actions(), []string{"x", "y"}) {
		t.Errorf("lists: %+v, %v", got, err)
	}
	if _, err := ParsePolicyStatements(`{"Statement":"x"}`); err == nil {
		t.Errorf("a text Statement parsed")
	}
	if _, err := ParsePolicyStatements(`{`); err == nil {
		t.Errorf("broken JSON parsed")
	}
}

// TestAWSCleanup: roles and repositories a test creates are gone when it ends, also when the test
// deleted them itself.
func TestAWSCleanup(t *testing.T) {
	t.Parallel()
	s := AWS(t)
	role, repo, deleted := UniqueName(t, "role"), UniqueName(t, "repo"), UniqueName(t, "repo")
	t.Run("creates", func(t *testing.T) {
		inner := AWS(t)
		inner.CreateRole(role)
		inner.CreateRepository(repo)
		inner.SetRepositoryPolicy(repo, pullPolicy("A", "arn:aws:iam::123456789012:role/"+role))
		inner.CreateRepository(deleted)
		inner.DeleteRepository(deleted)
	})
	if s.RoleExists(role) {
		t.Errorf("role %s outlived the test that created it", role)
	}
	for _, r := range []string{repo, deleted} {
		_, err := s.ECR.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{r}})
		var nf *ecrtypes.RepositoryNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("repository %s after the test that created it: %v, want RepositoryNotFoundException", r, err)
		}
	}
}
