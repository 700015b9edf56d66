// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package arfake_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	artifactregistry "cloud.google.com/go/artifactregistry/apiv1"
	"cloud.google.com/go/artifactregistry/apiv1/artifactregistrypb"
	"cloud.google.com/go/iam/apiv1/iampb"
	"google.golang.org/api/option"
	"google.golang.org/genproto/googleapis/type/expr"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/arfake"
)

const (
	reader = "roles/artifactregistry.reader"
	sa1    = "serviceAccount:pull-1@my-project.iam.gserviceaccount.com"
	sa2    = "serviceAccount:pull-2@my-project.iam.gserviceaccount.com"
)

var repo = arfake.RepositoryName("my-project", "europe-west3", "zenml")

// start serves a fake with one repository and returns it with the real client dialled at it.
func start(t *testing.T) (*arfake.Fake, *artifactregistry.Client) {
	t.Helper()
	f, endpoint := arfake.Start(t)
	f.AddRepository(repo)
	c, err := artifactregistry.NewClient(t.Context(), option.WithEndpoint(endpoint), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return f, c
}

func get(t *testing.T, c *artifactregistry.Client, version int32) *iampb.Policy {
	t.Helper()
	p, err := c.GetIamPolicy(t.Context(), &iampb.GetIamPolicyRequest{Resource: repo,
		Options: &iampb.GetPolicyOptions{RequestedPolicyVersion: version}})
	if err != nil {
		t.Fatalf("GetIamPolicy: %v", err)
	}
	return p
}

func set(ctx context.Context, c *artifactregistry.Client, p *iampb.Policy) (*iampb.Policy, error) {
	return c.SetIamPolicy(ctx, &iampb.SetIamPolicyRequest{Resource: repo, Policy: p})
}

func withMember(etag []byte, members ...string) *iampb.Policy {
	return &iampb.Policy{Version: 1, Etag: etag, Bindings: []*iampb.Binding{{Role: reader, Members: members}}}
}

func wantCode(t *testing.T, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("error code = %v (%v), want %v", got, err, want)
	}
}

func TestEtagSemantics(t *testing.T) {
	f, c := start(t)
	p0 := get(t, c, 3)
	if len(p0.Etag) == 0 || len(p0.Bindings) != 0 {
		t.Fatalf("a new repository's policy = %v, want empty bindings with an etag", p0)
	}
	p1, err := set(t.Context(), c, withMember(p0.Etag, sa1))
	if err != nil {
		t.Fatalf("SetIamPolicy with the current etag: %v", err)
	}
	if string(p1.Etag) == string(p0.Etag) {
		t.Fatalf("the etag did not change on write: %q", p1.Etag)
	}
	if got := get(t, c, 3); string(got.Etag) != string(p1.Etag) || got.Bindings[0].Members[0] != sa1 {
		t.Fatalf("read after write = %v, want %s with etag %q", got, sa1, p1.Etag)
	}
	_, err = set(t.Context(), c, withMember(p0.Etag, sa2))
	wantCode(t, err, codes.FailedPrecondition)
	if got := f.Policy(repo); got.Bindings[0].Members[0] != sa1 || string(got.Etag) != string(p1.Etag) {
		t.Fatalf("a stale write changed the policy: %v", got)
	}
	p2, err := set(t.Context(), c, withMember(nil, sa2))
	if err != nil {
		t.Fatalf("SetIamPolicy without an etag: %v", err)
	}
	if p2.Bindings[0].Members[0] != sa2 || string(p2.Etag) == string(p1.Etag) {
		t.Fatalf("a write without etag did not overwrite: %v", p2)
	}
	// Bindings left without members disappear, as in IAM.
	p3, err := set(t.Context(), c, withMember(p2.Etag))
	if err != nil {
		t.Fatal(err)
	}
	if len(p3.Bindings) != 0 {
		t.Fatalf("empty binding kept: %v", p3)
	}
	if got := f.Calls(arfake.SetIamPolicy); got != 4 {
		t.Fatalf("SetIamPolicy calls = %d, want 4", got)
	}
	if got := f.Calls(arfake.GetIamPolicy); got != 2 {
		t.Fatalf("GetIamPolicy calls = %d, want 2", got)
	}
}

