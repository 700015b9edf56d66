provider "zenmlpro" {
  # Compatibility between the Control Plane and the Workspace Servers is judged by release date. The
  # provider embeds the dates it knew when it was built; a newer release (or one listed without a date)
  # cannot be judged until its date is given here, and a date given here wins over the embedded one.
  # Versions are exact releases, dates are YYYY-MM-DD; take them from the ZenML changelogs (the values
  # below only show the form). Provider-defined functions use the embedded dates only.
  releases = {
    control_plane = {
      "0.13.19" = "2026-07-01"
    }
    workspace_server = {
      "0.99.0" = "2026-11-20"
    }
  }
}
