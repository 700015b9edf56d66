// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// registriesProviderBlock is a provider block with one registries entry for host.
func registriesProviderBlock(host, username, password string) string {
	return fmt.Sprintf(`
provider "zenmlpro" {
  registries = {
    %q = { username = %q, password = %q }
  }
}
`, host, username, password)
}

// resolvedImageBlock is a zenmlpro_image data source "server" that resolves a Workspace Server image in the
// mirror registry; digest is an optional pin.
func resolvedImageBlock(registry, version, digest string) string {
	pin := ""
	if digest != "" {
		pin = fmt.Sprintf("  digest = %q\n", digest)
	}
	return fmt.Sprintf(`
data "zenmlpro_image" "server" {
  component      = "workspace_server"
  version        = %q
  source         = "private"
  registry       = %q
  resolve_digest = true
%s}
`, version, registry, pin)
}

// The digest, platforms and media type come from the registry, with the credentials of the
// registries entry; a pinned digest that the tag no longer points to fails the plan; a pin that
// matches passes.
func TestAccImageDataSource_resolveDigest(t *testing.T) {
	reg := registryfake.Start(t, registryfake.Options{Username: "mirror", Password: "s3cret-mirror-pw"})
	index := reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64/v8")
	repo := reg.Host + "/zenml/zenml-pro-server"
	provider := registriesProviderBlock(reg.Host, "mirror", "s3cret-mirror-pw")
	addr := "data.zenmlpro_image.server"
	str := func(attr, want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), knownvalue.StringExact(want))
	}
	moved := reg.PushImage(t, "zenml/zenml-pro-server:next")
	testAccSteps(t, []resource.TestStep{
		{
			Config: provider + resolvedImageBlock(reg.Host+"/zenml", "0.93.2", ""),
			ConfigStateChecks: []statecheck.StateCheck{
				str("digest", index.Digest),
				str("uri", repo+":0.93.2@"+index.Digest),
				str("uri_by_digest", repo+"@"+index.Digest),
				str("media_type", "application/vnd.oci.image.index.v1+json"),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("platforms"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{"os": knownvalue.StringExact("linux"), "architecture": knownvalue.StringExact("amd64"),
						"variant": knownvalue.StringExact(""), "digest": knownvalue.StringExact(index.Platforms[0])}),
					knownvalue.ObjectExact(map[string]knownvalue.Check{"os": knownvalue.StringExact("linux"), "architecture": knownvalue.StringExact("arm64"),
						"variant": knownvalue.StringExact("v8"), "digest": knownvalue.StringExact(index.Platforms[1])}),
				})),
			},
		},
		{
			// The tag moves to another image: the pin to the old digest fails the plan with both digests.
			PreConfig: func() { reg.Tag(t, "zenml/zenml-pro-server:next", "zenml/zenml-pro-server:0.93.2") },
			Config:    provider + resolvedImageBlock(reg.Host+"/zenml", "0.93.2", index.Digest),
			ExpectError: regexp.MustCompile(`(?s)Image Tag Moved.*` + regexp.QuoteMeta(repo) + `:0\.93\.2\s+now\s+points\s+to\s+sha256:[0-9a-f]{64}.*` +
				`pinned\s+` + regexp.QuoteMeta(index.Digest)),
		},
		{
			// A pin that matches passes; the single image has no platforms.
			Config: provider + resolvedImageBlock(reg.Host+"/zenml", "0.93.2", moved),
			ConfigStateChecks: []statecheck.StateCheck{
				str("digest", moved),
				str("uri", repo+":0.93.2@"+moved),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("platforms"), knownvalue.ListSizeExact(0)),
			},
		},
	})
}

// ephemeralLine is the `ephemeral = true` line of a variable, on a CLI that has ephemeral variables
// (OpenTofu 1.10 has not: there the variable is only sensitive, which keeps it out of the output and
// the state all the same).
func ephemeralLine(t *testing.T) string {
	t.Helper()
	if cliAtLeast111(t, requireCLI(t)) {
		return "  ephemeral = true\n"
	}
	return ""
}

