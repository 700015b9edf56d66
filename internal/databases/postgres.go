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
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL error codes (SQLSTATE) the provider reacts to.
const (
	pgErrDuplicateDatabase     = "42P04"
	pgErrDuplicateObject       = "42710" // CREATE ROLE of an existing role
	pgErrObjectInUse           = "55006" // DROP DATABASE with sessions connected
	pgErrInvalidCatalogName    = "3D000" // connecting to a database that does not exist
	pgErrInvalidSchemaName     = "3F000"
	pgErrSyntax                = "42601"
	pgErrInsufficientPrivilege = "42501"
	pgErrSerialization         = "40001"
	pgErrDeadlock              = "40P01"
	pgErrLockNotAvailable      = "55P03"
	pgErrInternal              = "XX000" // "tuple concurrently updated" among others
	pgErrAdminShutdown         = "57P01"
	pgErrCrashShutdown         = "57P02"
	pgErrCannotConnectNow      = "57P03"
	pgConnectionExceptionClass = "08"
)

// AdminDatabase is the database the provider's admin connections open on PostgreSQL servers.
const AdminDatabase = "postgres"

// DefaultEncoding is the encoding of PostgreSQL databases when none is given.
const DefaultEncoding = "UTF8"

const applicationName = "terraform-provider-zenmlpro"

// ErrDatabaseInUse is returned by DropDatabase on PostgreSQL while sessions are connected to the
// database: the provider does not terminate them (no DROP DATABASE ... WITH (FORCE)).
var ErrDatabaseInUse = errors.New("sessions are connected to the database")

// postgresDatabasePrivileges are the database privileges the dedicated user must hold (besides
// owning the database), as aclexplode names them.
var postgresDatabasePrivileges = []string{"CONNECT", "CREATE", "TEMPORARY"}

var pgEncodingPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)

// pgTraits is what the provider learns about a PostgreSQL server once per pool.
type pgTraits struct {
	raw       string
	version   Version
	superuser bool // the admin is a superuser: no role memberships are needed
}

type postgresServer struct {
	base
	// connConfig opens connections to other databases than the admin one (table counts, schema
	// privileges, reassigning a dropped user's objects).
	connConfig *pgx.ConnConfig
	traits     lazy[pgTraits]
}

var _ Server = (*postgresServer)(nil)

func newPostgresServer(cfg ServerConfig, tlsConfig *tls.Config) (*postgresServer, driver.Connector, error) {
	// Every setting that could come from PG* environment variables is given explicitly or overwritten:
	// the provider's configuration alone decides where and how it connects.
	cc, err := pgx.ParseConfig("host=localhost port=5432 dbname=" + AdminDatabase + " sslmode=disable " +
		"sslnegotiation=postgres target_session_attrs=any min_protocol_version=3.0 max_protocol_version=3.0")
	if err != nil {
		return nil, nil, fmt.Errorf("database server %q: %w", cfg.Name, err)
	}
	cc.Host = cfg.Host
	cc.Port = uint16(cfg.Port) //nolint:gosec // validated to 1..65535
	cc.User = cfg.Username
	cc.Password = cfg.Password
	cc.Database = AdminDatabase
	cc.TLSConfig = tlsConfig
	cc.Fallbacks = nil
	cc.ConnectTimeout = cfg.ConnectTimeout
	cc.RuntimeParams = map[string]string{"application_name": applicationName}
	cc.KerberosSrvName, cc.KerberosSpn = "", ""
	cc.ValidateConnect = nil
	cc.Tracer = nil
	// Unnamed prepared statements work through poolers (PgBouncer, RDS Proxy) too.
	cc.DefaultQueryExecMode = pgx.QueryExecModeExec
	s := &postgresServer{base: base{cfg: cfg, d: pgDialect{}}, connConfig: cc}
	return s, stdlib.GetConnector(*cc), nil
}

func (s *postgresServer) detect(ctx context.Context) (pgTraits, error) {
	return s.traits.get(ctx, func(ctx context.Context) (pgTraits, error) {
		var t pgTraits
		err := s.withConn(ctx, func(conn *sql.Conn) error {
			err := conn.QueryRowContext(ctx, "SELECT current_setting('server_version'), "+
				"COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)").Scan(&t.raw, &t.superuser)
			if err != nil {
				return fmt.Errorf("read the server version: %w", err)
			}
			_, t.version, err = ParseServerVersion(Postgres, t.raw)
			return err
		})
		return t, err
	})
}

