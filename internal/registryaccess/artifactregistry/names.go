// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

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
	ExampleLocation   = "europe-west3"
	ExampleRepository = "zenml-mirror"
)

var (
	locationPattern   = regexp.MustCompile(`^[a-z]+(?:-[a-z]+[0-9]+)?$`)
	zonePattern       = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+-[a-z]$`)
	repositoryPattern = regexp.MustCompile(`^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	namePattern       = regexp.MustCompile(`^projects/([^/]+)/locations/([^/]+)/repositories/([^/]+)$`)
)

// CheckLocation checks an Artifact Registry location: a region such as europe-west3 or a
// multi-region such as europe.
func CheckLocation(s string) error {
	switch {
	case strings.Contains(s, "docker.pkg.dev"):
		return fmt.Errorf("%q is a registry host; give its location alone, e.g. %q for europe-west3-docker.pkg.dev", s, ExampleLocation)
	case zonePattern.MatchString(s):
		return fmt.Errorf("%q is a zone; Artifact Registry repositories live in a region or multi-region, e.g. %q or \"europe\"", s, ExampleLocation)
	case !locationPattern.MatchString(s):
		return fmt.Errorf("%q is not an Artifact Registry location: a region such as %q or a multi-region such as \"europe\", \"us\" or \"asia\"", s, ExampleLocation)
	}
	return nil
}

// CheckRepositoryID checks an Artifact Registry repository id: 1 to 63 lower-case letters, digits
// and hyphens, starting with a letter and not ending with a hyphen.
func CheckRepositoryID(s string) error {
	switch {
	case strings.Contains(s, "/"):
		return fmt.Errorf("%q is a path; give the repository id alone (the last part of projects/P/locations/L/repositories/ID "+
			"or of LOCATION-docker.pkg.dev/PROJECT/ID), e.g. %q", s, ExampleRepository)
	case !repositoryPattern.MatchString(s):
		return fmt.Errorf("%q is not an Artifact Registry repository id: 1 to 63 lower-case letters, digits and hyphens, starting with "+
			"a letter and not ending with a hyphen, e.g. %q", s, ExampleRepository)
	}
	return nil
}

// ID returns the import ID (and resource id) of a grant:
// "projects/P/locations/L/repositories/R <access> <member>".
func (g Grant) ID() string {
	return g.Repository.Name() + " " + string(g.Access) + " " + g.Member
}

// IDFormat is the import ID of an Artifact Registry grant, for messages and documentation.
const IDFormat = "`projects/PROJECT/locations/LOCATION/repositories/REPOSITORY ACCESS MEMBER` (MEMBER is serviceAccount:EMAIL or " +
	"serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA])"

// Imported is a grant read from an import ID, with the principal as the resource's schema holds it:
// exactly one of WorkloadIdentity and ServiceAccount is set.
type Imported struct {
	Grant            Grant
	WorkloadIdentity *principal.WorkloadIdentity
	ServiceAccount   string
}

// ParseID reads the import ID of an Artifact Registry grant (see IDFormat) and checks each part with
// the rules the resource's attributes follow. ok is false when the ID is not an Artifact Registry
// grant's (its first part is not a repository name); err is then nil.
func ParseID(id string) (out Imported, ok bool, err error) {
	repoPart, access, member, err := registryaccess.SplitImportID(id)
	if err != nil {
		return Imported{}, namePattern.MatchString(strings.SplitN(id, " ", 2)[0]), err
	}
	m := namePattern.FindStringSubmatch(repoPart)
	if m == nil {
		return Imported{}, false, nil
	}
	repo := Repository{Project: m[1], Location: m[2], Repository: m[3]}
	if err := principal.CheckGCPProjectID(repo.Project); err != nil {
		return Imported{}, true, fmt.Errorf("the project of %q: %w", repoPart, err)
	}
	if err := CheckLocation(repo.Location); err != nil {
		return Imported{}, true, fmt.Errorf("the location of %q: %w", repoPart, err)
	}
	if err := CheckRepositoryID(repo.Repository); err != nil {
		return Imported{}, true, fmt.Errorf("the repository of %q: %w", repoPart, err)
	}
	out = Imported{Grant: Grant{Repository: repo, Access: access}}
	if wi, err := principal.ParseWorkloadIdentityMember(member); err == nil {
		out.WorkloadIdentity = &wi
		out.Grant.Member = wi.Member()
		return out, true, nil
	}
	email, found := strings.CutPrefix(member, "serviceAccount:")
	if !found {
		return Imported{}, true, fmt.Errorf("the third part of the import ID, %q, is not a member serviceAccount:EMAIL or "+
			"serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]; e.g. %q", member, "serviceAccount:"+principal.ExampleGCPServiceAccount)
	}
	sa, err := principal.ParseGCPServiceAccount(email)
	if err != nil {
		return Imported{}, true, fmt.Errorf("the third part of the import ID: %w", err)
	}
	out.ServiceAccount = sa.Email
	out.Grant.Member = sa.Member()
	return out, true, nil
}

// Member returns the IAM member an Artifact Registry grant binds: a service account or a GKE
// Workload Identity member. A malformed value is returned as the parser's *principal.Error, a broken
// rule as *inputerr.Error.
func Member(in principal.Input) (string, error) {
	if err := registryaccess.CheckOnePrincipal(in); err != nil {
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
	return "", inputerr.New(principal.InputPrincipal, "Principal Does Not Fit Registry",
		"an Artifact Registry repository grants access to Google identities: set principal.gcp_service_account (e.g. %q) or "+
			"principal.gke_workload_identity. For an AWS IAM role, grant on an ECR repository (ecr)", principal.ExampleGCPServiceAccount)
}
