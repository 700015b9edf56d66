// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
)

func sha16(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:16]
}

// The access levels, as the tests of this package name them.
const (
	AccessPull = registryaccess.AccessPull
	AccessPush = registryaccess.AccessPush
)

// Access is an access level.
type Access = registryaccess.Access

// Accesses lists the access levels.
var Accesses = registryaccess.Accesses
