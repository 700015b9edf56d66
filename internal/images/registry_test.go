// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package images

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestParseRegistryValid(t *testing.T) {
	tests := []struct {
		in, host, path string
	}{
		{"harbor.internal.example.com/zenml", "harbor.internal.example.com", "zenml"},
		{"registry.example.com:5000/mirrors/zenml", "registry.example.com:5000", "mirrors/zenml"},
		{"harbor.internal.example.com", "harbor.internal.example.com", ""},
		{"localhost", "localhost", ""},
		{"localhost:5000/zenml", "localhost:5000", "zenml"},
		{"registry:5000", "registry:5000", ""},
		{"10.0.0.5:5000/zenml", "10.0.0.5:5000", "zenml"},
		{"10.0.0.5", "10.0.0.5", ""},
		{"[fd00::1]:5000/zenml", "[fd00::1]:5000", "zenml"},
		{"[::1]", "[::1]", ""},
		{"Harbor.Example.com/zenml", "Harbor.Example.com", "zenml"},
		{"xn--bcher-kva.example/zenml", "xn--bcher-kva.example", "zenml"},
		{"r.example.com/a.b/c_d/e__f/g--h/i-j", "r.example.com", "a.b/c_d/e__f/g--h/i-j"},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/zenml", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "zenml"},
		{"europe-west3-docker.pkg.dev/my-project/zenml-mirror", "europe-west3-docker.pkg.dev", "my-project/zenml-mirror"},
		{"docker.io/zenmlmirror", "docker.io", "zenmlmirror"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRegistry(tt.in)
			if err != nil {
				t.Fatalf("ParseRegistry: %v", err)
			}
			if r.Host != tt.host || r.Path != tt.path {
				t.Errorf("got host %q path %q, want %q %q", r.Host, r.Path, tt.host, tt.path)
			}
			if r.String() != tt.in {
				t.Errorf("String() = %q, want %q", r.String(), tt.in)
			}
		})
	}
}

func TestParseRegistryInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "it is empty"},
		{" harbor.example.com", "white space"},
		{"harbor.example.com/zen ml", "white space"},
		{"https://harbor.internal.example.com/zenml", `remove "https://"`},
		{"http://harbor.internal.example.com", `remove "http://"`},
		{"oci://harbor.internal.example.com", `remove "oci://"`},
		{"harbor.internal.example.com/zenml/", `remove the trailing slash, e.g. "harbor.internal.example.com/zenml"`},
		{"harbor.internal.example.com/", "remove the trailing slash"},
		{"/zenml", "starts with a slash"},
		{"harbor.example.com/zenml:0.13.0", `carries a tag (":0.13.0")`},
		{"harbor.example.com/zenml/zenml-pro-api:latest", "holds no tag"},
		{"harbor.example.com:latest", `the part after ":" ("latest") is not a port number; a registry holds no tag`},
		{"harbor.example.com:http/zenml", `the port "http" is not a number`},
		{"harbor.example.com:0", "the port 0 is out of range"},
		{"harbor.example.com:65536/zenml", "the port 65536 is out of range"},
		{"harbor.example.com:-1", "not a port number"},
		{"harbor.example.com:+80", "not a port number"},
		{"harbor.example.com/zenml@sha256:" + strings.Repeat("a", 64), "carries a digest"},
		{"harbor.example.com/Zenml", `path components are lower case: write "zenml"`},
		{"harbor.example.com/ZenML/Mirror", `write "zenml"`},
		{"harbor.example.com/zen!ml", `path component "zen!ml" is not valid`},
		{"harbor.example.com/-zenml", `path component "-zenml" is not valid`},
		{"harbor.example.com/zenml_", `path component "zenml_" is not valid`},
		{"harbor.example.com/zen___ml", `path component "zen___ml" is not valid`},
		{"harbor.example.com/zen..ml", `path component "zen..ml" is not valid`},
		{"harbor.example.com//zenml", "empty path component"},
		{"harbor..example.com", "empty label"},
		{".example.com", "empty label"},
		{"-harbor.example.com", `the host label "-harbor" is not valid`},
		{"harbor_x.example.com", `the host label "harbor_x" is not valid`},
		{strings.Repeat("a", 64) + ".example.com", "longer than 63 characters"},
		{":5000/zenml", "the host name is empty"},
		{"fd00::1", `write an IPv6 address in brackets, e.g. "[fd00::1]:5000"`},
		{"a:b:c", `has more than one ":"`},
		{"[fd00::1", `lacks its closing "]"`},
		{"[not-ip]:5000", `"not-ip" is not an IPv6 address`},
		{"[10.0.0.1]", `"10.0.0.1" is not an IPv6 address`},
		{"[::1]x", `unexpected "x" after the IPv6 address`},
		{"[::1]:99999", "out of range"},
		{"harbor/zenml", `the host "harbor" has neither a dot nor a port, so container runtimes would read "harbor/zenml/zenml-pro-api" as a Docker Hub repository`},
		{"zenml", `e.g. "zenml.example.com", or a port, e.g. "zenml:5000"`},
		{"h.example.com/" + strings.Repeat("a", MaxRegistryLength), "characters long; at most 235 fit"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseRegistry(tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			var re *RegistryError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RegistryError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q lacks %q", msg, tt.want)
			}
			if !strings.Contains(msg, `e.g. "harbor.internal.example.com/zenml"`) {
				t.Errorf("error %q gives no valid example", msg)
			}
		})
	}
}

