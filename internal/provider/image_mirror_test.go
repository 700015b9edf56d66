// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// mirrorRegistries are a registry that plays ZenML's (with basic auth) and one that plays the
// internal registry of the site.
type mirrorRegistries struct {
	zenml, inside *registryfake.Registry
}

func startMirrorRegistries(t *testing.T) mirrorRegistries {
	return mirrorRegistries{
		zenml:  registryfake.Start(t, registryfake.Options{Username: "zenml-customer", Password: "zenml-pw"}),
		inside: registryfake.Start(t, registryfake.Options{}),
	}
}

func (m mirrorRegistries) provider() string {
	return registriesProviderBlock(m.zenml.Host, "zenml-customer", "zenml-pw")
}

// mirrorBlock is a zenmlpro_image_mirror "server" of the Workspace Server image 0.93.2 of the ZenML
// registry into the inside one; extra lines are added to the block.
func (m mirrorRegistries) mirrorBlock(extra string) string {
	return fmt.Sprintf(`
resource "zenmlpro_image_mirror" "server" {
  image = {
    component = "workspace_server"
    version   = "0.93.2"
    source    = "private"
    registry  = "%s/zenml-pro"
  }
  target_registry = "%s/zenml"
%s}
`, m.zenml.Host, m.inside.Host, extra)
}

// checkInside checks that the inside registry holds want under repoTag.
func checkInside(reg *registryfake.Registry, t *testing.T, repoTag, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, ok := reg.Digest(t, repoTag)
		if !ok || got != want {
			return fmt.Errorf("the inside registry has %s = %q (present %v), want %s", repoTag, got, ok, want)
		}
		return nil
	}
}

// A mirror copies every platform with its digest, imports by target reference, copies again a copy
// changed or deleted in the target, is replaced when the source tag moves, and with
// keep_on_destroy = false deletes its tag on destroy.
func TestAccImageMirror_lifecycle(t *testing.T) {
	regs := startMirrorRegistries(t)
	index := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	next := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:next", "linux/amd64")
	cfg := regs.provider() + regs.mirrorBlock("  keep_on_destroy = false\n")
	addr := "zenmlpro_image_mirror.server"
	target := regs.inside.Host + "/zenml/zenml-pro-server:0.93.2"
	str := func(attr, want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), knownvalue.StringExact(want))
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if d, ok := regs.inside.Digest(t, "zenml/zenml-pro-server:0.93.2"); ok {
				return fmt.Errorf("keep_on_destroy = false, but the copy is still there (%s)", d)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					str("id", target),
					str("target_uri", target),
					str("source_reference", regs.zenml.Host+"/zenml-pro/zenml-pro-server:0.93.2"),
					str("source_digest", index.Digest),
					str("digest", index.Digest),
					str("target_uri_by_digest", regs.inside.Host+"/zenml/zenml-pro-server@"+index.Digest),
					str("drift", ""),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("platforms"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("linux/amd64"), knownvalue.StringExact("linux/arm64/v8")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("platform_digests"), knownvalue.MapExact(map[string]knownvalue.Check{
						"linux/amd64": knownvalue.StringExact(index.Platforms[0]), "linux/arm64/v8": knownvalue.StringExact(index.Platforms[1])})),
				},
				Check: checkInside(regs.inside, t, "zenml/zenml-pro-server:0.93.2", index.Digest),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     target,
				ImportStateVerify: true,
				// The source is configuration, not something the target registry knows.
				ImportStateVerifyIgnore: []string{"image", "source_reference", "source_digest", "keep_on_destroy", "timeouts"},
			},
			{
				// Someone pushes another image to the copy's tag: drift, copied again.
				PreConfig: func() { regs.inside.PushImage(t, "zenml/zenml-pro-server:0.93.2") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: checkInside(regs.inside, t, "zenml/zenml-pro-server:0.93.2", index.Digest),
			},
			{
				// Someone deletes the copy: created again.
				PreConfig: func() { regs.inside.DeleteTag(t, "zenml/zenml-pro-server:0.93.2") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				Check: checkInside(regs.inside, t, "zenml/zenml-pro-server:0.93.2", index.Digest),
			},
			{
				// The source tag moves: the plan shows the new digest and replaces the copy.
				PreConfig: func() { regs.zenml.Tag(t, "zenml-pro/zenml-pro-server:next", "zenml-pro/zenml-pro-server:0.93.2") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("source_digest"), knownvalue.StringExact(next.Digest)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{str("digest", next.Digest)},
				Check:             checkInside(regs.inside, t, "zenml/zenml-pro-server:0.93.2", next.Digest),
			},
		},
	})
}

