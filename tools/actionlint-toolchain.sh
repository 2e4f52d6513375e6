#!/usr/bin/env bash
# Build actionlint (the GitHub Actions workflow linter) from Go modules into the toolchain cache,
# once per version; later runs only print its path. `npm run lint` and the workflow tests
# (test/ci) call it; scripts/toolchain.sh calls it too, so `npm run toolchain` prepares it.
#
#   bash tools/actionlint-toolchain.sh   -> prints the actionlint binary's path (only stdout line)
#
# Cold: about 1.5 minutes on 2 cores (measured: 86 s) (module download + compile); cached: instant. actionlint runs
# ShellCheck over `run:` scripts when shellcheck is on PATH (Debian: `apt-get install shellcheck`).
#
# Environment knobs (shared with scripts/toolchain.sh):
#   PULUMI_TOOLCHAIN_CACHE   cache root (default ~/.cache/grownext-pulumi); <cache>/go holds the Go
#                            module and build caches shared with the Pulumi toolchain
set -euo pipefail

# The one home of actionlint's version (docs/lint.md quotes it; bump here to upgrade).
ACTIONLINT_VERSION=1.7.12
ACTIONLINT_MOD=github.com/rhysd/actionlint/cmd/actionlint

CACHE_ROOT="${PULUMI_TOOLCHAIN_CACHE:-$HOME/.cache/grownext-pulumi}"
KEY_DIR="$CACHE_ROOT/actionlint-$ACTIONLINT_VERSION"
BIN="$KEY_DIR/bin/actionlint"

log() { printf '[actionlint-toolchain] %s\n' "$*" >&2; }

if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { log "ERROR: 'go' is required on PATH to build actionlint v$ACTIONLINT_VERSION"; exit 1; }
mkdir -p "$KEY_DIR"
# One builder at a time (parallel test workers may all call this script).
if command -v flock >/dev/null; then
  exec 9>"$KEY_DIR/.lock"
  flock 9
  if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
fi

export GOMODCACHE="$CACHE_ROOT/go/mod" GOCACHE="$CACHE_ROOT/go/build"
export GOFLAGS="-buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$KEY_DIR/bin"
cd "$KEY_DIR"   # no unrelated go.mod from $PWD
log "building $ACTIONLINT_MOD@v$ACTIONLINT_VERSION (cold: ~1-2 min; cached afterwards in $KEY_DIR)"
# `actionlint -version` reads the module version from the build info that `go install mod@v` records.
if ! go install -trimpath -ldflags "-s -w" "$ACTIONLINT_MOD@v$ACTIONLINT_VERSION" >"$KEY_DIR/build.log" 2>&1; then
  log "ERROR: go install failed (log: $KEY_DIR/build.log)"
  tail -n 25 "$KEY_DIR/build.log" >&2
  exit 1
fi
echo "$BIN"
