# Copyright (c) zenmlpro-infra and contributors
# SPDX-License-Identifier: MPL-2.0
# A database: <server>/<database>, where <server> is the key in the provider's database_servers.
terraform import zenmlpro_database.workspace_1 main/zenml_workspace_1

# With its dedicated user: <server>/<database>/<user>, and on MySQL optionally @<host> (default %).
terraform import zenmlpro_database.workspace_1 main/zenml_workspace_1/zenml_ws1@%
terraform import zenmlpro_database.control_plane pg/zenml_pro/zenml_cp

# Or, from Terraform 1.5, in the configuration:
#   import {
#     to = zenmlpro_database.workspace_1
#     id = "main/zenml_workspace_1/zenml_ws1@%"
#   }
