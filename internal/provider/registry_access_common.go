// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// Descriptions of the principal object, shared by zenmlpro_registry_access_request and
// zenmlpro_registry_access_grant.

func awsRoleARNDescription(partitionRule string) string {
	return fmt.Sprintf("The ARN of an IAM role, `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` (account id of 12 digits, optional path), "+
		"e.g. `%s`. The partition is %s; %s Instance-profile, STS assumed-role and user ARNs and role IDs (`AROA...`) are refused "+
		"with a hint to the role ARN.", principal.ExampleAWSRoleARN, quotedList(principal.AWSPartitions()), partitionRule)
}

func gcpServiceAccountDescription() string {
	return fmt.Sprintf("The e-mail of a GCP service account, without the `serviceAccount:` prefix: user-managed "+
		"`NAME@PROJECT.iam.gserviceaccount.com` (e.g. `%s`), the Compute Engine default `PROJECT_NUMBER-compute@developer.gserviceaccount.com`, "+
		"the App Engine default `PROJECT@appspot.gserviceaccount.com` or the Cloud Run Service Agent "+
		"`service-PROJECT_NUMBER@serverless-robot-prod.iam.gserviceaccount.com`.", principal.ExampleGCPServiceAccount)
}

func workloadIdentityDescription() string {
	return fmt.Sprintf("A Kubernetes service account of a GKE cluster with Workload Identity, granted as the member "+
		"`serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]`, e.g. `%s`.", principal.ExampleWorkloadIdentityUser)
}

func workloadIdentityProjectDescription() string {
	return fmt.Sprintf("The project id of the cluster: 6 to 30 lower-case letters, digits and hyphens, starting with a letter, e.g. `%s`.",
		principal.ExampleGCPProject)
}

func workloadIdentityNamespaceDescription() string {
	return fmt.Sprintf("The Kubernetes namespace of the service account, a DNS-1123 label, e.g. `%s`.", principal.ExampleKubernetesNamespace)
}

func workloadIdentityKSADescription() string {
	return fmt.Sprintf("The name of the Kubernetes service account (not a GCP service account e-mail), a DNS-1123 subdomain, e.g. `%s`.",
		principal.ExampleKubernetesSA)
}

// grantServices builds the ECR and Artifact Registry grant services of one provider configuration at
// first use and shares them (with their locks and caches) between every grant.
type grantServices struct {
	opts registryaccess.Options

	ecrOnce sync.Once
	ecrSvc  *ecr.Service
	ecrErr  error

	arOnce sync.Once
	arSvc  *artifactregistry.Service
	arErr  error
}

func newGrantServices(opts registryaccess.Options) *grantServices {
	if opts.Log == nil {
		opts.Log = func(ctx context.Context, msg string, fields map[string]any) { tflog.Debug(ctx, msg, fields) }
	}
	return &grantServices{opts: opts}
}

func (g *grantServices) ecr(ctx context.Context, l lazyClients[*ecr.Clients]) (*ecr.Service, error) {
	clients, err := l.get()
	if err != nil {
		return nil, err
	}
	g.ecrOnce.Do(func() {
		var c *ecr.ServiceClients
		if c, g.ecrErr = clients.Clients(ctx); g.ecrErr == nil {
			g.ecrSvc = ecr.NewService(c.ECR, g.opts)
		}
	})
	return g.ecrSvc, g.ecrErr
}

func (g *grantServices) artifactRegistry(ctx context.Context, l lazyClients[*artifactregistry.Clients]) (*artifactregistry.Service, error) {
	clients, err := l.get()
	if err != nil {
		return nil, err
	}
	g.arOnce.Do(func() {
		c, err := clients.ArtifactRegistry(ctx)
		if err != nil {
			g.arErr = err
			return
		}
		g.arSvc = artifactregistry.NewService(c, g.opts)
	})
	return g.arSvc, g.arErr
}
