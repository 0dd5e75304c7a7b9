#!/usr/bin/env bash
# MariaDB for the CDC tests: Debian's mariadb-server in a private data directory,
# 127.0.0.1:13306, row-based binlog with GTIDs, user cdc/cdc-secret, database inventory.
#
#   bash test/infra/mariadb.sh up|down|status|clean     (clean = down + delete the data dir)
set -euo pipefail
CDP_PART=mariadb
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MARIADB_HOST=127.0.0.1
MARIADB_PORT=${CDP_MARIADB_PORT:-13306}
MARIADB_USER=cdc
MARIADB_PASSWORD=cdc-secret
MARIADB_DATABASE=inventory
BASE="$CDP_RUN/mariadb"
DATA="$BASE/data"
CNF="$BASE/my.cnf"
SOCK="$BASE/mariadb.sock"
PIDFILE="$BASE/mariadb.pid"
LOGFILE="$CDP_LOGS/mariadb.log"
ENV_KEYS=(MARIADB_HOST MARIADB_PORT MARIADB_USER MARIADB_PASSWORD MARIADB_DATABASE)

find_server() {
  local b
  for b in mariadbd mysqld; do
    if command -v "$b" >/dev/null; then command -v "$b"; return 0; fi
    if [[ -x "/usr/sbin/$b" ]]; then printf '%s' "/usr/sbin/$b"; return 0; fi
  done
  return 1
}

first_cmd() {
  local b
  for b in "$@"; do
    if command -v "$b" >/dev/null; then command -v "$b"; return 0; fi
  done
  return 1
}

ensure_installed() {
  if ! SERVER=$(find_server); then
    log "mariadbd/mysqld not found: installing Debian's mariadb-server (its service is kept from starting)"
    apt_install mariadb-server
    SERVER=$(find_server) || die "mariadb-server installed but no mariadbd/mysqld found"
    # Should a service have started anyway (e.g. a policy-rc.d that allows it), stop it: we
    # run our own server and a stray one on 3306 only wastes memory.
    if pgrep -f -- '--datadir=/var/lib/mysql|^/usr/sbin/(mariadbd|mysqld)$' >/dev/null 2>&1; then
      log "stopping the mariadb system service that the package started"
      (service mariadb stop || service mysql stop || true) >/dev/null 2>&1
    fi
  fi
  INSTALL_DB=$(first_cmd mariadb-install-db mysql_install_db) || die "mariadb-install-db not found"
  CLIENT=$(first_cmd mariadb mysql) || die "mariadb client not found (apt-get install mariadb-client)"
  ADMIN=$(first_cmd mariadb-admin mysqladmin) || die "mariadb-admin not found"
}

write_cnf() {
  mkdir -p "$BASE" "$BASE/binlog"
  cat >"$CNF.tmp" <<EOF
# written by test/infra/mariadb.sh; used with --defaults-file, so /etc/mysql is not read
[client]
socket = $SOCK
user = root

[mysqld]
user = root
datadir = $DATA
socket = $SOCK
pid-file = $PIDFILE
port = $MARIADB_PORT
bind-address = $MARIADB_HOST
skip-name-resolve
log-error = $LOGFILE
# what Debezium's MySQL connector needs
server_id = 1
log_bin = $BASE/binlog/mariadb-bin
binlog_format = ROW
binlog_row_image = FULL
log_slave_updates = ON
gtid_strict_mode = ON
gtid_domain_id = 0
binlog_expire_logs_seconds = 604800
# small and fast: this is a test server
innodb_buffer_pool_size = 128M
innodb_log_file_size = 48M
innodb_flush_log_at_trx_commit = 2
sync_binlog = 0
performance_schema = OFF
EOF
  mv "$CNF.tmp" "$CNF"
}

