# Image URIs in ZenML's registries, e.g. for Helm values or a pull-through check.
output "control_plane_api_image" {
  # europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0
  value = provider::zenmlpro::image_uri("control_plane_api", "0.13.0", "zenml_gcp")
}

output "workspace_server_image" {
  # 715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2
  value = provider::zenmlpro::image_uri("workspace_server", "0.93.2", "zenml_aws")
}
