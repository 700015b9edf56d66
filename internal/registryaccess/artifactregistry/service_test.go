// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	"google.golang.org/genproto/googleapis/type/expr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	ar "github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/arfake"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/retrytest"
)

// Google publishes no Artifact Registry emulator: these tests run the real client against arfake.

const (
	reader    = ar.RoleReader
	writer    = ar.RoleWriter
	deletedID = "123456789012345678901"
)

var (
	member = serviceAccount("zenml-pull")
	other1 = serviceAccount("other-1")
	other2 = serviceAccount("other-2")
)

// condition is a conditional binding's condition.
var condition = &expr.Expr{Title: "office hours", Expression: `request.time.getHours("Europe/Berlin") < 18`}

func mustGrantAR(t *testing.T, a *ar.Service, g ar.Grant) registryaccess.Result {
	t.Helper()
	res, err := a.Grant(context.Background(), g, timeout)
	if err != nil {
		t.Fatalf("Grant %s to %s: %v", g.Role(), g.Member, err)
	}
	return res
}

func mustRevokeAR(t *testing.T, a *ar.Service, g ar.Grant, preexisting bool) registryaccess.RevokeResult {
	t.Helper()
	res, err := a.Revoke(context.Background(), g, preexisting, timeout)
	if err != nil {
		t.Fatalf("Revoke %s from %s: %v", g.Role(), g.Member, err)
	}
	return res
}

func checkAR(t *testing.T, a *ar.Service, g ar.Grant) (registryaccess.Status, bool) {
	t.Helper()
	st, pre, err := a.Check(context.Background(), g, timeout)
	if err != nil {
		t.Fatalf("Check %s of %s: %v", g.Role(), g.Member, err)
	}
	return st, pre
}

func wantMembers(t *testing.T, f *arfake.Fake, repo ar.Repository, role string, want ...string) {
	t.Helper()
	got, ok := membersOf(f.Policy(repo.Name()), role)
	if len(want) == 0 {
		if ok {
			t.Errorf("%s binding = %v, want no such binding", role, got)
		}
		return
	}
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s members = %v, want %v", role, got, want)
	}
}

func TestARGrantAddsMember(t *testing.T) {
	t.Parallel()
	for _, access := range registryaccess.Accesses {
		t.Run(string(access), func(t *testing.T) {
			t.Parallel()
			f, c := startAR(t)
			repo := addARRepository(f, "zenml")
			// Other members of both roles, the member in a conditional binding of the role (which
			// gives no unconditional access) and in an unrelated role.
			f.PutPolicy(repo.Name(), &iampb.Policy{Version: 3, Bindings: []*iampb.Binding{
				{Role: reader, Members: []string{other1}},
				{Role: writer, Members: []string{other2}},
				{Role: ar.Role(access), Members: []string{member}, Condition: condition},
				{Role: "roles/viewer", Members: []string{member}},
			}})
			before := f.Policy(repo.Name())
			g := ar.Grant{Repository: repo, Member: member, Access: access}
			if g.Role() != ar.Role(access) {
				t.Fatalf("Role = %q", g.Role())
			}

			res := mustGrantAR(t, ar.NewService(c, retrytest.FastOptions()), g)
			if res.Adopted || res.Preexisting || res.Attempts != 1 {
				t.Errorf("Grant = %+v, want neither adopted nor preexisting, 1 attempt", res)
			}
			after := f.Policy(repo.Name())
			prev, _ := membersOf(before, g.Role())
			wantMembers(t, f, repo, g.Role(), append(prev, member)...)
			if !sameBindings(bindingsWithout(before, g.Role()), bindingsWithout(after, g.Role())) {
				t.Errorf("other bindings changed:\nbefore %v\nafter  %v", bindingsWithout(before, g.Role()), bindingsWithout(after, g.Role()))
			}
			if after.GetVersion() != 3 {
				t.Errorf("policy version = %d, want 3 (it holds a conditional binding)", after.GetVersion())
			}
			if st, pre := checkAR(t, ar.NewService(c, retrytest.FastOptions()), g); st != registryaccess.Current || pre {
				t.Errorf("Check = %v, preexisting %v; want current, false", st, pre)
			}

			// Idempotent: nothing is written the second time.
			sets, etag := f.Calls(arfake.SetIamPolicy), string(f.Etag(repo.Name()))
			res = mustGrantAR(t, ar.NewService(c, retrytest.FastOptions()), g)
			if !res.Adopted || !res.Preexisting || res.Attempts != 1 {
				t.Errorf("second Grant = %+v, want adopted and preexisting in 1 attempt", res)
			}
			if f.Calls(arfake.SetIamPolicy) != sets || string(f.Etag(repo.Name())) != etag {
				t.Errorf("the second Grant wrote the policy (%d writes before, %d after)", sets, f.Calls(arfake.SetIamPolicy))
			}
			wantMembers(t, f, repo, g.Role(), append(prev, member)...)

			// Revoke removes our member only.
			rev := mustRevokeAR(t, ar.NewService(c, retrytest.FastOptions()), g, false)
			if !rev.Removed || rev.Kept != "" || rev.AlreadyGone || rev.PolicyDeleted {
				t.Errorf("Revoke = %+v, want removed", rev)
			}
			if final := f.Policy(repo.Name()); !sameBindings(final.GetBindings(), before.GetBindings()) {
				t.Errorf("after Revoke the bindings are %v, want them as before the grant: %v", final.GetBindings(), before.GetBindings())
			}
			rev = mustRevokeAR(t, ar.NewService(c, retrytest.FastOptions()), g, false)
			if !rev.AlreadyGone || rev.Removed {
				t.Errorf("Revoke again = %+v, want already gone", rev)
			}
		})
	}
}

