// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

const testImageDigest = "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"

// testImageExpect is what one zenmlpro_image data source must hold after apply.
type testImageExpect struct {
	component, version, source, registry, digest string
	imageName, repository, host, uri             string
}

func (e testImageExpect) name() string {
	if e.registry != "" {
		return e.component + "_private"
	}
	return e.component + "_" + e.source
}

func (e testImageExpect) config() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data \"zenmlpro_image\" %q {\n  component = %q\n  version = %q\n  source = %q\n", e.name(), e.component, e.version, e.source)
	if e.registry != "" {
		fmt.Fprintf(&b, "  registry = %q\n", e.registry)
	}
	if e.digest != "" {
		fmt.Fprintf(&b, "  digest = %q\n", e.digest)
	}
	b.WriteString("}\n")
	return b.String()
}

func (e testImageExpect) checks() []statecheck.StateCheck {
	addr := "data.zenmlpro_image." + e.name()
	check := func(attr, want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), knownvalue.StringExact(want))
	}
	return []statecheck.StateCheck{
		check("uri", e.uri),
		check("repository", e.repository),
		check("tag", e.version),
		check("image_name", e.imageName),
		check("registry_host", e.host),
	}
}

func testAccImageStep(expects []testImageExpect) resource.TestStep {
	var cfg strings.Builder
	var checks []statecheck.StateCheck
	for _, e := range expects {
		cfg.WriteString(e.config())
		checks = append(checks, e.checks()...)
	}
	return resource.TestStep{Config: cfg.String(), ConfigStateChecks: checks}
}

func TestAccImageDataSource_zenmlSources(t *testing.T) {
	const gar, ecrWest, ecrCentral = "europe-west3-docker.pkg.dev", "715803424590.dkr.ecr.eu-west-1.amazonaws.com", "715803424590.dkr.ecr.eu-central-1.amazonaws.com"
	expects := []testImageExpect{
		{component: "control_plane_api", version: "0.13.0", source: "zenml_gcp", imageName: "zenml-pro-api",
			repository: gar + "/zenml-cloud/zenml-pro/zenml-pro-api", host: gar, uri: gar + "/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0"},
		{component: "control_plane_dashboard", version: "0.13.0", source: "zenml_gcp", imageName: "zenml-pro-dashboard",
			repository: gar + "/zenml-cloud/zenml-pro/zenml-pro-dashboard", host: gar, uri: gar + "/zenml-cloud/zenml-pro/zenml-pro-dashboard:0.13.0"},
		{component: "workspace_server", version: "0.93.2", source: "zenml_gcp", imageName: "zenml-pro-server",
			repository: gar + "/zenml-cloud/zenml-pro/zenml-pro-server", host: gar, uri: gar + "/zenml-cloud/zenml-pro/zenml-pro-server:0.93.2"},
		{component: "client", version: "0.93.2", source: "zenml_gcp", imageName: "zenml",
			repository: "docker.io/zenmldocker/zenml", host: "docker.io", uri: "docker.io/zenmldocker/zenml:0.93.2"},
		{component: "control_plane_api", version: "0.13.0", source: "zenml_aws", imageName: "zenml-pro-api",
			repository: ecrWest + "/zenml-pro-api", host: ecrWest, uri: ecrWest + "/zenml-pro-api:0.13.0"},
		{component: "control_plane_dashboard", version: "0.13.0", source: "zenml_aws", imageName: "zenml-pro-dashboard",
			repository: ecrWest + "/zenml-pro-dashboard", host: ecrWest, uri: ecrWest + "/zenml-pro-dashboard:0.13.0"},
		// The workspace server's ECR repository is in eu-central-1, unlike the control plane's.
		{component: "workspace_server", version: "0.93.2", source: "zenml_aws", imageName: "zenml-pro-server",
			repository: ecrCentral + "/zenml-pro-server", host: ecrCentral, uri: ecrCentral + "/zenml-pro-server:0.93.2"},
		{component: "client", version: "0.93.2", source: "zenml_aws", imageName: "zenml",
			repository: "docker.io/zenmldocker/zenml", host: "docker.io", uri: "docker.io/zenmldocker/zenml:0.93.2"},
	}
	testAccSteps(t, []resource.TestStep{testAccImageStep(expects)})
}

