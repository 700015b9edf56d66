// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package ecr

// The AWS clients of the provider's aws settings are built lazily, once, at first use, and shared by
// every resource: building them at provider configuration would contact the credential chain (or a
// metadata server) during a plan that never needs AWS. Nothing here touches the network until a
// client is used.

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
)

// MaxAWSRetries is the highest MaxRetries accepted.
const MaxAWSRetries = 25

// DefaultAWSMaxRetries is the SDK's own number of attempts minus one, used when MaxRetries is unset.
const DefaultAWSMaxRetries = retry.DefaultMaxAttempts - 1

// AssumeRoleSessionName is the session name of the role assumed with AssumeRoleARN.
const AssumeRoleSessionName = "terraform-provider-zenmlpro"

// Endpoints overrides the URL of a service, e.g. "http://127.0.0.1:5000" for moto; empty means the
// service's regular endpoint.
type Endpoints struct {
	ECR string
	// STS is used to assume AssumeRoleARN.
	STS string
}

// Config is how the provider reaches AWS. The zero value uses the default credential chain and the
// region from the environment or the shared config.
type Config struct {
	// Region of the clients; empty means AWS_REGION or the profile's region. With
	// none of them, calls fail unless they set a region of their own (a grant's ECR region does:
	// awsecr.Options.Region per call).
	Region string
	// Profile is a named profile of the shared config and credentials files; empty means the default.
	Profile string
	// AssumeRoleARN is a role assumed (with STS, from the base credentials) for every call; empty means none.
	AssumeRoleARN string
	// Endpoints overrides service URLs.
	Endpoints Endpoints
	// MaxRetries is the number of retries of a failed call; nil means DefaultAWSMaxRetries.
	MaxRetries *int
}

// Clients builds the ECR and STS clients of one Config once, at first use, and shares them.
// It is safe for concurrent use.
type Clients struct {
	cfg  Config
	opts []func(*config.LoadOptions) error

	once    sync.Once
	clients *ServiceClients
	err     error
}

// ServiceClients are the built clients.
type ServiceClients struct {
	// Config is the loaded SDK configuration (region, credentials, retryer).
	Config aws.Config
	ECR    *awsecr.Client
	// STS is the client that assumes Config's AssumeRoleARN (its endpoint override included).
	STS *sts.Client
}

// NewClients returns the lazy clients of cfg. extra load options are applied after the provider's
// own (tests use them to pin static credentials or an HTTP client). It does not contact anything.
func NewClients(cfg Config, extra ...func(*config.LoadOptions) error) *Clients {
	return &Clients{cfg: cfg, opts: extra}
}

// Config returns the configuration the clients are built from.
func (a *Clients) Config() Config { return a.cfg }

// Clients builds the clients on the first call and returns the same ones on every later call. A
// failure to build (e.g. an unknown profile) is returned on every call.
func (a *Clients) Clients(ctx context.Context) (*ServiceClients, error) {
	a.once.Do(func() { a.clients, a.err = a.build(ctx) })
	return a.clients, a.err
}

func (a *Clients) build(ctx context.Context) (*ServiceClients, error) {
	if err := a.cfg.Validate(); err != nil {
		return nil, err
	}
	maxRetries := DefaultAWSMaxRetries
	if a.cfg.MaxRetries != nil {
		maxRetries = *a.cfg.MaxRetries
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = maxRetries + 1 })
		}),
		config.WithHTTPClient(httpClient()),
		config.WithAPIOptions([]func(*middleware.Stack) error{keepLastAnswer}),
	}
	if a.cfg.Region != "" {
		opts = append(opts, config.WithRegion(a.cfg.Region))
	}
	if a.cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(a.cfg.Profile))
	}
	opts = append(opts, a.opts...)
	// The config is loaded with a context that cannot be cancelled by the first caller: the
	// clients outlive it. Loading reads files and the environment only.
	awsCfg, err := config.LoadDefaultConfig(context.WithoutCancel(ctx), opts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	stsClient := sts.NewFromConfig(awsCfg, func(o *sts.Options) { setEndpoint(&o.BaseEndpoint, a.cfg.Endpoints.STS) })
	if a.cfg.AssumeRoleARN != "" {
		provider := stscreds.NewAssumeRoleProvider(stsClient, a.cfg.AssumeRoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = AssumeRoleSessionName
		})
		awsCfg.Credentials = aws.NewCredentialsCache(provider)
		stsClient = sts.NewFromConfig(awsCfg, func(o *sts.Options) { setEndpoint(&o.BaseEndpoint, a.cfg.Endpoints.STS) })
	}
	return &ServiceClients{
		Config: awsCfg,
		ECR:    awsecr.NewFromConfig(awsCfg, func(o *awsecr.Options) { setEndpoint(&o.BaseEndpoint, a.cfg.Endpoints.ECR) }),
		STS:    stsClient,
	}, nil
}

// ResponseHeaderTimeout bounds the wait for an AWS answer once a request is sent. The SDK's own HTTP
// client bounds the dial (30s) and the TLS handshake (10s) but not this wait: an endpoint that
// accepts connections and never answers would hold a call that has no deadline of its own (an ECR
// token for a pull secret) for ever. A call that runs out of it is retried by the SDK's retryer.
// Calls of a grant run under its timeouts as well, which end them earlier when they are shorter.
const ResponseHeaderTimeout = 30 * time.Second

// httpClient is the SDK's HTTP client (proxies from the environment, its dial and TLS handshake
// limits) with ResponseHeaderTimeout.
func httpClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.ResponseHeaderTimeout = ResponseHeaderTimeout
	})
}

// CanceledAfterError is the error of a call whose context ended after an attempt had failed (while
// the SDK waited to retry it, or during the next attempt): the cancellation, and that attempt's
// error, which says why the call was being retried (ECR throttling, say). Both are in its chain.
type CanceledAfterError struct {
	Err  error // the error of the cancellation
	Last error // the error of the last attempt that did not end with the context
}

func (e *CanceledAfterError) Error() string {
	return fmt.Sprintf("%v, after the answer %v", e.Err, e.Last)
}

func (e *CanceledAfterError) Unwrap() []error { return []error{e.Err, e.Last} }

type lastAnswerKey struct{}

// lastAnswer is the error of the last attempt of one call.
type lastAnswer struct {
	mu  sync.Mutex
	err error
}

// keepLastAnswer adds to a client's stack what turns a call whose context ended after a failed
// attempt into a *CanceledAfterError: each attempt's error is noted (inside the SDK's retry loop),
// and the call's error gets the last one.
func keepLastAnswer(stack *middleware.Stack) error {
	err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ZenMLProLastAnswer", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		last := &lastAnswer{}
		out, md, err := next.HandleInitialize(context.WithValue(ctx, lastAnswerKey{}, last), in)
		last.mu.Lock()
		prev := last.err
		last.mu.Unlock()
		if err != nil && prev != nil && ctx.Err() != nil {
			err = &CanceledAfterError{Err: err, Last: prev}
		}
		return out, md, err
	}), middleware.Before)
	if err != nil {
		return err
	}
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("ZenMLProAttemptAnswer", func(ctx context.Context,
		in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleFinalize(ctx, in)
		if last, ok := ctx.Value(lastAnswerKey{}).(*lastAnswer); ok && err != nil && ctx.Err() == nil {
			last.mu.Lock()
			last.err = err
			last.mu.Unlock()
		}
		return out, md, err
	}), "Retry", middleware.After)
}

func setEndpoint(dst **string, url string) {
	if url != "" {
		*dst = aws.String(url)
	}
}