func (s *postgresServer) supported(ctx context.Context) (pgTraits, error) {
	t, err := s.detect(ctx)
	if err != nil {
		return t, err
	}
	if _, err := CheckSupport(FlavorPostgres, t.version); err != nil {
		return t, fmt.Errorf("database server %q: %w", s.cfg.Name, err)
	}
	return t, nil
}

func (s *postgresServer) Info(ctx context.Context) (ServerInfo, error) {
	t, err := s.detect(ctx)
	if err != nil {
		return ServerInfo{}, err
	}
	info, err := ServerInfoFor(Postgres, t.raw)
	if err != nil {
		return ServerInfo{}, fmt.Errorf("database server %q: %w", s.cfg.Name, err)
	}
	return info, nil
}

// ensureMember makes the admin a member of role, with the rights to act as it (own its objects, SET
// ROLE to it), unless the admin is a superuser. A restricted admin (CREATEROLE, not superuser, like a
// managed cloud's master user) needs that to create a database owned by the role, to hand a database
// over to it, and later to drop that database.
func (s *postgresServer) ensureMember(ctx context.Context, conn *sql.Conn, t pgTraits, role string) error {
	if t.superuser {
		return nil
	}
	qrole, err := QuotePostgresIdentifier(role)
	if err != nil {
		return fmt.Errorf("role name: %w", err)
	}
	check := "SELECT pg_has_role(current_user, $1::name, 'USAGE')"
	grant := "GRANT " + qrole + " TO CURRENT_USER"
	if t.version.Major >= 16 {
		// PostgreSQL 16 separates membership from the right to SET ROLE and to inherit privileges.
		check = "SELECT pg_has_role(current_user, $1::name, 'USAGE') AND pg_has_role(current_user, $1::name, 'SET')"
		grant += " WITH INHERIT TRUE, SET TRUE"
	}
	var member bool
	if err := conn.QueryRowContext(ctx, check, role).Scan(&member); err != nil {
		return fmt.Errorf("check the admin's membership in role %q: %w", role, err)
	}
	if member {
		return nil
	}
	return s.exec(ctx, conn, fmt.Sprintf("grant role %q to the admin user (needed to act as the database owner)", role), grant)
}

func (s *postgresServer) GetDatabase(ctx context.Context, name string) (*Database, error) {
	if _, err := s.supported(ctx); err != nil {
		return nil, err
	}
	var db *Database
	err := s.withConn(ctx, func(conn *sql.Conn) error {
		d := Database{}
		err := conn.QueryRowContext(ctx, "SELECT datname, pg_encoding_to_char(encoding), pg_get_userbyid(datdba), "+
			"COALESCE(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = $1", name).Scan(&d.Name, &d.Encoding, &d.Owner, &d.Comment)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("look up database %q: %w", name, err)
		}
		db = &d
		return nil
	})
	return db, err
}

func (s *postgresServer) CreateDatabase(ctx context.Context, spec DatabaseSpec) error {
	t, err := s.supported(ctx)
	if err != nil {
		return err
	}
	qname, err := QuotePostgresIdentifier(spec.Name)
	if err != nil {
		return fmt.Errorf("database name: %w", err)
	}
	encoding := spec.Encoding
	if encoding == "" {
		encoding = DefaultEncoding
	}
	if !pgEncodingPattern.MatchString(encoding) {
		return fmt.Errorf("encoding %q is not an encoding name, e.g. UTF8", encoding)
	}
	qenc, err := QuotePostgresString(encoding)
	if err != nil {
		return fmt.Errorf("encoding: %w", err)
	}
	// template0: a clean copy, whatever was added to template1, and no sessions to conflict with.
	stmt := "CREATE DATABASE " + qname + " ENCODING " + qenc + " TEMPLATE template0"
	if spec.Owner != "" {
		qowner, err := QuotePostgresIdentifier(spec.Owner)
		if err != nil {
			return fmt.Errorf("owner: %w", err)
		}
		stmt += " OWNER " + qowner
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		if spec.Owner != "" {
			if err := s.ensureMember(ctx, conn, t, spec.Owner); err != nil {
				return err
			}
		}
		err := s.exec(ctx, conn, fmt.Sprintf("create database %q", spec.Name), stmt)
		if codeIn(s.d, err, pgErrDuplicateDatabase) {
			return fmt.Errorf("database %q on server %q: %w", spec.Name, s.cfg.Name, ErrDatabaseExists)
		}
		if err != nil || spec.Comment == "" {
			return err
		}
		comment, err := QuotePostgresString(spec.Comment)
		if err != nil {
			return fmt.Errorf("comment: %w", err)
		}
		return s.exec(ctx, conn, fmt.Sprintf("comment on database %q", spec.Name), "COMMENT ON DATABASE "+qname+" IS "+comment)
	})
}

