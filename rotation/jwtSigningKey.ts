/**
 * Rotation of identity's JWT signing key (docs/secret-rotation.md "JWT signing key"): RS256, RSA keys
 * generated with node:crypto, published one period before they sign and kept one period after.
 *
 * The secret's JSON:
 *  - `privateKey`, `publicKey`: the pair identity signs with now (IDENTITY_JWT_PRIVATE_KEY, IDENTITY_JWT_PUBLIC_KEY);
 *  - `nextPrivateKey`, `nextPublicKey`: the pair that signs after the next rotation, already published;
 *  - `previousPublicKeys`: the public keys that signed before (still verify tokens they signed);
 *  - `otherPublicKeysPem`: previous and next public keys as concatenated PEM, written by `serialize`
 *    (IDENTITY_JWT_PREVIOUS_PUBLIC_KEYS: every key that verifies besides the current one). Derived, so
 *    `parse` ignores it.
 * A rotation: previous ← [current public], current ← next, next ← a fresh pair. A value without a next
 * pair (the seed `pulumi up` writes from config) rotates to the same current pair and a fresh next one,
 * so the first rotation never changes the signing key: it only publishes the next.
 *
 * The smallest key size is config/floors.ts `jwtRsaMinBits`; this folder imports nothing outside
 * rotation/ (Lambda gets rotation/ only), so the function receives it as JWT_RSA_MIN_BITS
 * (components/data/aws/jwtSigningKey.ts sets it from the constant).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, sign, verify, type KeyObject } from "node:crypto";
import { awsSecretsPort, checkedEvent, rotate, type RotationStrategy, type SecretsPort } from "./protocol";

export interface JwtSigningKeys {
    readonly privateKey: string;
    readonly publicKey: string;
    /** Both next keys, or neither (a seed). */
    readonly nextPrivateKey?: string;
    readonly nextPublicKey?: string;
    readonly previousPublicKeys: readonly string[];
}

/** The environment variable that carries `jwtRsaMinBits` into the function. */
export const minBitsEnv = "JWT_RSA_MIN_BITS";

/** An RSA pair as PEM (PKCS#8 private, SPKI public), as `openssl genpkey`/`pkey -pubout` write them. */
export async function generateRsaPair(bits: number): Promise<{ privateKey: string; publicKey: string }> {
    return new Promise((resolve, reject) =>
        generateKeyPair(
            "rsa",
            {
                modulusLength: bits,
                publicKeyEncoding: { type: "spki", format: "pem" },
                privateKeyEncoding: { type: "pkcs8", format: "pem" },
            },
            (err, publicKey, privateKey) => (err ? reject(err) : resolve({ privateKey, publicKey })),
        ),
    );
}

/** Every public key that verifies besides the current one: the previous keys, then the next, as concatenated PEM. */
export function otherPublicKeysPem(keys: JwtSigningKeys): string {
    return [...keys.previousPublicKeys, ...(keys.nextPublicKey === undefined ? [] : [keys.nextPublicKey])].map((k) => k.trim()).join("\n");
}

export function jwtSigningKeyStrategy(opts: {
    /** config/floors.ts `jwtRsaMinBits`: the smallest accepted key, and the size of the keys made. */
    readonly minBits: number;
    /** Key generation, replaceable in tests. */
    readonly generate?: (bits: number) => Promise<{ privateKey: string; publicKey: string }>;
}): RotationStrategy<JwtSigningKeys> {
    if (!Number.isInteger(opts.minBits) || opts.minBits < 1024)
        throw new Error(`${minBitsEnv} must be an integer number of bits (config/floors.ts jwtRsaMinBits), got ${String(opts.minBits)}`);
    const generate = opts.generate ?? generateRsaPair;
    return {
        parse: (s) => parseKeys(s, opts.minBits),
        serialize: (k) =>
            JSON.stringify({
                privateKey: k.privateKey,
                publicKey: k.publicKey,
                ...(k.nextPrivateKey === undefined ? {} : { nextPrivateKey: k.nextPrivateKey, nextPublicKey: k.nextPublicKey }),
                previousPublicKeys: [...k.previousPublicKeys],
                otherPublicKeysPem: otherPublicKeysPem(k),
            }),
        async next(current) {
            const fresh = await generate(opts.minBits);
            if (current.nextPrivateKey === undefined || current.nextPublicKey === undefined)
                // A seed: keep signing with the current key, publish the next one.
                return {
                    privateKey: current.privateKey,
                    publicKey: current.publicKey,
                    nextPrivateKey: fresh.privateKey,
                    nextPublicKey: fresh.publicKey,
                    previousPublicKeys: current.previousPublicKeys,
                };
            return {
                privateKey: current.nextPrivateKey,
                publicKey: current.nextPublicKey,
                nextPrivateKey: fresh.privateKey,
                nextPublicKey: fresh.publicKey,
                previousPublicKeys: [current.publicKey],
            };
        },
        async verify(pending) {
            await Promise.resolve();
            probe("privateKey", pending.privateKey, pending.publicKey);
            if (pending.nextPrivateKey !== undefined && pending.nextPublicKey !== undefined)
                probe("nextPrivateKey", pending.nextPrivateKey, pending.nextPublicKey);
        },
    };
}

