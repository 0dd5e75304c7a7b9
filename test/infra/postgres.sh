#!/usr/bin/env bash
# PostgreSQL for the CDC tests: the machine's PostgreSQL (Debian postgresql-15) in a private
# data directory, 127.0.0.1:15432, wal_level=logical, user cdc/cdc-secret, database inventory.
#
#   bash test/infra/postgres.sh up|down|status|clean     (clean = down + delete the data dir)
#   bash test/infra/postgres.sh stop [fast|immediate]    stop, keeping the data and infra.env
#                                                        (immediate: no shutdown checkpoint, the
#                                                        next start runs crash recovery)
#   bash test/infra/postgres.sh start                    start again on the existing data (no
#                                                        initdb, no settings rewritten)
set -euo pipefail
CDP_PART=postgres
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_PORT=${CDP_PG_PORT:-15432}
PG_HOST=127.0.0.1
PG_USER=cdc
PG_PASSWORD=cdc-secret
PG_DATABASE=inventory
PG_OS_USER=postgres
PG_LOG="$CDP_LOGS/postgres.log"
ENV_KEYS=(PG_HOST PG_PORT PG_USER PG_PASSWORD PG_DATABASE)

# The binaries: prefer PostgreSQL 15, else the newest installed; install Debian's if none.
find_pg_bin() {
  local d
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then printf '%s' "$d"; return 0; fi
  done
  return 1
}

ensure_installed() {
  if ! PG_BIN=$(find_pg_bin); then
    # Debian's postinst creates a 'main' cluster for 5432; apt_install keeps it from starting.
    log "PostgreSQL server binaries not found under /usr/lib/postgresql: installing Debian's"
    apt_install postgresql
    PG_BIN=$(find_pg_bin) || die "PostgreSQL installed but no initdb found under /usr/lib/postgresql/*/bin"
  fi
  if ! id "$PG_OS_USER" >/dev/null 2>&1; then
    log "creating system user $PG_OS_USER (PostgreSQL refuses to run as root)"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/sh "$PG_OS_USER"
  fi
}

as_pg() { runuser -u "$PG_OS_USER" -- "$@"; }

# Where the data lives. $CDP_RUN/postgres when the postgres user can reach it; $CDP_RUN is
# usually under /root (mode 700), which it cannot, so then the data goes to a directory of
# its own under /var/tmp, and $CDP_RUN/postgres is a symlink to it.
resolve_dirs() {
  PG_BASE="$CDP_RUN/postgres"
  if [[ -L "$PG_BASE" ]]; then
    PG_BASE=$(readlink -f "$PG_BASE")
  elif [[ ! -d "$PG_BASE" ]]; then
    if ! as_pg test -x "$CDP_RUN"; then
      local real
      real="/var/tmp/cdktf-data-pipelines-pg-$(printf '%s' "$CDP_RUN" | sha1sum | cut -c1-12)"
      mkdir -p "$real"
      ln -sfn "$real" "$CDP_RUN/postgres"
      log "$PG_OS_USER cannot enter $CDP_RUN: data in $real ($CDP_RUN/postgres links there)"
      PG_BASE="$real"
    fi
  fi
  as_pg test -x "$PG_BASE" 2>/dev/null || [[ ! -e "$PG_BASE" ]] ||
    die "user $PG_OS_USER cannot enter $PG_BASE; delete it (bash $0 clean) or set CDP_RUN to a directory it can reach"
  PG_DATA="$PG_BASE/data"
  PG_SOCK="$PG_BASE/sock"
}

psql_admin() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$@"
}

