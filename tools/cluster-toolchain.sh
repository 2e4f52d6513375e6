#!/usr/bin/env bash
# Build a local Kubernetes control plane from Go modules only: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl, and kwok/kwokctl (simulated nodes, whose pods
# turn Running and Ready without a container runtime). The local stack's default target and the
# engine tests run on it (scripts/cluster.sh starts it). Nothing here downloads a prebuilt binary.
#
#   bash tools/cluster-toolchain.sh      -> prints the bin directory (last line of stdout)
#
# stdout: only the bin directory. Progress (what is being built, roughly how long is left) on stderr.
#
# Environment knobs (shared with tools/toolchain.sh):
#   PULUMI_TOOLCHAIN_CACHE   cache root (default ~/.cache/grownext-pulumi); the Go module and build
#                            caches (<cache>/go) are shared with the Pulumi toolchain
#
# Layout: <cache>/cluster-<versions>_r<rev>/bin    the binaries
#         <cache>/cluster-<versions>_r<rev>/stages kwok's default stages (scripts/cluster.sh)
#         <cache>/cluster-<versions>_r<rev>/{src,logs,done}  wrapper modules, go logs, stamps
#
# Pitfalls this recipe handles (each one broke a trial build):
#   - kube-* binaries need the version ldflags (k8s.io/component-base/version.gitVersion etc.):
#     without them they report v0.0.0-master and kwokctl cannot read their versions.
#   - k8s.io/kubernetes replaces its staging modules (k8s.io/api, ...) with local paths; the
#     wrapper replaces each of them with the published module at the matching v0.x.y.
#   - etcd: require only go.etcd.io/etcd/server/v3 at the chosen version. Adding etcdctl unpinned
#     pulls a newer API module and breaks the build.
set -euo pipefail

# Pinned versions: the one home of the cluster's versions (scripts/cluster.sh reads them from the
# binaries). Bump RECIPE_REV when the recipe changes in a way that must rebuild.
ETCD_VERSION=3.6.16
KUBE_VERSION=1.35.4
KWOK_VERSION=0.8.0
RECIPE_REV=1

# Cold build time of each step on a 2-core machine, seconds (measured; used only for the progress
# estimate, so a wrong figure only makes the estimate wrong).
declare -A EST=(
  [resolve]=120 [etcd]=90 [kube-apiserver]=330 [kube-controller-manager]=170
  [kube-scheduler]=40 [kubectl]=80 [kwok]=120 [kwokctl]=40
)
STEPS=(resolve etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwokctl)

CACHE_ROOT="${PULUMI_TOOLCHAIN_CACHE:-$HOME/.cache/grownext-pulumi}"
mkdir -p "$CACHE_ROOT" && CACHE_ROOT="$(cd "$CACHE_ROOT" && pwd -P)"
KEY="cluster-etcd-${ETCD_VERSION}_kube-${KUBE_VERSION}_kwok-${KWOK_VERSION}_r${RECIPE_REV}"
KEY_DIR="$CACHE_ROOT/$KEY"
BIN="$KEY_DIR/bin"
T0=$SECONDS

log() { printf '[cluster-toolchain %5ss] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v go >/dev/null || die "'go' is required on PATH"
mkdir -p "$BIN" "$KEY_DIR/src" "$KEY_DIR/logs" "$KEY_DIR/done"

# One builder per key at a time (the engine tests, local-up and CI may all call this script).
if command -v flock >/dev/null; then
  exec 9>"$KEY_DIR/.lock"
  flock -n 9 || { log "another build of $KEY is running; waiting for it"; flock 9; }
fi

step_done() { [[ -f "$KEY_DIR/done/$1" ]]; }
mark_done() { printf '%s\n' "${2:-ok}" >"$KEY_DIR/done/$1"; }

summary() {
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwokctl; do
    log "  built   $(printf '%-24s %s' "$b" "$(cat "$KEY_DIR/done/$b")")"
  done
}

all_built() {
  local s
  for s in "${STEPS[@]}" stages; do step_done "$s" || return 1; done
  [[ -x "$BIN/kwokctl" && -x "$BIN/kube-apiserver" && -x "$BIN/etcd" && -d "$KEY_DIR/stages" ]]
}

if all_built; then
  log "cached: $KEY_DIR"
  summary
  echo "$BIN"
  exit 0
fi

# Go environment: the same caches as tools/toolchain.sh, so a fresh machine fills one directory.
export GOMODCACHE="$CACHE_ROOT/go/mod" GOCACHE="$CACHE_ROOT/go/build"
export GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0
cd "$KEY_DIR"

json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);
  for (const k of process.argv[1].split(".")) v = v == null ? v : v[k]; process.stdout.write(v == null ? "" : String(v));});' "$1"; }

