# Registry access for the identity that pulls the ZenML Pro images: on EKS the kubelet pulls with the
# node group's IAM role (not the pods' IRSA role, unless the kubelet's image credential provider is set
# up for service account tokens). ZenML grants it pull on its private ECR repositories on request
# (`zenml_registry_request` is the message to send), and this configuration grants it pull on your own
# mirror of the images. `make demo` sets these
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

variable "zenml_node_role_arn" {
  type        = string
  description = "The IAM role of the EKS node group that runs the ZenML Pro pods (the kubelet pulls images with it)."
}

variable "mirror_repositories" {
  type        = set(string)
  description = "Your ECR repositories holding mirrored ZenML Pro images."
  default     = ["zenml-pro-api", "zenml-pro-dashboard", "zenml-pro-server"]
}

data "zenmlpro_registry_access_request" "zenml" {
  workload  = "eks_node_role"
  principal = { aws_iam_role_arn = var.zenml_node_role_arn }
}

resource "zenmlpro_registry_access_grant" "mirror" {
  for_each = var.mirror_repositories

  ecr       = { repository = each.key, region = var.aws_region }
  principal = { aws_iam_role_arn = var.zenml_node_role_arn }
  access    = "pull"
}
