// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/artifactregistry"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/ecr"
)

// registriesAttribute is the provider's `registries` attribute.
func registriesAttribute() schema.Attribute {
	return schema.MapNestedAttribute{
		Optional: true,
		MarkdownDescription: "Credentials and connection settings of the OCI registries that images are read from (`zenmlpro_image` with " +
			"`resolve_digest`), keyed by registry host with its port, e.g. `registries = { \"" + images.ExampleRegistryHost + "\" = " +
			"{ username = \"robot$zenml\", password = var.harbor_password } }` or `\"127.0.0.1:5001\"`. Docker Hub is `docker.io`. " +
			"A host without an entry gets, in this order: for an ECR registry (`ACCOUNT.dkr.ecr.REGION.amazonaws.com`) an authorization " +
			"token from the provider's `aws` settings; for Artifact Registry (`LOCATION-docker.pkg.dev`) a Google access token from the " +
			"`gcp` settings (or Application Default Credentials); otherwise the credentials of the Docker config " +
			"(`~/.docker/config.json` or `$DOCKER_CONFIG`, with its credential helpers), as `docker pull` would; otherwise none. " +
			"Tokens are refreshed ten minutes before they expire. Registries are reached over HTTPS, except loopback registries " +
			"(`127.0.0.1`, `::1`, `localhost`) and those marked `insecure`: a registry that answers only plain HTTP is an error, never " +
			"a silent downgrade. Values may be unknown until apply; nothing is contacted when the provider is configured, and this " +
			"configuration never enters the state. Defaults to no entries.",
		Validators: []validator.Map{
			mapvalidator.KeysAre(checkString("Invalid Registry Host", "value must be a registry host with an optional port, e.g. "+
				images.ExampleRegistryHost, withNumericHostRule(ignoreValue(images.ParseRegistryHost)))),
		},
		NestedObject: schema.NestedAttributeObject{
			Validators: []validator.Object{registryEntryValidator{}},
			Attributes: map[string]schema.Attribute{
				"username": schema.StringAttribute{
					Optional: true,
					MarkdownDescription: "User name at the registry, e.g. a Harbor robot account `robot$zenml`. Needs `password`. " +
						"Without `username` and `password` the registry is read anonymously (no Docker config, no token).",
				},
				"password": schema.StringAttribute{
					Optional:  true,
					Sensitive: true,
					MarkdownDescription: "Password or access token of `username`. It is used to log in only: it never enters the state, " +
						"the logs or an error message. Give it from an `ephemeral = true` variable or an ephemeral resource (Terraform 1.10+): " +
						"a plain variable's value is written into saved plan files (`terraform plan -out`).",
				},
				"insecure": schema.BoolAttribute{
					Optional: true,
					MarkdownDescription: "Let the provider talk plain HTTP to this registry, for a registry without TLS on a private " +
						"network. Credentials and images then cross the network unencrypted. Loopback registries may use plain HTTP " +
						"without it. Defaults to `false`.",
				},
				"ca_certificate": schema.StringAttribute{
					Optional: true,
					MarkdownDescription: "PEM certificates (one or more `-----BEGIN CERTIFICATE-----` blocks) that the registry's TLS " +
						"certificate may chain to, in addition to the system's roots, for a registry signed by an internal CA, " +
						"e.g. `file(\"corporate-ca.pem\")`. A value that holds a private key is an error whose message never repeats it. " +
						"Defaults to the system's roots only.",
					Validators: []validator.String{checkStringBy(inputErrorSummaryOr("Invalid CA Certificate"), "value must hold PEM certificates and no private key",
						oci.CheckCACertificate)},
				},
			},
		},
	}
}

// registryEntryModel is one entry of the registries attribute.
type registryEntryModel struct {
	Username      types.String `tfsdk:"username"`
	Password      types.String `tfsdk:"password"`
	Insecure      types.Bool   `tfsdk:"insecure"`
	CACertificate types.String `tfsdk:"ca_certificate"`
}

// checkRegistryEntry checks the attributes of an entry against each other.
func checkRegistryEntry(m registryEntryModel) (attr, msg string) {
	return checkCredentialsPair(m.Username, m.Password, `username = "robot$zenml"`, "read the registry anonymously")
}

// checkCredentialsPair checks that a username and a password are given together: the attribute at
// fault and why, or "". example is a username to show; neither says what giving neither does.
func checkCredentialsPair(username, password types.String, example, neither string) (attr, msg string) {
	switch {
	case !password.IsNull() && username.IsNull():
		return "username", "a password needs a username, e.g. " + example
	case !username.IsNull() && password.IsNull():
		return "password", "a username needs a password (or a key or access token in password); give neither to " + neither
	}
	return "", ""
}

// registryEntryValidator checks username and password against each other at validate time.
type registryEntryValidator struct{}

func (registryEntryValidator) Description(context.Context) string {
	return "username and password are given together, or neither"
}

