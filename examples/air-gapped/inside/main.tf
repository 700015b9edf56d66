# Air-gapped installation, step 2 of 2, inside the site: verify the bundle that was carried in, file by
# file against its SHA256SUMS, and push every image and chart into the internal registry with the
# digests it was made from. The outputs are what the Helm values and `helm install` take.

terraform {
  required_version = ">= 1.11"
  required_providers {
    zenmlpro = {
      source = "zenmlpro-infra/zenmlpro"
    }
  }
}

variable "bundle_path" {
  type        = string
  description = "The bundle folder as it arrived inside."
}

# The internal registry's credentials would go in registries = { "harbor.internal.example.com" = { ... } }.
provider "zenmlpro" {}

data "zenmlpro_offline_bundle" "carried" {
  path = var.bundle_path
}

resource "zenmlpro_image_mirror" "images" {
  for_each        = data.zenmlpro_offline_bundle.carried.images
  source_bundle   = { path = var.bundle_path, image = each.key }
  target_registry = data.zenmlpro_offline_bundle.carried.internal_registry
}

resource "zenmlpro_image_mirror" "charts" {
  for_each        = data.zenmlpro_offline_bundle.carried.charts
  source_bundle   = { path = var.bundle_path, chart = each.key }
  target_registry = each.value.internal_registry
}

output "verified" {
  # Equal to the connected side's sha256sums_digest: the bundle arrived whole.
  value = data.zenmlpro_offline_bundle.carried.sha256sums_digest
}

output "images" {
  # <internal registry>/<name>:<tag>@<digest>, for the charts' image values.
  value = { for key, m in zenmlpro_image_mirror.images : key => "${m.target_uri}@${m.digest}" }
}

output "helm" {
  # helm install ... <chart reference> --version <version>
  value = { for key, chart in data.zenmlpro_offline_bundle.carried.charts : key => "${chart.internal_uri} --version ${chart.version}" }
}
