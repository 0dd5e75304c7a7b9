#!/usr/bin/env bash
# Apache Kafka for the integration tests: one KRaft node (broker + controller) on
# loopback, assembled from Maven Central jars and cached under $CDP_CACHE.
#
#   bash test/infra/kafka.sh up       install (first run), start, wait until ready
#   bash test/infra/kafka.sh down     stop
#   bash test/infra/kafka.sh status   running or not, pid, memory
#   bash test/infra/kafka.sh clean    stop and delete the broker's data (alias: reset);
#                                     the jars stay cached
#   bash test/infra/kafka.sh stop     stop, keeping the data (as down)
#   bash test/infra/kafka.sh start    start again on the existing data: never formats or wipes it
#                                     (up may start an empty cluster, see below); fails instead
#   bash test/infra/kafka.sh restart [SECONDS]   stop, stay down SECONDS (default 0), start
#
# Command line tools, connected as the super user (each starts a JVM, ~2 s):
#   bash test/infra/kafka.sh add-user NAME PASSWORD     create/update a SCRAM-SHA-512 user
#   bash test/infra/kafka.sh del-user NAME              delete a user's SCRAM-SHA-512 credential
#   bash test/infra/kafka.sh topics  --list             kafka-topics
#   bash test/infra/kafka.sh acls    --list             kafka-acls
#   bash test/infra/kafka.sh configs --describe --entity-type users    kafka-configs
#   bash test/infra/kafka.sh cluster cluster-id         kafka-cluster
#   bash test/infra/kafka.sh groups  --list             kafka-consumer-groups
#
# Listeners: CLIENT  SASL_PLAINTEXT 127.0.0.1:19092, SCRAM-SHA-512 (also inter-broker, as admin)
#            CONTROLLER SASL_PLAINTEXT 127.0.0.1:19093, PLAIN (KRaft cannot use SCRAM there:
#            the SCRAM credentials live in the metadata log the controller serves)
# Authorizer: StandardAuthorizer, super user User:admin, no ACL means no access.
set -euo pipefail
CDP_PART=kafka
# shellcheck source=lib-java.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-java.sh"

PIDFILE=$CDP_KAFKA_STATE/kafka.pid
LOG=$CDP_LOGS/kafka.log
MARKER="cdp.part=kafka"
CONFIG=$CDP_KAFKA_STATE/server.properties
ADMIN_PROPS=$CDP_KAFKA_STATE/admin.properties
DATA=$CDP_KAFKA_STATE/data
READY_TIMEOUT=${CDP_KAFKA_READY_TIMEOUT:-120}

write_config() {
  mkdir -p "$CDP_KAFKA_STATE" "$DATA"
  local jaas_scram="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$CDP_KAFKA_ADMIN_USER\" password=\"$CDP_KAFKA_ADMIN_PASSWORD\";"
  local jaas_plain="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$CDP_KAFKA_ADMIN_USER\" password=\"$CDP_KAFKA_ADMIN_PASSWORD\" user_$CDP_KAFKA_ADMIN_USER=\"$CDP_KAFKA_ADMIN_PASSWORD\";"
  umask 077
  cat > "$CONFIG" <<EOF
# Written by test/infra/kafka.sh; regenerated on every 'up'.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$CDP_KAFKA_HOST:$CDP_KAFKA_CONTROLLER_PORT
listeners=CLIENT://$CDP_KAFKA_HOST:$CDP_KAFKA_PORT,CONTROLLER://$CDP_KAFKA_HOST:$CDP_KAFKA_CONTROLLER_PORT
advertised.listeners=CLIENT://$CDP_KAFKA_HOST:$CDP_KAFKA_PORT
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT

sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=$jaas_scram
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=$jaas_plain

authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$CDP_KAFKA_ADMIN_USER
allow.everyone.if.no.acl.found=false

log.dirs=$DATA
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=16777216
# A metadata snapshot every 5 s (kept 10 min): a restarted broker then loads the snapshot
# instead of replaying the whole metadata log. Replaying a log in which SCRAM users were
# deleted lost the admin's credential in 2 of 4 restarts (Kafka 4.3.0); with snapshots, 0 of 9.
metadata.log.max.snapshot.interval.ms=5000
metadata.max.retention.ms=600000
EOF
  cdp_kafka_client_properties > "$ADMIN_PROPS"
}

