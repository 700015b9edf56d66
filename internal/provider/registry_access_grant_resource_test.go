// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

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
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// fastGrantBackoff keeps retried grant operations short in tests (the provider's default starts at 1s).
var fastGrantBackoff = retry.Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}

// grantFactories is the in-process provider with static AWS credentials (for moto or the ECR fake)
// and a short retry backoff.
func grantFactories(accessKey, secretKey string) map[string]func() (tfprotov6.ProviderServer, error) {
	p := &zenmlproProvider{
		version:      "test",
		grantOptions: registryaccess.Options{Backoff: fastGrantBackoff},
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
    endpoints = { ecr = %q, sts = %q }
  }
}
`, region, endpoint, endpoint)
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
		sid := ecr.StatementID(roleARN, access)
		st, ok := aws.PolicyStatements(repo)[sid]
		if !ok {
			return fmt.Errorf("repository %s has no statement %s", repo, sid)
		}
		if got := st.AWSPrincipals(); !slices.Equal(got, []string{roleARN}) {
			return fmt.Errorf("statement %s names %v, want %s", sid, got, roleARN)
		}
		if got, want := st.Actions(), ecr.Actions(access); !slices.Equal(got, want) || st.Effect != "Allow" {
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
	pullSid := ecr.StatementID(puller, registryaccess.AccessPull)
	pushSid := ecr.StatementID(pusher, registryaccess.AccessPush)
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
				ResourceName:  pull,
				ImportState:   true,
				ImportStateId: repoARN + "/pull/" + puller,
				ExpectError:   regexp.MustCompile(`(?s)Invalid Import ID.*three\s+parts\s+separated\s+by\s+single\s+spaces`),
			},
			{
				// No push statement for this role: the import finds nothing and says so.
				ResourceName:  pull,
				ImportState:   true,
				ImportStateId: repoARN + " push " + puller,
				ExpectError:   regexp.MustCompile(`(?s)Cannot Import Registry Access.*no\s+statement\s+` + ecr.StatementID(puller, registryaccess.AccessPush) + `.*Only\s+a\s+grant\s+that\s+exists\s+can\s+be\s+imported`),
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
				// The same statement written differently (actions reordered and in other case, the
				// principal as a list, no Version change): compared semantically, the plan stays empty.
				PreConfig: func() {
					aws.SetRepositoryPolicy(repo, policyOf(pushStatementOf(aws, repo, pushSid), foreignStatement,
						fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":[%q]},"Action":["ECR:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability","ecr:batchgetimage"]}`, pullSid, puller)))
				},
				Config:   both,
				PlanOnly: true,
			},
			{
				// Changing the access replaces the grant: the pull statement goes, a push statement comes,
				// and the plan already shows the new statement id and actions.
				Config: awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("pull", repo, aws.Region, puller, "push") +
					ecrGrantBlock("push", repo, aws.Region, pusher, "push"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pull, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction(push, plancheck.ResourceActionNoop),
					plancheck.ExpectKnownValue(pull, tfjsonpath.New("statement_id"),
						knownvalue.StringExact(ecr.StatementID(puller, registryaccess.AccessPush))),
					plancheck.ExpectUnknownValue(pull, tfjsonpath.New("preexisting")),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkSids(aws, repo, "SomeoneElse", pushSid, ecr.StatementID(puller, registryaccess.AccessPush)),
					checkStatement(aws, repo, puller, registryaccess.AccessPush),
					resource.TestCheckResourceAttr(pull, "actions.#", "7"),
					resource.TestCheckResourceAttr(pull, "id", repoARN+" push "+puller),
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
	doc, err := ecr.ParsePolicyDocument(text)
	if err != nil {
		panic(err)
	}
	st, ok := ecr.Find(doc, sid)
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
				checkSids(aws, repo, ecr.StatementID(role, registryaccess.AccessPull)),
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
	// adopted: the grant's own statement is already there (an earlier create whose state was lost).
	adoptedRepo := testsupport.UniqueName(t, "adopted")
	aws.CreateRepository(adoptedRepo)
	sid := ecr.StatementID(role, registryaccess.AccessPull)
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
			// The adopted statement carries the grant's own Sid: it was a grant's, and goes.
			checkSids(aws, adoptedRepo, "SomeoneElse"),
		),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("zenmlpro_registry_access_grant.legacy", "preexisting", "true"),
					resource.TestCheckResourceAttr("zenmlpro_registry_access_grant.adopted", "preexisting", "false"),
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
		sids = append(sids, ecr.StatementID(roles[i], registryaccess.AccessPull))
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

// A repository policy already near ECR's 10,240-character limit: the grant fails with what to do and
// writes nothing (moto does not enforce the limit; the provider checks before the write, as ECR
// would refuse it).
func TestAccRegistryAccessGrant_ECRPolicyTooLarge(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	repo := testsupport.UniqueName(t, "full")
	aws.CreateRepository(repo)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	var statements []string
	policy := ""
	for i := 0; len(policy) < ecr.MaxPolicyLength-150; i++ {
		statements = append(statements, fmt.Sprintf(`{"Sid":"Team%03d","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:role/team-%03d"},"Action":"ecr:BatchGetImage"}`,
			i, aws.AccountID(), i))
		policy = `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
	}
	aws.SetRepositoryPolicy(repo, policy)
	before := aws.PolicyStatements(repo)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		Steps: []resource.TestStep{{
			Config:      awsProviderBlock(aws.Endpoint, aws.Region) + ecrGrantBlock("g", repo, aws.Region, role, "pull"),
			ExpectError: regexp.MustCompile(`(?s)Repository Policy Too Large.*ecr\.repository.*over\s+ECR's\s+limit\s+of\s+10240.*share\s+one\s+IAM\s+role.*Nothing\s+was\s+written`),
		}},
	})
	if after := aws.PolicyStatements(repo); len(after) != len(before) {
		t.Errorf("the policy has %d statements after the failed grant, want the %d it had", len(after), len(before))
	}
}

