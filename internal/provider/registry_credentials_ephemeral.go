// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
)

var (
	_ ephemeral.EphemeralResource                   = (*registryCredentialsEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*registryCredentialsEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*registryCredentialsEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithRenew          = (*registryCredentialsEphemeralResource)(nil)
)

// NewRegistryCredentialsEphemeralResource returns the zenmlpro_registry_credentials ephemeral resource.
func NewRegistryCredentialsEphemeralResource() ephemeral.EphemeralResource {
	return &registryCredentialsEphemeralResource{}
}

type registryCredentialsEphemeralResource struct {
	data *providerData
}

type registryCredentialsModel struct {
	Registry         types.String `tfsdk:"registry"`
	Username         types.String `tfsdk:"username"`
	Password         types.String `tfsdk:"password"`
	DockerConfigJSON types.String `tfsdk:"docker_config_json"`
	ExpiresAt        types.String `tfsdk:"expires_at"`
	Source           types.String `tfsdk:"source"`
}

// credentialsRenewMargin is how long before the credentials expire Terraform is asked to renew
// them, so that a run that outlasts them is told before they stop working.
const credentialsRenewMargin = 5 * time.Minute

// credentialsPrivateKey is the key of the private data that Open leaves for Renew: the registry,
// the source and the expiry, never a secret.
const credentialsPrivateKey = "credentials"

// registryCredentialsPrivate is the private data that Open leaves for Renew.
type registryCredentialsPrivate struct {
	Registry  string `json:"registry"`
	Source    string `json:"source"`
	ExpiresAt string `json:"expires_at"`
}

func (r *registryCredentialsEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_registry_credentials"
}

func (r *registryCredentialsEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Pull credentials for one OCI registry host, for a Kubernetes image pull secret (type " +
			"`kubernetes.io/dockerconfigjson`) of the ZenML Pro deployment. An ephemeral resource (Terraform 1.10+): its values " +
			"are never written to the plan or the state, so pass them to write-only or ephemeral arguments only, e.g. the " +
			"`data_wo` of a `kubernetes_secret_v1` (Terraform 1.11+).\n\n" +
			"With `username` and `password` (credentials ZenML issued for its registry, e.g. user `_json_key` with a JSON key as " +
			"password) they are returned as they are, and nothing is contacted. Without them the credentials are those the " +
			"provider pulls images with, in the same order: the provider's `registries` entry for the host; for an ECR host " +
			"(`ACCOUNT.dkr.ecr.REGION.amazonaws.com`) an authorization token from the provider's `aws` settings; for an " +
			"Artifact Registry host (`LOCATION-docker.pkg.dev`) a Google access token from the `gcp` settings (or Application " +
			"Default Credentials); otherwise the credentials of the Docker config (`~/.docker/config.json` or `$DOCKER_CONFIG`, " +
			"with its credential helpers). Anything else is an error that names the host and what was tried.\n\n" +
			"Tokens expire (ECR tokens after 12 hours, Google access tokens after one hour), and a pull secret that holds one " +
			"stops working then: it is written again only when Terraform writes it again (for `data_wo`, when " +
			"`data_wo_revision` changes). Static credentials (a registries entry, `username` and `password`, the Docker config) " +
			"do not expire. Terraform cannot give new values to an ephemeral resource it has opened: when a run outlasts a " +
			"token, Terraform asks the provider to renew it five minutes before it expires, and the provider answers with a " +
			"warning that the token is about to expire.",
		Attributes: map[string]schema.Attribute{
			"registry": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The registry host, with its port if it has one, as image references name it: e.g. `" +
					images.ExampleRegistryHost + "`, `127.0.0.1:5001`, `715803424590.dkr.ecr.eu-central-1.amazonaws.com` or " +
					"`europe-west3-docker.pkg.dev`. Docker Hub is `docker.io`. No scheme, path, tag or digest, in lower case. " +
					"It is also the key of the credentials in `docker_config_json` (`https://index.docker.io/v1/` for Docker Hub).",
				Validators: []validator.String{checkString("Invalid Registry Host",
					"value must be a registry host with an optional port, e.g. "+images.ExampleRegistryHost, withNumericHostRule(ignoreValue(images.ParseRegistryHost)))},
			},
			"username": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "As an argument: the user name of credentials you already have, e.g. `_json_key` for a JSON key " +
					"ZenML issued for its registry, or a Harbor robot account `robot$zenml`; needs `password`, and is then returned " +
					"as it is. As a result: the user name of the credentials, e.g. `AWS` for an ECR token or `oauth2accesstoken` " +
					"for a Google access token.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"password": schema.StringAttribute{
				Optional:  true,
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "As an argument: the password or key of `username`, e.g. the JSON key ZenML issued " +
					"(`file(\"zenml-registry-key.json\")` or an ephemeral variable); needs `username`. As a result: the password " +
					"or token of the credentials. It never enters the logs or an error message.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"docker_config_json": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "The credentials as a Docker config document, " +
					"`{\"auths\":{\"<registry>\":{\"username\":\"...\",\"password\":\"...\",\"auth\":\"<base64 of username:password>\"}}}`: " +
					"the `.dockerconfigjson` of a `kubernetes_secret_v1` of type `kubernetes.io/dockerconfigjson`, e.g. " +
					"`data_wo = { \".dockerconfigjson\" = ephemeral.zenmlpro_registry_credentials.harbor.docker_config_json }`.",
			},
			"expires_at": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "When the credentials stop working, as an RFC 3339 time in UTC, e.g. `2026-05-04T21:30:00Z`, for " +
					"an ECR or Google token; null for credentials that do not expire (a registries entry, `username` and " +
					"`password`, the Docker config).",
			},
			"source": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Where the credentials come from, for messages and checks; never a secret. E.g. " +
					"`the provider's registries entry for " + images.ExampleRegistryHost + " (user \"robot$zenml\")`, " +
					"`an ECR authorization token (ecr:GetAuthorizationToken in eu-central-1) of the default AWS credential chain`, " +
					"`a Google access token of Application Default Credentials`, `the Docker config's credentials for HOST (user \"USER\")` " +
					"or `the username and password given to this ephemeral resource`.",
			},
		},
	}
}

