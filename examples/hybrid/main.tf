# A hybrid ZenML Pro deployment: ZenML runs the Control Plane, you run the workspace servers. Prepared
# with this provider alone: the workspaces' databases and users, the request for pull access to ZenML's
# registry for the node group's role, the images pinned by digest, and one `zenmlpro_prerequisites`
# that checks the rest and hands over each workspace chart's values. Inputs that other providers create
# are variables; the comments show where `aws_iam_role.<name>.arn`, `aws_db_instance.<name>.address`
# and `helm_release` plug in.

terraform {
  # Database passwords are write-only attributes fed by an ephemeral variable: Terraform 1.11+.
  required_version = ">= 1.11"
  required_providers {
    zenmlpro = {
      source = "zenmlpro-infra/zenmlpro"
    }
  }
}

provider "zenmlpro" {
  database_servers = {
    workspaces = {
      engine   = "mysql"
      host     = var.mysql_host # e.g. aws_db_instance.zenml_workspaces.address
      username = var.mysql_admin_username
      password = var.mysql_admin_password
      tls      = { mode = "verify_full", ca_certificate = var.database_ca_pem }
    }
  }
  # Reads ZenML's ECR with your AWS credentials once ZenML has granted the request below.
  aws = { region = "eu-central-1" }
}

locals {
  # The Control Plane version ZenML runs for your organization: it decides which workspace versions fit.
  control_plane_version = "0.13.0"
  workspaces = {
    workspace-1 = { version = "0.93.2", host = "zenml-workspace-1.ml.example.com", database = "zenml_workspace_1", user = "zenml_ws1" }
  }
}

resource "zenmlpro_database" "workspace" {
  for_each = local.workspaces

  server    = "workspaces"
  name      = each.value.database
  component = "workspace_server"
  user = {
    name                = each.value.user
    password_wo         = var.workspace_db_password
    password_wo_version = 1
  }
}

# The message to send ZenML: pull access to its ECR for the node group's role, which the kubelet pulls with.
data "zenmlpro_registry_access_request" "zenml" {
  workload   = "eks_node_role"
  principal  = { aws_iam_role_arn = var.node_role_arn } # e.g. aws_iam_role.zenml_nodes.arn
  components = ["workspace_server"]
}

# The workspace server images at ZenML's ECR, with their digests (read once access is granted).
data "zenmlpro_image" "workspace_server" {
  for_each = toset([for ws in local.workspaces : ws.version])

  component      = "workspace_server"
  version        = each.key
  source         = "zenml_aws"
  resolve_digest = var.resolve_digests
}

data "zenmlpro_prerequisites" "this" {
  scenario           = "hybrid"
  kubernetes_version = var.kubernetes_version

  control_plane = { version = local.control_plane_version }

  workspaces = {
    for name, ws in local.workspaces : name => {
      version = ws.version
      host    = ws.host
      database = {
        engine          = zenmlpro_database.workspace[name].engine
        host            = var.mysql_host
        name            = zenmlpro_database.workspace[name].name
        username        = zenmlpro_database.workspace[name].user.name
        tls_mode        = "verify_full"
        password_secret = zenmlpro_database.workspace[name].password_secret
      }
      # What ZenML hands over for the workspace (IDs and the enrollment key, kept in a Kubernetes secret).
      workspace_id          = try(var.enrollments[name].workspace_id, null)
      organization_id       = try(var.enrollments[name].organization_id, null)
      organization_name     = try(var.enrollments[name].organization_name, null)
      enrollment_key_secret = { name = "${name}-enrollment", key = "enrollment-key" }
    }
  }

  tls = {
    management  = "cert_manager" # issued at deployment; check it afterwards with data.zenmlpro_tls_certificate
    secret_name = "zenml-tls"
  }

  registry = {
    image_source = "zenml_aws"
    auth_method  = "aws_iam_role"
    principal    = var.node_role_arn
    workload     = "eks_node_role"
    digests      = { for i in data.zenmlpro_image.workspace_server : "${i.repository}:${i.tag}" => i.digest if i.digest != null }
  }
}

# resource "helm_release" "workspace" {
#   for_each   = local.workspaces
#   name       = each.key
#   repository = "oci://public.ecr.aws/zenml"
#   chart      = "zenml"
#   version    = each.value.version
#   values     = [data.zenmlpro_prerequisites.this.workspace_helm_values[each.key]]
# }
