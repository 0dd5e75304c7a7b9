# shellcheck shell=bash
# Shared helpers for the test/infra/*.sh scripts. Source it; do not run it.
#
#   CDP_CACHE  kept between runs: downloads, built binaries   (default ~/.cache/cdktf-data-pipelines)
#   CDP_RUN    runtime state: data dirs, logs, pid files, infra.env   (default $CDP_CACHE/run)
#
# $CDP_RUN/infra.env holds `export KEY='value'` lines; test/integration/infra.ts parses it.

if [[ -n "${_CDP_COMMON_LOADED:-}" ]]; then return 0; fi
_CDP_COMMON_LOADED=1

CDP_INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CDP_ROOT="$(cd "$CDP_INFRA_DIR/../.." && pwd)"
CDP_CACHE="${CDP_CACHE:-${HOME:-/root}/.cache/cdktf-data-pipelines}"
CDP_RUN="${CDP_RUN:-$CDP_CACHE/run}"
CDP_LOGS="$CDP_RUN/logs"
CDP_ENV_FILE="$CDP_RUN/infra.env"
export CDP_CACHE CDP_RUN CDP_ROOT

mkdir -p "$CDP_CACHE" "$CDP_RUN" "$CDP_LOGS"

# Name shown in log lines; each script sets it before logging.
CDP_PART="${CDP_PART:-infra}"

log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$CDP_PART" "$*"; }
warn() { printf '%s [%s] WARNING: %s\n' "$(date -u +%H:%M:%S)" "$CDP_PART" "$*" >&2; }
die() {
  printf '%s [%s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$CDP_PART" "$*" >&2
  exit 1
}

# Seconds since the epoch, for timing phases.
now_s() { date +%s; }

# Print the last lines of a log file to stderr (used when something fails).
tail_log() {
  local file="$1" lines="${2:-30}"
  if [[ -f "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2 || true
    printf -- '-----\n' >&2
  fi
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_for_port NAME HOST PORT TIMEOUT_S LOGFILE [PID]
# Waits until HOST:PORT accepts connections. Fails with the log's tail and its path
# after TIMEOUT_S seconds, or at once if PID (when given) has exited.
wait_for_port() {
  local name="$1" host="$2" port="$3" timeout="$4" logfile="$5" pid="${6:-}"
  local start waited=0
  start=$(now_s)
  log "waiting for $name on $host:$port (timeout ${timeout}s)"
  while ! port_open "$host" "$port"; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      tail_log "$logfile"
      die "$name (pid $pid) exited before listening on $host:$port; see $logfile"
    fi
    waited=$(($(now_s) - start))
    if ((waited >= timeout)); then
      tail_log "$logfile"
      die "$name did not listen on $host:$port within ${timeout}s; see $logfile"
    fi
    sleep 0.5
  done
  log "$name is listening on $host:$port after $(($(now_s) - start))s"
}

# Quote a value for a shell single-quoted string: abc'd -> 'abc'\''d'
_cdp_squote() {
  local s="$1"
  printf "'%s'" "${s//\'/\'\\\'\'}"
}

# infra_env_set KEY VALUE [KEY VALUE ...]: set keys in $CDP_RUN/infra.env (atomic, under flock on
# $CDP_RUN/.infra.env.lock, the same lock as cdp_env_merge in lib-java.sh).
infra_env_set() {
  (($# % 2 == 0)) || die "infra_env_set needs KEY VALUE pairs"
  local args=("$@")
  (
    flock -w 60 9 || die "could not lock $CDP_RUN/.infra.env.lock"
    local tmp="$CDP_ENV_FILE.tmp.$$" i key
    touch "$CDP_ENV_FILE"
    cp "$CDP_ENV_FILE" "$tmp"
    for ((i = 0; i < ${#args[@]}; i += 2)); do
      key="${args[i]}"
      [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad env key: $key"
      grep -v -E "^(export[[:space:]]+)?${key}=" "$tmp" >"$tmp.2" || true
      printf 'export %s=%s\n' "$key" "$(_cdp_squote "${args[i + 1]}")" >>"$tmp.2"
      mv "$tmp.2" "$tmp"
    done
    mv "$tmp" "$CDP_ENV_FILE"
  ) 9>"$CDP_RUN/.infra.env.lock"
}

# infra_env_unset KEY...: remove keys from $CDP_RUN/infra.env (under flock).
infra_env_unset() {
  [[ -f "$CDP_ENV_FILE" ]] || return 0
  local keys=("$@")
  (
    flock -w 60 9 || die "could not lock $CDP_RUN/.infra.env.lock"
    local tmp="$CDP_ENV_FILE.tmp.$$" key
    cp "$CDP_ENV_FILE" "$tmp"
    for key in "${keys[@]}"; do
      grep -v -E "^(export[[:space:]]+)?${key}=" "$tmp" >"$tmp.2" || true
      mv "$tmp.2" "$tmp"
    done
    mv "$tmp" "$CDP_ENV_FILE"
  ) 9>"$CDP_RUN/.infra.env.lock"
}

# infra_env_get KEY: print a key's value from infra.env (empty when unset).
infra_env_get() {
  [[ -f "$CDP_ENV_FILE" ]] || return 0
  (
    # shellcheck disable=SC1090
    source "$CDP_ENV_FILE"
    printf '%s' "${!1:-}"
  )
}

# apt_install PKG...: apt-get install without letting the packages start system services.
# A package's postinst would otherwise start e.g. a MariaDB on 3306 or a PostgreSQL on 5432.
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
  [[ $(id -u) -eq 0 ]] || die "installing $* needs root (apt-get)"
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# added by cdktf-data-pipelines test/infra: no service starts during apt installs\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
  fi
  local stamp="$CDP_CACHE/apt-updated"
  if [[ ! -f "$stamp" ]] || [[ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]]; then
    log "apt-get update"
    apt-get update -q >"$CDP_LOGS/apt.log" 2>&1 || { [[ -n "$added_policy" ]] && rm -f "$policy"; tail_log "$CDP_LOGS/apt.log"; die "apt-get update failed; see $CDP_LOGS/apt.log"; }
    touch "$stamp"
  fi
  log "apt-get install -y $* (log: $CDP_LOGS/apt.log)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$CDP_LOGS/apt.log" 2>&1; then
    [[ -n "$added_policy" ]] && rm -f "$policy"
    tail_log "$CDP_LOGS/apt.log"
    die "apt-get install $* failed; see $CDP_LOGS/apt.log"
  fi
  [[ -n "$added_policy" ]] && rm -f "$policy"
  return 0
}

# part_usage SCRIPT: standard usage message for `up|down` scripts.
part_usage() {
  echo "usage: bash $1 up|down|status" >&2
  exit 2
}
