// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package prerequisites

import (
	"fmt"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/helmvalues"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/wording"
)

// controlPlaneSecretRefsFrom is the first Control Plane chart that takes the SSO client credentials and
// the admin password by secret reference (ZenML Pro changelog 0.13.13); the key names are not public.
const controlPlaneSecretRefsFrom = "0.13.13"

func takesSecretRefs(version string) bool {
	v, err := releases.ParseVersion(version)
	if err != nil {
		return false
	}
	from, _ := releases.ParseVersion(controlPlaneSecretRefsFrom)
	return !v.LessThan(from)
}

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
			APIImage: helmImage(apiImg), DashboardImage: helmImage(dashImg),
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
			if takesSecretRefs(e.spec.ControlPlane.Version) {
				for i, s := range v.Sensitive {
					if s.Key != "zenml.database.external.password" {
						v.Sensitive[i].Purpose += "; Control Plane " + controlPlaneSecretRefsFrom + " and later can also read it from a Kubernetes secret (see the chart's values for the key)"
					}
				}
			}
			e.res.ControlPlaneValues = &v
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
			ChartVersion: ws.Version, Image: helmImage(img), CustomCAs: e.customCAs, ImagePullSecrets: pullSecrets,
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
	}
	e.enrollmentRows()
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
			e.add(SectionVersions, item, OK, "workspace %s of organization %s (%s); enrollment key from the secret %q, key %q",
				ws.WorkspaceID, ws.OrganizationName, ws.OrganizationID, ws.EnrollmentKeySecret.Name, ws.EnrollmentKeySecret.Key)
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
			"<Control Plane API>/api/v1/workspaces?name=%s&enroll=true with a personal access token, or from the Web UI), put the enrollment "+
			"key into a Kubernetes secret and give the IDs here; until then the workspace's Helm values lack them", wording.Join(missing, "and"), name)
	}
}
