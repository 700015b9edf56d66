// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// The slow-link part of the copy report: the same copy into a registry behind a loopback proxy that
// passes linkRate bytes a second in each direction, shared by every connection (one link), and an
// interrupted copy resumed.

// linkRate is the link's speed in bytes a second (20 MB/s).
const linkRate = 20e6

// linkSet is the image copied over the slow link: big enough for several seconds of transfer.
var linkSet = copySet{name: "link-300m", title: "one 315 MB image of 10 layers", layers: repeat(10, 30*mib)}

// bigChunk is the smallest chunk counted as a blob's: requests and answers without a body are smaller.
const bigChunk = 16 << 10

// pacer passes bytes at rate, shared by its callers: a chunk waits until the chunks before it are
// through, then occupies the link for its size over the rate.
type pacer struct {
	mu   sync.Mutex
	rate float64
	next time.Time // when the link is free
	// The window of blob traffic: from the start of the first big chunk to the end of the last, and
	// the bytes that went through within it.
	start, end time.Time
	bytes      int64
}

func (p *pacer) take(n int) {
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	begin := p.next
	p.next = p.next.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
	if n >= bigChunk && p.start.IsZero() {
		p.start = begin
	}
	if !p.start.IsZero() {
		p.bytes += int64(n)
		if n >= bigChunk {
			p.end = p.next
		}
	}
	p.mu.Unlock()
	time.Sleep(time.Until(begin))
}

// use is the share of the link's capacity that the blob traffic used, from its first big chunk to its
// last.
func (p *pacer) use() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.end.IsZero() {
		return 0
	}
	return float64(p.bytes) / p.rate / p.end.Sub(p.start).Seconds()
}

// slowLink is the proxy: Addr takes connections and relays them to the registry at target.
type slowLink struct {
	Addr     string
	ln       net.Listener
	target   string
	up, down *pacer
	upBytes  atomic.Int64
	// onUp is called with the bytes sent upstream so far after each chunk.
	onUp atomic.Pointer[func(int64)]
	wg   sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]bool // the open connections, both ends
	relays sync.WaitGroup
}

func startSlowLink(target string, rate float64) (*slowLink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &slowLink{Addr: ln.Addr().String(), ln: ln, target: target, up: &pacer{rate: rate}, down: &pacer{rate: rate}, conns: map[net.Conn]bool{}}
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

func (l *slowLink) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.relays.Add(1)
		go l.relay(c)
	}
}

// drop cuts every connection of the link and waits until their relays end: what a client had sent
// into the link before it died is not delivered later, into the next run's count.
func (l *slowLink) drop() {
	l.mu.Lock()
	for c := range l.conns {
		_ = c.Close()
	}
	l.mu.Unlock()
	l.relays.Wait()
}

func (l *slowLink) relay(c net.Conn) {
	defer l.relays.Done()
	s, err := net.Dial("tcp", l.target)
	if err != nil {
		_ = c.Close()
		return
	}
	l.mu.Lock()
	l.conns[c], l.conns[s] = true, true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.conns, c)
		delete(l.conns, s)
		l.mu.Unlock()
	}()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn, p *pacer, up bool) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				p.take(n)
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
				if up {
					total := l.upBytes.Add(int64(n))
					if f := l.onUp.Load(); f != nil {
						(*f)(total)
					}
				}
			}
			if err != nil {
				break
			}
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(s, c, l.up, true)
	go pipe(c, s, l.down, false)
	<-done
	<-done
	_ = c.Close()
	_ = s.Close()
}

func (l *slowLink) Close() {
	_ = l.ln.Close()
	l.wg.Wait()
	l.drop()
}

// linkSample is one copy over the slow link.
type linkSample struct {
	copySample
	use float64 // share of the link's capacity used by the blob traffic
}

// resumeSample is one interrupted copy and its second run.
type resumeSample struct {
	total, held     int64         // the blob bytes of the image, and those the target held complete after the interruption
	blobs, heldN    int           // blobs of the image, and those held
	received        int64         // blob bytes the target received in the second run
	second          time.Duration // the wall time of the second run
	interruptedAt   int64         // bytes through the link when the first run was interrupted
	firstRunOutcome string
	stopTook        time.Duration // from the interrupt to the end of the first run
}

