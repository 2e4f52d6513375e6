#!/usr/bin/env bash
# The local stack's Kubernetes cluster: a real API server (etcd, kube-apiserver, controller-manager,
# scheduler) with a kwok node whose pods turn Running and Ready without a container runtime. The
# binaries come from tools/cluster-toolchain.sh (built from Go modules, cached under ~/.cache).
#
#   bash scripts/cluster.sh up        start the cluster, or reuse the running one; last stdout line:
#                                     the kubeconfig path
#   bash scripts/cluster.sh volumes   make the PersistentVolumes the StatefulSets claim (there is no
#                                     provisioner), and free the ones a deleted claim left Released
#   bash scripts/cluster.sh down      stop the cluster and delete its state
#   bash scripts/cluster.sh kubeconfig   print the kubeconfig path (the cluster may be down)
#
# Everything binds 127.0.0.1 only (kwokctl binds 0.0.0.0 unless told), and the node's IP is
# loopback too (scripts/cluster/node.yaml; kwok's own default may equal the machine's gateway), so
# nothing can collide with the gateway or send traffic off the machine.
# State lives in .cluster/ (git-ignored) of the repo.
#
# Environment knobs:
#   GROWNEXT_CLUSTER_NAME     cluster name (default grownext; the engine tests use their own)
#   GROWNEXT_CLUSTER_STATE    state folder (default <repo>/.cluster)
#   GROWNEXT_CLUSTER_VOLUMES  PersistentVolumes in the pool (default 6; the local stack claims 3)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME="${GROWNEXT_CLUSTER_NAME:-grownext}"
STATE="${GROWNEXT_CLUSTER_STATE:-$REPO_ROOT/.cluster}"
VOLUMES="${GROWNEXT_CLUSTER_VOLUMES:-6}"
# Large enough for any claim of the local stack (data.inCluster.storageSize is 2Gi there).
VOLUME_SIZE=20Gi
# The labels that say an object belongs to this script, not to the stack.
POOL_LABEL="app.kubernetes.io/managed-by=grownext-local-cluster"
T0=$SECONDS