func TestAccRegistryAccessGrant_Validation(t *testing.T) {
	t.Parallel()
	const role = `arn:aws:iam::123456789012:role/zenml-pull`
	const sa = `zenml-pull@my-project.iam.gserviceaccount.com`
	step := func(body, want string) resource.TestStep {
		return resource.TestStep{
			Config:      "resource \"zenmlpro_registry_access_grant\" \"g\" {\n" + body + "\n}\n",
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(want),
		}
	}
	ecr := `ecr = { repository = "zenml-mirror", region = "eu-central-1" }` + "\n"
	ar := `artifact_registry = { project = "my-project", location = "europe-west3", repository = "zenml-mirror" }` + "\n"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step(ecr+ar+`principal = { aws_iam_role_arn = "`+role+`" }`, `(?s)Conflicting Registries.*exactly\s+one\s+of\s+ecr\s+and\s+artifact_registry.*repository\s+=\s+"zenml-pro-server"`),
			step(`principal = { aws_iam_role_arn = "`+role+`" }`, `(?s)Missing Registry.*exactly\s+one\s+of\s+ecr\s+and\s+artifact_registry`),
			step(ecr+`principal = { gcp_service_account = "`+sa+`" }`, `(?s)Principal Does Not Fit Registry.*ECR\s+repository\s+policy\s+grants\s+access\s+to\s+AWS\s+principals.*aws_iam_role_arn`),
			step(ar+`principal = { aws_iam_role_arn = "`+role+`" }`, `(?s)Principal Does Not Fit Registry.*Artifact\s+Registry.*gcp_service_account.*gke_workload_identity`),
			step(ecr+`principal = { aws_iam_role_arn = "`+role+`", gcp_service_account = "`+sa+`" }`, `(?s)Invalid Principal.*principal:\s+set\s+exactly\s+one\s+of.*aws_iam_role_arn\s+and\s+gcp_service_account\s+are\s+set.*aws_iam_role_arn\s+=\s+"arn:aws:iam::`),
			step(ecr+`principal = {}`, `(?s)Invalid Principal.*principal:\s+set\s+exactly\s+one\s+of.*none\s+is\s+set.*aws_iam_role_arn\s+=\s+"arn:aws:iam::`),
			step(`ecr = { repository = "zenml-mirror", region = "cn-north-1" }`+"\n"+`principal = { aws_iam_role_arn = "`+role+`" }`,
				`(?s)Partition Mismatch.*principal\.aws_iam_role_arn.*partition\s+aws\s+but\s+region\s+cn-north-1\s+is\s+in\s+partition\s+aws-cn.*arn:aws-cn:iam::`),
			step(ecr+`principal = { aws_iam_role_arn = "arn:aws:iam::123456789012:instance-profile/web" }`, `(?s)Invalid IAM Role ARN.*instance-profile.*role\s+ARN`),
			step(ecr+`principal = { aws_iam_role_arn = "arn:aws:sts::123456789012:assumed-role/admin/x" }`, `(?s)assumed-role`),
			step(`ecr = { repository = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/zenml", region = "eu-central-1" }`+"\n"+`principal = { aws_iam_role_arn = "`+role+`" }`,
				`(?s)Invalid ECR Repository.*ecr\.repository.*repository\s+URI;\s+give\s+the\s+repository\s+name\s+alone`),
			step(`ecr = { repository = "zenml:0.93.2", region = "eu-central-1" }`+"\n"+`principal = { aws_iam_role_arn = "`+role+`" }`, `(?s)Invalid ECR Repository.*tag\s+or\s+digest`),
			step(`ecr = { repository = "Zenml", region = "eu-central-1" }`+"\n"+`principal = { aws_iam_role_arn = "`+role+`" }`, `(?s)Invalid ECR Repository.*lower-case`),
			step(`ecr = { repository = "zenml", region = "eu-central-1a" }`+"\n"+`principal = { aws_iam_role_arn = "`+role+`" }`, `(?s)Invalid AWS Region.*ecr\.region.*availability\s+zone`),
			step(`ecr = { repository = "zenml", region = "eu-central-1", registry_id = "12345" }`+"\n"+`principal = { aws_iam_role_arn = "`+role+`" }`, `(?s)Invalid Registry ID.*ecr\.registry_id.*12-digit`),
			step(`artifact_registry = { project = "my-project", location = "europe-west3-a", repository = "zenml" }`+"\n"+`principal = { gcp_service_account = "`+sa+`" }`,
				`(?s)Invalid Artifact Registry Location.*artifact_registry\.location.*is\s+a\s+zone`),
			step(`artifact_registry = { project = "my-project", location = "europe-west3-docker.pkg.dev", repository = "zenml" }`+"\n"+`principal = { gcp_service_account = "`+sa+`" }`,
				`(?s)Invalid Artifact Registry Location.*registry\s+host`),
			step(`artifact_registry = { project = "my-project", location = "europe-west3", repository = "my-project/zenml" }`+"\n"+`principal = { gcp_service_account = "`+sa+`" }`,
				`(?s)Invalid Artifact Registry Repository.*artifact_registry\.repository.*is\s+a\s+path`),
			step(`artifact_registry = { project = "My_Project", location = "europe-west3", repository = "zenml" }`+"\n"+`principal = { gcp_service_account = "`+sa+`" }`,
				`(?s)Invalid GCP Project.*artifact_registry\.project`),
			step(`artifact_registry = { location = "europe-west3", repository = "zenml" }`+"\n"+`principal = { gcp_service_account = "`+sa+`" }`,
				`(?s)Missing Project.*artifact_registry\.project.*required\s+when\s+the\s+provider's\s+gcp\.project\s+is\s+not\s+set`),
			step(ar+`principal = { gcp_service_account = "serviceAccount:`+sa+`" }`, `(?s)Invalid Service Account.*serviceAccount:`),
			step(ar+`principal = { gke_workload_identity = { project = "my-project", namespace = "Zenml", service_account = "zenml-server" } }`, `(?s)Invalid Kubernetes Namespace`),
			step(ecr+`principal = { aws_iam_role_arn = "`+role+`" }`+"\naccess = \"admin\"", `(?s)access.*value\s+must\s+be\s+one\s+of.*"pull".*"push"`),
			step(ecr+`principal = { aws_iam_role_arn = "`+role+`" }`+"\ntimeouts = { create = \"5 minutes\" }", `(?s)Invalid Attribute Value Time Duration.*"5 minutes"`),
		},
	})
}

