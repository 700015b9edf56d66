// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package checks

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Scenario says who runs the ZenML Pro Control Plane.
type Scenario string

const (
	// SelfHosted: you run the Control Plane (Web UI and API) and the workspace servers.
	SelfHosted Scenario = "self_hosted"
	// Hybrid: ZenML runs the Control Plane; you run the workspace servers.
	Hybrid Scenario = "hybrid"
)

// Scenarios lists the scenarios in a fixed order, the default first; validators and descriptions are
// built from it.
func Scenarios() []Scenario { return []Scenario{SelfHosted, Hybrid} }

// ScenarioNames returns the scenarios as strings.
func ScenarioNames() []string {
	out := make([]string, 0, len(Scenarios()))
	for _, s := range Scenarios() {
		out = append(out, string(s))
	}
	return out
}

// Description says in one clause what the scenario means.
func (s Scenario) Description() string {
	switch s {
	case SelfHosted:
		return "you run the Control Plane (Web UI and API) and the workspace servers"
	case Hybrid:
		return "ZenML runs the Control Plane and you run the workspace servers"
	}
	return string(s)
}

// ParseScenario accepts exactly the names returned by ScenarioNames.
func ParseScenario(s string) (Scenario, error) {
	for _, sc := range Scenarios() {
		if s == string(sc) {
			return sc, nil
		}
	}
	return "", fmt.Errorf("%q is not a scenario: use %q (%s) or %q (%s)", s, SelfHosted, SelfHosted.Description(), Hybrid, Hybrid.Description())
}

// Role is the job of an input of an endpoint layout; its value is the name of the input. Every role
// but RolePrivateDomains holds hosts.
type Role string

const (
	RoleWebUI           Role = "web_ui_host"
	RoleControlPlaneAPI Role = "control_plane_api_host"
	RoleWorkspace       Role = "workspace_hosts"
	// RolePrivateDomains holds the declared private domains (see PrivateDomains), not a host.
	RolePrivateDomains Role = PrivateDomainsInput
)

// ExampleHost is a valid host for the role, from the ZenML Pro prerequisites page's recommended layout.
func (r Role) ExampleHost() string {
	switch r {
	case RoleControlPlaneAPI:
		return "zenml-api.ml.example.com"
	case RoleWorkspace:
		return "zenml-workspace-1.ml.example.com"
	case RolePrivateDomains:
		return ExamplePrivateDomain
	}
	return ExampleHost
}

// Field is one input: the input of a role, or one workspace's entry in the workspace hosts.
type Field struct {
	Role Role
	// Entry is true for one workspace's entry (named by Workspace), false for the input as a whole.
	Entry     bool
	Workspace string
}

// WorkspaceField is the entry of one workspace in the workspace hosts.
func WorkspaceField(name string) Field {
	return Field{Role: RoleWorkspace, Entry: true, Workspace: name}
}

// String names the input as it is written in configuration: web_ui_host, workspace_hosts["ws1"].
func (f Field) String() string {
	if f.Entry {
		return fmt.Sprintf("%s[%q]", f.Role, f.Workspace)
	}
	return string(f.Role)
}

// HostState says whether a host input is set, and whether its value is known yet.
type HostState int

const (
	// HostAbsent: the input is not set.
	HostAbsent HostState = iota
	// HostGiven: the input is set and its value is known.
	HostGiven
	// HostPending: the input is set to a value that is not known yet (it is derived from something
	// created later). It may still turn out to be absent.
	HostPending
)

// HostValue is the value of one host input. The zero value is an absent input.
type HostValue struct {
	State HostState
	Host  string
}

// GivenHost is a host input set to a known value.
func GivenHost(host string) HostValue { return HostValue{State: HostGiven, Host: host} }

// PendingHost is a host input whose value is not known yet.
func PendingHost() HostValue { return HostValue{State: HostPending} }

// EndpointLayout is the configured set of ZenML Pro endpoint hosts.
type EndpointLayout struct {
	// Scenario is SelfHosted when empty.
	Scenario Scenario
	// ScenarioPending is true while the scenario is not known yet.
	ScenarioPending bool
	// WebUIHost serves the Web UI (dashboard) of the Control Plane.
	WebUIHost HostValue
	// ControlPlaneAPIHost serves the Control Plane API. Absent: the API is served on the Web UI host
	// under /api/v1 (path routing).
	ControlPlaneAPIHost HostValue
	// WorkspaceHosts maps workspace name to the host of its workspace server.
	WorkspaceHosts map[string]HostValue
	// WorkspacesPending is true while the set of workspaces itself is not known yet.
	WorkspacesPending bool
	// PrivateDomains are the declared private domains (see PrivateDomains): hosts equal to or under
	// one of them pass the known public suffix rule, and it is their registrable domain.
	PrivateDomains []string
	// PrivateDomainsPending is true while some declared private domains are not known yet.
	PrivateDomainsPending bool
}

