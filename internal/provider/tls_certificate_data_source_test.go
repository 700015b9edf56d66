// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/testcert"
)

// tlsNow is the clock of the data source in these tests.
var tlsNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const tlsAddress = "data.zenmlpro_tls_certificate.test"

// tlsDemoHosts are the hosts of the demo layout: every endpoint one label below ml.example.com.
var tlsDemoHosts = []string{"zenml.ml.example.com", "zenml-api.ml.example.com", "zenml-workspace-1.ml.example.com", "zenml-workspace-2.ml.example.com"}

// tlsClockProvider is the provider with the zenmlpro_tls_certificate data source's clock fixed.
type tlsClockProvider struct {
	*zenmlproProvider
	now time.Time
}

func (p *tlsClockProvider) DataSources(ctx context.Context) []func() datasource.DataSource {
	var out []func() datasource.DataSource
	for _, f := range p.zenmlproProvider.DataSources(ctx) {
		if _, ok := f().(*tlsCertificateDataSource); !ok {
			out = append(out, f)
		}
	}
	return append(out, func() datasource.DataSource { return &tlsCertificateDataSource{now: func() time.Time { return p.now }} })
}

func tlsClockFactories(now time.Time) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"zenmlpro": providerserver.NewProtocol6WithError(&tlsClockProvider{zenmlproProvider: &zenmlproProvider{version: "test"}, now: now}),
	}
}

// testTLSSteps runs steps against the real Terraform CLI with the data source's clock at tlsNow.
func testTLSSteps(t *testing.T, steps []resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: tlsClockFactories(tlsNow),
		Steps:                    steps,
	})
}

// tlsCert is a certificate made for a test, with its key.
type tlsCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string
}

// makeTLSCert makes a CA certificate (ca) or a TLS server certificate for dns, signed by parent or
// self-signed when parent is nil.
func makeTLSCert(t *testing.T, cn string, ca bool, dns []string, notBefore, notAfter time.Time, parent *tlsCert) *tlsCert {
	t.Helper()
	var p *testcert.Cert
	if parent != nil {
		p = &testcert.Cert{Cert: parent.cert, Key: parent.key, PEM: parent.pem}
	}
	c := testcert.New(t, testcert.Spec{CommonName: cn, Organization: "Example Corp", DNSNames: dns, CA: ca,
		NotBefore: notBefore, NotAfter: notAfter}, p)
	return &tlsCert{cert: c.Cert, key: c.Key, pem: c.PEM}
}

// tlsFixture is a private CA and the certificates the tests check, written as PEM files.
type tlsFixture struct {
	root, intermediate, leaf, otherRoot, notYetValid *tlsCert
	// keyPEM is the leaf's private key in PKCS #8 PEM.
	keyPEM string
	// chainFile holds the leaf and the intermediate, caFile the root, otherCAFile another root, keyFile
	// the leaf's key and notYetValidFile a leaf valid from five days after tlsNow.
	chainFile, caFile, otherCAFile, keyFile, notYetValidFile string
}

func newTLSFixture(t *testing.T) tlsFixture {
	t.Helper()
	var f tlsFixture
	f.root = makeTLSCert(t, "Example Root CA", true, nil, tlsNow.AddDate(-2, 0, 0), tlsNow.AddDate(10, 0, 0), nil)
	f.intermediate = makeTLSCert(t, "Example Issuing CA", true, nil, tlsNow.AddDate(-1, 0, 0), tlsNow.AddDate(4, 0, 0), f.root)
	f.leaf = makeTLSCert(t, "*.ml.example.com", false, []string{"*.ml.example.com"}, tlsNow.AddDate(0, -2, 0), tlsNow.AddDate(0, 0, 90), f.intermediate)
	f.otherRoot = makeTLSCert(t, "Other Root CA", true, nil, tlsNow.AddDate(-2, 0, 0), tlsNow.AddDate(10, 0, 0), nil)
	f.notYetValid = makeTLSCert(t, "*.ml.example.com", false, []string{"*.ml.example.com"}, tlsNow.AddDate(0, 0, 5), tlsNow.AddDate(0, 0, 95), f.intermediate)
	der, err := x509.MarshalPKCS8PrivateKey(f.leaf.key)
	if err != nil {
		t.Fatal(err)
	}
	f.keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.chainFile = write("zenml-wildcard.pem", f.leaf.pem+f.intermediate.pem)
	f.caFile = write("zenml-ca.pem", f.root.pem)
	f.otherCAFile = write("other-ca.pem", f.otherRoot.pem)
	f.keyFile = write("zenml-wildcard-key.pem", f.keyPEM)
	f.notYetValidFile = write("not-yet-valid.pem", f.notYetValid.pem+f.intermediate.pem)
	return f
}