func (r *registryCredentialsEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks, for literal values, that username and password are given together.
func (r *registryCredentialsEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var username, password types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("username"), &username)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password"), &password)...)
	if resp.Diagnostics.HasError() || anyUnknown(username, password) {
		return
	}
	addCredentialsPairError(&resp.Diagnostics, username, password)
}

// addCredentialsPairError reports a username without password, or the reverse; it reports whether
// it did.
func addCredentialsPairError(diags *diag.Diagnostics, username, password types.String) bool {
	attr, msg := checkCredentialsPair(username, password, `username = "_json_key" for a JSON key ZenML issued`,
		"use the provider's registries entry, a cloud token or the Docker config")
	if msg == "" {
		return false
	}
	p := path.Root(attr)
	diags.AddAttributeError(p, "Incomplete Registry Credentials", fmt.Sprintf("Attribute %s: %s.", p, msg))
	return true
}

func (r *registryCredentialsEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m registryCredentialsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The validators checked literal values; values that were unknown then are checked here.
	host := m.Registry.ValueString()
	if _, err := images.ParseRegistryHost(host); err != nil {
		p := path.Root("registry")
		resp.Diagnostics.AddAttributeError(p, "Invalid Registry Host", fmt.Sprintf("Attribute %s: %s.", p, strings.TrimSuffix(err.Error(), ".")))
		return
	}
	if addCredentialsPairError(&resp.Diagnostics, m.Username, m.Password) {
		return
	}
	ctx = tflog.SetField(ctx, "registry", host)
	var creds oci.Credentials
	if !m.Username.IsNull() {
		creds = oci.Credentials{Username: m.Username.ValueString(), Password: m.Password.ValueString(),
			Source: "the username and password given to this ephemeral resource"}
	} else {
		var ok bool
		if creds, ok = r.credentials(ctx, host, &resp.Diagnostics); !ok {
			return
		}
	}
	// Whatever this context logs from now on, the secret is masked in it.
	ctx = tflog.MaskAllFieldValuesStrings(ctx, creds.Password)
	ctx = tflog.MaskMessageStrings(ctx, creds.Password)

	doc, err := oci.DockerConfigJSON(host, creds.Username, creds.Password)
	if err != nil {
		resp.Diagnostics.AddError("Docker Config Not Built", "Building the Docker config document failed: "+err.Error()+
			". This is a defect in the provider; please report it.")
		return
	}
	m.Username = types.StringValue(creds.Username)
	m.Password = types.StringValue(creds.Password)
	m.DockerConfigJSON = types.StringValue(doc)
	m.Source = types.StringValue(creds.Source)
	m.ExpiresAt = types.StringNull()
	private := registryCredentialsPrivate{Registry: host, Source: creds.Source}
	if !creds.Expires.IsZero() {
		expires := creds.Expires.UTC().Truncate(time.Second)
		m.ExpiresAt = types.StringValue(expires.Format(time.RFC3339))
		private.ExpiresAt = m.ExpiresAt.ValueString()
		resp.RenewAt = renewAt(time.Now(), creds.Expires)
	}
	tflog.Info(ctx, "registry credentials opened", map[string]any{"source": creds.Source, "expires_at": m.ExpiresAt.ValueString()})
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
	if b, err := json.Marshal(private); err == nil && resp.Private != nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, credentialsPrivateKey, b)...)
	}
}

