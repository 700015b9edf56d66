// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package deploycheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/prerequisites"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// Sections and items of the checklist.
const (
	SectionControlPlane = "Control Plane"
	// SectionDeployment holds the row of a spec that declares no server.
	SectionDeployment = "Deployment"

	ItemServers        = "Servers"
	ItemReachable      = "Reachable"
	ItemTLS            = "TLS"
	ItemVersion        = "Version"
	ItemServerInfo     = "Server information"
	ItemDeploymentType = "Deployment type"
	ItemCompatibility  = "Compatibility with the Control Plane"
	ItemWorkspaceID    = "Workspace ID"
	ItemOrganizationID = "Organization ID"
	ItemServerURL      = "Server URL"
	ItemProAPIURL      = "Pro API URL"
)

// ProDeploymentType is the deployment_type a ZenML Pro workspace server reports.
const ProDeploymentType = "cloud"

// WorkspaceSection is the section of a workspace's rows.
func WorkspaceSection(key string) string { return fmt.Sprintf("Workspace %q", key) }

// Row is one line of the checklist.
type Row = prerequisites.Row

// Server is what reading one server showed. Its strings are "" when the server did not report them.
type Server struct {
	// URL is the URL read: the declared one without a trailing slash.
	URL string
	// Reachable: GET /health answered 2xx.
	Reachable bool
	// TLSVerified is whether the certificate verified, for https; nil for plain http.
	TLSVerified *bool
	// Read from GET /api/v1/info of a workspace server; the Control Plane reports none of them.
	Version        string
	DeploymentType string
	ServerURL      string
	ProAPIURL      string
	OrganizationID string
	WorkspaceID    string
	// Error is the first failure reading the server, in words; "" when there was none.
	Error string
}

// Result is the checklist and what each server showed.
type Result struct {
	Rows []Row
	// OK is true when no row is Fail or Missing.
	OK bool
	// Servers by ControlPlaneKey and workspace key.
	Servers map[string]Server
	// Report is the checklist as a Markdown document.
	Report string
}

// Counts returns how many rows have each status.
func (r Result) Counts() map[Status]int {
	out := map[Status]int{}
	for _, row := range r.Rows {
		out[row.Status]++
	}
	return out
}

// Options are what a check needs besides the spec.
type Options struct {
	// Catalog judges compatibility; nil is the embedded one.
	Catalog *releases.Catalog
	// Dial, when set, opens every connection instead of the system's dialer and proxy, e.g. to send a
	// test's hosts to local servers.
	Dial DialFunc
}

