// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/auth/credentials"
)

// registryHostRE matches the host of Artifact Registry's Docker repositories, LOCATION-docker.pkg.dev.
var registryHostRE = regexp.MustCompile(`^([a-z0-9]+(-[a-z0-9]+)*)-docker\.pkg\.dev$`)

// RegistryHost reads an Artifact Registry host such as europe-west3-docker.pkg.dev: its location,
// and whether it is one.
func RegistryHost(host string) (location string, ok bool) {
	m := registryHostRE.FindStringSubmatch(strings.ToLower(host))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// tokenScope is the OAuth scope of registry access tokens, as gcloud's Docker credential helper asks.
const tokenScope = "https://www.googleapis.com/auth/cloud-platform"

// tokenUser is the user name that goes with a Google access token at a registry.
const tokenUser = "oauth2accesstoken"

// AuthTokens issues the credentials of Artifact Registry hosts for pulls and pushes: an OAuth access
// token (valid about an hour) of the provider's gcp credentials, or of Application Default
// Credentials. It implements the token source of package oci.
type AuthTokens struct {
	cfg Config

	once  sync.Once
	creds *auth.Credentials
	err   error
}

// NewAuthTokens returns the token source of cfg; it reads credentials at the first token only.
func NewAuthTokens(cfg Config) *AuthTokens { return &AuthTokens{cfg: cfg} }

// Serves reports whether host is an Artifact Registry host.
func (a *AuthTokens) Serves(host string) bool {
	_, ok := RegistryHost(host)
	return ok
}

// Token returns an access token for host. It runs under ctx's deadline: the credentials library
// fetches one token at a time and holds its lock while it waits for Google's token endpoint (with
// a 30s limit of its own), so a caller that would wait for another caller's fetch returns when its
// own context ends instead; the fetch goes on for the callers still waiting.
func (a *AuthTokens) Token(ctx context.Context, host string) (string, string, time.Time, error) {
	if !a.Serves(host) {
		return "", "", time.Time{}, fmt.Errorf("%s is not an Artifact Registry host", host)
	}
	type result struct {
		tok *auth.Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		a.once.Do(func() { a.creds, a.err = a.credentials() })
		if a.err != nil {
			done <- result{err: a.err}
			return
		}
		tok, err := a.creds.Token(ctx)
		if err != nil {
			err = fmt.Errorf("getting a Google access token: %w", err)
		}
		done <- result{tok: tok, err: err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return "", "", time.Time{}, r.err
		}
		return tokenUser, r.tok.Value, r.tok.Expiry, nil
	case <-ctx.Done():
		return "", "", time.Time{}, fmt.Errorf("getting a Google access token: %w", ctx.Err())
	}
}

func (a *AuthTokens) credentials() (*auth.Credentials, error) {
	opts := &credentials.DetectOptions{Scopes: []string{tokenScope}}
	if a.cfg.CredentialsJSON == "" {
		c, err := credentials.DetectDefault(opts)
		if err != nil {
			return nil, fmt.Errorf("finding Application Default Credentials: %w", err)
		}
		return c, nil
	}
	kind, err := CheckCredentialsJSON(a.cfg.CredentialsJSON)
	if err != nil {
		return nil, err
	}
	credType := credentials.ServiceAccount
	if kind == AuthorizedUserCredentials {
		credType = credentials.AuthorizedUser
	}
	c, err := credentials.NewCredentialsFromJSON(credType, []byte(a.cfg.CredentialsJSON), opts)
	if err != nil {
		// The error of a credentials parse may quote the document: it is not passed on.
		return nil, errors.New("the gcp credentials JSON could not be used for an access token " +
			"(give a service account key or an authorized user JSON document)")
	}
	return c, nil
}

// Describe names the credentials of host, for messages.
func (a *AuthTokens) Describe(string) string {
	if a.cfg.CredentialsJSON != "" {
		return "a Google access token of the provider's gcp.credentials"
	}
	return "a Google access token of Application Default Credentials"
}
