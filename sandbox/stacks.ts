/**
 * Loads a committed `Pulumi.<stack>.yaml` the way Pulumi would hand it to the program (every value a
 * string, objects as JSON), adds the secrets an operator would set with --secret, and validates it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { ProcessSpec } from "../catalog/processes";
import { collectNamespace, validateConfig, type PlatformConfig } from "../config/load";
import { secretConfigKeys } from "../config/schema";

export const repoRoot = path.resolve(__dirname, "..");

/** Stripe-shaped test values, built at run time so no credential-looking literal sits in the repo. */
export const fakeStripe = {
    live: ["sk", "live", "FAKEFAKEFAKEFAKE0123"].join("_"),
    test: ["sk", "test", "FAKEFAKEFAKEFAKE0123"].join("_"),
    webhook: ["whsec", "FAKEFAKEFAKEFAKE0123"].join("_"),
};

let keyPair: { publicKey: string; privateKey: string } | undefined;
/** An RS256 key pair made once per test run. */
export function testKeyPair(): { publicKey: string; privateKey: string } {
    keyPair ??= crypto.generateKeyPairSync("rsa", {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    return keyPair;
}

/** Reads the committed stack file as Pulumi's runtime config strings (`grownext:key` → string). */
export function stackConfigStrings(stack: string): Record<string, string> {
    const file = path.join(repoRoot, `Pulumi.${stack}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        out[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return out;
}

/** What an operator sets with --secret before deploying each stack (values are fakes). */
export function operatorSecrets(stack: string): Record<string, unknown> {
    if (stack === "production") {
        return {
            stripeSecretKey: fakeStripe.live,
            stripeWebhookSecret: fakeStripe.webhook,
            supabaseServiceRoleKey: "service-role-FAKE-0123456789abcdef",
            identityJwtPrivateKey: testKeyPair().privateKey,
        };
    }
    if (stack === "staging") {
        return {
            stripeSecretKey: fakeStripe.test,
            stripeWebhookSecret: fakeStripe.webhook,
            supabaseServiceRoleKey: "service-role-FAKE-0123456789abcdef",
        };
    }
    return {};
}

/**
 * A committed stack's config values as an operator leaves them before the first deploy: the stack
 * file, the secrets set with --secret, production's JWT public key, then `overrides` (whose
 * credential keys also count as set with --secret). Unvalidated, so a benchmark can time validation.
 */
export function stackValues(
    stack: string,
    overrides: Record<string, unknown> = {},
): {
    values: Record<string, unknown>;
    isPlaintext: (key: string) => boolean;
} {
    const values = collectNamespace(stackConfigStrings(stack));
    const secrets = operatorSecrets(stack);
    if (stack === "production") {
        values.identity = { ...(values.identity as object | undefined), jwtPublicKey: testKeyPair().publicKey };
    }
    Object.assign(values, secrets, overrides);
    const credentials: readonly string[] = secretConfigKeys;
    return { values, isPlaintext: (key) => !(key in secrets) && !(key in overrides && credentials.includes(key)) };
}

/** The validated config of a committed stack (see stackValues), optionally with another catalog. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}, catalog?: readonly ProcessSpec[]): PlatformConfig {
    const { values, isPlaintext } = stackValues(stack, overrides);
    return validateConfig(values, { project: "grownext", stack, isPlaintext, catalog });
}

export const stackNames = ["local", "staging", "production"] as const;
