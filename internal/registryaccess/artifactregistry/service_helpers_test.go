// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	artifactregistry "cloud.google.com/go/artifactregistry/apiv1"
	"cloud.google.com/go/iam/apiv1/iampb"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	ar "github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/arfake"
)

// timeout is the timeout of calls that are expected to succeed; with the fast backoff nothing
// waits anywhere near it.
const timeout = 30 * time.Second

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
func addARRepository(f *arfake.Fake, name string) ar.Repository {
	r := ar.Repository{Project: arProject, Location: arLocation, Repository: name}
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
	ar.API
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
	return r.API.SetIamPolicy(ctx, req, opts...)
}

func (r *recordingIAM) last() *iampb.Policy {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.written) == 0 {
		return nil
	}
	return r.written[len(r.written)-1]
}
