// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package cpfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultAdminUsername is the username of the Control Plane's login when the options name none.
const DefaultAdminUsername = "admin"

// DefaultOrganization is the name of the one organization of a Control Plane whose options name none.
const DefaultOrganization = "default"

// AccessTokenLifetime is the lifetime the login states (expires_in); the fake's access tokens do
// not expire on their own (see ExpireAccessTokens).
const AccessTokenLifetime = time.Hour

// StateAvailable is the desired state and the status of a workspace the Control Plane creates.
const StateAvailable = "available"

// ControlPlaneOptions configure a fake Control Plane.
type ControlPlaneOptions struct {
	// Organizations maps the name of each organization to its ID, a UUID; an empty ID gets a random
	// one. Without any, the Control Plane has one organization named DefaultOrganization.
	Organizations map[string]string
	// AdminUsername and AdminPassword are the credentials POST /api/v1/auth/login accepts; the
	// username defaults to DefaultAdminUsername. An empty AdminPassword refuses every login.
	AdminUsername, AdminPassword string
	// Tokens are personal access tokens allowed everything.
	Tokens []string
	// ReadOnlyTokens are personal access tokens allowed to read only: creating or deleting a
	// workspace with one is answered 403.
	ReadOnlyTokens []string
	// TLSCertPEM and TLSKeyPEM, when given, make the Control Plane serve HTTPS with that certificate
	// (chain) and key; without them it serves plain HTTP.
	TLSCertPEM, TLSKeyPEM []byte
	// Listen is the address to listen on, DefaultListen when empty.
	Listen string
	// ZenMLVersion is the ZenML version (zenml_service.configuration.version) of a workspace
	// created without one in the request; empty leaves it null.
	ZenMLVersion string
}

// Organization is an organization of the Control Plane, as its API shows it.
type Organization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Workspace is the Control Plane's record of a workspace.
type Workspace struct {
	ID          string
	Name        string
	Description *string
	// Organization is the organization the workspace belongs to.
	Organization Organization
	// DesiredState, StateReason and Status are the fields of the same names of the API.
	DesiredState, StateReason, Status string
	// ConfiguredVersion is zenml_service.configuration.version, nil for null.
	ConfiguredVersion *string
	// ServerURL and ServerVersion are zenml_service.status.server_url and .version, nil for null
	// (until a workspace server reports them, see UpdateWorkspace).
	ServerURL, ServerVersion *string
	// EnrollmentKey is the key the creation with enroll=true returned, empty for a workspace created
	// without enrollment. The API never shows it again.
	EnrollmentKey string
}

// ControlPlane is a fake ZenML Pro Control Plane API.
type ControlPlane struct {
	opts   ControlPlaneOptions
	srv    *server
	faults faults

	mu           sync.Mutex
	orgs         []Organization // by name
	workspaces   []*Workspace   // in the order of creation
	accessTokens map[string]bool
	tokens       map[string]bool // personal access tokens: true when allowed to write
}

// NewControlPlane makes a Control Plane of opts; Start serves it.
func NewControlPlane(opts ControlPlaneOptions) (*ControlPlane, error) {
	if opts.AdminUsername == "" {
		opts.AdminUsername = DefaultAdminUsername
	}
	cp := &ControlPlane{opts: opts, accessTokens: map[string]bool{}, tokens: map[string]bool{}}
	orgs := opts.Organizations
	if len(orgs) == 0 {
		orgs = map[string]string{DefaultOrganization: ""}
	}
	seen := map[string]bool{}
	for name, id := range orgs {
		if id == "" {
			id = NewUUID()
		}
		if !isUUID(id) {
			return nil, fmt.Errorf("cpfake: the ID %q of the organization %q is no UUID", id, name)
		}
		id = strings.ToLower(id)
		if seen[id] {
			return nil, fmt.Errorf("cpfake: two organizations have the ID %s", id)
		}
		seen[id] = true
		cp.orgs = append(cp.orgs, Organization{ID: id, Name: name})
	}
	sort.Slice(cp.orgs, func(i, j int) bool { return cp.orgs[i].Name < cp.orgs[j].Name })
	for _, t := range opts.ReadOnlyTokens {
		if t != "" {
			cp.tokens[t] = false
		}
	}
	for _, t := range opts.Tokens {
		if t != "" {
			cp.tokens[t] = true
		}
	}
	srv, err := newServer(opts.Listen, opts.TLSCertPEM, opts.TLSKeyPEM, cp.faults.wrap(http.HandlerFunc(cp.route)))
	if err != nil {
		return nil, err
	}
	cp.srv = srv
	return cp, nil
}

