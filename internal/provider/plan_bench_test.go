// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/benchconfig"
)

// benchWorkspaces is the size of the platform the plan benchmark models (DESIGN.md: "tens to hundreds
// of workspaces").
const benchWorkspaces = 100

// benchRepositories is how many mirror repositories the workspaces' grants spread over: a policy per
// repository stays under ECR's 10 KiB limit, and a refresh reads each policy once.
const benchRepositories = 4

// Budgets of DESIGN.md's "Performance budget". The counts hold exactly on any machine. The time is
// held against the external floor: the same plan of a provider built with the same framework whose
// resource does nothing (testdata/floorprovider). DESIGN.md's own floor, terraform_data, is reported
// (x-terraform_data) but cannot be the bound: Terraform evaluates terraform_data in its own process,
// and the do-nothing plugin provider alone costs about 2.4x that on this machine (DESIGN.md has the
// measurements).
const (
	// Every database refresh goes through the provider's one pool for the server.
	planConnectionsBudget = databases.DefaultMaxOpenConnections
	// Statements per workspace database in a refresh (no N+1: the same for 1 or 100 workspaces):
	// the database, then the user with every privilege it holds, in one statement.
	planStatementsPerWorkspaceBudget = 2
	// Statements per plan whatever the number of workspaces: the server version and the session
	// set-up of each pooled connection.
	planStatementsPerPlanBudget = 10
	// A no-change plan of the workspaces costs at most this many times the external floor: measured
	// 2.3x to 2.4x, with the floor run under the provider's own process settings (internal/process);
	// before it wrote TRACE logs that Terraform parsed and dropped, and the ratio read 1.6x. The
	// framework's work grows with a resource's attributes (these have about 20 where floor_object has
	// one): the performance report's same-schema floor puts 1.2x of it there, the rest in the
	// provider's own code.
	planFloorRatioBudget = 2.9
	// The ratio is held when the benchmark ran at least this many plans of each (GNUmakefile's
	// PLAN_BENCHTIME): one plan on a busy machine measures the machine.
	planRatioMinRuns = 5
)

