// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package registryaccess

import (
	"fmt"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// Examples of a registry block, quoted in messages (the tests of the cloud packages hold them to their own examples).
const (
	ExampleECRBlock              = `ecr = { repository = "zenml-pro-server", region = "eu-central-1" }`
	ExampleArtifactRegistryBlock = `artifact_registry = { project = "my-project", location = "europe-west3", repository = "zenml-mirror" }`
)

// CheckOneRegistry checks that exactly one of the ecr and artifact_registry objects is set.
func CheckOneRegistry(ecr, artifactRegistry bool) error {
	switch {
	case ecr && artifactRegistry:
		return inputerr.New("artifact_registry", "Conflicting Registries",
			"a grant is on one repository: set exactly one of ecr and artifact_registry, e.g. %s", ExampleECRBlock)
	case !ecr && !artifactRegistry:
		return inputerr.New("ecr", "Missing Registry", "set exactly one of ecr and artifact_registry, e.g. %s or %s",
			ExampleECRBlock, ExampleArtifactRegistryBlock)
	}
	return nil
}

// CheckOnePrincipal checks that exactly one value of the principal object is set.
func CheckOnePrincipal(in principal.Input) error {
	if len(in.Given()) == 1 {
		return nil
	}
	return principal.ErrNotOnePrincipal(in, fmt.Sprintf("E.g. principal = { aws_iam_role_arn = %q }", principal.ExampleAWSRoleARN))
}

// ImportFormats describes the import ID formats of both registries, for messages and documentation.
const ImportFormats = "`arn:aws:ecr:REGION:ACCOUNT:repository/NAME ACCESS ROLE_ARN` for ECR, " +
	"`projects/PROJECT/locations/LOCATION/repositories/REPOSITORY ACCESS MEMBER` for Artifact Registry " +
	"(three parts separated by single spaces; ACCESS is pull or push; MEMBER is serviceAccount:EMAIL or " +
	"serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA])"

// exampleImportID is a valid import ID quoted in messages.
const exampleImportID = "arn:aws:ecr:eu-central-1:123456789012:repository/zenml-pro-server pull arn:aws:iam::123456789012:role/zenml-pro-pull"

// SplitImportID splits a grant's import ID into its repository, access and member parts, checking
// that there are three parts and that the access is one the grants know.
func SplitImportID(id string) (repository string, access Access, member string, err error) {
	parts := strings.Split(id, " ")
	if len(parts) != 3 {
		return "", "", "", fmt.Errorf("the import ID %q does not have three parts separated by single spaces; give %s, e.g. %q",
			id, ImportFormats, exampleImportID)
	}
	access, err = ParseAccess(parts[1])
	if err != nil {
		return "", "", "", fmt.Errorf("the second part of the import ID: %w", err)
	}
	return parts[0], access, parts[2], nil
}

// ErrUnknownImportID is the error for an import ID whose first part is neither registry's.
func ErrUnknownImportID(id string) error {
	first, _, _ := strings.Cut(id, " ")
	return fmt.Errorf("the first part of the import ID, %q, is neither an ECR repository ARN "+
		"(arn:aws:ecr:REGION:ACCOUNT:repository/NAME) nor an Artifact Registry repository name "+
		"(projects/PROJECT/locations/LOCATION/repositories/REPOSITORY); give %s", first, ImportFormats)
}