func TestAccImageDataSource_privateAndDigest(t *testing.T) {
	expects := []testImageExpect{
		{component: "control_plane_api", version: "0.13.0", source: "private", registry: "harbor.internal.example.com/zenml", imageName: "zenml-pro-api",
			repository: "harbor.internal.example.com/zenml/zenml-pro-api", host: "harbor.internal.example.com",
			uri: "harbor.internal.example.com/zenml/zenml-pro-api:0.13.0"},
		{component: "workspace_server", version: "0.93.2", source: "private", registry: "registry.example.com:5000/mirrors/zenml", imageName: "zenml-pro-server",
			repository: "registry.example.com:5000/mirrors/zenml/zenml-pro-server", host: "registry.example.com:5000",
			uri: "registry.example.com:5000/mirrors/zenml/zenml-pro-server:0.93.2"},
		{component: "client", version: "0.93.1", source: "private", registry: "harbor.internal.example.com/zenml", imageName: "zenml",
			repository: "harbor.internal.example.com/zenml/zenml", host: "harbor.internal.example.com", digest: testImageDigest,
			uri: "harbor.internal.example.com/zenml/zenml:0.93.1@" + testImageDigest},
		{component: "control_plane_dashboard", version: "0.13.0", source: "zenml_gcp", imageName: "zenml-pro-dashboard", digest: testImageDigest,
			repository: "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-dashboard", host: "europe-west3-docker.pkg.dev",
			uri: "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-dashboard:0.13.0@" + testImageDigest},
	}
	testAccSteps(t, []resource.TestStep{testAccImageStep(expects)})
}

func testAccImageConfig(component, version, source, extra string) string {
	return fmt.Sprintf(`
data "zenmlpro_image" "test" {
  component = %q
  version   = %q
  source    = %q
  %s
}
`, component, version, source, extra)
}