// tlsConfig is a data source configuration; extra is added inside the data block verbatim.
func tlsConfig(chainFile, caFile string, hosts []string, extra string) string {
	var b strings.Builder
	b.WriteString("data \"zenmlpro_tls_certificate\" \"test\" {\n")
	fmt.Fprintf(&b, "  certificate_chain_pem = file(%q)\n", chainFile)
	if caFile != "" {
		fmt.Fprintf(&b, "  ca_certificate_pem = file(%q)\n", caFile)
	}
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = fmt.Sprintf("%q", h)
	}
	fmt.Fprintf(&b, "  hostnames = [%s]\n%s\n}\n", strings.Join(quoted, ", "), extra)
	return b.String()
}

func tlsState(attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(tlsAddress, tfjsonpath.New(attr), v)
}

func tlsCovers(covers map[string]bool) knownvalue.Check {
	m := map[string]knownvalue.Check{}
	for h, v := range covers {
		m[h] = knownvalue.Bool(v)
	}
	return knownvalue.MapExact(m)
}

// TestAccTLSCertificateDataSource_ok: a wildcard certificate of a private CA, with its intermediate,
// covers the demo hosts, given as a list and as a set.
func TestAccTLSCertificateDataSource_ok(t *testing.T) {
	f := newTLSFixture(t)
	all := map[string]bool{}
	for _, h := range tlsDemoHosts {
		all[h] = true
	}
	stateChecks := []statecheck.StateCheck{
		tlsState("covers", tlsCovers(all)),
		tlsState("dns_names", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("*.ml.example.com")})),
		tlsState("subject", knownvalue.StringExact("CN=*.ml.example.com,O=Example Corp")),
		tlsState("issuer", knownvalue.StringExact("CN=Example Issuing CA,O=Example Corp")),
		tlsState("not_after", knownvalue.StringExact("2026-05-30T12:00:00Z")),
		tlsState("remaining_days", knownvalue.Int64Exact(90)),
		tlsState("self_signed", knownvalue.Bool(false)),
		tlsState("chains_to_ca", knownvalue.Bool(true)),
		tlsState("ok", knownvalue.Bool(true)),
		tlsState("problems", knownvalue.ListSizeExact(0)),
		tlsState("min_remaining_days", knownvalue.Int64Exact(30)),
		tlsState("on_failure", knownvalue.StringExact("error")),
	}
	asSet := strings.Replace(tlsConfig(f.chainFile, f.caFile, tlsDemoHosts, ""), "hostnames = [", "hostnames = toset([", 1)
	asSet = strings.Replace(asSet, "\"]\n", "\"])\n", 1)
	testTLSSteps(t, []resource.TestStep{
		{Config: tlsConfig(f.chainFile, f.caFile, tlsDemoHosts, ""), ConfigStateChecks: stateChecks},
		{Config: asSet, ConfigStateChecks: stateChecks},
	})
}

