#!/usr/bin/env bash
# Copyright (c) zenmlpro-infra and contributors
# SPDX-License-Identifier: MPL-2.0
# The database servers and the AWS stand-in the tests and `make demo` use, all on loopback:
#   MariaDB             127.0.0.1:33306  root / zenmlpro-root-pw-plain
#   MariaDB with TLS    127.0.0.1:33307  same accounts; require_secure_transport=ON; certificates in .services/tls
#   PostgreSQL 15       127.0.0.1:55432  postgres / zenmlpro-pg-pw (scram-sha-256 over TCP)
#   moto (ECR, IAM, STS) 127.0.0.1:35000 access key / secret key `testing`, region eu-west-1; in memory
# plus on each server a restricted admin `zenml_admin` / zenmlpro-admin-pw shaped like a managed
# cloud's master user (MariaDB: CREATE, CREATE USER, GRANT OPTION..., no SUPER/FILE/PROCESS/RELOAD/
# SHUTDOWN; PostgreSQL: CREATEDB CREATEROLE, not SUPERUSER). The TLS server also has
# `zenml_admin_x509` / zenmlpro-admin-pw, the same admin but REQUIRE X509 (it must present the client
# certificate). The MariaDB general logs and the PostgreSQL log record every statement (for tests
# that search them for passwords); the setup statements here run with logging off.
#
# Usage: scripts/services.sh start|stop|status|env
#   start   starts what is not running (idempotent; installs mariadb-server with apt-get if missing;
#           moto_server must be installed already: `pip install 'moto[server]==5.2.1'`)
#   stop    stops the servers this checkout started (the data stays, start reuses it)
#   status  one line per server; exit status 3 when one is not answering
#   env     `export` lines for the tests: eval "$(scripts/services.sh env)"
#
# State lives under .services/ in the repository (git-ignored): MariaDB data, sockets, error and
# general logs, the TLS material (.services/tls) and the chosen ports (.services/ports). PostgreSQL
# refuses to run as root, so as root it runs as the `postgres` OS user with its data in
# /tmp/zenmlpro-services-pg-<hash of the repository path> (every parent of which that user can enter);
# .services/postgres is a symlink to it. As a non-root user PostgreSQL runs as that user in
# .services/postgres itself. moto keeps its state in memory (gone when it stops); its pid and log are
# in .services/moto. `env` prints the AWS settings as ZENMLPRO_TEST_AWS_* (never bare AWS_*), so a
# test hands them to the provider explicitly.
#
# A port held by a process that is not one of this checkout's servers (another checkout's servers,
# say) is left alone: the server moves to the next free port, and `env` prints the port it got.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.services"
tlsdir="$state/tls"
hash=$(printf '%s' "$root" | sha256sum | cut -c1-12)

mysql_root_password=zenmlpro-root-pw-plain
mysql_admin_user=zenml_admin
mysql_x509_user=zenml_admin_x509
pg_password=zenmlpro-pg-pw
pg_admin_user=zenml_admin
admin_password=zenmlpro-admin-pw

default_mysql_port=33306
default_mysql_tls_port=33307
default_pg_port=55432
default_moto_port=35000
aws_access_key=testing
aws_secret_key=testing
aws_region=eu-west-1

# The restricted MariaDB admin's privileges, on *.* WITH GRANT OPTION: what a managed cloud gives its
# master user (no SUPER, FILE, PROCESS, RELOAD, SHUTDOWN).
mysql_admin_privileges="SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, \
CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, \
EVENT, TRIGGER, DELETE HISTORY, CREATE USER, SHOW DATABASES"

if [ "$(id -u)" = 0 ]; then
  pgdir="/tmp/zenmlpro-services-pg-$hash"
  pguser=postgres
else
  pgdir="$state/postgres"
  pguser=$(id -un)
fi

say() { printf 'services: %s\n' "$*" >&2; }

# fail MESSAGE [LOGFILE]: prints the message and the tail of the server's log, then exits.
fail() {
  say "ERROR: $1"
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    printf -- '--- last lines of %s ---\n' "$2" >&2
    tail -n 40 "$2" >&2 || true
    printf -- '---\n' >&2
  fi
  exit 1
}

# ---------------------------------------------------------------------------------------------------
# Binaries

find_bin() { # NAME: prints the path of a binary on PATH or in the sbin folders
  local name=$1 d
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for d in /usr/sbin /usr/local/sbin /sbin; do
    if [ -x "$d/$name" ]; then echo "$d/$name"; return 0; fi
  done
  return 1
}

