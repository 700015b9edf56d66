// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/certpem"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/checks"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/databases"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/registryaccess/principal"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/releases"
)

// stringCheck is the string validator of the provider: it runs a rule of a domain package, a
// func(string) error, on a value known at validate time, and reports the rule's error on the
// attribute as "Attribute <path>: <error>." under a summary that names the kind of mistake. A value
// unknown at validate time is checked where it becomes known (plan or apply).
type stringCheck struct {
	desc    string
	summary func(error) string
	check   func(string) error
}

var _ validator.String = stringCheck{}

// checkString is a stringCheck whose errors all carry the same summary, e.g. "Invalid Database Host".
func checkString(summary, desc string, check func(string) error) stringCheck {
	return stringCheck{desc: desc, summary: func(error) string { return summary }, check: check}
}

// checkStringBy is a stringCheck whose summary depends on the error, for rules that tell several
// kinds of mistake apart.
func checkStringBy(summary func(error) string, desc string, check func(string) error) stringCheck {
	return stringCheck{desc: desc, summary: summary, check: check}
}

func (v stringCheck) Description(context.Context) string { return v.desc }

func (v stringCheck) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary(err), fmt.Sprintf("Attribute %s: %s.", req.Path, strings.TrimSuffix(err.Error(), ".")))
	}
}

// ignoreValue adapts a parser to a rule: the error is the rule's, the value is dropped.
func ignoreValue[T any](parse func(string) (T, error)) func(string) error {
	return func(s string) error {
		_, err := parse(s)
		return err
	}
}

// identifierCheck checks a name with a rule of the checks package, e.g. identifierCheck("database
// name", checks.CheckDatabaseName); its summary is "Invalid Database Name".
func identifierCheck(kind string, check func(string) error) stringCheck {
	return checkString("Invalid "+titleCase(kind), "value must be a valid "+kind, check)
}

func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		if w != "" && w[0] >= 'a' && w[0] <= 'z' {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// The checks of the provider's attributes that more than one schema uses.
var (
	databaseHostCheck = checkString("Invalid Database Host", "value must be a host name or IP address without scheme, port or path",
		withNumericHostRule(databases.CheckHost))
	connectTimeoutCheck = checkString("Invalid Connect Timeout",
		fmt.Sprintf("value must be a duration from %s to %s, e.g. 10s", databases.MinConnectTimeout, databases.MaxConnectTimeout),
		ignoreValue(databases.ParseConnectTimeout))
	// A private key is refused first, as every input of certificates refuses it (certpem), then the
	// certificates are checked.
	pemCertificatesCheck = certificatesOnly{checkString("Invalid PEM Certificate", "value must hold one or more PEM-encoded X.509 certificates",
		databases.CheckPEMCertificates)}
	// The key is never quoted: CheckPEMPrivateKey's errors name what was found, not the value.
	pemPrivateKeyCheck = checkString("Invalid PEM Private Key", "value must hold one unencrypted PEM-encoded private key",
		databases.CheckPEMPrivateKey)
	imageDigestCheck = checkStringBy(imagesErrorSummary, "value must be a digest: sha256: followed by 64 lower-case hexadecimal characters",
		images.ParseDigest)
	kubernetesSecretNameCheck = identifierCheck("Kubernetes secret name", checks.CheckSecretName)
	kubernetesSecretKeyCheck  = identifierCheck("Kubernetes secret key", checks.CheckSecretKey)
	exactReleaseVersionCheck  = checkStringBy(releaseErrorSummary,
		"value must be an exact release version such as 0.13.0 or 0.93.2 (no prefix, range or name such as latest)",
		ignoreValue(releases.ParseVersion))
)

// withNumericHostRule runs an input's own host rule, then the rule that every input taking a host
// shares: a name whose last label is all digits is an IPv4 address in dotted decimal, or nothing
// (checks.CheckNumericHost), so "010.0.0.5" is refused while "10.0.0.5" passes. What surrounds the
// host in a registry (oci://, a port, a path) is left out of the shared rule.
func withNumericHostRule(own func(string) error) func(string) error {
	return func(s string) error {
		if err := own(s); err != nil {
			return err
		}
		host, _, _ := strings.Cut(strings.TrimPrefix(s, "oci://"), "/")
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		return checks.CheckNumericHost(host)
	}
}

// certificatesOnly is a check of PEM certificates that refuses a private key first, with the words
// every input of certificates uses (certpem.CheckNoPrivateKey), naming the attribute by its own name.
type certificatesOnly struct{ stringCheck }

func (v certificatesOnly) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.Path.String()
	if step, _ := req.Path.Steps().LastStep(); step != nil {
		if n, ok := step.(path.PathStepAttributeName); ok {
			name = string(n)
		}
	}
	example := fmt.Sprintf("%s = file(%q)", name, strings.ReplaceAll(strings.TrimSuffix(name, "_certificate"), "_", "-")+".pem")
	if err := certpem.CheckNoPrivateKey(name, example, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, certpem.PrivateKeySummary, fmt.Sprintf("Attribute %s: %s.", req.Path, strings.TrimSuffix(err.Error(), ".")))
		return
	}
	v.stringCheck.ValidateString(ctx, req, resp)
}

