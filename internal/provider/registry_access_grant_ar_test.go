// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cloud.google.com/go/iam/apiv1/iampb"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"google.golang.org/genproto/googleapis/type/expr"
	"google.golang.org/grpc/codes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/arfake"
)

// Google publishes no Artifact Registry emulator: these tests run the provider's real
// cloud.google.com/go client against arfake, an in-process gRPC fake of the IAM methods with real
// etag semantics.

func gcpProviderBlock(endpoint string) string {
	return fmt.Sprintf(`
provider "zenmlpro" {
  gcp = { artifact_registry_endpoint = %q, insecure = true }
}
`, endpoint)
}

func arGrantBlock(name, repo, principalHCL, access string) string {
	return fmt.Sprintf(`
resource "zenmlpro_registry_access_grant" %q {
  artifact_registry = { project = %q, location = %q, repository = %q }
  principal         = %s
  access            = %q
}
`, name, arProject, arLocation, repo, principalHCL, access)
}

// membersOf returns the sorted members of the role's unconditional binding.
func membersOf(f *arfake.Fake, resourceName, role string) []string {
	var out []string
	for _, b := range f.Policy(resourceName).GetBindings() {
		if b.GetRole() == role && b.GetCondition() == nil {
			out = append(out, b.GetMembers()...)
		}
	}
	slices.Sort(out)
	return out
}

func checkMembers(f *arfake.Fake, resourceName, role string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		want = slices.Sorted(slices.Values(want))
		if got := membersOf(f, resourceName, role); !slices.Equal(got, want) {
			return fmt.Errorf("%s: members of %s = %v, want %v", resourceName, role, got, want)
		}
		return nil
	}
}

// checkConditionalKept checks that the conditional binding planted by the test is untouched.
func checkConditionalKept(f *arfake.Fake, resourceName string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, b := range f.Policy(resourceName).GetBindings() {
			if b.GetCondition() != nil && b.GetRole() == artifactregistry.RoleReader &&
				slices.Equal(b.GetMembers(), []string{"group:auditors@example.com"}) && b.GetCondition().GetTitle() == "office-hours" {
				return nil
			}
		}
		return fmt.Errorf("%s: the conditional binding is gone or changed: %v", resourceName, f.Policy(resourceName))
	}
}

const (
	arProject  = "my-project"
	arLocation = "europe-west3"
	saEmail    = "zenml-pull@my-project.iam.gserviceaccount.com"
	saMember   = "serviceAccount:" + saEmail
	wiMember   = "serviceAccount:my-project.svc.id.goog[zenml/zenml-server]"
	wiHCL      = `{ gke_workload_identity = { project = "my-project", namespace = "zenml", service_account = "zenml-server" } }`
	saHCL      = `{ gcp_service_account = "` + saEmail + `" }`
	otherUser  = "user:someone@example.com"
)

// plantForeign gives the repository bindings that belong to someone else: a reader, and a
// conditional reader binding (policy version 3).
func plantForeign(f *arfake.Fake, name string) {
	f.PutPolicy(name, &iampb.Policy{Version: 3, Bindings: []*iampb.Binding{
		{Role: artifactregistry.RoleReader, Members: []string{otherUser}},
		{Role: artifactregistry.RoleReader, Members: []string{"group:auditors@example.com"},
			Condition: &expr.Expr{Title: "office-hours", Expression: `request.time.getHours("Europe/Berlin") < 18`}},
	}})
}

