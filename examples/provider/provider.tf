# Ephemeral (Terraform 1.10+): the password never lands in a saved plan file or the state.
variable "db_admin_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "harbor_password" {
  description = "Password of the Harbor robot account that reads the ZenML mirror."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "db_ca_certificate" {
  description = "PEM of the CA that signed the database server's certificate (e.g. the RDS or Cloud SQL CA bundle)."
  type        = string
}

provider "zenmlpro" {
  # Admin connections to the database servers that hold ZenML Pro's databases, referred to by key in
  # zenmlpro_database.server. The provider connects lazily, so the host may come from a database server
  # created in the same apply. None of this enters the state.
  database_servers = {
    main = {
      engine   = "mysql"
      host     = "zenml-db.internal.example.com"
      username = "zenml_admin"
      password = var.db_admin_password
      tls = {
        mode           = "verify_full"
        ca_certificate = var.db_ca_certificate
      }
    }
  }

  # Credentials of the registries that zenmlpro_image reads digests from (resolve_digest), keyed by host
  # and port. ECR hosts get an authorization token from the aws settings and Artifact Registry hosts a
  # Google access token, without an entry; other hosts fall back to the Docker config. Never in the state.
  registries = {
    "harbor.internal.example.com" = {
      username = "robot$zenml"
      password = var.harbor_password
      # For a registry signed by an internal CA: ca_certificate = <PEM of that CA>.
    }
  }

  # Compatibility between the Control Plane and the Workspace Servers is judged by release date. The
  # provider embeds the dates it knew when it was built; a newer release (or one listed without a date)
  # cannot be judged until its date is given here, and a date given here wins over the embedded one.
  # Versions are exact releases, dates are YYYY-MM-DD; take them from the ZenML changelogs (the values
  # below only show the form). Provider-defined functions use the embedded dates only.
  releases = {
    control_plane = {
      "0.13.19" = "2026-07-01"
    }
    workspace_server = {
      "0.99.0" = "2026-11-20"
    }
  }
}