is_running() {
  [[ -f "$PG_DATA/postmaster.pid" ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

cmd_up() {
  local t0
  t0=$(now_s)
  ensure_installed
  resolve_dirs
  mkdir -p "$PG_BASE" "$PG_SOCK"
  chown "$PG_OS_USER:" "$PG_BASE" "$PG_SOCK"
  chmod 700 "$PG_BASE"
  log "using $("$PG_BIN/postgres" --version) from $PG_BIN; data in $PG_DATA"

  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initdb $PG_DATA"
    rm -rf "$PG_DATA"
    # Local socket (in $PG_SOCK, mode 700) is trusted for the bootstrap superuser; TCP needs a password.
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$CDP_LOGS/postgres-initdb.log" 2>&1 ||
      { tail_log "$CDP_LOGS/postgres-initdb.log"; die "initdb failed; see $CDP_LOGS/postgres-initdb.log"; }
  fi
  # Settings are rewritten on every up so that a changed script takes effect.
  as_pg tee "$PG_DATA/cdp.conf" >/dev/null <<EOF
# written by test/infra/postgres.sh
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
unix_socket_permissions = 0700
password_encryption = scram-sha-256
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
  grep -q "^include_if_exists = 'cdp.conf'" "$PG_DATA/postgresql.conf" ||
    echo "include_if_exists = 'cdp.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
  as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<EOF
# written by test/infra/postgres.sh
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  trust
local   replication  all                  trust
host    all          all   127.0.0.1/32   scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
EOF

  if is_running; then
    if psql_admin -d postgres -Atc 'select 1' >/dev/null 2>&1; then
      log "already running; reloading configuration"
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" reload >/dev/null
      if [[ "$(psql_admin -d postgres -Atc 'show wal_level')" != logical ]]; then
        log "wal_level needs a restart"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
      fi
    else
      # e.g. the postmaster was killed and its children are still exiting
      warn "the pid file says running but the server does not answer; stopping what is left"
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
      local i
      for i in $(seq 1 30); do is_running || break; sleep 1; done
    fi
  fi
  if ! is_running; then
    if port_open "$PG_HOST" "$PG_PORT"; then
      die "something else already listens on $PG_HOST:$PG_PORT; stop it first"
    fi
    log "starting postgres on $PG_HOST:$PG_PORT (log: $PG_LOG)"
    # The log is opened by this (root) shell, so it can live in $CDP_RUN/logs.
    runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 60 start >>"$PG_LOG" 2>&1 ||
      { tail_log "$PG_LOG"; die "postgres did not start; see $PG_LOG"; }
  fi
  wait_for_port postgres "$PG_HOST" "$PG_PORT" 60 "$PG_LOG"

  log "ensuring role $PG_USER (LOGIN SUPERUSER REPLICATION) and database $PG_DATABASE"
  psql_admin -d postgres <<EOF
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER;
  END IF;
END \$\$;
ALTER ROLE $PG_USER WITH LOGIN SUPERUSER REPLICATION PASSWORD '$PG_PASSWORD';
SELECT 'CREATE DATABASE $PG_DATABASE OWNER $PG_USER'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DATABASE') \gexec
EOF
  # Check the way the tests connect: over TCP with the password.
  PGPASSWORD="$PG_PASSWORD" "$PG_BIN/psql" -X -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DATABASE" \
    -Atc "select 'wal_level=' || current_setting('wal_level')" | sed "s/^/$(date -u +%H:%M:%S) [postgres] check: /"

  infra_env_set PG_HOST "$PG_HOST" PG_PORT "$PG_PORT" PG_USER "$PG_USER" PG_PASSWORD "$PG_PASSWORD" PG_DATABASE "$PG_DATABASE"
  log "postgres ready in $(($(now_s) - t0))s"
}

cmd_down() {
  infra_env_unset "${ENV_KEYS[@]}"
  if ! PG_BIN=$(find_pg_bin) || ! id "$PG_OS_USER" >/dev/null 2>&1; then
    log "not installed; nothing to stop"
    return 0
  fi
  resolve_dirs
  if is_running; then
    log "stopping postgres ($PG_DATA)"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
  else
    log "not running"
  fi
}

# stop MODE: pg_ctl stop with that shutdown mode; the data directory and infra.env stay.
cmd_stop() {
  local mode="${1:-fast}"
  [[ "$mode" == fast || "$mode" == immediate ]] || die "usage: bash $0 stop [fast|immediate]"
  PG_BIN=$(find_pg_bin) || die "PostgreSQL is not installed"
  resolve_dirs
  if is_running; then
    log "stopping postgres ($mode shutdown, data kept in $PG_DATA)"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "$mode" -w -t 60 stop >/dev/null
  else
    log "not running"
  fi
}

# start: the server of an earlier `up`, on its data as it is (after an immediate stop this runs
# crash recovery). Fails when there is no data directory: that is `up`'s job.
cmd_start() {
  local t0
  t0=$(now_s)
  PG_BIN=$(find_pg_bin) || die "PostgreSQL is not installed (run bash $0 up)"
  resolve_dirs
  [[ -f "$PG_DATA/PG_VERSION" ]] || die "start: no data directory in $PG_DATA (run bash $0 up first)"
  if is_running; then
    log "already running"
    return 0
  fi
  port_open "$PG_HOST" "$PG_PORT" && die "something else already listens on $PG_HOST:$PG_PORT; stop it first"
  log "starting postgres on $PG_HOST:$PG_PORT on its existing data (log: $PG_LOG)"
  runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 60 start >>"$PG_LOG" 2>&1 ||
    { tail_log "$PG_LOG"; die "postgres did not start on its existing data; see $PG_LOG"; }
  wait_for_port postgres "$PG_HOST" "$PG_PORT" 60 "$PG_LOG"
  log "postgres up again in $(($(now_s) - t0))s"
}

cmd_status() {
  PG_BIN=$(find_pg_bin) || { echo "postgres: not installed"; return 0; }
  resolve_dirs
  if is_running; then echo "postgres: running on $PG_HOST:$PG_PORT, data $PG_DATA"; else echo "postgres: stopped"; fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  stop) cmd_stop "${2:-fast}" ;;
  start) cmd_start ;;
  clean)
    cmd_down
    resolve_dirs
    log "deleting $PG_BASE"
    rm -rf "$PG_BASE" "$CDP_RUN/postgres"
    ;;
  *) echo "usage: bash $0 up|down|status|clean|stop [fast|immediate]|start" >&2; exit 2 ;;
esac
