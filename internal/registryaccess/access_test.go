// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package registryaccess

import (
	"strings"
	"testing"
)

func TestParseAccess(t *testing.T) {
	if _, err := ParseAccess("read"); err == nil || !strings.Contains(err.Error(), "pull, push") {
		t.Fatalf("ParseAccess(read) error = %v", err)
	}
	for _, a := range Accesses {
		if got, err := ParseAccess(string(a)); err != nil || got != a {
			t.Fatalf("ParseAccess(%s) = %v, %v", a, got, err)
		}
	}
}