func TestParseChartRegistry(t *testing.T) {
	for in, want := range map[string]string{
		"oci://harbor.internal.example.com/zenml": "harbor.internal.example.com/zenml",
		"harbor.internal.example.com/zenml":       "harbor.internal.example.com/zenml",
		"oci://public.ecr.aws/zenml":              "public.ecr.aws/zenml",
		"oci://registry:5000":                     "registry:5000",
		"charts/zenml":                            "charts/zenml",
	} {
		r, err := ParseChartRegistry(in)
		if err != nil {
			t.Errorf("ParseChartRegistry(%q): %v", in, err)
			continue
		}
		if r.String() != want {
			t.Errorf("ParseChartRegistry(%q) = %q, want %q", in, r.String(), want)
		}
	}
	for in, want := range map[string]string{
		"https://harbor.example.com/zenml": `remove "https://", or write "oci://harbor.example.com/zenml"`,
		"oci://":                           "it is empty",
		"oci://oci://harbor.example.com":   `it has two schemes: remove "oci://"`,
		"oci://harbor.example.com/Charts":  `write "charts"`,
		"OCI://harbor.example.com":         `remove "OCI://"`,
	} {
		_, err := ParseChartRegistry(in)
		if err == nil {
			t.Errorf("ParseChartRegistry(%q): no error", in)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, want) || !strings.Contains(msg, `"`+in+`" is not a valid registry`) ||
			!strings.Contains(msg, `e.g. "oci://harbor.internal.example.com/zenml"`) {
			t.Errorf("ParseChartRegistry(%q) error %q, want it to quote the input, say %q and give an example", in, msg, want)
		}
	}
}

func TestParseDigest(t *testing.T) {
	if len(ExampleDigest) != len("sha256:")+64 {
		t.Fatalf("ExampleDigest has the wrong length: %d", len(ExampleDigest))
	}
	hex := strings.Repeat("0123456789abcdef", 4)
	for _, ok := range []string{ExampleDigest, "sha256:" + hex} {
		if err := ParseDigest(ok); err != nil {
			t.Errorf("ParseDigest(%q): %v", ok, err)
		}
	}
	tests := []struct{ in, want string }{
		{"", "it is empty"},
		{"sha256:" + hex[:63], "has 63 characters, not 64"},
		{"sha256:" + hex + "0", "has 65 characters, not 64"},
		{"sha256:" + strings.ToUpper(hex), "upper case"},
		{"SHA256:" + hex, `write the algorithm in lower case`},
		{"sha512:" + hex + hex, `the algorithm is "sha512"`},
		{"sha256:" + hex[:62] + "zz", "not hexadecimal"},
		{"sha256:", "not hexadecimal"},
		{hex, `the algorithm is missing: write "sha256:` + hex + `"`},
		{"0.13.0", `no algorithm prefix`},
		{"@sha256:" + hex, `remove the leading "@"`},
		{"zenml-pro-api:0.13.0@sha256:" + hex, "whole reference"},
		{"sha256:" + hex + " ", "white space"},
	}
	for _, tt := range tests {
		err := ParseDigest(tt.in)
		var de *DigestError
		if !errors.As(err, &de) {
			t.Errorf("ParseDigest(%q) = %v, want a *DigestError", tt.in, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, ExampleDigest) {
			t.Errorf("ParseDigest(%q) error %q lacks %q or the example", tt.in, msg, tt.want)
		}
	}
}

// FuzzParseRegistry checks that the registry parser never panics, and that what it accepts is a registry
// whose image references are valid OCI distribution references of the same text.
func FuzzParseRegistry(f *testing.F) {
	for _, s := range []string{
		"harbor.internal.example.com/zenml", "registry.example.com:5000/mirrors/zenml", "localhost", "[fd00::1]:5000/z",
		"https://x.example.com", "x.example.com/", "x.example.com/Z", "x.example.com:latest", "a:b:c", "[", "[::1]:",
		"x.example.com/a@sha256:00", "harbor/zenml", "10.0.0.5:5000", "x.example.com/a__b--c.d", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRegistry(s)
		if err != nil {
			if !strings.Contains(err.Error(), "is not a valid registry") {
				t.Fatalf("error %q does not say what is wrong", err)
			}
			return
		}
		checkAcceptedRegistry(t, s, r)
		if !strings.ContainsAny(r.Host, ".:") && r.Host != "localhost" {
			t.Fatalf("accepted %q whose host %q Docker would read as a Docker Hub namespace", s, r.Host)
		}
		img, err := ResolveImage(nil, ImageSpec{Component: ControlPlaneDashboard, Version: "0.13.0", Source: SourcePrivate, Registry: s})
		if err != nil {
			t.Fatalf("registry %q accepted, but ResolveImage failed: %v", s, err)
		}
		if img.URI != s+"/zenml-pro-dashboard:0.13.0" || img.RegistryHost != r.Host {
			t.Fatalf("registry %q: URI %q host %q", s, img.URI, img.RegistryHost)
		}
	})
}

