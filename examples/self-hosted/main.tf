# A fully self-hosted ZenML Pro deployment, prepared with this provider alone: the databases and their
# users, pull access for the nodes on your own registry, images copied there and pinned by digest, the
# workspaces enrolled with the Control Plane once it runs, one `zenmlpro_prerequisites` that checks
# everything ZenML's prerequisites page asks and hands over the Helm values of both charts, and, after
# the installs, a check of what runs against what was declared. Inputs that other providers create are variables; the comments show
# where `aws_iam_role.<name>.arn`, `aws_db_instance.<name>.address` and `helm_release` plug in.

terraform {
  # Database passwords are write-only attributes fed by ephemeral variables: Terraform 1.11+.
  required_version = ">= 1.11"
  required_providers {
    zenmlpro = {
      source = "zenmlpro-infra/zenmlpro"
    }
  }
}

provider "zenmlpro" {
  # Admin connections to the database servers; they never enter the state.
  database_servers = {
    control_plane = {
      engine   = "postgres"
      host     = var.postgres_host # e.g. aws_db_instance.zenml_pro.address
      port     = var.postgres_port
      username = var.postgres_admin_username
      password = var.postgres_admin_password
      tls      = local.postgres_tls
    }
    workspaces = {
      engine   = "mysql"
      host     = var.mysql_host # e.g. aws_db_instance.zenml_workspaces.address
      port     = var.mysql_port
      username = var.mysql_admin_username
      password = var.mysql_admin_password
      tls      = local.mysql_tls
    }
  }
  # ECR of your registry, with the default AWS credential chain.
  aws = {
    region    = var.aws_region
    endpoints = var.aws_endpoint == null ? null : { ecr = var.aws_endpoint, sts = var.aws_endpoint }
  }
  # The Control Plane's API, once it runs (helm install of zenml-pro), to enrol the workspaces. Nothing
  # is contacted until then; the token never enters the state.
  control_plane = var.control_plane_url == null ? null : {
    url            = var.control_plane_url
    token          = var.zenml_token
    ca_certificate = var.ca_certificate_pem
  }
}

locals {
  postgres_tls          = var.postgres_tls_mode == "disabled" ? null : { mode = var.postgres_tls_mode, ca_certificate = var.database_ca_pem }
  mysql_tls             = var.mysql_tls_mode == "disabled" ? null : { mode = var.mysql_tls_mode, ca_certificate = var.database_ca_pem }
  control_plane_version = "0.13.0"
  workspaces = {
    workspace-1 = { version = "0.93.2", host = "zenml-workspace-1.ml.example.com", database = "zenml_workspace_1", user = "zenml_ws1" }
    workspace-2 = { version = "0.93.2", host = "zenml-workspace-2.ml.example.com", database = "zenml_workspace_2", user = "zenml_ws2" }
  }
  # The images as ZenML publishes them, copied under the same names and tags into your registry.
  images = merge(
    {
      control_plane_api       = { component = "control_plane_api", version = local.control_plane_version }
      control_plane_dashboard = { component = "control_plane_dashboard", version = local.control_plane_version }
    },
    { for v in distinct([for ws in local.workspaces : ws.version]) : "workspace_server_${v}" => { component = "workspace_server", version = v } },
  )
}

# --- Databases: one dedicated database and user per component ---

