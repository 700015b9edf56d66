// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/ecrfake"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/retrytest"
)

// BenchmarkECRRefresh100Grants is the refresh of 100 grants on four repositories (ECR's 10,240-character
// policy limit holds about 45 statements), 10 at a time as Terraform runs them: the budget (DESIGN.md)
// is one policy read per repository per refresh, reported as policy-reads/op, next to the time one
// refresh takes.
func BenchmarkECRRefresh100Grants(b *testing.B) {
	const repositories = 4
	fake := ecrfake.New(b)
	grants := make([]ecr.Grant, 100)
	for i := range grants {
		name := fmt.Sprintf("zenml-mirror-%d", i%repositories)
		if i < repositories {
			fake.CreateRepository(name)
		}
		repo := ecr.Repository{Region: ecrfake.DefaultRegion, RegistryID: ecrfake.DefaultRegistryID, Name: name}
		grants[i] = ecr.Grant{Repository: repo, Access: registryaccess.AccessPull,
			PrincipalARN: fmt.Sprintf("arn:aws:iam::%s:role/puller-%03d", ecrfake.DefaultRegistryID, i)}
	}
	client := fake.Client()
	setup := ecr.NewService(client, retrytest.FastOptions())
	for _, g := range grants {
		if _, err := setup.Grant(context.Background(), g, timeout); err != nil {
			b.Fatal(err)
		}
	}
	before := fake.Calls(ecrfake.OpGetRepositoryPolicy)
	b.ResetTimer()
	for b.Loop() {
		// Each refresh is a new provider process: a new service with an empty cache.
		svc := ecr.NewService(client, retrytest.FastOptions())
		sem := make(chan struct{}, 10)
		var wg sync.WaitGroup
		for _, g := range grants {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if st, _, err := svc.Check(context.Background(), g, timeout); err != nil || st != registryaccess.Current {
					b.Errorf("Check = %v, %v", st, err)
				}
			}()
		}
		wg.Wait()
	}
	reads := float64(fake.Calls(ecrfake.OpGetRepositoryPolicy)-before) / float64(b.N)
	b.ReportMetric(reads, "policy-reads/op")
	if reads != repositories { // a count, not a time: the budget is exact
		b.Fatalf("a refresh of 100 grants on %d repositories read a policy %.2f times, want %d (one per repository)", repositories, reads, repositories)
	}
}
