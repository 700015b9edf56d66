// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

const testAdminPassword = "admin-secret-Pa55word"

// listener accepts TCP connections on loopback and holds them open without a word, counting them.
type listener struct {
	net.Listener
	accepted atomic.Int32
	mu       sync.Mutex
	conns    []net.Conn
}

func silentListener(t *testing.T) *listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sl := &listener{Listener: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			sl.accepted.Add(1)
			sl.mu.Lock()
			sl.conns = append(sl.conns, c)
			sl.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		sl.mu.Lock()
		defer sl.mu.Unlock()
		for _, c := range sl.conns {
			_ = c.Close()
		}
	})
	return sl
}

func (l *listener) port() int { return tcpPort(l.Addr()) }

func tcpPort(a net.Addr) int {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.Port
	}
	panic(fmt.Sprintf("%v is not a TCP address", a))
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := tcpPort(l.Addr())
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

func testConfig(engine Engine, port int) ServerConfig {
	return ServerConfig{Name: "main", Engine: engine, Host: "127.0.0.1", Port: port, Username: "admin",
		Password: testAdminPassword, ConnectTimeout: 2 * time.Second}
}

func TestPoolsShareServers(t *testing.T) {
	l := silentListener(t)
	pools := NewPools()
	t.Cleanup(func() { _ = pools.Close() })
	cfg := testConfig(MySQL, l.port())

	a, err := pools.Server(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pools.Server(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("the same configuration gave two servers (two pools)")
	}
	// Defaults filled in by Pools make an explicit default equal to an omitted one.
	explicit := cfg
	explicit.MaxOpenConnections = DefaultMaxOpenConnections
	if c, err := pools.Server(explicit); err != nil || c != a {
		t.Errorf("the configuration with its defaults spelt out gave another server (%v)", err)
	}
	changed := cfg
	changed.Password = "another"
	c, err := pools.Server(changed)
	if err != nil {
		t.Fatal(err)
	}
	if c == a {
		t.Error("a changed password kept the old pool")
	}
	other := cfg
	other.Name = "other"
	if d, err := pools.Server(other); err != nil || d == c || d == a {
		t.Errorf("another server name shares a pool (%v)", err)
	}
	pg := testConfig(Postgres, l.port())
	pg.Name = "pg"
	if _, err := pools.Server(pg); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := l.accepted.Load(); n != 0 {
		t.Errorf("Pools.Server opened %d connections; nothing may connect before a method needs it", n)
	}
}

func TestServerConfigErrors(t *testing.T) {
	tests := []struct {
		mutate func(*ServerConfig)
		field  string
	}{
		{func(c *ServerConfig) { c.Engine = "oracle" }, "engine"},
		{func(c *ServerConfig) { c.Host = " " }, "host"},
		{func(c *ServerConfig) { c.Port = 70000 }, "port"},
		{func(c *ServerConfig) { c.Username = "" }, "username"},
		{func(c *ServerConfig) { c.TLS = TLS{Mode: TLSVerifyCA} }, "tls.ca_certificate"},
	}
	for _, tt := range tests {
		cfg := testConfig(MySQL, 3306)
		tt.mutate(&cfg)
		_, err := NewPools().Server(cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("config %+v: error %v, want a *ConfigError for %s", cfg, err, tt.field)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	c := ServerConfig{Engine: Postgres, TLS: TLS{CACertificate: "pem"}}.WithDefaults()
	if c.Port != 5432 || c.ConnectTimeout != DefaultConnectTimeout || c.MaxOpenConnections != DefaultMaxOpenConnections ||
		c.TLS.Mode != TLSVerifyFull {
		t.Errorf("WithDefaults = %+v", c)
	}
	if c := (ServerConfig{Engine: MySQL}).WithDefaults(); c.Port != 3306 || c.TLS.Mode != TLSDisabled {
		t.Errorf("WithDefaults(mysql) = %+v", c)
	}
}

// every calls each Server method once and returns the errors by method name.
func every(ctx context.Context, s Server) map[string]error {
	u := User{Name: "zenml_u"}
	errs := map[string]error{}
	_, errs["Info"] = s.Info(ctx)
	_, errs["GetDatabase"] = s.GetDatabase(ctx, "zenml_db")
	errs["CreateDatabase"] = s.CreateDatabase(ctx, DatabaseSpec{Name: "zenml_db"})
	_, errs["TableCount"] = s.TableCount(ctx, "zenml_db")
	errs["DropDatabase"] = s.DropDatabase(ctx, "zenml_db")
	_, errs["UserExists"] = s.UserExists(ctx, u)
	errs["CreateUser"] = s.CreateUser(ctx, u, "user-secret-pw")
	errs["SetPassword"] = s.SetPassword(ctx, u, "user-secret-pw")
	errs["GrantDatabase"] = s.GrantDatabase(ctx, u, "zenml_db")
	_, errs["DatabaseGrants"] = s.DatabaseGrants(ctx, u, "zenml_db")
	errs["DropUser"] = s.DropUser(ctx, u)
	return errs
}

func TestUnreachableServer(t *testing.T) {
	for _, engine := range Engines() {
		t.Run(string(engine), func(t *testing.T) {
			port := closedPort(t)
			pools := NewPools()
			t.Cleanup(func() { _ = pools.Close() })
			s, err := pools.Server(testConfig(engine, port))
			if err != nil {
				t.Fatal(err)
			}
			addr := "127.0.0.1:" + strconv.Itoa(port)
			for method, err := range every(context.Background(), s) {
				var ue *UnreachableError
				if !errors.As(err, &ue) {
					t.Errorf("%s: error %v (%T), want *UnreachableError", method, err, err)
					continue
				}
				if ue.Server != "main" || ue.Host != "127.0.0.1" || ue.Port != port {
					t.Errorf("%s: UnreachableError %+v does not name the server and address", method, ue)
				}
				msg := err.Error()
				if !strings.Contains(msg, addr) || !strings.Contains(msg, "connection refused") || !strings.Contains(msg, `"main"`) {
					t.Errorf("%s: %q does not name the server, %s and the cause", method, msg, addr)
				}
				if strings.Contains(msg, testAdminPassword) || strings.Contains(msg, "user-secret-pw") {
					t.Errorf("%s: %q contains a password", method, msg)
				}
				if errors.Is(err, ErrDatabaseExists) || errors.Is(err, ErrUserExists) {
					t.Errorf("%s: an unreachable server reads as an existing object", method)
				}
			}
		})
	}
}

func TestSilentServerTimesOutOnce(t *testing.T) {
	for _, engine := range Engines() {
		t.Run(string(engine), func(t *testing.T) {
			l := silentListener(t)
			cfg := testConfig(engine, l.port())
			cfg.ConnectTimeout = 400 * time.Millisecond
			pools := NewPools()
			t.Cleanup(func() { _ = pools.Close() })
			s, err := pools.Server(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 20)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = s.GetDatabase(context.Background(), fmt.Sprintf("db%d", i))
				}()
			}
			wg.Wait()
			for i, err := range errs {
				var ue *UnreachableError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), "connect timeout") {
					t.Fatalf("call %d: %v, want an *UnreachableError naming the connect timeout", i, err)
				}
			}
			// The callers share the first connection attempt instead of each waiting for its own
			// (counted, not timed: a slow machine must not fail it).
			if n := l.accepted.Load(); n > 2 {
				t.Errorf("20 calls opened %d connections to a silent server; the first attempt should be shared", n)
			}
		})
	}
}

