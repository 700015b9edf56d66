// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"strings"
	"testing"
)

// FuzzIsDeletedFormOf checks that the deleted form of any member is recognised and that a member
// is never the deleted form of itself.
func FuzzIsDeletedFormOf(f *testing.F) {
	f.Add("serviceAccount:puller@my-project.iam.gserviceaccount.com", "123")
	f.Add("deleted:x?uid=1", "")
	f.Fuzz(func(t *testing.T, member, uid string) {
		if IsDeletedFormOf(member, member) {
			t.Fatalf("%q is its own deleted form", member)
		}
		want := uid != "" && strings.Trim(uid, "0123456789") == ""
		if got := IsDeletedFormOf("deleted:"+member+"?uid="+uid, member); got != want && !strings.Contains(member, "?uid=") {
			t.Fatalf("IsDeletedFormOf(deleted:%s?uid=%s) = %v, want %v", member, uid, got, want)
		}
	})
}
