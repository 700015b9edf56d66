// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/ecrfake"
)

// TestAccRegistryAccessGrant_ECRChanges: timeouts change in place; a principal change replaces the
// grant; a repository change with create_before_destroy makes the new statement before the old one
// goes; a statement changed outside Terraform (a Deny) is written again by an update the plan shows; a deleted repository drops
// the grant from the state and fails the next create.
func TestAccRegistryAccessGrant_ECRChanges(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	repo1, repo2 := testsupport.UniqueName(t, "one"), testsupport.UniqueName(t, "two")
	aws.CreateRepository(repo1)
	aws.CreateRepository(repo2)
	role1, role2 := aws.CreateRole(testsupport.UniqueName(t, "r1")), aws.CreateRole(testsupport.UniqueName(t, "r2"))
	const g = "zenmlpro_registry_access_grant.g"
	cfg := func(repo, role, extra string) string {
		return awsProviderBlock(aws.Endpoint, aws.Region) + fmt.Sprintf(`
resource "zenmlpro_registry_access_grant" "g" {
  ecr       = { repository = %q, region = %q }
  principal = { aws_iam_role_arn = %q }
%s
}
`, repo, aws.Region, role, extra)
	}
	sid := func(role string) string { return ecr.StatementID(role, registryaccess.AccessPull) }
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		Steps: []resource.TestStep{
			{Config: cfg(repo1, role1, `  timeouts = { create = "4m" }`), Check: checkSids(aws, repo1, sid(role1))},
			{
				Config: cfg(repo1, role1, `  timeouts = { create = "6m", delete = "3m" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(g, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkSids(aws, repo1, sid(role1)),
					resource.TestCheckResourceAttr(g, "timeouts.delete", "3m"),
				),
			},
			{
				// Someone turned the statement into a Deny: the refresh keeps the grant with its drift, the plan
				// shows an update that clears it, and the apply writes the grant's statement again.
				PreConfig: func() {
					aws.SetRepositoryPolicy(repo1, policyOf(fmt.Sprintf(`{"Sid":%q,"Effect":"Deny","Principal":{"AWS":%q},"Action":"ecr:BatchGetImage"}`,
						sid(role1), role1)))
				},
				Config: cfg(repo1, role1, `  timeouts = { create = "6m", delete = "3m" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(g, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(g, tfjsonpath.New("drift"), knownvalue.Null()),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkStatement(aws, repo1, role1, registryaccess.AccessPull),
					resource.TestCheckNoResourceAttr(g, "drift"),
				),
			},
			{
				Config: cfg(repo1, role2, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(g, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectKnownValue(g, tfjsonpath.New("statement_id"), knownvalue.StringExact(sid(role2))),
				}},
				Check: checkSids(aws, repo1, sid(role2)),
			},
			{
				Config: cfg(repo2, role2, "  lifecycle {\n    create_before_destroy = true\n  }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(g, plancheck.ResourceActionCreateBeforeDestroy),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(checkSids(aws, repo2, sid(role2)), checkSids(aws, repo1)),
			},
			{
				// The repository is deleted: the refresh drops the grant, and the create it plans fails.
				PreConfig:   func() { aws.DeleteRepository(repo2) },
				Config:      cfg(repo2, role2, "  lifecycle {\n    create_before_destroy = true\n  }"),
				ExpectError: regexp.MustCompile(`(?s)Repository Not Found.*` + repo2 + `.*does\s+not\s+exist`),
			},
		},
	})
}

// TestAccRegistryAccessGrant_ECRPreexistingLeftInPlace: the role had pull through another statement
// when the grant was made; that statement is removed later. Destroying the grant then leaves its own
// statement, the only thing still giving the access that was there before. An import of such a grant
// reports preexisting too.
func TestAccRegistryAccessGrant_ECRPreexistingLeftInPlace(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	repo := testsupport.UniqueName(t, "grant")
	aws.CreateRepository(repo)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	legacy := fmt.Sprintf(`{"Sid":"Legacy","Effect":"Allow","Principal":{"AWS":%q},"Action":"ecr:*"}`, role)
	aws.SetRepositoryPolicy(repo, policyOf(legacy))
	sid := ecr.StatementID(role, registryaccess.AccessPull)
	grantCfg := awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("g", repo, aws.Region, role, "pull")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		Steps: []resource.TestStep{
			{Config: grantCfg, Check: resource.TestCheckResourceAttr("zenmlpro_registry_access_grant.g", "preexisting", "true")},
			{
				ResourceName:  "zenmlpro_registry_access_grant.g",
				ImportState:   true,
				ImportStateId: fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s pull %s", aws.Region, aws.AccountID(), repo, role),
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["preexisting"] != "true" {
						return fmt.Errorf("imported states %v, want one with preexisting = true", states)
					}
					return nil
				},
			},
			{
				PreConfig: func() { aws.SetRepositoryPolicy(repo, pushStatementPolicy(aws, repo, sid)) },
				Config:    awsProviderBlock(aws.Endpoint, aws.Region),
				Check:     checkStatement(aws, repo, role, registryaccess.AccessPull),
			},
		},
	})
}

