// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// bundleSource is a registry that plays ZenML's (with basic auth): the images of Control Plane 0.13.0
// and Workspace Server 0.93.2 under a private path, and both charts as OCI Helm charts.
type bundleSource struct {
	reg                    *registryfake.Registry
	api, dashboard, client string
	server                 registryfake.Index
	cpChart, wsChart       registryfake.Chart
}

func startBundleSource(t *testing.T) bundleSource {
	reg := registryfake.Start(t, registryfake.Options{Username: "zenml-customer", Password: "zenml-pw"})
	return bundleSource{
		reg:       reg,
		api:       reg.PushImage(t, "zenml/zenml-pro-api:0.13.0"),
		dashboard: reg.PushImage(t, "zenml/zenml-pro-dashboard:0.13.0"),
		server:    reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64"),
		client:    reg.PushImage(t, "zenml/zenml:0.93.2"),
		cpChart:   reg.PushChart(t, "charts/zenml-pro", "zenml-pro", "0.13.0"),
		wsChart:   reg.PushChart(t, "charts/zenml", "zenml", "0.93.2"),
	}
}

// bundleBlock is a zenmlpro_offline_bundle "b" of the source into dir, for the inside registry host.
func (s bundleSource) bundleBlock(dir, inside, extra string) string {
	return registriesProviderBlock(s.reg.Host, "zenml-customer", "zenml-pw") + fmt.Sprintf(`
resource "zenmlpro_offline_bundle" "b" {
  directory             = %q
  control_plane_version = "0.13.0"
  workspace_versions    = ["0.93.2"]
  source                = "private"
  registry              = "%s/zenml"
  chart_registry        = "%s/charts"
  internal_registry     = "%s/zenml"
%s}
`, dir, s.reg.Host, s.reg.Host, inside, extra)
}

// insideBlocks read the bundle at dir on the "air-gapped side" and mirror every image and chart of it
// into the internal registry that the bundle names.
func insideBlocks(dir string) string {
	return fmt.Sprintf(`
data "zenmlpro_offline_bundle" "inside" {
  path = %q
}

resource "zenmlpro_image_mirror" "images" {
  for_each        = data.zenmlpro_offline_bundle.inside.images
  source_bundle   = { path = data.zenmlpro_offline_bundle.inside.path, image = each.key }
  target_registry = data.zenmlpro_offline_bundle.inside.internal_registry
}

resource "zenmlpro_image_mirror" "charts" {
  for_each        = data.zenmlpro_offline_bundle.inside.charts
  source_bundle   = { path = data.zenmlpro_offline_bundle.inside.path, chart = each.key }
  target_registry = each.value.internal_registry
}
`, dir)
}

func sha256sumCheck(dir string) error {
	out, err := exec.Command("sh", "-c", "cd '"+dir+"' && sha256sum -c --quiet SHA256SUMS").CombinedOutput()
	if err != nil {
		return fmt.Errorf("sha256sum -c in %s: %v\n%s", dir, err, out)
	}
	return nil
}