// The member was the only one of its binding: Revoke writes a policy without that binding.
func TestARRevokeDropsEmptyBinding(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := addARRepository(f, "zenml")
	f.PutPolicy(repo.Name(), &iampb.Policy{Bindings: []*iampb.Binding{{Role: writer, Members: []string{other1}}}})
	rec := &recordingIAM{API: c}
	a := ar.NewService(rec, retrytest.FastOptions())
	g := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
	mustGrantAR(t, a, g)
	wantMembers(t, f, repo, reader, member)

	if rev := mustRevokeAR(t, a, g, false); !rev.Removed {
		t.Fatalf("Revoke = %+v, want removed", rev)
	}
	written := rec.last()
	for _, b := range written.GetBindings() {
		if b.GetRole() == reader {
			t.Errorf("Revoke wrote a %s binding with members %v, want the binding dropped", reader, b.GetMembers())
		}
	}
	if ms, _ := membersOf(written, writer); !slices.Equal(ms, []string{other1}) {
		t.Errorf("Revoke wrote writer members %v, want [%s]", ms, other1)
	}
	wantMembers(t, f, repo, reader)
	wantMembers(t, f, repo, writer, other1)
}

// A writer that sends no etag (e.g. a policy file applied by hand) may put back the policy it read
// before the revoke: Revoke reads back, finds the member again and removes it again.
func TestARRevokeWritesAgainWhenTheMemberComesBack(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := addARRepository(f, "zenml")
	f.PutPolicy(repo.Name(), &iampb.Policy{Bindings: []*iampb.Binding{{Role: reader, Members: []string{member, other1}}}})
	restored := 0
	f.AfterWrite(func(resource string, before *iampb.Policy) {
		if restored == 0 {
			restored++
			before.Etag = nil
			f.PutPolicy(resource, before)
		}
	})
	logs := &retrytest.LogRecorder{}
	opts := retrytest.FastOptions()
	opts.Log = logs.Log
	g := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
	rev, err := ar.NewService(c, opts).Revoke(context.Background(), g, false, timeout)
	if err != nil || !rev.Removed {
		t.Fatalf("Revoke = %+v, %v", rev, err)
	}
	if restored != 1 || logs.Retries(retry.Conflict) != 1 || f.Calls(arfake.SetIamPolicy) != 2 {
		t.Errorf("restored %d times, %d conflict retries, %d writes; want 1, 1, 2", restored, logs.Retries(retry.Conflict),
			f.Calls(arfake.SetIamPolicy))
	}
	wantMembers(t, f, repo, reader, other1)
}

