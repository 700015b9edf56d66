// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package prerequisites

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
)

// Flow ends that are not hosts.
const (
	FromClients         = "clients"
	FromKubernetesNodes = "kubernetes_nodes"
	FromControlPlaneAPI = "control_plane_api"
	FromControlPlaneUI  = "control_plane_dashboard"
	workspaceFlowPrefix = "workspace_server."
)

// WorkspaceEnd names one workspace's servers as the end of a flow: "workspace_server.<name>".
func WorkspaceEnd(name string) string { return workspaceFlowPrefix + name }

// flows lists the connections of ZenML's connectivity tables that apply to what is known: each
// flow whose ends are known (a host not given yet has no flow).
func (e *evaluator) flows() []Flow {
	var out []Flow
	add := func(from, to string, port int, purpose string, args ...any) {
		out = append(out, Flow{From: from, To: to, Port: port, Protocol: "tcp", Purpose: fmt.Sprintf(purpose, args...)})
	}
	cp := e.spec.ControlPlane
	web, api := e.hosts[itemWebUIHost].Name, e.hosts[itemAPIHost].Name
	if api == "" {
		api = web
	}

	// Inbound HTTPS.
	if !e.hybrid() && web != "" {
		add(FromClients, web, 443, "HTTPS to the Control Plane's Web UI%s (browsers, the ZenML CLI), through the ingress or load balancer", pathRouted(api == web))
		if api != web {
			add(FromClients, api, 443, "HTTPS to the Control Plane API (the ZenML CLI, the Web UI in the browser)")
		}
	}
	for _, name := range e.workspaceNames() {
		if h := e.hosts[workspaceHostItem(name)].Name; h != "" {
			add(FromClients, h, 443, "HTTPS to workspace %q (browsers, the ZenML CLI, pipeline runs)", name)
		}
	}

	// Between the components.
	if !e.hybrid() && api != "" {
		add(FromControlPlaneUI, api, 443, "the Web UI calls the Control Plane API")
		for _, name := range e.workspaceNames() {
			add(WorkspaceEnd(name), api, 443, "workspace %q reaches the Control Plane API (enrollment, authentication, authorization)", name)
		}
	}
	if e.hybrid() && !e.spec.AirGapped {
		for _, name := range e.workspaceNames() {
			add(WorkspaceEnd(name), strings.TrimPrefix(ZenMLControlPlaneAPIURL, "https://"), 443, "workspace %q reaches ZenML's Control Plane (hybrid: ZenML runs it)", name)
		}
	}

	// Databases.
	if !e.hybrid() && cp != nil && cp.Database != nil && cp.Database.Host != "" {
		add(FromControlPlaneAPI, cp.Database.Host, portOf(cp.Database), "the Control Plane's %s database %q", engineName(cp.Database.Engine), cp.Database.Name)
	}
	for _, name := range e.workspaceNames() {
		if db := e.spec.Workspaces[name].Database; db != nil && db.Host != "" {
			add(WorkspaceEnd(name), db.Host, portOf(db), "workspace %q's %s database %q", name, engineName(db.Engine), db.Name)
		}
	}

	// Image pulls: the container runtime on the nodes reaches every registry host of the images.
	seen := map[string]bool{}
	var regs []string
	for _, img := range e.cpImages {
		if !seen[img.RegistryHost] {
			seen[img.RegistryHost] = true
			regs = append(regs, img.RegistryHost)
		}
	}
	for _, img := range e.wsImages {
		if !seen[img.RegistryHost] {
			seen[img.RegistryHost] = true
			regs = append(regs, img.RegistryHost)
		}
	}
	sort.Strings(regs)
	for _, r := range regs {
		host, port := splitHostPort(r, 443)
		purpose := "the container runtime pulls the ZenML Pro images"
		if src := images.Source(e.spec.Registry.ImageSource); src == images.SourceZenMLAWS {
			purpose += " (ECR serves the layers from Amazon S3 in the registry's region: allow that too)"
		}
		add(FromKubernetesNodes, host, port, "%s", purpose)
	}

	// Single sign-on.
	if !e.hybrid() && cp != nil && cp.SSO != nil && cp.SSO.Enabled {
		if u, err := url.Parse(cp.SSO.OIDCConfigurationEndpoint); err == nil && u.Scheme == "https" && u.Host != "" {
			host, port := splitHostPort(u.Host, 443)
			add(FromControlPlaneAPI, host, port, "the Control Plane reaches the OIDC identity provider (discovery, tokens, keys)")
		}
	}
	return out
}

func pathRouted(yes bool) string {
	if yes {
		return " and its API (path routing, /api/v1)"
	}
	return ""
}

func engineName(engine string) string {
	if engine == EnginePostgres {
		return "PostgreSQL"
	}
	return "MySQL"
}

func splitHostPort(hostport string, def int) (string, int) {
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport, def
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return hostport, def
	}
	return h, n
}
