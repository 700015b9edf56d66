// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package databases

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQL and MariaDB error numbers the provider reacts to.
const (
	mysqlErrDBCreateExists   = 1007 // ER_DB_CREATE_EXISTS
	mysqlErrCannotUser       = 1396 // ER_CANNOT_USER: CREATE USER of an existing user, ALTER USER of a missing one
	mysqlErrParse            = 1064 // ER_PARSE_ERROR: the message quotes the statement
	mysqlErrLockWaitTimeout  = 1205 // ER_LOCK_WAIT_TIMEOUT
	mysqlErrLockDeadlock     = 1213 // ER_LOCK_DEADLOCK
	mysqlErrUnknownSystemVar = 1193 // ER_UNKNOWN_SYSTEM_VARIABLE
	mysqlErrTooManyConns     = 1040 // ER_CON_COUNT_ERROR
	mysqlErrServerShutdown   = 1053 // ER_SERVER_SHUTDOWN
	mysqlErrConnectionKilled = 1927 // ER_CONNECTION_KILLED (MariaDB)
	mysqlErrAccessDenied     = 1045 // ER_ACCESS_DENIED_ERROR
)

// DefaultCharacterSet is the character set of MySQL databases when none is given.
const DefaultCharacterSet = "utf8mb4"

// mysqlDatabasePrivileges is the privilege profile of a dedicated user on its database: what
// `GRANT ALL PRIVILEGES ON db.*` gives on MySQL 8 and MariaDB 10.6+, as information_schema
// SCHEMA_PRIVILEGES lists it. MariaDB adds DELETE HISTORY (mariadbExtraPrivileges); newer servers may
// list more (MariaDB 11.3's SHOW CREATE ROUTINE), which are granted but not required.
var mysqlDatabasePrivileges = []string{
	"ALTER", "ALTER ROUTINE", "CREATE", "CREATE ROUTINE", "CREATE TEMPORARY TABLES", "CREATE VIEW",
	"DELETE", "DROP", "EVENT", "EXECUTE", "INDEX", "INSERT", "LOCK TABLES", "REFERENCES", "SELECT",
	"SHOW VIEW", "TRIGGER", "UPDATE",
}

var mariadbExtraPrivileges = []string{"DELETE HISTORY"}

// mysqlNamePattern bounds character set and collation names.
var mysqlNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// mysqlTraits is what the provider learns about a MySQL server once per pool.
type mysqlTraits struct {
	raw     string
	flavor  string
	version Version
	// literalWildcards is MySQL 8's partial_revokes: `_` and `%` in database-level grants are then
	// literal characters, not wildcards.
	literalWildcards bool
	// dbPrivilegeColumns are mysql.db's privilege columns (Select_priv, ..., without Grant_priv), in
	// the server's order: the database-level privileges a grant can hold on this server.
	dbPrivilegeColumns []string
}

