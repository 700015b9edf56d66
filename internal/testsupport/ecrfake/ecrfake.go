// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package ecrfake is a small in-process fake of the Amazon ECR API for the repository policy
// operations (GetRepositoryPolicy, SetRepositoryPolicy, DeleteRepositoryPolicy and
// DescribeRepositories), served by an httptest server over the AWS JSON 1.1 protocol that the real
// aws-sdk-go-v2 ECR client speaks: a POST whose X-Amz-Target header is
// AmazonEC2ContainerRegistry_V20150921.<Operation>, with errors as a 400 response whose body holds
// `__type` and `message`.
//
// It exists only for the faults a real service, or moto, cannot produce on demand:
//   - IAM propagation: SetRepositoryPolicy naming a principal fails with InvalidParameterException
//     ("Invalid repository policy provided" or "Principal not found") for the first N calls, as ECR
//     does while a role created a moment ago has not reached it (FailPrincipal);
//   - throttling: ThrottlingException for the next N calls of any operation (Throttle);
//   - a concurrent writer that puts an older policy back right after a change (RestoreOnce);
//   - missing permissions: AccessDeniedException for the next N calls of one operation (Deny);
//   - a concurrent writer: right after a successful SetRepositoryPolicy the fake removes a given
//     statement once, so a read-back does not find it (RemoveStatementOnce).
//
// Everything else (the real API shapes, policy grammar, roles) is tested against moto, which the
// services script runs (testsupport.AWS). The fake keeps no more state than the faults need:
// repositories and their policy texts in one registry (account DefaultRegistryID, region
// DefaultRegion). Calls counts every request per operation, faulted ones included, for assertions
// such as "the provider retried exactly three times".
//
// Point a client at it with BaseEndpoint = Server.URL and any static credentials; set
// RetryMaxAttempts to 1 when a test must see each fault itself rather than the SDK's own retries
// (the SDK retries ThrottlingException on its own). Client does both.
package ecrfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// The registry the fake serves.
const (
	DefaultRegistryID = "123456789012"
	DefaultRegion     = "eu-west-1"
)

// TargetPrefix starts the X-Amz-Target header of every ECR request.
const TargetPrefix = "AmazonEC2ContainerRegistry_V20150921."

// The operations the fake implements (the part of X-Amz-Target after TargetPrefix).
const (
	OpGetRepositoryPolicy    = "GetRepositoryPolicy"
	OpSetRepositoryPolicy    = "SetRepositoryPolicy"
	OpDeleteRepositoryPolicy = "DeleteRepositoryPolicy"
	OpDescribeRepositories   = "DescribeRepositories"
)

// Error codes (`__type`) the fake answers with.
const (
	CodeRepositoryPolicyNotFound = "RepositoryPolicyNotFoundException"
	CodeRepositoryNotFound       = "RepositoryNotFoundException"
	CodeInvalidParameter         = "InvalidParameterException"
	CodeThrottling               = "ThrottlingException"
	CodeUnknownOperation         = "UnknownOperationException"
	CodeMissingAuthentication    = "MissingAuthenticationTokenException"
	CodeAccessDenied             = "AccessDeniedException"
)

// Messages ECR gives for a policy naming a principal IAM has not propagated yet; pass one to
// FailPrincipal. MessageInvalidPolicy is also what the fake answers for a malformed policy.
const (
	MessageInvalidPolicy     = "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'"
	MessagePrincipalNotFound = "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Principal not found'"
	// MessageThrottling is the message of a ThrottlingException.
	MessageThrottling = "Rate exceeded"
)

// Server is the fake ECR endpoint. Create it with New; it stops when the test ends.
type Server struct {
	// URL is the base endpoint, e.g. http://127.0.0.1:41234.
	URL        string
	RegistryID string
	Region     string

	mu              sync.Mutex
	repos           map[string]*repository
	calls           map[string]int
	principalFaults map[string]*principalFault
	throttles       int
	denials         map[string]int
	cuts            map[string]int
	removals        []string
	restores        int
}

type repository struct {
	createdAt time.Time
	policy    string // "" when the repository has no policy
}

type principalFault struct {
	remaining int
	message   string
}

// New starts a fake with no repositories in DefaultRegistryID and DefaultRegion.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		RegistryID:      DefaultRegistryID,
		Region:          DefaultRegion,
		repos:           map[string]*repository{},
		calls:           map[string]int{},
		principalFaults: map[string]*principalFault{},
	}
	h := httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(h.Close)
	s.URL = h.URL
	return s
}

