// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
)

var _ datasource.DataSource = (*tlsCertificateDataSource)(nil)

const (
	onFailureError = "error"
	onFailureWarn  = "warn"
)

// onFailureModes are the values of on_failure; the validator and the description use this list.
var onFailureModes = []string{onFailureError, onFailureWarn}

// NewTLSCertificateDataSource returns the zenmlpro_tls_certificate data source.
func NewTLSCertificateDataSource() datasource.DataSource {
	return &tlsCertificateDataSource{now: time.Now}
}

type tlsCertificateDataSource struct {
	// now is the clock the validity checks run at; tests fix it.
	now func() time.Time
}

type tlsCertificateModel struct {
	CertificateChainPEM types.String `tfsdk:"certificate_chain_pem"`
	CACertificatePEM    types.String `tfsdk:"ca_certificate_pem"`
	Hostnames           types.List   `tfsdk:"hostnames"`
	MinRemainingDays    types.Int64  `tfsdk:"min_remaining_days"`
	OnFailure           types.String `tfsdk:"on_failure"`
	Covers              types.Map    `tfsdk:"covers"`
	DNSNames            types.List   `tfsdk:"dns_names"`
	Subject             types.String `tfsdk:"subject"`
	Issuer              types.String `tfsdk:"issuer"`
	NotAfter            types.String `tfsdk:"not_after"`
	RemainingDays       types.Int64  `tfsdk:"remaining_days"`
	SelfSigned          types.Bool   `tfsdk:"self_signed"`
	ChainsToCA          types.Bool   `tfsdk:"chains_to_ca"`
	OK                  types.Bool   `tfsdk:"ok"`
	Problems            types.List   `tfsdk:"problems"`
}

// The checks of the PEM attributes; their errors never quote the value, which may hold a private key.
var (
	certificateChainCheck = checkStringBy(inputErrorSummary,
		"value must hold PEM certificates, the leaf first, then the intermediates, e.g. file(\""+checks.ExampleCertificateFile+"\")",
		ignoreValue(checks.ParseCertificateChain))
	caCertificatesCheck = checkStringBy(inputErrorSummary,
		"value must hold one or more PEM certificates of a CA, e.g. file(\"certs/zenml-ca.pem\")",
		ignoreValue(checks.ParseCACertificates))
)

// inputErrorSummary is the summary of an *inputerr.Error, for the validators that run domain rules.
func inputErrorSummary(err error) string {
	return inputErrorSummaryOr("Invalid Value")(err)
}

// inputErrorSummaryOr is inputErrorSummary with def as the summary of an error that is not an
// *inputerr.Error.
func inputErrorSummaryOr(def string) func(error) string {
	return func(err error) string {
		if ie, ok := inputerr.As(err); ok {
			return ie.Summary
		}
		return def
	}
}

func (d *tlsCertificateDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_tls_certificate"
}