run_logged() {
  local logfile="$KEY_DIR/logs/$1.log"; shift
  if ! "$@" >>"$logfile" 2>&1; then
    log "command failed: $* (log: $logfile)"
    tail -n 25 "$logfile" >&2
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Progress: the remaining estimate is the sum of the estimates of the steps not done yet, less the
# time already spent on the current one. A ticker repeats it every 30 s while go works silently.
# ---------------------------------------------------------------------------------------------
# The estimates are for an idle machine: once steps have finished, the rest is scaled by how much
# slower than estimated those went (a busy machine, fewer cores).
DONE_EST=0 DONE_SPENT=0 STEP_STARTED=0
scaled() { if ((DONE_EST > 0 && DONE_SPENT > DONE_EST)); then echo $(($1 * DONE_SPENT / DONE_EST)); else echo "$1"; fi; }
remaining_after() {   # seconds expected for the steps after $1 that are not done
  local s seen=0 total=0
  for s in "${STEPS[@]}"; do
    if [[ $seen == 1 ]] && ! step_done "$s"; then total=$((total + EST[$s])); fi
    [[ "$s" == "$1" ]] && seen=1
  done
  scaled "$total"
}
fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
TICKER=""
start_step() {
  local name="$1" what="$2" idx=0 i
  for i in "${!STEPS[@]}"; do [[ "${STEPS[$i]}" == "$name" ]] && idx=$((i + 1)); done
  stop_ticker
  local after est; after="$(remaining_after "$name")"; est="$(scaled "${EST[$name]}")"
  log "[$idx/${#STEPS[@]}] $what (~$(fmt "$est"); about $(fmt $((est + after))) left in all)"
  STEP_NAME="$name" STEP_STARTED=$SECONDS
  (
    while sleep 30; do
      # Past its estimate, the step says how much slower this machine is: scale the rest alike.
      spent=$((SECONDS - STEP_STARTED)); left=$((est - spent)) rest=$after
      if ((left < 15)); then left=15; rest=$((after * spent / (est > 0 ? est : 1))); fi
      log "    still building $name: $(fmt "$spent") so far, about $(fmt $((left + rest))) left in all"
    done
  ) &
  TICKER=$!
}
stop_ticker() {
  if [[ -n "$TICKER" ]]; then
    kill "$TICKER" 2>/dev/null || true; wait "$TICKER" 2>/dev/null || true; TICKER=""
    DONE_EST=$((DONE_EST + EST[$STEP_NAME])) DONE_SPENT=$((DONE_SPENT + SECONDS - STEP_STARTED))
  fi
  return 0
}
trap stop_ticker EXIT

# ---------------------------------------------------------------------------------------------
# Wrapper modules (one per upstream, so each keeps its own dependency versions).
# ---------------------------------------------------------------------------------------------
GO_DIRECTIVE="$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1.0/')"
new_wrapper() {   # $1 dir, then "module version" pairs to require
  local dir="$1"; shift
  rm -rf "$dir"; mkdir -p "$dir"
  printf 'module toolchain.local/%s\n\ngo %s\n' "$(basename "$dir")" "$GO_DIRECTIVE" >"$dir/go.mod"
  while [[ $# -gt 0 ]]; do (cd "$dir" && go mod edit -require="$1@$2"); shift 2; done
}

resolve() {
  step_done resolve && return 0
  start_step resolve "resolving modules (etcd $ETCD_VERSION, kubernetes $KUBE_VERSION, kwok $KWOK_VERSION)"
  # etcd: the server module is the etcd binary's main package.
  new_wrapper "$KEY_DIR/src/etcd" go.etcd.io/etcd/server/v3 "v$ETCD_VERSION"
  (cd "$KEY_DIR/src/etcd" && run_logged resolve go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION") || return 1

  # kubernetes: every staging module replaced by the published one at v0.<minor>.<patch>.
  local kdir="$KEY_DIR/src/kubernetes" gomod staging
  new_wrapper "$kdir" k8s.io/kubernetes "v$KUBE_VERSION"
  gomod="$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | json_field GoMod)" || return 1
  staging="$(go mod edit -json "$gomod" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
    for (const r of JSON.parse(s).Replace || []) if (r.New.Path.startsWith("./staging/")) console.log(r.Old.Path);});')"
  [[ -n "$staging" ]] || { log "no staging replaces found in $gomod"; return 1; }
  local m staging_ver="v0.${KUBE_VERSION#*.}"
  while read -r m; do (cd "$kdir" && go mod edit -replace="$m=$m@$staging_ver"); done <<<"$staging"
  (cd "$kdir" && run_logged resolve go get "k8s.io/kubernetes@v$KUBE_VERSION") || return 1
  (cd "$kdir" && run_logged resolve go mod download) || return 1

  new_wrapper "$KEY_DIR/src/kwok" sigs.k8s.io/kwok "v$KWOK_VERSION"
  (cd "$KEY_DIR/src/kwok" && run_logged resolve go get "sigs.k8s.io/kwok@v$KWOK_VERSION") || return 1
  mark_done resolve
}

# Build one binary reproducibly: -trimpath, no VCS stamp, fixed ldflags (no build id, no date but
# the release's own), static (CGO_ENABLED=0).
gobuild() {   # $1 name, $2 wrapper dir, $3 package, $4 version label, $5 extra ldflags
  local name="$1" dir="$2" pkg="$3" label="$4" ld="$5"
  if step_done "$name" && [[ -x "$BIN/$name" ]]; then return 0; fi
  start_step "$name" "go build $name $label ($pkg)"
  (cd "$dir" && run_logged "$name" go build -trimpath -ldflags "-s -w -buildid= $ld" -o "$BIN/$name.tmp" "$pkg") || return 1
  mv "$BIN/$name.tmp" "$BIN/$name"
  mark_done "$name" "$label  ($pkg)"
}

mod_info_field() { go list -m -json "$1" 2>/dev/null | json_field "$2"; }

build_all() {
  resolve || die "could not resolve modules (log: $KEY_DIR/logs/resolve.log)"

  # etcd's version is a constant in its source; its git SHA is not known from a module (the proxy's
  # .info carries no commit), so it stays unset, as in any `go build` of etcd.
  gobuild etcd "$KEY_DIR/src/etcd" go.etcd.io/etcd/server/v3 "v$ETCD_VERSION" "" || die "etcd: build failed"

  # The version stamp of upstream's hack/lib/version.sh, in both version packages (kwokctl reads it
  # from `--version`). The build date is the release's time from the module proxy, so two builds of
  # one version are byte-identical; the commit is not known from a module and stays unset.
  local date minor kld="" k
  date="$(TZ=UTC date -d "$(mod_info_field "k8s.io/kubernetes@v$KUBE_VERSION" Time)" +%Y-%m-%dT%H:%M:%SZ)"
  minor="${KUBE_VERSION#*.}"; minor="${minor%%.*}"
  for k in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    kld+=" -X $k.gitVersion=v$KUBE_VERSION -X $k.gitMajor=${KUBE_VERSION%%.*} -X $k.gitMinor=$minor"
    kld+=" -X $k.gitTreeState=clean -X $k.buildDate=$date"
  done
  for k in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    gobuild "$k" "$KEY_DIR/src/kubernetes" "k8s.io/kubernetes/cmd/$k" "v$KUBE_VERSION" "$kld" || die "$k: build failed"
  done

  # kwokctl defaults to a newer Kubernetes than ours; say which one its binaries are (upstream format, no v).
  local wld="-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=$KUBE_VERSION"
  gobuild kwok "$KEY_DIR/src/kwok" sigs.k8s.io/kwok/cmd/kwok "v$KWOK_VERSION" "$wld" || die "kwok: build failed"
  gobuild kwokctl "$KEY_DIR/src/kwok" sigs.k8s.io/kwok/cmd/kwokctl "v$KWOK_VERSION" "$wld" || die "kwokctl: build failed"
  stop_ticker
  copy_default_stages || die "could not copy kwok's default stages"
}

# kwokctl drops all of its default stages as soon as its config names one stage, so the cluster's
# config (scripts/cluster.sh) lists them with ours: here are kwokctl's defaults for the binary
# runtime (node-initialize, node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete), taken
# from the pinned kwok module, which embeds these very files.
copy_default_stages() {
  step_done stages && [[ -d "$KEY_DIR/stages" ]] && return 0
  local src f
  src="$(cd "$KEY_DIR/src/kwok" && go list -m -json "sigs.k8s.io/kwok" | json_field Dir)/kustomize/stage"
  rm -rf "$KEY_DIR/stages"; mkdir -p "$KEY_DIR/stages"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    cp "$src/$f" "$KEY_DIR/stages/" || return 1
  done
  chmod -R u+w "$KEY_DIR/stages"
  mark_done stages "kwok v$KWOK_VERSION defaults"
}

log "key $KEY (go $(go env GOVERSION), cache $CACHE_ROOT)"
build_all
log "done in $((SECONDS - T0))s -> $BIN ($(du -sh "$BIN" | cut -f1))"
summary
echo "$BIN"