// Config is an SDK configuration for the fake: its URL as base endpoint, its region, static
// credentials and a single attempt per call (the SDK does not retry), so every fault reaches the
// caller.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:           s.Region,
		Credentials:      credentials.NewStaticCredentialsProvider("fake-access-key", "fake-secret-key", ""),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
	}
}

// Client is the real ECR client made from Config.
func (s *Server) Client() *ecr.Client {
	return ecr.NewFromConfig(s.Config())
}

// CreateRepository adds a repository without a policy and returns its ARN and URI.
func (s *Server) CreateRepository(name string) (arn, uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.repos[name]; !ok {
		s.repos[name] = &repository{createdAt: time.Now().Truncate(time.Second)}
	}
	return s.arn(name), s.uri(name)
}

// DeleteRepository removes a repository and its policy.
func (s *Server) DeleteRepository(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.repos, name)
}

// Policy is the repository's stored policy text, and false when it has none (or does not exist).
func (s *Server) Policy(repo string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.repos[repo]
	if !ok || r.policy == "" {
		return "", false
	}
	return r.policy, true
}

// PutPolicy stores a policy text as it is, without validation, faults or counting ("" removes the
// policy); the repository is created when missing. Use it to plant a pre-existing or foreign
// statement.
func (s *Server) PutPolicy(repo, policy string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.repos[repo]
	if !ok {
		r = &repository{createdAt: time.Now().Truncate(time.Second)}
		s.repos[repo] = r
	}
	r.policy = policy
}

// FailPrincipal makes the next n SetRepositoryPolicy calls whose policy names principal (exactly, in
// a statement's Principal.AWS) fail with InvalidParameterException and the message
// (MessageInvalidPolicy or MessagePrincipalNotFound), as ECR does until IAM has propagated a new
// role. Calls naming other principals neither fail nor use up the n.
func (s *Server) FailPrincipal(principal string, n int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.principalFaults[principal] = &principalFault{remaining: n, message: message}
}

// Deny makes the next n calls of the operation fail with AccessDeniedException, as ECR answers
// credentials without the permission (moto does not check permissions).
func (s *Server) Deny(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denials == nil {
		s.denials = map[string]int{}
	}
	s.denials[op] = n
}

// CutResponses makes the next n calls of the operation take effect and then answer 200 with the body
// cut short: the connection closes before the promised Content-Length, as when a network drops a
// response on the way back. Neither ECR nor moto does this on demand.
func (s *Server) CutResponses(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cuts == nil {
		s.cuts = map[string]int{}
	}
	s.cuts[op] = n
}

// Throttle makes the next n calls, of any operation, fail with ThrottlingException.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttles = n
}

// RemoveStatementOnce arranges for a concurrent writer: right after the next successful
// SetRepositoryPolicy whose policy holds a statement with this Sid, that statement is removed from
// the stored policy (the response still echoes the policy as set), so a read-back misses it. When no
// statement remains the policy is deleted. It happens once per call of RemoveStatementOnce.
func (s *Server) RemoveStatementOnce(sid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removals = append(s.removals, sid)
}

// RestoreOnce arranges for a concurrent writer that read the policy before a change and writes it
// back after it: right after the next successful SetRepositoryPolicy or DeleteRepositoryPolicy, the
// policy the repository had before that call is stored again, so a read-back still finds what the
// call removed. It happens once per call of RestoreOnce.
func (s *Server) RestoreOnce() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restores++
}

// ClearFaults drops every injected fault that has not happened yet.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttles, s.removals, s.restores, s.denials, s.cuts = 0, nil, 0, nil, nil
	for _, f := range s.principalFaults {
		f.remaining = 0
	}
}

// Calls is how many requests of the operation the fake received, failed ones included.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// PendingFaults is how many injected faults have not happened yet (principal failures, throttles,
// denials, cut responses, statement removals), so a test can assert that its faults were all met.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.throttles + len(s.removals) + s.restores
	for _, d := range s.denials {
		n += d
	}
	for _, c := range s.cuts {
		n += c
	}
	for _, f := range s.principalFaults {
		n += f.remaining
	}
	return n
}

func (s *Server) arn(repo string) string {
	return fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", s.Region, s.RegistryID, repo)
}

func (s *Server) uri(repo string) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", s.RegistryID, s.Region, repo)
}

// apiError is an error response: its HTTP status, `__type` and message.
type apiError struct {
	status  int
	code    string
	message string
}

