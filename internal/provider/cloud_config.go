// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
)

// awsEndpointServices are the services whose endpoint can be overridden, in schema order.
var awsEndpointServices = []string{"ecr", "sts"}

// awsAttribute is the provider's `aws` attribute.
func awsAttribute() schema.Attribute {
	endpoints := map[string]schema.Attribute{}
	for _, s := range awsEndpointServices {
		endpoints[s] = schema.StringAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("URL of the %s API instead of the regular AWS endpoint, an absolute `http` or `https` URL "+
				"without query or fragment, e.g. `%s` for a local moto server or a VPC interface endpoint's URL. Defaults to the regular endpoint "+
				"(or `AWS_ENDPOINT_URL_%s`).", strings.ToUpper(s), ecr.ExampleAWSEndpoint, strings.ToUpper(s)),
			Validators: []validator.String{checkString("Invalid AWS Endpoint", "value must be an absolute http or https URL without query or fragment", ecr.CheckAWSEndpoint)},
		}
	}
	// The provider makes no IAM calls: the attribute is accepted, and ignored, until version 1.0.
	endpoints["iam"] = schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "Deprecated: the provider makes no IAM calls, so this endpoint is not used. Remove it; it is accepted, and " +
			"ignored, until version 1.0.",
		DeprecationMessage: "aws.endpoints.iam is not used: the provider makes no IAM calls. Remove it; it is accepted, and ignored, until version 1.0.",
		Validators:         []validator.String{checkString("Invalid AWS Endpoint", "value must be an absolute http or https URL without query or fragment", ecr.CheckAWSEndpoint)},
	}
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "How the provider reaches AWS (ECR, and STS to assume a role) for registry access grants on ECR (the `zenmlpro_registry_access_grant` resource with `ecr`), e.g. " +
			"`aws = { region = \"" + ecr.ExampleAWSRegion + "\", assume_role_arn = \"" + principal.ExampleAWSRoleARN + "\" }`. " +
			"Credentials come from the default AWS credential chain (environment variables, the shared config and credentials files, " +
			"web identity, the ECS or EC2 metadata endpoints); the provider never stores them. Values may be unknown until apply: " +
			"the clients are built lazily, at the first operation that needs AWS, once, and shared by every resource; a plan never contacts AWS " +
			"for configuration. Without this attribute the default credential chain and region are used.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "AWS region of the ECR API calls, e.g. `" + ecr.ExampleAWSRegion + "`, `us-gov-west-1` or `cn-northwest-1` " +
					"(a grant's own `ecr.region` wins for that grant). Defaults to `AWS_REGION` or the profile's region.",
				Validators: []validator.String{checkString("Invalid AWS Region", "value must be an AWS region name such as "+ecr.ExampleAWSRegion, ecr.CheckAWSRegion)},
			},
			"profile": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Named profile of the shared AWS config and credentials files, e.g. `" + ecr.ExampleAWSProfile + "`. " +
					"Defaults to `AWS_PROFILE`, else the `default` profile.",
				Validators: []validator.String{checkString("Invalid AWS Profile", "value must be a profile name without brackets or surrounding blanks", ecr.CheckAWSProfile)},
			},
			"assume_role_arn": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "ARN of an IAM role to assume (with STS `AssumeRole`, session name `" + ecr.AssumeRoleSessionName + "`) " +
					"from the base credentials for every call, e.g. `" + principal.ExampleAWSRoleARN + "`. Partitions " +
					quotedList(principal.AWSPartitions()) + " are accepted. Defaults to no role: the base credentials are used directly.",
				Validators: []validator.String{checkString("Invalid Role ARN", "value must be an IAM role ARN", checkAssumeRoleARN)},
			},
			"endpoints": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Service URLs that replace the regular AWS endpoints, for tests against a local server (moto) or for " +
					"private endpoints, e.g. `endpoints = { ecr = \"" + ecr.ExampleAWSEndpoint + "\", sts = \"" +
					ecr.ExampleAWSEndpoint + "\" }`. Each defaults to the regular endpoint.",
				Attributes: endpoints,
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many times the AWS SDK retries a failed call (throttling, 5xx, network errors) with backoff, "+
					"0 to %d. Defaults to `%d` (the SDK's default of %d attempts). Registry access grants retry IAM propagation and "+
					"concurrent policy changes on their own, within their timeouts.", ecr.MaxAWSRetries, ecr.DefaultAWSMaxRetries, ecr.DefaultAWSMaxRetries+1),
				Validators: []validator.Int64{int64validator.Between(0, ecr.MaxAWSRetries)},
			},
		},
	}
}

