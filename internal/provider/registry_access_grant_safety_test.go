// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// TestAccRegistryAccessGrant_ECRNeverTakesOverItsSid: a statement that merely carries the Sid the
// grant derives (a Deny of everything, an Allow with a condition, a statement for another principal)
// makes the create fail before anything is written, naming the Sid and what differs. Importing the
// grant then shows the statement being rewritten in the plan (drift known, going to null), and only
// the apply after that writes the grant's statement.
func TestAccRegistryAccessGrant_ECRNeverTakesOverItsSid(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	sid := ecr.StatementID(role, registryaccess.AccessPull)
	pullActions := `["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]`
	for _, tt := range []struct {
		name, statement, difference string
	}{
		{"deny", fmt.Sprintf(`{"Sid":%q,"Effect":"Deny","Principal":{"AWS":%q},"Action":"ecr:*"}`, sid, role), `Effect\s+is\s+"Deny"`},
		{"condition", fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":%q},"Action":%s,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`,
			sid, role, pullActions), `it\s+has\s+a\s+Condition`},
		{"other", fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:role/someone-else"},"Action":%s}`,
			sid, aws.AccountID(), pullActions), `Principal\s+is`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := testsupport.UniqueName(t, "sid")
			aws.CreateRepository(repo)
			before := policyOf(foreignStatement, tt.statement)
			aws.SetRepositoryPolicy(repo, before)
			unchanged := func() error {
				if after, _ := aws.RepositoryPolicy(repo); after != before {
					return fmt.Errorf("the policy changed:\n%s\ninto\n%s", before, after)
				}
				return nil
			}
			const g = "zenmlpro_registry_access_grant.g"
			cfg := awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("g", repo, aws.Region, role, "pull")
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
				Steps: []resource.TestStep{{
					Config: cfg,
					ExpectError: regexp.MustCompile(`(?s)Statement ID Already In Use.*` + sid + `.*` + tt.difference +
						`.*Nothing\s+was\s+written.*Remove\s+that\s+statement.*terraform\s+import`),
				}},
			})
			// An import block takes the grant over: the plan shows the statement found (drift) going to
			// null, and only the apply writes the grant's statement. (A fresh working directory: OpenTofu
			// keeps no provider selection after a first step that failed at plan.)
			imported := cfg + fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", g,
				fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s pull %s", aws.Region, aws.AccountID(), repo, role))
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
				Steps: []resource.TestStep{{
					Config: imported,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(g, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(g, tfjsonpath.New("drift"), knownvalue.Null()),
						planCheckFunc(func(p *tfjson.Plan) error {
							// The failed create wrote nothing, and the plan changes nothing either.
							for _, rc := range p.ResourceChanges {
								if rc.Address != g {
									continue
								}
								before, _ := rc.Change.Before.(map[string]any)
								if drift, _ := before["drift"].(string); !regexp.MustCompile(tt.difference).MatchString(drift) {
									return fmt.Errorf("the imported grant's drift is %q, want it to name %s", drift, tt.difference)
								}
							}
							return unchanged()
						}),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						checkStatement(aws, repo, role, registryaccess.AccessPull),
						checkSids(aws, repo, "SomeoneElse", sid),
						resource.TestCheckNoResourceAttr(g, "drift"),
					),
				}},
			})
		})
	}
}

// planCheckFunc is a plan check written as a function of the plan.
type planCheckFunc func(*tfjson.Plan) error

func (f planCheckFunc) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f(req.Plan)
}

