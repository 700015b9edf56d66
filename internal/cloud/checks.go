package cloud

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// Examples of valid settings, used in messages and descriptions.
const (
	ExampleAWSRegion        = "eu-central-1"
	ExampleAWSEndpoint      = "http://127.0.0.1:5000"
	ExampleAWSProfile       = "deploy"
	ExampleGCPEndpoint      = "artifactregistry.googleapis.com:443"
	ExampleLocalGCPEndpoint = "127.0.0.1:50051"
)

// awsRegionPattern matches AWS region names such as eu-central-1, us-gov-west-1 or cn-northwest-1.
var awsRegionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// Validate checks every setting, naming the one at fault as the provider's aws attribute names it
// (region, profile, assume_role_arn, endpoints.ecr, endpoints.iam, endpoints.sts, max_retries).
func (c AWSConfig) Validate() error {
	checks := []struct {
		name, value string
		check       func(string) error
	}{
		{"region", c.Region, CheckAWSRegion}, {"profile", c.Profile, CheckAWSProfile}, {"assume_role_arn", c.AssumeRoleARN, checkRoleARN},
		{"endpoints.ecr", c.Endpoints.ECR, CheckAWSEndpoint}, {"endpoints.iam", c.Endpoints.IAM, CheckAWSEndpoint},
		{"endpoints.sts", c.Endpoints.STS, CheckAWSEndpoint},
	}
	for _, ch := range checks {
		if ch.value == "" {
			continue
		}
		if err := ch.check(ch.value); err != nil {
			return fmt.Errorf("%s: %w", ch.name, err)
		}
	}
	if c.MaxRetries != nil && (*c.MaxRetries < 0 || *c.MaxRetries > MaxAWSRetries) {
		return fmt.Errorf("max_retries: %d is outside 0 to %d", *c.MaxRetries, MaxAWSRetries)
	}
	return nil
}

func checkRoleARN(s string) error {
	_, err := principal.ParseAWSRoleARN(s)
	return err
}

// Validate checks every setting, naming the one at fault as the provider's gcp attribute names it
// (project, credentials, artifact_registry_endpoint, insecure). Errors never quote the credentials.
func (c GCPConfig) Validate() error {
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

// CheckAWSRegion checks an AWS region name such as eu-central-1, us-gov-west-1 or cn-northwest-1.
func CheckAWSRegion(s string) error {
	if !awsRegionPattern.MatchString(s) {
		return fmt.Errorf("%q is not an AWS region name: lower-case letters and hyphens ending in a number, e.g. %q "+
			"(not an availability zone such as \"eu-central-1a\")", s, ExampleAWSRegion)
	}
	return nil
}

// CheckAWSProfile checks the name of a profile of the shared config files.
func CheckAWSProfile(s string) error {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, "[]\t\r\n") {
		return fmt.Errorf("%q is not a profile name: give the name as in [profile NAME] of ~/.aws/config, without brackets or surrounding "+
			"blanks, e.g. %q", s, ExampleAWSProfile)
	}
	return nil
}

// CheckAWSEndpoint checks a service URL override: absolute http or https, no user information, query or fragment.
func CheckAWSEndpoint(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("%q is not an absolute http or https URL; give the scheme and host, e.g. %q", s, ExampleAWSEndpoint)
	case u.User != nil:
		return fmt.Errorf("%q holds user information; give the URL without it (credentials come from the credential chain), e.g. %q", s, ExampleAWSEndpoint)
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
		return fmt.Errorf("%q has a query or fragment; give scheme, host and port only, e.g. %q", s, ExampleAWSEndpoint)
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
