// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// TokenSource issues short-lived credentials for the registries of one cloud (ECR authorization
// tokens, Google access tokens).
type TokenSource interface {
	// Serves reports whether the source issues credentials for the registry host.
	Serves(host string) bool
	// Token returns the credentials for host and when they expire.
	Token(ctx context.Context, host string) (username, password string, expires time.Time, err error)
	// Describe names the credentials the source gives host, in messages, e.g. "an ECR authorization token
	// (GetAuthorizationToken in eu-central-1) of the provider's aws settings"; it never quotes a secret.
	Describe(host string) string
}

// refreshMargin is how long before their expiry cached tokens are replaced: a long copy never runs
// on a token that expires in the middle of it.
const refreshMargin = 10 * time.Minute

// keychain gives go-containerregistry the credentials of a host: the provider's registries entry,
// else a token source that serves the host, else the Docker config (when enabled), else none.
type keychain struct {
	opts Options

	mu     sync.Mutex
	tokens map[string]cachedToken
}

type cachedToken struct {
	username, password string
	expires            time.Time
}

func newKeychain(opts Options) *keychain {
	return &keychain{opts: opts, tokens: map[string]cachedToken{}}
}

// Resolve implements authn.Keychain.
func (k *keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), r)
}

// ResolveContext implements authn.ContextKeychain.
func (k *keychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	host := r.RegistryStr()
	if reg, ok := k.entry(host); ok {
		if reg.Username == "" && reg.Password == "" {
			return authn.Anonymous, nil
		}
		return &authn.Basic{Username: reg.Username, Password: reg.Password}, nil
	}
	for _, src := range k.opts.Tokens {
		if !src.Serves(host) {
			continue
		}
		user, pass, err := k.token(ctx, src, host)
		if err != nil {
			return nil, fmt.Errorf("credentials for %s from %s: %w", host, src.Describe(host), err)
		}
		return &authn.Basic{Username: user, Password: pass}, nil
	}
	if k.opts.DockerConfig {
		return authn.DefaultKeychain.Resolve(r)
	}
	return authn.Anonymous, nil
}

// entry is the registries entry of host; Docker Hub, which go-containerregistry calls
// index.docker.io, may be keyed docker.io.
func (k *keychain) entry(host string) (Registry, bool) {
	if reg, ok := k.opts.Registries[host]; ok {
		return reg, true
	}
	if host == name.DefaultRegistry {
		reg, ok := k.opts.Registries["docker.io"]
		return reg, ok
	}
	return Registry{}, false
}

// token returns a cached token of src for host, or a new one when the cached one expires within
// refreshMargin.
func (k *keychain) token(ctx context.Context, src TokenSource, host string) (string, string, error) {
	k.mu.Lock()
	t, ok := k.tokens[host]
	k.mu.Unlock()
	if ok && time.Until(t.expires) > refreshMargin {
		return t.username, t.password, nil
	}
	user, pass, expires, err := src.Token(ctx, host)
	if err != nil {
		return "", "", err
	}
	k.mu.Lock()
	k.tokens[host] = cachedToken{username: user, password: pass, expires: expires}
	k.mu.Unlock()
	return user, pass, nil
}

// describe names the credentials the keychain gives host, for messages; it never quotes a secret.
func (k *keychain) describe(host string) string {
	if reg, ok := k.entry(host); ok {
		if reg.Username == "" && reg.Password == "" {
			return fmt.Sprintf("no credentials (the provider's registries entry for %s has none)", host)
		}
		return fmt.Sprintf("the provider's registries entry for %s (user %q)", host, reg.Username)
	}
	for _, src := range k.opts.Tokens {
		if src.Serves(host) {
			return src.Describe(host)
		}
	}
	if k.opts.DockerConfig {
		return fmt.Sprintf("the Docker config's credentials for %s, if it has any (no registries entry names %s)", host, host)
	}
	return fmt.Sprintf("no credentials (no registries entry names %s)", host)
}