// TestAccRegistryAccessGrant_ECRPushAndPullLeaveNothing: one role with a push grant and a pull grant
// on one repository. Access a grant of this provider wrote is never pre-existing, so removing both
// grants leaves no statement for the role: step by step (push, push and pull, pull alone, none), and
// in one apply and one destroy.
func TestAccRegistryAccessGrant_ECRPushAndPullLeaveNothing(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	role := aws.CreateRole(testsupport.UniqueName(t, "both"))
	pullSid := ecr.StatementID(role, registryaccess.AccessPull)
	pushSid := ecr.StatementID(role, registryaccess.AccessPush)
	noPolicy := func(repo string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if text, ok := aws.RepositoryPolicy(repo); ok {
				return fmt.Errorf("repository %s still has a policy: %s", repo, text)
			}
			return nil
		}
	}

	t.Run("step by step", func(t *testing.T) {
		t.Parallel()
		repo := testsupport.UniqueName(t, "steps")
		aws.CreateRepository(repo)
		provider := awsProviderBlock(aws.Endpoint, aws.Region)
		push, pull := ecrGrantBlock("push", repo, aws.Region, role, "push"), ecrGrantBlock("pull", repo, aws.Region, role, "pull")
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
			Steps: []resource.TestStep{
				{Config: provider + push, Check: checkSids(aws, repo, pushSid)},
				{
					Config: provider + push + pull,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("zenmlpro_registry_access_grant.pull", tfjsonpath.New("preexisting"), knownvalue.Bool(false)),
					},
					Check: checkSids(aws, repo, pushSid, pullSid),
				},
				{Config: provider + pull, Check: checkSids(aws, repo, pullSid)},
				{Config: provider, Check: noPolicy(repo)},
			},
		})
	})

	t.Run("one apply, one destroy", func(t *testing.T) {
		t.Parallel()
		repo := testsupport.UniqueName(t, "once")
		aws.CreateRepository(repo)
		cfg := awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("push", repo, aws.Region, role, "push") +
			ecrGrantBlock("pull", repo, aws.Region, role, "pull")
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
			CheckDestroy:             noPolicy(repo),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("zenmlpro_registry_access_grant.pull", tfjsonpath.New("preexisting"), knownvalue.Bool(false)),
						statecheck.ExpectKnownValue("zenmlpro_registry_access_grant.push", tfjsonpath.New("preexisting"), knownvalue.Bool(false)),
					},
					Check: checkSids(aws, repo, pushSid, pullSid),
				},
			},
		})
	})
}

// TestAccRegistryAccessGrant_ECRKeepsOtherStatementsByteForByte: creating and destroying a grant
// writes every other statement of the policy exactly as it was (key order, a one-item Action list,
// "<&>" in a condition, duplicated keys, whitespace), as moto stores it.
func TestAccRegistryAccessGrant_ECRKeepsOtherStatementsByteForByte(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	repo := testsupport.UniqueName(t, "bytes")
	aws.CreateRepository(repo)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	other := fmt.Sprintf(`arn:aws:iam::%s:role/ci`, aws.AccountID())
	others := []string{
		fmt.Sprintf(`{"Effect":"Allow","Sid":"EffectFirst","Principal":{"AWS":%q},"Action":["ecr:BatchGetImage"]}`, other),
		fmt.Sprintf(`{"Sid":"Tagged","Effect":"Allow","Principal":{"AWS":[%q]},"Action":"ecr:DescribeImages","Condition":{"StringLike":{"aws:PrincipalTag/team":"<ml&ops>"}}}`, other),
		fmt.Sprintf(`{"Sid":"Twice","Sid":"Twice","Effect":"Allow","Principal":{"AWS":%q},"Action":"ecr:ListImages","Action":"ecr:DescribeImages"}`, other),
		fmt.Sprintf("{ \"Sid\" : \"Spaced\",\n\t\"Effect\": \"Allow\", \"Principal\": {\"AWS\": %q}, \"Action\": [ \"ecr:ListImages\" ] }", other),
	}
	before := policyOf(others...)
	aws.SetRepositoryPolicy(repo, before)
	if stored, _ := aws.RepositoryPolicy(repo); stored != before {
		t.Fatalf("moto does not store a policy as given; this test needs it to:\n%s\n%s", before, stored)
	}
	kept := func(*terraform.State) error {
		text, _ := aws.RepositoryPolicy(repo)
		for _, o := range others {
			if !strings.Contains(text, o) {
				return fmt.Errorf("the policy lost the bytes of\n%s\nin\n%s", o, text)
			}
		}
		if strings.Contains(text, `\u003c`) || strings.Contains(text, `\u0026`) {
			return fmt.Errorf("the policy was written with HTML escapes: %s", text)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		CheckDestroy: func(s *terraform.State) error {
			if after, _ := aws.RepositoryPolicy(repo); after != before {
				return fmt.Errorf("after destroy the policy is\n%s\nwant it as it was\n%s", after, before)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("g", repo, aws.Region, role, "pull"),
				Check:  resource.ComposeAggregateTestCheckFunc(kept, checkStatement(aws, repo, role, registryaccess.AccessPull)),
			},
		},
	})
}
