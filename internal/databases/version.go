// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"fmt"
	"strconv"
	"strings"
)

// Flavours of server, as ServerInfo.Flavor names them.
const (
	FlavorMySQL    = "mysql"
	FlavorMariaDB  = "mariadb"
	FlavorPostgres = "postgres"
)

// MariaDBWarning is the warning attached to every supported MariaDB server.
const MariaDBWarning = "ZenML documents MySQL 8.0+; ZenML OSS tests migrations on MariaDB 10.6+. " +
	"MariaDB works, but it is not what the ZenML Pro documentation names."

// Version is a server version's numeric part.
type Version struct {
	Major, Minor, Patch int
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// AtLeast reports whether v >= major.minor.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// mariaDBReplicationPrefix is what MariaDB 10.x puts before its version in the protocol handshake
// (so that old replication clients see a MySQL 5.5.5); SELECT VERSION() does not show it.
const mariaDBReplicationPrefix = "5.5.5-"

// ParseServerVersion reads the version string a server reports (SELECT VERSION() on MySQL and
// MariaDB, SHOW server_version on PostgreSQL) and says which flavour of server it is. Examples:
// "8.0.36", "8.4.2-log", "10.11.6-MariaDB-0+deb12u1", "5.5.5-10.11.6-MariaDB",
// "15.8 (Debian 15.8-0+deb12u1)", "17beta1".
func ParseServerVersion(engine Engine, raw string) (flavor string, v Version, err error) {
	s := strings.TrimSpace(raw)
	switch engine {
	case MySQL:
		flavor = FlavorMySQL
		if strings.Contains(strings.ToLower(s), "mariadb") {
			flavor = FlavorMariaDB
			if rest, ok := strings.CutPrefix(s, mariaDBReplicationPrefix); ok && rest != "" && isDigit(rest[0]) {
				s = rest
			}
		}
	case Postgres:
		flavor = FlavorPostgres
	default:
		return "", Version{}, fmt.Errorf("unknown engine %q", engine)
	}
	v, ok := leadingVersion(s)
	if !ok {
		return "", Version{}, fmt.Errorf("cannot read a version number from the server's version string %q", raw)
	}
	if engine == MySQL && v.Major == 0 {
		return "", Version{}, fmt.Errorf("cannot read a version number from the server's version string %q", raw)
	}
	return flavor, v, nil
}

// leadingVersion reads "MAJOR[.MINOR[.PATCH]]" at the start of s; anything after it ("-log",
// "-MariaDB...", " (Debian ...)", "beta1") is ignored. At least the major number must be present.
func leadingVersion(s string) (Version, bool) {
	var parts [3]int
	n := 0
	for n < 3 {
		end := 0
		for end < len(s) && isDigit(s[end]) {
			end++
		}
		if end == 0 || end > 9 {
			break
		}
		num, err := strconv.Atoi(s[:end])
		if err != nil {
			break
		}
		parts[n] = num
		n++
		s = s[end:]
		if len(s) < 2 || s[0] != '.' || !isDigit(s[1]) {
			break
		}
		s = s[1:]
	}
	if n == 0 {
		return Version{}, false
	}
	return Version{Major: parts[0], Minor: parts[1], Patch: parts[2]}, true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// CheckSupport applies the provider's support rules: MySQL 8.0+; MariaDB 10.6+ with a warning;
// PostgreSQL 12+. It returns the warnings for a supported server and an error for an unsupported one.
func CheckSupport(flavor string, v Version) (warnings []string, err error) {
	switch flavor {
	case FlavorMySQL:
		if !v.AtLeast(8, 0) {
			return nil, fmt.Errorf("MySQL %s is not supported: ZenML Pro needs MySQL 8.0 or newer", v)
		}
	case FlavorMariaDB:
		if !v.AtLeast(10, 6) {
			return nil, fmt.Errorf("MariaDB %s is not supported: ZenML documents MySQL 8.0+ and tests its "+
				"migrations on MariaDB 10.6 or newer; upgrade the server or use MySQL 8.0+", v)
		}
		return []string{MariaDBWarning}, nil
	case FlavorPostgres:
		if !v.AtLeast(12, 0) {
			return nil, fmt.Errorf("PostgreSQL %d.%d is not supported: the provider needs PostgreSQL 12 or newer",
				v.Major, v.Minor)
		}
	default:
		return nil, fmt.Errorf("unknown server flavour %q", flavor)
	}
	return nil, nil
}

// versionString formats a version as servers of the flavour write it: PostgreSQL 10+ has two parts.
func versionString(flavor string, v Version) string {
	if flavor == FlavorPostgres && v.Major >= 10 {
		return fmt.Sprintf("%d.%d", v.Major, v.Minor)
	}
	return v.String()
}

// ServerInfoFor builds the ServerInfo for a raw version string, applying the support rules.
func ServerInfoFor(engine Engine, raw string) (ServerInfo, error) {
	flavor, v, err := ParseServerVersion(engine, raw)
	if err != nil {
		return ServerInfo{}, err
	}
	warnings, err := CheckSupport(flavor, v)
	if err != nil {
		return ServerInfo{}, err
	}
	return ServerInfo{
		Engine:   engine,
		Flavor:   flavor,
		Version:  versionString(flavor, v),
		Raw:      raw,
		Warnings: warnings,
	}, nil
}

// VersionLabel is the version as the provider records it: the numeric version, followed by
// "-MariaDB" on MariaDB, e.g. "8.0.36", "10.11.6-MariaDB", "15.8".
func (i ServerInfo) VersionLabel() string {
	if i.Flavor == FlavorMariaDB {
		return i.Version + "-MariaDB"
	}
	return i.Version
}
