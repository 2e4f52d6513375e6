/**
 * Values unknown during preview, and how this pack reads resource properties.
 *
 * How @pulumi/policy 1.21 represents unknowns (read from node_modules/@pulumi/policy/server.js,
 * deserialize.js and proxy.js):
 *
 * - The engine sends properties over gRPC; a value that depends on an output not known until the
 *   update (an RDS endpoint, a generated password, an ARN) arrives as one of seven sentinel strings
 *   (`unknownStringValue` and friends in proxy.js; the Node SDK itself only ever sends the string one).
 * - A property whose value is `undefined` is dropped (`deserializeProperties`), so an absent input
 *   and an input that resolved to `undefined` look the same: `!("key" in props)`.
 * - Secrets are unwrapped to their plain values for validation.
 * - `args.props` (and every `resources[i].props` of a stack policy) is wrapped in
 *   `unknownCheckingProxy`: reading a property whose value is a sentinel THROWS `UnknownValueError`.
 *   The server catches it and reports "can't run policy ... during preview" at enforcement level
 *   ADVISORY, whatever the policy's own level. A mandatory rule that reads an unknown value through
 *   the proxy is therefore silently downgraded to a warning: exactly what the guides forbid.
 *
 * What this pack does instead: every policy first copies its props with `plain()`, which reads
 * through property descriptors (the proxy has no `getOwnPropertyDescriptor` trap, so nothing
 * throws) and replaces each sentinel by the `UNKNOWN` symbol. Rules then decide explicitly:
 *
 * - presence proves compliance (a `kmsKeyId`, an `authToken`, a probe object): an unknown value is
 *   accepted, checked with `has(obj, key)` (the `"key" in props` idiom);
 * - otherwise (a boolean flag, a number, a CIDR, an image tag): an unknown value is reported as a
 *   violation at the policy's own level, with a message saying what to make known or change.
 *
 * The last line of defence is in lib/policy.ts (`validateTypes`, `validateStackWith`): if a rule
 * ever touches the raw proxy and it throws, the error becomes a violation at the policy's own level
 * rather than an advisory note.
 */

/** Marks a value the engine cannot know until the update runs. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/**
 * The engine's wire sentinels for unknown values (proxy.js: boolean, number, string, array, asset,
 * archive, object). A test checks this list against the installed SDK.
 */
export const unknownSentinels: readonly string[] = [
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
];
const sentinelSet = new Set(unknownSentinels);

export function isUnknown(value: unknown): value is Unknown {
    return value === UNKNOWN;
}

/** A plain JSON-like value in which every unknown is `UNKNOWN`. */
export type Plain = string | number | boolean | null | Unknown | Plain[] | PlainObject;
export interface PlainObject {
    [key: string]: Plain;
}

/**
 * Deep-copies resource properties (possibly wrapped in the SDK's unknown-checking proxy) into plain
 * data, turning sentinels into `UNKNOWN` and `Secret` wrappers into their values. Never throws on
 * unknowns.
 */
export function plain(value: unknown): Plain {
    if (value === undefined || value === null) {
        return null;
    }
    if (typeof value === "string") {
        return sentinelSet.has(value) ? UNKNOWN : value;
    }
    if (typeof value === "number" || typeof value === "boolean") {
        return value;
    }
    if (typeof value === "symbol") {
        return value === UNKNOWN ? UNKNOWN : String(value.description);
    }
    if (Array.isArray(value)) {
        const out: Plain[] = [];
        for (let i = 0; i < value.length; i++) {
            out.push(plain(rawOwn(value, String(i))));
        }
        return out;
    }
    if (typeof value === "object") {
        // `Secret` from @pulumi/policy (only produced for remediations) carries `.value`.
        if (value.constructor && value.constructor.name === "Secret" && "value" in value) {
            return plain(rawOwn(value, "value"));
        }
        const out: PlainObject = {};
        for (const key of Object.keys(value)) {
            const v = rawOwn(value, key);
            if (v !== undefined) {
                out[key] = plain(v);
            }
        }
        return out;
    }
    return null;
}

/** Plain copy of a resource's props; always an object. */
export function plainProps(props: unknown): PlainObject {
    const p = plain(props);
    return isObject(p) ? p : {};
}

/** Reads an own property without triggering proxy traps that throw on unknowns. */
function rawOwn(target: object, key: string): unknown {
    const desc = Object.getOwnPropertyDescriptor(target, key);
    return desc ? desc.value : undefined;
}

// ---- Readers: each returns the typed value, `UNKNOWN`, or `undefined` when absent or mistyped. ----

export function isObject(value: unknown): value is PlainObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `"key" in obj` for plain data: true when the key is present, even with an unknown value. */
export function has(obj: unknown, key: string): boolean {
    return isObject(obj) && key in obj && obj[key] !== null;
}

/** Follows a path of keys; an unknown anywhere on the way yields `UNKNOWN`. */
export function get(obj: unknown, ...path: string[]): Plain | undefined {
    let cur: unknown = obj;
    for (const key of path) {
        if (isUnknown(cur)) {
            return UNKNOWN;
        }
        if (!isObject(cur) || !(key in cur)) {
            return undefined;
        }
        cur = cur[key];
    }
    return cur === null ? undefined : (cur as Plain);
}

export function str(value: unknown): string | Unknown | undefined {
    if (isUnknown(value)) return UNKNOWN;
    return typeof value === "string" ? value : undefined;
}

/** Booleans, also accepting `"true"`/`"false"` strings (Kubernetes annotations, some providers). */
export function bool(value: unknown): boolean | Unknown | undefined {
    if (isUnknown(value)) return UNKNOWN;
    if (typeof value === "boolean") return value;
    if (value === "true") return true;
    if (value === "false") return false;
    return undefined;
}

/** Numbers, also accepting numeric strings. */
export function num(value: unknown): number | Unknown | undefined {
    if (isUnknown(value)) return UNKNOWN;
    if (typeof value === "number") return value;
    if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
    return undefined;
}

export function arr(value: unknown): Plain[] | Unknown | undefined {
    if (isUnknown(value)) return UNKNOWN;
    return Array.isArray(value) ? value : undefined;
}

export function obj(value: unknown): PlainObject | Unknown | undefined {
    if (isUnknown(value)) return UNKNOWN;
    return isObject(value) ? value : undefined;
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(value: unknown): boolean {
    if (isUnknown(value)) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (isObject(value)) return Object.values(value).some(containsUnknown);
    return false;
}

/** The standard wording for "this value is unknown during preview, so the rule cannot pass". */
export function unknownMessage(what: string, fix: string): string {
    return `${what} is unknown during preview, so this rule cannot prove it is compliant: ${fix}`;
}

/** Recognises the SDK's `UnknownValueError` (thrown by the props proxy) without importing internals. */
export function isUnknownValueError(e: unknown): boolean {
    return e instanceof Error && (e.constructor.name === "UnknownValueError" || ("unknownTypeSentinel" in e && "props" in e));
}
