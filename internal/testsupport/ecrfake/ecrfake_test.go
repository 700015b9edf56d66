// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecrfake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
)

const (
	roleA = "arn:aws:iam::123456789012:role/puller"
	roleB = "arn:aws:iam::123456789012:role/pusher"
)

// policy builds a repository policy with one pull statement per Sid and principal.
func policy(sidPrincipals ...string) string {
	var sts []string
	for i := 0; i+1 < len(sidPrincipals); i += 2 {
		sts = append(sts, fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":[%q]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}`,
			sidPrincipals[i], sidPrincipals[i+1]))
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
}

func set(c *ecr.Client, repo, text string) error {
	_, err := c.SetRepositoryPolicy(context.Background(), &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String(repo), PolicyText: aws.String(text)})
	return err
}

func get(c *ecr.Client, repo string) (string, error) {
	out, err := c.GetRepositoryPolicy(context.Background(), &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String(repo)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.PolicyText), nil
}

// apiCode is the error code the SDK reports, "" when err is not an API error.
func apiCode(err error) (code, message string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

// TestPolicyRoundTrip: the four operations with the real client, and their error types.
func TestPolicyRoundTrip(t *testing.T) {
	t.Parallel()
	s := New(t)
	c := s.Client()
	ctx := context.Background()
	arn, uri := s.CreateRepository("team/app")
	if arn != "arn:aws:ecr:eu-west-1:123456789012:repository/team/app" || uri != "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app" {
		t.Errorf("CreateRepository = %s, %s", arn, uri)
	}

	_, err := get(c, "team/app")
	var pnf *types.RepositoryPolicyNotFoundException
	if !errors.As(err, &pnf) {
		t.Fatalf("GetRepositoryPolicy without a policy: %v, want *types.RepositoryPolicyNotFoundException", err)
	}

	text := policy("A", roleA)
	out, err := c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("team/app"), PolicyText: aws.String(text)})
	if err != nil || aws.ToString(out.PolicyText) != text || aws.ToString(out.RegistryId) != DefaultRegistryID || aws.ToString(out.RepositoryName) != "team/app" {
		t.Fatalf("SetRepositoryPolicy = %+v, %v", out, err)
	}
	if got, err := get(c, "team/app"); err != nil || got != text {
		t.Errorf("GetRepositoryPolicy = %q, %v, want %q", got, err, text)
	}
	if got, ok := s.Policy("team/app"); !ok || got != text {
		t.Errorf("Policy = %q, %v", got, ok)
	}

	desc, err := c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/app"}})
	if err != nil || len(desc.Repositories) != 1 || aws.ToString(desc.Repositories[0].RepositoryArn) != arn ||
		aws.ToString(desc.Repositories[0].RepositoryUri) != uri || desc.Repositories[0].CreatedAt == nil {
		t.Errorf("DescribeRepositories = %+v, %v", desc, err)
	}
	s.CreateRepository("other")
	desc, err = c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{})
	if err != nil || len(desc.Repositories) != 2 || aws.ToString(desc.Repositories[0].RepositoryName) != "other" {
		t.Errorf("DescribeRepositories of all = %+v, %v, want other and team/app", desc, err)
	}

	del, err := c.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String("team/app")})
	if err != nil || aws.ToString(del.PolicyText) != text {
		t.Errorf("DeleteRepositoryPolicy = %+v, %v, want the deleted policy", del, err)
	}
	if _, ok := s.Policy("team/app"); ok {
		t.Errorf("a policy remains after DeleteRepositoryPolicy")
	}
	_, err = c.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String("team/app")})
	if !errors.As(err, &pnf) {
		t.Errorf("DeleteRepositoryPolicy without a policy: %v, want *types.RepositoryPolicyNotFoundException", err)
	}

	var rnf *types.RepositoryNotFoundException
	for op, call := range map[string]func() error{
		OpGetRepositoryPolicy: func() error { _, err := get(c, "missing"); return err },
		OpSetRepositoryPolicy: func() error { return set(c, "missing", text) },
		OpDeleteRepositoryPolicy: func() error {
			_, err := c.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String("missing")})
			return err
		},
		OpDescribeRepositories: func() error {
			_, err := c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"missing"}})
			return err
		},
		"other registry": func() error {
			_, err := c.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("team/app"), RegistryId: aws.String("999999999999")})
			return err
		},
	} {
		if err := call(); !errors.As(err, &rnf) || !strings.Contains(rnf.ErrorMessage(), "does not exist") {
			t.Errorf("%s of a missing repository: %v, want *types.RepositoryNotFoundException", op, err)
		}
	}

	var ipe *types.InvalidParameterException
	for _, bad := range []string{`{`, `{"Version":"2012-10-17","Statement":[]}`, `{"Statement":{"Effect":"Maybe","Principal":"*","Action":"ecr:*"}}`,
		`{"Statement":[{"Effect":"Allow","Action":"ecr:*"}]}`, `{"Statement":[{"Effect":"Allow","Principal":"*"}]}`} {
		if err := set(c, "team/app", bad); !errors.As(err, &ipe) || ipe.ErrorMessage() != MessageInvalidPolicy {
			t.Errorf("SetRepositoryPolicy(%s) = %v, want InvalidParameterException %q", bad, err, MessageInvalidPolicy)
		}
	}
	if err := set(c, "team/app", `{"Statement":{"Effect":"Deny","Principal":"*","Action":"ecr:*"}}`); err != nil {
		t.Errorf("a single statement object: %v", err)
	}

	if got := s.Calls(OpSetRepositoryPolicy); got != 8 {
		t.Errorf("Calls(SetRepositoryPolicy) = %d, want 8", got)
	}
	if got := s.Calls(OpGetRepositoryPolicy); got != 4 {
		t.Errorf("Calls(GetRepositoryPolicy) = %d, want 4", got)
	}
	s.DeleteRepository("other")
	if _, err := c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"other"}}); !errors.As(err, &rnf) {
		t.Errorf("DescribeRepositories after DeleteRepository: %v", err)
	}
}