// TestAccTLSCertificateDataSource_failures: each failed check fails the plan with an error naming the
// host, date or issuer; with on_failure = "warn" the outputs are set and ok is false.
func TestAccTLSCertificateDataSource_failures(t *testing.T) {
	f := newTLSFixture(t)
	hosts := append([]string{"ml.example.com"}, tlsDemoHosts...)
	testTLSSteps(t, []resource.TestStep{
		{
			Config: tlsConfig(f.chainFile, f.caFile, hosts, ""),
			ExpectError: wrapped("Hostname Not Covered", `The certificate "CN=*.ml.example.com,O=Example Corp" does not cover "ml.example.com"`,
				`The wildcard "*.ml.example.com" covers names exactly one label below ml.example.com, never ml.example.com itself.`,
				`To report this as a warning instead, set on_failure = "warn".`),
		},
		{
			Config: tlsConfig(f.chainFile, f.caFile, tlsDemoHosts, "  min_remaining_days = 120"),
			ExpectError: wrapped("Certificate Expires Soon", "expires on 2026-05-30T12:00:00Z, in 90 days, and min_remaining_days asks for at least 120",
				`Renew it with its issuer ("CN=Example Issuing CA,O=Example Corp")`),
		},
		{
			Config: tlsConfig(f.chainFile, f.otherCAFile, tlsDemoHosts, ""),
			ExpectError: wrapped("Certificate Does Not Chain to the CA", `issued by "CN=Example Root CA,O=Example Corp", which is not in ca_certificate_pem`,
				`(ca_certificate_pem holds "CN=Other Root CA,O=Example Corp")`),
		},
		{
			Config:      tlsConfig(f.notYetValidFile, f.caFile, tlsDemoHosts, ""),
			ExpectError: wrapped("Certificate Not Yet Valid", "is not valid before 2026-03-06T12:00:00Z, in 5 days"),
		},
		{
			Config: tlsConfig(f.chainFile, f.otherCAFile, hosts, "  min_remaining_days = 120\n  on_failure = \"warn\""),
			ConfigStateChecks: []statecheck.StateCheck{
				tlsState("ok", knownvalue.Bool(false)),
				tlsState("covers", tlsCovers(map[string]bool{"ml.example.com": false, "zenml.ml.example.com": true, "zenml-api.ml.example.com": true,
					"zenml-workspace-1.ml.example.com": true, "zenml-workspace-2.ml.example.com": true})),
				tlsState("chains_to_ca", knownvalue.Bool(false)),
				tlsState("remaining_days", knownvalue.Int64Exact(90)),
				tlsState("not_after", knownvalue.StringExact("2026-05-30T12:00:00Z")),
				tlsState("on_failure", knownvalue.StringExact("warn")),
				tlsState("problems", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringRegexp(wrapped(`The certificate "CN=*.ml.example.com,O=Example Corp" does not cover "ml.example.com"`)),
					knownvalue.StringRegexp(wrapped("expires on 2026-05-30T12:00:00Z, in 90 days")),
					knownvalue.StringRegexp(wrapped(`which is not in ca_certificate_pem`)),
				})),
			},
		},
	})
}

// TestAccTLSCertificateDataSource_invalidInputs: literal invalid arguments fail at validate time, naming
// the attribute, the rule and a valid example.
func TestAccTLSCertificateDataSource_invalidInputs(t *testing.T) {
	f := newTLSFixture(t)
	step := func(config string, want ...string) resource.TestStep {
		return resource.TestStep{Config: config, PlanOnly: true, ExpectError: wrapped(want...)}
	}
	testAccSteps(t, []resource.TestStep{
		step(tlsConfig(f.keyFile, f.caFile, tlsDemoHosts, ""), "Private Key Instead of Certificate",
			`Attribute certificate_chain_pem: the value holds a private key (a PEM block of type "PRIVATE KEY"), not a certificate; this message does not repeat it.`),
		step(tlsConfig(f.chainFile, f.keyFile, tlsDemoHosts, ""), "Private Key Instead of Certificate", "Attribute ca_certificate_pem: the value holds a private key"),
		step(strings.Replace(tlsConfig(f.chainFile, "", tlsDemoHosts, ""), fmt.Sprintf("file(%q)", f.chainFile), `"zenml.ml.example.com"`, 1),
			"Invalid PEM Certificate", `Attribute certificate_chain_pem: the value is not PEM`, `Give e.g. certificate_chain_pem = file("certs/zenml-wildcard.pem")`),
		step(tlsConfig(f.chainFile, f.caFile, []string{"zenml.ml.example.com", ""}, ""), "Invalid Hostname", "Attribute hostnames[1]: an entry is empty",
			`e.g. "zenml.ml.example.com"`),
		step(tlsConfig(f.chainFile, f.caFile, []string{"https://zenml.ml.example.com"}, ""), "Invalid Hostname",
			`Attribute hostnames[0]: "https://zenml.ml.example.com" is not a hostname (rule: a bare host name or IP address`, `it has a scheme "https://"`,
			`Give e.g. "zenml.ml.example.com".`),
		step(tlsConfig(f.chainFile, f.caFile, []string{"zenml.ml.example.com:443"}, ""), "Invalid Hostname", `it has a port ":443"`),
		step(tlsConfig(f.chainFile, f.caFile, []string{"zenml.ml.example.com/api/v1"}, ""), "Invalid Hostname", `it has a path "/api/v1"`),
		step(tlsConfig(f.chainFile, f.caFile, nil, ""), "Missing Hostnames", "Attribute hostnames: the list is empty"),
		step(tlsConfig(f.chainFile, f.caFile, tlsDemoHosts, "  min_remaining_days = -1"), "Invalid Minimum Remaining Days",
			"Attribute min_remaining_days: -1 is negative (rule: a whole number of days, 0 or more). Give e.g. min_remaining_days = 30"),
		step(tlsConfig(f.chainFile, f.caFile, tlsDemoHosts, `  on_failure = "fail"`), `Attribute on_failure value must be one of:`, `["error" "warn"], got: "fail"`),
	})
}

