// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourceFilesCarryTheLicenseHeader: every Go file, script and build file of the repository
// starts with the copyright and SPDX line of the project's license (MPL-2.0, as LICENSE says).
func TestSourceFilesCarryTheLicenseHeader(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "-co", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	license, err := os.ReadFile("LICENSE")
	if err != nil || !strings.Contains(string(license), "Mozilla Public License, version 2.0") {
		t.Fatalf("LICENSE is not the MPL-2.0 text: %v", err)
	}
	checked := 0
	for _, f := range strings.Fields(string(out)) {
		base := filepath.Base(f)
		wanted := strings.HasSuffix(f, ".go") || strings.HasSuffix(f, ".sh") || f == ".ci/run" || base == "GNUmakefile" ||
			strings.HasSuffix(f, ".yml")
		if !wanted || strings.Contains(f, "/testdata/") {
			continue
		}
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		head := string(b[:min(len(b), 300)])
		if !strings.Contains(head, "Copyright (c) zenmlpro-infra and contributors") || !strings.Contains(head, "SPDX-License-Identifier: MPL-2.0") {
			t.Errorf("%s does not start with the license header (Copyright (c) zenmlpro-infra and contributors / SPDX-License-Identifier: MPL-2.0)", f)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d files were checked: git ls-files did not list the sources", checked)
	}
}