apt_install() { # PACKAGE...: installs Debian packages (root only)
  [ "$(id -u)" = 0 ] || fail "$* missing and not running as root: install it with \`sudo apt-get install -y $*\`"
  mkdir -p "$state"
  say "installing $* with apt-get (log: $state/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update && apt-get install -y "$@"; } </dev/null >"$state/apt.log" 2>&1 ||
    fail "apt-get update && apt-get install -y $* failed" "$state/apt.log"
}

need_mariadb() {
  if ! find_bin mariadbd >/dev/null; then
    apt_install mariadb-server
  fi
  mariadbd=$(find_bin mariadbd) || fail "mariadbd not found after installing mariadb-server"
  install_db=$(find_bin mariadb-install-db) || fail "mariadb-install-db not found"
  mariadb_client=$(find_bin mariadb) || fail "the mariadb client not found"
  mariadb_admin=$(find_bin mariadb-admin) || fail "mariadb-admin not found"
}

need_postgres() {
  pgbin=""
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    pgbin=/usr/lib/postgresql/15/bin
  elif command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pgbin=$(pg_config --bindir)
  elif command -v initdb >/dev/null 2>&1; then
    pgbin=$(dirname "$(readlink -f "$(command -v initdb)")")
  else
    apt_install postgresql-15
    pgbin=/usr/lib/postgresql/15/bin
  fi
  [ -x "$pgbin/pg_ctl" ] && [ -x "$pgbin/psql" ] || fail "PostgreSQL binaries (pg_ctl, psql) not found in $pgbin"
  if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
    fail "PostgreSQL must run as a non-root user and the \`postgres\` OS user does not exist (install postgresql-15)"
  fi
}

need_openssl() {
  command -v openssl >/dev/null 2>&1 || apt_install openssl
}

as_pguser() { # runs a command as the PostgreSQL OS user, from a folder that user can enter
  if [ "$(id -u)" = 0 ]; then
    (cd "$pgdir" && runuser -u "$pguser" -- "$@")
  else
    (cd "$pgdir" && "$@")
  fi
}

# ---------------------------------------------------------------------------------------------------
# Ports and processes

read_ports() {
  mysql_port=$default_mysql_port
  mysql_tls_port=$default_mysql_tls_port
  pg_port=$default_pg_port
  moto_port=$default_moto_port
  if [ -f "$state/ports" ]; then
    # shellcheck disable=SC1091
    . "$state/ports"
  fi
}

write_ports() {
  mkdir -p "$state"
  printf 'mysql_port=%s\nmysql_tls_port=%s\npg_port=%s\nmoto_port=%s\n' "$mysql_port" "$mysql_tls_port" "$pg_port" "$moto_port" >"$state/ports.tmp"
  mv "$state/ports.tmp" "$state/ports"
}

