// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bundle

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FileError says that a file of a bundle does not match SHA256SUMS: changed, missing, or not listed.
type FileError struct {
	// File is relative to the bundle, with slashes.
	File    string
	Problem string
}

func (e *FileError) Error() string { return e.File + ": " + e.Problem }

// Problems of a FileError.
const (
	ProblemChanged  = "changed since the bundle was written (its SHA-256 differs from SHA256SUMS)"
	ProblemMissing  = "listed in SHA256SUMS but missing"
	ProblemExtra    = "not listed in SHA256SUMS: a file was added to the bundle"
	ProblemNotBlobs = "unreadable"
)

// VerifyError lists every file of a bundle that does not match SHA256SUMS.
type VerifyError struct {
	Dir   string
	Files []*FileError
}

func (e *VerifyError) Error() string {
	parts := make([]string, len(e.Files))
	for i, f := range e.Files {
		parts[i] = f.Error()
	}
	return fmt.Sprintf("the bundle %s does not match its %s: %s", e.Dir, SumsFile, strings.Join(parts, "; "))
}

// Read verifies every file of the bundle at dir against SHA256SUMS (a changed, missing or extra file
// is a *VerifyError naming each) and returns its manifest.
func Read(dir string) (Manifest, error) {
	if err := Verify(dir); err != nil {
		return Manifest{}, err
	}
	return readManifest(dir)
}

// ReadManifest returns the manifest of the bundle at dir without verifying its files.
func ReadManifest(dir string) (Manifest, error) { return readManifest(dir) }

func readManifest(dir string) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return Manifest{}, fmt.Errorf("%s holds no bundle: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("%s of %s cannot be read: %w", ManifestFile, dir, err)
	}
	if m.FormatVersion != FormatVersion {
		return Manifest{}, fmt.Errorf("%s of %s has format_version %d; this provider reads version %d", ManifestFile, dir, m.FormatVersion, FormatVersion)
	}
	return m, nil
}

// Verify checks every file of the bundle at dir against SHA256SUMS.
func Verify(dir string) error {
	listed, err := readSums(dir)
	if err != nil {
		return err
	}
	present, err := files(dir)
	if err != nil {
		return err
	}
	verr := &VerifyError{Dir: dir}
	for _, f := range present {
		want, ok := listed[f]
		if !ok {
			verr.Files = append(verr.Files, &FileError{File: f, Problem: ProblemExtra})
			continue
		}
		delete(listed, f)
		got, err := sum(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			verr.Files = append(verr.Files, &FileError{File: f, Problem: ProblemNotBlobs + ": " + err.Error()})
			continue
		}
		if got != want {
			verr.Files = append(verr.Files, &FileError{File: f, Problem: ProblemChanged})
		}
	}
	for f := range listed {
		verr.Files = append(verr.Files, &FileError{File: f, Problem: ProblemMissing})
	}
	if len(verr.Files) == 0 {
		return nil
	}
	sort.Slice(verr.Files, func(i, j int) bool { return verr.Files[i].File < verr.Files[j].File })
	return verr
}

// readSums reads SHA256SUMS as sha256sum writes it: "<hex>  <path>" per line.
func readSums(dir string) (map[string]string, error) {
	f, err := os.Open(filepath.Join(dir, SumsFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s holds no %s: it is no bundle, or an incomplete copy of one", dir, SumsFile)
		}
		return nil, err
	}
	defer func() { _ = f.Close() }()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		hexSum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(hexSum) != sha256.Size*2 {
			return nil, fmt.Errorf("%s line %d is not \"<sha256>  <file>\"", SumsFile, n)
		}
		out[name] = hexSum
	}
	return out, sc.Err()
}

// files lists the regular files of dir but SHA256SUMS, relative with slashes, sorted.
func files(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != SumsFile {
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func sum(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeSums writes SHA256SUMS of every file of dir, as `sha256sum -c` reads it from dir.
func writeSums(dir string) error {
	fs, err := files(dir)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, f := range fs {
		s, err := sum(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		b.WriteString(s + "  " + f + "\n")
	}
	return os.WriteFile(filepath.Join(dir, SumsFile), []byte(b.String()), 0o644)
}

// Remove deletes the bundle at dir: the files SHA256SUMS lists and SHA256SUMS, then the directories
// left empty. Files it does not list are kept and returned: a bundle's removal never deletes what
// somebody else put there.
func Remove(dir string) (kept []string, err error) {
	listed, err := readSums(dir)
	if err != nil {
		return nil, err
	}
	present, err := files(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range present {
		if _, ok := listed[f]; !ok {
			kept = append(kept, f)
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(f))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return kept, err
		}
	}
	if err := os.Remove(filepath.Join(dir, SumsFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return kept, err
	}
	// Empty directories go, deepest first; a directory with kept files stays.
	var dirs []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		_ = os.Remove(dirs[i]) // fails, as it should, on a directory that is not empty
	}
	return kept, nil
}
