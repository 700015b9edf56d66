// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bundle

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// FileError says that a file of a bundle does not match SHA256SUMS: changed, missing, not listed, or
// listed twice.
type FileError struct {
	// File is relative to the bundle, with slashes.
	File    string
	Problem string
}

func (e *FileError) Error() string { return e.File + ": " + e.Problem }

// Problems of a FileError.
const (
	ProblemChanged   = "changed since the bundle was written (its SHA-256 differs from SHA256SUMS)"
	ProblemMissing   = "listed in SHA256SUMS but missing"
	ProblemExtra     = "not listed in SHA256SUMS: a file was added to the bundle"
	ProblemDuplicate = "listed more than once in SHA256SUMS: a bundle lists each file once, and a second line is a second claim about its content"
	ProblemNotBlobs  = "unreadable"
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

// Record is what the writer of a bundle keeps to know it again: the digests ("sha256:<hex>") of
// SHA256SUMS, which names the content of every other file, and of manifest.json.
type Record struct {
	SumsDigest     string
	ManifestDigest string
}

// Written is a bundle as its files say: its manifest, manifest.json byte for byte, and their record.
type Written struct {
	Manifest     Manifest
	ManifestJSON string
	Record       Record
}

// Digest is "sha256:" and the SHA-256 of b, as a Record holds it.
func Digest(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// Read verifies every file of the bundle at dir against SHA256SUMS (a changed, missing, extra or
// twice-listed file is a *VerifyError naming each) and returns it, with the record of the very
// SHA256SUMS and manifest.json it verified.
func Read(dir string) (Written, error) {
	sums, err := loadSums(dir)
	if err != nil {
		return Written{}, err
	}
	if err := verifySums(dir, sums); err != nil {
		return Written{}, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return Written{}, fmt.Errorf("%s holds no bundle: %w", dir, err)
	}
	// manifest.json is one of the files SHA256SUMS lists: what was read is what was verified.
	if !listedWith(sums, ManifestFile, raw) {
		return Written{}, &VerifyError{Dir: dir, Files: []*FileError{{File: ManifestFile, Problem: ProblemChanged}}}
	}
	m, err := parseManifest(dir, raw)
	if err != nil {
		return Written{}, err
	}
	return Written{Manifest: m, ManifestJSON: string(raw), Record: Record{SumsDigest: Digest(sums), ManifestDigest: Digest(raw)}}, nil
}

// listedWith reports whether SHA256SUMS lists file with the SHA-256 of content.
func listedWith(sums []byte, file string, content []byte) bool {
	listed, _, err := parseSums(sums)
	h := sha256.Sum256(content)
	return err == nil && listed[file] == hex.EncodeToString(h[:])
}

// ReadManifest returns the manifest of the bundle at dir without verifying its files.
func ReadManifest(dir string) (Manifest, error) { return readManifest(dir) }

func readManifest(dir string) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return Manifest{}, fmt.Errorf("%s holds no bundle: %w", dir, err)
	}
	return parseManifest(dir, b)
}

func parseManifest(dir string, b []byte) (Manifest, error) {
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
	sums, err := loadSums(dir)
	if err != nil {
		return err
	}
	return verifySums(dir, sums)
}

// verifySums checks every file of dir against sums, the content of its SHA256SUMS.
func verifySums(dir string, sums []byte) error {
	listed, dups, err := parseSums(sums)
	if err != nil {
		return err
	}
	present, err := files(dir)
	if err != nil {
		return err
	}
	verr := &VerifyError{Dir: dir}
	for _, f := range dups {
		verr.Files = append(verr.Files, &FileError{File: f, Problem: ProblemDuplicate})
	}
	var toHash []string
	for _, f := range present {
		if _, ok := listed[f]; !ok {
			verr.Files = append(verr.Files, &FileError{File: f, Problem: ProblemExtra})
			continue
		}
		toHash = append(toHash, f)
	}
	got, errs := sumFiles(dir, toHash)
	for i, f := range toHash {
		want := listed[f]
		delete(listed, f)
		if errs[i] != nil {
			verr.Files = append(verr.Files, &FileError{File: f, Problem: ProblemNotBlobs + ": " + errs[i].Error()})
			continue
		}
		if got[i] != want {
			verr.Files = append(verr.Files, &FileError{File: f, Problem: ProblemChanged})
		}
	}
	for f := range listed {
		verr.Files = append(verr.Files, &FileError{File: f, Problem: ProblemMissing})
	}
	if len(verr.Files) == 0 {
		return nil
	}
	sort.SliceStable(verr.Files, func(i, j int) bool { return verr.Files[i].File < verr.Files[j].File })
	return verr
}

// loadSums reads SHA256SUMS of the bundle at dir.
func loadSums(dir string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s holds no %s: it is no bundle, or an incomplete copy of one", dir, SumsFile)
	}
	return b, err
}

