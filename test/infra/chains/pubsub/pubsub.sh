#!/usr/bin/env bash
# Resolves the Pub/Sub request harness's jars (once, cached; only the jars its pom names, since the
# connector's jar already holds its own dependencies), compiles PubSubHarness.java (when changed)
# and runs it: a JSON request on stdin, a JSON answer on stdout. Needs Java 17+ and Maven.
set -euo pipefail
CDP_PART=chains-pubsub
# shellcheck source=../../lib-java.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/lib-java.sh"
cdp_require_java
dir=$CDP_INFRA_DIR/chains/pubsub
lib=$CDP_CACHE/chains-pubsub/lib
classes=$CDP_CACHE/chains-pubsub/classes
cdp_mvn_copy_deps chains-pubsub "$dir/pom.xml" "$lib" -DexcludeTransitive=true >&2
# The connector's jar carries a Kafka 3.9 client of its own: Kafka 4.3's jars go first, as on a
# 4.3 worker, where the plugin's copy is hidden behind the worker's API classes.
connector=$(find "$lib" -name 'pubsub-group-kafka-connector-*.jar' | head -n 1)
cp=$(find "$lib" -name '*.jar' ! -name 'pubsub-group-kafka-connector-*' | sort | tr '\n' ':')$connector
src=$dir/PubSubHarness.java
stamp=$(sha256sum "$src" | cut -c1-16)
if [ "$(cat "$classes/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$classes"; mkdir -p "$classes"
  javac -nowarn -d "$classes" -cp "$cp" "$src" >&2
  echo "$stamp" > "$classes/.stamp"
fi
exec java -cp "$classes:$cp" PubSubHarness
