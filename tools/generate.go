// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package tools pins the development tools of the provider in their own module, so that they stay out
// of the provider's go.mod. `make generate` runs the directives below.
package tools

// Format the examples, write the guide of the Helm values contract, then generate docs/ from the
// provider schema, examples/ and templates/.
//go:generate terraform fmt -recursive ../examples/
//go:generate sh -c "cd .. && go run ./internal/helmvalues/cmd/contractdoc templates/guides/helm-values.md.tmpl"
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name zenmlpro
