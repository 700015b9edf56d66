// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"errors"
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

func TestCheckNames(t *testing.T) {
	for _, tc := range []struct {
		check func(string) error
		input string
		want  string // "" when valid
	}{
		{CheckRepositoryName, "zenml-pro-server", ""},
		{CheckRepositoryName, "zenml/zenml-pro-server", ""},
		{CheckRepositoryName, "a.b_c-d/e", ""},
		{CheckRepositoryName, "arn:aws:ecr:eu-central-1:123456789012:repository/zenml", "is an ARN"},
		{CheckRepositoryName, "123456789012.dkr.ecr.eu-central-1.amazonaws.com/zenml", "repository URI"},
		{CheckRepositoryName, "zenml:0.93.2", "tag or digest"},
		{CheckRepositoryName, "zenml@sha256:abc", "tag or digest"},
		{CheckRepositoryName, "z", "2 to 256"},
		{CheckRepositoryName, strings.Repeat("a", 257), "2 to 256"},
		{CheckRepositoryName, "Zenml", "lower-case"},
		{CheckRepositoryName, "zenml--server", "lower-case"},
		{CheckRepositoryName, "/zenml", "lower-case"},
		{CheckRegistryID, "123456789012", ""},
		{CheckRegistryID, "12345678901", "12-digit"},
		{CheckRegistryID, "12345678901a", "12-digit"},
	} {
		err := tc.check(tc.input)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: unexpected error %v", tc.input, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want one containing %q", tc.input, err, tc.want)
		}
	}
}

func TestParseIDRoundTrips(t *testing.T) {
	g := Grant{Repository: Repository{Region: "cn-north-1", RegistryID: "123456789012", Name: "zenml/server"},
		PrincipalARN: "arn:aws-cn:iam::123456789012:role/path/puller", Access: AccessPush}
	got, ok, err := ParseID(g.ID())
	if err != nil || !ok || got != g {
		t.Fatalf("ParseID(%q) = %+v, %v, %v", g.ID(), got, ok, err)
	}
	if want := "arn:aws-cn:ecr:cn-north-1:123456789012:repository/zenml/server push arn:aws-cn:iam::123456789012:role/path/puller"; g.ID() != want {
		t.Fatalf("ID = %q, want %q", g.ID(), want)
	}
	if _, ok, err := ParseID("projects/my-project/locations/europe-west3/repositories/zenml pull serviceAccount:a@my-project.iam.gserviceaccount.com"); ok || err != nil {
		t.Errorf("ParseID of an Artifact Registry ID = %v, %v; want not ECR's, no error", ok, err)
	}
}

func TestParseIDErrors(t *testing.T) {
	for id, want := range map[string]string{
		"arn:aws:ecr:eu-central-1:123456789012:repository/zenml pull":                                              "three parts",
		"arn:aws:ecr:eu-central-1:123456789012:repository/zenml  pull arn:aws:iam::123456789012:role/x":            "three parts",
		"arn:aws:ecr:eu-central-1:123456789012:repository/zenml admin arn:aws:iam::123456789012:role/x":            "not one of pull, push",
		"arn:aws:ecr:eu-central-1:123456789012:repository/zenml pull arn:aws:iam::123456789012:instance-profile/x": "instance-profile",
		"arn:aws:ecr:cn-north-1:123456789012:repository/zenml pull arn:aws:iam::123456789012:role/x":               "partition aws, but region cn-north-1",
		"arn:aws-cn:ecr:cn-north-1:123456789012:repository/zenml pull arn:aws:iam::123456789012:role/x":            "cannot grant across partitions",
		"arn:aws:ecr:eu-central-1:123456789012:repository/Zenml pull arn:aws:iam::123456789012:role/x":             "lower-case",
	} {
		_, ok, err := ParseID(id)
		if !ok || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseID(%q) = %v, %v; want an ECR ID with an error containing %q", id, ok, err, want)
		}
	}
}

func FuzzParseID(f *testing.F) {
	f.Add("arn:aws:ecr:eu-central-1:123456789012:repository/zenml pull arn:aws:iam::123456789012:role/x")
	f.Add("arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/a/b push arn:aws-us-gov:iam::123456789012:role/p/q")
	f.Fuzz(func(t *testing.T, id string) {
		got, ok, err := ParseID(id)
		if err != nil || !ok {
			return
		}
		// A valid ID names a grant whose own ID is the input.
		if got.ID() != id {
			t.Fatalf("ID %q != input %q", got.ID(), id)
		}
	})
}

func ptr(s string) *string { return &s }

// wantInputError checks that err is an *inputerr.Error on input whose message holds want.
func wantInputError(t *testing.T, err error, input, summary, want string) {
	t.Helper()
	ce, ok := inputerr.As(err)
	if !ok || ce.Input != input || ce.Summary != summary || !strings.Contains(ce.Error(), want) {
		t.Errorf("error = %#v (%v), want an input error on %s, %q, containing %q", ce, err, input, summary, want)
	}
}

func TestRole(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/puller"
	got, err := Role(principal.Input{AWSIAMRoleARN: ptr(role)}, "eu-central-1")
	if err != nil || got.ARN() != role {
		t.Fatalf("Role = %v, %v", got, err)
	}
	if _, err := Role(principal.Input{AWSIAMRoleARN: ptr(role)}, ""); err != nil {
		t.Errorf("region not known yet: %v", err)
	}
	_, err = Role(principal.Input{AWSIAMRoleARN: ptr(role)}, "cn-north-1")
	wantInputError(t, err, principal.InputAWSIAMRoleARN, "Partition Mismatch", "partition aws but region cn-north-1 is in partition aws-cn")
	_, err = Role(principal.Input{GCPServiceAccount: ptr("puller@my-project.iam.gserviceaccount.com")}, "eu-central-1")
	wantInputError(t, err, principal.InputPrincipal, "Principal Does Not Fit Registry", "set principal.aws_iam_role_arn")
	_, err = Role(principal.Input{}, "eu-central-1")
	wantInputError(t, err, principal.InputPrincipal, "Invalid Principal", "none is set")
	_, err = Role(principal.Input{AWSIAMRoleARN: ptr("arn:aws:iam::123456789012:instance-profile/web")}, "eu-central-1")
	var pe *principal.Error
	if !errors.As(err, &pe) {
		t.Errorf("instance-profile ARN: %v, want the parser's *principal.Error", err)
	}
}

func TestExampleBlockUsesTheExamples(t *testing.T) {
	want := `ecr = { repository = "` + ExampleRepository + `", region = "` + ExampleAWSRegion + `" }`
	if registryaccess.ExampleECRBlock != want {
		t.Errorf("ExampleECRBlock = %s, want %s", registryaccess.ExampleECRBlock, want)
	}
}
