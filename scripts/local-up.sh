#!/usr/bin/env bash
# The main job on the embedded default: `pulumi up` of the local stack, with no cloud account,
# against a real Kubernetes API server on this machine (scripts/cluster.sh: etcd, kube-apiserver,
# controller-manager, scheduler and a kwok node, all on 127.0.0.1).
#
#   npm run local:up                       cluster target (default)
#   npm run local:up -- --render           render the manifests to rendered/local instead
#   npm run local:up -- <pulumi up flags>  e.g. --diff, --refresh
#
# Uses a pulumi already on PATH, or builds one from Go modules (tools/toolchain.sh, cached under
# ~/.cache, which builds the cluster's binaries too). State lives in a file backend under
# .pulumi-state/ (git-ignored); secrets use a passphrase (PULUMI_CONFIG_PASSPHRASE, default below:
# the local stack holds no real credentials). The policy pack runs on the update, as CI runs it on
# every preview.
#
# On the cluster target the stack's config is Pulumi.local.yaml plus the cluster's kubeconfig and
# probes off (scripts/local-env.sh says why), written to the git-ignored .cluster/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGET="${GROWNEXT_LOCAL_TARGET:-cluster}"
UP_ARGS=()
for a in "$@"; do
  case "$a" in
    --render) TARGET=render ;;
    *) UP_ARGS+=("$a") ;;
  esac
done

. scripts/local-env.sh

# The program runs compiled (entry.js picks bin/ when it is current): build it when a source changed.
node entry.js --check 2>/dev/null || npm run build --silent

pulumi stack select --create local --non-interactive

CONFIG_ARGS=()
if [[ "$TARGET" == cluster ]]; then
  kubeconfig="$(bash scripts/cluster.sh up | tail -n 1)"
  config_file="$(local_cluster_config "$kubeconfig")"
  CONFIG_ARGS=(--config-file "$config_file")
  echo "Target: the local cluster: KUBECONFIG=$kubeconfig $(bash tools/cluster-toolchain.sh 2>/dev/null)/kubectl get pods -n grownext" >&2
else
  echo "Target: manifests rendered to rendered/local (no cluster)" >&2
fi

pulumi up --stack local --yes --non-interactive "${CONFIG_ARGS[@]}" \
  --policy-pack policies --policy-pack-config policies/config/local.json "${UP_ARGS[@]}"
pulumi stack output --stack local
