// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package images

import (
	"errors"
	"strings"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

const (
	cpVersion = "0.13.0" // the ZenML Pro prerequisites page's Control Plane example
	wsVersion = "0.93.2" // the ZenML Pro prerequisites page's Workspace Server example
)

func TestResolveImageZenMLSources(t *testing.T) {
	tests := []struct {
		component Component
		source    Source
		version   string
		uri       string
		host      string
	}{
		{ControlPlaneAPI, SourceZenMLGCP, cpVersion, "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0", "europe-west3-docker.pkg.dev"},
		{ControlPlaneDashboard, SourceZenMLGCP, cpVersion, "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-dashboard:0.13.0", "europe-west3-docker.pkg.dev"},
		{WorkspaceServer, SourceZenMLGCP, wsVersion, "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-server:0.93.2", "europe-west3-docker.pkg.dev"},
		{Client, SourceZenMLGCP, wsVersion, "docker.io/zenmldocker/zenml:0.93.2", "docker.io"},
		{ControlPlaneAPI, SourceZenMLAWS, cpVersion, "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-api:0.13.0", "715803424590.dkr.ecr.eu-west-1.amazonaws.com"},
		{ControlPlaneDashboard, SourceZenMLAWS, cpVersion, "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-dashboard:0.13.0", "715803424590.dkr.ecr.eu-west-1.amazonaws.com"},
		// The workspace server's ECR repository is in eu-central-1, unlike the control plane's.
		{WorkspaceServer, SourceZenMLAWS, wsVersion, "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.2", "715803424590.dkr.ecr.eu-central-1.amazonaws.com"},
		{Client, SourceZenMLAWS, wsVersion, "docker.io/zenmldocker/zenml:0.93.2", "docker.io"},
	}
	for _, tt := range tests {
		t.Run(string(tt.component)+"/"+string(tt.source), func(t *testing.T) {
			img, err := ResolveImage(releases.Embedded(), ImageSpec{Component: tt.component, Version: tt.version, Source: tt.source})
			if err != nil {
				t.Fatalf("ResolveImage: %v", err)
			}
			if img.URI != tt.uri {
				t.Errorf("URI = %q, want %q", img.URI, tt.uri)
			}
			if want := strings.TrimSuffix(tt.uri, ":"+tt.version); img.Repository != want {
				t.Errorf("Repository = %q, want %q", img.Repository, want)
			}
			if img.Tag != tt.version {
				t.Errorf("Tag = %q, want %q", img.Tag, tt.version)
			}
			if img.RegistryHost != tt.host {
				t.Errorf("RegistryHost = %q, want %q", img.RegistryHost, tt.host)
			}
			if !strings.HasSuffix(img.Repository, "/"+img.ImageName) || img.ImageName != tt.component.ImageName() {
				t.Errorf("ImageName = %q does not end repository %q", img.ImageName, img.Repository)
			}
			if img.Unlisted != nil {
				t.Errorf("Unlisted = %+v for a catalogued version", img.Unlisted)
			}
		})
	}
}

// The ZenML Pro prerequisites page lists the image URIs with a <version> placeholder.
func TestResolveImageMatchesPrerequisitesPage(t *testing.T) {
	page := map[Source]map[Component]string{
		SourceZenMLGCP: {
			ControlPlaneAPI:       "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:<version>",
			ControlPlaneDashboard: "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-dashboard:<version>",
			WorkspaceServer:       "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-server:<version>",
		},
		SourceZenMLAWS: {
			ControlPlaneAPI:       "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-api:<version>",
			ControlPlaneDashboard: "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-dashboard:<version>",
			WorkspaceServer:       "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:<version>",
		},
	}
	for src, m := range page {
		for c, tmpl := range m {
			v := ExampleVersion(c.Line())
			img, err := ResolveImage(nil, ImageSpec{Component: c, Version: v, Source: src})
			if err != nil {
				t.Fatalf("%s/%s: %v", c, src, err)
			}
			if want := strings.ReplaceAll(tmpl, "<version>", v); img.URI != want {
				t.Errorf("%s/%s: URI = %q, want %q", c, src, img.URI, want)
			}
		}
	}
}

func TestResolveImagePrivate(t *testing.T) {
	tests := []struct {
		component Component
		version   string
		registry  string
		uri       string
		host      string
	}{
		{ControlPlaneAPI, cpVersion, "harbor.internal.example.com/zenml", "harbor.internal.example.com/zenml/zenml-pro-api:0.13.0", "harbor.internal.example.com"},
		{ControlPlaneDashboard, cpVersion, "harbor.internal.example.com/zenml", "harbor.internal.example.com/zenml/zenml-pro-dashboard:0.13.0", "harbor.internal.example.com"},
		{WorkspaceServer, wsVersion, "registry.example.com:5000/mirrors/zenml", "registry.example.com:5000/mirrors/zenml/zenml-pro-server:0.93.2", "registry.example.com:5000"},
		{Client, wsVersion, "registry.example.com:5000/mirrors/zenml", "registry.example.com:5000/mirrors/zenml/zenml:0.93.2", "registry.example.com:5000"},
		{Client, wsVersion, "harbor.internal.example.com", "harbor.internal.example.com/zenml:0.93.2", "harbor.internal.example.com"},
		{ControlPlaneAPI, cpVersion, "123456789012.dkr.ecr.us-east-1.amazonaws.com/zenml", "123456789012.dkr.ecr.us-east-1.amazonaws.com/zenml/zenml-pro-api:0.13.0", "123456789012.dkr.ecr.us-east-1.amazonaws.com"},
		{ControlPlaneAPI, cpVersion, "us-docker.pkg.dev/my-project/zenml-mirror", "us-docker.pkg.dev/my-project/zenml-mirror/zenml-pro-api:0.13.0", "us-docker.pkg.dev"},
		{WorkspaceServer, wsVersion, "10.0.0.5:5000", "10.0.0.5:5000/zenml-pro-server:0.93.2", "10.0.0.5:5000"},
		{WorkspaceServer, wsVersion, "[fd00::1]:5000/zenml", "[fd00::1]:5000/zenml/zenml-pro-server:0.93.2", "[fd00::1]:5000"},
		{WorkspaceServer, wsVersion, "localhost/zenml", "localhost/zenml/zenml-pro-server:0.93.2", "localhost"},
		{WorkspaceServer, wsVersion, "registry:5000/a__b/c-d/e.f", "registry:5000/a__b/c-d/e.f/zenml-pro-server:0.93.2", "registry:5000"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			img, err := ResolveImage(releases.Embedded(), ImageSpec{Component: tt.component, Version: tt.version, Source: SourcePrivate, Registry: tt.registry})
			if err != nil {
				t.Fatalf("ResolveImage: %v", err)
			}
			if img.URI != tt.uri {
				t.Errorf("URI = %q, want %q", img.URI, tt.uri)
			}
			if img.Repository != tt.registry+"/"+tt.component.ImageName() {
				t.Errorf("Repository = %q", img.Repository)
			}
			if img.RegistryHost != tt.host {
				t.Errorf("RegistryHost = %q, want %q", img.RegistryHost, tt.host)
			}
			if img.Tag != tt.version {
				t.Errorf("Tag = %q (a mirror keeps the tag)", img.Tag)
			}
		})
	}
}

