// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package registryaccess is what registry access grants have in common, whatever the cloud: the
// access levels, what a grant's create, read and destroy report, the Grant interface that the cloud
// packages implement, the retry options they share, and the rules of a grant's configuration.
//
// One folder per cloud holds the rest: ecr/ (repository policy statements, the ECR API, AWS clients)
// and artifactregistry/ (IAM policy members, the Artifact Registry API, Google clients). principal/
// parses the identities granted; accessrequest/ builds the request for access to ZenML's own
// registries. None of them knows Terraform: the provider package adapts them.
package registryaccess

import "fmt"

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
