// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// testAccEphemeralSteps runs steps with the provider and the echo provider, whose echo resource
// copies the echo provider's `data` into the state: the one way a test can see the values of an
// ephemeral resource. Ephemeral resources need Terraform 1.10 or OpenTofu 1.11; OpenTofu 1.10 reports
// version 1.10 without them, so the steps are skipped below 1.11. Open, its results and Renew are
// exercised without the CLI by TestRegistryCredentialsEphemeral_renew.
func testAccEphemeralSteps(t *testing.T, p func() (tfprotov6.ProviderServer, error), steps []resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		PreCheck: func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"zenmlpro": p,
			"echo":     echoprovider.NewProviderServer(),
		},
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps:                  steps,
	})
}

// registryCredentialsEcho is an ephemeral zenmlpro_registry_credentials "test" with the given
// arguments (HCL attribute lines), whose values the echo resource "test" keeps in the state.
func registryCredentialsEcho(args string) string {
	return fmt.Sprintf(`
ephemeral "zenmlpro_registry_credentials" "test" {
%s
}

provider "echo" {
  data = ephemeral.zenmlpro_registry_credentials.test
}

resource "echo" "test" {}
`, args)
}

// echoString checks the string attribute attr of the echoed credentials.
func echoString(attr string, check knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey(attr), check)
}

// dockerConfigFor checks that a docker_config_json holds exactly key's credentials user and pass,
// with auth the base64 of user:pass.
func dockerConfigFor(key, user, pass string) knownvalue.Check {
	return knownvalue.StringFunc(func(doc string) error {
		var cfg struct {
			Auths map[string]struct {
				Username string `json:"username"`
				Password string `json:"password"`
				Auth     string `json:"auth"`
			} `json:"auths"`
		}
		if err := json.Unmarshal([]byte(doc), &cfg); err != nil {
			return fmt.Errorf("docker_config_json is not JSON: %w", err)
		}
		e, ok := cfg.Auths[key]
		if !ok || len(cfg.Auths) != 1 {
			return fmt.Errorf("docker_config_json has auths for %d hosts, want %s only", len(cfg.Auths), key)
		}
		auth, err := base64.StdEncoding.DecodeString(e.Auth)
		if err != nil {
			return fmt.Errorf("the auth of %s is not base64: %w", key, err)
		}
		if e.Username != user || e.Password != pass || string(auth) != user+":"+pass {
			return fmt.Errorf("the auths entry of %s has user %q and an auth of user %q, or a password that differs; want user %q",
				key, e.Username, strings.SplitN(string(auth), ":", 2)[0], user)
		}
		return nil
	})
}

// The provider's registries entry gives its user and password, which do not expire; the password
// is in no state file beyond the echo resource's, which is the test's own copy.
func TestAccRegistryCredentialsEphemeral_registriesEntry(t *testing.T) {
	_, work := traceLogs(t)
	const host = "harbor.internal.example.com"
	password := testPassword(t, "harbor")
	testAccEphemeralSteps(t, providerserver.NewProtocol6WithError(New("test")()), []resource.TestStep{{
		Config: registriesProviderBlock(host, "robot$zenml", password) + imageBlock + registryCredentialsEcho(fmt.Sprintf("  registry = %q", host)),
		ConfigStateChecks: []statecheck.StateCheck{
			echoString("registry", knownvalue.StringExact(host)),
			echoString("username", knownvalue.StringExact("robot$zenml")),
			echoString("password", knownvalue.StringExact(password)),
			echoString("docker_config_json", dockerConfigFor(host, "robot$zenml", password)),
			echoString("expires_at", knownvalue.Null()),
			echoString("source", knownvalue.StringExact(`the provider's registries entry for `+host+` (user "robot$zenml")`)),
		},
	}})
	states, n, err := stateFiles(work)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || !strings.Contains(states, password) || !strings.Contains(states, "zenmlpro_image") {
		t.Fatal("no state file holds the echoed credentials and the zenmlpro data source: the search below would prove nothing")
	}
	checkStatesWithoutEcho(t, work, password)
}

