# On a machine that reaches ZenML's registries: one Control Plane release and the Workspace Server
# releases it runs, bundled for a site whose internal registry is Harbor. The provider's registries
# attribute (or an ECR token from the aws settings) holds the credentials ZenML issued.
resource "zenmlpro_offline_bundle" "release" {
  directory             = "/srv/transfer/zenml-pro-0.13.0"
  control_plane_version = "0.13.0"
  workspace_versions    = ["0.93.2"]
  source                = "zenml_aws"
  internal_registry     = "harbor.internal.example.com/zenml"
  # Only the platform the cluster runs; the docker tarballs are linux/amd64 by default.
  platforms = ["linux/amd64"]
}

output "bundle" {
  # For the transfer record: what was bundled, and one digest that names every file.
  value = {
    created_at        = zenmlpro_offline_bundle.release.created_at
    sha256sums_digest = zenmlpro_offline_bundle.release.sha256sums_digest
    images            = { for key, image in zenmlpro_offline_bundle.release.images : key => image.source_digest }
    charts            = { for key, chart in zenmlpro_offline_bundle.release.charts : key => chart.digest }
  }
}