// databaseOwner looks up the owner of a database and whether it is a superuser; found is false when
// the database does not exist.
func databaseOwner(ctx context.Context, conn *sql.Conn, database string) (owner string, ownerIsSuper, found bool, err error) {
	err = conn.QueryRowContext(ctx, "SELECT pg_get_userbyid(d.datdba), COALESCE(r.rolsuper, false) "+
		"FROM pg_database d LEFT JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = $1", database).Scan(&owner, &ownerIsSuper)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, false, nil
	case err != nil:
		return "", false, false, fmt.Errorf("look up the owner of database %q: %w", database, err)
	}
	return owner, ownerIsSuper, true, nil
}

// withDatabase runs fn on a connection of its own to another database of the server; it returns
// errDatabaseMissing when that database does not exist.
func (s *postgresServer) withDatabase(ctx context.Context, database string, fn func(*pgx.Conn) error) error {
	cc := s.connConfig.Copy()
	cc.Database = database
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		switch {
		case codeIn(s.d, err, pgErrInvalidCatalogName):
			return fmt.Errorf("database %q: %w", database, errDatabaseMissing)
		case ctx.Err() != nil:
			return fmt.Errorf("connect to database %q: %w", database, ctx.Err())
		case codeIn(s.d, err, pgErrInsufficientPrivilege):
			// The server answered: the admin may log in, but not into this database.
			return fmt.Errorf("connect to database %q: the admin user may not connect to it (grant it CONNECT, "+
				"or membership in the database owner): %w", database, err)
		}
		return s.unreachable(fmt.Errorf("connect to database %q: %w", database, err))
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	err = fn(conn)
	if err != nil && !errors.As(err, new(*UnreachableError)) && ctx.Err() == nil && s.d.connectionFailure(err) {
		return s.unreachable(err)
	}
	return err
}

var errDatabaseMissing = errors.New("the database does not exist")

// pgxExec runs a statement without secrets on a connection of withDatabase, with retries.
func (s *postgresServer) pgxExec(ctx context.Context, conn *pgx.Conn, op, stmt string) error {
	err := retryStatement(ctx, s.d.retryable, func() error {
		if deadline, ok := ctx.Deadline(); ok {
			if _, err := conn.Exec(ctx, s.d.lockWaitBound(time.Until(deadline))); err != nil {
				return err
			}
		}
		_, err := conn.Exec(ctx, stmt)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// TableCount counts tables, partitioned tables, views, materialized views and foreign tables outside
// the system schemas. A database that does not exist has none.
func (s *postgresServer) TableCount(ctx context.Context, name string) (int, error) {
	if _, err := s.supported(ctx); err != nil {
		return 0, err
	}
	var n int
	err := s.withDatabase(ctx, name, func(conn *pgx.Conn) error {
		err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "+
			"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "+
			"AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'").Scan(&n)
		if err != nil {
			return fmt.Errorf("count the tables of database %q: %w", name, err)
		}
		return nil
	})
	if errors.Is(err, errDatabaseMissing) {
		return 0, nil
	}
	return n, err
}

func (s *postgresServer) DropDatabase(ctx context.Context, name string) error {
	t, err := s.supported(ctx)
	if err != nil {
		return err
	}
	qname, err := QuotePostgresIdentifier(name)
	if err != nil {
		return fmt.Errorf("database name: %w", err)
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		if !t.superuser {
			// Only the owner may drop a database: act as the owner when it is an ordinary role.
			owner, ownerIsSuper, found, err := databaseOwner(ctx, conn, name)
			switch {
			case err != nil:
				return err
			case !found:
				return nil
			}
			if !ownerIsSuper {
				if err := s.ensureMember(ctx, conn, t, owner); err != nil {
					return err
				}
			}
		}
		err := s.exec(ctx, conn, fmt.Sprintf("drop database %q", name), "DROP DATABASE IF EXISTS "+qname)
		if codeIn(s.d, err, pgErrObjectInUse) {
			who := "other sessions are"
			var sessions int
			if countErr := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
				name).Scan(&sessions); countErr == nil && sessions > 0 {
				who = fmt.Sprintf("%d other session(s) are", sessions)
			}
			return fmt.Errorf("drop database %q: %s connected to it; stop the clients using it (such as the ZenML "+
				"server) and try again, the provider does not terminate sessions: %w", name, who, ErrDatabaseInUse)
		}
		if err != nil && (s.d.lockWaitTimeout(err) || ctx.Err() != nil) {
			return &LockedError{Database: name, Sessions: s.sessionsUsing(name), Err: err}
		}
		return err
	})
}

