// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package prerequisites

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/helmvalues"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/accessrequest"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// Row is one line of the checklist.
type Row struct {
	Section string
	Item    string
	Status  Status
	Detail  string
}

// Flow is one network connection the deployment needs.
type Flow struct {
	From     string
	To       string
	Port     int
	Protocol string
	Purpose  string
}

// ImageRow is one image the deployment runs, for the report.
type ImageRow struct {
	// Component is the image's component (images.Component names).
	Component string
	// Workspaces are the workspaces that run it; empty for the Control Plane's images.
	Workspaces []string
	Version    string
	URI        string
	Digest     string
}

// Result is the checklist and everything derived from the spec.
type Result struct {
	// Scenario is the scenario the rows were judged for: the given one, or self_hosted while it is
	// not decided (the larger set of rows).
	Scenario checks.Scenario
	Rows     []Row
	// Ready is true when no row is Fail or Missing.
	Ready bool
	Flows []Flow
	// ControlPlaneValues is nil in the hybrid scenario, or while the Control Plane's version or the
	// image source is not decided.
	ControlPlaneValues *helmvalues.Values
	// WorkspaceValues holds the values of every workspace whose version and image source are decided.
	WorkspaceValues map[string]helmvalues.Values
	Images          []ImageRow
	// PulledBy says which identity pulls the images; "" when not known.
	PulledBy string
	Report   string
}

// Counts returns how many rows have each status.
func (r Result) Counts() map[Status]int {
	out := map[Status]int{}
	for _, row := range r.Rows {
		out[row.Status]++
	}
	return out
}

type evaluator struct {
	spec     Spec
	cat      *releases.Catalog
	now      time.Time
	res      Result
	scenario checks.Scenario
	private  checks.PrivateDomains
	// hosts holds every valid host given, by field label, in a fixed order.
	hostLabels []string
	hosts      map[string]checks.Host
	// endpoints is set when every host is given and valid.
	endpoints *checks.Endpoints
	// images by component and, for workspace servers, by version.
	cpImages map[images.Component]images.Image
	wsImages map[string]images.Image
	// versionOK tells which versions passed (key: line + version).
	cpVersionOK bool
	wsVersionOK map[string]bool
	customCAs   []helmvalues.CustomCA
}

// Evaluate judges the spec. A nil catalog is the embedded one; now is the time the certificate's
// validity is judged at.
func Evaluate(spec Spec, cat *releases.Catalog, now time.Time) Result {
	if cat == nil {
		cat = releases.Embedded()
	}
	e := &evaluator{spec: spec, cat: cat, now: now, hosts: map[string]checks.Host{}, wsVersionOK: map[string]bool{},
		cpImages: map[images.Component]images.Image{}, wsImages: map[string]images.Image{}}
	e.deployment()
	e.versions()
	e.databases()
	e.dns()
	e.tls()
	e.registry()
	e.sso()
	e.values()
	e.res.Scenario = e.scenario
	e.sortRows()
	e.res.Ready = true
	for _, r := range e.res.Rows {
		if r.Status == Fail || r.Status == Missing {
			e.res.Ready = false
		}
	}
	e.res.Flows = e.flows()
	e.res.Report = report(e.res)
	return e.res
}

// sortRows puts the rows in section order, keeping the order within a section.
func (e *evaluator) sortRows() {
	order := map[string]int{}
	for i, s := range Sections() {
		order[s] = i
	}
	sort.SliceStable(e.res.Rows, func(i, j int) bool { return order[e.res.Rows[i].Section] < order[e.res.Rows[j].Section] })
}

func (e *evaluator) add(section, item string, status Status, format string, args ...any) {
	e.res.Rows = append(e.res.Rows, Row{Section: section, Item: item, Status: status, Detail: fmt.Sprintf(format, args...)})
}

func (e *evaluator) hybrid() bool { return e.scenario == checks.Hybrid }

