// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"cloud.google.com/go/iam/apiv1/iampb"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/arfake"
)

// compatibilityData makes Terraform configure the provider in a plan.
const compatibilityData = `
data "zenmlpro_version_compatibility" "test" {
  control_plane_version = "0.13.0"
  workspace_versions    = { ws1 = "0.93.2" }
}
`

func TestAccCloudConfig_Validation(t *testing.T) {
	t.Parallel()
	step := func(block, want string) resource.TestStep {
		return resource.TestStep{
			Config:      "provider \"zenmlpro\" {\n" + block + "\n}\n" + compatibilityData,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(want),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step(`aws = { region = "eu-central-1a" }`, `(?s)Invalid AWS Region.*aws\.region.*"eu-central-1a" is not an AWS region.*availability\s+zone`),
			step(`aws = { region = "EU" }`, `(?s)Invalid AWS Region.*"eu-central-1"`),
			step(`aws = { profile = "[profile deploy]" }`, `(?s)Invalid AWS Profile.*aws\.profile.*without\s+brackets`),
			step(`aws = { assume_role_arn = "arn:aws:iam::123456789012:instance-profile/web" }`,
				`(?s)Invalid Role ARN.*aws\.assume_role_arn.*instance-profile\s+ARN;\s+give\s+the\s+role\s+ARN`),
			step(`aws = { assume_role_arn = "arn:aws:sts::123456789012:assumed-role/admin/session" }`,
				`(?s)Invalid Role ARN.*STS\s+assumed-role\s+ARN`),
			step(`aws = { assume_role_arn = "arn:aws:iam::1234567890:role/admin" }`, `(?s)Invalid Role ARN.*wrong\s+account\s+id\s+length`),
			step(`aws = { endpoints = { ecr = "127.0.0.1:5000" } }`,
				`(?s)Invalid AWS Endpoint.*aws\.endpoints\.ecr.*not\s+an\s+absolute\s+http\s+or\s+https\s+URL.*http://127\.0\.0\.1:5000`),
			step(`aws = { endpoints = { iam = "ftp://iam.example.com" } }`, `(?s)Invalid AWS Endpoint.*aws\.endpoints\.iam`),
			step(`aws = { endpoints = { sts = "http://127.0.0.1:5000/?x=1" } }`, `(?s)Invalid AWS Endpoint.*aws\.endpoints\.sts.*query\s+or\s+fragment`),
			step(`aws = { endpoints = { sts = "https://user:pw@sts.example.com" } }`, `(?s)Invalid AWS Endpoint.*user\s+information`),
			step(`aws = { max_retries = 26 }`, `(?s)aws\.max_retries.*between\s+0\s+and\s+25,\s+got:\s+26`),
			step(`aws = { max_retries = -1 }`, `(?s)aws\.max_retries.*between\s+0\s+and\s+25`),
			step(`gcp = { project = "My_Project" }`, `(?s)Invalid GCP Project.*gcp\.project.*"my-project"`),
			step(`gcp = { credentials = "/home/me/key.json" }`, `(?s)Invalid GCP Credentials.*gcp\.credentials.*not\s+a\s+JSON\s+object.*file\("key\.json"\)`),
			step(`gcp = { credentials = jsonencode({ type = "external_account" }) }`, `(?s)Invalid GCP Credentials.*"type":\s+"external_account"`),
			step(`gcp = { credentials = jsonencode({ type = "service_account", client_email = "a@b.iam.gserviceaccount.com" }) }`,
				`(?s)Invalid GCP Credentials.*no\s+"private_key"`),
			step(`gcp = { artifact_registry_endpoint = "https://artifactregistry.googleapis.com" }`,
				`(?s)Invalid Artifact Registry Endpoint.*gcp\.artifact_registry_endpoint.*has\s+a\s+scheme.*artifactregistry\.googleapis\.com:443`),
			step(`gcp = { artifact_registry_endpoint = "127.0.0.1" }`, `(?s)Invalid Artifact Registry Endpoint.*not\s+HOST:PORT`),
			step(`gcp = { artifact_registry_endpoint = "127.0.0.1:0" }`, `(?s)Invalid Artifact Registry Endpoint.*no\s+valid\s+port`),
			step(`gcp = { insecure = true }`, `(?s)Invalid Insecure Setting.*gcp\.insecure.*needs\s+artifact_registry_endpoint.*127\.0\.0\.1:50051`),
			step(`gcp = {
  insecure                   = true
  artifact_registry_endpoint = "127.0.0.1:50051"
  credentials                = jsonencode({ type = "authorized_user", client_id = "i", client_secret = "s", refresh_token = "r" })
}`, `(?s)Invalid Insecure Setting.*credentials\s+would\s+not\s+be\s+used`),
		},
	})
}

