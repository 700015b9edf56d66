// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package releases

import (
	"errors"
	"strings"
	"testing"
)

func TestCompatible(t *testing.T) {
	c := Embedded()
	cases := []struct {
		name       string
		cp, ws     string
		compatible bool
		failed     []string
		// reasons lists, in order, the start of each reason: one per rule evaluated.
		reasons []string
		// contains lists fragments the reasons must hold somewhere.
		contains []string
	}{
		{
			name: "the prerequisites page's example: CP 0.13.0 (2026-01-30) with WS 0.93.2 (2026-01-29)",
			cp:   "0.13.0", ws: "0.93.2", compatible: true,
			reasons: []string{
				"pass: release order: Control Plane 0.13.0 (released 2026-01-30) is at least as new as Workspace Server 0.93.2 (released 2026-01-29)",
				"pass: stated minimum: Control Plane 0.13.0 requires Workspace Server 0.85.0 or later; 0.93.2 meets it",
			},
		},
		{
			name: "the quickstart's second workspace: CP 0.13.0 with WS 0.93.1",
			cp:   "0.13.0", ws: "0.93.1", compatible: true,
			reasons: []string{"pass: release order:", "pass: stated minimum:"},
		},
		{
			name: "control plane older than the workspace server",
			cp:   "0.12.22", ws: "0.93.2", compatible: false, failed: []string{RuleReleaseOrder},
			reasons: []string{
				"fail: release order: Control Plane 0.12.22 (released 2026-01-14) is older than Workspace Server 0.93.2 (released 2026-01-29)",
				"pass: stated minimum:",
			},
			contains: []string{"always upgrade the Control Plane first, to a release dated 2026-01-29 or later",
				"Compatibility between versions is guaranteed as long as the Control Plane version is at least as new as the Workspace Server version"},
		},
		{
			name: "control plane one day older, outside the stated minimum's range",
			cp:   "0.13.15", ws: "0.94.6", compatible: false, failed: []string{RuleReleaseOrder},
			reasons: []string{"fail: release order: Control Plane 0.13.15 (released 2026-06-01) is older than Workspace Server 0.94.6 (released 2026-06-02)"},
		},
		{
			name: "same-day release passes: CP 0.13.1 is 2026-01-30, like 0.13.0",
			cp:   "0.13.1", ws: "0.93.2", compatible: true,
			reasons: []string{"pass: release order: Control Plane 0.13.1 (released 2026-01-30) is at least as new as Workspace Server 0.93.2 (released 2026-01-29)", "pass: stated minimum:"},
		},
		{
			name: "equal dates pass: CP 0.12.22 and WS 0.93.1 both 2026-01-14",
			cp:   "0.12.22", ws: "0.93.1", compatible: true,
			reasons: []string{"pass: release order: Control Plane 0.12.22 (released 2026-01-14) is at least as new as Workspace Server 0.93.1 (released 2026-01-14)", "pass: stated minimum:"},
		},
		{
			name: "stated minimum fails while release order passes: CP 0.13.3 with WS 0.84.3",
			cp:   "0.13.3", ws: "0.84.3", compatible: false, failed: []string{RuleStatedMinimum},
			reasons: []string{
				"pass: release order: Control Plane 0.13.3 (released 2026-02-20) is at least as new as Workspace Server 0.84.3 (released 2025-08-27)",
				"fail: stated minimum: Control Plane 0.13.3 requires Workspace Server 0.85.0 or later, but the workspace runs 0.84.3",
			},
			contains: []string{"Requires ZenML Server and SDK v0.85.0 or later"},
		},
		{
			name: "stated minimum at its lower end: CP 0.12.10 with WS 0.84.3",
			cp:   "0.12.10", ws: "0.84.3", compatible: false, failed: []string{RuleStatedMinimum},
			reasons: []string{"pass: release order:", "fail: stated minimum: Control Plane 0.12.10 requires Workspace Server 0.85.0 or later"},
		},
		{
			name: "stated minimum met exactly: CP 0.13.3 with WS 0.85.0",
			cp:   "0.13.3", ws: "0.85.0", compatible: true,
			reasons: []string{"pass: release order:", "pass: stated minimum: Control Plane 0.13.3 requires Workspace Server 0.85.0 or later; 0.85.0 meets it"},
		},
		{
			name: "the stated minimum ends at 0.13.3: CP 0.13.4 with WS 0.84.3",
			cp:   "0.13.4", ws: "0.84.3", compatible: true,
			reasons: []string{"pass: release order: Control Plane 0.13.4 (released 2026-03-05) is at least as new as Workspace Server 0.84.3 (released 2025-08-27)"},
		},
		{
			name: "release order fails inside the stated minimum's range: CP 0.12.10 with WS 0.90.0",
			cp:   "0.12.10", ws: "0.90.0", compatible: false, failed: []string{RuleReleaseOrder},
			reasons: []string{"fail: release order: Control Plane 0.12.10 (released 2025-08-28) is older than Workspace Server 0.90.0 (released 2025-10-02)", "pass: stated minimum:"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chk, err := c.Compatible(tc.cp, tc.ws)
			if err != nil {
				t.Fatalf("Compatible(%s, %s): %v", tc.cp, tc.ws, err)
			}
			if chk.Compatible != tc.compatible {
				t.Errorf("Compatible = %v, want %v; reasons %q", chk.Compatible, tc.compatible, chk.Reasons)
			}
			if strings.Join(chk.Failed, ",") != strings.Join(tc.failed, ",") {
				t.Errorf("Failed = %q, want %q", chk.Failed, tc.failed)
			}
			if chk.ControlPlane.Version != tc.cp || chk.WorkspaceServer.Version != tc.ws {
				t.Errorf("pair = %s/%s, want %s/%s", chk.ControlPlane.Version, chk.WorkspaceServer.Version, tc.cp, tc.ws)
			}
			if len(chk.Reasons) != len(tc.reasons) {
				t.Fatalf("reasons = %q, want %d of them", chk.Reasons, len(tc.reasons))
			}
			for i, want := range tc.reasons {
				if !strings.HasPrefix(chk.Reasons[i], want) {
					t.Errorf("reason %d = %q, want it to start with %q", i, chk.Reasons[i], want)
				}
			}
			all := strings.Join(chk.Reasons, "\n")
			for _, want := range tc.contains {
				if !strings.Contains(all, want) {
					t.Errorf("reasons %q do not contain %q", all, want)
				}
			}
		})
	}
}

