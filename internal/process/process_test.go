// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package process

import (
	"maps"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestQuietLogsUnlessShown(t *testing.T) {
	quiet := map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_PROVIDER_ZENMLPRO": "OFF"}
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string // what QuietLogsUnlessShown sets
	}{
		{name: "nothing set", env: map[string]string{}, want: quiet},
		{name: "unrelated settings", env: map[string]string{"TF_LOG_CORE": "TRACE", "TF_LOG_PATH": "/tmp/tf.log", "TF_IN_AUTOMATION": "1"}, want: quiet},
		{name: "empty values count as unset", env: map[string]string{"TF_LOG": ""}, want: quiet},
	}
	for _, name := range LogSettings {
		tests = append(tests, struct {
			name string
			env  map[string]string
			want map[string]string
		}{name: name, env: map[string]string{name: "DEBUG"}, want: map[string]string{}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := map[string]string{}
			QuietLogsUnlessShown(func(k string) string { return tt.env[k] }, func(k, v string) error { set[k] = v; return nil })
			if !maps.Equal(set, tt.want) {
				t.Errorf("set %v, want %v", set, tt.want)
			}
		})
	}
}

func TestPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		live uint64
		want int
	}{
		{0, 1500},        // before the first collection: 4 MiB assumed, target 64 MiB
		{1 * mib, 1500},  // tiny heaps count as 4 MiB
		{4 * mib, 1500},  // 4 + 4 * 15 = 64
		{16 * mib, 300},  // 16 + 16 * 3 = 64
		{8*mib + 1, 699}, // rounded down: the target stays at or under the floor
		{31 * mib, 106},  // just below half the floor
		{32 * mib, 100},  // half the floor: Go's default from here on
		{63 * mib, 100},  // never below Go's default
		{500 * mib, 100}, // a huge plan: twice what is live
	} {
		if got := PercentFor(tt.live, 64*mib); got != tt.want {
			t.Errorf("PercentFor(%d MiB, 64 MiB) = %d, want %d", tt.live/mib, got, tt.want)
		}
	}
}

// gogc reads the collector's current GOGC.
func gogc() int64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// gogcAfterCollections is GOGC after two collections and time for a cleanup to run: what a floor that
// should not be adjusting would have changed by then.
func gogcAfterCollections() int64 {
	runtime.GC()
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	return gogc()
}

// waitForGOGC collects until GOGC satisfies ok (the adjustment runs on the cleanup goroutine after a
// collection), or fails after 10 seconds.
func waitForGOGC(t *testing.T, what string, ok func(int64) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok(gogc()) {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC is %d after collections, want %s", gogc(), what)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHeapFloorFollowsTheLiveHeap runs the floor in this process: with little live it lets the heap
// grow to the floor (a high GOGC), with more than half the floor live it falls back to Go's default,
// and it rises again when the memory is let go.
func TestHeapFloorFollowsTheLiveHeap(t *testing.T) {
	previous := debug.SetGCPercent(100)
	stop := StartHeapFloor(64 << 20)
	t.Cleanup(func() { stop(); debug.SetGCPercent(previous) })

	waitForGOGC(t, "above 300 with a small live heap", func(p int64) bool { return p > 300 })

	kept := make([][]byte, 48)
	for i := range kept {
		kept[i] = make([]byte, 1<<20)
		kept[i][0] = byte(i)
	}
	waitForGOGC(t, "100 with 48 MiB live", func(p int64) bool { return p == 100 })
	runtime.KeepAlive(kept)
	kept = nil

	waitForGOGC(t, "above 300 once the 48 MiB are let go", func(p int64) bool { return p > 300 })
	_ = kept

	stop()
	debug.SetGCPercent(123)
	if got := gogcAfterCollections(); got != 123 {
		t.Errorf("GOGC %d after stop and a collection, want 123: the floor still adjusts it", got)
	}
}

// TestPrepareKeepsTheUsersGOGC: with GOGC set (the runtime has read it at start; here it is set as if
// it had), Prepare leaves the collector alone.
func TestPrepareKeepsTheUsersGOGC(t *testing.T) {
	t.Setenv("GOGC", "50")
	t.Setenv("TF_LOG", "DEBUG") // keeps Prepare from changing this test process's log settings
	previous := debug.SetGCPercent(50)
	t.Cleanup(func() { debug.SetGCPercent(previous) })
	Prepare(false)
	if got := gogcAfterCollections(); got != 50 {
		t.Errorf("GOGC %d after Prepare with GOGC=50, want 50 (the user's setting)", got)
	}
}

func TestHeapFloorFrom(t *testing.T) {
	for value, want := range map[string]uint64{
		"": HeapFloor, "64": 64 << 20, "0": 0, "1": 1 << 20,
		"-1": HeapFloor, "48MiB": HeapFloor, "65536": HeapFloor, " 64": HeapFloor,
	} {
		if got := HeapFloorFrom(value); got != want {
			t.Errorf("HeapFloorFrom(%q) = %d, want %d", value, got, want)
		}
	}
}
