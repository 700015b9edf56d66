// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package retry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
	// cancel, when set, is called at the sleep with this index (0-based).
	cancelAt int
	cancel   context.CancelFunc
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), cancelAt: -1}
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.cancel != nil && len(c.sleeps) == c.cancelAt {
		c.cancel()
	}
	c.sleeps = append(c.sleeps, d)
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	return nil
}

// kindErr is an error that says how it is to be classified.
type kindErr struct {
	kind Kind
	msg  string
}

func (e kindErr) Error() string { return e.msg }

var errGone = errors.New("repository not found")

func classifyTest(err error) Kind {
	var k kindErr
	if errors.As(err, &k) {
		return k.kind
	}
	return Permanent
}

// failing returns an op that fails with the given errors in turn, then succeeds.
func failing(calls *int, errs ...error) func(context.Context) error {
	return func(context.Context) error {
		*calls++
		if *calls <= len(errs) {
			return errs[*calls-1]
		}
		return nil
	}
}

func repeatErr(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

func TestDo(t *testing.T) {
	propagation := kindErr{Propagation, "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'"}
	throttle := kindErr{Throttle, "Rate exceeded"}
	tests := []struct {
		name         string
		backoff      Backoff
		errs         []error
		wantErr      bool
		wantCalls    int
		wantSleeps   []time.Duration
		wantReason   StopReason
		wantInErrMsg string
	}{
		{name: "success first time", errs: nil, wantCalls: 1},
		{
			name:       "propagation then success, exponential ceilings with r=0.5",
			errs:       []error{propagation, propagation, propagation},
			wantCalls:  4,
			wantSleeps: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second},
		},
		{
			name:       "permanent stops at once",
			errs:       []error{errGone, errGone},
			wantErr:    true,
			wantCalls:  1,
			wantReason: StopPermanent,
		},
		{
			name:       "an invalid parameter that is not about a principal is permanent",
			errs:       []error{kindErr{Permanent, "Invalid parameter at 'repositoryName'"}},
			wantErr:    true,
			wantCalls:  1,
			wantReason: StopPermanent,
		},
		{
			name:         "attempt limit",
			backoff:      Backoff{MaxAttempts: 3},
			errs:         repeatErr(throttle, 10),
			wantErr:      true,
			wantCalls:    3,
			wantSleeps:   []time.Duration{500 * time.Millisecond, time.Second},
			wantReason:   StopAttempts,
			wantInErrMsg: "gave up after 3 attempts in 1.5s: the attempt limit was reached; the last error was classified as throttling or unavailable",
		},
		{
			name:       "cap: waits never exceed Max",
			backoff:    Backoff{Initial: time.Second, Max: 4 * time.Second, MaxAttempts: 7},
			errs:       repeatErr(throttle, 10),
			wantErr:    true,
			wantCalls:  7,
			wantSleeps: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second},
			wantReason: StopAttempts,
		},
		{
			// An attempt at the deadline would have no time left: Do gives up when the wait reaches it.
			name:       "deadline: the last wait is cut to the deadline, and Do gives up there",
			backoff:    Backoff{Initial: 2 * time.Second, Max: 8 * time.Second, Timeout: 10 * time.Second},
			errs:       repeatErr(propagation, 100),
			wantErr:    true,
			wantCalls:  4,
			wantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 3 * time.Second},
			wantReason: StopDeadline,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			b := tt.backoff
			b.Clock = clock
			b.Rand = func() float64 { return 0.5 }
			calls := 0
			err := Do(context.Background(), b, ClassifierFunc(classifyTest), failing(&calls, tt.errs...))
			if calls != tt.wantCalls {
				t.Fatalf("calls = %d, want %d", calls, tt.wantCalls)
			}
			if fmt.Sprint(clock.sleeps) != fmt.Sprint(tt.wantSleeps) {
				t.Fatalf("sleeps = %v, want %v", clock.sleeps, tt.wantSleeps)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var re *Error
			if !errors.As(err, &re) || re.Reason != tt.wantReason || re.Attempts != tt.wantCalls {
				t.Fatalf("error = %#v, want reason %q after %d attempts", err, tt.wantReason, tt.wantCalls)
			}
			var total time.Duration
			for _, s := range tt.wantSleeps {
				total += s
			}
			if re.Elapsed != total {
				t.Fatalf("Elapsed = %v, want %v", re.Elapsed, total)
			}
			if !errors.Is(err, tt.errs[0]) {
				t.Fatalf("the error does not wrap the last error: %v", err)
			}
			if tt.wantInErrMsg != "" && !strings.Contains(err.Error(), tt.wantInErrMsg) {
				t.Fatalf("message %q lacks %q", err, tt.wantInErrMsg)
			}
			if tt.wantReason == StopPermanent && err.Error() != tt.errs[0].Error() {
				t.Fatalf("a first-attempt permanent error is reported as %q", err)
			}
		})
	}
}

