# The admin connections live in the provider configuration, never in the state. A server created in
# the same apply (e.g. aws_db_instance.zenml.address) works: nothing connects until it is known.
provider "zenmlpro" {
  database_servers = {
    main = {
      engine   = "mysql"
      host     = "zenml-db.abc123.eu-west-1.rds.amazonaws.com"
      username = "admin"
      password = var.db_admin_password
      tls = {
        # mode defaults to verify_full: the certificate must chain to this CA and name the host.
        ca_certificate = file("${path.module}/rds-global-bundle.pem")
      }
    }
    pg = {
      engine   = "postgres"
      host     = "zenml-pg.internal.example.com"
      username = "zenml_admin"
      password = var.pg_admin_password
    }
  }
}

# Ephemeral (Terraform 1.10+): the admin passwords never land in a saved plan file or the state.
variable "db_admin_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "pg_admin_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Ephemeral: the user passwords reach the servers through write-only attributes and are never stored.
variable "workspace_db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "control_plane_db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# A Workspace Server's database with its own user (MySQL only).
resource "zenmlpro_database" "workspace_1" {
  server    = "main"
  name      = "zenml_workspace_1"
  component = "workspace_server"

  user = {
    name                = "zenml_ws1"
    password_wo         = var.workspace_db_password
    password_wo_version = 1 # change it to set a new password
  }

  # The Kubernetes secret that holds the password (and the TLS material) for the zenml chart.
  password_secret = {
    name = "zenml-workspace-1-db"
  }

  # Destroy keeps the database unless told otherwise: retain (default), drop_if_empty or drop.
  deletion_policy = "retain"
}

# The Control Plane's database on PostgreSQL; its user owns it.
resource "zenmlpro_database" "control_plane" {
  server    = "pg"
  name      = "zenml_pro"
  component = "control_plane"

  user = {
    name        = "zenml_cp"
    password_wo = var.control_plane_db_password
  }
}

# mysql://zenml_ws1@zenml-db.abc123.eu-west-1.rds.amazonaws.com:3306/zenml_workspace_1
output "workspace_1_store_url" {
  value = zenmlpro_database.workspace_1.store_url
}

# The zenml chart's database block, with the password and CA as secret references:
# {"zenml":{"database":{"url":"mysql://...","passwordSecretRef":{...},"ssl":true,...}}}
output "workspace_1_helm_values" {
  value = zenmlpro_database.workspace_1.helm_database_values
}

# The zenml-pro chart's zenml.database.external block (type, host, port when not the default, username, database; the password by set_sensitive).
output "control_plane_helm_values" {
  value = zenmlpro_database.control_plane.helm_database_values
}
