// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// TestAccRegistryAccessGrant_NoSecretsInStateOrLogs applies a grant on moto with Terraform and the
// provider logging at TRACE level, with a marker as the AWS secret key and a service account key
// holding a marker in the provider's gcp.credentials, then makes the Artifact Registry client fail to
// use those credentials. Neither marker may appear in the TRACE log, the state files or the error.
// (Not parallel: it sets the process's logging environment.)
func TestAccRegistryAccessGrant_NoSecretsInStateOrLogs(t *testing.T) {
	aws := testsupport.AWS(t)
	repo := testsupport.UniqueName(t, "grant")
	aws.CreateRepository(repo)
	role := aws.CreateRole(testsupport.UniqueName(t, "puller"))
	logFile, work := traceLogs(t)

	awsSecret := testPassword(t, "awssecret")
	keyMarker := testPassword(t, "gcpkey")
	credentials := fmt.Sprintf(`{"type":"service_account","client_email":"tf@my-project.iam.gserviceaccount.com",`+
		`"private_key":"-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n"}`, keyMarker)
	// As a user would pass it: in the environment (the test harness logs the configuration itself).
	t.Setenv("TF_VAR_gcp_credentials", credentials)
	provider := fmt.Sprintf(`
variable "gcp_credentials" {
  type      = string
  sensitive = true
}
provider "zenmlpro" {
  aws = {
    region    = %q
    endpoints = { ecr = %q, sts = %q }
  }
  gcp = {
    credentials                = var.gcp_credentials
    artifact_registry_endpoint = "127.0.0.1:1"
  }
}
`, aws.Region, aws.Endpoint, aws.Endpoint)
	ecrGrant := ecrGrantBlock("ecr", repo, aws.Region, role, "pull")
	arGrant := `
resource "zenmlpro_registry_access_grant" "ar" {
  artifact_registry = { project = "my-project", location = "europe-west3", repository = "zenml-mirror" }
  principal         = { gcp_service_account = "zenml-pull@my-project.iam.gserviceaccount.com" }
  timeouts          = { create = "5s" }
}
`
	checkNoSecrets := func(*terraform.State) error {
		var all bytes.Buffer
		if b, err := os.ReadFile(logFile); err == nil {
			all.Write(b)
		} else {
			return fmt.Errorf("no TRACE log: %w", err)
		}
		states, n, err := stateFiles(work)
		if err != nil {
			return err
		}
		all.WriteString(states)
		text := all.String()
		switch {
		case n == 0 || !strings.Contains(text, ecr.StatementID(role, registryaccess.AccessPull)):
			return fmt.Errorf("the state files (%d) and the log do not record the grant: the search would prove nothing", n)
		case strings.Contains(text, awsSecret):
			return fmt.Errorf("the AWS secret key is in the TRACE log or the state")
		case strings.Contains(text, keyMarker):
			i := strings.Index(text, keyMarker)
			return fmt.Errorf("the GCP credentials are in the TRACE log or the state: ...%s",
				strings.ReplaceAll(text[max(0, i-600):i], "\n", " | "))
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: grantFactories(aws.AccessKeyID, awsSecret),
		CheckDestroy:             checkNoSecrets,
		Steps: []resource.TestStep{
			{
				Config: provider + ecrGrant,
				Check:  resource.ComposeAggregateTestCheckFunc(checkStatement(aws, repo, role, registryaccess.AccessPull), checkNoSecrets),
			},
			{
				// The key is not a usable key: the client cannot be built, and the error does not quote it.
				Config:      provider + ecrGrant + arGrant,
				ExpectError: regexp.MustCompile(`(?s)Artifact Registry Client Unavailable.*credentials\s+JSON\s+could\s+not\s+be\s+used`),
			},
			{
				Config: provider + ecrGrant,
				Check:  checkNoSecrets,
			},
		},
	})
	if t.Failed() {
		b, _ := os.ReadFile(logFile)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, keyMarker) || strings.Contains(line, awsSecret) {
				t.Logf("LEAK: %.400s", line)
			}
		}
		return
	}
	if b, _ := os.ReadFile(logFile); !bytes.Contains(b, []byte("ZenMLProPull")) {
		t.Fatal("the TRACE log holds no trace of the grant: logging was not on")
	}
}
