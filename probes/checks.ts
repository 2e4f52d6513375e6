/**
 * The post-deploy validation list of the deployment guides, as data: which surface, which request,
 * what a healthy answer looks like. The runner (`run.ts`) knows nothing about any particular check,
 * so adding one is adding an entry here.
 */
import { hstsMaxAgeBounds } from "../catalog/guardrails";
import type { ProbeResponse } from "./http";
import { firstHop } from "./redirects";
import { parseHttpUrl, redactUrl, trimOneTrailingSlash } from "./urls";
import {
    Verdict,
    describeStatus,
    describeValue,
    expectJson,
    expectJsonObject,
    expectStatus,
    fail,
    firstHeader,
    hstsMaxAgeSeconds,
    is200,
    isSuccess,
    pass,
    readField,
} from "./validators";

/** The three public surfaces the probes reach, each given as a base URL. */
export type Target = "api" | "identity" | "portal";

export const targets: readonly Target[] = ["api", "identity", "portal"];

/** What the validators may compare against besides the response itself. */
export interface CheckContext {
    /** The OIDC issuer the identity service must announce. */
    readonly expectedIssuer: string;
    /**
     * Whether the issuer and the endpoints the discovery document names must be https: everywhere but
     * the local stack, since tokens and signing keys fetched over plain HTTP can be swapped in transit.
     */
    readonly requireHttps: boolean;
}

/**
 * One request of a check. `next` (on success) is the URL the following step requests: the JWKS is
 * found through the discovery document, never guessed.
 */
export interface ProbeStep {
    /** A path under the target's base URL, or the URL the previous step's verdict pointed at. */
    readonly request: { readonly path: string } | "url-from-previous-step";
    /** What a healthy answer looks like, as printed in reports. */
    readonly expected: string;
    readonly validate: (response: ProbeResponse, context: CheckContext) => Verdict<URL | undefined>;
}

export interface CheckDefinition {
    /** Stable id used in reports and by CI log searches, `<target>.<what>`. */
    readonly id: string;
    readonly target: Target;
    readonly steps: readonly ProbeStep[];
}

/** RFC 6797 recommends long max-ages; the guides ask for HSTS, we require the guardrail's 180 days. */
export const minimumHstsMaxAgeSeconds = hstsMaxAgeBounds.min;

function status200(response: ProbeResponse): Verdict<undefined> {
    const status = expectStatus(response, is200);
    return status.ok ? pass(undefined) : status;
}

function status200WithJson(response: ProbeResponse): Verdict<undefined> {
    const status = expectStatus(response, is200);
    if (!status.ok) {
        return status;
    }
    const json = expectJson(response);
    return json.ok ? pass(undefined) : json;
}

function queueHeartbeatPasses(response: ProbeResponse): Verdict<undefined> {
    const status = expectStatus(response, is200);
    if (!status.ok) {
        return status;
    }
    const json = expectJson(response);
    if (!json.ok) {
        return json;
    }
    const heartbeat = readField(json.value, ["status", "status"]);
    return heartbeat === "pass" ? pass(undefined) : fail(`${describeStatus(response)}, status.status was ${describeValue(heartbeat)}`);
}

/** Every problem of the discovery document at once, so one report shows the whole fix. */
function openIdConfigurationIsComplete(response: ProbeResponse, context: CheckContext): Verdict<undefined> {
    const status = expectStatus(response, is200);
    if (!status.ok) {
        return status;
    }
    const document = expectJsonObject(response);
    if (!document.ok) {
        return document;
    }
    const problems: string[] = [];
    const issuer = document.value["issuer"];
    if (typeof issuer !== "string" || trimOneTrailingSlash(issuer) !== trimOneTrailingSlash(context.expectedIssuer)) {
        problems.push(`issuer was ${describeValue(issuer)}`);
    } else if (context.requireHttps && parseHttpUrl(issuer)?.protocol !== "https:") {
        problems.push(`issuer ${describeValue(issuer)} is not https`);
    }
    for (const endpoint of ["authorization_endpoint", "token_endpoint", "jwks_uri"]) {
        const url = parseHttpUrl(document.value[endpoint]);
        if (url === undefined) {
            problems.push(`${endpoint} was ${describeValue(document.value[endpoint])}`);
        } else if (context.requireHttps && url.protocol !== "https:") {
            problems.push(`${endpoint} ${redactUrl(url)} is not https`);
        }
    }
    const challengeMethods = document.value["code_challenge_methods_supported"];
    if (!Array.isArray(challengeMethods) || !challengeMethods.includes("S256")) {
        problems.push(`code_challenge_methods_supported was ${describeArray(challengeMethods)}`);
    }
    return problems.length === 0 ? pass(undefined) : fail(`${describeStatus(response)}, ${problems.join("; ")}`);
}

function describeArray(value: unknown): string {
    if (!Array.isArray(value)) {
        return describeValue(value);
    }
    return `[${value.map((item) => describeValue(item)).join(", ")}]`;
}