// StartControlPlane makes and starts a Control Plane of opts that stops when the test ends; it
// fails the test on an error.
func StartControlPlane(tb testing.TB, opts ControlPlaneOptions) *ControlPlane {
	tb.Helper()
	cp, err := NewControlPlane(opts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := cp.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cp.Close() })
	return cp
}

// Start listens and serves in the background until Close.
func (cp *ControlPlane) Start() error { return cp.srv.start() }

// Close stops serving at once, cutting requests in progress.
func (cp *ControlPlane) Close() error { return cp.srv.close() }

// URL is the base URL of the Control Plane, e.g. http://127.0.0.1:40123, without /api/v1 or a
// trailing slash; empty before Start.
func (cp *ControlPlane) URL() string { return cp.srv.URL() }

// ServeHTTP serves a request as the running Control Plane does, faults included.
func (cp *ControlPlane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cp.srv.handler.ServeHTTP(w, r)
}

// FailNext answers the next n requests whose method is method ("" for any) and whose path starts
// with pathPrefix with status and a body {"detail": "injected ..."}, plus Retry-After: 1 for 429.
// A request answered so has no effect. Rules apply in the order they were added; n < 1 adds none.
func (cp *ControlPlane) FailNext(method, pathPrefix string, status, n int) {
	cp.faults.failNext(method, pathPrefix, status, n)
}

// SetDelay holds the answers of the requests whose method is method ("" for any) and whose path
// starts with pathPrefix for d: the request takes effect at once, its answer is sent after d, or
// never if the request's context ends first (the client gave up or went away). A second call
// with the same method and prefix replaces the delay, d <= 0 removes it. When several delays
// match, the one set first applies.
func (cp *ControlPlane) SetDelay(method, pathPrefix string, d time.Duration) {
	cp.faults.setDelay(method, pathPrefix, d)
}

// ClearFaults removes every fault of FailNext and SetDelay; Requests keeps counting.
func (cp *ControlPlane) ClearFaults() { cp.faults.clear() }

// Requests counts the requests received whose method is method ("" for any) and whose path starts
// with pathPrefix, those answered with a fault included.
func (cp *ControlPlane) Requests(method, pathPrefix string) int {
	return cp.faults.requests(method, pathPrefix)
}

// Organizations are the organizations, by name.
func (cp *ControlPlane) Organizations() []Organization {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return append([]Organization(nil), cp.orgs...)
}

// OrganizationID is the ID of the organization named name, empty if there is none.
func (cp *ControlPlane) OrganizationID(name string) string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if o, ok := cp.orgByName(name); ok {
		return o.ID
	}
	return ""
}

// Workspaces is a copy of the workspaces, in the order of their creation.
func (cp *ControlPlane) Workspaces() []Workspace {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	out := make([]Workspace, len(cp.workspaces))
	for i, w := range cp.workspaces {
		out[i] = copyWorkspace(w)
	}
	return out
}

// Workspace is a copy of the workspace with the ID id, and whether there is one.
func (cp *ControlPlane) Workspace(id string) (Workspace, bool) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if _, w := cp.find(id); w != nil {
		return copyWorkspace(w), true
	}
	return Workspace{}, false
}

// AddWorkspace creates a workspace named name in the organization named orgName, as someone did in
// the Web UI (no enrollment key, the name not checked against the API's rules), and returns its ID;
// it returns "" when there is no such organization or the name is taken there.
func (cp *ControlPlane) AddWorkspace(orgName, name string) string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	org, ok := cp.orgByName(orgName)
	if !ok || cp.taken(org.ID, name) {
		return ""
	}
	return cp.create(org, name, nil, nil, false).ID
}

