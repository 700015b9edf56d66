// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package releases

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestParseCatalog(t *testing.T) {
	good := "# comment\n\n" +
		"oss\t0.93.2\t2026-01-29\tchangelog\n" +
		"workspace_server\t0.93.1\t2026-01-14\n" +
		"control_plane\t0.13.0\t2026-01-30\tchangelog\trequires workspace server 0.85.0 or later\r\n" +
		"control_plane\t0.12.0\tunknown\t\tno date\n"
	c, err := Parse(strings.NewReader(good))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checks := []struct {
		line          Line
		version, date string
		kind, note    string
	}{
		{WorkspaceServer, "0.93.2", "2026-01-29", "changelog", ""},
		{WorkspaceServer, "0.93.1", "2026-01-14", "", ""},
		{ControlPlane, "0.13.0", "2026-01-30", "changelog", "requires workspace server 0.85.0 or later"},
		{ControlPlane, "0.12.0", "", "", "no date"},
	}
	for _, ck := range checks {
		r, ok := c.Lookup(ck.line, ck.version)
		if !ok {
			t.Errorf("Lookup(%s, %s): not found", ck.line, ck.version)
			continue
		}
		if r.Line != ck.line || r.Version != ck.version || r.DateString() != ck.date || r.Kind != ck.kind || r.Note != ck.note {
			t.Errorf("Lookup(%s, %s) = %+v, want date %q kind %q note %q", ck.line, ck.version, r, ck.date, ck.kind, ck.note)
		}
		if r.DateKnown() != (ck.date != "") {
			t.Errorf("Lookup(%s, %s).DateKnown() = %v", ck.line, ck.version, r.DateKnown())
		}
	}
	if c.Knows(ControlPlane, "0.93.2") || c.Knows(WorkspaceServer, "0.13.0") {
		t.Error("a version is listed in the wrong line")
	}

	bad := []struct {
		name, in, want string
	}{
		{"too few columns", "oss\t0.93.2\n", "line 1: want at least 3 tab-separated columns"},
		{"spaces instead of tabs", "oss 0.93.2 2026-01-29\n", "line 1: want at least 3 tab-separated columns"},
		{"unknown line", "# c\nenterprise\t0.93.2\t2026-01-29\n", `line 2: unknown line "enterprise"`},
		{"bad version", "oss\tv0.93.2\t2026-01-29\n", `line 1: "v0.93.2" is not an exact release version`},
		{"range version", "control_plane\t0.13.x\t2026-01-30\n", `line 1: "0.13.x" is not an exact release version`},
		{"bad date format", "oss\t0.93.2\t29.01.2026\n", `line 1: "29.01.2026" is not a date in the form YYYY-MM-DD`},
		{"not a calendar day", "oss\t0.93.2\t2026-02-30\n", `line 1: "2026-02-30" is not a calendar day`},
		{"empty date", "oss\t0.93.2\t\n", `line 1: "" is not a date in the form YYYY-MM-DD`},
		{"duplicate", "oss\t0.93.2\t2026-01-29\noss\t0.93.2\t2026-01-30\n", "line 2: Workspace Server 0.93.2 is listed twice"},
		{"duplicate across line names", "oss\t0.93.2\t2026-01-29\nworkspace_server\t0.93.2\t2026-01-29\n", "line 2: Workspace Server 0.93.2 is listed twice"},
		{"duplicate control plane", "control_plane\t0.12.0\tunknown\ncontrol_plane\t0.12.0\t2025-06-01\n", "line 2: Control Plane 0.12.0 is listed twice"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("Parse succeeded with %v, want error containing %q", c, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2026-01-30", "2024-02-29", "2000-01-01", "9999-12-31"} {
		d, err := ParseDate(s)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", s, err)
			continue
		}
		if got := d.Format(DateLayout); got != s {
			t.Errorf("ParseDate(%q) formats as %q", s, got)
		}
	}
	bad := map[string]string{
		"":                     "not a date in the form YYYY-MM-DD",
		"2026-1-30":            "not a date in the form YYYY-MM-DD",
		"26-01-30":             "not a date in the form YYYY-MM-DD",
		"2026/01/30":           "not a date in the form YYYY-MM-DD",
		"30.01.2026":           "not a date in the form YYYY-MM-DD",
		"2026-01-30T00:00:00Z": "not a date in the form YYYY-MM-DD",
		" 2026-01-30":          "not a date in the form YYYY-MM-DD",
		"+026-01-30":           "not a date in the form YYYY-MM-DD",
		"-001-01-30":           "not a date in the form YYYY-MM-DD",
		"2026-13-01":           "not a calendar day",
		"2025-02-29":           "not a calendar day",
		"2026-04-31":           "not a calendar day",
		"0001-01-01":           "is before 2000-01-01 and cannot be a ZenML release date",
		"1999-12-31":           "is before 2000-01-01 and cannot be a ZenML release date",
	}
	for s, want := range bad {
		_, err := ParseDate(s)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `e.g. "2026-01-30"`) {
			t.Errorf("ParseDate(%q) error = %v, want one containing %q and an example", s, err, want)
		}
	}
}

