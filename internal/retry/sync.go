// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package retry

import (
	"context"
	"errors"
	"sync"
)

// Locks serialises read-modify-write of one object (a repository's policy, say) within the process. The zero
// value is ready to use; entries are freed when no one holds or waits for them.
type Locks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

// Lock blocks until the key's lock is held and returns the function that releases it. Calling the
// release function more than once has no further effect.
func (l *Locks) Lock(key string) func() {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*keyLock{}
	}
	k := l.m[key]
	if k == nil {
		k = &keyLock{}
		l.m[key] = k
	}
	k.refs++
	l.mu.Unlock()

	k.mu.Lock()
	var once sync.Once
	return func() {
		once.Do(func() {
			k.mu.Unlock()
			l.mu.Lock()
			k.refs--
			if k.refs == 0 {
				delete(l.m, key)
			}
			l.mu.Unlock()
		})
	}
}

// Cache keeps one value per key (a repository's policy) so that a refresh of many grants on one
// repository reads the policy once. Concurrent Gets of a key share one load; a failed load is not
// kept. Writers call Put with what they wrote, or Invalidate. Values are shared between callers and
// must not be modified; the policy edits in this package return copies.
type Cache[T any] struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry[T]
}

type cacheEntry[T any] struct {
	done chan struct{}
	val  T
	err  error
	// abandoned says that the load failed because its caller's context ended.
	abandoned bool
}

// Get returns the cached value of key, loading it with load when there is none.
func (c *Cache[T]) Get(ctx context.Context, key string, load func(context.Context) (T, error)) (T, error) {
	for {
		c.mu.Lock()
		if c.entries == nil {
			c.entries = map[string]*cacheEntry[T]{}
		}
		e, ok := c.entries[key]
		if !ok {
			e = &cacheEntry[T]{done: make(chan struct{})}
			c.entries[key] = e
			c.mu.Unlock()
			c.fill(ctx, key, e, load)
			return e.val, e.err
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		// A load that ended because its caller's context ended says nothing about this caller:
		// try again with this caller's context. A load that gave up at its own deadline (a server
		// that did not answer in time) is an answer for every waiter.
		if e.err != nil && e.abandoned && ctx.Err() == nil {
			continue
		}
		return e.val, e.err
	}
}

// fill runs the load for e and publishes the result; a failed (or panicking) load is forgotten so
// that the next Get tries again, and waiters are released in every case.
func (c *Cache[T]) fill(ctx context.Context, key string, e *cacheEntry[T], load func(context.Context) (T, error)) {
	e.err = errLoadPanicked
	defer func() {
		c.mu.Lock()
		if e.err != nil && c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
		close(e.done)
	}()
	e.val, e.err = load(ctx)
	e.abandoned = e.err != nil && ctx.Err() != nil
}

var errLoadPanicked = errors.New("loading the cached value panicked")

// Put stores v as the value of key (for example the policy just written).
func (c *Cache[T]) Put(key string, v T) {
	e := &cacheEntry[T]{done: make(chan struct{}), val: v}
	close(e.done)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*cacheEntry[T]{}
	}
	c.entries[key] = e
}

// Invalidate forgets the value of key; the next Get loads it again.
func (c *Cache[T]) Invalidate(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}
