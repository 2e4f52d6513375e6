#!/usr/bin/env bash
# Build the Pulumi engine (CLI + Node.js language host) and the resource plugins that our
# npm packages ask for, from Go modules only. Nothing here downloads a prebuilt binary: the
# CLI installer and `pulumi plugin install` from the network do not work on our machines,
# the Go module proxy does.
#
#   PATH="$(bash tools/toolchain.sh):$PATH"
#   export PULUMI_HOME="$(dirname "$(bash tools/toolchain.sh)")/pulumi-home"
#   (or: . "$(dirname "$(bash tools/toolchain.sh)")/env.sh", which also sets the flags below)
#
# stdout: only the bin directory (last line). Everything else goes to stderr.
#
# Environment knobs:
#   PULUMI_TOOLCHAIN_CACHE         cache root (default ~/.cache/grownext-pulumi); holds the Go module
#                                  and build caches too, so a fresh CI machine fills a single directory
#   PULUMI_TOOLCHAIN_NODE_MODULES  node_modules to read versions from (default: this repo's)
#   PULUMI_TOOLCHAIN_STRICT=1      exit 1 when a plugin cannot be built (default: warn, build the rest)
#   PULUMI_TOOLCHAIN_CLUSTER=0     do not build the local cluster's binaries (tools/cluster-toolchain.sh)
#   (actionlint, for `npm run lint`, is always prepared: tools/actionlint-toolchain.sh, <cache>/actionlint-<version>)
#
# Layout: <cache>/go/{mod,build}   GOMODCACHE / GOCACHE, shared by every key (~3 + ~6 GB)
#         <cache>/<key>/bin         pulumi, pulumi-language-nodejs  (plugins are NOT put on PATH:
#                                   the engine would prefer them there over version matching)
#         <cache>/<key>/pulumi-home PULUMI_HOME with the resource plugins registered
#         <cache>/<key>/env.sh      the exports a caller needs
#         <cache>/<key>/{src,plugins,logs,done}  wrapper modules, built plugins, go logs, stamps
#         <cache>/<key>/bin-external  only when an existing `pulumi` without a language host is used
#
# Known limits of what the Go module proxy here serves (details at each step below):
#   - pulumi-language-nodejs is the v3.188.0 one (newer ones are not served). With CLI v3.248.0 a
#     Node policy pack then runs with the *program's* directory as cwd (so @pulumi/policy reads
#     its version from the program's package.json, which must have a "version") and without
#     PULUMI_NODEJS_STACK/PROJECT/PULUMI_CONFIG in its environment.
#   - only some kubernetes releases can be built (see KNOWN_SOURCES); random and command cannot.
set -euo pipefail

# Bump when the recipe below changes in a way that must invalidate already-built toolchains.
RECIPE_REV=1

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_MODULES="${PULUMI_TOOLCHAIN_NODE_MODULES:-$REPO_ROOT/node_modules}"
CACHE_ROOT="${PULUMI_TOOLCHAIN_CACHE:-$HOME/.cache/grownext-pulumi}"
mkdir -p "$CACHE_ROOT" && CACHE_ROOT="$(cd "$CACHE_ROOT" && pwd -P)"
STRICT="${PULUMI_TOOLCHAIN_STRICT:-0}"
T0=$SECONDS

