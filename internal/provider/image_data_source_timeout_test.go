// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// holdManifestRequests makes reg accept every manifest request and never answer it: a registry that
// hangs, a fault no real registry produces on demand, served by the test in place of the registry.
// Each request is held until the provider gives up on it (the request's context ends when the
// provider closes the connection) or the test ends.
func holdManifestRequests(t *testing.T, reg *registryfake.Registry) {
	t.Helper()
	testDone := make(chan struct{})
	t.Cleanup(func() { close(testDone) }) // runs before the registry's own cleanup closes it
	reg.Intercept(func(_ http.ResponseWriter, req *http.Request, _ http.Handler) bool {
		if !strings.Contains(req.URL.Path, "/manifests/") {
			return false
		}
		select {
		case <-req.Context().Done():
		case <-testDone:
		}
		return true
	})
}

// wordsRegexp matches the words of s in order, whatever white space (Terraform wraps long
// diagnostics) separates them.
func wordsRegexp(s string) *regexp.Regexp {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// A registry that accepts the manifest request of resolve_digest and never answers fails the plan
// when timeouts.read is up, with an error that names the attribute, the registry and the limit.
func TestAccImageDataSource_registryNeverAnswers(t *testing.T) {
	reg := registryfake.Start(t, registryfake.Options{})
	reg.PushImage(t, "zenml/zenml-pro-server:0.93.2")
	holdManifestRequests(t, reg)
	ref := reg.Host + "/zenml/zenml-pro-server:0.93.2"
	testAccSteps(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
data "zenmlpro_image" "server" {
  component      = "workspace_server"
  version        = "0.93.2"
  source         = "private"
  registry       = "%s/zenml"
  resolve_digest = true
  timeouts       = { read = "3s" }
}
`, reg.Host),
		ExpectError: wordsRegexp(fmt.Sprintf("Attribute timeouts.read: the registry %s did not answer while resolving %s within the 3s read "+
			"timeout; raise timeouts.read or check the registry", reg.Host, ref)),
	}})
}
