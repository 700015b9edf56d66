# Copyright (c) zenmlpro-infra and contributors
# SPDX-License-Identifier: MPL-2.0
# The ID is the bundle directory. Every file is verified against SHA256SUMS first, the arguments are
# read from its manifest.json, and the state records the SHA256SUMS and manifest.json it verified. This
# is how a bundle already in a directory (another configuration's, or one whose apply was interrupted
# before the state recorded it) becomes this resource's: a create refuses such a directory.
terraform import zenmlpro_offline_bundle.release /srv/transfer/zenml-pro-0.13.0

# Or, from Terraform 1.5, in the configuration:
#   import {
#     to = zenmlpro_offline_bundle.release
#     id = "/srv/transfer/zenml-pro-0.13.0"
#   }
