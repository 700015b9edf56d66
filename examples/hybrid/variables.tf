variable "kubernetes_version" {
  type        = string
  description = "The cluster's Kubernetes version, e.g. \"1.29\" (aws_eks_cluster.<name>.version)."
}

variable "node_role_arn" {
  type        = string
  description = "The IAM role of the EKS node group that runs the workspace servers (aws_iam_role.<name>.arn)."
}

variable "mysql_host" {
  type        = string
  description = "The workspaces' MySQL 8.0+ server (aws_db_instance.<name>.address)."
}

variable "mysql_admin_username" {
  type        = string
  description = "The admin user the provider connects to MySQL as."
}

variable "database_ca_pem" {
  type        = string
  description = "The CA certificate of the database server, e.g. the RDS CA bundle."
}

variable "mysql_admin_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "workspace_db_password" {
  type        = string
  description = "The workspace database users' password; put it into each workspace's Kubernetes secret (password_secret)."
  sensitive   = true
  ephemeral   = true
}

variable "resolve_digests" {
  type        = bool
  description = "Read the images' digests at ZenML's ECR (needs the access ZenML grants on request)."
  default     = true
}

variable "enrollments" {
  type = map(object({
    workspace_id      = string
    organization_id   = string
    organization_name = string
  }))
  description = "What ZenML handed over for each workspace, by workspace name; empty until then."
  default     = {}
}
