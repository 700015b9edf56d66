# Image pull secrets of the ZenML Pro namespace, written with the kubernetes provider's write-only
# data_wo (Terraform 1.11+): the credentials never enter the plan, the state or the secret's
# Terraform attributes, only the cluster.
variable "harbor_password" {
  description = "Password of the Harbor robot account that pulls the ZenML Pro images from the site's mirror."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "zenml_registry_json_key" {
  description = "The JSON key ZenML issued for pulling from its Artifact Registry."
  type        = string
  sensitive   = true
  ephemeral   = true
}

provider "zenmlpro" {
  registries = {
    "harbor.internal.example.com" = {
      username = "robot$zenml"
      password = var.harbor_password
    }
  }
}

# The site's Harbor: the credentials of the provider's registries entry, which image digests are
# read with too. An ECR or Artifact Registry host without an entry gets a token instead (it expires:
# see expires_at), and any other host the credentials of the Docker config.
ephemeral "zenmlpro_registry_credentials" "harbor" {
  registry = "harbor.internal.example.com"
}

resource "kubernetes_secret_v1" "harbor_pull" {
  metadata {
    name      = "harbor-pull"
    namespace = "zenml-pro"
  }

  type = "kubernetes.io/dockerconfigjson"

  data_wo = {
    ".dockerconfigjson" = ephemeral.zenmlpro_registry_credentials.harbor.docker_config_json
  }
  # data_wo is sent to the cluster only when this number changes: increase it after rotating the
  # robot account's password.
  data_wo_revision = 1
}

# Pulling straight from ZenML's registry with the key ZenML issued: the user _json_key and the key
# are returned as they are, and nothing is contacted.
ephemeral "zenmlpro_registry_credentials" "zenml" {
  registry = "europe-west3-docker.pkg.dev"
  username = "_json_key"
  password = var.zenml_registry_json_key
}

resource "kubernetes_secret_v1" "zenml_pull" {
  metadata {
    name      = "zenml-registry-pull"
    namespace = "zenml-pro"
  }

  type = "kubernetes.io/dockerconfigjson"

  data_wo = {
    ".dockerconfigjson" = ephemeral.zenmlpro_registry_credentials.zenml.docker_config_json
  }
  data_wo_revision = 1
}