func (e *evaluator) workspaceNames() []string {
	names := make([]string, 0, len(e.spec.Workspaces))
	for n := range e.spec.Workspaces {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// --- Deployment ---

var kubernetesVersion = regexp.MustCompile(`^v?(\d+)\.(\d+)(\.\d+)?$`)

// CheckKubernetesVersion reads a Kubernetes version such as "1.29" (a patch and a "v" prefix are
// accepted) and returns its major and minor numbers.
func CheckKubernetesVersion(s string) (major, minor int, err error) {
	m := kubernetesVersion.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf("%q is not a Kubernetes version: give MAJOR.MINOR, e.g. \"1.29\"", s)
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, nil
}

func (e *evaluator) deployment() {
	switch e.spec.Scenario {
	case "":
		e.scenario = checks.SelfHosted
		e.add(SectionDeployment, "Deployment scenario", Missing,
			"not decided: set scenario = %q (%s) or %q (%s); until then the rows are those of %q",
			checks.SelfHosted, checks.SelfHosted.Description(), checks.Hybrid, checks.Hybrid.Description(), checks.SelfHosted)
	default:
		s, err := checks.ParseScenario(e.spec.Scenario)
		if err != nil {
			e.scenario = checks.SelfHosted
			e.add(SectionDeployment, "Deployment scenario", Fail, "%s", err)
			break
		}
		e.scenario = s
		e.add(SectionDeployment, "Deployment scenario", OK, "%s: %s", s, s.Description())
	}

	if e.spec.KubernetesVersion == "" {
		e.add(SectionDeployment, "Kubernetes version", Missing,
			"not given: ZenML Pro supports Kubernetes 1.%d or newer; give the cluster's version, e.g. kubernetes_version = \"1.29\"", MinKubernetesMinor)
	} else if major, minor, err := CheckKubernetesVersion(e.spec.KubernetesVersion); err != nil {
		e.add(SectionDeployment, "Kubernetes version", Fail, "%s", err)
	} else if major < 1 || major == 1 && minor < MinKubernetesMinor {
		e.add(SectionDeployment, "Kubernetes version", Fail,
			"Kubernetes %d.%d is older than 1.%d, the oldest version ZenML Pro supports: upgrade the cluster", major, minor, MinKubernetesMinor)
	} else {
		e.add(SectionDeployment, "Kubernetes version", OK, "Kubernetes %d.%d (1.%d or newer is supported)", major, minor, MinKubernetesMinor)
	}

	if e.spec.AirGapped {
		e.add(SectionDeployment, "Air-gapped", OK,
			"air-gapped: every image and chart comes from the internal registry; nothing is pulled from ZenML's registries")
	} else {
		e.add(SectionDeployment, "Air-gapped", OK, "connected: the cluster may reach ZenML's registries (and ZenML's Control Plane when hybrid)")
	}
}

// --- Versions ---

func (e *evaluator) checkVersion(line releases.Line, subject, version string) (Status, string) {
	unlisted, err := images.CheckVersion(e.cat, line, subject, version)
	switch {
	case err != nil:
		return Fail, err.Error()
	case unlisted != nil:
		return Warn, unlisted.Message()
	}
	r, _ := e.cat.Lookup(line, version)
	if r.DateKnown() {
		return OK, fmt.Sprintf("%s %s, released %s", images.LineTitle(line), version, r.DateString())
	}
	return OK, fmt.Sprintf("%s %s (release date not known)", images.LineTitle(line), version)
}

// chartRow checks that the chart version equals the version: the images a chart deploys are tagged with
// its version.
func (e *evaluator) chartRow(item, chartName, version, chartVersion string) {
	switch chartVersion {
	case "", version:
		e.add(SectionVersions, item, OK, "chart %s %s deploys images tagged %s", chartName, version, version)
	default:
		e.add(SectionVersions, item, Fail,
			"chart %s %s deploys images tagged %s, but the version is %s: image tags equal the chart version, so use chart version %s (or version %s)",
			chartName, chartVersion, chartVersion, version, version, chartVersion)
	}
}

func (e *evaluator) versions() {
	cp := e.spec.ControlPlane
	switch {
	case cp == nil || cp.Version == "":
		detail := "not given: set control_plane.version, e.g. \"" + images.ExampleVersion(releases.ControlPlane) + "\""
		if e.hybrid() {
			detail += "; ZenML runs the Control Plane, but its version decides which workspace server versions are compatible (ask ZenML which version your organization runs)"
		}
		e.add(SectionVersions, "Control Plane version", Missing, "%s", detail)
	default:
		st, detail := e.checkVersion(releases.ControlPlane, "control_plane.version", cp.Version)
		e.cpVersionOK = st != Fail
		if e.hybrid() {
			detail += " (run by ZenML)"
		}
		e.add(SectionVersions, "Control Plane version", st, "%s", detail)
		if !e.hybrid() && e.cpVersionOK {
			e.chartRow("Control Plane chart and image tags", "zenml-pro", cp.Version, cp.ChartVersion)
		}
	}

	if len(e.spec.Workspaces) == 0 {
		e.add(SectionVersions, "Workspaces", Missing,
			"no workspace given: every deployment needs at least one workspace server, e.g. workspaces = { \"workspace-1\" = { version = %q, ... } }",
			images.ExampleVersion(releases.WorkspaceServer))
	}
	for _, name := range e.workspaceNames() {
		ws := e.spec.Workspaces[name]
		item := fmt.Sprintf("Workspace %q version", name)
		if ws.Version == "" {
			e.add(SectionVersions, item, Missing, "not given: set workspaces[%q].version, e.g. %q", name, images.ExampleVersion(releases.WorkspaceServer))
			continue
		}
		st, detail := e.checkVersion(releases.WorkspaceServer, fmt.Sprintf("workspaces[%q].version", name), ws.Version)
		e.add(SectionVersions, item, st, "%s", detail)
		if st == Fail {
			continue
		}
		e.wsVersionOK[name] = true
		e.chartRow(fmt.Sprintf("Workspace %q chart and image tags", name), "zenml", ws.Version, ws.ChartVersion)
		if cp == nil || !e.cpVersionOK {
			e.add(SectionVersions, fmt.Sprintf("Workspace %q compatibility", name), Missing,
				"cannot be judged before the Control Plane version is known")
			continue
		}
		chk, err := e.cat.Compatible(cp.Version, ws.Version)
		switch {
		case err != nil:
			e.add(SectionVersions, fmt.Sprintf("Workspace %q compatibility", name), Fail, "%s", err)
		case chk.Compatible:
			e.add(SectionVersions, fmt.Sprintf("Workspace %q compatibility", name), OK, "%s", strings.Join(chk.Reasons, "; "))
		default:
			e.add(SectionVersions, fmt.Sprintf("Workspace %q compatibility", name), Fail, "%s", strings.Join(chk.Reasons, "; "))
		}
	}
}

// --- Databases ---

type namedDatabase struct {
	label     string // "Control Plane" or "Workspace \"ws\""
	workspace bool
	db        *Database
}

func (e *evaluator) databases() {
	var all []namedDatabase
	if e.hybrid() {
		if e.spec.ControlPlane != nil && e.spec.ControlPlane.Database != nil {
			e.add(SectionDatabases, "Control Plane database", Warn,
				"given but not used: in the hybrid scenario ZenML runs the Control Plane and its database; remove control_plane.database")
		} else {
			e.add(SectionDatabases, "Control Plane database", NotApplicable, "ZenML runs the Control Plane and its database")
		}
	} else {
		var db *Database
		if e.spec.ControlPlane != nil {
			db = e.spec.ControlPlane.Database
		}
		all = append(all, namedDatabase{label: "Control Plane", db: db})
	}
	for _, name := range e.workspaceNames() {
		all = append(all, namedDatabase{label: fmt.Sprintf("Workspace %q", name), workspace: true, db: e.spec.Workspaces[name].Database})
	}
	for _, nd := range all {
		e.database(nd)
	}

	// One dedicated database per component: no two components share a database on the same server.
	seen := map[string]string{}
	var dups []string
	known := 0
	for _, nd := range all {
		if nd.db == nil || nd.db.Host == "" || nd.db.Name == "" {
			continue
		}
		known++
		key := strings.ToLower(nd.db.Host) + ":" + strconv.Itoa(portOf(nd.db)) + "/" + nd.db.Name
		if prev, ok := seen[key]; ok {
			dups = append(dups, fmt.Sprintf("%s and %s both use database %q on %s:%d", prev, nd.label, nd.db.Name, nd.db.Host, portOf(nd.db)))
			continue
		}
		seen[key] = nd.label
	}
	switch {
	case len(dups) > 0:
		e.add(SectionDatabases, "One dedicated database per component", Fail,
			"%s: every component needs a database of its own (e.g. zenml_pro for the Control Plane, zenml_workspace_1, zenml_workspace_2, ...)", strings.Join(dups, "; "))
	case known > 0:
		e.add(SectionDatabases, "One dedicated database per component", OK, "%d database(s), each used by one component", known)
	}
}

func portOf(db *Database) int {
	if db.Port != 0 {
		return db.Port
	}
	return databases.Engine(db.Engine).DefaultPort()
}

func (e *evaluator) database(nd namedDatabase) {
	item := func(s string) string { return nd.label + " database: " + s }
	if nd.db == nil {
		e.add(SectionDatabases, item("connection"), Missing,
			"not given: the database type, host, port, name, user and TLS settings of its dedicated database")
		return
	}
	db := nd.db
	switch {
	case db.Engine == "":
		e.add(SectionDatabases, item("type"), Missing, "not given: %s", engineHint(nd.workspace))
	case db.Engine == EnginePostgres && nd.workspace:
		e.add(SectionDatabases, item("type"), Fail, "PostgreSQL: %s", checks.DatabaseSupportMatrix)
	case db.Engine == EngineMySQL || db.Engine == EnginePostgres:
		e.add(SectionDatabases, item("type"), OK, "%s", engineTitle(db.Engine))
	default:
		e.add(SectionDatabases, item("type"), Fail, "%q is not a database type: %s", db.Engine, engineHint(nd.workspace))
	}

	if db.Host == "" {
		e.add(SectionDatabases, item("host and port"), Missing, "host not given, e.g. the endpoint of the database instance (aws_db_instance.address)")
	} else {
		e.add(SectionDatabases, item("host and port"), OK, "%s:%d", db.Host, portOf(db))
	}

	switch db.Name {
	case "":
		e.add(SectionDatabases, item("name"), Missing, "not given, e.g. %q", exampleDatabase(nd))
	default:
		if err := checks.CheckDatabaseName(db.Name); err != nil {
			e.add(SectionDatabases, item("name"), Fail, "%s", err)
		} else {
			e.add(SectionDatabases, item("name"), OK, "%s", db.Name)
		}
	}

	switch {
	case db.Username == "":
		e.add(SectionDatabases, item("user and password"), Missing, "user not given: a dedicated user for this database, e.g. %q", exampleDatabase(nd))
	case nd.workspace:
		ref := passwordSecret(db)
		e.add(SectionDatabases, item("user and password"), OK,
			"user %q; password from the Kubernetes secret %q, key %q (database.passwordSecretRef)", db.Username, ref.Name, ref.Key)
	default:
		e.add(SectionDatabases, item("user and password"), OK,
			"user %q; the zenml-pro chart takes the password as a value: set zenml.database.external.password with set_sensitive", db.Username)
	}

	switch db.TLSMode {
	case "":
		e.add(SectionDatabases, item("SSL/TLS"), Missing, "not decided: set tls_mode to one of %s", strings.Join(TLSModes(), ", "))
	case "disabled":
		e.add(SectionDatabases, item("SSL/TLS"), Warn, "disabled: passwords and data cross the network unencrypted; use verify_full where the server supports TLS")
	case "required":
		e.add(SectionDatabases, item("SSL/TLS"), Warn, "required: encrypted, but the server's certificate is not verified; use verify_full with the server's CA")
	case "verify_ca", "verify_full":
		detail := db.TLSMode + ": encrypted and verified"
		if nd.workspace {
			ref := passwordSecret(db)
			detail += fmt.Sprintf("; the CA certificate from the secret %q, key %q (database.sslCa)", ref.Name, checks.SecretKeyCA)
		}
		e.add(SectionDatabases, item("SSL/TLS"), OK, "%s", detail)
	default:
		e.add(SectionDatabases, item("SSL/TLS"), Fail, "%q is not a TLS mode: use one of %s", db.TLSMode, strings.Join(TLSModes(), ", "))
	}
}

func engineTitle(engine string) string {
	if engine == EnginePostgres {
		return "PostgreSQL"
	}
	return "MySQL (8.0+, or MariaDB 10.6+)"
}

func engineHint(workspace bool) string {
	if workspace {
		return "a workspace server needs MySQL (engine = \"mysql\")"
	}
	return "the Control Plane takes MySQL or PostgreSQL (engine = \"mysql\" or \"postgres\")"
}

func exampleDatabase(nd namedDatabase) string {
	if nd.workspace {
		return "zenml_workspace_1"
	}
	return "zenml_pro"
}

func passwordSecret(db *Database) checks.SecretRef {
	if db.PasswordSecret != nil {
		return *db.PasswordSecret
	}
	return checks.DefaultPasswordSecret(db.Name)
}

func connection(db *Database) checks.DatabaseConnection {
	return checks.DatabaseConnection{Engine: db.Engine, Host: db.Host, Port: portOf(db), Database: db.Name, Username: db.Username,
		TLSMode: db.TLSMode, ClientCertificate: db.ClientCertificate}
}

// --- DNS ---

// The DNS rows of the hosts; the valid hosts are kept under the same names (evaluator.hosts) for the
// flows and the values.
const (
	itemWebUIHost = "Web UI host"
	itemAPIHost   = "Control Plane API host"
)

func workspaceHostItem(name string) string { return fmt.Sprintf("Workspace %q host", name) }

func (e *evaluator) hostRow(label, host string) bool {
	h, err := e.private.ParseHost(host)
	if err != nil {
		e.add(SectionDNS, label, Fail, "%s", err)
		return false
	}
	e.hostLabels = append(e.hostLabels, label)
	e.hosts[label] = h
	e.add(SectionDNS, label, OK, "%s", h.Name)
	return true
}

func (e *evaluator) dns() {
	private, err := checks.NewPrivateDomains(e.spec.PrivateDomains...)
	e.private = private
	if err != nil {
		e.add(SectionDNS, "Private domains", Fail, "%s", err)
	}
	cp := e.spec.ControlPlane
	complete := err == nil
	layout := checks.EndpointLayout{Scenario: e.scenario, PrivateDomains: e.spec.PrivateDomains, WorkspaceHosts: map[string]checks.HostValue{}}
	if e.hybrid() {
		for _, f := range []struct{ label, host, attr string }{
			{itemWebUIHost, hostOf(cp, false), "control_plane.host"},
			{itemAPIHost, hostOf(cp, true), "control_plane.api_host"},
		} {
			if f.host != "" {
				e.add(SectionDNS, f.label, Fail, "%s = %q: in the hybrid scenario ZenML serves the Control Plane on its own domain; remove %s", f.attr, f.host, f.attr)
				complete = false
			} else {
				e.add(SectionDNS, f.label, NotApplicable, "ZenML serves the Control Plane and its Web UI")
			}
		}
	} else {
		if web := hostOf(cp, false); web == "" {
			e.add(SectionDNS, itemWebUIHost, Missing, "not given: set control_plane.host, e.g. %q", checks.ExampleHost)
			complete = false
		} else if e.hostRow(itemWebUIHost, web) {
			layout.WebUIHost = checks.GivenHost(web)
		} else {
			complete = false
		}
		if api := hostOf(cp, true); api == "" {
			if web := hostOf(cp, false); web != "" {
				e.add(SectionDNS, itemAPIHost, OK, "path routing: the API is served at https://%s/api/v1", web)
			} else {
				e.add(SectionDNS, itemAPIHost, OK, "path routing under the Web UI host (…/api/v1)")
			}
		} else if h, err := e.private.ParseHost(api); err != nil {
			e.add(SectionDNS, itemAPIHost, Fail, "%s", err)
			complete = false
		} else {
			e.hostLabels = append(e.hostLabels, itemAPIHost)
			e.hosts[itemAPIHost] = h
			layout.ControlPlaneAPIHost = checks.GivenHost(api)
			e.add(SectionDNS, itemAPIHost, Warn,
				"%s: the zenml-pro chart serves the API and the Web UI on one ingress host (zenml.ingress.host = the Web UI host, the API under /api/v1); "+
					"a separate API host needs routing of its own to that service", h.Name)
		}
	}
	for _, name := range e.workspaceNames() {
		label := workspaceHostItem(name)
		host := e.spec.Workspaces[name].Host
		if host == "" {
			e.add(SectionDNS, label, Missing, "not given: set workspaces[%q].host, e.g. %q", name, checks.RoleWorkspace.ExampleHost())
			complete = false
			continue
		}
		if !e.hostRow(label, host) {
			complete = false
			continue
		}
		layout.WorkspaceHosts[name] = checks.GivenHost(host)
	}

	// Unique hosts.
	byHost := map[string]string{}
	var dups []string
	for _, label := range e.hostLabels {
		h := e.hosts[label].Name
		if prev, ok := byHost[h]; ok {
			dups = append(dups, fmt.Sprintf("%s and %s are both %q", prev, label, h))
			continue
		}
		byHost[h] = label
	}
	if len(dups) > 0 {
		e.add(SectionDNS, "Unique hosts", Fail, "%s: every endpoint needs a host of its own (the API may instead share the Web UI host by path routing: leave control_plane.api_host out)", strings.Join(dups, "; "))
		complete = false
	} else if len(e.hostLabels) > 1 {
		e.add(SectionDNS, "Unique hosts", OK, "%d hosts, all different", len(e.hostLabels))
	}
	if !complete || len(layout.WorkspaceHosts) == 0 {
		return
	}
	ep, err := layout.Plan()
	if err != nil {
		e.add(SectionDNS, "Endpoint layout", Fail, "%s", err)
		return
	}
	e.endpoints = &ep
	switch {
	case e.hybrid():
		e.add(SectionDNS, "Cookies and CORS", OK,
			"ZenML's Control Plane is on ZenML's domain, so the browser's calls to the workspaces are cross-site; the workspace chart's pro settings allow ZenML's Web UI")
	case ep.NeedsCORS:
		e.add(SectionDNS, "Cookies and CORS", Warn,
			"the hosts share no parent domain: the authentication cookie cannot be shared, so CORS and cookie settings must be configured by hand; hosts under one parent domain (e.g. *.ml.example.com) avoid this")
	case ep.CookieDomain != "":
		e.add(SectionDNS, "Cookies and CORS", OK, "all hosts are under %s: the Control Plane's authCookieDomain is %s", ep.CookieDomain, ep.CookieDomain)
	default:
		e.add(SectionDNS, "Cookies and CORS", OK, "one host: no cookie domain needed")
	}
}

func hostOf(cp *ControlPlane, api bool) string {
	if cp == nil {
		return ""
	}
	if api {
		return cp.APIHost
	}
	return cp.Host
}

// --- TLS ---

func (e *evaluator) tls() {
	t := e.spec.TLS
	if t == nil {
		t = &TLS{}
	}
	switch t.Management {
	case "":
		e.add(SectionTLS, "Certificate management", Missing, "not decided: set tls.management to %s", strings.Join(Managements(), ", "))
	case ManagementManual:
		e.add(SectionTLS, "Certificate management", OK, "manual: the certificate is put into the Kubernetes TLS secret %q and renewed by hand", tlsSecretName(t))
	case ManagementCertManager:
		e.add(SectionTLS, "Certificate management", OK, "cert-manager issues the certificate into the Kubernetes TLS secret %q (annotate the ingresses with the issuer)", tlsSecretName(t))
	case ManagementCloud:
		e.add(SectionTLS, "Certificate management", OK, "the cloud's load balancer terminates TLS with a certificate it manages; the ingresses serve plain HTTP behind it")
	default:
		e.add(SectionTLS, "Certificate management", Fail, "%q is not a management mode: use %s", t.Management, strings.Join(Managements(), ", "))
	}

	var hostnames []string
	for _, label := range e.hostLabels {
		hostnames = append(hostnames, e.hosts[label].Name)
	}
	if t.CACertificatePEM != "" {
		if cas, err := checks.ParseCACertificates(t.CACertificatePEM); err != nil {
			e.add(SectionTLS, "CA certificate", Fail, "tls.ca_certificate_pem: %s", err)
		} else {
			e.customCAs = []helmvalues.CustomCA{{Name: "zenml-ca", Certificate: strings.TrimSpace(t.CACertificatePEM) + "\n"}}
			e.add(SectionTLS, "CA certificate", OK,
				"%d CA certificate(s) given: the workspace servers trust it (certificates.customCAs), the Control Plane once set by hand (its Helm values row); "+
					"install it on the clients and in the pipeline images too", len(cas))
		}
	}
	if t.CertificateChainPEM == "" {
		switch t.Management {
		case ManagementCertManager, ManagementCloud:
			e.add(SectionTLS, "Certificate", NotApplicable,
				"issued at deployment by %s; check it afterwards with data.zenmlpro_tls_certificate", map[string]string{ManagementCertManager: "cert-manager", ManagementCloud: "the cloud"}[t.Management])
		default:
			e.add(SectionTLS, "Certificate", Missing, "not given: set tls.certificate_chain_pem to the chain (leaf first), e.g. file(%q)", checks.ExampleCertificateFile)
		}
		return
	}
	minDays := checks.DefaultMinRemainingDays
	if t.MinRemainingDays != nil {
		minDays = *t.MinRemainingDays
	}
	if len(hostnames) == 0 {
		e.add(SectionTLS, "Certificate", Missing, "no valid host given yet, so there is nothing to check the certificate against")
		return
	}
	rep, err := checks.CheckCertificate(t.CertificateChainPEM, t.CACertificatePEM, hostnames, minDays, e.now)
	if err != nil {
		e.add(SectionTLS, "Certificate", Fail, "%s", err)
		return
	}
	kind := "public CA"
	switch {
	case rep.SelfSigned:
		kind = "self-signed"
	case t.CACertificatePEM != "":
		kind = "private CA"
	}
	wildcard := "no (individual names)"
	for _, n := range rep.DNSNames {
		if strings.HasPrefix(n, "*.") {
			wildcard = "yes (" + n + ")"
			break
		}
	}
	e.add(SectionTLS, "Certificate", OK, "%s; issued by %s; type: %s; wildcard: %s", rep.Subject, rep.Issuer, kind, wildcard)
	byHost := map[string]checks.CertificateProblem{}
	var others []checks.CertificateProblem
	for _, p := range rep.Problems {
		if p.Check == checks.CertificateCoverage {
			byHost[p.Host] = p
		} else {
			others = append(others, p)
		}
	}
	for _, label := range e.hostLabels {
		h := e.hosts[label].Name
		if p, bad := byHost[h]; bad || !rep.Covers[h] {
			e.add(SectionTLS, "Covers "+h, Fail, "%s", p.Detail)
		} else {
			e.add(SectionTLS, "Covers "+h, OK, "the certificate covers %s (%s)", h, label)
		}
	}
	chainOK, validOK := true, true
	for _, p := range others {
		switch p.Check {
		case checks.CertificateChain:
			chainOK = false
			e.add(SectionTLS, "Chains to the CA", Fail, "%s", p.Detail)
		case checks.CertificateNotYetValid:
			validOK = false
			e.add(SectionTLS, "Validity", Fail, "%s", p.Detail)
		case checks.CertificateExpiry:
			validOK = false
			st := t.ExpiringStatus
			if st != Warn {
				st = Fail
			}
			if rep.RemainingDays < 0 {
				st = Fail
			}
			e.add(SectionTLS, "Validity", st, "%s", p.Detail)
		case checks.CertificateKey:
			e.add(SectionTLS, "Key strength", Fail, "%s", p.Detail)
		}
	}
	if chainOK {
		to := "the system roots"
		if t.CACertificatePEM != "" {
			to = "the given CA"
		}
		e.add(SectionTLS, "Chains to the CA", OK, "the chain verifies up to %s", to)
	}
	if validOK {
		e.add(SectionTLS, "Validity", OK, "valid until %s: %d days left (at least %d required)", rep.NotAfter.UTC().Format(time.RFC3339), rep.RemainingDays, minDays)
	}
}

func tlsSecretName(t *TLS) string {
	if t.SecretName != "" {
		return t.SecretName
	}
	return DefaultTLSSecretName
}

// --- Registry ---

func (e *evaluator) registry() {
	r := e.spec.Registry
	if r == nil {
		r = &Registry{}
	}
	src := images.Source(r.ImageSource)
	sourceOK := false
	switch r.ImageSource {
	case "":
		e.add(SectionRegistry, "Image source", Missing, "not decided: set registry.image_source to %s", strings.Join(images.SourceNames(), ", "))
	default:
		if _, err := images.ParseSource(r.ImageSource); err != nil {
			e.add(SectionRegistry, "Image source", Fail, "%s", err)
		} else if e.spec.AirGapped && src.ZenML() {
			e.add(SectionRegistry, "Image source", Fail,
				"%s, but the deployment is air-gapped and cannot reach it: copy the images into the internal registry (zenmlpro_offline_bundle, zenmlpro_image_mirror) and set image_source = %q",
				src.Title(), images.SourcePrivate)
		} else {
			sourceOK = true
			e.add(SectionRegistry, "Image source", OK, "%s", src.Title())
		}
	}

	registryOK := sourceOK
	switch {
	case !sourceOK:
	case src == images.SourcePrivate && r.URL == "":
		registryOK = false
		e.add(SectionRegistry, "Registry URL", Missing, "not given: set registry.url to the internal registry and path, e.g. %q", "harbor.internal.example.com/zenml")
	default:
		if err := images.CheckRegistryUse(src, r.URL); err != nil {
			registryOK = false
			e.add(SectionRegistry, "Registry URL", Fail, "%s", err)
		} else if src == images.SourcePrivate {
			if _, err := images.ParseRegistry(r.URL); err != nil {
				registryOK = false
				e.add(SectionRegistry, "Registry URL", Fail, "%s", err)
			} else {
				e.add(SectionRegistry, "Registry URL", OK, "%s", r.URL)
			}
		} else {
			e.add(SectionRegistry, "Registry URL", NotApplicable, "images come from %s", src.Title())
		}
	}

	e.auth(r, src, sourceOK)
	if registryOK {
		e.imageRows(r, src)
	} else {
		e.add(SectionRegistry, "Image URIs", Missing, "cannot be built before the image source (and, for a private registry, its URL) is decided")
	}
}

func (e *evaluator) auth(r *Registry, src images.Source, sourceOK bool) {
	switch r.AuthMethod {
	case "":
		e.add(SectionRegistry, "Authentication method", Missing, "not decided: set registry.auth_method to %s", strings.Join(AuthMethods(), ", "))
		return
	case AuthAWSIAMRole, AuthGCPServiceAccount, AuthDockerCredentials:
	default:
		e.add(SectionRegistry, "Authentication method", Fail, "%q is not an authentication method: use %s", r.AuthMethod, strings.Join(AuthMethods(), ", "))
		return
	}
	switch {
	case sourceOK && src == images.SourceZenMLAWS && r.AuthMethod == AuthGCPServiceAccount,
		sourceOK && src == images.SourceZenMLGCP && r.AuthMethod == AuthAWSIAMRole:
		e.add(SectionRegistry, "Authentication method", Fail, "%s does not accept %s: ZenML grants its AWS ECR to IAM roles and its Artifact Registry to GCP service accounts (or issues Docker credentials)",
			src.Title(), r.AuthMethod)
		return
	}
	e.add(SectionRegistry, "Authentication method", OK, "%s", r.AuthMethod)

	// The principal. A Workload Identity member is a pod identity even when the workload is not said.
	workload := r.Workload
	switch r.AuthMethod {
	case AuthDockerCredentials:
		e.add(SectionRegistry, "IAM role ARN / service account", NotApplicable, "Docker credentials: no cloud identity is granted")
		if r.PullSecretName == "" {
			e.add(SectionRegistry, "Registry credentials", Missing,
				"not given: set registry.pull_secret_name to the Kubernetes secret (type kubernetes.io/dockerconfigjson) that holds them, e.g. from ephemeral.zenmlpro_registry_credentials")
		} else if err := checks.CheckSecretName(r.PullSecretName); err != nil {
			e.add(SectionRegistry, "Registry credentials", Fail, "registry.pull_secret_name: %s", err)
		} else {
			e.add(SectionRegistry, "Registry credentials", OK, "the charts pull with the Kubernetes secret %q (imagePullSecrets); the username and password stay in that secret", r.PullSecretName)
		}
		e.res.PulledBy = accessrequest.DockerCredentials.Puller(false)
		e.add(SectionRegistry, "Identity that pulls images", OK, "%s", e.res.PulledBy)
		return
	case AuthAWSIAMRole:
		if r.Principal == "" {
			e.add(SectionRegistry, "IAM role ARN / service account", Missing, "not given: set registry.principal to the IAM role ARN, e.g. %q", principal.ExampleAWSRoleARN)
		} else if _, err := principal.ParseAWSRoleARN(r.Principal); err != nil {
			e.add(SectionRegistry, "IAM role ARN / service account", Fail, "registry.principal: %s", err)
		} else {
			e.add(SectionRegistry, "IAM role ARN / service account", OK, "%s", r.Principal)
		}
	case AuthGCPServiceAccount:
		if r.Principal == "" {
			e.add(SectionRegistry, "IAM role ARN / service account", Missing, "not given: set registry.principal to the service account e-mail, e.g. %q", principal.ExampleGCPServiceAccount)
		} else if _, err := principal.ParseGCPServiceAccount(r.Principal); err == nil {
			e.add(SectionRegistry, "IAM role ARN / service account", OK, "%s", r.Principal)
		} else if _, wiErr := principal.ParseWorkloadIdentityMember(r.Principal); wiErr == nil {
			e.add(SectionRegistry, "IAM role ARN / service account", OK, "%s (a Workload Identity member: a pod identity)", r.Principal)
			if workload == "" {
				workload = string(accessrequest.GKEWorkloadIdentity)
			}
		} else {
			e.add(SectionRegistry, "IAM role ARN / service account", Fail, "registry.principal: %s", err)
		}
	}
	if r.PullSecretName != "" {
		if err := checks.CheckSecretName(r.PullSecretName); err != nil {
			e.add(SectionRegistry, "Registry credentials", Fail, "registry.pull_secret_name: %s", err)
		} else {
			e.add(SectionRegistry, "Registry credentials", OK, "the charts also pull with the Kubernetes secret %q (imagePullSecrets)", r.PullSecretName)
		}
	}

	// Who pulls.
	if workload == "" {
		e.add(SectionRegistry, "Identity that pulls images", Warn,
			"not said: set registry.workload (e.g. %q) so the checklist can tell whether the principal is the identity that pulls; on Kubernetes the kubelet pulls with the node's identity",
			accessrequest.EKSNodeRole)
		return
	}
	w := accessrequest.Workload(workload)
	known := false
	for _, x := range accessrequest.Workloads() {
		known = known || x == w
	}
	switch {
	case !known:
		e.add(SectionRegistry, "Identity that pulls images", Fail, "%q is not a workload: use one of %s", workload, strings.Join(accessrequest.WorkloadNames(), ", "))
		return
	case w == accessrequest.DockerCredentials || w.AWS() != (r.AuthMethod == AuthAWSIAMRole):
		e.add(SectionRegistry, "Identity that pulls images", Fail, "workload %q (%s) does not pull with %s", workload, w.Title(), r.AuthMethod)
		return
	}
	e.res.PulledBy = w.Puller(r.KubeletUsesPodIdentity)
	if w.PodIdentity() && !r.KubeletUsesPodIdentity {
		e.add(SectionRegistry, "Identity that pulls images", Warn,
			"%s: the principal is a pod identity (%s), but images are pulled by %s. Grant the node identity too (workload %q), or set registry.kubelet_uses_pod_identity = true if the kubelet's credential provider uses the pods' service account tokens (Kubernetes 1.33+)",
			w.Title(), workload, e.res.PulledBy, w.NodeWorkload())
		return
	}
	e.add(SectionRegistry, "Identity that pulls images", OK, "%s", e.res.PulledBy)
}

func (e *evaluator) imageRows(r *Registry, src images.Source) {
	used := map[string]bool{}
	build := func(c images.Component, version string) (images.Image, bool) {
		img, err := images.ResolveImage(e.cat, images.ImageSpec{Component: c, Version: version, Source: src, Registry: r.URL})
		if err != nil {
			e.add(SectionRegistry, c.Title()+" image", Fail, "%s", err)
			return images.Image{}, false
		}
		key := img.Repository + ":" + img.Tag
		if d, ok := r.Digests[key]; ok {
			used[key] = true
			if err := images.ParseDigest(d); err != nil {
				e.add(SectionRegistry, c.Title()+" image", Fail, "registry.digests[%q]: %s", key, err)
				return images.Image{}, false
			}
			img, _ = images.ResolveImage(e.cat, images.ImageSpec{Component: c, Version: version, Source: src, Registry: r.URL, Digest: d})
		}
		return img, true
	}
	row := func(img images.Image, workspaces []string) {
		item := img.Component.Title() + " image"
		if len(workspaces) > 0 {
			item = fmt.Sprintf("%s image %s", img.Component.Title(), img.Tag)
		}
		if img.Digest == "" {
			e.add(SectionRegistry, item, OK, "%s (not pinned: add its digest to registry.digests, e.g. from data.zenmlpro_image with resolve_digest = true)", img.URI)
		} else {
			e.add(SectionRegistry, item, OK, "%s", img.URI)
		}
		e.res.Images = append(e.res.Images, ImageRow{Component: string(img.Component), Workspaces: workspaces, Version: img.Tag, URI: img.URI, Digest: img.Digest})
	}
	if !e.hybrid() && e.cpVersionOK {
		for _, c := range []images.Component{images.ControlPlaneAPI, images.ControlPlaneDashboard} {
			if img, ok := build(c, e.spec.ControlPlane.Version); ok {
				e.cpImages[c] = img
				row(img, nil)
			}
		}
	}
	byVersion := map[string][]string{}
	for _, name := range e.workspaceNames() {
		if e.wsVersionOK[name] {
			v := e.spec.Workspaces[name].Version
			byVersion[v] = append(byVersion[v], name)
		}
	}
	versions := make([]string, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	for _, v := range versions {
		if img, ok := build(images.WorkspaceServer, v); ok {
			e.wsImages[v] = img
			row(img, byVersion[v])
		}
	}
	var unused []string
	for k := range r.Digests {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		e.add(SectionRegistry, "Digests", Warn, "registry.digests names images the deployment does not run: %s (keys are \"<repository>:<tag>\", as data.zenmlpro_image's repository and tag)",
			strings.Join(unused, ", "))
	}
}

// --- SSO ---

func (e *evaluator) sso() {
	if e.hybrid() {
		e.add(SectionSSO, "Single sign-on", NotApplicable, "ZenML runs the Control Plane and its login")
		return
	}
	var s *SSO
	if e.spec.ControlPlane != nil {
		s = e.spec.ControlPlane.SSO
	}
	if s == nil || !s.Enabled {
		e.add(SectionSSO, "Single sign-on", OK, "not enabled: local accounts; set zenml.auth.password.adminPassword with set_sensitive")
		return
	}
	e.add(SectionSSO, "Single sign-on", OK, "enabled (any OIDC provider; scopes openid, email and profile)")
	switch s.OIDCConfigurationEndpoint {
	case "":
		e.add(SectionSSO, "OIDC configuration endpoint", Missing, "not given: the identity provider's discovery URL, e.g. %q", "https://login.example.com/.well-known/openid-configuration")
	default:
		u, err := url.Parse(s.OIDCConfigurationEndpoint)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			e.add(SectionSSO, "OIDC configuration endpoint", Fail, "%q is not an https URL; give the identity provider's discovery URL, e.g. %q",
				s.OIDCConfigurationEndpoint, "https://login.example.com/.well-known/openid-configuration")
		} else {
			e.add(SectionSSO, "OIDC configuration endpoint", OK, "%s", s.OIDCConfigurationEndpoint)
		}
	}
	if s.ClientID == "" {
		e.add(SectionSSO, "Client ID", Missing, "not given: the client ID of the OIDC application registered for ZenML Pro")
	} else {
		e.add(SectionSSO, "Client ID", OK, "%s; set the client secret (zenml.auth.sso.clientSecret) with set_sensitive", s.ClientID)
	}
	if web := hostOf(e.spec.ControlPlane, false); web != "" {
		e.add(SectionSSO, "Redirect URIs", OK, "register https://%s/api/auth/callback and, for logout, https://%s/api/auth/logout-complete at the identity provider", web, web)
	} else {
		e.add(SectionSSO, "Redirect URIs", Missing, "follow from the Web UI host, which is not given yet")
	}
}
