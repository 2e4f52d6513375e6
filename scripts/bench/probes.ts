/**
 * Benchmarks of probe runs against loopback servers, in real time (the tests prove the bounds on a
 * simulated clock; this measures them):
 *  - a healthy run where every check has its own latency: the checks run concurrently, so the run
 *    should take about as long as the slowest check (total/slowest near 1.0) and far less than their sum;
 *  - faulty runs: a TLS handshake that never finishes and an endpoint that never answers must end at
 *    the deadline (overrun well under a second); a certificate error and a redirect down to http must
 *    end at once, whatever the deadline.
 */
import { performance } from "node:perf_hooks";
import { smokeChecks } from "../../probes/checks";
import { createLoopbackCertificates } from "../../sandbox/loopback/certificates";
import { startPlainHttpServer, startSilentTlsServer } from "../../sandbox/loopback/faults";
import { PlatformUrls, oneYearHsts, sendText, startFakePlatform } from "../../sandbox/loopback/platform";
import { ProbeReport, runProbes } from "../../probes/run";

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

export interface FaultRunFigure {
    readonly fault: string;
    readonly deadlineMs: number;
    /** Wall-clock time of the whole run, socket teardown included. */
    readonly elapsedMs: number;
    readonly passed: boolean;
}

/** Faulty runs, each timed from start to the end of `runProbes` (sockets torn down). */
export async function benchProbeFaults(): Promise<FaultRunFigure[]> {
    const certificates = await createLoopbackCertificates();
    const silent = await startSilentTlsServer();
    const cleartext = await startPlainHttpServer((_request, response) => sendText(response, 200, "insecure"));
    const tls = { key: certificates.serverKeyPem, cert: certificates.serverCertPem };
    const healthy = await startFakePlatform({ tls });
    const silentApi = await startFakePlatform({ tls, overrides: { api: { "/api/health/ready": () => undefined } } });
    const downgrading = await startFakePlatform({
        tls,
        overrides: {
            portal: {
                "/": (_request, response) =>
                    sendText(response, 302, "", { location: `${cleartext.url}/`, "strict-transport-security": oneYearHsts }),
            },
        },
    });
    const targetsOf = (urls: PlatformUrls) => ({ api: new URL(urls.api), identity: new URL(urls.identity), portal: new URL(urls.portal) });
    const timed = async (fault: string, deadlineMs: number, run: () => Promise<ProbeReport>): Promise<FaultRunFigure> => {
        const started = performance.now();
        const report = await run();
        return { fault, deadlineMs, elapsedMs: Math.round(performance.now() - started), passed: report.passed };
    };
    try {
        return [
            await timed("hung TLS handshake", 2_000, () =>
                runProbes({
                    targets: { ...targetsOf(healthy.urls), identity: new URL(silent.url) },
                    deadlineMs: 2_000,
                    ca: certificates.caPem,
                }),
            ),
            await timed("endpoint that never answers", 2_000, () =>
                runProbes({ targets: targetsOf(silentApi.urls), deadlineMs: 2_000, ca: certificates.caPem }),
            ),
            await timed("untrusted certificate", 60_000, () => runProbes({ targets: targetsOf(healthy.urls), deadlineMs: 60_000 })),
            await timed("portal redirect down to http", 60_000, () =>
                runProbes({ targets: targetsOf(downgrading.urls), deadlineMs: 60_000, ca: certificates.caPem }),
            ),
        ];
    } finally {
        await Promise.all([healthy.close(), silentApi.close(), downgrading.close(), silent.close(), cleartext.close()]);
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
