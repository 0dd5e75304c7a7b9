#!/usr/bin/env bash
# Kafka Connect (distributed mode, one worker) for the integration tests, on
# http://127.0.0.1:18083, talking to the broker of kafka.sh as the super user over
# SASL/SCRAM-SHA-512. Its plugin path holds one folder per connector, each resolved
# from Maven Central by a pom under test/infra/kafka/plugins/ and cached.
#
#   bash test/infra/connect.sh up       install plugins (first run), start, wait until ready
#   bash test/infra/connect.sh down     stop
#   bash test/infra/connect.sh status   running or not, pid, memory, plugins
#   bash test/infra/connect.sh plugins  list the connector classes the worker loaded
#   bash test/infra/connect.sh clean    stop and delete the worker's state (its connectors,
#                                       offsets and status live in Kafka topics: kafka.sh clean)
#   bash test/infra/connect.sh kill     SIGKILL (kill -9) the worker, as a crash would; `up` starts it again
#   bash test/infra/connect.sh workers  the named workers (below) that run: name, pid, URL
#
# Needs Kafka up (bash test/infra/kafka.sh up).
#
# Named workers. A test may start further workers of its own, each one a Connect cluster of
# one worker that logs in to the broker as a given SCRAM user (the worker and the producer./
# consumer./admin. clients it makes for connectors alike), not as the super user:
#
#   CDP_CONNECT_NAME=lp1 CDP_CONNECT_PORT=18183 CDP_CONNECT_USER=lp1-connect \
#   CDP_CONNECT_PASSWORD=... CDP_CONNECT_GROUP=lp1-connect \
#   CDP_CONNECT_CONFIG_TOPIC=lp1-connect.configs CDP_CONNECT_OFFSET_TOPIC=lp1-connect.offsets \
#   CDP_CONNECT_STATUS_TOPIC=lp1-connect.status \
#   [CDP_CONNECT_WORKER_PROPERTIES=/path/extra.properties] bash test/infra/connect.sh up|down|kill|clean
#
#   CDP_CONNECT_NAME      letters, digits, '-', '_': state in $CDP_RUN/connect-workers/<name>,
#                         log $CDP_LOGS/connect-<name>.log; infra.env is not touched
#   CDP_CONNECT_PORT      its REST port on 127.0.0.1 (required; not the shared worker's 18083)
#   CDP_CONNECT_USER/_PASSWORD   the SCRAM-SHA-512 user (required; the user and every ACL it
#                         needs, on its internal topics and group too, must exist beforehand)
#   CDP_CONNECT_GROUP     group.id (default cdp-connect-<name>)
#   CDP_CONNECT_{CONFIG,OFFSET,STATUS}_TOPIC   internal topics (default <group>-configs/-offsets/-status);
#                         the worker creates them if it may, or uses them as they exist
#   CDP_CONNECT_OVERRIDE_POLICY   connector.client.config.override.policy (default None: a
#                         connector cannot make its clients log in as someone else)
#   CDP_CONNECT_WORKER_PROPERTIES   a properties file appended to the generated worker config
#                         (its keys win), e.g. config.providers for ${dir:...} references
#
# `connect.sh down` (and so `npm run infra:down`) of the shared worker also stops every named
# worker a test left running.
set -euo pipefail
CDP_PART=connect
CDP_CONNECT_PORT_SET=${CDP_CONNECT_PORT:-}
# shellcheck source=lib-java.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-java.sh"

