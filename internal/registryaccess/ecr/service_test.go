// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/ecrfake"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/retrytest"
)

// ---- moto: the real ECR API shapes ----

type motoECR struct {
	srv     *testsupport.AWSServer
	account string
}

func newMotoECR(t *testing.T) motoECR {
	t.Helper()
	srv := testsupport.AWS(t)
	return motoECR{srv: srv, account: srv.AccountID()}
}

// service is a fresh grant service (own locks and cache), as a new provider process has.
func (m motoECR) service() *ecr.Service { return ecr.NewService(m.srv.ECR, retrytest.FastOptions()) }

// repository creates a repository with a unique name.
func (m motoECR) repository(t *testing.T) ecr.Repository {
	t.Helper()
	name := testsupport.UniqueName(t, "repo")
	m.srv.CreateRepository(name)
	return ecr.Repository{Region: m.srv.Region, RegistryID: m.account, Name: name}
}

// role creates a role with a unique name and returns its ARN.
func (m motoECR) role(t *testing.T) string {
	t.Helper()
	return m.srv.CreateRole(testsupport.UniqueName(t, "role"))
}

func mustGrantECR(t *testing.T, e *ecr.Service, g ecr.Grant) registryaccess.Result {
	t.Helper()
	res, err := e.Grant(context.Background(), g, timeout)
	if err != nil {
		t.Fatalf("Grant %s to %s: %v", g.Access, g.PrincipalARN, err)
	}
	return res
}

func mustRevokeECR(t *testing.T, e *ecr.Service, g ecr.Grant, preexisting bool) registryaccess.RevokeResult {
	t.Helper()
	res, err := e.Revoke(context.Background(), g, preexisting, timeout)
	if err != nil {
		t.Fatalf("Revoke %s from %s: %v", g.Access, g.PrincipalARN, err)
	}
	return res
}

func checkECR(t *testing.T, e *ecr.Service, g ecr.Grant) (registryaccess.Status, bool) {
	t.Helper()
	st, pre, err := e.Check(context.Background(), g, timeout)
	if err != nil {
		t.Fatalf("Check %s of %s: %v", g.Access, g.PrincipalARN, err)
	}
	return st, pre
}

// wantOwnStatement fails unless the repository policy holds the grant's statement: its Sid, Allow,
// the principal ARN and exactly the access's actions.
func wantOwnStatement(t *testing.T, sts map[string]testsupport.PolicyStatement, g ecr.Grant) {
	t.Helper()
	sid := ecr.StatementID(g.PrincipalARN, g.Access)
	st, ok := sts[sid]
	if !ok {
		t.Fatalf("no statement %s in the policy; statements: %v", sid, sts)
	}
	if st.Effect != "Allow" || !slices.Equal(st.AWSPrincipals(), []string{g.PrincipalARN}) ||
		!slices.Equal(st.Actions(), sorted(ecr.Actions(g.Access))) {
		t.Errorf("statement %s: effect %q principals %v actions %v, want Allow, [%s], %v",
			sid, st.Effect, st.AWSPrincipals(), st.Actions(), g.PrincipalARN, sorted(ecr.Actions(g.Access)))
	}
}

// sorted returns a sorted copy (ECRActions lists the push actions after the pull ones).
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestECRGrantCreatesStatement(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	for _, access := range registryaccess.Accesses {
		t.Run(string(access), func(t *testing.T) {
			repo := m.repository(t)
			g := ecr.Grant{Repository: repo, PrincipalARN: m.role(t), Access: access}
			if _, ok := m.srv.RepositoryPolicy(repo.Name); ok {
				t.Fatal("a new repository already has a policy")
			}
			res := mustGrantECR(t, m.service(), g)
			if res.Adopted || res.Preexisting || res.Attempts != 1 {
				t.Errorf("Grant on a repository without policy = %+v, want not adopted, not preexisting, 1 attempt", res)
			}
			sts := m.srv.PolicyStatements(repo.Name)
			if len(sts) != 1 {
				t.Fatalf("policy has %d statements, want 1: %v", len(sts), sts)
			}
			wantOwnStatement(t, sts, g)
			if sid := g.StatementID(); sid != ecr.StatementID(g.PrincipalARN, access) || !ecr.ValidStatementID(sid) {
				t.Errorf("StatementID = %q, want the registryaccess Sid, alphanumeric", sid)
			}
			if st, pre := checkECR(t, m.service(), g); st != registryaccess.Current || pre {
				t.Errorf("Check after Grant = %v, preexisting %v; want current, false", st, pre)
			}
		})
	}
}

func TestECRGrantIsIdempotent(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	repo := m.repository(t)
	g := ecr.Grant{Repository: repo, PrincipalARN: m.role(t), Access: registryaccess.AccessPull}
	mustGrantECR(t, m.service(), g)
	before, _ := m.srv.RepositoryPolicy(repo.Name)

	res := mustGrantECR(t, m.service(), g)
	if !res.Adopted || res.Preexisting || res.Attempts != 1 {
		t.Errorf("second Grant = %+v, want adopted, not preexisting (its own statement is not someone else's access), in 1 attempt", res)
	}
	sts := m.srv.PolicyStatements(repo.Name)
	if len(sts) != 1 {
		t.Errorf("policy has %d statements after two grants, want 1: %v", len(sts), sts)
	}
	wantOwnStatement(t, sts, g)
	if after, _ := m.srv.RepositoryPolicy(repo.Name); after != before {
		t.Errorf("the second Grant changed the policy:\nbefore %s\nafter  %s", before, after)
	}
}

