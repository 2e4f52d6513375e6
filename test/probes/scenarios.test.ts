/**
 * The probe CLI against real HTTPS servers on 127.0.0.1, certificates from a CA made at run time and
 * trusted through --ca. Each scenario breaks one thing and asserts which check fails and why. No
 * assertion here reads a wall clock: the time bound is proven on a simulated clock (deadline.test.ts)
 * and measured by `npm run bench`; here a run that outlived its deadline shows as its attempts and
 * observations, and a hang far past it as mocha's timeout.
 */
import * as assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackCertificates, createLoopbackCertificates } from "../../sandbox/loopback/certificates";
import {
    FakePlatform,
    FakePlatformOptions,
    oneYearHsts,
    openIdConfiguration,
    sendJson,
    sendText,
    startFakePlatform,
} from "../../sandbox/loopback/platform";
import { checkOf, failedIds, parseReport, runCliInProcess, settledObservation, stackTraceLine, targetArgs } from "./harness";

describe("smoke probes against loopback HTTPS servers", function () {
    let certificates: LoopbackCertificates;
    let platform: FakePlatform | undefined;

    before(async () => {
        certificates = await createLoopbackCertificates();
    });
    after(async () => {
        await certificates?.remove();
    });
    afterEach(async () => {
        await platform?.close();
        platform = undefined;
    });

    async function start(overrides: FakePlatformOptions["overrides"] = {}): Promise<FakePlatform> {
        platform = await startFakePlatform({ tls: { key: certificates.serverKeyPem, cert: certificates.serverCertPem }, overrides });
        return platform;
    }

    /** Runs the CLI with --json and --ca, and returns the exit code and the parsed report. */
    async function probe(running: FakePlatform, deadlineSeconds: number, extra: string[] = []) {
        const run = await runCliInProcess([
            ...targetArgs(running.urls),
            "--ca",
            certificates.caFile,
            "--deadline",
            String(deadlineSeconds),
            "--json",
            ...extra,
        ]);
        assert.doesNotMatch(run.stdout + run.stderr, stackTraceLine);
        return { run, report: parseReport(run) };
    }

    it("passes every check of a healthy platform, each on its first attempt", async () => {
        const running = await start();
        const { run, report } = await probe(running, 3);
        assert.equal(run.code, 0);
        assert.equal(report.passed, true);
        assert.deepEqual(
            report.checks.map((check) => check.id),
            [
                "api.ready",
                "api.features",
                "api.queue-heartbeat",
                "identity.health",
                "identity.version",
                "identity.openid-configuration",
                "identity.jwks",
                "portal.hsts",
            ],
        );
        for (const check of report.checks) {
            assert.equal(check.attempts, 1, `${check.id} took ${check.attempts} attempts`);
        }
        assert.equal(checkOf(report, "identity.jwks").url, `${running.urls.identity}/.well-known/jwks.json`);
        assert.equal(running.hits("api", "/api/production/queue/heartbeat"), 1);
    });

    it("prints a readable table by default", async () => {
        const running = await start();
        const run = await runCliInProcess([...targetArgs(running.urls), "--ca", certificates.caFile, "--deadline", "3"]);
        assert.equal(run.code, 0);
        assert.match(run.stdout, /^RESULT\s+CHECK\s+ATTEMPTS\s+TIME\s+URL$/m);
        assert.match(run.stdout, /^pass\s+portal\.hsts\s+1\s/m);
        assert.match(run.stdout, /smoke: PASSED, all 8 checks passed/);
    });

    it("retries a warming-up API (503 three times) until it answers", async () => {
        const running = await start({
            api: {
                "/api/health/ready": (_request, response, { hit }) =>
                    hit <= 3 ? sendJson(response, 503, { status: "starting" }) : sendJson(response, 200, { status: "ready" }),
            },
        });
        const { run, report } = await probe(running, 4);
        assert.equal(run.code, 0, run.stdout);
        assert.equal(checkOf(report, "api.ready").attempts, 4);
        assert.equal(running.hits("api", "/api/health/ready"), 4);
    });

    it("fails the heartbeat check while the queue heartbeat reports fail", async () => {
        const running = await start({
            api: { "/api/production/queue/heartbeat": (_request, response) => sendJson(response, 200, { status: { status: "fail" } }) },
        });
        const { run, report } = await probe(running, 2);
        assert.equal(run.code, 1);
        assert.deepEqual(failedIds(report), ["api.queue-heartbeat"]);
        const heartbeat = checkOf(report, "api.queue-heartbeat");
        assert.equal(heartbeat.expected, 'HTTP 200, JSON with status.status "pass"');
        assert.equal(settledObservation(heartbeat.observed), 'HTTP 200, status.status was "fail"');
        assert.ok(heartbeat.attempts > 1, "a failing check is retried");
    });

    it("reports malformed JSON without echoing the body", async () => {
        const running = await start({
            api: {
                "/api/health/features": (_request, response) =>
                    sendText(response, 200, "{ not json: SECRET-TOKEN", { "content-type": "application/json" }),
            },
        });
        const { run, report } = await probe(running, 2);
        assert.equal(run.code, 1);
        assert.deepEqual(failedIds(report), ["api.features"]);
        assert.match(
            settledObservation(checkOf(report, "api.features").observed),
            /^HTTP 200, body is not valid JSON \(application\/json, 24 bytes\)$/,
        );
        assert.doesNotMatch(run.stdout, /SECRET-TOKEN/);
    });

    it("fails the discovery check when the issuer differs from the expected one", async () => {
        const running = await start({
            identity: {
                "/.well-known/openid-configuration": (_request, response, { urls }) =>
                    sendJson(response, 200, { ...openIdConfiguration(urls.identity), issuer: "https://impostor.example.com" }),
            },
        });
        const { run, report } = await probe(running, 2);
        assert.equal(run.code, 1);
        assert.deepEqual(failedIds(report), ["identity.openid-configuration"]);
        assert.equal(
            settledObservation(checkOf(report, "identity.openid-configuration").observed),
            'HTTP 200, issuer was "https://impostor.example.com"',
        );
    });

    it("accepts an explicit --issuer that differs from the served one by a trailing slash", async () => {
        const running = await start({
            identity: {
                "/.well-known/openid-configuration": (_request, response, { urls }) =>
                    sendJson(response, 200, { ...openIdConfiguration(urls.identity), issuer: "https://identity.example.com/" }),
            },
        });
        const { run } = await probe(running, 2, ["--issuer", "https://identity.example.com"]);
        assert.equal(run.code, 0, run.stdout);
    });

    it("names every gap of an incomplete discovery document at once", async () => {
        const running = await start({
            identity: {
                "/.well-known/openid-configuration": (_request, response, { urls }) => {
                    const { token_endpoint: _omitted, ...document } = openIdConfiguration(urls.identity);
                    sendJson(response, 200, { ...document, code_challenge_methods_supported: ["plain"] });
                },
            },
        });
        const { report } = await probe(running, 2);
        assert.equal(
            settledObservation(checkOf(report, "identity.openid-configuration").observed),
            'HTTP 200, token_endpoint was missing; code_challenge_methods_supported was ["plain"]',
        );
    });

    it("fails the portal check without Strict-Transport-Security", async () => {
        const running = await start({ portal: { "/": (_request, response) => sendText(response, 200, "<html></html>") } });
        const { run, report } = await probe(running, 2);
        assert.equal(run.code, 1);
        assert.deepEqual(failedIds(report), ["portal.hsts"]);
        assert.equal(settledObservation(checkOf(report, "portal.hsts").observed), "HTTP 200, no Strict-Transport-Security header");
    });

    it("fails the portal check when HSTS max-age is under 180 days, and follows an https redirect", async () => {
        const login = (_request: IncomingMessage, response: ServerResponse) => sendText(response, 200, "<html>login</html>");
        const running = await start({
            portal: {
                "/": (_request, response) =>
                    sendText(response, 302, "", { location: "/login", "strict-transport-security": "max-age=86400" }),
                "/login": login,
            },
        });
        const { report } = await probe(running, 2);
        assert.equal(settledObservation(checkOf(report, "portal.hsts").observed), "HTTP 302, Strict-Transport-Security max-age=86400");

        await platform!.close();
        const redirecting = await start({
            portal: {
                "/": (_request, response) => sendText(response, 302, "", { location: "/login", "strict-transport-security": oneYearHsts }),
                "/login": login,
            },
        });
        const healthy = await probe(redirecting, 2);
        assert.equal(healthy.run.code, 0, healthy.run.stdout);
        assert.equal(checkOf(healthy.report, "portal.hsts").url, `${redirecting.urls.portal}/login`);
        assert.equal(redirecting.hits("portal", "/login"), 1);
    });

    it("fails the portal check when the redirect chain ends in an error page", async () => {
        const running = await start({
            portal: {
                "/": (_request, response) =>
                    sendText(response, 302, "", { location: "/missing", "strict-transport-security": oneYearHsts }),
            },
        });
        const { run, report } = await probe(running, 2);
        assert.equal(run.code, 1);
        assert.equal(
            settledObservation(checkOf(report, "portal.hsts").observed),
            `HTTP 404 from ${running.urls.portal}/missing, after 1 redirect(s)`,
        );
    });

    it("gives up on an endpoint that never answers at the deadline", async () => {
        const running = await start({ identity: { "/version": () => undefined } });
        const { run, report } = await probe(running, 2);
        assert.equal(run.code, 1);
        assert.deepEqual(failedIds(report), ["identity.version"]);
        const version = checkOf(report, "identity.version");
        assert.match(version.observed, /^no (complete answer|response headers) before the run deadline \(\d+ ms were left\)$/);
        assert.equal(version.attempts, 1);
    });

    it("fails the JWKS check when the key set is empty", async () => {
        const running = await start({
            identity: { "/.well-known/jwks.json": (_request, response) => sendJson(response, 200, { keys: [] }) },
        });
        const { run, report } = await probe(running, 2);
        assert.equal(run.code, 1);
        assert.deepEqual(failedIds(report), ["identity.jwks"]);
        assert.equal(settledObservation(checkOf(report, "identity.jwks").observed), "HTTP 200, keys was empty");
        assert.equal(checkOf(report, "identity.jwks").expected, "HTTP 200, JSON with at least one key in keys");
    });

    it("reports a server that closes the connection", async () => {
        const running = await start({ identity: { "/health": (request) => request.socket.destroy() } });
        const { run, report } = await probe(running, 2);
        assert.equal(run.code, 1);
        assert.deepEqual(failedIds(report), ["identity.health"]);
        assert.equal(
            settledObservation(checkOf(report, "identity.health").observed),
            "connection closed by the server before a complete response",
        );
    });

    it("fails every check with a TLS error when the CA is not trusted, without retrying", async () => {
        const running = await start();
        // A long deadline: retrying a certificate error until it passed would show as attempts > 1.
        const run = await runCliInProcess([...targetArgs(running.urls), "--deadline", "30", "--json"]);
        assert.equal(run.code, 1);
        const report = parseReport(run);
        assert.equal(failedIds(report).length, 8);
        for (const check of report.checks) {
            assert.match(
                check.observed,
                /^TLS error [A-Z_]+: .*\(not retried: retrying cannot fix this\)$/,
                `${check.id}: ${check.observed}`,
            );
            assert.equal(check.attempts, 1, `${check.id} was retried`);
        }
        assert.equal(running.hits("api", "/api/health/ready"), 0, "no request gets through an untrusted handshake");
    });

    it("never prints the userinfo or query string of a URL", async () => {
        const running = await start();
        const withSecrets = (url: string) => url.replace("https://", "https://deployer:hunter2@") + "/?token=abc123";
        const run = await runCliInProcess([
            "--api",
            withSecrets(running.urls.api),
            "--identity",
            running.urls.identity,
            "--portal",
            withSecrets(running.urls.portal),
            "--ca",
            certificates.caFile,
            "--deadline",
            "2",
        ]);
        assert.equal(run.code, 0, run.stdout);
        assert.match(run.stdout, new RegExp(`${running.urls.api.replace(/\./g, "\\.")}/api/health/ready`));
        assert.doesNotMatch(run.stdout + run.stderr, /hunter2|deployer|abc123/);
    });
});
