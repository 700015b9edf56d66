// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package prerequisites

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/helmvalues"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

// report is the review document: the verdict, what is left to do, every check and its result, the
// versions and digests, who pulls the images, the network flows and the Helm values' secret keys. It
// holds no secret: nothing the result holds is one.
func report(res Result) string {
	var b strings.Builder
	counts := res.Counts()
	ready := "no"
	if res.Ready {
		ready = "yes"
	}
	fmt.Fprintf(&b, "# ZenML Pro prerequisites review\n\n")
	fmt.Fprintf(&b, "Scenario: **%s** (%s). Ready: **%s**. ", res.Scenario, res.Scenario.Description(), ready)
	var parts []string
	for _, s := range Statuses() {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	fmt.Fprintf(&b, "Checks: %s.\n\n", strings.Join(parts, ", "))

	WriteToDo(&b, res.Rows)
	b.WriteString("\n## Checklist\n")
	WriteChecklist(&b, res.Rows, Sections())

	b.WriteString("\n## Versions and images\n\n")
	if len(res.Images) == 0 {
		b.WriteString("No image reference could be built yet (see the checklist).\n")
	} else {
		b.WriteString("| Component | Workspaces | Version | Image | Digest |\n|---|---|---|---|---|\n")
		for _, img := range res.Images {
			digest := img.Digest
			if digest == "" {
				digest = "not pinned"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s |\n", img.Component, Cell(strings.Join(img.Workspaces, ", ")), img.Version, img.URI, digest)
		}
	}

	b.WriteString("\n## Registry access\n\n")
	for _, r := range res.Rows {
		if r.Section == SectionRegistry && (strings.HasPrefix(r.Item, "Authentication") || strings.HasPrefix(r.Item, "IAM role") ||
			strings.HasPrefix(r.Item, "Registry credentials") || strings.HasPrefix(r.Item, "Identity")) {
			fmt.Fprintf(&b, "- %s (%s): %s\n", r.Item, r.Status, oneLine(r.Detail))
		}
	}

	b.WriteString("\n## Network flows\n\n")
	if len(res.Flows) == 0 {
		b.WriteString("None known yet (the hosts are not given).\n")
	} else {
		b.WriteString("| From | To | Port | Protocol | Purpose |\n|---|---|---|---|---|\n")
		for _, f := range res.Flows {
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", Cell(f.From), Cell(f.To), f.Port, f.Protocol, Cell(f.Purpose))
		}
	}

	b.WriteString("\n## Helm values\n\n")
	if res.ControlPlaneValues != nil {
		writeValues(&b, "Control Plane", *res.ControlPlaneValues)
	}
	names := make([]string, 0, len(res.WorkspaceValues))
	for n := range res.WorkspaceValues {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		writeValues(&b, fmt.Sprintf("Workspace %q", n), res.WorkspaceValues[n])
	}
	if res.ControlPlaneValues == nil && len(names) == 0 {
		b.WriteString("None yet: the versions and the image source decide them.\n")
	}
	return b.String()
}

// writeValues lists, for one chart's values, the keys emitted with the source that shows the chart
// version reads each, the keys to set separately and the settings to make by hand.
func writeValues(b *strings.Builder, title string, v helmvalues.Values) {
	fmt.Fprintf(b, "### %s, chart %s %s\n\n", title, v.Chart, v.ChartVersion)
	if v.Newer() {
		fmt.Fprintf(b, "Chart %s is newer than %s, the newest version whose keys were checked: the keys below are those no later "+
			"chart is known to have dropped.\n\n", v.ChartVersion, v.VerifiedThrough)
	}
	fmt.Fprintf(b, "Top-level keys %s. Keys emitted, each with the source that shows chart %s %s reads it:\n\n",
		strings.Join(wording.Code(v.TopLevelKeys), ", "), v.Chart, v.ChartVersion)
	b.WriteString("| Key | Source |\n|---|---|\n")
	for _, k := range v.Keys {
		src := k.Source
		if k.Doubt != "" {
			src += " (weak: " + k.Doubt + ")"
		}
		fmt.Fprintf(b, "| `%s` | %s |\n", k.Key, Cell(src))
	}
	if len(v.Sensitive) == 0 {
		b.WriteString("\nEvery secret is a reference to a Kubernetes secret.\n")
	} else {
		b.WriteString("\nSet separately (set_sensitive), never in the values document:\n\n")
		for _, s := range v.Sensitive {
			fmt.Fprintf(b, "- `%s`: %s.\n", s.Key, oneLine(s.Purpose))
		}
	}
	if len(v.ByHand) > 0 {
		b.WriteString("\nTo set by hand (no source shows a key this chart version reads for it):\n\n")
		for _, h := range v.ByHand {
			fmt.Fprintf(b, "- `%s`: %s.\n", h.Key, oneLine(h.Why))
		}
	}
	b.WriteString("\n")
}

// WriteToDo writes the "To do" section of a review document: the rows that are fail, missing or warn,
// in that order, one line each.
func WriteToDo(b *strings.Builder, rows []Row) {
	b.WriteString("## To do\n\n")
	todo := 0
	for _, st := range []Status{Fail, Missing, Warn} {
		for _, r := range rows {
			if r.Status == st {
				todo++
				fmt.Fprintf(b, "- **%s** %s / %s: %s\n", st, r.Section, r.Item, oneLine(r.Detail))
			}
		}
	}
	if todo == 0 {
		b.WriteString("Nothing: every check passed.\n")
	}
}

// WriteChecklist writes rows as one Markdown table per section, in the order of sections; a section
// without rows is left out.
func WriteChecklist(b *strings.Builder, rows []Row, sections []string) {
	for _, section := range sections {
		var in []Row
		for _, r := range rows {
			if r.Section == section {
				in = append(in, r)
			}
		}
		if len(in) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n### %s\n\n| Item | Status | Detail |\n|---|---|---|\n", section)
		for _, r := range in {
			fmt.Fprintf(b, "| %s | %s | %s |\n", Cell(r.Item), r.Status, Cell(r.Detail))
		}
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Cell is s as a cell of a Markdown table: on one line, its pipes escaped.
func Cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", "\\|") }