// DeleteWorkspace deletes the workspace with the ID id, as someone did in the Web UI, and says
// whether there was one.
func (cp *ControlPlane) DeleteWorkspace(id string) bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	i, w := cp.find(id)
	if w == nil {
		return false
	}
	cp.workspaces = append(cp.workspaces[:i], cp.workspaces[i+1:]...)
	return true
}

// UpdateWorkspace calls f with the record of the workspace with the ID id, to change what the API
// shows of it (a status, a reason, the server's URL and version), and says whether there is one.
// Changes of ID and Organization are undone.
func (cp *ControlPlane) UpdateWorkspace(id string, f func(*Workspace)) bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	_, w := cp.find(id)
	if w == nil {
		return false
	}
	keepID, keepOrg := w.ID, w.Organization
	f(w)
	w.ID, w.Organization = keepID, keepOrg
	return true
}

// ExpireAccessTokens forgets every access token the login issued, as if they had expired: calls
// with them are answered 401. Personal access tokens stay valid.
func (cp *ControlPlane) ExpireAccessTokens() {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.accessTokens = map[string]bool{}
}

// copyWorkspace copies w with its pointers, so that the copy shares nothing with the record.
func copyWorkspace(w *Workspace) Workspace {
	c := *w
	for _, p := range []**string{&c.Description, &c.ConfiguredVersion, &c.ServerURL, &c.ServerVersion} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	return c
}

// orgByName finds an organization by name; cp.mu is held.
func (cp *ControlPlane) orgByName(name string) (Organization, bool) {
	for _, o := range cp.orgs {
		if o.Name == name {
			return o, true
		}
	}
	return Organization{}, false
}

// orgByID finds an organization by ID; cp.mu is held.
func (cp *ControlPlane) orgByID(id string) (Organization, bool) {
	for _, o := range cp.orgs {
		if strings.EqualFold(o.ID, id) {
			return o, true
		}
	}
	return Organization{}, false
}

// find finds a workspace by ID, nil if there is none; cp.mu is held.
func (cp *ControlPlane) find(id string) (int, *Workspace) {
	for i, w := range cp.workspaces {
		if strings.EqualFold(w.ID, id) {
			return i, w
		}
	}
	return -1, nil
}

// taken says whether the organization orgID has a workspace named name; cp.mu is held.
func (cp *ControlPlane) taken(orgID, name string) bool {
	for _, w := range cp.workspaces {
		if w.Organization.ID == orgID && w.Name == name {
			return true
		}
	}
	return false
}

// create records a new workspace; cp.mu is held.
func (cp *ControlPlane) create(org Organization, name string, description, version *string, enroll bool) *Workspace {
	if version == nil && cp.opts.ZenMLVersion != "" {
		v := cp.opts.ZenMLVersion
		version = &v
	}
	w := &Workspace{
		ID: NewUUID(), Name: name, Description: description, Organization: org,
		DesiredState: StateAvailable, Status: StateAvailable, ConfiguredVersion: version,
	}
	if enroll {
		w.EnrollmentKey = randomHex(32)
	}
	cp.workspaces = append(cp.workspaces, w)
	return w
}

// workspaceJSON is a workspace as the API shows it.
type workspaceJSON struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	Description  *string          `json:"description"`
	Organization Organization     `json:"organization"`
	DesiredState string           `json:"desired_state"`
	StateReason  string           `json:"state_reason"`
	Status       string           `json:"status"`
	ZenMLService zenmlServiceJSON `json:"zenml_service"`
	// EnrollmentKey is in the answer of a creation with enroll=true only.
	EnrollmentKey string `json:"enrollment_key,omitempty"`
}

// zenmlServiceJSON is the zenml_service of a workspace.
type zenmlServiceJSON struct {
	Configuration struct {
		Version *string `json:"version"`
	} `json:"configuration"`
	Status struct {
		ServerURL *string `json:"server_url"`
		Version   *string `json:"version"`
	} `json:"status"`
}