func (d *tlsCertificateDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Checks a TLS certificate chain against the hostnames a ZenML Pro deployment serves (the Web UI, the Control " +
			"Plane API and each workspace server), as the ZenML Pro prerequisites ask: the certificate covers the hostnames, chains to " +
			"the CA, and stays valid long enough. It reads nothing but its arguments, so it also works alone, e.g. in CI before a " +
			"certificate goes into a cluster's TLS secret.\n\n" +
			"Hostnames are matched as browsers match them (Go's `crypto/x509` `VerifyHostname`): case-insensitively; a wildcard such as " +
			"`*.ml.example.com` covers exactly one label (`zenml.ml.example.com`), never `ml.example.com` itself nor " +
			"`a.zenml.ml.example.com`; IP addresses only by IP address subject alternative names; the subject's common name is never used. " +
			"The chain is verified with `crypto/x509` `Verify`: against `ca_certificate_pem` when it is set, otherwise against the trust " +
			"store (system roots) of the machine that runs Terraform; a certificate signed with SHA-1 (or MD5) fails it under that name, " +
			"whoever signed it, since browsers and Go refuse such signatures. Every certificate given, and the CA certificate the chain " +
			"verifies up to, must have an RSA key of at least 2048 bits or an EC key on P-256, P-384 or P-521.\n\n" +
			"Each failed check is an error (or a warning, with `on_failure = \"warn\"`) on the attribute concerned, and a sentence in " +
			"`problems`. Invalid arguments are errors in both modes; literal values are checked by `terraform validate`.",
		Attributes: map[string]schema.Attribute{
			checks.CertificateChainInput: schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The certificate chain in PEM: the leaf (the certificate the server presents) first, then the " +
					"intermediates, as a CA delivers a \"full chain\", e.g. `file(\"" + checks.ExampleCertificateFile + "\")`. Text around the " +
					"PEM blocks is ignored. A private key, a certificate request or a value that is not PEM is an error; the message never repeats the value.",
				Validators: []validator.String{certificateChainCheck},
			},
			checks.CACertificateInput: schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The certificates of a private CA in PEM, e.g. `file(\"certs/zenml-ca.pem\")`: one or more roots, " +
					"or intermediates to trust as roots. The leaf must verify up to one of them, with the chain's other certificates as " +
					"intermediates. For a self-signed certificate, give the certificate itself. When not set, the leaf is verified " +
					"against the system roots of the machine that runs Terraform, as for a certificate from a public CA.",
				Validators: []validator.String{caCertificatesCheck},
			},
			checks.CertificateHostnamesInput: schema.ListAttribute{
				Required:    true,
				ElementType: types.StringType,
				MarkdownDescription: fmt.Sprintf("The hostnames the certificate must cover: the hosts clients connect to, e.g. "+
					"`[\"%s\", \"%s\"]` or `data.zenmlpro_endpoints.<name>.certificate_names`; a set works too. At least one; each a "+
					"bare host name (any case; a trailing dot is allowed) or IP address, without scheme (`https://`), user information, "+
					"port (`:443`), path, wildcard or whitespace. A value whose last label is all digits must be an IPv4 address in dotted decimal: "+
					"`010.0.0.5` (a leading zero, which some software reads as octal) is neither an address nor a DNS name and is refused. Repeated names count once.",
					checks.ExampleHost, checks.RoleWorkspace.ExampleHost()),
				Validators: []validator.List{certificateHostnamesValidator{}},
			},
			checks.MinRemainingDaysInput: schema.Int64Attribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: fmt.Sprintf("The least number of whole days the certificate must stay valid, e.g. `%d`: a "+
					"certificate with fewer `remaining_days` fails, so that there is time to renew it. `0` fails only once it has "+
					"expired. Must not be negative. Defaults to `%d`.", checks.DefaultMinRemainingDays, checks.DefaultMinRemainingDays),
				Validators: []validator.Int64{minRemainingDaysValidator{}},
			},
			"on_failure": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "What a failed check does: " + quotedList(onFailureModes) + ". With `error`, each failed check " +
					"is an error that fails the plan; with `warn`, it is a warning, every output is set and `ok` is `false`. " +
					"Invalid arguments are errors in both modes. Defaults to `error`.",
				Validators: []validator.String{stringvalidator.OneOf(onFailureModes...)},
			},
			"covers": schema.MapAttribute{
				Computed:    true,
				ElementType: types.BoolType,
				MarkdownDescription: "Map of each hostname, as given, to whether the leaf covers it, e.g. " +
					"`{ \"zenml.ml.example.com\" = true, \"ml.example.com\" = false }` for a certificate for `*.ml.example.com`.",
			},
			"dns_names": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "The leaf's DNS subject alternative names, in certificate order, e.g. `[\"*.ml.example.com\"]`.",
			},
			"subject": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The leaf's subject, in RFC 2253 form, e.g. `CN=*.ml.example.com,O=Example Corp`.",
			},
			"issuer": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The leaf's issuer, in RFC 2253 form, e.g. `CN=Example Issuing CA,O=Example Corp`.",
			},
			"not_after": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the leaf expires, in RFC 3339 form in UTC, e.g. `2026-05-30T12:00:00Z`.",
			},
			"remaining_days": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Whole days until the leaf expires, rounded down, e.g. `89`; `0` on its last day, negative " +
					"once it has expired.",
			},
			"self_signed": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "Whether the leaf is self-signed: its own issuer, signed with its own key. Clients trust such a " +
					"certificate only when it is installed in them.",
			},
			"chains_to_ca": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "Whether the leaf verifies (`crypto/x509` `Verify`, for TLS server authentication) up to a " +
					"certificate of `ca_certificate_pem`, or to the system roots of the machine that runs Terraform when " +
					"`ca_certificate_pem` is not set, with the chain's other certificates as intermediates. The leaf's own dates " +
					"are left to `remaining_days` and the not-yet-valid check; an expired intermediate or CA certificate fails the chain.",
			},
			"ok": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "Whether every check passes: every hostname is covered, `chains_to_ca` is `true`, `remaining_days` " +
					"is at least `min_remaining_days`, the leaf is already valid (its start of validity is not in the future) and no " +
					"certificate given has a weak key (an RSA key under 2048 bits, an EC key on a curve below P-256).",
			},
			"problems": schema.ListAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "One sentence per failed check, naming the host, date or issuer concerned and what to do, e.g. " +
					"`The certificate \"CN=*.ml.example.com\" does not cover \"ml.example.com\": ...`. Empty when `ok` is `true`.",
			},
		},
	}
}