WORKER_NAME=${CDP_CONNECT_NAME:-}
WORKERS_DIR=$CDP_RUN/connect-workers
if [ -n "$WORKER_NAME" ]; then
  [[ "$WORKER_NAME" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || cdp_die "CDP_CONNECT_NAME '$WORKER_NAME': use 1-64 letters, digits, '-' or '_'"
  CDP_PART=connect-$WORKER_NAME
  [ -n "$CDP_CONNECT_PORT_SET" ] || cdp_die "CDP_CONNECT_PORT: a named worker needs a REST port of its own"
  [ "$CDP_CONNECT_PORT" != 18083 ] || cdp_die "CDP_CONNECT_PORT 18083 is the shared worker's port; choose another for $WORKER_NAME"
  [ -n "${CDP_CONNECT_USER:-}" ] && [ -n "${CDP_CONNECT_PASSWORD:-}" ] ||
    cdp_die "CDP_CONNECT_USER and CDP_CONNECT_PASSWORD: a named worker logs in as its own SCRAM user"
  case "$CDP_CONNECT_USER$CDP_CONNECT_PASSWORD" in *'"'*|*'\'*) cdp_die "CDP_CONNECT_USER/PASSWORD must not contain a double quote or a backslash" ;; esac
  CDP_CONNECT_STATE=$WORKERS_DIR/$WORKER_NAME
  LOG=$CDP_LOGS/connect-$WORKER_NAME.log
  MARKER="cdp.part=connect-worker-$WORKER_NAME"
  WORKER_USER=$CDP_CONNECT_USER
  WORKER_PASSWORD=$CDP_CONNECT_PASSWORD
  WORKER_GROUP=${CDP_CONNECT_GROUP:-cdp-connect-$WORKER_NAME}
  CONFIG_TOPIC=${CDP_CONNECT_CONFIG_TOPIC:-$WORKER_GROUP-configs}
  OFFSET_TOPIC=${CDP_CONNECT_OFFSET_TOPIC:-$WORKER_GROUP-offsets}
  STATUS_TOPIC=${CDP_CONNECT_STATUS_TOPIC:-$WORKER_GROUP-status}
  OVERRIDE_POLICY=${CDP_CONNECT_OVERRIDE_POLICY:-None}
else
  LOG=$CDP_LOGS/connect.log
  MARKER="cdp.part=connect"
  WORKER_USER=$CDP_KAFKA_ADMIN_USER
  WORKER_PASSWORD=$CDP_KAFKA_ADMIN_PASSWORD
  WORKER_GROUP=cdp-connect
  CONFIG_TOPIC=_cdp-connect-configs
  OFFSET_TOPIC=_cdp-connect-offsets
  STATUS_TOPIC=_cdp-connect-status
  OVERRIDE_POLICY=${CDP_CONNECT_OVERRIDE_POLICY:-All}
fi
EXTRA_PROPERTIES=${CDP_CONNECT_WORKER_PROPERTIES:-}
[ -z "$EXTRA_PROPERTIES" ] || [ -r "$EXTRA_PROPERTIES" ] || cdp_die "CDP_CONNECT_WORKER_PROPERTIES: cannot read $EXTRA_PROPERTIES"
PIDFILE=$CDP_CONNECT_STATE/connect.pid
CONFIG=$CDP_CONNECT_STATE/connect-distributed.properties
READY_TIMEOUT=${CDP_CONNECT_READY_TIMEOUT:-240}
# Plugin folders (test/infra/kafka/plugins/<name>/pom.xml) and the classes that
# must be listed before the worker counts as ready.
PLUGINS=(debezium-postgres debezium-mysql debezium-mariadb debezium-jdbc-sink bigquery-sink)
REQUIRED_CLASSES=(
  io.debezium.connector.postgresql.PostgresConnector
  io.debezium.connector.mysql.MySqlConnector
  io.debezium.connector.mariadb.MariaDbConnector
  io.debezium.connector.jdbc.JdbcSinkConnector
  com.wepay.kafka.connect.bigquery.BigQuerySinkConnector
)

install_plugins() {
  local p exclude
  for p in "${PLUGINS[@]}"; do
    # The worker provides the Kafka and SLF4J classes; copies inside a plugin
    # folder would be dead weight (and, for Kafka, a version clash).
    exclude=org.apache.kafka,org.slf4j
    # Debezium ships its plugins without Jackson and uses the worker's: its
    # CloudEventsConverter looks up JsonConverter methods by Jackson types, which
    # fails when the plugin folder has a Jackson of its own.
    case "$p" in debezium-*) exclude=$exclude,com.fasterxml.jackson.core ;; esac
    cdp_mvn_copy_deps "plugin-$p" "$CDP_INFRA_DIR/kafka/plugins/$p/pom.xml" "$CDP_CONNECT_PLUGINS/$p" \
      -DexcludeGroupIds="$exclude"
  done
  # Only the folders we manage: anything else in plugin.path would be loaded too.
  local d
  for d in "$CDP_CONNECT_PLUGINS"/* "$CDP_CONNECT_PLUGINS"/.[!.]*; do
    [ -e "$d" ] || continue
    case " ${PLUGINS[*]} " in
      *" $(basename "$d") "*) ;;
      *) cdp_log "removing $(basename "$d") from the plugin path"; rm -rf "$d" ;;
    esac
  done
  sync_manifests
}

# Kafka Connect finds plugins fastest through ServiceLoader manifests
# (plugin.discovery=service_load); older plugins such as kcbq 2.0.0-alpha have none.
# Kafka's connect-plugin-path tool writes the missing ones (a small shim jar in the
# plugin's folder). Done again whenever a plugin folder was resolved anew.
sync_manifests() {
  local stamp_file=$CDP_CACHE/.work/connect-plugins.manifests stamp
  stamp=$(cat "$CDP_CONNECT_PLUGINS"/*/.cdp-resolved | sha256sum | cut -c1-16)
  [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ] && return 0
  cdp_log "writing ServiceLoader manifests for the plugins (connect-plugin-path sync-manifests; log $CDP_LOGS/connect-plugin-path.log)"
  cdp_kafka_tool org.apache.kafka.tools.ConnectPluginPath sync-manifests --plugin-path "$CDP_CONNECT_PLUGINS" \
    > "$CDP_LOGS/connect-plugin-path.log" 2>&1 ||
    cdp_die "connect-plugin-path sync-manifests failed; see $CDP_LOGS/connect-plugin-path.log"
  echo "$stamp" > "$stamp_file"
}

