# The Control Plane images of release 0.13.0 from ZenML's GCP Artifact Registry.
data "zenmlpro_image" "api" {
  component = "control_plane_api"
  version   = "0.13.0"
  source    = "zenml_gcp"
}

data "zenmlpro_image" "dashboard" {
  component = "control_plane_dashboard"
  version   = "0.13.0"
  source    = "zenml_gcp"
}

# The Workspace Server image from ZenML's AWS ECR (eu-central-1, unlike the Control Plane's eu-west-1).
data "zenmlpro_image" "workspace_server" {
  component = "workspace_server"
  version   = "0.93.2"
  source    = "zenml_aws"
}

# The same image from a private mirror that keeps ZenML's image names and tags, pinned by digest.
data "zenmlpro_image" "workspace_server_mirror" {
  component = "workspace_server"
  version   = "0.93.2"
  source    = "private"
  registry  = "harbor.internal.example.com/zenml"
  digest    = "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
}

# The digest the mirror's tag points to, asked at plan time with the provider's registries credentials:
# the state records which image was deployed, and a pinned digest fails the plan if the tag moved.
data "zenmlpro_image" "workspace_server_resolved" {
  component      = "workspace_server"
  version        = "0.93.2"
  source         = "private"
  registry       = "harbor.internal.example.com/zenml"
  resolve_digest = true
}

output "workspace_server_pinned" {
  # harbor.internal.example.com/zenml/zenml-pro-server@sha256:..., and the platforms of the index.
  value = {
    uri       = data.zenmlpro_image.workspace_server_resolved.uri_by_digest
    platforms = [for p in data.zenmlpro_image.workspace_server_resolved.platforms : "${p.os}/${p.architecture}"]
  }
}

output "control_plane_images" {
  # europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0, ...
  value = {
    api       = data.zenmlpro_image.api.uri
    dashboard = data.zenmlpro_image.dashboard.uri
  }
}

output "workspace_server_image" {
  # 715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2
  value = data.zenmlpro_image.workspace_server.uri
}

output "workspace_server_helm_values" {
  # Helm values of the workspace chart (zenml.image.repository and zenml.image.tag).
  value = {
    repository = data.zenmlpro_image.workspace_server_mirror.repository
    tag        = data.zenmlpro_image.workspace_server_mirror.tag
  }
}

output "pull_secret_server" {
  # harbor.internal.example.com: the server of an image pull secret for the mirror.
  value = data.zenmlpro_image.workspace_server_mirror.registry_host
}
