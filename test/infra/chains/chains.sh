#!/usr/bin/env bash
# Resolves the harness's dependencies (once, cached), compiles src/*.java (when changed) and
# runs it: a JSON request on stdin, a JSON answer on stdout. Needs Java 17+ and Maven.
set -euo pipefail
CDP_PART=chains
# shellcheck source=../lib-java.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib-java.sh"
cdp_require_java
dir=$CDP_INFRA_DIR/chains
lib=$CDP_CACHE/chains/lib
classes=$CDP_CACHE/chains/classes
cdp_mvn_copy_deps chains "$dir/pom.xml" "$lib" >&2
stamp=$(cat "$dir"/src/*.java | sha256sum | cut -c1-16)
if [ "$(cat "$classes/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$classes"; mkdir -p "$classes"
  javac -nowarn -d "$classes" -cp "$lib/*" "$dir"/src/*.java >&2
  echo "$stamp" > "$classes/.stamp"
fi
exec java -cp "$classes:$lib/*" ChainHarness