// TestEmbeddedCatalog checks every row of the embedded source and spot-checks dates against the
// changelog rows they were copied from.
func TestEmbeddedCatalog(t *testing.T) {
	c := Embedded()
	if c != Embedded() {
		t.Error("Embedded() builds a new catalog on every call")
	}

	rows := 0
	sc := bufio.NewScanner(strings.NewReader(embeddedTSV))
	for sc.Scan() {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		rows++
		cols := strings.Split(text, "\t")
		line := WorkspaceServer
		if cols[0] == "control_plane" {
			line = ControlPlane
		}
		r, ok := c.Lookup(line, cols[1])
		if !ok {
			t.Errorf("row %q: %s %s not in the catalog", text, line, cols[1])
			continue
		}
		if cols[2] == "unknown" {
			if r.DateKnown() {
				t.Errorf("row %q: date %s, want unknown", text, r.DateString())
			}
		} else if r.DateString() != cols[2] {
			t.Errorf("row %q: date %q, want %q", text, r.DateString(), cols[2])
		}
	}
	if got := len(c.Releases(WorkspaceServer)) + len(c.Releases(ControlPlane)); got != rows || rows < 80 {
		t.Errorf("catalog holds %d releases, source has %d rows", got, rows)
	}
	// Every date says where it comes from; Control Plane 0.13.1 is dated only by release notes that
	// were never published (the published changelog goes from 0.13.0 to 0.13.2).
	known := map[string]bool{KindChangelog: true, KindPrep: true, KindMirror: true, KindPage: true, KindNotesBranch: true}
	for _, line := range []Line{WorkspaceServer, ControlPlane} {
		for _, r := range c.Releases(line) {
			if r.DateKnown() && !known[r.Kind] {
				t.Errorf("%s %s: kind %q is none of the documented kinds", line, r.Version, r.Kind)
			}
		}
	}
	if r, _ := c.Lookup(ControlPlane, "0.13.1"); r.Kind != KindNotesBranch || r.DateString() != "2026-01-30" {
		t.Errorf("Control Plane 0.13.1 = %+v, want 2026-01-30 from the unpublished release notes", r)
	}

	dates := []struct {
		line          Line
		version, date string
	}{
		{ControlPlane, "0.13.0", "2026-01-30"},
		{ControlPlane, "0.13.1", "2026-01-30"},
		{ControlPlane, "0.13.3", "2026-02-20"},
		{ControlPlane, "0.13.4", "2026-03-05"},
		{ControlPlane, "0.12.10", "2025-08-28"},
		{ControlPlane, "0.13.18", "2026-06-18"},
		{WorkspaceServer, "0.93.2", "2026-01-29"},
		{WorkspaceServer, "0.93.1", "2026-01-14"},
		{WorkspaceServer, "0.84.3", "2025-08-27"},
		{WorkspaceServer, "0.85.0", "2025-09-12"},
		{WorkspaceServer, "0.60.0", "2024-06-25"},
		{WorkspaceServer, "0.98.1", "2026-11-04"},
	}
	for _, d := range dates {
		r, err := c.ReleaseDate(d.line, d.version)
		if err != nil {
			t.Errorf("ReleaseDate(%s, %s): %v", d.line, d.version, err)
			continue
		}
		if r.DateString() != d.date {
			t.Errorf("ReleaseDate(%s, %s) = %s, want %s", d.line, d.version, r.DateString(), d.date)
		}
	}

	for _, u := range []struct {
		line    Line
		version string
	}{{WorkspaceServer, "0.99.0"}, {ControlPlane, "0.12.0"}, {ControlPlane, "0.12.9"}} {
		r, ok := c.Lookup(u.line, u.version)
		if !ok || r.DateKnown() {
			t.Errorf("%s %s: listed=%v with date %q, want listed without a date", u.line, u.version, ok, r.DateString())
		}
	}

	// Releases lists versions in version order, not string order (0.12.10 after 0.12.9).
	cps := c.Releases(ControlPlane)
	if cps[0].Version != "0.12.0" || cps[len(cps)-1].Version != "0.13.18" {
		t.Errorf("Control Plane releases run %s .. %s", cps[0].Version, cps[len(cps)-1].Version)
	}
	for i := 1; i < len(cps); i++ {
		a, _ := ParseVersion(cps[i-1].Version)
		b, _ := ParseVersion(cps[i].Version)
		if !a.LessThan(b) {
			t.Errorf("Releases out of order: %s before %s", cps[i-1].Version, cps[i].Version)
		}
	}
}

