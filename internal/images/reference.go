// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package images

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// Inputs of an image or chart reference, named as the provider's schemas name them. An *inputerr.Error
// names the one at fault.
const (
	InputComponent = "component"
	InputVersion   = "version"
	InputSource    = "source"
	InputRegistry  = "registry"
	InputDigest    = "digest"
	InputChart     = "chart"
)

// inputError ties err to the input that caused it, with the summary that names its kind.
func inputError(input string, err error) error {
	return inputerr.Wrap(input, Summary(err, input), err)
}

// Summary names the kind of an error of this package, for the title of a diagnostic; input, when
// known, is the input at fault.
func Summary(err error, input string) string {
	var (
		ve  *releases.VersionError
		wl  *WrongLineError
		re  *RegistryError
		de  *DigestError
		rr  *RegistryRequiredError
		rnu *RegistryNotUsedError
	)
	switch {
	case errors.As(err, &ve):
		return "Invalid Version"
	case errors.As(err, &wl):
		return "Wrong Version Line"
	case errors.As(err, &re):
		return "Invalid Registry"
	case errors.As(err, &de):
		return "Invalid Digest"
	case errors.As(err, &rr):
		return "Registry Required"
	case errors.As(err, &rnu):
		return "Registry Not Used"
	case input == InputComponent:
		return "Invalid Component"
	case input == InputSource:
		return "Invalid Image Source"
	case input == InputChart:
		return "Invalid Chart"
	}
	return "Invalid Reference"
}

// ExampleDigest is a well-formed digest, for messages and descriptions.
const ExampleDigest = "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"

var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// DigestError says why a string is not an image digest, and gives a valid example.
type DigestError struct {
	Input string
	Why   string
}

func (e *DigestError) Error() string {
	return fmt.Sprintf("%q is not an image digest: %s. A digest is \"sha256:\" followed by 64 lower-case hexadecimal characters, e.g. %q",
		e.Input, e.Why, ExampleDigest)
}

// ParseDigest accepts exactly a sha256 digest in its canonical form: "sha256:" and 64 lower-case hex digits.
func ParseDigest(s string) error {
	if digestPattern.MatchString(s) {
		return nil
	}
	fail := func(format string, args ...any) error {
		return &DigestError{Input: s, Why: fmt.Sprintf(format, args...)}
	}
	isHex := func(h string) bool {
		return h != "" && strings.Trim(strings.ToLower(h), "0123456789abcdef") == ""
	}
	switch {
	case s == "":
		return fail("it is empty")
	case strings.ContainsAny(s, " \t\r\n"):
		return fail("it contains white space")
	case strings.HasPrefix(s, "@"):
		return fail("remove the leading \"@\"; the provider adds it to the uri")
	case strings.Contains(s, "@"):
		return fail("it is a whole reference; give only the part after \"@\"")
	case !strings.Contains(s, ":"):
		if isHex(s) && len(s) == 64 {
			return fail("the algorithm is missing: write \"sha256:%s\"", strings.ToLower(s))
		}
		return fail("it has no algorithm prefix \"sha256:\"")
	}
	i := strings.Index(s, ":")
	algo, hex := s[:i], s[i+1:]
	switch {
	case algo != "sha256" && strings.EqualFold(algo, "sha256"):
		return fail("write the algorithm in lower case, \"sha256:\"")
	case algo != "sha256":
		return fail("the algorithm is %q; ZenML images are pinned by sha256 digests", algo)
	case !isHex(hex):
		return fail("the part after \"sha256:\" is not hexadecimal")
	case hex != strings.ToLower(hex):
		return fail("the hexadecimal digits are upper case; write them in lower case")
	default:
		return fail("the hexadecimal part has %d characters, not 64", len(hex))
	}
}

// RegistryRequiredError says that the private source was chosen without naming the mirror.
type RegistryRequiredError struct{}

func (e *RegistryRequiredError) Error() string {
	return fmt.Sprintf("source %q pulls from your own mirror, so it needs the mirror's registry in `registry`, e.g. registry = %q "+
		"(images are then <registry>/<image name>:<version>)", SourcePrivate, ExampleRegistry)
}

// RegistryNotUsedError says that a registry was given with a source whose registry is fixed, where it
// would be silently ignored.
type RegistryNotUsedError struct {
	Source   Source
	Registry string
}

func (e *RegistryNotUsedError) Error() string {
	return fmt.Sprintf("registry %q is given with source %q, which pulls from %s and would ignore it: "+
		"remove `registry`, or set source = %q to pull from your mirror", e.Registry, e.Source, e.Source.Title(), SourcePrivate)
}

// CheckRegistryUse checks that a registry is given exactly when the source needs one: always for the
// private source, never for a ZenML source. An empty registry means none was given.
func CheckRegistryUse(src Source, registry string) error {
	switch {
	case src == SourcePrivate && registry == "":
		return inputError(InputRegistry, &RegistryRequiredError{})
	case src.ZenML() && registry != "":
		return inputError(InputRegistry, &RegistryNotUsedError{Source: src, Registry: registry})
	}
	return nil
}

