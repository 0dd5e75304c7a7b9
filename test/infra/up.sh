#!/usr/bin/env bash
# Install (first run) and start the real parts the integration tests need, on loopback only.
#   bash test/infra/up.sh [part...]     parts: providers postgres mariadb kafka connect (default: all)
# Idempotent: what is cached or already running is reused. Writes $CDP_RUN/infra.env.
set -euo pipefail
CDP_PART=up
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ALL_PARTS=(providers postgres mariadb kafka connect)
parts=("$@")
((${#parts[@]})) || parts=("${ALL_PARTS[@]}")
for p in "${parts[@]}"; do
  [[ " ${ALL_PARTS[*]} " == *" $p "* ]] || die "unknown part '$p' (parts: ${ALL_PARTS[*]})"
done

log "parts: ${parts[*]}; cache $CDP_CACHE; state $CDP_RUN"
total0=$(now_s)
summary=()
# Run in the fixed order whatever order they were given in (connect needs kafka, etc.).
for p in "${ALL_PARTS[@]}"; do
  [[ " ${parts[*]} " == *" $p "* ]] || continue
  script="$CDP_INFRA_DIR/$p.sh"
  [[ -f "$script" ]] || die "part '$p' was asked for but $script does not exist (not implemented yet)"
  log "==> $p up"
  t0=$(now_s)
  bash "$script" up || die "part '$p' failed (see the messages above and $CDP_LOGS/)"
  summary+=("$p $(($(now_s) - t0))s")
done
log "done in $(($(now_s) - total0))s (${summary[*]}); environment for tests: $CDP_ENV_FILE"
