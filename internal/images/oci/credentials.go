// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package oci

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Credentials are the pull credentials of one registry host, e.g. for a Kubernetes image pull
// secret.
type Credentials struct {
	Username string
	Password string // never logged or quoted
	// Expires is when the credentials stop working; zero when they do not expire (a registries
	// entry, the Docker config).
	Expires time.Time
	// Source names where the credentials come from, e.g. "the provider's registries entry for
	// harbor.internal.example.com (user "robot$zenml")"; it never quotes a secret.
	Source string
}

// NoCredentialsError says that nothing the client knows holds credentials for a host.
type NoCredentialsError struct {
	Host string
	// Tried says what was looked at and why each gave nothing, e.g. "no registries entry names
	// HOST, ...".
	Tried string
}

func (e *NoCredentialsError) Error() string {
	return fmt.Sprintf("no credentials for %s: %s", e.Host, e.Tried)
}

// Credentials returns the credentials the client would pull from host with (e.g.
// "harbor.internal.example.com" or "127.0.0.1:5001"), in the order image pulls take them: the
// registries entry of host, else a token of the first token source that serves host (with its
// expiry), else the Docker config's credentials (when enabled). Tokens come from the same cache as
// the pulls' tokens. A registries entry without username and password, which makes pulls
// anonymous, ends the search like any entry: the result is then a *NoCredentialsError, as it is
// when nothing holds credentials for host.
func (c *Client) Credentials(ctx context.Context, host string) (Credentials, error) {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return Credentials{}, fmt.Errorf("%q is not a registry host: %w", host, err)
	}
	// Image pulls look hosts up by go-containerregistry's name: index.docker.io for docker.io.
	h := reg.RegistryStr()
	k := c.auth
	if e, ok := k.entry(h); ok {
		if e.Username == "" && e.Password == "" {
			return Credentials{}, &NoCredentialsError{Host: host, Tried: fmt.Sprintf("the provider's registries entry for %s has no "+
				"username and password (it makes image pulls anonymous), and an entry is used instead of cloud tokens and the "+
				"Docker config", host)}
		}
		return Credentials{Username: e.Username, Password: e.Password, Source: k.describe(h)}, nil
	}
	for _, src := range k.opts.Tokens {
		if !src.Serves(h) {
			continue
		}
		user, pass, err := k.token(ctx, src, h)
		if err != nil {
			return Credentials{}, fmt.Errorf("credentials for %s from %s: %w", host, src.Describe(h), err)
		}
		return Credentials{Username: user, Password: pass, Expires: k.expiry(h, user, pass), Source: src.Describe(h)}, nil
	}
	tried := fmt.Sprintf("no registries entry names %s, no cloud token serves it (ECR hosts are "+
		"ACCOUNT.dkr.ecr.REGION.amazonaws.com, Artifact Registry hosts LOCATION-docker.pkg.dev)", host)
	if !k.opts.DockerConfig {
		return Credentials{}, &NoCredentialsError{Host: host, Tried: tried + ", and the Docker config is not read"}
	}
	creds, found, err := dockerConfigCredentials(ctx, reg, host)
	if err != nil {
		return Credentials{}, fmt.Errorf("reading the Docker config's credentials for %s: %w", host, err)
	}
	if !found {
		return Credentials{}, &NoCredentialsError{Host: host, Tried: tried + ", and the Docker config (~/.docker/config.json or " +
			"$DOCKER_CONFIG/config.json, with its credential helpers) has none for it"}
	}
	return creds, nil
}

// expiry is when the cached token of host expires, if the cached token is user and pass (the one
// just returned by token); zero otherwise.
func (k *keychain) expiry(host, user, pass string) time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	if t, ok := k.tokens[host]; ok && t.username == user && t.password == pass {
		return t.expires
	}
	return time.Time{}
}

// dockerConfigCredentials reads the credentials of reg (host as the caller wrote it) from the Docker config, as docker pull
// would: the config's auths entry or its credential helper. An entry that holds an identity token
// only (the OAuth refresh token some logins store) is an error, because a pull secret needs a user
// and a password.
func dockerConfigCredentials(ctx context.Context, reg name.Registry, host string) (Credentials, bool, error) {
	auth, err := authn.Resolve(ctx, authn.DefaultKeychain, reg)
	if err != nil {
		return Credentials{}, false, err
	}
	if auth == authn.Anonymous {
		return Credentials{}, false, nil
	}
	cfg, err := authn.Authorization(ctx, auth)
	if err != nil {
		return Credentials{}, false, err
	}
	if cfg.Username == "" && cfg.Password == "" {
		if cfg.IdentityToken != "" || cfg.RegistryToken != "" {
			return Credentials{}, false, fmt.Errorf("the Docker config holds a token for %s, not a user name and password, "+
				"which a pull secret needs; log in with a user name and password (docker login -u USER %s)", host, host)
		}
		return Credentials{}, false, nil
	}
	return Credentials{Username: cfg.Username, Password: cfg.Password,
		Source: fmt.Sprintf("the Docker config's credentials for %s (user %q)", host, cfg.Username)}, true, nil
}

// dockerHubAuthKey is the key of Docker Hub in a Docker config's auths, as docker login and
// kubectl create secret docker-registry write it; container runtimes match docker.io images to it.
const dockerHubAuthKey = "https://index.docker.io/v1/"

// DockerConfigJSON is the Docker config document that holds the credentials of host, as the
// .dockerconfigjson of a kubernetes.io/dockerconfigjson secret takes it. Docker Hub is keyed as
// docker login writes it.
func DockerConfigJSON(host, username, password string) (string, error) {
	type entry struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Auth     string `json:"auth"`
	}
	key := host
	if host == "docker.io" || host == "index.docker.io" {
		key = dockerHubAuthKey
	}
	doc := struct {
		Auths map[string]entry `json:"auths"`
	}{Auths: map[string]entry{key: {Username: username, Password: password,
		Auth: base64.StdEncoding.EncodeToString([]byte(username + ":" + password))}}}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Passwords keep their characters as they are (no \u0026 for &), as docker login writes them.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
