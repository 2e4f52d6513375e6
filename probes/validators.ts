/**
 * Small validators the check definitions are built from. Each one either passes or says what came
 * back, in words an on-call engineer can act on. Nothing here echoes a response body: bodies may
 * carry tokens, so only the named fields a check looks at are quoted (and truncated).
 */
import type { ProbeHop, ProbeResponse } from "./http";

export type Verdict<T> = { readonly ok: true; readonly value: T } | Failed;

export interface Failed {
    readonly ok: false;
    readonly observed: string;
    /** Retrying cannot change this answer (an http URL where https is required): the run stops retrying. */
    readonly permanent?: true;
}

export function pass<T>(value: T): Verdict<T> {
    return { ok: true, value };
}

export function fail(observed: string, permanence?: "permanent"): Failed {
    return permanence === "permanent" ? { ok: false, observed, permanent: true } : { ok: false, observed };
}

/** `HTTP 503`: the prefix of every observation made on an answered request. */
export function describeStatus(response: ProbeResponse): string {
    return `HTTP ${response.status}`;
}

export function expectStatus(response: ProbeResponse, accepted: (status: number) => boolean): Verdict<void> {
    return accepted(response.status) ? pass(undefined) : fail(describeStatus(response));
}

export const is200 = (status: number): boolean => status === 200;
export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** Parses the body as JSON. The parser's own message is not reported: it quotes the body. */
export function expectJson(response: ProbeResponse): Verdict<unknown> {
    try {
        return pass(JSON.parse(response.body) as unknown);
    } catch {
        const contentType = response.contentType ?? "no content-type";
        return fail(`${describeStatus(response)}, body is not valid JSON (${contentType}, ${response.bodyBytes} bytes)`);
    }
}

export function expectJsonObject(response: ProbeResponse): Verdict<Record<string, unknown>> {
    const parsed = expectJson(response);
    if (!parsed.ok) {
        return parsed;
    }
    return isRecord(parsed.value)
        ? pass(parsed.value)
        : fail(`${describeStatus(response)}, JSON body is ${kindOf(parsed.value)}, not an object`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads `a.b.c` without throwing on missing or non-object steps. */
export function readField(value: unknown, path: readonly string[]): unknown {
    let current: unknown = value;
    for (const key of path) {
        if (!isRecord(current)) {
            return undefined;
        }
        current = current[key];
    }
    return current;
}

/** A short, quoted rendering of a field value for reports (`"fail"`, `missing`, `an array`). */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "missing";
    }
    if (typeof value === "object" && value !== null) {
        return `${kindOf(value)}`;
    }
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function kindOf(value: unknown): string {
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "an array";
    }
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * The `max-age` of a Strict-Transport-Security header in seconds, or undefined when the header has
 * none or it is not a non-negative integer (RFC 6797 6.1.1 allows the value to be quoted).
 */
export function hstsMaxAgeSeconds(header: string): number | undefined {
    for (const directive of header.split(";")) {
        const separator = directive.indexOf("=");
        const name = (separator === -1 ? directive : directive.slice(0, separator)).trim().toLowerCase();
        if (name !== "max-age" || separator === -1) {
            continue;
        }
        const raw = directive
            .slice(separator + 1)
            .trim()
            .replace(/^"(.*)"$/, "$1");
        return /^\d+$/.test(raw) ? Number(raw) : undefined;
    }
    return undefined;
}

/** The first value of a header (a user agent honours only the first HSTS header, RFC 6797 8.1). */
export function firstHeader(response: ProbeHop, name: string): string | undefined {
    const value = response.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
}
