package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/grant"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// fastGrantBackoff keeps retried grant operations short in tests (the provider's default starts at 1s).
var fastGrantBackoff = registryaccess.Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}

// grantFactories is the in-process provider with static AWS credentials (for moto or the ECR fake)
// and a short retry backoff.
func grantFactories(accessKey, secretKey string) map[string]func() (tfprotov6.ProviderServer, error) {
	p := &zenmlproProvider{
		version:      "test",
		grantOptions: grant.Options{Backoff: fastGrantBackoff},
		awsLoadOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
			config.WithEC2IMDSClientEnableState(0),
		},
	}
	return map[string]func() (tfprotov6.ProviderServer, error){"zenmlpro": providerserver.NewProtocol6WithError(p)}
}

// awsProviderBlock is a provider block whose AWS services are all at endpoint.
func awsProviderBlock(endpoint, region string) string {
	return fmt.Sprintf(`
provider "zenmlpro" {
  aws = {
    region    = %q
    endpoints = { ecr = %q, iam = %q, sts = %q }
  }
}
`, region, endpoint, endpoint, endpoint)
}

func ecrGrantBlock(name, repo, region, roleARN, access string) string {
	return fmt.Sprintf(`
resource "zenmlpro_registry_access_grant" %q {
  ecr       = { repository = %q, region = %q }
  principal = { aws_iam_role_arn = %q }
  access    = %q
}
`, name, repo, region, roleARN, access)
}

// foreignStatement is a statement that belongs to someone else; grants must never touch it.
const foreignStatement = `{"Sid":"SomeoneElse","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"ecr:DescribeImages"}`

func policyOf(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// checkStatement checks that the repository's policy holds the grant's statement for the role with
// exactly the access's actions.
func checkStatement(aws *testsupport.AWSServer, repo, roleARN string, access registryaccess.Access) resource.TestCheckFunc {
	return func(*terraform.State) error {
		sid := registryaccess.StatementID(roleARN, access)
		st, ok := aws.PolicyStatements(repo)[sid]
		if !ok {
			return fmt.Errorf("repository %s has no statement %s", repo, sid)
		}
		if got := st.AWSPrincipals(); !slices.Equal(got, []string{roleARN}) {
			return fmt.Errorf("statement %s names %v, want %s", sid, got, roleARN)
		}
		if got, want := st.Actions(), access.ECRActions(); !slices.Equal(got, want) || st.Effect != "Allow" {
			return fmt.Errorf("statement %s = %s %v, want Allow %v", sid, st.Effect, got, want)
		}
		return nil
	}
}

// checkSids checks the exact set of statement ids of the repository's policy ("" for no policy).
func checkSids(aws *testsupport.AWSServer, repo string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := []string{}
		for sid := range aws.PolicyStatements(repo) {
			got = append(got, sid)
		}
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			return fmt.Errorf("repository %s has statements %v, want %v", repo, got, want)
		}
		return nil
	}
}

func TestAccRegistryAccessGrant_ECRLifecycle(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	repo := testsupport.UniqueName(t, "grant")
	aws.CreateRepository(repo)
	aws.SetRepositoryPolicy(repo, policyOf(foreignStatement))
	puller := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	pusher := aws.CreateRole(testsupport.UniqueName(t, "pusher"))
	account := aws.AccountID()
	pullSid := registryaccess.StatementID(puller, registryaccess.AccessPull)
	pushSid := registryaccess.StatementID(pusher, registryaccess.AccessPush)
	repoARN := fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", aws.Region, account, repo)

	both := awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("pull", repo, aws.Region, puller, "pull") +
		ecrGrantBlock("push", repo, aws.Region, pusher, "push")
	onlyPush := awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("push", repo, aws.Region, pusher, "push")
	const pull = "zenmlpro_registry_access_grant.pull"
	const push = "zenmlpro_registry_access_grant.push"

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		CheckDestroy:             checkSids(aws, repo, "SomeoneElse"),
		Steps: []resource.TestStep{
			{
				Config: both,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(pull, "id", repoARN+" pull "+puller),
					resource.TestCheckResourceAttr(pull, "ecr.registry_id", account),
					resource.TestCheckResourceAttr(pull, "statement_id", pullSid),
					resource.TestCheckResourceAttr(pull, "actions.#", "3"),
					resource.TestCheckResourceAttr(pull, "actions.1", "ecr:BatchGetImage"),
					resource.TestCheckResourceAttr(pull, "preexisting", "false"),
					resource.TestCheckNoResourceAttr(pull, "member"),
					resource.TestCheckNoResourceAttr(pull, "role"),
					resource.TestCheckResourceAttr(push, "statement_id", pushSid),
					resource.TestCheckResourceAttr(push, "actions.#", "7"),
					checkStatement(aws, repo, puller, registryaccess.AccessPull),
					checkStatement(aws, repo, pusher, registryaccess.AccessPush),
					checkSids(aws, repo, "SomeoneElse", pullSid, pushSid),
				),
			},
			{
				ResourceName:      pull,
				ImportState:       true,
				ImportStateId:     repoARN + " pull " + puller,
				ImportStateVerify: true,
			},
			{
				// The statement is removed outside Terraform: the refresh notices and the plan creates it again.
				PreConfig:          func() { aws.SetRepositoryPolicy(repo, policyOf(foreignStatement, pushStatementOf(aws, repo, pushSid))) },
				Config:             both,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: both,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkStatement(aws, repo, puller, registryaccess.AccessPull),
					checkSids(aws, repo, "SomeoneElse", pullSid, pushSid),
				),
			},
			{
				// The role was deleted and created again: ECR shows its old unique ID in place of the ARN.
				PreConfig: func() {
					aws.SetRepositoryPolicy(repo, policyOf(foreignStatement, pushStatementOf(aws, repo, pushSid),
						fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":"AROAQWERTYUIOPASDFGHJ"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]}`, pullSid)))
				},
				Config: both,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkStatement(aws, repo, puller, registryaccess.AccessPull),
					checkSids(aws, repo, "SomeoneElse", pullSid, pushSid),
				),
			},
			{
				// Removing one grant leaves the other statement and the foreign one.
				Config: onlyPush,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkSids(aws, repo, "SomeoneElse", pushSid),
					checkStatement(aws, repo, pusher, registryaccess.AccessPush),
				),
			},
		},
	})
}

