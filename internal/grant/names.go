package grant

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/cloud"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// Examples of valid repository names, used in messages and descriptions.
const (
	ExampleECRRepository = "zenml-pro-server"
	ExampleRegistryID    = "123456789012"
	ExampleARLocation    = "europe-west3"
	ExampleARRepository  = "zenml-mirror"
)

var (
	ecrRepositoryPattern = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	registryIDPattern    = regexp.MustCompile(`^[0-9]{12}$`)
	arLocationPattern    = regexp.MustCompile(`^[a-z]+(?:-[a-z]+[0-9]+)?$`)
	arZonePattern        = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+-[a-z]$`)
	arRepositoryPattern  = regexp.MustCompile(`^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
)

// CheckECRRepositoryName checks an ECR repository name: 2 to 256 characters, lower-case letters,
// digits and the separators . _ - between them, in /-separated namespaces. A repository URI, an
// ARN or a tag gets a hint to give the name alone.
func CheckECRRepositoryName(s string) error {
	switch {
	case strings.HasPrefix(s, "arn:"):
		return fmt.Errorf("%q is an ARN; give the repository name alone (the part after \":repository/\"), e.g. %q", s, ExampleECRRepository)
	case strings.Contains(s, ".dkr.ecr.") || strings.Contains(s, ".amazonaws.com"):
		return fmt.Errorf("%q is a repository URI; give the repository name alone (the part after the registry host), e.g. %q", s, ExampleECRRepository)
	case strings.ContainsAny(s, ":@"):
		return fmt.Errorf("%q holds a tag or digest; give the repository name without it, e.g. %q", s, ExampleECRRepository)
	case len(s) < 2 || len(s) > 256:
		return fmt.Errorf("%q is not 2 to 256 characters long; e.g. %q", s, ExampleECRRepository)
	case !ecrRepositoryPattern.MatchString(s):
		return fmt.Errorf("%q is not an ECR repository name: lower-case letters and digits, separated by single '.', '_' or '-', "+
			"in namespaces separated by '/', e.g. %q or \"zenml/%s\"", s, ExampleECRRepository, ExampleECRRepository)
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

// CheckARLocation checks an Artifact Registry location: a region such as europe-west3 or a
// multi-region such as europe.
func CheckARLocation(s string) error {
	switch {
	case strings.Contains(s, "docker.pkg.dev"):
		return fmt.Errorf("%q is a registry host; give its location alone, e.g. %q for europe-west3-docker.pkg.dev", s, ExampleARLocation)
	case arZonePattern.MatchString(s):
		return fmt.Errorf("%q is a zone; Artifact Registry repositories live in a region or multi-region, e.g. %q or \"europe\"", s, ExampleARLocation)
	case !arLocationPattern.MatchString(s):
		return fmt.Errorf("%q is not an Artifact Registry location: a region such as %q or a multi-region such as \"europe\", \"us\" or \"asia\"", s, ExampleARLocation)
	}
	return nil
}

// CheckARRepositoryID checks an Artifact Registry repository id: 1 to 63 lower-case letters, digits
// and hyphens, starting with a letter and not ending with a hyphen.
func CheckARRepositoryID(s string) error {
	switch {
	case strings.Contains(s, "/"):
		return fmt.Errorf("%q is a path; give the repository id alone (the last part of projects/P/locations/L/repositories/ID "+
			"or of LOCATION-docker.pkg.dev/PROJECT/ID), e.g. %q", s, ExampleARRepository)
	case !arRepositoryPattern.MatchString(s):
		return fmt.Errorf("%q is not an Artifact Registry repository id: 1 to 63 lower-case letters, digits and hyphens, starting with "+
			"a letter and not ending with a hyphen, e.g. %q", s, ExampleARRepository)
	}
	return nil
}

// ImportID is a parsed import ID of a grant: exactly one of ECR and AR is set.
type ImportID struct {
	ECR *ECRGrant
	AR  *ARGrant
	// WorkloadIdentity is set when the AR member is a GKE Workload Identity member; ServiceAccount
	// when it is a service account e-mail.
	WorkloadIdentity *principal.WorkloadIdentity
	ServiceAccount   string
}

// ID returns the import ID (and resource id) of an ECR grant:
// "<repository ARN> <access> <role ARN>". Repository.RegistryID must be set.
func (g ECRGrant) ID() string {
	return g.Repository.ARN() + " " + string(g.Access) + " " + g.PrincipalARN
}

// ID returns the import ID (and resource id) of an Artifact Registry grant:
// "projects/P/locations/L/repositories/R <access> <member>".
func (g ARGrant) ID() string {
	return g.Repository.Name() + " " + string(g.Access) + " " + g.Member
}

// ImportFormats describes the import ID formats, for messages and documentation.
const ImportFormats = "`arn:aws:ecr:REGION:ACCOUNT:repository/NAME ACCESS ROLE_ARN` for ECR, " +
	"`projects/PROJECT/locations/LOCATION/repositories/REPOSITORY ACCESS MEMBER` for Artifact Registry " +
	"(three parts separated by single spaces; ACCESS is pull or push; MEMBER is serviceAccount:EMAIL or " +
	"serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA])"

var (
	ecrRepositoryARNPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):ecr:([a-z0-9-]+):([0-9]{12}):repository/(.+)$`)
	arNamePattern           = regexp.MustCompile(`^projects/([^/]+)/locations/([^/]+)/repositories/([^/]+)$`)
)

// ParseImportID reads an import ID (see ImportFormats) and checks each part with the rules the
// resource's attributes follow.
func ParseImportID(id string) (ImportID, error) {
	parts := strings.Split(id, " ")
	if len(parts) != 3 {
		return ImportID{}, fmt.Errorf("the import ID %q does not have three parts separated by single spaces; give %s, e.g. %q",
			id, ImportFormats, "arn:aws:ecr:eu-central-1:123456789012:repository/zenml-pro-server pull "+principal.ExampleAWSRoleARN)
	}
	access, err := registryaccess.ParseAccess(parts[1])
	if err != nil {
		return ImportID{}, fmt.Errorf("the second part of the import ID: %w", err)
	}
	if m := ecrRepositoryARNPattern.FindStringSubmatch(parts[0]); m != nil {
		repo := ECRRepository{Region: m[2], RegistryID: m[3], Name: m[4]}
		if err := cloud.CheckAWSRegion(repo.Region); err != nil {
			return ImportID{}, fmt.Errorf("the repository ARN %q: %w", parts[0], err)
		}
		if repo.Partition() != m[1] {
			return ImportID{}, fmt.Errorf("the repository ARN %q names partition %s, but region %s is in partition %s", parts[0], m[1], repo.Region, repo.Partition())
		}
		if err := CheckECRRepositoryName(repo.Name); err != nil {
			return ImportID{}, fmt.Errorf("the repository ARN %q: %w", parts[0], err)
		}
		role, err := principal.ParseAWSRoleARN(parts[2])
		if err != nil {
			return ImportID{}, fmt.Errorf("the third part of the import ID: %w", err)
		}
		if role.Partition != repo.Partition() {
			return ImportID{}, fmt.Errorf("the role %s is in partition %s but the repository is in %s: a policy cannot grant across partitions",
				role.ARN(), role.Partition, repo.Partition())
		}
		return ImportID{ECR: &ECRGrant{Repository: repo, PrincipalARN: role.ARN(), Access: access}}, nil
	}
	if m := arNamePattern.FindStringSubmatch(parts[0]); m != nil {
		repo := ARRepository{Project: m[1], Location: m[2], Repository: m[3]}
		if err := principal.CheckGCPProjectID(repo.Project); err != nil {
			return ImportID{}, fmt.Errorf("the project of %q: %w", parts[0], err)
		}
		if err := CheckARLocation(repo.Location); err != nil {
			return ImportID{}, fmt.Errorf("the location of %q: %w", parts[0], err)
		}
		if err := CheckARRepositoryID(repo.Repository); err != nil {
			return ImportID{}, fmt.Errorf("the repository of %q: %w", parts[0], err)
		}
		out := ImportID{AR: &ARGrant{Repository: repo, Access: access}}
		if wi, err := principal.ParseWorkloadIdentityMember(parts[2]); err == nil {
			out.WorkloadIdentity = &wi
			out.AR.Member = wi.Member()
			return out, nil
		}
		email, ok := strings.CutPrefix(parts[2], "serviceAccount:")
		if !ok {
			return ImportID{}, fmt.Errorf("the third part of the import ID, %q, is not a member serviceAccount:EMAIL or "+
				"serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]; e.g. %q", parts[2], "serviceAccount:"+principal.ExampleGCPServiceAccount)
		}
		sa, err := principal.ParseGCPServiceAccount(email)
		if err != nil {
			return ImportID{}, fmt.Errorf("the third part of the import ID: %w", err)
		}
		out.ServiceAccount = sa.Email
		out.AR.Member = sa.Member()
		return out, nil
	}
	return ImportID{}, fmt.Errorf("the first part of the import ID, %q, is neither an ECR repository ARN "+
		"(arn:aws:ecr:REGION:ACCOUNT:repository/NAME) nor an Artifact Registry repository name "+
		"(projects/PROJECT/locations/LOCATION/repositories/REPOSITORY); give %s", parts[0], ImportFormats)
}
