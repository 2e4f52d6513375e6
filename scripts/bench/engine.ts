/**
 * Real-engine preview of the local stack against the engine's floor: an empty program with the same
 * plugins (the kubernetes provider rendering to a folder, and one dynamic-provider credential). Both
 * run compiled, as unattended runs do (entry.js and bin/), in paired runs.
 * Returns undefined when no toolchain is built yet (`npm run toolchain`), so the bench never builds one.
 * Then the peer comparison on the local cluster (benchClusterPeer, below).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { ok, projectWorkspace, runPulumi, toolchainEnv, withBackend } from "../../sandbox/engine";
import { fromSamples, measure, pairedRuns, type Paired, type Sample } from "./paired";

/** The floor, compiled: what entry.js runs in the floor's workspace (bin/index.js, newer than index.ts). */
const floorProgram = `const k8s = require("@pulumi/kubernetes");
const { GeneratedSecret } = require("./components/data/inCluster/generatedSecret");
new k8s.Provider("floor", { renderYamlToDirectory: "rendered/floor" });
new GeneratedSecret("floor", { length: 32 });
`;

function toolchainBuilt(): boolean {
    const cache = process.env.PULUMI_TOOLCHAIN_CACHE ?? path.join(os.homedir(), ".cache", "grownext-pulumi");
    const onPath = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" }).status === 0;
    return onPath || (fs.existsSync(cache) && fs.readdirSync(cache).some((d) => fs.existsSync(path.join(cache, d, "done", "all"))));
}

/** Paired previews: the local stack (A) against the floor program (B), one warm-up pair first. */
export async function benchEnginePreview(pairs: number): Promise<Paired | undefined> {
    if (!toolchainBuilt()) return undefined;
    const base = toolchainEnv({ cluster: false });
    const previewer = (floor: boolean) => {
        const ws = projectWorkspace();
        if (floor) fs.writeFileSync(path.join(ws.dir, "bin", "index.js"), floorProgram);
        const env = withBackend(base, ws.backend);
        ok(runPulumi(["stack", "init", "local"], ws.dir, env), "pulumi stack init");
        return () => ok(runPulumi(["preview", "--stack", "local"], ws.dir, env), floor ? "pulumi preview (floor)" : "pulumi preview");
    };
    return pairedRuns(pairs, previewer(false), previewer(true));
}

/** Whether tools/cluster-toolchain.sh has finished a build (the bench never builds the cluster). */
function clusterBuilt(): boolean {
    const cache = process.env.PULUMI_TOOLCHAIN_CACHE ?? path.join(os.homedir(), ".cache", "grownext-pulumi");
    return (
        fs.existsSync(cache) &&
        fs.readdirSync(cache).some((d) => d.startsWith("cluster-") && fs.existsSync(path.join(cache, d, "done", "stages")))
    );
}

export interface PeerComparison {
    /** `pulumi up` of the local stack from nothing to every workload healthy (A) against `kubectl apply --server-side` + `kubectl wait` (B). */
    readonly toHealthy: Paired;
    /** `pulumi up --expect-no-changes` right after (A) against `kubectl diff --server-side` right after kubectl applied (B). */
    readonly noChange: Paired;
    readonly objects: number;
}

/**
 * The peer comparison: what a user would do without us on the same cluster (apply the same manifests
 * and wait for the same health) against `pulumi up` of the local stack, in pairs: kubectl, then
 * Pulumi, each from an empty namespace on one cluster of its own (grownext-bench), started here and
 * deleted afterwards. CPU is that of the clients (kubectl; pulumi with its plugins), not the cluster's.
 */
