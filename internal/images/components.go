// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package images names the container images and Helm charts of a ZenML Pro deployment and builds their
// references: which registry a component's image comes from (ZenML's GCP Artifact Registry, ZenML's AWS
// ECR or a private mirror), which tag it carries, and which OCI reference a Helm chart has.
//
// It builds references only; it never contacts a registry. It knows nothing about Terraform: the
// provider package adapts it.
package images

import (
	"fmt"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// Component is one container image of a ZenML Pro deployment.
type Component string

const (
	// ControlPlaneAPI is the Control Plane API server, image zenml-pro-api.
	ControlPlaneAPI Component = "control_plane_api"
	// ControlPlaneDashboard is the Control Plane Web UI, image zenml-pro-dashboard.
	ControlPlaneDashboard Component = "control_plane_dashboard"
	// WorkspaceServer is the Workspace Server (ZenML OSS server with Pro integrations), image zenml-pro-server.
	WorkspaceServer Component = "workspace_server"
	// Client is the public ZenML client image (zenmldocker/zenml), which pipelines build on.
	Client Component = "client"
)

// Components lists every component in a fixed order; validators and descriptions are built from it.
func Components() []Component {
	return []Component{ControlPlaneAPI, ControlPlaneDashboard, WorkspaceServer, Client}
}

// ComponentNames returns the components as strings, for validators and descriptions.
func ComponentNames() []string {
	out := make([]string, 0, len(Components()))
	for _, c := range Components() {
		out = append(out, string(c))
	}
	return out
}

// ParseComponent accepts exactly the names returned by ComponentNames.
func ParseComponent(s string) (Component, error) {
	for _, c := range Components() {
		if s == string(c) {
			return c, nil
		}
	}
	return "", fmt.Errorf("%q is not a component: use one of %s, e.g. %q", s, joinQuoted(ComponentNames()), ControlPlaneAPI)
}

// Line is the release line whose versions tag the component's image: the Control Plane line for the API
// and the dashboard, the Workspace Server (ZenML OSS) line for the workspace server and the client.
func (c Component) Line() releases.Line {
	if c == ControlPlaneAPI || c == ControlPlaneDashboard {
		return releases.ControlPlane
	}
	return releases.WorkspaceServer
}

// ImageName is the last path component of the image's repository, which a private mirror keeps:
// zenml-pro-api, zenml-pro-dashboard, zenml-pro-server or zenml.
func (c Component) ImageName() string {
	switch c {
	case ControlPlaneAPI:
		return "zenml-pro-api"
	case ControlPlaneDashboard:
		return "zenml-pro-dashboard"
	case WorkspaceServer:
		return "zenml-pro-server"
	case Client:
		return "zenml"
	}
	return ""
}

// Title is the human name of the component, as used in messages and descriptions.
func (c Component) Title() string {
	switch c {
	case ControlPlaneAPI:
		return "Control Plane API"
	case ControlPlaneDashboard:
		return "Control Plane Web UI"
	case WorkspaceServer:
		return "Workspace Server"
	case Client:
		return "ZenML client"
	}
	return string(c)
}

// Source is where an image is pulled from.
type Source string

const (
	// SourceZenMLGCP is ZenML's Artifact Registry in europe-west3 (access granted by ZenML on request).
	SourceZenMLGCP Source = "zenml_gcp"
	// SourceZenMLAWS is ZenML's ECR registries in eu-west-1 and eu-central-1 (access granted by ZenML on request).
	SourceZenMLAWS Source = "zenml_aws"
	// SourcePrivate is the user's own registry, a mirror that keeps ZenML's image names and tags.
	SourcePrivate Source = "private"
)

// Sources lists every source in a fixed order; validators and descriptions are built from it.
func Sources() []Source { return []Source{SourceZenMLGCP, SourceZenMLAWS, SourcePrivate} }

// SourceNames returns the sources as strings, for validators and descriptions.
func SourceNames() []string {
	out := make([]string, 0, len(Sources()))
	for _, s := range Sources() {
		out = append(out, string(s))
	}
	return out
}

// ParseSource accepts exactly the names returned by SourceNames.
func ParseSource(s string) (Source, error) {
	for _, src := range Sources() {
		if s == string(src) {
			return src, nil
		}
	}
	return "", fmt.Errorf("%q is not an image source: use one of %s, e.g. %q", s, joinQuoted(SourceNames()), SourceZenMLGCP)
}

// ZenML reports whether the source is one of ZenML's own registries (the registry is then fixed).
func (s Source) ZenML() bool { return s == SourceZenMLGCP || s == SourceZenMLAWS }

// Title is the human name of the source, as used in messages and descriptions.
func (s Source) Title() string {
	switch s {
	case SourceZenMLGCP:
		return "ZenML's GCP Artifact Registry"
	case SourceZenMLAWS:
		return "ZenML's AWS ECR"
	case SourcePrivate:
		return "a private registry"
	}
	return string(s)
}

// ClientRepository is the public Docker Hub repository of the ZenML client image, used for both ZenML sources.
const ClientRepository = "docker.io/zenmldocker/zenml"

// zenmlRepositories are the repositories of ZenML's registries, exactly as the ZenML Pro prerequisites
// page lists them. The workspace server's ECR repository is in eu-central-1, the control plane's in eu-west-1.
var zenmlRepositories = map[Source]map[Component]string{
	SourceZenMLGCP: {
		ControlPlaneAPI:       "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-api",
		ControlPlaneDashboard: "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-dashboard",
		WorkspaceServer:       "europe-west3-docker.pkg.dev/zenml-cloud/zenml-pro/zenml-pro-server",
		Client:                ClientRepository,
	},
	SourceZenMLAWS: {
		ControlPlaneAPI:       "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-api",
		ControlPlaneDashboard: "715803424590.dkr.ecr.eu-west-1.amazonaws.com/zenml-pro-dashboard",
		WorkspaceServer:       "715803424590.dkr.ecr.eu-central-1.amazonaws.com/zenml-pro-server",
		Client:                ClientRepository,
	},
}

// ZenMLRepository returns the repository of a component in one of ZenML's registries; false for the
// private source, whose repository depends on the mirror.
func ZenMLRepository(src Source, c Component) (string, bool) {
	r, ok := zenmlRepositories[src][c]
	return r, ok
}

// Chart is one of the two Helm charts of a ZenML Pro deployment.
type Chart string

const (
	// ChartControlPlane is the ZenML Pro Control Plane chart, named zenml-pro.
	ChartControlPlane Chart = "control_plane"
	// ChartWorkspaceServer is the ZenML OSS chart, named zenml, that deploys a Workspace Server.
	ChartWorkspaceServer Chart = "workspace_server"
)

// DeprecatedChartWorkspaceServer is the former name of ChartWorkspaceServer, read as it (with a
// deprecation warning) until version 1.0.
const DeprecatedChartWorkspaceServer = "workspace"

// DefaultChartRegistry is the public OCI registry that hosts both charts.
const DefaultChartRegistry = "public.ecr.aws/zenml"

// Charts lists every chart in a fixed order; validators and descriptions are built from it.
func Charts() []Chart { return []Chart{ChartControlPlane, ChartWorkspaceServer} }

// ChartNames returns the charts as strings, for validators and descriptions.
func ChartNames() []string {
	out := make([]string, 0, len(Charts()))
	for _, c := range Charts() {
		out = append(out, string(c))
	}
	return out
}

// ParseChart reads a chart name: one of ChartNames, or DeprecatedChartWorkspaceServer, read as
// ChartWorkspaceServer with deprecated set. Every rule takes the chart it returns, so both spellings
// mean the same.
func ParseChart(s string) (c Chart, deprecated bool, err error) {
	if s == DeprecatedChartWorkspaceServer {
		return ChartWorkspaceServer, true, nil
	}
	for _, c := range Charts() {
		if s == string(c) {
			return c, false, nil
		}
	}
	return "", false, fmt.Errorf("%q is not a chart: use one of %s, e.g. %q", s, joinQuoted(ChartNames()), ChartControlPlane)
}

// Name is the chart's name in its OCI repository: zenml-pro or zenml.
func (c Chart) Name() string {
	switch c {
	case ChartControlPlane:
		return "zenml-pro"
	case ChartWorkspaceServer:
		return "zenml"
	}
	return ""
}

// Line is the release line whose versions number the chart (and tag the images it deploys).
func (c Chart) Line() releases.Line {
	if c == ChartControlPlane {
		return releases.ControlPlane
	}
	return releases.WorkspaceServer
}

// Components are the images the chart deploys, tagged with the chart version.
func (c Chart) Components() []Component {
	if c == ChartControlPlane {
		return []Component{ControlPlaneAPI, ControlPlaneDashboard}
	}
	return []Component{WorkspaceServer}
}

func joinQuoted(values []string) string {
	out := ""
	for i, v := range values {
		switch {
		case i == 0:
		case i == len(values)-1:
			out += " or "
		default:
			out += ", "
		}
		out += fmt.Sprintf("%q", v)
	}
	return out
}
