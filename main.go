// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Command terraform-provider-zenmlpro serves the zenmlpro Terraform provider.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/provider"
)

// version is set by the release build (goreleaser ldflags).
var version = "dev"

func main() {
	var debugMode bool
	flag.BoolVar(&debugMode, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	tuneGC()
	if !debugMode {
		quietLogsUnlessShown(os.Getenv, os.Setenv)
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         provider.Address,
		Debug:           debugMode,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// gcPercent is the provider's garbage-collection target unless GOGC says otherwise. A plan sends the
// provider several short requests per resource, each allocating a little; at Go's default of 100 the
// collector took a fifth of the provider's CPU on a plan of 100 workspaces (make bench). At 400 the
// process stays small (about 150 MB there), and gcMemoryLimit keeps it bounded on larger plans.
const (
	gcPercent     = 400
	gcMemoryLimit = 1 << 30
)

// logSettings are the environment variables by which Terraform (or OpenTofu) shows a provider's
// logs (TF_LOG, TF_LOG_PROVIDER) or a user asks this provider for its SDK's or its own
// (terraform-plugin-log's TF_LOG_SDK*, TF_LOG_PROVIDER_ZENMLPRO). A provider process inherits them
// from Terraform.
var logSettings = []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_ZENMLPRO", "TF_LOG_SDK",
	"TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO_DATA_DIR"}

// quietLogsUnlessShown turns the SDK's and the provider's logs off when none of logSettings is set.
// Unset, terraform-plugin-log writes every line at TRACE to Terraform, which parses each one and then
// drops it: on a plan of 100 workspaces that was about 100 lines per resource, a fifth of
// Terraform's CPU and a tenth of the provider's. Any of the settings keeps the SDK's defaults.
func quietLogsUnlessShown(getenv func(string) string, setenv func(string, string) error) {
	for _, name := range logSettings {
		if getenv(name) != "" {
			return
		}
	}
	_ = setenv("TF_LOG_SDK", "OFF")
	_ = setenv("TF_LOG_PROVIDER_ZENMLPRO", "OFF")
}

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(gcMemoryLimit)
	}
}
