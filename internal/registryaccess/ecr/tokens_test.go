// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

func TestRegistryHost(t *testing.T) {
	for host, want := range map[string]string{
		"715803424590.dkr.ecr.eu-central-1.amazonaws.com":       "715803424590 eu-central-1",
		"715803424590.dkr.ecr-fips.us-gov-west-1.amazonaws.com": "715803424590 us-gov-west-1",
		"715803424590.dkr.ecr.cn-northwest-1.amazonaws.com.cn":  "715803424590 cn-northwest-1",
		"715803424590.DKR.ECR.EU-CENTRAL-1.AMAZONAWS.COM":       "715803424590 eu-central-1",
		"public.ecr.aws": "",
		"71580342459.dkr.ecr.eu-central-1.amazonaws.com":           "",
		"715803424590.dkr.ecr.eu-central-1.amazonaws.com.evil":     "",
		"evil.com/715803424590.dkr.ecr.eu-central-1.amazonaws.com": "",
		"europe-west3-docker.pkg.dev":                              "",
	} {
		account, region, ok := RegistryHost(host)
		got := ""
		if ok {
			got = account + " " + region
		}
		if got != want {
			t.Errorf("RegistryHost(%q) = %q, want %q", host, got, want)
		}
		if (&AuthTokens{}).Serves(host) != (want != "") {
			t.Errorf("Serves(%q) = %v", host, want == "")
		}
	}
}

// moto serves ecr:GetAuthorizationToken: the token source decodes its USER:PASSWORD and expiry.
func TestAuthTokensMoto(t *testing.T) {
	aws := testsupport.AWS(t)
	isolateAWS(t)
	src := NewAuthTokens(NewClients(Config{Region: "eu-west-1", Endpoints: endpointsAt(aws.Endpoint)}, staticCredentials("AKIAMOTO")))
	host := aws.AccountID() + ".dkr.ecr.eu-central-1.amazonaws.com"
	user, pass, expires, err := src.Token(t.Context(), host)
	if err != nil {
		t.Fatal(err)
	}
	if user != "AWS" || pass == "" || strings.Contains(pass, ":") {
		t.Errorf("token = %q / %d characters, want user AWS and a password", user, len(pass))
	}
	// moto reports a fixed expiry in the past (AWS: 12 hours ahead); the source passes on what ECR says.
	if expires.IsZero() {
		t.Error("token has no expiry")
	}
	if d := src.Describe(host); !strings.Contains(d, "ecr:GetAuthorizationToken in eu-central-1") || strings.Contains(d, pass) {
		t.Errorf("Describe = %q", d)
	}
	if _, _, _, err := src.Token(t.Context(), "harbor.example.com"); err == nil {
		t.Error("a token for a host that is no ECR registry was issued")
	}
}
