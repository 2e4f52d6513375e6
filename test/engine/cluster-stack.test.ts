/**
 * The real engine on a real API server: the local stack deployed with the policy pack to the local
 * cluster (scripts/cluster.sh: etcd, kube-apiserver, controller-manager, scheduler and a kwok node,
 * all built from Go modules). Admission (Pod Security on the restricted namespace), the engine's
 * await, the release order, rollouts, a failed rollout and its rollback, and destroy are all checked
 * against what the API server holds, not against rendered YAML. Runs on a temporary copy of the
 * project, on a cluster of its own (never the one `npm run local:up` uses).
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { labelKeys, partOf } from "../../catalog/labels";
import { processCatalog } from "../../catalog/processes";
import { ok, projectWorkspace, repoRoot, runPulumi, toolchainEnv, withBackend, workspace } from "../../sandbox/engine";
import { type Cluster, getJson, kubectl, list, recycleVolumes, startCluster, stopCluster, targetCluster } from "../../sandbox/cluster";

const namespace = "grownext";
/** Test-only values, assembled at run time; they must never show up in plaintext in state or outputs. */
const stripeKeys = [1, 2].map((n) => ["sk", "test", `CLUSTERENGINE${n}0123456789`].join("_"));
const serviceRoleKey = "service-role-CLUSTER-ENGINE-0123456789";

/**
 * The stack sets no rollout timeout of its own (the engine's default: 10 minutes), so the test copy
 * of the program gets one through a resource transform read from this config key, short in tests.
 */
const rolloutTimeoutKey = "enginetest:rolloutTimeout";
const rolloutTimeoutSeconds = 45;
const timeoutEntry = `/** Test entry point: the compiled program, with Deployments awaited for ${rolloutTimeoutKey} when it is set. */
const pulumi = require("@pulumi/pulumi");
const timeout = new pulumi.Config("enginetest").get("rolloutTimeout");
if (timeout) {
    pulumi.runtime.registerResourceTransform((a) => a.type === "kubernetes:apps/v1:Deployment"
        ? { props: a.props, opts: { ...a.opts, customTimeouts: { create: timeout, update: timeout } } }
        : undefined);
}
module.exports = require("./program");
`;

interface EngineEvent {
    sequence: number;
    op?: string;
    urn?: string;
    type?: string;
    kind: "pre" | "outputs" | "failed" | "diag";
    message?: string;
}

/** The engine's event log (`--event-log`), flattened to what the ordering assertions need. */
function readEventLog(file: string): EngineEvent[] {
    const out: EngineEvent[] = [];
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        const e = JSON.parse(line);
        const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
        const kind = e.resourcePreEvent
            ? "pre"
            : e.resOutputsEvent
              ? "outputs"
              : e.resOpFailedEvent
                ? "failed"
                : e.diagnosticEvent
                  ? "diag"
                  : undefined;
        if (!kind) continue;
        out.push({
            sequence: e.sequence,
            op: meta?.op,
            urn: meta?.urn ?? e.diagnosticEvent?.urn,
            type: meta?.type,
            kind,
            message: e.diagnosticEvent?.message,
        });
    }
    return out.sort((a, b) => a.sequence - b.sequence);
}

const deploymentOf = (process: string) => (e: EngineEvent) =>
    e.type === "kubernetes:apps/v1:Deployment" && e.urn!.endsWith(`-${process}-deployment`);

function processOf(obj: any): string | undefined {
    return obj.metadata?.labels?.[labelKeys.process];
}

/** Deployment name -> the pod-template-hash of its newest ReplicaSet, and that ReplicaSet. */
function currentReplicaSets(cluster: Cluster): Map<string, any> {
    const byOwner = new Map<string, any>();
    for (const rs of list(cluster, "replicasets", namespace)) {
        const owner = rs.metadata.ownerReferences?.find((o: any) => o.kind === "Deployment")?.name;
        if (!owner) continue;
        const rev = Number(rs.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? 0);
        const prev = byOwner.get(owner);
        if (!prev || rev > Number(prev.metadata.annotations["deployment.kubernetes.io/revision"])) byOwner.set(owner, rs);
    }
    return byOwner;
}

