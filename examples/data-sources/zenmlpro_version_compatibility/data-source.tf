# Fails the plan when a workspace runs a Workspace Server released after the Control Plane, or older
# than the minimum the Control Plane states. Upgrade the Control Plane first, then the workspaces.
data "zenmlpro_version_compatibility" "this" {
  control_plane_version = "0.13.0"
  workspace_versions = {
    workspace-1 = "0.93.2"
    workspace-2 = "0.93.1"
  }
}

# During an upgrade, report incompatible workspaces as warnings and decide in the configuration.
data "zenmlpro_version_compatibility" "upgrade" {
  control_plane_version = "0.13.0"
  workspace_versions    = { staging = "0.93.3" }
  on_incompatible       = "warn"
}

output "compatible" {
  value = data.zenmlpro_version_compatibility.this.compatible # true
}

output "control_plane_release_date" {
  value = data.zenmlpro_version_compatibility.this.control_plane_release_date # "2026-01-30"
}

# Which checks passed for each workspace, e.g.
# "pass: release order: Control Plane 0.13.0 (released 2026-01-30) is at least as new as Workspace Server 0.93.2 (released 2026-01-29)"
output "reasons" {
  value = { for name, r in data.zenmlpro_version_compatibility.this.results : name => r.reasons }
}

output "staging_upgrade_ok" {
  value = data.zenmlpro_version_compatibility.upgrade.compatible # false: 0.93.3 was released after 0.13.0
}