// parseSums reads SHA256SUMS as sha256sum writes it: "<hex>  <path>" per line. A file listed on more
// than one line is in dups (once), whatever its digests: the first line's digest is in listed.
func parseSums(b []byte) (listed map[string]string, dups []string, err error) {
	listed = map[string]string{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		hexSum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(hexSum) != sha256.Size*2 {
			return nil, nil, fmt.Errorf("%s line %d is not \"<sha256>  <file>\"", SumsFile, n)
		}
		if _, twice := listed[name]; twice {
			if !seen[name] {
				dups = append(dups, name)
				seen[name] = true
			}
			continue
		}
		listed[name] = strings.ToLower(hexSum)
	}
	return listed, dups, sc.Err()
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

// sumFiles hashes the files of dir (relative, with slashes) on as many cores as there are, up to
// maxHashers, and returns their SHA-256 in hex and each one's error, in the order of names: a bundle is
// gigabytes, and hashing them is all that verifying it costs.
func sumFiles(dir string, names []string) ([]string, []error) {
	sums := make([]string, len(names))
	errs := make([]error, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), maxHashers, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sums[i], errs[i] = sum(filepath.Join(dir, filepath.FromSlash(names[i])))
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return sums, errs
}

// maxHashers bounds the files hashed at once: the disk, not the cores, is the limit beyond it.
const maxHashers = 8

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

// writeSums writes SHA256SUMS of every file of dir, as `sha256sum -c` reads it from dir, and
// returns what it wrote.
func writeSums(dir string) ([]byte, error) {
	fs, err := files(dir)
	if err != nil {
		return nil, err
	}
	sums, errs := sumFiles(dir, fs)
	var b strings.Builder
	for i, f := range fs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		b.WriteString(sums[i] + "  " + f + "\n")
	}
	out := []byte(b.String())
	return out, os.WriteFile(filepath.Join(dir, SumsFile), out, 0o644)
}

// ChangedError says that a bundle directory no longer holds what its writer recorded, and what differs.
type ChangedError struct {
	Dir string
	// Differences are what differs, each naming its file.
	Differences []string
	// Added are the files of the directory that SHA256SUMS does not list (each is in Differences too).
	Added []string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("the bundle %s is not what was written there: %s", e.Dir, strings.Join(e.Differences, "; "))
}

// OnlyAdded reports whether files added to the directory are the only difference.
func (e *ChangedError) OnlyAdded() bool { return len(e.Added) == len(e.Differences) }

// Compare checks the bundle at dir against rec, the record of the bundle that was written there: its
// SHA256SUMS and manifest.json must be the ones recorded, and every file must match SHA256SUMS. A
// difference is a *ChangedError naming each. A directory that does not exist is a *ChangedError too.
func Compare(dir string, rec Record) error {
	return compareRecorded(dir, rec, verifySums)
}

// compareRecorded holds SHA256SUMS and manifest.json to rec and, with verify, every file to
// SHA256SUMS; without it the files' contents are trusted (CompareStamped).
func compareRecorded(dir string, rec Record, verify func(dir string, sums []byte) error) error {
	cerr := &ChangedError{Dir: dir}
	sums, err := os.ReadFile(filepath.Join(dir, SumsFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cerr.Differences = append(cerr.Differences, SumsFile+" is missing")
	case err != nil:
		return err
	case Digest(sums) != rec.SumsDigest:
		cerr.Differences = append(cerr.Differences, fmt.Sprintf("%s is not the one written (%s then, %s now): the bundle was written "+
			"again, by another configuration or by hand, or edited and its %s made again", SumsFile, rec.SumsDigest, Digest(sums), SumsFile))
	}
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cerr.Differences = append(cerr.Differences, ManifestFile+" is missing")
	case err != nil:
		return err
	case Digest(raw) != rec.ManifestDigest:
		cerr.Differences = append(cerr.Differences, fmt.Sprintf("%s is not the one written (%s then, %s now)", ManifestFile, rec.ManifestDigest, Digest(raw)))
	}
	if sums != nil && verify != nil {
		err := verify(dir, sums)
		var verr *VerifyError
		switch {
		case errors.As(err, &verr):
			for _, f := range verr.Files {
				cerr.Differences = append(cerr.Differences, f.Error())
				if f.Problem == ProblemExtra {
					cerr.Added = append(cerr.Added, f.File)
				}
			}
		case err != nil:
			cerr.Differences = append(cerr.Differences, err.Error())
		}
	}
	if len(cerr.Differences) == 0 {
		return nil
	}
	return cerr
}

// RemoveOwned deletes the bundle at dir that rec records, when every file of it is still exactly as
// written: the files SHA256SUMS lists and SHA256SUMS, then the directories left empty. Files added to
// the directory since are kept and returned. Any other difference from rec deletes nothing and is a
// *ChangedError naming it. The check is made under the bundle's lock, just before the deletion, and
// leftovers of interrupted writes beside dir are removed too. A directory that does not exist is
// nothing to delete.
func RemoveOwned(dir string, rec Record) (kept []string, err error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		_, _ = Clean(dir) // nothing of the bundle is left; a write under way elsewhere keeps its files
		return nil, nil
	}
	lk, err := acquire(dir)
	if err != nil {
		return nil, err
	}
	defer lk.release()
	if err := removeLeftovers(dir); err != nil {
		return nil, err
	}
	if empty, err := isEmptyDir(dir); err != nil || empty {
		if empty {
			return nil, os.Remove(dir)
		}
		return nil, err
	}
	if err := Compare(dir, rec); err != nil {
		var cerr *ChangedError
		if !errors.As(err, &cerr) || !cerr.OnlyAdded() {
			return nil, err
		}
		kept = cerr.Added
	}
	sums, err := loadSums(dir)
	if err != nil {
		return nil, err
	}
	listed, _, err := parseSums(sums)
	if err != nil {
		return nil, err
	}
	for f := range listed {
		if !filepath.IsLocal(filepath.FromSlash(f)) {
			continue // never outside dir (Compare found every listed file in it)
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

// isEmptyDir reports whether dir is a directory without entries.
func isEmptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	return len(entries) == 0, nil
}