// sessionsUsing describes the other sessions connected to database name (PostgreSQL shows every
// session's user and state; the query text only to superusers, and it is not read). It runs on a
// context of its own, since the caller's may have ended.
func (s *postgresServer) sessionsUsing(name string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), lockReportTimeout)
	defer cancel()
	var out []string
	_ = s.withConn(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, "SELECT pid, COALESCE(usename, ''), COALESCE(client_addr::text, 'local'), COALESCE(state, ''), "+
			"COALESCE(EXTRACT(EPOCH FROM now() - COALESCE(xact_start, backend_start))::bigint, 0) FROM pg_stat_activity "+
			"WHERE datname = $1 AND pid <> pg_backend_pid() ORDER BY pid", name)
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var (
				pid, seconds       int64
				user, addr, status string
			)
			if err := rows.Scan(&pid, &user, &addr, &status, &seconds); err != nil {
				return err
			}
			out = append(out, fmt.Sprintf("session %d of %s from %s (%s, for %d s)", pid, user, addr, orDash(status), seconds))
		}
		return rows.Err()
	})
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (s *postgresServer) UserExists(ctx context.Context, u User) (bool, error) {
	if _, err := s.supported(ctx); err != nil {
		return false, err
	}
	var exists bool
	err := s.withConn(ctx, func(conn *sql.Conn) error {
		var err error
		exists, err = roleExists(ctx, conn, u.Name)
		return err
	})
	return exists, err
}

func roleExists(ctx context.Context, conn *sql.Conn, role string) (bool, error) {
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
		return false, fmt.Errorf("look up role %q: %w", role, err)
	}
	return exists, nil
}

// passwordClause is the PASSWORD clause for a password: a SCRAM-SHA-256 verifier computed here, so
// that neither the server nor its log ever sees the password.
func passwordClause(password string) (clause string, secrets []string, err error) {
	verifier, err := PostgresSCRAMVerifier(password)
	if err != nil {
		return "", nil, err
	}
	lit, err := QuotePostgresString(verifier)
	if err != nil {
		return "", nil, err
	}
	return " PASSWORD " + lit, []string{password, verifier}, nil
}

// passwordStatement is what CreateUser and SetPassword share: the quoted role and the PASSWORD clause
// (a SCRAM verifier computed here), with the secrets to keep out of errors.
func (s *postgresServer) passwordStatement(ctx context.Context, u User, password string) (qrole, clause string, secrets []string, err error) {
	if password == "" {
		return "", "", nil, ErrEmptyPassword
	}
	if _, err := s.supported(ctx); err != nil {
		return "", "", nil, err
	}
	if qrole, err = QuotePostgresIdentifier(u.Name); err != nil {
		return "", "", nil, fmt.Errorf("user name: %w", err)
	}
	if clause, secrets, err = passwordClause(password); err != nil {
		return "", "", nil, fmt.Errorf("user %q: %w", u.Name, err)
	}
	return qrole, clause, secrets, nil
}

func (s *postgresServer) CreateUser(ctx context.Context, u User, password string) error {
	qrole, clause, secrets, err := s.passwordStatement(ctx, u, password)
	if err != nil {
		return err
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		err := s.execSecret(ctx, conn, fmt.Sprintf("create role %q", u.Name), "CREATE ROLE "+qrole+" LOGIN"+clause, secrets)
		var se *StatementError
		if errors.As(err, &se) && se.Code == pgErrDuplicateObject {
			return fmt.Errorf("user %q on server %q: %w", u.Name, s.cfg.Name, ErrUserExists)
		}
		return err
	})
}