func TestDoContextDeadlineIsEarlier(t *testing.T) {
	// The context's deadline is real time; the fake clock starts at the real now and only moves
	// when Do sleeps.
	clock := newFakeClock()
	clock.now = time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), clock.now.Add(25*time.Second))
	defer cancel()
	calls := 0
	err := Do(ctx, Backoff{Clock: clock, Rand: func() float64 { return 0.5 }, Initial: 20 * time.Second, Max: 20 * time.Second, Timeout: time.Hour},
		ClassifierFunc(func(error) Kind { return Conflict }), failing(&calls, repeatErr(errGone, 100)...))
	var re *Error
	// Two waits of 10s, then the wait is cut to the 5s left, and no time is left for an attempt.
	if !errors.As(err, &re) || re.Reason != StopDeadline || calls != 3 || re.Kind != Conflict ||
		fmt.Sprint(clock.sleeps) != "[10s 10s 5s]" {
		t.Fatalf("err = %v, calls = %d, sleeps = %v", err, calls, clock.sleeps)
	}
}

func TestDoCanceled(t *testing.T) {
	clock := newFakeClock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock.cancelAt, clock.cancel = 1, cancel
	calls := 0
	err := Do(ctx, Backoff{Clock: clock, Rand: func() float64 { return 0 }}, ClassifierFunc(func(error) Kind { return Throttle }),
		failing(&calls, repeatErr(errGone, 100)...))
	var re *Error
	if !errors.As(err, &re) || re.Reason != StopCanceled || calls != 2 || !errors.Is(err, context.Canceled) || !errors.Is(err, errGone) {
		t.Fatalf("err = %v, calls = %d", err, calls)
	}
	// An op that notices the cancellation itself stops the loop too.
	ctx2, cancel2 := context.WithCancel(context.Background())
	calls = 0
	err = Do(ctx2, Backoff{Clock: newFakeClock()}, ClassifierFunc(func(error) Kind { return Throttle }), func(context.Context) error {
		calls++
		cancel2()
		return errGone
	})
	if !errors.As(err, &re) || re.Reason != StopCanceled || calls != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, calls = %d", err, calls)
	}
}

func TestBackoffJitterBounds(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: 3 * time.Second}
	wantCeil := []int64{100, 200, 400, 800, 1600, 3000, 3000}
	for i, w := range wantCeil {
		if got := b.Ceiling(i + 1); got.Milliseconds() != w {
			t.Fatalf("Ceiling(%d) = %v, want %dms", i+1, got, w)
		}
	}
	if got := b.Ceiling(1000); got != 3*time.Second {
		t.Fatalf("Ceiling(1000) = %v (overflow?)", got)
	}
	for _, r := range []float64{0, 1e-9, 0.25, 0.999999, 1, -1} {
		b.Rand = func() float64 { return r }
		for n := 1; n <= 8; n++ {
			d := b.Delay(n)
			if d < minDelay || d > b.Ceiling(n) {
				t.Fatalf("Delay(%d) with r=%v = %v, outside [1ms, %v]", n, r, d, b.Ceiling(n))
			}
		}
	}
	b.Rand = nil
	for i := 0; i < 1000; i++ {
		if d := b.Delay(3); d < minDelay || d > 400*time.Millisecond {
			t.Fatalf("random Delay(3) = %v", d)
		}
	}
	if d := (Backoff{}).Ceiling(1); d != DefaultInitialDelay {
		t.Fatalf("default initial = %v", d)
	}
	if d := (Backoff{}).Ceiling(20); d != DefaultMaxDelay {
		t.Fatalf("default max = %v", d)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Permanent: "permanent", Propagation: "not yet propagated", Conflict: "concurrent change", Throttle: "throttling or unavailable", Kind(9): "Kind(9)"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q", int(k), k.String())
		}
	}
}