func TestARPreexisting(t *testing.T) {
	t.Parallel()

	// The member has repoAdmin, which includes pull and which no grant writes: a pull grant is
	// preexisting, and its revoke removes the reader membership because repoAdmin still gives the access.
	t.Run("through another role", func(t *testing.T) {
		t.Parallel()
		f, c := startAR(t)
		repo := addARRepository(f, "zenml")
		f.PutPolicy(repo.Name(), &iampb.Policy{Bindings: []*iampb.Binding{{Role: ar.RoleRepoAdmin, Members: []string{member, other1}}}})
		g := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
		if st, pre := checkAR(t, ar.NewService(c, retrytest.FastOptions()), g); st != registryaccess.Absent || !pre {
			t.Errorf("Check before the grant = %v, preexisting %v; want absent, true", st, pre)
		}
		res := mustGrantAR(t, ar.NewService(c, retrytest.FastOptions()), g)
		if !res.Preexisting || res.Adopted {
			t.Errorf("Grant = %+v, want preexisting, not adopted", res)
		}
		wantMembers(t, f, repo, reader, member)
		if st, pre := checkAR(t, ar.NewService(c, retrytest.FastOptions()), g); st != registryaccess.Current || !pre {
			t.Errorf("Check after the grant = %v, preexisting %v; want current, true", st, pre)
		}
		rev := mustRevokeAR(t, ar.NewService(c, retrytest.FastOptions()), g, res.Preexisting)
		if !rev.Removed || rev.Kept != "" {
			t.Errorf("Revoke(preexisting) = %+v, want removed (writer still gives pull)", rev)
		}
		wantMembers(t, f, repo, reader)
		wantMembers(t, f, repo, ar.RoleRepoAdmin, member, other1)
	})

	// A push grant and a pull grant of this provider for one member: the writer membership the push
	// grant wrote does not make the pull grant preexisting, so once both are revoked, in either
	// order, the member has no binding left.
	for _, order := range []string{"push revoked first", "pull revoked first"} {
		t.Run("push and pull grants, "+order, func(t *testing.T) {
			t.Parallel()
			f, c := startAR(t)
			repo := addARRepository(f, "zenml")
			svc := ar.NewService(c, retrytest.FastOptions())
			push := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPush}
			pull := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
			pushRes := mustGrantAR(t, svc, push)
			pullRes := mustGrantAR(t, svc, pull)
			if pushRes.Preexisting || pullRes.Preexisting {
				t.Fatalf("push %+v, pull %+v: want neither preexisting (all the access comes from this provider's grants)", pushRes, pullRes)
			}
			recorded := map[registryaccess.Access]bool{registryaccess.AccessPush: pushRes.Preexisting, registryaccess.AccessPull: pullRes.Preexisting}
			first, second := push, pull
			if order == "pull revoked first" {
				first, second = pull, push
			}
			if rev := mustRevokeAR(t, svc, first, recorded[first.Access]); !rev.Removed {
				t.Errorf("Revoke %s = %+v, want removed", first.Access, rev)
			}
			if rev := mustRevokeAR(t, svc, second, recorded[second.Access]); !rev.Removed || rev.Kept != "" {
				t.Errorf("Revoke %s = %+v, want removed", second.Access, rev)
			}
			wantMembers(t, f, repo, reader)
			wantMembers(t, f, repo, writer)
		})
	}

	// The member was in the reader binding already: the grant adopts it, and the revoke of a
	// preexisting grant keeps it because nothing else would give the access.
	t.Run("own membership", func(t *testing.T) {
		t.Parallel()
		f, c := startAR(t)
		repo := addARRepository(f, "zenml")
		f.PutPolicy(repo.Name(), &iampb.Policy{Bindings: []*iampb.Binding{{Role: reader, Members: []string{member, other1}}}})
		g := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
		res := mustGrantAR(t, ar.NewService(c, retrytest.FastOptions()), g)
		if !res.Preexisting || !res.Adopted {
			t.Errorf("Grant = %+v, want adopted and preexisting", res)
		}
		sets := f.Calls(arfake.SetIamPolicy)
		rev := mustRevokeAR(t, ar.NewService(c, retrytest.FastOptions()), g, true)
		if rev.Removed || rev.Kept == "" || rev.AlreadyGone {
			t.Errorf("Revoke(preexisting) = %+v, want the member kept with a reason", rev)
		}
		if !strings.Contains(rev.Kept, member) || !strings.Contains(rev.Kept, reader) {
			t.Errorf("Kept = %q, want it to name the member and the role", rev.Kept)
		}
		if f.Calls(arfake.SetIamPolicy) != sets {
			t.Error("Revoke(preexisting) that keeps the member wrote the policy")
		}
		wantMembers(t, f, repo, reader, member, other1)

		rev = mustRevokeAR(t, ar.NewService(c, retrytest.FastOptions()), g, false)
		if !rev.Removed {
			t.Errorf("Revoke(not preexisting) = %+v, want removed", rev)
		}
		wantMembers(t, f, repo, reader, other1)
	})

	// A conditional binding is not unconditional access: the grant is not preexisting.
	t.Run("conditional binding does not count", func(t *testing.T) {
		t.Parallel()
		f, c := startAR(t)
		repo := addARRepository(f, "zenml")
		f.PutPolicy(repo.Name(), &iampb.Policy{Version: 3, Bindings: []*iampb.Binding{{Role: writer, Members: []string{member}, Condition: condition}}})
		g := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
		if res := mustGrantAR(t, ar.NewService(c, retrytest.FastOptions()), g); res.Preexisting {
			t.Errorf("Grant = %+v, want not preexisting", res)
		}
	})
}

