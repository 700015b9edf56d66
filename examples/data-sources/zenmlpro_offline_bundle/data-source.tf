# On the air-gapped side: the bundle carried in is verified file by file against its SHA256SUMS,
# then every image and chart is pushed into the internal registry with the digests it was made from.
data "zenmlpro_offline_bundle" "carried" {
  path = "/media/zenml-bundle"
}

resource "zenmlpro_image_mirror" "images" {
  for_each        = data.zenmlpro_offline_bundle.carried.images
  source_bundle   = { path = data.zenmlpro_offline_bundle.carried.path, image = each.key }
  target_registry = data.zenmlpro_offline_bundle.carried.internal_registry
}

# Charts go to <internal_registry>/charts: the workspace chart and the client image are both named zenml.
resource "zenmlpro_image_mirror" "charts" {
  for_each        = data.zenmlpro_offline_bundle.carried.charts
  source_bundle   = { path = data.zenmlpro_offline_bundle.carried.path, chart = each.key }
  target_registry = each.value.internal_registry
}

output "helm" {
  # Helm's references inside: oci://harbor.internal.example.com/zenml/charts/zenml-pro --version 0.13.0
  value = { for key, chart in data.zenmlpro_offline_bundle.carried.charts : key => "${chart.internal_uri} --version ${chart.version}" }
}

output "verified" {
  # Equal to the connected side's zenmlpro_offline_bundle.sha256sums_digest when the bundle arrived whole.
  value = data.zenmlpro_offline_bundle.carried.sha256sums_digest
}