func TestReleaseDateErrors(t *testing.T) {
	c := Embedded()
	cases := []struct {
		name          string
		line          Line
		version       string
		want, notWant []string
	}{
		{
			name: "listed without date", line: ControlPlane, version: "0.12.0",
			want: []string{"the release date of Control Plane 0.12.0 is not known", "the version is listed", "never guessed",
				`releases = { control_plane = { "0.12.0" = "YYYY-MM-DD" } }`},
			notWant: []string{"swapped"},
		},
		{
			name: "not in catalog", line: ControlPlane, version: "0.13.99",
			want:    []string{"Control Plane 0.13.99 is not in this provider's release catalog", `releases = { control_plane = { "0.13.99" = "YYYY-MM-DD" } }`},
			notWant: []string{"swapped", "is listed"},
		},
		{
			name: "workspace server not in catalog", line: WorkspaceServer, version: "0.100.0",
			want: []string{"Workspace Server 0.100.0 is not in this provider's release catalog", `releases = { workspace_server = { "0.100.0" = "YYYY-MM-DD" } }`},
		},
		{
			name: "control plane version as workspace server", line: WorkspaceServer, version: "0.13.0",
			want: []string{"Workspace Server 0.13.0 is not in this provider's release catalog", "0.13.0 is a Control Plane version, check that the versions are not swapped"},
		},
		{
			name: "workspace server version as control plane", line: ControlPlane, version: "0.93.2",
			want: []string{"Control Plane 0.93.2 is not in this provider's release catalog", "0.93.2 is a Workspace Server version, check that the versions are not swapped"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ReleaseDate(tc.line, tc.version)
			var ue *UnknownDateError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v is not an *UnknownDateError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q contains %q", err, w)
				}
			}
		})
	}

	_, err := c.ReleaseDate(WorkspaceServer, "v0.93.2")
	var ve *VersionError
	if !errors.As(err, &ve) {
		t.Errorf("ReleaseDate with v-prefix: error %v is not a *VersionError", err)
	}
}

func TestWrongLine(t *testing.T) {
	c := Embedded()
	cases := []struct {
		line    Line
		version string
		want    Line
	}{
		{WorkspaceServer, "0.13.0", ControlPlane},
		{ControlPlane, "0.93.2", WorkspaceServer},
		{ControlPlane, "0.99.0", WorkspaceServer}, // listed without date still counts as known
		{WorkspaceServer, "0.12.0", ControlPlane},
		{ControlPlane, "0.13.0", ""},
		{WorkspaceServer, "0.93.2", ""},
		{ControlPlane, "0.13.99", ""},
		{WorkspaceServer, "1.0.0", ""},
	}
	for _, tc := range cases {
		if got := c.WrongLine(tc.line, tc.version); got != tc.want {
			t.Errorf("WrongLine(%s, %s) = %q, want %q", tc.line, tc.version, got, tc.want)
		}
	}
}

