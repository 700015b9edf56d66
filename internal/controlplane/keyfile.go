// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The enrollment key is answered once, by the enrollment. These are the rules of the file it may be
// handed over in: written once, only its owner may read it, never over another file, and removed only
// while it still holds exactly the key that was written (known by its SHA-256).

// KeySHA256 is the hex SHA-256 of an enrollment key: which key was issued, without the key.
func KeySHA256(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// KeyFileProblem says why an enrollment key cannot be written to f ("" when it can): the file exists
// (an enrollment key file is never overwritten), or its directory does not.
func KeyFileProblem(f string) string {
	if _, err := os.Lstat(f); err == nil {
		return fmt.Sprintf("%q exists already, and an enrollment key file is never overwritten: remove it, or name another file", f)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Sprintf("%q cannot be checked: %v", f, err)
	}
	dir := filepath.Dir(f)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Sprintf("the directory %q of %q does not exist: create it first (e.g. a terraform_data with mkdir, or a directory in the module)", dir, f)
	}
	return ""
}

// WriteKeyFile creates f with mode 0600 holding key alone (no newline, so that
// `kubectl create secret generic --from-file` stores it as it is); it never overwrites a file, and
// leaves none behind when the write fails.
func WriteKeyFile(f, key string) error {
	fh, err := os.OpenFile(f, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := fh.WriteString(key); err != nil {
		_ = fh.Close()
		_ = os.Remove(f)
		return err
	}
	if err := fh.Close(); err != nil {
		_ = os.Remove(f)
		return err
	}
	return nil
}

// KeyFileState is what a key file holds compared with the key that was written there.
type KeyFileState int

// States of a key file.
const (
	// KeyFileHoldsKey: the file holds exactly the key of the recorded SHA-256.
	KeyFileHoldsKey KeyFileState = iota
	// KeyFileGone: there is no file.
	KeyFileGone
	// KeyFileOther: the file holds something else.
	KeyFileOther
)

// KeyFileOf compares the file f with the key whose SHA-256 is sum. A file that cannot be read is an
// error.
func KeyFileOf(f, sum string) (KeyFileState, error) {
	data, err := os.ReadFile(f)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return KeyFileGone, nil
	case err != nil:
		return KeyFileOther, err
	case KeySHA256(string(data)) == sum:
		return KeyFileHoldsKey, nil
	}
	return KeyFileOther, nil
}
