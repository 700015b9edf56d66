// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// A target tag that names another image fails the plan with both digests and the ways out, and nothing
// is written; adopt_existing replaces it, the plan and the state record what was replaced, and the
// adopted copy is this resource's to delete on destroy.
func TestAccImageMirror_tagTaken(t *testing.T) {
	regs := startMirrorRegistries(t)
	index := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	other := regs.inside.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	uploads := regs.inside.BlobUploads()
	addr, target := "zenmlpro_image_mirror.server", regs.inside.Host+"/zenml/zenml-pro-server:0.93.2"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if d, ok := regs.inside.Digest(t, "zenml/zenml-pro-server:0.93.2"); ok {
				return fmt.Errorf("the adopted copy with keep_on_destroy = false is still there after destroy (%s)", d)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: regs.provider() + regs.mirrorBlock("  keep_on_destroy = false\n"),
				ExpectError: wrapped("Image Tag Taken", "target_registry", target+" names "+other, "an image this resource did not write",
					"the copy would write "+index.Digest, "nothing is written", "terraform import <address> "+target, "adopt_existing = true"),
			},
			{
				PreConfig: func() {
					if d, _ := regs.inside.Digest(t, "zenml/zenml-pro-server:0.93.2"); d != other || regs.inside.BlobUploads() != uploads {
						t.Errorf("after the refused plan the tag names %s and %d blobs were uploaded; want %s and none", d,
							regs.inside.BlobUploads()-uploads, other)
					}
				},
				Config: regs.provider() + regs.mirrorBlock("  keep_on_destroy = false\n  adopt_existing  = true\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("replaced_digest"), knownvalue.StringExact(other)),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("preexisting"), knownvalue.Bool(false)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("replaced_digest"), knownvalue.StringExact(other)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("preexisting"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("digest"), knownvalue.StringExact(index.Digest)),
				},
				Check: checkInside(regs.inside, t, "zenml/zenml-pro-server:0.93.2", index.Digest),
			},
		},
	})
}

// A target that is the source's own repository fails the plan, for a source_uri and for an image
// resolved to a registry path, however the repository is spelled; nothing is read or written.
func TestAccImageMirror_targetIsSource(t *testing.T) {
	regs := startMirrorRegistries(t)
	regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
	source := regs.zenml.Host + "/zenml-pro/zenml-pro-server"
	mirror := func(src, registry string) string {
		return fmt.Sprintf(`
resource "zenmlpro_image_mirror" "onto_itself" {
  %s
  target_registry = %q
  keep_on_destroy = false
}
`, src, registry)
	}
	refused := func(copyTo, repo string) *regexp.Regexp {
		return wrapped("Target Is The Source", "target_registry", "the copy would be "+copyTo, "which is the source repository "+repo,
			`target_registry = "harbor.internal.example.com/zenml"`)
	}
	before := regs.zenml.ManifestRequests()
	testAccSteps(t, []resource.TestStep{
		{
			Config:      regs.provider() + mirror(fmt.Sprintf("source_uri = %q", source+":0.93.2"), regs.zenml.Host+"/zenml-pro"),
			ExpectError: refused(source+":0.93.2", source),
		},
		{
			Config: regs.provider() + mirror(fmt.Sprintf(`image = {
    component = "workspace_server"
    version   = "0.93.2"
    source    = "private"
    registry  = "%s/zenml-pro"
  }`, regs.zenml.Host), regs.zenml.Host+"/zenml-pro"),
			ExpectError: refused(source+":0.93.2", source),
		},
		{
			Config:      mirror(`source_uri = "zenmldocker/zenml:0.93.2"`, "docker.io/zenmldocker"),
			ExpectError: refused("docker.io/zenmldocker/zenml:0.93.2", "index.docker.io/zenmldocker/zenml"),
		},
		{
			Config:      mirror(`source_uri = "docker.io/zenmldocker/zenml:0.93.2"`, "Registry-1.Docker.IO/zenmldocker"),
			ExpectError: refused("Registry-1.Docker.IO/zenmldocker/zenml:0.93.2", "index.docker.io/zenmldocker/zenml"),
		},
	})
	if n := regs.zenml.ManifestRequests() - before; n != 0 {
		t.Errorf("the refused plans read the source %d times, want none", n)
	}
}