// Errors IAM answers while policies change concurrently, under load or before a new service
// account has propagated are retried; the member is there at the end.
func TestARGrantRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code codes.Code
		kind retry.Kind
	}{
		{codes.Aborted, retry.Conflict},
		{codes.FailedPrecondition, retry.Conflict},
		{codes.ResourceExhausted, retry.Throttle},
		{codes.Unavailable, retry.Throttle},
	}
	for _, tc := range cases {
		t.Run(tc.code.String(), func(t *testing.T) {
			t.Parallel()
			f, c := startAR(t)
			repo := addARRepository(f, "zenml")
			f.Fail(arfake.SetIamPolicy, tc.code, 2)
			logs := &retrytest.LogRecorder{}
			opts := retrytest.FastOptions()
			opts.Log = logs.Log
			res := mustGrantAR(t, ar.NewService(c, opts), ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull})
			if res.Attempts != 3 || f.Calls(arfake.SetIamPolicy) != 3 {
				t.Errorf("Attempts = %d, SetIamPolicy calls = %d; want 3 and 3", res.Attempts, f.Calls(arfake.SetIamPolicy))
			}
			if got := logs.Retries(tc.kind); got != 2 {
				t.Errorf("logged %d retries of kind %v, want 2", got, tc.kind)
			}
			wantMembers(t, f, repo, reader, member)
		})
	}

	t.Run("missing service account", func(t *testing.T) {
		t.Parallel()
		f, c := startAR(t)
		repo := addARRepository(f, "zenml")
		f.FailMissingServiceAccount(member, 2)
		res := mustGrantAR(t, ar.NewService(c, retrytest.FastOptions()), ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPush})
		if res.Attempts != 3 || f.Calls(arfake.SetIamPolicy) != 3 {
			t.Errorf("Attempts = %d, SetIamPolicy calls = %d; want 3 and 3", res.Attempts, f.Calls(arfake.SetIamPolicy))
		}
		wantMembers(t, f, repo, writer, member)
	})

	t.Run("reads", func(t *testing.T) {
		t.Parallel()
		f, c := startAR(t)
		repo := addARRepository(f, "zenml")
		g := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
		f.Fail(arfake.GetIamPolicy, codes.Unavailable, 2)
		if st, _ := checkAR(t, ar.NewService(c, retrytest.FastOptions()), g); st != registryaccess.Absent {
			t.Errorf("Check = %v, want absent", st)
		}
		f.Fail(arfake.GetIamPolicy, codes.ResourceExhausted, 2)
		if res := mustGrantAR(t, ar.NewService(c, retrytest.FastOptions()), g); res.Attempts != 3 {
			t.Errorf("Grant Attempts = %d, want 3", res.Attempts)
		}
		f.Fail(arfake.SetIamPolicy, codes.Aborted, 2)
		if rev := mustRevokeAR(t, ar.NewService(c, retrytest.FastOptions()), g, false); !rev.Removed {
			t.Errorf("Revoke = %+v, want removed", rev)
		}
		wantMembers(t, f, repo, reader)
	})
}