// TestAccRegistryAccessGrant_RegistryUnknownAtPlan: both registry objects come from values known only
// after apply (as in a module whose caller passes one of them): the plan does not call them
// conflicting, and the principal is still checked.
func TestAccRegistryAccessGrant_RegistryUnknownAtPlan(t *testing.T) {
	t.Parallel()
	cfg := func(principal string) string {
		return `
resource "terraform_data" "choice" {
  input = { ecr = { repository = "zenml-mirror", region = "eu-central-1", registry_id = null }, artifact_registry = null }
}
resource "zenmlpro_registry_access_grant" "g" {
  ecr               = terraform_data.choice.output.ecr
  artifact_registry = terraform_data.choice.output.artifact_registry
  principal         = ` + principal + `
}
`
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg(`{ aws_iam_role_arn = "arn:aws:iam::123456789012:role/zenml-pull" }`), PlanOnly: true, ExpectNonEmptyPlan: true},
			{
				Config:      cfg(`{ aws_iam_role_arn = "arn:aws:iam::123456789012:role/zenml-pull", gcp_service_account = "a@my-project.iam.gserviceaccount.com" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Principal.*set\s+exactly\s+one\s+of`),
			},
		},
	})
}

// TestAccRegistryAccessGrant_PlanShowsGrant checks what a reviewer sees in the plan before anything is
// written: the statement id and actions (ECR), the member and role (Artifact Registry), the id, and
// the project taken from the provider.
func TestAccRegistryAccessGrant_PlanShowsGrant(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::123456789012:role/zenml-pull"
	cfg := `
provider "zenmlpro" {
  gcp = { project = "default-project" }
}
resource "zenmlpro_registry_access_grant" "ecr" {
  ecr       = { repository = "zenml-mirror", region = "eu-central-1", registry_id = "123456789012" }
  principal = { aws_iam_role_arn = "` + role + `" }
  access    = "push"
}
resource "zenmlpro_registry_access_grant" "gke" {
  artifact_registry = { location = "europe-west3", repository = "zenml-mirror" }
  principal = { gke_workload_identity = { project = "my-project", namespace = "zenml", service_account = "zenml-server" } }
}
`
	sid := ecr.StatementID(role, registryaccess.AccessPush)
	const ecrAddr, gkeAddr = "zenmlpro_registry_access_grant.ecr", "zenmlpro_registry_access_grant.gke"
	pushActions := []knownvalue.Check{}
	for _, a := range ecr.Actions(registryaccess.AccessPush) {
		pushActions = append(pushActions, knownvalue.StringExact(a))
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:             cfg,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(ecrAddr, plancheck.ResourceActionCreate),
				plancheck.ExpectKnownValue(ecrAddr, tfjsonpath.New("id"),
					knownvalue.StringExact("arn:aws:ecr:eu-central-1:123456789012:repository/zenml-mirror push "+role)),
				plancheck.ExpectKnownValue(ecrAddr, tfjsonpath.New("statement_id"), knownvalue.StringExact(sid)),
				plancheck.ExpectKnownValue(ecrAddr, tfjsonpath.New("actions"), knownvalue.ListExact(pushActions)),
				plancheck.ExpectKnownValue(ecrAddr, tfjsonpath.New("member"), knownvalue.Null()),
				plancheck.ExpectUnknownValue(ecrAddr, tfjsonpath.New("preexisting")),
				plancheck.ExpectKnownValue(gkeAddr, tfjsonpath.New("id"), knownvalue.StringExact(
					"projects/default-project/locations/europe-west3/repositories/zenml-mirror pull serviceAccount:my-project.svc.id.goog[zenml/zenml-server]")),
				plancheck.ExpectKnownValue(gkeAddr, tfjsonpath.New("member"), knownvalue.StringExact("serviceAccount:my-project.svc.id.goog[zenml/zenml-server]")),
				plancheck.ExpectKnownValue(gkeAddr, tfjsonpath.New("role"), knownvalue.StringExact(artifactregistry.RoleReader)),
				plancheck.ExpectKnownValue(gkeAddr, tfjsonpath.New("artifact_registry").AtMapKey("project"), knownvalue.StringExact("default-project")),
				plancheck.ExpectKnownValue(gkeAddr, tfjsonpath.New("statement_id"), knownvalue.Null()),
				plancheck.ExpectKnownValue(gkeAddr, tfjsonpath.New("access"), knownvalue.StringExact("pull")),
			}},
		}},
	})
}

