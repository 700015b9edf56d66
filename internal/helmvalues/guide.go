// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package helmvalues

import (
	"fmt"
	"strings"
)

// GuidePath is where the guide of the contract is kept, relative to the repository's root; `make
// generate` writes it (cmd contractdoc) and turns it into docs/guides/ with the other templates.
const GuidePath = "templates/guides/helm-values.md.tmpl"

// Guide renders the contract as the guide "Helm values by chart version", for a reviewer to audit
// every key the provider emits: the versions that read it and the source that shows it.
func Guide() string {
	var b strings.Builder
	b.WriteString(`---
page_title: "Helm values by chart version"
subcategory: "Guides"
description: |-
  Every key of the zenml and zenml-pro charts that zenmlpro_prerequisites and zenmlpro_database emit, the chart versions that read it, and the source that shows it.
---

<!-- Generated from internal/helmvalues/contract.go by make generate; do not edit. -->

# Helm values by chart version

` + "`zenmlpro_prerequisites`" + ` (` + "`control_plane_helm_values`, `workspace_helm_values`" + `) and
` + "`zenmlpro_database`" + ` (` + "`helm_database_values`" + `) emit only the keys in the tables below, each for the chart
versions that read it. A setting without such a key is not guessed: the checklist lists it as a setting to
make by hand, with why, and ` + "`report_markdown`" + ` lists per chart the keys emitted with their sources. No secret
value is ever emitted: a secret goes by reference to a Kubernetes secret where the chart version reads one,
and is otherwise listed in ` + "`helm_sensitive_values`" + ` with the exact key to set with ` + "`set_sensitive`" + `.

Sources are ZenML's own: the files of the ` + "`zenml`" + ` chart in the zenml-io/zenml repository (` + "`helm/`" + `) at the
named commit, its changelog and pull requests, and, for the ` + "`zenml-pro`" + ` chart, whose files are not public,
ZenML's documentation. Where sources disagree, the chart's files win.

`)
	for _, chart := range []string{WorkspaceChart, ControlPlaneChart} {
		title := "The workspace server chart `zenml`"
		if chart == ControlPlaneChart {
			title = "The Control Plane chart `zenml-pro`"
		}
		fmt.Fprintf(&b, "## %s\n\n", title)
		fmt.Fprintf(&b, "Covered: chart versions %s and later; checked against versions up to %s. A newer chart gets the keys no "+
			"later chart is known to have dropped, and the checklist warns that it is newer.", CoveredFrom(chart), VerifiedThrough(chart))
		if chart == WorkspaceChart {
			fmt.Fprintf(&b, " `%s` stands for the top-level key of the server settings: `zenml` before %s, `server` from %s on "+
				"(both are read from then on, and `zenml` wins where both set a key).", ServerBlock, workspaceServerKeyFrom(), workspaceServerKeyFrom())
		}
		b.WriteString("\n\n| Key | Type | From | Until | What the chart does with it | Source |\n|---|---|---|---|---|---|\n")
		for _, k := range Contract() {
			if k.Chart != chart {
				continue
			}
			until := k.Until
			if until == "" {
				until = "-"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", k.Path, cell(string(k.Type)), k.From, until, cell(k.Becomes), cell(k.Source))
		}
		b.WriteString("\n")
	}
	b.WriteString(`## Secrets, by the route each chart version has

| Secret | Route |
|---|---|
| Workspace database password | ` + "`<server>.database.passwordSecretRef`" + ` (every covered version); the store URL carries no password |
| Workspace database TLS (CA, client certificate and key) | ` + "`<server>.database.sslCa`, `sslCert`, `sslKey`" + ` as ` + "`{secretRef: {name, key}}`" + ` into the password's secret (keys ` + "`ca.crt`, `tls.crt`, `tls.key`" + `) |
| Enrollment key | ` + "`<server>.pro.enrollmentKeySecretRef`" + ` from ` + workspaceEnrollmentKeySecretRefAt + `; before, ` + "`<server>.pro.enrollmentKey`" + ` in ` + "`helm_sensitive_values`" + ` (the chart keeps it in its own Secret, which its server, migration job and workers read) |
| Control Plane database password | ` + "`zenml.database.external.password`" + ` in ` + "`helm_sensitive_values`" + `; from ` + controlPlaneDatabaseSecretRefFrom + ` the chart also reads it from a secret, by a key no public source names |
| SSO client secret, local admin password | ` + "`zenml.auth.sso.clientSecret`, `zenml.auth.password.adminPassword`" + ` in ` + "`helm_sensitive_values`" + `; from ` + controlPlaneAuthSecretRefsFrom + ` the chart also reads them from a secret, by keys no public source names |

## Settings the values do not carry

- The Control Plane's custom CA certificates: ZenML's documentation names ` + "`zenml.certificates`" + ` without its shape.
- Anything the tables above do not list for the chart version.

Each is a ` + "`warn`" + ` row of the checklist, "settings to make by hand", saying what to set; ` + "`helm show values`" + ` of the
chart version shows its keys.
`)
	return b.String()
}

// workspaceServerKeyFrom is the first workspace chart version that reads `server:`.
func workspaceServerKeyFrom() string { return rule(WorkspaceChart, "server").From }

// cell makes s fit a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", "\\|")
}