export async function benchClusterPeer(pairs: number): Promise<PeerComparison | undefined> {
    if (!toolchainBuilt() || !clusterBuilt()) return undefined;
    const { startCluster, stopCluster, kubectl, recycleVolumes, targetCluster } = await import("../../sandbox/cluster");
    const base = toolchainEnv({ cluster: false });
    const cluster = startCluster("grownext-bench");
    const kc = (args: string[], what: string) => {
        const r = kubectl(cluster, args);
        if (r.code !== 0 && !(args[0] === "diff" && r.code === 1))
            throw new Error(`${what}: kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
        return r;
    };
    try {
        // The same manifests, rendered by the program itself (the local stack's render target).
        const render = projectWorkspace();
        const renderEnv = withBackend(base, render.backend);
        ok(runPulumi(["stack", "init", "local"], render.dir, renderEnv), "pulumi stack init (render)");
        ok(runPulumi(["up", "--yes", "--skip-preview", "--stack", "local"], render.dir, renderEnv), "pulumi up (render)");
        const files: string[] = [];
        const walk = (d: string) =>
            fs
                .readdirSync(d, { withFileTypes: true })
                .forEach((e) =>
                    e.isDirectory() ? walk(path.join(d, e.name)) : /\.ya?ml$/.test(e.name) && files.push(path.join(d, e.name)),
                );
        walk(path.join(render.dir, "rendered", "local"));
        const namespaces = files.filter((f) => /^kind: Namespace$/m.test(fs.readFileSync(f, "utf8")));
        const rest = files.filter((f) => !namespaces.includes(f));
        const fileArgs = (list: string[]) => list.flatMap((f) => ["-f", f]);
        const ns = "grownext";

        const kubectlUp: Sample[] = [],
            kubectlDiff: Sample[] = [],
            pulumiUp: Sample[] = [],
            pulumiNoChange: Sample[] = [];
        for (let i = 0; i < pairs; i++) {
            // kubectl: apply (namespace first, as a user must), then wait for the health `pulumi up` awaits.
            recycleVolumes(cluster);
            kubectlUp.push(
                await measure(() => {
                    kc(["apply", "--server-side", ...fileArgs(namespaces)], "apply namespace");
                    kc(["apply", "--server-side", ...fileArgs(rest)], "apply");
                    kc(["wait", "--for=condition=Complete", "job", "--all", "-n", ns, "--timeout=600s"], "wait jobs");
                    kc(["wait", "--for=condition=Available", "deployment", "--all", "-n", ns, "--timeout=600s"], "wait deployments");
                    kc(
                        ["wait", "--for=jsonpath={.status.readyReplicas}=1", "statefulset", "--all", "-n", ns, "--timeout=600s"],
                        "wait statefulsets",
                    );
                    kc(
                        ["wait", "--for=jsonpath={.status.loadBalancer.ingress[0].ip}", "ingress", "--all", "-n", ns, "--timeout=600s"],
                        "wait ingresses",
                    );
                }),
            );
            let diff: { code: number | null; stdout: string } = { code: 0, stdout: "" };
            kubectlDiff.push(
                await measure(() => {
                    diff = kc(["diff", "--server-side", ...fileArgs(namespaces), ...fileArgs(rest)], "diff");
                }),
            );
            if (diff.code !== 0) console.log(`  (kubectl diff found differences right after apply:\n${diff.stdout.slice(0, 2000)})`);
            kc(["delete", "namespace", ns, "--wait=true", "--timeout=300s"], "delete namespace");

            // Pulumi: the local stack on the same cluster, the engine awaiting health.
            recycleVolumes(cluster);
            const ws = projectWorkspace();
            const env = withBackend(base, ws.backend);
            ok(runPulumi(["stack", "init", "local"], ws.dir, env), "pulumi stack init");
            targetCluster(ws.dir, env, cluster);
            pulumiUp.push(
                await measure(() => ok(runPulumi(["up", "--yes", "--skip-preview", "--stack", "local"], ws.dir, env), "pulumi up")),
            );
            pulumiNoChange.push(
                await measure(() =>
                    ok(
                        runPulumi(["up", "--yes", "--skip-preview", "--expect-no-changes", "--stack", "local"], ws.dir, env),
                        "pulumi up --expect-no-changes",
                    ),
                ),
            );
            ok(runPulumi(["destroy", "--yes", "--skip-preview", "--stack", "local"], ws.dir, env), "pulumi destroy");
        }
        return {
            toHealthy: fromSamples(pulumiUp, kubectlUp),
            noChange: fromSamples(pulumiNoChange, kubectlDiff),
            objects: files.reduce(
                (n, f) =>
                    n +
                    fs
                        .readFileSync(f, "utf8")
                        .split(/^---$/m)
                        .filter((d) => /\bkind:/.test(d)).length,
                0,
            ),
        };
    } finally {
        stopCluster(cluster);
    }
}
