// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package registryfake

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// serverPackage is the command that serves a registry in a child process.
const serverPackage = "github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake/cmd/registryfake-server"

// BuildServer builds cmd/registryfake-server into a temporary directory of tb and returns the
// path of the binary, for StartProcess. Build it once per test or benchmark: each build takes a
// second or more.
func BuildServer(tb testing.TB) string {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		tb.Fatalf("registryfake: building the registry server needs the go command: %v", err)
	}
	bin := filepath.Join(tb.TempDir(), "registryfake-server")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if out, err := exec.Command(goBin, "build", "-o", bin, serverPackage).CombinedOutput(); err != nil {
		tb.Fatalf("registryfake: building %s: %v\n%s", serverPackage, err, out)
	}
	return bin
}

// Process is a registry served by another process (the binary of BuildServer), with its blobs in
// a directory: the memory the registry spends on uploads and blobs is not the test's. It serves
// plain HTTP on loopback, without authentication or faults.
type Process struct {
	// Host is host:port of the registry, e.g. 127.0.0.1:40123.
	Host string

	cmd      *exec.Cmd
	stdin    io.WriteCloser
	stderr   bytes.Buffer // written by the command until it exits
	exited   chan struct{}
	err      error // of the command, once exited is closed
	stopOnce sync.Once
}

// processStartTimeout bounds the wait for the server's address.
const processStartTimeout = 30 * time.Second

// StartProcess runs the server binary bin with its blobs in dir (created if missing) until Stop or
// the end of the test. The server exits on its own when the test process dies, as its stdin closes.
func StartProcess(tb testing.TB, bin, dir string) *Process {
	tb.Helper()
	p, err := LaunchProcess(bin, dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Stop)
	return p
}

// LaunchProcess is StartProcess for a server that outlives the test that starts it, such as one
// that several runs of a sub-benchmark share: the caller stops it.
func LaunchProcess(bin, dir string) (*Process, error) {
	p := &Process{cmd: exec.Command(bin, "-dir", dir), exited: make(chan struct{})}
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("registryfake: %w", err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("registryfake: %w", err)
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("registryfake: starting %s: %w", bin, err)
	}
	type line struct {
		s   string
		err error
	}
	first := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(stdout).ReadString('\n')
		first <- line{s, err}
	}()
	var got line
	select {
	case got = <-first:
	case <-time.After(processStartTimeout):
		_ = p.cmd.Process.Kill()
		got = <-first
		got.err = fmt.Errorf("no address after %s", processStartTimeout)
	}
	// Wait closes stdout: it is called only once the address has been read.
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	if got.err != nil {
		_ = p.cmd.Process.Kill()
		<-p.exited
		return nil, fmt.Errorf("registryfake: %s did not start (%v, %v): %s", bin, got.err, p.err, strings.TrimSpace(p.stderr.String()))
	}
	p.Host = strings.TrimSpace(got.s)
	return p, nil
}

// Stop ends the server (it closes the server's stdin, then kills it if it has not exited within
// 10 seconds) and waits until it has exited. Stopping a stopped server does nothing.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		_ = p.stdin.Close()
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
}

// Counters are what a registry process served: bytes received in request bodies and sent in answers,
// in all and for blobs alone, and requests by method.
type Counters struct {
	BytesReceived     int64            `json:"bytes_received"`
	BytesSent         int64            `json:"bytes_sent"`
	BlobBytesReceived int64            `json:"blob_bytes_received"`
	BlobBytesSent     int64            `json:"blob_bytes_sent"`
	Requests          map[string]int64 `json:"requests"`
}

// Counters reads the process's counters (GET /-/counters), counted since it started.
func (p *Process) Counters() (Counters, error) {
	var c Counters
	resp, err := http.Get("http://" + p.Host + "/-/counters")
	if err != nil {
		return c, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return c, fmt.Errorf("GET /-/counters answered %s", resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&c)
	return c, err
}
