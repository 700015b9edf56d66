// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAccProviderBinaryLogsOnlyWhenShown runs the provider binary under the CLI twice. Without TF_LOG,
// Terraform shows no provider log and drops every line after parsing it, so the binary writes none
// (process.QuietLogsUnlessShown: about 100 lines per resource otherwise). With TF_LOG=TRACE the
// SDK's and the provider's own lines reach Terraform's log as before.
func TestAccProviderBinaryLogsOnlyWhenShown(t *testing.T) {
	t.Parallel()
	config := `
terraform {
  required_providers {
    zenmlpro = { source = "zenmlpro-infra/zenmlpro" }
  }
}

data "zenmlpro_image" "server" {
  component = "workspace_server"
  version   = "0.93.2"
  source    = "zenml_aws"
}
`
	c := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(config)})

	// The binary behind a wrapper that keeps its standard error, where plugins write their logs.
	binDir := filepath.Join(c.dir, "bin")
	binary := filepath.Join(c.dir, "real-provider")
	if err := os.Rename(filepath.Join(binDir, "terraform-provider-zenmlpro"), binary); err != nil {
		t.Fatal(err)
	}
	stderrFile := filepath.Join(c.dir, "provider-stderr.log")
	wrapper := "#!/bin/sh\nexec '" + binary + "' \"$@\" 2>>'" + stderrFile + "'\n"
	if err := os.WriteFile(filepath.Join(binDir, "terraform-provider-zenmlpro"), []byte(wrapper), 0o700); err != nil { //nolint:gosec // an executable script of the test's own
		t.Fatal(err)
	}
	base := slices.Clone(c.env)
	c.env = append(slices.Clone(base), "TF_LOG=", "TF_LOG_PROVIDER=", "TF_LOG_SDK=", "TF_LOG_SDK_FRAMEWORK=", "TF_LOG_SDK_PROTO=", "TF_LOG_PROVIDER_ZENMLPRO=")
	c.terraform("plan", "-input=false")
	stderr, err := os.ReadFile(stderrFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(stderr), "plugin address") {
		t.Fatalf("the wrapper did not capture the provider's standard error:\n%s", stderr)
	}
	for _, module := range []string{`"@module":"sdk.`, `"@module":"zenmlpro"`, `"@module":"provider`} {
		if strings.Contains(string(stderr), module) {
			t.Errorf("without TF_LOG the provider wrote %s log lines:\n%.2000s", module, stderr)
		}
	}

	// With TF_LOG=TRACE, the binary itself again: the SDK's lines for the data source read are in
	// Terraform's log.
	if err := os.Rename(binary, filepath.Join(binDir, "terraform-provider-zenmlpro")); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(c.dir, "terraform.log")
	c.env = append(slices.Clone(base), "TF_LOG=TRACE", "TF_LOG_PATH="+logFile)
	c.terraform("plan", "-input=false")
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"provider.terraform-provider-zenmlpro", "@module=sdk.framework", "tf_rpc=ReadDataSource"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("with TF_LOG=TRACE, Terraform's log lacks %q", want)
		}
	}
}
