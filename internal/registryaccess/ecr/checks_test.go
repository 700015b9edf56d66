// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import "testing"

func TestSettingChecks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(string) error
		ok    []string
		bad   []string
	}{
		{"region", CheckAWSRegion, []string{"eu-central-1", "us-gov-west-1", "cn-northwest-1", "us-isob-east-1", "ap-southeast-5"},
			[]string{"", "eu-central", "eu-central-1a", "EU-CENTRAL-1", "eu_central_1", "global"}},
		{"endpoint", CheckAWSEndpoint, []string{"http://127.0.0.1:5000", "https://ecr.eu-central-1.amazonaws.com", "https://vpce-1.ecr.example/"},
			[]string{"127.0.0.1:5000", "localhost", "ftp://x", "http://", "https://a@b", "http://x/?", "http://x/#f", "/relative"}},
		{"profile", CheckAWSProfile, []string{"default", "deploy", "my profile"}, []string{"", " deploy", "[deploy]", "a\tb"}},
		{"role", checkRoleARN, []string{"arn:aws:iam::123456789012:role/a", "arn:aws-cn:iam::123456789012:role/p/a"},
			[]string{"arn:aws:iam::123456789012:user/a", "arn:aws:iam::123456789012:instance-profile/a", "AROAABCDEFGHIJKLMNOP"}},
	} {
		for _, s := range tc.ok {
			if err := tc.check(s); err != nil {
				t.Errorf("%s %q: %v", tc.name, s, err)
			}
		}
		for _, s := range tc.bad {
			if err := tc.check(s); err == nil {
				t.Errorf("%s %q accepted", tc.name, s)
			}
		}
	}
}