// What a killed apply leaves in the target, simulated by writing it there before the apply: blobs
// uploaded without a manifest (killed mid-copy) are reused, and the copy is this resource's; a tag
// written before the kill (the apply never saved its state) names exactly the image this resource
// copies: the re-apply succeeds without adopt_existing, writes nothing, and records the copy as
// preexisting, which destroy keeps even with keep_on_destroy = false.
func TestAccImageMirror_interruptedApply(t *testing.T) {
	regs := startMirrorRegistries(t)
	server := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	api := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-api:0.13.0", "linux/amd64")
	uploadBlobsOnly(t, regs.zenml, "zenml-pro/zenml-pro-server:0.93.2", regs.inside, "zenml/zenml-pro-server")
	regs.zenml.CopyTo(t, "zenml-pro/zenml-pro-api:0.13.0", regs.inside, "zenml/zenml-pro-api:0.13.0")
	uploads := regs.inside.BlobUploads()
	apiMirror := fmt.Sprintf(`
resource "zenmlpro_image_mirror" "api" {
  source_uri      = "%s/zenml-pro/zenml-pro-api:0.13.0"
  target_registry = "%s/zenml"
  keep_on_destroy = false
}
`, regs.zenml.Host, regs.inside.Host)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if d, ok := regs.inside.Digest(t, "zenml/zenml-pro-server:0.93.2"); ok {
				return fmt.Errorf("the copy this resource wrote is still there after destroy with keep_on_destroy = false (%s)", d)
			}
			if d, ok := regs.inside.Digest(t, "zenml/zenml-pro-api:0.13.0"); ok {
				return fmt.Errorf("the copy adopted with keep_on_destroy = false is still there after destroy (%s)", d)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: regs.provider() + regs.mirrorBlock("  keep_on_destroy = false\n") + apiMirror,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue("zenmlpro_image_mirror.server", tfjsonpath.New("preexisting"), knownvalue.Bool(false)),
				plancheck.ExpectKnownValue("zenmlpro_image_mirror.api", tfjsonpath.New("preexisting"), knownvalue.Bool(true)),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("zenmlpro_image_mirror.server", tfjsonpath.New("preexisting"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("zenmlpro_image_mirror.server", tfjsonpath.New("digest"), knownvalue.StringExact(server.Digest)),
				statecheck.ExpectKnownValue("zenmlpro_image_mirror.api", tfjsonpath.New("preexisting"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("zenmlpro_image_mirror.api", tfjsonpath.New("replaced_digest"), knownvalue.StringExact("")),
				statecheck.ExpectKnownValue("zenmlpro_image_mirror.api", tfjsonpath.New("digest"), knownvalue.StringExact(api.Digest)),
			},
			Check: resource.ComposeTestCheckFunc(
				checkInside(regs.inside, t, "zenml/zenml-pro-server:0.93.2", server.Digest),
				checkInside(regs.inside, t, "zenml/zenml-pro-api:0.13.0", api.Digest),
				func(*terraform.State) error {
					if n := regs.inside.BlobUploads() - uploads; n != 0 {
						return fmt.Errorf("the re-apply uploaded %d blobs, want none: they were all in the target", n)
					}
					return nil
				},
			),
		}, {
			// Someone pushes another image to the preexisting copy's tag: it is not this resource's to restore.
			PreConfig:   func() { regs.inside.PushImage(t, "zenml/zenml-pro-api:0.13.0") },
			Config:      regs.provider() + regs.mirrorBlock("  keep_on_destroy = false\n") + apiMirror,
			ExpectError: wrapped("Image Tag Not Owned", "adopt_existing", "named "+api.Digest+" already when this resource was created", "adopt_existing = true"),
		}, {
			// adopt_existing takes it over in place: the plan shows it, and the copy is restored.
			Config: regs.provider() + regs.mirrorBlock("  keep_on_destroy = false\n") +
				strings.Replace(apiMirror, "keep_on_destroy = false", "keep_on_destroy = false\n  adopt_existing  = true", 1),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("zenmlpro_image_mirror.api", plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue("zenmlpro_image_mirror.api", tfjsonpath.New("preexisting"), knownvalue.Bool(false)),
				plancheck.ExpectKnownValue("zenmlpro_image_mirror.api", tfjsonpath.New("replaced_digest"), knownvalue.StringExact(api.Digest)),
			}},
			Check: checkInside(regs.inside, t, "zenml/zenml-pro-api:0.13.0", api.Digest),
		}},
	})
}

