// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package releases

import (
	goversion "github.com/hashicorp/go-version"
)

// The top-level key of the workspace server chart (`zenml`). Charts before 0.95.0 read their server
// settings under `zenml:`; charts of 0.95.0 on document `server:` and still read `zenml:`, which wins
// when both are set. Values for a chart carry the key its version documents.
const (
	WorkspaceChartKeyLegacy = "zenml"
	WorkspaceChartKeyServer = "server"
	// WorkspaceChartServerKeyFrom is the first workspace chart version that documents `server:`.
	WorkspaceChartServerKeyFrom = "0.95.0"
)

var serverKeyFrom = goversion.Must(goversion.NewVersion(WorkspaceChartServerKeyFrom))

// WorkspaceChartValuesKey is the top-level key of the server settings in the values of the workspace
// server chart of the given version: "zenml" before 0.95.0, "server" from 0.95.0 on. The version must be
// an exact release number (ParseVersion's error is returned unchanged).
func WorkspaceChartValuesKey(version string) (string, error) {
	v, err := ParseVersion(version)
	if err != nil {
		return "", err
	}
	if v.LessThan(serverKeyFrom) {
		return WorkspaceChartKeyLegacy, nil
	}
	return WorkspaceChartKeyServer, nil
}