// imageBlock is a zenmlpro_image data source that contacts no registry, so that the state holds
// something of the provider's.
const imageBlock = `
data "zenmlpro_image" "server" {
  component = "workspace_server"
  version   = "0.93.2"
  source    = "private"
  registry  = "harbor.internal.example.com/zenml"
}
`

// The credentials, given to the provider from an ephemeral variable, are in neither the state nor
// Terraform's and the provider's TRACE log, when nothing copies them into the state.
func TestAccRegistryCredentialsEphemeral_notInStateOrLogs(t *testing.T) {
	logFile, work := traceLogs(t)
	const host = "harbor.internal.example.com"
	password := testPassword(t, "harbor")
	t.Setenv("TF_VAR_harbor_password", password)
	testAccEphemeralSteps(t, providerserver.NewProtocol6WithError(New("test")()), []resource.TestStep{{
		Config: fmt.Sprintf(`
variable "harbor_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

provider "zenmlpro" {
  registries = {
    %[1]q = { username = "robot$zenml", password = var.harbor_password }
  }
}

ephemeral "zenmlpro_registry_credentials" "harbor" {
  registry = %[1]q
}
`, host) + imageBlock,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.zenmlpro_image.server", tfjsonpath.New("tag"), knownvalue.StringExact("0.93.2")),
		},
	}})
	states, n, err := stateFiles(work)
	if err != nil {
		t.Fatal(err)
	}
	trace, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || !strings.Contains(states, "zenmlpro_image") || !strings.Contains(string(trace), "registry credentials opened") {
		t.Fatal("the state does not hold the data source, or the TRACE log does not record the ephemeral resource: the search below would prove nothing")
	}
	auth := base64.StdEncoding.EncodeToString([]byte("robot$zenml:" + password))
	for name, s := range map[string]string{"state": states, "TRACE log": string(trace)} {
		if strings.Contains(s, password) || strings.Contains(s, auth) {
			t.Errorf("the password is in the %s", name)
		}
		if name == "state" && strings.Contains(s, "zenmlpro_registry_credentials") {
			t.Error("the state records the ephemeral resource")
		}
	}
}

