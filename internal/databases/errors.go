// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/retry"
)

// dialect is what the two engines do differently when classifying driver errors.
type dialect interface {
	// connectionFailure reports whether err means that the connection failed or broke (as opposed to
	// the server refusing one statement).
	connectionFailure(err error) bool
	// code is the server's error code ("1007", "42P04"), or "" when err is not a server error.
	code(err error) string
	// message is the server's error message without any statement text, or "" when there is none.
	message(err error) string
	// retryable reports a serialisation, deadlock or lock-timeout error worth trying again.
	retryable(err error) bool
	// echoesStatement reports whether messages with this code quote the statement (syntax errors).
	echoesStatement(code string) bool
	// lockWaitBound is the statement that makes the server give up waiting for a lock after d, so
	// that a statement abandoned at the caller's deadline does not wait on (and run later) in the
	// server: MySQL's lock_wait_timeout (whole seconds, metadata locks included), PostgreSQL's
	// lock_timeout.
	lockWaitBound(d time.Duration) string
	// lockWaitTimeout reports an error of a statement that gave up waiting for a lock.
	lockWaitTimeout(err error) bool
}

// base holds what both Server implementations share: the configuration, the pool and the helpers
// that run statements on it.
type base struct {
	cfg ServerConfig
	db  *sql.DB
	d   dialect
}

func (b *base) setDB(db *sql.DB) { b.db = db }

// withConn runs fn on one connection of the pool. A connection that cannot be opened (dial, TLS,
// admin login) or that breaks is reported as *UnreachableError.
func (b *base) withConn(ctx context.Context, fn func(*sql.Conn) error) error {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		if errors.As(err, new(*connectError)) || b.d.connectionFailure(err) {
			return b.unreachable(err)
		}
		return fmt.Errorf("database server %q: %w", b.cfg.Name, err)
	}
	defer func() { _ = conn.Close() }()
	err = fn(conn)
	if err != nil && !errors.As(err, new(*UnreachableError)) && ctx.Err() == nil && b.d.connectionFailure(err) {
		return b.unreachable(err)
	}
	return err
}

// unreachable builds the UnreachableError for a connection failure; the cause's text never holds the
// admin password.
func (b *base) unreachable(err error) error {
	msg := connectHint(err, b.cfg) + err.Error()
	code := b.d.code(err)
	return &UnreachableError{
		Server:       b.cfg.Name,
		Host:         b.cfg.Host,
		Port:         b.cfg.Port,
		LoginRefused: code == "1045" || code == "28P01" || code == "28000",
		Err:          &redactedError{msg: redact(msg, b.cfg.Password), err: err},
	}
}

// connectHint explains the usual TLS failures in the provider's terms.
func connectHint(err error, cfg ServerConfig) string {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		mysqlErr         *mysql.MySQLError
	)
	switch {
	case errors.As(err, &unknownAuthority):
		if strings.TrimSpace(cfg.TLS.CACertificate) == "" {
			return "TLS: the server certificate is not signed by a CA the system trusts; give the server's CA " +
				"in tls.ca_certificate: "
		}
		return "TLS: the server certificate is not signed by the CA in tls.ca_certificate; give the CA that " +
			"issued the server certificate: "
	case errors.As(err, &hostname):
		return fmt.Sprintf("TLS: the server certificate is not valid for host %q; connect with a name the "+
			"certificate lists, or use tls.mode verify_ca to check the CA only: ", cfg.Host)
	case errors.As(err, &invalid):
		return "TLS: the server certificate is not valid: "
	case errors.As(err, new(*tls.CertificateVerificationError)):
		return "TLS: the server certificate could not be verified: "
	case errors.As(err, &mysqlErr) && mysqlErr.Number == mysqlErrAccessDenied && cfg.TLS.EffectiveMode() == TLSDisabled:
		// MariaDB with require_secure_transport refuses a plain login as a wrong password would.
		return "the server refused the admin login (check username and password; if the server requires TLS, " +
			"configure tls): "
	}
	return ""
}

