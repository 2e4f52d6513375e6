# Sourced by local-up.sh and local-down.sh: the toolchain on PATH, the file backend, the passphrase,
# and the stack config for the cluster target. Run from the repository root.
# shellcheck shell=bash

[[ -d node_modules ]] || npm ci --no-audit --no-fund
bin="$(bash tools/toolchain.sh)"
export PATH="$bin:$PATH"
pulumi_home="$(dirname "$bin")/pulumi-home"
if [[ -d "$pulumi_home" ]]; then export PULUMI_HOME="$pulumi_home"; fi
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_NODEJS_TRANSPILE_ONLY="${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-local-stack-only}"
mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"

# The local stack's config on the cluster target: Pulumi.local.yaml (re-read on every run, so a
# `pulumi config set` on the local stack still counts) plus the cluster's kubeconfig, and probes off
# (they run through the command plugin, which cannot be built from the Go module proxy; the kwok
# node runs no containers that could answer them anyway). Written to .cluster/, git-ignored, so the
# committed stack file never changes. Prints the file's path.
local_cluster_config() {
  local kubeconfig="$1" file=.cluster/Pulumi.local.yaml
  mkdir -p .cluster
  cp Pulumi.local.yaml "$file"
  pulumi config set --stack local --config-file "$file" --path kubernetes.kubeconfig "$kubeconfig" >/dev/null
  pulumi config set --stack local --config-file "$file" --path probes.enabled false --type bool >/dev/null
  echo "$file"
}