func TestAccImageDataSource_errors(t *testing.T) {
	steps := []resource.TestStep{
		{
			Config:      testAccImageConfig("api", "0.13.0", "zenml_gcp", ""),
			ExpectError: regexp.MustCompile(`(?s)Attribute component value must be one of:.*"control_plane_api".*got: "api"`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "zenml_azure", ""),
			ExpectError: regexp.MustCompile(`(?s)Attribute source value must be one of:.*"private".*got: "zenml_azure"`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "v0.13.0", "zenml_gcp", ""),
			ExpectError: regexp.MustCompile(`(?s)Invalid Version.*Attribute version: "v0.13.0" is not an exact release\s+version:.*no\s+"v"\s+prefix\s+\(write\s+"0.13.0"\)`),
		},
		{
			Config:      testAccImageConfig("workspace_server", "latest", "zenml_gcp", ""),
			ExpectError: regexp.MustCompile(`(?s)Invalid Version.*"latest"\s+cannot\s+be\s+checked\s+or\s+pinned.*e\.g\.\s+"0.93.2"`),
		},
		{
			Config:      testAccImageConfig("workspace_server", ">= 0.93.0", "zenml_gcp", ""),
			ExpectError: regexp.MustCompile(`(?s)Invalid Version.*range\s+or\s+constraint`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.93.2", "zenml_gcp", ""),
			ExpectError: regexp.MustCompile(`(?s)Wrong Version Line.*Attribute version: 0.93.2 is a Workspace Server\s+\(ZenML\s+OSS\)\s+version,\s+but\s+control_plane_api\s+takes\s+a\s+Control\s+Plane\s+version\s+such\s+as\s+0.13.0`),
		},
		{
			Config:      testAccImageConfig("workspace_server", "0.13.0", "zenml_aws", ""),
			ExpectError: regexp.MustCompile(`(?s)Wrong Version Line.*0.13.0 is a Control Plane version, but\s+workspace_server\s+takes\s+a\s+Workspace\s+Server\s+\(ZenML\s+OSS\)\s+version\s+such\s+as\s+0.93.2`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "private", ""),
			ExpectError: regexp.MustCompile(`(?s)Registry Required.*Attribute registry: source "private" pulls from your own\s+mirror.*registry\s+=\s+"harbor.internal.example.com/zenml"`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "zenml_gcp", `registry = "harbor.internal.example.com/zenml"`),
			ExpectError: regexp.MustCompile(`(?s)Registry Not Used.*registry\s+"harbor.internal.example.com/zenml"\s+is\s+given\s+with\s+source\s+"zenml_gcp".*would\s+ignore\s+it`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "private", `registry = "https://harbor.internal.example.com/zenml"`),
			ExpectError: regexp.MustCompile(`(?s)Invalid Registry.*Attribute registry:.*has\s+a\s+scheme:\s+remove\s+"https://"`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "private", `registry = "harbor.internal.example.com/zenml/"`),
			ExpectError: regexp.MustCompile(`(?s)Invalid Registry.*remove\s+the\s+trailing\s+slash`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "private", `registry = "harbor.internal.example.com/ZenML"`),
			ExpectError: regexp.MustCompile(`(?s)Invalid Registry.*path\s+components\s+are\s+lower\s+case:\s+write\s+"zenml"`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "private", `registry = "harbor.internal.example.com/zenml:0.13.0"`),
			ExpectError: regexp.MustCompile(`(?s)Invalid Registry.*holds\s+no\s+tag`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "private", `registry = "harbor/zenml"`),
			ExpectError: regexp.MustCompile(`(?s)Invalid Registry.*neither\s+a\s+dot\s+nor\s+a\s+port.*Docker\s+Hub`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "zenml_gcp", `digest = "sha256:1234"`),
			ExpectError: regexp.MustCompile(`(?s)Invalid Digest.*Attribute digest: "sha256:1234" is not an image digest:.*has\s+4\s+characters,\s+not\s+64.*e\.g\.\s+"sha256:4f53`),
		},
		{
			Config:      testAccImageConfig("control_plane_api", "0.13.0", "zenml_gcp", `digest = "`+strings.Repeat("a", 64)+`"`),
			ExpectError: regexp.MustCompile(`(?s)Invalid Digest.*the\s+algorithm\s+is\s+missing`),
		},
	}
	for i := range steps {
		steps[i].PlanOnly = true
	}
	testAccSteps(t, steps)
}

// Values known only at plan time (here: derived from another data source) are checked in Read.
func TestAccImageDataSource_errorsOfComputedValues(t *testing.T) {
	testAccSteps(t, []resource.TestStep{
		{
			Config: `
data "zenmlpro_image" "gar" {
  component = "control_plane_api"
  version   = "0.13.0"
  source    = "zenml_gcp"
}

data "zenmlpro_image" "test" {
  component = "control_plane_api"
  version   = "0.13.0"
  source    = "private"
  registry  = "https://${data.zenmlpro_image.gar.registry_host}/zenml"
}
`,
			ExpectError: regexp.MustCompile(`(?s)Invalid Registry.*"https://europe-west3-docker.pkg.dev/zenml"\s+is\s+not\s+a\s+valid\s+registry.*remove\s+"https://"`),
		},
		{
			Config: `
data "zenmlpro_image" "gar" {
  component = "workspace_server"
  version   = "0.93.2"
  source    = "zenml_gcp"
}

data "zenmlpro_image" "test" {
  component = "control_plane_dashboard"
  version   = data.zenmlpro_image.gar.tag
  source    = "zenml_aws"
}
`,
			ExpectError: regexp.MustCompile(`(?s)Wrong Version Line.*0.93.2 is a Workspace Server`),
		},
	})
}

// A version absent from the release catalog is a warning, not an error: the reference is built.
func TestAccImageDataSource_unlistedVersion(t *testing.T) {
	testAccSteps(t, []resource.TestStep{{
		Config: testAccImageConfig("workspace_server", "0.93.9", "zenml_aws", ""),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.zenmlpro_image.test", tfjsonpath.New("uri"),
				knownvalue.StringExact("715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.9")),
			statecheck.ExpectKnownValue("data.zenmlpro_image.test", tfjsonpath.New("tag"), knownvalue.StringExact("0.93.9")),
		},
	}})
}