// TestAccTLSCertificateDataSource_unknownAtPlan: hostnames known only at apply are checked when the data
// source is read.
func TestAccTLSCertificateDataSource_unknownAtPlan(t *testing.T) {
	f := newTLSFixture(t)
	config := func(hosts string) string {
		return fmt.Sprintf(`
resource "terraform_data" "hosts" {
  input = [%s]
}

data "zenmlpro_tls_certificate" "test" {
  certificate_chain_pem = file(%q)
  ca_certificate_pem    = file(%q)
  hostnames             = terraform_data.hosts.output
}
`, hosts, f.chainFile, f.caFile)
	}
	testTLSSteps(t, []resource.TestStep{
		{
			Config:      config(`"https://zenml.ml.example.com"`),
			ExpectError: wrapped("Invalid Hostname", `Attribute hostnames[0]: "https://zenml.ml.example.com" is not a hostname`),
		},
		{
			Config:      config(`"zenml.ml.example.com", "ml.example.com"`),
			ExpectError: wrapped("Hostname Not Covered", `does not cover "ml.example.com"`),
		},
		{
			Config: config(`"zenml.ml.example.com"`),
			ConfigStateChecks: []statecheck.StateCheck{
				tlsState("ok", knownvalue.Bool(true)),
				tlsState("covers", tlsCovers(map[string]bool{"zenml.ml.example.com": true})),
			},
		},
	})
}

// TestAccTLSCertificateDataSource_example runs the example as written: the test writes the files it
// reads, certs/zenml-wildcard.pem and certs/zenml-ca.pem, into Terraform's working directory.
func TestAccTLSCertificateDataSource_example(t *testing.T) {
	f := newTLSFixture(t)
	base := t.TempDir()
	writeCerts := func() {
		dirs, err := filepath.Glob(filepath.Join(base, "work*"))
		if err != nil || len(dirs) != 1 {
			t.Fatalf("the working directory under %s: %v %v", base, dirs, err)
		}
		certs := filepath.Join(dirs[0], "certs")
		if err := os.MkdirAll(certs, 0o700); err != nil {
			t.Fatal(err)
		}
		for name, content := range map[string]string{"zenml-wildcard.pem": f.leaf.pem + f.intermediate.pem, "zenml-ca.pem": f.root.pem} {
			if err := os.WriteFile(filepath.Join(certs, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	all := map[string]bool{}
	for _, h := range tlsDemoHosts {
		all[h] = true
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: tlsClockFactories(tlsNow),
		WorkingDir:               base,
		Steps: []resource.TestStep{{
			PreConfig: writeCerts,
			Config:    testAccExample(t, "data-sources/zenmlpro_tls_certificate/data-source.tf"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("covers", tlsCovers(all)),
				statecheck.ExpectKnownOutputValue("remaining_days", knownvalue.Int64Exact(90)),
				statecheck.ExpectKnownOutputValue("ci_ok", knownvalue.Bool(false)),
				statecheck.ExpectKnownOutputValue("ci_problems", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringRegexp(wrapped(`The certificate "CN=*.ml.example.com,O=Example Corp" does not cover "ml.example.com"`)),
				})),
			},
		}},
	})
}

// tlsConfigValue is the data source's configuration as Terraform sends it; attributes not given are null.
func tlsConfigValue(t *testing.T, attrs map[string]any) map[string]tftypes.Value {
	t.Helper()
	out := map[string]tftypes.Value{}
	for name, v := range attrs {
		switch v := v.(type) {
		case string:
			out[name] = tftypes.NewValue(tftypes.String, v)
		case int:
			out[name] = tftypes.NewValue(tftypes.Number, big.NewFloat(float64(v)))
		case []string:
			elems := make([]tftypes.Value, len(v))
			for i, s := range v {
				elems[i] = tftypes.NewValue(tftypes.String, s)
			}
			out[name] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, elems)
		case tftypes.Value:
			out[name] = v
		default:
			t.Fatalf("attribute %s: unexpected %T", name, v)
		}
	}
	return out
}