func (s *postgresServer) SetPassword(ctx context.Context, u User, password string) error {
	qrole, clause, secrets, err := s.passwordStatement(ctx, u, password)
	if err != nil {
		return err
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		return s.execSecret(ctx, conn, fmt.Sprintf("set the password of role %q", u.Name), "ALTER ROLE "+qrole+clause, secrets)
	})
}

// GrantDatabase makes the user the owner of the database (on PostgreSQL 15+ the owner is also,
// through pg_database_owner, the owner of its public schema), grants it every database privilege,
// and makes sure it may use and create in the schema public.
func (s *postgresServer) GrantDatabase(ctx context.Context, u User, database string) error {
	t, err := s.supported(ctx)
	if err != nil {
		return err
	}
	qrole, err := QuotePostgresIdentifier(u.Name)
	if err != nil {
		return fmt.Errorf("user name: %w", err)
	}
	qdb, err := QuotePostgresIdentifier(database)
	if err != nil {
		return fmt.Errorf("database name: %w", err)
	}
	err = s.withConn(ctx, func(conn *sql.Conn) error {
		if err := s.ensureMember(ctx, conn, t, u.Name); err != nil {
			return err
		}
		owner, ownerIsSuper, found, err := databaseOwner(ctx, conn, database)
		switch {
		case err != nil:
			return err
		case !found:
			return fmt.Errorf("grant database %q to %q: the database does not exist", database, u.Name)
		}
		if owner != u.Name {
			if !ownerIsSuper {
				// ALTER DATABASE ... OWNER TO needs the rights of the current owner too.
				if err := s.ensureMember(ctx, conn, t, owner); err != nil {
					return err
				}
			}
			if err := s.exec(ctx, conn, fmt.Sprintf("make %q the owner of database %q", u.Name, database),
				"ALTER DATABASE "+qdb+" OWNER TO "+qrole); err != nil {
				return err
			}
		}
		return s.exec(ctx, conn, fmt.Sprintf("grant all privileges on database %q to %q", database, u.Name),
			"GRANT ALL PRIVILEGES ON DATABASE "+qdb+" TO "+qrole)
	})
	if err != nil {
		return err
	}
	return s.withDatabase(ctx, database, func(conn *pgx.Conn) error {
		usage, create, err := schemaPrivileges(ctx, conn, u.Name)
		if err != nil {
			return err
		}
		if usage && create {
			return nil
		}
		return s.pgxExec(ctx, conn, fmt.Sprintf("grant usage and create on schema public of database %q to %q", database, u.Name),
			"GRANT USAGE, CREATE ON SCHEMA public TO "+qrole)
	})
}

// errNoPublicSchema says that the schema public is missing from the database.
var errNoPublicSchema = errors.New("the database has no schema public")

// schemaPrivileges reports whether the role may use and create objects in the schema public of the
// database conn is connected to (directly, through PUBLIC, or as the owner).
func schemaPrivileges(ctx context.Context, conn *pgx.Conn, role string) (usage, create bool, err error) {
	err = conn.QueryRow(ctx, "SELECT has_schema_privilege($1::name, 'public', 'USAGE'), "+
		"has_schema_privilege($1::name, 'public', 'CREATE')", role).Scan(&usage, &create)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgErrInvalidSchemaName {
		return false, false, errNoPublicSchema
	}
	if err != nil {
		return false, false, fmt.Errorf("read the privileges of %q on schema public: %w", role, err)
	}
	return usage, create, nil
}

// pgElsewhereSeparator separates the items of the footprint query's aggregate (ASCII unit separator,
// which no name the provider manages holds).
const pgElsewhereSeparator = "\x1f"

