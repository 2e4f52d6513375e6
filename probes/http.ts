/**
 * One bounded HTTP request for a probe: undici, a per-run Agent (with an optional extra CA), connect,
 * headers and body timeouts clipped to the time left before the run deadline, and a body size cap.
 * Failures come back as values with a one-line description, never as thrown errors, so a probe run
 * can always print its report.
 */
import * as tls from "node:tls";
import { Agent, request } from "undici";

export interface ProbeResponse {
    /** The URL requested (the report redacts it before printing). */
    readonly url: URL;
    readonly status: number;
    /** Lower-cased header names, as undici returns them. */
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly body: string;
    readonly bodyBytes: number;
    readonly contentType?: string;
}

export interface RequestTimeouts {
    /** TCP + TLS handshake. */
    readonly connectMs: number;
    /** From request sent to response headers received. */
    readonly headersMs: number;
    /** Longest pause between two body chunks. */
    readonly bodyMs: number;
}

/**
 * Short enough that a hung attempt leaves room for retries within the default 120 s deadline,
 * long enough for a cold pod behind a load balancer.
 */
export const defaultRequestTimeouts: RequestTimeouts = { connectMs: 5_000, headersMs: 10_000, bodyMs: 10_000 };

/** Health documents are small; a huge body means something else answered (or a runaway response). */
export const maxBodyBytes = 1024 * 1024;

export type FetchOutcome =
    | { readonly kind: "response"; readonly response: ProbeResponse }
    | { readonly kind: "transport-failure"; readonly observed: string; readonly cutByDeadline: boolean };

export interface ProbeAgentOptions {
    /** PEM of an extra trusted CA (added to Node's bundled roots, not replacing them). */
    readonly ca?: string;
    readonly timeouts: RequestTimeouts;
}

const secureContexts = new Map<string, tls.SecureContext>();

/** Node's bundled roots plus `caPem`; built once per CA (parsing the roots takes some 20 ms). */
function secureContextTrusting(caPem: string): tls.SecureContext {
    let context = secureContexts.get(caPem);
    if (context === undefined) {
        context = tls.createSecureContext({ ca: [...tls.rootCertificates, caPem] });
        secureContexts.set(caPem, context);
    }
    return context;
}

export function createProbeAgent(options: ProbeAgentOptions): Agent {
    return new Agent({
        connect: {
            timeout: options.timeouts.connectMs,
            // A `ca` option replaces the default trust store, so the bundled roots are added back: a
            // private CA for one surface must not break the publicly certified ones. A shared secure
            // context, because a `ca` array would be re-parsed (some 150 PEMs) on every connection.
            ...(options.ca === undefined ? {} : { secureContext: secureContextTrusting(options.ca) }),
        },
        headersTimeout: options.timeouts.headersMs,
        bodyTimeout: options.timeouts.bodyMs,
    });
}

/** Aborts a request when the run deadline passes; the connect phase has no per-request timeout, this bounds it. */
class DeadlineReached extends Error {
    constructor() {
        super("the run deadline passed");
        this.name = "DeadlineReached";
    }
}

export interface FetchLimits {
    /** `performance.now()`-based instant after which nothing may still be running. */
    readonly deadlineAt: number;
    readonly timeouts: RequestTimeouts;
    readonly now: () => number;
}

export async function fetchWithinDeadline(agent: Agent, url: URL, limits: FetchLimits): Promise<FetchOutcome> {
    const remainingMs = Math.floor(limits.deadlineAt - limits.now());
    if (remainingMs <= 0) {
        return { kind: "transport-failure", observed: "no time left before the run deadline", cutByDeadline: true };
    }
    const headersTimeout = Math.min(limits.timeouts.headersMs, remainingMs);
    const bodyTimeout = Math.min(limits.timeouts.bodyMs, remainingMs);
    const controller = new AbortController();
    const deadlineTimer = setTimeout(() => controller.abort(new DeadlineReached()), remainingMs);
    try {
        const answer = await request(url, {
            dispatcher: agent,
            method: "GET",
            signal: controller.signal,
            headersTimeout,
            bodyTimeout,
            headers: { accept: "application/json, text/html;q=0.9, */*;q=0.5", "user-agent": "grownext-smoke-probes" },
        });
        const body = await readBoundedBody(answer.body);
        if (body === undefined) {
            return {
                kind: "transport-failure",
                observed: `HTTP ${answer.statusCode}, body larger than ${maxBodyBytes} bytes`,
                cutByDeadline: false,
            };
        }
        const contentType = answer.headers["content-type"];
        return {
            kind: "response",
            response: {
                url,
                status: answer.statusCode,
                headers: answer.headers,
                body: body.toString("utf8"),
                bodyBytes: body.length,
                ...(typeof contentType === "string" ? { contentType } : {}),
            },
        };
    } catch (error) {
        const cutByDeadline = controller.signal.aborted;
        return {
            kind: "transport-failure",
            observed: cutByDeadline
                ? `no complete answer before the run deadline (${remainingMs} ms were left)`
                : describeTransportError(error, { headersTimeout, bodyTimeout, connectTimeout: limits.timeouts.connectMs }),
            cutByDeadline,
        };
    } finally {
        clearTimeout(deadlineTimer);
    }
}

async function readBoundedBody(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body) {
        total += chunk.length;
        if (total > maxBodyBytes) {
            body.destroy();
            return undefined;
        }
        chunks.push(chunk);
    }
    return Buffer.concat(chunks);
}

interface AppliedTimeouts {
    readonly connectTimeout: number;
    readonly headersTimeout: number;
    readonly bodyTimeout: number;
}

const tlsErrorCode = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_OSSL/;

/** One line for an undici / Node network error; the codes are stable, the messages only supplement them. */
export function describeTransportError(error: unknown, applied: AppliedTimeouts): string {
    const code = errorCode(error);
    const message = firstLine(error instanceof Error ? error.message : String(error));
    switch (code) {
        case "UND_ERR_CONNECT_TIMEOUT":
            return `no connection within ${applied.connectTimeout} ms`;
        case "UND_ERR_HEADERS_TIMEOUT":
            return `no response headers within ${applied.headersTimeout} ms`;
        case "UND_ERR_BODY_TIMEOUT":
            return `response body stalled for ${applied.bodyTimeout} ms`;
        case "UND_ERR_SOCKET":
        case "ECONNRESET":
        case "EPIPE":
            return "connection closed by the server before a complete response";
        case "ECONNREFUSED":
            return "connection refused";
        case "ENOTFOUND":
        case "EAI_AGAIN":
            return "host name does not resolve";
        case "EHOSTUNREACH":
        case "ENETUNREACH":
            return "host unreachable";
        default:
            if (code !== undefined && tlsErrorCode.test(code)) {
                return `TLS error ${code}: ${message}`;
            }
            return `request failed${code === undefined ? "" : ` (${code})`}: ${message}`;
    }
}

function errorCode(error: unknown): string | undefined {
    // undici surfaces some socket errors as the `cause` of its own error class.
    for (let current: unknown = error, depth = 0; current !== undefined && depth < 3; depth += 1) {
        if (typeof current === "object" && current !== null) {
            const code = (current as { code?: unknown }).code;
            if (typeof code === "string") {
                return code;
            }
            current = (current as { cause?: unknown }).cause;
        } else {
            return undefined;
        }
    }
    return undefined;
}

function firstLine(text: string): string {
    const line = text.split("\n")[0] ?? "";
    return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
