# Registry access for the identity the ZenML Pro pods run as, an EKS IRSA role. ZenML grants it pull
# on its private ECR repositories on request (`zenml_registry_request` is the message to send), and
# this configuration grants it pull on your own mirror of the images. `make demo` sets these
# variables (TF_VAR_...) for a local AWS stand-in; leave aws_endpoint null on AWS.

variable "aws_region" {
  type        = string
  description = "AWS region of the mirror repositories."
  default     = "eu-central-1"
}

variable "aws_endpoint" {
  type        = string
  description = "A local AWS endpoint for ECR, IAM and STS (the demo's moto server); null on AWS."
  default     = null
}

variable "zenml_pods_role_arn" {
  type        = string
  description = "The IAM role of the Kubernetes service account the ZenML Pro pods run as (EKS IRSA)."
}

variable "mirror_repositories" {
  type        = set(string)
  description = "Your ECR repositories holding mirrored ZenML Pro images."
  default     = ["zenml-pro-api", "zenml-pro-dashboard", "zenml-pro-server"]
}

data "zenmlpro_registry_access_request" "zenml" {
  workload  = "eks_irsa"
  principal = { aws_iam_role_arn = var.zenml_pods_role_arn }
}

resource "zenmlpro_registry_access_grant" "mirror" {
  for_each = var.mirror_repositories

  ecr       = { repository = each.key, region = var.aws_region }
  principal = { aws_iam_role_arn = var.zenml_pods_role_arn }
  access    = "pull"
}
