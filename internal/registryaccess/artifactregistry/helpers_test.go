// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import "github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"

// The access levels, as the tests of this package name them.
const (
	AccessPull = registryaccess.AccessPull
	AccessPush = registryaccess.AccessPush
)

// Access is an access level.
type Access = registryaccess.Access