func TestWithDates(t *testing.T) {
	base := Embedded()
	c, err := base.WithDates(map[Line]map[string]string{
		ControlPlane:    {"0.13.99": "2026-12-01", "0.13.0": "2026-01-20", "0.12.0": "2025-05-01"},
		WorkspaceServer: {"0.99.0": "2026-11-20"},
	})
	if err != nil {
		t.Fatalf("WithDates: %v", err)
	}
	want := []struct {
		line          Line
		version, date string
		note          string
	}{
		{ControlPlane, "0.13.99", "2026-12-01", ""},                                         // added
		{ControlPlane, "0.13.0", "2026-01-20", "requires workspace server 0.85.0 or later"}, // overridden, note kept
		{ControlPlane, "0.12.0", "2025-05-01", ""},                                          // unknown date supplied
		{WorkspaceServer, "0.99.0", "2026-11-20", "released after 2026-10-19; date not found"},
		{WorkspaceServer, "0.93.2", "2026-01-29", ""}, // untouched
	}
	for _, w := range want {
		r, err := c.ReleaseDate(w.line, w.version)
		if err != nil {
			t.Errorf("ReleaseDate(%s, %s): %v", w.line, w.version, err)
			continue
		}
		if r.DateString() != w.date {
			t.Errorf("%s %s: date %s, want %s", w.line, w.version, r.DateString(), w.date)
		}
		if w.note != "" && !strings.HasPrefix(r.Note, w.note) {
			t.Errorf("%s %s: note %q, want it to start with %q", w.line, w.version, r.Note, w.note)
		}
	}
	if r, _ := c.Lookup(ControlPlane, "0.13.0"); r.Kind != KindConfiguration {
		t.Errorf("overridden date has kind %q, want %q", r.Kind, KindConfiguration)
	}
	if r, _ := c.Lookup(WorkspaceServer, "0.93.2"); r.Kind != KindChangelog {
		t.Errorf("untouched date has kind %q, want %q", r.Kind, KindChangelog)
	}
	// The receiver is unchanged.
	if r, _ := base.Lookup(ControlPlane, "0.13.0"); r.DateString() != "2026-01-30" {
		t.Errorf("WithDates changed the receiver: 0.13.0 is now %s", r.DateString())
	}
	if base.Knows(ControlPlane, "0.13.99") {
		t.Error("WithDates added a version to the receiver")
	}
	// No dates: an equal copy.
	same, err := base.WithDates(nil)
	if err != nil || len(same.Releases(ControlPlane)) != len(base.Releases(ControlPlane)) {
		t.Errorf("WithDates(nil) = %v, %v", same, err)
	}

	bad := []struct {
		name  string
		dates map[Line]map[string]string
		want  string
	}{
		{"v prefix", map[Line]map[string]string{ControlPlane: {"v0.13.19": "2026-07-01"}}, `control_plane: "v0.13.19" is not an exact release version`},
		{"range", map[Line]map[string]string{WorkspaceServer: {"0.99.x": "2026-07-01"}}, `workspace_server: "0.99.x" is not an exact release version`},
		{"bad date", map[Line]map[string]string{ControlPlane: {"0.13.19": "01.07.2026"}}, `control_plane version 0.13.19: "01.07.2026" is not a date in the form YYYY-MM-DD`},
		{"impossible date", map[Line]map[string]string{WorkspaceServer: {"0.99.0": "2026-02-30"}}, `workspace_server version 0.99.0: "2026-02-30" is not a calendar day`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c, err := base.WithDates(tc.dates)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("WithDates = %v, %v; want error containing %q", c, err, tc.want)
			}
		})
	}
}

// FuzzParseDate checks that ParseDate never panics and that every accepted date prints back as given.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-01-30", "2024-02-29", "2025-02-29", "+026-01-30", "-001-01-30", "0001-01-01", "2026-1-30", "", "2026-01-30T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !strings.Contains(err.Error(), "YYYY-MM-DD") {
				t.Fatalf("ParseDate(%q): error %q gives no format", s, err)
			}
			return
		}
		if d.Format(DateLayout) != s {
			t.Fatalf("ParseDate(%q) accepted a date that prints as %q", s, d.Format(DateLayout))
		}
		if d.IsZero() {
			t.Fatalf("ParseDate(%q) returned the zero time, which means \"unknown\"", s)
		}
	})
}

// FuzzParse checks that Parse never panics and that whatever it accepts is consistent: exact versions,
// dates that print back, and releases that sort.
func FuzzParse(f *testing.F) {
	f.Add(strings.Join(strings.Split(embeddedTSV, "\n")[:14], "\n")) // the source's header and first rows; the whole file slows fuzzing down
	f.Add("oss\t0.93.2\t2026-01-29\tchangelog\n")
	f.Add("control_plane\t0.12.0\tunknown\t\tnote\n")
	f.Add("oss\t0.93.2\n")
	f.Add("oss\t0.93.2\t2026-01-29\noss\t0.93.2\t2026-01-29\n")
	f.Add("# comment only\n\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, line := range Lines() {
			for _, r := range c.Releases(line) {
				if r.Line != line {
					t.Fatalf("release %+v is filed under %s", r, line)
				}
				if _, err := ParseVersion(r.Version); err != nil {
					t.Fatalf("Parse accepted version %q: %v", r.Version, err)
				}
				if r.DateKnown() {
					if _, err := ParseDate(r.DateString()); err != nil {
						t.Fatalf("Parse accepted a date that does not print back: %v", err)
					}
				}
			}
		}
	})
}
