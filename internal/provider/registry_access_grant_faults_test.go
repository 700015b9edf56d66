// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/ecrfake"
)

// moto cannot refuse a principal it has not "propagated", throttle on demand, or act as a concurrent
// writer: these tests point the provider's real ECR client at ecrfake, which injects those faults.

func TestAccRegistryAccessGrant_ECRFaults(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New(t)
	fake.CreateRepository("zenml-mirror")
	const role = "arn:aws:iam::" + ecrfake.DefaultRegistryID + ":role/created-in-this-apply"
	const other = "arn:aws:iam::" + ecrfake.DefaultRegistryID + ":role/never-propagates"
	sid := ecr.StatementID(role, registryaccess.AccessPull)
	provider := awsProviderBlock(fake.URL, ecrfake.DefaultRegion)
	grantCfg := provider + ecrGrantBlock("g", "zenml-mirror", ecrfake.DefaultRegion, role, "pull")
	hasStatement := func() error {
		doc, ok := fake.Policy("zenml-mirror")
		if !ok {
			return fmt.Errorf("no policy")
		}
		p, err := ecr.ParsePolicyDocument(doc)
		if err != nil {
			return err
		}
		if ecr.CheckStatement(p, role, registryaccess.AccessPull) != ecr.StatementCurrent {
			return fmt.Errorf("statement %s is not current in %s", sid, doc)
		}
		return nil
	}
	var setCalls int
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories("AKIAFAKE", "fake"),
		Steps: []resource.TestStep{
			{
				// A role created a moment ago: ECR refuses the policy until IAM has propagated it,
				// then throttles, then a concurrent writer drops the statement once.
				PreConfig: func() {
					fake.FailPrincipal(role, 3, ecrfake.MessagePrincipalNotFound)
					fake.Throttle(1)
					fake.RemoveStatementOnce(sid)
					setCalls = fake.Calls(ecrfake.OpSetRepositoryPolicy)
				},
				Config: grantCfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error { return hasStatement() },
					func(*terraform.State) error {
						if fake.PendingFaults() != 0 {
							return fmt.Errorf("%d injected faults were not met", fake.PendingFaults())
						}
						// 3 refused writes, the one the concurrent writer undid, and the last one.
						if got := fake.Calls(ecrfake.OpSetRepositoryPolicy) - setCalls; got != 5 {
							return fmt.Errorf("SetRepositoryPolicy was called %d times, want 5", got)
						}
						return nil
					},
				),
			},
			{
				// Credentials without the permission: not retried, and the error names the permissions needed.
				PreConfig: func() {
					fake.Deny(ecrfake.OpSetRepositoryPolicy, 1)
					setCalls = fake.Calls(ecrfake.OpSetRepositoryPolicy)
				},
				Config: grantCfg + ecrGrantBlock("denied", "zenml-mirror", ecrfake.DefaultRegion, other, "push"),
				ExpectError: regexp.MustCompile(`(?s)Registry Access Grant Failed.*AccessDeniedException.*not\s+authorized.*` +
					`credentials\s+need\s+ecr:DescribeRepositories,\s+ecr:GetRepositoryPolicy,\s+ecr:SetRepositoryPolicy\s+and\s+ecr:DeleteRepositoryPolicy`),
			},
			{
				PreConfig: func() {
					if got := fake.Calls(ecrfake.OpSetRepositoryPolicy) - setCalls; got != 1 {
						t.Errorf("SetRepositoryPolicy was called %d times for a denied grant, want 1 (no retry)", got)
					}
				},
				Config: grantCfg,
				Check:  func(*terraform.State) error { return hasStatement() },
			},
			{
				// A principal that never becomes visible: the create timeout ends the retries, and the
				// error says what to do.
				PreConfig: func() { fake.FailPrincipal(other, 1_000_000, ecrfake.MessageInvalidPolicy) },
				Config: grantCfg + `
resource "zenmlpro_registry_access_grant" "late" {
  ecr       = { repository = "zenml-mirror", region = "` + ecrfake.DefaultRegion + `" }
  principal = { aws_iam_role_arn = "` + other + `" }
  timeouts  = { create = "2s" }
}
`,
				ExpectError: regexp.MustCompile(`(?s)Principal Not Known To The Registry.*Invalid\s+repository\s+policy\s+provided.*gave\s+up\s+after\s+\d+\s+attempts.*timeouts\s+=\s+\{\s+create\s+=\s+"10m"\s+\}`),
			},
		},
	})
}