// gcpAttribute is the provider's `gcp` attribute.
func gcpAttribute() schema.Attribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "How the provider reaches Google Cloud (Artifact Registry) for registry access grants on Artifact Registry (the " +
			"`zenmlpro_registry_access_grant` resource with `artifact_registry`), e.g. `gcp = { project = \"" + principal.ExampleGCPProject + "\" }`. Credentials are Application Default " +
			"Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, `gcloud auth application-default login`, or the metadata server on GCP) unless " +
			"`credentials` is given. Values may be unknown until apply: the client is built lazily, at the first operation that needs " +
			"Artifact Registry, once, and shared by every resource; a plan never contacts Google Cloud for configuration. " +
			"Without this attribute Application Default Credentials and the regular endpoint are used.",
		Validators: []validator.Object{gcpObjectValidator{}},
		Attributes: map[string]schema.Attribute{
			"project": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Default GCP project id of grants that name none, 6 to 30 lower-case letters, digits and hyphens, " +
					"e.g. `" + principal.ExampleGCPProject + "`. Defaults to none: each grant names its project.",
				Validators: []validator.String{checkString("Invalid GCP Project", "value must be a GCP project id", principal.CheckGCPProjectID)},
			},
			"credentials": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Contents (not the path) of a service account key JSON file (`\"type\": \"service_account\"`) or of an " +
					"authorized user file (`\"type\": \"authorized_user\"`), e.g. `file(\"key.json\")`. It never enters the state, the logs " +
					"or an error message; from a variable, make it `ephemeral = true` so that saved plan files do not hold it either. Defaults to " +
					"Application Default Credentials; prefer those (or Workload Identity) to a key.",
				Validators: []validator.String{checkString("Invalid GCP Credentials", "value must be a service account key or authorized user JSON document", checkCredentials)},
			},
			"artifact_registry_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "gRPC endpoint of the Artifact Registry API as `HOST:PORT`, without scheme, e.g. `" + artifactregistry.ExampleGCPEndpoint +
					"` (the regular one), a Private Service Connect endpoint, or `" + artifactregistry.ExampleLocalGCPEndpoint + "` for a local test server. " +
					"Defaults to the regular endpoint.",
				Validators: []validator.String{checkString("Invalid Artifact Registry Endpoint", "value must be HOST:PORT", artifactregistry.CheckGRPCEndpoint)},
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "For tests only: talk to `artifact_registry_endpoint` in plain text, without TLS and without credentials " +
					"(a local fake server). Needs `artifact_registry_endpoint` and takes no `credentials`. Defaults to `false`.",
			},
		},
	}
}

// awsModel is the aws attribute.
type awsModel struct {
	Region        types.String `tfsdk:"region"`
	Profile       types.String `tfsdk:"profile"`
	AssumeRoleARN types.String `tfsdk:"assume_role_arn"`
	Endpoints     types.Object `tfsdk:"endpoints"`
	MaxRetries    types.Int64  `tfsdk:"max_retries"`
}

type awsEndpointsModel struct {
	ECR types.String `tfsdk:"ecr"`
	IAM types.String `tfsdk:"iam"`
	STS types.String `tfsdk:"sts"`
}

// gcpModel is the gcp attribute.
type gcpModel struct {
	Project                  types.String `tfsdk:"project"`
	Credentials              types.String `tfsdk:"credentials"`
	ArtifactRegistryEndpoint types.String `tfsdk:"artifact_registry_endpoint"`
	Insecure                 types.Bool   `tfsdk:"insecure"`
}

// lazyClients is a provider cloud attribute as far as it is known at configuration: the clients
// (built at first use), or why they cannot be used.
type lazyClients[T any] struct {
	clients T
	// unknown is true while a value of the attribute is unknown (a plan).
	unknown bool
	// problem is a rule broken by a value that was unknown at validate time.
	problem error
	attr    string
}

// get returns the clients, or an error saying why the attribute cannot be used yet.
func (l lazyClients[T]) get() (T, error) {
	var zero T
	switch {
	case l.unknown:
		return zero, fmt.Errorf("the provider's %s attribute is not known yet (it depends on values known after apply)", l.attr)
	case l.problem != nil:
		return zero, fmt.Errorf("the provider's %s attribute: %w", l.attr, l.problem)
	}
	return l.clients, nil
}