write_config() {
  mkdir -p "$CDP_CONNECT_STATE"
  umask 077
  {
    cat <<EOF
# Written by test/infra/connect.sh; regenerated on every 'up'.
bootstrap.servers=$CDP_KAFKA_BOOTSTRAP
group.id=$WORKER_GROUP
config.storage.topic=$CONFIG_TOPIC
offset.storage.topic=$OFFSET_TOPIC
status.storage.topic=$STATUS_TOPIC
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=5
status.storage.partitions=1
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.flush.interval.ms=2000
scheduled.rebalance.max.delay.ms=0
listeners=http://127.0.0.1:$CDP_CONNECT_PORT
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$CDP_CONNECT_PORT
plugin.path=$CDP_CONNECT_PLUGINS
plugin.discovery=service_load
# All: connectors may set their own producer./consumer./admin. overrides (e.g. another SCRAM
# user); None (named workers): they may not
connector.client.config.override.policy=$OVERRIDE_POLICY
EOF
    # the worker itself, and the clients it makes for connectors, log in as one user
    # (admin for the shared worker, the given SCRAM user for a named one)
    local prefix
    for prefix in "" producer. consumer. admin.; do
      cat <<EOF
${prefix}security.protocol=SASL_PLAINTEXT
${prefix}sasl.mechanism=SCRAM-SHA-512
${prefix}sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$WORKER_USER" password="$WORKER_PASSWORD";
EOF
    done
    if [ -n "$EXTRA_PROPERTIES" ]; then
      printf '# from %s\n' "$EXTRA_PROPERTIES"
      cat "$EXTRA_PROPERTIES"
    fi
  } > "$CONFIG"
}

