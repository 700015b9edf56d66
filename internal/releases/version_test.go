// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package releases

import (
	"errors"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	valid := []string{"0.93.2", "0.13.0", "0.12.10", "1.0.0", "10.20.30", "0.0.0"}
	for _, s := range valid {
		v, err := ParseVersion(s)
		if err != nil {
			t.Errorf("ParseVersion(%q): unexpected error %v", s, err)
			continue
		}
		if got := v.String(); got != s {
			t.Errorf("ParseVersion(%q).String() = %q", s, got)
		}
	}

	invalid := []struct {
		in, why string
	}{
		{"", "it is empty"},
		{" 0.93.2", "leading or trailing spaces"},
		{"0.93.2\n", "leading or trailing spaces"},
		{"latest", `a moving name such as "latest"`},
		{"LATEST", `a moving name such as "latest"`},
		{"stable", `a moving name such as "latest"`},
		{"main", `a moving name such as "latest"`},
		{"v0.93.2", `ZenML versions carry no "v" prefix (write "0.93.2")`},
		{"V0.13.0", `ZenML versions carry no "v" prefix (write "0.13.0")`},
		{"v0.93", `ZenML versions carry no "v" prefix`},
		{">= 0.93", "it is a range or constraint, not one release"},
		{"~> 0.93.0", "it is a range or constraint, not one release"},
		{"^0.93.0", "it is a range or constraint, not one release"},
		{"0.93.x", "it is a range or constraint, not one release"},
		{"0.93.X", "it is a range or constraint, not one release"},
		{"0.93.*", "it is a range or constraint, not one release"},
		{"0.93.1,0.93.2", "it is a range or constraint, not one release"},
		{"0.93.2-rc1", "pre-release and build suffixes"},
		{"0.93.2+build.5", "pre-release and build suffixes"},
		{"0.93", "exactly three parts, MAJOR.MINOR.PATCH"},
		{"0", "exactly three parts, MAJOR.MINOR.PATCH"},
		{"0.93.2.1", "exactly three parts, MAJOR.MINOR.PATCH"},
		{"0.093.2", "without leading zeros"},
		{"0.a.2", "without leading zeros"},
		{"0..2", "without leading zeros"},
		{"0.99999999999999999999.0", "a part of the number is too large"},
	}
	for _, tc := range invalid {
		v, err := ParseVersion(tc.in)
		if err == nil {
			t.Errorf("ParseVersion(%q) = %v, want an error", tc.in, v)
			continue
		}
		var ve *VersionError
		if !errors.As(err, &ve) {
			t.Errorf("ParseVersion(%q): error %T is not a *VersionError", tc.in, err)
			continue
		}
		msg := err.Error()
		for _, want := range []string{tc.why, `is not an exact release version`, `e.g. "0.93.2"`} {
			if !strings.Contains(msg, want) {
				t.Errorf("ParseVersion(%q) error %q does not contain %q", tc.in, msg, want)
			}
		}
	}
}

