/**
 * The faults a smoke run must not be fooled by, against real servers on 127.0.0.1: redirects down to
 * http or in a loop, signing keys over plain http, a TLS handshake that never finishes, certificate
 * errors, and a deadline or CA file the run cannot use. Each asserts the exit code (or result), what
 * the report says, and that the run did not keep retrying. No wall clock is read: the time bound is
 * proven on a simulated clock (deadline.test.ts) and measured by `npm run bench`; a run that hung far
 * past its deadline would show here as mocha's timeout.
 */
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import type { ServerResponse } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { smokeChecks } from "../../probes/checks";
import { LoopbackServer, startPlainHttpServer, startSilentTlsServer } from "../../sandbox/loopback/faults";
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
import { maxRedirects } from "../../probes/redirects";
import { runProbes } from "../../probes/run";
import { checkOf, failedIds, parseReport, runCliInProcess, spawnCli, stackTraceLine, targetArgs } from "./harness";

const notRetried = "(not retried: retrying cannot fix this)";

function redirect(response: ServerResponse, location: string): void {
    sendText(response, 302, "", { location, "strict-transport-security": oneYearHsts });
}

describe("smoke probe faults against loopback servers", function () {
    let certificates: LoopbackCertificates;
    let platform: FakePlatform | undefined;
    const extraServers: LoopbackServer[] = [];
    let scratch: string;

    before(async () => {
        certificates = await createLoopbackCertificates();
        scratch = await fs.mkdtemp(path.join(os.tmpdir(), "smoke-faults-"));
    });
    after(async () => {
        await certificates?.remove();
        if (scratch) {
            await fs.rm(scratch, { recursive: true, force: true });
        }
    });
    afterEach(async () => {
        await platform?.close();
        platform = undefined;
        await Promise.all(extraServers.splice(0).map((server) => server.close()));
    });

    async function start(overrides: FakePlatformOptions["overrides"] = {}): Promise<FakePlatform> {
        platform = await startFakePlatform({ tls: { key: certificates.serverKeyPem, cert: certificates.serverCertPem }, overrides });
        return platform;
    }

    async function plainHttp(handler: Parameters<typeof startPlainHttpServer>[0]): Promise<LoopbackServer> {
        const server = await startPlainHttpServer(handler);
        extraServers.push(server);
        return server;
    }

    /** The CLI in-process with --json and --ca; a long deadline, so that retrying shows as attempts. */
    async function probe(running: FakePlatform, extra: string[] = [], deadlineSeconds = 30) {
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

    describe("redirects", () => {
        it("refuses a portal that redirects down to http://, naming the chain, without requesting it or retrying", async () => {
            const cleartext = await plainHttp((_request, response) => sendText(response, 200, "<html>insecure</html>"));
            const running = await start({ portal: { "/": (_request, response) => redirect(response, `${cleartext.url}/login`) } });
            const { run, report } = await probe(running);
            assert.equal(run.code, 1);
            assert.deepEqual(failedIds(report), ["portal.hsts"]);
            const portal = checkOf(report, "portal.hsts");
            assert.equal(
                portal.observed,
                `redirect from https down to http refused: ${running.urls.portal}/ (302) -> ${cleartext.url}/login ${notRetried}`,
            );
            assert.equal(portal.attempts, 1);
            assert.equal(cleartext.requests(), 0, "the http URL is never requested");
            assert.equal(running.hits("portal", "/"), 1);
        });

        it("refuses a downgrade further down the chain, after an https hop", async () => {
            const cleartext = await plainHttp((_request, response) => sendText(response, 200, "ok"));
            const running = await start({
                portal: {
                    "/": (_request, response) => redirect(response, "/welcome"),
                    "/welcome": (_request, response) => redirect(response, `${cleartext.url}/`),
                },
            });
            const { report } = await probe(running);
            assert.equal(
                checkOf(report, "portal.hsts").observed,
                `redirect from https down to http refused: ${running.urls.portal}/ (302) -> ${running.urls.portal}/welcome (302) -> ${cleartext.url}/ ${notRetried}`,
            );
            assert.equal(cleartext.requests(), 0);
        });

        it("refuses a redirect loop, naming the chain, without retrying", async () => {
            const running = await start({
                portal: {
                    "/": (_request, response) => redirect(response, "/a"),
                    "/a": (_request, response) => redirect(response, "/b"),
                    "/b": (_request, response) => redirect(response, "/"),
                },
            });
            const { run, report } = await probe(running);
            assert.equal(run.code, 1);
            const portal = checkOf(report, "portal.hsts");
            const base = running.urls.portal;
            assert.equal(portal.observed, `redirect loop: ${base}/ (302) -> ${base}/a (302) -> ${base}/b (302) -> ${base}/ ${notRetried}`);
            assert.equal(portal.attempts, 1);
            assert.equal(running.hits("portal", "/"), 1);
        });

        it("refuses a page that redirects to itself", async () => {
            const running = await start({ portal: { "/": (_request, response) => redirect(response, "/") } });
            const { report } = await probe(running);
            assert.equal(
                checkOf(report, "portal.hsts").observed,
                `redirect loop: ${running.urls.portal}/ (302) -> ${running.urls.portal}/ ${notRetried}`,
            );
        });

        it(`refuses a chain of more than ${maxRedirects} redirects`, async () => {
            const running = await start({
                portal: {
                    "/": (_request, response) => redirect(response, "/hop?n=1"),
                    "/hop": (request, response) => {
                        const n = Number(new URL(request.url!, "https://x").searchParams.get("n"));
                        redirect(response, `/hop?n=${n + 1}`);
                    },
                },
            });
            const { report } = await probe(running);
            const portal = checkOf(report, "portal.hsts");
            assert.match(
                portal.observed,
                new RegExp(`^more than ${maxRedirects} redirects: .*/hop \\(302\\) -> ${running.urls.portal.replace(/\./g, "\\.")}/hop `),
            );
            assert.equal(running.hits("portal", "/hop"), maxRedirects);
        });

        it("refuses an API health endpoint that redirects to http, as any other check", async () => {
            const cleartext = await plainHttp((_request, response) => sendJson(response, 200, { status: "ready" }));
            const running = await start({
                api: { "/api/health/ready": (_request, response) => redirect(response, `${cleartext.url}/api/health/ready`) },
            });
            const { run, report } = await probe(running);
            assert.equal(run.code, 1);
            assert.deepEqual(failedIds(report), ["api.ready"]);
            assert.match(checkOf(report, "api.ready").observed, /^redirect from https down to http refused: /);
            assert.equal(cleartext.requests(), 0);
        });
    });

    describe("the OIDC issuer and its JWKS", () => {
        async function startWithPlainHttpJwks() {
            const keys = await plainHttp((_request, response) =>
                sendJson(response, 200, { keys: [{ kty: "RSA", kid: "k", n: "AQAB", e: "AQAB" }] }),
            );
            const running = await start({
                identity: {
                    "/.well-known/openid-configuration": (_request, response, { urls }) =>
                        sendJson(response, 200, { ...openIdConfiguration(urls.identity), jwks_uri: `${keys.url}/jwks.json` }),
                },
            });
            return { keys, running };
        }

        it("fails a JWKS served over plain http, without fetching it or retrying", async () => {
            const { keys, running } = await startWithPlainHttpJwks();
            const { run, report } = await probe(running);
            assert.equal(run.code, 1);
            assert.deepEqual(failedIds(report), ["identity.jwks", "identity.openid-configuration"]);
            const jwks = checkOf(report, "identity.jwks");
            assert.equal(
                jwks.observed,
                `HTTP 200, jwks_uri ${keys.url}/jwks.json is plain http; signing keys must come over https ${notRetried}`,
            );
            assert.equal(jwks.attempts, 1);
            assert.match(
                checkOf(report, "identity.openid-configuration").observed,
                /jwks_uri http:\/\/127\.0\.0\.1:\d+\/jwks\.json is not https/,
            );
            assert.equal(keys.requests(), 0);
        });

        it("accepts a plain-http JWKS on the local stack (--local)", async () => {
            const { keys, running } = await startWithPlainHttpJwks();
            const { run } = await probe(running, ["--local"], 5);
            assert.equal(run.code, 0, run.stdout);
            assert.equal(keys.requests(), 1);
        });

        it("refuses a discovery document whose issuer is plain http even when it matches --issuer (--local off)", async () => {
            const running = await start({
                identity: {
                    "/.well-known/openid-configuration": (_request, response, { urls }) =>
                        sendJson(response, 200, { ...openIdConfiguration(urls.identity), issuer: "http://identity.example.com" }),
                },
            });
            const run = await runCliInProcess([
                ...targetArgs(running.urls),
                "--ca",
                certificates.caFile,
                "--issuer",
                "http://identity.example.com",
                "--json",
            ]);
            assert.equal(run.code, 2);
            assert.match(
                run.stderr,
                /^smoke: --issuer must be an https:\/\/ URL outside the local stack \(got http:\/\/identity\.example\.com\/\)/,
            );
        });

        it("requires an https identity URL as the default issuer outside the local stack", async () => {
            const run = await runCliInProcess([
                "--api",
                "https://api.example.com",
                "--identity",
                "http://identity.example.com",
                "--portal",
                "https://portal.example.com",
            ]);
            assert.equal(run.code, 2);
            assert.match(
                run.stderr,
                /^smoke: --identity \(the issuer when --issuer is not given\) must be an https:\/\/ URL outside the local stack/,
            );
        });
    });

    describe("a TLS handshake that never finishes", () => {
        it("ends at the deadline although the connect timeout is far longer, and the run still reports every check", async () => {
            const silent = await startSilentTlsServer();
            extraServers.push(silent);
            const running = await start();
            // Ten-minute request timeouts: only the deadline (and the connect timeout clipped to it) can end
            // this run; before that was so, it outlived its deadline by the connect timeout (mocha's 60 s here).
            const report = await runProbes({
                targets: { api: new URL(running.urls.api), identity: new URL(silent.url), portal: new URL(running.urls.portal) },
                deadlineMs: 2_000,
                ca: certificates.caPem,
                timeouts: { connectMs: 600_000, headersMs: 600_000, bodyMs: 600_000 },
            });
            assert.equal(report.passed, false);
            assert.deepEqual(
                report.checks.filter((check) => !check.passed).map((check) => check.id),
                smokeChecks.filter((check) => check.target === "identity").map((check) => check.id),
            );
            for (const check of report.checks.filter((candidate) => candidate.target === "identity")) {
                assert.match(
                    check.observed,
                    /^no (complete answer|connection \(TCP and TLS handshake\)) before the run deadline/,
                    `${check.id}: ${check.observed}`,
                );
                assert.equal(check.attempts, 1);
            }
            assert.ok(silent.connections() >= 1, "the probe did reach the silent server");
        });

        it("exits 1 through the CLI with a 2 s deadline", async () => {
            const silent = await startSilentTlsServer();
            extraServers.push(silent);
            const running = await start();
            const run = await runCliInProcess([
                "--api",
                running.urls.api,
                "--identity",
                silent.url,
                "--portal",
                running.urls.portal,
                "--ca",
                certificates.caFile,
                "--deadline",
                "2",
                "--json",
            ]);
            assert.equal(run.code, 1);
            assert.deepEqual(failedIds(parseReport(run)), [
                "identity.health",
                "identity.jwks",
                "identity.openid-configuration",
                "identity.version",
            ]);
        });
    });

    describe("certificate errors fail fast", () => {
        it("does not retry a certificate the run does not trust, and stops the other checks' retries", async () => {
            const running = await start({
                api: { "/api/production/queue/heartbeat": (_request, response) => sendJson(response, 503, { status: { status: "fail" } }) },
            });
            const otherCa = await createLoopbackCertificates();
            try {
                // The portal is served with a certificate from a CA the run does not trust.
                const impostor = await startFakePlatform({ tls: { key: otherCa.serverKeyPem, cert: otherCa.serverCertPem } });
                try {
                    const run = await runCliInProcess([
                        "--api",
                        running.urls.api,
                        "--identity",
                        running.urls.identity,
                        "--portal",
                        impostor.urls.portal,
                        "--ca",
                        certificates.caFile,
                        "--deadline",
                        "60",
                        "--json",
                    ]);
                    assert.equal(run.code, 1);
                    const report = parseReport(run);
                    const portal = checkOf(report, "portal.hsts");
                    assert.match(portal.observed, /^TLS error [A-Z_]+: .*\(not retried: retrying cannot fix this\)$/);
                    assert.equal(portal.attempts, 1);
                    // The heartbeat would be retried for 60 s; the certificate error ended the run instead.
                    assert.match(
                        checkOf(report, "api.queue-heartbeat").observed,
                        /^HTTP 503; not retried: portal\.hsts failed with an error retrying cannot fix$/,
                    );
                } finally {
                    await impostor.close();
                }
            } finally {
                await otherCa.remove();
            }
        });
    });

    describe("settings the run cannot use: exit 2 with one line", () => {
        function assertOneLine(run: { code: number; stdout: string; stderr: string }, message: RegExp): void {
            assert.equal(run.code, 2, run.stderr);
            assert.equal(run.stdout, "");
            assert.equal(run.stderr.split("\n").filter((line) => line !== "").length, 1, run.stderr);
            assert.match(run.stderr, message);
        }

        const urls = [
            "--api",
            "https://api.example.com",
            "--identity",
            "https://identity.example.com",
            "--portal",
            "https://portal.example.com",
        ];

        it("a --ca file of garbage, naming the file", async () => {
            const file = path.join(scratch, "garbage.pem");
            await fs.writeFile(file, "this is not a certificate\n");
            assertOneLine(
                await runCliInProcess([...urls, "--ca", file]),
                new RegExp(
                    `^smoke: the CA file given by --ca \\(${file.replace(/\./g, "\\.")}\\) holds no PEM certificate; give a PEM file holding the CA certificate\\n$`,
                ),
            );
        });

        it("a --ca file with garbage inside PEM armour", async () => {
            const file = path.join(scratch, "armoured.pem");
            await fs.writeFile(file, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
            assertOneLine(
                await runCliInProcess([...urls, "--ca", file]),
                /^smoke: the CA file given by --ca \(.*armoured\.pem\) holds a CERTIFICATE block \(number 1\) that is not a valid X\.509 certificate/,
            );
        });

        it("a --ca file holding a private key instead, without echoing it", async () => {
            const file = path.join(scratch, "key.pem");
            await fs.writeFile(file, certificates.serverKeyPem);
            const run = await runCliInProcess([...urls, "--ca", file]);
            assertOneLine(run, /^smoke: the CA file given by --ca \(.*key\.pem\) holds no PEM certificate/);
            assert.doesNotMatch(run.stderr, /PRIVATE KEY/);
        });

        it("an unreadable --ca path (missing, a directory), from SMOKE_CA_FILE too", async () => {
            assertOneLine(
                await runCliInProcess([...urls, "--ca", path.join(scratch, "missing.pem")]),
                /^smoke: the CA file given by --ca \(.*missing\.pem\) cannot be read \(ENOENT\)/,
            );
            assertOneLine(
                await runCliInProcess(urls, { SMOKE_CA_FILE: scratch }),
                /^smoke: the CA file given by SMOKE_CA_FILE \(.*\) cannot be read \(EISDIR\)/,
            );
        });

        it("a process run with a garbage --ca exits 2 before any request", async () => {
            const file = path.join(scratch, "garbage-for-process.pem");
            await fs.writeFile(file, "garbage");
            const running = await start();
            const run = await spawnCli([...targetArgs(running.urls), "--ca", file]);
            assertOneLine(run, /^smoke: the CA file given by --ca \(.*garbage-for-process\.pem\) holds no PEM certificate/);
            assert.equal(running.hits("api", "/api/health/ready"), 0);
        });
    });
});
