// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package registryfake serves go-containerregistry's in-memory OCI registry on loopback for tests,
// with what a real registry does and the in-memory one lacks: basic authentication, and injected
// error responses (429, 5xx) on manifest requests, faults no real registry produces on demand. It
// counts manifest requests, so a test can hold the provider to one request per reference.
package registryfake

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Options of a fake registry.
type Options struct {
	// Username and Password, when set, are required (basic authentication) on every request.
	Username, Password string
	// TLS serves HTTPS with a certificate of a CA of its own (see CACertificate) instead of plain HTTP.
	TLS bool
	// DigestDeletesOnly makes the registry delete as Docker's distribution 2.x does: a DELETE of a tag
	// is refused (405 UNSUPPORTED), and a DELETE by digest removes the image with every tag naming it.
	DigestDeletesOnly bool
}

// Registry is a running fake registry.
type Registry struct {
	// Host is host:port of the registry, e.g. 127.0.0.1:40123 (plain HTTP, as loopback allows, unless
	// Options.TLS).
	Host string
	// CACertificate is the PEM certificate that the registry's TLS certificate chains to (with Options.TLS).
	CACertificate string
	opts          Options
	transport     http.RoundTripper

	mu        sync.Mutex
	manifests int
	faults    []int
	// blobFaults are the faults of the next blob requests: an HTTP status, or cutBlob.
	blobFaults []int
	blobPuts   int
	// interceptors see every request first (see Intercept).
	interceptors []Interceptor
}

// Interceptor may serve a request in place of the registry (a hang, a lie, a redirect): it returns
// true when it has answered. inner is the in-memory registry itself, for an interceptor that forwards
// or reads what the registry would answer.
type Interceptor func(w http.ResponseWriter, req *http.Request, inner http.Handler) bool

// Intercept adds f in front of the registry, after the authentication check, for the rest of the
// test: faults no real registry produces on demand.
func (r *Registry) Intercept(f Interceptor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.interceptors = append(r.interceptors, f)
}

// cutBlob, as a blob fault, sends half of a blob and closes the connection.
const cutBlob = -1