func TestARGrantGivesUpAtTheTimeout(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := addARRepository(f, "zenml")
	f.Fail(arfake.SetIamPolicy, codes.Aborted, 5000)
	res, err := ar.NewService(c, retrytest.VirtualOptions()).Grant(context.Background(),
		ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}, 50*time.Millisecond)
	var re *retry.Error
	if !errors.As(err, &re) || re.Reason != retry.StopDeadline {
		t.Fatalf("Grant error %v: want a RetryError stopped by the deadline", err)
	}
	if status.Code(err) != codes.Aborted || !strings.Contains(err.Error(), "gave up after") {
		t.Errorf("error %q (code %v): want it to say it gave up and wrap ABORTED", err, status.Code(err))
	}
	if res.Attempts < 11 || res.Attempts != f.Calls(arfake.SetIamPolicy) {
		t.Errorf("Attempts = %d, SetIamPolicy calls = %d; want at least 11 (50ms of waits of at most 5ms), one write each", res.Attempts, f.Calls(arfake.SetIamPolicy))
	}
	if re.Elapsed != 50*time.Millisecond {
		t.Errorf("gave up after %v, want exactly the 50ms timeout", re.Elapsed)
	}
	wantMembers(t, f, repo, reader)
}

func TestARPermissionDeniedFailsAtOnce(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := addARRepository(f, "zenml")
	g := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
	f.Fail(arfake.SetIamPolicy, codes.PermissionDenied, 1)
	res, err := ar.NewService(c, retrytest.FastOptions()).Grant(context.Background(), g, timeout)
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Grant: %v, want PERMISSION_DENIED", err)
	}
	if res.Attempts != 1 || f.Calls(arfake.SetIamPolicy) != 1 {
		t.Errorf("Attempts = %d, SetIamPolicy calls = %d; want 1 and 1", res.Attempts, f.Calls(arfake.SetIamPolicy))
	}
	if !strings.Contains(err.Error(), member) || strings.Contains(err.Error(), "gave up") {
		t.Errorf("error %q: want it to name the member and not speak of retries", err)
	}

	f.Fail(arfake.GetIamPolicy, codes.PermissionDenied, 1)
	reads := f.Calls(arfake.GetIamPolicy)
	if _, _, err := ar.NewService(c, retrytest.FastOptions()).Check(context.Background(), g, timeout); status.Code(err) != codes.PermissionDenied {
		t.Errorf("Check: %v, want PERMISSION_DENIED", err)
	}
	if got := f.Calls(arfake.GetIamPolicy) - reads; got != 1 {
		t.Errorf("Check made %d reads, want 1", got)
	}
}

// Someone else changes the policy between our read and our write: the write fails on the etag,
// the grant reads again, and both changes are in the policy.
func TestARConcurrentChangeIsKept(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := addARRepository(f, "zenml")
	var once sync.Once
	f.BeforeWrite(func(resource string) {
		once.Do(func() {
			f.PutPolicy(resource, &iampb.Policy{Bindings: []*iampb.Binding{
				{Role: reader, Members: []string{other1}},
				{Role: writer, Members: []string{other2}},
			}})
		})
	})
	logs := &retrytest.LogRecorder{}
	opts := retrytest.FastOptions()
	opts.Log = logs.Log
	res := mustGrantAR(t, ar.NewService(c, opts), ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull})
	if res.Attempts != 2 || f.Calls(arfake.SetIamPolicy) != 2 {
		t.Errorf("Attempts = %d, SetIamPolicy calls = %d; want 2 and 2", res.Attempts, f.Calls(arfake.SetIamPolicy))
	}
	if logs.Retries(retry.Conflict) != 1 {
		t.Errorf("logged %d conflict retries, want 1", logs.Retries(retry.Conflict))
	}
	wantMembers(t, f, repo, reader, other1, member)
	wantMembers(t, f, repo, writer, other2)
}