// The connected side writes the bundle with the source's digests; sha256sum -c accepts it; the inside
// verifies it and mirrors every image and chart into a second registry with identical digests; a
// tampered file fails the inside's plan and is drift the connected side writes again; a moved tag
// rebuilds the bundle; import adopts it; destroy with keep_on_destroy = false deletes it.
func TestAccOfflineBundle_airGapped(t *testing.T) {
	s := startBundleSource(t)
	inside := registryfake.Start(t, registryfake.Options{})
	dir := filepath.Join(t.TempDir(), "zenml-bundle")
	addr := "zenmlpro_offline_bundle.b"
	image := func(key, attr string) tfjsonpath.Path {
		return tfjsonpath.New("images").AtMapKey(key).AtMapKey(attr)
	}
	var movedAPI string
	testAccSteps(t, []resource.TestStep{
		{
			Config: s.bundleBlock(dir, inside.Host, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				// The digests are known at plan: the reviewer sees what will be bundled.
				plancheck.ExpectKnownValue(addr, image("zenml-pro-api:0.13.0", "digest"), knownvalue.StringExact(s.api)),
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("charts").AtMapKey("zenml-pro:0.13.0").AtMapKey("digest"), knownvalue.StringExact(s.cpChart.Digest)),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, image("zenml-pro-server:0.93.2", "digest"), knownvalue.StringExact(s.server.Digest)),
				statecheck.ExpectKnownValue(addr, image("zenml-pro-server:0.93.2", "platforms"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("linux/amd64"), knownvalue.StringExact("linux/arm64")})),
				statecheck.ExpectKnownValue(addr, image("zenml:0.93.2", "internal_uri"), knownvalue.StringExact(inside.Host+"/zenml/zenml:0.93.2")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("charts").AtMapKey("zenml:0.93.2").AtMapKey("internal_uri"),
					knownvalue.StringExact("oci://"+inside.Host+"/zenml/charts/zenml")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("drift"), knownvalue.StringExact("")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("sha256sums_digest"), knownvalue.StringRegexp(regexp.MustCompile(`^sha256:[0-9a-f]{64}$`))),
			},
			Check: func(*terraform.State) error {
				for _, f := range []string{"images/oci-layout", "images/index.json", "images/zenml-pro-api-0.13.0.tar", "images/zenml-0.93.2.tar",
					"charts/zenml-pro-0.13.0.tgz", "charts/zenml-0.93.2.tgz", "manifest.json", "manifest.txt", "SHA256SUMS"} {
					if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
						return fmt.Errorf("the bundle lacks %s: %v", f, err)
					}
				}
				got, err := os.ReadFile(filepath.Join(dir, "charts", "zenml-pro-0.13.0.tgz"))
				if err != nil || string(got) != string(s.cpChart.Archive) {
					return fmt.Errorf("charts/zenml-pro-0.13.0.tgz is not the chart's archive (%v)", err)
				}
				return sha256sumCheck(dir)
			},
		},
		{
			// The air-gapped side: verify the bundle and mirror all of it.
			Config: s.bundleBlock(dir, inside.Host, "") + insideBlocks(dir),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.zenmlpro_offline_bundle.inside", tfjsonpath.New("created_at"),
					knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
				statecheck.ExpectKnownValue(`zenmlpro_image_mirror.images["zenml-pro-server:0.93.2"]`, tfjsonpath.New("digest"), knownvalue.StringExact(s.server.Digest)),
				statecheck.ExpectKnownValue(`zenmlpro_image_mirror.charts["zenml-pro:0.13.0"]`, tfjsonpath.New("target_uri"),
					knownvalue.StringExact(inside.Host+"/zenml/charts/zenml-pro:0.13.0")),
				statecheck.CompareValuePairs("data.zenmlpro_offline_bundle.inside", tfjsonpath.New("sha256sums_digest"),
					addr, tfjsonpath.New("sha256sums_digest"), compare.ValuesSame()),
				// Terraform's legacy checks cannot read for_each instances: these checks read the registry.
				registryHolds(t, inside, map[string]string{
					"zenml/zenml-pro-api:0.13.0": s.api, "zenml/zenml-pro-dashboard:0.13.0": s.dashboard,
					"zenml/zenml-pro-server:0.93.2": s.server.Digest, "zenml/zenml:0.93.2": s.client,
					"zenml/charts/zenml-pro:0.13.0": s.cpChart.Digest, "zenml/charts/zenml:0.93.2": s.wsChart.Digest,
				}),
			},
		},
		{
			// A file changed in transit: the inside's plan names it.
			PreConfig: func() {
				if err := os.WriteFile(filepath.Join(dir, "charts", "zenml-0.93.2.tgz"), []byte("tampered"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			Config:      s.bundleBlock(dir, inside.Host, "") + insideBlocks(dir),
			ExpectError: regexp.MustCompile(`(?s)Bundle Does Not Match SHA256SUMS.*charts/zenml-0\.93\.2\.tgz: changed`),
		},
		{
			// The connected side sees the change as drift and writes the bundle again.
			Config: s.bundleBlock(dir, inside.Host, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
			}},
			Check: func(*terraform.State) error { return sha256sumCheck(dir) },
		},
		{
			// A file somebody added is drift too, but the rewrite would delete it: the plan stops and names it.
			PreConfig: func() {
				if err := os.WriteFile(filepath.Join(dir, "charts", "NOTES.txt"), []byte("the operator's notes"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			Config:      s.bundleBlock(dir, inside.Host, ""),
			ExpectError: regexp.MustCompile(`(?s)Directory Not Usable.*charts/NOTES\.txt`),
		},
		{
			// A moved tag rebuilds the bundle with the new digest (the added file moved out first).
			PreConfig: func() {
				if err := os.Remove(filepath.Join(dir, "charts", "NOTES.txt")); err != nil {
					t.Fatal(err)
				}
				movedAPI = s.reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
			},
			Config: s.bundleBlock(dir, inside.Host, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
			}},
			Check: func(st *terraform.State) error {
				if got := st.RootModule().Resources[addr].Primary.Attributes[`images.zenml-pro-api:0.13.0.digest`]; got != movedAPI {
					return fmt.Errorf("the rebuilt bundle has the API image %s, want the moved tag's %s", got, movedAPI)
				}
				return sha256sumCheck(dir)
			},
		},
		{
			ResourceName:            addr,
			ImportState:             true,
			ImportStateId:           dir,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"timeouts"},
		},
		{
			Config: s.bundleBlock(dir, inside.Host, "  keep_on_destroy = false\n"),
		},
	})
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		t.Error("the bundle is still on disk after destroy with keep_on_destroy = false")
	}
}

