// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package releases

import (
	"fmt"

	goversion "github.com/hashicorp/go-version"
)

// Rule names, as they appear in results and diagnostics.
const (
	RuleReleaseOrder   = "release order"
	RuleStatedMinimum  = "stated minimum"
	ruleOrderStatement = "the Control Plane must be at least as new as the Workspace Server, by release date (ZenML Pro prerequisites: \"Compatibility between versions is guaranteed as long as the Control Plane version is at least as new as the Workspace Server version\")"
)

// Minimum is a minimum Workspace Server version that a range of Control Plane versions states.
type Minimum struct {
	ControlPlaneFrom, ControlPlaneTo string // inclusive range of Control Plane versions
	WorkspaceServer                  string // the lowest Workspace Server version they accept
	Source                           string
}

// Minimums are the stated minimums from the ZenML Pro Control Plane changelog.
var Minimums = []Minimum{{
	ControlPlaneFrom: "0.12.0",
	ControlPlaneTo:   "0.13.3",
	WorkspaceServer:  "0.85.0",
	Source:           "ZenML Pro Control Plane changelog 0.12.0 to 0.13.3: \"Requires ZenML Server and SDK v0.85.0 or later\"",
}}

// Check is the verdict on one Control Plane / Workspace Server pair.
type Check struct {
	ControlPlane    Release
	WorkspaceServer Release
	Compatible      bool
	// Reasons has one sentence per rule evaluated, each starting with "pass: " or "fail: ", so that a
	// reviewer reading state sees which checks passed as well as which failed.
	Reasons []string
	// Failed lists the names of the rules that failed.
	Failed []string
}

// Compatible applies every rule to one pair. An error (never a guess) is returned when a version is not
// an exact release or its release date is unknown.
func (c *Catalog) Compatible(controlPlane, workspaceServer string) (Check, error) {
	cp, err := c.ReleaseDate(ControlPlane, controlPlane)
	if err != nil {
		return Check{}, err
	}
	ws, err := c.ReleaseDate(WorkspaceServer, workspaceServer)
	if err != nil {
		return Check{}, err
	}
	return CheckReleases(cp, ws), nil
}

// CheckReleases applies every rule to a Control Plane release and a Workspace Server release as
// Catalog.ReleaseDate returns them: exact versions with known dates. Compatible is this after the lookups;
// a caller that has looked the releases up already, to tie an error to its input, calls it directly.
func CheckReleases(cp, ws Release) Check {
	res := Check{ControlPlane: cp, WorkspaceServer: ws, Compatible: true}

	if cp.Date.Before(ws.Date) {
		res.fail(RuleReleaseOrder, fmt.Sprintf("Control Plane %s (released %s) is older than Workspace Server %s (released %s); %s. A workspace on a newer ZenML version than its Control Plane is what ZenML's upgrade order rules out: always upgrade the Control Plane first, to a release dated %s or later",
			cp.Version, cp.DateString(), ws.Version, ws.DateString(), ruleOrderStatement, ws.DateString()))
	} else {
		res.pass(RuleReleaseOrder, fmt.Sprintf("Control Plane %s (released %s) is at least as new as Workspace Server %s (released %s)",
			cp.Version, cp.DateString(), ws.Version, ws.DateString()))
	}

	cpv, _ := goversion.NewVersion(cp.Version)
	wsv, _ := goversion.NewVersion(ws.Version)
	for _, m := range Minimums {
		from, to, least := goversion.Must(goversion.NewVersion(m.ControlPlaneFrom)), goversion.Must(goversion.NewVersion(m.ControlPlaneTo)), goversion.Must(goversion.NewVersion(m.WorkspaceServer))
		if cpv.LessThan(from) || cpv.GreaterThan(to) {
			continue
		}
		if wsv.LessThan(least) {
			res.fail(RuleStatedMinimum, fmt.Sprintf("Control Plane %s requires Workspace Server %s or later, but the workspace runs %s (%s)",
				cp.Version, m.WorkspaceServer, ws.Version, m.Source))
		} else {
			res.pass(RuleStatedMinimum, fmt.Sprintf("Control Plane %s requires Workspace Server %s or later; %s meets it",
				cp.Version, m.WorkspaceServer, ws.Version))
		}
	}
	return res
}

// OldestCompatibleControlPlane returns the oldest Control Plane release with a known date that every rule
// accepts together with the given Workspace Server version, to suggest as an upgrade target. It reports
// false when there is none or the Workspace Server version cannot be judged.
func (c *Catalog) OldestCompatibleControlPlane(workspaceServer string) (Release, bool) {
	for _, cp := range c.Releases(ControlPlane) {
		if !cp.DateKnown() {
			continue
		}
		if chk, err := c.Compatible(cp.Version, workspaceServer); err == nil && chk.Compatible {
			return cp, true
		}
	}
	return Release{}, false
}

func (c *Check) pass(rule, text string) {
	c.Reasons = append(c.Reasons, "pass: "+rule+": "+text)
}

func (c *Check) fail(rule, text string) {
	c.Compatible = false
	c.Failed = append(c.Failed, rule)
	c.Reasons = append(c.Reasons, "fail: "+rule+": "+text)
}