// TestTLSCertificateDataSource_validate runs ValidateDataResourceConfig, the call behind `terraform
// validate`, on the registered data source: each error at its attribute, and a private key never
// repeated in a diagnostic.
func TestTLSCertificateDataSource_validate(t *testing.T) {
	f := newTLSFixture(t)
	chain := f.leaf.pem + f.intermediate.pem
	hosts := []string{"zenml.ml.example.com"}
	unknownString := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	cases := []struct {
		name    string
		config  map[string]any
		want    string // "path | summary | detail phrase"; "" for none
		keyless bool   // the value holds the private key
	}{
		{"valid", map[string]any{"certificate_chain_pem": chain, "ca_certificate_pem": f.root.pem, "hostnames": hosts, "min_remaining_days": 0, "on_failure": "warn"}, "", false},
		{"unknown values", map[string]any{"certificate_chain_pem": unknownString, "ca_certificate_pem": unknownString,
			"hostnames": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, tftypes.UnknownValue)}, "", false},
		{"unknown host", map[string]any{"certificate_chain_pem": chain, "hostnames": tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
			[]tftypes.Value{unknownString, tftypes.NewValue(tftypes.String, "zenml.ml.example.com")})}, "", false},
		{"key as chain", map[string]any{"certificate_chain_pem": f.keyPEM, "hostnames": hosts},
			`certificate_chain_pem | Private Key Instead of Certificate | Attribute certificate_chain_pem: the value holds a private key (a PEM block of type "PRIVATE KEY")`, true},
		{"key with the chain", map[string]any{"certificate_chain_pem": chain + f.keyPEM, "hostnames": hosts},
			`certificate_chain_pem | Private Key Instead of Certificate | this message does not repeat it`, true},
		{"key as CA", map[string]any{"certificate_chain_pem": chain, "ca_certificate_pem": f.keyPEM, "hostnames": hosts},
			`ca_certificate_pem | Private Key Instead of Certificate | Attribute ca_certificate_pem: the value holds a private key`, true},
		{"empty CA", map[string]any{"certificate_chain_pem": chain, "ca_certificate_pem": "", "hostnames": hosts},
			`ca_certificate_pem | Missing Certificate | or leave ca_certificate_pem out to verify against the system roots`, false},
		{"leaf not first", map[string]any{"certificate_chain_pem": f.intermediate.pem + f.leaf.pem, "hostnames": hosts},
			`certificate_chain_pem | Certificate Chain Out of Order | certificate 1 (subject "CN=Example Issuing CA,O=Example Corp") is a CA certificate`, false},
		{"empty host", map[string]any{"certificate_chain_pem": chain, "hostnames": []string{"zenml.ml.example.com", ""}},
			`hostnames[1] | Invalid Hostname | Attribute hostnames[1]: an entry is empty`, false},
		{"null host", map[string]any{"certificate_chain_pem": chain, "hostnames": tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
			[]tftypes.Value{tftypes.NewValue(tftypes.String, nil)})}, `hostnames[0] | Missing Hostname | Attribute hostnames[0] is null`, false},
		{"URL", map[string]any{"certificate_chain_pem": chain, "hostnames": []string{"https://zenml.ml.example.com:443/"}},
			`hostnames[0] | Invalid Hostname | it has a scheme "https://", a port ":443" and a path "/"`, false},
		{"no hosts", map[string]any{"certificate_chain_pem": chain, "hostnames": []string{}}, `hostnames | Missing Hostnames | Attribute hostnames: the list is empty`, false},
		{"negative minimum", map[string]any{"certificate_chain_pem": chain, "hostnames": hosts, "min_remaining_days": -5},
			`min_remaining_days | Invalid Minimum Remaining Days | Attribute min_remaining_days: -5 is negative`, false},
		{"mode", map[string]any{"certificate_chain_pem": chain, "hostnames": hosts, "on_failure": "fail"},
			`on_failure | Invalid Attribute Value Match | value must be one of: ["error" "warn"], got: "fail"`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diags := testValidate(t, NewTLSCertificateDataSource(), tlsConfigValue(t, c.config))
			if c.want == "" {
				if len(diags) != 0 {
					t.Fatalf("unexpected diagnostics: %+v", diags[0])
				}
				return
			}
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %+v", len(diags), diags)
			}
			d := diags[0]
			wantPath, rest, _ := strings.Cut(c.want, " | ")
			wantSummary, wantDetail, _ := strings.Cut(rest, " | ")
			if d.Severity != tfprotov6.DiagnosticSeverityError || attributePathString(d.Attribute) != wantPath || d.Summary != wantSummary ||
				!strings.Contains(d.Detail, wantDetail) {
				t.Errorf("diagnostic %s | %s | %s\nwant %s", attributePathString(d.Attribute), d.Summary, d.Detail, c.want)
			}
			if c.keyless {
				for _, line := range strings.Split(f.keyPEM, "\n") {
					if len(line) >= 8 && !strings.HasPrefix(line, "-----") && strings.Contains(d.Summary+d.Detail, line) {
						t.Errorf("the diagnostic repeats the private key: %q", line)
					}
				}
			}
		})
	}
}

