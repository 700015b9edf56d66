// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package bundle

import "os"

// lockRemovedWhileHeld says whether releaseLock removes the lock file before releasing it.
const lockRemovedWhileHeld = false

// openLock opens the lock file p (creating it with create). These systems have no file lock the
// provider uses: a write is never told of another one under way.
func openLock(p string, create bool) (f *os.File, busy bool, err error) {
	flag := os.O_RDONLY
	if create {
		flag = os.O_RDWR | os.O_CREATE
	}
	f, err = os.OpenFile(p, flag, 0o644)
	return f, false, err
}

func closeLock(f *os.File) { _ = f.Close() }

func releaseLock(f *os.File, p string) {
	_ = f.Close()
	_ = os.Remove(p)
}
