// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package principal

import (
	"errors"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
)

// Inputs of the principal object, named as the provider's schema names them (in
// zenmlpro_registry_access_request and zenmlpro_registry_access_grant). An *inputerr.Error names the one
// at fault.
const (
	InputPrincipal           = "principal"
	InputAWSIAMRoleARN       = "principal.aws_iam_role_arn"
	InputGCPServiceAccount   = "principal.gcp_service_account"
	InputGKEWorkloadIdentity = "principal.gke_workload_identity"
)

// Input is the principal object as given: exactly one of its values should be set; nil for absent ones.
type Input struct {
	AWSIAMRoleARN       *string
	GCPServiceAccount   *string
	GKEWorkloadIdentity *WorkloadIdentity
}

// Given names the values that are set, as the schema names them, in schema order.
func (in Input) Given() []string {
	var given []string
	if in.AWSIAMRoleARN != nil {
		given = append(given, "aws_iam_role_arn")
	}
	if in.GCPServiceAccount != nil {
		given = append(given, "gcp_service_account")
	}
	if in.GKEWorkloadIdentity != nil {
		given = append(given, "gke_workload_identity")
	}
	return given
}

// ErrNotOnePrincipal returns the error for a principal object with none or several values set.
func ErrNotOnePrincipal(in Input, example string) error {
	given := in.Given()
	if len(given) == 0 {
		return inputerr.New(InputPrincipal, "Invalid Principal", "set exactly one of aws_iam_role_arn, gcp_service_account or gke_workload_identity; none is set. %s", example)
	}
	return inputerr.New(InputPrincipal, "Invalid Principal", "set exactly one of aws_iam_role_arn, gcp_service_account or gke_workload_identity; %s are set. %s",
		strings.Join(given, " and "), example)
}

// Summary names the kind of a parser error of this package, for the title of a diagnostic.
func Summary(err error) string {
	var pe *Error
	if !errors.As(err, &pe) {
		return "Invalid Principal"
	}
	switch pe.Kind {
	case KindAWSRoleARN:
		return "Invalid IAM Role ARN"
	case KindGCPServiceAccount:
		return "Invalid Service Account"
	case KindGCPProjectID:
		return "Invalid Project ID"
	case KindKubernetesNamespace:
		return "Invalid Kubernetes Namespace"
	case KindKubernetesSA:
		return "Invalid Kubernetes Service Account"
	}
	return "Invalid Principal"
}
