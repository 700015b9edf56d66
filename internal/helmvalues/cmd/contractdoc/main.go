// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Command contractdoc writes the guide "Helm values by chart version" from the Helm values contract
// (helmvalues.Guide) to the path given, e.g. templates/guides/helm-values.md.tmpl: `make generate` runs it.
package main

import (
	"fmt"
	"os"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/helmvalues"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: contractdoc FILE (e.g. "+helmvalues.GuidePath+")")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], []byte(helmvalues.Guide()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "contractdoc:", err)
		os.Exit(1)
	}
}