// The versions must be compatible, with the message of zenmlpro_version_compatibility; a directory
// holding other files is refused at plan; a platform filter keeps the chosen platform only.
func TestAccOfflineBundle_planErrorsAndPlatforms(t *testing.T) {
	s := startBundleSource(t)
	inside := registryfake.Start(t, registryfake.Options{})
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	incompatible := registriesProviderBlock(s.reg.Host, "zenml-customer", "zenml-pw") + fmt.Sprintf(`
resource "zenmlpro_offline_bundle" "b" {
  directory             = %q
  control_plane_version = "0.13.0"
  workspace_versions    = ["0.94.0"]
  source                = "zenml_gcp"
  internal_registry     = "harbor.internal.example.com/zenml"
}
`, dir)
	testAccSteps(t, []resource.TestStep{
		{
			Config:      incompatible,
			ExpectError: regexp.MustCompile(`(?s)Incompatible Workspace Server Version.*0\.94\.0`),
		},
		{
			Config:      s.bundleBlock(other, inside.Host, ""),
			ExpectError: regexp.MustCompile(`(?s)Directory Not Usable.*holds no bundle`),
		},
		{
			Config: s.bundleBlock(dir, inside.Host, "  platforms = [\"linux/arm64\"]\n  include_client = false\n  docker_archive_platform = \"linux/arm64\"\n"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("zenmlpro_offline_bundle.b", tfjsonpath.New("images").AtMapKey("zenml-pro-server:0.93.2").AtMapKey("platforms"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("linux/arm64")})),
				statecheck.ExpectKnownValue("zenmlpro_offline_bundle.b", tfjsonpath.New("images").AtMapKey("zenml-pro-server:0.93.2").AtMapKey("source_digest"),
					knownvalue.StringExact(s.server.Digest)),
			},
			Check: func(*terraform.State) error {
				if _, err := os.Stat(filepath.Join(dir, "images", "zenml-0.93.2.tar")); err == nil {
					return fmt.Errorf("include_client = false, but the client image is in the bundle")
				}
				return sha256sumCheck(dir)
			},
		},
		{
			// No change: the filtered index's digest is kept from the state, and nothing is rewritten.
			Config: s.bundleBlock(dir, inside.Host, "  platforms = [\"linux/arm64\"]\n  include_client = false\n  docker_archive_platform = \"linux/arm64\"\n"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
		},
	})
}

// registryHoldsCheck checks that a registry holds each repo:tag at its digest.
type registryHoldsCheck struct {
	t    *testing.T
	reg  *registryfake.Registry
	want map[string]string
}

func registryHolds(t *testing.T, reg *registryfake.Registry, want map[string]string) statecheck.StateCheck {
	return registryHoldsCheck{t: t, reg: reg, want: want}
}

func (c registryHoldsCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	for repoTag, want := range c.want {
		if got, ok := c.reg.Digest(c.t, repoTag); !ok || got != want {
			resp.Error = fmt.Errorf("the registry has %s = %q (present %v), want %s", repoTag, got, ok, want)
			return
		}
	}
}

// routeHosts is routeTo with one registry per host name: a connection to a host of routes goes to its
// registry, any other to fallback (the test registries share httptest's certificate).
func routeHosts(t *testing.T, fallback *registryfake.Registry, routes map[string]*registryfake.Registry) *http.Transport {
	t.Helper()
	tr := routeTo(t, fallback)
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		to := fallback
		if r, ok := routes[host]; ok {
			to = r
		}
		return (&net.Dialer{}).DialContext(ctx, network, to.Host)
	}
	return tr
}