// Start serves a fake registry until the test ends.
func Start(tb testing.TB, opts Options) *Registry {
	tb.Helper()
	r := &Registry{opts: opts}
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if opts.Username != "" {
			user, pass, ok := req.BasicAuth()
			if !ok || user != opts.Username || pass != opts.Password {
				w.Header().Set("WWW-Authenticate", `Basic realm="registryfake"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
		}
		r.mu.Lock()
		interceptors := r.interceptors
		r.mu.Unlock()
		for _, f := range interceptors {
			if f(w, req, inner) {
				return
			}
		}
		if strings.Contains(req.URL.Path, "/manifests/") && (req.Method == http.MethodGet || req.Method == http.MethodHead) {
			r.mu.Lock()
			r.manifests++
			fault := 0
			if len(r.faults) > 0 {
				fault, r.faults = r.faults[0], r.faults[1:]
			}
			r.mu.Unlock()
			if fault != 0 {
				http.Error(w, fmt.Sprintf(`{"errors":[{"code":"UNKNOWN","message":"injected %d"}]}`, fault), fault)
				return
			}
		}
		if opts.DigestDeletesOnly && req.Method == http.MethodDelete && strings.Contains(req.URL.Path, "/manifests/") {
			r.deleteAsDistribution(w, req, inner)
			return
		}
		if strings.Contains(req.URL.Path, "/blobs/") && r.blobFault(w, req, inner) {
			return
		}
		if strings.Contains(req.URL.Path, "/blobs/uploads/") && req.Method == http.MethodPut {
			r.mu.Lock()
			r.blobPuts++
			r.mu.Unlock()
		}
		inner.ServeHTTP(w, req)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes that tests make fail on purpose
	if opts.TLS {
		srv.StartTLS()
		r.CACertificate = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
		r.transport = srv.Client().Transport
	} else {
		srv.Start()
	}
	tb.Cleanup(srv.Close)
	r.Host = strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
	return r
}

// deleteAsDistribution deletes a manifest as distribution 2.x does (see Options.DigestDeletesOnly).
func (r *Registry) deleteAsDistribution(w http.ResponseWriter, req *http.Request, inner http.Handler) {
	i := strings.Index(req.URL.Path, "/manifests/")
	repo, target := strings.TrimPrefix(req.URL.Path[:i], "/v2/"), req.URL.Path[i+len("/manifests/"):]
	if !strings.HasPrefix(target, "sha256:") {
		http.Error(w, `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`, http.StatusMethodNotAllowed)
		return
	}
	ctx, err := name.NewRepository(r.Host + "/" + repo)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tags, _ := remote.List(ctx, r.Options()...)
	for _, t := range tags {
		if d, err := remote.Head(ctx.Tag(t), r.Options()...); err == nil && d.Digest.String() == target {
			del := httptest.NewRequest(http.MethodDelete, "/v2/"+repo+"/manifests/"+t, nil)
			inner.ServeHTTP(httptest.NewRecorder(), del)
		}
	}
	inner.ServeHTTP(w, req)
}

// blobFault serves the next blob fault, if there is one, and says whether it did.
func (r *Registry) blobFault(w http.ResponseWriter, req *http.Request, inner http.Handler) bool {
	r.mu.Lock()
	fault := 0
	if len(r.blobFaults) > 0 && (req.Method == http.MethodGet || req.Method == http.MethodPatch || req.Method == http.MethodPut) {
		fault, r.blobFaults = r.blobFaults[0], r.blobFaults[1:]
	}
	r.mu.Unlock()
	switch {
	case fault == 0:
		return false
	case fault == cutBlob && req.Method == http.MethodGet:
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("registryfake: the server cannot cut a connection")
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			panic(err)
		}
		_, _ = fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: application/octet-stream\r\n", len(body))
		_, _ = fmt.Fprintf(buf, "Docker-Content-Digest: %s\r\n\r\n", rec.Header().Get("Docker-Content-Digest"))
		_, _ = buf.Write(body[:len(body)/2])
		_ = buf.Flush()
		_ = conn.Close()
		return true
	case fault == cutBlob:
		return false // only reads are cut
	}
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
	}
	http.Error(w, fmt.Sprintf(`{"errors":[{"code":"UNKNOWN","message":"injected %d"}]}`, fault), fault)
	return true
}

// FailBlobs makes the next blob reads and writes (GET, PATCH, PUT) fail with the given HTTP statuses,
// in order: faults no real registry produces on demand.
func (r *Registry) FailBlobs(statuses ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blobFaults = append(r.blobFaults, statuses...)
}

// CutBlobReads makes the next n blob reads send half of the blob and close the connection.
func (r *Registry) CutBlobReads(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range n {
		r.blobFaults = append(r.blobFaults, cutBlob)
	}
}

// BlobUploads counts the blob uploads completed so far (PUT of an upload).
func (r *Registry) BlobUploads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.blobPuts
}

// ManifestRequests counts the manifest requests (GET and HEAD) served so far.
func (r *Registry) ManifestRequests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.manifests
}

// FailManifests makes the next manifest requests fail with the given HTTP statuses, in order.
func (r *Registry) FailManifests(statuses ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = append(r.faults, statuses...)
}

// Options are the remote options that write to the registry as its owner.
func (r *Registry) Options() []remote.Option {
	opts := []remote.Option{remote.WithAuth(authn.Anonymous)}
	if r.opts.Username != "" {
		opts[0] = remote.WithAuth(&authn.Basic{Username: r.opts.Username, Password: r.opts.Password})
	}
	if r.transport != nil {
		opts = append(opts, remote.WithTransport(r.transport))
	}
	return opts
}

// PushImage writes a random single-platform image under repo:tag (e.g. "zenml/app:1.0") and returns
// its digest.
func (r *Registry) PushImage(tb testing.TB, repoTag string) string {
	tb.Helper()
	img, err := random.Image(512, 2)
	if err != nil {
		tb.Fatal(err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	ref := r.ref(tb, repoTag)
	r.without(func() {
		if err := remote.Write(ref, img, r.Options()...); err != nil {
			tb.Fatalf("registryfake: pushing %s: %v", ref, err)
		}
	})
	d, err := img.Digest()
	if err != nil {
		tb.Fatal(err)
	}
	return d.String()
}

// Index is a pushed multi-platform index.
type Index struct {
	Digest string
	// Platforms are the digests of its images, in the order of the platforms pushed.
	Platforms []string
}

// PushIndex writes a random image index with one image per platform ("linux/amd64",
// "linux/arm64/v8") under repo:tag.
func (r *Registry) PushIndex(tb testing.TB, repoTag string, platforms ...string) Index {
	tb.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var out Index
	for _, p := range platforms {
		img, err := random.Image(512, 2)
		if err != nil {
			tb.Fatal(err)
		}
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		parts := strings.Split(p, "/")
		plat := &v1.Platform{OS: parts[0], Architecture: parts[1]}
		if len(parts) > 2 {
			plat.Variant = parts[2]
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: plat}})
		d, err := img.Digest()
		if err != nil {
			tb.Fatal(err)
		}
		out.Platforms = append(out.Platforms, d.String())
	}
	ref := r.ref(tb, repoTag)
	r.without(func() {
		if err := remote.WriteIndex(ref, idx, r.Options()...); err != nil {
			tb.Fatalf("registryfake: pushing %s: %v", ref, err)
		}
	})
	d, err := idx.Digest()
	if err != nil {
		tb.Fatal(err)
	}
	out.Digest = d.String()
	return out
}

// without runs f with the manifest request counter and faults left as they were.
func (r *Registry) without(f func()) {
	r.mu.Lock()
	n, faults, blobFaults, puts := r.manifests, r.faults, r.blobFaults, r.blobPuts
	r.faults, r.blobFaults = nil, nil
	r.mu.Unlock()
	f()
	r.mu.Lock()
	r.manifests, r.faults, r.blobFaults, r.blobPuts = n, faults, blobFaults, puts
	r.mu.Unlock()
}

func (r *Registry) ref(tb testing.TB, repoTag string) name.Reference {
	tb.Helper()
	ref, err := name.ParseReference(r.Host + "/" + repoTag)
	if err != nil {
		tb.Fatal(err)
	}
	return ref
}

// Tag points the tag of repoTag (e.g. "zenml/app:1.0") at what the reference from (e.g.
// "zenml/app:next") names: a tag that moves, as a registry's owner moves it.
func (r *Registry) Tag(tb testing.TB, from, repoTag string) {
	tb.Helper()
	src := r.ref(tb, from)
	dst := r.ref(tb, repoTag)
	r.without(func() {
		desc, err := remote.Get(src, r.Options()...)
		if err != nil {
			tb.Fatalf("registryfake: reading %s: %v", src, err)
		}
		if err := remote.Tag(dst.Context().Tag(dst.Identifier()), desc, r.Options()...); err != nil {
			tb.Fatalf("registryfake: tagging %s: %v", dst, err)
		}
	})
}

// Digest is the digest repoTag names, and whether it names anything; it counts no request.
func (r *Registry) Digest(tb testing.TB, repoTag string) (string, bool) {
	tb.Helper()
	var digest string
	var found bool
	r.without(func() {
		d, err := remote.Head(r.ref(tb, repoTag), r.Options()...)
		var te *transport.Error
		switch {
		case errors.As(err, &te) && te.StatusCode == http.StatusNotFound:
		case err != nil:
			tb.Fatalf("registryfake: reading %s: %v", repoTag, err)
		default:
			digest, found = d.Digest.String(), true
		}
	})
	return digest, found
}

// DeleteTag deletes the tag of repoTag, as someone cleaning up the registry would.
func (r *Registry) DeleteTag(tb testing.TB, repoTag string) {
	tb.Helper()
	r.without(func() {
		if err := remote.Delete(r.ref(tb, repoTag), r.Options()...); err != nil {
			tb.Fatalf("registryfake: deleting %s: %v", repoTag, err)
		}
	})
}

// CopyTo copies what repoTag names to dstRepoTag of dst, as someone who mirrored it before Terraform
// did; neither registry counts its requests.
func (r *Registry) CopyTo(tb testing.TB, repoTag string, dst *Registry, dstRepoTag string) {
	tb.Helper()
	r.without(func() {
		desc, err := remote.Get(r.ref(tb, repoTag), r.Options()...)
		if err != nil {
			tb.Fatalf("registryfake: reading %s: %v", repoTag, err)
		}
		idx, err := desc.ImageIndex()
		if err != nil {
			tb.Fatalf("registryfake: %s is no index: %v", repoTag, err)
		}
		dst.without(func() {
			if err := remote.WriteIndex(dst.ref(tb, dstRepoTag), idx, dst.Options()...); err != nil {
				tb.Fatalf("registryfake: writing %s: %v", dstRepoTag, err)
			}
		})
	})
}

// Chart is a pushed Helm chart.
type Chart struct {
	// Digest is the chart manifest's digest; Archive the chart .tgz (the manifest's content layer).
	Digest  string
	Archive []byte
}

// PushChart writes a Helm chart named name at version under repo:version as HelmChart builds it.
func (r *Registry) PushChart(tb testing.TB, repo, name, version string) Chart {
	tb.Helper()
	ref := r.ref(tb, repo+":"+version)
	var out Chart
	var err error
	r.without(func() { out, err = PushChart(ref, name, version, r.Options()...) })
	if err != nil {
		tb.Fatalf("registryfake: %v", err)
	}
	return out
}

// PushChart writes the chart HelmChart builds to ref (its blobs, then its manifest).
func PushChart(ref name.Reference, chartName, version string, opts ...remote.Option) (Chart, error) {
	layers, raw, archive, err := HelmChart(chartName, version)
	if err != nil {
		return Chart{}, err
	}
	for _, l := range layers {
		if err := remote.WriteLayer(ref.Context(), l, opts...); err != nil {
			return Chart{}, fmt.Errorf("pushing a blob of the chart %s: %w", ref, err)
		}
	}
	if err := remote.Put(ref, rawManifest{raw: raw, mediaType: types.OCIManifestSchema1}, opts...); err != nil {
		return Chart{}, fmt.Errorf("pushing the chart %s: %w", ref, err)
	}
	d, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return Chart{}, err
	}
	return Chart{Digest: d.String(), Archive: archive}, nil
}

// HelmChart builds a Helm chart named name at version as `helm push` stores it: an OCI manifest whose
// config is the chart's metadata (application/vnd.cncf.helm.config.v1+json) and whose one layer is
// the chart .tgz (application/vnd.cncf.helm.chart.content.v1.tar+gzip), holding <name>/Chart.yaml and
// <name>/values.yaml. It returns the blobs (config, content), the manifest and the .tgz.
func HelmChart(chartName, version string) (layers []v1.Layer, manifest, archive []byte, err error) {
	var tgz bytes.Buffer
	gz := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(gz)
	files := []struct{ name, body string }{
		{chartName + "/Chart.yaml", fmt.Sprintf("apiVersion: v2\nname: %s\nversion: %s\nappVersion: %q\n", chartName, version, version)},
		{chartName + "/values.yaml", "# values of " + chartName + " " + version + "\nimage:\n  tag: \"" + version + "\"\n"},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			return nil, nil, nil, err
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			return nil, nil, nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, nil, nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, nil, nil, err
	}
	archive = tgz.Bytes()
	cfg := []byte(fmt.Sprintf(`{"name":%q,"version":%q,"apiVersion":"v2","appVersion":%q}`, chartName, version, version))
	cfgLayer := static.NewLayer(cfg, "application/vnd.cncf.helm.config.v1+json")
	content := static.NewLayer(archive, "application/vnd.cncf.helm.chart.content.v1.tar+gzip")
	descOf := func(l v1.Layer) v1.Descriptor {
		d, _ := l.Digest()
		size, _ := l.Size()
		mt, _ := l.MediaType()
		return v1.Descriptor{MediaType: mt, Size: size, Digest: d}
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: descOf(cfgLayer), Layers: []v1.Descriptor{descOf(content)}}
	manifest, err = json.Marshal(m)
	if err != nil {
		return nil, nil, nil, err
	}
	return []v1.Layer{cfgLayer, content}, manifest, archive, nil
}

// rawManifest is a manifest pushed as it is.
type rawManifest struct {
	raw       []byte
	mediaType types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mediaType, nil }