func TestUnreachableErrorText(t *testing.T) {
	e := &UnreachableError{Server: "main", Host: "::1", Port: 3306, Err: errors.New("dial tcp: connection refused")}
	want := `cannot reach database server "main" at [::1]:3306: dial tcp: connection refused`
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	if !errors.Is(e, e.Err) {
		t.Error("UnreachableError does not unwrap to its cause")
	}
}

func TestRedact(t *testing.T) {
	got := redact("login as admin with hunter22 failed; hunter22 again; pw abc", "hunter22", "abc", "")
	if got != "login as admin with [redacted] failed; [redacted] again; pw abc" {
		t.Errorf("redact = %q", got)
	}
}

func TestRetry(t *testing.T) {
	deadlock := &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}
	calls := 0
	err := retryStatement(context.Background(), mysqlDialect{}.retryable, func() error {
		calls++
		if calls < 3 {
			return deadlock
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("retry of two deadlocks: %v after %d calls, want success after 3", err, calls)
	}
	calls = 0
	denied := &mysql.MySQLError{Number: 1045, Message: "Access denied"}
	if err := retryStatement(context.Background(), mysqlDialect{}.retryable, func() error { calls++; return denied }); err != denied || calls != 1 {
		t.Errorf("a non-retryable error was retried: %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	err = retryStatement(ctx, mysqlDialect{}.retryable, func() error { calls++; cancel(); return deadlock })
	if err != deadlock || calls != 1 {
		t.Errorf("retry went on after cancellation: %v after %d calls", err, calls)
	}
	calls = 0
	if err := retryStatement(context.Background(), mysqlDialect{}.retryable, func() error { calls++; return deadlock }); err != deadlock || calls != 8 {
		t.Errorf("endless deadlocks: %v after %d calls, want the deadlock after 8 attempts", err, calls)
	}
}

func TestDialects(t *testing.T) {
	my, pg := mysqlDialect{}, pgDialect{}
	cases := []struct {
		name      string
		d         dialect
		err       error
		retryable bool
		conn      bool
	}{
		{"mysql deadlock", my, &mysql.MySQLError{Number: 1213}, true, false},
		{"mysql lock wait", my, &mysql.MySQLError{Number: 1205}, true, false},
		{"mysql db exists", my, &mysql.MySQLError{Number: 1007}, false, false},
		{"mysql invalid conn", my, mysql.ErrInvalidConn, false, true},
		{"mysql shutdown", my, &mysql.MySQLError{Number: 1053}, false, true},
		{"mysql wrapped net error", my, fmt.Errorf("x: %w", &net.OpError{Op: "dial", Err: errors.New("refused")}), false, true},
		{"pg serialization", pg, &pgconn.PgError{Code: "40001"}, true, false},
		{"pg deadlock", pg, &pgconn.PgError{Code: "40P01"}, true, false},
		{"pg tuple concurrently updated", pg, &pgconn.PgError{Code: "XX000", Message: "tuple concurrently updated"}, true, false},
		{"pg other internal error", pg, &pgconn.PgError{Code: "XX000", Message: "cache lookup failed"}, false, false},
		{"pg duplicate database", pg, &pgconn.PgError{Code: "42P04"}, false, false},
		{"pg admin shutdown", pg, &pgconn.PgError{Code: "57P01"}, false, true},
		{"pg connection exception", pg, &pgconn.PgError{Code: "08006"}, false, true},
		{"connect error", pg, &connectError{err: errors.New("x")}, false, true},
	}
	for _, c := range cases {
		if got := c.d.retryable(c.err); got != c.retryable {
			t.Errorf("%s: retryable = %v, want %v", c.name, got, c.retryable)
		}
		if got := c.d.connectionFailure(c.err); got != c.conn {
			t.Errorf("%s: connectionFailure = %v, want %v", c.name, got, c.conn)
		}
	}
	if my.code(&mysql.MySQLError{Number: 1396}) != "1396" || pg.code(&pgconn.PgError{Code: "42710"}) != "42710" {
		t.Error("error codes are not read")
	}
	if !my.echoesStatement("1064") || !pg.echoesStatement("42601") || my.echoesStatement("1396") {
		t.Error("syntax errors must be known to quote the statement")
	}
}

func TestStatementErrorHidesStatement(t *testing.T) {
	e := &StatementError{Op: `create user 'u'@'%'`, Code: "1064"}
	if !strings.Contains(e.Error(), "not shown") || !strings.Contains(e.Error(), "1064") {
		t.Errorf("StatementError without message = %q", e.Error())
	}
	e = &StatementError{Op: "create role \"u\"", Code: "42710", Message: `role "u" already exists`}
	if e.Error() != `create role "u": server error 42710: role "u" already exists` {
		t.Errorf("StatementError = %q", e.Error())
	}
}

func TestLazy(t *testing.T) {
	var l lazy[int]
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]int, 10)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := l.get(context.Background(), func(context.Context) (int, error) {
				calls.Add(1)
				<-release
				return 42, nil
			})
			if err != nil {
				t.Error(err)
			}
			results[i] = v
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("10 concurrent callers computed %d times, want once", calls.Load())
	}
	for _, v := range results {
		if v != 42 {
			t.Fatalf("results = %v", results)
		}
	}

	// A failure is not remembered.
	var f lazy[int]
	boom := errors.New("boom")
	if _, err := f.get(context.Background(), func(context.Context) (int, error) { return 0, boom }); err != boom {
		t.Fatalf("first attempt: %v", err)
	}
	if v, err := f.get(context.Background(), func(context.Context) (int, error) { return 7, nil }); err != nil || v != 7 {
		t.Fatalf("second attempt = %d, %v; a failure must not be remembered", v, err)
	}

	// A waiter whose own context is fine does not inherit the first caller's cancellation.
	var c lazy[int]
	firstCtx, cancelFirst := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() {
		_, _ = c.get(firstCtx, func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, ctx.Err()
		})
	}()
	<-started
	waiter := make(chan error, 1)
	go func() {
		v, err := c.get(context.Background(), func(context.Context) (int, error) { return 9, nil })
		if err == nil && v != 9 {
			err = fmt.Errorf("value %d", v)
		}
		waiter <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancelFirst()
	if err := <-waiter; err != nil {
		t.Errorf("the waiter failed with the first caller's cancellation: %v", err)
	}
}
