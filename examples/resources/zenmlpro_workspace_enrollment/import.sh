# Copyright (c) zenmlpro-infra and contributors
# SPDX-License-Identifier: MPL-2.0
# The ID is the workspace's ID in the Control Plane (Web UI: the workspace's settings; API:
# GET /api/v1/workspaces?organization_id=...&workspace_name=...). The enrollment key cannot be read
# back: an imported workspace keeps the key its server already has, and the configuration needs no
# enrollment_key_file. An imported workspace keeps deletion_policy = "retain" unless the configuration
# sets it.
terraform import zenmlpro_workspace_enrollment.workspace_1 0f4c5a2e-5b1d-4c1e-9a40-1d2f3c4b5a69

# Or, from Terraform 1.5, in the configuration:
#   import {
#     to = zenmlpro_workspace_enrollment.workspace_1
#     id = "0f4c5a2e-5b1d-4c1e-9a40-1d2f3c4b5a69"
#   }