func TestAccRegistryAccessGrant_ArtifactRegistryLifecycle(t *testing.T) {
	t.Parallel()
	fake, endpoint := arfake.Start(t)
	name := arfake.RepositoryName(arProject, arLocation, "zenml-mirror")
	fake.AddRepository(name)
	plantForeign(fake, name)
	both := gcpProviderBlock(endpoint) + arGrantBlock("wi", "zenml-mirror", wiHCL, "pull") +
		arGrantBlock("sa", "zenml-mirror", saHCL, "push")
	onlyWI := gcpProviderBlock(endpoint) + arGrantBlock("wi", "zenml-mirror", wiHCL, "pull")
	const wi, sa = "zenmlpro_registry_access_grant.wi", "zenmlpro_registry_access_grant.sa"

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories("unused", "unused"),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkMembers(fake, name, artifactregistry.RoleReader, otherUser),
			checkMembers(fake, name, artifactregistry.RoleWriter),
			checkConditionalKept(fake, name),
		),
		Steps: []resource.TestStep{
			{
				Config: both,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(wi, "id", name+" pull "+wiMember),
					resource.TestCheckResourceAttr(wi, "member", wiMember),
					resource.TestCheckResourceAttr(wi, "role", artifactregistry.RoleReader),
					resource.TestCheckResourceAttr(wi, "preexisting", "false"),
					resource.TestCheckNoResourceAttr(wi, "statement_id"),
					resource.TestCheckNoResourceAttr(wi, "actions.#"),
					resource.TestCheckResourceAttr(sa, "role", artifactregistry.RoleWriter),
					resource.TestCheckResourceAttr(sa, "member", saMember),
					checkMembers(fake, name, artifactregistry.RoleReader, otherUser, wiMember),
					checkMembers(fake, name, artifactregistry.RoleWriter, saMember),
					checkConditionalKept(fake, name),
				),
			},
			{ResourceName: wi, ImportState: true, ImportStateId: name + " pull " + wiMember, ImportStateVerify: true},
			{ResourceName: sa, ImportState: true, ImportStateId: name + " push " + saMember, ImportStateVerify: true},
			{
				// The member is removed outside Terraform: refresh notices, apply grants it again.
				PreConfig: func() {
					p := fake.Policy(name)
					for _, b := range p.Bindings {
						b.Members = slices.DeleteFunc(b.Members, func(m string) bool { return m == wiMember })
					}
					fake.PutPolicy(name, p)
				},
				Config: both,
				Check:  checkMembers(fake, name, artifactregistry.RoleReader, otherUser, wiMember),
			},
			{
				// The service account was deleted and created again: IAM shows deleted:...?uid=.
				PreConfig: func() { fake.PlantDeletedMember(name, artifactregistry.RoleWriter, saMember, "112233445566778899001") },
				Config:    both,
				Check:     checkMembers(fake, name, artifactregistry.RoleWriter, saMember),
			},
			{
				// Concurrent writers and a busy service: every write is retried with a fresh etag.
				PreConfig: func() {
					p := fake.Policy(name)
					p.Bindings = slices.DeleteFunc(p.Bindings, func(b *iampb.Binding) bool { return b.Role == artifactregistry.RoleWriter })
					fake.PutPolicy(name, p)
					fake.Fail(arfake.SetIamPolicy, codes.Aborted, 1)
					fake.Fail(arfake.SetIamPolicy, codes.FailedPrecondition, 1)
					fake.Fail(arfake.GetIamPolicy, codes.Unavailable, 1)
					fake.Fail(arfake.SetIamPolicy, codes.ResourceExhausted, 1)
				},
				Config: both,
				Check:  checkMembers(fake, name, artifactregistry.RoleWriter, saMember),
			},
			{
				Config: onlyWI,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkMembers(fake, name, artifactregistry.RoleReader, otherUser, wiMember),
					checkMembers(fake, name, artifactregistry.RoleWriter),
				),
			},
		},
	})
}

func TestAccRegistryAccessGrant_ArtifactRegistryPreexistingKept(t *testing.T) {
	t.Parallel()
	fake, endpoint := arfake.Start(t)
	name := arfake.RepositoryName(arProject, arLocation, "zenml-mirror")
	fake.AddRepository(name)
	// The service account already pushes (writer covers pull, but a push grant of this provider writes
	// writer, so it does not make the pull grant preexisting); the WI member is already a reader.
	fake.PutPolicy(name, &iampb.Policy{Version: 1, Bindings: []*iampb.Binding{
		{Role: artifactregistry.RoleWriter, Members: []string{saMember}},
		{Role: artifactregistry.RoleReader, Members: []string{wiMember}},
	}})
	cfg := gcpProviderBlock(endpoint) + arGrantBlock("sa", "zenml-mirror", saHCL, "pull") +
		arGrantBlock("wi", "zenml-mirror", wiHCL, "pull")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories("unused", "unused"),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			// writer still gives the service account pull: its reader membership goes.
			checkMembers(fake, name, artifactregistry.RoleWriter, saMember),
			// the WI member's reader membership was there before and nothing else gives it: it stays.
			checkMembers(fake, name, artifactregistry.RoleReader, wiMember),
		),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("zenmlpro_registry_access_grant.sa", "preexisting", "false"),
				resource.TestCheckResourceAttr("zenmlpro_registry_access_grant.wi", "preexisting", "true"),
				checkMembers(fake, name, artifactregistry.RoleReader, saMember, wiMember),
			),
		}},
	})
}