// pgGrantsQuery reads, for role $2 and database $1 (which may not exist), in one statement: the
// database's owner (NULL when it does not exist), the database privileges the role holds in its own
// name, and what the role holds outside the database: ownership of or privileges on other databases
// and tablespaces, objects (owned, or with privileges) in other databases, memberships in other
// roles, and role attributes that reach beyond one database. No row: the role does not exist.
const pgGrantsQuery = "SELECT pg_get_userbyid(d.datdba), " +
	"COALESCE((SELECT string_agg(a.privilege_type, ',') FROM aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) a " +
	"WHERE a.grantee = r.oid), ''), " +
	"COALESCE((SELECT string_agg(item, E'\\x1f' ORDER BY item) FROM (" +
	"SELECT DISTINCT CASE " +
	"WHEN s.dbid <> 0 THEN 'objects in database ' || COALESCE(od.datname, s.dbid::text) " +
	"WHEN s.classid = 'pg_database'::regclass AND s.deptype = 'o' THEN 'owner of database ' || COALESCE(sd.datname, s.objid::text) " +
	"WHEN s.classid = 'pg_database'::regclass THEN 'privileges on database ' || COALESCE(sd.datname, s.objid::text) " +
	"WHEN s.classid = 'pg_tablespace'::regclass THEN 'tablespace ' || COALESCE(ts.spcname, s.objid::text) " +
	"ELSE 'shared object ' || s.classid::regclass::text || ' ' || s.objid::text END AS item " +
	"FROM pg_shdepend s LEFT JOIN pg_database od ON od.oid = s.dbid " +
	"LEFT JOIN pg_database sd ON s.classid = 'pg_database'::regclass AND sd.oid = s.objid " +
	"LEFT JOIN pg_tablespace ts ON s.classid = 'pg_tablespace'::regclass AND ts.oid = s.objid " +
	"WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = r.oid AND s.deptype IN ('o', 'a', 'i', 'r') " +
	"AND s.dbid IS DISTINCT FROM d.oid AND NOT (s.classid = 'pg_database'::regclass AND s.objid IS NOT DISTINCT FROM d.oid) " +
	"UNION SELECT 'member of role ' || g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid " +
	"UNION SELECT unnest(array_remove(ARRAY[CASE WHEN r.rolsuper THEN 'SUPERUSER' END, CASE WHEN r.rolcreatedb THEN 'CREATEDB' END, " +
	"CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END, CASE WHEN r.rolreplication THEN 'REPLICATION' END, " +
	"CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END], NULL))" +
	") items), '') " +
	"FROM pg_roles r LEFT JOIN pg_database d ON d.datname = $1 WHERE r.rolname = $2"

// DatabaseGrants reports what the user lacks of: ownership of the database ("ownership"), the
// database privileges CONNECT, CREATE and TEMPORARY held in its own name, and USAGE and CREATE on the
// schema public ("USAGE ON SCHEMA public", "CREATE ON SCHEMA public", or "schema public" when the
// schema is gone). A missing user or database shows as "user" or "database". Elsewhere lists what
// the role holds outside the database (see pgGrantsQuery), read in the same statement.
func (s *postgresServer) DatabaseGrants(ctx context.Context, u User, database string) (Grants, error) {
	if _, err := s.supported(ctx); err != nil {
		return Grants{}, err
	}
	var (
		g     Grants
		found bool
	)
	err := s.withConn(ctx, func(conn *sql.Conn) error {
		var owner sql.NullString
		var privileges, elsewhere string
		err := conn.QueryRowContext(ctx, pgGrantsQuery, database, u.Name).Scan(&owner, &privileges, &elsewhere)
		if errors.Is(err, sql.ErrNoRows) {
			g.Missing = []string{MissingUser}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the privileges of %q on database %q: %w", u.Name, database, err)
		}
		if elsewhere != "" {
			g.Elsewhere = strings.Split(elsewhere, pgElsewhereSeparator)
		}
		if !owner.Valid {
			g.Missing = []string{"database"}
			return nil
		}
		found = true
		held := map[string]bool{}
		for _, p := range strings.Split(privileges, ",") {
			if p != "" {
				held[p] = true
			}
		}
		g.Holds = owner.String == u.Name || len(held) > 0
		if owner.String != u.Name {
			g.Missing = append(g.Missing, "ownership")
		}
		for _, p := range postgresDatabasePrivileges {
			if !held[p] {
				g.Missing = append(g.Missing, p)
			}
		}
		return nil
	})
	if err != nil {
		return Grants{}, err
	}
	if found {
		err = s.withDatabase(ctx, database, func(conn *pgx.Conn) error {
			usage, create, err := schemaPrivileges(ctx, conn, u.Name)
			switch {
			case errors.Is(err, errNoPublicSchema):
				g.Missing = append(g.Missing, "schema public")
				return nil
			case err != nil:
				return err
			}
			if !usage {
				g.Missing = append(g.Missing, "USAGE ON SCHEMA public")
			}
			if !create {
				g.Missing = append(g.Missing, "CREATE ON SCHEMA public")
			}
			return nil
		})
		if errors.Is(err, errDatabaseMissing) {
			g.Missing, g.Holds, err = []string{"database"}, false, nil
		}
		if err != nil {
			return Grants{}, err
		}
	}
	return g, nil
}