// EndpointRule names one rule of an endpoint layout.
type EndpointRule string

// The endpoint layout rules.
const (
	EndpointRuleHost             EndpointRule = "valid hostname"
	EndpointRuleWorkspaceName    EndpointRule = "workspace name not empty"
	EndpointRuleWebUIRequired    EndpointRule = "Web UI host required when self-hosted"
	EndpointRuleHybridNoCP       EndpointRule = "no Control Plane hosts when hybrid"
	EndpointRuleHybridWorkspaces EndpointRule = "at least one workspace when hybrid"
	EndpointRuleUniqueHosts      EndpointRule = "unique hosts"
	EndpointRulePathRouting      EndpointRule = "path routing instead of a repeated host"
	EndpointRulePrivateDomain    EndpointRule = "valid private domain"
)

// FieldError is a broken endpoint rule, attached to the input that has to change.
type FieldError struct {
	Field Field
	Rule  EndpointRule
	// Err is the explanation; a *HostError for EndpointRuleHost, a *PrivateDomainError for
	// EndpointRulePrivateDomain.
	Err error
}

func (e *FieldError) Error() string { return e.Field.String() + ": " + e.Err.Error() }

// Unwrap returns the explanation, so that errors.As finds a *HostError.
func (e *FieldError) Unwrap() error { return e.Err }

// EndpointErrors is every broken rule of a layout, in a fixed order.
type EndpointErrors []*FieldError