// checkStatesWithoutEcho fails the test when a state file under work holds secret outside the
// echo resources.
func checkStatesWithoutEcho(t *testing.T, work, secret string) {
	t.Helper()
	err := filepath.WalkDir(work, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".tfstate") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			return err
		}
		var state map[string]any
		if err := json.Unmarshal(b, &state); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		var kept []any
		resources, _ := state["resources"].([]any)
		for _, r := range resources {
			if m, ok := r.(map[string]any); ok && m["type"] == "echo" {
				continue
			}
			kept = append(kept, r)
		}
		state["resources"] = kept
		rest, err := json.Marshal(state)
		if err != nil {
			return err
		}
		if strings.Contains(string(rest), secret) {
			t.Errorf("the state file %s holds the password outside the echo resource", p)
		}
		if strings.Contains(string(rest), "zenmlpro_registry_credentials") {
			t.Errorf("the state file %s records the ephemeral resource", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Credentials given as arguments (ZenML's JSON key) are returned as they are; the provider's
// registries entry for the host is not used.
func TestAccRegistryCredentialsEphemeral_givenCredentials(t *testing.T) {
	const host = "europe-west3-docker.pkg.dev"
	key := `{"type":"service_account","project_id":"zenml-pro-customer","private_key":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}`
	testAccEphemeralSteps(t, providerserver.NewProtocol6WithError(New("test")()), []resource.TestStep{{
		Config: registriesProviderBlock(host, "other", "other-pw") + registryCredentialsEcho(fmt.Sprintf(`  registry = %q
  username = "_json_key"
  password = %q`, host, key)),
		ConfigStateChecks: []statecheck.StateCheck{
			echoString("username", knownvalue.StringExact("_json_key")),
			echoString("password", knownvalue.StringExact(key)),
			echoString("docker_config_json", dockerConfigFor(host, "_json_key", key)),
			echoString("expires_at", knownvalue.Null()),
			echoString("source", knownvalue.StringExact("the username and password given to this ephemeral resource")),
		},
	}})
}

// An ECR host without a registries entry gets an authorization token from the provider's aws
// settings (moto issues it), with its expiry.
func TestAccRegistryCredentialsEphemeral_ecrToken(t *testing.T) {
	motoAWS := testsupport.AWS(t)
	tok, err := motoAWS.ECR.GetAuthorizationToken(t.Context(), &awsecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(aws.ToString(tok.AuthorizationData[0].AuthorizationToken))
	user, pass, _ := strings.Cut(string(raw), ":")
	host := motoAWS.AccountID() + ".dkr.ecr.eu-central-1.amazonaws.com"
	p := &zenmlproProvider{version: "test", awsLoadOptions: []func(*config.LoadOptions) error{
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(motoAWS.AccessKeyID, motoAWS.SecretAccessKey, "")),
		config.WithEC2IMDSClientEnableState(0),
	}}
	testAccEphemeralSteps(t, providerserver.NewProtocol6WithError(p), []resource.TestStep{{
		Config: fmt.Sprintf(`
provider "zenmlpro" {
  aws = { region = %q, endpoints = { ecr = %q, sts = %q } }
}
`, motoAWS.Region, motoAWS.Endpoint, motoAWS.Endpoint) + registryCredentialsEcho(fmt.Sprintf("  registry = %q", host)),
		ConfigStateChecks: []statecheck.StateCheck{
			echoString("username", knownvalue.StringExact(user)),
			echoString("password", knownvalue.StringExact(pass)),
			echoString("docker_config_json", dockerConfigFor(host, user, pass)),
			// moto's tokens expire at a fixed time in the past; ECR's after 12 hours.
			echoString("expires_at", knownvalue.StringExact(aws.ToTime(tok.AuthorizationData[0].ExpiresAt).UTC().Format(time.RFC3339))),
			echoString("source", knownvalue.StringRegexp(regexp.MustCompile(`^an ECR authorization token \(ecr:GetAuthorizationToken in eu-central-1\)`))),
		},
	}})
}

// A host that nothing else serves gets the Docker config's credentials; Docker Hub is keyed as
// docker login keys it.
func TestAccRegistryCredentialsEphemeral_dockerConfig(t *testing.T) {
	dir := t.TempDir()
	const host = "registry.example.com:5000"
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q},"https://index.docker.io/v1/":{"auth":%q}}}`, host,
		base64.StdEncoding.EncodeToString([]byte("mirror:s3cret-docker-pw")), base64.StdEncoding.EncodeToString([]byte("hubuser:hub-pw")))
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	// One test case each: the echo resource keeps what it first stored.
	testAccEphemeralSteps(t, providerserver.NewProtocol6WithError(New("test")()), []resource.TestStep{{
		Config: registryCredentialsEcho(fmt.Sprintf("  registry = %q", host)),
		ConfigStateChecks: []statecheck.StateCheck{
			echoString("username", knownvalue.StringExact("mirror")),
			echoString("password", knownvalue.StringExact("s3cret-docker-pw")),
			echoString("docker_config_json", dockerConfigFor(host, "mirror", "s3cret-docker-pw")),
			echoString("expires_at", knownvalue.Null()),
			echoString("source", knownvalue.StringExact(`the Docker config's credentials for `+host+` (user "mirror")`)),
		},
	}})
	testAccEphemeralSteps(t, providerserver.NewProtocol6WithError(New("test")()), []resource.TestStep{{
		Config: registryCredentialsEcho(`  registry = "docker.io"`),
		ConfigStateChecks: []statecheck.StateCheck{
			echoString("username", knownvalue.StringExact("hubuser")),
			echoString("docker_config_json", dockerConfigFor("https://index.docker.io/v1/", "hubuser", "hub-pw")),
		},
	}})
}

