# Copy the ZenML Pro images of one release into the site's Harbor, under the same names and tags.
# The provider's registries attribute holds the credentials ZenML issued for its registry and those
# of Harbor; an ECR source gets an authorization token from the provider's aws settings instead.
locals {
  control_plane_version = "0.13.0"
  workspace_version     = "0.93.2"
}

resource "zenmlpro_image_mirror" "api" {
  image = {
    component = "control_plane_api"
    version   = local.control_plane_version
    source    = "zenml_gcp"
  }
  target_registry = "harbor.internal.example.com/zenml"
}

resource "zenmlpro_image_mirror" "workspace_server" {
  image = {
    component = "workspace_server"
    version   = local.workspace_version
    source    = "zenml_aws"
  }
  target_registry = "harbor.internal.example.com/zenml"
  # Only the platform the cluster runs; the copy is then an index of this platform alone.
  platforms = ["linux/amd64"]
}

# Any image reference works; a digest pins the copy to that image.
resource "zenmlpro_image_mirror" "client" {
  source_uri      = "zenmldocker/zenml:0.93.2"
  target_registry = "harbor.internal.example.com/zenml"
  # Destroy deletes the copy's tag (only while it still names the copied image).
  keep_on_destroy = false
}

output "workspace_server_image" {
  # Helm values of the workspace chart, pinned to what was copied.
  value = {
    repository = trimsuffix(zenmlpro_image_mirror.workspace_server.target_uri, ":${local.workspace_version}")
    tag        = "${local.workspace_version}@${zenmlpro_image_mirror.workspace_server.digest}"
  }
}
