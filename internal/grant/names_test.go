package grant

import (
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
)

func TestCheckNames(t *testing.T) {
	for _, tc := range []struct {
		check func(string) error
		input string
		want  string // "" when valid
	}{
		{CheckECRRepositoryName, "zenml-pro-server", ""},
		{CheckECRRepositoryName, "zenml/zenml-pro-server", ""},
		{CheckECRRepositoryName, "a.b_c-d/e", ""},
		{CheckECRRepositoryName, "arn:aws:ecr:eu-central-1:123456789012:repository/zenml", "is an ARN"},
		{CheckECRRepositoryName, "123456789012.dkr.ecr.eu-central-1.amazonaws.com/zenml", "repository URI"},
		{CheckECRRepositoryName, "zenml:0.93.2", "tag or digest"},
		{CheckECRRepositoryName, "zenml@sha256:abc", "tag or digest"},
		{CheckECRRepositoryName, "z", "2 to 256"},
		{CheckECRRepositoryName, strings.Repeat("a", 257), "2 to 256"},
		{CheckECRRepositoryName, "Zenml", "lower-case"},
		{CheckECRRepositoryName, "zenml--server", "lower-case"},
		{CheckECRRepositoryName, "/zenml", "lower-case"},
		{CheckRegistryID, "123456789012", ""},
		{CheckRegistryID, "12345678901", "12-digit"},
		{CheckRegistryID, "12345678901a", "12-digit"},
		{CheckARLocation, "europe-west3", ""},
		{CheckARLocation, "europe", ""},
		{CheckARLocation, "northamerica-northeast1", ""},
		{CheckARLocation, "europe-west3-a", "is a zone"},
		{CheckARLocation, "europe-west3-docker.pkg.dev", "registry host"},
		{CheckARLocation, "Europe", "not an Artifact Registry location"},
		{CheckARRepositoryID, "zenml-mirror", ""},
		{CheckARRepositoryID, "z", ""},
		{CheckARRepositoryID, "my-project/zenml", "is a path"},
		{CheckARRepositoryID, "zenml-", "not ending with a hyphen"},
		{CheckARRepositoryID, "1zenml", "starting with"},
		{CheckARRepositoryID, strings.Repeat("a", 64), "1 to 63"},
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

func TestParseImportIDRoundTrips(t *testing.T) {
	ecr := ECRGrant{Repository: ECRRepository{Region: "cn-north-1", RegistryID: "123456789012", Name: "zenml/server"},
		PrincipalARN: "arn:aws-cn:iam::123456789012:role/path/puller", Access: registryaccess.AccessPush}
	got, err := ParseImportID(ecr.ID())
	if err != nil || got.ECR == nil || *got.ECR != ecr || got.AR != nil {
		t.Fatalf("ParseImportID(%q) = %+v, %v", ecr.ID(), got, err)
	}
	if want := "arn:aws-cn:ecr:cn-north-1:123456789012:repository/zenml/server push arn:aws-cn:iam::123456789012:role/path/puller"; ecr.ID() != want {
		t.Fatalf("ID = %q, want %q", ecr.ID(), want)
	}
	ar := ARGrant{Repository: ARRepository{Project: "my-project", Location: "europe-west3", Repository: "zenml-mirror"},
		Member: "serviceAccount:zenml-pull@my-project.iam.gserviceaccount.com", Access: registryaccess.AccessPull}
	got, err = ParseImportID(ar.ID())
	if err != nil || got.AR == nil || *got.AR != ar || got.ServiceAccount != "zenml-pull@my-project.iam.gserviceaccount.com" || got.WorkloadIdentity != nil {
		t.Fatalf("ParseImportID(%q) = %+v, %v", ar.ID(), got, err)
	}
	ar.Member = "serviceAccount:my-project.svc.id.goog[zenml/zenml-server]"
	got, err = ParseImportID(ar.ID())
	if err != nil || got.AR == nil || *got.AR != ar || got.WorkloadIdentity == nil || got.WorkloadIdentity.Namespace != "zenml" {
		t.Fatalf("ParseImportID(%q) = %+v, %v", ar.ID(), got, err)
	}
}

func TestParseImportIDErrors(t *testing.T) {
	for id, want := range map[string]string{
		"arn:aws:ecr:eu-central-1:123456789012:repository/zenml pull":                                                              "three parts",
		"arn:aws:ecr:eu-central-1:123456789012:repository/zenml  pull arn:aws:iam::123456789012:role/x":                            "three parts",
		"arn:aws:ecr:eu-central-1:123456789012:repository/zenml admin arn:aws:iam::123456789012:role/x":                            "not one of pull, push",
		"arn:aws:ecr:eu-central-1:123456789012:repository/zenml pull arn:aws:iam::123456789012:instance-profile/x":                 "instance-profile",
		"arn:aws:ecr:cn-north-1:123456789012:repository/zenml pull arn:aws:iam::123456789012:role/x":                               "partition aws, but region cn-north-1",
		"arn:aws-cn:ecr:cn-north-1:123456789012:repository/zenml pull arn:aws:iam::123456789012:role/x":                            "cannot grant across partitions",
		"arn:aws:ecr:eu-central-1:123456789012:repository/Zenml pull arn:aws:iam::123456789012:role/x":                             "lower-case",
		"projects/my-project/locations/europe-west3/repositories/zenml pull user:me@example.com":                                   "is not a member serviceAccount:EMAIL",
		"projects/my-project/locations/europe-west3/repositories/zenml pull serviceAccount:me@gmail.com":                           "service account",
		"projects/my-project/locations/europe-west3-a/repositories/zenml pull serviceAccount:a@my-project.iam.gserviceaccount.com": "is a zone",
		"zenml pull serviceAccount:a@my-project.iam.gserviceaccount.com":                                                           "is neither an ECR repository ARN",
	} {
		_, err := ParseImportID(id)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseImportID(%q) = %v, want an error containing %q", id, err, want)
		}
	}
}

func FuzzParseImportID(f *testing.F) {
	f.Add("arn:aws:ecr:eu-central-1:123456789012:repository/zenml pull arn:aws:iam::123456789012:role/x")
	f.Add("projects/my-project/locations/europe-west3/repositories/zenml push serviceAccount:my-project.svc.id.goog[zenml/zenml-server]")
	f.Add("projects/my-project/locations/europe/repositories/z pull serviceAccount:1234-compute@developer.gserviceaccount.com")
	f.Fuzz(func(t *testing.T, id string) {
		got, err := ParseImportID(id)
		if err != nil {
			return
		}
		// A valid ID names exactly one grant, and the grant's own ID is the input.
		switch {
		case (got.ECR == nil) == (got.AR == nil):
			t.Fatalf("ParseImportID(%q) = %+v: want exactly one of ECR and AR", id, got)
		case got.ECR != nil && got.ECR.ID() != id:
			t.Fatalf("ECR ID %q != input %q", got.ECR.ID(), id)
		case got.AR != nil && got.AR.ID() != id:
			t.Fatalf("AR ID %q != input %q", got.AR.ID(), id)
		}
	})
}
