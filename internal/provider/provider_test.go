// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"os"
	"os/exec"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// testAccProtoV6ProviderFactories runs the provider in process for the real Terraform CLI.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"zenmlpro": providerserver.NewProtocol6WithError(New("test")()),
}

// testAccPreCheck fails (never skips) when the acceptance test environment is incomplete.
func testAccPreCheck(t testing.TB) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Fatal("acceptance tests need TF_ACC=1; run them with `make test`")
	}
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p == "" {
		if _, err := exec.LookPath("terraform"); err != nil {
			t.Fatal("acceptance tests need the Terraform CLI (>= 1.11) on PATH or in TF_ACC_TERRAFORM_PATH")
		}
	}
}
