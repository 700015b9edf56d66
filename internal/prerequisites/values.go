// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package prerequisites

import (
	"fmt"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/helmvalues"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

func helmImage(img images.Image) helmvalues.Image {
	return helmvalues.Image{Repository: img.Repository, Tag: img.Tag, Digest: img.Digest}
}

// values renders the charts' values from what passed: the Control Plane's when self-hosted and its
// images are known, each workspace's when its image is known. Parts not decided are left out (the
// checklist says they are missing), parts that failed too.
func (e *evaluator) values() {
	var pullSecrets []string
	if r := e.spec.Registry; r != nil && r.PullSecretName != "" && checks.CheckSecretName(r.PullSecretName) == nil {
		pullSecrets = []string{r.PullSecretName}
	}
	t := e.spec.TLS
	if t == nil {
		t = &TLS{}
	}
	web, api := e.hosts[itemWebUIHost].Name, e.hosts[itemAPIHost].Name
	serverURL, apiURL := "", ""
	if web != "" {
		serverURL = "https://" + web
		apiURL = serverURL + "/api/v1"
		if api != "" {
			apiURL = "https://" + api
		}
	}

	apiImg, okAPI := e.cpImages[images.ControlPlaneAPI]
	dashImg, okDash := e.cpImages[images.ControlPlaneDashboard]
	if !e.hybrid() && okAPI && okDash {
		in := helmvalues.ControlPlane{
			ChartVersion: chartVersion(e.spec.ControlPlane.ChartVersion, e.spec.ControlPlane.Version),
			APIImage:     helmImage(apiImg), DashboardImage: helmImage(dashImg),
			ServerURL: serverURL, IngressHost: web, CustomCAs: e.customCAs, ImagePullSecrets: pullSecrets,
		}
		if db := e.spec.ControlPlane.Database; db != nil && db.Host != "" && db.Name != "" && (db.Engine == EngineMySQL || db.Engine == EnginePostgres) {
			c := connection(db)
			in.Database = &c
		}
		if e.endpoints != nil && !e.endpoints.NeedsCORS && len(e.hostLabels) > 1 {
			in.AuthCookieDomain = e.endpoints.CookieDomain
		}
		if s := e.spec.ControlPlane.SSO; s != nil && s.Enabled {
			in.SSO = helmvalues.SSO{Enabled: true, OIDCConfigurationEndpoint: s.OIDCConfigurationEndpoint, ClientID: s.ClientID}
		}
		if v, err := helmvalues.RenderControlPlane(in); err == nil {
			e.res.ControlPlaneValues = &v
			e.valuesRows("Control Plane", v)
		} else {
			e.add(SectionVersions, "Control Plane Helm values", Fail, "%s", err)
		}
	}

	e.res.WorkspaceValues = map[string]helmvalues.Values{}
	for _, name := range e.workspaceNames() {
		ws := e.spec.Workspaces[name]
		img, ok := e.wsImages[ws.Version]
		if !ok {
			continue
		}
		in := helmvalues.Workspace{
			ChartVersion: chartVersion(ws.ChartVersion, ws.Version), Image: helmImage(img), CustomCAs: e.customCAs, ImagePullSecrets: pullSecrets,
			Pro: helmvalues.Pro{APIURL: apiURL, DashboardURL: serverURL, WorkspaceName: name,
				WorkspaceID: ws.WorkspaceID, OrganizationID: ws.OrganizationID, OrganizationName: ws.OrganizationName,
				EnrollmentKeySecret: ws.EnrollmentKeySecret},
		}
		if e.hybrid() {
			in.Pro.APIURL, in.Pro.DashboardURL = ZenMLControlPlaneAPIURL, ZenMLDashboardURL
		}
		if h := e.hosts[workspaceHostItem(name)].Name; h != "" {
			in.ServerURL = "https://" + h
			className := e.spec.IngressClassName
			if className == "" {
				className = DefaultIngressClassName
			}
			in.Ingress = helmvalues.Ingress{Host: h, ClassName: className}
			if t.Management == ManagementManual || t.Management == ManagementCertManager {
				in.Ingress.TLS, in.Ingress.TLSSecretName = true, tlsSecretName(t)
			}
		}
		if db := ws.Database; db != nil && db.Engine == EngineMySQL && db.Host != "" && db.Name != "" {
			c := connection(db)
			in.Database, in.PasswordSecret = &c, passwordSecret(db)
		}
		v, err := helmvalues.RenderWorkspace(in)
		if err != nil {
			e.add(SectionVersions, fmt.Sprintf("Workspace %q Helm values", name), Fail, "%s", err)
			continue
		}
		e.res.WorkspaceValues[name] = v
		e.valuesRows(fmt.Sprintf("Workspace %q", name), v)
	}
	e.enrollmentRows()
}

// chartVersion is the chart version given, or the component's version (the chart version is the
// image tag).
func chartVersion(chart, version string) string {
	if chart != "" {
		return chart
	}
	return version
}

// valuesRows say of one chart's values which keys were verified for its version, and what is to be set
// by hand: ok when every key is known to be read by that chart version; warn for a chart newer than
// the newest the key table was checked against, for a key whose only source is weak, and for settings
// the values cannot carry.
func (e *evaluator) valuesRows(who string, v helmvalues.Values) {
	item := fmt.Sprintf("%s Helm values: keys verified for chart %s %s", who, v.Chart, v.ChartVersion)
	switch doubtful := v.Doubtful(); {
	case v.Newer():
		e.add(SectionVersions, item, Warn, "chart %s %s is newer than %s, the newest version whose keys the provider checked: the %d keys "+
			"emitted are those no later chart is known to have dropped; compare with helm show values oci://public.ecr.aws/zenml/%s --version %s",
			v.Chart, v.ChartVersion, v.VerifiedThrough, len(v.Keys), v.Chart, v.ChartVersion)
	case len(doubtful) > 0:
		keys := make([]string, 0, len(doubtful))
		for _, k := range doubtful {
			keys = append(keys, fmt.Sprintf("%s (%s)", k.Key, k.Doubt))
		}
		e.add(SectionVersions, item, Warn, "%d keys, each read by chart %s %s per its source (report_markdown lists them); weakly sourced: %s; "+
			"compare with helm show values oci://public.ecr.aws/zenml/%s --version %s", len(v.Keys), v.Chart, v.ChartVersion,
			strings.Join(keys, ", "), v.Chart, v.ChartVersion)
	default:
		e.add(SectionVersions, item, OK, "%d keys, each read by chart %s %s per its source (report_markdown lists them)", len(v.Keys), v.Chart, v.ChartVersion)
	}
	if len(v.ByHand) > 0 {
		parts := make([]string, 0, len(v.ByHand))
		for _, h := range v.ByHand {
			parts = append(parts, fmt.Sprintf("%s: %s", h.Key, h.Why))
		}
		e.add(SectionVersions, fmt.Sprintf("%s Helm values: settings to make by hand", who), Warn, "%s", strings.Join(parts, "; "))
	}
}

// enrollmentRows say, per workspace, whether what its enrollment returns has been given: the values
// are complete only then.
func (e *evaluator) enrollmentRows() {
	for _, name := range e.workspaceNames() {
		ws := e.spec.Workspaces[name]
		item := fmt.Sprintf("Workspace %q enrollment", name)
		var missing []string
		for _, f := range []struct{ v, n string }{{ws.WorkspaceID, "workspace_id"}, {ws.OrganizationID, "organization_id"}, {ws.OrganizationName, "organization_name"}} {
			if f.v == "" {
				missing = append(missing, f.n)
			}
		}
		if ws.EnrollmentKeySecret == nil {
			missing = append(missing, "enrollment_key_secret")
		}
		if len(missing) == 0 {
			e.add(SectionVersions, item, OK, "workspace %s of organization %s (%s); %s",
				ws.WorkspaceID, ws.OrganizationName, ws.OrganizationID, enrollmentKeyRoute(ws))
			continue
		}
		if e.hybrid() {
			// ZenML's Control Plane runs already: the workspace can be created and enrolled before its install.
			e.add(SectionVersions, item, Missing, "not given: %s; create the workspace %q in the ZenML Pro Web UI (or ask ZenML), "+
				"put its enrollment key into a Kubernetes secret and give its IDs here", wording.Join(missing, "and"), name)
			continue
		}
		// Self-hosted, the enrollment needs the Control Plane running: its install does not wait for it,
		// the workspace's does.
		e.add(SectionVersions, item, Warn, "not given yet: %s. Once the Control Plane runs, enrol the workspace (POST "+
			"<Control Plane API>/api/v1/workspaces?enroll=true with {\"name\": %q, \"organization_id\": ...} and a personal access token, or "+
			"from the Web UI), put the enrollment key it answers into a Kubernetes secret and give the IDs here; until then the "+
			"workspace's Helm values lack them", wording.Join(missing, "and"), name)
	}
}

// enrollmentKeyRoute says how the enrollment key of ws reaches its server, for the chart version it
// installs: by the chart's secret reference, or as a value set with set_sensitive.
func enrollmentKeyRoute(ws Workspace) string {
	s := ws.EnrollmentKeySecret
	version := chartVersion(ws.ChartVersion, ws.Version)
	if _, ok := helmvalues.Granted(helmvalues.WorkspaceChart, version, helmvalues.ServerBlock+".pro.enrollmentKeySecretRef"); ok {
		return fmt.Sprintf("enrollment key from the secret %q, key %q (pro.enrollmentKeySecretRef)", s.Name, s.Key)
	}
	return fmt.Sprintf("enrollment key from the secret %q, key %q: chart zenml %s reads no secret reference for it, so set "+
		"pro.enrollmentKey from that secret with set_sensitive (helm_sensitive_values lists the exact key)", s.Name, s.Key, version)
}
