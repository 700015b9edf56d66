// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bundle

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
)

// regenerateSums writes SHA256SUMS again for what dir holds now, as somebody editing a bundle by hand
// would with sha256sum.
func regenerateSums(t *testing.T, dir string) {
	t.Helper()
	if _, err := writeSums(dir); err != nil {
		t.Fatal(err)
	}
}

// changedError requires err to be a *ChangedError with a difference containing each of want.
func changedError(t *testing.T, what string, err error, want ...string) {
	t.Helper()
	var cerr *ChangedError
	if !errors.As(err, &cerr) {
		t.Fatalf("%s: %v; want a ChangedError", what, err)
	}
	all := strings.Join(cerr.Differences, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("%s: the differences do not say %q:\n%s", what, w, all)
		}
	}
}

// Compare holds the directory to the writer's record, not to whatever SHA256SUMS is on disk: a bundle
// edited with a SHA256SUMS made again, or written again by another writer, verifies against its own
// SHA256SUMS and still differs from the record.
func TestCompareAgainstRecord(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	w := writeBundle(t, s, dir)
	if err := Compare(dir, w.Record); err != nil {
		t.Fatalf("Compare of the bundle just written = %v", err)
	}

	// Edited, with SHA256SUMS made again: Verify is content, Compare is not.
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	regenerateSums(t, dir)
	if err := Verify(dir); err != nil {
		t.Fatalf("Verify of the edited bundle with its new SHA256SUMS = %v; the test needs a bundle that verifies", err)
	}
	changedError(t, "Compare after an edit", Compare(dir, w.Record), "SHA256SUMS is not the one written ("+w.Record.SumsDigest)

	// Written again by another writer (another configuration): both files differ from the record.
	other := w.Manifest
	planned, _ := Plan(nil, s.spec)
	if _, err := Write(t.Context(), s.ociClient(t), planned, dir, WriteOptions{CreatedAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Replace: &other}); err != nil {
		t.Fatal(err)
	}
	changedError(t, "Compare after another writer's bundle", Compare(dir, w.Record),
		"SHA256SUMS is not the one written", "manifest.json is not the one written ("+w.Record.ManifestDigest)

	// Gone altogether.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	changedError(t, "Compare of a directory that is gone", Compare(dir, w.Record), "SHA256SUMS is missing", "manifest.json is missing")
}

// A removal deletes only a bundle still exactly as its record says, checked when it runs; added files
// stay; another writer's bundle in the same directory is not touched.
func TestRemoveOwned(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	mine := writeBundle(t, s, dir)

	// Another writer's bundle now: the first writer's removal deletes nothing.
	planned, _ := Plan(nil, s.spec)
	theirs, err := Write(t.Context(), s.ociClient(t), planned, dir, WriteOptions{CreatedAt: time.Now(), Replace: &mine.Manifest})
	if err != nil {
		t.Fatal(err)
	}
	_, err = RemoveOwned(dir, mine.Record)
	changedError(t, "RemoveOwned of another writer's bundle", err, "SHA256SUMS is not the one written")
	if err := Compare(dir, theirs.Record); err != nil {
		t.Fatalf("the other writer's bundle was harmed: %v", err)
	}

	// A file of the bundle changed: nothing is deleted either.
	chart := filepath.Join(dir, "charts", "zenml-0.93.2.tgz")
	original, _ := os.ReadFile(chart)
	if err := os.WriteFile(chart, []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = RemoveOwned(dir, theirs.Record)
	changedError(t, "RemoveOwned of a changed bundle", err, "charts/zenml-0.93.2.tgz: "+ProblemChanged)
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
		t.Fatalf("a removal that was refused deleted files: %v", err)
	}

	// Exactly as written, with a file added: the bundle goes, the added file stays.
	if err := os.WriteFile(chart, original, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "NOTES.txt"), []byte("the operator's"), 0o644); err != nil {
		t.Fatal(err)
	}
	kept, err := RemoveOwned(dir, theirs.Record)
	if err != nil || strings.Join(kept, ",") != "NOTES.txt" {
		t.Fatalf("RemoveOwned = %v, %v; want NOTES.txt kept", kept, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "NOTES.txt" {
		t.Errorf("left in the directory: %v; want NOTES.txt alone", entries)
	}
	if beside, _ := os.ReadDir(filepath.Dir(dir)); len(beside) != 1 {
		t.Errorf("the removal left %d entries beside the bundle directory", len(beside)-1)
	}
}

// A new bundle is never written over a bundle that is there: the refusal says how to import it.
func TestWriteNewRefusesExistingBundle(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	w := writeBundle(t, s, dir)
	planned, _ := Plan(nil, s.spec)
	_, err := Write(t.Context(), s.ociClient(t), planned, dir, WriteOptions{})
	var eb *ExistingBundleError
	if !errors.As(err, &eb) {
		t.Fatalf("a new bundle over an existing one = %v; want ExistingBundleError", err)
	}
	for _, want := range []string{"already holds a bundle (Control Plane 0.13.0, Workspace Server 0.93.2, written 2026-12-02T10:00:00Z)",
		"terraform import <resource address> " + dir, "another, new or empty, directory"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%s", want, err)
		}
	}
	if !errors.As(CheckNew(dir), &eb) {
		t.Errorf("CheckNew = %v; want ExistingBundleError", CheckNew(dir))
	}
	if err := Compare(dir, w.Record); err != nil {
		t.Fatalf("the refused write harmed the bundle: %v", err)
	}
}

