# Copyright (c) zenmlpro-infra and contributors
# SPDX-License-Identifier: MPL-2.0

# The Control Plane to enrol workspaces with: its URL and a personal access token (or username and
# password), from variables that never reach the state or saved plans.
variable "zenml_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

provider "zenmlpro" {
  control_plane = {
    url            = "https://zenml.ml.example.com"
    token          = var.zenml_token
    ca_certificate = file("${path.module}/ca.pem") # the deployment's private CA
  }
}

# The enrollment key is written once to a file only its owner may read; it is not in the state.
resource "zenmlpro_workspace_enrollment" "workspace_1" {
  name                = "workspace-1"
  organization        = "example-corp" # or the organization's ID
  enrollment_key_file = "${path.root}/.secrets/workspace-1.key"
  deletion_policy     = "retain" # destroy forgets the workspace but keeps it in the Control Plane
}

# The same apply puts the key into the Kubernetes secret that the workspace's Helm values name
# (zenmlpro_prerequisites: workspaces["workspace-1"].enrollment_key_secret = { name = "zenml-workspace-1-enrollment", key = "key" }).
resource "terraform_data" "workspace_1_enrollment_secret" {
  triggers_replace = [zenmlpro_workspace_enrollment.workspace_1.enrollment_key_sha256]
  provisioner "local-exec" {
    command = "kubectl -n zenml create secret generic zenml-workspace-1-enrollment --from-file=key=${zenmlpro_workspace_enrollment.workspace_1.enrollment_key_file} --dry-run=client -o yaml | kubectl apply -f -"
  }
}

# Or, for a kubernetes_secret_v1 in the same configuration, keep the key in the state (encrypt and
# restrict the state then):
resource "zenmlpro_workspace_enrollment" "workspace_2" {
  name                          = "workspace-2"
  organization                  = "example-corp"
  store_enrollment_key_in_state = true
  deletion_policy               = "delete" # destroy deletes the workspace, by its ID
}

# pro.workspaceID, pro.organizationID and pro.organizationName of the workspace chart.
output "workspace_1_ids" {
  value = {
    workspace_id      = zenmlpro_workspace_enrollment.workspace_1.workspace_id
    organization_id   = zenmlpro_workspace_enrollment.workspace_1.organization_id
    organization_name = zenmlpro_workspace_enrollment.workspace_1.organization_name
  }
}
