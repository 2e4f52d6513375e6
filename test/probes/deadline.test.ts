/**
 * The run's time bound, proven on a simulated clock (no wall clock is read): simulated servers that
 * answer late, hang in the TLS handshake, or ignore every timeout, and the runner's own retry loop.
 * The run must end by its deadline, and every request must start with limits that fit in the time left.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { CheckDefinition, smokeChecks } from "../../probes/checks";
import type { FetchOutcome, ProbeRequest, ProbeResponse, ProbeTransport, RequestTimeouts } from "../../probes/http";
import { ProbeReport, runProbes } from "../../probes/run";
import { SimulatedClock } from "./simulatedClock";

const targets = {
    api: new URL("https://api.example.test"),
    identity: new URL("https://identity.example.test"),
    portal: new URL("https://portal.example.test"),
};

/** What a simulated server does with one request. */
type Behaviour =
    | {
          readonly kind: "answer";
          readonly afterMs: number;
          readonly status: number;
          readonly headers?: Record<string, string>;
          readonly body?: string;
      }
    /** Accepts TCP and never finishes the TLS handshake: only the connect timeout or the deadline ends it. */
    | { readonly kind: "silent-handshake" }
    /** A connection that honours no timeout at all (as undici did while connecting): only the deadline's abort ends it. */
    | { readonly kind: "ignore-timeouts" }
    | { readonly kind: "certificate-error" };

interface Call {
    readonly url: string;
    readonly at: number;
    readonly request: ProbeRequest;
    /** Whether the deadline had already aborted the signal when the request started. */
    readonly startedAfterDeadline: boolean;
}

function simulatedNetwork(clock: SimulatedClock, behave: (url: URL) => Behaviour) {
    const calls: Call[] = [];
    const cut = (request: ProbeRequest): FetchOutcome => ({
        kind: "failure",
        observed: `no complete answer before the run deadline (${request.budget.remainingMs} ms were left)`,
        cutByDeadline: true,
        permanent: false,
    });
    const transport: ProbeTransport = async (url, request) => {
        calls.push({ url: url.href, at: clock.now(), request, startedAfterDeadline: request.signal.aborted });
        const behaviour = behave(url);
        const { budget, signal } = request;
        switch (behaviour.kind) {
            case "certificate-error":
                return {
                    kind: "failure",
                    observed: "TLS error UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify",
                    cutByDeadline: false,
                    permanent: true,
                };
            case "ignore-timeouts":
                await clock.sleep(Number.MAX_SAFE_INTEGER, signal);
                return cut(request);
            case "silent-handshake":
                await clock.sleep(budget.connectMs, signal);
                return signal.aborted
                    ? cut(request)
                    : { kind: "failure", observed: `no connection within ${budget.connectMs} ms`, cutByDeadline: false, permanent: false };
            case "answer": {
                await clock.sleep(Math.min(behaviour.afterMs, budget.headersMs), signal);
                if (signal.aborted) {
                    return cut(request);
                }
                if (behaviour.afterMs > budget.headersMs) {
                    return {
                        kind: "failure",
                        observed: `no response headers within ${budget.headersMs} ms`,
                        cutByDeadline: false,
                        permanent: false,
                    };
                }
                const body = behaviour.body ?? "{}";
                const response: ProbeResponse = {
                    url,
                    status: behaviour.status,
                    headers: behaviour.headers ?? {},
                    body,
                    bodyBytes: Buffer.byteLength(body),
                    redirects: [],
                };
                return { kind: "response", response };
            }
        }
    };
    return { transport, calls };
}

function checksById(...ids: string[]): CheckDefinition[] {
    return smokeChecks.filter((check) => ids.includes(check.id));
}

function resultOf(report: ProbeReport, id: string) {
    const result = report.checks.find((check) => check.id === id);
    assert.ok(result, `no ${id} in the report`);
    return result;
}

const timeouts: RequestTimeouts = { connectMs: 5_000, headersMs: 10_000, bodyMs: 10_000 };

