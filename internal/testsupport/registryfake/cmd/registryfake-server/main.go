// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Command registryfake-server serves go-containerregistry's registry (pkg/registry) with its blobs
// in a directory, on a free loopback port, for tests that must not hold the registry in their own
// process: a benchmark of the memory of an image copy would otherwise count the registry's buffers.
// It prints its address (host:port) on stdout as one line once it listens, and exits when its stdin
// closes (the test ended or died) or on SIGTERM or an interrupt. GET /-/counters answers what it
// has served so far, as JSON (see counters), for benchmarks that count the bytes a copy moved.
//
// The registry keeps manifests in memory. Its disk blob handler writes a blob to the directory as
// the final PUT of an upload streams in, but in go-containerregistry v0.22.1 the registry buffers
// the chunks of an upload (PATCH) in memory until that PUT: a 500 MB blob grows a 500 MB buffer by
// doubling, which costs seconds of page faults and GC on a small virtual machine. The server
// therefore keeps those chunks in files of its own and hands the registry the whole blob as the
// body of the final PUT (see diskUploads).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	dir := flag.String("dir", "", "directory of the blobs (created if missing)")
	verbose := flag.Bool("v", false, "log every request on stderr")
	flag.Parse()
	if err := run(*dir, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "registryfake-server:", err)
		os.Exit(1)
	}
}

func run(dir string, verbose bool) error {
	if dir == "" {
		return errors.New("-dir is required")
	}
	uploads := filepath.Join(dir, "uploads")
	if err := os.MkdirAll(uploads, 0o755); err != nil {
		return err
	}
	logger := log.New(io.Discard, "", 0)
	if verbose {
		logger = log.New(os.Stderr, "registryfake-server: ", log.LstdFlags)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: &counting{next: &diskUploads{
			dir:  uploads,
			next: registry.New(registry.Logger(logger), registry.WithBlobHandler(registry.NewDiskBlobHandler(dir))),
		}},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          logger,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Println(ln.Addr().String()); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		// Nothing is sent on stdin: it reaches EOF when the parent closes it or dies.
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	// Uploads in flight are of no use once the test is gone: close at once.
	if err := srv.Close(); err != nil {
		return err
	}
	return nil
}

// diskUploads keeps the chunks of blob uploads (PATCH /v2/<name>/blobs/uploads/<id>) in a file per
// upload in dir, and passes the final PUT of an upload to the registry with the file's bytes
// before the PUT's own, as if the whole blob came with the PUT. Everything else, the start of an
// upload (POST) and uploads of a single PUT included, goes to the registry as it is.
type diskUploads struct {
	dir  string
	next http.Handler

	mu   sync.Mutex
	busy map[string]bool // uploads with a request in progress
}

func (u *diskUploads) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	i := strings.LastIndex(req.URL.Path, "/blobs/uploads/")
	id := ""
	if i >= 0 {
		id = req.URL.Path[i+len("/blobs/uploads/"):]
	}
	// The registry's upload ids are decimal numbers: anything else is the registry's to answer.
	if _, err := strconv.ParseUint(id, 10, 64); err != nil || (req.Method != http.MethodPatch && req.Method != http.MethodPut) {
		u.next.ServeHTTP(w, req)
		return
	}
	u.mu.Lock()
	if u.busy[id] {
		u.mu.Unlock()
		writeError(w, http.StatusBadRequest, "BLOB_UPLOAD_INVALID", "another request of this upload is in progress")
		return
	}
	if u.busy == nil {
		u.busy = map[string]bool{}
	}
	u.busy[id] = true
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		delete(u.busy, id)
		u.mu.Unlock()
	}()
	path := filepath.Join(u.dir, id)
	if req.Method == http.MethodPatch {
		u.patch(w, req, path)
		return
	}
	u.put(w, req, path)
}

// patch appends the request's body to the upload's file.
func (u *diskUploads) patch(w http.ResponseWriter, req *http.Request, path string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	have := fi.Size()
	// As the registry does: a chunk must say where it starts (Content-Range: <start>-<end>) and
	// start where the upload ends, unless it is the first and only one (a streamed upload).
	if cr := req.Header.Get("Content-Range"); cr != "" {
		var start, end int64
		if _, err := fmt.Sscanf(cr, "%d-%d", &start, &end); err != nil || start != have {
			writeError(w, http.StatusRequestedRangeNotSatisfiable, "BLOB_UPLOAD_UNKNOWN", "Your content range doesn't match what we have")
			return
		}
	} else if have > 0 {
		writeError(w, http.StatusBadRequest, "BLOB_UPLOAD_INVALID", "Stream uploads after first write are not allowed")
		return
	}
	n, err := io.Copy(f, req.Body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	if err := f.Close(); err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	w.Header().Set("Location", req.URL.Path)
	w.Header().Set("Range", fmt.Sprintf("0-%d", have+n-1))
	w.WriteHeader(http.StatusAccepted)
}

// put passes the final PUT to the registry with the upload's file before its body, and removes
// the file.
func (u *diskUploads) put(w http.ResponseWriter, req *http.Request, path string) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		u.next.ServeHTTP(w, req) // an upload of a single PUT
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(path)
	}()
	fi, err := f.Stat()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	whole := req.Clone(req.Context())
	whole.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(f, req.Body), req.Body}
	whole.ContentLength = -1 // unknown: the registry then checks the digest alone
	if req.ContentLength >= 0 {
		whole.ContentLength = fi.Size() + req.ContentLength
	}
	u.next.ServeHTTP(w, whole)
}

// writeError answers with an error of the distribution API.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`, code, msg)
}

// counters are the bytes a registry received in request bodies and sent in response bodies, in all and
// for blobs only (blob reads, and blob uploads: PATCH and PUT of /blobs/uploads/), and the requests by
// method.
type counters struct {
	BytesReceived     int64            `json:"bytes_received"`
	BytesSent         int64            `json:"bytes_sent"`
	BlobBytesReceived int64            `json:"blob_bytes_received"`
	BlobBytesSent     int64            `json:"blob_bytes_sent"`
	Requests          map[string]int64 `json:"requests"`
}

// counting counts what passes through next, and answers GET /-/counters itself.
type counting struct {
	next http.Handler
	mu   sync.Mutex
	c    counters
}

func (h *counting) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/-/counters" {
		h.mu.Lock()
		body, err := json.Marshal(h.c)
		h.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		return
	}
	blob := strings.Contains(req.URL.Path, "/blobs/")
	in := &countedBody{ReadCloser: req.Body}
	req.Body = in
	out := &countedWriter{ResponseWriter: w}
	h.next.ServeHTTP(out, req)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.c.Requests == nil {
		h.c.Requests = map[string]int64{}
	}
	h.c.Requests[req.Method]++
	h.c.BytesReceived += in.n
	h.c.BytesSent += out.n
	if blob {
		h.c.BlobBytesReceived += in.n
		if req.Method == http.MethodGet {
			h.c.BlobBytesSent += out.n
		}
	}
}

type countedBody struct {
	io.ReadCloser
	n int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

type countedWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countedWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// ReadFrom keeps the registry's io.Copy of a blob file to the answer counted.
func (w *countedWriter) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{w}, r)
}
