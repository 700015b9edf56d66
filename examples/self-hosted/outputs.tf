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

# What the verify stage (verify/) checks the running deployment against, once both charts are installed.
output "declared" {
  description = "The declared versions and each workspace's host and enrollment IDs (null before the enrollment)."
  value = {
    control_plane_version = local.control_plane_version
    workspaces = {
      for name, ws in local.workspaces : name => {
        version         = ws.version
        url             = "https://${ws.host}"
        workspace_id    = try(zenmlpro_workspace_enrollment.workspace[name].workspace_id, null)
        organization_id = try(zenmlpro_workspace_enrollment.workspace[name].organization_id, null)
      }
    }
  }
}