function assertHealthy(cluster: Cluster): void {
    for (const d of list(cluster, "deployments", namespace)) {
        const available = d.status.conditions?.find((c: any) => c.type === "Available");
        assert.strictEqual(available?.status, "True", `Deployment ${d.metadata.name} is not Available`);
        assert.strictEqual(
            d.status.readyReplicas,
            d.spec.replicas,
            `Deployment ${d.metadata.name}: ${d.status.readyReplicas}/${d.spec.replicas} ready`,
        );
        assert.strictEqual(d.status.updatedReplicas, d.spec.replicas, `Deployment ${d.metadata.name} has old replicas left`);
    }
    for (const s of list(cluster, "statefulsets", namespace)) {
        assert.strictEqual(
            s.status.readyReplicas,
            s.spec.replicas,
            `StatefulSet ${s.metadata.name}: ${s.status.readyReplicas}/${s.spec.replicas} ready`,
        );
    }
}

describe("the real engine on a real API server (local cluster)", function () {
    this.timeout(20 * 60 * 1000);
    let cluster: Cluster;
    let env: NodeJS.ProcessEnv;
    let dir: string;
    let logDir: string;
    const policyArgs = [
        "--policy-pack",
        path.join(repoRoot, "policies"),
        "--policy-pack-config",
        path.join(repoRoot, "policies", "config", "local.json"),
    ];

    /** `pulumi up` with the policy pack and an engine event log; returns the CLI result and the events. */
    function up(label: string, extra: string[] = []): { r: ReturnType<typeof runPulumi>; events: EngineEvent[] } {
        recycleVolumes(cluster);
        const log = path.join(logDir, `${label}.jsonl`);
        const r = runPulumi(["up", "--yes", "--skip-preview", "--stack", "local", "--event-log", log, ...policyArgs, ...extra], dir, env);
        return { r, events: fs.existsSync(log) ? readEventLog(log) : [] };
    }

    function setConfig(...args: string[]): void {
        ok(
            runPulumi(["config", "set", "--stack", "local", ...args], dir, env),
            `pulumi config set ${args.filter((a) => !a.startsWith("sk_")).join(" ")}`,
        );
    }

    before(() => {
        env = toolchainEnv();
        cluster = startCluster("grownext-engine");
        const ws = projectWorkspace();
        dir = ws.dir;
        // The compiled program (entry.js runs bin/ as local:up does), behind the test's entry point.
        fs.renameSync(path.join(dir, "bin", "index.js"), path.join(dir, "bin", "program.js"));
        fs.writeFileSync(path.join(dir, "bin", "index.js"), timeoutEntry);
        logDir = path.join(path.dirname(ws.dir), "events");
        fs.mkdirSync(logDir);
        // --event-log is one of the CLI's debug flags.
        env = { ...withBackend(env, ws.backend), PULUMI_DEBUG_COMMANDS: "true" };
        ok(runPulumi(["stack", "init", "local"], dir, env), "pulumi stack init local");
        setConfig("--secret", "stripeSecretKey", stripeKeys[0]!);
        setConfig("--secret", "supabaseServiceRoleKey", serviceRoleKey);
        targetCluster(dir, env, cluster);
    });

    after(function () {
        if (!cluster) return;
        // Leave nothing behind, even when a test failed half-way.
        if (dir) runPulumi(["destroy", "--yes", "--skip-preview", "--stack", "local"], dir, env);
        stopCluster(cluster);
    });

    let firstUp: EngineEvent[];

    it("brings the stack up with the policy pack: every object admitted, workloads healthy through the engine's await", () => {
        const { r, events } = up("first");
        ok(r, "pulumi up with the policy pack");
        firstUp = events;
        assert.match(r.stdout, /grownext-guides/);
        assert.doesNotMatch(r.stdout + r.stderr, /would violate PodSecurity|mandatory/i);
        // Every Kubernetes object in state exists in the API server.
        const state = JSON.parse(ok(runPulumi(["stack", "export", "--stack", "local"], dir, env), "stack export").stdout);
        const objects = state.deployment.resources.filter(
            (res: any) => res.type.startsWith("kubernetes:") && !res.type.startsWith("pulumi:providers"),
        );
        assert.ok(objects.length > 30, `only ${objects.length} Kubernetes objects in state`);
        for (const res of objects) {
            const o = res.outputs;
            const kind = `${o.kind}.${(o.apiVersion as string).includes("/") ? o.apiVersion.split("/")[0] : ""}`.replace(/\.$/, "");
            const args = ["get", kind, o.metadata.name, "-o", "name", ...(o.metadata.namespace ? ["-n", o.metadata.namespace] : [])];
            const got = kubectl(cluster, args);
            assert.strictEqual(got.code, 0, `${res.type} ${o.metadata.name} is in state but not in the cluster: ${got.stderr}`);
        }
        assertHealthy(cluster);
        const pvcs = list(cluster, "persistentvolumeclaims", namespace);
        assert.ok(pvcs.length > 0 && pvcs.every((c) => c.status.phase === "Bound"), "every claim bound to a PersistentVolume");
        for (const job of list(cluster, "jobs", namespace)) {
            assert.ok(
                job.status.conditions?.some((c: any) => c.type === "Complete" && c.status === "True"),
                `Job ${job.metadata.name} did not complete`,
            );
        }
        const ingresses = list(cluster, "ingresses", namespace);
        assert.ok(
            ingresses.length >= 3 && ingresses.every((i) => i.status.loadBalancer?.ingress?.length),
            "every Ingress has its load-balancer address",
        );
    });

    it("completes each migrations Job before any Deployment that depends on it starts rolling", () => {
        const jobs = list(cluster, "jobs", namespace);
        const replicaSets = currentReplicaSets(cluster);
        const gated = processCatalog.filter((p) => p.migratesBefore);
        assert.ok(gated.length > 0);
        for (const p of gated) {
            const job = jobs.find((j) => j.metadata.name.startsWith(`migrate-${p.migratesBefore}-`));
            assert.ok(job, `no migrations Job for the ${p.migratesBefore} database`);
            // From the engine's event log: the Job's outputs (it completed: the engine awaits Jobs)
            // come before the engine even starts on the Deployment.
            const jobDone = firstUp.find(
                (e) => e.kind === "outputs" && e.type === "kubernetes:batch/v1:Job" && e.urn!.endsWith(`-${p.migratesBefore}`),
            );
            const deploymentStart = firstUp.find((e) => e.kind === "pre" && deploymentOf(p.name)(e));
            assert.ok(jobDone && deploymentStart, `${p.name}: Job or Deployment missing from the event log`);
            assert.ok(
                jobDone.sequence < deploymentStart.sequence,
                `${p.name}'s Deployment started before the ${p.migratesBefore} migrations completed`,
            );
            // From the API server's own timestamps.
            const completed = Date.parse(job.status.completionTime);
            const rs = replicaSets.get(p.name);
            assert.ok(rs, `${p.name} has no ReplicaSet`);
            assert.ok(
                Date.parse(rs.metadata.creationTimestamp) >= completed,
                `${p.name}'s ReplicaSet (${rs.metadata.creationTimestamp}) predates the migrations' completion (${job.status.completionTime})`,
            );
        }
    });

    it("reports no change on a second up", () => {
        ok(up("no-change", ["--expect-no-changes"]).r, "pulumi up --expect-no-changes");
    });

    it("keeps secrets encrypted in state and out of the outputs", () => {
        const state = ok(runPulumi(["stack", "export", "--stack", "local"], dir, env), "pulumi stack export").stdout;
        assert.ok(!state.includes(stripeKeys[0]!), "the Stripe key is in plaintext in state");
        assert.ok(!state.includes(serviceRoleKey), "the service-role key is in plaintext in state");
        assert.match(state, /"ciphertext"/);
        const outputs = ok(runPulumi(["stack", "output", "--json", "--stack", "local"], dir, env), "pulumi stack output").stdout;
        assert.ok(!outputs.includes(stripeKeys[0]!) && !/postgresql:\/\//.test(outputs));
    });

    it("rolls a changed secret value out through a new immutable Secret, deleting the old one only after the rollout", () => {
        const secretsBefore = list(cluster, "secrets", namespace).filter((s) => s.data?.STRIPE_SECRET_KEY !== undefined);
        assert.ok(secretsBefore.length > 0, "no process Secret holds STRIPE_SECRET_KEY");
        assert.ok(
            secretsBefore.every((s) => s.immutable === true),
            "process Secrets are immutable",
        );
        const affected = new Set(secretsBefore.map(processOf));
        const rsBefore = currentReplicaSets(cluster);

        setConfig("--secret", "stripeSecretKey", stripeKeys[1]!);
        const { r, events } = up("secret-change");
        ok(r, "pulumi up after the secret change");

        const secretsAfter = list(cluster, "secrets", namespace).filter((s) => s.data?.STRIPE_SECRET_KEY !== undefined);
        const namesBefore = new Set(secretsBefore.map((s) => s.metadata.name));
        assert.deepStrictEqual(new Set(secretsAfter.map(processOf)), affected);
        assert.ok(
            secretsAfter.every((s) => !namesBefore.has(s.metadata.name)),
            "a new Secret for each affected process",
        );
        assert.ok(secretsAfter.every((s) => Buffer.from(s.data.STRIPE_SECRET_KEY, "base64").toString() === stripeKeys[1]));
        const rsAfter = currentReplicaSets(cluster);
        for (const [deployment, rs] of rsAfter) {
            const rolled = rs.metadata.name !== rsBefore.get(deployment)?.metadata.name;
            assert.strictEqual(rolled, affected.has(deployment), `${deployment} ${rolled ? "rolled" : "did not roll"}`);
        }
        assertHealthy(cluster);
        // Old Secrets are deleted only after the Deployments that used them finished rolling.
        for (const p of affected) {
            const rolledOut = events.find((e) => e.kind === "outputs" && deploymentOf(p!)(e));
            const oldDeleted = events.find((e) => e.kind === "outputs" && e.op === "delete-replaced" && e.urn!.endsWith(`-${p}-env`));
            assert.ok(rolledOut && oldDeleted, `${p}: the rollout or the old Secret's deletion is missing from the event log`);
            assert.ok(oldDeleted.sequence > rolledOut.sequence, `${p}'s old Secret was deleted before its rollout finished`);
        }
    });

    it("rolls exactly the processes that use a changed image, and never overlaps a singleton", () => {
        const rsBefore = currentReplicaSets(cluster);
        const usesApp = new Set(processCatalog.filter((p) => p.image === "app").map((p) => p.name));
        const singletons = processCatalog.filter((p) => p.image === "app" && p.scaling === "singleton").map((p) => p.name);
        assert.ok(singletons.length > 0);
        // Watch every pod event while the update runs: a singleton must never have two pods at once.
        const watchFile = path.join(logDir, "pods-watch.jsonl");
        const fd = fs.openSync(watchFile, "w");
        const watcher = spawn(
            path.join(cluster.bin, "kubectl"),
            ["--kubeconfig", cluster.kubeconfig, "get", "pods", "-n", namespace, "--watch", "--output-watch-events", "-o", "json"],
            { stdio: ["ignore", fd, "ignore"] },
        );
        try {
            setConfig("--path", "images.app", "ghcr.io/grownext/app:0.1.1");
            ok(up("image-change").r, "pulumi up after the image change");
        } finally {
            watcher.kill();
            fs.closeSync(fd);
        }
        const rsAfter = currentReplicaSets(cluster);
        for (const [deployment, rs] of rsAfter) {
            const rolled = rs.metadata.name !== rsBefore.get(deployment)?.metadata.name;
            assert.strictEqual(rolled, usesApp.has(deployment), `${deployment} ${rolled ? "rolled" : "did not roll"}`);
            if (usesApp.has(deployment)) assert.match(JSON.stringify(rs.spec.template.spec.containers), /app:0\.1\.1/);
        }
        assertHealthy(cluster);

        const live = new Map<string, Set<string>>();
        let maxSeen = 0;
        const raw = fs.readFileSync(watchFile, "utf8");
        for (const chunk of raw.split(/\n(?=\{)/)) {
            if (!chunk.trim()) continue;
            const ev = JSON.parse(chunk);
            const pod = ev.object;
            const p = processOf(pod);
            if (!p || !singletons.includes(p)) continue;
            const set = live.get(p) ?? new Set<string>();
            live.set(p, set);
            if (ev.type === "DELETED") set.delete(pod.metadata.name);
            else set.add(pod.metadata.name);
            assert.ok(set.size <= 1, `singleton ${p} had ${set.size} pods at once: ${[...set].join(", ")}`);
            maxSeen = Math.max(maxSeen, set.size);
        }
        assert.strictEqual(maxSeen, 1, "the watch saw the singletons' pods");
    });

    it("fails a rollout whose pods never become ready within the timeout, keeps the previous ReplicaSet serving, and rolls back by re-running up with the previous config", () => {
        // The local cluster's pod-never-ready stage (scripts/cluster/stages.yaml) keeps pods of an
        // image tagged *never-ready Running but unready, as a broken release would be.
        const target = processCatalog.find((p) => p.image === "portal" && p.scaling !== "singleton");
        assert.ok(target, "a rolling-update process on its own image");
        const name = target.name;
        const before = getJson(cluster, ["deployment", name, "-n", namespace]);
        const rsBefore = currentReplicaSets(cluster).get(name);
        const previousImage = JSON.parse(
            ok(runPulumi(["config", "get", "--stack", "local", "--path", "images.portal", "--json"], dir, env), "config get").stdout,
        ).value;
        assert.ok(before.status.readyReplicas >= 1 && rsBefore);

        setConfig("--path", "images.portal", "ghcr.io/grownext/portal:0.2.0-never-ready");
        setConfig(`${rolloutTimeoutKey}`, `${rolloutTimeoutSeconds}s`);
        const started = Date.now();
        const { r } = up("never-ready");
        const elapsed = Date.now() - started;
        assert.notStrictEqual(r.code, 0, "the update must fail");
        assert.match(r.stdout + r.stderr, new RegExp(`${name}`));
        assert.ok(
            elapsed < (rolloutTimeoutSeconds + 120) * 1000,
            `the failing update took ${elapsed} ms for a ${rolloutTimeoutSeconds}s timeout`,
        );

        // The previous ReplicaSet still serves every replica it served; the new one has none ready.
        const oldRs = getJson(cluster, ["replicaset", rsBefore.metadata.name, "-n", namespace]);
        assert.strictEqual(oldRs.status.readyReplicas, rsBefore.status.readyReplicas, "the previous ReplicaSet lost ready replicas");
        const during = getJson(cluster, ["deployment", name, "-n", namespace]);
        assert.strictEqual(
            during.status.availableReplicas,
            before.status.availableReplicas,
            "available replicas dropped during the failed rollout",
        );
        const newRs = currentReplicaSets(cluster).get(name);
        assert.notStrictEqual(newRs.metadata.name, rsBefore.metadata.name, "a new ReplicaSet was tried");
        assert.ok(!newRs.status.readyReplicas, "the never-ready ReplicaSet has no ready pod");

        // The rollback runbook (docs/operations.md): re-run up with the previous config.
        setConfig("--path", "images.portal", previousImage);
        ok(up("rollback").r, "pulumi up with the previous config");
        const after = currentReplicaSets(cluster).get(name);
        assert.strictEqual(after.metadata.name, rsBefore.metadata.name, "the previous ReplicaSet is current again");
        assert.strictEqual(
            getJson(cluster, ["replicaset", newRs.metadata.name, "-n", namespace]).spec.replicas,
            0,
            "the failed ReplicaSet is scaled to zero",
        );
        assertHealthy(cluster);
        ok(up("after-rollback", ["--expect-no-changes"]).r, "no change after the rollback");
    });

    it("rejects a workload that violates Pod Security with a clear message, within the timeout", () => {
        const fixture = path.join(repoRoot, "test", "fixtures", "podsecurity");
        const ws = workspace(fixture);
        const fenv = withBackend(env, ws.backend);
        ok(runPulumi(["stack", "init", "dev"], ws.dir, fenv), "pulumi stack init (fixture)");
        ok(runPulumi(["config", "set", "kubeconfig", cluster.kubeconfig], ws.dir, fenv), "config set kubeconfig (fixture)");
        const started = Date.now();
        const r = runPulumi(["up", "--yes", "--skip-preview", "--stack", "dev"], ws.dir, fenv);
        const elapsed = Date.now() - started;
        try {
            assert.notStrictEqual(r.code, 0, "the update must fail");
            const output = r.stdout + r.stderr;
            assert.match(output, /forbidden: violates PodSecurity "restricted:latest": privileged/);
            assert.ok(elapsed < 3 * 60 * 1000, `took ${elapsed} ms`);
        } finally {
            runPulumi(["destroy", "--yes", "--skip-preview", "--stack", "dev"], ws.dir, fenv);
        }
    });

    it("destroys everything of ours", () => {
        ok(runPulumi(["destroy", "--yes", "--skip-preview", "--stack", "local"], dir, env), "pulumi destroy");
        const ns = kubectl(cluster, ["get", "namespace", namespace]);
        assert.notStrictEqual(ns.code, 0, `namespace ${namespace} still exists`);
        const kinds = ok2(kubectl(cluster, ["api-resources", "--verbs=list", "-o", "name"]))
            .split("\n")
            .filter(Boolean)
            .filter((k) => !k.startsWith("events") && k !== "componentstatuses");
        const leftovers = getJson(cluster, [kinds.join(","), "-A", "-l", `${labelKeys.partOf}=${partOf}`]).items;
        assert.deepStrictEqual(
            leftovers.map((o: any) => `${o.kind}/${o.metadata.name}`),
            [],
        );
    });
});

function ok2(r: { code: number | null; stdout: string; stderr: string }): string {
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout;
}
