# Copyright (c) zenmlpro-infra and contributors
# SPDX-License-Identifier: MPL-2.0
# The ID has three parts separated by single spaces, so quote it.

# ECR: "<repository ARN> <access> <role ARN>".
terraform import zenmlpro_registry_access_grant.workspace_server_mirror 'arn:aws:ecr:eu-central-1:123456789012:repository/zenml/zenml-pro-server pull arn:aws:iam::123456789012:role/zenml-pro-pull'

# Artifact Registry with a service account: "<repository name> <access> serviceAccount:EMAIL".
terraform import zenmlpro_registry_access_grant.cloud_run 'projects/my-project/locations/europe-west3/repositories/zenml-mirror pull serviceAccount:zenml-pull@my-project.iam.gserviceaccount.com'

# Artifact Registry with GKE Workload Identity: the member serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA].
terraform import zenmlpro_registry_access_grant.gke 'projects/my-project/locations/europe-west3/repositories/zenml-mirror pull serviceAccount:my-project.svc.id.goog[zenml/zenml-server]'

# Or, from Terraform 1.5, in the configuration:
#   import {
#     to = zenmlpro_registry_access_grant.workspace_server_mirror
#     id = "arn:aws:ecr:eu-central-1:123456789012:repository/zenml/zenml-pro-server pull arn:aws:iam::123456789012:role/zenml-pro-pull"
#   }
# The ID names the access level: a pull grant and a push grant of one principal are two resources.