format_storage() {
  if [ -f "$DATA/meta.properties" ]; then
    grep -Eq '^cluster\.id=[A-Za-z0-9_-]{22}$' "$DATA/meta.properties" && return 0
    cdp_log "WARNING: $DATA/meta.properties has no valid cluster.id (an interrupted format?); formatting afresh"
    wipe_data
  fi
  local id
  id=$(cat "$CDP_KAFKA_STATE/cluster.id" 2>/dev/null | tr -d '[:space:]' || true)
  if ! [[ "$id" =~ ^[A-Za-z0-9_-]{22}$ ]]; then
    id=$(cdp_kafka_tool kafka.tools.StorageTool random-uuid | tr -d '[:space:]')
    [[ "$id" =~ ^[A-Za-z0-9_-]{22}$ ]] || cdp_die "kafka-storage random-uuid printed '$id', not a cluster id"
    echo "$id" > "$CDP_KAFKA_STATE/cluster.id"
  fi
  cdp_log "formatting storage in $DATA (cluster $id) with the SCRAM credential of $CDP_KAFKA_ADMIN_USER"
  cdp_kafka_tool kafka.tools.StorageTool format --cluster-id "$id" --config "$CONFIG" \
    --add-scram "SCRAM-SHA-512=[name=$CDP_KAFKA_ADMIN_USER,password=$CDP_KAFKA_ADMIN_PASSWORD]" >> "$LOG" 2>&1 ||
    cdp_die "formatting the storage failed; see $LOG"
}

# A metadata call as the super user over SASL: proves the listener, SCRAM and the authorizer.
# Returns 0 when it works, 2 when the broker refuses the admin's SCRAM credential, 1 otherwise.
metadata_check() {
  local out
  out=$(cdp_kafka_tool org.apache.kafka.tools.ClusterTool cluster-id \
    --bootstrap-server "$CDP_KAFKA_BOOTSTRAP" --command-config "$ADMIN_PROPS" 2>&1) && grep -q 'Cluster ID' <<< "$out" && return 0
  grep -q 'SaslAuthenticationException' <<< "$out" && return 2
  return 1
}

