# Run after `helm install` of the zenml-pro and zenml charts, in a configuration (or a pipeline stage)
# of its own: at plan time, before the install, nothing runs yet and every server would fail.
data "zenmlpro_deployment_check" "live" {
  control_plane = {
    url     = "https://zenml.ml.example.com"
    version = "0.13.0" # not reported by the Control Plane; the workspaces' compatibility is judged with it
  }

  workspaces = {
    "workspace-1" = {
      url             = "https://zenml-workspace-1.ml.example.com"
      version         = "0.93.2"
      workspace_id    = "8a7c3e1f-2b4d-4c6a-9e8f-1a2b3c4d5e6f" # the IDs the enrollment returned
      organization_id = "5d9e2a41-7c3b-4f18-a6d2-0e9b8c7f6a15"
    }
  }

  # The deployment's private CA, trusted besides the system's; leave out for a public CA.
  ca_certificate_pem = file("certs/zenml-ca.pem")

  # The whole check, every server read at the same time; a server that has not answered by then fails.
  timeouts = {
    read = "2m"
  }
}

# true: every server answers, its certificate verifies, and each workspace runs what was declared
output "deployment_ok" {
  value = data.zenmlpro_deployment_check.live.ok
}

# { "control_plane" = null, "workspace-1" = "0.93.2" }: the versions the servers report
output "running_versions" {
  value = { for name, server in data.zenmlpro_deployment_check.live.servers : name => server.version }
}

# The rows that are not ok, e.g. { "Workspace \"workspace-1\" / Version" = "runs 0.93.1, but 0.93.2 is declared ..." }
output "problems" {
  value = {
    for row in data.zenmlpro_deployment_check.live.checklist : "${row.section} / ${row.item}" => row.detail
    if contains(["fail", "missing", "warn"], row.status)
  }
}

# In CI, keep every output and decide in the pipeline: with on_failure = "warn" a failed row is a
# warning, ok is false and report_markdown says what to fix.
data "zenmlpro_deployment_check" "ci" {
  workspaces = {
    "workspace-1" = { url = "https://zenml-workspace-1.ml.example.com", version = "0.93.2" }
  }
  ca_certificate_pem = file("certs/zenml-ca.pem")
  on_failure         = "warn"
}

# A Markdown review document: the verdict, what to do, each server and every check
output "ci_report" {
  value = data.zenmlpro_deployment_check.ci.report_markdown
}