resource "zenmlpro_database" "control_plane" {
  server    = "control_plane"
  name      = "zenml_pro"
  component = "control_plane"
  user = {
    name                = "zenml_pro"
    password_wo         = var.control_plane_db_password
    password_wo_version = 1
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

# --- Images: copied from ZenML's registry into yours, and pull access for the nodes ---

resource "zenmlpro_image_mirror" "zenml" {
  for_each = local.images

  image = {
    component = each.value.component
    version   = each.value.version
    source    = var.zenml_source.source # ZenML grants your identity pull access first (zenmlpro_registry_access_request)
    registry  = var.zenml_source.registry
  }
  target_registry = var.registry_url
}

# On EKS the kubelet pulls with the node group's role, not the pods' IRSA role.
resource "zenmlpro_registry_access_grant" "nodes" {
  for_each = toset(["zenml-pro-api", "zenml-pro-dashboard", "zenml-pro-server"])

  ecr       = { repository = "${var.registry_path}/${each.key}", region = var.aws_region }
  principal = { aws_iam_role_arn = var.node_role_arn } # e.g. aws_iam_role.zenml_nodes.arn
  access    = "pull"
}

# --- Workspaces enrolled with the Control Plane, once it runs ---

# Each enrollment answers the workspace's IDs and its enrollment key. The key is written once to a file
# only its owner may read (never into the state); put it into the Kubernetes secret that the values name,
# e.g. kubectl -n zenml create secret generic workspace-1-enrollment --from-file=enrollment-key=<file>.
resource "zenmlpro_workspace_enrollment" "workspace" {
  for_each = var.control_plane_url == null ? {} : local.workspaces

  name                = each.key
  organization        = var.organization
  enrollment_key_file = "${path.root}/${each.key}-enrollment.key"
}

# --- Everything checked, and the Helm values ---

data "zenmlpro_prerequisites" "this" {
  scenario           = "self_hosted"
  kubernetes_version = var.kubernetes_version

  control_plane = {
    version = local.control_plane_version
    host    = "zenml.ml.example.com"
    database = {
      engine   = zenmlpro_database.control_plane.engine
      host     = var.postgres_host
      port     = var.postgres_port
      name     = zenmlpro_database.control_plane.name
      username = zenmlpro_database.control_plane.user.name
      tls_mode = var.postgres_tls_mode
    }
    sso = {
      enabled                     = true
      oidc_configuration_endpoint = var.oidc_configuration_endpoint
      client_id                   = var.oidc_client_id
    }
  }

  workspaces = {
    for name, ws in local.workspaces : name => {
      version = ws.version
      host    = ws.host
      database = {
        engine          = zenmlpro_database.workspace[name].engine
        host            = var.mysql_host
        port            = var.mysql_port
        name            = zenmlpro_database.workspace[name].name
        username        = zenmlpro_database.workspace[name].user.name
        tls_mode        = var.mysql_tls_mode
        password_secret = zenmlpro_database.workspace[name].password_secret
      }
      # What the workspace's enrollment returned; until the Control Plane runs, the checklist warns
      # that the values lack it.
      workspace_id          = try(zenmlpro_workspace_enrollment.workspace[name].workspace_id, null)
      organization_id       = try(zenmlpro_workspace_enrollment.workspace[name].organization_id, null)
      organization_name     = try(zenmlpro_workspace_enrollment.workspace[name].organization_name, null)
      enrollment_key_secret = { name = "${name}-enrollment", key = "enrollment-key" }
    }
  }

  tls = {
    certificate_chain_pem = var.certificate_chain_pem # e.g. file("certs/zenml-wildcard.pem")
    ca_certificate_pem    = var.ca_certificate_pem
    management            = "manual"
    secret_name           = "zenml-tls"
  }

  registry = {
    image_source = "private"
    url          = var.registry_url
    auth_method  = "aws_iam_role"
    principal    = var.node_role_arn
    workload     = "eks_node_role"
    # Pin every image to the digest the copy was verified at.
    digests = { for m in zenmlpro_image_mirror.zenml : m.target_uri => m.digest }
  }
}

# The next step plugs the values straight in, for example:
#
# resource "helm_release" "control_plane" {
#   name       = "zenml-pro"
#   repository = "oci://${var.registry_url}/charts"
#   chart      = "zenml-pro"
#   version    = local.control_plane_version
#   values     = [data.zenmlpro_prerequisites.this.control_plane_helm_values]
#   set_sensitive {
#     name  = "zenml.database.external.password"
#     value = var.control_plane_db_password_for_helm # from your secret store
#   }
#   set_sensitive {
#     name  = "zenml.auth.sso.clientSecret"
#     value = var.oidc_client_secret
#   }
# }
#
# resource "helm_release" "workspace" {
#   for_each   = local.workspaces
#   name       = each.key
#   repository = "oci://${var.registry_url}/charts"
#   chart      = "zenml"
#   version    = each.value.version
#   values     = [data.zenmlpro_prerequisites.this.workspace_helm_values[each.key]]
# }