func TestAccRegistryAccessGrant_ArtifactRegistryTwentyInOneApply(t *testing.T) {
	t.Parallel()
	fake, endpoint := arfake.Start(t)
	name := arfake.RepositoryName(arProject, arLocation, "zenml-mirror")
	fake.AddRepository(name)
	plantForeign(fake, name)
	// Etag conflicts from a writer outside this process while the 20 grants run.
	fake.Fail(arfake.SetIamPolicy, codes.Aborted, 5)
	const n = 20
	members := []string{otherUser}
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("puller-%02d@my-project.iam.gserviceaccount.com", i)
		members = append(members, "serviceAccount:"+emails[i])
	}
	cfg := gcpProviderBlock(endpoint) + fmt.Sprintf(`
locals { accounts = ["%s"] }
resource "zenmlpro_registry_access_grant" "many" {
  count             = length(local.accounts)
  artifact_registry = { project = %q, location = %q, repository = "zenml-mirror" }
  principal         = { gcp_service_account = local.accounts[count.index] }
}
`, strings.Join(emails, `", "`), arProject, arLocation)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories("unused", "unused"),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkMembers(fake, name, artifactregistry.RoleReader, otherUser),
			checkConditionalKept(fake, name),
		),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: resource.ComposeAggregateTestCheckFunc(
				checkMembers(fake, name, artifactregistry.RoleReader, members...),
				checkConditionalKept(fake, name),
			),
		}},
	})
}

func TestAccRegistryAccessGrant_ArtifactRegistryFaults(t *testing.T) {
	t.Parallel()
	fake, endpoint := arfake.Start(t)
	name := arfake.RepositoryName(arProject, arLocation, "zenml-mirror")
	fake.AddRepository(name)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories("unused", "unused"),
		Steps: []resource.TestStep{
			{
				// A service account created in the same apply is not known to IAM yet: retried.
				PreConfig: func() { fake.FailMissingServiceAccount(saMember, 3) },
				Config:    gcpProviderBlock(endpoint) + arGrantBlock("sa", "zenml-mirror", saHCL, "pull"),
				Check:     checkMembers(fake, name, artifactregistry.RoleReader, saMember),
			},
			{
				// Permission denied is not retried and says which permissions are needed.
				PreConfig: func() { fake.Fail(arfake.SetIamPolicy, codes.PermissionDenied, 1) },
				Config: gcpProviderBlock(endpoint) + arGrantBlock("sa", "zenml-mirror", saHCL, "pull") +
					arGrantBlock("wi", "zenml-mirror", wiHCL, "pull"),
				ExpectError: regexp.MustCompile(`(?s)Registry Access Grant Failed.*PermissionDenied.*artifactregistry\.repositories\.setIamPolicy`),
			},
			{
				Config: gcpProviderBlock(endpoint) + arGrantBlock("sa", "zenml-mirror", saHCL, "pull") +
					arGrantBlock("gone", "no-such-repo", wiHCL, "pull"),
				ExpectError: regexp.MustCompile(`(?s)Repository Not Found.*artifact_registry\.repository.*no-such-repo.*does\s+not\s+exist`),
			},
			{
				// The service account never appears: the create timeout ends the retries with the hint.
				PreConfig: func() { fake.FailMissingServiceAccount(wiMember, 1_000_000) },
				Config: gcpProviderBlock(endpoint) + arGrantBlock("sa", "zenml-mirror", saHCL, "pull") + `
resource "zenmlpro_registry_access_grant" "wi" {
  artifact_registry = { project = "my-project", location = "europe-west3", repository = "zenml-mirror" }
  principal         = ` + wiHCL + `
  timeouts          = { create = "2s" }
}
`,
				ExpectError: regexp.MustCompile(`(?s)Principal Not Known To The Registry.*does\s+not\s+exist.*gave\s+up\s+after.*timeouts\.create`),
			},
		},
	})
}