func TestECRTwoGrantsAndRevokes(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	repo := m.repository(t)
	e := m.service()
	g1 := ecr.Grant{Repository: repo, PrincipalARN: m.role(t), Access: registryaccess.AccessPull}
	g2 := ecr.Grant{Repository: repo, PrincipalARN: m.role(t), Access: registryaccess.AccessPush}
	mustGrantECR(t, e, g1)
	mustGrantECR(t, e, g2)
	sts := m.srv.PolicyStatements(repo.Name)
	if len(sts) != 2 {
		t.Fatalf("policy has %d statements after two grants, want 2: %v", len(sts), sts)
	}
	wantOwnStatement(t, sts, g1)
	wantOwnStatement(t, sts, g2)

	res := mustRevokeECR(t, e, g1, false)
	if !res.Removed || res.PolicyDeleted || res.AlreadyGone || res.Kept != "" {
		t.Errorf("Revoke of the first grant = %+v, want removed, policy kept", res)
	}
	sts = m.srv.PolicyStatements(repo.Name)
	if _, ok := sts[g1.StatementID()]; ok || len(sts) != 1 {
		t.Fatalf("after revoking the first grant the policy holds %v, want only %s", sts, g2.StatementID())
	}
	wantOwnStatement(t, sts, g2)
	if st, _ := checkECR(t, e, g1); st != registryaccess.Absent {
		t.Errorf("Check of the revoked grant = %v, want absent", st)
	}

	res = mustRevokeECR(t, e, g2, false)
	if !res.Removed || !res.PolicyDeleted {
		t.Errorf("Revoke of the last grant = %+v, want removed and the policy deleted", res)
	}
	if text, ok := m.srv.RepositoryPolicy(repo.Name); ok {
		t.Errorf("the repository still has a policy after the last statement was revoked: %s", text)
	}

	res = mustRevokeECR(t, e, g2, false)
	if !res.AlreadyGone || res.Removed {
		t.Errorf("Revoke again = %+v, want already gone", res)
	}
}

// A statement of someone else already gives the role pull: the grant is preexisting, and its
// revoke removes only its own statement.
func TestECRPreexistingForeignStatement(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	repo := m.repository(t)
	role := m.role(t)
	foreign := statementJSON("ForeignPull", role, pullActions...)
	m.srv.SetRepositoryPolicy(repo.Name, policyJSON(foreign))
	g := ecr.Grant{Repository: repo, PrincipalARN: role, Access: registryaccess.AccessPull}

	if st, pre := checkECR(t, m.service(), g); st != registryaccess.Absent || !pre {
		t.Errorf("Check before the grant = %v, preexisting %v; want absent, true", st, pre)
	}
	res := mustGrantECR(t, m.service(), g)
	if !res.Preexisting || res.Adopted {
		t.Errorf("Grant = %+v, want preexisting, not adopted", res)
	}
	sts := m.srv.PolicyStatements(repo.Name)
	if len(sts) != 2 {
		t.Fatalf("policy has %d statements, want the foreign one and ours: %v", len(sts), sts)
	}
	wantOwnStatement(t, sts, g)

	rev := mustRevokeECR(t, m.service(), g, res.Preexisting)
	if !rev.Removed || rev.Kept != "" || rev.PolicyDeleted {
		t.Errorf("Revoke = %+v, want our statement removed (the foreign one still gives the access)", rev)
	}
	sts = m.srv.PolicyStatements(repo.Name)
	if _, ok := sts[g.StatementID()]; ok {
		t.Errorf("our statement is still there after Revoke: %v", sts)
	}
	if st, ok := sts["ForeignPull"]; !ok || !slices.Equal(st.AWSPrincipals(), []string{role}) || !slices.Equal(st.Actions(), pullActions) {
		t.Errorf("the foreign statement was not left as it was: %v", sts)
	}
}

// The policy already holds a statement with the grant's own Sid (an earlier grant whose state was
// lost): it is adopted but not preexisting. A revoke of a preexisting grant (other access was
// there) still keeps it when nothing else gives the access any more.
func TestECRPreexistingOwnStatementIsKept(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	repo := m.repository(t)
	role := m.role(t)
	g := ecr.Grant{Repository: repo, PrincipalARN: role, Access: registryaccess.AccessPull}
	m.srv.SetRepositoryPolicy(repo.Name, policyJSON(statementJSON(g.StatementID(), role, pullActions...)))

	res := mustGrantECR(t, m.service(), g)
	if !res.Adopted || res.Preexisting {
		t.Errorf("Grant over our own Sid = %+v, want adopted, not preexisting", res)
	}
	rev := mustRevokeECR(t, m.service(), g, true)
	if rev.Removed || rev.Kept == "" || rev.PolicyDeleted || rev.AlreadyGone {
		t.Errorf("Revoke(preexisting) = %+v, want the statement kept with a reason", rev)
	}
	if !strings.Contains(rev.Kept, g.StatementID()) || !strings.Contains(rev.Kept, role) {
		t.Errorf("Kept = %q, want it to name the statement and the principal", rev.Kept)
	}
	wantOwnStatement(t, m.srv.PolicyStatements(repo.Name), g)

	// Not preexisting: the same statement is removed, and the policy with it.
	rev = mustRevokeECR(t, m.service(), g, false)
	if !rev.Removed || !rev.PolicyDeleted {
		t.Errorf("Revoke(not preexisting) = %+v, want removed and the policy deleted", rev)
	}
}

