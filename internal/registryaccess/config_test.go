// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package registryaccess

import (
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

func ptr(s string) *string { return &s }

// wantConfigError checks that err is an *inputerr.Error on input whose message holds want.
func wantConfigError(t *testing.T, err error, input, summary, want string) {
	t.Helper()
	ce, ok := inputerr.As(err)
	if !ok || ce.Input != input || ce.Summary != summary || !strings.Contains(ce.Error(), want) {
		t.Errorf("error = %#v (%v), want an input error on %s, %q, containing %q", ce, err, input, summary, want)
	}
}

func TestCheckOneRegistry(t *testing.T) {
	if err := CheckOneRegistry(true, false); err != nil {
		t.Errorf("ecr only: %v", err)
	}
	if err := CheckOneRegistry(false, true); err != nil {
		t.Errorf("artifact_registry only: %v", err)
	}
	wantConfigError(t, CheckOneRegistry(true, true), "artifact_registry", "Conflicting Registries", "set exactly one of ecr and artifact_registry")
	wantConfigError(t, CheckOneRegistry(false, false), "ecr", "Missing Registry", `artifact_registry = { project = "my-project"`)
}

func TestCheckOnePrincipal(t *testing.T) {
	if err := CheckOnePrincipal(principal.Input{AWSIAMRoleARN: ptr("arn:aws:iam::123456789012:role/puller")}); err != nil {
		t.Errorf("one principal: %v", err)
	}
	wantConfigError(t, CheckOnePrincipal(principal.Input{}), principal.InputPrincipal, "Invalid Principal", "none is set")
}