func TestCompatibleErrors(t *testing.T) {
	c := Embedded()
	cases := []struct {
		name, cp, ws string
		want         []string
		versionError bool
	}{
		{"control plane date unknown", "0.12.0", "0.93.2", []string{"the release date of Control Plane 0.12.0 is not known", `releases = { control_plane = { "0.12.0" = "YYYY-MM-DD" } }`}, false},
		{"control plane not in catalog", "0.13.99", "0.93.2", []string{"Control Plane 0.13.99 is not in this provider's release catalog", `releases = { control_plane = { "0.13.99" = "YYYY-MM-DD" } }`}, false},
		{"workspace server date unknown", "0.13.18", "0.99.0", []string{"the release date of Workspace Server 0.99.0 is not known", `releases = { workspace_server = { "0.99.0" = "YYYY-MM-DD" } }`}, false},
		{"swapped versions", "0.93.2", "0.13.0", []string{"Control Plane 0.93.2 is not in this provider's release catalog", "0.93.2 is a Workspace Server version, check that the versions are not swapped"}, false},
		{"workspace version swapped only", "0.13.0", "0.13.1", []string{"Workspace Server 0.13.1 is not in this provider's release catalog", "0.13.1 is a Control Plane version"}, false},
		{"invalid control plane version", "v0.13.0", "0.93.2", []string{`"v0.13.0" is not an exact release version`}, true},
		{"invalid workspace version", "0.13.0", "0.93", []string{`"0.93" is not an exact release version`}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chk, err := c.Compatible(tc.cp, tc.ws)
			if err == nil {
				t.Fatalf("Compatible(%s, %s) = %+v, want an error", tc.cp, tc.ws, chk)
			}
			var ve *VersionError
			var ue *UnknownDateError
			if tc.versionError && !errors.As(err, &ve) {
				t.Errorf("error %T is not a *VersionError", err)
			}
			if !tc.versionError && !errors.As(err, &ue) {
				t.Errorf("error %T is not an *UnknownDateError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestCompatibleWithSuppliedDates shows that a date supplied for an unknown version makes the pair
// judgeable, and that a supplied date wins over the embedded one.
func TestCompatibleWithSuppliedDates(t *testing.T) {
	c, err := Embedded().WithDates(map[Line]map[string]string{
		ControlPlane: {"0.13.99": "2026-12-01", "0.13.0": "2026-01-28"},
	})
	if err != nil {
		t.Fatal(err)
	}
	chk, err := c.Compatible("0.13.99", "0.98.1")
	if err != nil || !chk.Compatible || len(chk.Reasons) != 1 || !strings.HasPrefix(chk.Reasons[0], "pass: release order: Control Plane 0.13.99 (released 2026-12-01)") {
		t.Errorf("supplied date: %+v, %v", chk, err)
	}
	chk, err = c.Compatible("0.13.0", "0.93.2")
	if err != nil || chk.Compatible || !strings.HasPrefix(chk.Reasons[0], "fail: release order: Control Plane 0.13.0 (released 2026-01-28)") {
		t.Errorf("overridden date did not win: %+v, %v", chk, err)
	}

	// No embedded pair fails both rules (every dated 0.12/0.13 Control Plane is newer than 0.84.3); a
	// supplied date for 0.12.0 makes one.
	c, err = Embedded().WithDates(map[Line]map[string]string{ControlPlane: {"0.12.0": "2025-06-01"}})
	if err != nil {
		t.Fatal(err)
	}
	chk, err = c.Compatible("0.12.0", "0.84.3")
	if err != nil || chk.Compatible || strings.Join(chk.Failed, ",") != RuleReleaseOrder+","+RuleStatedMinimum || len(chk.Reasons) != 2 {
		t.Errorf("both rules: %+v, %v", chk, err)
	}
}

func TestOldestCompatibleControlPlane(t *testing.T) {
	c := Embedded()
	cases := []struct {
		ws, want string
		ok       bool
	}{
		{"0.93.2", "0.13.0", true},  // first Control Plane release on or after 2026-01-29
		{"0.93.1", "0.12.22", true}, // same day
		{"0.84.3", "0.13.4", true},  // 0.12.x and 0.13.0-0.13.3 state a minimum of 0.85.0
		{"0.98.1", "", false},       // newer than every Control Plane release the catalog dates
		{"0.99.0", "", false},       // date unknown
		{"0.93", "", false},         // not a version
	}
	for _, tc := range cases {
		got, ok := c.OldestCompatibleControlPlane(tc.ws)
		if ok != tc.ok || got.Version != tc.want {
			t.Errorf("OldestCompatibleControlPlane(%s) = %q, %v; want %q, %v", tc.ws, got.Version, ok, tc.want, tc.ok)
		}
	}
}
