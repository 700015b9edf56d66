// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package helmvalues renders the values of ZenML Pro's two Helm charts: `zenml-pro` (the Control Plane)
// and `zenml` (a workspace server). It emits only keys the charts document, never a secret value: a
// secret is a reference to a Kubernetes secret where the chart takes one, and otherwise a key listed in
// Values.Sensitive for the caller to set (Helm's --set / helm_release's set_sensitive).
package helmvalues

import (
	"bytes"
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// Chart names.
const (
	ControlPlaneChart = "zenml-pro"
	WorkspaceChart    = "zenml"
)

// Image is an image reference split as the charts take it.
type Image struct {
	Repository string
	Tag        string
	// Digest pins the image; the chart's tag then reads "<tag>@<digest>", which the charts join to
	// "<repository>:<tag>@<digest>", a reference that pulls exactly that digest.
	Digest string
}

func (i Image) values() map[string]any {
	tag := i.Tag
	if i.Digest != "" {
		tag += "@" + i.Digest
	}
	return map[string]any{"repository": i.Repository, "tag": tag}
}

// CustomCA is a CA certificate the containers must trust (public material, not a secret).
type CustomCA struct {
	Name        string
	Certificate string
}

func customCAValues(cas []CustomCA) map[string]any {
	list := make([]any, 0, len(cas))
	for _, ca := range cas {
		list = append(list, map[string]any{"name": ca.Name, "certificate": ca.Certificate})
	}
	return map[string]any{"customCAs": list}
}

// Ingress is the chart's ingress for one host.
type Ingress struct {
	Host string
	// ClassName is the ingress class, e.g. "nginx"; "" leaves the chart's default.
	ClassName string
	// TLS is true when the ingress terminates TLS with the certificate in TLSSecretName.
	TLS           bool
	TLSSecretName string
}

// Pro is the `pro` block of the workspace chart: the Control Plane this workspace enrols with.
type Pro struct {
	APIURL, DashboardURL string
	// OrganizationID, OrganizationName and WorkspaceID come from the workspace's enrollment; "" leaves
	// them out (the values are then not complete, which the checklist says).
	OrganizationID, OrganizationName, WorkspaceID string
	WorkspaceName                                 string
	// EnrollmentKeySecret is where the enrollment key is kept; nil leaves the key out.
	EnrollmentKeySecret *checks.SecretRef
}

// Workspace is what the values of one workspace server's chart are made of.
type Workspace struct {
	// ChartVersion decides the top-level key (releases.WorkspaceChartValuesKey).
	ChartVersion string
	Image        Image
	ServerURL    string
	// Database is the workspace's MySQL database; nil leaves the chart's default (a local SQLite file,
	// which is no production setup; the checklist says the database is missing).
	Database       *checks.DatabaseConnection
	PasswordSecret checks.SecretRef
	Ingress        Ingress
	Pro            Pro
	CustomCAs      []CustomCA
	// ImagePullSecrets are names of Kubernetes secrets of type kubernetes.io/dockerconfigjson.
	ImagePullSecrets []string
}

// SSO is the Control Plane's single sign-on.
type SSO struct {
	Enabled                   bool
	OIDCConfigurationEndpoint string
	ClientID                  string
}

// ControlPlane is what the values of the Control Plane's chart are made of.
type ControlPlane struct {
	APIImage, DashboardImage Image
	ServerURL                string
	Database                 *checks.DatabaseConnection
	IngressHost              string
	// AuthCookieDomain scopes the authentication cookies, e.g. "ml.example.com", when the Web UI and
	// the workspaces are on different hosts under one parent; "" leaves it out.
	AuthCookieDomain string
	SSO              SSO
	CustomCAs        []CustomCA
	ImagePullSecrets []string
}

// Sensitive is a value that the chart takes only as a plain value: the caller sets it from a secret
// source (helm_release's set_sensitive, helm --set-file), never through the values document.
type Sensitive struct {
	// Key is the dotted path, e.g. "zenml.database.external.password".
	Key string
	// Purpose says what to set it to.
	Purpose string
}

// Values is the values document of one chart.
type Values struct {
	Chart string
	// YAML is the values document.
	YAML string
	// TopLevelKeys are the document's top-level keys, sorted, e.g. ["imagePullSecrets", "zenml"].
	TopLevelKeys []string
	// Sensitive are the keys to set separately; sorted by key.
	Sensitive []Sensitive
}

// RenderWorkspace renders the values of a workspace server's chart (`zenml`).
func RenderWorkspace(in Workspace) (Values, error) {
	key, err := releases.WorkspaceChartValuesKey(in.ChartVersion)
	if err != nil {
		return Values{}, fmt.Errorf("workspace chart version: %w", err)
	}
	server := map[string]any{
		"image":     in.Image.values(),
		"serverURL": in.ServerURL,
	}
	if in.Database != nil {
		db, err := checks.WorkspaceDatabaseValues(*in.Database, in.PasswordSecret)
		if err != nil {
			return Values{}, err
		}
		server["database"] = db
	}
	if in.Ingress.Host != "" {
		ingress := map[string]any{"enabled": true, "host": in.Ingress.Host}
		if in.Ingress.ClassName != "" {
			ingress["className"] = in.Ingress.ClassName
		}
		tls := map[string]any{"enabled": in.Ingress.TLS}
		if in.Ingress.TLS && in.Ingress.TLSSecretName != "" {
			tls["secretName"] = in.Ingress.TLSSecretName
		}
		ingress["tls"] = tls
		server["ingress"] = ingress
	}
	pro := map[string]any{"enabled": true, "apiURL": in.Pro.APIURL, "dashboardURL": in.Pro.DashboardURL}
	for k, v := range map[string]string{
		"organizationID": in.Pro.OrganizationID, "organizationName": in.Pro.OrganizationName,
		"workspaceID": in.Pro.WorkspaceID, "workspaceName": in.Pro.WorkspaceName,
	} {
		if v != "" {
			pro[k] = v
		}
	}
	if in.Pro.EnrollmentKeySecret != nil {
		pro["enrollmentKeySecretRef"] = *in.Pro.EnrollmentKeySecret
	}
	server["pro"] = pro
	if len(in.CustomCAs) > 0 {
		server["certificates"] = customCAValues(in.CustomCAs)
	}
	doc := map[string]any{key: server}
	if len(in.ImagePullSecrets) > 0 {
		doc["imagePullSecrets"] = pullSecrets(in.ImagePullSecrets)
	}
	return render(WorkspaceChart, doc, nil)
}

// RenderControlPlane renders the values of the Control Plane's chart (`zenml-pro`).
func RenderControlPlane(in ControlPlane) (Values, error) {
	zenml := map[string]any{
		"image": map[string]any{
			"api":       in.APIImage.values(),
			"dashboard": in.DashboardImage.values(),
		},
		"serverURL": in.ServerURL,
	}
	var sensitive []Sensitive
	if in.Database != nil {
		zenml["database"] = map[string]any{"external": checks.ControlPlaneDatabaseValues(*in.Database)}
		if in.Database.Username != "" {
			sensitive = append(sensitive, Sensitive{Key: "zenml.database.external.password",
				Purpose: fmt.Sprintf("the password of the database user %q", in.Database.Username)})
		}
	}
	if in.IngressHost != "" {
		zenml["ingress"] = map[string]any{"enabled": true, "host": in.IngressHost}
	}
	auth := map[string]any{}
	if in.AuthCookieDomain != "" {
		auth["authCookieDomain"] = in.AuthCookieDomain
	}
	if in.SSO.Enabled {
		auth["sso"] = map[string]any{
			"enabled":                   true,
			"oidcConfigurationEndpoint": in.SSO.OIDCConfigurationEndpoint,
			"clientID":                  in.SSO.ClientID,
		}
		sensitive = append(sensitive, Sensitive{Key: "zenml.auth.sso.clientSecret",
			Purpose: "the client secret of the OIDC application registered at the identity provider"})
	} else {
		auth["password"] = map[string]any{"enabled": true}
		sensitive = append(sensitive, Sensitive{Key: "zenml.auth.password.adminPassword",
			Purpose: "the password of the Control Plane's local admin account (SSO is not enabled)"})
	}
	zenml["auth"] = auth
	if len(in.CustomCAs) > 0 {
		zenml["certificates"] = customCAValues(in.CustomCAs)
	}
	doc := map[string]any{"zenml": zenml}
	if len(in.ImagePullSecrets) > 0 {
		doc["imagePullSecrets"] = pullSecrets(in.ImagePullSecrets)
	}
	return render(ControlPlaneChart, doc, sensitive)
}

func pullSecrets(names []string) []any {
	out := make([]any, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]any{"name": n})
	}
	return out
}

func render(chart string, doc map[string]any, sensitive []Sensitive) (Values, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return Values{}, err
	}
	if err := enc.Close(); err != nil {
		return Values{}, err
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return Values{Chart: chart, YAML: buf.String(), TopLevelKeys: keys, Sensitive: sortSensitive(sensitive)}, nil
}

func sortSensitive(s []Sensitive) []Sensitive {
	out := append([]Sensitive(nil), s...)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
