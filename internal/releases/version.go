// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package releases holds the release catalog of both ZenML Pro version lines (Control Plane and
// Workspace Server) and the rules that decide whether two versions work together.
//
// It knows nothing about Terraform: the provider package adapts it.
package releases

import (
	"fmt"
	"regexp"
	"strings"

	goversion "github.com/hashicorp/go-version"
)

// Line is one of the two independently versioned ZenML Pro component groups.
type Line string

const (
	// ControlPlane is the ZenML Pro Control Plane (API and Web UI), versions like 0.13.0.
	ControlPlane Line = "control_plane"
	// WorkspaceServer is the ZenML Pro Workspace Server, which follows ZenML OSS versions like 0.93.2.
	WorkspaceServer Line = "workspace_server"
)

// Lines lists every line in a fixed order; schema descriptions and validators are built from it.
func Lines() []Line { return []Line{ControlPlane, WorkspaceServer} }

// LineNames returns the lines as strings, for validators and descriptions.
func LineNames() []string {
	out := make([]string, 0, 2)
	for _, l := range Lines() {
		out = append(out, string(l))
	}
	return out
}

// Title is the human name of the line, as used in messages.
func (l Line) Title() string {
	switch l {
	case ControlPlane:
		return "Control Plane"
	case WorkspaceServer:
		return "Workspace Server"
	}
	return string(l)
}

// ParseLine accepts exactly the names returned by LineNames.
func ParseLine(s string) (Line, error) {
	for _, l := range Lines() {
		if s == string(l) {
			return l, nil
		}
	}
	return "", fmt.Errorf("%q is not a version line: use %q (ZenML Pro Control Plane, e.g. 0.13.0) or %q (Workspace Server / ZenML OSS, e.g. 0.93.2)",
		s, ControlPlane, WorkspaceServer)
}

var exactVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)

// ParseVersion accepts an exact release number such as "0.93.2" and nothing else. Each refusal says why
// and gives a valid example, because the rules compare exact releases by their release dates.
func ParseVersion(s string) (*goversion.Version, error) {
	if exactVersion.MatchString(s) {
		v, err := goversion.NewVersion(s)
		if err != nil {
			return nil, &VersionError{Input: s, Why: "a part of the number is too large"}
		}
		return v, nil
	}
	t := strings.TrimSpace(s)
	var why string
	switch {
	case s == "":
		why = "it is empty"
	case t != s:
		why = "it has leading or trailing spaces"
	case strings.EqualFold(t, "latest") || strings.EqualFold(t, "stable") || strings.EqualFold(t, "main"):
		why = "a moving name such as \"latest\" cannot be checked or pinned"
	case (strings.HasPrefix(t, "v") || strings.HasPrefix(t, "V")) && exactVersion.MatchString(t[1:]):
		why = fmt.Sprintf("ZenML versions carry no \"v\" prefix (write %q)", t[1:])
	case strings.HasPrefix(t, "v") || strings.HasPrefix(t, "V"):
		why = "ZenML versions carry no \"v\" prefix"
	case strings.ContainsAny(t, "<>=~^*,| ") || strings.Contains(strings.ToLower(t), ".x"):
		why = "it is a range or constraint, not one release"
	default:
		why = malformed(t)
	}
	return nil, &VersionError{Input: s, Why: why}
}

// The explanations of a malformed release number.
const (
	whyParts  = "a release number has exactly three parts, MAJOR.MINOR.PATCH"
	whyNumber = "a release number is three non-negative integers without leading zeros, MAJOR.MINOR.PATCH"
	whySuffix = "pre-release and build suffixes are not ZenML release numbers"
)

// partNames name the three parts of a release number, in order.
var partNames = [3]string{"major", "minor", "patch"}

// versionSuffix is a pre-release and/or build suffix as semantic versioning writes them: "-rc1",
// "-rc.1", "+build.5", "-rc1+build".
var versionSuffix = regexp.MustCompile(`^(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// malformed explains why t, which is no range, moving name or "v"-prefixed number, is not an exact
// release number: what is wrong with its parts, then with what follows its patch part. A "-" or "+"
// right after a digit starts a suffix ("0.94.0-rc1"); any other "-" or "+" belongs to a part ("0.-1.0").
func malformed(t string) string {
	core, suffix := t, ""
	for i := 1; i < len(t); i++ {
		if (t[i] == '-' || t[i] == '+') && t[i-1] >= '0' && t[i-1] <= '9' {
			core, suffix = t[:i], t[i:]
			break
		}
	}
	var problems []string
	write := ""
	if parts := strings.Split(core, "."); len(parts) != 3 {
		problems = append(problems, whyParts)
	} else {
		fixed := make([]string, 3)
		zerosOnly := true
		for i, p := range parts {
			fixed[i] = p
			switch {
			case p == "":
				problems = append(problems, fmt.Sprintf("the %s part is empty", partNames[i]))
				zerosOnly = false
			case strings.Trim(p, "0123456789") != "":
				problems = append(problems, fmt.Sprintf("the %s part %q is not a non-negative number", partNames[i], p))
				zerosOnly = false
			case len(p) > 1 && p[0] == '0':
				problems = append(problems, fmt.Sprintf("the %s part %q has a leading zero", partNames[i], p))
				if fixed[i] = strings.TrimLeft(p, "0"); fixed[i] == "" {
					fixed[i] = "0"
				}
			}
		}
		switch {
		case len(problems) > 0:
			problems = append(problems, whyNumber)
			if zerosOnly {
				write = strings.Join(fixed, ".")
			}
		case suffix == "":
			// Not reached: three numbers without leading zeros and nothing after them match exactVersion.
			problems = append(problems, whyNumber)
		default:
			write = core
		}
	}
	switch {
	case suffix == "":
	case len(problems) == 0 && versionSuffix.MatchString(suffix):
		return whySuffix
	case len(problems) == 0 && (suffix == "-" || suffix == "+"):
		problems = append(problems, fmt.Sprintf("it ends with %q with nothing after it; a release number ends with its patch part", suffix))
	case len(problems) == 0:
		problems = append(problems, fmt.Sprintf("%q after the patch part is no valid pre-release or build suffix, and a release number ends with its patch part", suffix))
	default:
		write = ""
		switch {
		case suffix == "-" || suffix == "+":
			problems = append(problems, fmt.Sprintf("and it ends with %q with nothing after it", suffix))
		case versionSuffix.MatchString(suffix) && suffix[0] == '-':
			problems = append(problems, fmt.Sprintf("and it has the pre-release suffix %q, which ZenML release numbers do not have", suffix))
		case versionSuffix.MatchString(suffix):
			problems = append(problems, fmt.Sprintf("and it has the build suffix %q, which ZenML release numbers do not have", suffix))
		default:
			problems = append(problems, fmt.Sprintf("and it ends with %q, which is no valid pre-release or build suffix either", suffix))
		}
	}
	why := strings.Join(problems, "; ")
	if write != "" {
		why += fmt.Sprintf(" (write %q)", write)
	}
	return why
}

// VersionError explains why a string is not an exact release number.
type VersionError struct {
	Input string
	Why   string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%q is not an exact release version: %s. Give one release, e.g. \"0.93.2\" for a Workspace Server or \"0.13.0\" for the Control Plane", e.Input, e.Why)
}
