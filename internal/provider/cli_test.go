// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cliWorkdir runs the real Terraform CLI (or TF_ACC_TERRAFORM_PATH) on a configuration in a fresh working
// directory, against a provider binary built from this tree and found through dev_overrides: what
// `make demo` does, for tests of whole configurations that terraform-plugin-testing cannot take as they are.
type cliWorkdir struct {
	t    testing.TB
	tf   string   // the CLI binary
	dir  string   // holds bin/, terraformrc and work/
	work string   // the configuration's directory
	env  []string // added to every command's environment
}

// requireCLI returns the CLI to run. Like resource.Test, it skips without TF_ACC; it fails when the CLI
// is missing.
func requireCLI(t testing.TB) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	testAccPreCheck(t)
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		tf = "terraform"
	}
	return tf
}

// requireWriteOnlyCLI is requireCLI for configurations with write-only attributes: it skips on a CLI
// too old for them.
func requireWriteOnlyCLI(t testing.TB) {
	t.Helper()
	cliNeedsWriteOnly(t, requireCLI(t))
}

// newCLIWorkdir builds the provider and writes files (name -> content) into a new working directory.
func newCLIWorkdir(t testing.TB, files map[string][]byte, env ...string) *cliWorkdir {
	t.Helper()
	return newProviderWorkdir(t, "zenmlpro", "../..", files, env...)
}

// newProviderWorkdir is newCLIWorkdir for the provider of type name built from the Go package pkg
// (relative to this package), found at zenmlpro-infra/<name>.
func newProviderWorkdir(t testing.TB, name, pkg string, files map[string][]byte, env ...string) *cliWorkdir {
	t.Helper()
	c := &cliWorkdir{t: t, tf: requireCLI(t), dir: t.TempDir()}
	binDir := filepath.Join(c.dir, "bin")
	c.work = filepath.Join(c.dir, "work")
	for _, d := range []string{binDir, c.work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(c.work, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rc := "provider_installation {\n  dev_overrides {\n    \"zenmlpro-infra/" + name + "\" = \"" + binDir + "\"\n  }\n  direct {}\n}\n"
	if err := os.WriteFile(filepath.Join(c.dir, "terraformrc"), []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	c.env = append([]string{"TF_CLI_CONFIG_FILE=" + filepath.Join(c.dir, "terraformrc"), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"}, env...)
	c.run("go", "build", "-o", filepath.Join(binDir, "terraform-provider-"+name), pkg)
	return c
}

// writeConfig replaces the configuration (main.tf).
func (c *cliWorkdir) writeConfig(content string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.work, "main.tf"), []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// run runs a command and returns its standard output; a failure fails the test with both outputs.
func (c *cliWorkdir) run(name string, args ...string) []byte {
	c.t.Helper()
	cmd := exec.CommandContext(c.t.Context(), name, args...)
	cmd.Env = append(os.Environ(), c.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, stderr.String())
	}
	return out
}

// terraformErr runs the CLI in the working directory and returns its standard output and error
// output together, and its error, for commands that are meant to fail.
func (c *cliWorkdir) terraformErr(args ...string) ([]byte, error) {
	c.t.Helper()
	cmd := exec.CommandContext(c.t.Context(), c.tf, append([]string{"-chdir=" + c.work}, args...)...)
	cmd.Env = append(os.Environ(), c.env...)
	return cmd.CombinedOutput()
}

// terraform runs the CLI in the working directory.
func (c *cliWorkdir) terraform(args ...string) []byte {
	c.t.Helper()
	return c.run(c.tf, append([]string{"-chdir=" + c.work}, args...)...)
}

// cliNeedsWriteOnly skips on a CLI older than Terraform 1.11 (such as OpenTofu 1.10): the quickstart and
// the README example feed write-only database passwords from ephemeral variables. The write-only
// path is exercised without the CLI by TestDatabaseResourceWriteOnlyPasswordProviderServer.
func cliNeedsWriteOnly(t testing.TB, tfBin string) {
	t.Helper()
	if !cliAtLeast111(t, tfBin) {
		t.Skipf("the configuration needs Terraform 1.11+ (write-only attributes, ephemeral variables); %s is older", tfBin)
	}
}

// cliAtLeast111 reports whether the CLI reports version 1.11 or newer: Terraform 1.11+ or OpenTofu
// 1.11+ (OpenTofu 1.10 reports 1.10 and has neither ephemeral variables nor write-only attributes).
func cliAtLeast111(t testing.TB, tfBin string) bool {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), tfBin, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", tfBin, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v: %s", tfBin, err, out)
	}
	parts := strings.SplitN(v.Version, ".", 3)
	if len(parts) < 2 {
		t.Fatalf("%s reports version %q", tfBin, v.Version)
	}
	major, errMajor := strconv.Atoi(parts[0])
	minor, errMinor := strconv.Atoi(parts[1])
	if errMajor != nil || errMinor != nil {
		t.Fatalf("%s reports version %q", tfBin, v.Version)
	}
	return major > 1 || minor >= 11
}