func errorf(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := strings.TrimPrefix(target, TargetPrefix)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, errorf(CodeInvalidParameter, "reading the request: %v", err))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("ecrfake-%s-%d", op, s.calls[op]))
	out, aerr := s.handle(r, target, op, body)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	b, err := json.Marshal(out)
	if err != nil {
		writeError(w, &apiError{status: http.StatusInternalServerError, code: "ServerException", message: err.Error()})
		return
	}
	if s.cuts[op] > 0 {
		s.cuts[op]--
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b[:len(b)/2])
		return
	}
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", e.code)
	w.WriteHeader(e.status)
	b, _ := json.Marshal(map[string]string{"__type": e.code, "message": e.message})
	_, _ = w.Write(b)
}

// request is the union of the inputs of the implemented operations.
type request struct {
	RegistryID      string   `json:"registryId"`
	RepositoryName  string   `json:"repositoryName"`
	RepositoryNames []string `json:"repositoryNames"`
	PolicyText      *string  `json:"policyText"`
	Force           bool     `json:"force"`
}

// policyOutput is the output of Get, Set and DeleteRepositoryPolicy.
type policyOutput struct {
	RegistryID     string `json:"registryId"`
	RepositoryName string `json:"repositoryName"`
	PolicyText     string `json:"policyText"`
}

// handle runs one request with s.mu held.
func (s *Server) handle(r *http.Request, target, op string, body []byte) (any, *apiError) {
	if r.Method != http.MethodPost {
		return nil, &apiError{status: http.StatusMethodNotAllowed, code: CodeUnknownOperation, message: "only POST is supported"}
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		return nil, &apiError{status: http.StatusForbidden, code: CodeMissingAuthentication, message: "Missing Authentication Token"}
	}
	if !strings.HasPrefix(target, TargetPrefix) {
		return nil, errorf(CodeUnknownOperation, "unknown X-Amz-Target %q", target)
	}
	switch op {
	case OpGetRepositoryPolicy, OpSetRepositoryPolicy, OpDeleteRepositoryPolicy, OpDescribeRepositories:
	default:
		return nil, errorf(CodeUnknownOperation, "the ECR fake does not implement %s", op)
	}
	if s.throttles > 0 {
		s.throttles--
		return nil, errorf(CodeThrottling, MessageThrottling)
	}
	if s.denials[op] > 0 {
		s.denials[op]--
		return nil, errorf(CodeAccessDenied, "User: arn:aws:sts::%s:assumed-role/deployer/terraform is not authorized to perform: ecr:%s "+
			"on resource: arn:aws:ecr:%s:%s:repository/* because no identity-based policy allows the ecr:%s action", s.RegistryID, op, s.Region, s.RegistryID, op)
	}
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errorf(CodeInvalidParameter, "the request body is not JSON: %v", err)
	}
	if in.RegistryID != "" && in.RegistryID != s.RegistryID {
		name := in.RepositoryName
		if name == "" && len(in.RepositoryNames) > 0 {
			name = in.RepositoryNames[0]
		}
		return nil, s.notFound(name, in.RegistryID)
	}
	if op == OpDescribeRepositories {
		return s.describe(in)
	}
	if in.RepositoryName == "" {
		return nil, errorf(CodeInvalidParameter, "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be empty'")
	}
	repo, ok := s.repos[in.RepositoryName]
	if !ok {
		return nil, s.notFound(in.RepositoryName, s.RegistryID)
	}
	out := policyOutput{RegistryID: s.RegistryID, RepositoryName: in.RepositoryName}
	switch op {
	case OpGetRepositoryPolicy, OpDeleteRepositoryPolicy:
		if repo.policy == "" {
			return nil, errorf(CodeRepositoryPolicyNotFound,
				"Repository policy does not exist for the repository with name '%s' in the registry with id '%s'", in.RepositoryName, s.RegistryID)
		}
		out.PolicyText = repo.policy
		if op == OpDeleteRepositoryPolicy {
			before := repo.policy
			repo.policy = ""
			s.restore(repo, before)
		}
		return out, nil
	default: // OpSetRepositoryPolicy
		if in.PolicyText == nil || *in.PolicyText == "" {
			return nil, errorf(CodeInvalidParameter, "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'must not be empty'")
		}
		sts, err := parseStatements(*in.PolicyText)
		if err != nil {
			return nil, errorf(CodeInvalidParameter, MessageInvalidPolicy)
		}
		if e := s.principalFault(sts); e != nil {
			return nil, e
		}
		before := repo.policy
		repo.policy = *in.PolicyText
		s.concurrentWriter(repo)
		s.restore(repo, before)
		out.PolicyText = *in.PolicyText
		return out, nil
	}
}

