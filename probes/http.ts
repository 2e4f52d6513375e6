/**
 * One bounded HTTP request for a probe: undici, a per-run Agent (with an optional extra CA), connect
 * (TCP and TLS handshake), headers and body timeouts clipped to the time left before the run deadline,
 * an abort at the deadline that settles the request whatever phase it is in, and a body size cap.
 * Failures come back as values with a one-line description, never as thrown errors, so a probe run
 * can always print its report.
 */
import * as tls from "node:tls";
import { Agent, buildConnector, request } from "undici";

/** One answer in a chain of redirects: what the validators may look at besides the final body. */
export interface ProbeHop {
    /** The URL requested (the report redacts it before printing). */
    readonly url: URL;
    readonly status: number;
    /** Lower-cased header names, as undici returns them. */
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface ProbeResponse extends ProbeHop {
    readonly body: string;
    readonly bodyBytes: number;
    readonly contentType?: string;
    /** The redirects followed to get here, first request first (empty when the first answer was final). */
    readonly redirects: readonly ProbeHop[];
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

/** The limits of one request: each timeout clipped to the time left before the run deadline. */
export interface RequestBudget extends RequestTimeouts {
    /** Time left before the run deadline when the request starts; nothing of it may outlive that. */
    readonly remainingMs: number;
}

/** Undefined when no time is left: a request that cannot finish is not started. */
export function requestBudget(remainingMs: number, timeouts: RequestTimeouts): RequestBudget | undefined {
    const remaining = Math.floor(remainingMs);
    if (!(remaining > 0)) {
        return undefined;
    }
    return {
        connectMs: Math.min(timeouts.connectMs, remaining),
        headersMs: Math.min(timeouts.headersMs, remaining),
        bodyMs: Math.min(timeouts.bodyMs, remaining),
        remainingMs: remaining,
    };
}

export type FetchOutcome =
    | { readonly kind: "response"; readonly response: ProbeResponse }
    | {
          readonly kind: "failure";
          readonly observed: string;
          /** The run deadline interrupted the request: the observation says less than a complete one. */
          readonly cutByDeadline: boolean;
          /** Retrying cannot change the answer (a certificate error, a redirect down to http). */
          readonly permanent: boolean;
      };

export interface ProbeRequest {
    readonly budget: RequestBudget;
    /** Aborts at the run deadline; the request settles then, whatever phase it is in. */
    readonly signal: AbortSignal;
}

/** One GET, no redirect followed; failures come back as values. The runner's only way to the network. */
export type ProbeTransport = (url: URL, request: ProbeRequest) => Promise<FetchOutcome>;

export interface HttpTransportOptions {
    /** PEM of an extra trusted CA (added to Node's bundled roots, not replacing them). */
    readonly ca?: string;
    readonly timeouts: RequestTimeouts;
    /** Time left before the run deadline, read when a connection starts. */
    readonly remainingMs: () => number;
}

export interface HttpTransport {
    readonly fetch: ProbeTransport;
    /** Drops every socket, pending handshakes included. */
    readonly close: () => Promise<void>;
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

/**
 * An undici Agent whose connect timeout (TCP and TLS handshake) is clipped to the time left when each
 * connection starts. A fixed Agent-wide timeout would let a server that accepts TCP and never finishes
 * the handshake hold the run (and the Agent's teardown) up to 5 s past the deadline.
 */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
    const tlsOptions: buildConnector.BuildOptions = {
        // A `ca` option replaces the default trust store, so the bundled roots are added back: a
        // private CA for one surface must not break the publicly certified ones. A shared secure
        // context, because a `ca` array would be re-parsed (some 150 PEMs) on every connection.
        ...(options.ca === undefined ? {} : { secureContext: secureContextTrusting(options.ca) }),
    };
    const agent = new Agent({
        connect: (connectOptions, callback) => {
            const timeout = Math.max(1, Math.min(options.timeouts.connectMs, Math.floor(options.remainingMs())));
            buildConnector({ ...tlsOptions, timeout })(connectOptions, callback);
        },
        headersTimeout: options.timeouts.headersMs,
        bodyTimeout: options.timeouts.bodyMs,
    });
    return {
        fetch: (url, request) => fetchOnce(agent, url, request, options.timeouts),
        // destroy, not close: a server that never answers must not keep the process (or the deploy) waiting.
        close: () => agent.destroy(),
    };
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts (undici may be slower to give up). */
function settleByAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    // The loser of the race must not become an unhandled rejection.
    work.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
        // The reason is the DOMException (an Error) that abort() or AbortSignal.timeout() set.
        const onAbort = (): void => reject(signal.reason as Error);
        if (signal.aborted) {
            onAbort();
            return;
        }
        signal.addEventListener("abort", onAbort, { once: true });
        work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
}

async function fetchOnce(agent: Agent, url: URL, { budget, signal }: ProbeRequest, configured: RequestTimeouts): Promise<FetchOutcome> {
    const cut = (): FetchOutcome => ({
        kind: "failure",
        observed: `no complete answer before the run deadline (${budget.remainingMs} ms were left)`,
        cutByDeadline: true,
        permanent: false,
    });
    if (signal.aborted) {
        return cut();
    }
    try {
        const exchange = async () => {
            const answer = await request(url, {
                dispatcher: agent,
                method: "GET",
                signal,
                headersTimeout: budget.headersMs,
                bodyTimeout: budget.bodyMs,
                headers: { accept: "application/json, text/html;q=0.9, */*;q=0.5", "user-agent": "grownext-smoke-probes" },
            });
            return { answer, body: await readBoundedBody(answer.body) };
        };
        const { answer, body } = await settleByAbort(exchange(), signal);
        if (body === undefined) {
            return {
                kind: "failure",
                observed: `HTTP ${answer.statusCode}, body larger than ${maxBodyBytes} bytes`,
                cutByDeadline: false,
                permanent: false,
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
                redirects: [],
                ...(typeof contentType === "string" ? { contentType } : {}),
            },
        };
    } catch (error) {
        if (signal.aborted) {
            return cut();
        }
        const code = errorCode(error);
        // A timeout clipped to the time left was the deadline itself. undici's coarse timers may fire
        // it some hundreds of milliseconds early; it still means no time is left for another attempt.
        const clippedPhase =
            code === "UND_ERR_CONNECT_TIMEOUT" && budget.connectMs < configured.connectMs
                ? "no connection (TCP and TLS handshake)"
                : code === "UND_ERR_HEADERS_TIMEOUT" && budget.headersMs < configured.headersMs
                  ? "no response headers"
                  : code === "UND_ERR_BODY_TIMEOUT" && budget.bodyMs < configured.bodyMs
                    ? "no complete response body"
                    : undefined;
        if (clippedPhase !== undefined) {
            return {
                kind: "failure",
                observed: `${clippedPhase} before the run deadline (${budget.remainingMs} ms were left)`,
                cutByDeadline: true,
                permanent: false,
            };
        }
        return {
            kind: "failure",
            observed: describeTransportError(error, {
                headersTimeout: budget.headersMs,
                bodyTimeout: budget.bodyMs,
                connectTimeout: budget.connectMs,
            }),
            cutByDeadline: false,
            permanent: isPermanentTransportError(error),
        };
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

/**
 * Certificate and TLS protocol errors: the server presents a certificate this run does not trust, or
 * speaks no TLS at all. Waiting does not change either, so the runner does not retry them.
 */
export function isPermanentTransportError(error: unknown): boolean {
    const code = errorCode(error);
    return code !== undefined && tlsErrorCode.test(code);
}

/** One line for an undici / Node network error; the codes are stable, the messages only supplement them. */
export function describeTransportError(error: unknown, applied: AppliedTimeouts): string {
    const code = errorCode(error);
    const message = firstLine(error instanceof Error ? error.message : String(error));
    switch (code) {
        case "UND_ERR_CONNECT_TIMEOUT":
            return `no connection (TCP and TLS handshake) within ${applied.connectTimeout} ms`;
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
