// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package bundle writes and reads the air-gapped bundle: on a connected machine, every image of a
// release set (into one OCI image layout, and a `docker load` tarball per image), the two Helm charts,
// a manifest and SHA256SUMS; inside, the same directory verified file by file.
package bundle

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// The files and directories of a bundle.
const (
	ManifestFile = "manifest.json"
	SummaryFile  = "manifest.txt"
	SumsFile     = "SHA256SUMS"
	ImagesDir    = "images"
	ChartsDir    = "charts"
)

// FormatVersion is the version of manifest.json this package writes and reads.
const FormatVersion = 1

// DefaultArchivePlatform is the platform of the `docker load` tarballs, as ZenML's air-gapped guide
// carries them.
const DefaultArchivePlatform = "linux/amd64"

// chartPath is where charts go under the internal registry: the workspace chart and the pipeline
// client image are both named zenml and share a version, so they cannot share a repository.
const chartPath = "charts"

// Inputs of a Spec, as errors name them.
const (
	InputDirectory           = "directory"
	InputControlPlaneVersion = "control_plane_version"
	InputWorkspaceVersions   = "workspace_versions"
	InputInternalRegistry    = "internal_registry"
	InputChartRegistry       = "chart_registry"
	InputArchivePlatform     = "docker_archive_platform"
	InputPlatforms           = "platforms"
)

// Spec is what a bundle holds.
type Spec struct {
	ControlPlaneVersion string
	WorkspaceVersions   []string
	Source              images.Source
	// Registry is the private registry of SourcePrivate.
	Registry string
	// ChartRegistry is where the charts are pulled from; empty means images.DefaultChartRegistry.
	ChartRegistry string
	// InternalRegistry is the registry inside, host with optional path, recorded in the manifest.
	InternalRegistry string
	IncludeClient    bool
	// Platforms keeps only these platforms of each image index; empty keeps all.
	Platforms []string
	// ArchivePlatform is the platform of the docker tarballs; empty means DefaultArchivePlatform.
	ArchivePlatform string
}

// Image is one image of a bundle.
type Image struct {
	// Key is <name>:<tag>, e.g. "zenml-pro-api:0.13.0".
	Key       string `json:"key"`
	Component string `json:"component"`
	Version   string `json:"version"`
	// SourceURI is where the image was read, e.g. europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api:0.13.0.
	SourceURI string `json:"source_uri"`
	// SourceDigest is what SourceURI named when the bundle was written.
	SourceDigest string `json:"source_digest"`
	// Digest is the digest of what the bundle's OCI layout holds: SourceDigest, or with a platform
	// filter the index of the kept platforms.
	Digest    string   `json:"digest"`
	MediaType string   `json:"media_type"`
	Platforms []string `json:"platforms"`
	// InternalURI is <internal_registry>/<name>:<tag>.
	InternalURI string `json:"internal_uri"`
	// Archive is the docker tarball, relative to the bundle, and ArchiveDigest the image it holds.
	Archive       string `json:"archive"`
	ArchiveDigest string `json:"archive_digest"`
}

