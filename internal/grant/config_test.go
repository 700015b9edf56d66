package grant

import (
	"errors"
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

func ptr(s string) *string { return &s }

// wantConfigError checks that err is a *ConfigError on input whose message holds want.
func wantConfigError(t *testing.T, err error, input, summary, want string) {
	t.Helper()
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Input != input || ce.Summary != summary || !strings.Contains(ce.Error(), want) {
		t.Errorf("error = %#v (%v), want a ConfigError on %s, %q, containing %q", ce, err, input, summary, want)
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

func TestECRRole(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/puller"
	got, err := ECRRole(principal.Input{AWSIAMRoleARN: ptr(role)}, "eu-central-1")
	if err != nil || got.ARN() != role {
		t.Fatalf("ECRRole = %v, %v", got, err)
	}
	if _, err := ECRRole(principal.Input{AWSIAMRoleARN: ptr(role)}, ""); err != nil {
		t.Errorf("region not known yet: %v", err)
	}
	_, err = ECRRole(principal.Input{AWSIAMRoleARN: ptr(role)}, "cn-north-1")
	wantConfigError(t, err, principal.InputAWSIAMRoleARN, "Partition Mismatch", "partition aws but region cn-north-1 is in partition aws-cn")
	_, err = ECRRole(principal.Input{GCPServiceAccount: ptr("puller@my-project.iam.gserviceaccount.com")}, "eu-central-1")
	wantConfigError(t, err, principal.InputPrincipal, "Principal Does Not Fit Registry", "set principal.aws_iam_role_arn")
	_, err = ECRRole(principal.Input{}, "eu-central-1")
	wantConfigError(t, err, principal.InputPrincipal, "Invalid Principal", "none is set")
	_, err = ECRRole(principal.Input{AWSIAMRoleARN: ptr("arn:aws:iam::123456789012:instance-profile/web")}, "eu-central-1")
	var pe *principal.Error
	if !errors.As(err, &pe) {
		t.Errorf("instance-profile ARN: %v, want the parser's *principal.Error", err)
	}
}

func TestARMember(t *testing.T) {
	for in, want := range map[*principal.Input]string{
		{GCPServiceAccount: ptr("puller@my-project.iam.gserviceaccount.com")}:                                                   "serviceAccount:puller@my-project.iam.gserviceaccount.com",
		{GKEWorkloadIdentity: &principal.WorkloadIdentity{Project: "my-project", Namespace: "zenml", ServiceAccount: "server"}}: "serviceAccount:my-project.svc.id.goog[zenml/server]",
	} {
		if got, err := ARMember(*in); err != nil || got != want {
			t.Errorf("ARMember(%+v) = %q, %v; want %q", *in, got, err, want)
		}
	}
	_, err := ARMember(principal.Input{AWSIAMRoleARN: ptr("arn:aws:iam::123456789012:role/puller")})
	wantConfigError(t, err, principal.InputPrincipal, "Principal Does Not Fit Registry", "set principal.gcp_service_account")
	_, err = ARMember(principal.Input{GCPServiceAccount: ptr("puller@my-project.iam.gserviceaccount.com"), AWSIAMRoleARN: ptr("x")})
	wantConfigError(t, err, principal.InputPrincipal, "Invalid Principal", "aws_iam_role_arn and gcp_service_account are set")
}