// A version added with the provider's releases attribute is known to the data source: as a Workspace
// Server version it builds without a warning (see TestImageDataSourceReadWarnings), and given to a
// Control Plane component it is a wrong-line error, which an unlisted version would not be.
func TestAccImageDataSource_providerReleases(t *testing.T) {
	const provider = `
provider "zenmlpro" {
  releases = {
    workspace_server = { "0.99.9" = "2026-12-01" }
  }
}
`
	testAccSteps(t, []resource.TestStep{
		{
			Config: provider + testAccImageConfig("workspace_server", "0.99.9", "zenml_gcp", ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.zenmlpro_image.test", tfjsonpath.New("uri"),
					knownvalue.StringExact("europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-server:0.99.9")),
			},
		},
		{
			Config:      provider + testAccImageConfig("control_plane_api", "0.99.9", "zenml_gcp", ""),
			ExpectError: regexp.MustCompile(`(?s)Wrong Version Line.*0.99.9 is a Workspace Server\s+\(ZenML\s+OSS\)\s+version`),
		},
		{
			// Without the attribute the catalog does not know 0.99.9: the same configuration succeeds.
			Config: testAccImageConfig("control_plane_api", "0.99.9", "zenml_gcp", ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.zenmlpro_image.test", tfjsonpath.New("uri"),
					knownvalue.StringExact("europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.99.9")),
			},
		},
	})
}

// testReadDataSource calls a data source's Read directly, as the framework would after validation, and
// returns its diagnostics and the state it set.
func testReadDataSource(t *testing.T, ds datasource.DataSource, data *providerData, config map[string]string) (diag.Diagnostics, tftypes.Value) {
	t.Helper()
	ctx := t.Context()
	if data != nil {
		c, ok := ds.(datasource.DataSourceWithConfigure)
		if !ok {
			t.Fatalf("%T cannot be configured", ds)
		}
		var cresp datasource.ConfigureResponse
		c.Configure(ctx, datasource.ConfigureRequest{ProviderData: data}, &cresp)
		if cresp.Diagnostics.HasError() {
			t.Fatalf("Configure: %v", cresp.Diagnostics)
		}
	}
	sch, typ := testDataSourceType(t, ds)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := config[name]; ok {
			vals[name] = tftypes.NewValue(tftypes.String, v)
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	req := datasource.ReadRequest{Config: tfsdk.Config{Schema: sch, Raw: tftypes.NewValue(typ, vals)}}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: sch, Raw: tftypes.NewValue(typ, nil)}}
	ds.Read(ctx, req, &resp)
	return resp.Diagnostics, resp.State.Raw
}