func TestResolveImageDigest(t *testing.T) {
	img, err := ResolveImage(nil, ImageSpec{Component: ControlPlaneAPI, Version: cpVersion, Source: SourceZenMLGCP, Digest: ExampleDigest})
	if err != nil {
		t.Fatal(err)
	}
	want := "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0@" + ExampleDigest
	if img.URI != want || img.Tag != cpVersion || img.Digest != ExampleDigest {
		t.Errorf("got URI %q tag %q digest %q, want URI %q", img.URI, img.Tag, img.Digest, want)
	}
	img, err = ResolveImage(nil, ImageSpec{Component: Client, Version: wsVersion, Source: SourcePrivate, Registry: ExampleRegistry, Digest: ExampleDigest})
	if err != nil {
		t.Fatal(err)
	}
	if want := "harbor.internal.example.com/zenml/zenml:0.93.2@" + ExampleDigest; img.URI != want {
		t.Errorf("URI = %q, want %q", img.URI, want)
	}
}

func TestResolveImageErrors(t *testing.T) {
	tests := []struct {
		name  string
		spec  ImageSpec
		input string
		want  []string
	}{
		{"unknown component", ImageSpec{Component: "api", Version: cpVersion, Source: SourceZenMLGCP}, InputComponent,
			[]string{`"api" is not a component`, `"control_plane_api"`}},
		{"unknown source", ImageSpec{Component: ControlPlaneAPI, Version: cpVersion, Source: "zenml_azure"}, InputSource,
			[]string{`"zenml_azure" is not an image source`, `"private"`}},
		{"v prefix", ImageSpec{Component: ControlPlaneAPI, Version: "v0.13.0", Source: SourceZenMLGCP}, InputVersion,
			[]string{`no "v" prefix`, `write "0.13.0"`}},
		{"latest", ImageSpec{Component: WorkspaceServer, Version: "latest", Source: SourceZenMLGCP}, InputVersion,
			[]string{`"latest" cannot be checked or pinned`}},
		{"range", ImageSpec{Component: WorkspaceServer, Version: ">=0.93.0", Source: SourceZenMLGCP}, InputVersion,
			[]string{"range or constraint"}},
		{"workspace version for control plane", ImageSpec{Component: ControlPlaneAPI, Version: "0.93.2", Source: SourceZenMLGCP}, InputVersion,
			[]string{"0.93.2 is a Workspace Server (ZenML OSS) version, but control_plane_api takes a Control Plane version such as 0.13.0"}},
		{"workspace version for dashboard", ImageSpec{Component: ControlPlaneDashboard, Version: "0.85.0", Source: SourceZenMLAWS}, InputVersion,
			[]string{"0.85.0 is a Workspace Server (ZenML OSS) version, but control_plane_dashboard takes a Control Plane version"}},
		{"control plane version for workspace server", ImageSpec{Component: WorkspaceServer, Version: "0.13.0", Source: SourceZenMLGCP}, InputVersion,
			[]string{"0.13.0 is a Control Plane version, but workspace_server takes a Workspace Server (ZenML OSS) version such as 0.93.2"}},
		{"control plane version for client", ImageSpec{Component: Client, Version: "0.12.10", Source: SourceZenMLGCP}, InputVersion,
			[]string{"0.12.10 is a Control Plane version, but client takes"}},
		{"private without registry", ImageSpec{Component: ControlPlaneAPI, Version: cpVersion, Source: SourcePrivate}, InputRegistry,
			[]string{`source "private" pulls from your own mirror`, `registry = "harbor.internal.example.com/zenml"`}},
		{"registry with zenml_gcp", ImageSpec{Component: ControlPlaneAPI, Version: cpVersion, Source: SourceZenMLGCP, Registry: ExampleRegistry}, InputRegistry,
			[]string{`registry "harbor.internal.example.com/zenml" is given with source "zenml_gcp"`, "would ignore it", `source = "private"`}},
		{"registry with zenml_aws", ImageSpec{Component: Client, Version: wsVersion, Source: SourceZenMLAWS, Registry: ExampleRegistry}, InputRegistry,
			[]string{`source "zenml_aws", which pulls from ZenML's AWS ECR`}},
		{"registry with scheme", ImageSpec{Component: ControlPlaneAPI, Version: cpVersion, Source: SourcePrivate, Registry: "https://harbor.internal.example.com/zenml"}, InputRegistry,
			[]string{`remove "https://"`}},
		{"bad digest", ImageSpec{Component: ControlPlaneAPI, Version: cpVersion, Source: SourceZenMLGCP, Digest: "sha256:1234"}, InputDigest,
			[]string{"has 4 characters, not 64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ResolveImage(releases.Embedded(), tt.spec)
			if err == nil {
				t.Fatal("no error")
			}
			var ie *inputerr.Error
			if !errors.As(err, &ie) || ie.Input != tt.input {
				t.Fatalf("error %v is not an input error for %q", err, tt.input)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestResolveImageVersionErrorPassesThrough(t *testing.T) {
	_, err := ResolveImage(nil, ImageSpec{Component: WorkspaceServer, Version: "0.93", Source: SourceZenMLGCP})
	_, want := releases.ParseVersion("0.93")
	if err == nil || err.Error() != want.Error() {
		t.Fatalf("error = %v, want the releases.ParseVersion error %v", err, want)
	}
	var ve *releases.VersionError
	if !errors.As(err, &ve) {
		t.Errorf("error %v does not wrap *releases.VersionError", err)
	}
}

func TestResolveImageUnlistedVersion(t *testing.T) {
	img, err := ResolveImage(releases.Embedded(), ImageSpec{Component: WorkspaceServer, Version: "0.93.9", Source: SourceZenMLAWS})
	if err != nil {
		t.Fatalf("an unlisted version must not be an error: %v", err)
	}
	if img.URI != "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server:0.93.9" {
		t.Errorf("URI = %q", img.URI)
	}
	if img.Unlisted == nil {
		t.Fatal("Unlisted is nil for a version absent from the catalog")
	}
	msg := img.Unlisted.Message()
	for _, w := range []string{"0.93.9 is not in the release catalog", "check the tag exists", "`releases` attribute", `workspace_server = { "0.93.9" = "YYYY-MM-DD" }`} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}

	// A version listed without a date is known: no note.
	img, err = ResolveImage(releases.Embedded(), ImageSpec{Component: ControlPlaneAPI, Version: "0.12.0", Source: SourceZenMLGCP})
	if err != nil || img.Unlisted != nil {
		t.Errorf("0.12.0 (listed, date unknown): err %v, unlisted %+v", err, img.Unlisted)
	}
}

func TestResolveImageConfiguredCatalog(t *testing.T) {
	cat, err := releases.Embedded().WithDates(map[releases.Line]map[string]string{releases.WorkspaceServer: {"0.99.9": "2026-12-01"}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := ResolveImage(cat, ImageSpec{Component: WorkspaceServer, Version: "0.99.9", Source: SourceZenMLGCP})
	if err != nil || img.Unlisted != nil {
		t.Errorf("0.99.9 added to the catalog: err %v, unlisted %+v", err, img.Unlisted)
	}
	// The embedded catalog does not know it.
	img, err = ResolveImage(releases.Embedded(), ImageSpec{Component: WorkspaceServer, Version: "0.99.9", Source: SourceZenMLGCP})
	if err != nil || img.Unlisted == nil {
		t.Errorf("0.99.9 in the embedded catalog: err %v, unlisted %+v", err, img.Unlisted)
	}
	// With the configured catalog, the version is known to be a Workspace Server one.
	_, err = ResolveImage(cat, ImageSpec{Component: ControlPlaneAPI, Version: "0.99.9", Source: SourceZenMLGCP})
	var wl *WrongLineError
	if !errors.As(err, &wl) || wl.Belongs != releases.WorkspaceServer {
		t.Errorf("control_plane_api 0.99.9 with the configured catalog: err %v, want a wrong-line error", err)
	}
}

func TestComponentsAndLines(t *testing.T) {
	want := map[Component]struct {
		line releases.Line
		name string
	}{
		ControlPlaneAPI:       {releases.ControlPlane, "zenml-pro-api"},
		ControlPlaneDashboard: {releases.ControlPlane, "zenml-pro-dashboard"},
		WorkspaceServer:       {releases.WorkspaceServer, "zenml-pro-server"},
		Client:                {releases.WorkspaceServer, "zenml"},
	}
	if len(Components()) != len(want) {
		t.Fatalf("Components() = %v", Components())
	}
	for _, c := range Components() {
		if c.Line() != want[c].line || c.ImageName() != want[c].name {
			t.Errorf("%s: line %s image %s, want %s %s", c, c.Line(), c.ImageName(), want[c].line, want[c].name)
		}
		if len(c.ImageName())+1+MaxRegistryLength > maxRepositoryName {
			t.Errorf("%s: image name too long for MaxRegistryLength", c)
		}
	}
	if got := strings.Join(ComponentNames(), ","); got != "control_plane_api,control_plane_dashboard,workspace_server,client" {
		t.Errorf("ComponentNames() = %s", got)
	}
	if got := strings.Join(SourceNames(), ","); got != "zenml_gcp,zenml_aws,private" {
		t.Errorf("SourceNames() = %s", got)
	}
	if got := strings.Join(ChartNames(), ","); got != "control_plane,workspace_server" {
		t.Errorf("ChartNames() = %s", got)
	}
	for _, name := range ComponentNames() {
		if c, err := ParseComponent(name); err != nil || string(c) != name {
			t.Errorf("ParseComponent(%q) = %q, %v", name, c, err)
		}
	}
	for _, name := range SourceNames() {
		if s, err := ParseSource(name); err != nil || string(s) != name {
			t.Errorf("ParseSource(%q) = %q, %v", name, s, err)
		}
	}
	for _, name := range ChartNames() {
		if c, deprecated, err := ParseChart(name); err != nil || string(c) != name || deprecated {
			t.Errorf("ParseChart(%q) = %q, %t, %v", name, c, deprecated, err)
		}
	}
	if ChartControlPlane.Line() != releases.ControlPlane || ChartWorkspaceServer.Line() != releases.WorkspaceServer {
		t.Error("chart lines are wrong")
	}
	if got := ChartControlPlane.Components(); len(got) != 2 || got[0] != ControlPlaneAPI || got[1] != ControlPlaneDashboard {
		t.Errorf("control plane chart components = %v", got)
	}
	if got := ChartWorkspaceServer.Components(); len(got) != 1 || got[0] != WorkspaceServer {
		t.Errorf("workspace_server chart components = %v", got)
	}
}

// TestParseChart: both spellings of the Workspace Server's chart read as one chart, the former one
// marked deprecated.
func TestParseChart(t *testing.T) {
	for _, tc := range []struct {
		in             string
		want           Chart
		wantDeprecated bool
		wantErr        string
	}{
		{in: "control_plane", want: ChartControlPlane},
		{in: "workspace_server", want: ChartWorkspaceServer},
		{in: "workspace", want: ChartWorkspaceServer, wantDeprecated: true},
		{in: "zenml-pro", wantErr: `"zenml-pro" is not a chart: use one of "control_plane" or "workspace_server", e.g. "control_plane"`},
		{in: "Workspace", wantErr: `"Workspace" is not a chart`},
		{in: "", wantErr: `"" is not a chart`},
	} {
		got, deprecated, err := ParseChart(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseChart(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want || deprecated != tc.wantDeprecated {
			t.Errorf("ParseChart(%q) = %q, %t, %v; want %q, %t", tc.in, got, deprecated, err, tc.want, tc.wantDeprecated)
		}
	}
}

func TestResolveChart(t *testing.T) {
	tests := []struct {
		spec              ChartSpec
		name, repo, ref   string
		registry, version string
	}{
		{ChartSpec{Chart: ChartControlPlane, Version: cpVersion}, "zenml-pro", "oci://public.ecr.aws/zenml", "oci://public.ecr.aws/zenml/zenml-pro", "public.ecr.aws/zenml", cpVersion},
		{ChartSpec{Chart: ChartWorkspaceServer, Version: wsVersion}, "zenml", "oci://public.ecr.aws/zenml", "oci://public.ecr.aws/zenml/zenml", "public.ecr.aws/zenml", wsVersion},
		// The deprecated spelling is the same chart.
		{ChartSpec{Chart: DeprecatedChartWorkspaceServer, Version: wsVersion, Registry: "oci://registry:5001"}, "zenml", "oci://registry:5001", "oci://registry:5001/zenml", "registry:5001", wsVersion},
		{ChartSpec{Chart: ChartControlPlane, Version: cpVersion, Registry: "harbor.internal.example.com/zenml"}, "zenml-pro", "oci://harbor.internal.example.com/zenml", "oci://harbor.internal.example.com/zenml/zenml-pro", "harbor.internal.example.com/zenml", cpVersion},
		{ChartSpec{Chart: ChartWorkspaceServer, Version: wsVersion, Registry: "oci://harbor.internal.example.com/zenml"}, "zenml", "oci://harbor.internal.example.com/zenml", "oci://harbor.internal.example.com/zenml/zenml", "harbor.internal.example.com/zenml", wsVersion},
		{ChartSpec{Chart: ChartWorkspaceServer, Version: wsVersion, Registry: "oci://registry:5000"}, "zenml", "oci://registry:5000", "oci://registry:5000/zenml", "registry:5000", wsVersion},
		// Helm reads the first component of an oci:// reference as a host, so a single label is fine here.
		{ChartSpec{Chart: ChartWorkspaceServer, Version: wsVersion, Registry: "harbor/charts"}, "zenml", "oci://harbor/charts", "oci://harbor/charts/zenml", "harbor/charts", wsVersion},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			ref, err := ResolveChart(releases.Embedded(), tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if want, _, _ := ParseChart(string(tt.spec.Chart)); ref.Chart != want {
				t.Errorf("chart %q, want %q", ref.Chart, want)
			}
			if ref.Name != tt.name || ref.Repository != tt.repo || ref.OCIReference != tt.ref || ref.Registry != tt.registry {
				t.Errorf("got name %q repository %q reference %q registry %q", ref.Name, ref.Repository, ref.OCIReference, ref.Registry)
			}
			if ref.Version != tt.version || ref.ImageTag != tt.version {
				t.Errorf("version %q image tag %q, want both %q (version synchronization)", ref.Version, ref.ImageTag, tt.version)
			}
			if ref.Unlisted != nil {
				t.Errorf("Unlisted = %+v", ref.Unlisted)
			}
		})
	}
}

func TestResolveChartErrors(t *testing.T) {
	tests := []struct {
		name  string
		spec  ChartSpec
		input string
		want  string
	}{
		{"unknown chart", ChartSpec{Chart: "zenml-pro", Version: cpVersion}, InputChart, `"zenml-pro" is not a chart`},
		{"wrong line control plane", ChartSpec{Chart: ChartControlPlane, Version: "0.93.2"}, InputVersion,
			"0.93.2 is a Workspace Server (ZenML OSS) version, but the control_plane chart takes a Control Plane version such as 0.13.0"},
		{"wrong line workspace_server", ChartSpec{Chart: ChartWorkspaceServer, Version: "0.13.0"}, InputVersion,
			"0.13.0 is a Control Plane version, but the workspace_server chart takes a Workspace Server (ZenML OSS) version such as 0.93.2"},
		{"wrong line deprecated workspace", ChartSpec{Chart: DeprecatedChartWorkspaceServer, Version: "0.13.0"}, InputVersion,
			"0.13.0 is a Control Plane version, but the workspace_server chart takes a Workspace Server (ZenML OSS) version such as 0.93.2"},
		{"v prefix", ChartSpec{Chart: ChartWorkspaceServer, Version: "v0.93.2"}, InputVersion, `no "v" prefix`},
		{"https scheme", ChartSpec{Chart: ChartWorkspaceServer, Version: wsVersion, Registry: "https://harbor.internal.example.com/zenml"}, InputRegistry,
			`Helm pulls charts from OCI registries only: remove "https://", or write "oci://harbor.internal.example.com/zenml"`},
		{"double scheme", ChartSpec{Chart: ChartWorkspaceServer, Version: wsVersion, Registry: "oci://oci://harbor.example.com"}, InputRegistry, "two schemes"},
		{"trailing slash", ChartSpec{Chart: ChartWorkspaceServer, Version: wsVersion, Registry: "oci://harbor.example.com/zenml/"}, InputRegistry,
			`remove the trailing slash, e.g. "oci://harbor.example.com/zenml"`},
		{"chart version in registry", ChartSpec{Chart: ChartWorkspaceServer, Version: wsVersion, Registry: "harbor.example.com/zenml:0.93.2"}, InputRegistry, "holds no tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ResolveChart(nil, tt.spec)
			var ie *inputerr.Error
			if !errors.As(err, &ie) || ie.Input != tt.input {
				t.Fatalf("error %v is not an input error for %q", err, tt.input)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
		})
	}
}

func TestResolveChartUnlisted(t *testing.T) {
	ref, err := ResolveChart(nil, ChartSpec{Chart: ChartControlPlane, Version: "0.13.99"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Unlisted == nil || ref.Unlisted.Line != releases.ControlPlane || ref.OCIReference != "oci://public.ecr.aws/zenml/zenml-pro" {
		t.Errorf("got %+v", ref)
	}
	if msg := ref.Unlisted.Message(); !strings.Contains(msg, "Control Plane version 0.13.99 is not in the release catalog") ||
		!strings.Contains(msg, `control_plane = { "0.13.99" = "YYYY-MM-DD" }`) {
		t.Errorf("message %q", msg)
	}
}
