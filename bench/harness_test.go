// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// Operations measured per size and subject, in the order they run.
const (
	opApply   = "apply"
	opPlan    = "plan"
	opDestroy = "destroy"
)

var ops = []string{opApply, opPlan, opDestroy}

// sample is one measured terraform command.
type sample struct {
	wall time.Duration
	// cpu is the user and system time of terraform and every process it waited for (the providers).
	cpu time.Duration
	// providerCPU and providerRSS are the provider processes' CPU time (summed) and peak resident set
	// size (the largest), as rsswrap records them; zero for terraform_data.
	providerCPU time.Duration
	providerRSS int64 // KiB
	// serverCPU is the CPU time the report's MariaDB used during the command.
	serverCPU time.Duration
	// Counters of the services, for the subjects that talk to them.
	statements, connections int64
	api                     map[string]int
	manifests               int
}

// harness holds the built providers, the services and the counters.
type harness struct {
	t        *testing.T
	dir      string
	rc       string // the Terraform CLI configuration (dev_overrides)
	bins     map[string]string
	mdb      *testsupport.MariaDB
	moto     *testsupport.AWSServer
	proxy    *countingProxy
	registry *registryfake.Registry
	repos    []string
	env      []string
	seq      int
}

// providers are the plugins the report builds: where each main package is (relative to the bench
// module) and which directory the go command runs in.
var providers = []struct{ name, dir, pkg string }{
	{"zenmlpro", "..", "."},
	{"floor", "..", "./internal/provider/testdata/floorprovider"},
	{"floorschema", ".", "./floorschema"},
}

func newHarness(t *testing.T, peer string) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), bins: map[string]string{}}
	wrap := filepath.Join(h.dir, "rsswrap")
	h.run(".", "go", "build", "-o", wrap, "./rsswrap")
	var overrides strings.Builder
	all := providers
	if peer != "" {
		all = append(all, struct{ name, dir, pkg string }{"mysql", peer, "."})
	}
	for _, p := range all {
		binDir := filepath.Join(h.dir, "bin", p.name)
		if err := os.MkdirAll(binDir, 0o755); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(binDir, "terraform-provider-"+p.name)
		h.run(p.dir, "go", "build", "-o", bin+".real", p.pkg)
		h.run(".", "cp", wrap, bin)
		h.bins[p.name] = bin + ".real"
		source := "zenmlpro-infra/" + p.name
		if p.name == "mysql" {
			source = "petoju/mysql"
		}
		fmt.Fprintf(&overrides, "    %q = %q\n", source, binDir)
	}
	h.rc = filepath.Join(h.dir, "terraformrc")
	rc := "provider_installation {\n  dev_overrides {\n" + overrides.String() + "  }\n  direct {}\n}\n"
	if err := os.WriteFile(h.rc, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}

	h.mdb = testsupport.StartMariaDB(t)
	h.moto = testsupport.AWS(t)
	h.proxy = newCountingProxy(t, h.moto.Endpoint)
	for i := range benchRepositories {
		repo := testsupport.UniqueName(t, fmt.Sprintf("mirror%d", i))
		h.moto.CreateRepository(repo)
		h.repos = append(h.repos, repo)
	}
	h.registry = registryfake.Start(t, registryfake.Options{})
	h.registry.PushIndex(t, "zenml/zenml-pro-server:"+benchVersion, "linux/amd64", "linux/arm64")
	h.env = []string{
		"TF_CLI_CONFIG_FILE=" + h.rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"TF_VAR_admin_password=" + h.mdb.Admin.Password, "TF_VAR_db_password=bench-workspace-password",
		"AWS_ACCESS_KEY_ID=" + h.moto.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + h.moto.SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
	return h
}

// run runs a command of the set-up, failing the test with its output.
func (h *harness) run(dir, name string, args ...string) {
	h.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		h.t.Fatalf("%s %v in %s: %v\n%s", name, args, dir, err, out)
	}
}