log() { printf '[cluster %4ss] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$NAME" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "GROWNEXT_CLUSTER_NAME must be a DNS label, got '$NAME'"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd -P)"
export KWOK_WORKDIR="$STATE/kwok"
KUBECONFIG_FILE="$STATE/$NAME.kubeconfig"
CLUSTER_DIR="$KWOK_WORKDIR/clusters/$NAME"

cluster_bin() {
  BIN="$(bash "$REPO_ROOT/tools/cluster-toolchain.sh")" || die "the cluster binaries could not be built"
  STAGES_DIR="$(dirname "$BIN")/stages"
  export PATH="$BIN:$PATH"
}

k() { kubectl --kubeconfig "$KUBECONFIG_FILE" "$@"; }

ready() { [[ -f "$KUBECONFIG_FILE" ]] && k get --raw /readyz >/dev/null 2>&1; }

# The kwokctl config: runtime, binaries, loopback address, admission on (Pod Security), and the
# stages: kwok's defaults (copied from the pinned kwok module by the build) plus ours.
write_config() {
  local f="$STATE/$NAME.kwokctl.yaml" s
  {
    cat <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeAuthorization: true
  kubeAdmission: true
  kubeApiserverBinary: $BIN/kube-apiserver
  kubeControllerManagerBinary: $BIN/kube-controller-manager
  kubeSchedulerBinary: $BIN/kube-scheduler
  kwokControllerBinary: $BIN/kwok
  etcdBinary: $BIN/etcd
  kubectlBinary: $BIN/kubectl
EOF
    for s in "$STAGES_DIR"/*.yaml "$REPO_ROOT/scripts/cluster/stages.yaml"; do
      printf -- '---\n'; cat "$s"
    done
  } >"$f"
  echo "$f"
}

up() {
  cluster_bin
  if ready; then
    log "reusing the running cluster '$NAME' ($(k config view --minify -o jsonpath='{.clusters[0].cluster.server}'))"
  else
    if [[ -d "$CLUSTER_DIR" ]] && grep -qF "$BIN/" "$CLUSTER_DIR/kwok.yaml" 2>/dev/null; then
      log "starting the stopped cluster '$NAME'"
      kwokctl start cluster --name "$NAME" --wait 2m --timeout 3m >&2 8>&- || { log "could not start it: re-creating"; delete_cluster; }
    elif [[ -d "$CLUSTER_DIR" ]]; then
      log "cluster '$NAME' was made with other binaries: re-creating it"
      delete_cluster
    fi
    if ! ready; then
      local cfg; cfg="$(write_config)"
      log "creating cluster '$NAME' (kwokctl, binary runtime, 127.0.0.1 only)"
      rm -f "$KUBECONFIG_FILE"
      kwokctl create cluster --name "$NAME" --config "$cfg" --kubeconfig "$KUBECONFIG_FILE" \
        --wait 2m --timeout 3m >&2 8>&- || die "kwokctl create cluster failed (logs: $CLUSTER_DIR/logs)"
      chmod 600 "$KUBECONFIG_FILE"
    fi
  fi
  ready || die "the API server of '$NAME' does not answer /readyz"
  k apply -f "$REPO_ROOT/scripts/cluster/node.yaml" >/dev/null
  k wait --for=condition=Ready node --all --timeout=60s >/dev/null
  # The namespace controller and service accounts need the default ServiceAccount to exist.
  local i
  for i in $(seq 1 60); do k get serviceaccount default -n default >/dev/null 2>&1 && break; sleep 1; done
  volumes
  log "cluster '$NAME' ready in $((SECONDS - T0))s: KUBECONFIG=$KUBECONFIG_FILE"
  echo "$KUBECONFIG_FILE"
}

# A pool of hostPath PersistentVolumes without a storage class: claims without a class (the local
# stack sets none) bind to them. Retain, so deleting a claim never deletes anything on the host;
# a Released volume is made Available again here, before each use.
volumes() {
  [[ -n "${BIN:-}" ]] || cluster_bin
  ready || die "cluster '$NAME' is not running: bash scripts/cluster.sh up"
  local i name phase docs=""
  for i in $(seq 0 $((VOLUMES - 1))); do
    name="grownext-local-pv-$i"
    phase="$(k get pv "$name" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
    if [[ "$phase" == Released || "$phase" == Failed ]]; then
      k patch pv "$name" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null
    fi
    [[ -n "$phase" ]] && continue
    docs+="---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $name
  labels: {app.kubernetes.io/managed-by: grownext-local-cluster}
spec:
  capacity: {storage: $VOLUME_SIZE}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: \"\"
  hostPath: {path: $STATE/volumes/$NAME/$name, type: DirectoryOrCreate}
"
  done
  [[ -z "$docs" ]] || k apply -f - >/dev/null <<<"$docs"
  log "$(k get pv -l "$POOL_LABEL" --no-headers 2>/dev/null | awk '{print $5}' | sort | uniq -c | xargs) of $VOLUMES PersistentVolumes"
}

delete_cluster() {
  # --kubeconfig: otherwise kwokctl edits ~/.kube/config to drop the context.
  kwokctl delete cluster --name "$NAME" --kubeconfig "$KUBECONFIG_FILE" >&2 8>&- || true
  rm -rf "$CLUSTER_DIR" "$STATE/volumes/$NAME" "$KUBECONFIG_FILE"
}

down() {
  if [[ -d "$CLUSTER_DIR" ]]; then
    cluster_bin
    log "deleting cluster '$NAME'"
    delete_cluster
  else
    log "no cluster '$NAME' under $STATE"
  fi
}

# One caller at a time per cluster (local-up, the engine tests and the bench may all call this).
# kwokctl's daemons must not inherit this lock's descriptor (they would hold it for good): every
# kwokctl call closes it (8>&-).
if command -v flock >/dev/null; then
  exec 8>"$STATE/$NAME.lock"
  flock 8
fi

case "${1:-}" in
  up) up ;;
  volumes) volumes ;;
  down) down ;;
  kubeconfig) echo "$KUBECONFIG_FILE" ;;
  *) die "usage: bash scripts/cluster.sh up|volumes|down|kubeconfig" ;;
esac
