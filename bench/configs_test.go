// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"fmt"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/benchconfig"
)

// benchRepositories is how many mirror repositories the workspaces' grants spread over: at 300
// workspaces each policy then holds 38 statements, under ECR's limit of 10,240 characters per policy
// (about 46 such statements), which the provider enforces.
const benchRepositories = 8

// benchVersion is the workspace server version of every workspace: one image reference per run.
const benchVersion = "0.93.2"

// subject is one column of the report: a configuration of N workspaces for one provider (or a floor).
type subject struct {
	name  string
	title string
	// counted subjects talk to the services, whose counters are read around each command.
	counted bool
	// init: the configuration needs `terraform init` (terraform_data: the built-in provider).
	init   bool
	config func(h *harness, n int) string
}

// Subject names.
const (
	subjectZenML         = "zenmlpro"
	subjectFloorSchema   = "floorschema"
	subjectFloor         = "floor"
	subjectTerraformData = "terraform_data"
	subjectPeer          = "mysql"
	// subjectZenMLDB is zenmlpro doing the peer's job alone: the databases and their users.
	subjectZenMLDB = "zenmlpro_database"
)

func subjects(peer bool) []subject {
	out := []subject{
		{name: subjectZenML, title: "zenmlpro (database + user, registry grant, image digest)", counted: true, config: zenmlConfig},
		{name: subjectFloorSchema, title: "do-nothing plugin, zenmlpro's schemas", config: floorSchemaConfig},
		{name: subjectFloor, title: "do-nothing plugin, one-string resource", config: func(h *harness, n int) string { return floorConfig(h, n, "floor_object") }},
		{name: subjectTerraformData, title: "terraform_data (no plugin)", init: true, config: func(h *harness, n int) string { return floorConfig(h, n, "terraform_data") }},
	}
	if peer {
		out = append(out,
			subject{name: subjectZenMLDB, title: "zenmlpro, databases only (database + user)", counted: true, config: zenmlDatabasesConfig},
			subject{name: subjectPeer, title: "petoju/mysql (database, user, grant)", counted: true, config: peerConfig})
	}
	return out
}

// locals are the N workspaces every configuration is built from.
func locals(h *harness, n int) string { return benchconfig.Locals(h.repos, h.moto.AccountID(), n) }

const variables = `
variable "admin_password" {
  type      = string
  sensitive = true
}

variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
`

// resources are the workspaces' objects, with the type prefix of the provider (zenmlpro or floorschema).
func resources(prefix string, h *harness) string {
	return fmt.Sprintf(`
data "%[1]s_image" "workspace" {
  for_each       = local.workspaces
  component      = "workspace_server"
  version        = %[2]q
  source         = "private"
  registry       = "%[3]s/zenml"
  resolve_digest = true
}

resource "%[1]s_registry_access_grant" "workspace" {
  for_each  = local.workspaces
  ecr       = { repository = each.value.repo, region = %[4]q }
  principal = { aws_iam_role_arn = each.value.role }
}
`, prefix, benchVersion, h.registry.Host, h.moto.Region) + databases(prefix, "")
}

// databases are the workspaces' databases with their users; names start with namePrefix.
func databases(prefix, namePrefix string) string {
	return fmt.Sprintf(`
resource "%[1]s_database" "workspace" {
  for_each        = local.workspaces
  server          = "bench"
  name            = "%[2]s${each.value.database}"
  component       = "workspace_server"
  deletion_policy = "drop"
  user = {
    name                = "%[2]s${each.value.user}"
    password_wo         = var.db_password
    password_wo_version = 1
  }
}
`, prefix, namePrefix)
}

// zenmlProvider is zenmlpro's configuration: the report's MariaDB and, with aws, moto behind the
// counting proxy.
func zenmlProvider(h *harness, aws bool) string {
	awsBlock := ""
	if aws {
		awsBlock = fmt.Sprintf(`
  aws = {
    region    = %q
    endpoints = { ecr = %q, sts = %q }
  }`, h.moto.Region, h.proxy.URL, h.proxy.URL)
	}
	return fmt.Sprintf(`
terraform {
  required_providers {
    zenmlpro = { source = "zenmlpro-infra/zenmlpro" }
  }
}

provider "zenmlpro" {
  database_servers = {
    bench = { engine = "mysql", host = %q, port = %d, username = %q, password = var.admin_password }
  }%s
}
`, h.mdb.Host, h.mdb.Port, h.mdb.Admin.User, awsBlock)
}

func zenmlConfig(h *harness, n int) string {
	return locals(h, n) + variables + zenmlProvider(h, true) + resources("zenmlpro", h)
}

// zenmlDatabasesConfig is zenmlpro doing what the MySQL provider does: a database and its user with every
// privilege on it, per workspace (names with "d": the full configuration's exist at the same time).
func zenmlDatabasesConfig(h *harness, n int) string {
	return locals(h, n) + variables + zenmlProvider(h, false) + databases("zenmlpro", "d")
}

func floorSchemaConfig(h *harness, n int) string {
	return locals(h, n) + variables + `
terraform {
  required_providers {
    floorschema = { source = "zenmlpro-infra/floorschema" }
  }
}
` + resources("floorschema", h)
}

// floorConfig is a floor of one resource type with one string per object, three per workspace.
func floorConfig(h *harness, n int, resourceType string) string {
	if resourceType == "floor_object" {
		return locals(h, n) + benchconfig.FloorProvider + benchconfig.Floor(resourceType)
	}
	return locals(h, n) + benchconfig.Floor(resourceType)
}

// peerConfig is the same job with petoju/terraform-provider-mysql: a database, its user and the grant
// of every privilege on it, per workspace. Its names start with "p": zenmlpro's databases of the same
// run exist on the same server at the same time.
func peerConfig(h *harness, n int) string {
	return locals(h, n) + variables + fmt.Sprintf(`
terraform {
  required_providers {
    mysql = { source = "petoju/mysql" }
  }
}

provider "mysql" {
  endpoint = "%s:%d"
  username = %q
  password = var.admin_password
}

resource "mysql_database" "workspace" {
  for_each = local.workspaces
  name     = "p${each.value.database}"
}

resource "mysql_user" "workspace" {
  for_each           = local.workspaces
  user               = "p${each.value.user}"
  host               = "%%"
  plaintext_password = "bench-workspace-password"
}

resource "mysql_grant" "workspace" {
  for_each   = local.workspaces
  user       = mysql_user.workspace[each.key].user
  host       = mysql_user.workspace[each.key].host
  database   = mysql_database.workspace[each.key].name
  privileges = ["ALL"]
}
`, h.mdb.Host, h.mdb.Port, h.mdb.Admin.User)
}
