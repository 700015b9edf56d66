# The Control Plane chart (zenml-pro) of release 0.13.0, from ZenML's public OCI registry.
data "zenmlpro_helm_chart" "control_plane" {
  chart   = "control_plane"
  version = "0.13.0"
}

# The Workspace Server chart (the ZenML OSS chart, zenml) from an internal OCI mirror. The registry may
# be written with or without oci://.
data "zenmlpro_helm_chart" "workspace" {
  chart    = "workspace_server"
  version  = "0.93.2"
  registry = "oci://harbor.internal.example.com/zenml"
}

output "helm_install" {
  # helm install zenml-pro oci://public.ecr.aws/zenml/zenml-pro --version 0.13.0
  value = "helm install zenml-pro ${data.zenmlpro_helm_chart.control_plane.oci_reference} --version ${data.zenmlpro_helm_chart.control_plane.version}"
}

output "workspace_chart" {
  # The repository and chart of a helm_release, and the tag of the images the chart deploys.
  value = {
    repository = data.zenmlpro_helm_chart.workspace.repository # oci://harbor.internal.example.com/zenml
    chart      = data.zenmlpro_helm_chart.workspace.name       # zenml
    version    = data.zenmlpro_helm_chart.workspace.version    # 0.93.2
    image_tag  = data.zenmlpro_helm_chart.workspace.image_tag  # 0.93.2
  }
}