plugin_classes() {
  curl -fsS --max-time 10 "$CDP_CONNECT_URL/connector-plugins" 2>/dev/null |
    grep -oE '"class":"[^"]+"[^}]*' | sed -E 's/"class":"([^"]+)","type":"([^"]+)","version":"([^"]*)".*/\1 \2 \3/'
}

plugins_ready() {
  local list c
  list=$(plugin_classes) || return 1
  for c in "${REQUIRED_CLASSES[@]}"; do
    grep -q "^$c " <<< "$list" || return 1
  done
}

# Only the shared worker is in infra.env; a test knows the URL of a named worker it started.
write_env() { [ -n "$WORKER_NAME" ] || cdp_env_merge CONNECT_URL="$CDP_CONNECT_URL"; }

# Stops every named worker (for `down` of the shared worker: nothing a test started outlives it).
stop_named_workers() {
  local d name
  for d in "$WORKERS_DIR"/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    cdp_stop_jvm "Kafka Connect worker $name" "$d/connect.pid" "cdp.part=connect-worker-$name"
  done
}

list_workers() {
  local d name
  for d in "$WORKERS_DIR"/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    if cdp_pid_alive "$d/connect.pid" "cdp.part=connect-worker-$name"; then
      printf '%s pid %s %s\n' "$name" "$(cat "$d/connect.pid")" "$(grep -m1 '^listeners=' "$d/connect-distributed.properties" 2>/dev/null | cut -d= -f2-)"
    fi
  done
}

up() {
  cdp_require_java
  command -v curl >/dev/null 2>&1 || cdp_die "curl not found (Debian: apt-get install -y curl)"
  # Connect keeps its connectors, offsets and status in Kafka topics: a worker that was
  # started against an earlier cluster (kafka.sh clean, or a broker that started afresh)
  # is restarted so that it recreates them.
  local cluster
  cluster=$(cat "$CDP_KAFKA_STATE/cluster.id" 2>/dev/null || true)
  if cdp_pid_alive "$PIDFILE" "$MARKER" && [ "$(cat "$CDP_CONNECT_STATE/kafka-cluster.id" 2>/dev/null)" != "$cluster" ]; then
    cdp_log "Kafka cluster changed since Connect started: restarting Connect"
    cdp_stop_jvm "Kafka Connect" "$PIDFILE" "$MARKER"
  fi
  if cdp_pid_alive "$PIDFILE" "$MARKER"; then
    plugins_ready || cdp_die "Connect runs (pid $(cat "$PIDFILE")) but $CDP_CONNECT_URL/connector-plugins lacks a required plugin; see $LOG, or run: bash $0 down && bash $0 up"
    write_env
    cdp_log "already running (pid $(cat "$PIDFILE"), $(cdp_rss_mb "$PIDFILE") MiB) on $CDP_CONNECT_URL"
    return 0
  fi
  cdp_port_open 127.0.0.1 "$CDP_CONNECT_PORT" &&
    cdp_die "port $CDP_CONNECT_PORT is taken by another process (not ours: no live $PIDFILE)"
  cdp_port_open "$CDP_KAFKA_HOST" "$CDP_KAFKA_PORT" ||
    cdp_die "Kafka is not listening on $CDP_KAFKA_BOOTSTRAP: run bash test/infra/kafka.sh up first"
  cdp_kafka_libs
  install_plugins
  mkdir -p "$CDP_LOGS"
  write_config
  local t0=$SECONDS
  echo "$cluster" > "$CDP_CONNECT_STATE/kafka-cluster.id"
  cdp_log "starting Kafka Connect $CDP_KAFKA_VERSION as User:$WORKER_USER, group $WORKER_GROUP (log: $LOG)"
  cdp_start_jvm "$PIDFILE" "$LOG" \
    -D"$MARKER" -Xms${CDP_CONNECT_XMS:-256m} -Xmx${CDP_CONNECT_XMX:-768m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CDP_INFRA_DIR/kafka/log4j2.properties" \
    -cp "$CDP_KAFKA_HOME/libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$CONFIG"
  until plugins_ready; do
    cdp_pid_alive "$PIDFILE" "$MARKER" || { tail -n 30 "$LOG" >&2; cdp_die "Connect exited while starting; see $LOG"; }
    [ $((SECONDS - t0)) -lt "$READY_TIMEOUT" ] ||
      cdp_die "Connect did not list the required plugins (${REQUIRED_CLASSES[*]}) at $CDP_CONNECT_URL/connector-plugins within ${READY_TIMEOUT}s; see $LOG"
    sleep 2
  done
  # The REST server answers before the worker has joined its group; wait for that too.
  until curl -fsS --max-time 10 "$CDP_CONNECT_URL/connectors" >/dev/null 2>&1; do
    [ $((SECONDS - t0)) -lt "$READY_TIMEOUT" ] || cdp_die "Connect did not answer GET /connectors within ${READY_TIMEOUT}s; see $LOG"
    sleep 1
  done
  write_env
  cdp_log "ready in $((SECONDS - t0)) s: $CDP_CONNECT_URL, pid $(cat "$PIDFILE"), $(cdp_rss_mb "$PIDFILE") MiB; connector plugins:"
  plugin_classes | sed 's/^/  /'
}

status() {
  if cdp_pid_alive "$PIDFILE" "$MARKER"; then
    cdp_log "running: pid $(cat "$PIDFILE"), $(cdp_rss_mb "$PIDFILE") MiB RSS, $CDP_CONNECT_URL, log $LOG"
  else
    cdp_log "not running"
    return 1
  fi
}

cmd=${1:-}
# One up/down/clean at a time (up.sh, a developer and a test may call this at once).
case "$cmd" in
  up|down|clean|reset|kill)
    mkdir -p "$CDP_CONNECT_STATE"
    exec 7>"$CDP_CONNECT_STATE/.lock"
    flock -w 600 7 || cdp_die "another connect.sh $cmd has held $CDP_CONNECT_STATE/.lock for 10 minutes"
    ;;