// A full, valid configuration whose endpoints point at a closed port plans fine: nothing is contacted.
func TestAccCloudConfig_ValidPlanDoesNotConnect(t *testing.T) {
	t.Parallel()
	addr := closedAddr(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "zenmlpro" {
  aws = {
    region          = "us-gov-west-1"
    profile         = "deploy-profile-that-does-not-exist"
    assume_role_arn = "arn:aws-us-gov:iam::123456789012:role/path/deployer"
    endpoints = {
      ecr = "http://%[1]s"
      iam = "http://%[1]s"
      sts = "https://%[1]s/"
    }
    max_retries = 0
  }
  gcp = {
    project                    = "my-project"
    artifact_registry_endpoint = "%[1]s"
    insecure                   = true
  }
}
`+compatibilityData, addr),
			PlanOnly: true,
		}, {
			// Values known only after apply: the provider is configured with unknown values and does not fail.
			Config: `
resource "terraform_data" "later" {
  input = "eu-central-1"
}
provider "zenmlpro" {
  aws = {
    region          = terraform_data.later.output
    assume_role_arn = "arn:aws:iam::123456789012:role/${terraform_data.later.id}"
    endpoints       = { sts = "http://${terraform_data.later.id}:5000" }
  }
  gcp = {
    project                    = terraform_data.later.output
    credentials                = terraform_data.later.output
    artifact_registry_endpoint = "${terraform_data.later.id}:443"
  }
}
` + compatibilityData,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// countingListener counts the connections made to it.
func countingListener(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	return l.Addr().String(), &n
}

// ConfigureProvider through the provider server, with every cloud value given, with endpoints at a
// closed port and at a listener that counts connections, and with unknown values: it succeeds and
// contacts nothing.
func TestCloudConfigConfigureContactsNothing(t *testing.T) {
	ctx := t.Context()
	listening, conns := countingListener(t)
	closed := closedAddr(t)
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "GetProviderSchema", schemas.Diagnostics)
	providerType := schemas.Provider.ValueType()
	awsType := attrType(t, providerType, "aws")
	gcpType := attrType(t, providerType, "gcp")
	endpointsType := attrType(t, awsType, "endpoints")
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	config := func(addr string, region, gcpEndpoint tftypes.Value) tftypes.Value {
		return objectValue(t, providerType, map[string]tftypes.Value{
			"aws": objectValue(t, awsType, map[string]tftypes.Value{
				"region":          region,
				"profile":         str("profile-that-does-not-exist"),
				"assume_role_arn": str("arn:aws:iam::123456789012:role/deployer"),
				"endpoints": objectValue(t, endpointsType, map[string]tftypes.Value{
					"ecr": str("http://" + addr), "iam": str("http://" + addr), "sts": str("http://" + addr),
				}),
				"max_retries": tftypes.NewValue(tftypes.Number, 3),
			}),
			"gcp": objectValue(t, gcpType, map[string]tftypes.Value{
				"project":                    str("my-project"),
				"artifact_registry_endpoint": gcpEndpoint,
				"insecure":                   tftypes.NewValue(tftypes.Bool, true),
			}),
		})
	}
	for name, cfg := range map[string]tftypes.Value{
		"closed port":     config(closed, str("eu-central-1"), str(closed)),
		"counting":        config(listening, str("eu-central-1"), str(listening)),
		"unknown values":  config(listening, unknown, unknown),
		"unknown gcp":     objectValue(t, providerType, map[string]tftypes.Value{"gcp": tftypes.NewValue(gcpType, tftypes.UnknownValue)}),
		"no cloud at all": objectValue(t, providerType, nil),
	} {
		resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: dynamicValue(t, providerType, cfg)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		noErrors(t, "ConfigureProvider "+name, resp.Diagnostics)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("configuring the provider made %d connections", n)
	}
}

// configureDirect runs the provider's Configure on a config value and returns its providerData.
func configureDirect(t *testing.T, attrs map[string]tftypes.Value) *providerData {
	t.Helper()
	ctx := t.Context()
	p := New("test")()
	var sresp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx)
	var resp provider.ConfigureResponse
	p.Configure(ctx, provider.ConfigureRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: objectValue(t, typ, attrs)}}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Configure: %v", resp.Diagnostics)
	}
	data, ok := resp.ResourceData.(*providerData)
	if !ok {
		t.Fatalf("ResourceData is a %T", resp.ResourceData)
	}
	return data
}

// The clients handed to resources carry the configuration, and the Artifact Registry client works
// against the fake; values unknown at plan, or known only at Configure and invalid, make get fail
// with the reason instead of Configure.
func TestCloudConfigProviderData(t *testing.T) {
	ctx := t.Context()
	p := New("test")()
	var sresp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx)
	awsType := attrType(t, typ, "aws")
	gcpType := attrType(t, typ, "gcp")
	endpointsType := attrType(t, awsType, "endpoints")
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

	fake, endpoint := arfake.Start(t)
	repo := arfake.RepositoryName("my-project", "us-central1", "images")
	fake.AddRepository(repo)
	data := configureDirect(t, map[string]tftypes.Value{
		"aws": objectValue(t, awsType, map[string]tftypes.Value{
			"region":          str("eu-west-1"),
			"assume_role_arn": str("arn:aws:iam::123456789012:role/deployer"),
			"endpoints":       objectValue(t, endpointsType, map[string]tftypes.Value{"ecr": str("http://127.0.0.1:5000")}),
			"max_retries":     tftypes.NewValue(tftypes.Number, 7),
		}),
		"gcp": objectValue(t, gcpType, map[string]tftypes.Value{
			"project": str("my-project"), "artifact_registry_endpoint": str(endpoint), "insecure": tftypes.NewValue(tftypes.Bool, true),
		}),
	})
	a, err := data.aws.get()
	if err != nil {
		t.Fatal(err)
	}
	c := a.Config()
	if c.Region != "eu-west-1" || c.AssumeRoleARN != "arn:aws:iam::123456789012:role/deployer" || c.Endpoints.ECR != "http://127.0.0.1:5000" ||
		c.MaxRetries == nil || *c.MaxRetries != 7 {
		t.Fatalf("aws config = %+v", c)
	}
	g, err := data.gcp.get()
	if err != nil {
		t.Fatal(err)
	}
	if g.Config().Project != "my-project" || !g.Config().Insecure {
		t.Fatalf("gcp config = %v", g.Config())
	}
	if fake.Calls(arfake.GetIamPolicy) != 0 {
		t.Fatal("Configure contacted Artifact Registry")
	}
	client, err := g.ArtifactRegistry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	if _, err := client.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{Resource: repo}); err != nil || fake.Calls(arfake.GetIamPolicy) != 1 {
		t.Fatalf("GetIamPolicy through the configured client: %v (calls %d)", err, fake.Calls(arfake.GetIamPolicy))
	}

	// Without the attributes: the default chain and ADC, still lazily.
	data = configureDirect(t, nil)
	if a, err := data.aws.get(); err != nil || a.Config().Region != "" {
		t.Fatalf("default aws = %v, %v", a, err)
	}
	if g, err := data.gcp.get(); err != nil || g.Config().CredentialsJSON != "" {
		t.Fatalf("default gcp = %v, %v", g, err)
	}

	data = configureDirect(t, map[string]tftypes.Value{
		"aws": objectValue(t, awsType, map[string]tftypes.Value{"region": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}),
		"gcp": tftypes.NewValue(gcpType, tftypes.UnknownValue),
	})
	if _, err := data.aws.get(); err == nil || !strings.Contains(err.Error(), "aws attribute is not known yet") {
		t.Fatalf("unknown aws: %v", err)
	}
	if _, err := data.gcp.get(); err == nil || !strings.Contains(err.Error(), "gcp attribute is not known yet") {
		t.Fatalf("unknown gcp: %v", err)
	}

	// Values that were unknown at validate time are checked at Configure and reported at first use.
	data = configureDirect(t, map[string]tftypes.Value{
		"aws": objectValue(t, awsType, map[string]tftypes.Value{"region": str("eu-central-1a")}),
		"gcp": objectValue(t, gcpType, map[string]tftypes.Value{"credentials": str(`{"type":"service_account","private_key":"SECRET-MARKER"}`)}),
	})
	if _, err := data.aws.get(); err == nil || !strings.Contains(err.Error(), `aws.region: "eu-central-1a" is not an AWS region`) {
		t.Fatalf("invalid aws region at Configure: %v", err)
	}
	if _, err := data.gcp.get(); err == nil || !strings.Contains(err.Error(), `gcp.credentials`) || strings.Contains(err.Error(), "SECRET-MARKER") {
		t.Fatalf("invalid gcp credentials at Configure: %v", err)
	}
}

// The credentials validator never quotes the value, whatever is wrong with it.
func TestCredentialsValidatorNeverQuotesTheValue(t *testing.T) {
	const marker = "SECRET-MARKER-42"
	v := checkString("Invalid GCP Credentials", "", checkCredentials)
	for _, in := range []string{
		marker,
		`{"type":"` + marker + `"}`,
		`{"type":"service_account","private_key":"` + marker + `"}`,
		`{"type":"authorized_user","client_secret":"` + marker + `","client_id":"` + marker + `"}`,
		`{"private_key":"` + marker + `"}`,
	} {
		var resp validator.StringResponse
		v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("gcp").AtName("credentials"), ConfigValue: types.StringValue(in)}, &resp)
		if !resp.Diagnostics.HasError() {
			t.Fatalf("accepted %q", in)
		}
		for _, d := range resp.Diagnostics {
			if strings.Contains(d.Summary()+d.Detail(), marker) {
				t.Fatalf("the diagnostic quotes the credentials: %s", d.Detail())
			}
		}
	}
}

// aws.endpoints.iam is deprecated (the provider makes no IAM calls): still accepted, with a
// deprecation message that says it is ignored and until when it is accepted.
func TestAWSEndpointsIAMIsDeprecated(t *testing.T) {
	aws, ok := awsAttribute().(schema.SingleNestedAttribute)
	if !ok {
		t.Fatal("aws is not a nested attribute")
	}
	endpoints, ok := aws.Attributes["endpoints"].(schema.SingleNestedAttribute)
	if !ok {
		t.Fatal("aws.endpoints is not a nested attribute")
	}
	iam := endpoints.Attributes["iam"].GetDeprecationMessage()
	if !strings.Contains(iam, "not used") || !strings.Contains(iam, "until version 1.0") {
		t.Errorf("aws.endpoints.iam deprecation message = %q", iam)
	}
	for _, s := range awsEndpointServices {
		if msg := endpoints.Attributes[s].GetDeprecationMessage(); msg != "" {
			t.Errorf("aws.endpoints.%s is deprecated: %q", s, msg)
		}
	}
}
