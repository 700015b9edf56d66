// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults applied to a ServerConfig by Pools.
const (
	DefaultConnectTimeout     = 10 * time.Second
	DefaultMaxOpenConnections = 4
)

// connIdleTime is how long an idle connection stays open. A Terraform run lasts minutes; keeping
// connections a little while lets the refresh, plan and apply of one run share them.
const connIdleTime = 2 * time.Minute

// Pools holds one Server (one *sql.DB) per configured server, shared by every caller. Nothing
// connects until a Server method needs a connection. A Pools is safe for concurrent use.
type Pools struct {
	mu      sync.Mutex
	servers map[string]*poolEntry
	closed  []*sql.DB // pools replaced by a changed configuration, closed by Close
}

type poolEntry struct {
	cfg    ServerConfig
	server Server
	db     *sql.DB
}

// NewPools returns an empty set of pools.
func NewPools() *Pools {
	return &Pools{servers: map[string]*poolEntry{}}
}

// Server returns the Server for cfg: the same one (and so the same connection pool) for the same
// Name as long as the configuration is equal; a changed configuration gets a new pool. The
// configuration is checked (engine, address, TLS material) but nothing connects. Errors are
// *ConfigError values for mistakes in the configuration.
func (p *Pools) Server(cfg ServerConfig) (Server, error) {
	cfg = cfg.WithDefaults()
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.servers[cfg.Name]; ok && e.cfg == cfg {
		return e.server, nil
	}
	server, db, err := openServer(cfg)
	if err != nil {
		return nil, err
	}
	if old, ok := p.servers[cfg.Name]; ok {
		// Callers may still hold the old Server: keep its pool open until Close.
		p.closed = append(p.closed, old.db)
	}
	p.servers[cfg.Name] = &poolEntry{cfg: cfg, server: server, db: db}
	return server, nil
}

// Close closes every pool. Servers handed out before stop working.
func (p *Pools) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for name, e := range p.servers {
		errs = append(errs, e.db.Close())
		delete(p.servers, name)
	}
	for _, db := range p.closed {
		errs = append(errs, db.Close())
	}
	p.closed = nil
	return errors.Join(errs...)
}

// WithDefaults fills in the defaults: the engine's port, a 10 s connect timeout, 4 connections, and
// the TLS mode implied by the certificates (EffectiveMode).
func (c ServerConfig) WithDefaults() ServerConfig {
	if c.Port == 0 {
		c.Port = c.Engine.DefaultPort()
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.MaxOpenConnections <= 0 {
		c.MaxOpenConnections = DefaultMaxOpenConnections
	}
	c.TLS.Mode = c.TLS.EffectiveMode()
	return c
}

// Address is host:port.
func (c ServerConfig) Address() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

func (c ServerConfig) validate() error {
	switch {
	case c.Engine != MySQL && c.Engine != Postgres:
		return configErrorf("engine", "%q is not an engine; use mysql or postgres", c.Engine)
	case strings.TrimSpace(c.Host) == "":
		return configErrorf("host", "is empty; give the server's host name or IP address, e.g. db.example.com")
	case c.Port < 1 || c.Port > 65535:
		return configErrorf("port", "%d is not a TCP port (1 to 65535)", c.Port)
	case c.Username == "":
		return configErrorf("username", "is empty; give the admin user the provider logs in as")
	}
	return nil
}

func openServer(cfg ServerConfig) (Server, *sql.DB, error) {
	if err := cfg.validate(); err != nil {
		return nil, nil, err
	}
	tlsConfig, err := BuildTLSConfig(cfg.TLS, cfg.Host)
	if err != nil {
		return nil, nil, err
	}
	var (
		inner  driver.Connector
		server interface {
			Server
			setDB(*sql.DB)
		}
	)
	switch cfg.Engine {
	case MySQL:
		inner, err = mysqlConnector(cfg, tlsConfig)
		server = &mysqlServer{base: base{cfg: cfg, d: mysqlDialect{}}}
	default:
		var ps *postgresServer
		ps, inner, err = newPostgresServer(cfg, tlsConfig)
		server = ps
	}
	if err != nil {
		return nil, nil, err
	}
	db := sql.OpenDB(&timeoutConnector{inner: inner, timeout: cfg.ConnectTimeout})
	db.SetMaxOpenConns(cfg.MaxOpenConnections)
	db.SetMaxIdleConns(cfg.MaxOpenConnections)
	db.SetConnMaxIdleTime(connIdleTime)
	server.setDB(db)
	return server, db, nil
}

// timeoutConnector bounds each connection attempt (dial, TLS handshake and login) by the connect
// timeout, and marks its failures as connection failures, so they are classified by type.
type timeoutConnector struct {
	inner   driver.Connector
	timeout time.Duration
}

func (c *timeoutConnector) Connect(ctx context.Context) (driver.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within the connect timeout of %s: %w", c.timeout, err)
		}
		return nil, &connectError{err: err}
	}
	return conn, nil
}

func (c *timeoutConnector) Driver() driver.Driver { return c.inner.Driver() }

// connectError is a failure to open a connection: dial, TLS or admin login.
type connectError struct{ err error }

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

func (e *UnreachableError) Error() string {
	cause := "unknown cause"
	if e.Err != nil {
		cause = e.Err.Error()
	}
	addr := net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
	if e.LoginRefused {
		return fmt.Sprintf("database server %q at %s refused the admin login: %s", e.Server, addr, cause)
	}
	return fmt.Sprintf("cannot reach database server %q at %s: %s", e.Server, addr, cause)
}

// Unwrap returns the cause.
func (e *UnreachableError) Unwrap() error { return e.Err }

// lazy computes a value once, on first use; concurrent callers share one attempt, and a failed
// attempt is not remembered (the next caller tries again). Callers that waited for an attempt whose
// own context ended try again themselves rather than fail with another caller's cancellation.
type lazy[T any] struct {
	mu       sync.Mutex
	done     bool
	val      T
	inflight chan struct{}
	lastErr  error
	// abandoned says that the last attempt failed because its caller's context ended.
	abandoned bool
}

func (l *lazy[T]) get(ctx context.Context, compute func(context.Context) (T, error)) (T, error) {
	var zero T
	for {
		l.mu.Lock()
		if l.done {
			l.mu.Unlock()
			return l.val, nil
		}
		ch := l.inflight
		if ch == nil {
			break // l.mu stays locked: this caller computes
		}
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
		l.mu.Lock()
		done, val, err, abandoned := l.done, l.val, l.lastErr, l.abandoned
		l.mu.Unlock()
		if done {
			return val, nil
		}
		if !abandoned {
			return zero, err
		}
	}
	ch := make(chan struct{})
	l.inflight = ch
	l.mu.Unlock()

	val, err := compute(ctx)

	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight = nil
	l.lastErr = err
	l.abandoned = err != nil && ctx.Err() != nil
	if err == nil {
		l.val, l.done = val, true
	}
	close(ch)
	return val, err
}
