// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package retry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// deadlineClock is a fake DeadlineClock: the contexts it makes end, with context.DeadlineExceeded,
// when Advance or Sleep moves its time to their deadline, so that a test can let an attempt hang
// until the deadline without waiting.
type deadlineClock struct {
	mu        sync.Mutex
	now       time.Time
	deadlines []time.Time // of the contexts made, in order
	open      []*clockContext
}

func newDeadlineClock(now time.Time) *deadlineClock { return &deadlineClock{now: now} }

func (c *deadlineClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *deadlineClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// Advance moves the time forward by d and ends the contexts whose deadline it reaches.
func (c *deadlineClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*clockContext
	kept := c.open[:0]
	for _, x := range c.open {
		if !c.now.Before(x.deadline) {
			due = append(due, x)
		} else {
			kept = append(kept, x)
		}
	}
	c.open = kept
	c.mu.Unlock()
	for _, x := range due {
		x.end(context.DeadlineExceeded)
	}
}

func (c *deadlineClock) WithDeadline(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	x := &clockContext{Context: parent, deadline: d, done: make(chan struct{})}
	c.mu.Lock()
	c.deadlines = append(c.deadlines, d)
	expired := !c.now.Before(d)
	if !expired {
		c.open = append(c.open, x)
	}
	c.mu.Unlock()
	if expired {
		x.end(context.DeadlineExceeded)
	}
	stop := context.AfterFunc(parent, func() { x.end(parent.Err()) })
	return x, func() { stop(); x.end(context.Canceled) }
}

// clockContext is a context of a deadlineClock.
type clockContext struct {
	context.Context
	deadline time.Time
	done     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	err      error
}

func (x *clockContext) Deadline() (time.Time, bool) { return x.deadline, true }
func (x *clockContext) Done() <-chan struct{}       { return x.done }

func (x *clockContext) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

func (x *clockContext) end(err error) {
	x.once.Do(func() {
		x.mu.Lock()
		x.err = err
		x.mu.Unlock()
		close(x.done)
	})
}

var errThrottled = kindErr{Throttle, "429 Too Many Requests"}

// Every attempt runs under a context that ends at the operation's deadline: Timeout after the start,
// or the caller's deadline when that is earlier.
func TestDoAttemptsEndAtTheDeadline(t *testing.T) {
	start := time.Now()
	for name, tc := range map[string]struct {
		ctxDeadline time.Duration // 0: none
		want        time.Duration
	}{
		"the timeout":                       {want: 10 * time.Second},
		"an earlier deadline of the caller": {ctxDeadline: 7 * time.Second, want: 7 * time.Second},
		"a later deadline of the caller":    {ctxDeadline: time.Hour, want: 10 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			clock := newDeadlineClock(start)
			ctx := context.Background()
			if tc.ctxDeadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, start.Add(tc.ctxDeadline))
				defer cancel()
			}
			var seen []string
			calls := 0
			err := Do(ctx, Backoff{Clock: clock, Rand: func() float64 { return 0.5 }, Initial: time.Second, Timeout: 10 * time.Second},
				ClassifierFunc(classifyTest), func(ctx context.Context) error {
					d, ok := ctx.Deadline()
					seen = append(seen, fmt.Sprint(ok, " ", d.Sub(start)))
					return failing(&calls, errThrottled, errThrottled, errThrottled)(ctx)
				})
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprint(true, " ", tc.want)
			if fmt.Sprint(seen) != fmt.Sprint([]string{want, want, want, want}) {
				t.Fatalf("the attempts' deadlines (set, after the start) = %v, want %q for each of 4 attempts", seen, want)
			}
		})
	}
}

// An attempt that never returns on its own (a server that accepts and never answers) is cut at the
// deadline, and Do stops there with the deadline as its reason, whatever the classifier says.
func TestDoCutsAHangingAttempt(t *testing.T) {
	for name, kind := range map[string]Kind{"classified permanent": Permanent, "classified retryable": Throttle} {
		t.Run(name, func(t *testing.T) {
			clock := newDeadlineClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
			started := make(chan struct{})
			go func() {
				select {
				case <-started:
					clock.Advance(5 * time.Second) // the time passes while the attempt waits
				case <-t.Context().Done():
				}
			}()
			calls := 0
			err := Do(context.Background(), Backoff{Clock: clock, Timeout: 5 * time.Second}, ClassifierFunc(func(error) Kind { return kind }),
				func(ctx context.Context) error {
					calls++
					if _, ok := ctx.Deadline(); !ok {
						return errors.New("the attempt has no deadline: it would wait for the server forever")
					}
					close(started)
					<-ctx.Done()
					return fmt.Errorf("GET /v2/zenml/server/manifests/1.0: %w", ctx.Err())
				})
			var re *Error
			if !errors.As(err, &re) || re.Reason != StopDeadline || calls != 1 || re.Elapsed != 5*time.Second {
				t.Fatalf("err = %v (%#v), calls = %d; want one attempt stopped by the deadline after 5s", err, re, calls)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("the error %v does not wrap context.DeadlineExceeded", err)
			}
		})
	}
}

