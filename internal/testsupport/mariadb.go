// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package testsupport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

const (
	throwawayRootPassword  = "zenmlpro-throwaway-root-pw"
	throwawayAdminPassword = "zenmlpro-throwaway-admin-pw"
	throwawayAdminUser     = "zenml_admin"
)

// adminPrivileges is the restricted admin's privilege list, the same as scripts/services.sh grants.
const adminPrivileges = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, " +
	"CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, " +
	"EVENT, TRIGGER, DELETE HISTORY, CREATE USER, SHOW DATABASES"

// MariaDB is a MariaDB server of the test's own, on a free loopback port, with its data in a
// temporary folder: for tests that stop and start a server. It has the same accounts as the shared
// servers (root and the restricted admin zenml_admin), with their own passwords. It is killed and
// removed when the test ends.
type MariaDB struct {
	*Server
	// Dir holds the data folder, the socket and the logs (error.log, general.log).
	Dir string

	mu   sync.Mutex
	bin  string
	proc *process
}

// StartMariaDB initialises (mariadb-install-db, a few seconds) and starts a MariaDB server of the
// test's own with the binaries scripts/services.sh installs.
func StartMariaDB(tb testing.TB) *MariaDB {
	tb.Helper()
	bin := findBinary(tb, "mariadbd")
	installDB := findBinary(tb, "mariadb-install-db")
	// A short folder of its own: the socket path must stay under 108 bytes, which a test's
	// TempDir (named after the test) does not promise.
	dir, err := os.MkdirTemp("", "zmdb") //nolint:usetesting // see above: TempDir paths can be too long for the socket
	if err != nil {
		tb.Fatalf("testsupport: %v", err)
	}
	m := &MariaDB{Dir: dir, bin: bin}
	tb.Cleanup(func() {
		m.kill()
		_ = os.RemoveAll(dir)
	})

	// A temporary folder of its own (here and for the server): MariaDB names its temporary tables
	// after its process id, and processes of another PID namespace sharing /tmp can carry the same
	// one; a bootstrap once failed with "Unknown table 'mysql.tmp_user_sys'" that way.
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		tb.Fatalf("testsupport: %v", err)
	}
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"), "--tmpdir=" + filepath.Join(dir, "tmp"),
		"--auth-root-authentication-method=normal", "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, installDB, args...).CombinedOutput(); err != nil {
		tb.Fatalf("testsupport: mariadb-install-db in %s: %v\n%s", dir, err, out)
	}

	m.Server = &Server{
		Engine:    EngineMySQL,
		Host:      "127.0.0.1",
		Superuser: Account{Label: "superuser", User: "root", Password: throwawayRootPassword},
		Admin:     Account{Label: "restricted admin", User: throwawayAdminUser, Password: throwawayAdminPassword},
		LogFile:   filepath.Join(dir, "general.log"),
		tb:        tb,
	}
	// The free port is found by closing a listener on it; another process (a parallel test
	// package) can take it before the server binds. Then the server exits at once, and another
	// port is tried.
	for attempt := 1; ; attempt++ {
		m.Port = freePort(tb)
		err := m.start()
		if err == nil {
			break
		}
		if attempt == 3 || !errors.Is(err, errPortTaken) {
			tb.Fatalf("%v", err)
		}
		tb.Logf("testsupport: port %d was taken before the MariaDB server could bind it; trying another", m.Port)
	}
	if err := m.setup(); err != nil {
		tb.Fatalf("testsupport: setting up the accounts of the MariaDB server in %s: %v%s", dir, err, m.logTail())
	}
	m.mustAnswer("the test's own MariaDB server", "see "+filepath.Join(dir, "error.log"))
	return m
}

func findBinary(tb testing.TB, name string) string {
	tb.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	tb.Fatalf("testsupport: %s is not installed: %s (it installs mariadb-server)", name, StartHint)
	return ""
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testsupport: finding a free port: %v", err)
	}
	defer func() { _ = l.Close() }()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		tb.Fatalf("testsupport: unexpected listener address %v", l.Addr())
	}
	return addr.Port
}

func (m *MariaDB) socket() string { return filepath.Join(m.Dir, "mysql.sock") }

// process is one run of the server.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited; err is set before
	err    error
}

