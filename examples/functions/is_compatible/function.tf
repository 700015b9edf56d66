# true: the prerequisites page's own pair, Control Plane 0.13.0 (2026-01-30) with Workspace Server 0.93.2 (2026-01-29)
output "page_example" {
  value = provider::zenmlpro::is_compatible("0.13.0", "0.93.2")
}

# false: Control Plane 0.12.22 (2026-01-14) is older than Workspace Server 0.93.2
output "control_plane_too_old" {
  value = provider::zenmlpro::is_compatible("0.12.22", "0.93.2")
}

# Guard a variable with it. Functions use the release catalog embedded in the provider only; for
# versions dated in the provider's `releases` attribute, use the zenmlpro_version_compatibility data source.
variable "workspace_version" {
  type    = string
  default = "0.93.1"

  validation {
    condition     = provider::zenmlpro::is_compatible("0.13.0", var.workspace_version)
    error_message = "The workspace version must be compatible with Control Plane 0.13.0: upgrade the Control Plane first."
  }
}
