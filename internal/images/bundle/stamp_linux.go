// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

//go:build linux

package bundle

import (
	"fmt"
	"os"
	"syscall"
)

// statIdentity is the file's device, inode and change time: a file replaced (even by one of the same
// size and modification time) or written and touched back has another.
func statIdentity(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%d:%d:%d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
}
