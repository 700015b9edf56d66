// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"maps"
	"runtime/debug"
	"testing"
)

func TestQuietLogsUnlessShown(t *testing.T) {
	quiet := map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_PROVIDER_ZENMLPRO": "OFF"}
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string // what quietLogsUnlessShown sets
	}{
		{name: "nothing set", env: map[string]string{}, want: quiet},
		{name: "unrelated settings", env: map[string]string{"TF_LOG_CORE": "TRACE", "TF_LOG_PATH": "/tmp/tf.log", "TF_IN_AUTOMATION": "1"}, want: quiet},
		{name: "empty values count as unset", env: map[string]string{"TF_LOG": ""}, want: quiet},
	}
	for _, name := range logSettings {
		tests = append(tests, struct {
			name string
			env  map[string]string
			want map[string]string
		}{name: name, env: map[string]string{name: "DEBUG"}, want: map[string]string{}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := map[string]string{}
			quietLogsUnlessShown(func(k string) string { return tt.env[k] }, func(k, v string) error { set[k] = v; return nil })
			if !maps.Equal(set, tt.want) {
				t.Errorf("set %v, want %v", set, tt.want)
			}
		})
	}
}

func TestTuneGCKeepsGOGC(t *testing.T) {
	// The runtime reads GOGC and GOMEMLIMIT at start; here they are set as if it had.
	t.Setenv("GOGC", "50")
	t.Setenv("GOMEMLIMIT", "64MiB")
	previous := debug.SetGCPercent(50)
	previousLimit := debug.SetMemoryLimit(64 << 20)
	t.Cleanup(func() { debug.SetGCPercent(previous); debug.SetMemoryLimit(previousLimit) })
	tuneGC()
	if got := setGCPercentAndRestore(t, 100); got != 50 {
		t.Errorf("GC percent %d after tuneGC with GOGC=50, want 50 (the user's setting)", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("memory limit %d after tuneGC with GOMEMLIMIT=64MiB, want the user's setting", got)
	}
}

func TestTuneGCRaisesTheDefault(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	previous := debug.SetGCPercent(100)
	previousLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(previous); debug.SetMemoryLimit(previousLimit) })
	tuneGC()
	if got := setGCPercentAndRestore(t, 100); got != gcPercent {
		t.Errorf("GC percent %d after tuneGC without GOGC, want %d", got, gcPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != gcMemoryLimit {
		t.Errorf("memory limit %d after tuneGC without GOMEMLIMIT, want %d", got, gcMemoryLimit)
	}
}

// setGCPercentAndRestore reads the GC percent (by setting p) and puts it back at the end of the test.
func setGCPercentAndRestore(t *testing.T, p int) int {
	t.Helper()
	got := debug.SetGCPercent(p)
	t.Cleanup(func() { debug.SetGCPercent(got) })
	return got
}
