// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// Examples of valid settings, used in messages and descriptions.
const (
	ExampleGCPEndpoint      = "artifactregistry.googleapis.com:443"
	ExampleLocalGCPEndpoint = "127.0.0.1:50051"
)

// Validate checks every setting, naming the one at fault as the provider's gcp attribute names it
// (project, credentials, artifact_registry_endpoint, insecure). Errors never quote the credentials.
func (c Config) Validate() error {
	if c.Project != "" {
		if err := principal.CheckGCPProjectID(c.Project); err != nil {
			return fmt.Errorf("project: %w", err)
		}
	}
	if c.CredentialsJSON != "" {
		if _, err := CheckCredentialsJSON(c.CredentialsJSON); err != nil {
			return fmt.Errorf("credentials: %w", err)
		}
	}
	if c.ArtifactRegistryEndpoint != "" {
		if err := CheckGRPCEndpoint(c.ArtifactRegistryEndpoint); err != nil {
			return fmt.Errorf("artifact_registry_endpoint: %w", err)
		}
	}
	if msg := InsecureProblem(c.Insecure, c.ArtifactRegistryEndpoint != "", c.CredentialsJSON != ""); msg != "" {
		return errors.New("insecure: " + msg)
	}
	return nil
}

// CheckGRPCEndpoint checks a gRPC endpoint, HOST:PORT without scheme.
func CheckGRPCEndpoint(s string) error {
	if strings.Contains(s, "://") {
		return fmt.Errorf("%q has a scheme; give HOST:PORT without it, e.g. %q", s, ExampleGCPEndpoint)
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || strings.ContainsAny(host, "/?#@ ") {
		return fmt.Errorf("%q is not HOST:PORT; e.g. %q or %q", s, ExampleGCPEndpoint, ExampleLocalGCPEndpoint)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q has no valid port (1 to 65535); e.g. %q", s, ExampleGCPEndpoint)
	}
	return nil
}

// InsecureProblem says why insecure cannot be used with an endpoint and credentials (given or not); "" if it can. The
// names are the provider's attribute names.
func InsecureProblem(insecure, endpoint, credentials bool) string {
	switch {
	case !insecure:
		return ""
	case !endpoint:
		return "insecure = true needs artifact_registry_endpoint: plain text without credentials is for a local test server only, " +
			"e.g. artifact_registry_endpoint = \"" + ExampleLocalGCPEndpoint + "\""
	case credentials:
		return "insecure = true sends no credentials, so credentials would not be used; remove credentials, or set insecure = false"
	}
	return ""
}
