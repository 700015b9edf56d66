// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// The bundle part of the copy report: zenmlpro_offline_bundle writing one Control Plane release and the
// Workspace Server release it runs, beside the pair of commands a user would script for the same files
// (`crane pull --format=oci` for the OCI layouts, `skopeo copy docker-archive:` for the docker
// tarballs); then the inside push of that bundle into an empty registry by zenmlpro_image_mirror
// (source_bundle) beside `crane push` and `skopeo copy --all oci:`.

// bundleImage is an image of the bundled release as the source registry serves it (random content;
// sizes chosen for a run of minutes, not ZenML's real sizes).
type bundleImage struct {
	repo, tag string
	layers    []int64
	platforms []string
}

var bundleImages = []bundleImage{
	{repo: "zenml-pro-api", tag: "0.13.0", layers: repeat(4, 50*mib)},
	{repo: "zenml-pro-dashboard", tag: "0.13.0", layers: repeat(2, 25*mib)},
	{repo: "zenml-pro-server", tag: "0.93.2", layers: repeat(4, 50*mib), platforms: []string{"linux/amd64", "linux/arm64"}},
	{repo: "zenml", tag: "0.93.2", layers: repeat(3, 50*mib)},
}

var bundleCharts = []struct{ name, version string }{{"zenml-pro", "0.13.0"}, {"zenml", "0.93.2"}}

func bundleBytes() int64 {
	var n int64
	for _, img := range bundleImages {
		for _, l := range img.layers {
			n += l * int64(max(1, len(img.platforms)))
		}
	}
	return n
}

// bundleResults are the samples of the bundle part: stage ("write", "push") -> subject -> samples.
type bundleResults map[string]map[string][]copySample

// Subjects of the bundle part.
const (
	subjBundleOurs   = "zenmlpro"
	subjBundlePair   = "pair"       // crane pull --format=oci + skopeo copy docker-archive:, at once
	subjBundleSums   = "sha256sum"  // sha256sum of the pair's files, the SHA256SUMS the bundle carries
	subjPushCrane    = "crane-push" // crane push of the pair's layouts
	subjPushSkopeo   = "skopeo-oci" // skopeo copy --all oci: of the bundle's layout
	subjVerifyOnly   = "verify"     // the inside configuration's data source alone: every file hashed
	stageBundleWrite = "write"
	stageBundlePush  = "push"
)