// TestFailPrincipal: IAM propagation errors for the first N calls naming the principal, and only for
// those.
func TestFailPrincipal(t *testing.T) {
	t.Parallel()
	for _, message := range []string{MessageInvalidPolicy, MessagePrincipalNotFound} {
		s := New(t)
		c := s.Client()
		s.CreateRepository("app")
		s.FailPrincipal(roleB, 2, message)
		if s.PendingFaults() != 2 {
			t.Errorf("PendingFaults = %d, want 2", s.PendingFaults())
		}

		if err := set(c, "app", policy("A", roleA)); err != nil {
			t.Errorf("a policy not naming %s: %v", roleB, err)
		}
		for i := 1; i <= 2; i++ {
			err := set(c, "app", policy("A", roleA, "B", roleB))
			var ipe *types.InvalidParameterException
			if !errors.As(err, &ipe) || ipe.ErrorMessage() != message {
				t.Errorf("call %d naming %s: %v, want *types.InvalidParameterException %q", i, roleB, err, message)
			}
			if code, _ := apiCode(err); code != CodeInvalidParameter {
				t.Errorf("call %d: error code %q, want %s", i, code, CodeInvalidParameter)
			}
		}
		if got, _ := s.Policy("app"); got != policy("A", roleA) {
			t.Errorf("a failed call changed the policy: %s", got)
		}
		if err := set(c, "app", policy("A", roleA, "B", roleB)); err != nil {
			t.Errorf("the third call naming %s: %v, want success", roleB, err)
		}
		if got := s.Calls(OpSetRepositoryPolicy); got != 4 {
			t.Errorf("Calls(SetRepositoryPolicy) = %d, want 4", got)
		}
		if s.PendingFaults() != 0 {
			t.Errorf("PendingFaults = %d after the faults, want 0", s.PendingFaults())
		}
	}
}

// TestThrottle: ThrottlingException for the next N calls of any operation; the SDK's own retries
// hide it unless RetryMaxAttempts is 1.
func TestThrottle(t *testing.T) {
	t.Parallel()
	s := New(t)
	c := s.Client()
	s.CreateRepository("app")
	s.PutPolicy("app", policy("A", roleA))
	s.Throttle(2)
	_, err := get(c, "app")
	if code, msg := apiCode(err); code != CodeThrottling || msg != MessageThrottling {
		t.Errorf("throttled GetRepositoryPolicy: %v (code %q), want %s", err, code, CodeThrottling)
	}
	err = set(c, "app", policy("B", roleB))
	if code, _ := apiCode(err); code != CodeThrottling {
		t.Errorf("throttled SetRepositoryPolicy: %v, want %s", err, CodeThrottling)
	}
	if got, _ := s.Policy("app"); got != policy("A", roleA) {
		t.Errorf("a throttled call changed the policy: %s", got)
	}
	if got, err := get(c, "app"); err != nil || got != policy("A", roleA) {
		t.Errorf("the call after the throttles: %q, %v", got, err)
	}

	// With the SDK's default retryer one throttle is retried away: two requests, one success.
	retrying := ecr.NewFromConfig(s.Config(), func(o *ecr.Options) { o.RetryMaxAttempts = 3 })
	s.Throttle(1)
	before := s.Calls(OpGetRepositoryPolicy)
	if _, err := get(retrying, "app"); err != nil {
		t.Errorf("with retries: %v", err)
	}
	if got := s.Calls(OpGetRepositoryPolicy) - before; got != 2 {
		t.Errorf("with retries the SDK sent %d requests, want 2", got)
	}
}