func TestARDeletedMember(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := addARRepository(f, "zenml")
	a := ar.NewService(c, retrytest.FastOptions())
	g := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
	f.PutPolicy(repo.Name(), &iampb.Policy{Bindings: []*iampb.Binding{{Role: reader, Members: []string{other1}}}})
	mustGrantAR(t, a, g)
	// The service account is deleted (and recreated): IAM shows the old one in its deleted form.
	f.PlantDeletedMember(repo.Name(), reader, member, deletedID)
	deleted := "deleted:" + member + "?uid=" + deletedID
	wantMembers(t, f, repo, reader, other1, deleted)

	if st, pre := checkAR(t, a, g); st != registryaccess.PrincipalReplaced || pre {
		t.Fatalf("Check = %v, preexisting %v; want principal replaced, false", st, pre)
	}
	res := mustGrantAR(t, a, g)
	if res.Adopted || res.Preexisting {
		t.Errorf("Grant = %+v, want neither adopted nor preexisting", res)
	}
	wantMembers(t, f, repo, reader, other1, member)
	if st, _ := checkAR(t, a, g); st != registryaccess.Current {
		t.Errorf("Check after the new Grant = %v, want current", st)
	}
}

func TestARRepositoryNotFound(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := ar.Repository{Project: arProject, Location: arLocation, Repository: "missing"}
	g := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
	a := ar.NewService(c, retrytest.FastOptions())

	if st, pre := checkAR(t, a, g); st != registryaccess.RepositoryGone || pre {
		t.Errorf("Check = %v, preexisting %v; want repository gone, false", st, pre)
	}
	res, err := a.Grant(context.Background(), g, timeout)
	var nf *registryaccess.RepositoryNotFoundError
	if !errors.As(err, &nf) || status.Code(err) != codes.NotFound {
		t.Fatalf("Grant: %v, want a *registryaccess.RepositoryNotFoundError wrapping NOT_FOUND", err)
	}
	if res.Attempts != 1 || !strings.Contains(err.Error(), repo.Name()) {
		t.Errorf("Grant took %d attempts with error %q; want 1 and the repository named", res.Attempts, err)
	}
	if rev := mustRevokeAR(t, a, g, false); !rev.AlreadyGone || rev.Removed {
		t.Errorf("Revoke = %+v, want already gone", rev)
	}
	if f.Calls(arfake.SetIamPolicy) != 0 {
		t.Errorf("%d SetIamPolicy calls on a missing repository, want 0", f.Calls(arfake.SetIamPolicy))
	}
}

