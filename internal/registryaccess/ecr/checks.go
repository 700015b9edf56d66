// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// Examples of valid settings, used in messages and descriptions.
const (
	ExampleAWSRegion   = "eu-central-1"
	ExampleAWSEndpoint = "http://127.0.0.1:5000"
	ExampleAWSProfile  = "deploy"
)

// awsRegionPattern matches AWS region names such as eu-central-1, us-gov-west-1 or cn-northwest-1.
var awsRegionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// Validate checks every setting, naming the one at fault as the provider's aws attribute names it
// (region, profile, assume_role_arn, endpoints.ecr, endpoints.sts, max_retries).
func (c Config) Validate() error {
	checks := []struct {
		name, value string
		check       func(string) error
	}{
		{"region", c.Region, CheckAWSRegion}, {"profile", c.Profile, CheckAWSProfile}, {"assume_role_arn", c.AssumeRoleARN, checkRoleARN},
		{"endpoints.ecr", c.Endpoints.ECR, CheckAWSEndpoint}, {"endpoints.sts", c.Endpoints.STS, CheckAWSEndpoint},
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
