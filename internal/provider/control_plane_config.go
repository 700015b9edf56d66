// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/certpem"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/controlplane"
)

type controlPlaneModel struct {
	URL           types.String `tfsdk:"url"`
	Token         types.String `tfsdk:"token"`
	Username      types.String `tfsdk:"username"`
	Password      types.String `tfsdk:"password"`
	CACertificate types.String `tfsdk:"ca_certificate"`
}

func controlPlaneAttribute() schema.Attribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "How the provider reaches a ZenML Pro Control Plane's API, for `zenmlpro_workspace_enrollment`, e.g. " +
			"`control_plane = { url = \"" + controlplane.ExampleURL + "\", token = var.zenml_token, ca_certificate = file(\"ca.pem\") }`. " +
			"Credentials are a personal access token (`token`), or `username` and `password` (the provider logs in with them). " +
			"Values may be unknown until apply (the Control Plane's URL from the release that installs it): nothing is contacted until " +
			"a resource needs the Control Plane, and a plan that reads no workspace contacts nothing. The credentials never enter the " +
			"state, the logs or an error message; from variables, make them `ephemeral = true` so that saved plan files do not hold " +
			"them either.",
		Validators: []validator.Object{controlPlaneObjectValidator{}},
		Attributes: map[string]schema.Attribute{
			"url": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The Control Plane's base URL (the API is under `/api/v1` of it), e.g. `" + controlplane.ExampleURL + "`. " +
					"`https`, or plain `http` for a loopback host only (`http://127.0.0.1:8080`): the credentials must not cross a network unencrypted.",
				Validators: []validator.String{checkString("Invalid Control Plane URL", "an https URL (http only for loopback hosts)", ignoreValue(controlplane.CheckURL))},
			},
			"token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "A personal access token of a Control Plane user who may create workspaces in the organization " +
					"(created in the Web UI). Sent as a Bearer token. Give this, or `username` and `password`.",
			},
			"username": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "A Control Plane user to log in as (e.g. the local `admin` of a Control Plane without SSO), with `password`.",
			},
			"password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "The password of `username`.",
			},
			"ca_certificate": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM CA certificates to trust for the Control Plane's TLS besides the system's, e.g. the deployment's " +
					"private CA: `file(\"ca.pem\")`. Never a private key.",
				Validators: []validator.String{checkString("Invalid CA Certificate", "PEM CA certificates, no private key", checkControlPlaneCA)},
			},
		},
	}
}

func checkControlPlaneCA(s string) error {
	if err := certpem.CheckNoPrivateKey("control_plane.ca_certificate", `file("ca.pem")`, s); err != nil {
		return err
	}
	_, err := checks.ParseCACertificates(s)
	return err
}

// controlPlaneObjectValidator: a token, or a username and a password; not both ways.
type controlPlaneObjectValidator struct{}

func (controlPlaneObjectValidator) Description(context.Context) string {
	return "a token, or username and password"
}

func (v controlPlaneObjectValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (controlPlaneObjectValidator) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m controlPlaneModel
	resp.Diagnostics.Append(req.ConfigValue.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if resp.Diagnostics.HasError() || anyUnknown(m.Token, m.Username, m.Password) {
		return
	}
	if msg := controlPlaneCredentialsProblem(m); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Control Plane Credentials", fmt.Sprintf("Attribute %s: %s.", req.Path, msg))
	}
}

func controlPlaneCredentialsProblem(m controlPlaneModel) string {
	token, user, pw := !m.Token.IsNull(), !m.Username.IsNull(), !m.Password.IsNull()
	switch {
	case token && (user || pw):
		return "give a token, or username and password, not both, e.g. token = var.zenml_token"
	case !token && !user && !pw:
		return "no credentials: give a personal access token (token = var.zenml_token), or username and password"
	case user != pw:
		return "username and password go together, e.g. username = \"admin\", password = var.zenml_admin_password"
	}
	return ""
}

// lazyControlPlane is the provider's control_plane attribute: the client is built at its first use.
type lazyControlPlane struct {
	once   sync.Once
	client *controlplane.Client
	err    error
	cfg    controlplane.Config
	// unknown: a value was unknown when the provider was configured (a plan); absent: no attribute.
	unknown, absent bool
}

func controlPlaneFrom(ctx context.Context, obj types.Object) (*lazyControlPlane, diag.Diagnostics) {
	out := &lazyControlPlane{}
	var diags diag.Diagnostics
	switch {
	case obj.IsUnknown():
		out.unknown = true
		return out, diags
	case obj.IsNull():
		out.absent = true
		return out, diags
	}
	var m controlPlaneModel
	diags.Append(obj.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return out, diags
	}
	if anyUnknown(m.URL, m.Token, m.Username, m.Password, m.CACertificate) {
		out.unknown = true
		return out, diags
	}
	out.cfg = controlplane.Config{URL: m.URL.ValueString(), Token: m.Token.ValueString(), Username: m.Username.ValueString(),
		Password: m.Password.ValueString(), CACertificatePEM: m.CACertificate.ValueString()}
	return out, diags
}

// get returns the client, or why there is none yet.
func (l *lazyControlPlane) get() (*controlplane.Client, error) {
	switch {
	case l == nil || l.absent:
		return nil, fmt.Errorf("the provider has no control_plane attribute: add control_plane = { url = %q, token = var.zenml_token }", controlplane.ExampleURL)
	case l.unknown:
		return nil, fmt.Errorf("the provider's control_plane attribute is not known yet (it depends on values known after apply)")
	}
	l.once.Do(func() {
		if msg := controlPlaneCredentialsProblem(controlPlaneModel{Token: nullable(l.cfg.Token), Username: nullable(l.cfg.Username),
			Password: nullable(l.cfg.Password)}); msg != "" {
			l.err = fmt.Errorf("the provider's control_plane attribute: %s", msg)
			return
		}
		if l.cfg.CACertificatePEM != "" {
			if err := checkControlPlaneCA(l.cfg.CACertificatePEM); err != nil {
				l.err = fmt.Errorf("the provider's control_plane.ca_certificate: %w", err)
				return
			}
		}
		l.client, l.err = controlplane.New(l.cfg)
		if l.err != nil {
			l.err = fmt.Errorf("the provider's control_plane attribute: %w", l.err)
		}
	})
	return l.client, l.err
}

func nullable(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
