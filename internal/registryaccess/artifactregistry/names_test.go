// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
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
		{CheckLocation, "europe-west3", ""},
		{CheckLocation, "europe", ""},
		{CheckLocation, "northamerica-northeast1", ""},
		{CheckLocation, "europe-west3-a", "is a zone"},
		{CheckLocation, "europe-west3-docker.pkg.dev", "registry host"},
		{CheckLocation, "Europe", "not an Artifact Registry location"},
		{CheckRepositoryID, "zenml-mirror", ""},
		{CheckRepositoryID, "z", ""},
		{CheckRepositoryID, "my-project/zenml", "is a path"},
		{CheckRepositoryID, "zenml-", "not ending with a hyphen"},
		{CheckRepositoryID, "1zenml", "starting with"},
		{CheckRepositoryID, strings.Repeat("a", 64), "1 to 63"},
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
	g := Grant{Repository: Repository{Project: "my-project", Location: "europe-west3", Repository: "zenml-mirror"},
		Member: "serviceAccount:zenml-pull@my-project.iam.gserviceaccount.com", Access: AccessPull}
	got, ok, err := ParseID(g.ID())
	if err != nil || !ok || got.Grant != g || got.ServiceAccount != "zenml-pull@my-project.iam.gserviceaccount.com" || got.WorkloadIdentity != nil {
		t.Fatalf("ParseID(%q) = %+v, %v, %v", g.ID(), got, ok, err)
	}
	g.Member = "serviceAccount:my-project.svc.id.goog[zenml/zenml-server]"
	got, ok, err = ParseID(g.ID())
	if err != nil || !ok || got.Grant != g || got.WorkloadIdentity == nil || got.WorkloadIdentity.Namespace != "zenml" {
		t.Fatalf("ParseID(%q) = %+v, %v, %v", g.ID(), got, ok, err)
	}
	if _, ok, err := ParseID("arn:aws:ecr:eu-central-1:123456789012:repository/zenml pull arn:aws:iam::123456789012:role/x"); ok || err != nil {
		t.Errorf("ParseID of an ECR ID = %v, %v; want not Artifact Registry's, no error", ok, err)
	}
}

func TestParseIDErrors(t *testing.T) {
	for id, want := range map[string]string{
		"projects/my-project/locations/europe-west3/repositories/zenml pull user:me@example.com":                                   "is not a member serviceAccount:EMAIL",
		"projects/my-project/locations/europe-west3/repositories/zenml pull serviceAccount:me@gmail.com":                           "service account",
		"projects/my-project/locations/europe-west3-a/repositories/zenml pull serviceAccount:a@my-project.iam.gserviceaccount.com": "is a zone",
		"projects/my-project/locations/europe-west3/repositories/zenml write serviceAccount:a@my-project.iam.gserviceaccount.com":  "not one of pull, push",
	} {
		_, ok, err := ParseID(id)
		if !ok || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseID(%q) = %v, %v; want an Artifact Registry ID with an error containing %q", id, ok, err, want)
		}
	}
}

func FuzzParseID(f *testing.F) {
	f.Add("projects/my-project/locations/europe-west3/repositories/zenml push serviceAccount:my-project.svc.id.goog[zenml/zenml-server]")
	f.Add("projects/my-project/locations/europe/repositories/z pull serviceAccount:1234-compute@developer.gserviceaccount.com")
	f.Fuzz(func(t *testing.T, id string) {
		got, ok, err := ParseID(id)
		if err != nil || !ok {
			return
		}
		if got.Grant.ID() != id || (got.WorkloadIdentity == nil) == (got.ServiceAccount == "") {
			t.Fatalf("ParseID(%q) = %+v", id, got)
		}
	})
}

func ptr(s string) *string { return &s }

func TestMember(t *testing.T) {
	for in, want := range map[*principal.Input]string{
		{GCPServiceAccount: ptr("puller@my-project.iam.gserviceaccount.com")}:                                                   "serviceAccount:puller@my-project.iam.gserviceaccount.com",
		{GKEWorkloadIdentity: &principal.WorkloadIdentity{Project: "my-project", Namespace: "zenml", ServiceAccount: "server"}}: "serviceAccount:my-project.svc.id.goog[zenml/server]",
	} {
		if got, err := Member(*in); err != nil || got != want {
			t.Errorf("Member(%+v) = %q, %v; want %q", *in, got, err, want)
		}
	}
	for in, want := range map[*principal.Input][2]string{
		{AWSIAMRoleARN: ptr("arn:aws:iam::123456789012:role/puller")}: {"Principal Does Not Fit Registry", "set principal.gcp_service_account"},
		{GCPServiceAccount: ptr("puller@my-project.iam.gserviceaccount.com"), AWSIAMRoleARN: ptr("x")}: {"Invalid Principal",
			"aws_iam_role_arn and gcp_service_account are set"},
	} {
		_, err := Member(*in)
		ce, ok := inputerr.As(err)
		if !ok || ce.Input != principal.InputPrincipal || ce.Summary != want[0] || !strings.Contains(ce.Error(), want[1]) {
			t.Errorf("Member(%+v) = %v, want %q containing %q", *in, err, want[0], want[1])
		}
	}
}

func TestExampleBlockUsesTheExamples(t *testing.T) {
	want := `artifact_registry = { project = "` + principal.ExampleGCPProject + `", location = "` + ExampleLocation + `", repository = "` +
		ExampleRepository + `" }`
	if registryaccess.ExampleArtifactRegistryBlock != want {
		t.Errorf("ExampleArtifactRegistryBlock = %s, want %s", registryaccess.ExampleArtifactRegistryBlock, want)
	}
}
