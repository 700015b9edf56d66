// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccPrivateKeyInCertificates: every attribute that takes PEM certificates refuses a value that
// holds a private key, alone or beside the certificates, at validate time, with the same words: the
// key is named by its PEM type, never repeated, and the user is told to treat it as exposed. A
// registries entry's ca_certificate holding its CA and a key used to be accepted silently.
func TestAccPrivateKeyInCertificates(t *testing.T) {
	f := newTLSFixture(t)
	dir := t.TempDir()
	caAndKey := writePEM(t, dir, "ca-and-key.pem", f.root.pem+f.keyPEM)
	certAndKey := writePEM(t, dir, "cert-and-key.pem", f.leaf.pem+f.keyPEM)
	endpoints := `
data "zenmlpro_endpoints" "test" {
  web_ui_host = "zenml.ml.example.com"
}
`
	registries := func(file string) string {
		return fmt.Sprintf(`provider "zenmlpro" {
  registries = { "harbor.example.com" = { ca_certificate = file(%q) } }
}
`, file) + endpoints
	}
	databaseServers := func(tls string) string {
		return fmt.Sprintf(`provider "zenmlpro" {
  database_servers = {
    main = {
      engine   = "mysql"
      host     = "db.example.com"
      username = "admin"
      password = "not-used-at-plan"
      tls      = { %s }
    }
  }
}
`, tls) + endpoints
	}
	refusal := func(attr, name, example string) []string {
		return []string{"Private Key Instead of Certificate",
			"Attribute " + attr + `: the value holds a private key (a PEM block of type "PRIVATE KEY"), not a certificate; this message does not repeat it.`,
			"A private key never goes in " + name, "treat the key as exposed", "Give e.g. " + example}
	}
	step := func(config string, want []string) resource.TestStep {
		return resource.TestStep{Config: config, PlanOnly: true, ExpectError: wrapped(want...)}
	}
	testAccSteps(t, []resource.TestStep{
		step(registries(caAndKey), refusal(`registries["harbor.example.com"].ca_certificate`, "ca_certificate", `ca_certificate = file("corporate-ca.pem")`)),
		step(registries(f.keyFile), refusal(`registries["harbor.example.com"].ca_certificate`, "ca_certificate", `ca_certificate = file("corporate-ca.pem")`)),
		step(databaseServers(fmt.Sprintf("ca_certificate = file(%q)", caAndKey)),
			refusal(`database_servers["main"].tls.ca_certificate`, "ca_certificate", `ca_certificate = file("ca.pem")`)),
		step(databaseServers(fmt.Sprintf("client_certificate = file(%q)\n        client_key = file(%q)", certAndKey, f.keyFile)),
			refusal(`database_servers["main"].tls.client_certificate`, "client_certificate", `client_certificate = file("client.pem")`)),
		step(fmt.Sprintf(`data "zenmlpro_prerequisites" "test" {
  tls = { ca_certificate_pem = file(%q) }
}
`, caAndKey), refusal("tls.ca_certificate_pem", "ca_certificate_pem", `ca_certificate_pem = file("certs/zenml-ca.pem")`)),
		step(tlsConfig(f.chainFile, caAndKey, tlsDemoHosts, ""), refusal("ca_certificate_pem", "ca_certificate_pem", `ca_certificate_pem = file("certs/zenml-ca.pem")`)),
	})
}
