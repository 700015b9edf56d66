// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package arfake is an in-process gRPC fake of the Artifact Registry IAM methods (GetIamPolicy,
// SetIamPolicy and GetRepository) for tests. It exists because Google publishes no emulator for
// Artifact Registry: tests point the real cloud.google.com/go/artifactregistry/apiv1 client at it
// (option.WithEndpoint, option.WithoutAuthentication and insecure transport credentials).
//
// It keeps one IAM policy per repository with real etag semantics: every write gives the policy a new
// etag; a SetIamPolicy carrying a stale etag fails with FAILED_PRECONDITION; one with an empty etag
// overwrites. The requested policy version is honoured: a policy with conditional bindings is
// version 3, and read with a lower version its conditional roles come back as ROLE_withcond_HASH
// without conditions, as IAM does. Faults are injected per method (a gRPC code, N times), and
// "service account ... does not exist" for one member; every call is counted.
package arfake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/artifactregistry/apiv1/artifactregistrypb"
	"cloud.google.com/go/iam/apiv1/iampb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Method names a faked RPC.
type Method string

// The faked methods.
const (
	GetIamPolicy  Method = "GetIamPolicy"
	SetIamPolicy  Method = "SetIamPolicy"
	GetRepository Method = "GetRepository"
)

// RepositoryName is the resource name of a repository: projects/P/locations/L/repositories/R.
func RepositoryName(project, location, repository string) string {
	return fmt.Sprintf("projects/%s/locations/%s/repositories/%s", project, location, repository)
}

