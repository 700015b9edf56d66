// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package principal

import (
	"fmt"
	"strings"
)

// Inputs of the principal object, named as the provider's schema names them (in
// zenmlpro_registry_access_request and zenmlpro_registry_access_grant). An InputError names the one
// at fault.
const (
	InputPrincipal           = "principal"
	InputAWSIAMRoleARN       = "principal.aws_iam_role_arn"
	InputGCPServiceAccount   = "principal.gcp_service_account"
	InputGKEWorkloadIdentity = "principal.gke_workload_identity"
)

// InputError ties an error to the input that caused it.
type InputError struct {
	// Input is one of the Input* names, possibly followed by ".project", ".namespace" or ".service_account".
	Input string
	Err   error
}

func (e *InputError) Error() string { return e.Input + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

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
		return inputErr(InputPrincipal, "set exactly one of aws_iam_role_arn, gcp_service_account or gke_workload_identity; none is set. %s", example)
	}
	return inputErr(InputPrincipal, "set exactly one of aws_iam_role_arn, gcp_service_account or gke_workload_identity; %s are set. %s",
		strings.Join(given, " and "), example)
}

// inputErr is an InputError with a formatted reason.
func inputErr(input, format string, args ...any) error {
	return &InputError{Input: input, Err: fmt.Errorf(format, args...)}
}
