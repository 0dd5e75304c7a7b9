# shellcheck shell=bash
# Helpers shared by test/infra/kafka.sh and test/infra/connect.sh: paths, Maven
# resolution into cached folders, starting and stopping a JVM in the background,
# waiting for ports, and merging variables into $CDP_RUN/infra.env.
# Source it; it defines functions and variables only.

CDP_CACHE=${CDP_CACHE:-$HOME/.cache/cdktf-data-pipelines}
CDP_RUN=${CDP_RUN:-$CDP_CACHE/run}
CDP_INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CDP_LOGS=$CDP_RUN/logs
# Maven's local repository lives in the cache too, so CI keeps it between runs.
CDP_M2=$CDP_CACHE/m2
CDP_MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

# The broker, its tools and the Connect runtime come from one Maven resolution.
# Debezium 3.6 is built against Kafka 4.3 (its CloudEventsConverter fails to load on 4.1).
CDP_KAFKA_VERSION=4.3.0
CDP_KAFKA_HOME=$CDP_CACHE/kafka-$CDP_KAFKA_VERSION
CDP_KAFKA_HOST=127.0.0.1
CDP_KAFKA_PORT=${CDP_KAFKA_PORT:-19092}
CDP_KAFKA_CONTROLLER_PORT=${CDP_KAFKA_CONTROLLER_PORT:-19093}
CDP_KAFKA_BOOTSTRAP=$CDP_KAFKA_HOST:$CDP_KAFKA_PORT
# Test-only credentials of the super user; the broker listens on loopback only.
CDP_KAFKA_ADMIN_USER=admin
CDP_KAFKA_ADMIN_PASSWORD=admin-secret
CDP_KAFKA_STATE=$CDP_RUN/kafka
CDP_CONNECT_PORT=${CDP_CONNECT_PORT:-18083}
CDP_CONNECT_URL=http://127.0.0.1:$CDP_CONNECT_PORT
CDP_CONNECT_STATE=$CDP_RUN/connect
CDP_CONNECT_PLUGINS=$CDP_CACHE/connect-plugins

cdp_log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "${CDP_PART:-infra}" "$*"; }
cdp_die() { printf '[%s %s] ERROR: %s\n' "$(date +%H:%M:%S)" "${CDP_PART:-infra}" "$*" >&2; exit 1; }

cdp_require_java() {
  command -v java >/dev/null 2>&1 ||
    cdp_die "java not found: install a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless)"
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
  [ "${v%%.*}" -ge 17 ] 2>/dev/null ||
    cdp_die "java $v found at $(command -v java); Kafka $CDP_KAFKA_VERSION needs Java 17 or newer"
}

cdp_require_mvn() {
  command -v mvn >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    cdp_log "mvn not found: installing Debian's maven package"
    apt-get install -y -q maven >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q maven >/dev/null; } ||
      cdp_die "could not install maven with apt-get; install Maven 3.8+ and retry"
  else
    cdp_die "mvn not found: install Maven 3.8+ (Debian: apt-get install -y maven)"
  fi
}

# cdp_mvn_copy_deps LABEL POM DEST [extra copy-dependencies options...]
# Copies the runtime dependencies of POM into DEST, once: a stamp holding a hash
# of the POM and options makes later calls no-ops until the POM changes. Resolution
# goes to DEST.partial first, so an interrupted download never looks complete.
# Prints one line per downloaded file (progress) and a summary.
cdp_mvn_copy_deps() {
  local label=$1 pom=$2 dest=$3; shift 3
  local stamp
  stamp=$( { cat "$pom"; printf '%s\n' "$@" "$CDP_MAVEN_DEPENDENCY_PLUGIN"; } | sha256sum | cut -c1-16)
  # The lock and the partial folder live outside DEST's parent: that parent may be
  # Connect's plugin.path, where any extra folder would be loaded as a plugin.
  mkdir -p "$CDP_LOGS" "$(dirname "$dest")" "$CDP_CACHE/.work"
  (
    flock 8
    if [ "$(cat "$dest/.cdp-resolved" 2>/dev/null)" = "$stamp" ]; then
      cdp_log "$label: cached in $dest ($(find "$dest" -name '*.jar' | wc -l) jars)"
      exit 0
    fi
    cdp_require_mvn
    local tmp=$CDP_CACHE/.work/$label.partial log=$CDP_LOGS/mvn-$label.log t0=$SECONDS
    rm -rf "$tmp"; mkdir -p "$tmp"
    cdp_log "$label: resolving from Maven Central (log: $log)"
    set -o pipefail
    if ! mvn -B -Dmaven.repo.local="$CDP_M2" -f "$pom" \
        "$CDP_MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" \
        -DincludeScope=runtime -DoutputDirectory="$tmp" "$@" 2>&1 |
        tee "$log" |
        awk -v label="$label" '/Downloaded from/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^https?:/) { f = $i; s = $(i + 1) " " $(i + 2) }
            sub(/.*\//, "", f); gsub(/[()]/, "", s); n++
            if (f ~ /\.jar$/) { printf "  %s: downloaded %-58s %8s\n", label, f, s; fflush() } }
          END { if (n) printf "  %s: %d files downloaded\n", label, n }'; then
      tail -n 30 "$log" >&2
      cdp_die "$label: Maven resolution failed; see $log"
    fi
    echo "$stamp" > "$tmp/.cdp-resolved"
    rm -rf "$dest"; mv "$tmp" "$dest"
    cdp_log "$label: $(find "$dest" -name '*.jar' | wc -l) jars, $(du -sh "$dest" | cut -f1) in $dest ($((SECONDS - t0)) s)"
  ) 8>"$CDP_CACHE/.work/$label.lock" || exit 1
}