var repositoryNameRE = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/repositories/[^/]+$`)

// memberPrefixes are the member forms IAM accepts in a binding.
var memberPrefixes = []string{"user:", "serviceAccount:", "group:", "domain:", "principal:", "principalSet:", "deleted:",
	"projectOwner:", "projectEditor:", "projectViewer:"}

type fault struct {
	code   codes.Code
	msg    string
	member string // for a missing service account: the member whose presence triggers it
}

// Fake is the Artifact Registry fake. Its methods are safe for concurrent use.
type Fake struct {
	artifactregistrypb.UnimplementedArtifactRegistryServer

	mu       sync.Mutex
	repos    map[string]*artifactregistrypb.Repository
	policies map[string]*iampb.Policy
	seq      uint64
	faults   map[Method][]fault
	missing  []fault
	calls    map[Method]int
	beforeW  func(resource string)
	afterW   func(resource string, before *iampb.Policy)
}

// New returns a fake with no repositories, not serving; Start serves one.
func New() *Fake {
	return &Fake{
		repos:    map[string]*artifactregistrypb.Repository{},
		policies: map[string]*iampb.Policy{},
		faults:   map[Method][]fault{},
		calls:    map[Method]int{},
	}
}

// Start serves a new fake on 127.0.0.1 (a free port) until the test ends, and returns it with its
// endpoint, host:port.
func Start(t testing.TB) (*Fake, string) {
	t.Helper()
	f := New()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("arfake: listen: %v", err)
	}
	srv := grpc.NewServer()
	artifactregistrypb.RegisterArtifactRegistryServer(srv, f)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis) // returns when the server stops
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return f, lis.Addr().String()
}

// AddRepository creates a Docker repository with an empty policy (which has an etag, as in IAM). name
// is projects/P/locations/L/repositories/R (see RepositoryName).
func (f *Fake) AddRepository(name string) {
	if !repositoryNameRE.MatchString(name) {
		panic("arfake: not a repository name: " + name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.repos[name] = &artifactregistrypb.Repository{Name: name, Format: artifactregistrypb.Repository_DOCKER}
	f.policies[name] = &iampb.Policy{Version: 1, Etag: f.nextEtag()}
}

// Policy returns a copy of the stored policy of a repository, as stored (version 3 with conditions);
// nil if there is no such repository.
func (f *Fake) Policy(resource string) *iampb.Policy {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.policies[resource]
	if !ok {
		return nil
	}
	return clonePolicy(p)
}

// Etag returns the current etag of a repository's policy.
func (f *Fake) Etag(resource string) []byte {
	if p := f.Policy(resource); p != nil {
		return p.Etag
	}
	return nil
}

// PutPolicy replaces a repository's policy out of band (as a console edit or another tool would),
// giving it a new etag. It is not counted as a call.
func (f *Fake) PutPolicy(resource string, p *iampb.Policy) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.repos[resource]; !ok {
		panic("arfake: no repository " + resource)
	}
	f.store(resource, clonePolicy(p))
}

// PlantDeletedMember replaces member in role's unconditional binding of a repository by the form IAM
// shows once the principal is deleted, "deleted:" + member + "?uid=" + uid (adding it if member is
// absent), giving the policy a new etag. uid is numeric, e.g. "123456789012345678901".
func (f *Fake) PlantDeletedMember(resource, role, member, uid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.policies[resource]
	if !ok {
		panic("arfake: no repository " + resource)
	}
	p = clonePolicy(p)
	deleted := "deleted:" + member + "?uid=" + uid
	var b *iampb.Binding
	for _, x := range p.Bindings {
		if x.Role == role && x.Condition == nil {
			b = x
			break
		}
	}
	if b == nil {
		b = &iampb.Binding{Role: role}
		p.Bindings = append(p.Bindings, b)
	}
	replaced := false
	for i, m := range b.Members {
		if strings.EqualFold(m, member) {
			b.Members[i] = deleted
			replaced = true
		}
	}
	if !replaced {
		b.Members = append(b.Members, deleted)
	}
	f.store(resource, p)
}

// Fail makes the next n calls of method fail with code (and a message typical of it), after the
// faults already queued for that method.
func (f *Fake) Fail(method Method, code codes.Code, n int) {
	f.FailWithMessage(method, code, defaultMessage(code), n)
}

// FailWithMessage makes the next n calls of method fail with code and msg.
func (f *Fake) FailWithMessage(method Method, code codes.Code, msg string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.faults[method] = append(f.faults[method], fault{code: code, msg: msg})
	}
}

// FailMissingServiceAccount makes the next n SetIamPolicy calls whose policy holds member (e.g.
// "serviceAccount:sa@p.iam.gserviceaccount.com") fail with INVALID_ARGUMENT "Service account EMAIL
// does not exist.", as IAM answers for a service account that was just created and has not
// propagated yet. Calls without the member are not affected.
func (f *Fake) FailMissingServiceAccount(member string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	email := member
	if _, rest, ok := strings.Cut(member, ":"); ok {
		email = rest
	}
	for range n {
		f.missing = append(f.missing, fault{code: codes.InvalidArgument, msg: "Service account " + email + " does not exist.", member: member})
	}
}

// BeforeWrite sets a hook that SetIamPolicy calls, outside the fake's lock, after the request was
// accepted and before its etag is compared: a test can change the policy there (PutPolicy) to be the
// concurrent writer. nil removes the hook.
func (f *Fake) BeforeWrite(hook func(resource string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.beforeW = hook
}

// AfterWrite sets a hook that SetIamPolicy calls, outside the fake's lock, after it stored a policy,
// with the policy the repository had before: a test can put that back there (PutPolicy) to be a
// writer that sends no etag and overwrites a change it never saw. nil removes the hook.
func (f *Fake) AfterWrite(hook func(resource string, before *iampb.Policy)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.afterW = hook
}

// Calls returns how many calls of method arrived, failed ones included.
func (f *Fake) Calls(method Method) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func defaultMessage(c codes.Code) string {
	switch c {
	case codes.Aborted:
		return "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff."
	case codes.FailedPrecondition:
		return "Precondition check failed."
	case codes.ResourceExhausted:
		return "Quota exceeded for quota metric 'Requests' of service 'artifactregistry.googleapis.com'."
	case codes.Unavailable:
		return "The service is currently unavailable."
	case codes.InvalidArgument:
		return "Request contains an invalid argument."
	case codes.PermissionDenied:
		return "Permission 'artifactregistry.repositories.setIamPolicy' denied on resource (or it may not exist)."
	}
	return "injected " + c.String()
}

// nextEtag returns a new etag; f.mu is held.
func (f *Fake) nextEtag() []byte {
	f.seq++
	sum := sha256.Sum256(fmt.Appendf(nil, "arfake-%d", f.seq))
	return []byte("Bw" + hex.EncodeToString(sum[:6]))
}

// store saves p with a new etag and its version fixed; f.mu is held.
func (f *Fake) store(resource string, p *iampb.Policy) {
	kept := p.Bindings[:0]
	for _, b := range p.Bindings {
		if len(b.Members) > 0 {
			kept = append(kept, b)
		}
	}
	p.Bindings = kept
	p.Version = 1
	for _, b := range p.Bindings {
		if b.Condition != nil {
			p.Version = 3
		}
	}
	p.Etag = f.nextEtag()
	f.policies[resource] = p
}

// enter counts a call and pops the fault due for it; f.mu is held.
func (f *Fake) enter(m Method) error {
	f.calls[m]++
	if q := f.faults[m]; len(q) > 0 {
		f.faults[m] = q[1:]
		return status.Error(q[0].code, q[0].msg)
	}
	return nil
}

func (f *Fake) repository(name string) error {
	if !repositoryNameRE.MatchString(name) {
		return status.Errorf(codes.InvalidArgument, "Invalid resource name %q: expected projects/*/locations/*/repositories/*.", name)
	}
	if _, ok := f.repos[name]; !ok {
		return status.Errorf(codes.NotFound, "Requested entity was not found: repository %q.", name)
	}
	return nil
}

// GetRepository returns a repository added with AddRepository.
func (f *Fake) GetRepository(_ context.Context, req *artifactregistrypb.GetRepositoryRequest) (*artifactregistrypb.Repository, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(GetRepository); err != nil {
		return nil, err
	}
	if err := f.repository(req.GetName()); err != nil {
		return nil, err
	}
	return cloneRepository(f.repos[req.GetName()]), nil
}

// GetIamPolicy returns a repository's policy in the requested version (0, 1 or 3).
func (f *Fake) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(GetIamPolicy); err != nil {
		return nil, err
	}
	if err := f.repository(req.GetResource()); err != nil {
		return nil, err
	}
	v := req.GetOptions().GetRequestedPolicyVersion()
	if v != 0 && v != 1 && v != 3 {
		return nil, status.Errorf(codes.InvalidArgument, "Invalid requested policy version %d: use 0, 1 or 3.", v)
	}
	p := clonePolicy(f.policies[req.GetResource()])
	if p.Version == 3 && v < 3 {
		p.Version = 1
		for _, b := range p.Bindings {
			if b.Condition != nil {
				sum := sha256.Sum256([]byte(b.Condition.GetExpression()))
				b.Role += "_withcond_" + hex.EncodeToString(sum[:10])
				b.Condition = nil
			}
		}
	}
	return p, nil
}

// SetIamPolicy replaces a repository's policy when the request's etag is empty or current.
func (f *Fake) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	f.mu.Lock()
	if err := f.acceptSet(req); err != nil {
		f.mu.Unlock()
		return nil, err
	}
	hook := f.beforeW
	f.mu.Unlock()
	if hook != nil {
		hook(req.GetResource())
	}
	f.mu.Lock()
	cur := f.policies[req.GetResource()]
	if etag := req.GetPolicy().GetEtag(); len(etag) > 0 && string(etag) != string(cur.GetEtag()) {
		f.mu.Unlock()
		return nil, status.Error(codes.FailedPrecondition,
			"The etag of the policy does not match the current one: the policy was changed concurrently. Read it again and retry.")
	}
	f.store(req.GetResource(), clonePolicy(req.GetPolicy()))
	stored, after := clonePolicy(f.policies[req.GetResource()]), f.afterW
	f.mu.Unlock()
	if after != nil {
		after(req.GetResource(), clonePolicy(cur))
	}
	return stored, nil
}

// acceptSet counts the call and checks everything but the etag; f.mu is held.
func (f *Fake) acceptSet(req *iampb.SetIamPolicyRequest) error {
	if err := f.enter(SetIamPolicy); err != nil {
		return err
	}
	if err := f.repository(req.GetResource()); err != nil {
		return err
	}
	p := req.GetPolicy()
	if p == nil {
		return status.Error(codes.InvalidArgument, "Request is missing the policy.")
	}
	if v := p.GetVersion(); v != 0 && v != 1 && v != 3 {
		return status.Errorf(codes.InvalidArgument, "Invalid policy version %d: use 1 or 3.", v)
	}
	for _, b := range p.GetBindings() {
		if !strings.HasPrefix(b.GetRole(), "roles/") || strings.Contains(b.GetRole(), "_withcond_") {
			return status.Errorf(codes.InvalidArgument, "Role %q is not a valid role.", b.GetRole())
		}
		if b.GetCondition() != nil && p.GetVersion() != 3 {
			return status.Errorf(codes.InvalidArgument,
				"Policy version %d cannot hold conditional role bindings (role %q): set version 3.", p.GetVersion(), b.GetRole())
		}
		for _, m := range b.GetMembers() {
			if !validMember(m) {
				return status.Errorf(codes.InvalidArgument, "Invalid member %q: use a type prefix such as serviceAccount:, user: or group:.", m)
			}
		}
	}
	for i, mf := range f.missing {
		if holds(p, mf.member) {
			f.missing = append(f.missing[:i:i], f.missing[i+1:]...)
			return status.Error(mf.code, mf.msg)
		}
	}
	return nil
}

func validMember(m string) bool {
	if m == "allUsers" || m == "allAuthenticatedUsers" {
		return true
	}
	for _, p := range memberPrefixes {
		if strings.HasPrefix(m, p) && len(m) > len(p) {
			return true
		}
	}
	return false
}

func holds(p *iampb.Policy, member string) bool {
	for _, b := range p.GetBindings() {
		for _, m := range b.GetMembers() {
			if strings.EqualFold(m, member) {
				return true
			}
		}
	}
	return false
}

func clonePolicy(p *iampb.Policy) *iampb.Policy {
	c := &iampb.Policy{}
	proto.Merge(c, p)
	return c
}

func cloneRepository(r *artifactregistrypb.Repository) *artifactregistrypb.Repository {
	c := &artifactregistrypb.Repository{}
	proto.Merge(c, r)
	return c
}