port_open() { # PORT: true when something accepts TCP connections on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# server_pids EXE ARG: the pids of running EXE processes (matched by the base name of argv[0]) one of
# whose arguments is exactly ARG. Our data folders are unique paths, so this finds this checkout's
# servers even when their pid files are stale or gone, and nothing else.
server_pids() {
  local p args
  for p in /proc/[0-9]*; do
    [ -r "$p/cmdline" ] || continue
    args=()
    mapfile -d '' -t args <"$p/cmdline" 2>/dev/null || continue
    [ ${#args[@]} -gt 1 ] || continue
    [ "${args[0]##*/}" = "$1" ] || continue
    local a
    for a in "${args[@]:1}"; do
      if [ "$a" = "$2" ]; then
        echo "${p#/proc/}"
        break
      fi
    done
  done
}

kill_pids() { # PID...: TERM, wait up to 20 s, then KILL
  local pid i
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for i in $(seq 1 100); do
    local alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.2
  done
  say "processes $* did not stop in 20 s; killing them"
  kill -KILL "$@" 2>/dev/null || true
}

# pick_port DEFAULT CURRENT: CURRENT when it is free, else DEFAULT when free, else the next free port
# from DEFAULT+100 upward.
pick_port() {
  local want=$1 current=$2 p
  if ! port_open "$want"; then echo "$want"; return; fi
  if [ "$current" != "$want" ] && ! port_open "$current"; then echo "$current"; return; fi
  for p in $(seq $((want + 100)) $((want + 400))); do
    if ! port_open "$p"; then
      say "port $want is in use by a process that is not one of this checkout's servers; using $p"
      echo "$p"
      return
    fi
  done
  fail "no free port found near $want"
}

# ---------------------------------------------------------------------------------------------------
# TLS material (openssl): a CA, a server certificate for localhost and 127.0.0.1, a client
# certificate, and a second unrelated CA (wrong-ca.pem) for the "wrong CA" tests.

tls_files="ca.pem ca-key.pem server.pem server-key.pem client.pem client-key.pem wrong-ca.pem"

tls_ok() {
  local f
  for f in $tls_files; do [ -s "$tlsdir/$f" ] || return 1; done
  # Regenerate a week before anything expires.
  for f in ca.pem server.pem client.pem wrong-ca.pem; do
    openssl x509 -checkend 604800 -noout -in "$tlsdir/$f" >/dev/null 2>&1 || return 1
  done
  openssl verify -CAfile "$tlsdir/ca.pem" "$tlsdir/server.pem" "$tlsdir/client.pem" >/dev/null 2>&1
}

# make_tls: generates the material when it is missing, incomplete or about to expire; sets
# tls_changed=1 when it did.
make_tls() {
  tls_changed=0
  need_openssl
  if tls_ok; then return 0; fi
  say "generating TLS material in $tlsdir"
  local tmp
  tmp=$(mktemp -d "$state/tls.XXXXXX")
  cat >"$tmp/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
CNF
  {
    cd "$tmp" &&
      openssl req -x509 -config openssl.cnf -extensions ca -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -subj "/O=zenmlpro tests/CN=zenmlpro test CA" -keyout ca-key.pem -out ca.pem &&
      openssl req -x509 -config openssl.cnf -extensions ca -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -subj "/O=zenmlpro tests/CN=unrelated test CA" -keyout wrong-ca-key.pem -out wrong-ca.pem &&
      openssl req -new -config openssl.cnf -newkey rsa:2048 -nodes -sha256 \
        -subj "/O=zenmlpro tests/CN=localhost" -keyout server-key.pem -out server.csr &&
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -sha256 \
        -extfile openssl.cnf -extensions server -out server.pem &&
      openssl req -new -config openssl.cnf -newkey rsa:2048 -nodes -sha256 \
        -subj "/O=zenmlpro tests/CN=zenmlpro-test-client" -keyout client-key.pem -out client.csr &&
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -sha256 \
        -extfile openssl.cnf -extensions client -out client.pem &&
      openssl verify -CAfile ca.pem server.pem client.pem &&
      rm -f ./*.csr ./*.srl &&
      cd "$root"
  } >"$tmp/openssl.log" 2>&1 || fail "generating the TLS material failed" "$tmp/openssl.log"
  rm -rf "$tlsdir"
  mv "$tmp" "$tlsdir"
  chmod 0755 "$tlsdir"
  chmod 0644 "$tlsdir"/*.pem
  tls_changed=1
}

# ---------------------------------------------------------------------------------------------------
# MariaDB

# mdb_dir NAME / mdb_sock NAME: the instance folder and its socket (sockets need a path under 108
# bytes; a long checkout path moves the socket to /tmp).
mdb_dir() { echo "$state/mariadb-$1"; }
mdb_sock() {
  local s
  s="$(mdb_dir "$1")/mysql.sock"
  if [ ${#s} -gt 100 ]; then s="/tmp/zenmlpro-services-$hash-$1.sock"; fi
  echo "$s"
}
mdb_pids() { server_pids mariadbd "--datadir=$(mdb_dir "$1")/data"; }

# mdb_client NAME [mariadb args...]: runs the mariadb client over the socket as root. The password
# is in a defaults file (never on the command line); a freshly installed server has none yet.
mdb_cnf() {
  local dir
  dir=$(mdb_dir "$1")
  printf '[client]\nuser=root\npassword=%s\nsocket=%s\n' "$2" "$(mdb_sock "$1")" >"$dir/$3"
  chmod 0600 "$dir/$3"
}
mdb_client() {
  local name=$1
  shift
  "$mariadb_client" --defaults-file="$(mdb_dir "$name")/root.cnf" "$@"
}

# mdb_answers NAME: prints the TCP port of this checkout's server NAME when it answers root over its
# own socket and accepts connections on that port (the port is asked from the server itself, so a
# port held by another process is never taken for ours).
mdb_answers() {
  local p
  [ -n "$(mdb_pids "$1")" ] && [ -f "$(mdb_dir "$1")/root.cnf" ] || return 1
  p=$(mdb_client "$1" -N -e 'SELECT @@port' 2>/dev/null) && [ -n "$p" ] && port_open "$p" && echo "$p"
}

mdb_start() { # NAME DEFAULT_PORT CURRENT_PORT [extra mariadbd options...] -> sets $started_port
  local name=$1 want=$2 current=$3
  shift 3
  local dir sock log pids port
  dir=$(mdb_dir "$name")
  sock=$(mdb_sock "$name")
  log="$dir/error.log"
  mkdir -p "$dir"
  mdb_cnf "$name" "$mysql_root_password" root.cnf

  if port=$(mdb_answers "$name"); then
    say "MariaDB $name already running on 127.0.0.1:$port (pid $(mdb_pids "$name" | xargs))"
    started_port=$port
    mdb_setup "$name"
    return
  fi
  pids=$(mdb_pids "$name" | xargs)
  if [ -n "$pids" ]; then
    # Ours, but not answering (a half-dead run, a removed socket or data folder): give it a moment
    # (it may be shutting down), then restart it.
    local i
    for i in $(seq 1 6); do
      sleep 0.5
      if port=$(mdb_answers "$name"); then started_port=$port; mdb_setup "$name"; return; fi
    done
    say "MariaDB $name (pid $pids) does not answer; restarting it"
    # shellcheck disable=SC2086
    kill_pids $pids
  fi
  rm -f "$dir/mysqld.pid" "$sock" "$sock.lock"

  # A temporary folder of its own, for the bootstrap and the server: MariaDB names its temporary files
  # after its process id, and another machine's processes sharing /tmp (CI runners in their own PID
  # namespaces) can carry the same one.
  mkdir -p "$dir/tmp"
  if [ ! -d "$dir/data/mysql" ]; then
    say "initialising MariaDB $name in $dir/data"
    rm -rf "$dir/data"
    "$install_db" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
      fail "mariadb-install-db failed for $name" "$dir/install.log"
  fi

  port=$(pick_port "$want" "$current")
  say "starting MariaDB $name on 127.0.0.1:$port"
  local user_opt=()
  if [ "$(id -u)" = 0 ]; then user_opt=(--user=root); fi
  : >>"$log"
  local mark
  mark=$(wc -l <"$log")
  setsid -f "$mariadbd" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$sock" --port="$port" \
    --bind-address=127.0.0.1 --skip-name-resolve "${user_opt[@]}" --pid-file="$dir/mysqld.pid" \
    --log-error="$log" --general-log=1 --general-log-file="$dir/general.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --max-connections=500 --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=256M \
    "$@" </dev/null >>"$dir/stdout.log" 2>&1 9>&-

  local i ok=0
  for i in $(seq 1 120); do
    if "$mariadb_admin" --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1 && port_open "$port"; then
      ok=1
      break
    fi
    if [ "$i" -gt 4 ] && [ -z "$(mdb_pids "$name")" ]; then break; fi
    sleep 0.5
  done
  if [ $ok = 0 ]; then
    tail -n +"$((mark + 1))" "$log" >"$dir/error.tail" 2>/dev/null || true
    local why="did not answer on 127.0.0.1:$port within 60 s"
    [ -n "$(mdb_pids "$name")" ] || why="exited while starting on 127.0.0.1:$port"
    fail "MariaDB $name $why (to start afresh, losing its data: $0 stop; rm -rf $dir)" "$dir/error.tail"
  fi
  started_port=$port
  mdb_setup "$name"
}

# mdb_setup NAME: the root passwords, the restricted admin and (on the TLS server) an admin that must
# present a client certificate. Idempotent and additive, so it is safe while tests use the server.
# sql_log_off keeps these statements (and their passwords) out of the general log.
mdb_setup() {
  local name=$1 dir initial=0
  dir=$(mdb_dir "$name")
  if ! mdb_client "$name" -N -e 'SELECT 1' >/dev/null 2>"$dir/setup.log"; then
    # A freshly installed server: root@localhost has no password yet.
    if "$mariadb_client" --no-defaults --socket="$(mdb_sock "$name")" -uroot -N -e 'SELECT 1' >/dev/null 2>>"$dir/setup.log"; then
      initial=1
    else
      fail "cannot log in to MariaDB $name as root over its socket (the root password is not $mysql_root_password?)" "$dir/setup.log"
    fi
  fi
  local pw="'$mysql_root_password'" apw="'$admin_password'"
  local sql
  sql="SET SESSION sql_log_off = ON;
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY $pw;
CREATE USER IF NOT EXISTS 'root'@'::1' IDENTIFIED BY $pw;
ALTER USER 'root'@'localhost' IDENTIFIED BY $pw;
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY $pw;
ALTER USER 'root'@'::1' IDENTIFIED BY $pw;
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'root'@'::1' WITH GRANT OPTION;
GRANT PROXY ON ''@'%' TO 'root'@'127.0.0.1' WITH GRANT OPTION;
GRANT PROXY ON ''@'%' TO 'root'@'::1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS '$mysql_admin_user'@'%' IDENTIFIED BY $apw;
ALTER USER '$mysql_admin_user'@'%' IDENTIFIED BY $apw;
GRANT $mysql_admin_privileges ON *.* TO '$mysql_admin_user'@'%' WITH GRANT OPTION;"
  if [ "$name" = tls ]; then
    sql="$sql
CREATE USER IF NOT EXISTS '$mysql_x509_user'@'%' IDENTIFIED BY $apw REQUIRE X509;
ALTER USER '$mysql_x509_user'@'%' IDENTIFIED BY $apw REQUIRE X509;
GRANT $mysql_admin_privileges ON *.* TO '$mysql_x509_user'@'%' WITH GRANT OPTION;"
  fi
  local login=(--defaults-file="$dir/root.cnf")
  if [ $initial = 1 ]; then login=(--no-defaults --socket="$(mdb_sock "$name")" -uroot); fi
  "$mariadb_client" "${login[@]}" -e "$sql" 2>>"$dir/setup.log" ||
    fail "setting up the accounts of MariaDB $name failed" "$dir/setup.log"
  # Anonymous accounts and root@<hostname> (passwordless, left by mariadb-install-db) go.
  local drops
  drops=$(mdb_client "$name" -N -e "SELECT CONCAT('DROP USER ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user
    WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1'))" 2>>"$dir/setup.log") ||
    fail "listing the anonymous accounts of MariaDB $name failed" "$dir/setup.log"
  if [ -n "$drops" ]; then
    mdb_client "$name" -e "SET SESSION sql_log_off = ON; $drops" 2>>"$dir/setup.log" ||
      fail "dropping the anonymous accounts of MariaDB $name failed" "$dir/setup.log"
  fi
  # The restricted admin must log in with its password.
  "$mariadb_client" --no-defaults --socket="$(mdb_sock "$name")" -u"$mysql_admin_user" \
    --password="$admin_password" -N -e 'SELECT 1' >/dev/null 2>>"$dir/setup.log" ||
    fail "the restricted admin cannot log in to MariaDB $name" "$dir/setup.log"
}

mdb_stop() {
  local name=$1 dir pids
  dir=$(mdb_dir "$name")
  pids=$(mdb_pids "$name")
  if [ -z "$pids" ]; then
    say "MariaDB $name is not running"
    return
  fi
  say "stopping MariaDB $name"
  if [ -n "${mariadb_admin:-}" ] && [ -f "$dir/root.cnf" ]; then
    "$mariadb_admin" --defaults-file="$dir/root.cnf" shutdown >/dev/null 2>&1 || true
  fi
  # shellcheck disable=SC2086
  kill_pids $pids
  rm -f "$dir/mysqld.pid"
}

# ---------------------------------------------------------------------------------------------------
# PostgreSQL

pg_pids() { server_pids postgres "$pgdir/data"; }

# pg_answers: prints the TCP port of this checkout's server when it answers on its own socket (whose
# name carries the port, read from postmaster.pid) and accepts connections on that port.
pg_answers() {
  local p
  [ -n "$(pg_pids)" ] && [ -r "$pgdir/data/postmaster.pid" ] || return 1
  p=$(sed -n 4p "$pgdir/data/postmaster.pid")
  [ -n "$p" ] && [ -S "$pgdir/.s.PGSQL.$p" ] &&
    "$pgbin/pg_isready" -q -h "$pgdir" -p "$p" -t 2 >/dev/null 2>&1 && port_open "$p" && echo "$p"
}

pg_psql() { # runs psql as the superuser over the socket (trust for local connections)
  "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pgdir" -p "$pg_port" -U postgres -d postgres "$@"
}

pg_prepare_dir() {
  if [ "$(id -u)" = 0 ]; then
    if [ -L "$pgdir" ] || { [ -e "$pgdir" ] && [ "$(stat -c %U "$pgdir")" != "$pguser" ]; }; then
      fail "$pgdir exists and is not a folder owned by $pguser; remove it"
    fi
    install -d -o "$pguser" -g "$(id -gn "$pguser")" -m 0755 "$pgdir"
    mkdir -p "$state"
    ln -sfn "$pgdir" "$state/postgres"
  else
    mkdir -p "$pgdir"
  fi
}

pg_start() {
  pg_prepare_dir
  local log="$pgdir/server.log" want=$default_pg_port current=$pg_port port
  if port=$(pg_answers); then
    pg_port=$port
    say "PostgreSQL already running on 127.0.0.1:$pg_port (pid $(pg_pids | xargs))"
    pg_setup
    return
  fi
  local pids
  pids=$(pg_pids | xargs)
  if [ -n "$pids" ]; then
    say "PostgreSQL (pid $pids) does not answer; restarting it"
    as_pguser "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    # shellcheck disable=SC2086
    kill_pids $(pg_pids)
  fi

  if [ ! -f "$pgdir/data/PG_VERSION" ]; then
    say "initialising PostgreSQL in $pgdir/data"
    rm -rf "$pgdir/data"
    printf '%s\n' "$pg_password" >"$pgdir/pwfile"
    chmod 0600 "$pgdir/pwfile"
    [ "$(id -u)" = 0 ] && chown "$pguser" "$pgdir/pwfile"
    as_pguser "$pgbin/initdb" -D "$pgdir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pgdir/pwfile" >"$pgdir/initdb.log" 2>&1 || {
      rm -f "$pgdir/pwfile"
      fail "initdb failed" "$pgdir/initdb.log"
    }
    rm -f "$pgdir/pwfile"
    echo "include_if_exists = 'zenmlpro.conf'" >>"$pgdir/data/postgresql.conf"
  fi
  # Settings for a throwaway test server; rewritten at every start.
  cat >"$pgdir/data/zenmlpro.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgdir'
password_encryption = 'scram-sha-256'
log_statement = 'all'
log_line_prefix = '%m [%p] %q%u@%d '
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  [ "$(id -u)" = 0 ] && chown "$pguser" "$pgdir/data/zenmlpro.conf"

  pg_port=$(pick_port "$want" "$current")
  say "starting PostgreSQL on 127.0.0.1:$pg_port"
  touch "$log"
  [ "$(id -u)" = 0 ] && chown "$pguser" "$log"
  local mark
  mark=$(wc -l <"$log")
  if ! as_pguser setsid -w "$pgbin/pg_ctl" -D "$pgdir/data" -l "$log" -w -t 60 -o "-p $pg_port" start \
    </dev/null >"$pgdir/pg_ctl.log" 2>&1 9>&-; then
    { cat "$pgdir/pg_ctl.log"; tail -n +"$((mark + 1))" "$log"; } >"$pgdir/start.tail" 2>/dev/null || true
    fail "PostgreSQL did not start on 127.0.0.1:$pg_port" "$pgdir/start.tail"
  fi
  [ "$(pg_answers)" = "$pg_port" ] || fail "PostgreSQL started but does not answer on 127.0.0.1:$pg_port" "$log"
  pg_setup
}

# pg_setup: the superuser's password and the restricted admin. log_statement is off for this session
# so the passwords stay out of the server log.
pg_setup() {
  pg_psql >"$pgdir/setup.log" 2>&1 <<SQL || fail "setting up the PostgreSQL roles failed" "$pgdir/setup.log"
SET log_statement = 'none';
ALTER ROLE postgres PASSWORD '$pg_password';
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$pg_admin_user') THEN
    CREATE ROLE $pg_admin_user;
  END IF;
END \$\$;
ALTER ROLE $pg_admin_user LOGIN CREATEDB CREATEROLE NOSUPERUSER NOREPLICATION NOBYPASSRLS PASSWORD '$admin_password';
SQL
  PGPASSWORD=$admin_password PGCONNECT_TIMEOUT=5 "$pgbin/psql" -X -q -h 127.0.0.1 -p "$pg_port" \
    -U "$pg_admin_user" -d postgres -c 'SELECT 1' >/dev/null 2>>"$pgdir/setup.log" ||
    fail "the restricted admin cannot log in to PostgreSQL over TCP" "$pgdir/setup.log"
}

pg_stop() {
  if [ -z "$(pg_pids)" ]; then
    say "PostgreSQL is not running"
    return
  fi
  say "stopping PostgreSQL"
  as_pguser "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  # shellcheck disable=SC2086
  kill_pids $(pg_pids)
}

# ---------------------------------------------------------------------------------------------------
# moto (AWS ECR, IAM and STS), in memory: its state is lost when it stops. The process is this
# checkout's when its pid is in .services/moto/moto.pid and its command line runs moto on the recorded
# port.

motodir="$state/moto"

need_moto() {
  moto_cmd=()
  local shim="${PYENV_ROOT:-$HOME/.pyenv}/shims/moto_server"
  if command -v moto_server >/dev/null 2>&1; then
    moto_cmd=("$(command -v moto_server)")
  elif [ -x "$shim" ]; then
    moto_cmd=("$shim")
  elif command -v python3 >/dev/null 2>&1 && python3 -c 'import moto.server' >/dev/null 2>&1; then
    moto_cmd=(python3 -m moto.server)
  else
    fail "moto_server (Python moto with its server extra) is not installed: install it with \`pip install 'moto[server]==5.2.1'\` (or \`pipx install 'moto[server]==5.2.1'\`) so that moto_server is on PATH"
  fi
}

# moto_pid: prints the pid of this checkout's moto when it runs.
moto_pid() {
  local pid args
  [ -r "$motodir/moto.pid" ] || return 1
  pid=$(cat "$motodir/moto.pid")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  case "$args" in
  *moto*" -p $moto_port "*) echo "$pid" ;;
  *) return 1 ;;
  esac
}

moto_ready() { # PORT: true when moto's management API answers on 127.0.0.1:PORT
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/moto-api/" 2>/dev/null
}

# moto_answers: prints the port of this checkout's moto when it runs and answers.
moto_answers() {
  moto_pid >/dev/null && moto_ready "$moto_port" && echo "$moto_port"
}

moto_start() {
  mkdir -p "$motodir"
  local log="$motodir/moto.log" port pid
  if port=$(moto_answers); then
    say "moto already running on 127.0.0.1:$port (pid $(moto_pid))"
    return
  fi
  if pid=$(moto_pid); then
    say "moto (pid $pid) does not answer; restarting it"
    kill_pids "$pid"
  fi
  rm -f "$motodir/moto.pid"
  need_moto
  moto_port=$(pick_port "$default_moto_port" "$moto_port")
  say "starting moto on 127.0.0.1:$moto_port"
  local t0 mark
  t0=$(date +%s%N)
  : >>"$log"
  mark=$(wc -l <"$log")
  # setsid does not fork here (a background job is no group leader), so $! is the server's pid.
  setsid "${moto_cmd[@]}" -H 127.0.0.1 -p "$moto_port" </dev/null >>"$log" 2>&1 9>&- &
  echo $! >"$motodir/moto.pid"
  local i ok=0
  for i in $(seq 1 240); do
    if moto_ready "$moto_port"; then ok=1; break; fi
    if [ "$i" -gt 8 ] && ! moto_pid >/dev/null; then break; fi
    sleep 0.25
  done
  if [ $ok = 0 ]; then
    tail -n +"$((mark + 1))" "$log" >"$motodir/start.tail" 2>/dev/null || true
    local why="did not answer GET /moto-api/ on 127.0.0.1:$moto_port within 60 s"
    moto_pid >/dev/null || why="exited while starting on 127.0.0.1:$moto_port"
    fail "moto $why" "$motodir/start.tail"
  fi
  say "moto answered after $((($(date +%s%N) - t0) / 1000000)) ms"
}

moto_stop() {
  local pid
  if ! pid=$(moto_pid); then
    say "moto is not running"
    rm -f "$motodir/moto.pid"
    return
  fi
  say "stopping moto"
  kill_pids "$pid"
  rm -f "$motodir/moto.pid"
}

# ---------------------------------------------------------------------------------------------------
# Commands

lock() {
  mkdir -p "$state"
  exec 9>"$state/lock"
  flock -w 600 9 || fail "another services.sh holds $state/lock"
}

cmd_start() {
  local t0=$SECONDS
  lock
  need_mariadb
  need_postgres
  read_ports
  make_tls
  if [ "$tls_changed" = 1 ] && [ -n "$(mdb_pids tls)" ]; then
    say "the TLS material changed; restarting MariaDB tls"
    mdb_stop tls
  fi
  mdb_start plain "$default_mysql_port" "$mysql_port"
  mysql_port=$started_port
  write_ports
  mdb_start tls "$default_mysql_tls_port" "$mysql_tls_port" \
    --ssl-ca="$tlsdir/ca.pem" --ssl-cert="$tlsdir/server.pem" --ssl-key="$tlsdir/server-key.pem" \
    --require-secure-transport=ON
  mysql_tls_port=$started_port
  write_ports
  pg_start
  write_ports
  moto_start
  write_ports
  say "ready in $((SECONDS - t0)) s: MariaDB 127.0.0.1:$mysql_port, MariaDB TLS 127.0.0.1:$mysql_tls_port, PostgreSQL 127.0.0.1:$pg_port, moto 127.0.0.1:$moto_port"
}

cmd_stop() {
  lock
  mariadb_admin=$(find_bin mariadb-admin || true)
  need_postgres_bin_quiet
  mdb_stop plain
  mdb_stop tls
  if [ -n "$pgbin" ]; then pg_stop; fi
  read_ports
  moto_stop
}

need_postgres_bin_quiet() {
  pgbin=""
  if [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
    pgbin=/usr/lib/postgresql/15/bin
  elif command -v pg_ctl >/dev/null 2>&1; then
    pgbin=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
  fi
}

# running_ports: the ports of this checkout's servers that answer, over the recorded ones.
running_ports() {
  read_ports
  mariadb_client=$(find_bin mariadb || true)
  need_postgres_bin_quiet
  local p
  if [ -n "$mariadb_client" ]; then
    if p=$(mdb_answers plain); then mysql_port=$p; fi
    if p=$(mdb_answers tls); then mysql_tls_port=$p; fi
  fi
  if [ -n "$pgbin" ] && p=$(pg_answers); then pg_port=$p; fi
}

cmd_status() {
  running_ports
  local rc=0 name port pids
  for name in plain tls; do
    port=$mysql_port
    [ $name = tls ] && port=$mysql_tls_port
    pids=$(mdb_pids "$name" | xargs)
    if [ -n "$mariadb_client" ] && mdb_answers "$name" >/dev/null; then
      printf 'mariadb-%-6s running   127.0.0.1:%s pid %s, data %s\n' "$name" "$port" "$pids" "$(mdb_dir "$name")/data"
    elif [ -n "$pids" ]; then
      printf 'mariadb-%-6s NOT ANSWERING pid %s (log %s)\n' "$name" "$pids" "$(mdb_dir "$name")/error.log"
      rc=3
    else
      printf 'mariadb-%-6s stopped\n' "$name"
      rc=3
    fi
  done
  pids=$(pg_pids | xargs)
  if [ -n "$pgbin" ] && pg_answers >/dev/null; then
    printf 'postgres       running   127.0.0.1:%s pid %s, data %s\n' "$pg_port" "$pids" "$pgdir/data"
  elif [ -n "$pids" ]; then
    printf 'postgres       NOT ANSWERING pid %s (log %s)\n' "$pids" "$pgdir/server.log"
    rc=3
  else
    printf 'postgres       stopped\n'
    rc=3
  fi
  pids=$(moto_pid || true)
  if moto_answers >/dev/null; then
    printf 'moto           running   127.0.0.1:%s pid %s, in memory\n' "$moto_port" "$pids"
  elif [ -n "$pids" ]; then
    printf 'moto           NOT ANSWERING pid %s (log %s)\n' "$pids" "$motodir/moto.log"
    rc=3
  else
    printf 'moto           stopped\n'
    rc=3
  fi
  return $rc
}

cmd_env() {
  running_ports
  local kv
  for kv in \
    "ZENMLPRO_TEST_MYSQL_HOST=127.0.0.1" \
    "ZENMLPRO_TEST_MYSQL_PORT=$mysql_port" \
    "ZENMLPRO_TEST_MYSQL_USER=root" \
    "ZENMLPRO_TEST_MYSQL_PASSWORD=$mysql_root_password" \
    "ZENMLPRO_TEST_MYSQL_ADMIN_USER=$mysql_admin_user" \
    "ZENMLPRO_TEST_MYSQL_ADMIN_PASSWORD=$admin_password" \
    "ZENMLPRO_TEST_MYSQL_TLS_PORT=$mysql_tls_port" \
    "ZENMLPRO_TEST_MYSQL_X509_USER=$mysql_x509_user" \
    "ZENMLPRO_TEST_MYSQL_X509_PASSWORD=$admin_password" \
    "ZENMLPRO_TEST_TLS_DIR=$tlsdir" \
    "ZENMLPRO_TEST_MYSQL_GENERAL_LOG=$(mdb_dir plain)/general.log" \
    "ZENMLPRO_TEST_MYSQL_TLS_GENERAL_LOG=$(mdb_dir tls)/general.log" \
    "ZENMLPRO_TEST_PG_HOST=127.0.0.1" \
    "ZENMLPRO_TEST_PG_PORT=$pg_port" \
    "ZENMLPRO_TEST_PG_USER=postgres" \
    "ZENMLPRO_TEST_PG_PASSWORD=$pg_password" \
    "ZENMLPRO_TEST_PG_ADMIN_USER=$pg_admin_user" \
    "ZENMLPRO_TEST_PG_ADMIN_PASSWORD=$admin_password" \
    "ZENMLPRO_TEST_PG_LOG=$pgdir/server.log" \
    "ZENMLPRO_TEST_AWS_ENDPOINT=http://127.0.0.1:$moto_port" \
    "ZENMLPRO_TEST_AWS_ACCESS_KEY_ID=$aws_access_key" \
    "ZENMLPRO_TEST_AWS_SECRET_ACCESS_KEY=$aws_secret_key" \
    "ZENMLPRO_TEST_AWS_REGION=$aws_region"; do
    printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
  done
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
*)
  echo "usage: $0 start|stop|status|env" >&2
  exit 2
  ;;
esac
