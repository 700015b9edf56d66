// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package bundle

import (
	"errors"
	"os"
	"syscall"
)

// lockRemovedWhileHeld says whether releaseLock removes the lock file before releasing it.
const lockRemovedWhileHeld = true

// openLock opens the lock file p (creating it with create) and takes its lock without waiting; busy
// when another open file holds it. The lock is flock(2)'s, which the kernel releases when its
// holder's process ends.
func openLock(p string, create bool) (f *os.File, busy bool, err error) {
	flag := os.O_RDONLY
	if create {
		flag = os.O_RDWR | os.O_CREATE
	}
	f, err = os.OpenFile(p, flag, 0o644)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, true, nil
		}
		return nil, false, err
	}
	return f, false, nil
}

// closeLock releases the lock and leaves the file.
func closeLock(f *os.File) { _ = f.Close() }

// releaseLock removes the lock file while still holding it, then releases it.
func releaseLock(f *os.File, p string) {
	_ = os.Remove(p)
	_ = f.Close()
}
