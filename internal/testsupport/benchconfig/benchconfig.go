// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package benchconfig writes the configurations that the plan benchmark (make bench) and the
// performance report (make bench-report) share: N workspaces, and the floors of the same shape.
package benchconfig

import (
	"fmt"
	"strings"
)

// Locals is the locals block of n workspaces: "ws000", ... with a database ("zenml_ws_000"), a user
// ("zenml_ws000"), the role of its pods in the given AWS account and one of the repositories, in turn.
func Locals(repos []string, account string, n int) string {
	return fmt.Sprintf(`
locals {
  repositories = [%s]
  workspaces = {
    for i in range(%d) : format("ws%%03d", i) => {
      database = format("zenml_ws_%%03d", i)
      user     = format("zenml_ws%%03d", i)
      role     = format("arn:aws:iam::%s:role/zenml-ws%%03d-pods", i)
      repo     = element(local.repositories, i)
    }
  }
}
`, `"`+strings.Join(repos, `", "`)+`"`, n, account)
}

// Floor is a floor of the workspaces' shape: three resources of resourceType (with one string,
// "input") per workspace, as many objects as the provider's configuration holds.
func Floor(resourceType string) string {
	var b strings.Builder
	for _, name := range []string{"image", "database", "grant"} {
		fmt.Fprintf(&b, `
resource %q %q {
  for_each = local.workspaces
  input    = "${each.key}-${jsonencode(each.value)}"
}
`, resourceType, name)
	}
	return b.String()
}

// FloorProvider is the required_providers block of the one-string do-nothing plugin (floor_object).
const FloorProvider = `
terraform {
  required_providers {
    floor = { source = "zenmlpro-infra/floor" }
  }
}
`