// credentials asks the provider's registry client for the credentials of host.
func (r *registryCredentialsEphemeralResource) credentials(ctx context.Context, host string, diags *diag.Diagnostics) (oci.Credentials, bool) {
	p := path.Root("registry")
	if r.data == nil {
		diags.AddAttributeError(p, "Provider Not Configured", fmt.Sprintf("Attribute %s: the credentials of %s come from the provider's "+
			"configuration, which Terraform has not given yet. This is a defect in the provider; please report it.", p, host))
		return oci.Credentials{}, false
	}
	client := r.data.registryClient(diags, p)
	if client == nil {
		return oci.Credentials{}, false
	}
	creds, err := client.Credentials(ctx, host)
	var none *oci.NoCredentialsError
	switch {
	case errors.As(err, &none):
		diags.AddAttributeError(p, "No Registry Credentials", fmt.Sprintf("Attribute %s: %s. Give the credentials in the provider's "+
			"registries = { %q = { username = \"...\", password = var.registry_password } }, or in this ephemeral resource's "+
			"username and password, or log in with docker login %s.", p, strings.TrimSuffix(err.Error(), "."), host, host))
		return oci.Credentials{}, false
	case err != nil:
		diags.AddAttributeError(p, "Registry Credentials Not Available", fmt.Sprintf("Attribute %s: %s.", p, strings.TrimSuffix(err.Error(), ".")))
		return oci.Credentials{}, false
	}
	return creds, true
}

// renewAt is when Terraform is asked to renew credentials that expire at expires:
// credentialsRenewMargin before, halfway there when they expire sooner than that, or now when they
// have expired already.
func renewAt(now, expires time.Time) time.Time {
	if !expires.After(now) {
		return now
	}
	if at := expires.Add(-credentialsRenewMargin); at.After(now) {
		return at
	}
	return now.Add(expires.Sub(now) / 2)
}

// Renew is called when a Terraform run is still using credentials that are about to expire. An
// opened ephemeral resource cannot change its values, so the credentials cannot be replaced: the
// run is warned instead, and no further renewal is asked for.
func (r *registryCredentialsEphemeralResource) Renew(ctx context.Context, req ephemeral.RenewRequest, resp *ephemeral.RenewResponse) {
	var private registryCredentialsPrivate
	b, diags := req.Private.GetKey(ctx, credentialsPrivateKey)
	resp.Diagnostics.Append(diags...)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &private); err != nil {
			tflog.Debug(ctx, "registry credentials: private data not readable", map[string]any{"error": err.Error()})
		}
	}
	what := "The registry credentials"
	if private.Registry != "" {
		what = fmt.Sprintf("The credentials for %s (%s)", private.Registry, private.Source)
	}
	when := "soon"
	if private.ExpiresAt != "" {
		when = "at " + private.ExpiresAt
	}
	resp.Diagnostics.AddWarning("Registry Credentials Expiring", fmt.Sprintf("%s expire %s, and this Terraform run is still using "+
		"them. An opened ephemeral resource cannot give new values: whatever receives them after that time gets credentials "+
		"that no longer work. Run Terraform again to get new ones.", what, when))
}
