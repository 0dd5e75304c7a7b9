#!/usr/bin/env bash
# Runs the unit suite (and, with --package, the packed-consumer test) on one line of the CDK for
# Terraform core, in a temporary copy of this checkout, so the checkout's node_modules is untouched:
#
#   scripts/test-core-line.sh cdktn              # CDK Terrain 0.24, installed as "cdktf": "npm:cdktn@0.24.0"
#   scripts/test-core-line.sh cdktf              # HashiCorp cdktf 0.21 (what package.json pins)
#   scripts/test-core-line.sh cdktn --package    # also the packed-consumer test on that line
#   scripts/test-core-line.sh cdktn -- -t Kafka  # extra jest arguments after --
#
# Copies the working tree (tracked and new files) and node_modules to $TMPDIR, swaps the core (and
# constructs, which cdktn 0.24 wants at >=10.6 <10.8) in the copy with npm, checks which core loads,
# then runs jest there. KEEP=1 keeps the copy. Prints the seconds each step took.
set -euo pipefail
line="${1:-}"
shift || true
package=0
jest_args=()
while (($#)); do
  case "$1" in
    --package) package=1 ;;
    --) shift; jest_args=("$@"); break ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
case "$line" in
  cdktf) core_spec="0.21.0"; constructs_spec="10.4.2"; expect_name="cdktf"; expect_version="0.21.0" ;;
  cdktn) core_spec="npm:cdktn@0.24.0"; constructs_spec="10.7.2"; expect_name="cdktn"; expect_version="0.24.0" ;;
  *) echo "usage: $0 cdktf|cdktn [--package] [-- JEST_ARGS...]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cdp-core-line-$line.XXXXXX")"
cleanup() { if [[ "${KEEP:-}" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
step() {
  local name="$1" t0=$SECONDS rc=0
  shift
  echo "::: core-line $line: $name"
  "$@" || rc=$?
  echo "::: core-line $line: $name: $((SECONDS - t0)) s (exit $rc)"
  return "$rc"
}

copy_tree() {
  if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -cf - -T - 2>/dev/null) | tar -xf - -C "$work"
  else
    tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./cdktf.out -cf - . | tar -xf - -C "$work"
  fi
  # A full copy, not hard links: npm rewrites some files in place (node_modules/.package-lock.json).
  # "/." copies the contents even when node_modules is itself a symlink (never install through it).
  mkdir "$work/node_modules"
  cp -a --reflink=auto "$root/node_modules/." "$work/node_modules/"
}

swap_core() {
  # The core under the name "cdktf" (the library and @cdktf/provider-google import it so), the
  # override making every dependent use that one copy, and the constructs version it wants.
  # cdktf-cli (the CLI of the 0.21 line, not used by the tests) is dropped from the copy.
  node -e '
    const fs = require("fs");
    const [file, core, constructs] = process.argv.slice(1);
    const p = JSON.parse(fs.readFileSync(file, "utf8"));
    p.devDependencies.cdktf = core;
    p.devDependencies.constructs = constructs;
    delete p.devDependencies["cdktf-cli"];
    p.overrides = { ...(p.overrides || {}), cdktf: "$cdktf" };
    fs.writeFileSync(file, JSON.stringify(p, null, 2) + "\n");
  ' "$work/package.json" "$core_spec" "$constructs_spec"
  (cd "$work" && CHECKPOINT_DISABLE=1 npm install --no-audit --no-fund --prefer-offline --loglevel=error)
}

check_core() {
  (cd "$work" && node -e '
    const [name, version] = process.argv.slice(1);
    const core = require("cdktf/package.json");
    const provider = require(require.resolve("cdktf/package.json", { paths: [require.resolve("@cdktf/provider-google/package.json")] }));
    console.log(`core: ${core.name} ${core.version}; constructs ${require("constructs/package.json").version}; the provider loads ${provider.name} ${provider.version}`);
    if (core.name !== name || core.version !== version || provider.name !== name) { console.error(`expected ${name} ${version}`); process.exit(1); }
  ' "$expect_name" "$expect_version")
}

t_start=$SECONDS
step copy copy_tree
if [[ "$line" != cdktf ]]; then step install swap_core; fi
step check check_core
rc=0
step unit bash -c 'cd "$0" && CHECKPOINT_DISABLE=1 npx jest --ci "${@}" --selectProjects unit' "$work" "${jest_args[@]}" || rc=$?
if ((package)); then
  step package bash -c 'cd "$0" && CDP_CORE_LINE="$1" CHECKPOINT_DISABLE=1 npx jest --ci --selectProjects package --runInBand' "$work" "$line" || rc=$?
fi
echo "::: core-line $line: total $((SECONDS - t_start)) s (exit $rc)"
exit "$rc"
