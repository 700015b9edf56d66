// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package artifactregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"

	artifactregistry "cloud.google.com/go/artifactregistry/apiv1"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Config is how the provider reaches Google Cloud. The zero value uses Application Default
// Credentials and the regular Artifact Registry endpoint.
type Config struct {
	// Project is the default project of grants that name none; empty means none.
	Project string
	// CredentialsJSON is a service account key or authorized user JSON document; empty means
	// Application Default Credentials. It is a secret: it is never logged or quoted.
	CredentialsJSON string
	// ArtifactRegistryEndpoint overrides the gRPC endpoint, host:port; empty means the regular one.
	ArtifactRegistryEndpoint string
	// Insecure dials ArtifactRegistryEndpoint in plain text without credentials, for tests against a
	// local fake. It needs ArtifactRegistryEndpoint.
	Insecure bool
}

// Kinds of credentials JSON documents accepted, as named by their "type" field.
const (
	ServiceAccountCredentials = "service_account"
	AuthorizedUserCredentials = "authorized_user"
)

// credentialsFields are the fields each kind of credentials document needs.
var credentialsFields = map[string][]string{
	ServiceAccountCredentials: {"client_email", "private_key"},
	AuthorizedUserCredentials: {"client_id", "client_secret", "refresh_token"},
}

// CheckCredentialsJSON checks that s is a service account key or an authorized user JSON document
// (as written by gcloud auth application-default login) and returns its type. Its errors name fields
// and types only, never a value of the document.
func CheckCredentialsJSON(s string) (string, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(s), &doc); err != nil || doc == nil {
		return "", errors.New("the credentials are not a JSON object; give the contents of a service account key file " +
			"(\"type\": \"service_account\") or of an authorized user file (\"type\": \"authorized_user\"), e.g. file(\"key.json\")")
	}
	kind, _ := doc["type"].(string)
	fields, ok := credentialsFields[kind]
	if !ok {
		what := "has no \"type\" field"
		if identifierRE.MatchString(kind) {
			what = fmt.Sprintf("has \"type\": %q", kind)
		} else if _, present := doc["type"]; present {
			what = "has an unexpected \"type\""
		}
		return "", fmt.Errorf("the credentials JSON %s; give a service account key (\"type\": \"service_account\") or an "+
			"authorized user file (\"type\": \"authorized_user\")", what)
	}
	for _, f := range fields {
		if v, _ := doc[f].(string); v == "" {
			return "", fmt.Errorf("the %s credentials JSON has no %q: give the complete file as downloaded", kind, f)
		}
	}
	return kind, nil
}

// identifierRE matches a short type name: safe to quote, not a secret.
var identifierRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,40}$`)

// String describes the configuration without the credentials.
func (c Config) String() string {
	creds := "application default credentials"
	if c.CredentialsJSON != "" {
		creds = "credentials JSON (sensitive)"
	}
	return fmt.Sprintf("Config{Project: %q, Credentials: %s, ArtifactRegistryEndpoint: %q, Insecure: %t}",
		c.Project, creds, c.ArtifactRegistryEndpoint, c.Insecure)
}

// GoString is String, so that %#v does not print the credentials either.
func (c Config) GoString() string { return c.String() }

// Clients builds the Artifact Registry client of one Config once, at first use, and shares it.
// It is safe for concurrent use.
type Clients struct {
	cfg Config

	once   sync.Once
	ar     *artifactregistry.Client
	err    error
	mu     sync.Mutex
	closed bool
}

// NewClients returns the lazy clients of cfg. It does not contact anything.
func NewClients(cfg Config) *Clients { return &Clients{cfg: cfg} }

// Config returns the configuration the clients are built from.
func (g *Clients) Config() Config { return g.cfg }

// ArtifactRegistry builds the client on the first call and returns the same one on every later call.
// A failure to build (e.g. no Application Default Credentials) is returned on every call.
func (g *Clients) ArtifactRegistry(ctx context.Context) (*artifactregistry.Client, error) {
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed {
		return nil, errors.New("the Artifact Registry client is closed")
	}
	g.once.Do(func() { g.ar, g.err = g.build(ctx) })
	return g.ar, g.err
}

// Close closes the client if it was built.
func (g *Clients) Close() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	var err error
	g.once.Do(func() { g.err = errors.New("the Artifact Registry client is closed") })
	if g.ar != nil {
		err = g.ar.Close()
	}
	return err
}

func (g *Clients) build(ctx context.Context) (*artifactregistry.Client, error) {
	if err := g.cfg.Validate(); err != nil {
		return nil, err
	}
	opts := []option.ClientOption{}
	if g.cfg.ArtifactRegistryEndpoint != "" {
		opts = append(opts, option.WithEndpoint(g.cfg.ArtifactRegistryEndpoint))
	}
	switch {
	case g.cfg.Insecure:
		opts = append(opts, option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	case g.cfg.CredentialsJSON != "":
		kind, err := CheckCredentialsJSON(g.cfg.CredentialsJSON)
		if err != nil {
			return nil, err
		}
		credType := option.ServiceAccount
		if kind == AuthorizedUserCredentials {
			credType = option.AuthorizedUser
		}
		opts = append(opts, option.WithAuthCredentialsJSON(credType, []byte(g.cfg.CredentialsJSON)))
	}
	// The client outlives the first caller's context.
	c, err := artifactregistry.NewClient(context.WithoutCancel(ctx), opts...)
	if err != nil {
		// The error of a credentials parse may quote the document: it is not passed on.
		if g.cfg.CredentialsJSON != "" && !g.cfg.Insecure {
			return nil, errors.New("creating the Artifact Registry client: the credentials JSON could not be used " +
				"(give a service account key or an authorized user JSON document)")
		}
		return nil, fmt.Errorf("creating the Artifact Registry client: %w", err)
	}
	return c, nil
}
