// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package images

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Examples of valid registries, used in messages and descriptions.
const (
	ExampleRegistry         = "harbor.internal.example.com/zenml"
	ExampleRegistryWithPort = "registry.example.com:5000/mirrors/zenml"
	ExampleChartRegistry    = "oci://harbor.internal.example.com/zenml"
)

// OCIScheme is the scheme Helm uses for charts in OCI registries.
const OCIScheme = "oci://"

// maxRepositoryName is the limit of the OCI distribution reference grammar on a repository name.
const maxRepositoryName = 255

// MaxRegistryLength is the longest registry accepted: <registry>/<longest image name> must still fit the
// 255-character limit on repository names.
const MaxRegistryLength = maxRepositoryName - len("/zenml-pro-dashboard")

// Registry is a registry host with an optional path inside it, as in "registry.example.com:5000/mirrors/zenml".
type Registry struct {
	// Host is the host name or IP address with its optional port, e.g. "registry.example.com:5000".
	Host string
	// Path is the optional path below the host without leading or trailing slash, e.g. "mirrors/zenml".
	Path string
}

// String is the registry as host[/path].
func (r Registry) String() string {
	if r.Path == "" {
		return r.Host
	}
	return r.Host + "/" + r.Path
}

// RegistryError says why a string is not a registry, and gives a valid example.
type RegistryError struct {
	Input string
	Why   string
	// Chart is set for a Helm chart registry, which may carry the oci:// scheme.
	Chart bool
}

func (e *RegistryError) Error() string {
	if e.Chart {
		return fmt.Sprintf("%q is not a valid registry: %s. A chart registry is a host (DNS name or IP address, optional :port) "+
			"with an optional lower-case path, written with or without oci://, without trailing slash, tag or digest, e.g. %q",
			e.Input, e.Why, ExampleChartRegistry)
	}
	return fmt.Sprintf("%q is not a valid registry: %s. A registry is a host (DNS name or IP address, optional :port) "+
		"with an optional lower-case path, without scheme, trailing slash, tag or digest, e.g. %q", e.Input, e.Why, ExampleRegistry)
}

// Grammar of the OCI distribution reference (github.com/distribution/reference):
// domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
// path-component   := /[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*/
var (
	domainComponent = regexp.MustCompile(`^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$`)
	pathComponent   = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
)

// ParseRegistry reads the registry of a private image mirror: a host (DNS name, IPv4 address or bracketed
// IPv6 address, with an optional :port) and an optional path, per the OCI distribution reference grammar.
// Images are then referenced as <registry>/<image name>:<tag>. Because container runtimes read a first
// component without a dot or a port as a Docker Hub namespace, the host must contain a dot or a port, or
// be localhost.
func ParseRegistry(s string) (Registry, error) {
	r, err := parseRegistry(s, s, false, "an image digest belongs in the `digest` attribute")
	if err != nil {
		return Registry{}, err
	}
	host := r.Host
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return Registry{}, &RegistryError{Input: s, Why: fmt.Sprintf(
			"the host %q has neither a dot nor a port, so container runtimes would read %q as a Docker Hub repository "+
				"(docker.io/%s/...); give the full host name, e.g. %q, or a port, e.g. %q",
			host, s+"/"+ControlPlaneAPI.ImageName(), s, host+".example.com", host+":5000")}
	}
	return r, nil
}

// ParseChartRegistry reads the registry of a Helm chart mirror, written either with or without the
// oci:// scheme ("oci://harbor.internal.example.com/zenml" and "harbor.internal.example.com/zenml" are the
// same registry). The result carries no scheme.
func ParseChartRegistry(s string) (Registry, error) {
	rest := strings.TrimPrefix(s, OCIScheme)
	if i := strings.Index(rest, "://"); i >= 0 {
		why := fmt.Sprintf("Helm pulls charts from OCI registries only: remove %q, or write %q", rest[:i+3], OCIScheme+rest[i+3:])
		if rest != s {
			why = fmt.Sprintf("it has two schemes: remove %q", rest[:i+3])
		}
		return Registry{}, &RegistryError{Input: s, Why: why, Chart: true}
	}
	return parseRegistry(s, rest, true, "a chart version is set with `version`")
}

