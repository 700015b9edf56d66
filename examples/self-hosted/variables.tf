variable "kubernetes_version" {
  type        = string
  description = "The cluster's Kubernetes version, e.g. \"1.29\" (aws_eks_cluster.<name>.version)."
}

variable "aws_region" {
  type        = string
  description = "AWS region of your ECR registry."
  default     = "eu-central-1"
}

variable "aws_endpoint" {
  type        = string
  description = "A local AWS endpoint for ECR, IAM and STS (the demo's moto server); null on AWS."
  default     = null
}

variable "zenml_source" {
  type = object({
    source   = string
    registry = optional(string)
  })
  description = "Where the images are copied from: ZenML's registry (zenml_aws or zenml_gcp), or source = \"private\" with the registry of an earlier copy."
  default     = { source = "zenml_aws" }
}

variable "registry_url" {
  type        = string
  description = "Your registry and path the images are copied to, e.g. \"123456789012.dkr.ecr.eu-central-1.amazonaws.com/zenml\"."
}

variable "registry_path" {
  type        = string
  description = "The path part of registry_url: the ECR repositories are <registry_path>/zenml-pro-api, ..."
  default     = "zenml"
}

variable "node_role_arn" {
  type        = string
  description = "The IAM role of the EKS node group that runs ZenML Pro (aws_iam_role.<name>.arn): the kubelet pulls images with it."
}

variable "postgres_host" {
  type        = string
  description = "The Control Plane's PostgreSQL server (aws_db_instance.<name>.address)."
}

variable "postgres_admin_username" {
  type        = string
  description = "The admin user the provider connects to PostgreSQL as (CREATEROLE and CREATEDB are enough)."
}

variable "mysql_host" {
  type        = string
  description = "The workspaces' MySQL 8.0+ server (aws_db_instance.<name>.address)."
}

variable "postgres_port" {
  type    = number
  default = 5432
}

variable "mysql_port" {
  type    = number
  default = 3306
}

variable "postgres_tls_mode" {
  type        = string
  description = "How the provider and ZenML connect to PostgreSQL: verify_full (with database_ca_pem), verify_ca, required or disabled."
  default     = "verify_full"
}

variable "mysql_tls_mode" {
  type        = string
  description = "How the provider and ZenML connect to MySQL: verify_full (with database_ca_pem), verify_ca, required or disabled."
  default     = "verify_full"
}

variable "mysql_admin_username" {
  type        = string
  description = "The admin user the provider connects to MySQL as."
}

variable "database_ca_pem" {
  type        = string
  description = "The CA certificate of the database servers, e.g. the RDS CA bundle; null when both TLS modes are \"disabled\"."
  default     = null
}

variable "postgres_admin_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "mysql_admin_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "control_plane_db_password" {
  type        = string
  description = "The Control Plane database user's password: written to the server only (write-only), and given to Helm with set_sensitive."
  sensitive   = true
  ephemeral   = true
}

variable "workspace_db_password" {
  type        = string
  description = "The workspace database users' password; put it into each workspace's Kubernetes secret (password_secret)."
  sensitive   = true
  ephemeral   = true
}

variable "oidc_configuration_endpoint" {
  type        = string
  description = "The OIDC provider's discovery URL, e.g. https://login.example.com/.well-known/openid-configuration."
}

variable "oidc_client_id" {
  type        = string
  description = "The client ID of the OIDC application registered for ZenML Pro."
}

variable "certificate_chain_pem" {
  type        = string
  description = "The certificate chain of the ingresses in PEM, leaf first (for *.ml.example.com)."
}

variable "ca_certificate_pem" {
  type        = string
  description = "The private CA that issued it; null for a public CA."
  default     = null
}

variable "control_plane_url" {
  type        = string
  description = "The Control Plane's URL once it runs (after helm install of zenml-pro), e.g. https://zenml.ml.example.com; null until then, which enrols nothing."
  default     = null
}

variable "zenml_token" {
  type        = string
  description = "A personal access token of a Control Plane user who may create workspaces (an organization admin)."
  sensitive   = true
  ephemeral   = true
  default     = null
}

variable "organization" {
  type        = string
  description = "The Control Plane organization the workspaces belong to, by name or ID."
  default     = "example-corp"
}
