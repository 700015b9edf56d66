// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// TimeoutError says that the time a call was given, retries included, ran out while a registry had
// not answered: a registry that accepts connections and never answers, or answers too slowly.
type TimeoutError struct {
	// Host is the registry (or its token service) whose answer was awaited when the time ran out;
	// "" when the time ran out outside a request to a registry (a cloud token being fetched, say).
	Host string
	// Doing is what the client was doing, e.g. "resolving harbor.example.com/zenml/zenml-pro-server:0.93.2".
	Doing string
	// Timeout is the time the call was given.
	Timeout time.Duration
	// Err is the error of the retries, whose last error is the request that was cut.
	Err error
}

func (e *TimeoutError) Error() string {
	who := "no answer came"
	if e.Host != "" {
		who = "the registry " + e.Host + " did not answer"
	}
	return fmt.Sprintf("%s while %s within the %s timeout (%v)", who, e.Doing, e.Limit(), e.LastError())
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// Verb is the first word of Doing: resolving, reading, copying, downloading, pushing or deleting.
func (e *TimeoutError) Verb() string {
	verb, _, _ := strings.Cut(e.Doing, " ")
	return verb
}

// Limit is the timeout as a user writes it: "3s", "2m", "1h30m".
func (e *TimeoutError) Limit() string {
	s := e.Timeout.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// LastError is the error of the last attempt, without the retries' account (of the attempt before
// the one the deadline cut, when there was one: a 503, say).
func (e *TimeoutError) LastError() error {
	var re *retry.Error
	if errors.As(e.Err, &re) {
		return re.Err
	}
	return e.Err
}

// timedOut turns the error of a call that ran out of time while waiting for an answer (an attempt
// cut by the deadline, or a last attempt that timed out) into a *TimeoutError naming the host that
// did not answer; other errors are returned as they are.
func timedOut(err error, doing string, timeout time.Duration, w *hostWatch) error {
	var re *retry.Error
	if !errors.As(err, &re) || re.Reason != retry.StopDeadline || (re.Cut() == nil && !isTimeout(re.Err)) {
		return err
	}
	return &TimeoutError{Host: w.awaited(), Doing: doing, Timeout: timeout, Err: err}
}

// isTimeout reports whether err is a wait that ran out: a context's deadline or a network timeout
// (the transport's response header timeout, a dial or TLS handshake timeout).
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())
}

// hostWatch follows the requests of one attempt of a call, to name the registry that did not answer
// when the attempt's context ends (or a request runs into a transport timeout): of the requests
// that failed so, the one that went longest without progress (no byte of its body sent, no byte of
// its answer received). A registry that stops sending a blob stalls the upload it feeds too, but the
// upload's last byte came after the download's. The transport finds the watch in the requests'
// context.
type hostWatch struct {
	mu sync.Mutex
	// stalled is the failed request that went longest without progress.
	stalled *flight
}

// flight is one request of a watched attempt.
type flight struct {
	w    *hostWatch
	host string
	mu   sync.Mutex
	last time.Time // the last progress: sent, a byte of the body sent or of the answer received
	done bool
}

type hostWatchKey struct{}

// withHostWatch returns ctx with a new hostWatch.
func withHostWatch(ctx context.Context) (context.Context, *hostWatch) {
	w := &hostWatch{}
	return context.WithValue(ctx, hostWatchKey{}, w), w
}

func hostWatchOf(ctx context.Context) *hostWatch {
	w, _ := ctx.Value(hostWatchKey{}).(*hostWatch)
	return w
}

// begin starts following a request to host.
func (w *hostWatch) begin(host string) *flight {
	return &flight{w: w, host: host, last: time.Now()}
}

// progress notes that the request moved on.
func (f *flight) progress() {
	f.mu.Lock()
	f.last = time.Now()
	f.mu.Unlock()
}

// end notes that the request finished; err is how it failed (nil or io.EOF: it did not). A request
// that failed because its context ended or with a timeout is a candidate for the host that did not
// answer.
func (f *flight) end(ctx context.Context, err error) {
	f.mu.Lock()
	if f.done {
		f.mu.Unlock()
		return
	}
	f.done = true
	last := f.last
	f.mu.Unlock()
	if err == nil || err == io.EOF || (ctx.Err() == nil && !isTimeout(err)) {
		return
	}
	w := f.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stalled == nil || last.Before(w.stalled.last) {
		w.stalled = &flight{host: f.host, last: last}
	}
}

// awaited is the host that did not answer, or "".
func (w *hostWatch) awaited() string {
	if w == nil {
		return ""
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stalled == nil {
		return ""
	}
	return w.stalled.host
}

// watchedBody is a request's or an answer's body whose reads are the flight's progress; a failed
// read of an answer ends the flight.
type watchedBody struct {
	io.ReadCloser
	ctx    context.Context
	f      *flight
	answer bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.f.progress()
	}
	if err != nil && b.answer {
		b.f.end(b.ctx, err)
	}
	return n, err
}

func (b *watchedBody) Close() error {
	if b.answer {
		b.f.end(b.ctx, nil)
	}
	return b.ReadCloser.Close()
}