// pushStatementOf returns the statement with the Sid as the repository's policy holds it now.
func pushStatementOf(aws *testsupport.AWSServer, repo, sid string) string {
	text, _ := aws.RepositoryPolicy(repo)
	doc, err := registryaccess.ParsePolicyDocument(text)
	if err != nil {
		panic(err)
	}
	st, ok := registryaccess.Find(doc, sid)
	if !ok {
		panic("no statement " + sid + " in " + text)
	}
	b, err := st.MarshalJSON()
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestAccRegistryAccessGrant_ECRDeletesEmptyPolicy(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	repo := testsupport.UniqueName(t, "grant")
	aws.CreateRepository(repo)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		CheckDestroy: func(*terraform.State) error {
			if text, exists := aws.RepositoryPolicy(repo); exists {
				return fmt.Errorf("the policy of %s is still there after destroy: %s", repo, text)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("g", repo, aws.Region, role, "pull"),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkSids(aws, repo, registryaccess.StatementID(role, registryaccess.AccessPull)),
				resource.TestCheckResourceAttr("zenmlpro_registry_access_grant.g", "preexisting", "false"),
			),
		}},
	})
}

func TestAccRegistryAccessGrant_ECRPreexistingAccessKept(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	// legacy: another statement already gives the role everything on ECR.
	legacyRepo := testsupport.UniqueName(t, "legacy")
	aws.CreateRepository(legacyRepo)
	legacy := fmt.Sprintf(`{"Sid":"Legacy","Effect":"Allow","Principal":{"AWS":%q},"Action":"ecr:*"}`, role)
	aws.SetRepositoryPolicy(legacyRepo, policyOf(legacy))
	// adopted: the grant's own statement is already there (an earlier grant whose state was lost).
	adoptedRepo := testsupport.UniqueName(t, "adopted")
	aws.CreateRepository(adoptedRepo)
	sid := registryaccess.StatementID(role, registryaccess.AccessPull)
	own := fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":%q},"Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}`, sid, role)
	aws.SetRepositoryPolicy(adoptedRepo, policyOf(foreignStatement, own))

	cfg := awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("legacy", legacyRepo, aws.Region, role, "pull") +
		ecrGrantBlock("adopted", adoptedRepo, aws.Region, role, "pull")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			// Our statement goes, the access that was there before stays.
			checkSids(aws, legacyRepo, "Legacy"),
			// The adopted statement was the only thing giving the access: it stays.
			checkSids(aws, adoptedRepo, "SomeoneElse", sid),
		),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("zenmlpro_registry_access_grant.legacy", "preexisting", "true"),
					resource.TestCheckResourceAttr("zenmlpro_registry_access_grant.adopted", "preexisting", "true"),
					checkSids(aws, legacyRepo, "Legacy", sid),
					checkSids(aws, adoptedRepo, "SomeoneElse", sid),
				),
			},
		},
	})
}

func TestAccRegistryAccessGrant_ECRTwentyInOneApply(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	repo := testsupport.UniqueName(t, "grant")
	aws.CreateRepository(repo)
	aws.SetRepositoryPolicy(repo, policyOf(foreignStatement))
	const n = 20
	roles := make([]string, n)
	sids := []string{"SomeoneElse"}
	for i := range roles {
		roles[i] = aws.CreateRole(testsupport.UniqueName(t, fmt.Sprintf("r%d", i)))
		sids = append(sids, registryaccess.StatementID(roles[i], registryaccess.AccessPull))
	}
	cfg := awsProviderBlock(aws.Endpoint, aws.Region) + fmt.Sprintf(`
locals { roles = [%s] }
resource "zenmlpro_registry_access_grant" "many" {
  count     = length(local.roles)
  ecr       = { repository = %q, region = %q }
  principal = { aws_iam_role_arn = local.roles[count.index] }
}
`, `"`+strings.Join(roles, `", "`)+`"`, repo, aws.Region)
	checks := []resource.TestCheckFunc{checkSids(aws, repo, sids...)}
	for _, r := range roles {
		checks = append(checks, checkStatement(aws, repo, r, registryaccess.AccessPull))
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		CheckDestroy:             checkSids(aws, repo, "SomeoneElse"),
		Steps:                    []resource.TestStep{{Config: cfg, Check: resource.ComposeAggregateTestCheckFunc(checks...)}},
	})
}

func TestAccRegistryAccessGrant_ECRRepositoryNotFound(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		Steps: []resource.TestStep{{
			Config:      awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("g", "no-such-repository-here", aws.Region, role, "pull"),
			ExpectError: regexp.MustCompile(`(?s)Repository Not Found.*ecr\.repository.*"no-such-repository-here".*does\s+not\s+exist.*create\s+it\s+first`),
		}},
	})
}
