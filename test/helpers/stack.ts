/**
 * Loads a committed `Pulumi.<stack>.yaml` the way Pulumi would hand it to the program (every value a
 * string, objects as JSON), adds the secrets an operator would set with --secret, and validates it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { collectNamespace, validateConfig, type PlatformConfig } from "../../config/load";
import { secretConfigKeys } from "../../config/schema";

export const repoRoot = path.resolve(__dirname, "..", "..");

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
        return { stripeSecretKey: fakeStripe.test, stripeWebhookSecret: fakeStripe.webhook, supabaseServiceRoleKey: "service-role-FAKE-0123456789abcdef" };
    }
    return {};
}

/** Plain (non-secret) values an operator adds before the first deploy. */
export function operatorPlainConfig(stack: string): Record<string, unknown> {
    return stack === "production" ? { identityPublicKey: testKeyPair().publicKey } : {};
}

/**
 * The validated config of a committed stack, with operator secrets and optional overrides applied;
 * overrides of credential keys count as set with --secret.
 */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): PlatformConfig {
    const values = collectNamespace(stackConfigStrings(stack));
    const secrets = operatorSecrets(stack);
    const plain = operatorPlainConfig(stack);
    if (plain.identityPublicKey) {
        values.identity = { ...(values.identity as object | undefined), jwtPublicKey: plain.identityPublicKey };
    }
    Object.assign(values, secrets, overrides);
    return validateConfig(values, {
        project: "grownext",
        stack,
        isPlaintext: (key) => !(key in secrets) && !(key in overrides && (secretConfigKeys as readonly string[]).includes(key)),
    });
}

export const stackNames = ["local", "staging", "production"] as const;
