# What is decided so far about a self-hosted deployment. A part not decided yet (here: the SSO client
# ID) is a `missing` row; with on_not_ready = "warn" such rows are warnings and
# every output is set, while the default ("error") fails the plan until the checklist is complete.
data "zenmlpro_prerequisites" "zenml" {
  scenario           = "self_hosted"
  kubernetes_version = "1.29"
  on_not_ready       = "warn"

  control_plane = {
    version = "0.13.0"
    host    = "zenml.ml.example.com" # the API is served under /api/v1 (path routing)
    database = {
      engine   = "postgres"
      host     = "zenml-pro.abc123.eu-central-1.rds.amazonaws.com" # aws_db_instance.zenml_pro.address
      name     = "zenml_pro"
      username = "zenml_pro"
      tls_mode = "verify_full"
    }
    sso = {
      enabled                     = true
      oidc_configuration_endpoint = "https://login.example.com/.well-known/openid-configuration"
      # client_id not decided yet: a `missing` row
    }
  }

  workspaces = {
    workspace-1 = {
      version = "0.93.2"
      host    = "zenml-workspace-1.ml.example.com"
      database = {
        engine          = "mysql"
        host            = "zenml-workspaces.abc123.eu-central-1.rds.amazonaws.com"
        name            = "zenml_workspace_1"
        username        = "zenml_ws1"
        tls_mode        = "verify_full"
        password_secret = { name = "zenml-workspace-1-db", key = "password" } # zenmlpro_database.<name>.password_secret
      }
      workspace_id          = "7d5e6f43-1b9a-4c3e-9f0d-2a8b6c4e1f00"
      organization_id       = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
      organization_name     = "example-corp"
      enrollment_key_secret = { name = "workspace-1-enrollment", key = "enrollment-key" }
    }
  }

  tls = {
    management  = "cert_manager" # issued at deployment into the secret below
    secret_name = "zenml-tls"
  }

  registry = {
    image_source = "private"
    url          = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/zenml"
    auth_method  = "aws_iam_role"
    principal    = "arn:aws:iam::123456789012:role/zenml-pro-nodes" # aws_iam_role.zenml_nodes.arn
    workload     = "eks_node_role"                                  # the kubelet pulls with the node group's role
  }
}

# false until the SSO client ID is given
output "ready" {
  value = data.zenmlpro_prerequisites.zenml.ready
}

# The rows still open, e.g. [{ section = "SSO", item = "Client ID", status = "missing", detail = "..." }]
output "open_items" {
  value = [for r in data.zenmlpro_prerequisites.zenml.checklist : r if contains(["fail", "missing"], r.status)]
}

# Security group rules: e.g. { from = "workspace_server.workspace-1", to = "zenml-workspaces...rds.amazonaws.com", port = 3306, ... }
output "network_flows" {
  value = data.zenmlpro_prerequisites.zenml.network_flows
}

# For helm_release: values = [data.zenmlpro_prerequisites.zenml.workspace_helm_values["workspace-1"]]
output "workspace_1_values" {
  value = data.zenmlpro_prerequisites.zenml.workspace_helm_values["workspace-1"]
}

# The keys to set with set_sensitive, e.g. zenml.database.external.password, zenml.auth.sso.clientSecret and, for a
# workspace chart before 0.96.3, zenml.pro.enrollmentKey
output "set_sensitive" {
  value = [for s in data.zenmlpro_prerequisites.zenml.helm_sensitive_values : s.key]
}