// TestParseVersionNamesTheMalformedPart: a refusal says what is wrong with the number itself (a part
// that is negative, empty, not a number or has a leading zero; a dangling "-"), and keeps the
// pre-release explanation for a well-formed release number with a pre-release or build suffix.
func TestParseVersionNamesTheMalformedPart(t *testing.T) {
	const rule = "a release number is three non-negative integers without leading zeros, MAJOR.MINOR.PATCH"
	cases := []struct{ in, why string }{
		{"0.-1.0", `the minor part "-1" is not a non-negative number; ` + rule},
		{"-1.2.3", `the major part "-1" is not a non-negative number; ` + rule},
		{"1.2.-3", `the patch part "-3" is not a non-negative number; ` + rule},
		{"0.+1.0", `the minor part "+1" is not a non-negative number; ` + rule},
		{"0.-1.-2", `the minor part "-1" is not a non-negative number; the patch part "-2" is not a non-negative number; ` + rule},
		{"0..1", "the minor part is empty; " + rule},
		{".1.2", "the major part is empty; " + rule},
		{"1.2.", "the patch part is empty; " + rule},
		{"0.a.2", `the minor part "a" is not a non-negative number; ` + rule},
		{"1.2.3rc1", `the patch part "3rc1" is not a non-negative number; ` + rule},
		{"0.a-1.0", `the minor part "a-1" is not a non-negative number; ` + rule},
		{"01.2.3", `the major part "01" has a leading zero; ` + rule + ` (write "1.2.3")`},
		{"0.093.2", `the minor part "093" has a leading zero; ` + rule + ` (write "0.93.2")`},
		{"0.-01.2", `the minor part "-01" is not a non-negative number; ` + rule},
		{"1.2.3-", `it ends with "-" with nothing after it; a release number ends with its patch part (write "1.2.3")`},
		{"1.2.3+", `it ends with "+" with nothing after it; a release number ends with its patch part (write "1.2.3")`},
		{"1.2.3-rc..1", `"-rc..1" after the patch part is no valid pre-release or build suffix, and a release number ends with its patch part (write "1.2.3")`},
		{"1.2.3-+", `"-+" after the patch part is no valid pre-release or build suffix, and a release number ends with its patch part (write "1.2.3")`},
		{"0.-1.0-rc1", `the minor part "-1" is not a non-negative number; ` + rule + `; and it has the pre-release suffix "-rc1", which ZenML release numbers do not have`},
		{"01.2.3-", `the major part "01" has a leading zero; ` + rule + `; and it ends with "-" with nothing after it`},
		{"0.93-rc1", `a release number has exactly three parts, MAJOR.MINOR.PATCH; and it has the pre-release suffix "-rc1", which ZenML release numbers do not have`},
		{"0.93+build", `a release number has exactly three parts, MAJOR.MINOR.PATCH; and it has the build suffix "+build", which ZenML release numbers do not have`},
		{"1.2.x", "it is a range or constraint, not one release"},
		{"0.93", "a release number has exactly three parts, MAJOR.MINOR.PATCH"},
		// Well-formed release numbers with a suffix keep the pre-release explanation.
		{"0.94.0-rc1", "pre-release and build suffixes are not ZenML release numbers"},
		{"0.94.0-rc.1", "pre-release and build suffixes are not ZenML release numbers"},
		{"0.93.2+build.5", "pre-release and build suffixes are not ZenML release numbers"},
		{"0.94.0-rc1+build", "pre-release and build suffixes are not ZenML release numbers"},
	}
	for _, tc := range cases {
		_, err := ParseVersion(tc.in)
		var ve *VersionError
		if !errors.As(err, &ve) {
			t.Errorf("ParseVersion(%q) = %v, want a *VersionError", tc.in, err)
			continue
		}
		if ve.Why != tc.why {
			t.Errorf("ParseVersion(%q) explains\n  %s\nwant\n  %s", tc.in, ve.Why, tc.why)
		}
		want := `is not an exact release version: ` + tc.why + `. Give one release, e.g. "0.93.2" for a Workspace Server or "0.13.0" for the Control Plane`
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ParseVersion(%q) error %q does not contain %q", tc.in, err, want)
		}
	}
}

func TestParseLine(t *testing.T) {
	for _, name := range LineNames() {
		l, err := ParseLine(name)
		if err != nil || string(l) != name {
			t.Errorf("ParseLine(%q) = %q, %v", name, l, err)
		}
	}
	for _, bad := range []string{"", "oss", "ControlPlane", "control-plane", "workspace"} {
		if _, err := ParseLine(bad); err == nil || !strings.Contains(err.Error(), `use "control_plane"`) {
			t.Errorf("ParseLine(%q) error = %v, want one naming the valid lines", bad, err)
		}
	}
}

func TestLineTitles(t *testing.T) {
	if got := LineNames(); len(got) != 2 || got[0] != "control_plane" || got[1] != "workspace_server" {
		t.Errorf("LineNames() = %v", got)
	}
	if ControlPlane.Title() != "Control Plane" || WorkspaceServer.Title() != "Workspace Server" {
		t.Errorf("titles: %q, %q", ControlPlane.Title(), WorkspaceServer.Title())
	}
}

// FuzzParseVersion checks that ParseVersion never panics, accepts only exact releases that print back as
// given, and explains every refusal with a VersionError.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"0.93.2", "0.13.0", "v0.93.2", "latest", ">= 0.93", "0.93", "0.93.x", "0.93.2-rc1", "", " 1.2.3", "01.2.3", "0.99999999999999999999.0", "v", "1.2.3.4",
		"0.-1.0", "0..1", "-1.2.3", "1.2.3-", "0.94.0-rc1+build", "0.93-rc1", "1.2.3-rc..1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			var ve *VersionError
			if !errors.As(err, &ve) || ve.Input != s || ve.Why == "" {
				t.Fatalf("ParseVersion(%q): error %v is not an explained VersionError", s, err)
			}
			// The pre-release explanation is for an exact release number followed by a suffix only.
			if ve.Why == "pre-release and build suffixes are not ZenML release numbers" {
				i := strings.IndexAny(s, "-+")
				if i < 0 || !exactVersion.MatchString(s[:i]) {
					t.Fatalf("ParseVersion(%q) explains a suffix, but %q is no exact release number", s, s[:max(i, 0)])
				}
			}
			return
		}
		if v == nil {
			t.Fatalf("ParseVersion(%q) returned neither a version nor an error", s)
		}
		if v.String() != s {
			t.Fatalf("ParseVersion(%q) accepted a version that prints as %q", s, v.String())
		}
		if v.Prerelease() != "" || v.Metadata() != "" || len(v.Segments()) != 3 {
			t.Fatalf("ParseVersion(%q) accepted a version that is not MAJOR.MINOR.PATCH", s)
		}
	})
}