func (p *process) running() bool {
	if p == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

func (m *MariaDB) current() *process {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.proc
}

// CPU is the user and system time the server process has used so far (Linux: /proc/PID/stat; 0
// elsewhere or when it is not running).
func (m *MariaDB) CPU() time.Duration {
	p := m.current()
	if !p.running() {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces; utime and stime are fields 14
	// and 15, counted in clock ticks of 1/100 s (USER_HZ on Linux).
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// Running reports whether the server process is alive.
func (m *MariaDB) Running() bool { return m.current().running() }

// Start starts the server (again) on its port and waits until it accepts connections; a running
// server is left as it is.
func (m *MariaDB) Start() {
	m.tb.Helper()
	if err := m.start(); err != nil {
		m.tb.Fatalf("%v", err)
	}
}

// errPortTaken marks a start that failed because the port was in use.
var errPortTaken = errors.New("port in use")

func (m *MariaDB) start() error {
	if m.current().running() {
		return nil
	}
	args := []string{"--no-defaults",
		"--datadir=" + filepath.Join(m.Dir, "data"),
		"--tmpdir=" + filepath.Join(m.Dir, "tmp"),
		"--socket=" + m.socket(),
		"--port=" + strconv.Itoa(m.Port),
		"--bind-address=127.0.0.1",
		"--skip-name-resolve",
		"--pid-file=" + filepath.Join(m.Dir, "mysqld.pid"),
		"--log-error=" + filepath.Join(m.Dir, "error.log"),
		"--general-log=1",
		"--general-log-file=" + m.LogFile,
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
		"--innodb-buffer-pool-size=32M",
		"--innodb-flush-log-at-trx-commit=2",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	out, err := os.OpenFile(filepath.Join(m.Dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("testsupport: %w", err)
	}
	readyBefore := m.readyLines()
	p := &process{cmd: exec.Command(m.bin, args...), exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.SysProcAttr = childProcAttr()
	if err := p.cmd.Start(); err != nil {
		_ = out.Close()
		return fmt.Errorf("testsupport: starting %s: %w", m.bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		_ = out.Close()
		close(p.exited)
	}()
	m.mu.Lock()
	m.proc = p
	m.mu.Unlock()

	deadline := time.Now().Add(90 * time.Second)
	for {
		// Listening is not enough (the port could be another process's): the server says it is
		// ready in its error log once it listens.
		if m.readyLines() > readyBefore {
			if conn, err := net.DialTimeout("tcp", m.Addr(), time.Second); err == nil {
				_ = conn.Close()
				return nil
			}
		}
		select {
		case <-p.exited:
			tail := m.logTail()
			err := fmt.Errorf("testsupport: the MariaDB server in %s exited while starting on %s (%v)%s", m.Dir, m.Addr(), p.err, tail)
			if strings.Contains(tail, "Address already in use") {
				err = fmt.Errorf("%w: %w", errPortTaken, err)
			}
			return err
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("testsupport: the MariaDB server in %s does not listen on %s after 90 s%s", m.Dir, m.Addr(), m.logTail())
		}
	}
}

// Stop shuts the server down cleanly (SIGTERM) and waits until it has exited; afterwards its port
// refuses connections. A stopped server is left as it is.
func (m *MariaDB) Stop() {
	m.tb.Helper()
	p := m.current()
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		m.tb.Fatalf("testsupport: the MariaDB server in %s did not stop within 60 s of SIGTERM; killed it%s", m.Dir, m.logTail())
	}
}

// kill ends the process at the end of the test.
func (m *MariaDB) kill() {
	p := m.current()
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// readyLines counts the "ready for connections" lines of the error log: one more than before a
// start means that run of the server listens.
func (m *MariaDB) readyLines() int {
	b, err := os.ReadFile(filepath.Join(m.Dir, "error.log"))
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "ready for connections")
}

func (m *MariaDB) logTail() string {
	b, err := os.ReadFile(filepath.Join(m.Dir, "error.log"))
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return "\n--- error.log ---\n" + strings.Join(lines, "\n")
}

// setup gives root its password on every loopback address and creates the restricted admin, over
// the socket where root has no password yet. Logging is off for the session.
func (m *MariaDB) setup() error {
	cfg := mysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "unix"
	cfg.Addr = m.socket()
	cfg.Timeout = 10 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var drops []string
	rows, err := db.QueryContext(ctx, "SELECT User, Host FROM mysql.user WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1'))")
	if err != nil {
		return err
	}
	for rows.Next() {
		var user, host string
		if err := rows.Scan(&user, &host); err != nil {
			_ = rows.Close()
			return err
		}
		drops = append(drops, "DROP USER "+m.account(user, host))
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}

	pw, apw := m.quoteString(throwawayRootPassword), m.quoteString(throwawayAdminPassword)
	statements := append([]string{"SET SESSION sql_log_off = ON"}, drops...)
	statements = append(statements,
		"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY "+pw,
		"CREATE USER IF NOT EXISTS 'root'@'::1' IDENTIFIED BY "+pw,
		"ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY "+pw,
		"ALTER USER 'root'@'::1' IDENTIFIED BY "+pw,
		"GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
		"GRANT ALL PRIVILEGES ON *.* TO 'root'@'::1' WITH GRANT OPTION",
		"CREATE USER IF NOT EXISTS '"+throwawayAdminUser+"'@'%' IDENTIFIED BY "+apw,
		"GRANT "+adminPrivileges+" ON *.* TO '"+throwawayAdminUser+"'@'%' WITH GRANT OPTION",
		// root@localhost last: this session is root@localhost without a password.
		"ALTER USER 'root'@'localhost' IDENTIFIED BY "+pw,
	)
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	for _, q := range statements {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", strings.SplitN(q, " IDENTIFIED", 2)[0], err)
		}
	}
	return nil
}