// TestRemoveStatementOnce: a concurrent writer removes the statement right after the write that
// added it, once.
func TestDeny(t *testing.T) {
	t.Parallel()
	s := New(t)
	c := s.Client()
	s.CreateRepository("app")
	s.PutPolicy("app", policy("A", roleA))
	s.Deny(OpSetRepositoryPolicy, 1)
	if _, err := get(c, "app"); err != nil {
		t.Errorf("GetRepositoryPolicy is not denied: %v", err)
	}
	err := set(c, "app", policy("B", roleB))
	if code, msg := apiCode(err); code != CodeAccessDenied || !strings.Contains(msg, "not authorized to perform: ecr:SetRepositoryPolicy") {
		t.Errorf("denied SetRepositoryPolicy: %v (code %q), want %s", err, code, CodeAccessDenied)
	}
	if got, _ := s.Policy("app"); got != policy("A", roleA) {
		t.Errorf("a denied call changed the policy: %s", got)
	}
	if s.PendingFaults() != 0 {
		t.Errorf("PendingFaults = %d after the denial happened", s.PendingFaults())
	}
	if err := set(c, "app", policy("B", roleB)); err != nil {
		t.Errorf("the call after the denial: %v", err)
	}
}

func TestRemoveStatementOnce(t *testing.T) {
	t.Parallel()
	s := New(t)
	c := s.Client()
	s.CreateRepository("app")
	s.RemoveStatementOnce("B")

	if err := set(c, "app", policy("A", roleA)); err != nil {
		t.Fatal(err)
	}
	if s.PendingFaults() != 1 {
		t.Errorf("a write without B used up the removal")
	}
	text := policy("A", roleA, "B", roleB)
	out, err := c.SetRepositoryPolicy(context.Background(), &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(text)})
	if err != nil || aws.ToString(out.PolicyText) != text {
		t.Fatalf("SetRepositoryPolicy = %+v, %v, want success echoing the policy", out, err)
	}
	got, err := get(c, "app")
	if err != nil || strings.Contains(got, `"B"`) || !strings.Contains(got, `"A"`) || !strings.Contains(got, roleA) || !strings.Contains(got, `"Version":"2012-10-17"`) {
		t.Errorf("read-back after the concurrent writer: %s, %v, want A without B", got, err)
	}
	if err := set(c, "app", text); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(c, "app"); got != text {
		t.Errorf("the second write: %s, want both statements kept", got)
	}

	s.RemoveStatementOnce("B")
	if err := set(c, "app", policy("B", roleB)); err != nil {
		t.Fatal(err)
	}
	var pnf *types.RepositoryPolicyNotFoundException
	if _, err := get(c, "app"); !errors.As(err, &pnf) {
		t.Errorf("removing the only statement: %v, want the policy gone", err)
	}
}

// TestProtocol: requests that are not signed ECR JSON calls are refused with the service's errors.
func TestProtocol(t *testing.T) {
	t.Parallel()
	s := New(t)
	post := func(target string, signed bool) (int, string) {
		req, err := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		if signed {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		return resp.StatusCode, resp.Header.Get("X-Amzn-Errortype")
	}
	if code, typ := post(TargetPrefix+"PutImage", true); code != 400 || typ != CodeUnknownOperation {
		t.Errorf("PutImage: %d %s", code, typ)
	}
	if code, typ := post(TargetPrefix+OpGetRepositoryPolicy, false); code != 403 || typ != CodeMissingAuthentication {
		t.Errorf("unsigned: %d %s", code, typ)
	}
	if code, typ := post("Other.GetRepositoryPolicy", true); code != 400 || typ != CodeUnknownOperation {
		t.Errorf("foreign target: %d %s", code, typ)
	}

	// Any static credentials work; the client signs with them.
	c := ecr.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	s.PutPolicy("x", policy("A", roleA))
	if got, err := get(c, "x"); err != nil || got != policy("A", roleA) {
		t.Errorf("another client: %q, %v", got, err)
	}
}

// TestErrorsCarryRequestID: error responses carry a request ID, as ECR's do, so messages name it.
func TestErrorsCarryRequestID(t *testing.T) {
	t.Parallel()
	s := New(t)
	_, err := get(s.Client(), "missing")
	if !strings.Contains(fmt.Sprint(err), "RequestID: ecrfake-GetRepositoryPolicy-1") {
		t.Errorf("error %v, want the request ID ecrfake-GetRepositoryPolicy-1", err)
	}
}
