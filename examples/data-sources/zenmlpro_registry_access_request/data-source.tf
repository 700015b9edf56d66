# EKS: the kubelet pulls images with the node group's IAM role, so ZenML grants that role pull on its
# ECR repositories (Control Plane images in eu-west-1, the Workspace Server image in eu-central-1).
data "zenmlpro_registry_access_request" "eks" {
  workload = "eks_node_role"
  principal = {
    aws_iam_role_arn = "arn:aws:iam::123456789012:role/zenml-pro-pull"
  }
}

# EKS with IRSA, when the kubelet's image credential provider pulls with the pods' service account
# token (Kubernetes 1.33+); without kubelet_uses_pod_identity the request warns that the role does not pull.
data "zenmlpro_registry_access_request" "eks_irsa" {
  workload                  = "eks_irsa"
  kubelet_uses_pod_identity = true
  principal = {
    aws_iam_role_arn = "arn:aws:iam::123456789012:role/zenml-pro-pods"
  }
}

# Hybrid scenario on GKE with Workload Identity: only the Workspace Server image is needed, and the
# Kubernetes service account zenml/zenml-server is granted read on ZenML's Artifact Registry. The
# cluster's kubelet credential provider pulls with it (otherwise use workload = "gke_node" with the
# node pool's service account).
data "zenmlpro_registry_access_request" "gke" {
  workload                  = "gke_workload_identity"
  kubelet_uses_pod_identity = true
  components                = ["workspace_server"]
  principal = {
    gke_workload_identity = {
      project         = "my-project"
      namespace       = "zenml"
      service_account = "zenml-server"
    }
  }
}

# Outside AWS and GCP: ask ZenML for a JSON key to use with Docker.
data "zenmlpro_registry_access_request" "docker" {
  workload = "docker_credentials"
}

# The message to send ZenML support, and a JSON document for a ticket system.
output "eks_request_text" {
  value = data.zenmlpro_registry_access_request.eks.request_text
}

output "gke_request_json" {
  value = data.zenmlpro_registry_access_request.gke.request_json
}

# The ECR repositories, with their regions and ARNs.
output "eks_repositories" {
  value = {
    for r in data.zenmlpro_registry_access_request.eks.repositories : r.image_name => { region = r.region, arn = r.arn }
  }
}

output "gke_member" {
  value = data.zenmlpro_registry_access_request.gke.grantee
}

# Who pulls the images: what a reviewer checks the grant against.
output "eks_pulled_by" {
  value = data.zenmlpro_registry_access_request.eks.pulled_by # "the kubelet, with the node group's IAM role"
}