// DropUser drops the role. What it still owns or holds is handed to the admin first: in the admin
// database (which covers databases the role owns, for a database kept when its user is removed) and
// in every database where the role owns objects or holds privileges (REASSIGN OWNED, DROP OWNED).
func (s *postgresServer) DropUser(ctx context.Context, u User) error {
	t, err := s.supported(ctx)
	if err != nil {
		return err
	}
	qrole, err := QuotePostgresIdentifier(u.Name)
	if err != nil {
		return fmt.Errorf("user name: %w", err)
	}
	var others []string
	gone := false
	err = s.withConn(ctx, func(conn *sql.Conn) error {
		exists, err := roleExists(ctx, conn, u.Name)
		if err != nil || !exists {
			gone = !exists
			return err
		}
		if err := s.ensureMember(ctx, conn, t, u.Name); err != nil {
			return err
		}
		rows, err := conn.QueryContext(ctx, "SELECT DISTINCT d.datname FROM pg_shdepend s "+
			"JOIN pg_database d ON d.oid = s.dbid WHERE s.refclassid = 'pg_authid'::regclass "+
			"AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1) AND d.datname <> current_database() "+
			"ORDER BY 1", u.Name)
		if err != nil {
			return fmt.Errorf("find the objects of role %q: %w", u.Name, err)
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return fmt.Errorf("find the objects of role %q: %w", u.Name, err)
			}
			others = append(others, name)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find the objects of role %q: %w", u.Name, err)
		}
		return s.disown(ctx, conn, u.Name, qrole)
	})
	if err != nil || gone {
		return err
	}
	for _, database := range others {
		err := s.withDatabase(ctx, database, func(conn *pgx.Conn) error {
			op := fmt.Sprintf("hand the objects of role %q in database %q to the admin user", u.Name, database)
			if err := s.pgxExec(ctx, conn, op, "REASSIGN OWNED BY "+qrole+" TO CURRENT_USER"); err != nil {
				return err
			}
			return s.pgxExec(ctx, conn, op, "DROP OWNED BY "+qrole)
		})
		if err != nil && !errors.Is(err, errDatabaseMissing) {
			return err
		}
	}
	return s.withConn(ctx, func(conn *sql.Conn) error {
		return s.exec(ctx, conn, fmt.Sprintf("drop role %q", u.Name), "DROP ROLE IF EXISTS "+qrole)
	})
}

func (s *postgresServer) disown(ctx context.Context, conn *sql.Conn, role, qrole string) error {
	op := fmt.Sprintf("hand the objects of role %q to the admin user", role)
	if err := s.exec(ctx, conn, op, "REASSIGN OWNED BY "+qrole+" TO CURRENT_USER"); err != nil {
		return err
	}
	return s.exec(ctx, conn, op, "DROP OWNED BY "+qrole)
}

// pgDialect classifies pgx errors.
type pgDialect struct{}

func (pgDialect) connectionFailure(err error) bool {
	var netErr net.Error
	switch {
	case err == nil:
		return false
	case errors.As(err, new(*connectError)),
		errors.As(err, new(*pgconn.ConnectError)),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &netErr):
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case pgErrAdminShutdown, pgErrCrashShutdown, pgErrCannotConnectNow:
			return true
		}
		return strings.HasPrefix(pgErr.Code, pgConnectionExceptionClass)
	}
	return false
}

func (pgDialect) code(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func (pgDialect) message(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Message
	}
	return ""
}

func (pgDialect) retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case pgErrSerialization, pgErrDeadlock, pgErrLockNotAvailable:
		return true
	case pgErrInternal:
		// XX000 is any internal error; only the catalog update races are worth retrying.
		return strings.Contains(pgErr.Message, "tuple concurrently")
	}
	return false
}

func (pgDialect) echoesStatement(code string) bool { return code == pgErrSyntax }

func (pgDialect) lockWaitBound(d time.Duration) string {
	return fmt.Sprintf("SET lock_timeout = %d", max(1000, d.Milliseconds()))
}

func (pgDialect) lockWaitTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgErrLockNotAvailable
}
