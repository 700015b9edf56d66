// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package retry runs remote calls again when they fail in a way worth retrying: a capped exponential
// backoff with full jitter within a deadline, an injectable clock (so that tests never sleep),
// per-key locks that serialise read-modify-write cycles, and a read cache shared until a write. It
// knows no cloud, registry or database: callers classify their own errors into a Kind.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Kind is how a failed cloud call is treated.
type Kind int

const (
	// Permanent errors fail at once.
	Permanent Kind = iota
	// Propagation: something created moments ago (an IAM principal) is not yet visible to the service.
	Propagation
	// Conflict: a concurrent writer changed the object (an etag mismatch, a lost write).
	Conflict
	// Throttle: the service asked to slow down or is briefly unavailable.
	Throttle
)

func (k Kind) String() string {
	switch k {
	case Permanent:
		return "permanent"
	case Propagation:
		return "not yet propagated"
	case Conflict:
		return "concurrent change"
	case Throttle:
		return "throttling or unavailable"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Classifier tells Do how to treat an error. Adapters classify by error code or type.
type Classifier interface {
	Classify(err error) Kind
}

// ClassifierFunc adapts a function to Classifier.
type ClassifierFunc func(err error) Kind

// Classify calls f.
func (f ClassifierFunc) Classify(err error) Kind { return f(err) }

// Clock gives the time and sleeps; tests inject a fake one so nothing really waits.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() in that case.
	Sleep(ctx context.Context, d time.Duration) error
}

// DeadlineClock is a Clock that also makes contexts that end at one of its times. Do runs every
// attempt under such a context, ending at the operation's deadline, so that a call that never
// answers is cut when the caller's time is up. RealClock is one. Under a Clock that is not (a
// virtual clock whose time moves only when Do waits, in tests), an attempt takes no time on that
// clock and runs under the caller's context alone.
type DeadlineClock interface {
	Clock
	WithDeadline(ctx context.Context, d time.Time) (context.Context, context.CancelFunc)
}

// RealClock is the wall clock.
type RealClock struct{}

// WithDeadline returns context.WithDeadline(ctx, d).
func (RealClock) WithDeadline(ctx context.Context, d time.Time) (context.Context, context.CancelFunc) {
	return context.WithDeadline(ctx, d)
}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Default backoff settings.
const (
	DefaultInitialDelay = time.Second
	DefaultMaxDelay     = 30 * time.Second
	DefaultTimeout      = 5 * time.Minute
	minDelay            = time.Millisecond
)

// Backoff is a capped exponential backoff with full jitter: before retry n (n = 1 for the first
// retry) Do waits a uniformly random time in [0, min(Max, Initial*2^(n-1))), at least 1ms, and never
// past the deadline. The deadline is the earlier of the context's and Timeout after the first
// attempt began; every attempt runs under a context that ends at it (see DeadlineClock). Zero fields
// take the defaults (1s, 30s, 5 minutes, unlimited attempts, the wall clock, math/rand/v2).
type Backoff struct {
	Initial     time.Duration
	Max         time.Duration
	Timeout     time.Duration
	MaxAttempts int
	Clock       Clock
	// Rand returns a number in [0, 1).
	Rand func() float64
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = DefaultInitialDelay
	}
	if b.Max <= 0 {
		b.Max = DefaultMaxDelay
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Timeout <= 0 {
		b.Timeout = DefaultTimeout
	}
	if b.Clock == nil {
		b.Clock = RealClock{}
	}
	if b.Rand == nil {
		b.Rand = rand.Float64
	}
	return b
}

// Ceiling returns the upper bound of the wait before retry n (n >= 1): min(Max, Initial*2^(n-1)).
func (b Backoff) Ceiling(n int) time.Duration {
	b = b.withDefaults()
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Delay returns the jittered wait before retry n (n >= 1).
func (b Backoff) Delay(n int) time.Duration {
	b = b.withDefaults()
	r := b.Rand()
	if r < 0 || r >= 1 {
		r = 0
	}
	return max(time.Duration(float64(b.Ceiling(n))*r), minDelay)
}

// StopReason says why Do gave up.
type StopReason string

// Reasons Do gives up.
const (
	StopPermanent StopReason = "the error is not retryable"
	StopDeadline  StopReason = "the timeout was reached"
	StopAttempts  StopReason = "the attempt limit was reached"
	StopCanceled  StopReason = "the operation was canceled"
)

// Error is the last error of Do with how many attempts were made and how long they took. When the
// deadline cut an attempt after others had failed, Err and Kind are those of the attempt before it,
// which say why the operation was being retried, and Cut returns the cut attempt's error.
type Error struct {
	Err      error
	Kind     Kind
	Attempts int
	Elapsed  time.Duration
	Reason   StopReason
	ctxErr   error
	cut      error
}

func (e *Error) Error() string {
	if e.Attempts <= 1 && e.Reason == StopPermanent {
		return e.Err.Error()
	}
	if e.cut != nil && e.Attempts > 1 {
		return fmt.Sprintf("%v (gave up after %d attempts in %s: %s during the last attempt; the error of the attempt before it was classified as %s)",
			e.Err, e.Attempts, e.Elapsed.Round(time.Millisecond), e.Reason, e.Kind)
	}
	return fmt.Sprintf("%v (gave up after %d attempts in %s: %s; the last error was classified as %s)",
		e.Err, e.Attempts, e.Elapsed.Round(time.Millisecond), e.Reason, e.Kind)
}

// Cut returns the error of the last attempt when the deadline cut it short, nil otherwise.
func (e *Error) Cut() error { return e.cut }

// Unwrap returns the last error and, when the context ended, the context's error.
func (e *Error) Unwrap() []error {
	if e.ctxErr != nil {
		return []error{e.Err, e.ctxErr}
	}
	return []error{e.Err}
}

// Do calls op until it succeeds, classify calls its error Permanent, the attempt limit or the
// deadline is reached, or ctx ends. Each attempt gets a context that ends at the deadline (with a
// DeadlineClock): an attempt still running then is cut, and Do stops. A wait that would end at or
// after the deadline ends Do there, since no attempt could run after it. A failure is returned as
// *Error; when the deadline cut the last attempt, the error wraps context.DeadlineExceeded.
func Do(ctx context.Context, b Backoff, classify Classifier, op func(context.Context) error) error {
	b = b.withDefaults()
	start := b.Clock.Now()
	deadline := start.Add(b.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	var prevErr error
	var prevKind Kind
	for attempt := 1; ; attempt++ {
		actx, cancel := attemptContext(ctx, b.Clock, deadline)
		err := op(actx)
		cut := actx.Err()
		cancel()
		if err == nil {
			return nil
		}
		if cut == nil && !b.Clock.Now().Before(deadline) {
			// The deadline has passed but the context's timer has not fired yet: a client that checks
			// the deadline itself (gRPC answers DeadlineExceeded at once) was cut all the same.
			cut = context.DeadlineExceeded
		}
		kind := classify.Classify(err)
		fail := func(reason StopReason, ctxErr error) error {
			return &Error{Err: err, Kind: kind, Attempts: attempt, Elapsed: b.Clock.Now().Sub(start), Reason: reason, ctxErr: ctxErr}
		}
		// The deadline cut the attempt: its context ended while the caller's was alive or ended at
		// its own deadline (not by a cancellation).
		deadlineCut := cut != nil && (ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded))
		switch {
		case ctx.Err() != nil && !deadlineCut:
			return fail(stopReason(ctx.Err()), ctx.Err())
		case deadlineCut:
			e := &Error{Err: err, Kind: kind, Attempts: attempt, Elapsed: b.Clock.Now().Sub(start), Reason: StopDeadline, ctxErr: cut, cut: err}
			if prevErr != nil {
				// The attempt before says why the operation was being retried.
				e.Err, e.Kind = prevErr, prevKind
			}
			return e
		case kind == Permanent:
			return fail(StopPermanent, nil)
		case b.MaxAttempts > 0 && attempt >= b.MaxAttempts:
			return fail(StopAttempts, nil)
		}
		prevErr, prevKind = err, kind
		remaining := deadline.Sub(b.Clock.Now())
		if remaining <= 0 {
			return fail(StopDeadline, nil)
		}
		if serr := b.Clock.Sleep(ctx, min(b.Delay(attempt), remaining)); serr != nil {
			return fail(stopReason(serr), serr)
		}
		if !b.Clock.Now().Before(deadline) {
			return fail(StopDeadline, nil)
		}
	}
}

// attemptContext is the context of one attempt: ctx ending at deadline when the clock can make one.
func attemptContext(ctx context.Context, c Clock, deadline time.Time) (context.Context, context.CancelFunc) {
	if dc, ok := c.(DeadlineClock); ok {
		return dc.WithDeadline(ctx, deadline)
	}
	return ctx, func() {}
}

// stopReason is why Do stops when a context ended with err: its deadline, or a cancellation.
func stopReason(err error) StopReason {
	if errors.Is(err, context.DeadlineExceeded) {
		return StopDeadline
	}
	return StopCanceled
}