cdp_kafka_libs() {
  cdp_mvn_copy_deps "kafka-$CDP_KAFKA_VERSION" "$CDP_INFRA_DIR/kafka/pom.xml" "$CDP_KAFKA_HOME/libs" \
    -Dkafka.version="$CDP_KAFKA_VERSION"
}

# cdp_env_merge KEY=VALUE...: replaces those keys in $CDP_RUN/infra.env (creating it)
# and keeps every other line, under a lock so that parallel writers do not clash.
cdp_env_merge() {
  local file=$CDP_RUN/infra.env kv keys=""
  mkdir -p "$CDP_RUN"
  for kv in "$@"; do
    case "$kv" in
      *\'*) cdp_die "cdp_env_merge: the value of ${kv%%=*} contains a single quote" ;;
      *=*) ;;
      *) cdp_die "cdp_env_merge: '$kv' is not KEY=VALUE" ;;
    esac
    keys="$keys${keys:+|}${kv%%=*}"
  done
  (
    flock 9
    local tmp="$file.tmp.$$"
    { grep -Ev "^(export )?($keys)=" "$file" 2>/dev/null || true
      for kv in "$@"; do printf "export %s='%s'\n" "${kv%%=*}" "${kv#*=}"; done
    } > "$tmp"
    mv "$tmp" "$file"
  ) 9>"$CDP_RUN/.infra.env.lock"
}

# cdp_pid_alive PIDFILE MARKER: true when the pid in PIDFILE runs a command line
# containing MARKER (so a recycled pid is not mistaken for our process).
cdp_pid_alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$2"
}

# cdp_port_open HOST PORT
cdp_port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# cdp_start_jvm PIDFILE LOG java-args...: starts java detached from this shell.
cdp_start_jvm() {
  local pidfile=$1 log=$2; shift 2
  mkdir -p "$(dirname "$log")" "$(dirname "$pidfile")"
  printf '\n===== %s starting: java %s\n' "$(date -u +%FT%TZ)" "$*" >> "$log"
  # 7>&-: the scripts hold their lock on fd 7; the server must not inherit it
  setsid nohup java "$@" >> "$log" 2>&1 < /dev/null 7>&- &
  echo $! > "$pidfile"
}

# cdp_stop_jvm LABEL PIDFILE MARKER: SIGTERM, wait up to 30 s, then SIGKILL.
cdp_stop_jvm() {
  local label=$1 pidfile=$2 marker=$3 pid i
  if ! cdp_pid_alive "$pidfile" "$marker"; then
    cdp_log "$label is not running"
    rm -f "$pidfile"
    return 0
  fi
  pid=$(cat "$pidfile")
  cdp_log "stopping $label (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do
    cdp_pid_alive "$pidfile" "$marker" || break
    sleep 0.5
  done
  if cdp_pid_alive "$pidfile" "$marker"; then
    cdp_log "$label did not stop in 30 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$pidfile"
  cdp_log "$label stopped"
}

# cdp_rss_mb PIDFILE: resident memory of the process, in MiB.
cdp_rss_mb() {
  local pid; pid=$(cat "$1" 2>/dev/null) || return 0
  awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null
}

# Client settings for the SASL/SCRAM listener, as a Java properties file
# (used by the tools, and by Connect with its prefixes).
cdp_kafka_client_properties() {
  local prefix=${1:-}
  cat <<EOF
${prefix}security.protocol=SASL_PLAINTEXT
${prefix}sasl.mechanism=SCRAM-SHA-512
${prefix}sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$CDP_KAFKA_ADMIN_USER" password="$CDP_KAFKA_ADMIN_PASSWORD";
EOF
}

# cdp_kafka_tool MAIN-CLASS ARGS...: runs a Kafka command line tool from the cached
# jars (a short-lived JVM tuned for start-up time, logging warnings to stderr).
cdp_kafka_tool() {
  local main=$1; shift
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dlog4j2.configurationFile="$CDP_INFRA_DIR/kafka/log4j2-tools.properties" \
    -cp "$CDP_KAFKA_HOME/libs/*" "$main" "$@"
}