// A source tag that moves replaces the copy on the same target tag: with the default keep_on_destroy =
// true the old copy is still there when the replacement's create runs, and it is this resource's own,
// so the create writes over it, in the plan and at apply (which Terraform both run without the prior
// state).
func TestAccImageMirror_replacementOverOwnCopy(t *testing.T) {
	regs := startMirrorRegistries(t)
	regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
	next := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:next", "linux/amd64", "linux/arm64/v8")
	addr := "zenmlpro_image_mirror.server"
	testAccSteps(t, []resource.TestStep{
		{Config: regs.provider() + regs.mirrorBlock("")},
		{
			PreConfig: func() { regs.zenml.Tag(t, "zenml-pro/zenml-pro-server:next", "zenml-pro/zenml-pro-server:0.93.2") },
			Config:    regs.provider() + regs.mirrorBlock(""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("preexisting"), knownvalue.Bool(false)),
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("replaced_digest"), knownvalue.StringExact("")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("digest"), knownvalue.StringExact(next.Digest))},
			Check:             checkInside(regs.inside, t, "zenml/zenml-pro-server:0.93.2", next.Digest),
		},
	})
}

// uploadBlobsOnly writes the blobs of every image of the index repoTag of src into repo of dst, and no
// manifest: what a copy killed before it wrote a manifest leaves.
func uploadBlobsOnly(t *testing.T, src *registryfake.Registry, repoTag string, dst *registryfake.Registry, repo string) {
	t.Helper()
	ref, err := name.ParseReference(src.Host + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	to, err := name.NewRepository(dst.Host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(ref, src.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range m.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			if err := remote.WriteLayer(to, l, dst.Options()...); err != nil {
				t.Fatal(err)
			}
		}
		cfg, err := img.RawConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.WriteLayer(to, static.NewLayer(cfg, types.OCIConfigJSON), dst.Options()...); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := dst.Digest(t, repo+":"+repoTag[strings.LastIndex(repoTag, ":")+1:]); ok {
		t.Fatal("uploading the blobs wrote a tag")
	}
}

// The warnings say what happened, read from the real CLI's output: a tag that names the copied image
// already is recorded as preexisting ("Image Already in Target"), and its destroy keeps it ("Image Copy
// Kept", preexisting); a copy whose tag someone moved after the apply is kept by destroy with
// keep_on_destroy = false ("Image Copy Kept", changed outside Terraform).
func TestAccImageMirror_ownershipWarnings(t *testing.T) {
	regs := startMirrorRegistries(t)
	index := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	regs.zenml.CopyTo(t, "zenml-pro/zenml-pro-server:0.93.2", regs.inside, "zenml/zenml-pro-server:0.93.2")
	uploads := regs.inside.BlobUploads()
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(cliTerraformBlock + regs.provider() + regs.mirrorBlock("  keep_on_destroy = false\n"))})
	target := regs.inside.Host + "/zenml/zenml-pro-server:0.93.2"

	out := cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	wantWarning(t, "the apply onto the same image", out, 1, "Image Already in Target", target+" names "+index.Digest+" already",
		"this resource did not write it", "an apply that was interrupted", "recorded as preexisting", "destroy leaves it in place",
		"adopt_existing = true")
	if n := regs.inside.BlobUploads() - uploads; n != 0 {
		t.Errorf("the apply onto the same image uploaded %d blobs, want none", n)
	}
	if got := stateAttr(t, cli, "preexisting"); got != true {
		t.Errorf("preexisting = %v in the state, want true", got)
	}
	out = cli.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
	wantWarning(t, "the destroy plan of the preexisting copy", out, 1, "Image Copy Will Be Kept", "keep_on_destroy is false, but "+target)
	wantWarning(t, "the destroy of the preexisting copy", out, 1, "Image Copy Kept", target+" was not deleted", "(preexisting)",
		"not this resource's copy")
	if d, _ := regs.inside.Digest(t, "zenml/zenml-pro-server:0.93.2"); d != index.Digest {
		t.Errorf("the preexisting copy names %q after destroy, want it kept: %s", d, index.Digest)
	}

	// A copy of this resource's own, whose tag someone moves after the apply.
	regs.inside.DeleteTag(t, "zenml/zenml-pro-server:0.93.2")
	cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	if got := stateAttr(t, cli, "preexisting"); got != false {
		t.Errorf("preexisting = %v in the state of a copy this resource wrote, want false", got)
	}
	other := regs.inside.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	out = cli.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
	wantWarning(t, "the destroy of a moved tag", out, 1, "Image Copy Kept", target+" was not deleted", "the tag points to "+other+" now",
		"not to the copied "+index.Digest)
	if d, _ := regs.inside.Digest(t, "zenml/zenml-pro-server:0.93.2"); d != other {
		t.Errorf("the moved tag names %q after destroy, want it kept: %s", d, other)
	}
}

