// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package helmvalues

import (
	"fmt"
	"sort"
	"strings"

	goversion "github.com/hashicorp/go-version"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// KeyType is the shape a chart reads a key as.
type KeyType string

// Key types of the contract.
const (
	TypeString KeyType = "string"
	TypeBool   KeyType = "bool"
	TypeInt    KeyType = "integer"
	TypeMap    KeyType = "map"
	// TypeSecretRef is an object {name, key} naming a key of a Kubernetes secret.
	TypeSecretRef KeyType = "secret reference {name, key}"
	// TypeCertificate is an object that holds a PEM document either inline ({value}) or in a Kubernetes
	// secret ({secretRef: {name, key}}).
	TypeCertificate KeyType = "object {value: PEM} or {secretRef: {name, key}}"
	// TypeCustomCAs is a list of {name, certificate (PEM)}.
	TypeCustomCAs KeyType = "list of {name, certificate}"
	// TypeAnnotations is a map of strings, set as one value (the provider emits it empty).
	TypeAnnotations KeyType = "map of strings"
	// TypePullSecrets is a list of {name}.
	TypePullSecrets KeyType = "list of {name}"
)

// Key is one row of the contract: a key path a chart reads, from which version (and until which, when
// a later one stopped), as what, and the source that shows it.
type Key struct {
	Chart string
	// Path is dotted. In the workspace chart (`zenml`) a path that starts with "<server>." lies under
	// the top-level key of the server settings (`zenml:` or `server:`, see TopKeys); other paths are
	// top-level keys themselves.
	Path string
	Type KeyType
	// From is the first chart version known to read the key; Until the last one, "" while the newest
	// chart read still does.
	From, Until string
	// Becomes says what the chart does with the value (the server's environment variable, a volume).
	Becomes string
	// Source is where the fact comes from: the chart's file at a commit of its repository, a changelog
	// entry, a merged pull request, ZenML's documentation.
	Source string
}

// ServerBlock is the placeholder of Key.Path for the workspace chart's top-level key of the server
// settings.
const ServerBlock = "<server>"

// Sources of the facts, cited by the rows. Chart files are zenml-io/zenml's `helm/` directory at the
// named commit; the chart version at a commit is that of helm/Chart.yaml there when it is named.
const (
	srcEnv082             = "helm/templates/_environment.tpl at commit 9b0ebe979cea (chart 0.82.0) and at 0340681 (a 0.96.3 or later chart)"
	srcDeploy             = "helm/templates/server-deployment.yaml at commit 08bb10d (a 0.94.2 or later chart) and at 7174a8e119a0 (a zenml:-era branch, pull request #4476)"
	srcIngress            = "helm/templates/server-ingress.yaml at commit 4ec364e; helm/values.yaml at 000d60b4 and 0340681"
	srcSecret             = "helm/templates/server-secret.yaml at commit 1621769 (the key is kept in the chart's own Secret as ZENML_SERVER_PRO_OAUTH2_CLIENT_SECRET)"
	srcPR3320             = "zenml-io/zenml pull request #3320 (merged February 2025, first released in 0.74.0: the database password from a Kubernetes secret instead of the URL, database certificates and custom CAs as inline values or secret references instead of files in the chart folder); helm/values.yaml of the zenml: era (commits 000d60b4, 4ec364e) documents these keys; " + srcDeploy
	srcServerKey          = "ZenML changelog of 0.94.2 (2026-04-08, pull request #4637); helm/templates/_helpers.tpl at commit 080da5d: both keys are read and merged, zenml: wins"
	srcZenMLKey           = "every chart read: " + srcDeploy + "; from 0.94.2 merged under server: (" + "helm/templates/_helpers.tpl at commit 080da5d" + ")"
	srcEnrollRef          = "zenml-io/zenml pull request #5123 (merged 2026-07-30), listed in the release notes of 0.96.3; helm/values.yaml at commit 0340681"
	srcCPGuide            = "ZenML's Control Plane Helm guide (docs/book/getting-started/zenml-pro/deploy-control-plane-k8s.md at commit 05b610d; self-hosted-deployment-helm.md at 29270dc); it names no chart version"
	srcCPPortGuide        = "only the example of ZenML's air-gapped Helm guide (self-hosted deployment on Kubernetes with Helm), whose same example shows keys the charts do not read (database.external in the workspace chart, type postgresql); no chart file of zenml-pro is public"
	srcIngressAnnotations = "helm/templates/server-ingress.yaml at commit 4ec364e (sets nginx.ingress.kubernetes.io/ssl-redirect into the map with TLS and class nginx); helm/values.yaml at 000d60b4 (annotations left empty); rendering those files with TLS on and no annotations fails: wrong type for value; expected map"
	srcPullSecrets        = "helm/values.yaml at commits 000d60b4 and 0340681 (top level); " + srcDeploy
	srcProWorkspace       = "helm/templates/_environment.tpl at commit 9b0ebe979cea (chart 0.82.0); the 0.73.0 development line (commit c7a8d1516d9f) read tenantID and tenantName instead"
)

// The charts' first versions the contract covers, and the newest chart version it was checked
// against; a newer chart is granted the keys that have no Until, and the checklist warns about it.
const (
	// WorkspaceChartCoveredFrom: the Control Plane needs workspace servers of 0.85.0 or later; the
	// rows are not traced back before 0.82.0.
	WorkspaceChartCoveredFrom = "0.82.0"
	// WorkspaceChartVerifiedThrough is the newest `zenml` chart whose key changes are known (0.96.3
	// added enrollmentKeySecretRef); chart content seen after it shows no key removed.
	WorkspaceChartVerifiedThrough = "0.96.3"
	// ControlPlaneChartCoveredFrom and ControlPlaneChartVerifiedThrough bound the Control Plane
	// releases whose documentation the rows come from (the changelog read ends at 0.13.18).
	ControlPlaneChartCoveredFrom      = "0.13.0"
	ControlPlaneChartVerifiedThrough  = "0.13.18"
	workspaceEnrollmentKeySecretRefAt = "0.96.3"
)

// contract is every key path the provider may emit, per chart. The values builders take their keys
// from it only: a key not granted to a chart version is left out and said to be set by hand.
var contract = []Key{
	// The workspace server chart `zenml`: top-level keys.
	{WorkspaceChart, "zenml", TypeMap, WorkspaceChartCoveredFrom, "", "the server settings (the only key before 0.94.2)", srcZenMLKey},
	{WorkspaceChart, "server", TypeMap, releases.WorkspaceChartServerKeyFrom, "", "the server settings, merged with zenml: (which wins)", srcServerKey},
	{WorkspaceChart, "imagePullSecrets", TypePullSecrets, WorkspaceChartCoveredFrom, "", "the pods' imagePullSecrets", srcPullSecrets},
	// Under the server settings.
	{WorkspaceChart, ServerBlock + ".image.repository", TypeString, WorkspaceChartCoveredFrom, "", "the server image, repository:tag", srcDeploy},
	{WorkspaceChart, ServerBlock + ".image.tag", TypeString, WorkspaceChartCoveredFrom, "", "the image tag (default: the chart version)", srcDeploy},
	{WorkspaceChart, ServerBlock + ".serverURL", TypeString, WorkspaceChartCoveredFrom, "", "ZENML_SERVER_SERVER_URL (required with pro.enabled)", srcEnv082},
	{WorkspaceChart, ServerBlock + ".database.url", TypeString, WorkspaceChartCoveredFrom, "", "ZENML_STORE_URL, in the chart's Secret", srcEnv082},
	{WorkspaceChart, ServerBlock + ".database.passwordSecretRef", TypeSecretRef, WorkspaceChartCoveredFrom, "", "ZENML_STORE_PASSWORD from the secret (with database.url)", srcPR3320},
	{WorkspaceChart, ServerBlock + ".database.ssl", TypeBool, WorkspaceChartCoveredFrom, "", "ZENML_STORE_SSL", srcEnv082},
	{WorkspaceChart, ServerBlock + ".database.sslVerifyServerCert", TypeBool, WorkspaceChartCoveredFrom, "", "ZENML_STORE_SSL_VERIFY_SERVER_CERT", srcEnv082},
	{WorkspaceChart, ServerBlock + ".database.sslCa", TypeCertificate, WorkspaceChartCoveredFrom, "", "ZENML_STORE_SSL_CA: the PEM, or the secret's key mounted under /dbcerts", srcEnv082 + "; " + srcPR3320},
	{WorkspaceChart, ServerBlock + ".database.sslCert", TypeCertificate, WorkspaceChartCoveredFrom, "", "ZENML_STORE_SSL_CERT, as sslCa", srcEnv082 + "; " + srcPR3320},
	{WorkspaceChart, ServerBlock + ".database.sslKey", TypeCertificate, WorkspaceChartCoveredFrom, "", "ZENML_STORE_SSL_KEY, as sslCa", srcEnv082 + "; " + srcPR3320},
	{WorkspaceChart, ServerBlock + ".ingress.enabled", TypeBool, WorkspaceChartCoveredFrom, "", "an Ingress for the server (default true)", srcIngress},
	{WorkspaceChart, ServerBlock + ".ingress.className", TypeString, WorkspaceChartCoveredFrom, "", "the Ingress's ingressClassName (default nginx)", srcIngress},
	{WorkspaceChart, ServerBlock + ".ingress.host", TypeString, WorkspaceChartCoveredFrom, "", "the Ingress rule's and TLS host", srcIngress},
	{WorkspaceChart, ServerBlock + ".ingress.tls.enabled", TypeBool, WorkspaceChartCoveredFrom, "", "TLS on the Ingress", srcIngress},
	{WorkspaceChart, ServerBlock + ".ingress.annotations", TypeAnnotations, WorkspaceChartCoveredFrom, "", "the Ingress's annotations; the chart adds nginx's ssl-redirect to this map when TLS is on, and rendering fails when it is not a map (the chart's default is empty, which Helm reads as null)", srcIngressAnnotations},
	{WorkspaceChart, ServerBlock + ".ingress.tls.secretName", TypeString, WorkspaceChartCoveredFrom, "", "the Ingress's TLS secret", srcIngress},
	{WorkspaceChart, ServerBlock + ".pro.enabled", TypeBool, WorkspaceChartCoveredFrom, "", "ZENML_SERVER_DEPLOYMENT_TYPE=cloud and the pro settings", srcEnv082},
	{WorkspaceChart, ServerBlock + ".pro.apiURL", TypeString, WorkspaceChartCoveredFrom, "", "ZENML_SERVER_PRO_API_URL and ZENML_SERVER_PRO_OAUTH2_AUDIENCE", srcEnv082},
	{WorkspaceChart, ServerBlock + ".pro.dashboardURL", TypeString, WorkspaceChartCoveredFrom, "", "ZENML_SERVER_PRO_DASHBOARD_URL", srcEnv082},
	{WorkspaceChart, ServerBlock + ".pro.organizationID", TypeString, WorkspaceChartCoveredFrom, "", "ZENML_SERVER_PRO_ORGANIZATION_ID", srcEnv082},
	{WorkspaceChart, ServerBlock + ".pro.organizationName", TypeString, WorkspaceChartCoveredFrom, "", "ZENML_SERVER_PRO_ORGANIZATION_NAME", srcEnv082},
	{WorkspaceChart, ServerBlock + ".pro.workspaceID", TypeString, WorkspaceChartCoveredFrom, "", "ZENML_SERVER_PRO_WORKSPACE_ID", srcProWorkspace},
	{WorkspaceChart, ServerBlock + ".pro.workspaceName", TypeString, WorkspaceChartCoveredFrom, "", "ZENML_SERVER_PRO_WORKSPACE_NAME", srcProWorkspace},
	{WorkspaceChart, ServerBlock + ".pro.enrollmentKey", TypeString, WorkspaceChartCoveredFrom, "", "ZENML_SERVER_PRO_OAUTH2_CLIENT_SECRET in the chart's Secret (random when empty)", srcSecret},
	{WorkspaceChart, ServerBlock + ".pro.enrollmentKeySecretRef", TypeSecretRef, workspaceEnrollmentKeySecretRefAt, "", "the enrollment key from the secret, for the server, its migration job and workers", srcEnrollRef},
	{WorkspaceChart, ServerBlock + ".certificates.customCAs", TypeCustomCAs, WorkspaceChartCoveredFrom, "", "CA certificates added to the containers' trust store", srcPR3320},

	// The Control Plane chart `zenml-pro`.
	{ControlPlaneChart, "imagePullSecrets", TypePullSecrets, ControlPlaneChartCoveredFrom, "", "the pods' imagePullSecrets", srcCPGuide},
	{ControlPlaneChart, "zenml.image.api.repository", TypeString, ControlPlaneChartCoveredFrom, "", "the API image", srcCPGuide},
	{ControlPlaneChart, "zenml.image.api.tag", TypeString, ControlPlaneChartCoveredFrom, "", "the API image's tag (default: the chart's appVersion)", srcCPGuide},
	{ControlPlaneChart, "zenml.image.dashboard.repository", TypeString, ControlPlaneChartCoveredFrom, "", "the Web UI image", srcCPGuide},
	{ControlPlaneChart, "zenml.image.dashboard.tag", TypeString, ControlPlaneChartCoveredFrom, "", "the Web UI image's tag", srcCPGuide},
	{ControlPlaneChart, "zenml.serverURL", TypeString, ControlPlaneChartCoveredFrom, "", "the Control Plane's URL", srcCPGuide},
	{ControlPlaneChart, "zenml.database.external.type", TypeString, ControlPlaneChartCoveredFrom, "", "mysql or postgres", srcCPGuide},
	{ControlPlaneChart, "zenml.database.external.host", TypeString, ControlPlaneChartCoveredFrom, "", "the database server", srcCPGuide},
	{ControlPlaneChart, "zenml.database.external.port", TypeInt, ControlPlaneChartCoveredFrom, "", "the database server's port", srcCPPortGuide},
	{ControlPlaneChart, "zenml.database.external.username", TypeString, ControlPlaneChartCoveredFrom, "", "the database user", srcCPGuide},
	{ControlPlaneChart, "zenml.database.external.password", TypeString, ControlPlaneChartCoveredFrom, "", "the database user's password (a plain value)", srcCPGuide},
	{ControlPlaneChart, "zenml.database.external.database", TypeString, ControlPlaneChartCoveredFrom, "", "the database", srcCPGuide},
	{ControlPlaneChart, "zenml.auth.password.enabled", TypeBool, ControlPlaneChartCoveredFrom, "", "the local admin account", srcCPGuide},
	{ControlPlaneChart, "zenml.auth.password.adminPassword", TypeString, ControlPlaneChartCoveredFrom, "", "the local admin account's password (a plain value)", srcCPGuide},
	{ControlPlaneChart, "zenml.auth.sso.enabled", TypeBool, ControlPlaneChartCoveredFrom, "", "single sign-on with an OIDC provider", srcCPGuide},
	{ControlPlaneChart, "zenml.auth.sso.oidcConfigurationEndpoint", TypeString, ControlPlaneChartCoveredFrom, "", "the identity provider's discovery URL", srcCPGuide},
	{ControlPlaneChart, "zenml.auth.sso.clientID", TypeString, ControlPlaneChartCoveredFrom, "", "the OIDC client ID", srcCPGuide},
	{ControlPlaneChart, "zenml.auth.sso.clientSecret", TypeString, ControlPlaneChartCoveredFrom, "", "the OIDC client secret (a plain value)", srcCPGuide},
	{ControlPlaneChart, "zenml.auth.authCookieDomain", TypeString, ControlPlaneChartCoveredFrom, "", "the domain of the authentication cookies", srcCPGuide},
	{ControlPlaneChart, "zenml.ingress.enabled", TypeBool, ControlPlaneChartCoveredFrom, "", "an Ingress for the Control Plane", srcCPGuide},
	{ControlPlaneChart, "zenml.ingress.host", TypeString, ControlPlaneChartCoveredFrom, "", "the Ingress host (API and Web UI)", srcCPGuide},
}

// Contract returns the rows of the contract, for documents: the workspace chart's first, each chart's
// in path order.
func Contract() []Key {
	out := append([]Key(nil), contract...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Chart != out[j].Chart {
			return out[i].Chart == WorkspaceChart
		}
		return out[i].Path < out[j].Path
	})
	return out
}