// runBundle pushes the release to the source registry and measures runs runs of the bundle part.
func (h *copyHarness) runBundle(runs int) bundleResults {
	h.t.Helper()
	var refs, chartRefs []string
	for i, img := range bundleImages {
		refs = append(refs, h.pushImage(fmt.Sprintf("%s/zenml/%s:%s", h.src.Host, img.repo, img.tag), img.layers, img.platforms, byte(100+i)))
	}
	for _, c := range bundleCharts {
		ref, err := name.ParseReference(fmt.Sprintf("%s/charts/%s:%s", h.src.Host, c.name, c.version), name.Insecure)
		if err != nil {
			h.t.Fatal(err)
		}
		if _, err := registryfake.PushChart(ref, c.name, c.version); err != nil {
			h.t.Fatal(err)
		}
		chartRefs = append(chartRefs, ref.String())
	}
	res := bundleResults{stageBundleWrite: {}, stageBundlePush: {}}
	for run := range runs {
		work := filepath.Join(h.dir, "bundle", fmt.Sprintf("run-%d", run))
		ours := filepath.Join(work, "zenmlpro", "bundle")
		pair := filepath.Join(work, "pair")

		// Writing: the provider, then the pair into its own folder.
		srcBefore := h.counters(h.src)
		s := h.runMeasured(h.terraformApply(filepath.Join(work, "tf-write"), h.bundleConfig(ours)), "zenmlpro_offline_bundle writing the bundle")
		s.sent = h.counters(h.src).BlobBytesSent - srcBefore.BlobBytesSent
		res[stageBundleWrite][subjBundleOurs] = append(res[stageBundleWrite][subjBundleOurs], s)

		srcBefore = h.counters(h.src)
		var cmds []*exec.Cmd
		for i, ref := range refs {
			img := bundleImages[i]
			cmds = append(cmds, exec.Command(h.crane, "pull", "--insecure", "--format=oci", ref, filepath.Join(pair, "layouts", img.repo)))
		}
		for i, ref := range chartRefs {
			cmds = append(cmds, exec.Command(h.crane, "pull", "--insecure", "--format=oci", ref, filepath.Join(pair, "layouts", "chart-"+bundleCharts[i].name)))
		}
		if h.skopeo != "" {
			if err := os.MkdirAll(filepath.Join(pair, "archives"), 0o755); err != nil {
				h.t.Fatal(err)
			}
			for i, ref := range refs {
				img := bundleImages[i]
				// skopeo picks the image of this machine's platform (linux/amd64), as the bundle's docker tarballs do.
				cmds = append(cmds, exec.Command(h.skopeo, "copy", "--src-tls-verify=false", "docker://"+ref,
					fmt.Sprintf("docker-archive:%s:%s:%s", filepath.Join(pair, "archives", img.repo+"-"+img.tag+".tar"), img.repo, img.tag)))
			}
		}
		s = h.runTogether(cmds, "the crane and skopeo pair writing the bundle's files")
		s.sent = h.counters(h.src).BlobBytesSent - srcBefore.BlobBytesSent
		res[stageBundleWrite][subjBundlePair] = append(res[stageBundleWrite][subjBundlePair], s)
		sums := exec.Command("sh", "-c", "find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS")
		sums.Dir = pair
		res[stageBundleWrite][subjBundleSums] = append(res[stageBundleWrite][subjBundleSums], h.runPlain(sums, "sha256sum of the pair's files"))

		// Pushing inside: each subject into a fresh registry.
		push := func(subject string, cmds func(host string) []*exec.Cmd) {
			dir := filepath.Join(work, "inside-"+subject)
			dst := registryfake.StartProcess(h.t, h.regBin, dir)
			before := h.counters(dst)
			s := h.runTogether(cmds(dst.Host), subject+" pushing the bundle")
			s.received = h.counters(dst).BlobBytesReceived - before.BlobBytesReceived
			dst.Stop()
			_ = os.RemoveAll(dir)
			res[stageBundlePush][subject] = append(res[stageBundlePush][subject], s)
		}
		// The part of the inside push that verifies: the data source alone.
		s = h.runMeasured(h.terraformApply(filepath.Join(work, "tf-verify"), verifyConfig(ours)), "the data source verifying the bundle")
		res[stageBundlePush][subjVerifyOnly] = append(res[stageBundlePush][subjVerifyOnly], s)
		push(subjBundleOurs, func(host string) []*exec.Cmd {
			return []*exec.Cmd{h.terraformApply(filepath.Join(work, "tf-push"), insideConfig(ours, host))}
		})
		push(subjPushCrane, func(host string) []*exec.Cmd {
			var cmds []*exec.Cmd
			for _, img := range bundleImages {
				// A layout of one entry, image or index, is pushed as that entry.
				cmds = append(cmds, exec.Command(h.crane, "push", "--insecure", filepath.Join(pair, "layouts", img.repo), fmt.Sprintf("%s/zenml/%s:%s", host, img.repo, img.tag)))
			}
			for _, c := range bundleCharts {
				cmds = append(cmds, exec.Command(h.crane, "push", "--insecure", filepath.Join(pair, "layouts", "chart-"+c.name), fmt.Sprintf("%s/charts/%s:%s", host, c.name, c.version)))
			}
			return cmds
		})
		if h.skopeo != "" {
			push(subjPushSkopeo, func(host string) []*exec.Cmd {
				var cmds []*exec.Cmd
				layout := filepath.Join(ours, "images")
				for _, img := range bundleImages {
					cmds = append(cmds, exec.Command(h.skopeo, "copy", "--all", "--dest-tls-verify=false",
						fmt.Sprintf("oci:%s:%s:%s", layout, img.repo, img.tag), fmt.Sprintf("docker://%s/zenml/%s:%s", host, img.repo, img.tag)))
				}
				for _, c := range bundleCharts {
					cmds = append(cmds, exec.Command(h.skopeo, "copy", "--all", "--dest-tls-verify=false",
						fmt.Sprintf("oci:%s:charts/%s:%s", layout, c.name, c.version), fmt.Sprintf("docker://%s/charts/%s:%s", host, c.name, c.version)))
				}
				return cmds
			})
		}
		if err := os.RemoveAll(work); err != nil {
			h.t.Fatal(err)
		}
		h.t.Logf("bundle: run %d of %d done", run+1, runs)
	}
	return res
}

