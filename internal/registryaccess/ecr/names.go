// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// Examples of valid names, used in messages and descriptions.
const (
	ExampleRepository = "zenml-pro-server"
	ExampleRegistryID = "123456789012"
)

var (
	repositoryPattern    = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	registryIDPattern    = regexp.MustCompile(`^[0-9]{12}$`)
	repositoryARNPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):ecr:([a-z0-9-]+):([0-9]{12}):repository/(.+)$`)
)

// CheckRepositoryName checks an ECR repository name: 2 to 256 characters, lower-case letters,
// digits and the separators . _ - between them, in /-separated namespaces. A repository URI, an
// ARN or a tag gets a hint to give the name alone.
func CheckRepositoryName(s string) error {
	switch {
	case strings.HasPrefix(s, "arn:"):
		return fmt.Errorf("%q is an ARN; give the repository name alone (the part after \":repository/\"), e.g. %q", s, ExampleRepository)
	case strings.Contains(s, ".dkr.ecr.") || strings.Contains(s, ".amazonaws.com"):
		return fmt.Errorf("%q is a repository URI; give the repository name alone (the part after the registry host), e.g. %q", s, ExampleRepository)
	case strings.ContainsAny(s, ":@"):
		return fmt.Errorf("%q holds a tag or digest; give the repository name without it, e.g. %q", s, ExampleRepository)
	case len(s) < 2 || len(s) > 256:
		return fmt.Errorf("%q is not 2 to 256 characters long; e.g. %q", s, ExampleRepository)
	case !repositoryPattern.MatchString(s):
		return fmt.Errorf("%q is not an ECR repository name: lower-case letters and digits, separated by single '.', '_' or '-', "+
			"in namespaces separated by '/', e.g. %q or \"zenml/%s\"", s, ExampleRepository, ExampleRepository)
	}
	return nil
}

// CheckRegistryID checks an ECR registry id: the 12-digit AWS account id.
func CheckRegistryID(s string) error {
	if !registryIDPattern.MatchString(s) {
		return fmt.Errorf("%q is not a registry id: the 12-digit AWS account id of the registry, e.g. %q", s, ExampleRegistryID)
	}
	return nil
}

// ID returns the import ID (and resource id) of a grant: "<repository ARN> <access> <role ARN>".
// Repository.RegistryID must be set.
func (g Grant) ID() string {
	return g.Repository.ARN() + " " + string(g.Access) + " " + g.PrincipalARN
}

// IDFormat is the import ID of an ECR grant, for messages and documentation.
const IDFormat = "`arn:aws:ecr:REGION:ACCOUNT:repository/NAME ACCESS ROLE_ARN`"

// ParseID reads the import ID of an ECR grant (see IDFormat) and checks each part with the rules the
// resource's attributes follow. ok is false when the ID is not an ECR grant's (its first part is not
// an ECR repository ARN); err is then nil.
func ParseID(id string) (g Grant, ok bool, err error) {
	repoPart, access, member, err := registryaccess.SplitImportID(id)
	if err != nil {
		return Grant{}, repositoryARNPattern.MatchString(strings.SplitN(id, " ", 2)[0]), err
	}
	m := repositoryARNPattern.FindStringSubmatch(repoPart)
	if m == nil {
		return Grant{}, false, nil
	}
	repo := Repository{Region: m[2], RegistryID: m[3], Name: m[4]}
	if err := CheckAWSRegion(repo.Region); err != nil {
		return Grant{}, true, fmt.Errorf("the repository ARN %q: %w", repoPart, err)
	}
	if repo.Partition() != m[1] {
		return Grant{}, true, fmt.Errorf("the repository ARN %q names partition %s, but region %s is in partition %s", repoPart, m[1], repo.Region, repo.Partition())
	}
	if err := CheckRepositoryName(repo.Name); err != nil {
		return Grant{}, true, fmt.Errorf("the repository ARN %q: %w", repoPart, err)
	}
	role, err := principal.ParseAWSRoleARN(member)
	if err != nil {
		return Grant{}, true, fmt.Errorf("the third part of the import ID: %w", err)
	}
	if role.Partition != repo.Partition() {
		return Grant{}, true, fmt.Errorf("the role %s is in partition %s but the repository is in %s: a policy cannot grant across partitions",
			role.ARN(), role.Partition, repo.Partition())
	}
	return Grant{Repository: repo, PrincipalARN: role.ARN(), Access: access}, true, nil
}

// Role returns the IAM role an ECR grant is for: the principal must be a role ARN, in the partition
// of the repository's region. region "" (not known yet) skips the partition rule. A malformed ARN is
// returned as the parser's *principal.Error, a broken rule as *inputerr.Error.
func Role(in principal.Input, region string) (principal.AWSRole, error) {
	if err := registryaccess.CheckOnePrincipal(in); err != nil {
		return principal.AWSRole{}, err
	}
	if in.AWSIAMRoleARN == nil {
		return principal.AWSRole{}, inputerr.New(principal.InputPrincipal, "Principal Does Not Fit Registry",
			"an ECR repository policy grants access to AWS principals: set principal.aws_iam_role_arn, e.g. %q. For a GCP service "+
				"account or GKE Workload Identity, grant on an Artifact Registry repository (artifact_registry)", principal.ExampleAWSRoleARN)
	}
	role, err := principal.ParseAWSRoleARN(*in.AWSIAMRoleARN)
	if err != nil {
		return role, err
	}
	if want := PartitionOfRegion(region); region != "" && role.Partition != want {
		return role, inputerr.New(principal.InputAWSIAMRoleARN, "Partition Mismatch",
			"the role is in partition %s but region %s is in partition %s; a repository policy cannot grant across partitions. "+
				"Use a role of partition %s, e.g. %q", role.Partition, region, want, want,
			strings.Replace(principal.ExampleAWSRoleARN, "arn:aws:", "arn:"+want+":", 1))
	}
	return role, nil
}
