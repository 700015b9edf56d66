// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Stamp is a fingerprint of what the file system says about every file of the bundle at dir, without
// reading a byte of them: each file's path, size, modification time and, where the system has them,
// its inode and change time (which no tool can set back, unlike the modification time). Two equal
// stamps mean that no file was added, removed, replaced, written or touched in between; a stamp taken
// at a verification lets a later check trust the contents it verified while the stamp holds.
func Stamp(dir string) (string, error) {
	names, err := files(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range append([]string{SumsFile}, names...) {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return "", err
		}
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("%s is not a regular file", f)
		}
		_, _ = fmt.Fprintf(h, "%q %d %d %s\n", f, fi.Size(), fi.ModTime().UnixNano(), statIdentity(fi))
	}
	return "stamp:" + hex.EncodeToString(h.Sum(nil)), nil
}

// CompareStamped is Compare that reads file contents only when it must. SHA256SUMS and manifest.json
// are always read and held to rec. The other files are hashed against SHA256SUMS unless stamp, the
// stamp of the last verification that found them as written, still holds; then their contents are
// trusted. It returns the stamp to keep for the next check: the directory's stamp, taken before the
// contents were hashed, when the bundle is as written, "" when it is not (the next check hashes
// everything again).
func CompareStamped(dir string, rec Record, stamp string) (next string, hashed bool, err error) {
	now, serr := Stamp(dir)
	if serr != nil && !isNotExist(serr) {
		// A file that cannot be stat'ed: the full comparison says what is wrong with it.
		now = ""
	}
	if stamp != "" && now == stamp {
		if err := compareRecorded(dir, rec, nil); err != nil {
			return "", false, err
		}
		return now, false, nil
	}
	if err := Compare(dir, rec); err != nil {
		return "", true, err
	}
	return now, true, nil
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