// toJSON is w as the API shows it, without its enrollment key.
func toJSON(w *Workspace) workspaceJSON {
	out := workspaceJSON{
		ID: w.ID, Name: w.Name, Description: w.Description, Organization: w.Organization,
		DesiredState: w.DesiredState, StateReason: w.StateReason, Status: w.Status,
	}
	out.ZenMLService.Configuration.Version = w.ConfiguredVersion
	out.ZenMLService.Status.ServerURL = w.ServerURL
	out.ZenMLService.Status.Version = w.ServerVersion
	return out
}

// route serves a request once the faults let it through.
func (cp *ControlPlane) route(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/health":
		serveHealth(w, r)
		return
	case path == "/api/v1/auth/login":
		cp.login(w, r)
		return
	case !strings.HasPrefix(path, "/api/v1/"):
		writeDetail(w, http.StatusNotFound, "Not Found")
		return
	}
	write, ok := cp.authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeDetail(w, http.StatusUnauthorized, "Not authenticated")
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "organizations":
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		writeJSON(w, http.StatusOK, cp.Organizations())
	case len(parts) == 2 && parts[0] == "organizations":
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		cp.getOrganization(w, parts[1])
	case len(parts) == 1 && parts[0] == "workspaces":
		switch r.Method {
		case http.MethodGet:
			cp.listWorkspaces(w, r)
		case http.MethodPost:
			if !write {
				writeDetail(w, http.StatusForbidden, "This token is not allowed to create workspaces")
				return
			}
			cp.createWorkspace(w, r)
		default:
			methodNotAllowed(w, http.MethodGet, http.MethodPost)
		}
	case len(parts) == 2 && parts[0] == "workspaces":
		switch r.Method {
		case http.MethodGet:
			cp.getWorkspace(w, parts[1])
		case http.MethodDelete:
			if !write {
				writeDetail(w, http.StatusForbidden, "This token is not allowed to delete workspaces")
				return
			}
			cp.deleteWorkspace(w, parts[1])
		default:
			methodNotAllowed(w, http.MethodGet, http.MethodDelete)
		}
	default:
		writeDetail(w, http.StatusNotFound, "Not Found")
	}
}

// login serves POST /api/v1/auth/login: the admin's credentials as form fields give an access token.
func (cp *ControlPlane) login(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeDetail(w, http.StatusUnprocessableEntity, "the form cannot be read: "+err.Error())
		return
	}
	if !r.PostForm.Has("username") || !r.PostForm.Has("password") {
		writeDetail(w, http.StatusUnprocessableEntity, "the form fields username and password are required")
		return
	}
	if cp.opts.AdminPassword == "" || r.PostForm.Get("username") != cp.opts.AdminUsername || r.PostForm.Get("password") != cp.opts.AdminPassword {
		writeDetail(w, http.StatusUnauthorized, "Invalid username or password")
		return
	}
	token := randomHex(32)
	cp.mu.Lock()
	cp.accessTokens[token] = true
	cp.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token, "token_type": "bearer", "expires_in": int(AccessTokenLifetime / time.Second),
	})
}

// authenticate checks the bearer token of r and says whether it may write.
func (cp *ControlPlane) authenticate(r *http.Request) (write, ok bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return false, false
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return false, false
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.accessTokens[token] {
		return true, true
	}
	write, ok = cp.tokens[token]
	return write, ok
}

// getOrganization serves GET /api/v1/organizations/{id}.
func (cp *ControlPlane) getOrganization(w http.ResponseWriter, id string) {
	if !isUUID(id) {
		writeDetail(w, http.StatusUnprocessableEntity, fmt.Sprintf("%q is not a valid UUID", id))
		return
	}
	cp.mu.Lock()
	org, ok := cp.orgByID(id)
	cp.mu.Unlock()
	if !ok {
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("Organization %s not found", id))
		return
	}
	writeJSON(w, http.StatusOK, org)
}