// imageRegistryCheck checks a registry (with an optional path) for images, or for charts (with or
// without oci://).
func imageRegistryCheck(chart bool) stringCheck {
	summary := func(err error) string {
		if he := (*checks.HostError)(nil); errors.As(err, &he) {
			return "Invalid Registry Host"
		}
		return imagesErrorSummary(err)
	}
	if chart {
		return checkStringBy(summary,
			fmt.Sprintf("value must be an OCI registry with an optional path, with or without oci://, e.g. %s", images.ExampleChartRegistry),
			withNumericHostRule(ignoreValue(images.ParseChartRegistry)))
	}
	return checkStringBy(summary,
		fmt.Sprintf("value must be a registry host with an optional path, without scheme, tag or digest, e.g. %s", images.ExampleRegistry),
		withNumericHostRule(ignoreValue(images.ParseRegistry)))
}

// The checks of the values of the principal object, with the parsers of the principal package.
var (
	awsRoleARNCheck = checkStringBy(registryAccessErrorSummary, "value must be an IAM role ARN, e.g. "+principal.ExampleAWSRoleARN,
		ignoreValue(principal.ParseAWSRoleARN))
	gcpServiceAccountCheck = checkStringBy(registryAccessErrorSummary, "value must be a GCP service account e-mail, e.g. "+
		principal.ExampleGCPServiceAccount, ignoreValue(principal.ParseGCPServiceAccount))
	gcpProjectCheck = checkStringBy(registryAccessErrorSummary, "value must be a GCP project id, e.g. "+principal.ExampleGCPProject,
		principal.CheckGCPProjectID)
	kubernetesNamespaceCheck = checkStringBy(registryAccessErrorSummary, "value must be a Kubernetes namespace, e.g. "+
		principal.ExampleKubernetesNamespace, principal.CheckNamespace)
	kubernetesServiceAccountCheck = checkStringBy(registryAccessErrorSummary, "value must be a Kubernetes service account name, e.g. "+
		principal.ExampleKubernetesSA, principal.CheckKubernetesServiceAccount)
)

// releaseErrorSummary names the kind of an error of the releases package.
func releaseErrorSummary(err error) string {
	var ve *releases.VersionError
	var ue *releases.UnknownDateError
	switch {
	case errors.As(err, &ve):
	case errors.As(err, &ue) && ue.OtherLine != "":
		return "Version of the Other Component"
	case errors.As(err, &ue) && ue.Listed:
		return "Unknown Release Date"
	case errors.As(err, &ue):
		return "Unknown Version"
	}
	return "Invalid Version"
}
