/**
 * `npm run bench [-- section ...]`: the figures the performance goals ask for (docs/performance.md),
 * each in paired runs (A B A B ..., scripts/bench/paired.ts) with its spread, CPU as well as wall,
 * and its goal (scripts/bench/goals.ts) printed beside it. Sections (default: all of them):
 *  - evaluate: program evaluation under mocks per stack against the empty program, and the growth
 *    with a catalog ten times larger; all compiled, as unattended runs evaluate the program;
 *  - probes:   a healthy probe run against its slowest check, and faulty runs against their deadline;
 *  - engine:   the real-engine preview of the local stack against the floor program (toolchain built);
 *  - cluster:  on the local cluster, `pulumi up` to healthy against `kubectl apply --server-side` +
 *              `kubectl wait` of the same manifests, and a no-change up against `kubectl diff`.
 * BENCH_PAIRS (default 7) pairs per figure; BENCH_CLUSTER_PAIRS (default 1) for the cluster, whose
 * pairs take minutes. Timings on a shared machine are noisy: quote the median of the pairwise ratios.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildProgram, repoRoot } from "../sandbox/engine";
import { benchGoals } from "./bench/goals";
import { formatPaired, fromSamples, ownCpuMs, pairedRuns, spread, type Sample } from "./bench/paired";

const pairs = Number(process.env.BENCH_PAIRS ?? 7);
const clusterPairs = Number(process.env.BENCH_CLUSTER_PAIRS ?? 1);
const sections = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["evaluate", "probes", "engine", "cluster"];
const x = (n: number) => `${n.toFixed(2)}x`;

interface Evaluation {
    mode: string;
    scale: number;
    resources: number;
    ms: number;
}

async function evaluateSection(): Promise<void> {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "grownext-bench-")), "bin");
    buildProgram(out, ["scripts/bench/evaluate.ts", "sandbox/mocks.ts"]);
    // Beside the compiled copy, as in a checkout: node_modules to resolve from, package.json to find the root by.
    for (const entry of ["node_modules", "package.json"]) fs.symlinkSync(path.join(repoRoot, entry), path.join(path.dirname(out), entry));
    const script = path.join(out, "scripts", "bench", "evaluate.js");
    // The operator's key pair, made once for every run (scripts/bench/evaluate.ts operatorKeyPair), kept beside the build.
    const keys = path.join(path.dirname(out), "operator-keys.json");
    const pair = crypto.generateKeyPairSync("rsa", {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    fs.writeFileSync(keys, JSON.stringify(pair), { mode: 0o600 });
    process.on("exit", () => fs.rmSync(keys, { force: true }));
    let last: Evaluation | undefined;
    const evaluate =
        (mode: string, scale: number | string = 1, extraEnv: NodeJS.ProcessEnv = {}) =>
        () => {
            const r = spawnSync(process.execPath, [script, mode, String(scale)], {
                cwd: repoRoot,
                encoding: "utf8",
                env: { ...process.env, GROWNEXT_REPO_ROOT: repoRoot, BENCH_OPERATOR_KEYS: keys, ...extraEnv },
            });
            if (r.status !== 0) throw new Error(`evaluate ${mode} exited ${r.status}: ${r.stderr}`);
            last = JSON.parse(r.stdout.trim().split("\n").pop()!) as Evaluation;
            return last;
        };
    console.log(`Program evaluation under mocks, compiled, each run a fresh node process; A = the stack, B = the empty program`);
    for (const stack of ["local", "staging", "production"]) {
        const p = await pairedRuns(pairs, evaluate(stack), evaluate("empty"));
        const goal = stack === "production" ? benchGoals.productionEvaluation : undefined;
        console.log(`${stack} (${evaluate(stack)().resources} resources)`);
        for (const line of formatPaired(stack, "empty", p, goal)) console.log(line);
    }
    // The SDK's share of production: its registrations, recorded once, declared bare (scripts/bench/evaluate.ts `bare`).
    const recording = path.join(path.dirname(out), "production-registrations.json");
    process.on("exit", () => fs.rmSync(recording, { force: true }));
    const recorded = evaluate("production", 1, { BENCH_RECORD: recording })();
    const bare = await pairedRuns(pairs, evaluate("bare", recording), evaluate("empty"));
    console.log(
        `production's ${recorded.resources} registrations declared bare: the SDK's own cost, without our components, config or modules`,
    );
    for (const line of formatPaired("bare", "empty", bare)) console.log(line);
    // Growth: declaring time (in the process, after start-up) of a catalog ten times larger, paired with the catalog as it is.
    const ten: Sample[] = [],
        one: Sample[] = [];
    let resources = { ten: 0, one: 0 };
    for (let i = 0; i < pairs; i++) {
        const a = evaluate("production", 10)();
        const b = evaluate("production", 1)();
        resources = { ten: a.resources, one: b.resources };
        ten.push({ wallMs: a.ms, cpuMs: a.ms });
        one.push({ wallMs: b.ms, cpuMs: b.ms });
    }
    const g = fromSamples(ten, one);
    console.log(
        `growth: production with the catalog x10 (${resources.ten} resources) against x1 (${resources.one}); declaring time, ${g.pairs} pairs`,
    );
    console.log(
        `  x10 ${Math.round(g.a.wall.median)} ms (${Math.round(g.a.wall.min)}-${Math.round(g.a.wall.max)}), x1 ${Math.round(g.b.wall.median)} ms (${Math.round(g.b.wall.min)}-${Math.round(g.b.wall.max)})`,
    );
    const r = g.ratio.wall;
    const goal = benchGoals.processGrowth;
    console.log(`  ratio ${x(r.median)} (${x(r.min)}-${x(r.max)}) for ${x(resources.ten / resources.one)} the resources`);
    console.log(`  goal: ${goal.text} -> ${x(r.median)} ${r.median <= goal.max ? "MET" : "NOT MET"}`);
}

async function probesSection(): Promise<void> {
    const { benchProbeRun, benchProbeFaults } = await import("./bench/probes");
    const ratios: number[] = [],
        totals: number[] = [],
        slowest: number[] = [],
        cpu: number[] = [];
    for (let i = 0; i < pairs; i++) {
        const before = ownCpuMs();
        const p = await benchProbeRun();
        cpu.push(ownCpuMs() - before);
        ratios.push(p.totalMs / p.slowestCheckMs);
        totals.push(p.totalMs);
        slowest.push(p.slowestCheckMs);
    }
    const s = (v: number[]) => spread(v);
    const fmt = (v: number[]) => `${Math.round(s(v).median)} ms (${Math.round(s(v).min)}-${Math.round(s(v).max)})`;
    const goal = benchGoals.probeRun;
    console.log(`Probe run (healthy, loopback HTTPS, checks with different delays; ${pairs} runs, each against its own slowest check)`);
    console.log(`  run: wall ${fmt(totals)}; slowest check ${fmt(slowest)}; the run's CPU (certificates and servers included) ${fmt(cpu)}`);
    console.log(`  ratio run / slowest check: ${x(s(ratios).median)} (${x(s(ratios).min)}-${x(s(ratios).max)})`);
    console.log(`  goal: ${goal.text} -> ${x(s(ratios).median)} ${s(ratios).median <= goal.max ? "MET" : "NOT MET"}`);
    console.log("Probe runs against faults (loopback; each must end by its deadline, the last two at once)");
    for (const f of await benchProbeFaults()) {
        const overrun = f.elapsedMs - f.deadlineMs;
        console.log(
            `  ${f.fault}, ${f.deadlineMs / 1000} s deadline: run ended in ${(f.elapsedMs / 1000).toFixed(2)} s` +
                (overrun > 0 ? ` (overrun ${overrun} ms)` : ` (${((100 * f.elapsedMs) / f.deadlineMs).toFixed(1)}% of the deadline)`) +
                (f.passed ? " -- PASSED, which it must not" : ""),
        );
    }
}

async function engineSection(): Promise<void> {
    const { benchEnginePreview } = await import("./bench/engine");
    const p = await benchEnginePreview(pairs);
    if (!p) return void console.log("Real-engine preview: not measured (build the toolchain first: npm run toolchain)");
    console.log("Real-engine preview, compiled; A = the local stack, B = the floor program (same plugins, one credential)");
    for (const line of formatPaired("local", "floor", p, benchGoals.enginePreview)) console.log(line);
}

async function clusterSection(): Promise<void> {
    const { benchClusterPeer } = await import("./bench/engine");
    const c = await benchClusterPeer(clusterPairs);
    if (!c) return void console.log("Peer comparison on the local cluster: not measured (build it first: npm run toolchain)");
    console.log(
        `Peer comparison on the local cluster (${c.objects} objects, the same rendered manifests; CPU of the clients, not of the cluster)`,
    );
    console.log("to healthy: A = pulumi up, B = kubectl apply --server-side + kubectl wait");
    for (const line of formatPaired("pulumi up", "kubectl", c.toHealthy, benchGoals.clusterUp)) console.log(line);
    console.log("no change: A = pulumi up --expect-no-changes, B = kubectl diff --server-side");
    for (const line of formatPaired("pulumi up", "kubectl diff", c.noChange)) console.log(line);
}

const bySection: Record<string, () => Promise<void>> = {
    evaluate: evaluateSection,
    probes: probesSection,
    engine: engineSection,
    cluster: clusterSection,
};

async function main(): Promise<void> {
    console.log(
        `npm run bench ${sections.join(" ")}: ${pairs} pairs per figure, load average ${os
            .loadavg()
            .map((l) => l.toFixed(1))
            .join(" ")} on ${os.cpus().length} cores`,
    );
    for (const name of sections) {
        const section = bySection[name];
        if (!section) throw new Error(`unknown bench section ${name}: use ${Object.keys(bySection).join(", ")}`);
        try {
            await section();
        } catch (err) {
            console.log(`${name}: not measured (${err instanceof Error ? err.message : String(err)})`);
        }
    }
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
});