// An attempt cut by the deadline after others failed: the error is the attempt before's, which says
// why the operation was being retried (a registry answering 429), not only that the time ran out.
func TestDoCutAfterFailuresReportsTheAttemptBefore(t *testing.T) {
	clock := newDeadlineClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	started := make(chan struct{})
	go func() {
		select {
		case <-started:
			clock.Advance(9500 * time.Millisecond) // to the deadline, after the first wait of 0.5s
		case <-t.Context().Done():
		}
	}()
	calls := 0
	err := Do(context.Background(), Backoff{Clock: clock, Rand: func() float64 { return 0.5 }, Timeout: 10 * time.Second},
		ClassifierFunc(classifyTest), func(ctx context.Context) error {
			calls++
			if calls == 1 {
				return errThrottled
			}
			close(started)
			<-ctx.Done()
			return fmt.Errorf("GET /v2/zenml/server/manifests/1.0: %w", ctx.Err())
		})
	var re *Error
	if !errors.As(err, &re) || re.Reason != StopDeadline || re.Attempts != 2 || re.Err != error(errThrottled) || re.Kind != Throttle ||
		re.Cut() == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v (%#v); want the 429 of the first attempt, stopped by the deadline during the second", err, re)
	}
	if want := "gave up after 2 attempts in 10s: the timeout was reached during the last attempt; the error of the attempt before it " +
		"was classified as throttling or unavailable"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q lacks %q", err, want)
	}
}

// An attempt that fails at the deadline before its context has ended (a gRPC client checks the
// deadline itself and answers DeadlineExceeded, classified as permanent, while the context's timer
// has not fired yet) is cut by the deadline all the same: the error of the attempt before says why
// the operation was being retried. The test plays that client: it moves the clock to the deadline
// without ending the attempt's context (a plain Clock has no contexts of its own).
func TestDoAttemptFailingAtTheDeadlineIsCut(t *testing.T) {
	clock := &plainClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	calls := 0
	errGRPCDeadline := errors.New("rpc error: code = DeadlineExceeded desc = context deadline exceeded")
	err := Do(context.Background(), Backoff{Clock: clock, Rand: func() float64 { return 0.5 }, Timeout: 10 * time.Second},
		ClassifierFunc(func(err error) Kind {
			if errors.Is(err, errThrottled) {
				return Throttle
			}
			return Permanent
		}), func(context.Context) error {
			calls++
			if calls == 1 {
				return errThrottled
			}
			clock.now = clock.now.Add(10 * time.Second) // the attempt ran until the deadline
			return errGRPCDeadline
		})
	var re *Error
	if !errors.As(err, &re) || re.Reason != StopDeadline || re.Err != error(errThrottled) || re.Cut() != errGRPCDeadline {
		t.Fatalf("err = %v (%#v); want the 429 of the first attempt, stopped by the deadline during the second", err, re)
	}
}

// plainClock is a Clock without contexts of its own: Sleep moves its time.
type plainClock struct{ now time.Time }

func (c *plainClock) Now() time.Time { return c.now }

func (c *plainClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	return nil
}

// The wall clock is a DeadlineClock: with the default clock, attempts run under the deadline.
func TestDoRealClockBoundsAttempts(t *testing.T) {
	start := time.Now()
	err := Do(context.Background(), Backoff{Timeout: time.Minute}, ClassifierFunc(classifyTest), func(ctx context.Context) error {
		d, ok := ctx.Deadline()
		if !ok || d.Before(start) || d.After(time.Now().Add(time.Minute)) {
			return fmt.Errorf("the attempt's deadline is %v (set: %v), want a minute after the start", d, ok)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A caller's deadline that has passed is a deadline too, not a cancellation.
func TestDoCallerDeadlineIsADeadline(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	err := Do(ctx, Backoff{Timeout: time.Hour}, ClassifierFunc(func(error) Kind { return Throttle }), func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	var re *Error
	if !errors.As(err, &re) || re.Reason != StopDeadline || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want it stopped by the deadline", err)
	}
}

// A clock that cannot end contexts (a virtual clock whose time moves only when Do waits) leaves the
// attempts the caller's context: its own time does not pass while they run.
func TestDoVirtualClockLeavesTheCallersContext(t *testing.T) {
	ctx := context.WithValue(context.Background(), errGone, "caller")
	calls := 0
	err := Do(ctx, Backoff{Clock: newFakeClock(), Timeout: time.Second}, ClassifierFunc(classifyTest), func(actx context.Context) error {
		calls++
		if actx != ctx {
			return errors.New("the attempt got another context")
		}
		return nil
	})
	if err != nil || calls != 1 {
		t.Fatalf("err = %v, calls = %d", err, calls)
	}
}

// Callers waiting for a load that gave up at its own deadline (a registry that did not answer in
// time, while the loader's context is still alive) share its error; each loading again in turn
// would make the last of them wait a multiple of the timeout.
func TestCacheWaitersShareALoadThatTimedOut(t *testing.T) {
	var c Cache[string]
	loading, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	loads := 0
	load := func(context.Context) (string, error) {
		mu.Lock()
		loads++
		first := loads == 1
		mu.Unlock()
		if first {
			close(loading)
			<-release
		}
		return "", fmt.Errorf("the registry did not answer: %w", context.DeadlineExceeded)
	}
	errs := make(chan error, 4)
	go func() { _, err := c.Get(context.Background(), "k", load); errs <- err }()
	<-loading
	for range 3 {
		go func() { _, err := c.Get(context.Background(), "k", load); errs <- err }()
	}
	time.Sleep(100 * time.Millisecond) // the waiters reach the wait
	close(release)
	for range 4 {
		if err := <-errs; !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Get = %v, want the load's error", err)
		}
	}
	if loads != 1 {
		t.Fatalf("%d loads, want the one every caller waited for", loads)
	}
}
