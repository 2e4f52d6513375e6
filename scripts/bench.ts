/**
 * `npm run bench`: prints the figures the issues ask for, as ratios within one run (timings on a
 * shared 2-core machine are noisy; ratios are not).
 *  - program evaluation under mocks per stack, and with a catalog ten times larger, each against an
 *    empty program under the same mocks (whole process) and against each other (declaring only);
 *  - a healthy probe run against its slowest check, and faulty probe runs against their deadline
 *    (a hung TLS handshake, an endpoint that never answers, an untrusted certificate, a redirect to http);
 *  - the real-engine preview of the local stack against an empty program's (when the toolchain is built);
 *  - on the local cluster, `pulumi up` to healthy against `kubectl apply --server-side` + `kubectl wait`
 *    of the same manifests, and a no-change up against `kubectl diff` (when the cluster is built).
 */
import { execFileSync } from "child_process";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 3);

interface Evaluation { mode: string; scale: number; resources: number; ms: number; wallMs: number }

function evaluate(mode: string, scale = 1): Evaluation {
    const started = process.hrtime.bigint();
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/bench/evaluate.ts", mode, String(scale)], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { ...(JSON.parse(out.trim().split("\n").pop()!) as Omit<Evaluation, "wallMs">), wallMs };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(mode: string, scale = 1): Evaluation {
    const samples = Array.from({ length: runs }, () => evaluate(mode, scale));
    return { ...samples[0]!, ms: median(samples.map((s) => s.ms)), wallMs: median(samples.map((s) => s.wallMs)) };
}

const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0);

async function main(): Promise<void> {
    console.log(`Program evaluation under mocks (median of ${runs} runs, each in a fresh process)`);
    const empty = measure("empty");
    console.log(`  empty program            wall ${fmt(empty.wallMs)} ms`);
    for (const stack of ["local", "staging", "production"]) {
        const e = measure(stack);
        console.log(`  ${stack.padEnd(10)} ${String(e.resources).padStart(4)} resources  wall ${fmt(e.wallMs)} ms  ratio to empty ${fmt(e.wallMs / empty.wallMs)}x  declaring ${fmt(e.ms)} ms`);
    }
    const one = measure("production", 1);
    const ten = measure("production", 10);
    console.log(`  production x10 catalog ${String(ten.resources).padStart(4)} resources  wall ${fmt(ten.wallMs)} ms  ratio to empty ${fmt(ten.wallMs / empty.wallMs)}x  declaring ${fmt(ten.ms)} ms`);
    console.log(`  growth: 10x processes cost ${fmt(ten.ms / one.ms)}x the declaring time (${fmt(ten.resources / one.resources)}x the resources); linear means about 10x or less`);

    try {
        const { benchProbeRun } = await import("../probes/bench");
        const p = await benchProbeRun();
        console.log("Probe run (healthy, loopback HTTPS, checks with different delays)");
        console.log(`  total ${fmt(p.totalMs)} ms, slowest check ${fmt(p.slowestCheckMs)} ms, sum of checks ${fmt(p.sumOfChecksMs)} ms`);
        console.log(`  total / slowest ${fmt(p.totalMs / p.slowestCheckMs)}x (concurrent: about 1)  total / sum ${fmt(p.totalMs / p.sumOfChecksMs)}x`);
    } catch (err) {
        console.log(`Probe run: not measured (${err instanceof Error ? err.message : String(err)})`);
    }

    try {
        const { benchProbeFaults } = await import("../probes/bench");
        console.log("Probe runs against faults (loopback; each must end by its deadline, the last two at once)");
        for (const f of await benchProbeFaults()) {
            const overrun = f.elapsedMs - f.deadlineMs;
            console.log(
                `  ${f.fault}, ${f.deadlineMs / 1000} s deadline: run ended in ${(f.elapsedMs / 1000).toFixed(2)} s` +
                    (overrun > 0 ? ` (overrun ${overrun} ms)` : ` (${((100 * f.elapsedMs) / f.deadlineMs).toFixed(1)}% of the deadline)`) +
                    (f.passed ? " -- PASSED, which it must not" : ""),
            );
        }
    } catch (err) {
        console.log(`Probe fault runs: not measured (${err instanceof Error ? err.message : String(err)})`);
    }

    try {
        const { benchEnginePreview } = await import("./bench/engine");
        const e = benchEnginePreview();
        if (e) {
            console.log("Real-engine preview of the local stack");
            console.log(`  local ${fmt(e.localMs)} ms, empty program ${fmt(e.emptyMs)} ms, ratio ${fmt(e.localMs / e.emptyMs)}x (goal: at most 1.5x)`);
        }
    } catch (err) {
        console.log(`Real-engine preview: not measured (${err instanceof Error ? err.message : String(err)})`);
    }

    try {
        const { benchClusterPeer } = await import("./bench/engine");
        const c = await benchClusterPeer();
        if (c) {
            console.log(`Peer comparison on the local cluster (${c.objects} objects, same rendered manifests, one run each)`);
            console.log(`  to healthy: pulumi up ${fmt(c.pulumiUpMs)} ms, kubectl apply --server-side + kubectl wait ${fmt(c.kubectlApplyWaitMs)} ms, ratio ${fmt(c.pulumiUpMs / c.kubectlApplyWaitMs)}x`);
            console.log(`  no change:  pulumi up --expect-no-changes ${fmt(c.pulumiNoChangeMs)} ms, kubectl diff --server-side ${fmt(c.kubectlDiffMs)} ms, ratio ${fmt(c.pulumiNoChangeMs / c.kubectlDiffMs)}x`);
        } else {
            console.log("Peer comparison on the local cluster: not measured (build it first: npm run toolchain)");
        }
    } catch (err) {
        console.log(`Peer comparison on the local cluster: not measured (${err instanceof Error ? err.message : String(err)})`);
    }
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
});