// BenchmarkNoChangePlan100Workspaces is DESIGN.md's performance harness: a `terraform plan` with no
// changes of 100 workspaces, each with its dedicated database and user (zenmlpro_database, on a
// MariaDB server of the benchmark's own, whose counters then count this plan alone), a pull grant for
// its pods' role on one of the mirror repositories (zenmlpro_registry_access_grant, on moto) and its
// image reference (zenmlpro_image). It is timed against two floors of the same configuration shape:
// as many terraform_data resources, and as many do-nothing resources of an external provider built
// like this one (floor_object). All run through the real Terraform CLI with the providers built as
// binaries (dev_overrides), as a CI job runs them, process starts included; the runs interleave, so a
// busy moment of the machine falls on all three.
//
// Reported: ns/op (one plan of the workspaces), terraform_data-ns/op and floor-ns/op (one plan of each
// floor), x-terraform_data and x-floor (the ratios over all runs), db-connections/op and
// db-statements/workspace.
func BenchmarkNoChangePlan100Workspaces(b *testing.B) {
	mdb := testsupport.StartMariaDB(b)
	moto := testsupport.AWS(b)
	repos := make([]string, benchRepositories)
	for i := range repos {
		repos[i] = testsupport.UniqueName(b, fmt.Sprintf("mirror%d", i))
		moto.CreateRepository(repos[i])
	}
	locals := benchconfig.Locals(repos, moto.AccountID(), benchWorkspaces)

	builtin := newProviderWorkdir(b, "floor", "./testdata/floorprovider", map[string][]byte{"main.tf": []byte(locals + benchconfig.Floor("terraform_data"))})
	builtin.terraform("init", "-input=false")
	builtin.terraform("apply", "-auto-approve", "-input=false")

	external := newProviderWorkdir(b, "floor", "./testdata/floorprovider", map[string][]byte{"main.tf": []byte(locals + benchconfig.FloorProvider + benchconfig.Floor("floor_object"))})
	external.terraform("apply", "-auto-approve", "-input=false")

	ours := newCLIWorkdir(b, map[string][]byte{"main.tf": []byte(locals + benchProviderConfig(mdb.Server, moto))},
		"TF_VAR_admin_password="+mdb.Admin.Password,
		"TF_VAR_db_password=bench-workspace-password",
		"AWS_ACCESS_KEY_ID="+moto.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+moto.SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	cliNeedsWriteOnly(b, ours.tf)
	ours.terraform("apply", "-auto-approve", "-input=false")

	var oursTime, builtinTime, externalTime time.Duration
	var connections, statements int64
	runs := 0
	for b.Loop() {
		b.StopTimer()
		builtinTime += planNoChange(builtin)
		externalTime += planNoChange(external)
		connBefore, stmtBefore := mdb.GlobalStatus("Connections"), mdb.GlobalStatus("Questions")
		b.StartTimer()
		oursTime += planNoChange(ours)
		b.StopTimer()
		// Besides the plan's statements, the difference of Questions counts the two status reads after the plan.
		connections += mdb.GlobalStatus("Connections") - connBefore
		statements += mdb.GlobalStatus("Questions") - stmtBefore - 2
		runs++
		b.StartTimer()
	}
	b.StopTimer()

	perRun := func(d time.Duration) time.Duration { return d / time.Duration(runs) }
	floorRatio := float64(oursTime) / float64(externalTime)
	b.ReportMetric(float64(perRun(builtinTime).Nanoseconds()), "terraform_data-ns/op")
	b.ReportMetric(float64(perRun(externalTime).Nanoseconds()), "floor-ns/op")
	b.ReportMetric(float64(oursTime)/float64(builtinTime), "x-terraform_data")
	b.ReportMetric(floorRatio, "x-floor")
	perPlan := float64(connections) / float64(runs)
	b.ReportMetric(perPlan, "db-connections/op")
	statementsPerPlan := float64(statements) / float64(runs)
	b.ReportMetric(statementsPerPlan/benchWorkspaces, "db-statements/workspace")

	if perPlan > planConnectionsBudget {
		b.Errorf("a plan opened %.1f connections to the database server, want at most %d (one pool per server)", perPlan, planConnectionsBudget)
	}
	if limit := float64(planStatementsPerWorkspaceBudget*benchWorkspaces + planStatementsPerPlanBudget); statementsPerPlan > limit {
		b.Errorf("a plan of %d workspaces sent %.0f statements to the database server, want at most %.0f (%d per workspace, %d per plan)",
			benchWorkspaces, statementsPerPlan, limit, planStatementsPerWorkspaceBudget, planStatementsPerPlanBudget)
	}
	switch {
	case runs < planRatioMinRuns:
		b.Logf("x-floor %.2f over %d run(s): the %.1fx budget is held from %d runs (make bench)", floorRatio, runs, planFloorRatioBudget, planRatioMinRuns)
	case floorRatio > planFloorRatioBudget:
		b.Errorf("a no-change plan of %d workspaces took %.2fx the external floor (%v vs %v per plan over %d runs; terraform_data: %v), budget %.1fx",
			benchWorkspaces, floorRatio, perRun(oursTime), perRun(externalTime), runs, perRun(builtinTime), planFloorRatioBudget)
	}
}

// planNoChange runs `terraform plan -detailed-exitcode`, which fails the benchmark unless it plans no
// change (exit status 2, with the plan in the message), and returns the time the command took.
func planNoChange(c *cliWorkdir) time.Duration {
	start := time.Now()
	c.terraform("plan", "-input=false", "-lock=false", "-detailed-exitcode", "-no-color")
	return time.Since(start)
}

func benchProviderConfig(s *testsupport.Server, moto *testsupport.AWSServer) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    zenmlpro = { source = "zenmlpro-infra/zenmlpro" }
  }
}

variable "admin_password" {
  type      = string
  sensitive = true
}

variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

provider "zenmlpro" {
  database_servers = {
    bench = { engine = "mysql", host = %q, port = %d, username = %q, password = var.admin_password }
  }
  aws = {
    region    = %q
    endpoints = { ecr = %q, sts = %q }
  }
}

data "zenmlpro_image" "workspace" {
  for_each  = local.workspaces
  component = "workspace_server"
  version   = "0.93.2"
  source    = "zenml_aws"
}

resource "zenmlpro_database" "workspace" {
  for_each  = local.workspaces
  server    = "bench"
  name      = each.value.database
  component = "workspace_server"
  user = {
    name                = each.value.user
    password_wo         = var.db_password
    password_wo_version = 1
  }
}

resource "zenmlpro_registry_access_grant" "workspace" {
  for_each  = local.workspaces
  ecr       = { repository = each.value.repo, region = %q }
  principal = { aws_iam_role_arn = each.value.role }
}
`, s.Host, s.Port, s.Admin.User, moto.Region, moto.Endpoint, moto.Endpoint, moto.Region)
}