// wantConflict checks that a Grant (a create) refuses the statement under the grant's Sid with a
// *StatementConflictError naming the Sid and the difference, and leaves the policy byte for byte.
func wantConflict(t *testing.T, m motoECR, g ecr.Grant, difference string) {
	t.Helper()
	before, _ := m.srv.RepositoryPolicy(g.Repository.Name)
	res, err := m.service().Grant(context.Background(), g, timeout)
	var conflict *ecr.StatementConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("Grant = %+v, %v; want a StatementConflictError", res, err)
	}
	if conflict.Sid != g.StatementID() || !strings.Contains(strings.Join(conflict.Differences, "; "), difference) ||
		!strings.Contains(err.Error(), g.StatementID()) || !strings.Contains(err.Error(), "Nothing was written") {
		t.Errorf("conflict = %+v (%v); want Sid %s and %q", conflict, err, g.StatementID(), difference)
	}
	if res.Attempts != 1 {
		t.Errorf("a conflict took %d attempts, want 1 (it is not retried)", res.Attempts)
	}
	if after, _ := m.srv.RepositoryPolicy(g.Repository.Name); after != before {
		t.Errorf("the refused Grant changed the policy:\n%s\ninto\n%s", before, after)
	}
}

// A create never takes over what merely carries the grant's Sid: a Deny, an Allow with a condition,
// a statement for another principal. It fails before writing.
func TestECRGrantRefusesAForeignStatementUnderItsSid(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	for _, tt := range []struct {
		name, statement, difference string
	}{
		{"a Deny of everything", `{"Sid":"%s","Effect":"Deny","Principal":{"AWS":"%s"},"Action":"ecr:*"}`, `Effect is "Deny"`},
		{"an Allow with a condition", `{"Sid":"%s","Effect":"Allow","Principal":{"AWS":"%s"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer",` +
			`"ecr:BatchCheckLayerAvailability"],"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`, "it has a Condition"},
		{"a statement for another principal", `{"Sid":"%s","Effect":"Allow","Principal":{"AWS":"%s-other"},"Action":["ecr:BatchGetImage",` +
			`"ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]}`, "Principal is"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := m.repository(t)
			role := m.role(t)
			g := ecr.Grant{Repository: repo, PrincipalARN: role, Access: registryaccess.AccessPull}
			m.srv.SetRepositoryPolicy(repo.Name, policyJSON(fmt.Sprintf(tt.statement, g.StatementID(), role)))
			wantConflict(t, m, g, tt.difference)
		})
	}
}

// A push grant and a pull grant of this provider for one role: the push statement does not make
// the pull grant preexisting, so once both are revoked, in either order, the policy is gone.
func TestECRPushAndPullGrantsLeaveNothingBehind(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	for _, order := range []string{"push revoked first", "pull revoked first"} {
		t.Run(order, func(t *testing.T) {
			t.Parallel()
			repo := m.repository(t)
			role := m.role(t)
			push := ecr.Grant{Repository: repo, PrincipalARN: role, Access: registryaccess.AccessPush}
			pull := ecr.Grant{Repository: repo, PrincipalARN: role, Access: registryaccess.AccessPull}
			pushRes := mustGrantECR(t, m.service(), push)
			pullRes := mustGrantECR(t, m.service(), pull)
			if pushRes.Preexisting || pullRes.Preexisting {
				t.Fatalf("push %+v, pull %+v: want neither preexisting", pushRes, pullRes)
			}
			recorded := map[registryaccess.Access]bool{registryaccess.AccessPush: pushRes.Preexisting, registryaccess.AccessPull: pullRes.Preexisting}
			first, second := push, pull
			if order == "pull revoked first" {
				first, second = pull, push
			}
			if rev := mustRevokeECR(t, m.service(), first, recorded[first.Access]); !rev.Removed {
				t.Errorf("Revoke %s = %+v, want removed", first.Access, rev)
			}
			if rev := mustRevokeECR(t, m.service(), second, recorded[second.Access]); !rev.Removed || !rev.PolicyDeleted || rev.Kept != "" {
				t.Errorf("Revoke %s = %+v, want removed and the policy deleted", second.Access, rev)
			}
			if text, ok := m.srv.RepositoryPolicy(repo.Name); ok {
				t.Errorf("a policy is left after both grants were revoked: %s", text)
			}
		})
	}
}

// A unique ID of a role in the form ECR shows it once the role is deleted.
const deletedRoleID = "AROAQWERTYUIOPASDFGH"

