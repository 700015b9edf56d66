# Copyright (c) zenmlpro-infra and contributors
# SPDX-License-Identifier: MPL-2.0
# The ID is the copy's reference, <target_registry>/<name>:<tag>. The source comes from the
# configuration: the next plan reads it and, when the copy already holds its digest, copies nothing.
# Import is how a tag that already holds an image (which the plan refuses to write over) becomes this
# resource's copy; an imported copy keeps keep_on_destroy = true unless the configuration sets it.
terraform import zenmlpro_image_mirror.workspace_server harbor.internal.example.com/zenml/zenml-pro-server:0.93.2

# Or, from Terraform 1.5, in the configuration:
#   import {
#     to = zenmlpro_image_mirror.workspace_server
#     id = "harbor.internal.example.com/zenml/zenml-pro-server:0.93.2"
#   }