// A file listed twice in SHA256SUMS, with its digest or with another one, fails verification naming it.
func TestVerifyDuplicateEntries(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	w := writeBundle(t, s, dir)
	sums, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		t.Fatal(err)
	}
	line := ""
	for l := range strings.SplitSeq(string(sums), "\n") {
		if strings.HasSuffix(l, "  "+SummaryFile) {
			line = l
		}
	}
	for _, tc := range []struct{ name, extra string }{
		{"the same digest", line},
		{"another digest", strings.Repeat("0", 64) + "  " + SummaryFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, SumsFile), append(append([]byte(nil), sums...), tc.extra+"\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
			for what, err := range map[string]error{"Verify": Verify(dir), "Read": func() error { _, err := Read(dir); return err }()} {
				var verr *VerifyError
				if !errors.As(err, &verr) {
					t.Fatalf("%s = %v; want a VerifyError", what, err)
				}
				if !slices.ContainsFunc(verr.Files, func(f *FileError) bool { return f.File == SummaryFile && f.Problem == ProblemDuplicate }) {
					t.Errorf("%s = %v; want %s named as listed more than once", what, err, SummaryFile)
				}
			}
			changedError(t, "Compare", Compare(dir, Record{SumsDigest: Digest(append(append([]byte(nil), sums...), tc.extra+"\n"...)), ManifestDigest: w.Record.ManifestDigest}),
				SummaryFile+": "+ProblemDuplicate)
		})
	}
	// sha256sum -c fails on the second of these files too.
	if out, err := exec.Command("sh", "-c", "cd '"+dir+"' && sha256sum -c --quiet SHA256SUMS").CombinedOutput(); err == nil {
		t.Errorf("sha256sum -c accepted %s listed with two digests:\n%s", SummaryFile, out)
	}
}

