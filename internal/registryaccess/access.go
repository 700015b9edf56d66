// Package registryaccess holds the pure logic of registry access grants: editing ECR repository
// policies one statement at a time, editing Artifact Registry IAM policies one member at a time, and
// the retry, locking and caching rules the cloud adapters share. It imports no Terraform and no cloud
// SDK packages.
package registryaccess

import (
	"fmt"
	"slices"
)

// Access is the level of registry access a grant gives.
type Access string

const (
	// AccessPull lets the principal pull images.
	AccessPull Access = "pull"
	// AccessPush lets the principal push and pull images.
	AccessPush Access = "push"
)

// Accesses lists the valid access levels, in documentation order.
var Accesses = []Access{AccessPull, AccessPush}

// ParseAccess returns the Access named by s.
func ParseAccess(s string) (Access, error) {
	for _, a := range Accesses {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("access %q is not one of pull, push (for example \"pull\")", s)
}

var (
	ecrPullActions = []string{
		"ecr:BatchCheckLayerAvailability",
		"ecr:BatchGetImage",
		"ecr:GetDownloadUrlForLayer",
	}
	ecrPushActions = append(append([]string(nil), ecrPullActions...),
		"ecr:CompleteLayerUpload",
		"ecr:InitiateLayerUpload",
		"ecr:PutImage",
		"ecr:UploadLayerPart",
	)
)

// ECRActions returns the ECR actions the access level grants, sorted. The slice is a fresh copy.
func (a Access) ECRActions() []string {
	switch a {
	case AccessPull:
		return append([]string(nil), ecrPullActions...)
	case AccessPush:
		out := append([]string(nil), ecrPushActions...)
		slices.Sort(out)
		return out
	}
	return nil
}

// Artifact Registry roles granted for each access level.
const (
	RoleReader           = "roles/artifactregistry.reader"
	RoleWriter           = "roles/artifactregistry.writer"
	RoleRepoAdmin        = "roles/artifactregistry.repoAdmin"
	RoleAdmin            = "roles/artifactregistry.admin"
	sidPrefixECR         = "ZenMLPro"
	sidHashLength        = 16
	DefaultPolicyVersion = "2012-10-17"
)

// ArtifactRegistryRole returns the role a grant of this access level binds the member to.
func (a Access) ArtifactRegistryRole() string {
	switch a {
	case AccessPull:
		return RoleReader
	case AccessPush:
		return RoleWriter
	}
	return ""
}
