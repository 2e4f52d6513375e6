#!/usr/bin/env bash
# The main job on the embedded default: `pulumi up` of the local stack, with no cloud account.
# Uses a pulumi already on PATH, or builds one from Go modules (scripts/toolchain.sh, cached under
# ~/.cache). State lives in a file backend under .pulumi-state/ (git-ignored); secrets use a
# passphrase (PULUMI_CONFIG_PASSPHRASE, default below: the local stack holds no real credentials).
# The policy pack runs on the update, as CI runs it on every preview.
# Manifests land in rendered/local unless kubernetes.context points at a local cluster.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -d node_modules ]] || npm ci --no-audit --no-fund
bin="$(bash scripts/toolchain.sh)"
export PATH="$bin:$PATH"
[[ -d "$(dirname "$bin")/pulumi-home" ]] && export PULUMI_HOME="$(dirname "$bin")/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_NODEJS_TRANSPILE_ONLY="${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-local-stack-only}"
mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"

pulumi stack select --create local --non-interactive
pulumi up --stack local --yes --non-interactive \
  --policy-pack policies --policy-pack-config policies/config/local.json "$@"
pulumi stack output --stack local
