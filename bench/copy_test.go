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
	// crane and skopeo are the tools behind rsswrap; skopeo is "" when it is not installed.
	crane, skopeo string
	seq           int
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
	// BENCH_COPY_SCALE divides every size, for a quick try of the harness; such a report says so.
	scale := int64(1)
	if s := os.Getenv("BENCH_COPY_SCALE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("BENCH_COPY_SCALE: %q is not a divisor", s)
		}
		scale = int64(n)
		scaleSizes(scale)
	}
	h := newCopyHarness(t)
	rep := &copyReport{date: time.Now().UTC().Format("2006-01-02"), machine: machine(), runs: runs, tools: h.tools, missing: h.missing,
		commit: command(t, "..", "git", "describe", "--always", "--dirty"), terraform: firstLine(command(t, ".", "terraform", "version")),
		res: map[string]map[string]map[string][]copySample{}, scale: scale, linkRuns: min(runs, 3)}
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
			floor := h.floorTool()
			s := h.runMeasured(floor.cmd(filepath.Join(h.dir, "work", fmt.Sprintf("floor-%s-%d", set.name, run)), src, "127.0.0.1:1/site/zenml-pro-server:0.93.2"), "the floor")
			rep.res[set.name]["floor"] = map[string][]copySample{"fresh": append(rep.res[set.name]["floor"]["fresh"], s)}
			t.Logf("%s: run %d of %d done", set.name, run+1, runs)
		}
	}
	rep.bundle = h.runBundle(runs)
	rep.link, rep.resume = h.runLink(rep.linkRuns)
	if err := rep.write(out); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote the copy section of %s", filepath.Join(out, "benchmarks.md"))
}

