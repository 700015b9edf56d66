# Quickstart: a fully self-hosted ZenML Pro deployment on EKS prepared and checked with Terraform.
# A Control Plane at 0.13.0 with two Workspace Servers (0.93.2 and 0.93.1), images from ZenML's ECR,
# the two Helm charts, endpoints under one parent domain, a database with its own user for each
# workspace on a MySQL-compatible server (databases.tf), and registry access for the node group's IAM role:
# the request to ZenML and pull on your own mirror repositories (registry.tf).
#
# `make demo` applies this with a locally built provider against a local MariaDB and a local AWS
# stand-in (moto); nothing leaves the machine.

terraform {
  # The workspace database passwords are write-only attributes fed by an ephemeral variable: Terraform 1.11+.
  required_version = ">= 1.11"
  required_providers {
    zenmlpro = {
      source = "zenmlpro-infra/zenmlpro"
    }
  }
}

provider "zenmlpro" {
  # The admin connection to the database server; it never enters the state.
  database_servers = {
    demo = {
      engine   = "mysql"
      host     = var.mysql_host
      port     = var.mysql_port
      username = var.mysql_admin_username
      password = var.mysql_admin_password
    }
  }
  # ECR of the mirror repositories, with the default AWS credential chain.
  aws = {
    region    = var.aws_region
    endpoints = var.aws_endpoint == null ? null : { ecr = var.aws_endpoint, sts = var.aws_endpoint }
  }
}

locals {
  control_plane_version = "0.13.0"
  image_source          = "zenml_aws"

  workspaces = {
    workspace-1 = { version = "0.93.2", host = "zenml-workspace-1.ml.example.com", database = "zenml_workspace_1", db_user = "zenml_ws1" }
    workspace-2 = { version = "0.93.1", host = "zenml-workspace-2.ml.example.com", database = "zenml_workspace_2", db_user = "zenml_ws2" }
  }
}

# Fails the plan when a workspace runs a release newer than the Control Plane, or older than the
# minimum the Control Plane states.
data "zenmlpro_version_compatibility" "this" {
  control_plane_version = local.control_plane_version
  workspace_versions    = { for name, ws in local.workspaces : name => ws.version }
}

data "zenmlpro_image" "control_plane_api" {
  component = "control_plane_api"
  version   = local.control_plane_version
  source    = local.image_source
}

data "zenmlpro_image" "control_plane_dashboard" {
  component = "control_plane_dashboard"
  version   = local.control_plane_version
  source    = local.image_source
}

data "zenmlpro_image" "workspace_server" {
  for_each = local.workspaces

  component = "workspace_server"
  version   = each.value.version
  source    = local.image_source
}

data "zenmlpro_helm_chart" "control_plane" {
  chart   = "control_plane"
  version = local.control_plane_version
}

data "zenmlpro_helm_chart" "workspace" {
  for_each = local.workspaces

  chart   = "workspace_server"
  version = each.value.version
}

# Web UI and API share one host (path routing); every host sits under ml.example.com.
data "zenmlpro_endpoints" "this" {
  web_ui_host     = "zenml.ml.example.com"
  workspace_hosts = { for name, ws in local.workspaces : name => ws.host }
}

# A record in state of what was checked and decided, for reviewers: versions, references, endpoints,
# databases, registry access.
resource "terraform_data" "deployment_record" {
  input = {
    control_plane = {
      version      = local.control_plane_version
      release_date = data.zenmlpro_version_compatibility.this.control_plane_release_date
      chart        = "${data.zenmlpro_helm_chart.control_plane.oci_reference}:${data.zenmlpro_helm_chart.control_plane.version}"
      api_image    = data.zenmlpro_image.control_plane_api.uri
      ui_image     = data.zenmlpro_image.control_plane_dashboard.uri
      url          = data.zenmlpro_endpoints.this.web_ui_url
    }
    workspaces = {
      for name, ws in local.workspaces : name => {
        version    = ws.version
        compatible = data.zenmlpro_version_compatibility.this.results[name].compatible
        reasons    = data.zenmlpro_version_compatibility.this.results[name].reasons
        image      = data.zenmlpro_image.workspace_server[name].uri
        chart      = "${data.zenmlpro_helm_chart.workspace[name].oci_reference}:${data.zenmlpro_helm_chart.workspace[name].version}"
        url        = data.zenmlpro_endpoints.this.workspace_urls[name]
        database   = zenmlpro_database.workspace[name].store_url
        db_server  = zenmlpro_database.workspace[name].server_version
      }
    }
    certificate_names    = data.zenmlpro_endpoints.this.certificate_names
    wildcard_certificate = data.zenmlpro_endpoints.this.wildcard_certificate
    registry_access = {
      zenml_grantee = data.zenmlpro_registry_access_request.zenml.grantee
      mirror_grants = {
        for repo, g in zenmlpro_registry_access_grant.mirror : repo => {
          id = g.id, statement_id = g.statement_id, actions = g.actions, preexisting = g.preexisting
        }
      }
    }
  }
}
