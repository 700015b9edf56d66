// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bundle

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// source is a registry that plays ZenML's: the images of one Control Plane and one Workspace Server
// release under a private registry path, and the two charts.
type source struct {
	reg                    *registryfake.Registry
	api, dashboard, client string
	server                 registryfake.Index
	cpChart, wsChart       registryfake.Chart
	spec                   Spec
}

func startSource(t *testing.T) source {
	reg := registryfake.Start(t, registryfake.Options{Username: "zenml-customer", Password: "zenml-pw"})
	s := source{reg: reg}
	s.api = reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	s.dashboard = reg.PushImage(t, "zenml/zenml-pro-dashboard:0.13.0")
	s.server = reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64")
	s.client = reg.PushImage(t, "zenml/zenml:0.93.2")
	s.cpChart = reg.PushChart(t, "charts/zenml-pro", "zenml-pro", "0.13.0")
	s.wsChart = reg.PushChart(t, "charts/zenml", "zenml", "0.93.2")
	s.spec = Spec{
		ControlPlaneVersion: "0.13.0",
		WorkspaceVersions:   []string{"0.93.2"},
		Source:              images.SourcePrivate,
		Registry:            reg.Host + "/zenml",
		ChartRegistry:       reg.Host + "/charts",
		InternalRegistry:    "harbor.internal.example.com/zenml",
		IncludeClient:       true,
	}
	return s
}