log() { printf '[toolchain %5ss] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in go node; do
  command -v "$tool" >/dev/null || die "'$tool' is required on PATH"
done

# ---------------------------------------------------------------------------------------------
# Versions: follow what npm installed (so package-lock decides). A resource package's
# package.json `pulumi.version` is the plugin version its SDK asks the engine for.
# ---------------------------------------------------------------------------------------------
npm_plugin_version() {
  local pj="$NODE_MODULES/@pulumi/$1/package.json"
  [[ -f "$pj" ]] || die "$pj not found: run 'npm ci' first"
  node -e 'const p = require(process.argv[1]);
           process.stdout.write(String((p.pulumi && p.pulumi.version) || p.version));' "$pj"
}

PULUMI_VERSION="$(npm_plugin_version pulumi)"   # @pulumi/pulumi has no pulumi.version: CLI = SDK version
# Resource plugins we know how to look for; one whose npm package is not installed is not needed.
# @pulumi/aws is deliberately absent: its provider go.mod replaces terraform-provider-aws with a
# local path, so it cannot be built from published modules.
PLUGINS=()
declare -A PLUGIN_VERSION=()
for p in kubernetes random command; do
  [[ -f "$NODE_MODULES/@pulumi/$p/package.json" ]] || continue
  PLUGINS+=("$p")
  PLUGIN_VERSION[$p]="$(npm_plugin_version "$p")"
done

KEY="pulumi-${PULUMI_VERSION}"
for p in "${PLUGINS[@]}"; do KEY+="_${p}-${PLUGIN_VERSION[$p]}"; done
KEY+="_r${RECIPE_REV}"
KEY_DIR="$CACHE_ROOT/$KEY"
BIN="$KEY_DIR/bin"
export PULUMI_HOME="$KEY_DIR/pulumi-home"
mkdir -p "$BIN" "$PULUMI_HOME" "$KEY_DIR/src" "$KEY_DIR/plugins" "$KEY_DIR/logs" "$KEY_DIR/done"

# Never talk to pulumi.com for updates or plugins: both would hang or fail offline.
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

# One builder per key at a time (parallel test workers may all call this script).
if command -v flock >/dev/null; then
  exec 9>"$KEY_DIR/.lock"
  flock 9
fi

# ---------------------------------------------------------------------------------------------
# A `pulumi` already on PATH (outside our cache) is used as is: we build no CLI then.
# ---------------------------------------------------------------------------------------------
EXTERNAL_PULUMI=""
if found="$(command -v pulumi 2>/dev/null)"; then
  found="$(readlink -f "$found")"
  case "$found" in
    "$CACHE_ROOT"/*) ;;               # one of ours (maybe another key): ignore
    *) EXTERNAL_PULUMI="$found" ;;
  esac
fi
OUT_BIN="$BIN"
NEED_LANGHOST=1
if [[ -n "$EXTERNAL_PULUMI" ]]; then
  ext_dir="$(dirname "$EXTERNAL_PULUMI")"
  log "using the pulumi already on PATH: $EXTERNAL_PULUMI (no CLI build)"
  if [[ -x "$ext_dir/pulumi-language-nodejs" ]]; then
    OUT_BIN="$ext_dir"; NEED_LANGHOST=0               # a real install: take its language host too
  else
    # No language host next to it: serve both from a separate dir (bin/ keeps our own CLI, if any).
    OUT_BIN="$KEY_DIR/bin-external"
    mkdir -p "$OUT_BIN"
    ln -sfn "$EXTERNAL_PULUMI" "$OUT_BIN/pulumi"
    ln -sfn "$BIN/pulumi-language-nodejs" "$OUT_BIN/pulumi-language-nodejs"
  fi
fi

write_env_file() {
  cat >"$KEY_DIR/env.sh" <<EOF
# Generated by tools/toolchain.sh; source it to use this toolchain.
export PATH="$OUT_BIN:\$PATH"
export PULUMI_HOME="$PULUMI_HOME"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
}

# The CLI's release archive ships a tiny Node.js shim next to `pulumi` that hosts dynamic providers
# (the local stack's generated credentials are a dynamic resource); building from Go modules does not
# make it, so write it. (Policy packs need no shim: this CLI runs them through the language host.)
# A real install has its own.
write_nodejs_shims() {
  [[ "$OUT_BIN" == "$KEY_DIR"/* ]] || return 0
  mkdir -p "$OUT_BIN"
  printf '#!/bin/sh\nexec node ./node_modules/@pulumi/pulumi/cmd/dynamic-provider "$@"\n' >"$OUT_BIN/pulumi-resource-pulumi-nodejs"
  chmod +x "$OUT_BIN/pulumi-resource-pulumi-nodejs"
}

# The local cluster's binaries (etcd, kube-apiserver, ..., kwok) are built here too, by
# tools/cluster-toolchain.sh (its own key beside this one, the same Go caches), so one command
# prepares everything the local stack and the engine tests need. PULUMI_TOOLCHAIN_CLUSTER=0 skips it.
cluster_toolchain() {
  [[ "${PULUMI_TOOLCHAIN_CLUSTER:-1}" == 1 ]] || return 0
  bash "$REPO_ROOT/tools/cluster-toolchain.sh" >/dev/null || die "the cluster binaries could not be built (tools/cluster-toolchain.sh)"
}

# actionlint for `npm run lint`: its own small step, cached per actionlint version (instant when built).
actionlint_toolchain() {
  bash "$REPO_ROOT/tools/actionlint-toolchain.sh" >/dev/null || die "actionlint could not be built (tools/actionlint-toolchain.sh)"
}

# Fast path: this key was completed before -> a no-op. done/all lists what could not be built.
if [[ -f "$KEY_DIR/done/all" && -x "$OUT_BIN/pulumi" && -x "$OUT_BIN/pulumi-language-nodejs" ]]; then
  write_nodejs_shims
  write_env_file
  log "cached: $KEY_DIR"
  missing_count=0
  while IFS= read -r line; do
    case "$line" in MISSING*) log "  $line"; missing_count=$((missing_count + 1)) ;; esac
  done <"$KEY_DIR/done/all"
  if [[ "$STRICT" == 1 && $missing_count -gt 0 ]]; then
    die "$missing_count plugin(s) could not be built (PULUMI_TOOLCHAIN_STRICT=1)"
  fi
  cluster_toolchain
  actionlint_toolchain
  echo "$OUT_BIN"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Go environment. Caches live under the toolchain cache, never in the repo.
#  - GOFLAGS=-mod=mod: the wrapper modules below are generated and resolved on the fly.
#  - GOTOOLCHAIN=local: a go.mod asking for a newer Go must fail loudly, not try to download one.
#  - CGO_ENABLED=0: static binaries, no C compiler needed, faster builds (upstream providers
#    are released that way too).
#  - GONOSUMDB=github.com/pulumi: the checksum database reachable through our proxy has no
#    entries for recent Pulumi modules (e.g. pkg/v3 v3.248.0 -> "verifying module: 404"), so
#    those are taken as the proxy serves them. Every other module is still verified.
# ---------------------------------------------------------------------------------------------
export GOMODCACHE="$CACHE_ROOT/go/mod" GOCACHE="$CACHE_ROOT/go/build"
export GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi"
cd "$KEY_DIR"            # go commands below must not pick up some unrelated go.mod from $PWD
GO_LOCAL_VERSION="$(go env GOVERSION)"
LDFLAGS_BASE="-s -w"                                    # no symbol tables: smaller, faster to link

# Run a go command with its output in a per-step log; on failure show the tail of that log.
run_logged() {
  local logfile="$KEY_DIR/logs/$1.log"; shift
  if ! "$@" >>"$logfile" 2>&1; then
    log "command failed: $* (log: $logfile)"
    tail -n 25 "$logfile" >&2
    return 1
  fi
}

# `go list -m -json` through the ordinary Go client (honours GOPROXY); prints the JSON or fails.
go_mod_info() { go list -m -json "$1" 2>/dev/null; }
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);
  for (const k of process.argv[1].split(".")) v = v == null ? v : v[k]; process.stdout.write(v == null ? "" : String(v));});' "$1"; }

# Pseudo-version of a commit, computed from a tag's .info (Go's Time of a tag = committer time).
# $1 = major prefix ("v4.0.0" / "v0.0.0"), $2 = tag .info JSON
pseudo_from_info() {
  local t h
  t="$(json_field Time <<<"$2")"; h="$(json_field Origin.Hash <<<"$2")"
  [[ -n "$t" && -n "$h" ]] || return 1
  t="$(TZ=UTC date -d "$t" +%Y%m%d%H%M%S)"
  echo "$1-$t-${h:0:12}"
}

# Wrapper module: `go install pkg@version` refuses modules whose go.mod has replace lines, so we
# build from a throwaway module that requires the target and repeats its replace lines.
# $1 dir, $2 target module, $3 target version, then "module@version" pins.
make_wrapper() {
  local dir="$1" mod="$2" ver="$3"; shift 3
  mkdir -p "$dir"
  local gomod
  gomod="$(go mod download -json "$mod@$ver" | json_field GoMod)" || return 1
  local godirective
  godirective="$(go mod edit -json "$gomod" | json_field Go)"
  printf 'module toolchain.local/wrapper\n\ngo %s\n\nrequire %s %s\n' "$godirective" "$mod" "$ver" >"$dir/go.mod"
  rm -f "$dir/go.sum"
  # Repeat the target's replace lines. Those pointing at published versions are copied; those
  # pointing at local paths (the monorepo's own ../sdk and friends) are dropped, which is only
  # right when the target requires the replaced module at a published version -- checked here.
  local replaces
  replaces="$(go mod edit -json "$gomod" | node -e '
    let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{
      const m = JSON.parse(s), req = new Map((m.Require||[]).map(r=>[r.Path,r.Version]));
      for (const r of m.Replace||[]) {
        const oldSpec = r.Old.Path + (r.Old.Version ? "@" + r.Old.Version : "");
        if (r.New.Version) console.log("keep " + oldSpec + "=" + r.New.Path + "@" + r.New.Version);
        else if (req.has(r.Old.Path) && !/^v\d+\.0\.0-00010101000000-/.test(req.get(r.Old.Path)))
          console.log("drop " + oldSpec + " " + r.New.Path);
        else console.log("fail " + oldSpec + " " + r.New.Path);
      }});')"
  local action spec rest
  while read -r action spec rest; do
    case "$action" in
      keep) (cd "$dir" && go mod edit -replace="$spec") ;;
      drop) log "  $mod: dropping local replace $spec => $rest (required at a published version)" ;;
      fail) log "  $mod: replace $spec => $rest points to a local path and is not required at a published version"; return 1 ;;
    esac
  done <<<"$replaces"
  local pin
  for pin in "$@"; do (cd "$dir" && go mod edit -require="$pin"); done
}

step_done() { [[ -f "$KEY_DIR/done/$1" ]]; }
mark_done() { printf '%s\n' "${2:-ok}" >"$KEY_DIR/done/$1"; }

SUMMARY=()     # lines for the final report
MISSING=()     # plugins that could not be built

# ---------------------------------------------------------------------------------------------
# 1. The CLI: github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the @pulumi/pulumi version.
# ---------------------------------------------------------------------------------------------
CLI_MOD=github.com/pulumi/pulumi/pkg/v3
SDK_MOD=github.com/pulumi/pulumi/sdk/v3
VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version

resolve_cli() {
  step_done cli-resolved && return 0
  log "cli: resolving $CLI_MOD@v$PULUMI_VERSION"
  make_wrapper "$KEY_DIR/src/cli" "$CLI_MOD" "v$PULUMI_VERSION" "$SDK_MOD@v$PULUMI_VERSION" || return 1
  (cd "$KEY_DIR/src/cli" && run_logged cli go get "$CLI_MOD/cmd/pulumi@v$PULUMI_VERSION" "$SDK_MOD@v$PULUMI_VERSION") || return 1
  mark_done cli-resolved
}

build_cli() {
  if step_done cli && [[ -x "$BIN/pulumi" ]]; then return 0; fi
  log "cli: go build pulumi v$PULUMI_VERSION (cold: ~8 min on 2 cores)"
  # osusergo: the release build uses the pure-Go os/user too.
  (cd "$KEY_DIR/src/cli" && run_logged cli go build -trimpath -tags osusergo \
      -ldflags "$LDFLAGS_BASE -X $VERSION_PKG.Version=v$PULUMI_VERSION" \
      -o "$BIN/pulumi" "$CLI_MOD/cmd/pulumi") || return 1
  mark_done cli "v$PULUMI_VERSION"
}

# ---------------------------------------------------------------------------------------------
# 2. The Node.js language host (its own untagged module in the pulumi repo).
#    Wanted: the pseudo-version of the CLI release commit. Our proxy serves pseudo-versions only
#    when they were fetched publicly before its cut-off (~2026-02-21); nobody fetches this
#    module for a release commit, so the newest one served is v3.0.0-20250806165243-bee5e4fa4815
#    (used by pulumi-docker-build). That commit's pulumi-language-nodejs/*.go are byte-identical
#    to release v3.188.0, and it only compiles against pkg/sdk v3.188.0 (later SDKs changed the
#    gRPC interfaces and codegen APIs it uses), so it is built as the v3.188.0 language host.
#    Checked with CLI v3.248.0 + @pulumi/pulumi 3.248.0: TypeScript programs run (up, preview,
#    destroy). Node policy packs run too, but since CLI v3.221.0 the engine starts them through
#    the language host's RunPlugin, whose policy handling only exists in hosts >= v3.221.0: this
#    host starts the pack in the program's directory (so the program's package.json needs a
#    "version", which @pulumi/policy then reports as the pack's) and passes it no stack/project/
#    config environment.
# ---------------------------------------------------------------------------------------------
LH_MOD=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
LH_FALLBACK_VER=v3.0.0-20250806165243-bee5e4fa4815
LH_FALLBACK_LIBS=v3.188.0
LH_VER="" LH_LIBS="" LH_NOTE=""

resolve_langhost_source() {
  if step_done langhost-source; then
    read -r LH_VER LH_LIBS LH_NOTE <"$KEY_DIR/done/langhost-source"; return 0
  fi
  local info pseudo
  if info="$(go_mod_info "$CLI_MOD@v$PULUMI_VERSION")" && pseudo="$(pseudo_from_info v3.0.0 "$info")" \
     && go_mod_info "$LH_MOD@$pseudo" >/dev/null; then
    LH_VER="$pseudo" LH_LIBS="v$PULUMI_VERSION" LH_NOTE="release-commit"
  else
    log "langhost: $LH_MOD@${pseudo:-?} (CLI release commit) is not served by the module proxy; using $LH_FALLBACK_VER = language host of v${LH_FALLBACK_LIBS#v}"
    LH_VER="$LH_FALLBACK_VER" LH_LIBS="$LH_FALLBACK_LIBS" LH_NOTE="fallback"
  fi
  mark_done langhost-source "$LH_VER $LH_LIBS $LH_NOTE"
}

resolve_langhost() {
  resolve_langhost_source || return 1
  step_done langhost-resolved && return 0
  log "langhost: resolving $LH_MOD@$LH_VER with pulumi libs $LH_LIBS"
  make_wrapper "$KEY_DIR/src/langhost" "$LH_MOD" "$LH_VER" "$CLI_MOD@$LH_LIBS" "$SDK_MOD@$LH_LIBS" || return 1
  (cd "$KEY_DIR/src/langhost" && run_logged langhost go get "$LH_MOD@$LH_VER" "$CLI_MOD@$LH_LIBS" "$SDK_MOD@$LH_LIBS") || return 1
  mark_done langhost-resolved
}

build_langhost() {
  if step_done langhost && [[ -x "$BIN/pulumi-language-nodejs" ]]; then return 0; fi
  log "langhost: go build pulumi-language-nodejs ($LH_VER, reports $LH_LIBS)"
  (cd "$KEY_DIR/src/langhost" && run_logged langhost go build -trimpath -tags osusergo \
      -ldflags "$LDFLAGS_BASE -X $VERSION_PKG.Version=$LH_LIBS" \
      -o "$BIN/pulumi-language-nodejs" "$LH_MOD") || return 1
  mark_done langhost "$LH_VER"
}

# ---------------------------------------------------------------------------------------------
# 3. Resource plugins. Their Go code lives in untagged modules under provider/ of each repo.
#    The release commit is the one the repo's root tag vX.Y.Z points at (the sdk/vX.Y.Z tag sits
#    on a child commit that only carries sdk/). Where the proxy does not serve that commit's
#    pseudo-version, KNOWN_SOURCES lists a served commit whose provider/ code is the release's.
# ---------------------------------------------------------------------------------------------
declare -A PROVIDER_MOD=(
  [kubernetes]=github.com/pulumi/pulumi-kubernetes/provider/v4
  [random]=github.com/pulumi/pulumi-random/provider/v4
  [command]=github.com/pulumi/pulumi-command/provider
)
declare -A ROOT_MOD=(           # module whose vX.Y.Z tag marks the provider release commit
  [kubernetes]="github.com/pulumi/pulumi-kubernetes@v%s+incompatible"
  [random]="github.com/pulumi/pulumi-random@v%s+incompatible"
  [command]="github.com/pulumi/pulumi-command@v%s"
)
declare -A PSEUDO_BASE=([kubernetes]=v4.0.0 [random]=v4.0.0 [command]=v0.0.0)
declare -A KNOWN_SOURCES=(
  # v4.26.0 release + 7 commits that only bump provider/go.mod (pulumi 3.222 -> 3.223); the
  # release commit itself (ca4c5d052855) is not served.
  [kubernetes@4.26.0]=v4.0.0-20260221072617-193bc120a557
  # exactly the v4.25.0 release commit
  [kubernetes@4.25.0]=v4.0.0-20260115033456-f47bc2d6f199
)
# What to tell people to pin when their version cannot be built.
declare -A PIN_ADVICE=(
  [kubernetes]="pin @pulumi/kubernetes to 4.26.0 (newest release whose provider code the proxy serves; 4.25.0 also works)"
  [random]="no version of github.com/pulumi/pulumi-random/provider/v4 is served by the proxy (release commits of 4.15.0 .. 4.21.2 all answer 403); nothing to pin"
  [command]="no version of github.com/pulumi/pulumi-command/provider is served by the proxy (release commits of 0.10.0 .. 1.2.1 all answer 403); nothing to pin"
)
declare -A PLUGIN_SRC=()

resolve_plugin_source() {
  local name="$1" ver="${PLUGIN_VERSION[$1]}" mod="${PROVIDER_MOD[$1]}"
  if step_done "$name-source"; then PLUGIN_SRC[$name]="$(cat "$KEY_DIR/done/$name-source")"; return 0; fi
  step_done "$name-unavailable" && return 1
  local cand="" info root
  # shellcheck disable=SC2059
  root="$(printf "${ROOT_MOD[$name]}" "$ver")"
  if info="$(go_mod_info "$root")" && cand="$(pseudo_from_info "${PSEUDO_BASE[$name]}" "$info")" \
     && go_mod_info "$mod@$cand" >/dev/null; then
    :
  elif [[ -n "${KNOWN_SOURCES[$name@$ver]:-}" ]]; then
    cand="${KNOWN_SOURCES[$name@$ver]}"
  else
    log "$name: $mod for release $ver (${cand:-release tag not served}) cannot be downloaded from the module proxy"
    log "$name: ${PIN_ADVICE[$name]}"
    # Remembered per key, so later runs do not ask the proxy again (bump RECIPE_REV to retry).
    mark_done "$name-unavailable" "${PIN_ADVICE[$name]}"
    return 1
  fi
  PLUGIN_SRC[$name]="$cand"
  mark_done "$name-source" "$cand"
}

resolve_plugin() {
  local name="$1"
  resolve_plugin_source "$name" || return 1
  step_done "$name-resolved" && return 0
  local mod="${PROVIDER_MOD[$name]}" src="${PLUGIN_SRC[$name]}" dir="$KEY_DIR/src/$name"
  log "$name: resolving $mod@$src"
  make_wrapper "$dir" "$mod" "$src" || return 1
  "prepare_$name" "$dir" "$mod" "$src" || return 1
  (cd "$dir" && run_logged "$name" go mod tidy) || return 1
  mark_done "$name-resolved"
}

# The plugin's main package embeds generated files that are not in the module zip, so it is
# copied into the wrapper module and its generate step is run there.
prepare_kubernetes() {
  local dir="$1" mod="$2" src="$3" srcdir
  srcdir="$(go mod download -json "$mod@$src" | json_field Dir)"
  rm -rf "$dir/cmd"; mkdir -p "$dir/cmd"
  cp -R "$srcdir/cmd/pulumi-resource-kubernetes" "$dir/cmd/"
  chmod -R u+w "$dir/cmd"
}

build_kubernetes() {
  local dir="$1" ver="$2" out="$3"
  # Upstream: `VERSION=<ver> go generate cmd/pulumi-resource-kubernetes/main.go` writes
  # schema-embed.json / terraform-mapping-embed.json from the committed schema.json.
  # (-trimpath here too, so the packages it compiles are reused by the go build below.)
  (cd "$dir/cmd/pulumi-resource-kubernetes" && VERSION="$ver" run_logged kubernetes go run -trimpath generate.go) || return 1
  (cd "$dir" && run_logged kubernetes go build -trimpath \
      -ldflags "$LDFLAGS_BASE -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$ver" \
      -o "$out" ./cmd/pulumi-resource-kubernetes) || return 1
}

build_plugin() {
  local name="$1" ver="${PLUGIN_VERSION[$1]}" out="$KEY_DIR/plugins/pulumi-resource-$1"
  if step_done "$name" && [[ -x "$out" ]]; then return 0; fi
  if ! declare -F "build_$name" >/dev/null; then
    log "$name: source ${PLUGIN_SRC[$name]} is available but this script has no verified recipe for it yet"
    return 1
  fi
  log "$name: go build pulumi-resource-$name $ver (from ${PLUGIN_SRC[$name]})"
  "build_$name" "$KEY_DIR/src/$name" "$ver" "$out" || return 1
  mark_done "$name" "${PLUGIN_SRC[$name]}"
}

install_plugin() {
  local name="$1" ver="${PLUGIN_VERSION[$1]}"
  step_done "$name-installed" && return 0
  log "$name: pulumi plugin install resource $name $ver --file ... (PULUMI_HOME=$PULUMI_HOME)"
  run_logged "$name" "$OUT_BIN/pulumi" plugin install resource "$name" "$ver" \
    --file "$KEY_DIR/plugins/pulumi-resource-$name" || return 1
  mark_done "$name-installed"
}

# ---------------------------------------------------------------------------------------------
# Orchestration. Compiling is CPU bound and go build already uses both cores, so builds run one
# at a time; module downloads are network bound, so everything after the CLI is resolved in the
# background while the CLI compiles. GOCACHE is shared, so nothing is compiled twice.
# ---------------------------------------------------------------------------------------------
log "key $KEY (go $GO_LOCAL_VERSION, cache $CACHE_ROOT)"

BUILD_CLI=0; [[ -z "$EXTERNAL_PULUMI" ]] && BUILD_CLI=1
if [[ $BUILD_CLI == 1 ]]; then resolve_cli || die "cli: could not resolve modules"; fi

prefetch() {
  local rc=0 p
  if [[ $NEED_LANGHOST == 1 ]]; then resolve_langhost || rc=1; fi
  for p in "${PLUGINS[@]}"; do
    step_done "$p-installed" && continue
    resolve_plugin "$p" || true      # reported (and stamped if unavailable) below
  done
  return $rc
}
prefetch &
PREFETCH_PID=$!

if [[ $BUILD_CLI == 1 ]]; then
  build_cli || { kill "$PREFETCH_PID" 2>/dev/null || true; die "cli: build failed"; }
  SUMMARY+=("pulumi                  v$PULUMI_VERSION  ($CLI_MOD@v$PULUMI_VERSION)")
else
  SUMMARY+=("pulumi                  $("$EXTERNAL_PULUMI" version 2>/dev/null) (already on PATH: $EXTERNAL_PULUMI)")
fi
wait "$PREFETCH_PID" || die "langhost: could not resolve modules"

if [[ $NEED_LANGHOST == 1 ]]; then
  resolve_langhost_source
  build_langhost || die "langhost: build failed"
  SUMMARY+=("pulumi-language-nodejs  $LH_LIBS  ($LH_MOD@$LH_VER)")
fi

for p in "${PLUGINS[@]}"; do
  if step_done "$p-installed"; then
    SUMMARY+=("$(printf '%-23s %s  (%s@%s)' "$p" "${PLUGIN_VERSION[$p]}" "${PROVIDER_MOD[$p]}" "$(cat "$KEY_DIR/done/$p")")")
    continue
  fi
  if step_done "$p-unavailable"; then
    MISSING+=("$p ${PLUGIN_VERSION[$p]}: $(cat "$KEY_DIR/done/$p-unavailable")"); continue
  fi
  if ! step_done "$p-resolved"; then
    MISSING+=("$p ${PLUGIN_VERSION[$p]}: module resolution failed, see $KEY_DIR/logs/$p.log"); continue
  fi
  resolve_plugin_source "$p"
  if build_plugin "$p" && install_plugin "$p"; then
    SUMMARY+=("$(printf '%-23s %s  (%s@%s)' "$p" "${PLUGIN_VERSION[$p]}" "${PROVIDER_MOD[$p]}" "${PLUGIN_SRC[$p]}")")
  else
    MISSING+=("$p ${PLUGIN_VERSION[$p]}: build failed, see $KEY_DIR/logs/$p.log")
  fi
done

write_nodejs_shims
write_env_file
log "done in $((SECONDS - T0))s -> $KEY_DIR"
for line in "${SUMMARY[@]}"; do log "  built   $line"; done
for line in "${MISSING[@]}"; do log "  MISSING $line"; done
log "use: PATH=\"$OUT_BIN:\$PATH\" PULUMI_HOME=\"$PULUMI_HOME\"  (or: . $KEY_DIR/env.sh)"

# Only plugins that are unavailable (not failed builds) let the key count as complete: a failed
# build is retried on the next run.
complete=1
for line in "${MISSING[@]}"; do
  step_done "${line%% *}-unavailable" || complete=0
done
if [[ $complete == 1 ]]; then
  { echo "built in $((SECONDS - T0))s"; for line in "${MISSING[@]}"; do echo "MISSING $line"; done; } >"$KEY_DIR/done/all"
fi
if [[ "$STRICT" == 1 && ${#MISSING[@]} -gt 0 ]]; then
  die "${#MISSING[@]} plugin(s) could not be built (PULUMI_TOOLCHAIN_STRICT=1)"
fi
cluster_toolchain
actionlint_toolchain
echo "$OUT_BIN"