// scaleSizes divides every size of the report's image sets by n.
func scaleSizes(n int64) {
	div := func(ls []int64) []int64 {
		out := make([]int64, len(ls))
		for i, l := range ls {
			out[i] = max(1, l/n)
		}
		return out
	}
	for i := range copySets {
		copySets[i].layers = div(copySets[i].layers)
	}
	for i := range bundleImages {
		bundleImages[i].layers = div(bundleImages[i].layers)
	}
	linkSet.layers = div(linkSet.layers)
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
	// The floor: the do-nothing plugin with zenmlpro's schemas (bench/floorschema), behind rsswrap too.
	floorDir := filepath.Join(h.dir, "bin-floor")
	if err := os.MkdirAll(floorDir, 0o755); err != nil {
		t.Fatal(err)
	}
	floor := filepath.Join(floorDir, "terraform-provider-floorschema")
	run(t, ".", "go", "build", "-o", floor+".real", "./floorschema")
	run(t, ".", "cp", filepath.Join(h.dir, "rsswrap"), floor)
	h.rc = filepath.Join(h.dir, "terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"zenmlpro-infra/zenmlpro\" = %q\n    \"zenmlpro-infra/floorschema\" = %q\n  }\n  direct {}\n}\n", binDir, floorDir)
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
	h.crane = crane
	h.tools = append(h.tools, copyTool{name: "crane", title: "crane copy", version: "go-containerregistry " + ggcr,
		cmd: func(dir, src, dst string) *exec.Cmd { return exec.Command(crane, "copy", "--insecure", src, dst) }})

	if real, err := exec.LookPath("skopeo"); err == nil {
		v := firstLine(command(t, ".", real, "--version"))
		skopeo := h.wrapped(real)
		h.skopeo = skopeo
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

// floorTool applies the mirror's configuration with the do-nothing plugin of the same schema: what a
// Terraform run of one such resource costs before any work (Terraform, the plugin's starts, the plan).
func (h *copyHarness) floorTool() copyTool {
	return copyTool{name: "floor", title: "the floor: the same configuration applied by a do-nothing plugin with the same schema", version: "this tree (bench/floorschema)",
		cmd: func(dir, src, dst string) *exec.Cmd { return h.terraformApply(dir, asFloor(mirrorConfig(src, dst))) }}
}

// asFloor is a configuration of zenmlpro resources written for the do-nothing plugin with their schemas.
func asFloor(config string) string {
	config = strings.ReplaceAll(config, `zenmlpro = { source = "zenmlpro-infra/zenmlpro" }`, `floorschema = { source = "zenmlpro-infra/floorschema" }`)
	return strings.ReplaceAll(config, `resource "zenmlpro_`, `resource "floorschema_`)
}

// mirrorCmd is a terraform apply of one zenmlpro_image_mirror from a fresh state.
func (h *copyHarness) mirrorCmd(dir, src, dst string) *exec.Cmd {
	return h.terraformApply(dir, mirrorConfig(src, dst))
}

// requiredZenML is the terraform block of the copy report's configurations.
const requiredZenML = `
terraform {
  required_providers {
    zenmlpro = { source = "zenmlpro-infra/zenmlpro" }
  }
}
`

// mirrorConfig is one zenmlpro_image_mirror of src to dst (a reference whose name and tag the mirror keeps).
func mirrorConfig(src, dst string) string {
	// The target is the registry and path before the image's name.
	repo := dst[:strings.LastIndex(dst, "/")]
	return requiredZenML + fmt.Sprintf(`resource "zenmlpro_image_mirror" "m" {
  source_uri      = %q
  target_registry = %q
}
`, src, repo)
}

// terraformApply is a terraform apply of config in dir from a fresh state, with the provider behind rsswrap.
func (h *copyHarness) terraformApply(dir, config string) *exec.Cmd {
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
	return h.pushImage(h.src.Host+"/"+set.name+"/zenml-pro-server:0.93.2", set.layers, set.platforms, byte(len(set.name)))
}

// pushImage writes an image of random layers of the given sizes (an index of one such image per
// platform, when platforms are given) to ref and returns ref. The content is the seed's.
func (h *copyHarness) pushImage(ref string, layerSizes []int64, platforms []string, seed byte) string {
	h.t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		h.t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{seed})
	image := func() v1.Image {
		var layers []v1.Layer
		for _, size := range layerSizes {
			b := make([]byte, size)
			_, _ = rng.Read(b)
			layers = append(layers, static.NewLayer(b, types.OCILayer))
		}
		img, err := mutate.AppendLayers(empty.Image, layers...)
		if err != nil {
			h.t.Fatal(err)
		}
		// OCI media types, as images built by BuildKit carry them (skopeo reads no other kind from an
		// OCI layout).
		return mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
	}
	if len(platforms) == 0 {
		if err := remote.Write(r, image()); err != nil {
			h.t.Fatal(err)
		}
		return ref
	}
	var adds []mutate.IndexAddendum
	for _, p := range platforms {
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
	srcBefore, err := h.src.Counters()
	if err != nil {
		h.t.Fatal(err)
	}
	dstBefore, err := target.Counters()
	if err != nil {
		h.t.Fatal(err)
	}
	s := h.runMeasured(tool.cmd(dir, src, dst), tool.name+" copying "+set.name)
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

// runMeasured runs cmd (a tool behind rsswrap, or terraform with the provider behind it) and returns
// its wall and CPU time and the peak RSS of the process that copies; it fails the report when cmd fails.
func (h *copyHarness) runMeasured(cmd *exec.Cmd, what string) copySample {
	h.t.Helper()
	s, out, err := h.tryMeasured(cmd, nil)
	if err != nil {
		h.t.Fatalf("%s: %v\n%s", what, err, out)
	}
	return s
}

// tryMeasured is runMeasured that returns the command's error and output; started, when not nil, is
// called with the running command.
func (h *copyHarness) tryMeasured(cmd *exec.Cmd, started func(*exec.Cmd)) (copySample, string, error) {
	return h.tryMeasuredAt(cmd, h.nextRSSFile(), started)
}

// nextRSSFile is a new file for rsswrap to write a peak RSS to.
func (h *copyHarness) nextRSSFile() string {
	h.seq++
	return filepath.Join(h.dir, "rss-"+strconv.Itoa(h.seq))
}

// tryMeasuredAt is tryMeasured with the peak RSS written to rssFile; it may run in any goroutine.
func (h *copyHarness) tryMeasuredAt(cmd *exec.Cmd, rssFile string, started func(*exec.Cmd)) (copySample, string, error) {
	cmd.Env = append(append([]string{}, cmdEnv(cmd)...), "BENCH_RSS_FILE="+rssFile)
	var outBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &outBuf
	start := time.Now()
	err := cmd.Start()
	if err == nil {
		if started != nil {
			started(cmd)
		}
		err = cmd.Wait()
	}
	s := copySample{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	// The copying process's own peak, recorded by rsswrap: the provider's (not terraform's), crane's,
	// skopeo's. Several lines (terraform starts the provider more than once): the highest.
	b, rerr := os.ReadFile(rssFile)
	if rerr != nil && err == nil {
		return s, outBuf.String(), fmt.Errorf("no peak RSS recorded: %w", rerr)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rss int64
		if _, err := fmt.Sscan(line, &rss); err == nil {
			s.rss = max(s.rss, rss)
		}
	}
	return s, outBuf.String(), err
}

func cmdEnv(cmd *exec.Cmd) []string {
	if cmd.Env != nil {
		return cmd.Env
	}
	return os.Environ()
}