func (s source) ociClient(t *testing.T) *oci.Client {
	c, err := oci.NewClient(oci.Options{Registries: map[string]oci.Registry{s.reg.Host: {Username: "zenml-customer", Password: "zenml-pw"}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeBundle writes the bundle of s to dir: a new one, or again over the bundle there, as its writer.
func writeBundle(t *testing.T, s source, dir string) Written {
	t.Helper()
	planned, err := Plan(nil, s.spec)
	if err != nil {
		t.Fatal(err)
	}
	opts := WriteOptions{CreatedAt: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	if prev, err := ReadManifest(dir); err == nil {
		opts.Replace = &prev
	}
	w, err := Write(t.Context(), s.ociClient(t), planned, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestPlan(t *testing.T) {
	m, err := Plan(nil, Spec{ControlPlaneVersion: "0.13.0", WorkspaceVersions: []string{"0.93.2", "0.90.0"}, Source: images.SourceZenMLAWS,
		InternalRegistry: "harbor.internal.example.com/zenml", IncludeClient: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, img := range m.Images {
		got = append(got, img.Key+" "+img.SourceURI+" "+img.InternalURI+" "+img.Archive)
	}
	want := []string{
		"zenml-pro-api:0.13.0 715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-api:0.13.0 harbor.internal.example.com/zenml/zenml-pro-api:0.13.0 images/zenml-pro-api-0.13.0.tar",
		"zenml-pro-dashboard:0.13.0 715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-dashboard:0.13.0 harbor.internal.example.com/zenml/zenml-pro-dashboard:0.13.0 images/zenml-pro-dashboard-0.13.0.tar",
		"zenml-pro-server:0.90.0 715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.90.0 harbor.internal.example.com/zenml/zenml-pro-server:0.90.0 images/zenml-pro-server-0.90.0.tar",
		"zenml:0.90.0 docker.io/zenmldocker/zenml:0.90.0 harbor.internal.example.com/zenml/zenml:0.90.0 images/zenml-0.90.0.tar",
		"zenml-pro-server:0.93.2 715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2 harbor.internal.example.com/zenml/zenml-pro-server:0.93.2 images/zenml-pro-server-0.93.2.tar",
		"zenml:0.93.2 docker.io/zenmldocker/zenml:0.93.2 harbor.internal.example.com/zenml/zenml:0.93.2 images/zenml-0.93.2.tar",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("images:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = nil
	for _, c := range m.Charts {
		got = append(got, c.Key+" "+c.SourceURI+" "+c.InternalURI+" "+c.File)
	}
	want = []string{
		"zenml-pro:0.13.0 oci://public.ecr.aws/zenml/zenml-pro:0.13.0 oci://harbor.internal.example.com/zenml/charts/zenml-pro charts/zenml-pro-0.13.0.tgz",
		"zenml:0.90.0 oci://public.ecr.aws/zenml/zenml:0.90.0 oci://harbor.internal.example.com/zenml/charts/zenml charts/zenml-0.90.0.tgz",
		"zenml:0.93.2 oci://public.ecr.aws/zenml/zenml:0.93.2 oci://harbor.internal.example.com/zenml/charts/zenml charts/zenml-0.93.2.tgz",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("charts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, tc := range []struct {
		spec  Spec
		input string
	}{
		{Spec{ControlPlaneVersion: "0.93.2", WorkspaceVersions: []string{"0.93.2"}, Source: images.SourceZenMLGCP, InternalRegistry: "harbor.example.com"}, InputControlPlaneVersion},
		{Spec{ControlPlaneVersion: "0.13.0", WorkspaceVersions: []string{"0.13.0"}, Source: images.SourceZenMLGCP, InternalRegistry: "harbor.example.com"}, InputWorkspaceVersions},
		{Spec{ControlPlaneVersion: "0.13.0", Source: images.SourceZenMLGCP, InternalRegistry: "harbor.example.com"}, InputWorkspaceVersions},
		{Spec{ControlPlaneVersion: "0.13.0", WorkspaceVersions: []string{"0.93.2"}, Source: images.SourceZenMLGCP, InternalRegistry: "https://harbor.example.com"}, InputInternalRegistry},
		{Spec{ControlPlaneVersion: "0.13.0", WorkspaceVersions: []string{"0.93.2"}, Source: images.SourceZenMLGCP, InternalRegistry: "harbor.example.com", ChartRegistry: "Bad Host"}, InputChartRegistry},
		{Spec{ControlPlaneVersion: "0.13.0", WorkspaceVersions: []string{"0.93.2"}, Source: images.SourcePrivate, InternalRegistry: "harbor.example.com"}, "registry"},
	} {
		_, err := Plan(nil, tc.spec)
		e, ok := inputerr.As(err)
		if !ok || e.Input != tc.input {
			t.Errorf("Plan(%+v) = %v; want an input error on %s", tc.spec, err, tc.input)
		}
	}
}

// A bundle holds every image (all platforms) in one OCI layout, a docker tarball per image, the
// charts as .tgz, the manifests and SHA256SUMS that sha256sum -c accepts; it is mirrored into a second
// registry with the source's digests.
func TestWriteVerifyPush(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	w := writeBundle(t, s, dir)
	m := w.Manifest

	want := map[string]string{"zenml-pro-api:0.13.0": s.api, "zenml-pro-dashboard:0.13.0": s.dashboard,
		"zenml-pro-server:0.93.2": s.server.Digest, "zenml:0.93.2": s.client}
	if len(m.Images) != len(want) {
		t.Fatalf("images = %+v", m.Images)
	}
	for _, img := range m.Images {
		if img.Digest != want[img.Key] {
			t.Errorf("%s digest = %s, want %s", img.Key, img.Digest, want[img.Key])
		}
	}
	server, _ := m.ImageByKey("zenml-pro-server:0.93.2")
	if strings.Join(server.Platforms, ",") != "linux/amd64,linux/arm64" || server.ArchiveDigest != s.server.Platforms[0] {
		t.Errorf("server = %+v; want both platforms and the amd64 image (%s) in the tarball", server, s.server.Platforms[0])
	}
	if c, _ := m.ChartByKey("zenml-pro:0.13.0"); c.Digest != s.cpChart.Digest {
		t.Errorf("chart digest = %s, want %s", c.Digest, s.cpChart.Digest)
	}
	got, err := os.ReadFile(filepath.Join(dir, "charts", "zenml-0.93.2.tgz"))
	if err != nil || string(got) != string(s.wsChart.Archive) {
		t.Errorf("charts/zenml-0.93.2.tgz is not the chart's archive (err %v)", err)
	}
	if m.CreatedAt != "2026-12-02T10:00:00Z" {
		t.Errorf("created_at = %s", m.CreatedAt)
	}
	summary, _ := os.ReadFile(filepath.Join(dir, SummaryFile))
	for _, w := range []string{"harbor.internal.example.com/zenml/zenml-pro-api:0.13.0", "oci://harbor.internal.example.com/zenml/charts/zenml-pro --version 0.13.0", "2026-12-02T10:00:00Z"} {
		if !strings.Contains(string(summary), w) {
			t.Errorf("manifest.txt lacks %q:\n%s", w, summary)
		}
	}

	// The tarball is the amd64 image as docker save writes it, tagged with the source reference.
	tag, _ := name.NewTag(server.SourceURI)
	img, err := tarball.ImageFromPath(filepath.Join(dir, server.Archive), &tag)
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	if len(layers) != 2 {
		t.Errorf("the tarball's image has %d layers, want 2", len(layers))
	}

	// sha256sum -c accepts the bundle as it is.
	if out, err := exec.Command("sh", "-c", "cd '"+dir+"' && sha256sum -c --quiet SHA256SUMS").CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	read, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if read.Manifest.CreatedAt != m.CreatedAt || len(read.Manifest.Images) != len(m.Images) || read.Record != w.Record || read.ManifestJSON != w.ManifestJSON {
		t.Errorf("Read = %+v, want what Write returned, %+v", read, w)
	}

	// Inside: every image and chart pushed from the layout keeps its digest.
	inside := registryfake.Start(t, registryfake.Options{})
	l, err := oci.OpenLayout(filepath.Join(dir, ImagesDir))
	if err != nil {
		t.Fatal(err)
	}
	c := s.ociClient(t)
	for _, img := range m.Images {
		res, err := c.Push(t.Context(), l, img.Digest, inside.Host+"/zenml/"+img.Key, oci.CopyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := inside.Digest(t, "zenml/"+img.Key); d != img.Digest || res.Target.Digest != img.Digest {
			t.Errorf("%s inside = %s, want %s", img.Key, d, img.Digest)
		}
	}
	for _, ch := range m.Charts {
		if _, err := c.Push(t.Context(), l, ch.Digest, inside.Host+"/zenml/charts/"+ch.Key, oci.CopyOptions{}); err != nil {
			t.Fatal(err)
		}
		if d, _ := inside.Digest(t, "zenml/charts/"+ch.Key); d != ch.Digest {
			t.Errorf("chart %s inside = %s, want %s", ch.Key, d, ch.Digest)
		}
	}
}

// A changed, a missing and an added file are each named; sha256sum -c agrees that the bundle is bad.
func TestVerifyDetectsTampering(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	writeBundle(t, s, dir)
	if err := os.WriteFile(filepath.Join(dir, "charts", "zenml-pro-0.13.0.tgz"), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "images", "zenml-0.93.2.tar")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "images", "extra.tar"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Read(dir)
	var verr *VerifyError
	if !errors.As(err, &verr) {
		t.Fatalf("Read = %v; want a VerifyError", err)
	}
	got := map[string]string{}
	for _, f := range verr.Files {
		got[f.File] = f.Problem
	}
	want := map[string]string{"charts/zenml-pro-0.13.0.tgz": ProblemChanged, "images/zenml-0.93.2.tar": ProblemMissing, "images/extra.tar": ProblemExtra}
	for f, p := range want {
		if got[f] != p {
			t.Errorf("%s: problem %q, want %q (all: %v)", f, got[f], p, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems = %v, want %v", got, want)
	}
	if out, err := exec.Command("sh", "-c", "cd '"+dir+"' && sha256sum -c --quiet SHA256SUMS").CombinedOutput(); err == nil {
		t.Errorf("sha256sum -c accepted a tampered bundle:\n%s", out)
	}
}

// A rewrite picks up a moved tag; a tag that moved since the plan fails the write and
// leaves the previous bundle as it was.
func TestRewrite(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	first := writeBundle(t, s, dir)

	pins := map[string]string{}
	for _, img := range first.Manifest.Images {
		pins[img.SourceURI] = img.Digest
	}
	moved := s.reg.PushImage(t, "zenml/zenml-pro-api:0.13.0")
	planned, _ := Plan(nil, s.spec)
	_, err := Write(t.Context(), s.ociClient(t), planned, dir, WriteOptions{Pins: pins, CreatedAt: time.Now(), Replace: &first.Manifest})
	var merr *MovedError
	if !errors.As(err, &merr) || merr.Now != moved {
		t.Fatalf("Write = %v; want a MovedError naming %s", err, moved)
	}
	if err := Verify(dir); err != nil {
		t.Fatalf("the previous bundle was harmed by a failed write: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("the failed write left %d entries beside the bundle", len(entries)-1)
	}

	second := writeBundle(t, s, dir)
	if api, _ := second.Manifest.ImageByKey("zenml-pro-api:0.13.0"); api.Digest != moved {
		t.Errorf("rewritten api = %s, want %s", api.Digest, moved)
	}
	if err := Verify(dir); err != nil {
		t.Fatal(err)
	}
}

// A directory with other files is never written over, nor a bundle to which files were added; removing
// a bundle keeps files it did not write.
func TestDirectoryOwnership(t *testing.T) {
	s := startSource(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	planned, _ := Plan(nil, s.spec)
	_, err := Write(t.Context(), s.ociClient(t), planned, dir, WriteOptions{})
	var nb *NotBundleError
	if !errors.As(err, &nb) {
		t.Fatalf("Write into a directory of other files = %v; want NotBundleError", err)
	}

	bdir := filepath.Join(t.TempDir(), "bundle")
	w := writeBundle(t, s, bdir)
	if err := os.WriteFile(filepath.Join(bdir, "charts", "README"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A rewrite replaces the directory: it refuses while a file it did not write is there.
	_, err = Write(t.Context(), s.ociClient(t), planned, bdir, WriteOptions{Replace: &w.Manifest})
	var ff *ForeignFilesError
	if !errors.As(err, &ff) || strings.Join(ff.Files, ",") != "charts/README" {
		t.Fatalf("rewrite with a foreign file = %v; want a ForeignFilesError naming charts/README", err)
	}
	if got, _ := os.ReadFile(filepath.Join(bdir, "charts", "README")); string(got) != "mine" {
		t.Fatal("the foreign file was harmed")
	}
	kept, err := RemoveOwned(bdir, w.Record)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(kept, ",") != "charts/README" {
		t.Errorf("kept = %v, want charts/README", kept)
	}
	entries, _ := os.ReadDir(bdir)
	if len(entries) != 1 || entries[0].Name() != "charts" {
		t.Errorf("left in the bundle directory: %v", entries)
	}
}

// Resolve shows at plan what a write will bundle: the source digests, the kept platforms, the bundled
// digest where it is the source's; and names every source it cannot read.
func TestResolve(t *testing.T) {
	s := startSource(t)
	m, err := Plan(nil, s.spec)
	if err != nil {
		t.Fatal(err)
	}
	if errs := Resolve(t.Context(), s.ociClient(t), &m, time.Minute); len(errs) > 0 {
		t.Fatal(errs)
	}
	server, _ := m.ImageByKey("zenml-pro-server:0.93.2")
	if server.SourceDigest != s.server.Digest || server.Digest != s.server.Digest || strings.Join(server.Platforms, ",") != "linux/amd64,linux/arm64" {
		t.Errorf("server = %+v", server)
	}
	if c, _ := m.ChartByKey("zenml:0.93.2"); c.Digest != s.wsChart.Digest {
		t.Errorf("chart digest = %s, want %s", c.Digest, s.wsChart.Digest)
	}

	// A filter keeps a platform of an index (whose bundled digest the write computes) and leaves a
	// single image as it is.
	spec := s.spec
	spec.Platforms, spec.ArchivePlatform = []string{"linux/arm64"}, "linux/arm64"
	if m, err = Plan(nil, spec); err != nil {
		t.Fatal(err)
	}
	if errs := Resolve(t.Context(), s.ociClient(t), &m, time.Minute); len(errs) > 0 {
		t.Fatal(errs)
	}
	server, _ = m.ImageByKey("zenml-pro-server:0.93.2")
	api, _ := m.ImageByKey("zenml-pro-api:0.13.0")
	if server.Digest != "" || server.SourceDigest != s.server.Digest || strings.Join(server.Platforms, ",") != "linux/arm64" || api.Digest != s.api {
		t.Errorf("filtered: server %+v, api %+v", server, api)
	}

	// A platform no index has, and a chart registry without the charts, are each named.
	spec.Platforms, spec.ArchivePlatform = []string{"linux/s390x"}, "linux/s390x"
	spec.ChartRegistry = s.reg.Host + "/elsewhere"
	if m, err = Plan(nil, spec); err != nil {
		t.Fatal(err)
	}
	errs := Resolve(t.Context(), s.ociClient(t), &m, time.Minute)
	var pe *oci.PlatformError
	var charts int
	for _, err := range errs {
		var re *ResolveError
		if errors.As(err, &re) && re.Chart {
			charts++
		}
	}
	if len(errs) != 3 || !errors.As(errs[0], &pe) || charts != 2 {
		t.Errorf("errors = %v; want the platform of the server image and both charts", errs)
	}
}

// A cancelled write stops, leaves the previous bundle whole and nothing beside it.
func TestWriteCancelled(t *testing.T) {
	s := startSource(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	w := writeBundle(t, s, dir)
	s.reg.PushImage(t, "zenml/zenml-pro-api:0.13.0") // something new to download
	planned, _ := Plan(nil, s.spec)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Write(ctx, s.ociClient(t), planned, dir, WriteOptions{Replace: &w.Manifest})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write with a cancelled context = %v; want context.Canceled", err)
	}
	if err := Verify(dir); err != nil {
		t.Fatalf("the previous bundle was harmed: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Errorf("the cancelled write left %d entries beside the bundle", len(entries)-1)
	}
}
