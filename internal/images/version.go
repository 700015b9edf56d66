// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package images

import (
	"fmt"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// LineTitle is the human name of a release line, as used in messages: "Control Plane" or
// "Workspace Server (ZenML OSS)".
func LineTitle(l releases.Line) string {
	if l == releases.WorkspaceServer {
		return "Workspace Server (ZenML OSS)"
	}
	return l.Title()
}

// ExampleVersion is a real release of the line, for messages and descriptions: the pair of the ZenML Pro
// prerequisites page, Control Plane 0.13.0 and Workspace Server 0.93.2.
func ExampleVersion(l releases.Line) string {
	if l == releases.WorkspaceServer {
		return "0.93.2"
	}
	return "0.13.0"
}

// WrongLineError says that a version belongs to the other release line than the one a component or
// chart takes, for example a Workspace Server version given for the Control Plane API.
type WrongLineError struct {
	// Subject is what takes the version, e.g. "control_plane_api" or "the control_plane chart".
	Subject string
	Version string
	// Want is the line the subject takes; Belongs is the line the catalog lists the version in.
	Want, Belongs releases.Line
}

func (e *WrongLineError) Error() string {
	return fmt.Sprintf("%s is a %s version, but %s takes a %s version such as %s (the two lines are numbered independently)",
		e.Version, LineTitle(e.Belongs), e.Subject, LineTitle(e.Want), ExampleVersion(e.Want))
}

// UnlistedVersion notes an exact version that the release catalog does not list. It is no error (the
// catalog cannot know releases newer than the provider), but worth a warning.
type UnlistedVersion struct {
	Line    releases.Line
	Version string
}

// Message is the warning text: what is unknown, and how to check or teach the catalog.
func (u *UnlistedVersion) Message() string {
	return fmt.Sprintf("%s version %s is not in the release catalog; check the tag exists, or add its date with the provider's "+
		"`releases` attribute, e.g. releases = { %s = { %q = \"YYYY-MM-DD\" } }. The reference is built anyway, with the tag %s",
		LineTitle(u.Line), u.Version, u.Line, u.Version, u.Version)
}

// CheckVersion checks that version is an exact release (releases.ParseVersion, whose error it returns
// unchanged) and that the catalog does not list it in the other line only (a *WrongLineError). A version
// the catalog does not list at all is returned as an *UnlistedVersion note, not an error. A nil catalog
// means the embedded one.
func CheckVersion(cat *releases.Catalog, line releases.Line, subject, version string) (*UnlistedVersion, error) {
	if _, err := releases.ParseVersion(version); err != nil {
		return nil, err
	}
	if cat == nil {
		cat = releases.Embedded()
	}
	if other := cat.WrongLine(line, version); other != "" {
		return nil, &WrongLineError{Subject: subject, Version: version, Want: line, Belongs: other}
	}
	if !cat.Knows(line, version) {
		return &UnlistedVersion{Line: line, Version: version}, nil
	}
	return nil, nil
}