// Nothing holds credentials for the host: the plan fails naming the host and what was tried; an
// entry without credentials (anonymous pulls) fails the same way.
func TestAccRegistryCredentialsEphemeral_noCredentials(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no Docker config credentials
	const host = "harbor.internal.example.com"
	testAccEphemeralSteps(t, providerserver.NewProtocol6WithError(New("test")()), []resource.TestStep{
		{
			Config: registryCredentialsEcho(fmt.Sprintf("  registry = %q", host)),
			ExpectError: wrapped("No Registry Credentials", "no credentials for "+host, "no registries entry names "+host,
				"no cloud token serves it", "the Docker config", "has none for it", "docker login "+host),
		},
		{
			Config:      `provider "zenmlpro" { registries = { "127.0.0.1:5001" = {} } }` + registryCredentialsEcho(`  registry = "127.0.0.1:5001"`),
			ExpectError: wrapped("No Registry Credentials", "the provider's registries entry for 127.0.0.1:5001 has no username and password"),
		},
	})
}

// Arguments are checked at validate time: the registry host, and username and password together.
func TestAccRegistryCredentialsEphemeral_validation(t *testing.T) {
	testAccEphemeralSteps(t, providerserver.NewProtocol6WithError(New("test")()), []resource.TestStep{
		{
			Config:      registryCredentialsEcho(`  registry = "https://harbor.internal.example.com"`),
			ExpectError: wrapped("Invalid Registry Host", "is not a registry host", images.ExampleRegistryHost),
		},
		{
			Config:      registryCredentialsEcho(`  registry = "harbor.internal.example.com/zenml"`),
			ExpectError: wrapped("Invalid Registry Host", `credentials belong to the whole host: write "harbor.internal.example.com"`),
		},
		{
			// Neither a DNS name nor an IPv4 address in dotted decimal, as every host input says.
			Config:      registryCredentialsEcho(`  registry = "010.0.0.5:5000"`),
			ExpectError: wrapped("Invalid Registry Host", `"010.0.0.5" is not a valid hostname`, `"10.0.0.5"`),
		},
		{
			Config: registryCredentialsEcho(`  registry = "harbor.internal.example.com"
  username = "_json_key"`),
			ExpectError: wrapped("Incomplete Registry Credentials", "a username needs a password"),
		},
		{
			Config: registryCredentialsEcho(`  registry = "harbor.internal.example.com"
  password = "key"`),
			ExpectError: wrapped("Incomplete Registry Credentials", "a password needs a username"),
		},
	})
}

