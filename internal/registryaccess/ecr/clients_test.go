// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// isolateAWS keeps the developer's AWS files, profile and environment credentials out of a test.
func isolateAWS(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_ECR", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"} {
		t.Setenv(k, "")
		if err := os.Unsetenv(k); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func staticCredentials(key string) func(*config.LoadOptions) error {
	return config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, "secret", ""))
}

// request is what the stub saw of one call.
type request struct {
	service, action, region, accessKey string
	form                               url.Values
}

var credentialScope = regexp.MustCompile(`Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// awsStub answers STS (GetCallerIdentity, AssumeRole) and ECR (DescribeRepositories)
// calls, recording each; ecrStatus, when set, is the HTTP status of every ECR answer.
type awsStub struct {
	mu        sync.Mutex
	requests  []request
	ecrStatus int
}

func (s *awsStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		http.Error(w, "unsigned", http.StatusForbidden)
		return
	}
	req := request{accessKey: m[1], region: m[2], service: m[3]}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		req.action = target[strings.LastIndex(target, ".")+1:]
	} else {
		req.form, _ = url.ParseQuery(string(body))
		req.action = req.form.Get("Action")
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	ecrStatus := s.ecrStatus
	s.mu.Unlock()
	switch req.action {
	case "GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		_, _ = fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:iam::123456789012:user/test</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	case "AssumeRole":
		w.Header().Set("Content-Type", "text/xml")
		_, _ = fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>`+
			`<Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>`+
			`<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>`+
			`<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/admin/%s</Arn><AssumedRoleId>AROAEXAMPLE:x</AssumedRoleId></AssumedRoleUser>`+
			`</AssumeRoleResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></AssumeRoleResponse>`, req.form.Get("RoleSessionName"))
	case "DescribeRepositories":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if ecrStatus != 0 {
			w.WriteHeader(ecrStatus)
			_, _ = fmt.Fprint(w, `{"__type":"ServerException","message":"injected"}`)
			return
		}
		_, _ = fmt.Fprint(w, `{"repositories":[{"repositoryName":"zenml","registryId":"123456789012"}]}`)
	default:
		http.Error(w, "unexpected action "+req.action, http.StatusBadRequest)
	}
}

func (s *awsStub) seen() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.requests...)
}

func startStub(t *testing.T) (*awsStub, string) {
	t.Helper()
	stub := &awsStub{}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	return stub, srv.URL
}

func endpointsAt(u string) Endpoints { return Endpoints{ECR: u, STS: u} }

func TestClientsUseEndpointsAndRegion(t *testing.T) {
	isolateAWS(t)
	stub, u := startStub(t)
	a := NewClients(Config{Region: "eu-central-1", Endpoints: endpointsAt(u)}, staticCredentials("AKIASTATIC"))
	if n := len(stub.seen()); n != 0 {
		t.Fatalf("construction made %d calls", n)
	}
	c, err := a.Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(stub.seen()); n != 0 {
		t.Fatalf("building the clients made %d calls", n)
	}
	if c.Config.Region != "eu-central-1" {
		t.Fatalf("region = %q", c.Config.Region)
	}
	id, err := c.STS.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "123456789012" {
		t.Fatalf("GetCallerIdentity = %v, %v", id, err)
	}
	repos, err := c.ECR.DescribeRepositories(t.Context(), &awsecr.DescribeRepositoriesInput{})
	if err != nil || len(repos.Repositories) != 1 || aws.ToString(repos.Repositories[0].RepositoryName) != "zenml" {
		t.Fatalf("DescribeRepositories = %v, %v", repos, err)
	}
	got := stub.seen()
	want := []request{
		{service: "sts", action: "GetCallerIdentity", region: "eu-central-1", accessKey: "AKIASTATIC"},
		{service: "ecr", action: "DescribeRepositories", region: "eu-central-1", accessKey: "AKIASTATIC"},
	}
	if len(got) != len(want) {
		t.Fatalf("requests = %+v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.service != w.service || g.action != w.action || g.accessKey != w.accessKey || (w.region != "" && g.region != w.region) {
			t.Errorf("request %d = %+v, want %+v", i, g, w)
		}
	}
	again, err := a.Clients(t.Context())
	if err != nil || again != c {
		t.Fatalf("second Clients call built new clients (%p, %p) or failed: %v", again, c, err)
	}
}

