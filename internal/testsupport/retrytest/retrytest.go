// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package retrytest gives tests of code that retries what they need to count attempts without
// waiting: a backoff of a few milliseconds, a virtual clock whose waits move its time forward at
// once, and a recorder of the retry events a registryaccess.Options logs.
package retrytest

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// FastOptions retries after a few milliseconds at most.
func FastOptions() registryaccess.Options {
	return registryaccess.Options{Backoff: retry.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond}}
}

// VirtualOptions is FastOptions on a virtual clock: waits move its time forward at once, so a test
// of a timeout counts attempts in virtual time, whatever the machine's speed. With waits of at most
// 5ms, a timeout T gives at least T/5ms + 1 attempts, and the retries end exactly at T.
func VirtualOptions() registryaccess.Options {
	o := FastOptions()
	o.Backoff.Clock = &VirtualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return o
}

// VirtualClock is a retry.Clock whose Sleep returns at once, moving Now forward.
type VirtualClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the virtual time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the virtual time forward by d, unless ctx is done.
func (c *VirtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// LogRecorder is a registryaccess.Logger that keeps the messages and fields it receives.
type LogRecorder struct {
	mu     sync.Mutex
	events []LogEvent
}

// LogEvent is one logged event.
type LogEvent struct {
	Msg    string
	Fields map[string]any
}

// Log records an event.
func (l *LogRecorder) Log(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, LogEvent{Msg: msg, Fields: fields})
}

// Events returns the recorded events.
func (l *LogRecorder) Events() []LogEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]LogEvent(nil), l.events...)
}

// Retries returns the number of "retrying" events whose kind is kind.
func (l *LogRecorder) Retries(kind retry.Kind) int {
	n := 0
	for _, e := range l.Events() {
		if strings.HasSuffix(e.Msg, ": retrying") && e.Fields["kind"] == kind.String() {
			n++
		}
	}
	return n
}
