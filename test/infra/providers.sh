#!/usr/bin/env bash
# Terraform CLI and providers for the tests, built from their Go modules into a
# filesystem mirror so that `terraform init` works offline.
#
#   bash test/infra/providers.sh up        build (or reuse) providers, write terraformrc, set infra.env
#   bash test/infra/providers.sh down      nothing runs; removes the keys from infra.env
#   bash test/infra/providers.sh status
#   bash test/infra/providers.sh schemas   regenerate test/fixtures/provider-schemas/*.json
#
# Knobs: CDP_SKIP_GOOGLE=1 skips hashicorp/google (built from ../shared/vendor, see build_google);
#        CDP_FORCE_TOFU=1 builds OpenTofu even when a terraform binary exists.
set -euo pipefail
CDP_PART=providers
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_PROVIDER_VERSION=0.13.1
KAFKA_CONNECT_PROVIDER_VERSION=0.5.0
GOOGLE_PROVIDER_VERSION=6.50.0
OPENTOFU_VERSION=1.10.6

TF_DIR="$CDP_CACHE/terraform"
MIRROR="$TF_DIR/mirror"
TF_RC="$TF_DIR/terraformrc"
SRC_DIR="$TF_DIR/src"
ENV_KEYS=(TF_CLI_CONFIG_FILE TF_PROVIDER_MIRROR TERRAFORM_BIN)

need_go() {
  if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; fi
  command -v go >/dev/null || die "the Go toolchain (1.24+) is needed to build the Terraform providers: go is not on PATH nor in /usr/local/go/bin"
}

go_platform() { printf '%s_%s' "$(go env GOOS)" "$(go env GOARCH)"; }

# module_dir MODULE VERSION: download a module through the Go proxy, print its dir in GOMODCACHE.
module_dir() {
  local mod="$1" ver="$2" json dir
  json=$(go mod download -json "$mod@$ver") || die "go mod download $mod@$ver failed"
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download $mod@$ver gave no module dir: $json"
  printf '%s' "$dir"
}

# go_build_module NAME MODULE VERSION PKG OUT: copy the module out of GOMODCACHE (its replace
# lines make `go install mod@ver` refuse it), make it writable and `go build` PKG inside.
# Prints wall time and peak RSS; writes them to $TF_DIR/stamps/NAME.buildinfo.
go_build_module() {
  local name="$1" mod="$2" ver="$3" pkg="$4" out="$5" dir src t0 timefile
  t0=$(now_s)
  log "$name: go mod download $mod@$ver"
  dir=$(module_dir "$mod" "$ver")
  src="$SRC_DIR/$name-$ver"
  rm -rf "$src"
  mkdir -p "$SRC_DIR" "$(dirname "$out")"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  local buildlog="$CDP_LOGS/build-$name.log"
  mkdir -p "$TF_DIR/stamps"
  timefile="$TF_DIR/stamps/$name.time"
  log "$name: go build $pkg (downloads dependencies on a cold cache; log: $buildlog)"
  local cmd=(go build -trimpath -ldflags "-s -w ${GO_EXTRA_LDFLAGS:-}" -o "$out.tmp" "$pkg")
  local rc=0
  if [[ -x /usr/bin/time ]]; then
    (cd "$src" && CGO_ENABLED=0 /usr/bin/time -v -o "$timefile" "${cmd[@]}") >"$buildlog" 2>&1 || rc=$?
  else
    (cd "$src" && CGO_ENABLED=0 "${cmd[@]}") >"$buildlog" 2>&1 || rc=$?
  fi
  if ((rc != 0)); then
    tail_log "$buildlog"
    die "$name: go build failed; see $buildlog"
  fi
  mv "$out.tmp" "$out"
  local secs=$(($(now_s) - t0)) rss="?"
  if [[ -f "$timefile" ]]; then
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$timefile")
    rss="$((rss / 1024)) MiB"
  fi
  printf 'module=%s@%s seconds=%s peak_rss=%s go=%s\n' "$mod" "$ver" "$secs" "$rss" "$(go env GOVERSION)" >"$TF_DIR/stamps/$name.buildinfo"
  log "$name: built in ${secs}s (download + compile), peak RSS of go build: $rss"
  rm -rf "$src"
}

