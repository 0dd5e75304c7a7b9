#!/usr/bin/env bash
# Stop what test/infra/up.sh started. Caches and data dirs are kept (each part has `clean`).
#   bash test/infra/down.sh [part...]   (default: all, in reverse order of up)
# Stops every part it can, and fails at the end if any part failed to stop.
set -euo pipefail
CDP_PART=down
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ALL_PARTS=(connect kafka mariadb postgres providers)
parts=("$@")
((${#parts[@]})) || parts=("${ALL_PARTS[@]}")
for p in "${parts[@]}"; do
  [[ " ${ALL_PARTS[*]} " == *" $p "* ]] || die "unknown part '$p' (parts: ${ALL_PARTS[*]})"
done

total0=$(now_s)
failed=()
for p in "${ALL_PARTS[@]}"; do
  [[ " ${parts[*]} " == *" $p "* ]] || continue
  script="$CDP_INFRA_DIR/$p.sh"
  if [[ ! -f "$script" ]]; then
    if (($#)); then failed+=("$p(missing $script)"); else log "$p: $script does not exist; nothing to stop"; fi
    continue
  fi
  log "==> $p down"
  bash "$script" down || failed+=("$p")
done
((${#failed[@]} == 0)) || die "could not stop: ${failed[*]} (after $(($(now_s) - total0))s)"
log "done in $(($(now_s) - total0))s"
