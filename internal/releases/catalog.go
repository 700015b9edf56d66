// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package releases

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	goversion "github.com/hashicorp/go-version"
)

// DateLayout is the only date format the provider reads or writes: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// Kinds of dates. The embedded catalog uses the kinds of its source file; dates given in the provider
// configuration have the kind KindConfiguration.
const (
	KindChangelog = "changelog"
	KindPrep      = "prep"
	KindMirror    = "mirror"
	KindPage      = "page"
	// KindNotesBranch: the release-notes entry the changelog's automation wrote on a branch that was
	// never merged into the published changelog.
	KindNotesBranch   = "notes-branch"
	KindConfiguration = "configuration"
)

//go:embed data/zenml-releases.tsv
var embeddedTSV string

// Release is what the catalog knows of one version.
type Release struct {
	Line    Line
	Version string
	// Date is the release date; the zero time when it is not known.
	Date time.Time
	// Kind says where the date comes from (changelog, prep, mirror, page, configuration).
	Kind string
	// Note carries remarks of the source, such as stated minimum versions.
	Note string
}

// DateKnown reports whether the release date is known.
func (r Release) DateKnown() bool { return !r.Date.IsZero() }

// DateString is the date as YYYY-MM-DD, or "" when unknown.
func (r Release) DateString() string {
	if !r.DateKnown() {
		return ""
	}
	return r.Date.Format(DateLayout)
}

// Catalog maps each line's versions to what is known of them. A Catalog is immutable once built.
type Catalog struct {
	releases map[Line]map[string]Release
}

var (
	embeddedOnce sync.Once
	embedded     *Catalog
	embeddedErr  error
)

// Embedded returns the catalog compiled into the provider. Its source is tested, so an error here is a
// build defect; it panics rather than hand out a partial catalog.
func Embedded() *Catalog {
	embeddedOnce.Do(func() { embedded, embeddedErr = Parse(strings.NewReader(embeddedTSV)) })
	if embeddedErr != nil {
		panic("releases: embedded catalog is invalid: " + embeddedErr.Error())
	}
	return embedded
}

// Parse reads a catalog in the TSV format of data/zenml-releases.tsv: comment lines start with "#";
// columns are line ("oss" or "control_plane"), version, date (YYYY-MM-DD or "unknown"), kind, note.
func Parse(r io.Reader) (*Catalog, error) {
	c := &Catalog{releases: map[Line]map[string]Release{ControlPlane: {}, WorkspaceServer: {}}}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) < 3 {
			return nil, fmt.Errorf("line %d: want at least 3 tab-separated columns (line, version, date), got %d", n, len(cols))
		}
		for len(cols) < 5 {
			cols = append(cols, "")
		}
		var line Line
		switch cols[0] {
		case "oss", string(WorkspaceServer):
			line = WorkspaceServer
		case string(ControlPlane):
			line = ControlPlane
		default:
			return nil, fmt.Errorf("line %d: unknown line %q (want oss or control_plane)", n, cols[0])
		}
		if _, err := ParseVersion(cols[1]); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		rel := Release{Line: line, Version: cols[1], Kind: cols[3], Note: cols[4]}
		if cols[2] != "unknown" {
			d, err := ParseDate(cols[2])
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			rel.Date = d
		}
		if _, dup := c.releases[line][rel.Version]; dup {
			return nil, fmt.Errorf("line %d: %s %s is listed twice", n, line.Title(), rel.Version)
		}
		c.releases[line][rel.Version] = rel
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

var datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// earliestDate bounds release dates from below: ZenML has no release before it, and the zero time (year 1)
// stands for "unknown" in a Release.
var earliestDate = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// ParseDate accepts exactly YYYY-MM-DD (a real calendar day, four-digit year, no sign), from 2000-01-01 on.
func ParseDate(s string) (time.Time, error) {
	if !datePattern.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD, e.g. \"2026-01-30\"", s)
	}
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a calendar day in the form YYYY-MM-DD, e.g. \"2026-01-30\"", s)
	}
	if d.Before(earliestDate) {
		return time.Time{}, fmt.Errorf("%q is before %s and cannot be a ZenML release date; give a date in the form YYYY-MM-DD, e.g. \"2026-01-30\"", s, earliestDate.Format(DateLayout))
	}
	return d, nil
}