// Credentials that expire ask Terraform to renew them five minutes before; the renewal cannot give
// new values, so it warns that they are about to expire, naming the registry and the source. Through
// the protocol server, because Terraform renews only when a run outlasts the credentials.
func TestRegistryCredentialsEphemeral_renew(t *testing.T) {
	const host = "123456789012.dkr.ecr.eu-central-1.amazonaws.com"
	expires := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	p := &zenmlproProvider{version: "test", registryOptions: oci.Options{Tokens: []oci.TokenSource{fixedToken{host: host, expires: expires}}}}
	s, err := providerserver.NewProtocol6WithError(p)()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := s.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	cresp, err := s.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{Config: nullConfig(t, schemas.Provider, nil)})
	if err != nil || len(cresp.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider = %v, %v", cresp, err)
	}
	const typeName = "zenmlpro_registry_credentials"
	oresp, err := s.OpenEphemeralResource(t.Context(), &tfprotov6.OpenEphemeralResourceRequest{TypeName: typeName,
		Config: nullConfig(t, schemas.EphemeralResourceSchemas[typeName], map[string]tftypes.Value{"registry": tftypes.NewValue(tftypes.String, host)})})
	if err != nil || len(oresp.Diagnostics) > 0 {
		t.Fatalf("OpenEphemeralResource = %v, %v", oresp, err)
	}
	result, err := oresp.Result.Unmarshal(schemas.EphemeralResourceSchemas[typeName].ValueType())
	if err != nil {
		t.Fatal(err)
	}
	var vals map[string]tftypes.Value
	if err := result.As(&vals); err != nil {
		t.Fatal(err)
	}
	str := func(name string) string {
		var v string
		if err := vals[name].As(&v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	if str("username") != "AWS" || str("password") != "fixed-token-secret" || str("expires_at") != expires.Format(time.RFC3339) {
		t.Errorf("Open returned username %q, expires_at %q; want the token's", str("username"), str("expires_at"))
	}
	if dc := str("docker_config_json"); !strings.Contains(dc, `"`+host+`"`) || !strings.Contains(dc, "QVdTOmZpeGVkLXRva2VuLXNlY3JldA==") {
		t.Errorf("docker_config_json = %s; want an auths entry for %s with the base64 of AWS:<token>", dc, host)
	}
	if want := expires.Add(-5 * time.Minute); !oresp.RenewAt.Equal(want) {
		t.Errorf("RenewAt = %v, want %v (five minutes before the token expires)", oresp.RenewAt, want)
	}
	rresp, err := s.RenewEphemeralResource(t.Context(), &tfprotov6.RenewEphemeralResourceRequest{TypeName: typeName, Private: oresp.Private})
	if err != nil {
		t.Fatal(err)
	}
	if len(rresp.Diagnostics) != 1 || rresp.Diagnostics[0].Severity != tfprotov6.DiagnosticSeverityWarning ||
		rresp.Diagnostics[0].Summary != "Registry Credentials Expiring" {
		t.Fatalf("RenewEphemeralResource diagnostics = %+v, want one warning \"Registry Credentials Expiring\"", rresp.Diagnostics)
	}
	detail := rresp.Diagnostics[0].Detail
	for _, want := range []string{host, "a fixed test token", "at " + expires.Format(time.RFC3339)} {
		if !strings.Contains(detail, want) {
			t.Errorf("the warning %q does not say %q", detail, want)
		}
	}
	if strings.Contains(detail, "fixed-token-secret") || strings.Contains(string(oresp.Private), "fixed-token-secret") {
		t.Error("the warning or the private data quote the token")
	}
	if !rresp.RenewAt.IsZero() {
		t.Errorf("Renew asked for another renewal at %v, want none", rresp.RenewAt)
	}

	// renewAt halves the time left when it is shorter than the margin, and is now once expired.
	now := time.Now()
	if got := renewAt(now, now.Add(4*time.Minute)); !got.Equal(now.Add(2 * time.Minute)) {
		t.Errorf("renewAt of a token that expires in 4 minutes = %v, want in 2 minutes", got.Sub(now))
	}
	if got := renewAt(now, now.Add(-time.Hour)); !got.Equal(now) {
		t.Errorf("renewAt of an expired token = %v from now, want now", got.Sub(now))
	}
}

// nullConfig is a configuration of schema s with the given attributes, every other one null.
func nullConfig(t *testing.T, s *tfprotov6.Schema, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	typ, ok := s.ValueType().(tftypes.Object)
	if !ok {
		t.Fatal("the schema is not an object")
	}
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		vals[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// fixedToken is a token source for one host whose token expires at expires.
type fixedToken struct {
	host    string
	expires time.Time
}

func (f fixedToken) Serves(host string) bool { return host == f.host }

func (f fixedToken) Token(context.Context, string) (string, string, time.Time, error) {
	return "AWS", "fixed-token-secret", f.expires, nil
}

func (f fixedToken) Describe(string) string { return "a fixed test token" }