// VerifiedThrough is the newest version of chart the contract was checked against.
func VerifiedThrough(chart string) string {
	if chart == WorkspaceChart {
		return WorkspaceChartVerifiedThrough
	}
	return ControlPlaneChartVerifiedThrough
}

// CoveredFrom is the oldest version of chart the contract covers.
func CoveredFrom(chart string) string {
	if chart == WorkspaceChart {
		return WorkspaceChartCoveredFrom
	}
	return ControlPlaneChartCoveredFrom
}

// rule finds the contract row of chart whose path is p ("" Chart when there is none).
func rule(chart, p string) Key {
	for _, k := range contract {
		if k.Chart == chart && k.Path == p {
			return k
		}
	}
	return Key{}
}

// Grants reports whether the row k covers chart version v.
func (k Key) Grants(v *goversion.Version) bool {
	if k.Chart == "" {
		return false
	}
	from := goversion.Must(goversion.NewVersion(k.From))
	if v.LessThan(from) {
		return false
	}
	if k.Until != "" && v.GreaterThan(goversion.Must(goversion.NewVersion(k.Until))) {
		return false
	}
	return true
}

// Granted reports whether chart version reads the key path p (dotted as in Key.Path) and returns its
// row.
func Granted(chart, version, p string) (Key, bool) {
	v, err := releases.ParseVersion(version)
	if err != nil {
		return Key{}, false
	}
	k := rule(chart, p)
	return k, k.Grants(v)
}

