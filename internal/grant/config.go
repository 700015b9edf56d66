package grant

import (
	"fmt"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/cloud"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// ConfigError is a broken rule of a grant's configuration: the input at fault, named as the
// resource's schema names it ("ecr", "principal", "principal.aws_iam_role_arn", ...), a short summary
// and the reason with a valid example.
type ConfigError struct {
	Input   string
	Summary string
	Err     error
}

func (e *ConfigError) Error() string { return e.Err.Error() }

// Unwrap returns the reason.
func (e *ConfigError) Unwrap() error { return e.Err }

func configErr(input, summary, format string, args ...any) error {
	return &ConfigError{Input: input, Summary: summary, Err: fmt.Errorf(format, args...)}
}

// CheckOneRegistry checks that exactly one of the ecr and artifact_registry objects is set.
func CheckOneRegistry(ecr, artifactRegistry bool) error {
	example := fmt.Sprintf("ecr = { repository = %q, region = %q }", ExampleECRRepository, cloud.ExampleAWSRegion)
	switch {
	case ecr && artifactRegistry:
		return configErr("artifact_registry", "Conflicting Registries",
			"a grant is on one repository: set exactly one of ecr and artifact_registry, e.g. %s", example)
	case !ecr && !artifactRegistry:
		return configErr("ecr", "Missing Registry", "set exactly one of ecr and artifact_registry, e.g. %s or "+
			"artifact_registry = { project = %q, location = %q, repository = %q }", example, principal.ExampleGCPProject,
			ExampleARLocation, ExampleARRepository)
	}
	return nil
}

// CheckOnePrincipal checks that exactly one value of the principal object is set.
func CheckOnePrincipal(in principal.Input) error {
	if len(in.Given()) == 1 {
		return nil
	}
	return &ConfigError{Input: principal.InputPrincipal, Summary: "Invalid Principal",
		Err: principal.ErrNotOnePrincipal(in, fmt.Sprintf("E.g. principal = { aws_iam_role_arn = %q }", principal.ExampleAWSRoleARN))}
}

// ECRRole returns the IAM role an ECR grant is for: the principal must be a role ARN, in the partition
// of the repository's region. region "" (not known yet) skips the partition rule. A malformed ARN is
// returned as the parser's *principal.Error.
func ECRRole(in principal.Input, region string) (principal.AWSRole, error) {
	if err := CheckOnePrincipal(in); err != nil {
		return principal.AWSRole{}, err
	}
	if in.AWSIAMRoleARN == nil {
		return principal.AWSRole{}, configErr(principal.InputPrincipal, "Principal Does Not Fit Registry",
			"an ECR repository policy grants access to AWS principals: set principal.aws_iam_role_arn, e.g. %q. For a GCP service "+
				"account or GKE Workload Identity, grant on an Artifact Registry repository (artifact_registry)", principal.ExampleAWSRoleARN)
	}
	role, err := principal.ParseAWSRoleARN(*in.AWSIAMRoleARN)
	if err != nil {
		return role, err
	}
	if want := PartitionOfRegion(region); region != "" && role.Partition != want {
		return role, configErr(principal.InputAWSIAMRoleARN, "Partition Mismatch",
			"the role is in partition %s but region %s is in partition %s; a repository policy cannot grant across partitions. "+
				"Use a role of partition %s, e.g. %q", role.Partition, region, want, want,
			strings.Replace(principal.ExampleAWSRoleARN, "arn:aws:", "arn:"+want+":", 1))
	}
	return role, nil
}

// ARMember returns the IAM member an Artifact Registry grant binds: a service account or a GKE
// Workload Identity member. A malformed value is returned as the parser's *principal.Error.
func ARMember(in principal.Input) (string, error) {
	if err := CheckOnePrincipal(in); err != nil {
		return "", err
	}
	switch {
	case in.GCPServiceAccount != nil:
		sa, err := principal.ParseGCPServiceAccount(*in.GCPServiceAccount)
		if err != nil {
			return "", err
		}
		return sa.Member(), nil
	case in.GKEWorkloadIdentity != nil:
		w := in.GKEWorkloadIdentity
		wi, err := principal.NewWorkloadIdentity(w.Project, w.Namespace, w.ServiceAccount)
		if err != nil {
			return "", err
		}
		return wi.Member(), nil
	}
	return "", configErr(principal.InputPrincipal, "Principal Does Not Fit Registry",
		"an Artifact Registry repository grants access to Google identities: set principal.gcp_service_account (e.g. %q) or "+
			"principal.gke_workload_identity. For an AWS IAM role, grant on an ECR repository (ecr)", principal.ExampleGCPServiceAccount)
}