func (v registryEntryValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (registryEntryValidator) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m registryEntryModel
	resp.Diagnostics.Append(req.ConfigValue.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if resp.Diagnostics.HasError() || anyUnknown(m.Username, m.Password) {
		return
	}
	if attr, msg := checkRegistryEntry(m); msg != "" {
		p := req.Path.AtName(attr)
		resp.Diagnostics.AddAttributeError(p, "Incomplete Registry Credentials", fmt.Sprintf("Attribute %s: %s.", p, msg))
	}
}

// registryClientFrom reads the registries attribute into the registry client of the provider, with
// the token sources of the aws and gcp attributes. Like the cloud attributes, it is lazy: unknown
// values, and rules broken by values known only now, are reported at the first use.
func registryClientFrom(ctx context.Context, m types.Map, aws lazyClients[*ecr.Clients], gcp lazyClients[*artifactregistry.Clients], opts oci.Options) (lazyClients[*oci.Client], diag.Diagnostics) {
	out := lazyClients[*oci.Client]{attr: "registries"}
	var diags diag.Diagnostics
	if m.IsUnknown() {
		out.unknown = true
		return out, diags
	}
	entries := map[string]registryEntryModel{}
	if !m.IsNull() {
		diags.Append(m.ElementsAs(ctx, &entries, false)...)
		if diags.HasError() {
			return out, diags
		}
	}
	opts.Registries = map[string]oci.Registry{}
	hosts := make([]string, 0, len(entries))
	for host := range entries {
		hosts = append(hosts, host)
	}
	sort.Strings(hosts)
	for _, host := range hosts {
		e := entries[host]
		if anyUnknown(e.Username, e.Password, e.Insecure, e.CACertificate) {
			out.unknown = true
			return out, diags
		}
		if _, err := images.ParseRegistryHost(host); err != nil && out.problem == nil {
			out.problem = fmt.Errorf("key %w", err)
		}
		if attr, msg := checkRegistryEntry(e); msg != "" && out.problem == nil {
			out.problem = fmt.Errorf("[%q].%s: %s", host, attr, msg)
		}
		opts.Registries[host] = oci.Registry{Username: e.Username.ValueString(), Password: e.Password.ValueString(),
			Insecure: e.Insecure.ValueBool(), CACertificate: e.CACertificate.ValueString()}
	}
	opts.Tokens = append(opts.Tokens, &lazyTokens{serves: func(h string) bool { _, _, ok := ecr.RegistryHost(h); return ok },
		build: func() (oci.TokenSource, error) {
			c, err := aws.get()
			if err != nil {
				return nil, err
			}
			return ecr.NewAuthTokens(c), nil
		}})
	opts.Tokens = append(opts.Tokens, &lazyTokens{serves: func(h string) bool { _, ok := artifactregistry.RegistryHost(h); return ok },
		build: func() (oci.TokenSource, error) {
			c, err := gcp.get()
			if err != nil {
				return nil, err
			}
			if c.Config().Insecure {
				return nil, errors.New("the provider's gcp attribute is set to a plain-text test endpoint (insecure = true), which issues no registry tokens")
			}
			return artifactregistry.NewAuthTokens(c.Config()), nil
		}})
	opts.DockerConfig = true
	opts.Log = func(ctx context.Context, msg string, fields map[string]any) { tflog.Debug(ctx, msg, fields) }
	if out.problem != nil {
		return out, diags
	}
	client, err := oci.NewClient(opts)
	if err != nil {
		out.problem = err
		return out, diags
	}
	out.clients = client
	return out, diags
}

// lazyTokens is the token source of a cloud attribute that is built at the first token: its clients
// may be unknown, or broken, until then, which the first token reports.
type lazyTokens struct {
	serves func(host string) bool
	build  func() (oci.TokenSource, error)

	once sync.Once
	src  oci.TokenSource
	err  error
}

func (l *lazyTokens) source() (oci.TokenSource, error) {
	l.once.Do(func() { l.src, l.err = l.build() })
	return l.src, l.err
}

func (l *lazyTokens) Serves(host string) bool { return l.serves(host) }

func (l *lazyTokens) Token(ctx context.Context, host string) (string, string, time.Time, error) {
	src, err := l.source()
	if err != nil {
		return "", "", time.Time{}, err
	}
	return src.Token(ctx, host)
}

func (l *lazyTokens) Describe(host string) string {
	src, err := l.source()
	if err != nil {
		return "no token (" + err.Error() + ")"
	}
	return src.Describe(host)
}

// registryClient returns the provider's registry client, or an error on the attribute p of the
// data source or resource that needs it.
func (d *providerData) registryClient(diags *diag.Diagnostics, p path.Path) *oci.Client {
	c, err := d.registry.get()
	if err != nil {
		diags.AddAttributeError(p, "Registry Settings Not Usable", fmt.Sprintf("Attribute %s needs a registry, but %s.", p, err))
		return nil
	}
	return c
}