func testStateString(t *testing.T, state tftypes.Value, attr string) string {
	t.Helper()
	var m map[string]tftypes.Value
	if err := state.As(&m); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := m[attr].As(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestImageDataSourceReadWarnings(t *testing.T) {
	configured, err := releases.Embedded().WithDates(map[releases.Line]map[string]string{releases.WorkspaceServer: {"0.99.9": "2026-12-01"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    *providerData
		version string
		warning string
	}{
		{"catalogued", nil, "0.93.2", ""},
		{"unlisted", nil, "0.93.9", "Workspace Server (ZenML OSS) version 0.93.9 is not in the release catalog; check the tag exists, or add its date with the provider's `releases` attribute"},
		{"unlisted in embedded catalog", &providerData{catalog: releases.Embedded()}, "0.99.9", "version 0.99.9 is not in the release catalog"},
		{"added by the releases attribute", &providerData{catalog: configured}, "0.99.9", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags, state := testReadDataSource(t, NewImageDataSource(), tt.data, map[string]string{
				"component": "workspace_server", "version": tt.version, "source": "zenml_gcp",
			})
			if diags.HasError() {
				t.Fatalf("errors: %v", diags)
			}
			if got := testStateString(t, state, "uri"); got != "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-server:"+tt.version {
				t.Errorf("uri = %q", got)
			}
			warnings := diags.Warnings()
			if tt.warning == "" {
				if len(warnings) != 0 {
					t.Errorf("unexpected warnings: %v", warnings)
				}
				return
			}
			if len(warnings) != 1 || warnings[0].Summary() != "Version Not in Release Catalog" || !strings.Contains(warnings[0].Detail(), tt.warning) {
				t.Fatalf("warnings = %v, want one containing %q", warnings, tt.warning)
			}
		})
	}
}

// Read checks everything again, for values that were unknown when the validators ran.
func TestImageDataSourceReadErrors(t *testing.T) {
	tests := []struct {
		config  map[string]string
		summary string
		detail  string
	}{
		{map[string]string{"component": "api", "version": "0.13.0", "source": "zenml_gcp"}, "Invalid Component", `Attribute component: "api" is not a component`},
		{map[string]string{"component": "client", "version": "0.93.2", "source": "gcp"}, "Invalid Image Source", `Attribute source: "gcp" is not an image source`},
		{map[string]string{"component": "client", "version": "v0.93.2", "source": "zenml_gcp"}, "Invalid Version", `Attribute version: "v0.93.2" is not an exact release version`},
		{map[string]string{"component": "client", "version": "0.13.0", "source": "zenml_gcp"}, "Wrong Version Line", "Attribute version: 0.13.0 is a Control Plane version, but client takes"},
		{map[string]string{"component": "client", "version": "0.93.2", "source": "private"}, "Registry Required", `Attribute registry: source "private" pulls from your own mirror`},
		{map[string]string{"component": "client", "version": "0.93.2", "source": "zenml_aws", "registry": "r.example.com"}, "Registry Not Used", `Attribute registry: registry "r.example.com" is given with source "zenml_aws"`},
		{map[string]string{"component": "client", "version": "0.93.2", "source": "private", "registry": "oci://r.example.com"}, "Invalid Registry", `remove "oci://"`},
		{map[string]string{"component": "client", "version": "0.93.2", "source": "zenml_aws", "digest": "sha256:XYZ"}, "Invalid Digest", `Attribute digest: "sha256:XYZ" is not an image digest`},
	}
	for _, tt := range tests {
		t.Run(tt.summary, func(t *testing.T) {
			diags, _ := testReadDataSource(t, NewImageDataSource(), nil, tt.config)
			errs := diags.Errors()
			if len(errs) != 1 || errs[0].Summary() != tt.summary || !strings.Contains(errs[0].Detail(), tt.detail) {
				t.Fatalf("errors = %v, want %q with %q", errs, tt.summary, tt.detail)
			}
		})
	}
}

// testAccExample returns the contents of an example configuration below examples/.
func testAccExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The example runs as written: its mirror host, harbor.internal.example.com, is routed to a local TLS
// registry holding a two-platform index under ZenML's image name, so resolve_digest asks a registry.
func TestAccImageDataSource_example(t *testing.T) {
	reg := registryfake.Start(t, registryfake.Options{TLS: true})
	index := reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64")
	p := &zenmlproProvider{version: "test", registryOptions: oci.Options{Transport: routeTo(t, reg)}}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){"zenmlpro": providerserver.NewProtocol6WithError(p)},
		Steps: []resource.TestStep{{
			Config: testAccExample(t, "data-sources/zenmlpro_image/data-source.tf"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("workspace_server_pinned", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"uri":       knownvalue.StringExact("harbor.internal.example.com/zenml/zenml-pro-server@" + index.Digest),
					"platforms": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("linux/amd64"), knownvalue.StringExact("linux/arm64")}),
				})),
				statecheck.ExpectKnownOutputValue("control_plane_images", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"api":       knownvalue.StringExact("europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0"),
					"dashboard": knownvalue.StringExact("europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-dashboard:0.13.0"),
				})),
				statecheck.ExpectKnownOutputValue("workspace_server_image",
					knownvalue.StringExact("715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2")),
				statecheck.ExpectKnownOutputValue("workspace_server_helm_values", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"repository": knownvalue.StringExact("harbor.internal.example.com/zenml/zenml-pro-server"),
					"tag":        knownvalue.StringExact("0.93.2"),
				})),
				statecheck.ExpectKnownOutputValue("pull_secret_server", knownvalue.StringExact("harbor.internal.example.com")),
				statecheck.ExpectKnownValue("data.zenmlpro_image.workspace_server_mirror", tfjsonpath.New("uri"),
					knownvalue.StringExact("harbor.internal.example.com/zenml/zenml-pro-server:0.93.2@"+testImageDigest)),
			},
		}},
	})
}

