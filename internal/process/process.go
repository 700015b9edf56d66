// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package process prepares a provider process before it serves: the SDK's logs stay off unless a user
// asks to see them, and the garbage collector lets the heap grow to a floor before it runs. The
// provider's main and the benchmark's do-nothing floors call Prepare, so that the floors cost what
// the framework costs under the same process settings.
package process

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
)

// Prepare quiets the logs (unless one of LogSettings is set) and, unless GOGC is set, starts the heap
// floor (HeapFloorSetting changes its size). debugMode (a provider run under a debugger) keeps the
// logs.
func Prepare(debugMode bool) {
	if !debugMode {
		QuietLogsUnlessShown(os.Getenv, os.Setenv)
	}
	if os.Getenv("GOGC") != "" {
		return
	}
	if floor := HeapFloorFrom(os.Getenv(HeapFloorSetting)); floor > 0 {
		StartHeapFloor(floor)
	}
}

// HeapFloorSetting is the environment variable that sets the heap floor in MiB: 0 collects at Go's
// default pace from the start, a larger floor trades memory for less collector CPU. GOGC, when set,
// takes precedence: the provider then leaves the collector to it.
const HeapFloorSetting = "ZENMLPRO_HEAP_FLOOR_MIB"

// HeapFloorFrom is the heap floor in bytes for the value of HeapFloorSetting: HeapFloor when it is
// empty or not a whole number of MiB (up to 65535).
func HeapFloorFrom(value string) uint64 {
	if value == "" {
		return HeapFloor
	}
	mib, err := strconv.ParseUint(value, 10, 16)
	if err != nil {
		return HeapFloor
	}
	return mib << 20
}

// LogSettings are the environment variables by which Terraform (or OpenTofu) shows a provider's logs
// (TF_LOG, TF_LOG_PROVIDER) or a user asks a provider for its SDK's or its own (terraform-plugin-log's
// TF_LOG_SDK*, TF_LOG_PROVIDER_ZENMLPRO). A provider process inherits them from Terraform.
var LogSettings = []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_ZENMLPRO", "TF_LOG_SDK",
	"TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO_DATA_DIR"}

// QuietLogsUnlessShown turns the SDK's and the provider's logs off when none of LogSettings is set.
// Unset, terraform-plugin-log writes every line at TRACE to Terraform, which parses each one and then
// drops it: on a plan of 100 workspaces that was about 100 lines per resource, a fifth of Terraform's
// CPU and a tenth of the provider's. Any of the settings keeps the SDK's defaults.
func QuietLogsUnlessShown(getenv func(string) string, setenv func(string, string) error) {
	for _, name := range LogSettings {
		if getenv(name) != "" {
			return
		}
	}
	_ = setenv("TF_LOG_SDK", "OFF")
	_ = setenv("TF_LOG_PROVIDER_ZENMLPRO", "OFF")
}

// HeapFloor is the heap a provider process may grow to before the collector runs. A plan sends the
// provider several short requests per resource, each allocating a little and keeping nothing: at Go's
// default pace (collect when the heap doubles what is live) the collector took about a fifth of the
// provider's CPU on a plan of 300 workspaces; a fixed GOGC=400 took less, but the process grew to
// 300 MB there, because what is allocated while a collection marks counts as live and raises the next
// target. Below the floor collections are rare; above it the pace is Go's default, so the heap stays
// within twice what is live however large the plan. docs/benchmarks.md measures the floor against
// other sizes and GOGC settings: 48 MiB keeps the process under 100 MB at 300 workspaces.
const HeapFloor = 48 << 20

// minLive is the live heap assumed before the first collection has measured it.
const minLive = 4 << 20

// PercentFor is the GOGC that makes the collector's next target the floor for a live heap of live
// bytes, and Go's default (100) once twice the live heap is above the floor.
func PercentFor(live, floor uint64) int {
	live = max(live, minLive)
	if 2*live >= floor {
		return 100
	}
	return int((floor - live) * 100 / live)
}

// heapFloor sets GOGC after every collection from the live heap it measured.
type heapFloor struct {
	floor   uint64
	stopped atomic.Bool
	sample  []metrics.Sample
}

// sentinel is allocated after each adjustment and dropped at once: its cleanup runs after the next
// collection. It is larger than the runtime's tiny allocations, whose cleanups may never run.
type sentinel struct{ _ [64]byte }

// StartHeapFloor starts adjusting GOGC after every collection so that the heap may grow to floor
// bytes before the collector runs; the returned function stops the adjusting (GOGC keeps its last
// value).
func StartHeapFloor(floor uint64) (stop func()) {
	h := &heapFloor{floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	h.adjust()
	return func() { h.stopped.Store(true) }
}

// adjust sets GOGC for the live heap of the last collection and arranges to run again after the next.
// Cleanups run one at a time on the runtime's cleanup goroutine, so the sample is never shared.
func (h *heapFloor) adjust() {
	if h.stopped.Load() {
		return
	}
	metrics.Read(h.sample)
	var live uint64
	if h.sample[0].Value.Kind() == metrics.KindUint64 {
		live = h.sample[0].Value.Uint64()
	}
	debug.SetGCPercent(PercentFor(live, h.floor))
	runtime.AddCleanup(new(sentinel), func(h *heapFloor) { h.adjust() }, h)
}
