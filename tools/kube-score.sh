#!/usr/bin/env bash
# kube-score (an outside Kubernetes linter) built from Go modules, cached, then run on manifests.
#
#   bash tools/kube-score.sh --print-bin        -> builds if needed, prints the binary's path
#   bash tools/kube-score.sh score <files...>   -> builds if needed, runs `kube-score score ...`
#
# Nothing is downloaded but Go modules from the module proxy; nothing is written into the repo.
# A cache hit is one stat of the binary (instant). Progress goes to stderr; stdout is the binary's
# path (--print-bin) or kube-score's own output.
#
# Environment knobs:
#   PULUMI_TOOLCHAIN_CACHE   cache root (default ~/.cache/grownext-pulumi); the Go module and build
#                            caches (<cache>/go) are shared with tools/toolchain.sh
set -euo pipefail

# The one home of kube-score's version. Bump RECIPE_REV when the recipe changes and must rebuild.
KUBE_SCORE_VERSION=1.20.0
RECIPE_REV=1

CACHE_ROOT="${PULUMI_TOOLCHAIN_CACHE:-$HOME/.cache/grownext-pulumi}"
mkdir -p "$CACHE_ROOT" && CACHE_ROOT="$(cd "$CACHE_ROOT" && pwd -P)"
KEY_DIR="$CACHE_ROOT/kube-score-${KUBE_SCORE_VERSION}_r${RECIPE_REV}"
BIN="$KEY_DIR/bin/kube-score"

log() { printf '[kube-score] %s\n' "$*" >&2; }

build() {
  command -v go >/dev/null || { log "ERROR: 'go' is required on PATH to build kube-score"; exit 1; }
  mkdir -p "$KEY_DIR/bin"
  # One builder at a time (parallel test runs may all call this script).
  if command -v flock >/dev/null; then
    exec 9>"$KEY_DIR/.lock"
    flock 9
  fi
  [[ -x "$BIN" ]] && return 0
  export GOMODCACHE="$CACHE_ROOT/go/mod" GOCACHE="$CACHE_ROOT/go/build"
  export GOFLAGS="-buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0
  log "building github.com/zegl/kube-score/cmd/kube-score@v${KUBE_SCORE_VERSION} (a few minutes cold)"
  local t0=$SECONDS
  # GOBIN into a temporary directory, then a rename: a half-written binary is never taken for a hit.
  local tmp; tmp="$(mktemp -d "$KEY_DIR/build.XXXXXX")"
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w -buildid= -X main.version=${KUBE_SCORE_VERSION}" \
    "github.com/zegl/kube-score/cmd/kube-score@v${KUBE_SCORE_VERSION}" >&2
  mv "$tmp/kube-score" "$BIN" && rmdir "$tmp"
  log "built $BIN in $((SECONDS - t0)) s"
}

[[ -x "$BIN" ]] || build

case "${1:-}" in
  --print-bin) printf '%s\n' "$BIN" ;;
  "") log "usage: $0 --print-bin | <kube-score arguments>"; exit 2 ;;
  *) exec "$BIN" "$@" ;;
esac