// TestAccRegistryAccessGrant_ProviderUnknownAtPlan: the provider's aws settings depend on a value
// known only after apply (here a terraform_data output, as a region from another module's resource
// would be). The refresh of a plan keeps the grant as it is instead of failing, and the apply, with
// the settings known, works.
func TestAccRegistryAccessGrant_ProviderUnknownAtPlan(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	repo := testsupport.UniqueName(t, "grant")
	aws.CreateRepository(repo)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	cfg := func(trigger string) string {
		return fmt.Sprintf(`
resource "terraform_data" "region" {
  input            = %q
  triggers_replace = [%q]
}
provider "zenmlpro" {
  aws = {
    region    = terraform_data.region.output
    endpoints = { ecr = %q, sts = %q }
  }
}
`, aws.Region, trigger, aws.Endpoint, aws.Endpoint) + ecrGrantBlock("g", repo, aws.Region, role, "pull")
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		CheckDestroy:             checkSids(aws, repo),
		Steps: []resource.TestStep{
			{Config: cfg("one"), Check: checkStatement(aws, repo, role, registryaccess.AccessPull)},
			{
				Config: cfg("two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("zenmlpro_registry_access_grant.g", plancheck.ResourceActionNoop),
				}},
				Check: checkStatement(aws, repo, role, registryaccess.AccessPull),
			},
		},
	})
}

