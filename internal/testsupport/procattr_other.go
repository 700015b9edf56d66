// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

//go:build !linux

package testsupport

import "syscall"

// childProcAttr has nothing to add outside Linux.
func childProcAttr() *syscall.SysProcAttr { return nil }