/** Signs a probe as RS256 does (RSASSA-PKCS1-v1_5, SHA-256) and verifies it with the public half. */
function probe(field: string, privatePem: string, publicPem: string): void {
    const data = Buffer.from("grownext jwt signing key rotation probe");
    const signature = sign("sha256", data, createPrivateKey(privatePem));
    if (!verify("sha256", data, createPublicKey(publicPem), signature))
        throw new Error(`the pending ${field} does not sign what its public key verifies`);
}

function parseKeys(secretString: string, minBits: number): JwtSigningKeys {
    let raw: unknown;
    try {
        raw = JSON.parse(secretString);
    } catch {
        // JSON.parse's message quotes the text: never pass it on.
        throw new Error("the JWT signing key secret is not JSON");
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error("the JWT signing key secret must be a JSON object");
    const o = raw as Record<string, unknown>;
    const text = (field: string): string | undefined => {
        const v = o[field];
        if (v === undefined) return undefined;
        if (typeof v !== "string" || v.trim() === "") throw new Error(`the JWT signing key secret's ${field} must be a PEM string`);
        return v;
    };
    const privateKey = text("privateKey");
    const publicKey = text("publicKey");
    if (privateKey === undefined) throw new Error("the JWT signing key secret has no privateKey");
    if (publicKey === undefined) throw new Error("the JWT signing key secret has no publicKey");
    const nextPrivateKey = text("nextPrivateKey");
    const nextPublicKey = text("nextPublicKey");
    if ((nextPrivateKey === undefined) !== (nextPublicKey === undefined))
        throw new Error("the JWT signing key secret must hold both nextPrivateKey and nextPublicKey, or neither");
    const previous = o.previousPublicKeys ?? [];
    if (!Array.isArray(previous)) throw new Error("the JWT signing key secret's previousPublicKeys must be an array of PEM strings");
    previous.forEach((p, i) => {
        if (typeof p !== "string") throw new Error(`the JWT signing key secret's previousPublicKeys[${i}] must be a PEM string`);
        rsaPublic(`previousPublicKeys[${i}]`, p, minBits);
    });
    pair("privateKey", privateKey, "publicKey", publicKey, minBits);
    if (nextPrivateKey !== undefined && nextPublicKey !== undefined)
        pair("nextPrivateKey", nextPrivateKey, "nextPublicKey", nextPublicKey, minBits);
    return {
        privateKey,
        publicKey,
        ...(nextPrivateKey === undefined ? {} : { nextPrivateKey, nextPublicKey }),
        previousPublicKeys: previous as string[],
    };
}

/** A private key and its public half: RSA, at least minBits, and the same key pair. */
function pair(privateField: string, privatePem: string, publicField: string, publicPem: string, minBits: number): void {
    let key: KeyObject;
    try {
        key = createPrivateKey(privatePem);
    } catch {
        throw new Error(`the JWT signing key secret's ${privateField} is not a PEM private key`);
    }
    checkRsa(privateField, key, minBits);
    const pub = rsaPublic(publicField, publicPem, minBits);
    const derived = createPublicKey(key).export({ type: "spki", format: "der" });
    if (!derived.equals(pub.export({ type: "spki", format: "der" })))
        throw new Error(`the JWT signing key secret's ${publicField} is not the public half of ${privateField}`);
}

function rsaPublic(field: string, pem: string, minBits: number): KeyObject {
    // createPublicKey accepts a private key too (and derives its public half): a private key here would be published.
    if (pem.includes("PRIVATE KEY")) throw new Error(`the JWT signing key secret's ${field} must be a public key, not a private one`);
    let key: KeyObject;
    try {
        key = createPublicKey(pem);
    } catch {
        throw new Error(`the JWT signing key secret's ${field} is not a PEM public key`);
    }
    checkRsa(field, key, minBits);
    return key;
}

function checkRsa(field: string, key: KeyObject, minBits: number): void {
    if (key.asymmetricKeyType !== "rsa")
        throw new Error(`the JWT signing key secret's ${field} must be an RSA key for RS256, got ${String(key.asymmetricKeyType)}`);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < minBits) throw new Error(`the JWT signing key secret's ${field} must have at least ${minBits} bits, got ${bits}`);
}

/** One step of a rotation of the JWT signing key secret, with the minimum size from the environment. */
export async function rotateJwtSigningKey(event: unknown, secrets: SecretsPort, env: NodeJS.ProcessEnv): Promise<void> {
    const raw = env[minBitsEnv];
    const minBits = Number(raw);
    if (raw === undefined || raw === "" || !Number.isInteger(minBits))
        throw new Error(`${minBitsEnv} must be set to config/floors.ts jwtRsaMinBits (components/data/aws/jwtSigningKey.ts sets it)`);
    await rotate(checkedEvent(event), secrets, jwtSigningKeyStrategy({ minBits }));
}

/** The Lambda entry point (its second argument, Lambda's context, is not used). */
export async function handler(event: unknown): Promise<void> {
    await rotateJwtSigningKey(event, awsSecretsPort(), process.env);
}