// mysqlPrivilegeColumnPattern is what a privilege column of mysql.db looks like; the names are read
// from the server and put into a statement, so anything else is refused.
var mysqlPrivilegeColumnPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z_]{0,60}_priv$`)

// mysqlPrivilegeName is the privilege a column of mysql.db stands for, spelt as GRANT and
// information_schema.SCHEMA_PRIVILEGES spell it: Create_tmp_table_priv is CREATE TEMPORARY TABLES,
// Lock_tables_priv is LOCK TABLES, Delete_history_priv is DELETE HISTORY.
func mysqlPrivilegeName(column string) string {
	base := strings.TrimSuffix(column, "_priv")
	if strings.EqualFold(base, "Create_tmp_table") {
		return "CREATE TEMPORARY TABLES"
	}
	return strings.ToUpper(strings.ReplaceAll(base, "_", " "))
}

type mysqlServer struct {
	base
	traits lazy[mysqlTraits]
}

var _ Server = (*mysqlServer)(nil)

func mysqlConnector(cfg ServerConfig, tlsConfig *tls.Config) (driver.Connector, error) {
	mc := mysql.NewConfig()
	mc.User = cfg.Username
	mc.Passwd = cfg.Password
	mc.Net = "tcp"
	mc.Addr = cfg.Address()
	mc.Timeout = cfg.ConnectTimeout
	mc.TLS = tlsConfig
	// Values are interpolated by the driver, which escapes them for the connection's SQL mode; the
	// few statements that take string values (passwords on MySQL 8) need that.
	mc.InterpolateParams = true
	mc.Logger = &mysql.NopLogger{}
	mc.Params = map[string]string{"autocommit": "1"}
	c, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("database server %q: %w", cfg.Name, err)
	}
	return c, nil
}

// detect learns the flavour, version and grant semantics of the server, once per pool.
func (s *mysqlServer) detect(ctx context.Context) (mysqlTraits, error) {
	return s.traits.get(ctx, func(ctx context.Context) (mysqlTraits, error) {
		var t mysqlTraits
		err := s.withConn(ctx, func(conn *sql.Conn) error {
			if err := conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&t.raw); err != nil {
				return fmt.Errorf("read the server version: %w", err)
			}
			flavor, v, err := ParseServerVersion(MySQL, t.raw)
			if err != nil {
				return err
			}
			t.flavor, t.version = flavor, v
			if flavor == FlavorMySQL {
				var on sql.NullInt64
				err := conn.QueryRowContext(ctx, "SELECT @@GLOBAL.partial_revokes").Scan(&on)
				switch {
				case err == nil:
					t.literalWildcards = on.Valid && on.Int64 != 0
				case codeIn(s.d, err, strconv.Itoa(mysqlErrUnknownSystemVar)):
				default:
					return fmt.Errorf("read partial_revokes: %w", err)
				}
			}
			columns, err := mysqlDBPrivilegeColumns(ctx, conn)
			if err != nil {
				return err
			}
			t.dbPrivilegeColumns = columns
			return nil
		})
		return t, err
	})
}

// mysqlDBPrivilegeColumns reads the privilege columns of mysql.db, the table behind database-level
// grants: MariaDB has DELETE HISTORY (10.3) and SHOW CREATE ROUTINE (11.3) that MySQL 8 has not.
// Grant_priv is left out: it is the grant option of the others, not a privilege of its own.
func mysqlDBPrivilegeColumns(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT COLUMN_NAME FROM information_schema.COLUMNS "+
		"WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'db' AND COLUMN_NAME LIKE '%\\_priv' ORDER BY ORDINAL_POSITION")
	if err != nil {
		return nil, fmt.Errorf("read the privilege columns of mysql.db: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var columns []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("read the privilege columns of mysql.db: %w", err)
		}
		if !mysqlPrivilegeColumnPattern.MatchString(c) {
			return nil, fmt.Errorf("mysql.db has a privilege column %q this provider cannot read (want letters and underscores ending in _priv)", c)
		}
		if !strings.EqualFold(c, "Grant_priv") {
			columns = append(columns, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the privilege columns of mysql.db: %w", err)
	}
	return columns, nil
}

// errNoPrivilegeColumns is why a user's privileges cannot be read when the admin account sees no
// column of mysql.db (detection succeeds without them: creating a database does not need them).
var errNoPrivilegeColumns = errors.New("the admin account cannot see mysql.db, the table of database privileges: it needs SELECT on the mysql schema " +
	"(GRANT SELECT ON mysql.* TO the admin account), as a managed server's master user has")

// supported returns the server's traits, or an error when the server is not supported.
func (s *mysqlServer) supported(ctx context.Context) (mysqlTraits, error) {
	t, err := s.detect(ctx)
	if err != nil {
		return t, err
	}
	if _, err := CheckSupport(t.flavor, t.version); err != nil {
		return t, fmt.Errorf("database server %q: %w", s.cfg.Name, err)
	}
	return t, nil
}

func (s *mysqlServer) Info(ctx context.Context) (ServerInfo, error) {
	t, err := s.detect(ctx)
	if err != nil {
		return ServerInfo{}, err
	}
	info, err := ServerInfoFor(MySQL, t.raw)
	if err != nil {
		return ServerInfo{}, fmt.Errorf("database server %q: %w", s.cfg.Name, err)
	}
	return info, nil
}

func (s *mysqlServer) GetDatabase(ctx context.Context, name string) (*Database, error) {
	t, err := s.supported(ctx)
	if err != nil {
		return nil, err
	}
	// MariaDB keeps a comment per database (SCHEMA_COMMENT); MySQL 8 has none.
	comment := "''"
	if t.flavor == FlavorMariaDB {
		comment = "SCHEMA_COMMENT"
	}
	var db *Database
	err = s.withConn(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, "+comment+
			" FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name)
		if err != nil {
			return fmt.Errorf("look up database %q: %w", name, err)
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var d Database
			if err := rows.Scan(&d.Name, &d.CharacterSet, &d.Collation, &d.Comment); err != nil {
				return fmt.Errorf("look up database %q: %w", name, err)
			}
			// The column's collation may compare case-insensitively: keep only the exact name.
			if d.Name == name {
				db = &d
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("look up database %q: %w", name, err)
		}
		return nil
	})
	return db, err
}

func (s *mysqlServer) CreateDatabase(ctx context.Context, spec DatabaseSpec) error {
	t, err := s.supported(ctx)
	if err != nil {
		return err
	}
	qname, err := QuoteMySQLIdentifier(spec.Name)
	if err != nil {
		return fmt.Errorf("database name: %w", err)
	}
	charset := spec.CharacterSet
	if charset == "" {
		charset = DefaultCharacterSet
	}
	if !mysqlNamePattern.MatchString(charset) {
		return fmt.Errorf("character set %q is not a character set name (letters, digits, underscore), e.g. utf8mb4", charset)
	}
	qcharset, err := QuoteMySQLIdentifier(charset)
	if err != nil {
		return fmt.Errorf("character set: %w", err)
	}
	stmt := "CREATE DATABASE " + qname + " CHARACTER SET " + qcharset
	if spec.Collation != "" {
		if !mysqlNamePattern.MatchString(spec.Collation) {
			return fmt.Errorf("collation %q is not a collation name (letters, digits, underscore), e.g. utf8mb4_bin", spec.Collation)
		}
		qcollation, err := QuoteMySQLIdentifier(spec.Collation)
		if err != nil {
			return fmt.Errorf("collation: %w", err)
		}
		stmt += " COLLATE " + qcollation
	}
	var args []any
	if spec.Comment != "" && t.flavor == FlavorMariaDB {
		// The driver interpolates the value, escaped for the connection's SQL mode.
		stmt += " COMMENT ?"
		args = append(args, spec.Comment)
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		err := s.exec(ctx, conn, fmt.Sprintf("create database %q", spec.Name), stmt, args...)
		if codeIn(s.d, err, strconv.Itoa(mysqlErrDBCreateExists)) {
			return fmt.Errorf("database %q on server %q: %w", spec.Name, s.cfg.Name, ErrDatabaseExists)
		}
		return err
	})
}

func (s *mysqlServer) TableCount(ctx context.Context, name string) (int, error) {
	if _, err := s.supported(ctx); err != nil {
		return 0, err
	}
	var n int
	err := s.withConn(ctx, func(conn *sql.Conn) error {
		err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
			name).Scan(&n)
		if err != nil {
			return fmt.Errorf("count the tables of database %q: %w", name, err)
		}
		return nil
	})
	return n, err
}

func (s *mysqlServer) DropDatabase(ctx context.Context, name string) error {
	if _, err := s.supported(ctx); err != nil {
		return err
	}
	qname, err := QuoteMySQLIdentifier(name)
	if err != nil {
		return fmt.Errorf("database name: %w", err)
	}
	err = s.withConn(ctx, func(conn *sql.Conn) error {
		return s.exec(ctx, conn, fmt.Sprintf("drop database %q", name), "DROP DATABASE IF EXISTS "+qname)
	})
	if err != nil && (s.d.lockWaitTimeout(err) || ctx.Err() != nil) {
		return &LockedError{Database: name, Sessions: s.sessionsUsing(name), Err: err}
	}
	return err
}

// sessionsUsing describes the other sessions whose current database is name, as far as the admin
// may see them (other users' sessions need the PROCESS privilege). It runs on a context of its own,
// since the caller's may have ended.
func (s *mysqlServer) sessionsUsing(name string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), lockReportTimeout)
	defer cancel()
	var out []string
	_ = s.withConn(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, "SELECT ID, USER, HOST, COMMAND, TIME, COALESCE(STATE, '') FROM information_schema.PROCESSLIST "+
			"WHERE DB = ? AND ID <> CONNECTION_ID() ORDER BY ID", name)
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var (
				id, seconds             int64
				user, host, cmd, status string
			)
			if err := rows.Scan(&id, &user, &host, &cmd, &seconds, &status); err != nil {
				return err
			}
			what := cmd
			if status != "" {
				what += ", " + status
			}
			out = append(out, fmt.Sprintf("session %d of %s@%s (%s, for %d s)", id, user, host, what, seconds))
		}
		return rows.Err()
	})
	return out
}

func (s *mysqlServer) UserExists(ctx context.Context, u User) (bool, error) {
	if _, err := s.supported(ctx); err != nil {
		return false, err
	}
	var exists bool
	err := s.withConn(ctx, func(conn *sql.Conn) error {
		var err error
		exists, err = s.userExists(ctx, conn, u)
		return err
	})
	return exists, err
}

func (s *mysqlServer) userExists(ctx context.Context, conn *sql.Conn, u User) (bool, error) {
	var n int
	err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?",
		u.Name, mysqlHost(u)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up user %s: %w", accountText(u), err)
	}
	return n > 0, nil
}

// accountText is a user as messages show it: 'name'@'host'.
func accountText(u User) string { return fmt.Sprintf("'%s'@'%s'", u.Name, mysqlHost(u)) }

// identifiedBy is the IDENTIFIED BY clause for a password and the secrets it carries. On MariaDB the
// password travels as its mysql_native_password hash, so the server (and its general log) never sees
// it; MySQL 8 takes the password itself (its default plugin, caching_sha2_password, has no
// client-computable hash MySQL accepts in a statement) and masks it in its own logs.
func identifiedBy(t mysqlTraits, password string) (clause string, args []any, secrets []string) {
	if t.flavor == FlavorMariaDB {
		hash := MySQLNativePasswordHash(password)
		return " IDENTIFIED BY PASSWORD '" + hash + "'", nil, []string{password, hash}
	}
	return " IDENTIFIED BY ?", []any{password}, []string{password}
}

// passwordStatement is what CreateUser and SetPassword share: the quoted account and the IDENTIFIED
// clause for the server's flavour, with its arguments and the secrets to keep out of errors.
func (s *mysqlServer) passwordStatement(ctx context.Context, u User, password string) (account, clause string, args []any, secrets []string, err error) {
	if password == "" {
		return "", "", nil, nil, ErrEmptyPassword
	}
	t, err := s.supported(ctx)
	if err != nil {
		return "", "", nil, nil, err
	}
	if account, err = QuoteMySQLAccount(u); err != nil {
		return "", "", nil, nil, err
	}
	clause, args, secrets = identifiedBy(t, password)
	return account, clause, args, secrets, nil
}

func (s *mysqlServer) CreateUser(ctx context.Context, u User, password string) error {
	account, clause, args, secrets, err := s.passwordStatement(ctx, u, password)
	if err != nil {
		return err
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		err := s.execSecret(ctx, conn, "create user "+accountText(u), "CREATE USER "+account+clause, secrets, args...)
		var se *StatementError
		if errors.As(err, &se) && se.Code == strconv.Itoa(mysqlErrCannotUser) {
			if exists, lookupErr := s.userExists(ctx, conn, u); lookupErr == nil && exists {
				return fmt.Errorf("user %s on server %q: %w", accountText(u), s.cfg.Name, ErrUserExists)
			}
		}
		return err
	})
}

func (s *mysqlServer) SetPassword(ctx context.Context, u User, password string) error {
	account, clause, args, secrets, err := s.passwordStatement(ctx, u, password)
	if err != nil {
		return err
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		return s.execSecret(ctx, conn, "set the password of user "+accountText(u), "ALTER USER "+account+clause,
			secrets, args...)
	})
}

func (s *mysqlServer) GrantDatabase(ctx context.Context, u User, database string) error {
	t, err := s.supported(ctx)
	if err != nil {
		return err
	}
	account, err := QuoteMySQLAccount(u)
	if err != nil {
		return err
	}
	qdb, err := QuoteMySQLGrantDatabase(database, t.literalWildcards)
	if err != nil {
		return fmt.Errorf("database name: %w", err)
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		return s.exec(ctx, conn, fmt.Sprintf("grant all privileges on database %q to %s", database, accountText(u)),
			"GRANT ALL PRIVILEGES ON "+qdb+".* TO "+account)
	})
}

// DatabaseGrants reads, in one statement, whether the user exists and every privilege it holds: the
// database-level privileges mysql.db holds for this database (as escaped in the grant, or spelt
// literally) are compared with the profile, and Missing names the privileges
// as the server does ("DELETE", "CREATE VIEW"), or is ["user"] when the user does not exist.
// Everything else it holds (global privileges other than USAGE, privileges on other databases or
// database patterns, table, column and routine privileges outside this database, roles) is listed
// in Elsewhere. Privileges held through a role (MySQL 8, MariaDB) are not counted for the profile.
func (s *mysqlServer) DatabaseGrants(ctx context.Context, u User, database string) (Grants, error) {
	t, err := s.supported(ctx)
	if err != nil {
		return Grants{}, err
	}
	privs, err := s.privileges(ctx, t, u)
	if err != nil {
		return Grants{}, err
	}
	return mysqlGrants(privs, database, t.flavor), nil
}

// privileges reads, in one statement, whether u exists ("user") and every privilege it holds.
func (s *mysqlServer) privileges(ctx context.Context, t mysqlTraits, u User) ([]mysqlPrivilege, error) {
	if len(t.dbPrivilegeColumns) == 0 {
		return nil, fmt.Errorf("read the privileges of %s: %w", accountText(u), errNoPrivilegeColumns)
	}
	host := mysqlHost(u)
	grantee := "'" + u.Name + "'@'" + host + "'"
	// Roles granted to the user: MariaDB records them in mysql.roles_mapping, MySQL 8 in mysql.role_edges.
	roles := "SELECT 'role', CONVERT(Role USING utf8mb4), '' FROM mysql.roles_mapping WHERE User = ? AND Host = ?"
	if t.flavor == FlavorMySQL {
		roles = "SELECT 'role', CONVERT(CONCAT(FROM_USER, '@', FROM_HOST) USING utf8mb4), '' FROM mysql.role_edges WHERE TO_USER = ? AND TO_HOST = ?"
	}
	// Database-level privileges come from mysql.db, one row per database or pattern with a Y or N per
	// privilege, read by its key; information_schema.SCHEMA_PRIVILEGES lists the same, but walks every
	// account of the server for each statement, which made reading N users cost N times the server's
	// accounts.
	quoted := make([]string, len(t.dbPrivilegeColumns))
	for i, c := range t.dbPrivilegeColumns {
		quoted[i] = "`" + c + "`"
	}
	flags := strings.Join(quoted, ", ")
	query := "SELECT 'user' AS kind, CONVERT('' USING utf8mb4) AS object, CONVERT('' USING utf8mb4) AS privilege FROM mysql.user WHERE User = ? AND Host = ? " +
		"UNION ALL SELECT 'db', CONVERT(Db USING utf8mb4), CONVERT(CONCAT(" + flags + ") USING utf8mb4) FROM mysql.db WHERE User = ? AND Host = ? " +
		"UNION ALL SELECT 'global', '', CONVERT(PRIVILEGE_TYPE USING utf8mb4) FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ? AND PRIVILEGE_TYPE <> 'USAGE' " +
		"UNION ALL SELECT 'table', CONVERT(CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) USING utf8mb4), CONVERT(PRIVILEGE_TYPE USING utf8mb4) " +
		"FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ? " +
		"UNION ALL SELECT 'column', CONVERT(CONCAT(TABLE_SCHEMA, '.', TABLE_NAME, '.', COLUMN_NAME) USING utf8mb4), CONVERT(PRIVILEGE_TYPE USING utf8mb4) " +
		"FROM information_schema.COLUMN_PRIVILEGES WHERE GRANTEE = ? " +
		"UNION ALL SELECT 'routine', CONVERT(CONCAT(Db, '.', Routine_name) USING utf8mb4), CONVERT(Proc_priv USING utf8mb4) FROM mysql.procs_priv WHERE User = ? AND Host = ? " +
		"UNION ALL " + roles
	var privs []mysqlPrivilege
	err := s.withConn(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, query, u.Name, host, u.Name, host, grantee, grantee, grantee, u.Name, host, u.Name, host)
		if err != nil {
			return fmt.Errorf("read the privileges of %s: %w", accountText(u), err)
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var p mysqlPrivilege
			if err := rows.Scan(&p.kind, &p.object, &p.privilege); err != nil {
				return fmt.Errorf("read the privileges of %s: %w", accountText(u), err)
			}
			if p.kind == "db" {
				privs = append(privs, mysqlDBPrivileges(p.object, p.privilege, t.dbPrivilegeColumns)...)
				continue
			}
			privs = append(privs, p)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read the privileges of %s: %w", accountText(u), err)
		}
		return nil
	})
	return privs, err
}

// mysqlPrivilege is one privilege of a user as DatabaseGrants reads it.
type mysqlPrivilege struct {
	kind      string // user (the account exists), db, global, table, column, routine, role
	object    string // the schema, schema.table, schema.table.column, schema.routine or role
	privilege string
}

// mysqlDBPrivileges are the privileges of one mysql.db row on database: flags holds a Y or N for
// each of columns, in their order.
func mysqlDBPrivileges(database, flags string, columns []string) []mysqlPrivilege {
	var privs []mysqlPrivilege
	for i, c := range columns {
		if i < len(flags) && (flags[i] == 'Y' || flags[i] == 'y') {
			privs = append(privs, mysqlPrivilege{kind: "db", object: database, privilege: mysqlPrivilegeName(c)})
		}
	}
	return privs
}

// mysqlGrants compares what a user holds with the profile on database.
func mysqlGrants(privs []mysqlPrivilege, database, flavor string) Grants {
	exists := false
	held := map[string]bool{}
	elsewhere := map[string][]string{} // what -> privileges
	add := func(what, privilege string) {
		if !slices.Contains(elsewhere[what], privilege) {
			elsewhere[what] = append(elsewhere[what], privilege)
		}
	}
	ours := func(schema string) bool { return schema == database || schema == escapeMySQLWildcards(database) }
	for _, p := range privs {
		priv := strings.ToUpper(p.privilege)
		switch p.kind {
		case "user":
			exists = true
		case "db":
			if ours(p.object) {
				held[priv] = true
			} else {
				add("ON `"+unescapeMySQLWildcards(p.object)+"`.*", priv)
			}
		case "global":
			add("ON *.*", priv)
		case "table", "column", "routine":
			schema, rest, _ := strings.Cut(p.object, ".")
			if ours(schema) {
				continue
			}
			what := "ON `" + schema + "`.`" + rest + "`"
			if p.kind == "column" {
				table, column, _ := strings.Cut(rest, ".")
				what = "(" + column + ") ON `" + schema + "`.`" + table + "`"
			}
			if p.kind == "routine" {
				what = "ON ROUTINE `" + schema + "`.`" + rest + "`"
			}
			for _, one := range strings.Split(priv, ",") {
				add(what, one)
			}
		case "role":
			elsewhere["role `"+p.object+"`"] = nil
		}
	}
	if !exists {
		return Grants{Missing: []string{MissingUser}}
	}
	required := slices.Clone(mysqlDatabasePrivileges)
	if flavor == FlavorMariaDB {
		required = append(required, mariadbExtraPrivileges...)
	}
	slices.Sort(required)
	g := Grants{Holds: len(held) > 0}
	for _, p := range required {
		if !held[p] {
			g.Missing = append(g.Missing, p)
		}
	}
	for _, what := range slices.Sorted(maps.Keys(elsewhere)) {
		privileges := elsewhere[what]
		switch {
		case privileges == nil:
			g.Elsewhere = append(g.Elsewhere, what)
		case strings.HasSuffix(what, "`.*") && !slices.ContainsFunc(required, func(p string) bool { return !slices.Contains(privileges, p) }):
			// Every privilege of the profile on a database: what GRANT ALL PRIVILEGES gives.
			g.Elsewhere = append(g.Elsewhere, "ALL PRIVILEGES "+what)
		default:
			slices.Sort(privileges)
			g.Elsewhere = append(g.Elsewhere, strings.Join(privileges, ", ")+" "+what)
		}
	}
	return g
}