// The examples run as written but for their directories (a temporary one here): the resource's bundle
// of ZenML's ECR images (ECR token from moto, charts from public.ecr.aws, the client from Docker Hub,
// all served by a local registry) and the data source's mirrors of it into the site's Harbor (a second
// local registry).
func TestAccOfflineBundle_examples(t *testing.T) {
	ecrTokensFromMoto(t)
	zenml := registryfake.Start(t, registryfake.Options{TLS: true})
	harbor := registryfake.Start(t, registryfake.Options{TLS: true})
	api := zenml.PushIndex(t, "zenml-pro-api:0.13.0", "linux/amd64", "linux/arm64")
	zenml.PushIndex(t, "zenml-pro-dashboard:0.13.0", "linux/amd64", "linux/arm64")
	server := zenml.PushIndex(t, "zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64")
	zenml.PushImage(t, "zenmldocker/zenml:0.93.2")
	chart := zenml.PushChart(t, "zenml/zenml-pro", "zenml-pro", "0.13.0")
	zenml.PushChart(t, "zenml/zenml", "zenml", "0.93.2")
	p := &zenmlproProvider{version: "test", registryOptions: oci.Options{
		Transport: routeHosts(t, zenml, map[string]*registryfake.Registry{"harbor.internal.example.com": harbor})}}
	dir := filepath.Join(t.TempDir(), "zenml-pro-0.13.0")
	writeConfig := strings.ReplaceAll(testAccExample(t, "resources/zenmlpro_offline_bundle/resource.tf"), "/srv/transfer/zenml-pro-0.13.0", dir)
	insideConfig := strings.ReplaceAll(testAccExample(t, "data-sources/zenmlpro_offline_bundle/data-source.tf"), "/media/zenml-bundle", dir)
	var written string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){"zenmlpro": providerserver.NewProtocol6WithError(p)},
		Steps: []resource.TestStep{
			{
				Config: writeConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("bundle", knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"images": knownvalue.MapPartial(map[string]knownvalue.Check{
							"zenml-pro-api:0.13.0":    knownvalue.StringExact(api.Digest),
							"zenml-pro-server:0.93.2": knownvalue.StringExact(server.Digest),
						}),
						"charts": knownvalue.MapPartial(map[string]knownvalue.Check{"zenml-pro:0.13.0": knownvalue.StringExact(chart.Digest)}),
					})),
				},
				Check: func(st *terraform.State) error {
					written = st.RootModule().Resources["zenmlpro_offline_bundle.release"].Primary.Attributes["sha256sums_digest"]
					return sha256sumCheck(dir)
				},
			},
			{
				Config: insideConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("helm", knownvalue.MapExact(map[string]knownvalue.Check{
						"zenml-pro:0.13.0": knownvalue.StringExact("oci://harbor.internal.example.com/zenml/charts/zenml-pro --version 0.13.0"),
						"zenml:0.93.2":     knownvalue.StringExact("oci://harbor.internal.example.com/zenml/charts/zenml --version 0.93.2"),
					})),
					outputEquals("verified", func() string { return written }),
					registryHolds(t, harbor, map[string]string{
						"zenml/charts/zenml-pro:0.13.0": chart.Digest,
						// The platform filter kept amd64: the copy's index differs from the source's, its image does not.
					}),
					registryHoldsPlatform(t, harbor, "zenml/zenml-pro-server:0.93.2", server.Platforms[0]),
				},
			},
			{
				// The test framework's destroy cannot read for_each instances from the state: they go first.
				Config: `output "done" { value = true }`,
			},
		},
	})
}

// outputEquals checks that an output is the string want() gives at check time.
type outputEqualsCheck struct {
	name string
	want func() string
}

func outputEquals(name string, want func() string) statecheck.StateCheck {
	return outputEqualsCheck{name: name, want: want}
}

func (c outputEqualsCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	out, ok := req.State.Values.Outputs[c.name]
	if !ok || out.Value != c.want() {
		resp.Error = fmt.Errorf("output %s = %v, want %q", c.name, out, c.want())
	}
}

// registryHoldsPlatform checks that repoTag in reg is an index holding the image digest.
type registryHoldsPlatformCheck struct {
	t              *testing.T
	reg            *registryfake.Registry
	repoTag, image string
}

func registryHoldsPlatform(t *testing.T, reg *registryfake.Registry, repoTag, image string) statecheck.StateCheck {
	return registryHoldsPlatformCheck{t: t, reg: reg, repoTag: repoTag, image: image}
}

func (c registryHoldsPlatformCheck) CheckState(ctx context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	client, err := oci.NewClient(oci.Options{Transport: routeTo(c.t, c.reg)})
	if err != nil {
		resp.Error = err
		return
	}
	d, err := client.Head(ctx, c.reg.Host+"/"+c.repoTag, time.Minute)
	if err != nil {
		resp.Error = err
		return
	}
	for _, p := range d.Platforms {
		if p.Digest == c.image {
			return
		}
	}
	resp.Error = fmt.Errorf("%s holds %+v, not the image %s", c.repoTag, d.Platforms, c.image)
}
