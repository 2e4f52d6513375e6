/**
 * The JWT signing key's rotation (rotation/jwtSigningKey.ts): keys published one period before they
 * sign and kept one period after, the seed's first rotation, parse errors that name the field and
 * never print a key, and whole rotations through the protocol against the in-memory Secrets Manager.
 * Keys are generated at run time.
 */
import * as assert from "assert";
import { generateKeyPairSync } from "node:crypto";
import { jwtRsaMinBits } from "../../config/floors";
import {
    generateRsaPair,
    jwtSigningKeyStrategy,
    minBitsEnv,
    otherPublicKeysPem,
    rotateJwtSigningKey,
    type JwtSigningKeys,
} from "../../rotation/jwtSigningKey";
import { rotationSteps } from "../../rotation/protocol";
import { FakeSecretsPort } from "./fakeSecretsPort";

type Pair = { privateKey: string; publicKey: string };

/** The PEM body of a key (what must never appear in an error). */
const body = (pem: string) => pem.split("\n").find((l) => l.length > 40)!;

describe("JWT signing key rotation (rotation/jwtSigningKey.ts)", () => {
    let pool: Pair[];
    /** Hands out the pre-generated pairs in order, so a test can say which pair became which. */
    let handed: Pair[];
    const fromPool = () => {
        const p = pool[handed.length % pool.length]!;
        handed.push(p);
        return Promise.resolve(p);
    };
    const strategy = () => jwtSigningKeyStrategy({ minBits: jwtRsaMinBits, generate: fromPool });
    let seed: JwtSigningKeys;

    before(async function () {
        this.timeout(120000);
        pool = await Promise.all([0, 1, 2, 3, 4].map(() => generateRsaPair(jwtRsaMinBits)));
    });
    beforeEach(() => {
        handed = [];
        seed = { privateKey: pool[4]!.privateKey, publicKey: pool[4]!.publicKey, previousPublicKeys: [] };
    });

    it("generates RSA keys of jwtRsaMinBits (config/floors.ts) that the strategy accepts", async () => {
        const pair = await generateRsaPair(jwtRsaMinBits);
        assert.match(pair.privateKey, /^-----BEGIN PRIVATE KEY-----/);
        assert.match(pair.publicKey, /^-----BEGIN PUBLIC KEY-----/);
        const s = jwtSigningKeyStrategy({ minBits: jwtRsaMinBits });
        const parsed = s.parse(JSON.stringify({ ...pair, previousPublicKeys: [] }));
        assert.strictEqual(parsed.privateKey, pair.privateKey);
    });

    it("the seed's first rotation keeps the signing key and publishes a fresh next key", async () => {
        const s = strategy();
        const next = await s.next({ ...seed, previousPublicKeys: [pool[3]!.publicKey] });
        assert.strictEqual(next.privateKey, seed.privateKey);
        assert.strictEqual(next.publicKey, seed.publicKey);
        assert.strictEqual(next.nextPrivateKey, handed[0]!.privateKey);
        assert.strictEqual(next.nextPublicKey, handed[0]!.publicKey);
        assert.deepStrictEqual(next.previousPublicKeys, [pool[3]!.publicKey]);
    });

    it("a rotation: previous <- [current public], current <- next, next <- fresh", async () => {
        const s = strategy();
        const one = await s.next(seed);
        const two = await s.next(one);
        assert.strictEqual(two.privateKey, one.nextPrivateKey);
        assert.strictEqual(two.publicKey, one.nextPublicKey);
        assert.deepStrictEqual(two.previousPublicKeys, [seed.publicKey]);
        assert.strictEqual(two.nextPublicKey, handed[1]!.publicKey);
        assert.notStrictEqual(two.nextPublicKey, two.publicKey);
    });

    it("each key is published one period before it signs and stays published one period after", async () => {
        const s = strategy();
        const states = [seed];
        for (let i = 0; i < 4; i++) states.push(await s.next(states[i]!));
        const published = (k: JwtSigningKeys) =>
            [k.publicKey, ...otherPublicKeysPem(k).split(/(?=-----BEGIN PUBLIC KEY-----)/)].filter((x) => x);
        for (let i = 1; i < states.length - 1; i++) {
            const signer = states[i + 1]!.publicKey;
            // Signs at i+1, published (as next) at i, still published (as previous) at i+2.
            assert.ok(
                published(states[i]!).some((p) => p.trim() === signer.trim()),
                `key of period ${i + 1} published at ${i}`,
            );
            if (i + 2 < states.length) assert.deepStrictEqual(states[i + 2]!.previousPublicKeys, [signer]);
        }
        // The first rotation changes no signer: tokens issued before it verify after it.
        assert.strictEqual(states[1]!.publicKey, seed.publicKey);
    });

    it("serializes the previous and next public keys as the concatenated PEM identity's workers read", async () => {
        const s = strategy();
        const keys = await s.next(await s.next(seed));
        const json = JSON.parse(s.serialize(keys));
        assert.deepStrictEqual(Object.keys(json), [
            "privateKey",
            "publicKey",
            "nextPrivateKey",
            "nextPublicKey",
            "previousPublicKeys",
            "otherPublicKeysPem",
        ]);
        assert.strictEqual(json.otherPublicKeysPem, `${seed.publicKey.trim()}\n${keys.nextPublicKey!.trim()}`);
        assert.ok(!json.otherPublicKeysPem.includes("PRIVATE"));
        assert.deepStrictEqual(s.parse(s.serialize(keys)), keys);
        // A seed: no next keys, and the other keys are the previous ones alone (none here).
        assert.strictEqual(JSON.parse(s.serialize(seed)).otherPublicKeysPem, "");
        assert.ok(!("nextPrivateKey" in JSON.parse(s.serialize(seed))));
    });

    it("verify signs and checks a probe with the pending pairs, and fails on a mismatched pair", async () => {
        const s = strategy();
        const pending = await s.next(seed);
        await s.verify!(pending);
        await assert.rejects(
            s.verify!({ ...pending, publicKey: pool[2]!.publicKey }),
            /the pending privateKey does not sign what its public key verifies/,
        );
    });

    describe("parse: errors name the field and never print a key", () => {
        const cases: [string, (k: Pair, other: Pair) => unknown, RegExp][] = [
            ["not JSON", (k) => `{"privateKey": ${k.privateKey}`, /is not JSON/],
            ["an array", () => [], /must be a JSON object/],
            ["no privateKey", (k) => ({ publicKey: k.publicKey }), /has no privateKey/],
            ["no publicKey", (k) => ({ privateKey: k.privateKey }), /has no publicKey/],
            ["a number as publicKey", (k) => ({ privateKey: k.privateKey, publicKey: 7 }), /publicKey must be a PEM string/],
            [
                "a broken private key",
                (k) => ({ privateKey: k.privateKey.slice(0, 200), publicKey: k.publicKey }),
                /privateKey is not a PEM private key/,
            ],
            [
                "another pair's public key",
                (k, o) => ({ privateKey: k.privateKey, publicKey: o.publicKey }),
                /publicKey is not the public half of privateKey/,
            ],
            [
                "a private key as publicKey",
                (k) => ({ privateKey: k.privateKey, publicKey: k.privateKey }),
                /publicKey must be a public key, not a private one/,
            ],
            [
                "next private without next public",
                (k, o) => ({ ...k, nextPrivateKey: o.privateKey }),
                /both nextPrivateKey and nextPublicKey, or neither/,
            ],
            [
                "a mismatched next pair",
                (k, o) => ({ ...k, nextPrivateKey: o.privateKey, nextPublicKey: k.publicKey }),
                /nextPublicKey is not the public half of nextPrivateKey/,
            ],
            [
                "previousPublicKeys not an array",
                (k, o) => ({ ...k, previousPublicKeys: o.publicKey }),
                /previousPublicKeys must be an array/,
            ],
            [
                "a private key among the previous",
                (k, o) => ({ ...k, previousPublicKeys: [o.publicKey, o.privateKey] }),
                /previousPublicKeys\[1\] must be a public key/,
            ],
        ];
        for (const [what, value, expected] of cases)
            it(`refuses ${what}`, () => {
                const [k, o] = [pool[0]!, pool[1]!];
                const v = value(k, o);
                const text = typeof v === "string" ? v : JSON.stringify(v);
                assert.throws(
                    () => strategy().parse(text),
                    (e: Error) => {
                        assert.match(e.message, expected);
                        for (const pem of [k.privateKey, k.publicKey, o.privateKey, o.publicKey])
                            assert.ok(!e.message.includes(body(pem)), "the error prints a key");
                        assert.doesNotMatch(e.message, /BEGIN|MII/);
                        return true;
                    },
                );
            });

        it("refuses keys smaller than jwtRsaMinBits, and non-RSA keys", () => {
            const small = generateKeyPairSync("rsa", {
                modulusLength: jwtRsaMinBits / 2,
                publicKeyEncoding: { type: "spki", format: "pem" },
                privateKeyEncoding: { type: "pkcs8", format: "pem" },
            });
            assert.throws(
                () => strategy().parse(JSON.stringify(small)),
                new RegExp(`privateKey must have at least ${jwtRsaMinBits} bits, got ${jwtRsaMinBits / 2}`),
            );
            const ec = generateKeyPairSync("ec", {
                namedCurve: "P-256",
                publicKeyEncoding: { type: "spki", format: "pem" },
                privateKeyEncoding: { type: "pkcs8", format: "pem" },
            });
            assert.throws(() => strategy().parse(JSON.stringify(ec)), /privateKey must be an RSA key for RS256, got ec/);
        });
    });

    describe("whole rotations through the protocol (rotateJwtSigningKey)", () => {
        const secretId = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:grownext/production/identity-jwt-AbCdEf";
        const env = { [minBitsEnv]: String(jwtRsaMinBits) };
        const realLog = console.log;
        beforeEach(() => {
            console.log = () => undefined;
        });
        afterEach(() => {
            console.log = realLog;
        });

        async function run(port: FakeSecretsPort): Promise<JwtSigningKeys> {
            const token = port.startRotation();
            for (const Step of rotationSteps) await rotateJwtSigningKey({ Step, SecretId: secretId, ClientRequestToken: token }, port, env);
            return JSON.parse(port.valueOf("AWSCURRENT")!) as JwtSigningKeys;
        }

        it("from the config seed: the first rotation publishes a next key, the second signs with it", async function () {
            this.timeout(120000);
            const port = new FakeSecretsPort(secretId, JSON.stringify(seed));
            const first = await run(port);
            assert.strictEqual(first.privateKey, seed.privateKey);
            assert.ok(first.nextPublicKey && first.nextPublicKey !== seed.publicKey);
            const second = await run(port);
            assert.strictEqual(second.privateKey, first.nextPrivateKey);
            assert.deepStrictEqual(second.previousPublicKeys, [seed.publicKey]);
            assert.strictEqual(port.holderOf("AWSPENDING"), undefined);
        });

        it("refuses to run without JWT_RSA_MIN_BITS, before touching the secret", async () => {
            const port = new FakeSecretsPort(secretId, JSON.stringify(seed));
            const token = port.startRotation();
            await assert.rejects(
                rotateJwtSigningKey({ Step: "createSecret", SecretId: secretId, ClientRequestToken: token }, port, {}),
                /JWT_RSA_MIN_BITS must be set to config\/floors\.ts jwtRsaMinBits/,
            );
            assert.deepStrictEqual(port.calls, []);
        });

        it("a current value with a key below the floor fails createSecret, naming the field only", async () => {
            const small = generateKeyPairSync("rsa", {
                modulusLength: jwtRsaMinBits / 2,
                publicKeyEncoding: { type: "spki", format: "pem" },
                privateKeyEncoding: { type: "pkcs8", format: "pem" },
            });
            const port = new FakeSecretsPort(secretId, JSON.stringify({ ...small, previousPublicKeys: [] }));
            const token = port.startRotation();
            await assert.rejects(
                rotateJwtSigningKey({ Step: "createSecret", SecretId: secretId, ClientRequestToken: token }, port, env),
                (e: Error) => /privateKey must have at least/.test(e.message) && !e.message.includes(body(small.privateKey)),
            );
            assert.strictEqual(port.valueOf("AWSPENDING"), undefined);
        });
    });
});