// TestAccRegistryAccessGrant_PrincipalUnknownAtPlan: the role comes from a resource of the same apply
// (terraform_data stands in for aws_iam_role): the plan shows the statement id as known after apply,
// and the apply grants it.
func TestAccRegistryAccessGrant_PrincipalUnknownAtPlan(t *testing.T) {
	t.Parallel()
	aws := testsupport.AWS(t)
	repo := testsupport.UniqueName(t, "grant")
	aws.CreateRepository(repo)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	cfg := awsProviderBlock(aws.Endpoint, aws.Region) + fmt.Sprintf(`
resource "terraform_data" "role" {
  input = %q
}
resource "zenmlpro_registry_access_grant" "g" {
  ecr       = { repository = %q, region = %q }
  principal = { aws_iam_role_arn = terraform_data.role.output }
}
`, role, repo, aws.Region)
	const g = "zenmlpro_registry_access_grant.g"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, aws.SecretAccessKey),
		CheckDestroy:             checkSids(aws, repo),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(g, tfjsonpath.New("statement_id")),
				plancheck.ExpectUnknownValue(g, tfjsonpath.New("id")),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkStatement(aws, repo, role, registryaccess.AccessPull),
				resource.TestCheckResourceAttr(g, "statement_id", ecr.StatementID(role, registryaccess.AccessPull)),
			),
		}},
	})
}
