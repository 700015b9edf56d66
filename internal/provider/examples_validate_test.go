// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The complete configurations under examples/ are valid as written: `terraform validate` against the
// provider built from this tree. They take their other inputs (cloud resources, certificates, passwords)
// as variables, so validation needs no service.
func TestExamplesValidate(t *testing.T) {
	for _, name := range []string{"self-hosted", "self-hosted/verify", "hybrid"} {
		t.Run(name, func(t *testing.T) {
			requireWriteOnlyCLI(t) // ephemeral variables and write-only passwords: Terraform 1.11+
			dir := filepath.Join("..", "..", "examples", name)
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".tf") {
					if files[e.Name()], err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
						t.Fatal(err)
					}
				}
			}
			if len(files) == 0 {
				t.Fatalf("no .tf files in %s", dir)
			}
			c := newCLIWorkdir(t, files)
			out := string(c.terraform("validate", "-no-color"))
			if !strings.Contains(out, "The configuration is valid") {
				t.Fatalf("terraform validate in examples/%s:\n%s", name, out)
			}
		})
	}
}
