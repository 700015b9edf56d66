// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package helmvalues renders the values of ZenML Pro's two Helm charts: `zenml-pro` (the Control Plane)
// and `zenml` (a workspace server). Its keys come from one table, the contract (contract.go): every key
// path the provider may emit, the chart versions that read it and the source that shows it. A key the
// contract does not grant to the chart version is not emitted: the setting is listed in Values.ByHand
// with why. No secret value is ever emitted: a secret is a reference to a Kubernetes secret where the
// chart version reads one, and otherwise a key listed in Values.Sensitive for the caller to set
// (Helm's --set / helm_release's set_sensitive).
package helmvalues

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	goversion "github.com/hashicorp/go-version"
	"go.yaml.in/yaml/v3"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
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

// tag is the chart's image tag: "<tag>" or "<tag>@<digest>".
func (i Image) tag() string {
	if i.Digest != "" {
		return i.Tag + "@" + i.Digest
	}
	return i.Tag
}

// CustomCA is a CA certificate the containers must trust (public material, not a secret).
type CustomCA struct {
	Name        string
	Certificate string
}

func customCAValues(cas []CustomCA) []any {
	list := make([]any, 0, len(cas))
	for _, ca := range cas {
		list = append(list, map[string]any{"name": ca.Name, "certificate": ca.Certificate})
	}
	return list
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
	// ChartVersion decides the keys (the contract), the top-level key among them.
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
	// ChartVersion is the Control Plane's version (the chart's version is the image tag).
	ChartVersion             string
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

// Sensitive is a value that the chart version takes only as a plain value: the caller sets it from a
// secret source (helm_release's set_sensitive, helm --set-file), never through the values document.
type Sensitive struct {
	// Key is the dotted path, e.g. "zenml.database.external.password".
	Key string
	// Purpose says what to set it to, and why no reference to a secret is used.
	Purpose string
}

// EmittedKey is a key the document sets, with the source that shows the chart version reads it.
type EmittedKey struct {
	Key    string
	Source string
	// Doubt, when set, says why the source is weak (the key is still emitted).
	Doubt string
}

// ByHand is a setting the values of this chart version cannot carry: no source shows a key the
// chart version reads for it.
type ByHand struct {
	// Key is the setting, e.g. "zenml.certificates"; Why says why it is not emitted and what to do.
	Key, Why string
}

// Values is the values document of one chart.
type Values struct {
	Chart, ChartVersion string
	// YAML is the values document.
	YAML string
	// TopLevelKeys are the document's top-level keys, sorted, e.g. ["imagePullSecrets", "zenml"].
	TopLevelKeys []string
	// Keys are the leaf keys the document sets (a secret reference or a list counts as one), sorted,
	// each with its source.
	Keys []EmittedKey
	// Sensitive are the keys to set separately; sorted by key.
	Sensitive []Sensitive
	// ByHand are the settings to make by hand, sorted by key.
	ByHand []ByHand
	// VerifiedThrough is the newest chart version the contract was checked against; a newer
	// ChartVersion is granted the keys no later chart is known to have dropped.
	VerifiedThrough string
}

// Newer reports whether the chart version is newer than the newest one the contract was checked
// against.
func (v Values) Newer() bool {
	have, err1 := releases.ParseVersion(v.ChartVersion)
	verified, err2 := releases.ParseVersion(v.VerifiedThrough)
	return err1 == nil && err2 == nil && have.GreaterThan(verified)
}

// Doubtful are the emitted keys whose only source is weak.
func (v Values) Doubtful() []EmittedKey {
	var out []EmittedKey
	for _, k := range v.Keys {
		if k.Doubt != "" {
			out = append(out, k)
		}
	}
	return out
}

// builder builds a values document from the contract's keys only.
type builder struct {
	chart, version string
	v              *goversion.Version
	// serverKey is the workspace chart's top-level key of the server settings.
	serverKey string
	doc       map[string]any
	out       Values
}

func newBuilder(chart, version string) (*builder, error) {
	v, err := releases.ParseVersion(version)
	if err != nil {
		return nil, err
	}
	if v.LessThan(goversion.Must(goversion.NewVersion(CoveredFrom(chart)))) {
		return nil, fmt.Errorf("chart %s %s is older than the oldest version whose keys the provider knows (%s)", chart, version, CoveredFrom(chart))
	}
	b := &builder{chart: chart, version: version, v: v, doc: map[string]any{},
		out: Values{Chart: chart, ChartVersion: version, VerifiedThrough: VerifiedThrough(chart)}}
	if chart == WorkspaceChart {
		b.serverKey = releases.WorkspaceChartKeyLegacy
		if rule(chart, releases.WorkspaceChartKeyServer).Grants(v) {
			b.serverKey = releases.WorkspaceChartKeyServer
		}
	}
	return b, nil
}

// grants reports whether the chart version reads p (a contract path).
func (b *builder) grants(p string) bool { return rule(b.chart, p).Grants(b.v) }

// display is p as the document spells it.
func (b *builder) display(p string) string { return displayPath(p, b.serverKey) }

// set puts val at the contract path p when the chart version reads it, and reports whether it did.
func (b *builder) set(p string, val any) bool {
	k := rule(b.chart, p)
	if !k.Grants(b.v) {
		return false
	}
	parts := strings.Split(b.display(p), ".")
	m := b.doc
	for _, part := range parts[:len(parts)-1] {
		next, ok := m[part].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[part] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = val
	doubt := ""
	if k.Source == srcCPPortGuide {
		doubt = "documented only in an example that also shows keys the charts do not read"
	}
	b.out.Keys = append(b.out.Keys, EmittedKey{Key: b.display(p), Source: k.Source, Doubt: doubt})
	return true
}

// setOrByHand sets p, or lists the setting as one to make by hand with why.
func (b *builder) setOrByHand(p string, val any, why string) {
	if !b.set(p, val) {
		b.byHand(b.display(p), why)
	}
}

func (b *builder) byHand(key, why string) {
	b.out.ByHand = append(b.out.ByHand, ByHand{Key: key, Why: why})
}

// sensitive lists the contract path p, which the chart version reads as a plain value, to be set
// separately.
func (b *builder) sensitive(p, purpose string) {
	if !b.grants(p) {
		b.byHand(b.display(p), fmt.Sprintf("%s; chart %s %s reads no key for it that a source shows", purpose, b.chart, b.version))
		return
	}
	b.out.Sensitive = append(b.out.Sensitive, Sensitive{Key: b.display(p), Purpose: purpose})
}

// notGranted says why a setting is not emitted: no source shows the chart version reads p.
func (b *builder) notGranted(p string) string {
	k := rule(b.chart, p)
	if k.Chart != "" && k.From != "" {
		return fmt.Sprintf("chart %s reads %s from %s on, not in %s", b.chart, b.display(p), k.From, b.version)
	}
	return fmt.Sprintf("no source shows that chart %s %s reads such a key", b.chart, b.version)
}

// RenderWorkspace renders the values of a workspace server's chart (`zenml`).
func RenderWorkspace(in Workspace) (Values, error) {
	b, err := newBuilder(WorkspaceChart, in.ChartVersion)
	if err != nil {
		return Values{}, fmt.Errorf("workspace chart version: %w", err)
	}
	srv := ServerBlock + "."
	b.set(srv+"image.repository", in.Image.Repository)
	b.set(srv+"image.tag", in.Image.tag())
	b.set(srv+"serverURL", in.ServerURL)
	if in.Database != nil {
		if err := b.workspaceDatabase(*in.Database, in.PasswordSecret); err != nil {
			return Values{}, err
		}
	}
	if in.Ingress.Host != "" {
		b.set(srv+"ingress.enabled", true)
		b.set(srv+"ingress.host", in.Ingress.Host)
		// The chart writes nginx's ssl-redirect annotation into this map when TLS is on; its default
		// is empty (null to Helm), on which rendering fails, so the values give an empty map.
		b.set(srv+"ingress.annotations", map[string]any{})
		if in.Ingress.ClassName != "" {
			b.set(srv+"ingress.className", in.Ingress.ClassName)
		}
		b.set(srv+"ingress.tls.enabled", in.Ingress.TLS)
		if in.Ingress.TLS && in.Ingress.TLSSecretName != "" {
			b.set(srv+"ingress.tls.secretName", in.Ingress.TLSSecretName)
		}
	}
	b.set(srv+"pro.enabled", true)
	b.set(srv+"pro.apiURL", in.Pro.APIURL)
	b.set(srv+"pro.dashboardURL", in.Pro.DashboardURL)
	for _, f := range []struct{ key, val string }{
		{"pro.organizationID", in.Pro.OrganizationID}, {"pro.organizationName", in.Pro.OrganizationName},
		{"pro.workspaceID", in.Pro.WorkspaceID}, {"pro.workspaceName", in.Pro.WorkspaceName},
	} {
		if f.val != "" {
			b.setOrByHand(srv+f.key, f.val, b.notGranted(srv+f.key)+"; set it as that chart version's values document it")
		}
	}
	if s := in.Pro.EnrollmentKeySecret; s != nil {
		if !b.set(srv+"pro.enrollmentKeySecretRef", *s) {
			// The chart keeps the key in its own Secret, which the server, its migration job and its
			// workers read; environmentSecretKeyRefs (0.94.1 on) would reach the server container only.
			b.sensitive(srv+"pro.enrollmentKey", fmt.Sprintf("the enrollment key, from the Kubernetes secret %q, key %q: chart %s reads "+
				"no secret reference for it (pro.enrollmentKeySecretRef arrived in %s), and without a key the chart makes a random one, "+
				"which the Control Plane does not accept", s.Name, s.Key, in.ChartVersion, workspaceEnrollmentKeySecretRefAt))
		}
	}
	if len(in.CustomCAs) > 0 {
		b.setOrByHand(srv+"certificates.customCAs", customCAValues(in.CustomCAs), b.notGranted(srv+"certificates.customCAs"))
	}
	if len(in.ImagePullSecrets) > 0 {
		b.set("imagePullSecrets", pullSecrets(in.ImagePullSecrets))
	}
	return b.render()
}

// workspaceDatabase sets the workspace's database block: the URL without password, the password by
// reference to its secret (or, where the chart version reads none, the URL with the password to set
// separately), and the TLS settings with the CA, client certificate and key by reference to the same
// secret (keys ca.crt, tls.crt, tls.key).
func (b *builder) workspaceDatabase(c checks.DatabaseConnection, secret checks.SecretRef) error {
	if c.Engine != "mysql" {
		return fmt.Errorf("a workspace database needs a MySQL server, not %s: %s", c.Engine, checks.DatabaseSupportMatrix)
	}
	db := ServerBlock + ".database."
	if c.Username != "" && !b.grants(db+"passwordSecretRef") {
		b.sensitive(db+"url", fmt.Sprintf("the store URL with the password of %q from the Kubernetes secret %q, key %q, e.g. "+
			"mysql://%s:PASSWORD@%s/%s: chart %s reads the password from no secret", c.Username, secret.Name, secret.Key,
			c.Username, net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.Database, b.version))
	} else {
		b.set(db+"url", checks.StoreURL(c))
		if c.Username != "" {
			b.set(db+"passwordSecretRef", secret)
		}
	}
	if c.TLSMode == "" || c.TLSMode == "disabled" {
		return nil
	}
	b.setOrByHand(db+"ssl", true, b.notGranted(db+"ssl"))
	b.setOrByHand(db+"sslVerifyServerCert", c.TLSMode == "verify_full", b.notGranted(db+"sslVerifyServerCert"))
	if c.TLSMode == "verify_ca" || c.TLSMode == "verify_full" {
		b.setOrByHand(db+"sslCa", map[string]any{"secretRef": checks.SecretRef{Name: secret.Name, Key: checks.SecretKeyCA}}, b.notGranted(db+"sslCa"))
	}
	if c.ClientCertificate {
		b.setOrByHand(db+"sslCert", map[string]any{"secretRef": checks.SecretRef{Name: secret.Name, Key: checks.SecretKeyClientCert}}, b.notGranted(db+"sslCert"))
		b.setOrByHand(db+"sslKey", map[string]any{"secretRef": checks.SecretRef{Name: secret.Name, Key: checks.SecretKeyClientKey}}, b.notGranted(db+"sslKey"))
	}
	return nil
}

// controlPlaneDatabase sets the Control Plane's `database.external` block without the password: type,
// host, the port when it is not the engine's default, database and username.
func (b *builder) controlPlaneDatabase(c checks.DatabaseConnection) {
	const ext = "zenml.database.external."
	b.set(ext+"type", c.Engine)
	b.set(ext+"host", c.Host)
	if def := databases.Engine(c.Engine).DefaultPort(); c.Port != 0 && c.Port != def {
		b.setOrByHand(ext+"port", c.Port, fmt.Sprintf("the database listens on port %d, not the default %d; %s", c.Port, def, b.notGranted(ext+"port")))
	}
	b.set(ext+"database", c.Database)
	if c.Username != "" {
		b.set(ext+"username", c.Username)
	}
}

// controlPlaneSecretRefsFrom is the first Control Plane chart that takes the database password (0.13.12,
// zenml-io/zenml issue #4042) and the SSO credentials and admin password (0.13.13, its changelog) by
// secret reference; no public source names those keys.
const (
	controlPlaneDatabaseSecretRefFrom = "0.13.12"
	controlPlaneAuthSecretRefsFrom    = "0.13.13"
)

// secretRefNote says, for a Control Plane version that reads the secret by a reference whose key no
// public source names, how to find it.
func (b *builder) secretRefNote(from string) string {
	if b.v.LessThan(goversion.Must(goversion.NewVersion(from))) {
		return ""
	}
	return fmt.Sprintf("; Control Plane %s and later can read it from a Kubernetes secret instead, by a key no public source names "+
		"(helm show values oci://public.ecr.aws/zenml/zenml-pro --version %s shows it)", from, b.version)
}

// RenderControlPlane renders the values of the Control Plane's chart (`zenml-pro`).
func RenderControlPlane(in ControlPlane) (Values, error) {
	b, err := newBuilder(ControlPlaneChart, in.ChartVersion)
	if err != nil {
		return Values{}, fmt.Errorf("control plane chart version: %w", err)
	}
	b.set("zenml.image.api.repository", in.APIImage.Repository)
	b.set("zenml.image.api.tag", in.APIImage.tag())
	b.set("zenml.image.dashboard.repository", in.DashboardImage.Repository)
	b.set("zenml.image.dashboard.tag", in.DashboardImage.tag())
	b.set("zenml.serverURL", in.ServerURL)
	if c := in.Database; c != nil {
		b.controlPlaneDatabase(*c)
		if c.Username != "" {
			b.sensitive("zenml.database.external.password", fmt.Sprintf("the password of the database user %q%s", c.Username,
				b.secretRefNote(controlPlaneDatabaseSecretRefFrom)))
		}
	}
	if in.IngressHost != "" {
		b.set("zenml.ingress.enabled", true)
		b.set("zenml.ingress.host", in.IngressHost)
	}
	if in.AuthCookieDomain != "" {
		b.set("zenml.auth.authCookieDomain", in.AuthCookieDomain)
	}
	if in.SSO.Enabled {
		b.set("zenml.auth.sso.enabled", true)
		b.set("zenml.auth.sso.oidcConfigurationEndpoint", in.SSO.OIDCConfigurationEndpoint)
		b.set("zenml.auth.sso.clientID", in.SSO.ClientID)
		b.sensitive("zenml.auth.sso.clientSecret", "the client secret of the OIDC application registered at the identity provider"+
			b.secretRefNote(controlPlaneAuthSecretRefsFrom))
	} else {
		b.set("zenml.auth.password.enabled", true)
		b.sensitive("zenml.auth.password.adminPassword", "the password of the Control Plane's local admin account (SSO is not enabled)"+
			b.secretRefNote(controlPlaneAuthSecretRefsFrom))
	}
	if len(in.CustomCAs) > 0 {
		names := make([]string, 0, len(in.CustomCAs))
		for _, ca := range in.CustomCAs {
			names = append(names, ca.Name)
		}
		b.byHand("zenml.certificates", fmt.Sprintf("the Control Plane must trust the private CA (%s): ZenML's documentation names "+
			"zenml.certificates without its shape and no chart file of zenml-pro is public, so add the CA as helm show values "+
			"oci://public.ecr.aws/zenml/zenml-pro --version %s documents it", strings.Join(names, ", "), in.ChartVersion))
	}
	if len(in.ImagePullSecrets) > 0 {
		b.set("imagePullSecrets", pullSecrets(in.ImagePullSecrets))
	}
	return b.render()
}

// DatabaseValues renders the database block of the component's chart as JSON (which is also YAML,
// so it can be passed to Helm as a values file), for a chart whose version is not known: the keys
// every chart version the contract covers reads, under the top-level key they all read (`zenml:`).
// For a workspace, `zenml.database` of the `zenml` chart (the URL without the password, the password
// and the TLS material by reference to secret); for the Control Plane, `zenml.database.external` of
// the `zenml-pro` chart (the password, a plain value there, left out; the port only when it is not the
// engine's default).
func DatabaseValues(component checks.DatabaseComponent, c checks.DatabaseConnection, secret checks.SecretRef) (string, error) {
	var b *builder
	var err error
	switch component {
	case checks.WorkspaceDatabase:
		if b, err = newBuilder(WorkspaceChart, WorkspaceChartCoveredFrom); err == nil {
			err = b.workspaceDatabase(c, secret)
		}
	case checks.ControlPlaneDatabase:
		if b, err = newBuilder(ControlPlaneChart, ControlPlaneChartCoveredFrom); err == nil {
			b.controlPlaneDatabase(c)
		}
	default:
		err = fmt.Errorf("unknown component %q: use %s", component, strings.Join(checks.DatabaseComponentNames(), " or "))
	}
	if err != nil {
		return "", err
	}
	if bad := CheckDocument(b.chart, b.version, b.doc); len(bad) > 0 {
		return "", fmt.Errorf("the database values hold keys not every chart version reads: %s; this is a defect in the provider, please report it",
			strings.Join(bad, ", "))
	}
	out, err := json.Marshal(b.doc)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func pullSecrets(names []string) []any {
	out := make([]any, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]any{"name": n})
	}
	return out
}

// render encodes the document, after checking that the contract grants every key it holds.
func (b *builder) render() (Values, error) {
	if bad := CheckDocument(b.chart, b.version, b.doc); len(bad) > 0 {
		return Values{}, fmt.Errorf("the values of chart %s %s hold keys that version is not known to read: %s; this is a defect in the provider, please report it",
			b.chart, b.version, strings.Join(bad, ", "))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(b.doc); err != nil {
		return Values{}, err
	}
	if err := enc.Close(); err != nil {
		return Values{}, err
	}
	out := b.out
	out.YAML = buf.String()
	for k := range b.doc {
		out.TopLevelKeys = append(out.TopLevelKeys, k)
	}
	sort.Strings(out.TopLevelKeys)
	sort.Slice(out.Keys, func(i, j int) bool { return out.Keys[i].Key < out.Keys[j].Key })
	sort.Slice(out.Sensitive, func(i, j int) bool { return out.Sensitive[i].Key < out.Sensitive[j].Key })
	sort.Slice(out.ByHand, func(i, j int) bool { return out.ByHand[i].Key < out.ByHand[j].Key })
	return out, nil
}