// TestTLSCertificateDataSource_diagnostics reads the data source through the protocol to see what the
// testing library does not expose: each failed check is one diagnostic at its attribute, a warning
// with on_failure = "warn" (and the state set) or an error by default.
func TestTLSCertificateDataSource_diagnostics(t *testing.T) {
	f := newTLSFixture(t)
	ds := NewTLSCertificateDataSource()
	s, err := tlsClockFactories(tlsNow)["zenmlpro"]()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cfgResp, err := s.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: nullProviderConfig(t)})
	if err != nil || len(cfgResp.Diagnostics) != 0 {
		t.Fatalf("ConfigureProvider: %v %+v", err, cfgResp)
	}
	cases := []struct {
		name   string
		config map[string]any
		want   []string // "path | summary" of each diagnostic, in order
	}{
		{"coverage, expiry and a missing intermediate", map[string]any{"certificate_chain_pem": f.leaf.pem, "ca_certificate_pem": f.root.pem,
			"hostnames": []string{"zenml.ml.example.com", "ml.example.com", "a.zenml.ml.example.com"}, "min_remaining_days": 91},
			[]string{"hostnames | Hostname Not Covered", "hostnames | Hostname Not Covered", "min_remaining_days | Certificate Expires Soon",
				"ca_certificate_pem | Certificate Does Not Chain to the CA"}},
		{"not yet valid, against the system roots", map[string]any{"certificate_chain_pem": f.notYetValid.pem + f.intermediate.pem,
			"hostnames": []string{"zenml.ml.example.com"}},
			[]string{"certificate_chain_pem | Certificate Not Yet Valid", "certificate_chain_pem | Certificate Not Trusted by the System Roots"}},
	}
	for _, c := range cases {
		for _, mode := range []string{"warn", "error"} {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				config := tlsConfigValue(t, c.config)
				config["on_failure"] = tftypes.NewValue(tftypes.String, mode)
				resp, err := s.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{
					TypeName: "zenmlpro_tls_certificate", Config: testConfigValue(t, ds, config),
				})
				if err != nil {
					t.Fatal(err)
				}
				severity := tfprotov6.DiagnosticSeverityWarning
				suffix := `This is a warning because on_failure = "warn".`
				if mode == "error" {
					severity, suffix = tfprotov6.DiagnosticSeverityError, `To report this as a warning instead, set on_failure = "warn".`
				}
				var got []string
				for _, d := range resp.Diagnostics {
					got = append(got, attributePathString(d.Attribute)+" | "+d.Summary)
					if d.Severity != severity || !strings.HasSuffix(d.Detail, suffix) {
						t.Errorf("diagnostic %v %q %q, want severity %v ending %q", d.Severity, d.Summary, d.Detail, severity, suffix)
					}
				}
				if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
					t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
				}
				if mode == "error" {
					return
				}
				_, typ := testDataSourceType(t, ds)
				state, err := resp.State.Unmarshal(typ)
				if err != nil {
					t.Fatal(err)
				}
				var attrs map[string]tftypes.Value
				if err := state.As(&attrs); err != nil {
					t.Fatal(err)
				}
				var ok bool
				var problems []tftypes.Value
				if err := attrs["ok"].As(&ok); err != nil || ok {
					t.Errorf("ok = %v (%v), want false", ok, err)
				}
				if err := attrs["problems"].As(&problems); err != nil || len(problems) != len(c.want) {
					t.Errorf("problems = %v (%v), want %d", problems, err, len(c.want))
				}
			})
		}
	}
}

