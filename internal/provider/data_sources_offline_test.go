// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"net"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccDataSourcesContactNothing: the provider's data sources build references, requests and checks
// from their arguments alone, and the provider connects lazily. With every endpoint it knows pointed
// at listeners that count connections (AWS, Artifact Registry, a database server), configuring the
// provider and reading every data source, in a plan and an apply, opens none.
func TestAccDataSourcesContactNothing(t *testing.T) {
	t.Parallel()
	awsAddr, aws := countingListener(t)
	gcpAddr, gcp := countingListener(t)
	dbAddr, db := countingListener(t)
	_, dbPort, err := net.SplitHostPort(dbAddr)
	if err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`
provider "zenmlpro" {
  aws = {
    region    = "eu-central-1"
    endpoints = { ecr = "http://%[1]s", sts = "http://%[1]s" }
  }
  gcp = { project = "my-project", artifact_registry_endpoint = %[2]q, insecure = true }
  database_servers = {
    main = { engine = "mysql", host = "127.0.0.1", port = %[3]s, username = "zenml_admin", password = "not-used" }
  }
}

data "zenmlpro_version_compatibility" "this" {
  control_plane_version = "0.13.0"
  workspace_versions    = { ws1 = "0.93.2" }
}

data "zenmlpro_image" "server" {
  component = "workspace_server"
  version   = "0.93.2"
  source    = "zenml_aws"
}

data "zenmlpro_helm_chart" "workspace" {
  chart   = "workspace_server"
  version = "0.93.2"
}

data "zenmlpro_endpoints" "zenml" {
  web_ui_host     = "zenml.ml.example.com"
  workspace_hosts = { ws1 = "zenml-ws1.ml.example.com" }
}

data "zenmlpro_registry_access_request" "eks" {
  workload  = "eks_irsa"
  principal = { aws_iam_role_arn = "arn:aws:iam::123456789012:role/zenml-pods" }
}

data "zenmlpro_registry_access_request" "gke" {
  workload  = "gke_workload_identity"
  principal = { gke_workload_identity = { project = "my-project", namespace = "zenml", service_account = "zenml" } }
}

output "image" {
  value = data.zenmlpro_image.server.uri
}
`, awsAddr, gcpAddr, dbPort)
	none := func(*terraform.State) error {
		for name, n := range map[string]*atomic.Int64{"the AWS endpoint": aws, "the Artifact Registry endpoint": gcp, "the database server": db} {
			if n := n.Load(); n != 0 {
				return fmt.Errorf("%s was contacted %d times", name, n)
			}
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, PlanOnly: true, ExpectNonEmptyPlan: true, Check: none},
			{Config: config, Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttrSet("data.zenmlpro_registry_access_request.gke", "request_text"),
				resource.TestCheckResourceAttrSet("data.zenmlpro_image.server", "uri"),
				none,
			)},
		},
	})
	// The last refresh and destroy of the test too.
	if err := none(nil); err != nil {
		t.Error(err)
	}
}