func TestECRCheckStates(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	if !ecr.IsUniqueID(deletedRoleID) {
		t.Fatalf("%s is not a unique ID", deletedRoleID)
	}

	t.Run("absent after an out-of-band removal", func(t *testing.T) {
		t.Parallel()
		repo := m.repository(t)
		g := ecr.Grant{Repository: repo, PrincipalARN: m.role(t), Access: registryaccess.AccessPull}
		other := statementJSON("Other", m.role(t), pullActions...)
		m.srv.SetRepositoryPolicy(repo.Name, policyJSON(other))
		mustGrantECR(t, m.service(), g)
		if st, _ := checkECR(t, m.service(), g); st != registryaccess.Current {
			t.Fatalf("Check after Grant = %v, want current", st)
		}
		m.srv.SetRepositoryPolicy(repo.Name, policyJSON(other))
		if st, pre := checkECR(t, m.service(), g); st != registryaccess.Absent || pre {
			t.Errorf("Check after the statement was removed = %v, preexisting %v; want absent, false", st, pre)
		}
		m.srv.DeleteRepositoryPolicy(repo.Name)
		if st, _ := checkECR(t, m.service(), g); st != registryaccess.Absent {
			t.Errorf("Check after the policy was deleted = %v, want absent", st)
		}
	})

	t.Run("principal replaced", func(t *testing.T) {
		t.Parallel()
		repo := m.repository(t)
		role := m.role(t)
		g := ecr.Grant{Repository: repo, PrincipalARN: role, Access: registryaccess.AccessPull}
		other := statementJSON("Other", m.role(t), pullActions...)
		m.srv.SetRepositoryPolicy(repo.Name, policyJSON(statementJSON(g.StatementID(), deletedRoleID, pullActions...), other))
		if st, _ := checkECR(t, m.service(), g); st != registryaccess.PrincipalReplaced {
			t.Fatalf("Check of a statement naming %s = %v, want principal replaced", deletedRoleID, st)
		}
		wantConflict(t, m, g, "AROAQWERTYUIOPASDFGH, the unique ID of a deleted IAM principal")
		res, err := m.service().Rewrite(context.Background(), g, timeout)
		if err != nil || res.Adopted || res.Preexisting {
			t.Errorf("Rewrite over a replaced principal = %+v, %v; want neither adopted nor preexisting", res, err)
		}
		sts := m.srv.PolicyStatements(repo.Name)
		if len(sts) != 2 {
			t.Errorf("policy has %d statements, want ours (rewritten) and the other: %v", len(sts), sts)
		}
		wantOwnStatement(t, sts, g)
		if _, ok := sts["Other"]; !ok {
			t.Errorf("the other statement is gone: %v", sts)
		}
		if st, _ := checkECR(t, m.service(), g); st != registryaccess.Current {
			t.Errorf("Check after the rewrite = %v, want current", st)
		}
	})

	t.Run("changed", func(t *testing.T) {
		t.Parallel()
		repo := m.repository(t)
		role := m.role(t)
		g := ecr.Grant{Repository: repo, PrincipalARN: role, Access: registryaccess.AccessPull}
		m.srv.SetRepositoryPolicy(repo.Name, policyJSON(statementJSON(g.StatementID(), role, "ecr:BatchGetImage")))
		if st, pre := checkECR(t, m.service(), g); st != registryaccess.Changed || pre {
			t.Fatalf("Check of our Sid with fewer actions = %v, preexisting %v; want changed, false", st, pre)
		}
		c, err := m.service().Inspect(context.Background(), g, timeout)
		if err != nil || c.Status != registryaccess.Changed || len(c.Differences) != 1 || !strings.Contains(c.Differences[0], `Action is "ecr:BatchGetImage"`) ||
			!strings.Contains(c.Statement, g.StatementID()) {
			t.Errorf("Inspect = %+v, %v; want changed, the Action difference and the statement", c, err)
		}
		wantConflict(t, m, g, `Action is "ecr:BatchGetImage"`)
		res, err := m.service().Rewrite(context.Background(), g, timeout)
		if err != nil || res.Adopted || res.Preexisting {
			t.Errorf("Rewrite over a changed statement = %+v, %v; want neither adopted nor preexisting", res, err)
		}
		wantOwnStatement(t, m.srv.PolicyStatements(repo.Name), g)
	})

	t.Run("repository gone", func(t *testing.T) {
		t.Parallel()
		repo := m.repository(t)
		g := ecr.Grant{Repository: repo, PrincipalARN: m.role(t), Access: registryaccess.AccessPull}
		mustGrantECR(t, m.service(), g)
		m.srv.DeleteRepository(repo.Name)
		if st, pre := checkECR(t, m.service(), g); st != registryaccess.RepositoryGone || pre {
			t.Errorf("Check of a deleted repository = %v, preexisting %v; want repository gone, false", st, pre)
		}
		rev := mustRevokeECR(t, m.service(), g, false)
		if !rev.AlreadyGone || rev.Removed {
			t.Errorf("Revoke on a deleted repository = %+v, want already gone", rev)
		}
	})
}

func TestECRResolveRegistryID(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	repo := m.repository(t)
	repo.RegistryID = ""
	id, err := m.service().ResolveRegistryID(context.Background(), repo, timeout)
	if err != nil || id != m.account {
		t.Errorf("ResolveRegistryID = %q, %v; want %q", id, err, m.account)
	}

	missing := ecr.Repository{Region: m.srv.Region, Name: testsupport.UniqueName(t, "missing")}
	id, err = m.service().ResolveRegistryID(context.Background(), missing, timeout)
	var nf *registryaccess.RepositoryNotFoundError
	if !errors.As(err, &nf) || id != "" {
		t.Fatalf("ResolveRegistryID of a missing repository = %q, %v; want a RepositoryNotFoundError", id, err)
	}
	if !strings.Contains(err.Error(), missing.Name) || apiErrorCode(err) != "RepositoryNotFoundException" {
		t.Errorf("error %q (code %q): want it to name the repository and wrap RepositoryNotFoundException", err, apiErrorCode(err))
	}
}

func TestECRGrantOnMissingRepositoryFailsAtOnce(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	missing := ecr.Repository{Region: m.srv.Region, RegistryID: m.account, Name: testsupport.UniqueName(t, "missing")}
	g := ecr.Grant{Repository: missing, PrincipalARN: m.role(t), Access: registryaccess.AccessPull}
	res, err := m.service().Grant(context.Background(), g, timeout)
	var nf *registryaccess.RepositoryNotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("Grant on a missing repository: %v, want a *registryaccess.RepositoryNotFoundError", err)
	}
	if res.Attempts != 1 {
		t.Errorf("Grant on a missing repository took %d attempts, want 1", res.Attempts)
	}
}