esac
case "$cmd" in
  up) up ;;
  down)
    cdp_stop_jvm "Kafka Connect${WORKER_NAME:+ worker $WORKER_NAME}" "$PIDFILE" "$MARKER"
    [ -n "$WORKER_NAME" ] || stop_named_workers
    ;;
  kill)
    if cdp_pid_alive "$PIDFILE" "$MARKER"; then
      pid=$(cat "$PIDFILE")
      cdp_log "kill -9 $pid"
      kill -KILL "$pid"
      # A JVM's command line vanishes before its sockets close: wait for the REST port too.
      for _ in $(seq 1 150); do
        ! cdp_pid_alive "$PIDFILE" "$MARKER" && ! cdp_port_open 127.0.0.1 "$CDP_CONNECT_PORT" && break
        sleep 0.2
      done
      cdp_port_open 127.0.0.1 "$CDP_CONNECT_PORT" && cdp_die "pid $pid was killed but port $CDP_CONNECT_PORT is still open after 30 s"
      rm -f "$PIDFILE"
    else
      cdp_log "not running"
    fi
    ;;
  workers) list_workers ;;
  status) status ;;
  plugins) plugin_classes ;;
  clean)
    cdp_stop_jvm "Kafka Connect${WORKER_NAME:+ worker $WORKER_NAME}" "$PIDFILE" "$MARKER"
    [ -n "$WORKER_NAME" ] || stop_named_workers
    rm -rf "$CDP_CONNECT_STATE"
    cdp_log "deleted $CDP_CONNECT_STATE"
    ;;
  *) echo "usage: bash test/infra/connect.sh up|down|status|plugins|clean|kill|workers" >&2; exit 2 ;;
esac
