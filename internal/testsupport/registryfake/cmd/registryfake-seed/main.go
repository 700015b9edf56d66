// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Command registryfake-seed fills a local registry with stand-ins of ZenML's artifacts for one Control
// Plane and one Workspace Server release, so that `make demo` can rehearse an air-gapped installation
// without ZenML's registries: random two-platform images (linux/amd64, linux/arm64) under
// <registry>/zenml/ (zenml-pro-api and zenml-pro-dashboard at the Control Plane version, zenml-pro-server
// and the client image zenml at the Workspace Server version) and the two Helm charts under
// <registry>/charts/ (zenml-pro and zenml). It prints what it pushed.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

func main() {
	registry := flag.String("registry", "", "the registry, host:port on loopback (plain HTTP)")
	cp := flag.String("control-plane", "0.13.0", "the Control Plane version")
	ws := flag.String("workspace", "0.93.2", "the Workspace Server version")
	flag.Parse()
	if err := run(*registry, *cp, *ws); err != nil {
		fmt.Fprintln(os.Stderr, "registryfake-seed:", err)
		os.Exit(1)
	}
}

func run(registry, cp, ws string) error {
	if registry == "" {
		return fmt.Errorf("-registry is required")
	}
	for _, img := range []struct{ repo, tag string }{
		{"zenml/zenml-pro-api", cp}, {"zenml/zenml-pro-dashboard", cp}, {"zenml/zenml-pro-server", ws}, {"zenml/zenml", ws},
	} {
		ref, err := name.ParseReference(registry + "/" + img.repo + ":" + img.tag)
		if err != nil {
			return err
		}
		idx, err := index()
		if err != nil {
			return err
		}
		if err := remote.WriteIndex(ref, idx); err != nil {
			return fmt.Errorf("pushing %s: %w", ref, err)
		}
		d, _ := idx.Digest()
		fmt.Printf("pushed %s %s\n", ref, d)
	}
	for _, c := range []struct{ name, version string }{{"zenml-pro", cp}, {"zenml", ws}} {
		ref, err := name.ParseReference(registry + "/charts/" + c.name + ":" + c.version)
		if err != nil {
			return err
		}
		chart, err := registryfake.PushChart(ref, c.name, c.version)
		if err != nil {
			return err
		}
		fmt.Printf("pushed %s %s (Helm chart)\n", ref, chart.Digest)
	}
	return nil
}

// index is a random image index of two platforms, two 256 KiB layers each.
func index() (v1.ImageIndex, error) {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := random.Image(256<<10, 2)
		if err != nil {
			return nil, err
		}
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	return idx, nil
}
