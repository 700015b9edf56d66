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
	case strings.ContainsAny(t, "-+"):
		why = "pre-release and build suffixes are not ZenML release numbers"
	case strings.Count(t, ".") != 2:
		why = "a release number has exactly three parts, MAJOR.MINOR.PATCH"
	default:
		why = "a release number is three non-negative integers without leading zeros, MAJOR.MINOR.PATCH"
	}
	return nil, &VersionError{Input: s, Why: why}
}

// VersionError explains why a string is not an exact release number.
type VersionError struct {
	Input string
	Why   string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%q is not an exact release version: %s. Give one release, e.g. \"0.93.2\" for a Workspace Server or \"0.13.0\" for the Control Plane", e.Input, e.Why)
}
