// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

//go:build !linux

package bundle

import "os"

// statIdentity is empty where the change time is not read portably: the stamp then rests on the path,
// size and modification time.
func statIdentity(os.FileInfo) string { return "" }
