// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import "testing"

func TestCheckGRPCEndpoint(t *testing.T) {
	for _, s := range []string{"artifactregistry.googleapis.com:443", "127.0.0.1:50051", "[::1]:50051"} {
		if err := CheckGRPCEndpoint(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"artifactregistry.googleapis.com", "https://a:443", ":443", "a:0", "a:70000", "a:b"} {
		if err := CheckGRPCEndpoint(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
