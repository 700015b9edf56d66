// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package registryfake

import (
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// The process counts the blob bytes it received and sent, as a copy benchmark reads them.
func TestProcessCounters(t *testing.T) {
	p := StartProcess(t, BuildServer(t), filepath.Join(t.TempDir(), "blobs"))
	img, err := random.Image(1<<20, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(p.Host+"/zenml/test:1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	var layerBytes int64
	for _, l := range layers {
		n, _ := l.Size()
		layerBytes += n
	}
	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if c.BlobBytesReceived < layerBytes || c.BlobBytesSent != 0 || c.Requests["PUT"] == 0 {
		t.Fatalf("after a push of %d layer bytes: %+v", layerBytes, c)
	}
	got, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := got.Layers()
	for _, l := range ls {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 32<<10)
		for {
			if _, err := rc.Read(buf); err != nil {
				break
			}
		}
		_ = rc.Close()
	}
	after, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if after.BlobBytesSent < layerBytes {
		t.Errorf("after a pull: blob bytes sent %d, want at least %d", after.BlobBytesSent, layerBytes)
	}
}
