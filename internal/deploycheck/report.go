// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package deploycheck

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/prerequisites"
)

// report is the checklist as a Markdown document: the verdict, what is left to do, each server's
// summary and every row by section. It holds nothing secret: the servers' public answers only.
func report(res Result) string {
	var b strings.Builder
	counts := res.Counts()
	verdict := "no"
	if res.OK {
		verdict = "yes"
	}
	b.WriteString("# ZenML Pro deployment check\n\n")
	parts := make([]string, 0, len(Statuses()))
	for _, s := range Statuses() {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	fmt.Fprintf(&b, "As declared: **%s**. Checks: %s.\n\n", verdict, strings.Join(parts, ", "))

	prerequisites.WriteToDo(&b, res.Rows)

	if len(res.Servers) > 0 {
		b.WriteString("\n## Servers\n\n| Server | URL | Reachable | TLS verified | Version | Deployment type |\n|---|---|---|---|---|---|\n")
		keys := make([]string, 0, len(res.Servers))
		for k := range res.Servers {
			if k != ControlPlaneKey {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if _, ok := res.Servers[ControlPlaneKey]; ok {
			keys = append([]string{ControlPlaneKey}, keys...)
		}
		for _, k := range keys {
			s := res.Servers[k]
			tlsText := "not applicable (http)"
			if s.TLSVerified != nil {
				tlsText = yesNo(*s.TLSVerified)
			}
			version, deploymentType := orNone(s.Version), orNone(s.DeploymentType)
			if k == ControlPlaneKey {
				version, deploymentType = "not reported", "not reported"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", prerequisites.Cell(k), prerequisites.Cell(s.URL), yesNo(s.Reachable), tlsText, prerequisites.Cell(version),
				prerequisites.Cell(deploymentType))
		}
	}

	b.WriteString("\n## Checklist\n")
	var sections []string
	seen := map[string]bool{}
	for _, r := range res.Rows {
		if !seen[r.Section] {
			seen[r.Section] = true
			sections = append(sections, r.Section)
		}
	}
	prerequisites.WriteChecklist(&b, res.Rows, sections)
	return b.String()
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