// Check reads every declared server at the same time, within spec.Timeout for the whole check, and
// judges what they answered. It never fails: what could not be read is a row.
func Check(ctx context.Context, spec Spec, opts Options) Result {
	limit := spec.Timeout
	if limit <= 0 {
		limit = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	keys := workspaceKeys(spec)
	var cp observation
	ws := make([]observation, len(keys))
	var wg sync.WaitGroup
	if spec.ControlPlane != nil {
		wg.Go(func() { cp = observe(ctx, spec.ControlPlane.URL, spec.CACertificatePEM, opts.Dial, false) })
	}
	for i, k := range keys {
		wg.Go(func() { ws[i] = observe(ctx, spec.Workspaces[k].URL, spec.CACertificatePEM, opts.Dial, true) })
	}
	wg.Wait()

	obs := make(map[string]observation, len(keys))
	for i, k := range keys {
		obs[k] = ws[i]
	}
	return judge(spec, opts.Catalog, limit, cp, obs)
}

func workspaceKeys(spec Spec) []string {
	keys := make([]string, 0, len(spec.Workspaces))
	for k := range spec.Workspaces {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// judger turns observations into rows.
type judger struct {
	spec  Spec
	cat   *releases.Catalog
	limit time.Duration
	res   Result
}

func (j *judger) add(section, item string, status Status, format string, args ...any) {
	j.res.Rows = append(j.res.Rows, Row{Section: section, Item: item, Status: status, Detail: fmt.Sprintf(format, args...)})
}

// judge makes the result from the observations of the Control Plane (when declared) and of the
// workspaces by key.
func judge(spec Spec, cat *releases.Catalog, limit time.Duration, cp observation, ws map[string]observation) Result {
	if cat == nil {
		cat = releases.Embedded()
	}
	j := &judger{spec: spec, cat: cat, limit: limit, res: Result{Servers: map[string]Server{}}}
	if spec.ControlPlane == nil && len(spec.Workspaces) == 0 {
		j.add(SectionDeployment, ItemServers, Missing,
			"nothing declared: give control_plane, workspaces or both, e.g. control_plane = { url = %q }", controlplane.ExampleURL)
	}
	if spec.ControlPlane != nil {
		j.controlPlane(cp)
	}
	for _, k := range workspaceKeys(spec) {
		j.workspace(k, ws[k])
	}
	j.res.OK = true
	for _, r := range j.res.Rows {
		if r.Status == Fail || r.Status == Missing {
			j.res.OK = false
		}
	}
	j.res.Report = report(j.res)
	return j.res
}

func (j *judger) controlPlane(o observation) {
	cp := j.spec.ControlPlane
	s := SectionControlPlane
	j.reachable(s, o)
	j.tlsRow(s, o)
	if cp.Version != "" {
		j.add(s, ItemVersion, NotApplicable, "not checked: no public endpoint of the Control Plane reports its version; the declared %s "+
			"is taken as it is for the workspaces' compatibility rows", cp.Version)
	} else {
		j.add(s, ItemVersion, NotApplicable, "not checked: no public endpoint of the Control Plane reports its version, and none is declared "+
			"(declare control_plane.version to judge the workspaces' compatibility with it)")
	}
	j.res.Servers[ControlPlaneKey] = j.server(cp.URL, o)
}

func (j *judger) workspace(key string, o observation) {
	w := j.spec.Workspaces[key]
	s := WorkspaceSection(key)
	input := func(field string) string { return fmt.Sprintf("workspaces[%q].%s", key, field) }
	j.reachable(s, o)
	j.tlsRow(s, o)

	info := o.info
	switch {
	case !o.infoTried:
		j.add(s, ItemServerInfo, Missing, "not read: GET /health got no answer (see %s)", ItemReachable)
	case o.infoErr != nil:
		j.add(s, ItemServerInfo, Fail, "GET %s: %s", endpoint(o, "/api/v1/info"), j.describe(o.infoErr, o.url.Host))
	default:
		j.add(s, ItemServerInfo, OK, "ZenML %s, deployment type %q, database %s, auth scheme %s",
			orNone(info.Version), info.DeploymentType, orNone(info.DatabaseType), orNone(info.AuthScheme))
	}
	const notRead = "not known: the server information (GET /api/v1/info) could not be read (see " + ItemServerInfo + ")"

	// Version.
	switch {
	case w.Version == "" && info != nil:
		j.add(s, ItemVersion, NotApplicable, "runs %s; no version declared (declare %s to check it)", orNone(info.Version), input("version"))
	case w.Version == "":
		j.add(s, ItemVersion, NotApplicable, "no version declared (declare %s to check it)", input("version"))
	case info == nil:
		j.add(s, ItemVersion, Missing, "%s; %s is declared", notRead, w.Version)
	case info.Version == w.Version:
		j.add(s, ItemVersion, OK, "runs %s, as declared", w.Version)
	default:
		j.add(s, ItemVersion, Fail, "runs %s, but %s is declared (%s): the chart deployed another image tag, or the upgrade has not "+
			"rolled out yet (check the image of the workspace server's pods)", orNone(info.Version), w.Version, input("version"))
	}

	// Deployment type.
	switch {
	case info == nil:
		j.add(s, ItemDeploymentType, Missing, "%s", notRead)
	case info.DeploymentType == ProDeploymentType:
		j.add(s, ItemDeploymentType, OK, "%q: the server runs as a ZenML Pro workspace", info.DeploymentType)
	default:
		j.add(s, ItemDeploymentType, Fail, "%q, not %q: the server does not run as a ZenML Pro workspace (a ZenML Pro workspace server "+
			"reports %q); check the Pro settings of the workspace chart and the enrollment", info.DeploymentType, ProDeploymentType, ProDeploymentType)
	}

	j.compatibility(s, info)
	j.id(s, ItemWorkspaceID, "pro_workspace_id", input("workspace_id"), w.WorkspaceID, info, func(i *controlplane.ServerInfo) *string { return i.ProWorkspaceID })
	j.id(s, ItemOrganizationID, "pro_organization_id", input("organization_id"), w.OrganizationID, info,
		func(i *controlplane.ServerInfo) *string { return i.ProOrganizationID })

	// Server URL.
	declared := strings.TrimRight(strings.TrimSpace(w.URL), "/")
	switch {
	case info == nil:
		j.add(s, ItemServerURL, Missing, "%s", notRead)
	case value(info.ServerURL) == "":
		j.add(s, ItemServerURL, Warn, "the server reports no server_url: clients then use the URL they connect with; set the workspace "+
			"chart's serverURL to %s", declared)
	case normalizeURL(value(info.ServerURL)) == normalizeURL(w.URL):
		j.add(s, ItemServerURL, OK, "the server reports %s, the declared url", value(info.ServerURL))
	default:
		j.add(s, ItemServerURL, Fail, "the server reports server_url %s, but the declared url is %s (%s): the server sends clients and "+
			"the dashboard to the URL it reports; set the workspace chart's serverURL to %s, or correct %s",
			value(info.ServerURL), declared, input("url"), declared, input("url"))
	}

	// Pro API URL.
	cp := j.spec.ControlPlane
	switch {
	case cp == nil && info != nil:
		j.add(s, ItemProAPIURL, NotApplicable, "the server reports %s; no control_plane is declared to compare it with", orNone(value(info.ProAPIURL)))
	case cp == nil:
		j.add(s, ItemProAPIURL, NotApplicable, "no control_plane is declared to compare it with")
	case info == nil:
		j.add(s, ItemProAPIURL, Missing, "%s", notRead)
	default:
		want := normalizeURL(cp.URL) + "/api/v1"
		got := value(info.ProAPIURL)
		switch {
		case got == "":
			j.add(s, ItemProAPIURL, Fail, "the server reports no pro_api_url: it does not know the declared Control Plane's API, %s "+
				"(set the Pro API URL of the workspace chart, and enrol the workspace)", want)
		case normalizeURL(got) == want:
			j.add(s, ItemProAPIURL, OK, "the server reports %s, the declared Control Plane's API", got)
		default:
			j.add(s, ItemProAPIURL, Fail, "the server reports pro_api_url %s, but the declared Control Plane serves its API at %s: the "+
				"workspace talks to another Control Plane, or the Pro API URL of its chart is wrong", got, want)
		}
	}

	srv := j.server(w.URL, o)
	if info != nil {
		srv.Version, srv.DeploymentType = info.Version, info.DeploymentType
		srv.ServerURL, srv.ProAPIURL = value(info.ServerURL), value(info.ProAPIURL)
		srv.OrganizationID, srv.WorkspaceID = value(info.ProOrganizationID), value(info.ProWorkspaceID)
	}
	j.res.Servers[key] = srv
}

// compatibility judges the version a workspace server reports with the Control Plane's declared one.
func (j *judger) compatibility(s string, info *controlplane.ServerInfo) {
	cp := j.spec.ControlPlane
	switch {
	case cp == nil || cp.Version == "":
		j.add(s, ItemCompatibility, NotApplicable, "no Control Plane version declared (control_plane.version): compatibility is not judged")
		return
	case info == nil:
		j.add(s, ItemCompatibility, Missing, "not known: the server information (GET /api/v1/info) could not be read (see %s)", ItemServerInfo)
		return
	case info.Version == "":
		j.add(s, ItemCompatibility, Missing, "not known: the server reports no version")
		return
	}
	chk, err := j.cat.Compatible(cp.Version, info.Version)
	switch {
	case err != nil:
		j.add(s, ItemCompatibility, Warn, "Workspace Server %s (what the server reports) with Control Plane %s (declared) cannot be judged: %s",
			info.Version, cp.Version, strings.TrimSuffix(err.Error(), "."))
	case chk.Compatible:
		j.add(s, ItemCompatibility, OK, "Workspace Server %s (what the server reports) with Control Plane %s (declared): %s",
			info.Version, cp.Version, strings.Join(chk.Reasons, "; "))
	default:
		j.add(s, ItemCompatibility, Fail, "Workspace Server %s (what the server reports) with Control Plane %s (declared): %s",
			info.Version, cp.Version, strings.Join(chk.Reasons, "; "))
	}
}

// id compares an ID the server reports with the declared one (UUIDs compare without case).
func (j *judger) id(s, item, field, input, declared string, info *controlplane.ServerInfo, get func(*controlplane.ServerInfo) *string) {
	switch {
	case declared == "" && info != nil:
		j.add(s, item, NotApplicable, "the server reports %s; none declared (declare %s to check it)", orNone(value(get(info))), input)
	case declared == "":
		j.add(s, item, NotApplicable, "none declared (declare %s to check it)", input)
	case info == nil:
		j.add(s, item, Missing, "not known: the server information (GET /api/v1/info) could not be read (see %s); %s is declared", ItemServerInfo, declared)
	case value(get(info)) == "":
		j.add(s, item, Fail, "the server reports no %s, but %s is declared (%s): the server is not enrolled, or its chart values lack the ID",
			field, declared, input)
	case strings.EqualFold(value(get(info)), declared):
		j.add(s, item, OK, "the server reports %s, as declared", value(get(info)))
	default:
		j.add(s, item, Fail, "the server reports %s %s, but %s is declared (%s): the server runs with another enrollment's values",
			field, value(get(info)), declared, input)
	}
}

// reachable is the row of GET /health.
func (j *judger) reachable(s string, o observation) {
	switch {
	case o.urlErr != nil:
		j.add(s, ItemReachable, Fail, "not read: %s", strings.TrimSuffix(o.urlErr.Error(), "."))
		return
	case o.health == nil:
		j.add(s, ItemReachable, OK, "GET %s answered 2xx: the server runs", endpoint(o, "/health"))
		return
	}
	var api *controlplane.APIError
	if errors.As(o.health, &api) {
		detail := ""
		if api.Detail != "" {
			detail = " (" + api.Detail + ")"
		}
		j.add(s, ItemReachable, Fail, "GET %s answered HTTP %d %s%s: the server answers but does not report itself healthy; check its "+
			"pods and their logs", endpoint(o, "/health"), api.Status, http.StatusText(api.Status), detail)
		return
	}
	j.add(s, ItemReachable, Fail, "GET %s: %s", endpoint(o, "/health"), j.describe(o.health, o.url.Host))
}

// tlsRow is the row of the TLS connection: verified against the system's CAs and
// ca_certificate_pem, and valid for the host.
func (j *judger) tlsRow(s string, o observation) {
	switch {
	case o.url == nil:
		j.add(s, ItemTLS, Missing, "not checked: the URL is not valid")
	case o.url.Scheme == "http":
		j.add(s, ItemTLS, NotApplicable, "plain http to the loopback host %s: no TLS to verify", o.url.Host)
	case o.tls != nil:
		j.add(s, ItemTLS, OK, "%s", j.tlsDetail(o.url.Hostname(), o.tls))
	case o.tlsErr != nil && !isContextError(o.tlsErr):
		j.add(s, ItemTLS, Fail, "%s", j.describe(o.tlsErr, o.url.Host))
	case o.health != nil:
		j.add(s, ItemTLS, Missing, "not known: no TLS connection was made (%s)", j.describe(o.health, o.url.Host))
	default:
		j.add(s, ItemTLS, Missing, "not known: the connection's TLS state was not recorded")
	}
}

func (j *judger) tlsDetail(host string, st *tls.ConnectionState) string {
	trust := "the system's CAs"
	if strings.TrimSpace(j.spec.CACertificatePEM) != "" {
		trust = "the system's CAs and ca_certificate_pem"
	}
	if len(st.PeerCertificates) == 0 {
		return fmt.Sprintf("verified for %s against %s; %s", host, trust, tls.VersionName(st.Version))
	}
	leaf := st.PeerCertificates[0]
	root := leaf.Issuer.String()
	if len(st.VerifiedChains) > 0 && len(st.VerifiedChains[0]) > 0 {
		chain := st.VerifiedChains[0]
		root = chain[len(chain)-1].Subject.String()
	}
	return fmt.Sprintf("the certificate %q, issued by %q, is valid for %s until %s and chains to %q, trusted by %s; %s",
		leaf.Subject.String(), leaf.Issuer.String(), host, leaf.NotAfter.UTC().Format("2006-01-02"), root, trust, tls.VersionName(st.Version))
}

// describe puts a failure to read a server into words: a timeout names the limit and timeouts.read.
func (j *judger) describe(err error, host string) string {
	var record tls.RecordHeaderError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer from %s within the %s read timeout (timeouts.read): raise timeouts.read, or check that the server "+
			"runs and that nothing on the way (a firewall, a load balancer) holds the connection", host, j.limit)
	case errors.Is(err, context.Canceled):
		return fmt.Sprintf("the check was cancelled before %s answered", host)
	case errors.As(err, &record):
		return fmt.Sprintf("TLS: %s does not answer TLS on this port (it may serve plain HTTP there)", host)
	}
	return strings.TrimSuffix(controlplane.DescribeConnError(err, host), ".")
}

// server is a server's summary; the workspace fields are set by the caller.
func (j *judger) server(declared string, o observation) Server {
	srv := Server{URL: strings.TrimRight(strings.TrimSpace(declared), "/"), Reachable: o.urlErr == nil && o.health == nil}
	if o.url != nil {
		srv.URL = o.url.String()
		if o.url.Scheme == "https" {
			verified := o.tls != nil
			srv.TLSVerified = &verified
		}
	}
	switch {
	case o.urlErr != nil:
		srv.Error = o.urlErr.Error()
	case o.health != nil:
		srv.Error = fmt.Sprintf("GET %s: %s", endpoint(o, "/health"), j.describe(o.health, o.url.Host))
	case o.infoErr != nil:
		srv.Error = fmt.Sprintf("GET %s: %s", endpoint(o, "/api/v1/info"), j.describe(o.infoErr, o.url.Host))
	}
	return srv
}

func isContextError(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// endpoint is the URL of a path under a server's base URL.
func endpoint(o observation, p string) string {
	if o.url == nil {
		return p
	}
	return strings.TrimRight(o.url.String(), "/") + p
}

func value(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
