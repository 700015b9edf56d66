package grant_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	artifactregistry "cloud.google.com/go/artifactregistry/apiv1"
	"cloud.google.com/go/iam/apiv1/iampb"
	"github.com/aws/smithy-go"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/grant"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/arfake"
)

// timeout is the timeout of calls that are expected to succeed; with the fast backoff nothing
// waits anywhere near it.
const timeout = 30 * time.Second

var pullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}

// fastOptions retries after a few milliseconds at most.
func fastOptions() grant.Options {
	return grant.Options{Backoff: registryaccess.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond}}
}

// virtualOptions is fastOptions on a virtual clock: waits move its time forward at once, so a test
// of a timeout counts attempts in virtual time, whatever the machine's speed. With waits of at most
// 5ms, a timeout T gives at least T/5ms + 1 attempts, and the retries end exactly at T.
func virtualOptions() grant.Options {
	o := fastOptions()
	o.Backoff.Clock = &virtualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return o
}

type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// logRecorder is a grant.Logger that keeps the messages and fields it receives.
type logRecorder struct {
	mu     sync.Mutex
	events []logEvent
}

type logEvent struct {
	msg    string
	fields map[string]any
}

func (l *logRecorder) log(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, logEvent{msg: msg, fields: fields})
}

// retries returns the "retrying" events whose kind is kind.
func (l *logRecorder) retries(kind registryaccess.Kind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.events {
		if strings.HasSuffix(e.msg, ": retrying") && e.fields["kind"] == kind.String() {
			n++
		}
	}
	return n
}

// statementJSON is a repository policy statement allowing actions to principal (a string that
// goes into Principal.AWS as is).
func statementJSON(sid, principal string, actions ...string) string {
	quoted := make([]string, len(actions))
	for i, a := range actions {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	return fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":%q},"Action":[%s]}`, sid, principal, strings.Join(quoted, ","))
}

// policyJSON is a repository policy holding the statements.
func policyJSON(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// apiErrorCode is the AWS error code in err's chain, "" when there is none.
func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Artifact Registry.

const (
	arProject  = "my-project"
	arLocation = "europe-west3"
)

func serviceAccount(name string) string {
	return "serviceAccount:" + name + "@" + arProject + ".iam.gserviceaccount.com"
}

// startAR serves an Artifact Registry fake and returns it with the real client dialled at it.
func startAR(t *testing.T) (*arfake.Fake, *artifactregistry.Client) {
	t.Helper()
	f, endpoint := arfake.Start(t)
	c, err := artifactregistry.NewClient(context.Background(), option.WithEndpoint(endpoint), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatalf("artifactregistry.NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return f, c
}

// addARRepository adds a repository to the fake and returns its name.
func addARRepository(f *arfake.Fake, name string) grant.ARRepository {
	r := grant.ARRepository{Project: arProject, Location: arLocation, Repository: name}
	f.AddRepository(r.Name())
	return r
}

// membersOf returns the members of the role's unconditional binding in the stored policy, and
// whether there is such a binding.
func membersOf(p *iampb.Policy, role string) ([]string, bool) {
	for _, b := range p.GetBindings() {
		if b.GetRole() == role && b.GetCondition() == nil {
			return slices.Clone(b.GetMembers()), true
		}
	}
	return nil, false
}

// bindingsWithout returns the policy's bindings other than the unconditional binding of role,
// for comparing what a grant must leave untouched.
func bindingsWithout(p *iampb.Policy, role string) []*iampb.Binding {
	var out []*iampb.Binding
	for _, b := range p.GetBindings() {
		if b.GetRole() == role && b.GetCondition() == nil {
			continue
		}
		out = append(out, b)
	}
	return out
}

func sameBindings(a, b []*iampb.Binding) bool {
	return slices.EqualFunc(a, b, func(x, y *iampb.Binding) bool { return proto.Equal(x, y) })
}

// recordingIAM passes calls to the real client and keeps the policies sent with SetIamPolicy, so a
// test can see what was written (the fake normalises what it stores).
type recordingIAM struct {
	grant.IAMAPI
	mu      sync.Mutex
	written []*iampb.Policy
}

func (r *recordingIAM) SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest, opts ...gax.CallOption) (*iampb.Policy, error) {
	r.mu.Lock()
	written, ok := proto.Clone(req.GetPolicy()).(*iampb.Policy)
	if !ok {
		panic("proto.Clone of a policy is not a policy")
	}
	r.written = append(r.written, written)
	r.mu.Unlock()
	return r.IAMAPI.SetIamPolicy(ctx, req, opts...)
}

func (r *recordingIAM) last() *iampb.Policy {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.written) == 0 {
		return nil
	}
	return r.written[len(r.written)-1]
}