// ImageSpec asks for the reference of one component's image.
type ImageSpec struct {
	Component Component
	Version   string
	Source    Source
	// Registry is the private mirror, e.g. "harbor.internal.example.com/zenml"; required for SourcePrivate
	// and refused for a ZenML source. Empty means none.
	Registry string
	// Digest optionally pins the image, e.g. "sha256:4f53..."; empty means none.
	Digest string
}

// Image is the reference of one component's image.
type Image struct {
	Component Component
	Source    Source
	// ImageName is the last path component of the repository, e.g. "zenml-pro-api".
	ImageName string
	// Repository is the image without tag, e.g. "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api".
	Repository string
	// Tag is the version: image tags equal the chart version.
	Tag string
	// Digest is the pin, or "".
	Digest string
	// RegistryHost is the host (with port) of the repository, e.g. "europe-west3-docker.pkg.dev".
	RegistryHost string
	// URI is <repository>:<tag>, or <repository>:<tag>@<digest> when pinned.
	URI string
	// Unlisted is set when the catalog does not list the version; the reference is still valid.
	Unlisted *UnlistedVersion
}

// ResolveImage builds the reference of one component's image. Every error is an *inputerr.Error naming
// the input at fault. The catalog decides whether the version is from the right line (a nil catalog
// means the embedded one).
func ResolveImage(cat *releases.Catalog, spec ImageSpec) (Image, error) {
	if _, err := ParseComponent(string(spec.Component)); err != nil {
		return Image{}, inputError(InputComponent, err)
	}
	if _, err := ParseSource(string(spec.Source)); err != nil {
		return Image{}, inputError(InputSource, err)
	}
	unlisted, err := CheckVersion(cat, spec.Component.Line(), string(spec.Component), spec.Version)
	if err != nil {
		return Image{}, inputError(InputVersion, err)
	}
	if err := CheckRegistryUse(spec.Source, spec.Registry); err != nil {
		return Image{}, err
	}
	if spec.Digest != "" {
		if err := ParseDigest(spec.Digest); err != nil {
			return Image{}, inputError(InputDigest, err)
		}
	}

	img := Image{
		Component: spec.Component,
		Source:    spec.Source,
		ImageName: spec.Component.ImageName(),
		Tag:       spec.Version,
		Digest:    spec.Digest,
		Unlisted:  unlisted,
	}
	if spec.Source == SourcePrivate {
		reg, err := ParseRegistry(spec.Registry)
		if err != nil {
			return Image{}, inputError(InputRegistry, err)
		}
		img.Repository = reg.String() + "/" + img.ImageName
		img.RegistryHost = reg.Host
	} else {
		img.Repository, _ = ZenMLRepository(spec.Source, spec.Component)
		img.RegistryHost, _, _ = strings.Cut(img.Repository, "/")
	}
	img.URI = img.Repository + ":" + img.Tag
	if img.Digest != "" {
		img.URI += "@" + img.Digest
	}
	return img, nil
}

// ChartSpec asks for the reference of one Helm chart.
type ChartSpec struct {
	// Chart is a chart name as ParseChart reads it (a deprecated spelling included).
	Chart   Chart
	Version string
	// Registry is an OCI mirror of the chart, with or without oci://; empty means DefaultChartRegistry.
	Registry string
}

// ChartRef is the reference of one Helm chart.
type ChartRef struct {
	// Chart is the chart as ParseChart reads it (in its current spelling).
	Chart Chart
	// Name is the chart name, "zenml-pro" or "zenml".
	Name string
	// Registry is the registry without scheme, e.g. "public.ecr.aws/zenml".
	Registry string
	// Repository is the registry as Helm takes it, e.g. "oci://public.ecr.aws/zenml" (helm_release's
	// `repository`, with `chart` set to Name).
	Repository string
	// OCIReference is <repository>/<name>, e.g. "oci://public.ecr.aws/zenml/zenml-pro", as
	// `helm install NAME <reference> --version <version>` takes it.
	OCIReference string
	Version      string
	// ImageTag is the tag of the images the chart deploys: the chart version.
	ImageTag string
	// Unlisted is set when the catalog does not list the version; the reference is still valid.
	Unlisted *UnlistedVersion
}

// ResolveChart builds the reference of one Helm chart. Every error is an *inputerr.Error naming the input
// at fault. A nil catalog means the embedded one.
func ResolveChart(cat *releases.Catalog, spec ChartSpec) (ChartRef, error) {
	chart, _, err := ParseChart(string(spec.Chart))
	if err != nil {
		return ChartRef{}, inputError(InputChart, err)
	}
	unlisted, err := CheckVersion(cat, chart.Line(), fmt.Sprintf("the %s chart", chart), spec.Version)
	if err != nil {
		return ChartRef{}, inputError(InputVersion, err)
	}
	registry := DefaultChartRegistry
	if spec.Registry != "" {
		reg, err := ParseChartRegistry(spec.Registry)
		if err != nil {
			return ChartRef{}, inputError(InputRegistry, err)
		}
		registry = reg.String()
	}
	ref := ChartRef{
		Chart:      chart,
		Name:       chart.Name(),
		Registry:   registry,
		Repository: OCIScheme + registry,
		Version:    spec.Version,
		ImageTag:   spec.Version,
		Unlisted:   unlisted,
	}
	ref.OCIReference = ref.Repository + "/" + ref.Name
	return ref, nil
}