start_broker() {
  cdp_log "starting Kafka $CDP_KAFKA_VERSION (log: $LOG)"
  cdp_start_jvm "$PIDFILE" "$LOG" \
    -D"$MARKER" -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CDP_INFRA_DIR/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$CDP_LOGS" \
    -cp "$CDP_KAFKA_HOME/libs/*" kafka.Kafka "$CONFIG"
}

# Waits for the port, then for a metadata call as admin. Returns 0 when ready, 2 when
# the admin's credential is still refused 20 s after the port opened (a broker loads SCRAM
# credentials from the metadata log shortly after it listens: early refusals are normal),
# 3 when the broker exited. Dies on a time-out.
wait_ready() {
  local t0=$1 refused_since="" rc
  until cdp_port_open "$CDP_KAFKA_HOST" "$CDP_KAFKA_PORT"; do
    cdp_pid_alive "$PIDFILE" "$MARKER" || { tail -n 20 "$LOG" >&2; cdp_log "Kafka exited while starting; see $LOG"; return 3; }
    [ $((SECONDS - t0)) -lt "$READY_TIMEOUT" ] || cdp_die "Kafka did not listen on $CDP_KAFKA_BOOTSTRAP within ${READY_TIMEOUT}s; see $LOG"
    sleep 0.5
  done
  while :; do
    rc=0; metadata_check || rc=$?
    case $rc in
      0) return 0 ;;
      2) refused_since=${refused_since:-$SECONDS}
         [ $((SECONDS - refused_since)) -lt 20 ] || return 2 ;;
      *) refused_since="" ;;
    esac
    cdp_pid_alive "$PIDFILE" "$MARKER" || { tail -n 20 "$LOG" >&2; cdp_log "Kafka exited while starting; see $LOG"; return 3; }
    [ $((SECONDS - t0)) -lt "$READY_TIMEOUT" ] || cdp_die "Kafka listens on $CDP_KAFKA_BOOTSTRAP but a metadata call as $CDP_KAFKA_ADMIN_USER failed for ${READY_TIMEOUT}s; see $LOG"
    sleep 1
  done
}

wipe_data() {
  rm -rf "$DATA" "$CDP_KAFKA_STATE/cluster.id"
}

write_env() {
  cdp_env_merge \
    KAFKA_BOOTSTRAP="$CDP_KAFKA_BOOTSTRAP" \
    KAFKA_ADMIN_USER="$CDP_KAFKA_ADMIN_USER" \
    KAFKA_ADMIN_PASSWORD="$CDP_KAFKA_ADMIN_PASSWORD" \
    KAFKA_SASL_MECHANISM=scram-sha-512 \
    KAFKA_VERSION="$CDP_KAFKA_VERSION"
}

# up [keep]: with 'keep' (the start command), the broker must come back on its existing data,
# with its topics, offsets and SCRAM users: no format, no wipe; any problem is an error.
up() {
  local keep=${1:-}
  cdp_require_java
  if cdp_pid_alive "$PIDFILE" "$MARKER"; then
    metadata_check || cdp_die "Kafka runs (pid $(cat "$PIDFILE")) but a metadata call as $CDP_KAFKA_ADMIN_USER on $CDP_KAFKA_BOOTSTRAP fails; see $LOG, or start afresh: bash $0 clean && bash $0 up"
    write_env
    cdp_log "already running (pid $(cat "$PIDFILE"), $(cdp_rss_mb "$PIDFILE") MiB) on $CDP_KAFKA_BOOTSTRAP"
    return 0
  fi
  if cdp_port_open "$CDP_KAFKA_HOST" "$CDP_KAFKA_PORT" || cdp_port_open "$CDP_KAFKA_HOST" "$CDP_KAFKA_CONTROLLER_PORT"; then
    cdp_die "port $CDP_KAFKA_PORT or $CDP_KAFKA_CONTROLLER_PORT is taken by another process (not ours: no live $PIDFILE)"
  fi
  cdp_kafka_libs
  mkdir -p "$CDP_LOGS"
  write_config
  local had_data=0 t0=$SECONDS rc=0
  [ -f "$DATA/meta.properties" ] && had_data=1
  if [ -n "$keep" ]; then
    grep -Eq '^cluster\.id=[A-Za-z0-9_-]{22}$' "$DATA/meta.properties" 2>/dev/null ||
      cdp_die "start: no formatted data in $DATA to start on (run bash $0 up for a new cluster)"
  else
    format_storage
  fi
  start_broker
  wait_ready "$t0" || rc=$?
  if [ "$rc" != 0 ] && [ -n "$keep" ]; then
    # A restart must keep the data: report, never wipe (the broker is left stopped).
    cdp_stop_jvm Kafka "$PIDFILE" "$MARKER"
    if [ "$rc" = 2 ]; then
      cdp_die "start: the restarted broker refuses the SCRAM credential of $CDP_KAFKA_ADMIN_USER on its existing data (lost on metadata replay?); data kept in $DATA, see $LOG"
    fi
    cdp_die "start: the broker exited while starting on its existing data; data kept in $DATA, see $LOG"
  fi
  if [ "$rc" != 0 ] && [ "$had_data" = 1 ]; then
    # Seen with Kafka 4.3: after SCRAM users were deleted, a restarted broker can replay its
    # metadata log without the admin's credential (rarer with the snapshots set above, still
    # possible when users were deleted in the last seconds), and nothing can log in to repair it
    # (rc 2); or the data of an interrupted run no longer loads (rc 3). The tests need a
    # working super user more than old topics: start an empty cluster.
    if [ "$rc" = 2 ]; then
      cdp_log "WARNING: the restarted broker refuses $CDP_KAFKA_ADMIN_USER's SCRAM credential (lost on metadata replay); deleting $DATA and starting an empty cluster"
    else
      cdp_log "WARNING: the broker does not start on its old data; deleting $DATA and starting an empty cluster"
    fi
    cdp_stop_jvm Kafka "$PIDFILE" "$MARKER"
    wipe_data
    format_storage
    t0=$SECONDS; rc=0
    start_broker
    wait_ready "$t0" || rc=$?
  fi
  case $rc in
    0) ;;
    2) cdp_die "Kafka refuses the SCRAM credential of $CDP_KAFKA_ADMIN_USER; see $LOG" ;;
    *) cdp_die "Kafka exited while starting; see $LOG" ;;
  esac
  write_env
  cdp_log "ready in $((SECONDS - t0)) s: $CDP_KAFKA_BOOTSTRAP (SASL_PLAINTEXT, SCRAM-SHA-512), cluster $(cat "$CDP_KAFKA_STATE/cluster.id"), pid $(cat "$PIDFILE"), $(cdp_rss_mb "$PIDFILE") MiB"
}

status() {
  if cdp_pid_alive "$PIDFILE" "$MARKER"; then
    cdp_log "running: pid $(cat "$PIDFILE"), $(cdp_rss_mb "$PIDFILE") MiB RSS, $CDP_KAFKA_BOOTSTRAP, Kafka $CDP_KAFKA_VERSION, log $LOG"
  else
    cdp_log "not running"
    return 1
  fi
}

need_running() {
  cdp_pid_alive "$PIDFILE" "$MARKER" || cdp_die "Kafka is not running: run bash test/infra/kafka.sh up (or npm run infra:up)"
  [ -d "$CDP_KAFKA_HOME/libs" ] || cdp_die "Kafka jars missing in $CDP_KAFKA_HOME/libs: run bash test/infra/kafka.sh up"
}

cmd=${1:-}
# One up/down/clean at a time (up.sh, a developer and a test may call this at once).
case "$cmd" in
  up|down|clean|reset|stop|start|restart)
    mkdir -p "$CDP_KAFKA_STATE"
    exec 7>"$CDP_KAFKA_STATE/.lock"
    flock -w 600 7 || cdp_die "another kafka.sh $cmd has held $CDP_KAFKA_STATE/.lock for 10 minutes"
    ;;
esac
[ $# -gt 0 ] && shift
case "$cmd" in
  up) up ;;
  down|stop) cdp_stop_jvm Kafka "$PIDFILE" "$MARKER" ;;
  start) up keep ;;
  restart)
    down_s=${1:-0}
    [[ "$down_s" =~ ^[0-9]+$ ]] || cdp_die "usage: kafka.sh restart [SECONDS]"
    cdp_stop_jvm Kafka "$PIDFILE" "$MARKER"
    [ "$down_s" = 0 ] || { cdp_log "staying down ${down_s}s"; sleep "$down_s"; }
    up keep
    ;;
  status) status ;;
  clean|reset)
    cdp_stop_jvm Kafka "$PIDFILE" "$MARKER"
    wipe_data
    cdp_log "deleted $DATA"
    ;;
  add-user)
    [ $# -eq 2 ] || cdp_die "usage: kafka.sh add-user NAME PASSWORD"
    need_running
    cdp_kafka_tool kafka.admin.ConfigCommand --bootstrap-server "$CDP_KAFKA_BOOTSTRAP" --command-config "$ADMIN_PROPS" \
      --alter --entity-type users --entity-name "$1" --add-config "SCRAM-SHA-512=[iterations=4096,password=$2]"
    ;;
  del-user)
    [ $# -eq 1 ] || cdp_die "usage: kafka.sh del-user NAME"
    need_running
    cdp_kafka_tool kafka.admin.ConfigCommand --bootstrap-server "$CDP_KAFKA_BOOTSTRAP" --command-config "$ADMIN_PROPS" \
      --alter --entity-type users --entity-name "$1" --delete-config SCRAM-SHA-512
    ;;
  topics) need_running; cdp_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$CDP_KAFKA_BOOTSTRAP" --command-config "$ADMIN_PROPS" "$@" ;;
  acls) need_running; cdp_kafka_tool org.apache.kafka.tools.AclCommand --bootstrap-server "$CDP_KAFKA_BOOTSTRAP" --command-config "$ADMIN_PROPS" "$@" ;;
  configs) need_running; cdp_kafka_tool kafka.admin.ConfigCommand --bootstrap-server "$CDP_KAFKA_BOOTSTRAP" --command-config "$ADMIN_PROPS" "$@" ;;
  cluster) need_running; sub=${1:-cluster-id}; [ $# -gt 0 ] && shift
    cdp_kafka_tool org.apache.kafka.tools.ClusterTool "$sub" --bootstrap-server "$CDP_KAFKA_BOOTSTRAP" --command-config "$ADMIN_PROPS" "$@" ;;
  groups) need_running; cdp_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$CDP_KAFKA_BOOTSTRAP" --command-config "$ADMIN_PROPS" "$@" ;;
  *)
    echo "usage: bash test/infra/kafka.sh up|down|stop|start|restart [SECONDS]|status|clean|add-user NAME PASSWORD|del-user NAME|topics ...|acls ...|configs ...|cluster ...|groups ..." >&2
    exit 2
    ;;
esac