func TestClientsAssumeRole(t *testing.T) {
	isolateAWS(t)
	stub, u := startStub(t)
	const roleARN = "arn:aws:iam::123456789012:role/admin"
	a := NewClients(Config{Region: "us-west-2", AssumeRoleARN: roleARN, Endpoints: endpointsAt(u)}, staticCredentials("AKIABASE"))
	c, err := a.Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(stub.seen()); n != 0 {
		t.Fatalf("building the clients with assume_role_arn made %d calls", n)
	}
	for range 2 {
		if _, err := c.ECR.DescribeRepositories(t.Context(), &awsecr.DescribeRepositoriesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	got := stub.seen()
	if len(got) != 3 {
		t.Fatalf("requests = %+v, want AssumeRole once then two ECR calls", got)
	}
	if got[0].action != "AssumeRole" || got[0].accessKey != "AKIABASE" || got[0].form.Get("RoleArn") != roleARN ||
		got[0].form.Get("RoleSessionName") != AssumeRoleSessionName || got[0].region != "us-west-2" {
		t.Fatalf("first request = %+v, want AssumeRole of %s with the base credentials", got[0], roleARN)
	}
	for _, r := range got[1:] {
		if r.action != "DescribeRepositories" || r.accessKey != "ASIAASSUMED" {
			t.Fatalf("ECR request = %+v, want it signed with the assumed role's key", r)
		}
	}
}

func TestClientsMaxRetries(t *testing.T) {
	isolateAWS(t)
	for _, n := range []int{0, 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			stub, u := startStub(t)
			stub.ecrStatus = http.StatusServiceUnavailable
			a := NewClients(Config{Region: "eu-west-1", Endpoints: endpointsAt(u), MaxRetries: &n}, staticCredentials("AKIASTATIC"))
			c, err := a.Clients(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.ECR.DescribeRepositories(t.Context(), &awsecr.DescribeRepositoriesInput{}); err == nil {
				t.Fatal("DescribeRepositories succeeded against a failing endpoint")
			}
			if got := len(stub.seen()); got != n+1 {
				t.Fatalf("attempts = %d, want %d", got, n+1)
			}
		})
	}
}

func TestClientsErrorsAtFirstUse(t *testing.T) {
	isolateAWS(t)
	tooMany := MaxAWSRetries + 1
	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"unknown profile": {Config{Region: "eu-west-1", Profile: "nope"}, "nope"},
		"max retries":     {Config{Region: "eu-west-1", MaxRetries: &tooMany}, "outside 0 to 25"},
	} {
		t.Run(name, func(t *testing.T) {
			a := NewClients(tc.cfg)
			for range 2 {
				_, err := a.Clients(context.Background())
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Clients error = %v, want one mentioning %q", err, tc.want)
				}
			}
		})
	}
}

// Without any region the clients build; a call that names its region (as a grant's ECR region does)
// works, one that does not fails saying so.
func TestClientsWithoutRegion(t *testing.T) {
	isolateAWS(t)
	stub, u := startStub(t)
	c, err := NewClients(Config{Endpoints: endpointsAt(u)}, staticCredentials("AKIASTATIC")).Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Region != "" {
		t.Fatalf("region = %q, want none", c.Config.Region)
	}
	_, err = c.ECR.DescribeRepositories(t.Context(), &awsecr.DescribeRepositoriesInput{}, func(o *awsecr.Options) { o.Region = "ap-south-1" })
	if err != nil {
		t.Fatal(err)
	}
	if got := stub.seen(); len(got) != 1 || got[0].region != "ap-south-1" {
		t.Fatalf("requests = %+v, want one signed for ap-south-1", got)
	}
	// Without an endpoint override the endpoint cannot be resolved: the call fails before any request.
	c, err = NewClients(Config{}, staticCredentials("AKIASTATIC")).Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ECR.DescribeRepositories(t.Context(), &awsecr.DescribeRepositoriesInput{})
	if err == nil || !strings.Contains(err.Error(), "Missing Region") {
		t.Fatalf("a call without region = %v, want a missing region error", err)
	}
}

func TestClientsProfileRegion(t *testing.T) {
	isolateAWS(t)
	if err := os.WriteFile(os.Getenv("AWS_CONFIG_FILE"), []byte("[profile deploy]\nregion = ap-south-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := NewClients(Config{Profile: "deploy"}, staticCredentials("AKIASTATIC")).Clients(t.Context())
	if err != nil || c.Config.Region != "ap-south-1" {
		t.Fatalf("profile region: %v, %v", c, err)
	}
	c, err = NewClients(Config{Profile: "deploy", Region: "eu-north-1"}, staticCredentials("AKIASTATIC")).Clients(t.Context())
	if err != nil || c.Config.Region != "eu-north-1" {
		t.Fatalf("region over the profile's: %v, %v", c, err)
	}
}

// A closed port: clients pointed at it build fine and fail only when called.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestClientsClosedPort(t *testing.T) {
	isolateAWS(t)
	zero := 0
	u := "http://" + closedPort(t)
	c, err := NewClients(Config{Region: "eu-west-1", Endpoints: endpointsAt(u), MaxRetries: &zero}, staticCredentials("AKIASTATIC")).Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.STS.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("call to a closed port = %v, want connection refused", err)
	}
}

// The clients reach moto's STS and ECR (the test services; testsupport.AWS fails the test with how to
// start them when they are not running).
func TestClientsMoto(t *testing.T) {
	endpoint := testsupport.AWS(t).Endpoint
	isolateAWS(t)
	c, err := NewClients(Config{Region: "eu-central-1", Endpoints: endpointsAt(endpoint)}, staticCredentials("AKIAMOTO")).Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.STS.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) == "" {
		t.Fatalf("moto GetCallerIdentity = %v, %v", id, err)
	}
	if _, err := c.ECR.DescribeRepositories(t.Context(), &awsecr.DescribeRepositoriesInput{}); err != nil {
		t.Fatalf("moto DescribeRepositories: %v", err)
	}
}