// FuzzParseChartRegistry checks that the chart registry parser never panics and normalises oci://.
func FuzzParseChartRegistry(f *testing.F) {
	for _, s := range []string{"oci://public.ecr.aws/zenml", "public.ecr.aws/zenml", "oci://oci://x", "https://x", "oci://", "oci://x/Y", "charts"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseChartRegistry(s)
		if err != nil {
			return
		}
		checkAcceptedRegistry(t, strings.TrimPrefix(s, OCIScheme), r)
		ref, err := ResolveChart(nil, ChartSpec{Chart: ChartControlPlane, Version: "0.13.0", Registry: s})
		if err != nil {
			t.Fatalf("registry %q accepted, but ResolveChart failed: %v", s, err)
		}
		if ref.OCIReference != "oci://"+r.String()+"/zenml-pro" || strings.Count(ref.Repository, "://") != 1 {
			t.Fatalf("registry %q: reference %q repository %q", s, ref.OCIReference, ref.Repository)
		}
	})
}

// FuzzParseDigest checks that the digest parser never panics and accepts only canonical sha256 digests.
func FuzzParseDigest(f *testing.F) {
	for _, s := range []string{ExampleDigest, "sha256:", "SHA256:00", "@sha256:0", strings.Repeat("a", 64), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := ParseDigest(s); err == nil {
			if len(s) != 71 || !strings.HasPrefix(s, "sha256:") || strings.Trim(s[7:], "0123456789abcdef") != "" {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}

// checkAcceptedRegistry asserts what every accepted registry must satisfy.
func checkAcceptedRegistry(t *testing.T, s string, r Registry) {
	t.Helper()
	if r.String() != s {
		t.Fatalf("%q parsed to %q", s, r.String())
	}
	if len(s) > MaxRegistryLength || strings.Contains(s, "//") || strings.HasSuffix(s, "/") || strings.ContainsAny(s, "@ \t\n") {
		t.Fatalf("accepted %q", s)
	}
	for _, c := range r.Path {
		if unicode.IsUpper(c) || c == ':' {
			t.Fatalf("accepted path %q of %q", r.Path, s)
		}
	}
	for _, p := range strings.Split(r.Path, "/") {
		if r.Path != "" && !pathComponent.MatchString(p) {
			t.Fatalf("accepted path component %q of %q", p, s)
		}
	}
	for _, c := range s {
		if c > unicode.MaxASCII {
			t.Fatalf("accepted non-ASCII %q", s)
		}
	}
}

func TestParseRegistryHost(t *testing.T) {
	for in, want := range map[string]string{
		"harbor.internal.example.com": "",
		"127.0.0.1:5001":              "",
		"[::1]:5000":                  "",
		"localhost:5000":              "",
		"docker.io":                   "",
		"Harbor.example.com":          `write "harbor.example.com"`,
		"https://harbor.example.com":  `it has a scheme`,
		"harbor.example.com/zenml":    `it has a path ("zenml"); credentials belong to the whole host: write "harbor.example.com"`,
		"harbor.example.com:99999":    "out of range",
		"harbor":                      `no image is ever pulled from "harbor"`,
		"":                            "it is empty",
	} {
		got, err := ParseRegistryHost(in)
		switch {
		case want == "" && (err != nil || got != in):
			t.Errorf("ParseRegistryHost(%q) = %q, %v; want it back", in, got, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), ExampleRegistryHost)):
			t.Errorf("ParseRegistryHost(%q) = %v; want an error with %q and an example", in, err, want)
		}
	}
}
