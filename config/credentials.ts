/**
 * What a credential-bearing value means, decided by parsing it rather than by its shape: PEM keys
 * through node:crypto, Supabase keys as JWTs, kubeconfigs as YAML. Also the content test errors use
 * so that a secret pasted under the wrong key is still never printed, and the shape-only
 * description they print instead.
 */
import * as crypto from "crypto";
import { parse as parseYaml } from "yaml";

/** A PEM block, a URL with userinfo, a JWT, a kubeconfig credential field, or a known API-key prefix. */
const secretContent: readonly RegExp[] = [
    /-----BEGIN [A-Z0-9 ]+-----/,
    /[a-z][a-z0-9+.-]*:\/\/[^/?#\s@]+@/i,
    /eyJ[\w-]{4,}\.[\w-]{4,}\./,
    /(^|\n)\s*(token|client-key-data|password|id-token|refresh-token|access-token|client-secret)\s*:/,
    /"(token|client-key-data|password)"\s*:/,
    /\b(sk|rk|pk)_(live|test)_|\bwhsec_|\bsb_secret_|\bAKIA[0-9A-Z]{12}/,
];

/** Whether any string inside `value` carries secret-looking content. */
export function looksSecret(value: unknown, depth = 0): boolean {
    if (typeof value === "string") return secretContent.some((re) => re.test(value));
    if (depth > 20 || value === null || typeof value !== "object") return false;
    const items = Array.isArray(value) ? value : [...Object.keys(value), ...Object.values(value as Record<string, unknown>)];
    return items.some((v) => looksSecret(v, depth + 1));
}

/** The class of a string's beginning, never its characters. */
function prefixClass(text: string): string {
    if (/^-----BEGIN /.test(text)) return "PEM armour";
    if (/^eyJ[\w-]*\.[\w-]*\./.test(text)) return "a JWT";
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s@]+@/i.test(text)) return "a URL with userinfo";
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return "a URL";
    if (/^[A-Za-z]+_/.test(text)) return "a word and an underscore";
    if (/^\s/.test(text)) return "whitespace";
    if (/^[A-Za-z0-9]/.test(text)) return "a letter or digit";
    return "a symbol";
}

/** A secret value described by its shape only: type, length, how it begins. */
export function describeShape(value: unknown): string {
    if (typeof value === "string") {
        const lines = value.split("\n").length;
        return `a secret string (${value.length} characters${lines > 1 ? `, ${lines} lines` : ""}, starting with ${prefixClass(value)})`;
    }
    if (Array.isArray(value)) return `a secret list of ${value.length} item(s)`;
    if (value !== null && typeof value === "object") return `a secret object with ${Object.keys(value).length} key(s)`;
    return `a secret ${value === null ? "null" : typeof value}`;
}

/** What a PEM private key is, by parsing it. */
export type PrivateKeyInfo =
    | { readonly ok: true; readonly type: string; readonly bits?: number; readonly publicDer: Buffer }
    | { readonly ok: false; readonly why: string };

export function inspectPrivateKey(pem: string): PrivateKeyInfo {
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) {
        return { ok: false, why: "is an encrypted private key: the identity service is given no passphrase" };
    }
    try {
        const key = crypto.createPrivateKey({ key: pem, format: "pem" });
        return {
            ok: true,
            type: key.asymmetricKeyType ?? "unknown",
            bits: key.asymmetricKeyDetails?.modulusLength,
            publicDer: crypto.createPublicKey(key).export({ type: "spki", format: "der" }),
        };
    } catch {
        return { ok: false, why: "is not a private key that node:crypto can read (PEM armour around something else)" };
    }
}

export type PublicKeyInfo =
    | { readonly ok: true; readonly type: string; readonly bits?: number; readonly der: Buffer }
    | { readonly ok: false; readonly why: string };

export function inspectPublicKey(pem: string): PublicKeyInfo {
    // createPublicKey also accepts a private key and derives its public half; a private key here
    // would be published to every worker in plaintext, so refuse it before parsing.
    if (/PRIVATE KEY-----/.test(pem)) {
        return {
            ok: false,
            why: "holds a private key: it is plain config read by every worker; put the private key in identityJwtPrivateKey with --secret and its public half here",
        };
    }
    try {
        const key = crypto.createPublicKey({ key: pem, format: "pem" });
        return {
            ok: true,
            type: key.asymmetricKeyType ?? "unknown",
            bits: key.asymmetricKeyDetails?.modulusLength,
            der: key.export({ type: "spki", format: "der" }),
        };
    } catch {
        return { ok: false, why: "is not a public key that node:crypto can read (PEM armour around something else)" };
    }
}

/** The claims of a JWT, decoded without checking its signature; undefined when it is not a JWT. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
    const parts = token.trim().split(".");
    if (parts.length !== 3) return undefined;
    try {
        const claims: unknown = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
        return claims !== null && typeof claims === "object" && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

/** The Supabase role a key grants: from a legacy JWT key's `role` claim, or a new-style key's prefix. */
export function supabaseKeyRole(key: string): string | undefined {
    if (key.startsWith("sb_publishable_")) return "anon";
    if (key.startsWith("sb_secret_")) return "service_role";
    const role = jwtClaims(key)?.role;
    return typeof role === "string" ? role : undefined;
}

/** An inline kubeconfig (contents, not a path) and the credential fields it carries. */
export type KubeconfigInfo =
    | { readonly inline: false }
    | { readonly inline: true; readonly valid: false }
    | { readonly inline: true; readonly valid: true; readonly credentialFields: readonly string[] };

const userCredentialFields = ["token", "client-key-data", "password"] as const;
const authProviderCredentialFields = ["id-token", "refresh-token", "access-token", "client-secret"] as const;

export function inspectKubeconfig(text: string): KubeconfigInfo {
    const inline = /\n/.test(text) || /^\s*\{/.test(text) || /^\s*apiVersion\s*:/.test(text);
    if (!inline) return { inline: false };
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch {
        return { inline: true, valid: false };
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return { inline: true, valid: false };
    const users = (doc as { users?: unknown }).users;
    const fields = new Set<string>();
    for (const entry of Array.isArray(users) ? users : []) {
        const user = (entry as { user?: Record<string, unknown> } | null)?.user;
        if (user === null || typeof user !== "object") continue;
        for (const f of userCredentialFields) if (user[f] !== undefined) fields.add(f);
        const providerConfig = (user["auth-provider"] as { config?: Record<string, unknown> } | undefined)?.config;
        for (const f of authProviderCredentialFields) if (providerConfig?.[f] !== undefined) fields.add(`auth-provider.config.${f}`);
        const execEnv = (user.exec as { env?: unknown } | undefined)?.env;
        if (Array.isArray(execEnv) && execEnv.length > 0) fields.add("exec.env");
    }
    return { inline: true, valid: true, credentialFields: [...fields] };
}