# True when the pid file names a live mariadbd started with our my.cnf (a stale pid file
# left by a killed server, whose pid now belongs to something else, does not count).
is_running() {
  local pid
  [[ -f "$PIDFILE" ]] || return 1
  pid=$(cat "$PIDFILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--defaults-file=$CNF"
}

sql_root() { "$CLIENT" --defaults-file="$CNF" --protocol=socket "$@"; }

cmd_up() {
  local t0
  t0=$(now_s)
  ensure_installed
  log "using $("$SERVER" --version | sed 's/^.*Ver /Ver /'); data in $DATA"
  write_cnf
  if [[ ! -d "$DATA/mysql" ]]; then
    log "mariadb-install-db into $DATA"
    rm -rf "$DATA"
    "$INSTALL_DB" --defaults-file="$CNF" --auth-root-authentication-method=normal --skip-test-db \
      >"$CDP_LOGS/mariadb-install-db.log" 2>&1 ||
      { tail_log "$CDP_LOGS/mariadb-install-db.log"; die "mariadb-install-db failed; see $CDP_LOGS/mariadb-install-db.log"; }
  fi
  if is_running; then
    log "already running (pid $(cat "$PIDFILE"))"
  else
    if port_open "$MARIADB_HOST" "$MARIADB_PORT"; then
      die "something else already listens on $MARIADB_HOST:$MARIADB_PORT; stop it first"
    fi
    log "starting mariadbd on $MARIADB_HOST:$MARIADB_PORT (log: $LOGFILE)"
    setsid nohup "$SERVER" --defaults-file="$CNF" </dev/null >>"$LOGFILE" 2>&1 &
    local pid=$!
    wait_for_port mariadb "$MARIADB_HOST" "$MARIADB_PORT" 60 "$LOGFILE" "$pid"
  fi
  local i
  for i in $(seq 1 60); do
    "$ADMIN" --defaults-file="$CNF" --protocol=socket ping >/dev/null 2>&1 && break
    ((i == 60)) && { tail_log "$LOGFILE"; die "mariadb does not answer ping; see $LOGFILE"; }
    sleep 0.5
  done

  log "ensuring user $MARIADB_USER and database $MARIADB_DATABASE"
  sql_root <<EOF
CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`;
CREATE USER IF NOT EXISTS '$MARIADB_USER'@'%' IDENTIFIED BY '$MARIADB_PASSWORD';
ALTER USER '$MARIADB_USER'@'%' IDENTIFIED BY '$MARIADB_PASSWORD';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '$MARIADB_USER'@'%';
GRANT ALL PRIVILEGES ON \`$MARIADB_DATABASE\`.* TO '$MARIADB_USER'@'%';
FLUSH PRIVILEGES;
EOF
  # Check the way the tests connect: over TCP with the password.
  "$CLIENT" --no-defaults -h "$MARIADB_HOST" -P "$MARIADB_PORT" -u "$MARIADB_USER" -p"$MARIADB_PASSWORD" -N -B \
    -e "select concat('binlog_format=', @@binlog_format, ' binlog_row_image=', @@binlog_row_image, ' gtid_strict_mode=', @@gtid_strict_mode, ' server_id=', @@server_id)" "$MARIADB_DATABASE" |
    sed "s/^/$(date -u +%H:%M:%S) [mariadb] check: /"

  infra_env_set MARIADB_HOST "$MARIADB_HOST" MARIADB_PORT "$MARIADB_PORT" MARIADB_USER "$MARIADB_USER" \
    MARIADB_PASSWORD "$MARIADB_PASSWORD" MARIADB_DATABASE "$MARIADB_DATABASE"
  log "mariadb ready in $(($(now_s) - t0))s"
}

cmd_down() {
  infra_env_unset "${ENV_KEYS[@]}"
  if ! is_running; then
    log "not running"
    return 0
  fi
  local pid
  pid=$(cat "$PIDFILE")
  log "stopping mariadbd (pid $pid)"
  kill -TERM "$pid"
  local i
  for i in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || { log "stopped"; return 0; }
    sleep 0.5
  done
  warn "mariadbd (pid $pid) did not stop within 60s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_status() {
  if is_running; then echo "mariadb: running on $MARIADB_HOST:$MARIADB_PORT (pid $(cat "$PIDFILE")), data $DATA"; else echo "mariadb: stopped"; fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  clean)
    cmd_down
    log "deleting $BASE"
    rm -rf "$BASE"
    ;;
  *) echo "usage: bash $0 up|down|status|clean" >&2; exit 2 ;;
esac