func TestUnknownRepository(t *testing.T) {
	_, c := start(t)
	_, err := c.GetIamPolicy(t.Context(), &iampb.GetIamPolicyRequest{Resource: arfake.RepositoryName("my-project", "europe-west3", "other")})
	wantCode(t, err, codes.NotFound)
	_, err = c.SetIamPolicy(t.Context(), &iampb.SetIamPolicyRequest{Resource: "projects/my-project/repositories/x", Policy: withMember(nil, sa1)})
	wantCode(t, err, codes.InvalidArgument)
	r, err := c.GetRepository(t.Context(), &artifactregistrypb.GetRepositoryRequest{Name: repo})
	if err != nil || r.Name != repo || r.Format != artifactregistrypb.Repository_DOCKER {
		t.Fatalf("GetRepository = %v, %v; want the Docker repository %s", r, err, repo)
	}
}

func TestInvalidPolicies(t *testing.T) {
	_, c := start(t)
	for name, p := range map[string]*iampb.Policy{
		"member without type": withMember(nil, "pull-1@my-project.iam.gserviceaccount.com"),
		"role without roles/": {Bindings: []*iampb.Binding{{Role: "artifactregistry.reader", Members: []string{sa1}}}},
		"version 2":           {Version: 2, Bindings: []*iampb.Binding{{Role: reader, Members: []string{sa1}}}},
		"condition in v1": {Version: 1, Bindings: []*iampb.Binding{{Role: reader, Members: []string{sa1},
			Condition: &expr.Expr{Expression: "request.time < timestamp('2030-01-01T00:00:00Z')"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := set(t.Context(), c, p)
			wantCode(t, err, codes.InvalidArgument)
		})
	}
}

func TestInjectedFaults(t *testing.T) {
	for _, code := range []codes.Code{codes.Aborted, codes.FailedPrecondition, codes.ResourceExhausted, codes.Unavailable, codes.InvalidArgument} {
		for _, m := range []arfake.Method{arfake.GetIamPolicy, arfake.SetIamPolicy} {
			t.Run(code.String()+"/"+string(m), func(t *testing.T) {
				f, c := start(t)
				f.Fail(m, code, 2)
				call := func() error {
					if m == arfake.GetIamPolicy {
						_, err := c.GetIamPolicy(t.Context(), &iampb.GetIamPolicyRequest{Resource: repo})
						return err
					}
					_, err := set(t.Context(), c, withMember(nil, sa1))
					return err
				}
				for i := range 2 {
					err := call()
					if status.Code(err) != code {
						t.Fatalf("call %d: code %v (%v), want %v", i+1, status.Code(err), err, code)
					}
				}
				if err := call(); err != nil {
					t.Fatalf("call 3 after 2 faults: %v", err)
				}
				if got := f.Calls(m); got != 3 {
					t.Fatalf("calls = %d, want 3 (the real client must not retry on its own)", got)
				}
			})
		}
	}
}

func TestFailMissingServiceAccount(t *testing.T) {
	f, c := start(t)
	f.FailMissingServiceAccount(sa1, 2)
	if _, err := set(t.Context(), c, withMember(nil, sa2)); err != nil {
		t.Fatalf("a write without the missing member failed: %v", err)
	}
	for i := range 2 {
		_, err := set(t.Context(), c, withMember(nil, sa2, sa1))
		wantCode(t, err, codes.InvalidArgument)
		want := "Service account pull-1@my-project.iam.gserviceaccount.com does not exist."
		if s, _ := status.FromError(err); s.Message() != want {
			t.Fatalf("write %d: message %q, want %q", i+1, s.Message(), want)
		}
	}
	p, err := set(t.Context(), c, withMember(nil, sa2, sa1))
	if err != nil || len(p.Bindings[0].Members) != 2 {
		t.Fatalf("third write = %v, %v; want both members", p, err)
	}
}

func TestPolicyVersions(t *testing.T) {
	f, c := start(t)
	cond := &expr.Expr{Title: "until 2030", Expression: "request.time < timestamp('2030-01-01T00:00:00Z')"}
	_, err := set(t.Context(), c, &iampb.Policy{Version: 3, Bindings: []*iampb.Binding{
		{Role: reader, Members: []string{sa1}},
		{Role: reader, Members: []string{sa2}, Condition: cond},
	}})
	if err != nil {
		t.Fatal(err)
	}
	v3 := get(t, c, 3)
	if v3.Version != 3 || v3.Bindings[1].Condition.GetExpression() != cond.Expression || v3.Bindings[1].Role != reader {
		t.Fatalf("version 3 read = %v, want the conditional binding", v3)
	}
	v1 := get(t, c, 1)
	if v1.Version != 1 || v1.Bindings[1].Condition != nil || !strings.HasPrefix(v1.Bindings[1].Role, reader+"_withcond_") {
		t.Fatalf("version 1 read = %v, want the conditional role as %s_withcond_HASH", v1, reader)
	}
	if v1.Bindings[0].Role != reader {
		t.Fatalf("the unconditional binding changed in a version 1 read: %v", v1.Bindings[0])
	}
	// Writing the version 1 form back is refused rather than dropping the condition.
	_, err = set(t.Context(), c, v1)
	wantCode(t, err, codes.InvalidArgument)
	if got := f.Policy(repo); got.Version != 3 || got.Bindings[1].Condition == nil {
		t.Fatalf("stored policy = %v, want version 3 with the condition", got)
	}
	_, err = c.GetIamPolicy(t.Context(), &iampb.GetIamPolicyRequest{Resource: repo, Options: &iampb.GetPolicyOptions{RequestedPolicyVersion: 2}})
	wantCode(t, err, codes.InvalidArgument)
}

func TestPlantDeletedMember(t *testing.T) {
	f, c := start(t)
	p, err := set(t.Context(), c, withMember(nil, sa1, sa2))
	if err != nil {
		t.Fatal(err)
	}
	f.PlantDeletedMember(repo, reader, sa1, "112233445566778899001")
	got := get(t, c, 3)
	want := []string{"deleted:" + sa1 + "?uid=112233445566778899001", sa2}
	if strings.Join(got.Bindings[0].Members, ",") != strings.Join(want, ",") {
		t.Fatalf("members = %v, want %v", got.Bindings[0].Members, want)
	}
	if string(got.Etag) == string(p.Etag) {
		t.Fatal("planting a deleted member did not change the etag")
	}
	f.PlantDeletedMember(repo, "roles/artifactregistry.writer", sa2, "99")
	if got := get(t, c, 3); len(got.Bindings) != 2 || got.Bindings[1].Members[0] != "deleted:"+sa2+"?uid=99" {
		t.Fatalf("planting in a new role: %v", got)
	}
}

func TestBeforeWriteHookIsAConcurrentWriter(t *testing.T) {
	f, c := start(t)
	p := get(t, c, 3)
	once := sync.Once{}
	f.BeforeWrite(func(resource string) {
		once.Do(func() { f.PutPolicy(resource, withMember(nil, sa2)) })
	})
	_, err := set(t.Context(), c, withMember(p.Etag, sa1))
	wantCode(t, err, codes.FailedPrecondition)
	p = get(t, c, 3)
	if p.Bindings[0].Members[0] != sa2 {
		t.Fatalf("policy = %v, want the concurrent writer's", p)
	}
	if _, err := set(t.Context(), c, withMember(p.Etag, sa2, sa1)); err != nil {
		t.Fatalf("retry with the fresh etag: %v", err)
	}
}

// Two read-modify-write cycles that read the same etag: exactly one write wins, the other fails with
// FAILED_PRECONDITION, and the winner's member is the one stored.
func TestConcurrentReadModifyWrite(t *testing.T) {
	f, c := start(t)
	members := []string{sa1, sa2}
	var read, wg sync.WaitGroup
	read.Add(len(members))
	errs := make([]error, len(members))
	for i, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.GetIamPolicy(t.Context(), &iampb.GetIamPolicyRequest{Resource: repo})
			read.Done()
			if err != nil {
				errs[i] = err
				return
			}
			read.Wait() // both have read the same etag before either writes
			p.Bindings = append(p.Bindings, &iampb.Binding{Role: reader, Members: []string{m}})
			_, errs[i] = set(t.Context(), c, p)
		}()
	}
	wg.Wait()
	winner := -1
	failed := 0
	for i, err := range errs {
		switch status.Code(err) {
		case codes.OK:
			winner = i
		case codes.FailedPrecondition:
			failed++
		default:
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if winner < 0 || failed != 1 {
		t.Fatalf("errors = %v, want one success and one FAILED_PRECONDITION", errs)
	}
	if got := f.Policy(repo); len(got.Bindings) != 1 || got.Bindings[0].Members[0] != members[winner] {
		t.Fatalf("stored policy = %v, want only %s", got, members[winner])
	}
}
