// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package releases

import "testing"

func TestWorkspaceChartValuesKey(t *testing.T) {
	for _, tc := range []struct{ version, want string }{
		{"0.93.2", "zenml"},
		{"0.94.9", "zenml"},
		{"0.85.0", "zenml"},
		{"0.95.0", "server"},
		{"0.95.1", "server"},
		{"1.0.0", "server"},
	} {
		got, err := WorkspaceChartValuesKey(tc.version)
		if err != nil || got != tc.want {
			t.Errorf("WorkspaceChartValuesKey(%q) = %q, %v; want %q", tc.version, got, err, tc.want)
		}
	}
	if _, err := WorkspaceChartValuesKey("0.95"); err == nil {
		t.Error("WorkspaceChartValuesKey(\"0.95\") accepted a version that is not an exact release")
	}
}