// parseRegistry checks s, which is input without an accepted scheme.
func parseRegistry(input, s string, chart bool, digestHint string) (Registry, error) {
	fail := func(format string, args ...any) (Registry, error) {
		return Registry{}, &RegistryError{Input: input, Why: fmt.Sprintf(format, args...), Chart: chart}
	}
	switch {
	case s == "":
		return fail("it is empty")
	case strings.ContainsAny(s, " \t\r\n"):
		return fail("it contains white space")
	}
	if i := strings.Index(s, "://"); i >= 0 {
		return fail("it has a scheme: remove %q (an image reference names no protocol; the container runtime chooses it)", s[:i+3])
	}
	if len(s) > MaxRegistryLength {
		return fail("it is %d characters long; at most %d fit, because <registry>/<image name> must not exceed %d characters",
			len(s), MaxRegistryLength, maxRepositoryName)
	}
	if strings.HasSuffix(s, "/") {
		return fail("it ends in a slash: remove the trailing slash, e.g. %q", strings.TrimRight(input, "/"))
	}
	if strings.HasPrefix(s, "/") {
		return fail("it starts with a slash; begin with the registry host")
	}
	if i := strings.Index(s, "@"); i >= 0 {
		return fail("it carries a digest (%q); a registry holds no digest: remove it (%s)", s[i:], digestHint)
	}
	parts := strings.Split(s, "/")
	host, err := parseHost(parts[0], len(parts) == 1)
	if err != "" {
		return fail("%s", err)
	}
	for _, p := range parts[1:] {
		if p == "" {
			return fail("it contains an empty path component (\"//\")")
		}
		if j := strings.Index(p, ":"); j >= 0 {
			return fail("it carries a tag (%q); a registry holds no tag: remove it (the provider adds the version as the tag)", p[j:])
		}
		if pathComponent.MatchString(p) {
			continue
		}
		if pathComponent.MatchString(strings.ToLower(p)) {
			return fail("path component %q has upper-case letters; path components are lower case: write %q", p, strings.ToLower(p))
		}
		return fail("path component %q is not valid: a path component is lower-case letters and digits, "+
			"with single separators (\".\", \"_\", \"__\" or dashes) between them", p)
	}
	return Registry{Host: host, Path: strings.Join(parts[1:], "/")}, nil
}

// parseHost checks host[:port]; it returns the host unchanged, or a reason why it is not one.
func parseHost(s string, alone bool) (string, string) {
	name, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return "", fmt.Sprintf("the IPv6 address in %q lacks its closing \"]\"", s)
		}
		ip := net.ParseIP(s[1:end])
		if ip == nil || !strings.Contains(s[1:end], ":") {
			return "", fmt.Sprintf("%q is not an IPv6 address", s[1:end])
		}
		rest := s[end+1:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return "", fmt.Sprintf("unexpected %q after the IPv6 address; only :port may follow it", rest)
		}
		if rest != "" {
			if why := checkPort(rest[1:], alone); why != "" {
				return "", why
			}
		}
		return s, ""
	}
	switch strings.Count(s, ":") {
	case 0:
	case 1:
		i := strings.Index(s, ":")
		name, port = s[:i], s[i+1:]
		if why := checkPort(port, alone); why != "" {
			return "", why
		}
	default:
		if net.ParseIP(s) != nil {
			return "", fmt.Sprintf("write an IPv6 address in brackets, e.g. \"[%s]:5000\"", s)
		}
		return "", fmt.Sprintf("the host %q has more than one \":\"; a host has at most one, before its port", s)
	}
	if name == "" {
		return "", "the host name is empty"
	}
	for _, label := range strings.Split(name, ".") {
		switch {
		case label == "":
			return "", fmt.Sprintf("the host %q has an empty label (two dots in a row, or a dot at its start or end)", name)
		case len(label) > 63:
			return "", fmt.Sprintf("the host label %q is longer than 63 characters", label)
		case !domainComponent.MatchString(label):
			return "", fmt.Sprintf("the host label %q is not valid: a host label is letters, digits and inner dashes", label)
		}
	}
	return s, ""
}

func checkPort(port string, alone bool) string {
	n, err := strconv.Atoi(port)
	if err == nil && strings.Trim(port, "0123456789") == "" {
		if n < 1 || n > 65535 {
			return fmt.Sprintf("the port %s is out of range (1 to 65535)", port)
		}
		return ""
	}
	if alone {
		return fmt.Sprintf("the part after \":\" (%q) is not a port number; a registry holds no tag: remove it (the provider adds the version as the tag)", port)
	}
	return fmt.Sprintf("the port %q is not a number", port)
}

// ExampleRegistryHost is a registry host as the provider's registries attribute keys it.
const ExampleRegistryHost = "harbor.internal.example.com"

// ParseRegistryHost reads a registry host as the provider's registries attribute keys it: a host
// (DNS name, IPv4 address or bracketed IPv6 address) with an optional :port, in lower case, without
// scheme or path, e.g. "harbor.internal.example.com" or "127.0.0.1:5001". Docker Hub is "docker.io".
func ParseRegistryHost(s string) (string, error) {
	hostErr := func(why string) error {
		return fmt.Errorf("%q is not a registry host: %s. A registry host is a DNS name or IP address with an optional :port, "+
			"in lower case, without scheme or path, e.g. %q or %q", s, why, ExampleRegistryHost, "127.0.0.1:5001")
	}
	if s != strings.ToLower(s) {
		return "", hostErr(fmt.Sprintf("registries compare host names in lower case: write %q", strings.ToLower(s)))
	}
	r, err := parseRegistry(s, s, false, "a registry host has no digest")
	if err != nil {
		var re *RegistryError
		if errors.As(err, &re) {
			return "", hostErr(re.Why)
		}
		return "", hostErr(err.Error())
	}
	if !strings.ContainsAny(r.Host, ".:") && r.Host != "localhost" {
		return "", hostErr(fmt.Sprintf("an image reference whose first component has neither a dot nor a port is a Docker Hub "+
			"repository, so no image is ever pulled from %q: give the full host name, e.g. %q", r.Host, r.Host+".example.com"))
	}
	if r.Path != "" {
		return "", hostErr(fmt.Sprintf("it has a path (%q); credentials belong to the whole host: write %q", r.Path, r.Host))
	}
	return r.Host, nil
}