// By default destroy leaves the copy. A platform filter copies those platforms only, each with its
// source digest; a platform the source lacks fails the plan; a source_uri with a digest copies that
// image.
func TestAccImageMirror_platformsAndKeep(t *testing.T) {
	regs := startMirrorRegistries(t)
	index := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	api := regs.zenml.PushImage(t, "zenml-pro/zenml-pro-api:0.13.0")
	addr := "zenmlpro_image_mirror.server"
	apiMirror := fmt.Sprintf(`
resource "zenmlpro_image_mirror" "api" {
  source_uri      = "%s/zenml-pro/zenml-pro-api:0.13.0@%s"
  target_registry = "%s/zenml"
}
`, regs.zenml.Host, api, regs.inside.Host)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			for _, tag := range []string{"zenml/zenml-pro-server:0.93.2", "zenml/zenml-pro-api:0.13.0"} {
				if _, ok := regs.inside.Digest(t, tag); !ok {
					return fmt.Errorf("keep_on_destroy defaults to true, but %s was deleted", tag)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:      regs.provider() + regs.mirrorBlock(`  platforms = ["linux/amd64", "linux/s390x"]`+"\n"),
				ExpectError: wrapped("Platform Not in Source Image", "has no image for linux/s390x; its platforms are linux/amd64, linux/arm64/v8"),
			},
			{
				Config: regs.provider() + regs.mirrorBlock(`  platforms = ["linux/arm64"]`+"\n") + apiMirror,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("source_digest"), knownvalue.StringExact(index.Digest)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("digest"), knownvalue.StringRegexp(regexp.MustCompile(`^sha256:[0-9a-f]{64}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("platform_digests"), knownvalue.MapExact(map[string]knownvalue.Check{
						"linux/arm64/v8": knownvalue.StringExact(index.Platforms[1])})),
					statecheck.ExpectKnownValue("zenmlpro_image_mirror.api", tfjsonpath.New("digest"), knownvalue.StringExact(api)),
					statecheck.ExpectKnownValue("zenmlpro_image_mirror.api", tfjsonpath.New("platforms"), knownvalue.ListSizeExact(0)),
				},
				Check: func(*terraform.State) error {
					d, ok := regs.inside.Digest(t, "zenml/zenml-pro-server:0.93.2")
					if !ok || d == index.Digest {
						return fmt.Errorf("the filtered copy is %q (present %v); want an index other than the source's", d, ok)
					}
					if _, ok := regs.inside.Digest(t, "zenml/zenml-pro-server@"+index.Platforms[0]); ok {
						return fmt.Errorf("the linux/amd64 image was copied although the filter keeps linux/arm64 only")
					}
					return checkInside(regs.inside, t, "zenml/zenml-pro-server@"+index.Platforms[1], index.Platforms[1])(nil)
				},
			},
			{
				// Without the filter: every platform, copied again in place.
				Config: regs.provider() + regs.mirrorBlock("") + apiMirror,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: checkInside(regs.inside, t, "zenml/zenml-pro-server:0.93.2", index.Digest),
			},
			{
				ResourceName:  addr,
				ImportState:   true,
				ImportStateId: regs.inside.Host + "/zenml/zenml-pro-server",
				ExpectError:   wrapped("Invalid Import ID", "is not the reference of an image copy", "it names no tag"),
			},
		},
	})
}

// A copy made before Terraform is imported by its reference; the next apply records the source and
// copies nothing, because the copy already holds the source's digest.
func TestAccImageMirror_importThenApply(t *testing.T) {
	regs := startMirrorRegistries(t)
	index := regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	regs.zenml.CopyTo(t, "zenml-pro/zenml-pro-server:0.93.2", regs.inside, "zenml/zenml-pro-server:0.93.2")
	cfg := fullSourceBlock + regs.provider() + regs.mirrorBlock("")
	addr := "zenmlpro_image_mirror.server"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             cfg,
				ResourceName:       addr,
				ImportState:        true,
				ImportStateId:      regs.inside.Host + "/zenml/zenml-pro-server:0.93.2",
				ImportStatePersist: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("source_digest"), knownvalue.StringExact(index.Digest)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("digest"), knownvalue.StringExact(index.Digest)),
				},
				Check: func(*terraform.State) error {
					if n := regs.inside.BlobUploads(); n != 0 {
						return fmt.Errorf("the apply after the import uploaded %d blobs, want none", n)
					}
					return nil
				},
			},
		},
	})
}

// The example runs as written: every registry it names (ZenML's Artifact Registry and ECR, Docker Hub
// and the site's Harbor) is routed to one local TLS registry that holds the source images under their
// real repository paths. The ECR token comes from moto (through the AWS SDK's environment settings) and
// the Google access token from a local OAuth endpoint named by Application Default Credentials: the
// provider asks both before it reads those hosts, as it would at the real registries.
func TestAccImageMirror_example(t *testing.T) {
	ecrTokensFromMoto(t)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", localGoogleCredentials(t))
	reg := registryfake.Start(t, registryfake.Options{TLS: true})
	api := reg.PushImage(t, "zenml-cloud/zenml-pro/zenml-pro-api:0.13.0")
	server := reg.PushIndex(t, "zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64")
	client := reg.PushImage(t, "zenmldocker/zenml:0.93.2")
	p := &zenmlproProvider{version: "test", registryOptions: oci.Options{Transport: routeTo(t, reg)}}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){"zenmlpro": providerserver.NewProtocol6WithError(p)},
		Steps: []resource.TestStep{{
			Config: testAccExample(t, "resources/zenmlpro_image_mirror/resource.tf"),
			Check: resource.ComposeTestCheckFunc(
				checkInside(reg, t, "zenml/zenml-pro-api:0.13.0", api),
				checkInside(reg, t, "zenml/zenml:0.93.2", client),
				resource.TestCheckResourceAttr("zenmlpro_image_mirror.workspace_server", "source_digest", server.Digest),
				func(*terraform.State) error {
					if _, ok := reg.Digest(t, "zenml/zenml-pro-server:0.93.2"); !ok {
						return fmt.Errorf("the Workspace Server image was not copied")
					}
					return nil
				},
			),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("workspace_server_image", knownvalue.ObjectPartial(map[string]knownvalue.Check{
					"repository": knownvalue.StringExact("harbor.internal.example.com/zenml/zenml-pro-server"),
				})),
			},
		}},
		// Destroy: keep_on_destroy = false deletes the client's copy; the others stay.
		CheckDestroy: func(*terraform.State) error {
			if _, ok := reg.Digest(t, "zenml/zenml:0.93.2"); ok {
				return fmt.Errorf("the client image copy is still there after destroy with keep_on_destroy = false")
			}
			if _, ok := reg.Digest(t, "zenml/zenml-pro-api:0.13.0"); !ok {
				return fmt.Errorf("the API image copy is gone after destroy, though keep_on_destroy defaults to true")
			}
			return nil
		},
	})
}

// ecrTokensFromMoto points the AWS SDK's default credential chain and ECR endpoint at moto, through
// the environment, for configurations (the examples) that have no aws block: the provider then gets
// ECR authorization tokens from moto.
func ecrTokensFromMoto(t *testing.T) {
	t.Helper()
	motoAWS := testsupport.AWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", motoAWS.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", motoAWS.SecretAccessKey)
	t.Setenv("AWS_ENDPOINT_URL_ECR", motoAWS.Endpoint)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// localGoogleCredentials writes a service account key whose token_uri is a local OAuth server (Google's
// cannot be reached from the tests; the JWT grant is the real library's) and returns its path.
func localGoogleCredentials(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("assertion") == "" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"ya29.local-token","expires_in":3600,"token_type":"Bearer"}`))
	}))
	t.Cleanup(srv.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "my-project", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"client_email": "puller@my-project.iam.gserviceaccount.com", "client_id": "1", "token_uri": srv.URL,
	})
	file := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