func (d *tlsCertificateDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m tlsCertificateModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	mode := onFailureError
	if !m.OnFailure.IsNull() {
		mode = m.OnFailure.ValueString()
	}
	minDays := int64(checks.DefaultMinRemainingDays)
	if !m.MinRemainingDays.IsNull() {
		minDays = m.MinRemainingDays.ValueInt64()
	}
	// The validators already ran on literal values; values that were unknown then are checked here.
	if err := checks.CheckMinRemainingDays(minDays); err != nil {
		addInputError(&resp.Diagnostics, err)
		return
	}
	hostnames, ok := certificateHostnames(&resp.Diagnostics, m.Hostnames)
	if !ok {
		return
	}
	ca := ""
	if !m.CACertificatePEM.IsNull() {
		ca = m.CACertificatePEM.ValueString()
		// An empty value is not "no CA": the domain reads "" as not set.
		if _, err := checks.ParseCACertificates(ca); err != nil {
			addInputError(&resp.Diagnostics, err)
			return
		}
	}
	report, err := checks.CheckCertificate(m.CertificateChainPEM.ValueString(), ca, hostnames, int(minDays), d.now())
	if err != nil {
		if !addInputError(&resp.Diagnostics, err) {
			resp.Diagnostics.AddError("Certificate Not Checked", err.Error())
		}
		return
	}

	problems := make([]string, 0, len(report.Problems))
	for _, p := range report.Problems {
		problems = append(problems, p.Detail)
		if mode == onFailureWarn {
			resp.Diagnostics.AddAttributeWarning(path.Root(p.Input), p.Summary, p.Detail+` This is a warning because on_failure = "warn".`)
		} else {
			resp.Diagnostics.AddAttributeError(path.Root(p.Input), p.Summary, p.Detail+` To report this as a warning instead, set on_failure = "warn".`)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	m.OnFailure = types.StringValue(mode)
	m.MinRemainingDays = types.Int64Value(minDays)
	m.Subject = types.StringValue(report.Subject)
	m.Issuer = types.StringValue(report.Issuer)
	m.NotAfter = types.StringValue(report.NotAfter.UTC().Format(time.RFC3339))
	m.RemainingDays = types.Int64Value(int64(report.RemainingDays))
	m.SelfSigned = types.BoolValue(report.SelfSigned)
	m.ChainsToCA = types.BoolValue(report.ChainsToCA)
	m.OK = types.BoolValue(report.OK)
	var diags diag.Diagnostics
	m.Covers, diags = types.MapValueFrom(ctx, types.BoolType, report.Covers)
	resp.Diagnostics.Append(diags...)
	m.DNSNames, diags = types.ListValueFrom(ctx, types.StringType, report.DNSNames)
	resp.Diagnostics.Append(diags...)
	m.Problems, diags = types.ListValueFrom(ctx, types.StringType, problems)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// certificateHostnames reads the hostnames, reporting a null entry, and tells whether they are usable.
func certificateHostnames(diags *diag.Diagnostics, list types.List) ([]string, bool) {
	hosts := make([]string, 0, len(list.Elements()))
	for i, e := range list.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			diags.AddAttributeError(path.Root(checks.CertificateHostnamesInput).AtListIndex(i), "Hostname Not Known",
				fmt.Sprintf("Attribute hostnames[%d] is not known; give hostnames known before the data source is read.", i))
			return nil, false
		}
		if s.IsNull() {
			diags.AddAttributeError(path.Root(checks.CertificateHostnamesInput).AtListIndex(i), "Missing Hostname",
				fmt.Sprintf("Attribute hostnames[%d] is null. Give the host clients connect to, e.g. %q, or remove the entry.", i, checks.ExampleHost))
			return nil, false
		}
		hosts = append(hosts, s.ValueString())
	}
	return hosts, true
}

// certificateHostnamesValidator checks the literal entries of hostnames: at least one, none null, each
// a bare host name or IP address (checks.CheckCertificateHostname), each error at the entry's index.
type certificateHostnamesValidator struct{}

func (certificateHostnamesValidator) Description(context.Context) string {
	return "at least one entry, each a host name or IP address without scheme, port or path, e.g. " + checks.ExampleHost
}

func (v certificateHostnamesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (certificateHostnamesValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if len(req.ConfigValue.Elements()) == 0 {
		addInputError(&resp.Diagnostics, checks.CheckCertificateHostnames(nil))
		return
	}
	for i, e := range req.ConfigValue.Elements() {
		p := req.Path.AtListIndex(i)
		s, ok := e.(types.String)
		switch {
		case !ok || s.IsUnknown():
		case s.IsNull():
			resp.Diagnostics.AddAttributeError(p, "Missing Hostname",
				fmt.Sprintf("Attribute %s is null. Give the host clients connect to, e.g. %q, or remove the entry.", p, checks.ExampleHost))
		default:
			if err := checks.CheckCertificateHostname(s.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(p, inputErrorSummary(err), fmt.Sprintf("Attribute %s: %s.", p, strings.TrimSuffix(err.Error(), ".")))
			}
		}
	}
}

// minRemainingDaysValidator checks a literal min_remaining_days with checks.CheckMinRemainingDays.
type minRemainingDaysValidator struct{}

func (minRemainingDaysValidator) Description(context.Context) string {
	return fmt.Sprintf("value must be a whole number of days, 0 or more, e.g. %d", checks.DefaultMinRemainingDays)
}

func (v minRemainingDaysValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (minRemainingDaysValidator) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checks.CheckMinRemainingDays(req.ConfigValue.ValueInt64()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, inputErrorSummary(err), fmt.Sprintf("Attribute %s: %s.", req.Path, strings.TrimSuffix(err.Error(), ".")))
	}
}
