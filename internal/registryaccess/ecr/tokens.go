// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
)

// registryHostRE matches the host of an ECR private registry: ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn].
var registryHostRE = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(-fips)?\.([a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9])\.amazonaws\.com(\.cn)?$`)

// RegistryHost reads an ECR registry host such as 715803424590.dkr.ecr.eu-central-1.amazonaws.com: its
// account id and region, and whether it is one.
func RegistryHost(host string) (account, region string, ok bool) {
	m := registryHostRE.FindStringSubmatch(strings.ToLower(host))
	if m == nil {
		return "", "", false
	}
	return m[1], m[3], true
}

// AuthTokens issues the credentials of ECR registries for pulls and pushes: an authorization token
// (ecr:GetAuthorizationToken, valid 12 hours) from the provider's aws settings, asked in the
// registry's region. It implements the token source of package oci.
type AuthTokens struct {
	clients *Clients
}

// NewAuthTokens returns the token source of clients; it contacts AWS at the first token only.
func NewAuthTokens(clients *Clients) *AuthTokens { return &AuthTokens{clients: clients} }

// Serves reports whether host is an ECR private registry.
func (a *AuthTokens) Serves(host string) bool {
	_, _, ok := RegistryHost(host)
	return ok
}

// Token asks ECR for an authorization token of host's region and returns its user ("AWS") and password.
func (a *AuthTokens) Token(ctx context.Context, host string) (string, string, time.Time, error) {
	_, region, ok := RegistryHost(host)
	if !ok {
		return "", "", time.Time{}, fmt.Errorf("%s is not an ECR registry host", host)
	}
	c, err := a.clients.Clients(ctx)
	if err != nil {
		return "", "", time.Time{}, err
	}
	out, err := c.ECR.GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{}, func(o *awsecr.Options) { o.Region = region })
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("ecr:GetAuthorizationToken in %s: %w", region, err)
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return "", "", time.Time{}, fmt.Errorf("ecr:GetAuthorizationToken in %s returned no token", region)
	}
	data := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(*data.AuthorizationToken)
	user, pass, found := strings.Cut(string(raw), ":")
	if err != nil || !found || user == "" {
		// The token is a secret: it is never quoted.
		return "", "", time.Time{}, errors.New("ecr:GetAuthorizationToken returned a token that is not base64 of USER:PASSWORD")
	}
	expires := time.Now().Add(12 * time.Hour)
	if data.ExpiresAt != nil {
		expires = *data.ExpiresAt
	}
	return user, pass, expires, nil
}

// Describe names the credentials of host, for messages.
func (a *AuthTokens) Describe(host string) string {
	_, region, _ := RegistryHost(host)
	via := "the default AWS credential chain"
	if r := a.clients.Config().AssumeRoleARN; r != "" {
		via = "the role " + r + " of the provider's aws settings"
	} else if p := a.clients.Config().Profile; p != "" {
		via = "the profile " + p + " of the provider's aws settings"
	}
	return fmt.Sprintf("an ECR authorization token (ecr:GetAuthorizationToken in %s) of %s", region, via)
}
