// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// testAccSteps runs steps against the real Terraform CLI with the provider in process.
func testAccSteps(t *testing.T, steps []resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// testAccFunctionSteps runs steps that call provider-defined functions, which Terraform 1.8 introduced.
// An older Terraform fails the test rather than skipping it, as testAccPreCheck does.
func testAccFunctionSteps(t *testing.T, steps []resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_8_0)},
		Steps:                    steps,
	})
}

// wrappedPhrase matches a phrase as Terraform prints it: its words may be split across lines.
func wrappedPhrase(p string) string {
	words := strings.Fields(p)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(words, `\s+`)
}

// wrapped matches phrases as Terraform prints them: words of a phrase may be split across lines, and the
// phrases appear in the given order.
func wrapped(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		parts[i] = wrappedPhrase(p)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// protoServer starts the provider as Terraform sees it, for calls the testing library cannot make or
// observe: validation without configuration, and warnings.
func protoServer(t *testing.T) tfprotov6.ProviderServer {
	t.Helper()
	s, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testDataSourceType returns a data source's schema and the Terraform type of its configuration.
func testDataSourceType(t *testing.T, ds datasource.DataSource) (schema.Schema, tftypes.Object) {
	t.Helper()
	var sresp datasource.SchemaResponse
	ds.Schema(t.Context(), datasource.SchemaRequest{}, &sresp)
	typ, ok := sresp.Schema.Type().TerraformType(t.Context()).(tftypes.Object)
	if !ok {
		t.Fatalf("the schema of %T is not an object", ds)
	}
	return sresp.Schema, typ
}

// testConfigValue is a data source's configuration as Terraform sends it: the given attributes, every
// other one null.
func testConfigValue(t *testing.T, ds datasource.DataSource, config map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	_, typ := testDataSourceType(t, ds)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range config {
		if _, ok := typ.AttributeTypes[name]; !ok {
			t.Fatalf("%T has no attribute %q", ds, name)
		}
		vals[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// testValidate runs the provider server's ValidateDataResourceConfig, as `terraform validate` does,
// before any provider configuration, and returns its diagnostics.
func testValidate(t *testing.T, ds datasource.DataSource, config map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	var mresp datasource.MetadataResponse
	ds.Metadata(t.Context(), datasource.MetadataRequest{ProviderTypeName: "zenmlpro"}, &mresp)
	resp, err := protoServer(t).ValidateDataResourceConfig(t.Context(), &tfprotov6.ValidateDataResourceConfigRequest{
		TypeName: mresp.TypeName, Config: testConfigValue(t, ds, config),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

// attributePathString renders a protocol attribute path the way Terraform prints it.
func attributePathString(p *tftypes.AttributePath) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(string(s))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(s))
		default:
			fmt.Fprintf(&b, "[%v]", s)
		}
	}
	return b.String()
}

// traceLogs sends Terraform's own log (TF_ACC_LOG / TF_ACC_LOG_PATH) and the in-process provider's
// log (TF_LOG / TF_LOG_PATH; TF_ACC_LOG_PATH wins for it too) to one file at TRACE, and keeps the
// working directories (with their state files) under work. The test cannot run in parallel.
func traceLogs(t *testing.T) (logFile, work string) {
	t.Helper()
	dir := t.TempDir()
	logFile, work = filepath.Join(dir, "terraform-trace.log"), filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH", logFile)
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_ACC_TEMP_DIR", work)
	t.Setenv("TF_ACC_PERSIST_WORKING_DIR", "1")
	return logFile, work
}

// stateFiles returns the contents of every state file under work, and how many there are.
func stateFiles(work string) (string, int, error) {
	var all strings.Builder
	n := 0
	err := filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".tfstate") {
			return err
		}
		b, err := os.ReadFile(p)
		all.Write(b)
		n++
		return err
	})
	return all.String(), n, err
}

// fullSourceBlock names the provider by its full source address, for configurations whose steps
// import: OpenTofu would otherwise look the provider up in its own registry for the import's init,
// instead of using the provider under test.
const fullSourceBlock = `
terraform {
  required_providers {
    zenmlpro = {
      source = "registry.terraform.io/hashicorp/zenmlpro"
    }
  }
}
`