// redactedError carries a message from which secrets were removed, and the original error for
// errors.Is / errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact replaces every secret of four or more characters in s.
func redact(s string, secrets ...string) string {
	for _, secret := range secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// exec runs one statement that carries no secret, retrying serialisation and lock errors. Errors
// keep the driver error (errors.As finds it) behind the operation's description.
func (b *base) exec(ctx context.Context, conn *sql.Conn, op, stmt string, args ...any) error {
	err := retryStatement(ctx, b.d.retryable, func() error {
		if err := b.boundLockWait(ctx, conn); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, stmt, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// boundLockWait sets, on the connection, how long the next statement may wait for a lock: the time
// left before the context's deadline (at least a second). Without a deadline it does nothing.
func (b *base) boundLockWait(ctx context.Context, conn *sql.Conn) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		return nil
	}
	_, err := conn.ExecContext(ctx, b.d.lockWaitBound(time.Until(deadline)))
	return err
}

// StatementError is a server's refusal of a statement that carried a password or a password hash.
// It holds the error code and the server's message with the secrets removed; the statement and the
// driver's error are not kept, so nothing that prints the error can show the secret.
type StatementError struct {
	Op      string // what was attempted, e.g. `create user "zenml"@"%"`
	Code    string // the server's error code, e.g. "1396" or "42710"
	Message string // the server's message, secrets removed; empty when the message quotes the statement
}

func (e *StatementError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "the server refused the statement (its message quotes the statement, which holds a password, so it is not shown)"
	}
	if e.Code != "" {
		return fmt.Sprintf("%s: server error %s: %s", e.Op, e.Code, msg)
	}
	return fmt.Sprintf("%s: %s", e.Op, msg)
}

// execSecret runs a statement that carries a password or a hash of one. The statement is never
// logged, and errors never contain it: connection failures become *UnreachableError, server errors
// *StatementError.
func (b *base) execSecret(ctx context.Context, conn *sql.Conn, op, stmt string, secrets []string, args ...any) error {
	err := retryStatement(ctx, b.d.retryable, func() error {
		if err := b.boundLockWait(ctx, conn); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, stmt, args...)
		return err
	})
	if err == nil {
		return nil
	}
	secrets = append(secrets, b.cfg.Password)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", op, ctxErr)
	}
	if b.d.connectionFailure(err) {
		return b.unreachable(errors.New(redact(err.Error(), secrets...)))
	}
	code := b.d.code(err)
	msg := ""
	if code != "" && !b.d.echoesStatement(code) {
		msg = redact(b.d.message(err), secrets...)
	}
	if code == "" {
		// Not a server error: a driver error cannot quote the statement, but redact anyway.
		msg = redact(err.Error(), secrets...)
	}
	return &StatementError{Op: op, Code: code, Message: msg}
}

// statementBackoff is how statements that fail on a serialisation, deadlock or lock error are run
// again: up to 8 attempts, waiting a jittered, doubling delay of 50 ms to 2 s, within the context.
var statementBackoff = retry.Backoff{Initial: 50 * time.Millisecond, Max: 2 * time.Second, MaxAttempts: 8, Timeout: time.Hour}

// retryStatement calls fn until it succeeds, fails with an error retryable does not accept, or the
// attempts or the context run out, and returns fn's last error as it is.
func retryStatement(ctx context.Context, retryable func(error) bool, fn func() error) error {
	classify := retry.ClassifierFunc(func(err error) retry.Kind {
		if retryable(err) {
			return retry.Conflict
		}
		return retry.Permanent
	})
	err := retry.Do(ctx, statementBackoff, classify, func(context.Context) error { return fn() })
	if re, ok := err.(*retry.Error); ok {
		return re.Err
	}
	return err
}

// codeIn reports whether the error's server code is one of codes.
func codeIn(d dialect, err error, codes ...string) bool {
	c := d.code(err)
	if c == "" {
		return false
	}
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}
