// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// What a write of the bundle at <parent>/<base> puts beside it, and an interrupted write (the
// provider killed) leaves there:
//
//	.<base>.partial-<digits>           the bundle being built
//	.<base>.partial-<digits>.previous  the previous bundle, moved aside while the new one is put in place
//	.<base>.lock                       the lock every write and removal holds, removed at its end
const partialInfix = ".partial-"

// partialSuffix is what follows the infix in a staging directory's name.
var partialSuffix = regexp.MustCompile(`^[0-9]+(\.previous)?$`)

func stagePrefix(dir string) string { return "." + filepath.Base(dir) + partialInfix }

func lockPath(dir string) string {
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".lock")
}

// BusyError says that another write or removal of the bundle at Dir holds its lock.
type BusyError struct {
	Dir, Lock string
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("another write of the bundle at %s is under way (a running process holds %s): two resources, or two "+
		"configurations, name this directory, and a directory holds one bundle; give each its own directory, or wait for the "+
		"other apply to end", e.Dir, e.Lock)
}

// dirLock is the lock of a bundle directory, held by one write or removal at a time. The operating
// system releases it when its process ends, so a lock file nobody holds is a leftover.
type dirLock struct {
	f    *os.File
	path string
}

// lockWait is how long acquire waits for a lock that is held: a refresh that looks for leftovers
// holds it for a moment, a write for as long as it runs.
const lockWait = 2 * time.Second

// acquire takes the lock of the bundle at dir, or returns a *BusyError when a running process holds it
// for longer than lockWait.
func acquire(dir string) (*dirLock, error) {
	p := lockPath(dir)
	deadline := time.Now().Add(lockWait)
	for {
		f, busy, err := openLock(p, true)
		if err != nil {
			return nil, fmt.Errorf("locking the bundle at %s: %w", dir, err)
		}
		if busy {
			if time.Now().After(deadline) {
				return nil, &BusyError{Dir: dir, Lock: p}
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		// A write that ends removes its lock file while holding it: the lock is the file at p, not one
		// removed since it was opened.
		if lockRemovedWhileHeld && !isFile(f, p) {
			closeLock(f)
			continue
		}
		return &dirLock{f: f, path: p}, nil
	}
}

// isFile reports whether f is the file at p.
func isFile(f *os.File, p string) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(p)
	return err == nil && os.SameFile(fi, now)
}

// release removes the lock file and releases the lock.
func (l *dirLock) release() { releaseLock(l.f, l.path) }

// Leftovers lists, as paths, what interrupted writes of the bundle at dir left beside it: a bundle
// being built, a previous bundle moved aside, the lock file. While a write is under way (a running
// process holds the lock) nothing is a leftover and nothing is listed. Leftovers never count as the
// bundle; the next write, or a removal, removes them.
func Leftovers(dir string) ([]string, error) {
	p := lockPath(dir)
	f, busy, err := openLock(p, false)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case busy:
		return nil, nil
	default:
		defer closeLock(f)
	}
	out, err := staged(dir)
	if err != nil {
		return nil, err
	}
	if f != nil {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// staged lists the staging directories (and previous bundles moved aside) beside dir.
func staged(dir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Dir(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	prefix := stagePrefix(dir)
	var out []string
	for _, e := range entries {
		if rest, ok := strings.CutPrefix(e.Name(), prefix); ok && partialSuffix.MatchString(rest) {
			out = append(out, filepath.Join(filepath.Dir(dir), e.Name()))
		}
	}
	return out, nil
}

// removeLeftovers removes the staging directories beside dir; the caller holds the lock.
func removeLeftovers(dir string) error {
	left, err := staged(dir)
	if err != nil {
		return err
	}
	for _, p := range left {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("removing %s, left by an interrupted write of the bundle: %w", p, err)
		}
	}
	return nil
}

// Clean removes what interrupted writes of the bundle at dir left beside it (see Leftovers) and
// returns it; the bundle itself is not touched. A write under way is a *BusyError.
func Clean(dir string) ([]string, error) {
	left, err := Leftovers(dir)
	if err != nil || len(left) == 0 {
		return nil, err
	}
	lk, err := acquire(dir)
	if err != nil {
		return nil, err
	}
	defer lk.release()
	return left, removeLeftovers(dir)
}
