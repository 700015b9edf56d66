// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package deploycheck

import (
	"fmt"
	"sort"
	"strings"
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

	b.WriteString("## To do\n\n")
	todo := 0
	for _, st := range []Status{Fail, Missing, Warn} {
		for _, r := range res.Rows {
			if r.Status == st {
				todo++
				fmt.Fprintf(&b, "- **%s** %s / %s: %s\n", st, r.Section, r.Item, oneLine(r.Detail))
			}
		}
	}
	if todo == 0 {
		b.WriteString("Nothing: every check passed.\n")
	}

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
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", cell(k), cell(s.URL), yesNo(s.Reachable), tlsText, cell(version),
				cell(deploymentType))
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
	for _, section := range sections {
		fmt.Fprintf(&b, "\n### %s\n\n| Item | Status | Detail |\n|---|---|---|\n", section)
		for _, r := range res.Rows {
			if r.Section == section {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(r.Item), r.Status, cell(r.Detail))
			}
		}
	}
	return b.String()
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", "\\|") }