// workdir writes a configuration into a new working directory.
func (h *harness) workdir(name, config string) string {
	h.t.Helper()
	dir := filepath.Join(h.dir, "work", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return dir
}

// measure runs one terraform command in dir and measures it; counted says whether the services'
// counters are read around it. A failing command fails the test; `plan -detailed-exitcode` must find
// no change.
func (h *harness) measure(dir string, counted bool, extraEnv []string, args ...string) sample {
	h.t.Helper()
	s, err := h.try(dir, counted, extraEnv, args...)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// try is measure that returns a failed command's error (with its output) instead of failing the test.
func (h *harness) try(dir string, counted bool, extraEnv []string, args ...string) (sample, error) {
	h.t.Helper()
	h.seq++
	rssFile := filepath.Join(h.dir, "rss-"+strconv.Itoa(h.seq))
	var s sample
	var connBefore, stmtBefore int64
	var manBefore int
	if counted {
		connBefore, stmtBefore = h.mdb.GlobalStatus("Connections"), h.mdb.GlobalStatus("Questions")
		manBefore = h.registry.ManifestRequests()
		h.proxy.reset()
	}
	cmd := exec.Command("terraform", append([]string{"-chdir=" + dir}, args...)...)
	cmd.Env = append(append(append(os.Environ(), h.env...), extraEnv...), "BENCH_RSS_FILE="+rssFile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	serverBefore := h.mdb.CPU()
	start := time.Now()
	err := cmd.Run()
	s.wall = time.Since(start)
	s.serverCPU = h.mdb.CPU() - serverBefore
	if err != nil {
		return s, fmt.Errorf("terraform %v in %s: %w\n%s", args, dir, err, out.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if b, err := os.ReadFile(rssFile); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var rss, user, sys int64
			if _, err := fmt.Sscan(line, &rss, &user, &sys); err == nil {
				s.providerRSS = max(s.providerRSS, rss)
				s.providerCPU += time.Duration(user+sys) * time.Microsecond
			}
		}
	}
	if counted {
		// Besides the command's statements, Questions counts the two status reads after it.
		s.connections = h.mdb.GlobalStatus("Connections") - connBefore
		s.statements = h.mdb.GlobalStatus("Questions") - stmtBefore - 2
		s.manifests = h.registry.ManifestRequests() - manBefore
		s.api = h.proxy.snapshot()
	}
	return s, nil
}

// firstError is the first "Error:" line of a failed command's output, for the report.
func firstError(err error) string {
	for _, line := range strings.Split(err.Error(), "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "Error:") {
			return t
		}
	}
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// countingProxy stands between the provider and moto and counts the AWS API calls by action.
type countingProxy struct {
	URL    string
	mu     sync.Mutex
	counts map[string]int
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := r.Header.Get("X-Amz-Target")
		if i := strings.LastIndex(action, "."); i >= 0 {
			action = action[i+1:]
		}
		if action == "" && r.Body != nil {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if q, err := url.ParseQuery(string(body)); err == nil {
				action = q.Get("Action")
			}
		}
		if action == "" {
			action = r.Method + " " + r.URL.Path
		}
		p.mu.Lock()
		p.counts[action]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	})}
	ln := listenLoopback(t)
	p.URL = "http://" + ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

func (p *countingProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts = map[string]int{}
}

func (p *countingProxy) snapshot() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

// stats are the median, minimum and maximum of durations.
type stats struct{ median, min, max time.Duration }

func durations(samples []sample, f func(sample) time.Duration) stats {
	if len(samples) == 0 {
		return stats{}
	}
	d := make([]time.Duration, len(samples))
	for i, s := range samples {
		d[i] = f(s)
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	m := d[len(d)/2]
	if len(d)%2 == 0 {
		m = (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	return stats{median: m, min: d[0], max: d[len(d)-1]}
}

func medianInt(samples []sample, f func(sample) int64) int64 {
	if len(samples) == 0 {
		return 0
	}
	v := make([]int64, len(samples))
	for i, s := range samples {
		v[i] = f(s)
	}
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return v[len(v)/2]
}

func maxInt(samples []sample, f func(sample) int64) int64 {
	var m int64
	for _, s := range samples {
		m = max(m, f(s))
	}
	return m
}

// machine describes where the report was measured.
func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				_, model, _ = strings.Cut(line, ":")
				model = strings.TrimSpace(model)
				break
			}
		}
	}
	out := fmt.Sprintf("%d CPUs (%s/%s)", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	if model != "" {
		out += ", " + model
	}
	return out
}
