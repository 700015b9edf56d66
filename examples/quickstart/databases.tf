# One dedicated database per Workspace Server, each with a user that holds every privilege on it and
# nothing else. `make demo` sets these variables (TF_VAR_...) for its local MariaDB; point them at your
# MySQL 8.0+ server otherwise.

variable "mysql_host" {
  type        = string
  description = "Host name or IP address of the MySQL (or MariaDB) server."
}

variable "mysql_port" {
  type        = number
  description = "Port of the MySQL server."
  default     = 3306
}

variable "mysql_admin_username" {
  type        = string
  description = "The admin user the provider connects as (CREATE, CREATE USER and GRANT OPTION are enough)."
}

# Ephemeral (Terraform 1.10+): the password never lands in a saved plan file or the state.
variable "mysql_admin_password" {
  type        = string
  description = "Password of the admin user."
  sensitive   = true
  ephemeral   = true
}

variable "workspace_db_password" {
  type        = string
  description = "Password of the workspace database users. Ephemeral: it reaches the server through a write-only attribute and is stored nowhere."
  sensitive   = true
  ephemeral   = true
}

resource "zenmlpro_database" "workspace" {
  for_each = local.workspaces

  server    = "demo"
  name      = each.value.database
  component = "workspace_server"

  user = {
    name                = each.value.db_user
    password_wo         = var.workspace_db_password
    password_wo_version = 1 # raise it to set a new password
  }

  # deletion_policy defaults to "retain": `terraform destroy` keeps the databases and says so.
}