// WithDates returns a new catalog in which the given dates (line -> version -> YYYY-MM-DD) add to or
// replace the receiver's. A date given here wins over the embedded one.
func (c *Catalog) WithDates(dates map[Line]map[string]string) (*Catalog, error) {
	out := &Catalog{releases: map[Line]map[string]Release{}}
	for line, m := range c.releases {
		cp := make(map[string]Release, len(m))
		for k, v := range m {
			cp[k] = v
		}
		out.releases[line] = cp
	}
	for _, line := range Lines() {
		versions := make([]string, 0, len(dates[line]))
		for v := range dates[line] {
			versions = append(versions, v)
		}
		sort.Strings(versions)
		for _, v := range versions {
			if _, err := ParseVersion(v); err != nil {
				return nil, fmt.Errorf("%s: %w", line, err)
			}
			d, err := ParseDate(dates[line][v])
			if err != nil {
				return nil, fmt.Errorf("%s version %s: %w", line, v, err)
			}
			rel := out.releases[line][v]
			rel.Line, rel.Version, rel.Date, rel.Kind = line, v, d, KindConfiguration
			out.releases[line][v] = rel
		}
	}
	return out, nil
}

// Lookup returns what the catalog knows of a version of a line.
func (c *Catalog) Lookup(line Line, version string) (Release, bool) {
	r, ok := c.releases[line][version]
	return r, ok
}

// Knows reports whether the catalog lists the version in the line (with or without a date).
func (c *Catalog) Knows(line Line, version string) bool {
	_, ok := c.releases[line][version]
	return ok
}

// Releases lists a line's releases, oldest version first.
func (c *Catalog) Releases(line Line) []Release {
	out := make([]Release, 0, len(c.releases[line]))
	for _, r := range c.releases[line] {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := goversion.NewVersion(out[i].Version)
		b, _ := goversion.NewVersion(out[j].Version)
		return a.LessThan(b)
	})
	return out
}

// ReleaseDate returns the release of a version whose date is known, or an error that says how to
// supply the date. The version must be an exact release number.
func (c *Catalog) ReleaseDate(line Line, version string) (Release, error) {
	if _, err := ParseVersion(version); err != nil {
		return Release{}, err
	}
	r, ok := c.Lookup(line, version)
	if !ok || !r.DateKnown() {
		return r, &UnknownDateError{Line: line, Version: version, Listed: ok, OtherLine: c.otherLineKnows(line, version)}
	}
	return r, nil
}

func (c *Catalog) otherLineKnows(line Line, version string) Line {
	for _, l := range Lines() {
		if l != line && c.Knows(l, version) {
			return l
		}
	}
	return ""
}

// WrongLine reports the line that knows a version when the given line does not: a Control Plane
// version given where a Workspace Server version belongs, or the reverse. It returns "" when the catalog
// cannot tell (the version is in the given line, or in none).
func (c *Catalog) WrongLine(line Line, version string) Line {
	if c.Knows(line, version) {
		return ""
	}
	return c.otherLineKnows(line, version)
}

// UnknownDateError says that a version cannot be judged because its release date is not known.
type UnknownDateError struct {
	Line      Line
	Version   string
	Listed    bool // the catalog lists the version but has no date for it
	OtherLine Line // set when the other line knows this version: probably a mix-up
}

func (e *UnknownDateError) Error() string {
	var b strings.Builder
	if e.Listed {
		fmt.Fprintf(&b, "the release date of %s %s is not known to this provider (the version is listed, but no date was found in public material)", e.Line.Title(), e.Version)
	} else {
		fmt.Fprintf(&b, "%s %s is not in this provider's release catalog", e.Line.Title(), e.Version)
	}
	if e.OtherLine != "" {
		fmt.Fprintf(&b, "; %s is a %s version, check that the versions are not swapped", e.Version, e.OtherLine.Title())
	}
	fmt.Fprintf(&b, ". Compatibility is judged by release date and is never guessed: if %s is a real release, supply its date in the provider configuration, e.g. releases = { %s = { %q = \"YYYY-MM-DD\" } }",
		e.Version, e.Line, e.Version)
	return b.String()
}
