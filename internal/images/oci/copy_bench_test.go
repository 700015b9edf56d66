// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci_test

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// copyPeakHeapBudget is the most heap that one Copy may add to the process, whatever the size of
// the image: blobs stream from registry to registry, so the provider's memory stays flat as images
// grow. On the 2-core reference machine a Copy added 0.34 to 0.51 MB at its peak for the 10 MB
// image and for the 500 MB one alike, and allocated 0.35 to 0.49 MB in about 2,500 allocations in
// all (-benchmem), at 75 to 110 MB/s (10 MB) and 145 to 195 MB/s (500 MB). The budget is 30 times
// that peak, room for GC timing (the runtime lets up to 4 MB of garbage pile up between
// collections of a small heap) and for larger buffers in newer go-containerregistry and Go
// releases; a copy that held even 3% of the 500 MB layer, or all of the 10 MB one, would exceed it.
const copyPeakHeapBudget = 16e6

// heapSampleInterval is how often the heap is sampled during a Copy.
const heapSampleInterval = 2 * time.Millisecond

// BenchmarkCopyMemory copies a single-layer image of incompressible random content (10 MB and
// 500 MB) from one registry to another and reports the peak heap the copy adds to this process
// (peak-heap-MB) and its throughput (MB/s). It fails when a copy's peak exceeds
// copyPeakHeapBudget, the same budget for both sizes.
//
// Both registries are registryfake-server child processes with their blobs on disk, so that what
// the registries hold and buffer (go-containerregistry's registry keeps blobs and uploads in
// memory unless told otherwise) does not count as the provider's memory. Each iteration copies
// to a fresh target process, because a registry of go-containerregistry stores blobs by digest
// alone, across repositories: a second copy to the same target, even to another repository, would
// find the blobs there and skip them, measuring nothing. Starting the target, and stopping it and
// removing its blobs afterwards, happen with the timer stopped.
func BenchmarkCopyMemory(b *testing.B) {
	bin := registryfake.BuildServer(b)
	work := b.TempDir()
	for _, size := range []struct {
		name  string
		bytes int64
	}{{"10MB", 10e6}, {"500MB", 500e6}} {
		// The source is pushed once per size, and lives until the end of BenchmarkCopyMemory: the
		// sub-benchmark's function runs more than once (with b.N = 1, then with the b.N it settles
		// on), and each run's cleanups happen at the end of that run.
		var src *source
		outer := b
		b.Run("image="+size.name, func(b *testing.B) {
			if src == nil {
				src = pushSource(b, outer, bin, filepath.Join(work, size.name), size.bytes)
			}
			benchmarkCopy(b, bin, src)
		})
	}
}

// source is an image pushed to a registry process.
type source struct {
	ref   string // the image's reference at its registry
	blobs int64  // the bytes of its blobs, config and layer
}

// pushSource writes a single-layer image of size random bytes to a new registry process, which
// owner stops when it ends, through a file on disk so that no more than a chunk of the image is
// ever in this process's memory.
func pushSource(b, owner *testing.B, bin, dir string, size int64) *source {
	b.Helper()
	return pushLayers(b, owner, bin, dir, 1, size)
}

// pushLayers is pushSource of an image of n layers of size random bytes each (each its own content).
func pushLayers(b, owner *testing.B, bin, dir string, n int, size int64) *source {
	b.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	reg, err := registryfake.LaunchProcess(bin, filepath.Join(dir, "source"))
	if err != nil {
		b.Fatal(err)
	}
	owner.Cleanup(reg.Stop)
	img := empty.Image
	for i := range n {
		layerPath := filepath.Join(dir, fmt.Sprintf("layer-%d.tar.gz", i))
		writeRandomLayer(b, layerPath, size, uint64(i))
		// The file is gzip already (stored blocks), so the layer is read from it as it is, not compressed again.
		layer, err := tarball.LayerFromFile(layerPath, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			b.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			b.Fatal(err)
		}
		// The registry has its own copy once pushed.
		defer func() { _ = os.Remove(layerPath) }()
	}
	img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
	ref, err := name.ParseReference(reg.Host + "/zenml/zenml-pro-server:bench")
	if err != nil {
		b.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(authn.Anonymous)); err != nil {
		b.Fatalf("pushing the image of %d layers of %d bytes: %v", n, size, err)
	}
	m, err := img.Manifest()
	if err != nil {
		b.Fatal(err)
	}
	blobs := m.Config.Size
	for _, l := range m.Layers {
		blobs += l.Size
	}
	return &source{ref: ref.String(), blobs: blobs}
}

