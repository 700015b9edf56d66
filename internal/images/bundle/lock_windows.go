// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

//go:build windows

package bundle

import (
	"errors"
	"os"
	"syscall"
)

// errorSharingViolation is ERROR_SHARING_VIOLATION: another handle has the file open.
const errorSharingViolation syscall.Errno = 32

// lockRemovedWhileHeld says whether releaseLock removes the lock file before releasing it.
const lockRemovedWhileHeld = false

// openLock opens the lock file p (creating it with create) for this handle alone; busy when another
// handle has it open. Windows closes the handles of a process that ends, which releases the lock.
func openLock(p string, create bool) (f *os.File, busy bool, err error) {
	name, err := syscall.UTF16PtrFromString(p)
	if err != nil {
		return nil, false, err
	}
	mode := uint32(syscall.OPEN_EXISTING)
	if create {
		mode = syscall.OPEN_ALWAYS
	}
	h, err := syscall.CreateFile(name, syscall.GENERIC_READ|syscall.GENERIC_WRITE, 0, nil, mode, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		if errors.Is(err, errorSharingViolation) {
			return nil, true, nil
		}
		return nil, false, &os.PathError{Op: "open", Path: p, Err: err}
	}
	return os.NewFile(uintptr(h), p), false, nil
}

// closeLock releases the lock and leaves the file.
func closeLock(f *os.File) { _ = f.Close() }

// releaseLock releases the lock, then removes the file (an open file cannot be removed here).
func releaseLock(f *os.File, p string) {
	_ = f.Close()
	_ = os.Remove(p)
}
