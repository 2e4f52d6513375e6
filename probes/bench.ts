/**
 * Benchmark of a healthy probe run against loopback HTTPS servers where every check has its own
 * latency. The checks run concurrently, so the run should take about as long as the slowest check
 * (total/slowest near 1.0) and far less than their sum.
 */
import { smokeChecks } from "./checks";
import { createLoopbackCertificates } from "./loopback/certificates";
import { startFakePlatform } from "./loopback/platform";
import { runProbes } from "./run";

export interface ProbeBenchFigures {
    /** Wall-clock time of the whole probe run. */
    readonly totalMs: number;
    /** The longest single check. */
    readonly slowestCheckMs: number;
    /** What a sequential run would cost. */
    readonly sumOfChecksMs: number;
}

/** 50..400 ms, a different latency per check (the JWKS check pays discovery + JWKS). */
const benchDelaysMs = {
    api: { "/api/health/ready": 50, "/api/health/features": 100, "/api/production/queue/heartbeat": 150 },
    identity: { "/health": 200, "/version": 250, "/.well-known/openid-configuration": 300, "/.well-known/jwks.json": 50 },
    portal: { "/": 400 },
} as const;

export async function benchProbeRun(): Promise<ProbeBenchFigures> {
    const certificates = await createLoopbackCertificates();
    try {
        const platform = await startFakePlatform({
            tls: { key: certificates.serverKeyPem, cert: certificates.serverCertPem },
            delaysMs: benchDelaysMs,
        });
        try {
            const healthyRun = () =>
                runProbes({
                    targets: {
                        api: new URL(platform.urls.api),
                        identity: new URL(platform.urls.identity),
                        portal: new URL(platform.urls.portal),
                    },
                    deadlineMs: 30_000,
                    ca: certificates.caPem,
                });
            // One unmeasured run first: module loading and JIT of the TLS/HTTP path are process
            // start-up costs, not probe-run costs.
            await healthyRun();
            const started = performance.now();
            const report = await healthyRun();
            const totalMs = performance.now() - started;
            if (!report.passed || report.checks.length !== smokeChecks.length) {
                const failed = report.checks.filter((check) => !check.passed).map((check) => `${check.id}: ${check.observed}`);
                throw new Error(`the bench run should be healthy, but: ${failed.join("; ")}`);
            }
            const durations = report.checks.map((check) => check.durationMs);
            return {
                totalMs: Math.round(totalMs),
                slowestCheckMs: Math.max(...durations),
                sumOfChecksMs: durations.reduce((sum, ms) => sum + ms, 0),
            };
        } finally {
            await platform.close();
        }
    } finally {
        await certificates.remove();
    }
}

if (require.main === module) {
    void benchProbeRun().then((figures) => {
        console.log(
            `probe run: total ${figures.totalMs} ms, slowest check ${figures.slowestCheckMs} ms, sum ${figures.sumOfChecksMs} ms; ` +
                `total/slowest ${(figures.totalMs / figures.slowestCheckMs).toFixed(2)}, total/sum ${(figures.totalMs / figures.sumOfChecksMs).toFixed(2)}`,
        );
    });
}