// killedWrite leaves beside dir what a write killed in the middle leaves (the test makes the files
// itself, as the killed process would have left them): a staging directory with a layout holding one
// whole blob and one cut short, and the lock file, which no process holds any more.
func killedWrite(t *testing.T, dir string, whole, cut []byte) (stage string) {
	t.Helper()
	stage = filepath.Join(filepath.Dir(dir), stagePrefix(dir)+"4242")
	blobs := filepath.Join(stage, ImagesDir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		content []byte
		keep    int
	}{{whole, len(whole)}, {cut, len(cut) / 2}} {
		if err := os.WriteFile(filepath.Join(blobs, strings.TrimPrefix(Digest(b.content), "sha256:")), b.content[:b.keep], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(stage, ImagesDir, "oci-layout"), []byte(`{"imageLayoutVersion": "1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lockPath(dir), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return stage
}

// checkBlobs requires every blob of the bundle's layout to hold what its name says.
func checkBlobs(t *testing.T, dir string) {
	t.Helper()
	blobs := filepath.Join(dir, ImagesDir, "blobs", "sha256")
	entries, err := os.ReadDir(blobs)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if got, err := sum(filepath.Join(blobs, e.Name())); err != nil || got != e.Name() {
			t.Errorf("blob %s holds content of SHA-256 %s (%v)", e.Name(), got, err)
		}
	}
}

// layerBlobs returns the content of the layers of the image at ref in the source registry.
func layerBlobs(t *testing.T, s source, ref string) [][]byte {
	t.Helper()
	img, err := remote.Image(mustRef(t, s.reg.Host+"/"+ref), s.reg.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	var out [][]byte
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := readAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// A write killed while it built the bundle left a staging directory and the lock file: the next
// plan sees them as leftovers, never as the bundle; the next write reuses the whole blob, downloads
// the cut one again, and removes them. A write killed between the two renames of the swap left the
// previous bundle moved aside and no directory: the next write of a new bundle there removes that too.
func TestWriteAfterKilledWrite(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	first := writeBundle(t, s, dir)

	// The killed write was bundling a moved tag: its staging directory holds the new image's layers.
	s.reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	layers := layerBlobs(t, s, "zenml/zenml-pro-api:0.13.0")
	stage := killedWrite(t, dir, layers[0], layers[1])
	wholeBefore, err := os.Stat(filepath.Join(stage, ImagesDir, "blobs", "sha256", strings.TrimPrefix(Digest(layers[0]), "sha256:")))
	if err != nil {
		t.Fatal(err)
	}
	left, err := Leftovers(dir)
	if err != nil || strings.Join(left, ",") != lockPath(dir)+","+stage {
		t.Fatalf("Leftovers = %v, %v; want the lock file and %s", left, err, stage)
	}
	if err := Compare(dir, first.Record); err != nil {
		t.Fatalf("the leftovers count as the bundle: %v", err)
	}

	second := writeBundle(t, s, dir)
	if err := Compare(dir, second.Record); err != nil {
		t.Fatal(err)
	}
	checkBlobs(t, dir)
	wholeAfter, err := os.Stat(filepath.Join(dir, ImagesDir, "blobs", "sha256", strings.TrimPrefix(Digest(layers[0]), "sha256:")))
	if err != nil || !os.SameFile(wholeBefore, wholeAfter) {
		t.Errorf("the whole blob of the killed write was not reused (%v)", err)
	}
	if left, err := Leftovers(dir); err != nil || len(left) > 0 {
		t.Errorf("after the next write, Leftovers = %v, %v; want none", left, err)
	}
	if beside, _ := os.ReadDir(filepath.Dir(dir)); len(beside) != 1 {
		t.Errorf("the write left %d entries beside the bundle", len(beside)-1)
	}

	// Killed between the renames of the swap: the previous bundle moved aside, the new one staged, no directory.
	aside := filepath.Join(filepath.Dir(dir), stagePrefix(dir)+"77.previous")
	if err := os.Rename(dir, aside); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(filepath.Dir(dir), stagePrefix(dir)+"77", ImagesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckNew(dir); err != nil {
		t.Fatalf("CheckNew with only leftovers beside the directory = %v", err)
	}
	third := writeBundle(t, s, dir)
	if err := Compare(dir, third.Record); err != nil {
		t.Fatal(err)
	}
	if beside, _ := os.ReadDir(filepath.Dir(dir)); len(beside) != 1 {
		t.Errorf("the write after a swap cut short left %d entries beside the bundle", len(beside)-1)
	}
}

// While a write holds the bundle's lock another write is refused, and its staging directory is no
// leftover; once the lock is free, it is one.
func TestWriteWhileAnotherWrites(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	lk, err := acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	stage := filepath.Join(filepath.Dir(dir), stagePrefix(dir)+"99")
	if err := os.Mkdir(stage, 0o755); err != nil {
		t.Fatal(err)
	}
	planned, _ := Plan(nil, s.spec)
	_, err = Write(t.Context(), s.ociClient(t), planned, dir, WriteOptions{})
	var busy *BusyError
	if !errors.As(err, &busy) || !strings.Contains(err.Error(), "name this directory") {
		t.Fatalf("Write while another holds the lock = %v; want BusyError", err)
	}
	if left, err := Leftovers(dir); err != nil || len(left) > 0 {
		t.Errorf("Leftovers during a write = %v, %v; want none", left, err)
	}
	if _, err := os.Stat(stage); err != nil {
		t.Errorf("the other write's staging directory was harmed: %v", err)
	}
	lk.release()
	if left, err := Leftovers(dir); err != nil || strings.Join(left, ",") != stage {
		t.Errorf("Leftovers after the write ended = %v, %v; want %s", left, err, stage)
	}
	if removed, err := Clean(dir); err != nil || len(removed) != 1 {
		t.Errorf("Clean = %v, %v", removed, err)
	}
	if beside, _ := os.ReadDir(filepath.Dir(dir)); len(beside) != 0 {
		t.Errorf("Clean left %d entries", len(beside))
	}
}

// A rewrite reuses the previous bundle's blobs only when their content is their digest: a blob changed
// in place (same size) is downloaded again, not carried into the new bundle under a new SHA256SUMS.
func TestRewriteDoesNotReuseChangedBlob(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	writeBundle(t, s, dir)
	blob := filepath.Join(dir, ImagesDir, "blobs", "sha256", strings.TrimPrefix(Digest(layerBlobs(t, s, "zenml/zenml-pro-api:0.13.0")[0]), "sha256:"))
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}
	writeBundle(t, s, dir)
	checkBlobs(t, dir)
}

// The docker tarballs' platform must be among the kept platforms (checked from the configuration alone),
// and each image must have it: an index at plan, a single image at the write, each message naming
// docker_archive_platform and what the image has.
func TestArchivePlatform(t *testing.T) {
	for _, tc := range []struct {
		platforms []string
		archive   string
		ok        bool
	}{
		{nil, "", true},
		{[]string{"linux/amd64"}, "", true},
		{[]string{"linux/arm64"}, "", false},
		{[]string{"linux/arm64"}, "linux/arm64", true},
		{[]string{"linux/arm64/v8"}, "linux/arm64", true},
		{[]string{"linux/arm64"}, "linux/arm64/v8", true},
		{[]string{"linux/arm64/v7"}, "linux/arm64/v8", false},
		{[]string{"linux/arm64", "linux/amd64"}, "linux/amd64", true},
	} {
		err := CheckArchivePlatform(tc.platforms, tc.archive)
		if (err == nil) != tc.ok {
			t.Errorf("CheckArchivePlatform(%v, %q) = %v; want ok %t", tc.platforms, tc.archive, err, tc.ok)
		}
	}
	s := startSource(t)
	spec := s.spec
	spec.Platforms = []string{"linux/arm64"}
	_, err := Plan(nil, spec)
	e, ok := inputerr.As(err)
	if !ok || e.Input != InputArchivePlatform || !strings.Contains(e.Detail, `docker_archive_platform is "linux/amd64" (the default), which platforms = ["linux/arm64"] does not keep`) ||
		!strings.Contains(e.Detail, `docker_archive_platform = "linux/arm64"`) {
		t.Fatalf("Plan with a filter that drops the tarballs' platform = %v; want an input error on docker_archive_platform", err)
	}

	// An index without the platform, unfiltered: the plan names it and what the index has.
	s.reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/arm64")
	m, err := Plan(nil, s.spec)
	if err != nil {
		t.Fatal(err)
	}
	errs := Resolve(t.Context(), s.ociClient(t), &m, time.Minute)
	var ae *ArchivePlatformError
	if len(errs) != 1 || !errors.As(errs[0], &ae) || strings.Join(ae.Available, ",") != "linux/arm64" || ae.Filtered {
		t.Fatalf("Resolve = %v; want one ArchivePlatformError naming linux/arm64", errs)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	_, err = Write(t.Context(), s.ociClient(t), m, dir, WriteOptions{})
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "has images for linux/arm64, and none for linux/amd64") {
		t.Fatalf("Write = %v; want an ArchivePlatformError", err)
	}

	// A single image whose configuration names another platform: only the write reads it.
	s.reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64")
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := img.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "arm64"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	pushImage(t, s, "zenml/zenml-pro-api:0.13.0", img)
	if errs := Resolve(t.Context(), s.ociClient(t), &m, time.Minute); len(errs) > 0 {
		t.Fatalf("Resolve = %v; a plan cannot see a single image's platform", errs)
	}
	_, err = Write(t.Context(), s.ociClient(t), m, dir, WriteOptions{})
	if !errors.As(err, &ae) || !ae.Single || !strings.Contains(err.Error(), "is a single-platform image for linux/arm64, not linux/amd64") {
		t.Fatalf("Write with a single arm64 image = %v; want an ArchivePlatformError for a single image", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the failed write left a directory")
	}
}

func pushImage(t *testing.T, s source, repoTag string, img v1.Image) {
	t.Helper()
	if err := remote.Write(mustRef(t, s.reg.Host+"/"+repoTag), img, s.reg.Options()...); err != nil {
		t.Fatal(err)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func readAll(rc io.ReadCloser) ([]byte, error) {
	defer func() { _ = rc.Close() }()
	return io.ReadAll(rc)
}

// CompareStamped hashes the files once, then trusts them while their stamp holds; a file written in
// place (same size, its modification time set back) changes the stamp through its change time, and
// the next check hashes again and names it; SHA256SUMS and manifest.json are held to the record every
// time.
func TestCompareStamped(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	w := writeBundle(t, s, dir)

	first, hashed, err := CompareStamped(dir, w.Record, "")
	if err != nil || !hashed || !strings.HasPrefix(first, "stamp:") {
		t.Fatalf("first CompareStamped = %q, %v, %v; want a stamp after hashing", first, hashed, err)
	}
	next, hashed, err := CompareStamped(dir, w.Record, first)
	if err != nil || hashed || next != first {
		t.Fatalf("CompareStamped with the stamp = %q, %v, %v; want the same stamp without hashing", next, hashed, err)
	}

	// A blob written in place, same size, its modification time set back.
	blobs, _ := filepath.Glob(filepath.Join(dir, "*", "blobs", "sha256", "*"))
	if len(blobs) == 0 {
		t.Fatal("no blobs in the bundle")
	}
	target := blobs[0]
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(target)
	data[0] ^= 0xff
	time.Sleep(10 * time.Millisecond) // a change time the write can differ in
	if err := os.WriteFile(target, data, fi.Mode()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(target, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(dir, target)
	if runtime.GOOS == "linux" {
		next, hashed, err = CompareStamped(dir, w.Record, first)
		if !hashed || next != "" {
			t.Errorf("after a write in place: stamp %q, hashed %v; want a full check and no stamp", next, hashed)
		}
		changedError(t, "CompareStamped after a write in place", err, filepath.ToSlash(rel)+": "+ProblemChanged)
	}
	data[0] ^= 0xff
	if err := os.WriteFile(target, data, fi.Mode()); err != nil {
		t.Fatal(err)
	}

	// SHA256SUMS made again for an added file: held to the record even with a stamp taken after it.
	if err := os.WriteFile(filepath.Join(dir, "extra.txt"), []byte("added"), 0o644); err != nil {
		t.Fatal(err)
	}
	regenerateSums(t, dir)
	after, err := Stamp(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = CompareStamped(dir, w.Record, after)
	changedError(t, "CompareStamped after SHA256SUMS was made again", err, "SHA256SUMS is not the one written")
}

// BenchmarkCompareBundle is a no-change refresh of a bundle of 256 MB: every byte hashed, against the
// stamp of the last verification trusted.
func BenchmarkCompareBundle(b *testing.B) {
	dir := b.TempDir()
	blob := make([]byte, 32<<20)
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	for i := range 8 {
		blob[0] = byte(i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("layer-%d", i)), blob, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format_version":1}`), 0o644); err != nil {
		b.Fatal(err)
	}
	sums, err := writeSums(dir)
	if err != nil {
		b.Fatal(err)
	}
	rec := Record{SumsDigest: Digest(sums), ManifestDigest: Digest([]byte(`{"format_version":1}`))}
	stamp, _, err := CompareStamped(dir, rec, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("every-byte", func(b *testing.B) {
		b.SetBytes(8 << 25)
		for b.Loop() {
			if err := Compare(dir, rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stamped", func(b *testing.B) {
		b.SetBytes(8 << 25)
		for b.Loop() {
			if _, hashed, err := CompareStamped(dir, rec, stamp); err != nil || hashed {
				b.Fatal(err, hashed)
			}
		}
	})
}