// pushStatementPolicy is a policy holding only the statement with the Sid, as the repository has it.
func pushStatementPolicy(aws *testsupport.AWSServer, repo, sid string) string {
	return policyOf(pushStatementOf(aws, repo, sid))
}

// TestAccRegistryAccessGrant_ECRReadAndDeleteTimeouts: endless throttling makes a refresh retry until
// timeouts.read runs out, with an error; a concurrent writer that keeps putting the statement back
// makes the destroy retry until timeouts.delete runs out, with an error; once they stop, the destroy
// removes the statement.
func TestAccRegistryAccessGrant_ECRReadAndDeleteTimeouts(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New(t)
	fake.CreateRepository("zenml-mirror")
	const role = "arn:aws:iam::" + ecrfake.DefaultRegistryID + ":role/puller"
	provider := awsProviderBlock(fake.URL, ecrfake.DefaultRegion)
	grantCfg := provider + `
resource "zenmlpro_registry_access_grant" "g" {
  ecr       = { repository = "zenml-mirror", region = "` + ecrfake.DefaultRegion + `" }
  principal = { aws_iam_role_arn = "` + role + `" }
  timeouts  = { delete = "2s", read = "1s" }
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories("AKIAFAKE", "fake"),
		Steps: []resource.TestStep{
			{Config: grantCfg},
			{
				PreConfig:   func() { fake.Throttle(1_000_000) },
				Config:      grantCfg,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Reading Registry Access Failed.*ThrottlingException.*gave\s+up\s+after\s+\d+\s+attempts.*timeout\s+was\s+reached`),
			},
			{
				PreConfig: func() {
					fake.ClearFaults()
					for range 1_000_000 {
						fake.RestoreOnce()
					}
				},
				Config:      provider,
				ExpectError: regexp.MustCompile(`(?s)Revoking Registry Access Failed.*put\s+it\s+back.*gave\s+up\s+after\s+\d+\s+attempts.*timeout\s+was\s+reached`),
			},
			{
				PreConfig: fake.ClearFaults,
				Config:    provider,
				Check: func(*terraform.State) error {
					if text, ok := fake.Policy("zenml-mirror"); ok {
						return fmt.Errorf("the policy is still there after the destroy: %s", text)
					}
					return nil
				},
			},
		},
	})
}

// TestAccRegistryAccessGrant_RefreshReadsEachPolicyOnce: a refresh of ten grants on one repository
// reads its policy once per provider process, not once per grant.
func TestAccRegistryAccessGrant_RefreshReadsEachPolicyOnce(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New(t)
	fake.CreateRepository("zenml-mirror")
	cfg := awsProviderBlock(fake.URL, ecrfake.DefaultRegion) + `
resource "zenmlpro_registry_access_grant" "many" {
  count     = 10
  ecr       = { repository = "zenml-mirror", region = "` + ecrfake.DefaultRegion + `", registry_id = "` + ecrfake.DefaultRegistryID + `" }
  principal = { aws_iam_role_arn = "arn:aws:iam::` + ecrfake.DefaultRegistryID + `:role/puller-${count.index}" }
}
`
	var before int
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories("AKIAFAKE", "fake"),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig:    func() { before = fake.Calls(ecrfake.OpGetRepositoryPolicy) },
				RefreshState: true,
				Check: func(*terraform.State) error {
					// One `terraform refresh` is one provider process: one read. Ten would mean one per grant.
					if got := fake.Calls(ecrfake.OpGetRepositoryPolicy) - before; got != 1 {
						return fmt.Errorf("a refresh of 10 grants read the policy %d times, want 1", got)
					}
					return nil
				},
			},
		},
	})
}