func (h *copyHarness) counters(p *registryfake.Process) registryfake.Counters {
	h.t.Helper()
	c, err := p.Counters()
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// bundleConfig is the zenmlpro_offline_bundle of the release from the source registry into dir.
func (h *copyHarness) bundleConfig(dir string) string {
	return requiredZenML + fmt.Sprintf(`resource "zenmlpro_offline_bundle" "release" {
  directory             = %q
  control_plane_version = "0.13.0"
  workspace_versions    = ["0.93.2"]
  source                = "private"
  registry              = "%s/zenml"
  chart_registry        = "%s/charts"
  internal_registry     = "registry.internal.example.com/zenml"
}
`, dir, h.src.Host, h.src.Host)
}

// verifyConfig reads the bundle at dir with the data source, which hashes every file of it.
func verifyConfig(dir string) string {
	return requiredZenML + fmt.Sprintf(`data "zenmlpro_offline_bundle" "inside" {
  path = %q
}
`, dir)
}

// insideConfig is verifyConfig and a mirror of each image and chart of the bundle into the registry at host.
func insideConfig(dir, host string) string {
	return verifyConfig(dir) + fmt.Sprintf(`resource "zenmlpro_image_mirror" "images" {
  for_each        = data.zenmlpro_offline_bundle.inside.images
  source_bundle   = { path = data.zenmlpro_offline_bundle.inside.path, image = each.key }
  target_registry = "%s/zenml"
}
resource "zenmlpro_image_mirror" "charts" {
  for_each        = data.zenmlpro_offline_bundle.inside.charts
  source_bundle   = { path = data.zenmlpro_offline_bundle.inside.path, chart = each.key }
  target_registry = "%s/charts"
}
`, host, host)
}

// runTogether starts every command at once, as a script that puts each in the background and waits,
// and returns the wall time until the last ends, the CPU of all, and the sum of their peak RSS (they
// run together).
func (h *copyHarness) runTogether(cmds []*exec.Cmd, what string) copySample {
	h.t.Helper()
	if len(cmds) == 1 {
		return h.runMeasured(cmds[0], what)
	}
	start := time.Now()
	out := make([]copySample, len(cmds))
	errs := make([]error, len(cmds))
	logs := make([]string, len(cmds))
	rssFiles := make([]string, len(cmds))
	for i := range cmds {
		rssFiles[i] = h.nextRSSFile()
	}
	var wg sync.WaitGroup
	for i, cmd := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], logs[i], errs[i] = h.tryMeasuredAt(cmd, rssFiles[i], nil)
		}()
	}
	wg.Wait()
	s := copySample{wall: time.Since(start)}
	for i := range cmds {
		if errs[i] != nil {
			h.t.Fatalf("%s: %v: %v\n%s", what, cmds[i].Args, errs[i], logs[i])
		}
		s.cpu += out[i].cpu
		s.rss += out[i].rss
	}
	return s
}

// runPlain runs cmd, which is not behind rsswrap, for its wall and CPU time.
func (h *copyHarness) runPlain(cmd *exec.Cmd, what string) copySample {
	h.t.Helper()
	start := time.Now()
	b, err := cmd.CombinedOutput()
	s := copySample{wall: time.Since(start)}
	if err != nil {
		h.t.Fatalf("%s: %v\n%s", what, err, b)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s
}
