/**
 * The pure pieces of the probe runner: backoff, HSTS parsing, URL handling, error descriptions and
 * the table layout.
 */
import * as assert from "node:assert/strict";
import { backoffDelayMs } from "../../probes/backoff";
import { minimumHstsMaxAgeSeconds, smokeChecks } from "../../probes/checks";
import { describeTransportError, isPermanentTransportError, requestBudget } from "../../probes/http";
import type { ProbeHop } from "../../probes/http";
import { maxRedirects, nextRedirect } from "../../probes/redirects";
import { renderTable } from "../../probes/report";
import type { ProbeReport } from "../../probes/run";
import { redactUrl, resolveUnderBase, trimOneTrailingSlash } from "../../probes/urls";
import { hstsMaxAgeSeconds } from "../../probes/validators";

describe("probe runner building blocks", () => {
    describe("backoff", () => {
        const policy = { initialDelayMs: 200, maxDelayMs: 3_000 };

        it("doubles its ceiling per failed attempt, with half of it jittered", () => {
            assert.deepEqual(
                [1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0)),
                [100, 200, 400, 800],
            );
            assert.deepEqual(
                [1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 1)),
                [200, 400, 800, 1600],
            );
        });

        it("never exceeds its maximum, however many attempts failed", () => {
            for (const attempts of [5, 10, 100, 10_000]) {
                assert.equal(
                    backoffDelayMs(attempts, policy, () => 1),
                    3_000,
                );
                assert.equal(
                    backoffDelayMs(attempts, policy, () => 0),
                    1_500,
                );
            }
        });
    });

    describe("Strict-Transport-Security max-age", () => {
        it("reads max-age wherever it sits, quoted or not, in any case", () => {
            assert.equal(hstsMaxAgeSeconds("max-age=31536000; includeSubDomains"), 31536000);
            assert.equal(hstsMaxAgeSeconds('includeSubDomains; Max-Age="15552000"; preload'), 15552000);
        });

        it("finds none when it is missing or not a whole number", () => {
            for (const header of ["includeSubDomains", "max-age=", "max-age=-1", "max-age=1e9", "max-age"]) {
                assert.equal(hstsMaxAgeSeconds(header), undefined, header);
            }
        });

        it("requires 180 days", () => {
            assert.equal(minimumHstsMaxAgeSeconds, 15_552_000);
        });
    });

    describe("URLs", () => {
        it("redacts userinfo, query and fragment", () => {
            assert.equal(
                redactUrl("https://ops:pw@api.example.com/api/health/ready?token=x#y"),
                "https://api.example.com/api/health/ready",
            );
            assert.equal(redactUrl("not a url, maybe a secret"), "<not a URL>");
        });

        it("resolves check paths under a base URL's path prefix", () => {
            assert.equal(resolveUnderBase(new URL("https://example.com/identity"), "/health").href, "https://example.com/identity/health");
            assert.equal(
                resolveUnderBase(new URL("https://example.com/identity/"), "/.well-known/openid-configuration").href,
                "https://example.com/identity/.well-known/openid-configuration",
            );
            assert.equal(resolveUnderBase(new URL("https://portal.example.com?x=1"), "/").href, "https://portal.example.com/");
        });

        it("tolerates exactly one trailing slash on an issuer", () => {
            assert.equal(trimOneTrailingSlash("https://id.example.com/"), "https://id.example.com");
            assert.equal(trimOneTrailingSlash("https://id.example.com//"), "https://id.example.com/");
        });
    });

    describe("transport errors", () => {
        const applied = { connectTimeout: 5000, headersTimeout: 1200, bodyTimeout: 800 };
        const errorWith = (code: string, message = "boom"): Error => Object.assign(new Error(message), { code });

        it("says what happened in one line, by undici or Node error code", () => {
            assert.equal(
                describeTransportError(errorWith("UND_ERR_CONNECT_TIMEOUT"), applied),
                "no connection (TCP and TLS handshake) within 5000 ms",
            );
            assert.equal(describeTransportError(errorWith("UND_ERR_HEADERS_TIMEOUT"), applied), "no response headers within 1200 ms");
            assert.equal(describeTransportError(errorWith("UND_ERR_BODY_TIMEOUT"), applied), "response body stalled for 800 ms");
            assert.equal(describeTransportError(errorWith("ECONNREFUSED"), applied), "connection refused");
            assert.equal(
                describeTransportError(errorWith("UND_ERR_SOCKET", "other side closed"), applied),
                "connection closed by the server before a complete response",
            );
            assert.equal(
                describeTransportError(errorWith("CERT_HAS_EXPIRED", "certificate has expired\n    at TLSSocket"), applied),
                "TLS error CERT_HAS_EXPIRED: certificate has expired",
            );
        });

        it("calls certificate and TLS protocol errors permanent, and nothing a retry can fix", () => {
            for (const code of [
                "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
                "SELF_SIGNED_CERT_IN_CHAIN",
                "CERT_HAS_EXPIRED",
                "ERR_TLS_CERT_ALTNAME_INVALID",
                "DEPTH_ZERO_SELF_SIGNED_CERT",
                "ERR_SSL_WRONG_VERSION_NUMBER",
            ]) {
                assert.equal(isPermanentTransportError(errorWith(code)), true, code);
            }
            for (const code of [
                "ECONNREFUSED",
                "ECONNRESET",
                "UND_ERR_CONNECT_TIMEOUT",
                "UND_ERR_HEADERS_TIMEOUT",
                "ENOTFOUND",
                "UND_ERR_SOCKET",
            ]) {
                assert.equal(isPermanentTransportError(errorWith(code)), false, code);
            }
            assert.equal(
                isPermanentTransportError(Object.assign(new Error("fetch failed"), { cause: errorWith("CERT_HAS_EXPIRED") })),
                true,
            );
        });

        it("finds the code on a wrapped cause", () => {
            const wrapped = Object.assign(new Error("fetch failed"), { cause: errorWith("ENOTFOUND") });
            assert.equal(describeTransportError(wrapped, applied), "host name does not resolve");
        });
    });

    describe("request budget", () => {
        const timeouts = { connectMs: 5_000, headersMs: 10_000, bodyMs: 8_000 };

        it("clips every timeout to the time left before the deadline", () => {
            assert.deepEqual(requestBudget(60_000, timeouts), { ...timeouts, remainingMs: 60_000 });
            assert.deepEqual(requestBudget(2_000.9, timeouts), { connectMs: 2_000, headersMs: 2_000, bodyMs: 2_000, remainingMs: 2_000 });
            assert.deepEqual(requestBudget(6_000, timeouts), { connectMs: 5_000, headersMs: 6_000, bodyMs: 6_000, remainingMs: 6_000 });
        });

        it("starts no request when no whole millisecond is left", () => {
            for (const remaining of [0.5, 0, -1, Number.NaN]) {
                assert.equal(requestBudget(remaining, timeouts), undefined, String(remaining));
            }
        });
    });

    describe("redirects", () => {
        const hop = (url: string, status: number, location?: string): ProbeHop => ({
            url: new URL(url),
            status,
            headers: location === undefined ? {} : { location },
        });

        it("follows a relative or absolute https redirect, and stops at a final answer", () => {
            assert.deepEqual(nextRedirect([], hop("https://a.test/", 302, "/login")), {
                kind: "follow",
                url: new URL("https://a.test/login"),
            });
            assert.deepEqual(nextRedirect([], hop("https://a.test/", 308, "https://b.test/x#frag")), {
                kind: "follow",
                url: new URL("https://b.test/x"),
            });
            assert.deepEqual(nextRedirect([], hop("http://a.test/", 301, "https://a.test/")), {
                kind: "follow",
                url: new URL("https://a.test/"),
            });
            assert.deepEqual(nextRedirect([], hop("https://a.test/", 200)), { kind: "final" });
            assert.deepEqual(
                nextRedirect([], hop("https://a.test/", 302)),
                { kind: "final" },
                "no Location: the validator judges the status",
            );
        });

        it("refuses a redirect from https down to http, naming the chain without credentials or query", () => {
            assert.deepEqual(
                nextRedirect(
                    [hop("https://a.test/", 302, "/next?token=s3cret")],
                    hop("https://a.test/next?token=s3cret", 301, "http://user:pw@a.test/"),
                ),
                {
                    kind: "refuse",
                    observed:
                        "redirect from https down to http refused: https://a.test/ (302) -> https://a.test/next (301) -> http://a.test/",
                },
            );
        });

        it("refuses a loop and a chain too long, but not the same path with another query", () => {
            assert.equal(nextRedirect([hop("https://a.test/", 302, "/b")], hop("https://a.test/b", 302, "/")).kind, "refuse");
            assert.deepEqual(nextRedirect([hop("https://a.test/", 302, "/?x=1")], hop("https://a.test/?x=1", 302, "/?x=2")), {
                kind: "follow",
                url: new URL("https://a.test/?x=2"),
            });
            const chain = Array.from({ length: maxRedirects }, (_, index) => hop(`https://a.test/${index}`, 302, `/${index + 1}`));
            const decision = nextRedirect(chain, hop(`https://a.test/${maxRedirects}`, 302, `/${maxRedirects + 1}`));
            assert.equal(decision.kind, "refuse");
            assert.match(
                (decision as { observed: string }).observed,
                new RegExp(`^more than ${maxRedirects} redirects: https://a\\.test/0 \\(302\\)`),
            );
        });

        it("refuses a redirect to another scheme", () => {
            assert.deepEqual(nextRedirect([], hop("https://a.test/", 302, "javascript:alert(1)")), {
                kind: "refuse",
                observed: "redirect to a javascript: URL refused: https://a.test/ (302) -> <javascript: URL>",
            });
        });
    });

    describe("check list", () => {
        it("covers the guides' validation list, each id once", () => {
            const ids = smokeChecks.map((check) => check.id);
            assert.equal(new Set(ids).size, ids.length);
            assert.deepEqual(
                smokeChecks.map(
                    (check) =>
                        `${check.target} ${check.steps.map((step) => (step.request === "url-from-previous-step" ? "<jwks_uri>" : step.request.path)).join(" ")}`,
                ),
                [
                    "api /api/health/ready",
                    "api /api/health/features",
                    "api /api/production/queue/heartbeat",
                    "identity /health",
                    "identity /version",
                    "identity /.well-known/openid-configuration",
                    "identity /.well-known/openid-configuration <jwks_uri>",
                    "portal /",
                ],
            );
        });
    });

    describe("table", () => {
        const report: ProbeReport = {
            passed: false,
            startedAt: "2025-01-01T00:00:00.000Z",
            durationMs: 2010,
            deadlineMs: 2000,
            checks: [
                {
                    id: "api.ready",
                    target: "api",
                    passed: true,
                    url: "https://api.example.com/api/health/ready",
                    expected: "HTTP 200",
                    observed: "HTTP 200",
                    attempts: 1,
                    durationMs: 42,
                },
                {
                    id: "portal.hsts",
                    target: "portal",
                    passed: false,
                    url: "https://portal.example.com/",
                    expected: "HSTS",
                    observed: "HTTP 200, no Strict-Transport-Security header",
                    attempts: 5,
                    durationMs: 1990,
                },
            ],
        };

        it("aligns columns and explains each failure under its row", () => {
            assert.equal(
                renderTable(report),
                [
                    "RESULT  CHECK        ATTEMPTS  TIME   URL",
                    "pass    api.ready    1         42 ms  https://api.example.com/api/health/ready",
                    "FAIL    portal.hsts  5         2.0 s  https://portal.example.com/",
                    "        expected: HSTS",
                    "        got:      HTTP 200, no Strict-Transport-Security header",
                    "",
                    "smoke: FAILED, 1 of 2 checks failed (2.0 s, deadline 2.0 s)",
                    "",
                ].join("\n"),
            );
        });
    });
});