// stateAttr is attribute attr of zenmlpro_image_mirror.server in the CLI's state file.
func stateAttr(t *testing.T, cli *cliWorkdir, attr string) any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(cli.work, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type, Name string
			Instances  []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Resources {
		if r.Type == "zenmlpro_image_mirror" && r.Name == "server" && len(r.Instances) == 1 {
			return r.Instances[0].Attributes[attr]
		}
	}
	t.Fatalf("no zenmlpro_image_mirror.server in the state:\n%s", raw)
	return nil
}

// refuseWith is an interceptor that answers requests of method whose path contains part with status
// and the registry error code and message, in the OCI distribution error format.
func refuseWith(method, part string, status int, code, message string) registryfake.Interceptor {
	return func(w http.ResponseWriter, req *http.Request, _ http.Handler) bool {
		if req.Method != method || !strings.Contains(req.URL.Path, part) {
			return false
		}
		if req.Body != nil {
			_, _ = io.Copy(io.Discard, req.Body)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`, code, message)
		return true
	}
}

// lostBlobs is an interceptor that redirects every blob read to an object store that answers 404, as
// a registry whose storage lost a blob does.
func lostBlobs(t *testing.T) registryfake.Interceptor {
	store := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(store.Close)
	return func(w http.ResponseWriter, req *http.Request, _ http.Handler) bool {
		if req.Method != http.MethodGet || !strings.Contains(req.URL.Path, "/blobs/sha256:") {
			return false
		}
		http.Redirect(w, req, store.URL+"/objects/"+req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:], http.StatusTemporaryRedirect)
		return true
	}
}

// Registry errors say which operation failed and the registry's own error code, for the mirror, the
// image data source and the offline bundle alike (fake faults, which no real registry produces on
// demand: an upload refused with DIGEST_INVALID, a blob whose redirect ends at a 404, a repository
// that refuses reads with DENIED).
func TestAccRegistryErrors_operationAndCode(t *testing.T) {
	t.Run("mirror upload refused", func(t *testing.T) {
		regs := startMirrorRegistries(t)
		regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
		regs.inside.Intercept(refuseWith(http.MethodPut, "/blobs/uploads/", http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content"))
		testAccSteps(t, []resource.TestStep{{
			Config: regs.provider() + regs.mirrorBlock(""),
			ExpectError: wrapped("Registry Error Uploading a Blob (DIGEST_INVALID)", "Attribute image: copying",
				"uploading a blob sha256:", "to "+regs.inside.Host+"/zenml/zenml-pro-server failed (HTTP 400 Bad Request, DIGEST_INVALID)"),
		}})
	})
	t.Run("mirror blob lost behind a redirect", func(t *testing.T) {
		regs := startMirrorRegistries(t)
		regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
		regs.zenml.Intercept(lostBlobs(t))
		testAccSteps(t, []resource.TestStep{{
			Config: regs.provider() + regs.mirrorBlock(""),
			ExpectError: wrapped("Registry Error Reading a Blob (HTTP 404)", "reading a blob sha256:", "from "+regs.zenml.Host+"/zenml-pro/zenml-pro-server",
				"no registry error code", "where the registry redirected the request"),
		}})
	})
	t.Run("image data source denied", func(t *testing.T) {
		reg := registryfake.Start(t, registryfake.Options{Username: "mirror", Password: "mirror-pw"})
		reg.PushImage(t, "zenml/zenml-pro-server:0.93.2")
		reg.Intercept(refuseWith(http.MethodGet, "/manifests/", http.StatusForbidden, "DENIED", "requested access to the resource is denied"))
		reg.Intercept(refuseWith(http.MethodHead, "/manifests/", http.StatusForbidden, "DENIED", ""))
		testAccSteps(t, []resource.TestStep{{
			Config: registriesProviderBlock(reg.Host, "mirror", "mirror-pw") + resolvedImageBlock(reg.Host+"/zenml", "0.93.2", ""),
			ExpectError: wrapped("Registry Denied Access (DENIED)", "resolve_digest", "registry "+reg.Host+" accepted the credentials but refused access",
				"DENIED: requested access to the resource is denied"),
		}})
	})
	t.Run("offline bundle blob lost behind a redirect", func(t *testing.T) {
		src := startBundleSource(t)
		src.reg.Intercept(lostBlobs(t))
		testAccSteps(t, []resource.TestStep{{
			Config:      src.bundleBlock(t.TempDir(), "registry.internal.example.com", ""),
			ExpectError: wrapped("Registry Error Reading a Blob (HTTP 404)", "reading a blob sha256:", "from "+src.reg.Host+"/zenml/"),
		}})
	})
}

// With registries unknown at plan (credentials from a resource of the same apply), the target is read
// and decided at apply: a tag that names the copied image is recorded as preexisting, and a tag that
// names another image fails the apply with "Image Tag Taken", writing nothing.
func TestAccImageMirror_registriesUnknownAtPlan(t *testing.T) {
	regs := startMirrorRegistries(t)
	index := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
	regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-api:0.13.0", "linux/amd64")
	regs.zenml.CopyTo(t, "zenml-pro/zenml-pro-server:0.93.2", regs.inside, "zenml/zenml-pro-server:0.93.2")
	other := regs.inside.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	uploads := regs.inside.BlobUploads()
	provider := fmt.Sprintf(`
resource "terraform_data" "password" {
  input = "zenml-pw"
}

provider "zenmlpro" {
  registries = {
    %q = { username = "zenml-customer", password = terraform_data.password.output }
  }
}
`, regs.zenml.Host)
	addr := "zenmlpro_image_mirror.server"
	testAccSteps(t, []resource.TestStep{{
		Config: provider + regs.mirrorBlock("  keep_on_destroy = false\n"),
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectUnknownValue(addr, tfjsonpath.New("preexisting")),
		}},
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("preexisting"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("digest"), knownvalue.StringExact(index.Digest)),
		},
		Check: func(*terraform.State) error {
			if n := regs.inside.BlobUploads() - uploads; n != 0 {
				return fmt.Errorf("the apply onto the same image uploaded %d blobs, want none", n)
			}
			return nil
		},
	}})
	testAccSteps(t, []resource.TestStep{{
		Config: provider + fmt.Sprintf(`
resource "zenmlpro_image_mirror" "api" {
  source_uri      = "%s/zenml-pro/zenml-pro-api:0.13.0"
  target_registry = "%s/zenml"
}
`, regs.zenml.Host, regs.inside.Host),
		ExpectError: wrapped("Image Tag Taken", regs.inside.Host+"/zenml/zenml-pro-api:0.13.0 names "+other,
			"an image this resource did not write", "adopt_existing = true"),
	}})
	if d, _ := regs.inside.Digest(t, "zenml/zenml-pro-api:0.13.0"); d != other || regs.inside.BlobUploads() != uploads {
		t.Errorf("after the refused apply the API tag names %s and %d blobs were uploaded; want %s and none", d,
			regs.inside.BlobUploads()-uploads, other)
	}
}

// A target_registry known only at plan (here from a data source) meets the rule its validator
// applies to a literal value (Terraform validates the resource again once the value is known):
// "010.0.0.5:5000/zenml" is refused on target_registry, naming the decimal address, and nothing is
// read or written.
func TestAccImageMirror_numericTargetKnownAtPlan(t *testing.T) {
	regs := startMirrorRegistries(t)
	regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
	config := regs.provider() + fmt.Sprintf(`
data "zenmlpro_endpoints" "site" {
  web_ui_host = "zenml.ml.example.com"
}

resource "zenmlpro_image_mirror" "server" {
  source_uri      = "%s/zenml-pro/zenml-pro-server:0.93.2"
  target_registry = "${replace(data.zenmlpro_endpoints.site.web_ui_host, "zenml.ml.example.com", "010.0.0.5")}:5000/zenml"
}
`, regs.zenml.Host)
	testAccSteps(t, []resource.TestStep{{
		Config:      config,
		ExpectError: regexp.MustCompile(`(?s)Attribute target_registry: "010\.0\.0\.5" is not a valid hostname.*"10\.0\.0\.5"`),
	}})
}