func (e EndpointErrors) Error() string {
	msgs := make([]string, len(e))
	for i, fe := range e {
		msgs[i] = fe.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the entries, so that errors.Is and errors.As look into them.
func (e EndpointErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, fe := range e {
		out[i] = fe
	}
	return out
}

// ValidateWorkspaceName checks a workspace name (a key of the workspace hosts): it must not be empty
// or blank.
func ValidateWorkspaceName(name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("workspace name %q is empty or blank; name each workspace, e.g. workspace_hosts = { \"workspace-1\" = %q }",
			name, RoleWorkspace.ExampleHost())
	}
	return nil
}

// hostField is one set host input.
type hostField struct {
	Field
	HostValue
}

// fields lists the set host inputs in a fixed order: Web UI, API, workspaces by name.
func (l EndpointLayout) fields() []hostField {
	var out []hostField
	if l.WebUIHost.State != HostAbsent {
		out = append(out, hostField{Field{Role: RoleWebUI}, l.WebUIHost})
	}
	if l.ControlPlaneAPIHost.State != HostAbsent {
		out = append(out, hostField{Field{Role: RoleControlPlaneAPI}, l.ControlPlaneAPIHost})
	}
	for _, name := range sortedKeys(l.WorkspaceHosts) {
		out = append(out, hostField{WorkspaceField(name), l.WorkspaceHosts[name]})
	}
	return out
}

func (l EndpointLayout) scenario() Scenario {
	if l.Scenario == "" {
		return SelfHosted
	}
	return l.Scenario
}

// FieldProblems checks each input on its own: every known host is a valid hostname, every workspace
// has a non-empty name and a host, every declared private domain is valid. It is HostProblems followed
// by PrivateDomainProblems.
func (l EndpointLayout) FieldProblems() EndpointErrors {
	return append(l.HostProblems(), l.PrivateDomainProblems()...)
}

// HostProblems checks the host inputs and workspace names: every known host is a valid hostname,
// given the declared private domains, and every workspace has a non-empty name and a host. While the
// declared private domains are pending or some are invalid, a host is not refused for the known public
// suffix rule alone: the declaration that admits it may still come, and its problem is reported on the
// declaration.
func (l EndpointLayout) HostProblems() EndpointErrors {
	var errs EndpointErrors
	for _, name := range sortedKeys(l.WorkspaceHosts) {
		f := WorkspaceField(name)
		if err := ValidateWorkspaceName(name); err != nil {
			errs = append(errs, &FieldError{Field: f, Rule: EndpointRuleWorkspaceName, Err: err})
		}
		if l.WorkspaceHosts[name].State == HostAbsent {
			errs = append(errs, &FieldError{Field: f, Rule: EndpointRuleHost,
				Err: fmt.Errorf("workspace %q has no host; give the host of its workspace server, e.g. %q", name, RoleWorkspace.ExampleHost())})
		}
	}
	private, invalid := NewPrivateDomains(l.PrivateDomains...)
	deferSuffix := l.PrivateDomainsPending || invalid != nil
	for _, hf := range l.fields() {
		if hf.State != HostGiven {
			continue
		}
		_, err := private.ParseHost(hf.Host)
		var he *HostError
		if err == nil || deferSuffix && errors.As(err, &he) && he.Rule == HostRuleUnknownSuffix {
			continue
		}
		errs = append(errs, &FieldError{Field: hf.Field, Rule: EndpointRuleHost, Err: err})
	}
	return errs
}

// PrivateDomainProblems checks the known declared private domains (see NewPrivateDomains), one
// problem per invalid domain.
func (l EndpointLayout) PrivateDomainProblems() EndpointErrors {
	var errs EndpointErrors
	_, err := NewPrivateDomains(l.PrivateDomains...)
	var invalid PrivateDomainErrors
	if errors.As(err, &invalid) {
		for _, pe := range invalid {
			errs = append(errs, &FieldError{Field: Field{Role: RolePrivateDomains}, Rule: EndpointRulePrivateDomain, Err: pe})
		}
	}
	return errs
}

// LayoutProblems checks the rules that span inputs, as far as the known values decide them: the
// scenario's required and forbidden inputs, and that no two inputs share a host.
func (l EndpointLayout) LayoutProblems() EndpointErrors {
	var errs EndpointErrors
	add := func(f Field, rule EndpointRule, format string, args ...any) {
		errs = append(errs, &FieldError{Field: f, Rule: rule, Err: fmt.Errorf(format, args...)})
	}
	if !l.ScenarioPending {
		switch l.scenario() {
		case SelfHosted:
			if l.WebUIHost.State == HostAbsent {
				add(Field{Role: RoleWebUI}, EndpointRuleWebUIRequired,
					"%s is required when scenario is %q (%s), e.g. %s = %q; if ZenML runs the Control Plane for you, set scenario = %q",
					RoleWebUI, SelfHosted, SelfHosted.Description(), RoleWebUI, RoleWebUI.ExampleHost(), Hybrid)
			}
		case Hybrid:
			for _, f := range []struct {
				role Role
				v    HostValue
			}{{RoleWebUI, l.WebUIHost}, {RoleControlPlaneAPI, l.ControlPlaneAPIHost}} {
				if f.v.State == HostGiven {
					add(Field{Role: f.role}, EndpointRuleHybridNoCP,
						"%s must not be set when scenario is %q, because %s: only workspace hosts are yours. Remove %s (%q), or set scenario = %q if you run the Control Plane",
						f.role, Hybrid, Hybrid.Description(), f.role, f.v.Host, SelfHosted)
				}
			}
			if !l.WorkspacesPending && len(l.WorkspaceHosts) == 0 {
				add(Field{Role: RoleWorkspace}, EndpointRuleHybridWorkspaces,
					"scenario %q needs at least one workspace, because the workspace servers are the only part you run, e.g. %s = { \"workspace-1\" = %q }",
					Hybrid, RoleWorkspace, RoleWorkspace.ExampleHost())
			}
		}
	}
	first := map[string]Field{}
	for _, hf := range l.fields() {
		if hf.State != HostGiven {
			continue
		}
		prev, dup := first[hf.Host]
		if !dup {
			first[hf.Host] = hf.Field
			continue
		}
		if prev.Role == RoleWebUI && hf.Role == RoleControlPlaneAPI {
			add(hf.Field, EndpointRulePathRouting,
				"%s is the same host as %s (%q). To serve the API on the Web UI host with path routing (https://%s/api/v1), omit %s; "+
					"otherwise give the API a host of its own, e.g. %q",
				hf.Field, prev, hf.Host, hf.Host, RoleControlPlaneAPI, RoleControlPlaneAPI.ExampleHost())
			continue
		}
		add(hf.Field, EndpointRuleUniqueHosts,
			"%s and %s have the same host %q; every endpoint needs a host of its own, e.g. %q",
			prev, hf.Field, hf.Host, hf.Role.ExampleHost())
	}
	return errs
}

// Endpoints is the planned set of URLs, and what certificates and cookies need.
type Endpoints struct {
	// WebUIURL is https://<web UI host>; empty in the hybrid scenario.
	WebUIURL string
	// ControlPlaneAPIURL is https://<API host>, or https://<web UI host>/api/v1 with path routing;
	// empty in the hybrid scenario.
	ControlPlaneAPIURL string
	// WorkspaceURLs maps workspace name to https://<host>.
	WorkspaceURLs map[string]string
	// CommonParentDomain is the longest domain that every host is, or is a subdomain of, at or below
	// the registrable domain (eTLD+1, or the declared private domain); empty when there is none.
	CommonParentDomain string
	// CookieDomain is the domain the authentication cookies can be scoped to: CommonParentDomain. When
	// self-hosted it is the Control Plane's authCookieDomain; in the hybrid scenario it is still what
	// the workspace hosts share (the Control Plane, on ZenML's domain, cannot share a cookie domain with them).
	CookieDomain string
	// NeedsCORS is true when CORS and cookie settings must be configured explicitly: always in the
	// hybrid scenario, where ZenML serves the Control Plane and its Web UI from ZenML's own domain so the
	// browser's requests to the workspace servers are always cross-site, and otherwise when several
	// hosts share no parent domain.
	NeedsCORS bool
	// CertificateNames is every host, unique and sorted.
	CertificateNames []string
	// WildcardCertificate is *.<CommonParentDomain> when every host is exactly one label below it
	// (a wildcard covers one label); empty otherwise.
	WildcardCertificate string
}

// Plan checks every rule and derives the endpoints. Every value must be known. A broken rule is
// reported as EndpointErrors (all of them at once).
func (l EndpointLayout) Plan() (Endpoints, error) {
	var pending []string
	if l.ScenarioPending {
		pending = append(pending, "scenario")
	}
	if l.WorkspacesPending {
		pending = append(pending, string(RoleWorkspace))
	}
	if l.PrivateDomainsPending {
		pending = append(pending, string(RolePrivateDomains))
	}
	for _, hf := range l.fields() {
		if hf.State == HostPending {
			pending = append(pending, hf.String())
		}
	}
	if len(pending) > 0 {
		return Endpoints{}, fmt.Errorf("the endpoints cannot be planned before every value is known; not known yet: %s", strings.Join(pending, ", "))
	}
	if _, err := ParseScenario(string(l.scenario())); err != nil {
		return Endpoints{}, err
	}
	errs := l.FieldProblems()
	errs = append(errs, l.LayoutProblems()...)
	if len(errs) > 0 {
		return Endpoints{}, errs
	}

	private, err := NewPrivateDomains(l.PrivateDomains...)
	if err != nil {
		// FieldProblems has checked every declared private domain already.
		return Endpoints{}, err
	}
	var hosts []Host
	for _, hf := range l.fields() {
		h, err := private.ParseHost(hf.Host)
		if err != nil {
			// FieldProblems has parsed every host already.
			return Endpoints{}, EndpointErrors{{Field: hf.Field, Rule: EndpointRuleHost, Err: err}}
		}
		hosts = append(hosts, h)
	}

	ep := Endpoints{WorkspaceURLs: map[string]string{}}
	if l.scenario() == SelfHosted {
		ep.WebUIURL = "https://" + l.WebUIHost.Host
		if l.ControlPlaneAPIHost.State == HostGiven {
			ep.ControlPlaneAPIURL = "https://" + l.ControlPlaneAPIHost.Host
		} else {
			ep.ControlPlaneAPIURL = ep.WebUIURL + "/api/v1"
		}
	}
	for name, v := range l.WorkspaceHosts {
		ep.WorkspaceURLs[name] = "https://" + v.Host
	}
	ep.CommonParentDomain = CommonParentDomain(hosts)
	ep.CookieDomain = ep.CommonParentDomain
	ep.NeedsCORS = l.scenario() == Hybrid || len(hosts) > 1 && ep.CommonParentDomain == ""
	ep.CertificateNames = make([]string, 0, len(hosts))
	for _, h := range hosts {
		ep.CertificateNames = append(ep.CertificateNames, h.Name)
	}
	sort.Strings(ep.CertificateNames)
	ep.WildcardCertificate = WildcardCertificate(hosts, ep.CommonParentDomain)
	return ep, nil
}

// CommonParentDomain returns the longest domain D such that every host is D or a subdomain of D, and
// D is at or below each host's registrable domain (a public suffix such as com or co.uk never
// counts; for a host in a declared private domain, D stays within that domain). For a single host, D
// is its parent domain, when that is still at or below the registrable domain. It returns "" when
// there is no such domain.
func CommonParentDomain(hosts []Host) string {
	if len(hosts) == 0 {
		return ""
	}
	var common []string
	if len(hosts) == 1 {
		common = strings.Split(hosts[0].Name, ".")[1:]
	} else {
		common = strings.Split(hosts[0].Name, ".")
		for _, h := range hosts[1:] {
			common = commonSuffix(common, strings.Split(h.Name, "."))
		}
	}
	for _, h := range hosts {
		if len(common) < h.registrableLabels() {
			return ""
		}
	}
	return strings.Join(common, ".")
}

// WildcardCertificate returns *.<parent> when every host is exactly one label below parent, else "".
func WildcardCertificate(hosts []Host, parent string) string {
	if parent == "" || len(hosts) == 0 {
		return ""
	}
	for _, h := range hosts {
		first, rest, ok := strings.Cut(h.Name, ".")
		if !ok || first == "" || rest != parent {
			return ""
		}
	}
	return "*." + parent
}

func (h Host) registrableLabels() int { return strings.Count(h.RegistrableDomain, ".") + 1 }

// commonSuffix returns the longest common trailing run of labels of a and b.
func commonSuffix(a, b []string) []string {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return a[len(a)-n:]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
