# The verify stage of the self-hosted deployment: run after helm install of both charts, as its own
# configuration (a data source reads at plan time, and before the install nothing runs). It checks that
# what runs is what the deploy stage declared: each server answers with a certificate valid for its
# host, and each workspace runs its version, compatible with the Control Plane, enrolled with its IDs.
# Its inputs come from the deploy stage's `declared` output (terraform output -json declared, or
# terraform_remote_state).

terraform {
  required_version = ">= 1.11"
  required_providers {
    zenmlpro = {
      source = "zenmlpro-infra/zenmlpro"
    }
  }
}

variable "control_plane_url" {
  type        = string
  description = "The Control Plane's URL, e.g. https://zenml.ml.example.com."
}

variable "declared" {
  type = object({
    control_plane_version = string
    workspaces = map(object({
      version         = string
      url             = string
      workspace_id    = optional(string)
      organization_id = optional(string)
    }))
  })
  description = "The deploy stage's `declared` output."
}

variable "ca_certificate_pem" {
  type        = string
  description = "The deployment's private CA; null for a public CA."
  default     = null
}

data "zenmlpro_deployment_check" "live" {
  control_plane      = { url = var.control_plane_url, version = var.declared.control_plane_version }
  workspaces         = var.declared.workspaces
  ca_certificate_pem = var.ca_certificate_pem
  on_failure         = "warn" # the pipeline decides from `ok`; "error" fails the stage instead
}

output "ok" {
  value = data.zenmlpro_deployment_check.live.ok
}

output "checklist" {
  value = data.zenmlpro_deployment_check.live.checklist
}

output "report_markdown" {
  value = data.zenmlpro_deployment_check.live.report_markdown
}
