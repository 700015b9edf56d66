output "zenml_registry_request" {
  description = "The message to send ZenML for pull access to its registry."
  value       = data.zenmlpro_registry_access_request.zenml.request_text
}

output "ready" {
  value = data.zenmlpro_prerequisites.this.ready
}

output "checklist" {
  value = data.zenmlpro_prerequisites.this.checklist
}

output "network_flows" {
  description = "The connections to allow, including the workspaces' path to ZenML's Control Plane."
  value       = data.zenmlpro_prerequisites.this.network_flows
}

output "workspace_helm_values" {
  value = data.zenmlpro_prerequisites.this.workspace_helm_values
}

output "report_markdown" {
  value = data.zenmlpro_prerequisites.this.report_markdown
}
