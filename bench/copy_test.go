// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// The copy report: the same images copied between two local registries (child processes, loopback,
// plain HTTP) by zenmlpro_image_mirror through the Terraform CLI, by `crane copy` and by
// `skopeo copy --all`, each into a fresh target and then again into the target that holds everything.

// copySet is an image set of the report: one image, or an index of several platforms.
type copySet struct {
	name, title string
	// layers are the layer sizes of each platform's image; platforms are the index's (none: one image).
	layers    []int64
	platforms []string
}

const mib = int64(1) << 20

var copySets = []copySet{
	{name: "image-1g", title: "one 1 GB image of 20 layers (3 of 200 MB)",
		layers: append([]int64{200 * mib, 200 * mib, 200 * mib}, repeat(17, 424*mib/17)...)},
	{name: "index-3x300m", title: "a 3-platform index of 3 x 300 MB",
		layers: []int64{100 * mib, 100 * mib, 100 * mib}, platforms: []string{"linux/amd64", "linux/arm64", "linux/s390x"}},
}

func repeat(n int, v int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func (s copySet) bytes() int64 {
	var n int64
	for _, l := range s.layers {
		n += l
	}
	return n * int64(max(1, len(s.platforms)))
}

// copySample is one copy.
type copySample struct {
	wall, cpu time.Duration
	// rss is the peak resident set of the process that copies (KiB): the provider's for zenmlpro, the
	// tool's own for crane and skopeo.
	rss int64
	// sent and received are the blob bytes the source sent and the target received, as they count them.
	sent, received int64
}

type copyTool struct {
	name, title, version string
	// run copies src (a reference) to dst (a reference) and returns the command that does it in dir.
	cmd func(dir, src, dst string) *exec.Cmd
}

// copyHarness holds the built tools and the registries.
type copyHarness struct {
	t        *testing.T
	dir      string
	rc       string
	regBin   string
	src      *registryfake.Process
	tools    []copyTool
	missing  []string
	provider string // the provider binary, behind rsswrap
	seq      int
}

func TestCopyReport(t *testing.T) {
	out := os.Getenv("BENCH_COPY_REPORT_DIR")
	if out == "" {
		t.Fatal("the copy report is written by `make bench-copy`, which sets BENCH_COPY_REPORT_DIR")
	}
	runs := 5
	if s := os.Getenv("BENCH_RUNS"); s != "" {
		var err error
		if runs, err = strconv.Atoi(s); err != nil || runs < 1 {
			t.Fatalf("BENCH_RUNS: %q is not a number of runs", s)
		}
	}
	h := newCopyHarness(t)
	rep := &copyReport{date: time.Now().UTC().Format("2006-01-02"), machine: machine(), runs: runs, tools: h.tools, missing: h.missing,
		commit: command(t, "..", "git", "describe", "--always", "--dirty"), terraform: firstLine(command(t, ".", "terraform", "version")),
		res: map[string]map[string]map[string][]copySample{}}
	for _, set := range copySets {
		src := h.push(set)
		rep.res[set.name] = map[string]map[string][]copySample{}
		for _, tool := range h.tools {
			rep.res[set.name][tool.name] = map[string][]copySample{}
		}
		// The tools take turns within each run, so that a busy moment of the machine falls on all.
		for run := range runs {
			for _, tool := range h.tools {
				dst := registryfake.StartProcess(t, h.regBin, filepath.Join(h.dir, fmt.Sprintf("dst-%s-%s-%d", set.name, tool.name, run)))
				target := dst.Host + "/site/zenml-pro-server:0.93.2"
				for _, phase := range []string{"fresh", "again"} {
					s := h.copyOnce(tool, set, src, target, dst)
					rep.res[set.name][tool.name][phase] = append(rep.res[set.name][tool.name][phase], s)
				}
				dst.Stop()
				_ = os.RemoveAll(filepath.Join(h.dir, fmt.Sprintf("dst-%s-%s-%d", set.name, tool.name, run)))
			}
			t.Logf("%s: run %d of %d done", set.name, run+1, runs)
		}
	}
	if err := rep.write(out); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", filepath.Join(out, "benchmarks-copy.md"))
}

func newCopyHarness(t *testing.T) *copyHarness {
	t.Helper()
	h := &copyHarness{t: t, dir: t.TempDir()}
	h.regBin = registryfake.BuildServer(t)
	h.src = registryfake.StartProcess(t, h.regBin, filepath.Join(h.dir, "src"))

	// The provider behind rsswrap, found by Terraform through dev_overrides.
	binDir := filepath.Join(h.dir, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "terraform-provider-zenmlpro")
	run(t, ".", "go", "build", "-o", filepath.Join(h.dir, "rsswrap"), "./rsswrap")
	run(t, "..", "go", "build", "-o", bin+".real", ".")
	run(t, ".", "cp", filepath.Join(h.dir, "rsswrap"), bin)
	h.provider = bin + ".real"
	h.rc = filepath.Join(h.dir, "terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"zenmlpro-infra/zenmlpro\" = %q\n  }\n  direct {}\n}\n", binDir)
	if err := os.WriteFile(h.rc, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	h.tools = append(h.tools, copyTool{name: "zenmlpro", title: "zenmlpro_image_mirror (terraform apply)",
		version: "this tree", cmd: h.mirrorCmd})

	// crane at the go-containerregistry version the provider uses, from the Go module proxy.
	ggcr := moduleVersion(t, "../go.mod", "github.com/google/go-containerregistry")
	gobin := filepath.Join(h.dir, "gobin")
	cmd := exec.Command("go", "install", "github.com/google/go-containerregistry/cmd/crane@"+ggcr)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building crane %s: %v\n%s", ggcr, err, b)
	}
	crane := h.wrapped(filepath.Join(gobin, "crane"))
	h.tools = append(h.tools, copyTool{name: "crane", title: "crane copy", version: "go-containerregistry " + ggcr,
		cmd: func(dir, src, dst string) *exec.Cmd { return exec.Command(crane, "copy", "--insecure", src, dst) }})

	if real, err := exec.LookPath("skopeo"); err == nil {
		v := firstLine(command(t, ".", real, "--version"))
		skopeo := h.wrapped(real)
		h.tools = append(h.tools, copyTool{name: "skopeo", title: "skopeo copy --all", version: v,
			cmd: func(dir, src, dst string) *exec.Cmd {
				return exec.Command(skopeo, "copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://"+src, "docker://"+dst)
			}})
	} else {
		h.missing = append(h.missing, "skopeo (not on PATH: `apt-get install skopeo` installs Debian's)")
	}
	return h
}

// wrapped puts rsswrap in front of the binary bin, so that its peak RSS and CPU are its own: a child of
// this test process would report the test's peak RSS as its own (Linux carries the forking process's
// high-water mark over the exec), and the test holds the images it generates.
func (h *copyHarness) wrapped(bin string) string {
	h.t.Helper()
	dir := filepath.Join(h.dir, "wrapped", filepath.Base(bin))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	w := filepath.Join(dir, filepath.Base(bin))
	run(h.t, ".", "cp", filepath.Join(h.dir, "rsswrap"), w)
	if err := os.Symlink(bin, w+".real"); err != nil {
		h.t.Fatal(err)
	}
	return w
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v in %s: %v\n%s", name, args, dir, err, b)
	}
}