// testValidateDataSource runs testValidate on a configuration whose attributes are strings (nil: null,
// tftypes.UnknownValue: unknown).
func testValidateDataSource(t *testing.T, ds datasource.DataSource, config map[string]any) []*tfprotov6.Diagnostic {
	t.Helper()
	vals := map[string]tftypes.Value{}
	for name, v := range config {
		vals[name] = tftypes.NewValue(tftypes.String, v)
	}
	return testValidate(t, ds, vals)
}

// The rules on literal values hold at `terraform validate`, before the provider is configured.
func TestImageDataSourceValidate(t *testing.T) {
	valid := func(overrides map[string]any) map[string]any {
		c := map[string]any{"component": "control_plane_api", "version": "0.13.0", "source": "zenml_gcp"}
		for k, v := range overrides {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name    string
		config  map[string]any
		summary string // "" means no diagnostic
		attr    string
	}{
		{"valid", valid(nil), "", ""},
		{"valid private", valid(map[string]any{"source": "private", "registry": "harbor.internal.example.com/zenml"}), "", ""},
		{"valid digest", valid(map[string]any{"digest": testImageDigest}), "", ""},
		{"unknown registry", valid(map[string]any{"source": "private", "registry": tftypes.UnknownValue}), "", ""},
		{"unknown source", valid(map[string]any{"source": tftypes.UnknownValue, "registry": "harbor.internal.example.com/zenml"}), "", ""},
		// The wrong line is judged in Read, with the configured catalog.
		{"wrong line", valid(map[string]any{"version": "0.93.2"}), "", ""},
		{"bad component", valid(map[string]any{"component": "api"}), "Invalid Attribute Value Match", "component"},
		{"bad source", valid(map[string]any{"source": "gcp"}), "Invalid Attribute Value Match", "source"},
		{"v prefix", valid(map[string]any{"version": "v0.13.0"}), "Invalid Version", "version"},
		{"latest", valid(map[string]any{"version": "latest"}), "Invalid Version", "version"},
		{"range", valid(map[string]any{"version": "0.13.x"}), "Invalid Version", "version"},
		{"private without registry", valid(map[string]any{"source": "private"}), "Registry Required", "registry"},
		{"registry with zenml source", valid(map[string]any{"registry": "harbor.internal.example.com/zenml"}), "Registry Not Used", "registry"},
		{"registry with scheme", valid(map[string]any{"source": "private", "registry": "https://harbor.internal.example.com/zenml"}), "Invalid Registry", "registry"},
		{"bad digest", valid(map[string]any{"digest": "sha256:abc"}), "Invalid Digest", "digest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := testValidateDataSource(t, NewImageDataSource(), tt.config)
			if tt.summary == "" {
				if len(diags) != 0 {
					t.Fatalf("diagnostics: %+v", diags[0])
				}
				return
			}
			if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError || diags[0].Summary != tt.summary ||
				diags[0].Attribute == nil || diags[0].Attribute.String() != `AttributeName("`+tt.attr+`")` {
				for _, d := range diags {
					t.Logf("diagnostic: %s: %s (%v)", d.Summary, d.Detail, d.Attribute)
				}
				t.Fatalf("want one error %q on %s", tt.summary, tt.attr)
			}
		})
	}
}
