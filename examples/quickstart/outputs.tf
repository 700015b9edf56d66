output "compatible" {
  description = "Every workspace works with the Control Plane."
  value       = data.zenmlpro_version_compatibility.this.compatible
}

output "compatibility_reasons" {
  description = "Which rules each workspace passed."
  value       = { for name, r in data.zenmlpro_version_compatibility.this.results : name => r.reasons }
}

output "control_plane_images" {
  value = {
    api       = data.zenmlpro_image.control_plane_api.uri
    dashboard = data.zenmlpro_image.control_plane_dashboard.uri
  }
}

output "workspace_images" {
  value = { for name, img in data.zenmlpro_image.workspace_server : name => img.uri }
}

output "helm_charts" {
  description = "What `helm install` takes: chart reference, --version, and the image tag it implies."
  value = merge(
    { control_plane = { chart = data.zenmlpro_helm_chart.control_plane.oci_reference, version = data.zenmlpro_helm_chart.control_plane.version } },
    { for name, c in data.zenmlpro_helm_chart.workspace : name => { chart = c.oci_reference, version = c.version } },
  )
}

output "urls" {
  value = {
    web_ui        = data.zenmlpro_endpoints.this.web_ui_url
    control_plane = data.zenmlpro_endpoints.this.control_plane_api_url
    workspaces    = data.zenmlpro_endpoints.this.workspace_urls
  }
}

output "tls" {
  description = "The names a certificate must cover, and the one wildcard that covers them all."
  value = {
    names         = data.zenmlpro_endpoints.this.certificate_names
    wildcard      = data.zenmlpro_endpoints.this.wildcard_certificate
    cookie_domain = data.zenmlpro_endpoints.this.cookie_domain
    needs_cors    = data.zenmlpro_endpoints.this.needs_cors
  }
}

# The same checks as pure functions, usable in any expression.
output "functions" {
  value = {
    workspace_1_compatible = provider::zenmlpro::is_compatible(local.control_plane_version, local.workspaces["workspace-1"].version)
    control_plane_released = provider::zenmlpro::release_date("control_plane", local.control_plane_version)
    api_image              = provider::zenmlpro::image_uri("control_plane_api", local.control_plane_version, local.image_source)
  }
}

# ZenML store URLs without the password: the workspace chart's zenml.database.url.
output "database_store_urls" {
  description = "The store URL of each workspace's database; the password comes from a Kubernetes secret."
  value       = { for name, db in zenmlpro_database.workspace : name => db.store_url }
}

output "zenml_registry_request" {
  description = "The message to send ZenML support for pull access to its private registries."
  value       = data.zenmlpro_registry_access_request.zenml.request_text
}

output "mirror_grants" {
  description = "The statement each mirror repository's policy holds for the node group's role."
  value       = { for repo, g in zenmlpro_registry_access_grant.mirror : repo => g.statement_id }
}
