# The hosts of a ZenML Pro deployment, every one under ml.example.com: one wildcard certificate,
# *.ml.example.com, covers them all.
data "zenmlpro_endpoints" "zenml" {
  web_ui_host            = "zenml.ml.example.com"
  control_plane_api_host = "zenml-api.ml.example.com"
  workspace_hosts = {
    "workspace-1" = "zenml-workspace-1.ml.example.com"
    "workspace-2" = "zenml-workspace-2.ml.example.com"
  }
}

# Fails the plan unless the certificate covers every host, chains to the site's private CA and stays
# valid for at least 30 more days; check it before it goes into the cluster's TLS secret.
data "zenmlpro_tls_certificate" "zenml" {
  certificate_chain_pem = file("certs/zenml-wildcard.pem") # the leaf first, then the intermediates
  ca_certificate_pem    = file("certs/zenml-ca.pem")       # leave out for a public CA: the system roots are used
  hostnames             = data.zenmlpro_endpoints.zenml.certificate_names
  min_remaining_days    = 30
}

# { "zenml-api.ml.example.com" = true, "zenml-workspace-1.ml.example.com" = true, ... }
output "covers" {
  value = data.zenmlpro_tls_certificate.zenml.covers
}

# Whole days until the certificate expires, e.g. 89
output "remaining_days" {
  value = data.zenmlpro_tls_certificate.zenml.remaining_days
}

# In CI, report the problems as warnings and decide in the configuration: with on_failure = "warn"
# every output is set, ok is false and problems says what to fix.
data "zenmlpro_tls_certificate" "ci" {
  certificate_chain_pem = file("certs/zenml-wildcard.pem")
  ca_certificate_pem    = file("certs/zenml-ca.pem")
  hostnames             = ["zenml.ml.example.com", "ml.example.com"] # the apex is not covered by *.ml.example.com
  on_failure            = "warn"
}

# false
output "ci_ok" {
  value = data.zenmlpro_tls_certificate.ci.ok
}

# ["The certificate \"CN=*.ml.example.com\" does not cover \"ml.example.com\": ..."]
output "ci_problems" {
  value = data.zenmlpro_tls_certificate.ci.problems
}