// One provider process asks the registry once per distinct reference, however many data sources name
// it; throttling and server errors are retried; the registry password given from an ephemeral
// variable is in neither the TRACE log, the plan nor the state. Through the real CLI and a built
// provider binary, so that "one process" is what it is for users.
func TestCLIImageResolveOncePerReference(t *testing.T) {
	password := testPassword(t, "registry")
	reg := registryfake.Start(t, registryfake.Options{Username: "mirror", Password: password})
	server := reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64")
	api := reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	logFile := t.TempDir() + "/trace.log"
	cfg := fmt.Sprintf(`
terraform {
  required_providers {
    zenmlpro = { source = "zenmlpro-infra/zenmlpro" }
  }
}
variable "registry_password" {
  type      = string
  sensitive = true
%[2]s}
provider "zenmlpro" {
  registries = {
    %[1]q = { username = "mirror", password = var.registry_password }
  }
}
data "zenmlpro_image" "server_a" {
  component      = "workspace_server"
  version        = "0.93.2"
  source         = "private"
  registry       = "%[1]s/zenml"
  resolve_digest = true
}
data "zenmlpro_image" "server_b" {
  component      = "workspace_server"
  version        = "0.93.2"
  source         = "private"
  registry       = "%[1]s/zenml"
  resolve_digest = true
}
data "zenmlpro_image" "api" {
  component      = "control_plane_api"
  version        = "0.13.0"
  source         = "private"
  registry       = "%[1]s/zenml"
  resolve_digest = true
}
output "digests" {
  value = [data.zenmlpro_image.server_a.digest, data.zenmlpro_image.server_b.digest, data.zenmlpro_image.api.digest]
}
`, reg.Host, ephemeralLine(t))
	c := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(cfg)},
		"TF_VAR_registry_password="+password, "TF_LOG=TRACE", "TF_LOG_PATH="+logFile)
	reg.FailManifests(http.StatusTooManyRequests, http.StatusServiceUnavailable)
	c.terraform("apply", "-auto-approve", "-input=false")
	// Two distinct references, asked once each by the one process that read them, plus the two
	// injected failures that were retried.
	if n := reg.ManifestRequests(); n != 4 {
		t.Errorf("the apply made %d manifest requests, want 4 (2 distinct references, 2 retried failures)", n)
	}
	out := string(c.terraform("output", "-json", "digests"))
	if want := fmt.Sprintf("[%q,%q,%q]", server.Digest, server.Digest, api); strings.ReplaceAll(out, "\n", "") != want {
		t.Errorf("digests = %s, want %s", out, want)
	}
	state, err := os.ReadFile(c.work + "/terraform.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	trace, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(trace, []byte("resolved image digest")) || !bytes.Contains(state, []byte(api)) {
		t.Fatal("the TRACE log or the state does not record the resolution: the search below would prove nothing")
	}
	for name, b := range map[string][]byte{"state": state, "TRACE log": trace} {
		if bytes.Contains(b, []byte(password)) || bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString([]byte("mirror:"+password)))) {
			t.Errorf("the registry password is in the %s", name)
		}
	}
}

// Refused credentials name the host and the credentials used, never the password; a missing tag is
// "Image Not Found"; both at plan time.
func TestAccImageDataSource_resolveErrors(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no Docker config credentials
	reg := registryfake.Start(t, registryfake.Options{Username: "mirror", Password: "s3cret-mirror-pw"})
	reg.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	testAccSteps(t, []resource.TestStep{
		{
			Config: registriesProviderBlock(reg.Host, "mirror", "wrong-password") + resolvedImageBlock(reg.Host+"/zenml", "0.93.2", ""),
			ExpectError: wrapped("Registry Refused Credentials", "resolve_digest", "registry "+reg.Host+" refused the credentials",
				"the provider's registries entry for "+reg.Host+` (user "mirror")`),
		},
		{
			Config:      registriesProviderBlock(reg.Host, "mirror", "s3cret-mirror-pw") + resolvedImageBlock(reg.Host+"/zenml", "0.93.9", ""),
			ExpectError: wrapped("Image Not Found", reg.Host+"/zenml/zenml-pro-server:0.93.9 does not exist"),
		},
		{
			// Without an entry: the Docker config's credentials (none here), and the message says so.
			Config: resolvedImageBlock(reg.Host+"/zenml", "0.93.2", ""),
			ExpectError: wrapped("Registry Refused Credentials", "the Docker config's credentials for "+reg.Host+
				", if it has any (no registries entry names "+reg.Host+")"),
		},
	})
}