// listWorkspaces serves GET /api/v1/workspaces, filtered by the queries organization_id and
// workspace_name when given.
func (cp *ControlPlane) listWorkspaces(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	orgID, byOrg := q.Get("organization_id"), q.Has("organization_id")
	name, byName := q.Get("workspace_name"), q.Has("workspace_name")
	if byOrg && !isUUID(orgID) {
		writeDetail(w, http.StatusUnprocessableEntity, fmt.Sprintf("organization_id: %q is not a valid UUID", orgID))
		return
	}
	cp.mu.Lock()
	out := []workspaceJSON{}
	for _, ws := range cp.workspaces {
		if (!byOrg || strings.EqualFold(ws.Organization.ID, orgID)) && (!byName || ws.Name == name) {
			out = append(out, toJSON(ws))
		}
	}
	cp.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// getWorkspace serves GET /api/v1/workspaces/{id}.
func (cp *ControlPlane) getWorkspace(w http.ResponseWriter, id string) {
	if !isUUID(id) {
		writeDetail(w, http.StatusUnprocessableEntity, fmt.Sprintf("%q is not a valid UUID", id))
		return
	}
	cp.mu.Lock()
	_, ws := cp.find(id)
	var out workspaceJSON
	if ws != nil {
		out = toJSON(ws)
	}
	cp.mu.Unlock()
	if ws == nil {
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("Workspace %s not found", id))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteWorkspace serves DELETE /api/v1/workspaces/{id}: the answer is the workspace deleted.
func (cp *ControlPlane) deleteWorkspace(w http.ResponseWriter, id string) {
	if !isUUID(id) {
		writeDetail(w, http.StatusUnprocessableEntity, fmt.Sprintf("%q is not a valid UUID", id))
		return
	}
	cp.mu.Lock()
	i, ws := cp.find(id)
	var out workspaceJSON
	if ws != nil {
		out = toJSON(ws)
		cp.workspaces = append(cp.workspaces[:i], cp.workspaces[i+1:]...)
	}
	cp.mu.Unlock()
	if ws == nil {
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("Workspace %s not found", id))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// workspaceNamePattern is the rule of workspace names: lowercase letters, digits and hyphens, 1 to
// 50 characters, starting with a letter.
var workspaceNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,49}$`)

// createRequest is the body of POST /api/v1/workspaces.
type createRequest struct {
	Name           *string `json:"name"`
	OrganizationID *string `json:"organization_id"`
	Description    *string `json:"description"`
	ZenMLService   *struct {
		Configuration *struct {
			Version *string `json:"version"`
		} `json:"configuration"`
	} `json:"zenml_service"`
}

// createWorkspace serves POST /api/v1/workspaces[?enroll=true].
func (cp *ControlPlane) createWorkspace(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&req); err != nil {
		writeDetail(w, http.StatusUnprocessableEntity, "the body is no workspace: "+err.Error())
		return
	}
	switch {
	case req.Name == nil:
		writeDetail(w, http.StatusUnprocessableEntity, "name: field required")
		return
	case !workspaceNamePattern.MatchString(*req.Name):
		writeDetail(w, http.StatusUnprocessableEntity, fmt.Sprintf("name: %q is invalid: use 1 to 50 lowercase letters, digits "+
			"and hyphens, starting with a letter", *req.Name))
		return
	case req.OrganizationID == nil:
		writeDetail(w, http.StatusUnprocessableEntity, "organization_id: field required")
		return
	case !isUUID(*req.OrganizationID):
		writeDetail(w, http.StatusUnprocessableEntity, fmt.Sprintf("organization_id: %q is not a valid UUID", *req.OrganizationID))
		return
	}
	var version *string
	if s := req.ZenMLService; s != nil && s.Configuration != nil {
		version = s.Configuration.Version
	}
	enroll := strings.EqualFold(r.URL.Query().Get("enroll"), "true")

	cp.mu.Lock()
	org, ok := cp.orgByID(*req.OrganizationID)
	if !ok {
		cp.mu.Unlock()
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("Organization %s not found", *req.OrganizationID))
		return
	}
	if cp.taken(org.ID, *req.Name) {
		cp.mu.Unlock()
		writeDetail(w, http.StatusConflict, fmt.Sprintf("A workspace named %q already exists in the organization %q", *req.Name, org.Name))
		return
	}
	ws := cp.create(org, *req.Name, req.Description, version, enroll)
	out := toJSON(ws)
	out.EnrollmentKey = ws.EnrollmentKey
	cp.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