function jwksUriOfDiscovery(response: ProbeResponse, context: CheckContext): Verdict<URL | undefined> {
    const status = expectStatus(response, is200);
    if (!status.ok) {
        return status;
    }
    const document = expectJsonObject(response);
    if (!document.ok) {
        return document;
    }
    const jwksUri = parseHttpUrl(document.value["jwks_uri"]);
    if (jwksUri === undefined) {
        return fail(`${describeStatus(response)}, jwks_uri was ${describeValue(document.value["jwks_uri"])}`);
    }
    if (context.requireHttps && jwksUri.protocol !== "https:") {
        // Not requested at all: keys fetched in clear could be anyone's.
        return fail(
            `${describeStatus(response)}, jwks_uri ${redactUrl(jwksUri)} is plain http; signing keys must come over https`,
            "permanent",
        );
    }
    return pass(jwksUri);
}

function jwksHoldsAKey(response: ProbeResponse): Verdict<undefined> {
    const status = expectStatus(response, is200);
    if (!status.ok) {
        return status;
    }
    const document = expectJsonObject(response);
    if (!document.ok) {
        return document;
    }
    const keys = document.value["keys"];
    if (!Array.isArray(keys)) {
        return fail(`${describeStatus(response)}, keys was ${describeValue(keys)}`);
    }
    return keys.length > 0 ? pass(undefined) : fail(`${describeStatus(response)}, keys was empty`);
}

/**
 * The portal's own answer (the first of any redirect chain) must carry HSTS, and the page the chain
 * ends on must load. The runner has already refused a chain that leaves https or loops.
 */
function portalAnswersWithHsts(response: ProbeResponse): Verdict<undefined> {
    const portal = firstHop(response);
    // Browsers ignore HSTS received over plain HTTP (RFC 6797 8.1), so the header proves nothing there.
    if (portal.url.protocol !== "https:") {
        return fail(`served over ${portal.url.protocol}, not https:`, "permanent");
    }
    const header = firstHeader(portal, "strict-transport-security");
    if (header === undefined) {
        return fail(`HTTP ${portal.status}, no Strict-Transport-Security header`);
    }
    const maxAge = hstsMaxAgeSeconds(header);
    if (maxAge === undefined) {
        return fail(`HTTP ${portal.status}, Strict-Transport-Security has no valid max-age`);
    }
    if (maxAge < minimumHstsMaxAgeSeconds) {
        return fail(`HTTP ${portal.status}, Strict-Transport-Security max-age=${maxAge}`);
    }
    const status = expectStatus(response, isSuccess);
    if (!status.ok) {
        return response.redirects.length === 0
            ? status
            : fail(`${describeStatus(response)} from ${redactUrl(response.url)}, after ${response.redirects.length} redirect(s)`);
    }
    return pass(undefined);
}

/** The validation list: guide 001 (API health, queue heartbeat), guide 000 sections 6-7 (identity, portal). */
export const smokeChecks: readonly CheckDefinition[] = [
    {
        id: "api.ready",
        target: "api",
        steps: [{ request: { path: "/api/health/ready" }, expected: "HTTP 200", validate: status200 }],
    },
    {
        id: "api.features",
        target: "api",
        steps: [{ request: { path: "/api/health/features" }, expected: "HTTP 200 with a JSON body", validate: status200WithJson }],
    },
    {
        id: "api.queue-heartbeat",
        target: "api",
        steps: [
            {
                request: { path: "/api/production/queue/heartbeat" },
                expected: 'HTTP 200, JSON with status.status "pass"',
                validate: queueHeartbeatPasses,
            },
        ],
    },
    {
        id: "identity.health",
        target: "identity",
        steps: [{ request: { path: "/health" }, expected: "HTTP 200", validate: status200 }],
    },
    {
        id: "identity.version",
        target: "identity",
        steps: [{ request: { path: "/version" }, expected: "HTTP 200", validate: status200 }],
    },
    {
        id: "identity.openid-configuration",
        target: "identity",
        steps: [
            {
                request: { path: "/.well-known/openid-configuration" },
                expected:
                    "HTTP 200, JSON with the expected issuer, authorization_endpoint, token_endpoint, jwks_uri and S256 in code_challenge_methods_supported",
                validate: openIdConfigurationIsComplete,
            },
        ],
    },
    {
        id: "identity.jwks",
        target: "identity",
        steps: [
            {
                request: { path: "/.well-known/openid-configuration" },
                expected: "HTTP 200, JSON with a jwks_uri URL",
                validate: jwksUriOfDiscovery,
            },
            {
                request: "url-from-previous-step",
                expected: "HTTP 200, JSON with at least one key in keys",
                validate: jwksHoldsAKey,
            },
        ],
    },
    {
        id: "portal.hsts",
        target: "portal",
        steps: [
            {
                request: { path: "/" },
                expected: `HTTPS with Strict-Transport-Security max-age >= ${minimumHstsMaxAgeSeconds}, redirects (https only, no loop) ending in 2xx`,
                validate: portalAnswersWithHsts,
            },
        ],
    },
];