// writeRandomLayer writes a gzip-compressed tar of one file of size random bytes to path, a chunk
// at a time. The gzip is written without compression (stored blocks), which is fast to write and
// read, and random bytes would not compress anyway: the blob is about size bytes.
func writeRandomLayer(b *testing.B, path string, size int64, seed uint64) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, err := gzip.NewWriterLevel(bw, gzip.NoCompression)
	if err != nil {
		b.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "random.bin", Mode: 0o644, Size: size, Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
		b.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{byte(size), byte(size >> 8), byte(size >> 16), byte(size >> 24), byte(seed), byte(seed >> 8)})
	chunk := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(left, int64(len(chunk)))
		_, _ = rng.Read(chunk[:n])
		if _, err := tw.Write(chunk[:n]); err != nil {
			b.Fatal(err)
		}
		left -= n
	}
	for _, c := range []io.Closer{tw, zw} {
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchmarkCopy copies src to a fresh registry process b.N times and reports the highest peak of
// the heap above its level before a copy, in MB of 10^6 bytes as MB/s counts them.
func benchmarkCopy(b *testing.B, bin string, src *source) {
	c, err := oci.NewClient(oci.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(src.blobs)
	var peak uint64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		// Removed after the iteration already, not at the end of the run: 500 MB each.
		targetDir := b.TempDir()
		dst := registryfake.StartProcess(b, bin, targetDir)
		// What the setup left is garbage: collect it so that the baseline is the live heap.
		runtime.GC()
		sampler := startHeapSampler()
		b.StartTimer()

		res, err := c.Copy(context.Background(), src.ref, fmt.Sprintf("%s/zenml/mirror-%d:bench", dst.Host, i), oci.CopyOptions{Timeout: 5 * time.Minute})

		b.StopTimer()
		added := sampler.stop()
		peak = max(peak, added)
		dst.Stop()
		if rerr := os.RemoveAll(targetDir); rerr != nil {
			b.Fatal(rerr)
		}
		if err != nil {
			b.Fatal(err)
		}
		// The config and the layer are uploaded, every byte of them: nothing was skipped.
		if res.BlobsUploaded != 2 || res.BlobsSkipped != 0 || res.BytesDone != src.blobs {
			b.Fatalf("Copy uploaded %d blobs (%d bytes) and skipped %d, want 2 blobs (%d bytes) and none skipped",
				res.BlobsUploaded, res.BytesDone, res.BlobsSkipped, src.blobs)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	if peak > copyPeakHeapBudget {
		b.Fatalf("copying %d bytes of blobs added %.1f MB to the heap at its peak, over the budget of %.0f MB: "+
			"the copy no longer streams", src.blobs, float64(peak)/1e6, copyPeakHeapBudget/1e6)
	}
}

// heapSampler follows the heap of the process (its objects, live or not yet swept, as
// "/memory/classes/heap/objects:bytes" of runtime/metrics counts them) from a baseline.
type heapSampler struct {
	baseline uint64
	done     chan struct{}
	peak     chan uint64
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{done: make(chan struct{}), peak: make(chan uint64, 1)}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	s.baseline = read()
	go func() {
		peak := s.baseline
		t := time.NewTicker(heapSampleInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				peak = max(peak, read())
			case <-s.done:
				s.peak <- max(peak, read())
				return
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak above the baseline.
func (s *heapSampler) stop() uint64 {
	close(s.done)
	peak := <-s.peak
	if peak < s.baseline {
		return 0
	}
	return peak - s.baseline
}
