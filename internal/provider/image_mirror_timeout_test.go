// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// A source registry that accepts the manifest request of the plan's resolution and never answers
// fails the plan when timeouts.read is up, naming the attribute, the registry and the limit.
func TestAccImageMirror_sourceNeverAnswersAtPlan(t *testing.T) {
	regs := startMirrorRegistries(t)
	regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
	holdManifestRequests(t, regs.zenml)
	source := regs.zenml.Host + "/zenml-pro/zenml-pro-server:0.93.2"
	testAccSteps(t, []resource.TestStep{{
		Config: regs.provider() + regs.mirrorBlock(`  timeouts = { read = "3s" }`+"\n"),
		ExpectError: wordsRegexp(fmt.Sprintf("Attribute timeouts.read: the registry %s did not answer while resolving %s within the 3s read "+
			"timeout; raise timeouts.read or check the registry", regs.zenml.Host, source)),
	}})
}

// A target registry that accepts the manifest requests of the apply and never answers fails the
// apply when timeouts.create is up (3s, where timeouts.read is 4s: the limit in the error is the
// create timeout's, and the error names timeouts.create), naming the target registry, not the
// source, which answered. At plan the
// target's tag is read within timeouts.read, and its failure there only defers that read to the
// apply.
func TestAccImageMirror_targetNeverAnswersAtCreate(t *testing.T) {
	regs := startMirrorRegistries(t)
	regs.zenml.PushIndex(t, "zenml-pro/zenml-pro-server:0.93.2", "linux/amd64")
	holdManifestRequests(t, regs.inside)
	want := `(?s)Attribute\s+timeouts\.create:\s+` + wordsRegexp("the registry "+regs.inside.Host+" did not answer while").String() +
		`\s+\w+\s+\S+.*within\s+the\s+3s\s+create\s+timeout;\s+raise\s+timeouts\.create\s+or\s+check\s+the\s+registry`
	testAccSteps(t, []resource.TestStep{{
		Config:      regs.provider() + regs.mirrorBlock(`  timeouts = { read = "4s", create = "3s" }`+"\n"),
		ExpectError: regexp.MustCompile(want),
	}})
}