// CheckDocument walks a values document of chart version and returns every key path it sets that
// the contract does not grant to that version, sorted. An object the contract knows as one value (a
// secret reference, a certificate object) counts as one key; lists are values.
func CheckDocument(chart, version string, doc map[string]any) []string {
	v, err := releases.ParseVersion(version)
	if err != nil {
		return []string{fmt.Sprintf("(version %q: %v)", version, err)}
	}
	var bad []string
	var walk func(prefix, rulePath string, val any)
	walk = func(prefix, rulePath string, val any) {
		k := rule(chart, rulePath)
		if m, ok := val.(map[string]any); ok && (k.Chart == "" || k.Type == TypeMap) {
			if k.Chart != "" && !k.Grants(v) {
				bad = append(bad, prefix)
				return
			}
			for key, child := range m {
				walk(prefix+"."+key, rulePath+"."+key, child)
			}
			return
		}
		if !k.Grants(v) {
			bad = append(bad, prefix)
		}
	}
	for top, val := range doc {
		rulePath := top
		if chart == WorkspaceChart && (top == releases.WorkspaceChartKeyLegacy || top == releases.WorkspaceChartKeyServer) {
			if !rule(chart, top).Grants(v) {
				bad = append(bad, top)
				continue
			}
			if m, ok := val.(map[string]any); ok {
				for key, child := range m {
					walk(top+"."+key, ServerBlock+"."+key, child)
				}
				continue
			}
		}
		walk(top, rulePath, val)
	}
	sort.Strings(bad)
	return bad
}

// displayPath is p as a user writes it for a chart version: ServerBlock replaced by the top-level key.
func displayPath(p, serverKey string) string {
	return strings.Replace(p, ServerBlock, serverKey, 1)
}