# build_provider TYPE MODULE VERSION NAMESPACE: into the mirror unless cached with a matching stamp.
build_provider() {
  local type="$1" mod="$2" ver="$3" ns="$4" plat bin stamp want
  plat=$(go_platform)
  bin="$MIRROR/registry.terraform.io/$ns/$type/$ver/$plat/terraform-provider-${type}_v$ver"
  stamp="$TF_DIR/stamps/$ns-$type-$ver-$plat"
  want="$mod@v$ver $(go env GOVERSION) $plat"
  if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "$ns/$type $ver: cached ($bin)"
  else
    mkdir -p "$TF_DIR/stamps"
    rm -f "$stamp"
    go_build_module "$ns-$type" "$mod" "v$ver" . "$bin"
    printf '%s' "$want" >"$stamp"
  fi
  # OpenTofu resolves `mongey/kafka` to registry.opentofu.org: serve the same binary there
  # too (a hard link; its mirror scan does not follow a symlinked directory).
  local alt="$MIRROR/registry.opentofu.org/$ns/$type"
  [[ -L "$alt" ]] && rm -f "$alt"
  mkdir -p "$alt/$ver/$plat"
  if ! cmp -s "$bin" "$alt/$ver/$plat/${bin##*/}"; then
    ln -f "$bin" "$alt/$ver/$plat/" 2>/dev/null || cp -f "$bin" "$alt/$ver/$plat/"
  fi
}

# hashicorp/google: the Go module proxy does not serve it at v6 (its go.mod has no /v6 suffix),
# so it is built from the release source kept in the steering repo's shared/vendor/ (its
# dependencies do come from the proxy). The build takes ~16 minutes on 2 cores with a warm
# module cache, so the binary is cached and keyed on the tarball's sha256 and the Go version.
GOOGLE_TARBALL_SHA256=e8c6a767005baa3900281c9c82ed4e14cb5e3ad815661861b02f5dc81705ff74

# google_tarball: print the vendored source's path, or fail saying where it is looked for.
google_tarball() {
  local name="terraform-provider-google-$GOOGLE_PROVIDER_VERSION.tar.gz" d
  for d in "${CDP_VENDOR_DIR:-}" "$CDP_ROOT/../shared/vendor" "$CDP_ROOT/shared/vendor"; do
    [[ -n "$d" && -f "$d/$name" ]] && { printf '%s' "$d/$name"; return 0; }
  done
  die "hashicorp/google $GOOGLE_PROVIDER_VERSION: $name not found in \$CDP_VENDOR_DIR, ../shared/vendor or ./shared/vendor; set CDP_VENDOR_DIR to the folder that holds it"
}

build_google() {
  local tarball plat bin stamp want sha src t0 buildlog timefile rc=0
  plat=$(go_platform)
  bin="$MIRROR/registry.terraform.io/hashicorp/google/$GOOGLE_PROVIDER_VERSION/$plat/terraform-provider-google_v$GOOGLE_PROVIDER_VERSION"
  stamp="$TF_DIR/stamps/hashicorp-google-$GOOGLE_PROVIDER_VERSION-$plat"
  want="vendor-sha256=$GOOGLE_TARBALL_SHA256 $(go env GOVERSION) $plat"
  if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    # Built from the pinned source (its sha256 is in the stamp): the tarball is not even needed.
    log "hashicorp/google $GOOGLE_PROVIDER_VERSION: cached ($bin)"
  else
    tarball=$(google_tarball)
    sha=$(sha256sum "$tarball" | cut -d' ' -f1)
    [[ "$sha" == "$GOOGLE_TARBALL_SHA256" ]] || die "hashicorp/google: $tarball has sha256 $sha, expected $GOOGLE_TARBALL_SHA256 (v$GOOGLE_PROVIDER_VERSION)"
    t0=$(now_s)
    rm -f "$stamp"
    mkdir -p "$TF_DIR/stamps" "$SRC_DIR" "$(dirname "$bin")"
    src="$SRC_DIR/terraform-provider-google-$GOOGLE_PROVIDER_VERSION"
    rm -rf "$src"
    tar -xzf "$tarball" -C "$SRC_DIR"
    [[ -f "$src/go.mod" ]] || die "hashicorp/google: $tarball did not unpack to $src"
    buildlog="$CDP_LOGS/build-hashicorp-google.log"
    timefile="$TF_DIR/stamps/hashicorp-google.time"
    log "hashicorp/google $GOOGLE_PROVIDER_VERSION: go build from $tarball (about 16 minutes on 2 cores, more on a cold module cache; log: $buildlog)"
    local cmd=(go build -trimpath -ldflags "-s -w" -o "$bin.tmp" .)
    if [[ -x /usr/bin/time ]]; then
      (cd "$src" && CGO_ENABLED=0 /usr/bin/time -v -o "$timefile" "${cmd[@]}") >"$buildlog" 2>&1 || rc=$?
    else
      (cd "$src" && CGO_ENABLED=0 "${cmd[@]}") >"$buildlog" 2>&1 || rc=$?
    fi
    if ((rc != 0)); then
      tail_log "$buildlog"
      die "hashicorp/google: go build failed; see $buildlog"
    fi
    mv "$bin.tmp" "$bin"
    printf '%s' "$want" >"$stamp"
    local secs=$(($(now_s) - t0)) rss="?"
    if [[ -f "$timefile" ]]; then
      rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$timefile")
      rss="$((rss / 1024)) MiB"
    fi
    printf 'source=%s seconds=%s peak_rss=%s go=%s\n' "$tarball" "$secs" "$rss" "$(go env GOVERSION)" >"$TF_DIR/stamps/hashicorp-google.buildinfo"
    log "hashicorp/google $GOOGLE_PROVIDER_VERSION: built in ${secs}s, peak RSS of go build: $rss (a warm Go build cache, $(go env GOCACHE), makes it minutes instead of ~16)"
    rm -rf "$src"
  fi
  local alt="$MIRROR/registry.opentofu.org/hashicorp/google/$GOOGLE_PROVIDER_VERSION/$plat"
  mkdir -p "$alt"
  if ! cmp -s "$bin" "$alt/${bin##*/}"; then
    ln -f "$bin" "$alt/" 2>/dev/null || cp -f "$bin" "$alt/"
  fi
}