// Twenty grants at once through one service, as Terraform applies them in parallel: the
// repository lock serialises the read-modify-writes, so no statement is lost, and a statement
// that belongs to someone else is left as it was.
func TestECRConcurrentGrants(t *testing.T) {
	t.Parallel()
	m := newMotoECR(t)
	repo := m.repository(t)
	foreignRole := m.role(t)
	m.srv.SetRepositoryPolicy(repo.Name, policyJSON(statementJSON("Foreign", foreignRole, "ecr:BatchGetImage")))
	e := m.service()

	const n = 20
	grants := make([]ecr.Grant, n)
	for i := range grants {
		grants[i] = ecr.Grant{Repository: repo, PrincipalARN: m.role(t), Access: registryaccess.Accesses[i%2]}
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, g := range grants {
		wg.Go(func() { _, errs[i] = e.Grant(context.Background(), g, timeout) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("grant %d: %v", i, err)
		}
	}
	sts := m.srv.PolicyStatements(repo.Name)
	if len(sts) != n+1 {
		t.Errorf("policy has %d statements, want %d grants and the foreign one", len(sts), n+1)
	}
	for _, g := range grants {
		wantOwnStatement(t, sts, g)
	}
	if st, ok := sts["Foreign"]; !ok || !slices.Equal(st.AWSPrincipals(), []string{foreignRole}) ||
		!slices.Equal(st.Actions(), []string{"ecr:BatchGetImage"}) {
		t.Errorf("the foreign statement changed: %+v (present %v)", st, ok)
	}
}

// ---- ecrfake: the faults moto cannot produce ----

type fakeECR struct {
	fake *ecrfake.Server
	repo ecr.Repository
	role string
}

func newFakeECR(t *testing.T) fakeECR {
	t.Helper()
	f := ecrfake.New(t)
	f.CreateRepository("zenml/server")
	return fakeECR{
		fake: f,
		repo: ecr.Repository{Region: f.Region, RegistryID: f.RegistryID, Name: "zenml/server"},
		role: "arn:aws:iam::" + f.RegistryID + ":role/new-puller",
	}
}

func (f fakeECR) grant(access registryaccess.Access) ecr.Grant {
	return ecr.Grant{Repository: f.repo, PrincipalARN: f.role, Access: access}
}

func (f fakeECR) statements(t *testing.T) map[string]testsupport.PolicyStatement {
	t.Helper()
	text, ok := f.fake.Policy(f.repo.Name)
	if !ok {
		return map[string]testsupport.PolicyStatement{}
	}
	sts, err := testsupport.ParsePolicyStatements(text)
	if err != nil {
		t.Fatalf("stored policy %s: %v", text, err)
	}
	return sts
}

// ECR refuses a policy naming a role IAM has not propagated yet; the grant retries until it
// takes.
func TestECRGrantRetriesPropagation(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{ecrfake.MessagePrincipalNotFound, ecrfake.MessageInvalidPolicy} {
		t.Run(msg, func(t *testing.T) {
			t.Parallel()
			f := newFakeECR(t)
			f.fake.FailPrincipal(f.role, 3, msg)
			logs := &retrytest.LogRecorder{}
			opts := retrytest.FastOptions()
			opts.Log = logs.Log
			g := f.grant(registryaccess.AccessPull)
			res, err := ecr.NewService(f.fake.Client(), opts).Grant(context.Background(), g, timeout)
			if err != nil {
				t.Fatalf("Grant: %v", err)
			}
			if res.Attempts != 4 {
				t.Errorf("Attempts = %d, want 4 (3 refused writes, then one that takes)", res.Attempts)
			}
			if got := f.fake.Calls(ecrfake.OpSetRepositoryPolicy); got != 4 {
				t.Errorf("SetRepositoryPolicy calls = %d, want 4", got)
			}
			if got := logs.Retries(retry.Propagation); got != 3 {
				t.Errorf("logged %d propagation retries, want 3", got)
			}
			if f.fake.PendingFaults() != 0 {
				t.Errorf("%d injected faults were not met", f.fake.PendingFaults())
			}
			wantOwnStatement(t, f.statements(t), g)
		})
	}
}

func TestECRGrantGivesUpAtTheTimeout(t *testing.T) {
	t.Parallel()
	f := newFakeECR(t)
	f.fake.FailPrincipal(f.role, 1_000_000, ecrfake.MessagePrincipalNotFound)
	g := f.grant(registryaccess.AccessPull)
	res, err := ecr.NewService(f.fake.Client(), retrytest.VirtualOptions()).Grant(context.Background(), g, 50*time.Millisecond)
	if err == nil {
		t.Fatal("Grant succeeded although every write was refused")
	}
	var re *retry.Error
	if !errors.As(err, &re) || re.Reason != retry.StopDeadline || re.Kind != retry.Propagation {
		t.Fatalf("Grant error %v: want a RetryError stopped by the deadline on IAM propagation", err)
	}
	if !strings.Contains(err.Error(), "gave up after") || !strings.Contains(err.Error(), f.role) {
		t.Errorf("error %q: want it to say it gave up and name the principal", err)
	}
	if apiErrorCode(err) != ecrfake.CodeInvalidParameter || !strings.Contains(err.Error(), "Principal not found") {
		t.Errorf("error %q (code %q): want it to wrap ECR's InvalidParameterException", err, apiErrorCode(err))
	}
	if res.Attempts < 11 || res.Attempts != f.fake.Calls(ecrfake.OpSetRepositoryPolicy) {
		t.Errorf("Attempts = %d, SetRepositoryPolicy calls = %d: want at least 11 (50ms of waits of at most 5ms), one write each",
			res.Attempts, f.fake.Calls(ecrfake.OpSetRepositoryPolicy))
	}
	if re.Elapsed != 50*time.Millisecond {
		t.Errorf("gave up after %v, want exactly the 50ms timeout", re.Elapsed)
	}
	if _, ok := f.fake.Policy(f.repo.Name); ok {
		t.Error("a policy was stored although every write was refused")
	}
}

func TestECRGrantRetriesThrottling(t *testing.T) {
	t.Parallel()
	f := newFakeECR(t)
	f.fake.Throttle(3)
	g := f.grant(registryaccess.AccessPush)
	res, err := ecr.NewService(f.fake.Client(), retrytest.FastOptions()).Grant(context.Background(), g, timeout)
	if err != nil {
		t.Fatalf("Grant: %v", err)
	}
	// Every attempt starts with a read, so the three throttled calls are three reads.
	if res.Attempts != 4 || f.fake.Calls(ecrfake.OpGetRepositoryPolicy) != 3+2 {
		t.Errorf("Attempts = %d, GetRepositoryPolicy calls = %d; want 4 attempts and 5 reads (3 throttled, read and read-back)",
			res.Attempts, f.fake.Calls(ecrfake.OpGetRepositoryPolicy))
	}
	wantOwnStatement(t, f.statements(t), g)

	// Check and Revoke retry throttling too.
	f.fake.Throttle(2)
	st, _, err := ecr.NewService(f.fake.Client(), retrytest.FastOptions()).Check(context.Background(), g, timeout)
	if err != nil || st != registryaccess.Current {
		t.Errorf("throttled Check = %v, %v; want current", st, err)
	}
	f.fake.Throttle(2)
	rev, err := ecr.NewService(f.fake.Client(), retrytest.FastOptions()).Revoke(context.Background(), g, false, timeout)
	if err != nil || !rev.Removed || !rev.PolicyDeleted {
		t.Errorf("throttled Revoke = %+v, %v; want removed and the policy deleted", rev, err)
	}
	if f.fake.PendingFaults() != 0 {
		t.Errorf("%d throttles were not met", f.fake.PendingFaults())
	}
}

// A concurrent writer drops our statement right after our write: the read-back sees it missing and
// the grant writes again.
func TestECRGrantWritesAgainWhenTheStatementIsLost(t *testing.T) {
	t.Parallel()
	f := newFakeECR(t)
	other := statementJSON("Other", "arn:aws:iam::123456789012:role/other", pullActions...)
	f.fake.PutPolicy(f.repo.Name, policyJSON(other))
	g := f.grant(registryaccess.AccessPull)
	f.fake.RemoveStatementOnce(g.StatementID())
	logs := &retrytest.LogRecorder{}
	opts := retrytest.FastOptions()
	opts.Log = logs.Log
	res, err := ecr.NewService(f.fake.Client(), opts).Grant(context.Background(), g, timeout)
	if err != nil {
		t.Fatalf("Grant: %v", err)
	}
	if res.Attempts != 2 || f.fake.Calls(ecrfake.OpSetRepositoryPolicy) != 2 {
		t.Errorf("Attempts = %d, SetRepositoryPolicy calls = %d; want 2 and 2", res.Attempts, f.fake.Calls(ecrfake.OpSetRepositoryPolicy))
	}
	if logs.Retries(retry.Conflict) != 1 {
		t.Errorf("logged %d conflict retries, want 1", logs.Retries(retry.Conflict))
	}
	sts := f.statements(t)
	wantOwnStatement(t, sts, g)
	if _, ok := sts["Other"]; !ok || len(sts) != 2 {
		t.Errorf("policy = %v, want ours and Other", sts)
	}
}

// ECR has no conditional writes: a writer that read the policy before a revoke and writes it back
// after it would bring the statement back. Revoke reads back and removes it again, whether the
// policy was written (another statement stays) or deleted (ours was the last).
func TestECRRevokeWritesAgainWhenTheStatementComesBack(t *testing.T) {
	t.Parallel()
	for _, withOther := range []bool{true, false} {
		t.Run(fmt.Sprintf("other statement %t", withOther), func(t *testing.T) {
			t.Parallel()
			f := newFakeECR(t)
			g := f.grant(registryaccess.AccessPull)
			statements := []string{statementJSON(g.StatementID(), g.PrincipalARN, pullActions...)}
			if withOther {
				statements = append(statements, statementJSON("Other", "arn:aws:iam::123456789012:role/other", pullActions...))
			}
			f.fake.PutPolicy(f.repo.Name, policyJSON(statements...))
			f.fake.RestoreOnce()
			logs := &retrytest.LogRecorder{}
			opts := retrytest.FastOptions()
			opts.Log = logs.Log
			res, err := ecr.NewService(f.fake.Client(), opts).Revoke(context.Background(), g, false, timeout)
			if err != nil || !res.Removed {
				t.Fatalf("Revoke = %+v, %v", res, err)
			}
			if f.fake.PendingFaults() != 0 || logs.Retries(retry.Conflict) != 1 {
				t.Errorf("the restore did not happen (%d pending) or was not retried as a conflict (%d retries)",
					f.fake.PendingFaults(), logs.Retries(retry.Conflict))
			}
			sts := f.statements(t)
			if _, ok := sts[g.StatementID()]; ok {
				t.Errorf("the statement is back after Revoke: %v", sts)
			}
			if _, ok := sts["Other"]; ok != withOther {
				t.Errorf("policy = %v after Revoke, other statement expected: %t", sts, withOther)
			}
		})
	}
}

// Errors that are not propagation, throttling or a lost statement fail at once.
func TestECRPermanentErrorsFailAtOnce(t *testing.T) {
	t.Parallel()

	t.Run("unsigned request", func(t *testing.T) {
		t.Parallel()
		f := newFakeECR(t)
		cfg := f.fake.Config()
		cfg.Credentials = aws.AnonymousCredentials{}
		res, err := ecr.NewService(awsecr.NewFromConfig(cfg), retrytest.FastOptions()).Grant(context.Background(), f.grant(registryaccess.AccessPull), timeout)
		if err == nil || apiErrorCode(err) != ecrfake.CodeMissingAuthentication {
			t.Fatalf("Grant without credentials: %v, want %s", err, ecrfake.CodeMissingAuthentication)
		}
		if res.Attempts != 1 || f.fake.Calls(ecrfake.OpGetRepositoryPolicy) != 1 {
			t.Errorf("Attempts = %d, reads = %d; want 1 and 1", res.Attempts, f.fake.Calls(ecrfake.OpGetRepositoryPolicy))
		}
		if strings.Contains(err.Error(), "gave up") {
			t.Errorf("error %q speaks of giving up after retries", err)
		}
	})

	t.Run("unreadable policy", func(t *testing.T) {
		t.Parallel()
		f := newFakeECR(t)
		f.fake.PutPolicy(f.repo.Name, `{"Version":"2012-10-17","Statement":`)
		res, err := ecr.NewService(f.fake.Client(), retrytest.FastOptions()).Grant(context.Background(), f.grant(registryaccess.AccessPull), timeout)
		if err == nil || !strings.Contains(err.Error(), "cannot be read") {
			t.Fatalf("Grant over an unreadable policy: %v, want an error saying the policy cannot be read", err)
		}
		if res.Attempts != 1 || f.fake.Calls(ecrfake.OpSetRepositoryPolicy) != 0 {
			t.Errorf("Attempts = %d, writes = %d; want 1 and 0", res.Attempts, f.fake.Calls(ecrfake.OpSetRepositoryPolicy))
		}
	})

	t.Run("invalid parameter not about a principal", func(t *testing.T) {
		t.Parallel()
		f := newFakeECR(t)
		// An empty repository name is refused with an InvalidParameterException that does not
		// speak of a policy or principal.
		g := f.grant(registryaccess.AccessPull)
		g.Repository.Name = ""
		res, err := ecr.NewService(f.fake.Client(), retrytest.FastOptions()).Grant(context.Background(), g, timeout)
		if err == nil || apiErrorCode(err) != ecrfake.CodeInvalidParameter {
			t.Fatalf("Grant with an empty repository name: %v, want %s", err, ecrfake.CodeInvalidParameter)
		}
		if res.Attempts != 1 {
			t.Errorf("Attempts = %d, want 1", res.Attempts)
		}
	})
}

// Checks of many grants on one repository share one read, until a grant writes.
func TestECRCheckCache(t *testing.T) {
	t.Parallel()
	f := newFakeECR(t)
	e := ecr.NewService(f.fake.Client(), retrytest.FastOptions())
	g1 := f.grant(registryaccess.AccessPull)
	g2 := ecr.Grant{Repository: f.repo, PrincipalARN: "arn:aws:iam::123456789012:role/other", Access: registryaccess.AccessPush}

	for _, g := range []ecr.Grant{g1, g2, g1} {
		if st, _ := checkECR(t, e, g); st != registryaccess.Absent {
			t.Fatalf("Check of %s = %v, want absent", g.PrincipalARN, st)
		}
	}
	if got := f.fake.Calls(ecrfake.OpGetRepositoryPolicy); got != 1 {
		t.Errorf("three Checks on one repository made %d reads, want 1", got)
	}

	mustGrantECR(t, e, g1)
	reads := f.fake.Calls(ecrfake.OpGetRepositoryPolicy)
	if st, _ := checkECR(t, e, g1); st != registryaccess.Current {
		t.Errorf("Check after Grant = %v, want current (the grant must invalidate the cached read)", st)
	}
	if st, _ := checkECR(t, e, g2); st != registryaccess.Absent {
		t.Errorf("Check of the other grant = %v, want absent", st)
	}
	if got := f.fake.Calls(ecrfake.OpGetRepositoryPolicy) - reads; got != 1 {
		t.Errorf("two Checks after the Grant made %d reads, want 1", got)
	}

	mustRevokeECR(t, e, g1, false)
	if st, _ := checkECR(t, e, g1); st != registryaccess.Absent {
		t.Errorf("Check after Revoke = %v, want absent (the revoke must invalidate the cached read)", st)
	}

	// Another repository has its own entry.
	f.fake.CreateRepository("zenml/other")
	g3 := g1
	g3.Repository.Name = "zenml/other"
	reads = f.fake.Calls(ecrfake.OpGetRepositoryPolicy)
	checkECR(t, e, g3)
	if got := f.fake.Calls(ecrfake.OpGetRepositoryPolicy) - reads; got != 1 {
		t.Errorf("Check of another repository made %d reads, want 1", got)
	}
}

func TestStatusString(t *testing.T) {
	want := map[registryaccess.Status]string{
		registryaccess.Current: "current", registryaccess.Absent: "absent", registryaccess.PrincipalReplaced: "principal replaced",
		registryaccess.Changed: "changed", registryaccess.RepositoryGone: "repository gone", registryaccess.Status(99): "unknown",
	}
	for s, w := range want {
		if got := s.String(); got != w {
			t.Errorf("Status(%d).String() = %q, want %q", int(s), got, w)
		}
	}
}

func TestECRRepositoryNames(t *testing.T) {
	for region, want := range map[string]string{"eu-west-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
		if got := ecr.PartitionOfRegion(region); got != want {
			t.Errorf("PartitionOfRegion(%s) = %q, want %q", region, got, want)
		}
	}
	r := ecr.Repository{Region: "cn-north-1", RegistryID: "123456789012", Name: "a/b"}
	if got, want := r.ARN(), "arn:aws-cn:ecr:cn-north-1:123456789012:repository/a/b"; got != want {
		t.Errorf("ARN = %q, want %q", got, want)
	}
	if s := fmt.Sprint(r); !strings.Contains(s, `"a/b"`) || !strings.Contains(s, "123456789012") {
		t.Errorf("String = %q, want the name and registry", s)
	}
}

// ECR refuses a repository policy over 10,240 characters; the grant says so before writing, with
// what to do, and leaves the policy as it was. With room for its statement, the grant takes.
func TestECRGrantPolicyTooLarge(t *testing.T) {
	t.Parallel()
	f := newFakeECR(t)
	g := f.grant(registryaccess.AccessPull)
	// length is the policy's length as the grant writes it (canonical JSON), with its own statement.
	length := func(statements []string, withOwn bool) int {
		doc, err := ecr.ParsePolicyDocument(policyJSON(statements...))
		if err != nil {
			t.Fatal(err)
		}
		if withOwn {
			doc = ecr.Upsert(doc, ecr.NewStatement(g.PrincipalARN, g.Access))
		}
		return len(doc.String())
	}
	// Foreign statements up to the limit: they fit, the grant's statement does not.
	var foreign []string
	for i := 0; ; i++ {
		next := append(slices.Clone(foreign), statementJSON(fmt.Sprintf("Team%03d", i),
			fmt.Sprintf("arn:aws:iam::%s:role/team-%03d-ci", f.fake.RegistryID, i), "ecr:BatchGetImage"))
		if length(next, false) > ecr.MaxPolicyLength {
			break
		}
		foreign = next
	}
	if length(foreign, true) <= ecr.MaxPolicyLength {
		t.Fatalf("the grant's statement still fits into %d characters of foreign statements", length(foreign, false))
	}
	full := policyJSON(foreign...)
	f.fake.PutPolicy(f.repo.Name, full)
	writesBefore := f.fake.Calls(ecrfake.OpSetRepositoryPolicy)

	res, err := ecr.NewService(f.fake.Client(), retrytest.FastOptions()).Grant(context.Background(), g, timeout)
	var tooLarge *ecr.PolicyTooLargeError
	if !errors.As(err, &tooLarge) {
		t.Fatalf("Grant on a full policy: %v, want a *ecr.PolicyTooLargeError", err)
	}
	if tooLarge.Length != length(foreign, true) || tooLarge.Statements != len(foreign)+1 {
		t.Errorf("PolicyTooLargeError %+v: want length %d and %d statements", tooLarge, length(foreign, true), len(foreign)+1)
	}
	for _, want := range []string{"10240", "share one IAM role", f.repo.Name, g.PrincipalARN} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if res.Attempts != 1 || f.fake.Calls(ecrfake.OpSetRepositoryPolicy) != writesBefore {
		t.Errorf("Attempts = %d, writes = %d: want one attempt and no write", res.Attempts, f.fake.Calls(ecrfake.OpSetRepositoryPolicy)-writesBefore)
	}
	if text, _ := f.fake.Policy(f.repo.Name); text != full {
		t.Error("the policy changed although the grant did not fit")
	}

	// Foreign statements removed until the grant's fits exactly or just under: it takes.
	for length(foreign, true) > ecr.MaxPolicyLength {
		foreign = foreign[1:]
	}
	f.fake.PutPolicy(f.repo.Name, policyJSON(foreign...))
	if _, err := ecr.NewService(f.fake.Client(), retrytest.FastOptions()).Grant(context.Background(), g, timeout); err != nil {
		t.Fatalf("Grant with room for the statement: %v", err)
	}
	wantOwnStatement(t, f.statements(t), g)
}

// A network that drops an answer after the call took effect (a fake's fault: ECR and moto cannot
// be made to do it): the grant reads again, finds the statement it wrote and succeeds without
// writing twice or calling it adopted; a read cut short is read again; the revoke reports the
// statement removed and the policy deleted, not "already gone".
func TestECRRetriesResponsesCutShort(t *testing.T) {
	t.Parallel()
	f := newFakeECR(t)
	svc := ecr.NewService(f.fake.Client(), retrytest.FastOptions())
	g := f.grant(registryaccess.AccessPull)

	f.fake.CutResponses(ecrfake.OpSetRepositoryPolicy, 1)
	res, err := svc.Grant(context.Background(), g, timeout)
	if err != nil {
		t.Fatalf("Grant with its write's answer cut short: %v", err)
	}
	if res.Attempts != 2 || res.Adopted || res.Preexisting || f.fake.Calls(ecrfake.OpSetRepositoryPolicy) != 1 {
		t.Errorf("Grant = %+v after %d writes; want 2 attempts, one write, neither adopted nor preexisting",
			res, f.fake.Calls(ecrfake.OpSetRepositoryPolicy))
	}
	wantOwnStatement(t, f.statements(t), g)

	f.fake.CutResponses(ecrfake.OpGetRepositoryPolicy, 1)
	if st, _, err := svc.Check(context.Background(), g, timeout); err != nil || st != registryaccess.Current {
		t.Errorf("Check with a read cut short = %v, %v; want current", st, err)
	}

	f.fake.CutResponses(ecrfake.OpDeleteRepositoryPolicy, 1)
	rev, err := svc.Revoke(context.Background(), g, false, timeout)
	if err != nil || !rev.Removed || !rev.PolicyDeleted || rev.AlreadyGone {
		t.Errorf("Revoke with the delete's answer cut short = %+v, %v; want removed and the policy deleted", rev, err)
	}
	if _, ok := f.fake.Policy(f.repo.Name); ok {
		t.Error("the policy is still there after the revoke")
	}
	if f.fake.PendingFaults() != 0 {
		t.Errorf("%d cut answers were not met", f.fake.PendingFaults())
	}
}