// Chart is one Helm chart of a bundle.
type Chart struct {
	// Key is <name>:<version>, e.g. "zenml-pro:0.13.0".
	Key     string `json:"key"`
	Chart   string `json:"chart"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// SourceURI is the chart's OCI reference, e.g. oci://public.ecr.aws/zenml/zenml-pro:0.13.0.
	SourceURI string `json:"source_uri"`
	Digest    string `json:"digest"`
	// File is the .tgz, relative to the bundle.
	File string `json:"file"`
	// InternalRegistry is where the chart goes inside (<internal_registry>/charts), and InternalURI
	// the chart's reference there as Helm takes it: oci://<internal_registry>/charts/<name>.
	InternalRegistry string `json:"internal_registry"`
	InternalURI      string `json:"internal_uri"`
}

// Manifest is manifest.json.
type Manifest struct {
	FormatVersion       int      `json:"format_version"`
	CreatedAt           string   `json:"created_at"`
	ControlPlaneVersion string   `json:"control_plane_version"`
	WorkspaceVersions   []string `json:"workspace_versions"`
	Source              string   `json:"source"`
	SourceRegistry      string   `json:"source_registry,omitempty"`
	ChartRegistry       string   `json:"chart_registry"`
	InternalRegistry    string   `json:"internal_registry"`
	Platforms           []string `json:"platforms,omitempty"`
	ArchivePlatform     string   `json:"docker_archive_platform"`
	Images              []Image  `json:"images"`
	Charts              []Chart  `json:"charts"`
}

// Plan lists what a bundle of spec holds, without digests: the images (Control Plane API and
// dashboard at the Control Plane version; per workspace version the Workspace Server and, with
// IncludeClient, the pipeline client) and the two charts per version. Every error is an
// *inputerr.Error naming the input at fault.
func Plan(cat *releases.Catalog, spec Spec) (Manifest, error) {
	internal, err := images.ParseRegistry(spec.InternalRegistry)
	if err != nil {
		return Manifest{}, inputerr.Wrap(InputInternalRegistry, "Invalid Internal Registry", err)
	}
	archive := spec.ArchivePlatform
	if archive == "" {
		archive = DefaultArchivePlatform
	}
	if err := CheckArchivePlatform(spec.Platforms, spec.ArchivePlatform); err != nil {
		return Manifest{}, err
	}
	versions := append([]string(nil), spec.WorkspaceVersions...)
	sort.Strings(versions)
	if len(versions) == 0 {
		return Manifest{}, inputerr.New(InputWorkspaceVersions, "No Workspace Server Version",
			"A bundle needs at least one Workspace Server version, e.g. workspace_versions = [%q].", images.ExampleVersion(releases.WorkspaceServer))
	}
	m := Manifest{
		FormatVersion:       FormatVersion,
		ControlPlaneVersion: spec.ControlPlaneVersion,
		WorkspaceVersions:   versions,
		Source:              string(spec.Source),
		SourceRegistry:      spec.Registry,
		InternalRegistry:    internal.String(),
		Platforms:           spec.Platforms,
		ArchivePlatform:     archive,
	}
	type item struct {
		c       images.Component
		version string
	}
	items := []item{{images.ControlPlaneAPI, spec.ControlPlaneVersion}, {images.ControlPlaneDashboard, spec.ControlPlaneVersion}}
	for _, v := range versions {
		items = append(items, item{images.WorkspaceServer, v})
		if spec.IncludeClient {
			items = append(items, item{images.Client, v})
		}
	}
	for _, it := range items {
		img, err := images.ResolveImage(cat, images.ImageSpec{Component: it.c, Version: it.version, Source: spec.Source, Registry: spec.Registry})
		if err != nil {
			return Manifest{}, renameInput(err, it.c.Line(), "registry")
		}
		key := img.ImageName + ":" + img.Tag
		m.Images = append(m.Images, Image{
			Key:         key,
			Component:   string(it.c),
			Version:     it.version,
			SourceURI:   img.URI,
			InternalURI: internal.String() + "/" + key,
			Archive:     ImagesDir + "/" + img.ImageName + "-" + img.Tag + ".tar",
		})
	}
	charts := []struct {
		c       images.Chart
		version string
	}{{images.ChartControlPlane, spec.ControlPlaneVersion}}
	for _, v := range versions {
		charts = append(charts, struct {
			c       images.Chart
			version string
		}{images.ChartWorkspaceServer, v})
	}
	for _, ch := range charts {
		ref, err := images.ResolveChart(cat, images.ChartSpec{Chart: ch.c, Version: ch.version, Registry: spec.ChartRegistry})
		if err != nil {
			return Manifest{}, renameInput(err, ch.c.Line(), InputChartRegistry)
		}
		m.ChartRegistry = ref.Registry
		inside := internal.String() + "/" + chartPath
		m.Charts = append(m.Charts, Chart{
			Key:              ref.Name + ":" + ref.Version,
			Chart:            string(ch.c),
			Name:             ref.Name,
			Version:          ref.Version,
			SourceURI:        ref.OCIReference + ":" + ref.Version,
			File:             ChartsDir + "/" + ref.Name + "-" + ref.Version + ".tgz",
			InternalRegistry: inside,
			InternalURI:      images.OCIScheme + inside + "/" + ref.Name,
		})
	}
	return m, nil
}

// CheckArchivePlatform says whether the platform of the docker tarballs (archive; empty means
// DefaultArchivePlatform) is among the platforms a filter keeps (platforms; empty keeps every
// platform): it must match one of them, a platform without a variant matching every variant of its
// architecture. Otherwise it is an *inputerr.Error on docker_archive_platform naming both inputs.
func CheckArchivePlatform(platforms []string, archive string) error {
	if len(platforms) == 0 {
		return nil
	}
	note := ""
	if archive == "" {
		archive, note = DefaultArchivePlatform, " (the default)"
	}
	a, err := oci.ParsePlatform(archive)
	if err != nil {
		return inputerr.Wrap(InputArchivePlatform, "Invalid Platform", err)
	}
	quoted := make([]string, len(platforms))
	for i, s := range platforms {
		quoted[i] = fmt.Sprintf("%q", s)
		if keptOrInvalid(s, a) {
			return nil
		}
	}
	return inputerr.New(InputArchivePlatform, "Docker Archive Platform Not Kept",
		"%s is %q%s, which %s = [%s] does not keep: the `docker load` tarballs are made from the platforms the bundle keeps. "+
			"Set %s to a kept platform, e.g. %s = %q, or add %q to %s",
		InputArchivePlatform, archive, note, InputPlatforms, strings.Join(quoted, ", "), InputArchivePlatform, InputArchivePlatform,
		platforms[0], archive, InputPlatforms)
}

// platformsMeet reports whether two platforms can name one image: the same OS and architecture, and
// the same variant where both have one.
func platformsMeet(a, b oci.Platform) bool {
	return a.OS == b.OS && a.Architecture == b.Architecture && (a.Variant == "" || b.Variant == "" || a.Variant == b.Variant)
}

// ArchivePlatformError says that an image has no image of the docker tarballs' platform
// (docker_archive_platform) for its `docker load` tarball.
type ArchivePlatformError struct {
	Reference string
	Platform  string
	// Available are the platforms the bundle holds of the image: of an index, those the platforms filter
	// keeps (Filtered) or all of them; of a single-platform image, the platform its configuration names.
	Available []string
	Filtered  bool
	Single    bool
}

func (e *ArchivePlatformError) Error() string {
	avail := strings.Join(e.Available, ", ")
	switch {
	case e.Single && avail == "":
		return fmt.Sprintf("%s is a single-platform image whose platform is not %s", e.Reference, e.Platform)
	case e.Single:
		return fmt.Sprintf("%s is a single-platform image for %s, not %s: no %s image of it exists for the `docker load` tarball",
			e.Reference, avail, e.Platform, e.Platform)
	case e.Filtered:
		return fmt.Sprintf("of %s the bundle keeps %s (the platforms filter), and no %s image for the `docker load` tarball",
			e.Reference, avail, e.Platform)
	default:
		return fmt.Sprintf("%s has images for %s, and none for %s for the `docker load` tarball", e.Reference, avail, e.Platform)
	}
}

// renameInput names the bundle's inputs in an error of package images: its version input becomes
// control_plane_version or workspace_versions, its registry input registry.
func renameInput(err error, line releases.Line, registryInput string) error {
	e, ok := inputerr.As(err)
	if !ok {
		return err
	}
	out := *e
	switch {
	case e.Input == images.InputVersion && line == releases.ControlPlane:
		out.Input = InputControlPlaneVersion
	case e.Input == images.InputVersion:
		out.Input = InputWorkspaceVersions
	case e.Input == images.InputRegistry:
		out.Input = registryInput
	}
	return &out
}

// ImageByKey and ChartByKey find an item by its key; false when the bundle has none.
func (m Manifest) ImageByKey(key string) (Image, bool) {
	for _, img := range m.Images {
		if img.Key == key {
			return img, true
		}
	}
	return Image{}, false
}

func (m Manifest) ChartByKey(key string) (Chart, bool) {
	for _, c := range m.Charts {
		if c.Key == key {
			return c, true
		}
	}
	return Chart{}, false
}

// keys lists the keys of items, for messages.
func keys[T any](items []T, key func(T) string) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprintf("%q", key(it))
	}
	return strings.Join(out, ", ")
}

// ImageKeys and ChartKeys list the keys, for messages.
func (m Manifest) ImageKeys() string { return keys(m.Images, func(i Image) string { return i.Key }) }
func (m Manifest) ChartKeys() string { return keys(m.Charts, func(c Chart) string { return c.Key }) }

// keptOrInvalid reports whether the platforms entry s keeps the platform a, or is no platform at all
// (which the platforms attribute's own check names).
func keptOrInvalid(s string, a oci.Platform) bool {
	p, err := oci.ParsePlatform(s)
	return err != nil || platformsMeet(p, a)
}
