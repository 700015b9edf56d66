# Air-gapped installation, step 1 of 2, on a machine that reaches ZenML's registries: write the
# offline bundle of one Control Plane release and the Workspace Server release it runs.
#
# `make demo` applies this against a local registry that plays ZenML's (images under
# <zenml_registry>/zenml, charts under <zenml_registry>/charts). At a real site, use
# source = "zenml_aws" or "zenml_gcp" (and no chart_registry) with the credentials ZenML issued in the
# provider's registries attribute, or the aws or gcp settings.

terraform {
  required_version = ">= 1.11"
  required_providers {
    zenmlpro = {
      source = "zenmlpro-infra/zenmlpro"
    }
  }
}

variable "zenml_registry" {
  type        = string
  description = "The registry holding ZenML's images and charts, e.g. 127.0.0.1:5001 in the demo."
}

variable "internal_registry" {
  type        = string
  description = "The registry inside the air-gapped site, host with optional path, e.g. harbor.internal.example.com/zenml."
}

variable "bundle_directory" {
  type        = string
  description = "Where the bundle is written: the folder that is carried inside."
}

provider "zenmlpro" {}

resource "zenmlpro_offline_bundle" "release" {
  directory             = var.bundle_directory
  control_plane_version = "0.13.0"
  workspace_versions    = ["0.93.2"]
  source                = "private"
  registry              = "${var.zenml_registry}/zenml"
  chart_registry        = "${var.zenml_registry}/charts"
  internal_registry     = var.internal_registry
}

output "bundle" {
  # For the transfer record: when, which digests, and one digest that names every file.
  value = {
    created_at        = zenmlpro_offline_bundle.release.created_at
    sha256sums_digest = zenmlpro_offline_bundle.release.sha256sums_digest
    images            = { for key, image in zenmlpro_offline_bundle.release.images : key => image.digest }
    charts            = { for key, chart in zenmlpro_offline_bundle.release.charts : key => chart.digest }
  }
}
