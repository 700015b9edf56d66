// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package retry

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLocksSerialiseOneKey(t *testing.T) {
	var l Locks
	var wg sync.WaitGroup
	var inside, maxInside atomic.Int32
	counter := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := l.Lock("123456789012/us-east-1/zenml")
			defer unlock()
			n := inside.Add(1)
			if n > maxInside.Load() {
				maxInside.Store(n)
			}
			v := counter
			time.Sleep(time.Millisecond)
			counter = v + 1
			inside.Add(-1)
		}()
	}
	wg.Wait()
	if counter != 20 || maxInside.Load() != 1 {
		t.Fatalf("counter = %d, at most %d inside at once", counter, maxInside.Load())
	}
	if l.held() != 0 {
		t.Fatalf("%d lock entries left", l.held())
	}
}

func TestLocksKeysIndependentAndReleaseTwice(t *testing.T) {
	var l Locks
	unlockA := l.Lock("a")
	done := make(chan struct{})
	go func() {
		unlockB := l.Lock("b")
		unlockB()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("lock b waited for lock a")
	}
	unlockA()
	unlockA()
	if l.held() != 0 {
		t.Fatalf("%d lock entries left", l.held())
	}
	unlock := l.Lock("a")
	unlock()
}

func TestCacheOneLoadPerKey(t *testing.T) {
	var c Cache[string]
	var loads atomic.Int32
	release := make(chan struct{})
	load := func(ctx context.Context) (string, error) {
		loads.Add(1)
		<-release
		if err := ctx.Err(); err != nil {
			return "", err
		}
		return "policy-v1", nil
	}
	var wg sync.WaitGroup
	results := make([]string, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Get(context.Background(), "repo", load)
			if err != nil {
				t.Error(err)
			}
			results[i] = v
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if loads.Load() != 1 {
		t.Fatalf("%d loads, want 1", loads.Load())
	}
	for _, r := range results {
		if r != "policy-v1" {
			t.Fatalf("results = %v", results)
		}
	}
	// Another key loads separately; a cached key does not load again.
	if v, _ := c.Get(context.Background(), "other", func(context.Context) (string, error) { return "other", nil }); v != "other" {
		t.Fatalf("other = %q", v)
	}
	if v, _ := c.Get(context.Background(), "repo", load); v != "policy-v1" || loads.Load() != 1 {
		t.Fatalf("second Get = %q after %d loads", v, loads.Load())
	}
}

func TestCacheInvalidatePutAndErrors(t *testing.T) {
	var c Cache[int]
	ctx := context.Background()
	n := 0
	load := func(context.Context) (int, error) { n++; return n, nil }
	if v, _ := c.Get(ctx, "k", load); v != 1 {
		t.Fatalf("first = %d", v)
	}
	c.Invalidate("k")
	if v, _ := c.Get(ctx, "k", load); v != 2 {
		t.Fatalf("after Invalidate = %d", v)
	}
	c.Put("k", 42)
	if v, _ := c.Get(ctx, "k", load); v != 42 || n != 2 {
		t.Fatalf("after Put = %d (loads %d)", v, n)
	}
	c.Invalidate("never-loaded")

	boom := errors.New("throttled")
	fails := 0
	if _, err := c.Get(ctx, "e", func(context.Context) (int, error) { fails++; return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if v, err := c.Get(ctx, "e", func(context.Context) (int, error) { fails++; return 7, nil }); err != nil || v != 7 || fails != 2 {
		t.Fatalf("a failed load was cached: %d, %v, %d loads", v, err, fails)
	}

	var fresh Cache[int]
	fresh.Put("p", 1)
	if v, _ := fresh.Get(ctx, "p", load); v != 1 {
		t.Fatalf("Put on a zero cache = %d", v)
	}
}

func TestCacheWaiterOutlivesCanceledLoader(t *testing.T) {
	var c Cache[string]
	loaderCtx, cancelLoader := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() {
		_, _ = c.Get(loaderCtx, "k", func(ctx context.Context) (string, error) {
			close(started)
			<-ctx.Done()
			return "", ctx.Err()
		})
	}()
	<-started
	got := make(chan string, 1)
	go func() {
		v, err := c.Get(context.Background(), "k", func(context.Context) (string, error) { return "reloaded", nil })
		if err != nil {
			v = err.Error()
		}
		got <- v
	}()
	time.Sleep(10 * time.Millisecond)
	cancelLoader()
	select {
	case v := <-got:
		if v != "reloaded" {
			t.Fatalf("waiter got %q", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter hung")
	}

	// A waiter whose own context ends stops waiting.
	block, loading := make(chan struct{}), make(chan struct{})
	defer close(block)
	go func() {
		_, _ = c.Get(context.Background(), "slow", func(context.Context) (string, error) { close(loading); <-block; return "", nil })
	}()
	<-loading
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, "slow", func(context.Context) (string, error) { return "x", nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestCachePanickingLoad(t *testing.T) {
	var c Cache[int]
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic was swallowed")
			}
		}()
		_, _ = c.Get(context.Background(), "k", func(context.Context) (int, error) { panic("boom") })
	}()
	v, err := c.Get(context.Background(), "k", func(context.Context) (int, error) { return 3, nil })
	if err != nil || v != 3 {
		t.Fatalf("after a panicking load Get = %d, %v", v, err)
	}
}

// held returns how many keys have a holder or waiter.
func (l *Locks) held() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
