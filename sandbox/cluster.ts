/**
 * The local cluster for the real-engine tests and the bench: start it (scripts/cluster.sh, built by
 * tools/cluster-toolchain.sh), run kubectl against it, and point a workspace's local stack at it.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { ok, repoRoot, runPulumi } from "./engine";

export interface Cluster {
    readonly name: string;
    readonly kubeconfig: string;
    /** Folder of the cluster's binaries (kubectl among them). */
    readonly bin: string;
}

function script(args: string[], env: NodeJS.ProcessEnv): string {
    const r = spawnSync("bash", args, { cwd: repoRoot, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) throw new Error(`bash ${args.join(" ")} exited ${r.status}`);
    return r.stdout.trim().split("\n").pop()!;
}

/** Starts (or reuses) the named cluster; the engine tests use their own name, never the user's. */
export function startCluster(name: string): Cluster {
    const env = { ...process.env, GROWNEXT_CLUSTER_NAME: name };
    const kubeconfig = script([path.join("scripts", "cluster.sh"), "up"], env);
    const bin = script([path.join("tools", "cluster-toolchain.sh")], env);
    return { name, kubeconfig, bin };
}

/** Frees the PersistentVolumes that deleted claims left Released (the pool has no provisioner). */
export function recycleVolumes(cluster: Cluster): void {
    script([path.join("scripts", "cluster.sh"), "volumes"], { ...process.env, GROWNEXT_CLUSTER_NAME: cluster.name });
}

export function stopCluster(cluster: Cluster): void {
    script([path.join("scripts", "cluster.sh"), "down"], { ...process.env, GROWNEXT_CLUSTER_NAME: cluster.name });
}

export interface KubectlResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

export function kubectl(cluster: Cluster, args: string[], input?: string): KubectlResult {
    const started = Date.now();
    const r = spawnSync(path.join(cluster.bin, "kubectl"), ["--kubeconfig", cluster.kubeconfig, ...args], {
        encoding: "utf8",
        input,
        maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms: Date.now() - started };
}

/** `kubectl get ... -o json`, parsed; fails with kubectl's message. */
export function getJson(cluster: Cluster, args: string[]): any {
    const r = kubectl(cluster, ["get", ...args, "-o", "json"]);
    if (r.code !== 0) throw new Error(`kubectl get ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout);
}

/** Objects of a namespaced kind in a namespace, as a list. */
export function list(cluster: Cluster, kind: string, namespace: string): any[] {
    return getJson(cluster, [kind, "-n", namespace]).items;
}

/**
 * Points the workspace's local stack at the cluster, as scripts/local-env.sh does for `local:up`:
 * the cluster's kubeconfig, and post-deploy probes off (the command plugin cannot be built here).
 */
export function targetCluster(dir: string, env: NodeJS.ProcessEnv, cluster: Cluster): void {
    ok(
        runPulumi(["config", "set", "--stack", "local", "--path", "kubernetes.kubeconfig", cluster.kubeconfig], dir, env),
        "config set kubernetes.kubeconfig",
    );
    ok(
        runPulumi(["config", "set", "--stack", "local", "--path", "probes.enabled", "false", "--type", "bool"], dir, env),
        "config set probes.enabled",
    );
}