// moduleVersion reads a module's version from a go.mod.
func moduleVersion(t *testing.T, gomod, module string) string {
	t.Helper()
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + `\s+(v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s does not require %s", gomod, module)
	}
	return string(m[1])
}

// mirrorCmd is a terraform apply of one zenmlpro_image_mirror from a fresh state.
func (h *copyHarness) mirrorCmd(dir, src, dst string) *exec.Cmd {
	// The mirror keeps the image's name and tag: the target is the registry and path before it.
	repo := dst[:strings.LastIndex(dst, "/")]
	config := fmt.Sprintf(`
terraform {
  required_providers {
    zenmlpro = { source = "zenmlpro-infra/zenmlpro" }
  }
}
resource "zenmlpro_image_mirror" "m" {
  source_uri      = %q
  target_registry = %q
}
`, src, repo)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
		_ = os.Remove(filepath.Join(dir, f))
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		h.t.Fatal(err)
	}
	cmd := exec.Command("terraform", "-chdir="+dir, "apply", "-auto-approve", "-input=false", "-lock=false", "-no-color")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+h.rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return cmd
}

// push writes the set's images to the source registry and returns the source reference.
func (h *copyHarness) push(set copySet) string {
	h.t.Helper()
	ref := h.src.Host + "/" + set.name + "/zenml-pro-server:0.93.2"
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		h.t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{byte(len(set.name))})
	image := func() v1.Image {
		var layers []v1.Layer
		for _, size := range set.layers {
			b := make([]byte, size)
			_, _ = rng.Read(b)
			layers = append(layers, static.NewLayer(b, types.DockerLayer))
		}
		img, err := mutate.AppendLayers(empty.Image, layers...)
		if err != nil {
			h.t.Fatal(err)
		}
		return img
	}
	if len(set.platforms) == 0 {
		if err := remote.Write(r, image()); err != nil {
			h.t.Fatal(err)
		}
		return ref
	}
	var adds []mutate.IndexAddendum
	for _, p := range set.platforms {
		plat, err := v1.ParsePlatform(p)
		if err != nil {
			h.t.Fatal(err)
		}
		img := image()
		img, err = mutate.ConfigFile(img, &v1.ConfigFile{OS: plat.OS, Architecture: plat.Architecture})
		if err != nil {
			h.t.Fatal(err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: plat}})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	if err := remote.WriteIndex(r, idx); err != nil {
		h.t.Fatal(err)
	}
	return ref
}

// copyOnce runs one copy of tool and measures it with the registries' counters.
func (h *copyHarness) copyOnce(tool copyTool, set copySet, src, dst string, target *registryfake.Process) copySample {
	h.t.Helper()
	h.seq++
	dir := filepath.Join(h.dir, "work", fmt.Sprintf("%s-%s-%d", set.name, tool.name, h.seq))
	rssFile := filepath.Join(h.dir, "rss-"+strconv.Itoa(h.seq))
	srcBefore, err := h.src.Counters()
	if err != nil {
		h.t.Fatal(err)
	}
	dstBefore, err := target.Counters()
	if err != nil {
		h.t.Fatal(err)
	}
	cmd := tool.cmd(dir, src, dst)
	cmd.Env = append(append([]string{}, cmdEnv(cmd)...), "BENCH_RSS_FILE="+rssFile)
	var outBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &outBuf
	start := time.Now()
	err = cmd.Run()
	s := copySample{wall: time.Since(start)}
	if err != nil {
		h.t.Fatalf("%s copying %s: %v\n%s", tool.name, set.name, err, outBuf.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	// The copying process's own peak, recorded by rsswrap: the provider's (not terraform's), crane's,
	// skopeo's.
	b, err := os.ReadFile(rssFile)
	if err != nil {
		h.t.Fatalf("%s: no peak RSS recorded: %v", tool.name, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rss int64
		if _, err := fmt.Sscan(line, &rss); err == nil {
			s.rss = max(s.rss, rss)
		}
	}
	srcAfter, err := h.src.Counters()
	if err != nil {
		h.t.Fatal(err)
	}
	dstAfter, err := target.Counters()
	if err != nil {
		h.t.Fatal(err)
	}
	s.sent = srcAfter.BlobBytesSent - srcBefore.BlobBytesSent
	s.received = dstAfter.BlobBytesReceived - dstBefore.BlobBytesReceived
	return s
}

func cmdEnv(cmd *exec.Cmd) []string {
	if cmd.Env != nil {
		return cmd.Env
	}
	return os.Environ()
}

type copyReport struct {
	date, machine, commit, terraform string
	runs                             int
	tools                            []copyTool
	missing                          []string
	// res: set -> tool -> phase ("fresh", "again") -> samples
	res map[string]map[string]map[string][]copySample
}

func medianOf(samples []copySample, f func(copySample) float64) (med, lo, hi float64) {
	if len(samples) == 0 {
		return 0, 0, 0
	}
	v := make([]float64, len(samples))
	for i, s := range samples {
		v[i] = f(s)
	}
	sort.Float64s(v)
	return v[len(v)/2], v[0], v[len(v)-1]
}

func wallSecs(s copySample) float64 { return s.wall.Seconds() }
func cpuSecs(s copySample) float64  { return s.cpu.Seconds() }
func rssMB(s copySample) float64    { return float64(s.rss) * 1024 / 1e6 }
func sentMB(s copySample) float64   { return float64(s.sent) / 1e6 }
func recvMB(s copySample) float64   { return float64(s.received) / 1e6 }

func (r *copyReport) write(dir string) error {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("<!-- Generated by `make bench-copy` (bench/copy_test.go); do not edit. -->\n\n")
	w("# Copying images: zenmlpro_image_mirror beside crane and skopeo\n\n")
	w("The same images copied between two local registries (go-containerregistry's registry with its blobs on disk, ")
	w("each in a process of its own, loopback, plain HTTP) by `zenmlpro_image_mirror` through `terraform apply`, by ")
	w("`crane copy` and by `skopeo copy --all`. Each run copies into a fresh target registry (**fresh**), then runs the ")
	w("same copy again into the target that now holds every blob (**again**; for the mirror, from an empty state, so ")
	w("the provider finds the copy there). The tools take turns within each run; %d runs; figures are median (min-max).\n\n", r.runs)
	w("- Date: %s; machine: %s\n- Commit: %s; %s\n", r.date, r.machine, r.commit, r.terraform)
	for _, t := range r.tools {
		w("- %s: %s\n", t.title, t.version)
	}
	for _, m := range r.missing {
		w("- Not measured: %s\n", m)
	}
	w("\nWall and CPU are the whole command's (for the mirror: terraform, its provider and the plan before the copy); ")
	w("peak RSS is the copying process's (the provider's for the mirror, read by a wrapper around it; the tool's for ")
	w("crane and skopeo); bytes are blob bytes as the registries counted them in their request and answer bodies.\n\n")

	var targets []string
	for _, set := range copySets {
		res := r.res[set.name]
		w("## %s\n\n%.0f MB of layers.\n\n", set.title, float64(set.bytes())/1e6)
		w("| Tool | Wall, fresh | CPU | Peak RSS | Source sent | Target received | Wall, again | Target received, again |\n")
		w("|---|---|---|---|---|---|---|---|\n")
		for _, t := range r.tools {
			f, a := res[t.name]["fresh"], res[t.name]["again"]
			wm, wl, wh := medianOf(f, wallSecs)
			cm, _, _ := medianOf(f, cpuSecs)
			rm, _, rh := medianOf(f, rssMB)
			sm, _, _ := medianOf(f, sentMB)
			dm, _, _ := medianOf(f, recvMB)
			am, al, ah := medianOf(a, wallSecs)
			_, _, adh := medianOf(a, recvMB)
			w("| %s | %.2f s (%.2f-%.2f) | %.2f s | %.0f MB (max %.0f) | %.0f MB | %.0f MB | %.2f s (%.2f-%.2f) | %.1f MB (max) |\n",
				t.title, wm, wl, wh, cm, rm, rh, sm, dm, am, al, ah, adh)
		}
		w("\n")
		zen, _, _ := medianOf(res["zenmlpro"]["fresh"], wallSecs)
		fixed, _, _ := medianOf(res["zenmlpro"]["again"], wallSecs)
		if c, ok := res["crane"]; ok {
			cw, _, _ := medianOf(c["fresh"], wallSecs)
			w("The mirror's fixed cost, what its **again** run spends without copying (Terraform, the provider's start, the ")
			w("plan that reads both tags, the check of the target), is %.2f s; the copy itself then takes about %.2f s, ", fixed, zen-fixed)
			w("%.2fx crane's %.2f s.\n\n", (zen-fixed)/cw, cw)
		}
		if c, ok := res["crane"]; ok {
			cw, _, _ := medianOf(c["fresh"], wallSecs)
			targets = append(targets, verdictLine(fmt.Sprintf("%s: mirror wall at most 1.1x crane's", set.name), zen/cw, 1.1))
		}
		if s, ok := res["skopeo"]; ok {
			sw, _, _ := medianOf(s["fresh"], wallSecs)
			targets = append(targets, verdictLine(fmt.Sprintf("%s: mirror wall at most skopeo's", set.name), zen/sw, 1.0))
		}
		_, _, rh := medianOf(res["zenmlpro"]["fresh"], rssMB)
		targets = append(targets, verdictLine(fmt.Sprintf("%s: the provider's peak RSS at most 64 MB", set.name), rh/64, 1.0)+fmt.Sprintf(" (%.0f MB)", rh))
		_, _, again := medianOf(res["zenmlpro"]["again"], recvMB)
		targets = append(targets, verdictLine(fmt.Sprintf("%s: no blob byte re-sent to a target that has them", set.name), again, 0)+fmt.Sprintf(" (%.1f MB)", again))
	}
	var groups, series []string
	values := make([][]float64, len(r.tools))
	for _, set := range copySets {
		groups = append(groups, set.name)
	}
	for i, t := range r.tools {
		series = append(series, t.title)
		for _, set := range copySets {
			m, _, _ := medianOf(r.res[set.name][t.name]["fresh"], wallSecs)
			values[i] = append(values[i], m)
		}
	}
	if err := plotBars(filepath.Join(dir, "benchmarks-copy-wall.svg"), "Copy into a fresh registry: wall time", groups, series, values); err != nil {
		return err
	}
	w("![Copy into a fresh registry: median wall time per image set and tool](benchmarks-copy-wall.svg)\n\n")
	w("## Targets\n\n")
	for _, t := range targets {
		w("- %s\n", t)
	}
	if err := os.WriteFile(filepath.Join(dir, "benchmarks-copy.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return nil
}

// verdictLine says whether a ratio (or amount) meets its bound, and by how much it misses.
func verdictLine(what string, got, bound float64) string {
	if got <= bound {
		return fmt.Sprintf("%s: met (%.2f)", what, got)
	}
	if bound == 0 {
		return fmt.Sprintf("%s: missed", what)
	}
	return fmt.Sprintf("%s: missed by %.0f%% (%.2f against %.2f)", what, (got/bound-1)*100, got, bound)
}