// The registries attribute is checked at validate time: host keys, credentials that come in pairs,
// CA certificates.
func TestAccProviderRegistries_validation(t *testing.T) {
	image := resolvedImageBlock("127.0.0.1:5001/zenml", "0.93.2", "")
	testAccSteps(t, []resource.TestStep{
		{
			Config:      `provider "zenmlpro" { registries = { "Harbor.example.com" = {} } }` + image,
			ExpectError: wrapped("Invalid Registry Host", `write "harbor.example.com"`),
		},
		{
			Config:      `provider "zenmlpro" { registries = { "harbor.example.com/zenml" = {} } }` + image,
			ExpectError: wrapped("Invalid Registry Host", `credentials belong to the whole host: write "harbor.example.com"`),
		},
		{
			Config:      `provider "zenmlpro" { registries = { "harbor.example.com" = { username = "robot" } } }` + image,
			ExpectError: wrapped("Incomplete Registry Credentials", `registries["harbor.example.com"].password`, "a username needs a password"),
		},
		{
			Config:      `provider "zenmlpro" { registries = { "harbor.example.com" = { password = "x" } } }` + image,
			ExpectError: wrapped("Incomplete Registry Credentials", `registries["harbor.example.com"].username`, "a password needs a username"),
		},
		{
			Config:      `provider "zenmlpro" { registries = { "harbor.example.com" = { ca_certificate = "not a certificate" } } }` + image,
			ExpectError: wrapped("Invalid CA Certificate", "no PEM certificate could be read"),
		},
	})
}

// An ECR host without a registries entry gets an authorization token from the provider's aws
// settings: moto issues it, and a local registry that accepts only that token plays the ECR
// registry (the test's transport routes the ECR host name to it; no DNS or TLS for the real name
// can be had here).
func TestAccImageDataSource_resolveWithECRToken(t *testing.T) {
	motoAWS := testsupport.AWS(t)
	tok, err := motoAWS.ECR.GetAuthorizationToken(t.Context(), &awsecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(aws.ToString(tok.AuthorizationData[0].AuthorizationToken))
	user, pass, _ := strings.Cut(string(raw), ":")
	reg := registryfake.Start(t, registryfake.Options{Username: user, Password: pass, TLS: true})
	digest := reg.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	host := motoAWS.AccountID() + ".dkr.ecr.eu-central-1.amazonaws.com"

	p := &zenmlproProvider{version: "test", registryOptions: oci.Options{Transport: routeTo(t, reg)},
		awsLoadOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(motoAWS.AccessKeyID, motoAWS.SecretAccessKey, "")),
			config.WithEC2IMDSClientEnableState(0),
		}}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){"zenmlpro": providerserver.NewProtocol6WithError(p)},
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "zenmlpro" {
  aws = { region = %q, endpoints = { ecr = %q, sts = %q } }
}
`, motoAWS.Region, motoAWS.Endpoint, motoAWS.Endpoint) + resolvedImageBlock(host+"/zenml", "0.93.2", ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.zenmlpro_image.server", tfjsonpath.New("digest"), knownvalue.StringExact(digest)),
			},
		}},
	})
}

// routeTo is a transport that sends every connection to the TLS registry reg, whatever host a
// request names, and trusts reg's certificate as the certificate of that host.
func routeTo(t *testing.T, reg *registryfake.Registry) *http.Transport {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(reg.CACertificate)) {
		t.Fatal("the registry's certificate cannot be read")
	}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, reg.Host)
		},
		// The test certificate names example.com; the connection goes to reg whatever the request's host.
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "example.com", MinVersion: tls.VersionTLS12},
	}
}

// A host without a registries entry gets the Docker config's credentials, as docker pull would.
func TestAccImageDataSource_resolveWithDockerConfig(t *testing.T) {
	reg := registryfake.Start(t, registryfake.Options{Username: "mirror", Password: "s3cret-mirror-pw"})
	digest := reg.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("mirror:s3cret-mirror-pw"))
	if err := os.WriteFile(dir+"/config.json", []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, reg.Host, auth)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	testAccSteps(t, []resource.TestStep{{
		Config: resolvedImageBlock(reg.Host+"/zenml", "0.93.2", ""),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.zenmlpro_image.server", tfjsonpath.New("digest"), knownvalue.StringExact(digest)),
		},
	}})
}
