/**
 * The schema read as a tree of keys: which key a path names, how the schema marks it (credential,
 * confidential), and every leaf key pattern (`services.*.replicas`). Errors use it to decide what
 * must never be printed; the plaintext rule to find every credential leaf; tests to cover every key.
 */
import type { z } from "zod";
import { rawConfigSchema, unwrapSchema, type KeyKind } from "./schema";

interface Node {
    readonly schema: z.ZodType;
    readonly kind?: KeyKind;
}

/** The schema node a path segment leads to: a field of an object, the value of a record, an item of an array. */
function child(node: z.ZodType, segment: string): z.ZodType | undefined {
    const def = node._zod.def as {
        type: string;
        shape?: Record<string, z.ZodType>;
        valueType?: z.ZodType;
        element?: z.ZodType;
    };
    if (def.type === "object") return Object.prototype.hasOwnProperty.call(def.shape, segment) ? def.shape![segment] : undefined;
    if (def.type === "record") return def.valueType;
    if (def.type === "array") return /^\d+$/.test(segment) ? def.element : undefined;
    return undefined;
}

/** The nodes along a path, root first; shorter than the path where the schema has no such key. */
function nodesAlong(path: readonly string[]): Node[] {
    const out: Node[] = [];
    let current: z.ZodType | undefined = rawConfigSchema;
    for (const segment of path) {
        current = child(unwrapSchema(current).schema, segment);
        if (current === undefined) break;
        out.push(unwrapSchema(current));
    }
    return out;
}

/** The keys an object of the schema takes at `path` (empty when the path names no object). */
export function knownKeysAt(path: readonly string[]): string[] {
    const node = path.length === 0 ? unwrapSchema(rawConfigSchema) : nodesAlong(path)[path.length - 1];
    const def = node?.schema._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
    return def?.type === "object" ? Object.keys(def.shape!) : [];
}

/** The mark on a path or on any key above it: everything inside a credential is a credential. */
export function keyKindAt(path: readonly string[]): KeyKind | undefined {
    const kinds = nodesAlong(path)
        .map((n) => n.kind)
        .filter((k): k is KeyKind => k !== undefined);
    return kinds.includes("credential") ? "credential" : kinds[0];
}

/** Every leaf key of the schema as a pattern (`*` for a record entry or an array item), with its mark. */
export function leafKeyPatterns(): { pattern: string; kind?: KeyKind }[] {
    const out: { pattern: string; kind?: KeyKind }[] = [];
    const walk = (schema: z.ZodType, path: string[], inherited?: KeyKind) => {
        const { schema: s, kind } = unwrapSchema(schema);
        const k = inherited ?? kind;
        const def = s._zod.def as { type: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType };
        if (def.type === "object") {
            for (const [key, field] of Object.entries(def.shape!)) walk(field, [...path, key], k);
        } else if (def.type === "record") {
            walk(def.valueType!, [...path, "*"], k);
        } else {
            out.push({ pattern: path.join("."), kind: k });
        }
    };
    walk(rawConfigSchema, []);
    return out;
}

/**
 * The credential leaves present in a config value, as paths: every string under a key the schema
 * marks as a credential (`oauthClientSecrets.GITHUB_CLIENT_SECRET`, `stripeSecretKey`).
 */
export function credentialLeaves(values: Record<string, unknown>): string[][] {
    const out: string[][] = [];
    const walk = (value: unknown, path: string[]) => {
        if (value === undefined) return;
        if (value !== null && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
            return;
        }
        if (keyKindAt(path) === "credential") out.push(path);
    };
    walk(values, []);
    return out;
}
