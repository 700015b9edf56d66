// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package releases

// The top-level key of the workspace server chart (`zenml`). Charts before 0.94.2 read their server
// settings under `zenml:`; charts of 0.94.2 on (ZenML's changelog of 0.94.2, pull request #4637)
// document `server:` and still read `zenml:`, merging both, with `zenml:` winning where both set a key.
// Values for a chart carry the key its version documents.
const (
	WorkspaceChartKeyLegacy = "zenml"
	WorkspaceChartKeyServer = "server"
	// WorkspaceChartServerKeyFrom is the first workspace chart version that documents `server:`.
	WorkspaceChartServerKeyFrom = "0.94.2"
)