// TestTLSCertificateDataSource_readInputErrors: values that reach Read unchecked (known only at apply)
// are checked there, each error at its attribute.
func TestTLSCertificateDataSource_readInputErrors(t *testing.T) {
	f := newTLSFixture(t)
	ds := NewTLSCertificateDataSource()
	s, err := tlsClockFactories(tlsNow)["zenmlpro"]()
	if err != nil {
		t.Fatal(err)
	}
	chain := f.leaf.pem + f.intermediate.pem
	hosts := []string{"zenml.ml.example.com"}
	cases := []struct {
		name   string
		config map[string]any
		want   string // "path | summary | detail phrase"
	}{
		{"port", map[string]any{"certificate_chain_pem": chain, "hostnames": []string{"zenml.ml.example.com:443"}},
			`hostnames | Invalid Hostname | Attribute hostnames: "zenml.ml.example.com:443" is not a hostname`},
		{"null host", map[string]any{"certificate_chain_pem": chain, "hostnames": tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
			[]tftypes.Value{tftypes.NewValue(tftypes.String, nil)})}, `hostnames[0] | Missing Hostname | Attribute hostnames[0] is null`},
		{"no hosts", map[string]any{"certificate_chain_pem": chain, "hostnames": []string{}}, `hostnames | Missing Hostnames | the list is empty`},
		{"empty CA", map[string]any{"certificate_chain_pem": chain, "ca_certificate_pem": "", "hostnames": hosts},
			`ca_certificate_pem | Missing Certificate | Attribute ca_certificate_pem: the value is empty`},
		{"key", map[string]any{"certificate_chain_pem": f.keyPEM, "hostnames": hosts},
			`certificate_chain_pem | Private Key Instead of Certificate | this message does not repeat it`},
		{"negative minimum", map[string]any{"certificate_chain_pem": chain, "hostnames": hosts, "min_remaining_days": -1},
			`min_remaining_days | Invalid Minimum Remaining Days | Attribute min_remaining_days: -1 is negative`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := s.ReadDataSource(t.Context(), &tfprotov6.ReadDataSourceRequest{
				TypeName: "zenmlpro_tls_certificate", Config: testConfigValue(t, ds, tlsConfigValue(t, c.config)),
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Diagnostics) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %+v", len(resp.Diagnostics), resp.Diagnostics)
			}
			d := resp.Diagnostics[0]
			wantPath, rest, _ := strings.Cut(c.want, " | ")
			wantSummary, wantDetail, _ := strings.Cut(rest, " | ")
			if d.Severity != tfprotov6.DiagnosticSeverityError || attributePathString(d.Attribute) != wantPath || d.Summary != wantSummary ||
				!strings.Contains(d.Detail, wantDetail) {
				t.Errorf("diagnostic %s | %s | %s\nwant %s", attributePathString(d.Attribute), d.Summary, d.Detail, c.want)
			}
		})
	}
}