func (s *Server) notFound(name, registryID string) *apiError {
	return errorf(CodeRepositoryNotFound, "The repository with name '%s' does not exist in the registry with id '%s'", name, registryID)
}

// principalFault answers the first remaining principal fault among the statements' principals.
func (s *Server) principalFault(sts []map[string]json.RawMessage) *apiError {
	for _, st := range sts {
		for _, p := range awsPrincipals(st["Principal"]) {
			if f, ok := s.principalFaults[p]; ok && f.remaining > 0 {
				f.remaining--
				return errorf(CodeInvalidParameter, "%s", f.message)
			}
		}
	}
	return nil
}

// restore puts the policy the repository had before a change back, when RestoreOnce asked for it.
func (s *Server) restore(repo *repository, before string) {
	if s.restores > 0 {
		s.restores--
		repo.policy = before
	}
}

// concurrentWriter removes the first pending Sid the stored policy holds.
func (s *Server) concurrentWriter(repo *repository) {
	if len(s.removals) == 0 {
		return
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal([]byte(repo.policy), &doc) != nil {
		return
	}
	sts, err := parseStatements(repo.policy)
	if err != nil {
		return
	}
	for i, sid := range s.removals {
		kept := make([]map[string]json.RawMessage, 0, len(sts))
		for _, st := range sts {
			var got string
			if json.Unmarshal(st["Sid"], &got) == nil && got == sid {
				continue
			}
			kept = append(kept, st)
		}
		if len(kept) == len(sts) {
			continue
		}
		s.removals = append(s.removals[:i], s.removals[i+1:]...)
		if len(kept) == 0 {
			repo.policy = ""
			return
		}
		b, err := json.Marshal(kept)
		if err != nil {
			return
		}
		doc["Statement"] = b
		text, err := json.Marshal(doc)
		if err != nil {
			return
		}
		repo.policy = string(text)
		return
	}
}

func (s *Server) describe(in request) (any, *apiError) {
	names := in.RepositoryNames
	if len(names) == 0 {
		for n := range s.repos {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	type repositoryOut struct {
		RepositoryArn      string  `json:"repositoryArn"`
		RegistryID         string  `json:"registryId"`
		RepositoryName     string  `json:"repositoryName"`
		RepositoryURI      string  `json:"repositoryUri"`
		CreatedAt          float64 `json:"createdAt"`
		ImageTagMutability string  `json:"imageTagMutability"`
	}
	out := struct {
		Repositories []repositoryOut `json:"repositories"`
	}{Repositories: []repositoryOut{}}
	for _, n := range names {
		r, ok := s.repos[n]
		if !ok {
			return nil, s.notFound(n, s.RegistryID)
		}
		out.Repositories = append(out.Repositories, repositoryOut{
			RepositoryArn:      s.arn(n),
			RegistryID:         s.RegistryID,
			RepositoryName:     n,
			RepositoryURI:      s.uri(n),
			CreatedAt:          float64(r.createdAt.Unix()),
			ImageTagMutability: "MUTABLE",
		})
	}
	return out, nil
}

// parseStatements checks a policy's grammar the way ECR does, short of principal existence: JSON
// with a non-empty Statement (a list or one object) whose statements each have an Effect of Allow
// or Deny, a Principal and an Action.
func parseStatements(policy string) ([]map[string]json.RawMessage, error) {
	var doc struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return nil, err
	}
	var sts []map[string]json.RawMessage
	if err := json.Unmarshal(doc.Statement, &sts); err != nil {
		var one map[string]json.RawMessage
		if err1 := json.Unmarshal(doc.Statement, &one); err1 != nil || one == nil {
			return nil, fmt.Errorf("the Statement element is neither a list nor an object")
		}
		sts = []map[string]json.RawMessage{one}
	}
	if len(sts) == 0 {
		return nil, fmt.Errorf("no statement")
	}
	for _, st := range sts {
		var effect string
		if json.Unmarshal(st["Effect"], &effect) != nil || (effect != "Allow" && effect != "Deny") {
			return nil, fmt.Errorf("the Effect is not Allow or Deny")
		}
		if len(st["Principal"]) == 0 || len(st["Action"]) == 0 {
			return nil, fmt.Errorf("a statement lacks Principal or Action")
		}
	}
	return sts, nil
}

// awsPrincipals reads the AWS principals of a Principal element ({"AWS": "arn"} or {"AWS": [...]}).
func awsPrincipals(raw json.RawMessage) []string {
	var p struct {
		AWS json.RawMessage `json:"AWS"`
	}
	if json.Unmarshal(raw, &p) != nil || len(p.AWS) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(p.AWS, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(p.AWS, &many)
	return many
}