// awsClientsFrom reads the aws attribute. Rule problems of values that were unknown at validate
// time are kept in problem, for the first use to report; diagnostics are decoding failures only.
func awsClientsFrom(ctx context.Context, obj types.Object, extra ...func(*config.LoadOptions) error) (lazyClients[*ecr.Clients], diag.Diagnostics) {
	out := lazyClients[*ecr.Clients]{attr: "aws"}
	var diags diag.Diagnostics
	if obj.IsUnknown() {
		out.unknown = true
		return out, diags
	}
	var cfg ecr.Config
	if !obj.IsNull() {
		var m awsModel
		diags.Append(obj.As(ctx, &m, basetypes.ObjectAsOptions{})...)
		var e awsEndpointsModel
		if !m.Endpoints.IsNull() && !m.Endpoints.IsUnknown() {
			diags.Append(m.Endpoints.As(ctx, &e, basetypes.ObjectAsOptions{})...)
		}
		if diags.HasError() {
			return out, diags
		}
		if anyUnknown(m.Region, m.Profile, m.AssumeRoleARN, m.Endpoints, m.MaxRetries, e.ECR, e.IAM, e.STS) {
			out.unknown = true
			return out, diags
		}
		cfg = ecr.Config{
			Region: m.Region.ValueString(), Profile: m.Profile.ValueString(), AssumeRoleARN: m.AssumeRoleARN.ValueString(),
			Endpoints: ecr.Endpoints{ECR: e.ECR.ValueString(), STS: e.STS.ValueString()},
		}
		if !m.MaxRetries.IsNull() {
			n := int(m.MaxRetries.ValueInt64())
			cfg.MaxRetries = &n
		}
		out.problem = checkAWSConfig(cfg)
	}
	out.clients = ecr.NewClients(cfg, extra...)
	return out, diags
}

// checkAWSConfig checks every rule of a known aws attribute.
func checkAWSConfig(c ecr.Config) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("aws.%w", err)
	}
	return nil
}

// gcpClientsFrom reads the gcp attribute, as awsClientsFrom does the aws one.
func gcpClientsFrom(ctx context.Context, obj types.Object) (lazyClients[*artifactregistry.Clients], diag.Diagnostics) {
	out := lazyClients[*artifactregistry.Clients]{attr: "gcp"}
	var diags diag.Diagnostics
	if obj.IsUnknown() {
		out.unknown = true
		return out, diags
	}
	var cfg artifactregistry.Config
	if !obj.IsNull() {
		var m gcpModel
		diags.Append(obj.As(ctx, &m, basetypes.ObjectAsOptions{})...)
		if diags.HasError() {
			return out, diags
		}
		if anyUnknown(m.Project, m.Credentials, m.ArtifactRegistryEndpoint, m.Insecure) {
			out.unknown = true
			return out, diags
		}
		cfg = artifactregistry.Config{
			Project: m.Project.ValueString(), CredentialsJSON: m.Credentials.ValueString(),
			ArtifactRegistryEndpoint: m.ArtifactRegistryEndpoint.ValueString(), Insecure: m.Insecure.ValueBool(),
		}
		out.problem = checkGCPConfig(cfg)
	}
	out.clients = artifactregistry.NewClients(cfg)
	return out, diags
}

// checkGCPConfig checks every rule of a known gcp attribute.
func checkGCPConfig(c artifactregistry.Config) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("gcp.%w", err)
	}
	return nil
}

func anyUnknown(values ...attr.Value) bool {
	for _, v := range values {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}

func checkAssumeRoleARN(s string) error {
	_, err := principal.ParseAWSRoleARN(s)
	return err
}

// checkCredentials checks a credentials JSON document without ever quoting it.
func checkCredentials(s string) error {
	_, err := artifactregistry.CheckCredentialsJSON(s)
	return err
}

// gcpObjectValidator checks insecure against the rest of a literal gcp object at validate time.
type gcpObjectValidator struct{}

func (gcpObjectValidator) Description(context.Context) string {
	return "insecure = true needs artifact_registry_endpoint and takes no credentials"
}

func (v gcpObjectValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (gcpObjectValidator) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m gcpModel
	resp.Diagnostics.Append(req.ConfigValue.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if resp.Diagnostics.HasError() || anyUnknown(m.Insecure, m.ArtifactRegistryEndpoint, m.Credentials) {
		return
	}
	if msg := artifactregistry.InsecureProblem(m.Insecure.ValueBool(), !m.ArtifactRegistryEndpoint.IsNull(), !m.Credentials.IsNull()); msg != "" {
		p := req.Path.AtName("insecure")
		resp.Diagnostics.AddAttributeError(p, "Invalid Insecure Setting", fmt.Sprintf("Attribute %s: %s.", p, msg))
	}
}