write_terraformrc() {
  mkdir -p "$TF_DIR"
  local includes='"registry.terraform.io/mongey/*", "registry.opentofu.org/mongey/*"'
  if [[ -d "$MIRROR/registry.terraform.io/hashicorp/google" ]]; then
    includes+=', "registry.terraform.io/hashicorp/google", "registry.opentofu.org/hashicorp/google"'
  fi
  cat >"$TF_RC.tmp" <<EOF
# Written by test/infra/providers.sh. Providers come from the local filesystem mirror only:
# terraform init never reaches a registry.
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = [$includes]
  }
  direct {
    exclude = ["registry.terraform.io/*/*", "registry.opentofu.org/*/*"]
  }
}
EOF
  mv "$TF_RC.tmp" "$TF_RC"
  log "wrote $TF_RC"
}

# ensure_terraform: print the CLI to use. The machine's terraform if present, else OpenTofu
# built from its Go module into the cache.
ensure_terraform() {
  local tf=""
  if [[ -z "${CDP_FORCE_TOFU:-}" ]]; then
    if [[ -x /usr/local/bin/terraform ]]; then tf=/usr/local/bin/terraform
    elif command -v terraform >/dev/null; then tf=$(command -v terraform)
    fi
  fi
  if [[ -z "$tf" ]]; then
    local plat out stamp want
    plat=$(go_platform)
    out="$TF_DIR/bin/tofu-$OPENTOFU_VERSION-$plat/tofu"
    stamp="$out.stamp"
    want="github.com/opentofu/opentofu@v$OPENTOFU_VERSION $(go env GOVERSION) release"
    if [[ -x "$out" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
      log "OpenTofu $OPENTOFU_VERSION: cached ($out)" >&2
    else
      log "no terraform binary: building OpenTofu $OPENTOFU_VERSION from its Go module" >&2
      # version.dev=no: report "OpenTofu v1.10.6", as a release build does, not "-dev".
      GO_EXTRA_LDFLAGS="-X github.com/opentofu/opentofu/version.dev=no" \
        go_build_module opentofu github.com/opentofu/opentofu "v$OPENTOFU_VERSION" ./cmd/tofu "$out" >&2
      printf '%s' "$want" >"$stamp"
    fi
    tf="$out"
  fi
  printf '%s' "$tf"
}

# check_init TF: terraform init in a scratch dir with the mirror only, as the tests will.
check_init() {
  local tf="$1" work="$CDP_RUN/terraform-check"
  rm -rf "$work"
  mkdir -p "$work"
  cp "$CDP_INFRA_DIR/terraform/schema/main.tf" "$work/"
  # hashicorp/google too, when it was built (not with CDP_SKIP_GOOGLE=1).
  if [[ -d "$MIRROR/registry.terraform.io/hashicorp/google/$GOOGLE_PROVIDER_VERSION" ]]; then
    sed -i "s|^  required_providers {|&\\n    google = {\\n      source  = \"hashicorp/google\"\\n      version = \"$GOOGLE_PROVIDER_VERSION\"\\n    }|" "$work/main.tf"
  fi
  log "checking offline init: $tf init (in $work)"
  if ! (cd "$work" && TF_CLI_CONFIG_FILE="$TF_RC" TF_IN_AUTOMATION=1 "$tf" init -input=false -no-color) >"$CDP_LOGS/terraform-init-check.log" 2>&1; then
    tail_log "$CDP_LOGS/terraform-init-check.log"
    die "terraform init from the mirror failed; see $CDP_LOGS/terraform-init-check.log"
  fi
}

cmd_up() {
  need_go
  local t0 tf
  t0=$(now_s)
  mkdir -p "$MIRROR"
  build_provider kafka github.com/Mongey/terraform-provider-kafka "$KAFKA_PROVIDER_VERSION" mongey
  build_provider kafka-connect github.com/Mongey/terraform-provider-kafka-connect "$KAFKA_CONNECT_PROVIDER_VERSION" mongey
  if [[ "${CDP_SKIP_GOOGLE:-}" != 1 ]]; then build_google; fi
  write_terraformrc
  tf=$(ensure_terraform)
  log "terraform CLI: $tf ($("$tf" version 2>/dev/null | head -n1))"
  check_init "$tf"
  infra_env_set TF_CLI_CONFIG_FILE "$TF_RC" TF_PROVIDER_MIRROR "$MIRROR" TERRAFORM_BIN "$tf"
  log "providers ready in $(($(now_s) - t0))s"
}

cmd_schemas() {
  local tf out="$CDP_ROOT/test/fixtures/provider-schemas" work="$CDP_RUN/terraform-schema"
  tf="$(infra_env_get TERRAFORM_BIN)"
  [[ -n "$tf" && -f "$(infra_env_get TF_CLI_CONFIG_FILE)" ]] || die "providers are not set up: run \`bash test/infra/providers.sh up\` first"
  check_init "$tf"
  rm -rf "$work"
  mv "$CDP_RUN/terraform-check" "$work"
  mkdir -p "$out"
  log "terraform providers schema -json"
  (cd "$work" && TF_CLI_CONFIG_FILE="$TF_RC" "$tf" providers schema -json) >"$work/schema.json"
  # One file per provider, pretty-printed so diffs stay readable.
  node -e '
    const fs = require("fs");
    const [file, outDir] = process.argv.slice(1);
    const all = JSON.parse(fs.readFileSync(file, "utf8"));
    const names = { "registry.terraform.io/mongey/kafka": "kafka", "registry.terraform.io/mongey/kafka-connect": "kafka-connect" };
    for (const [addr, base] of Object.entries(names)) {
      const schema = all.provider_schemas[addr];
      if (!schema) { console.error(`no schema for ${addr}`); process.exit(1); }
      // The shape of `terraform providers schema -json`, narrowed to one provider.
      const doc = { format_version: all.format_version, provider_schemas: { [addr]: schema } };
      fs.writeFileSync(`${outDir}/${base}.json`, JSON.stringify(doc, null, 2) + "\n");
      console.log(`wrote ${outDir}/${base}.json (${Object.keys(schema.resource_schemas || {}).length} resources)`);
    }
  ' "$work/schema.json" "$out"
}

cmd_status() {
  local plat
  need_go
  plat=$(go_platform)
  for p in "mongey/kafka/$KAFKA_PROVIDER_VERSION" "mongey/kafka-connect/$KAFKA_CONNECT_PROVIDER_VERSION" "hashicorp/google/$GOOGLE_PROVIDER_VERSION"; do
    local type="${p#*/}" ver="${p##*/}"
    type="${type%/*}"
    local bin="$MIRROR/registry.terraform.io/${p%/*}/$ver/$plat/terraform-provider-${type}_v$ver"
    if [[ -x "$bin" ]]; then echo "${p%/*} $ver: $bin"; else echo "${p%/*} $ver: not built (bash $0 up)"; fi
  done
  [[ -f "$TF_DIR/stamps/hashicorp-google.buildinfo" ]] && echo "hashicorp/google build: $(cat "$TF_DIR/stamps/hashicorp-google.buildinfo")"
  echo "TF_CLI_CONFIG_FILE=$(infra_env_get TF_CLI_CONFIG_FILE)"
  echo "TERRAFORM_BIN=$(infra_env_get TERRAFORM_BIN)"
}

case "${1:-}" in
  up) cmd_up ;;
  down) infra_env_unset "${ENV_KEYS[@]}"; log "nothing to stop; removed ${ENV_KEYS[*]} from $CDP_ENV_FILE" ;;
  status) cmd_status ;;
  schemas) cmd_schemas ;;
  *) echo "usage: bash $0 up|down|status|schemas" >&2; exit 2 ;;
esac
