// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package cpfake serves stand-ins for ZenML Pro's Control Plane API and for a ZenML workspace
// server on loopback, for tests and the demo. The Control Plane keeps organizations and workspaces
// in memory and answers the calls of its public API that the provider makes (login, organizations,
// workspaces with their enrollment); a workspace server answers /health and /api/v1/info with a
// server model the caller sets.
//
// Both serve plain HTTP, or HTTPS with a certificate the caller gives, and both take faults on
// demand, which no real server produces when a test wants them: the next n matching requests
// answered with an error status (FailNext), answers held back for a while (SetDelay). They count
// the requests they receive (Requests), faulted ones included.
package cpfake

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultListen is the address the fakes listen on when their options name none: a free port on
// loopback.
const DefaultListen = "127.0.0.1:0"

// server is the listener and HTTP server under a fake.
type server struct {
	listen    string
	tlsConfig *tls.Config // nil for plain HTTP
	handler   http.Handler

	mu      sync.Mutex
	srv     *http.Server
	url     string
	started bool
}

// newServer checks the TLS key pair, if any, of a fake that will listen on listen.
func newServer(listen string, certPEM, keyPEM []byte, handler http.Handler) (*server, error) {
	if listen == "" {
		listen = DefaultListen
	}
	s := &server{listen: listen, handler: handler}
	switch {
	case len(certPEM) == 0 && len(keyPEM) == 0:
	case len(certPEM) == 0 || len(keyPEM) == 0:
		return nil, errors.New("cpfake: a TLS certificate needs its key, and a key its certificate")
	default:
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("cpfake: the TLS certificate and key: %w", err)
		}
		s.tlsConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// start listens and serves in the background.
func (s *server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("cpfake: already started")
	}
	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		return fmt.Errorf("cpfake: %w", err)
	}
	s.started = true
	s.srv = &http.Server{
		Handler:           s.handler,
		TLSConfig:         s.tlsConfig,
		ReadHeaderTimeout: 30 * time.Second,
		// Handshakes that tests make fail on purpose, and clients that go away, are no news.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	scheme := "http"
	if s.tlsConfig != nil {
		scheme = "https"
	}
	s.url = scheme + "://" + urlHost(s.listen, ln.Addr())
	srv := s.srv
	go func() {
		if s.tlsConfig != nil {
			_ = srv.ServeTLS(ln, "", "")
		} else {
			_ = srv.Serve(ln)
		}
	}()
	return nil
}

// urlHost is host:port of a URL for a server that listens on listen and got the address addr: the
// host as listen names it (so a certificate for "localhost" fits), 127.0.0.1 for an unspecified
// one, and the port it got.
func urlHost(listen string, addr net.Addr) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return net.JoinHostPort(host, port)
}

// URL is the base URL, without a trailing slash; empty before start.
func (s *server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// close stops serving at once, cutting requests in progress.
func (s *server) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	s.srv = nil
	return err
}

// faultRule answers the next left requests that match with status.
type faultRule struct {
	method, prefix string
	status, left   int
}

// delayRule holds the answers of requests that match for d.
type delayRule struct {
	method, prefix string
	d              time.Duration
}

// requestKey is a method and a path of a request received.
type requestKey struct{ method, path string }

// faults injects faults in front of a handler and counts the requests that reach it.
type faults struct {
	mu     sync.Mutex
	fail   []*faultRule
	delays []delayRule
	seen   map[requestKey]int
	// held counts the answers being held back by a delay right now.
	held atomic.Int64
}

// matches says whether a request with method and path matches a rule of method and prefix ("" for
// either matches everything).
func matches(ruleMethod, prefix, method, path string) bool {
	return (ruleMethod == "" || strings.EqualFold(ruleMethod, method)) && strings.HasPrefix(path, prefix)
}

// failNext adds a rule answering the next n matching requests with status.
func (f *faults) failNext(method, prefix string, status, n int) {
	if status < 100 || status > 999 {
		panic(fmt.Sprintf("cpfake: FailNext with the HTTP status %d", status))
	}
	if n < 1 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, &faultRule{method: method, prefix: prefix, status: status, left: n})
}

// setDelay sets, replaces or (with d <= 0) removes the delay of method and prefix.
func (f *faults) setDelay(method, prefix string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.delays {
		if strings.EqualFold(r.method, method) && r.prefix == prefix {
			f.delays = append(f.delays[:i], f.delays[i+1:]...)
			break
		}
	}
	if d > 0 {
		f.delays = append(f.delays, delayRule{method: method, prefix: prefix, d: d})
	}
}

// clear removes every fault and delay; the request counts stay.
func (f *faults) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.delays = nil, nil
}

// requests counts the requests received that match method and prefix.
func (f *faults) requests(method, prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for k, c := range f.seen {
		if matches(method, prefix, k.method, k.path) {
			n += c
		}
	}
	return n
}

// wrap counts every request, answers those a fault rule matches with its status (next is not
// called: the request has no effect), and holds the answers a delay rule matches (next is called
// first: the request takes effect, its answer is late or, if the client gives up, lost).
func (f *faults) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, path := r.Method, r.URL.Path
		f.mu.Lock()
		if f.seen == nil {
			f.seen = map[requestKey]int{}
		}
		f.seen[requestKey{method, path}]++
		status := 0
		for i, rule := range f.fail {
			if matches(rule.method, rule.prefix, method, path) {
				status = rule.status
				if rule.left--; rule.left == 0 {
					f.fail = append(f.fail[:i], f.fail[i+1:]...)
				}
				break
			}
		}
		var delay time.Duration
		for _, rule := range f.delays {
			if matches(rule.method, rule.prefix, method, path) {
				delay = rule.d
				break
			}
		}
		f.mu.Unlock()

		if status == 0 && delay == 0 {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		if status != 0 {
			if r.Body != nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
			}
			if status == http.StatusTooManyRequests {
				rec.Header().Set("Retry-After", "1")
			}
			writeDetail(rec, status, fmt.Sprintf("injected %d %s", status, http.StatusText(status)))
		} else {
			next.ServeHTTP(rec, r)
		}
		if delay > 0 {
			f.held.Add(1)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
				f.held.Add(-1)
			case <-r.Context().Done():
				t.Stop()
				f.held.Add(-1)
				return // the client is gone: nobody to answer
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"detail":"cpfake: encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// writeDetail answers with status and {"detail": detail}, the error body of ZenML's APIs.
func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]string{"detail": detail})
}

// methodNotAllowed answers 405 for a path that allows only the methods allowed.
func methodNotAllowed(w http.ResponseWriter, allowed ...string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeDetail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
}

// serveHealth answers GET /health as ZenML's servers do.
func serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, http.MethodGet, http.MethodHead)
		return
	}
	writeJSON(w, http.StatusOK, "OK")
}

// NewUUID returns a random (version 4) UUID in its lowercase text form.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isUUID says whether s is a UUID in its text form (either case).
func isUUID(s string) bool { return uuidPattern.MatchString(s) }

// randomHex returns n random bytes as 2n hexadecimal digits.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