// Twenty grants at once through one service: the repository lock serialises them, so there is
// no etag conflict at all and every member is there.
func TestARConcurrentGrantsOneService(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := addARRepository(f, "zenml")
	f.PutPolicy(repo.Name(), &iampb.Policy{Bindings: []*iampb.Binding{{Role: writer, Members: []string{other1}}}})
	a := ar.NewService(c, retrytest.FastOptions())

	const n = 20
	members := make([]string, n)
	results := make([]registryaccess.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		members[i] = serviceAccount(fmt.Sprintf("puller-%02d", i))
		wg.Go(func() {
			results[i], errs[i] = a.Grant(context.Background(), ar.Grant{Repository: repo, Member: members[i], Access: registryaccess.AccessPull}, timeout)
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || results[i].Attempts != 1 {
			t.Errorf("grant %d: %+v, %v; want success in 1 attempt", i, results[i], errs[i])
		}
	}
	if got := f.Calls(arfake.SetIamPolicy); got != n {
		t.Errorf("SetIamPolicy calls = %d, want %d (one write per grant, no conflict)", got, n)
	}
	wantMembers(t, f, repo, reader, members...)
	wantMembers(t, f, repo, writer, other1)
}

// Two services, as two Terraform processes with their own locks, grant ten members each at once:
// their writes conflict on the etag, are retried, and no member is lost. The first write is held
// until the other service has written, so at least one conflict happens.
func TestARConcurrentGrantsTwoServices(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := addARRepository(f, "zenml")
	var writes atomic.Int32
	released := make(chan struct{})
	f.BeforeWrite(func(string) {
		switch writes.Add(1) {
		case 1:
			select {
			case <-released:
			case <-time.After(timeout):
			}
		case 2:
			close(released)
		}
	})
	logs := &retrytest.LogRecorder{}
	opts := retrytest.FastOptions()
	opts.Log = logs.Log
	services := []*ar.Service{ar.NewService(c, opts), ar.NewService(c, opts)}

	const n = 20
	members := make([]string, n)
	results := make([]registryaccess.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		members[i] = serviceAccount(fmt.Sprintf("puller-%02d", i))
		a := services[i%2]
		wg.Go(func() {
			results[i], errs[i] = a.Grant(context.Background(), ar.Grant{Repository: repo, Member: members[i], Access: registryaccess.AccessPull}, timeout)
		})
	}
	wg.Wait()
	attempts := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("grant %d: %v", i, errs[i])
		}
		attempts += results[i].Attempts
	}
	if attempts <= n || logs.Retries(retry.Conflict) == 0 {
		t.Errorf("%d attempts for %d grants with %d conflict retries logged; want at least one conflict retried",
			attempts, n, logs.Retries(retry.Conflict))
	}
	wantMembers(t, f, repo, reader, members...)
}

// Checks of many grants on one repository share one read, until a grant or revoke writes.
func TestARCheckCache(t *testing.T) {
	t.Parallel()
	f, c := startAR(t)
	repo := addARRepository(f, "zenml")
	a := ar.NewService(c, retrytest.FastOptions())
	g1 := ar.Grant{Repository: repo, Member: member, Access: registryaccess.AccessPull}
	g2 := ar.Grant{Repository: repo, Member: other1, Access: registryaccess.AccessPush}

	for _, g := range []ar.Grant{g1, g2, g1} {
		if st, _ := checkAR(t, a, g); st != registryaccess.Absent {
			t.Fatalf("Check of %s = %v, want absent", g.Member, st)
		}
	}
	if got := f.Calls(arfake.GetIamPolicy); got != 1 {
		t.Errorf("three Checks on one repository made %d reads, want 1", got)
	}

	mustGrantAR(t, a, g1)
	reads := f.Calls(arfake.GetIamPolicy)
	if st, _ := checkAR(t, a, g1); st != registryaccess.Current {
		t.Errorf("Check after Grant = %v, want current (the grant must invalidate the cached read)", st)
	}
	checkAR(t, a, g2)
	if got := f.Calls(arfake.GetIamPolicy) - reads; got != 1 {
		t.Errorf("two Checks after the Grant made %d reads, want 1", got)
	}

	mustRevokeAR(t, a, g1, false)
	if st, _ := checkAR(t, a, g1); st != registryaccess.Absent {
		t.Errorf("Check after Revoke = %v, want absent (the revoke must invalidate the cached read)", st)
	}

	// A failed read is not kept.
	other := addARRepository(f, "other")
	g3 := ar.Grant{Repository: other, Member: member, Access: registryaccess.AccessPull}
	f.Fail(arfake.GetIamPolicy, codes.PermissionDenied, 1)
	if _, _, err := a.Check(context.Background(), g3, timeout); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Check: %v, want PERMISSION_DENIED", err)
	}
	if st, _ := checkAR(t, a, g3); st != registryaccess.Absent {
		t.Errorf("Check after a failed read = %v, want absent", st)
	}
}

func TestARRepositoryName(t *testing.T) {
	r := ar.Repository{Project: "p", Location: "l", Repository: "r"}
	if got, want := r.Name(), arfake.RepositoryName("p", "l", "r"); got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if got := r.String(); !strings.HasSuffix(got, "projects/p/locations/l/repositories/r") {
		t.Errorf("String = %q", got)
	}
}