// runLink measures each tool's copy over the slow link, runs times, and an interrupted copy resumed
// for the mirror and crane.
func (h *copyHarness) runLink(runs int) (map[string][]linkSample, map[string]resumeSample) {
	h.t.Helper()
	src := h.pushImage(h.src.Host+"/"+linkSet.name+"/zenml-pro-server:0.93.2", linkSet.layers, nil, 7)
	res := map[string][]linkSample{}
	through := func(tool copyTool, run int, f func(dst *registryfake.Process, link *slowLink)) {
		dir := filepath.Join(h.dir, fmt.Sprintf("link-%s-%d", tool.name, run))
		dst := registryfake.StartProcess(h.t, h.regBin, dir)
		link, err := startSlowLink(dst.Host, linkRate)
		if err != nil {
			h.t.Fatal(err)
		}
		f(dst, link)
		link.Close()
		dst.Stop()
		_ = os.RemoveAll(dir)
	}
	for run := range runs {
		for _, tool := range h.tools {
			through(tool, run, func(dst *registryfake.Process, link *slowLink) {
				before := h.counters(dst)
				s := h.runMeasured(tool.cmd(filepath.Join(h.dir, "work", fmt.Sprintf("link-%s-%d", tool.name, run)), src, link.Addr+"/site/zenml-pro-server:0.93.2"),
					tool.name+" copying over the slow link")
				s.received = h.counters(dst).BlobBytesReceived - before.BlobBytesReceived
				res[tool.name] = append(res[tool.name], linkSample{copySample: s, use: link.up.use()})
			})
		}
		h.t.Logf("slow link: run %d of %d done", run+1, runs)
	}

	blobs := h.blobsOf(src)
	resumed := map[string]resumeSample{}
	for _, tool := range h.tools {
		if tool.name == "skopeo" {
			continue // the target of the resume is the provider; crane is beside it as the reference
		}
		through(tool, runs, func(dst *registryfake.Process, link *slowLink) {
			var r resumeSample
			for _, b := range blobs {
				r.total += b.size
			}
			r.blobs = len(blobs)
			target := link.Addr + "/site/zenml-pro-server:0.93.2"
			dir := filepath.Join(h.dir, "work", "resume-"+tool.name)
			var once sync.Once
			var sigAt time.Time
			s, out, err := h.tryMeasured(tool.cmd(dir, src, target), func(cmd *exec.Cmd) {
				f := func(total int64) {
					if total >= r.total/2 {
						once.Do(func() {
							r.interruptedAt = total
							sigAt = time.Now()
							_ = cmd.Process.Signal(os.Interrupt)
						})
					}
				}
				link.onUp.Store(&f)
			})
			link.onUp.Store(nil)
			link.drop()
			h.t.Logf("%s interrupted:\n%s", tool.name, out)
			if !sigAt.IsZero() {
				r.stopTook = time.Since(sigAt)
			}
			r.firstRunOutcome = lastLine(out)
			if err == nil {
				r.firstRunOutcome = "not interrupted: the copy ended before the interrupt took effect"
			}
			for _, b := range blobs {
				if h.hasBlob(dst.Host, "site/zenml-pro-server", b.digest) {
					r.held += b.size
					r.heldN++
				}
			}
			before := h.counters(dst)
			s = h.runMeasured(tool.cmd(dir, src, target), tool.name+" resuming over the slow link")
			r.second = s.wall
			r.received = h.counters(dst).BlobBytesReceived - before.BlobBytesReceived
			resumed[tool.name] = r
		})
	}
	return res, resumed
}

type blobRef struct {
	digest string
	size   int64
}

// blobsOf lists the config and layers of the image at ref.
func (h *copyHarness) blobsOf(ref string) []blobRef {
	h.t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		h.t.Fatal(err)
	}
	img, err := remote.Image(r)
	if err != nil {
		h.t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		h.t.Fatal(err)
	}
	out := []blobRef{{m.Config.Digest.String(), m.Config.Size}}
	for _, l := range m.Layers {
		out = append(out, blobRef{l.Digest.String(), l.Size})
	}
	return out
}

// hasBlob asks the registry at host whether it holds a blob complete.
func (h *copyHarness) hasBlob(host, repo, digest string) bool {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, fmt.Sprintf("http://%s/v2/%s/blobs/%s", host, repo, digest), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// lastLine is the last "Error: ..." line of a command's output (Terraform's diagnostic summary, a
// tool's error), or else its last line.
func lastLine(s string) string {
	var last, lastErr string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		last = l
		if strings.HasPrefix(l, "Error: ") && l != "Error: execution halted" {
			lastErr = l
		}
	}
	if lastErr != "" {
		return lastErr
	}
	return last
}
