// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"testing"

	"cloud.google.com/go/iam/apiv1/iampb"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/arfake"
)

// TestAccRegistryAccessGrant_Warnings runs the real CLI against a built provider (terraform-plugin-
// testing does not show warnings) and checks the warnings a user reads: an adopted ECR statement, a
// member already bound on Artifact Registry, drift found by a refresh, a changed statement the apply
// will rewrite, and pre-existing access kept on
// destroy (in the plan and at apply).
func TestAccRegistryAccessGrant_Warnings(t *testing.T) {
	aws := testsupport.AWS(t)
	fake, endpoint := arfake.Start(t)
	arRepo := arfake.RepositoryName(arProject, arLocation, "zenml-mirror")
	fake.AddRepository(arRepo)
	fake.PutPolicy(arRepo, &iampb.Policy{Bindings: []*iampb.Binding{{Role: artifactregistry.RoleReader, Members: []string{saMember}}}})

	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	sid := ecr.StatementID(role, registryaccess.AccessPull)
	own := fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":%q},"Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}`, sid, role)
	legacy := fmt.Sprintf(`{"Sid":"Legacy","Effect":"Allow","Principal":{"AWS":%q},"Action":"ecr:*"}`, role)
	adoptedRepo, legacyRepo := testsupport.UniqueName(t, "adopted"), testsupport.UniqueName(t, "legacy")
	aws.CreateRepository(adoptedRepo)
	aws.CreateRepository(legacyRepo)
	aws.SetRepositoryPolicy(adoptedRepo, policyOf(own))
	aws.SetRepositoryPolicy(legacyRepo, policyOf(legacy))

	provider := fmt.Sprintf(`
terraform {
  required_providers {
    zenmlpro = { source = "zenmlpro-infra/zenmlpro" }
  }
}
provider "zenmlpro" {
  aws = {
    region    = %q
    endpoints = { ecr = %q, sts = %q }
  }
  gcp = { artifact_registry_endpoint = %q, insecure = true }
}
`, aws.Region, aws.Endpoint, aws.Endpoint, endpoint)
	grants := ecrGrantBlock("adopted", adoptedRepo, aws.Region, role, "pull") + arGrantBlock("sa", "zenml-mirror", saHCL, "pull")
	legacyGrant := ecrGrantBlock("legacy", legacyRepo, aws.Region, role, "pull")
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(provider + grants + legacyGrant)},
		"AWS_ACCESS_KEY_ID="+aws.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+aws.SecretAccessKey, "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
		"AWS_EC2_METADATA_DISABLED=true")
	want := func(out []byte, pattern string) {
		t.Helper()
		if !regexp.MustCompile(pattern).Match(out) {
			t.Errorf("the output does not match %s:\n%s", pattern, out)
		}
	}

	out := cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	want(out, `(?s)Warning: Existing Statement Adopted.*`+sid+`.*destroying\s+the\s+grant\s+removes\s+it`)
	want(out, `(?s)Warning: Existing Member Kept.*`+regexp.QuoteMeta(saMember)+`.*preexisting\s+=\s+true`)

	aws.DeleteRepositoryPolicy(adoptedRepo)
	out = cli.terraform("plan", "-input=false", "-no-color")
	want(out, `(?s)Warning: Registry Access Changed Outside Terraform.*no\s+statement\s+`+sid+`.*next\s+apply\s+grants\s+it\s+again`)
	cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")

	// The grant's statement is turned into a Deny: the plan says the apply will write an Allow over it,
	// quoting both.
	aws.SetRepositoryPolicy(adoptedRepo, policyOf(fmt.Sprintf(`{"Sid":%q,"Effect":"Deny","Principal":{"AWS":%q},"Action":"ecr:*"}`, sid, role)))
	out = cli.terraform("plan", "-input=false", "-no-color")
	want(out, `(?s)Warning: Registry Access Statement Will Be Rewritten.*`+sid+`.*Effect\s+is\s+"Deny",\s+the\s+grant\s+writes\s+"Allow".*`+
		`This\s+apply\s+writes\s+the\s+grant's\s+statement.*"Effect":"Allow"`)
	want(out, `(?s)-\s+drift\s+=\s+".*Deny.*"\s+->\s+null`)
	cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	if st := aws.PolicyStatements(adoptedRepo)[sid]; st.Effect != "Allow" {
		t.Errorf("after the apply statement %s is %+v, want the grant's Allow", sid, st)
	}

	// The legacy statement goes: the grant's own statement is all that keeps the access the role had.
	aws.SetRepositoryPolicy(legacyRepo, policyOf(pushStatementOf(aws, legacyRepo, sid)))
	cli.writeConfig(provider + grants)
	out = cli.terraform("plan", "-input=false", "-no-color")
	want(out, `(?s)Warning: Pre-existing Access Is Kept.*preexisting\s+=\s+true`)
	out = cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	want(out, `(?s)Warning: Pre-existing Access Kept.*statement\s+`+sid+`\s+is\s+left\s+in\s+place`)
	if _, ok := aws.PolicyStatements(legacyRepo)[sid]; !ok {
		t.Errorf("the statement of the pre-existing grant was removed: %v", aws.PolicyStatements(legacyRepo))
	}
	cli.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
}
