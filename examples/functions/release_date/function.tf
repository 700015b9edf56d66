# "2026-01-30"
output "control_plane_release" {
  value = provider::zenmlpro::release_date("control_plane", "0.13.0")
}

# "2026-01-29"
output "workspace_server_release" {
  value = provider::zenmlpro::release_date("workspace_server", "0.93.2")
}
