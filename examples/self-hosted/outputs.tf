output "ready" {
  description = "Every prerequisite is met: no check failed and nothing is missing."
  value       = data.zenmlpro_prerequisites.this.ready
}

output "checklist" {
  description = "Every check: section, item, status (ok, missing, fail, warn, not_applicable) and detail."
  value       = data.zenmlpro_prerequisites.this.checklist
}

output "network_flows" {
  description = "The connections to allow in security groups and firewalls."
  value       = data.zenmlpro_prerequisites.this.network_flows
}

output "control_plane_helm_values" {
  description = "Values of the zenml-pro chart."
  value       = data.zenmlpro_prerequisites.this.control_plane_helm_values
}

output "workspace_helm_values" {
  description = "Values of the zenml chart, by workspace."
  value       = data.zenmlpro_prerequisites.this.workspace_helm_values
}

output "helm_sensitive_values" {
  description = "Keys to set with set_sensitive from your secret store; their values are not here."
  value       = data.zenmlpro_prerequisites.this.helm_sensitive_values
}

# The review document; write it out with local_file, or read it from the state.
output "report_markdown" {
  value = data.zenmlpro_prerequisites.this.report_markdown
}