// unescapeMySQLWildcards turns a database name as a grant stores it (`\_` for a literal underscore)
// back into the name, for messages; a pattern's own wildcards stay.
func unescapeMySQLWildcards(name string) string {
	return strings.NewReplacer(`\_`, "_", `\%`, "%").Replace(name)
}

func (s *mysqlServer) DropUser(ctx context.Context, u User) error {
	if _, err := s.supported(ctx); err != nil {
		return err
	}
	account, err := QuoteMySQLAccount(u)
	if err != nil {
		return err
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		return s.exec(ctx, conn, "drop user "+accountText(u), "DROP USER IF EXISTS "+account)
	})
}

// mysqlDialect classifies go-sql-driver/mysql errors.
type mysqlDialect struct{}

func (mysqlDialect) connectionFailure(err error) bool {
	var netErr net.Error
	switch {
	case err == nil:
		return false
	case errors.As(err, new(*connectError)),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &netErr):
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case mysqlErrTooManyConns, mysqlErrServerShutdown, mysqlErrConnectionKilled:
			return true
		}
	}
	return false
}

func (mysqlDialect) code(err error) string {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return strconv.Itoa(int(me.Number))
	}
	return ""
}

func (mysqlDialect) message(err error) string {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Message
	}
	return ""
}

func (mysqlDialect) retryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == mysqlErrLockDeadlock || me.Number == mysqlErrLockWaitTimeout)
}

func (mysqlDialect) echoesStatement(code string) bool { return code == strconv.Itoa(mysqlErrParse) }

func (mysqlDialect) lockWaitBound(d time.Duration) string {
	return fmt.Sprintf("SET SESSION lock_wait_timeout = %d", max(1, int64(math.Ceil(d.Seconds()))))
}

func (mysqlDialect) lockWaitTimeout(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == mysqlErrLockWaitTimeout
}
