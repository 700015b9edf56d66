// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"strings"
	"testing"
)

func TestServerInfoFor(t *testing.T) {
	tests := []struct {
		engine  Engine
		raw     string
		flavor  string
		version string
		warn    bool
		err     string
	}{
		{MySQL, "8.0.36", FlavorMySQL, "8.0.36", false, ""},
		{MySQL, "8.4.2-log", FlavorMySQL, "8.4.2", false, ""},
		{MySQL, "8.0.36-28", FlavorMySQL, "8.0.36", false, ""},       // Percona Server
		{MySQL, "9.1.0-commercial", FlavorMySQL, "9.1.0", false, ""}, // MySQL Enterprise
		{MySQL, "8.0", FlavorMySQL, "8.0.0", false, ""},
		{MySQL, "10.11.6-MariaDB-0+deb12u1", FlavorMariaDB, "10.11.6", true, ""},
		{MySQL, "5.5.5-10.11.6-MariaDB", FlavorMariaDB, "10.11.6", true, ""},
		{MySQL, "5.5.5-10.6.18-MariaDB-log", FlavorMariaDB, "10.6.18", true, ""},
		{MySQL, "11.4.3-MariaDB", FlavorMariaDB, "11.4.3", true, ""},
		{MySQL, "10.5.25-MariaDB", "", "", false, "MariaDB 10.5.25 is not supported"},
		{MySQL, "5.5.5-10.3.39-MariaDB-0+deb10u1", "", "", false, "MariaDB 10.3.39 is not supported"},
		{MySQL, "5.7.44-log", "", "", false, "MySQL 5.7.44 is not supported: ZenML Pro needs MySQL 8.0 or newer"},
		{MySQL, "5.5.5", "", "", false, "MySQL 5.5.5 is not supported"},
		{Postgres, "15.8 (Debian 15.8-0+deb12u1)", FlavorPostgres, "15.8", false, ""},
		{Postgres, "16.4", FlavorPostgres, "16.4", false, ""},
		{Postgres, "12.20 (Ubuntu 12.20-0ubuntu0.20.04.1)", FlavorPostgres, "12.20", false, ""},
		{Postgres, "17beta1", FlavorPostgres, "17.0", false, ""},
		{Postgres, "18devel", FlavorPostgres, "18.0", false, ""},
		{Postgres, "11.22", "", "", false, "PostgreSQL 11.22 is not supported"},
		{Postgres, "9.6.24", "", "", false, "PostgreSQL 9.6 is not supported"},
		{MySQL, "", "", "", false, "cannot read a version number"},
		{MySQL, "MariaDB", "", "", false, "cannot read a version number"},
		{Postgres, "devel", "", "", false, "cannot read a version number"},
		{Engine("oracle"), "19.3", "", "", false, "unknown engine"},
	}
	for _, tt := range tests {
		info, err := ServerInfoFor(tt.engine, tt.raw)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ServerInfoFor(%s, %q): error %v, want one containing %q", tt.engine, tt.raw, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ServerInfoFor(%s, %q): %v", tt.engine, tt.raw, err)
			continue
		}
		if info.Flavor != tt.flavor || info.Version != tt.version || info.Raw != tt.raw || info.Engine != tt.engine {
			t.Errorf("ServerInfoFor(%s, %q) = %+v, want flavour %s, version %s", tt.engine, tt.raw, info, tt.flavor, tt.version)
		}
		if got := len(info.Warnings) > 0; got != tt.warn {
			t.Errorf("ServerInfoFor(%s, %q) warnings = %q, want warnings: %v", tt.engine, tt.raw, info.Warnings, tt.warn)
		}
		if tt.warn && !strings.Contains(info.Warnings[0], "ZenML documents MySQL 8.0+") {
			t.Errorf("MariaDB warning %q does not say that ZenML documents MySQL 8.0+", info.Warnings[0])
		}
	}
}

func TestCheckSupportBoundaries(t *testing.T) {
	tests := []struct {
		flavor string
		v      Version
		ok     bool
	}{
		{FlavorMySQL, Version{7, 9, 99}, false},
		{FlavorMySQL, Version{8, 0, 0}, true},
		{FlavorMariaDB, Version{10, 5, 99}, false},
		{FlavorMariaDB, Version{10, 6, 0}, true},
		{FlavorMariaDB, Version{11, 0, 0}, true},
		{FlavorPostgres, Version{11, 99, 0}, false},
		{FlavorPostgres, Version{12, 0, 0}, true},
	}
	for _, tt := range tests {
		_, err := CheckSupport(tt.flavor, tt.v)
		if (err == nil) != tt.ok {
			t.Errorf("CheckSupport(%s, %s) = %v, want supported: %v", tt.flavor, tt.v, err, tt.ok)
		}
	}
	if _, err := CheckSupport("sqlite", Version{3, 0, 0}); err == nil {
		t.Error("CheckSupport accepted an unknown flavour")
	}
}

func FuzzParseServerVersion(f *testing.F) {
	for _, s := range []string{
		"8.0.36", "8.4.2-log", "10.11.6-MariaDB-0+deb12u1", "5.5.5-10.11.6-MariaDB", "15.8 (Debian 15.8-0+deb12u1)",
		"17beta1", "", "5.5.5-", "1.2.3.4.5", "99999999999999999999.1", ".1", "8..0", "mariadb 5.5.5-",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, engine := range Engines() {
			flavor, v, err := ParseServerVersion(engine, raw)
			if err != nil {
				continue
			}
			if v.Major < 0 || v.Minor < 0 || v.Patch < 0 {
				t.Fatalf("ParseServerVersion(%s, %q) = %v: negative part", engine, raw, v)
			}
			// The numeric version reads back as itself.
			_, again, err := ParseServerVersion(engine, v.String())
			if err != nil || again != v {
				t.Fatalf("ParseServerVersion(%s, %q) = %v, but %q reads as %v (%v)", engine, raw, v, v.String(), again, err)
			}
			if flavor == FlavorMariaDB && !strings.Contains(strings.ToLower(raw), "mariadb") {
				t.Fatalf("ParseServerVersion(%s, %q) says MariaDB", engine, raw)
			}
			// The support rules never panic and agree with ServerInfoFor.
			_, supportErr := CheckSupport(flavor, v)
			_, infoErr := ServerInfoFor(engine, raw)
			if (supportErr == nil) != (infoErr == nil) {
				t.Fatalf("CheckSupport and ServerInfoFor disagree on %q: %v / %v", raw, supportErr, infoErr)
			}
		}
	})
}

func TestVersionLabel(t *testing.T) {
	for raw, want := range map[string]string{
		"8.0.36-log":                   "8.0.36",
		"5.5.5-10.11.6-MariaDB-log":    "10.11.6-MariaDB",
		"15.8 (Debian 15.8-0+deb12u1)": "15.8",
	} {
		engine := MySQL
		if strings.Contains(raw, "Debian") {
			engine = Postgres
		}
		info, err := ServerInfoFor(engine, raw)
		if err != nil {
			t.Fatalf("ServerInfoFor(%s, %q): %v", engine, raw, err)
		}
		if got := info.VersionLabel(); got != want {
			t.Errorf("VersionLabel of %q = %q, want %q", raw, got, want)
		}
	}
}
