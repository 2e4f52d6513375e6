#!/usr/bin/env bash
# Undo `npm run local:up`: destroy the local stack (cluster objects or rendered manifests), then stop
# the local cluster and delete its state (.cluster/).
#
#   npm run local:down
#   npm run local:down -- --keep-cluster   destroy the stack, leave the cluster running
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KEEP_CLUSTER=0
for a in "$@"; do
  case "$a" in
    --keep-cluster) KEEP_CLUSTER=1 ;;
    *) echo "unknown option: $a (usage: npm run local:down [-- --keep-cluster])" >&2; exit 2 ;;
  esac
done

. scripts/local-env.sh

if pulumi stack select local --non-interactive 2>/dev/null; then
  CONFIG_ARGS=()
  if [[ -d .cluster/kwok/clusters/"${GROWNEXT_CLUSTER_NAME:-grownext}" ]]; then
    # The stack may live in the cluster: it must be up for its objects to be deleted.
    kubeconfig="$(bash scripts/cluster.sh up | tail -n 1)"
    CONFIG_ARGS=(--config-file "$(local_cluster_config "$kubeconfig")")
  else
    # No cluster left: whatever the stack held there is gone with it, so the provider may drop
    # what it cannot reach instead of failing.
    export PULUMI_K8S_DELETE_UNREACHABLE=true
  fi
  pulumi destroy --stack local --yes --non-interactive --skip-preview "${CONFIG_ARGS[@]}"
else
  echo "no local stack in ${PULUMI_BACKEND_URL}: nothing to destroy" >&2
fi

if [[ $KEEP_CLUSTER == 0 ]]; then
  bash scripts/cluster.sh down
fi
