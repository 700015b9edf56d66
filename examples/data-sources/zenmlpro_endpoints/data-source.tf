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

# An air-gapped site whose DNS zone corp.internal is private (ICANN reserves .internal for private
# use). Declaring the zone admits hosts under it; every other hostname rule still applies, and the
# common parent domain, cookie domain and wildcard certificate stay within the zone.
data "zenmlpro_endpoints" "air_gapped" {
  private_domains = ["corp.internal"]
  web_ui_host     = "zenml.ml.corp.internal" # the API is served at https://zenml.ml.corp.internal/api/v1
  workspace_hosts = {
    "workspace-1" = "zenml-workspace-1.ml.corp.internal"
  }
}

# ml.corp.internal
output "air_gapped_cookie_domain" {
  value = data.zenmlpro_endpoints.air_gapped.cookie_domain
}

# *.ml.corp.internal: a certificate from the site's private CA
output "air_gapped_wildcard_certificate" {
  value = data.zenmlpro_endpoints.air_gapped.wildcard_certificate
}

# In the hybrid scenario ZenML runs the Control Plane and its Web UI on ZenML's own domain, so
# needs_cors is always true; cookie_domain is what the workspace hosts share (ml.example.com).
data "zenmlpro_endpoints" "hybrid" {
  scenario = "hybrid"
  workspace_hosts = {
    "workspace-1" = "zenml-workspace-1.ml.example.com"
  }
}

# true
output "hybrid_needs_cors" {
  value = data.zenmlpro_endpoints.hybrid.needs_cors
}
