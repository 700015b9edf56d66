# The recommended layout of the ZenML Pro prerequisites: every endpoint under one parent subdomain,
# so one wildcard certificate covers them all and the authentication cookies are shared.
data "zenmlpro_endpoints" "zenml" {
  web_ui_host            = "zenml.ml.example.com"
  control_plane_api_host = "zenml-api.ml.example.com" # omit to serve the API at https://zenml.ml.example.com/api/v1
  workspace_hosts = {
    "workspace-1" = "zenml-workspace-1.ml.example.com"
    "workspace-2" = "zenml-workspace-2.ml.example.com"
  }
}

# https://zenml.ml.example.com
output "web_ui_url" {
  value = data.zenmlpro_endpoints.zenml.web_ui_url
}

# https://zenml-api.ml.example.com
output "control_plane_api_url" {
  value = data.zenmlpro_endpoints.zenml.control_plane_api_url
}

# { "workspace-1" = "https://zenml-workspace-1.ml.example.com", ... }
output "workspace_urls" {
  value = data.zenmlpro_endpoints.zenml.workspace_urls
}

# ml.example.com: the Control Plane's Helm value zenml.auth.authCookieDomain
output "cookie_domain" {
  value = data.zenmlpro_endpoints.zenml.cookie_domain
}

# false: every host shares ml.example.com
output "needs_cors" {
  value = data.zenmlpro_endpoints.zenml.needs_cors
}

# *.ml.example.com
output "wildcard_certificate" {
  value = data.zenmlpro_endpoints.zenml.wildcard_certificate
}

# Every name a certificate must cover, sorted.
output "certificate_names" {
  value = data.zenmlpro_endpoints.zenml.certificate_names
}