describe("probe run deadline, on a simulated clock", () => {
    it("ends a run against a server that never finishes the TLS handshake at the deadline (2 s), not at the connect timeout (5 s)", async () => {
        const clock = new SimulatedClock();
        const network = simulatedNetwork(clock, () => ({ kind: "silent-handshake" }));
        const report = await clock.run(
            runProbes({ targets, deadlineMs: 2_000, timeouts, clock, transport: network.transport, checks: checksById("identity.health") }),
        );
        assert.equal(report.passed, false);
        assert.ok(clock.now() <= 2_000, `the run ended at t=${clock.now()} ms`);
        assert.equal(report.durationMs, clock.now());
        assert.equal(network.calls.length, 1);
        assert.equal(network.calls[0]!.request.budget.connectMs, 2_000, "the handshake may take only the time left");
    });

    it("cuts a request that honours no timeout at all by the deadline's abort signal", async () => {
        const clock = new SimulatedClock();
        const network = simulatedNetwork(clock, () => ({ kind: "ignore-timeouts" }));
        const report = await clock.run(
            runProbes({
                targets,
                deadlineMs: 2_000,
                timeouts,
                clock,
                transport: network.transport,
                checks: checksById("api.ready", "portal.hsts"),
            }),
        );
        assert.equal(clock.now(), 2_000);
        for (const check of report.checks) {
            assert.match(check.observed, /^no complete answer before the run deadline/);
            assert.equal(check.attempts, 1);
        }
    });

    it("starts every request with limits that fit in the time left, and ends every run by its deadline", async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.integer({ min: 1_000, max: 30_000 }),
                fc.record({
                    connectMs: fc.integer({ min: 1, max: 40_000 }),
                    headersMs: fc.integer({ min: 1, max: 40_000 }),
                    bodyMs: fc.integer({ min: 1, max: 40_000 }),
                }),
                fc.array(fc.oneof(fc.integer({ min: 0, max: 45_000 }), fc.constant(-1)), { minLength: 1, maxLength: 8 }),
                async (deadlineMs, configured, latencies) => {
                    const clock = new SimulatedClock();
                    let hit = 0;
                    // Per request, in turn: a 503 after some latency, or (-1) a handshake that never ends.
                    const network = simulatedNetwork(clock, () => {
                        const latency = latencies[hit++ % latencies.length]!;
                        return latency < 0 ? { kind: "silent-handshake" } : { kind: "answer", afterMs: latency, status: 503 };
                    });
                    const report = await clock.run(
                        runProbes({ targets, deadlineMs, timeouts: configured, clock, transport: network.transport }),
                    );
                    assert.equal(report.passed, false);
                    assert.ok(clock.now() <= deadlineMs, `the run ended at t=${clock.now()} ms for a ${deadlineMs} ms deadline`);
                    for (const { at, request, startedAfterDeadline } of network.calls) {
                        const left = deadlineMs - at;
                        assert.ok(
                            request.budget.remainingMs > 0 && request.budget.remainingMs <= left,
                            `remaining ${request.budget.remainingMs} ms at t=${at}`,
                        );
                        assert.ok(
                            request.budget.connectMs <= Math.min(configured.connectMs, left),
                            `connect ${request.budget.connectMs} ms at t=${at}`,
                        );
                        assert.ok(
                            request.budget.headersMs <= Math.min(configured.headersMs, left),
                            `headers ${request.budget.headersMs} ms at t=${at}`,
                        );
                        assert.ok(
                            request.budget.bodyMs <= Math.min(configured.bodyMs, left),
                            `body ${request.budget.bodyMs} ms at t=${at}`,
                        );
                        assert.equal(startedAfterDeadline, false, "no request starts after the deadline");
                    }
                },
            ),
            { numRuns: 60 },
        );
    });

    it("retries a failing check until the deadline, not beyond", async () => {
        const clock = new SimulatedClock();
        const network = simulatedNetwork(clock, () => ({ kind: "answer", afterMs: 20, status: 503 }));
        const report = await clock.run(
            runProbes({ targets, deadlineMs: 10_000, timeouts, clock, transport: network.transport, checks: checksById("api.ready") }),
        );
        const ready = resultOf(report, "api.ready");
        assert.ok(ready.attempts > 3, `retried ${ready.attempts} times`);
        assert.ok(clock.now() <= 10_000);
        // The last attempt started with at least the last-attempt window (1 s) left.
        assert.ok(network.calls.at(-1)!.at <= 9_000, `last attempt at t=${network.calls.at(-1)!.at}`);
    });

    it("does not retry a certificate error, and stops the other checks' retries", async () => {
        const clock = new SimulatedClock();
        const network = simulatedNetwork(clock, (url) =>
            url.hostname === "portal.example.test" ? { kind: "certificate-error" } : { kind: "answer", afterMs: 50, status: 503 },
        );
        const report = await clock.run(
            runProbes({
                targets,
                deadlineMs: 60_000,
                timeouts,
                clock,
                transport: network.transport,
                checks: checksById("api.ready", "portal.hsts"),
            }),
        );
        assert.equal(resultOf(report, "portal.hsts").attempts, 1);
        assert.match(
            resultOf(report, "portal.hsts").observed,
            /^TLS error UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*\(not retried: retrying cannot fix this\)$/,
        );
        assert.equal(resultOf(report, "api.ready").attempts, 1);
        assert.equal(resultOf(report, "api.ready").observed, "HTTP 503; not retried: portal.hsts failed with an error retrying cannot fix");
        assert.ok(clock.now() <= 50, `the run ended at t=${clock.now()} ms, not at its 60 s deadline`);
    });

    it("does not follow or retry a redirect down to http", async () => {
        const clock = new SimulatedClock();
        const network = simulatedNetwork(clock, (url) =>
            url.protocol === "https:"
                ? {
                      kind: "answer",
                      afterMs: 5,
                      status: 301,
                      headers: { location: "http://portal.example.test/", "strict-transport-security": "max-age=31536000" },
                  }
                : { kind: "answer", afterMs: 5, status: 200 },
        );
        const report = await clock.run(
            runProbes({ targets, deadlineMs: 60_000, timeouts, clock, transport: network.transport, checks: checksById("portal.hsts") }),
        );
        const portal = resultOf(report, "portal.hsts");
        assert.equal(portal.attempts, 1);
        assert.equal(
            portal.observed,
            "redirect from https down to http refused: https://portal.example.test/ (301) -> http://portal.example.test/ (not retried: retrying cannot fix this)",
        );
        assert.deepEqual(
            network.calls.map((call) => call.url),
            ["https://portal.example.test/"],
        );
        assert.equal(clock.now(), 5);
    });

    it("passes a healthy platform in about the time of its slowest check", async () => {
        const clock = new SimulatedClock();
        const latencyMs: Record<string, number> = { "api.example.test": 40, "identity.example.test": 120, "portal.example.test": 300 };
        const network = simulatedNetwork(clock, (url) => {
            const afterMs = latencyMs[url.hostname]!;
            switch (url.pathname) {
                case "/api/production/queue/heartbeat":
                    return { kind: "answer", afterMs, status: 200, body: JSON.stringify({ status: { status: "pass" } }) };
                case "/.well-known/openid-configuration":
                    return {
                        kind: "answer",
                        afterMs,
                        status: 200,
                        body: JSON.stringify({
                            issuer: "https://identity.example.test/",
                            authorization_endpoint: "https://identity.example.test/authorize",
                            token_endpoint: "https://identity.example.test/token",
                            jwks_uri: "https://identity.example.test/jwks",
                            code_challenge_methods_supported: ["S256"],
                        }),
                    };
                case "/jwks":
                    return { kind: "answer", afterMs, status: 200, body: JSON.stringify({ keys: [{ kty: "RSA" }] }) };
                case "/":
                    return { kind: "answer", afterMs, status: 200, headers: { "strict-transport-security": "max-age=31536000" } };
                default:
                    return { kind: "answer", afterMs, status: 200 };
            }
        });
        const report = await clock.run(runProbes({ targets, deadlineMs: 60_000, timeouts, clock, transport: network.transport }));
        assert.equal(report.passed, true, JSON.stringify(report.checks.filter((check) => !check.passed)));
        // The JWKS check makes two requests in turn (discovery, then keys): 240 ms; the portal takes 300 ms.
        assert.equal(clock.now(), 300);
        assert.equal(report.durationMs, 300);
    });
});
