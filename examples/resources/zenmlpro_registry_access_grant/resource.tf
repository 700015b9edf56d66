# The provider reaches ECR with the default AWS credential chain (or the settings below). Those
# credentials need ecr:DescribeRepositories, ecr:GetRepositoryPolicy, ecr:SetRepositoryPolicy and
# ecr:DeleteRepositoryPolicy on the repository; they never enter the state.
provider "zenmlpro" {
  aws = {
    region = "eu-central-1"
  }
}

# The IAM role of the Kubernetes service account (EKS IRSA) that runs the Workspace Server: the same
# role you give ZenML in zenmlpro_registry_access_request. A role ARN, not an STS assumed-role ARN.
variable "workspace_server_role_arn" {
  type    = string
  default = "arn:aws:iam::123456789012:role/zenml-pro-pull"
}

# Pull on your mirror of ZenML's Workspace Server image: one statement of the repository policy,
# Sid ZenMLProPull<16 hex digits>, added next to whatever statements the policy already has.
resource "zenmlpro_registry_access_grant" "workspace_server_mirror" {
  ecr = {
    repository = "zenml/zenml-pro-server" # the name, without registry host or tag
    region     = "eu-central-1"
    # registry_id defaults to the account of the provider's credentials.
  }

  principal = {
    aws_iam_role_arn = var.workspace_server_role_arn
  }

  access = "pull" # the default; "push" includes pull
}

# For a reviewer: arn:aws:ecr:eu-central-1:123456789012:repository/zenml/zenml-pro-server pull arn:aws:iam::...
output "grant_id" {
  value = zenmlpro_registry_access_grant.workspace_server_mirror.id
}

# The statement's Sid and actions, known at plan; preexisting says whether the role had the access before.
output "grant_statement" {
  value = {
    sid         = zenmlpro_registry_access_grant.workspace_server_mirror.statement_id
    actions     = zenmlpro_registry_access_grant.workspace_server_mirror.actions
    preexisting = zenmlpro_registry_access_grant.workspace_server_mirror.preexisting
  }
}
