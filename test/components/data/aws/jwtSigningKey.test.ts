/**
 * identity's JWT signing key on AWS stacks (components/data/aws/jwtSigningKey.ts): the secret and its
 * seed version left to the rotation afterwards, the rotation function over rotation/jwtSigningKey.ts,
 * the schedule; then the production graph: identity and worker read the three IDENTITY_JWT_* keys from
 * that secret, and their own secrets no longer hold the private key. Keys are generated at run time.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { JwtSigningKey as JwtSigningKeyType } from "../../../../components/data/aws/jwtSigningKey";
import { jwtEnvProperties, jwtRotationFunctionName, jwtSecretName, jwtSeedJson } from "../../../../components/data/aws/jwtSigningKey";
import { rotationCode } from "../../../../components/data/aws/rotationFunction";
import { jwtFromSecret } from "../../../../components/platform";
import { rotationDefaults, rotationFloors } from "../../../../catalog/guardrails";
import { envMatrix } from "../../../../catalog/envMatrix";
import { jwtSigningKeyKind, secretKindTag } from "../../../../catalog/labels";
import { jwtRsaMinBits } from "../../../../config/floors";
import { minBitsEnv } from "../../../../rotation/jwtSigningKey";
import { rotationSteps } from "../../../../rotation/protocol";
import { installMocks, isSecretInput, promiseOf, recorder, settle, unwrap, type RecordedResource } from "../../../../sandbox/mocks";
import { testKeyPair } from "../../../../sandbox/stacks";
import { FakeSecretsPort } from "../../../rotation/fakeSecretsPort";

const T = {
    secret: "aws:secretsmanager/secret:Secret",
    version: "aws:secretsmanager/secretVersion:SecretVersion",
    rotation: "aws:secretsmanager/secretRotation:SecretRotation",
    fn: "aws:lambda/function:Function",
    policy: "aws:iam/rolePolicy:RolePolicy",
    component: "grownext:data:RotationFunction",
    external: "kubernetes:external-secrets.io/v1:ExternalSecret",
    deployment: "kubernetes:apps/v1:Deployment",
};
const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/stack";
const jwtKeys = Object.keys(jwtEnvProperties).sort();

describe("JwtSigningKey (components/data/aws/jwtSigningKey.ts)", () => {
    let JwtSigningKey: typeof JwtSigningKeyType;

    before(async () => {
        installMocks();
        ({ JwtSigningKey } = await import("../../../../components/data/aws/jwtSigningKey"));
    });
    beforeEach(() => recorder.reset());

    async function declare(environment: "staging" | "production" = "production", rotationDays: number = rotationDefaults.jwtRotationDays) {
        const c = new JwtSigningKey("jwt", {
            environment,
            project: "grownext",
            stack: environment,
            region: "eu-west-1",
            kmsKeyArn: keyArn,
            seed: { privateKey: testKeyPair().privateKey, publicKey: testKeyPair().publicKey, previousPublicKeys: [] },
            rotationDays,
        });
        await settle();
        return c;
    }

    it("keeps the keys in a tagged secret under the stack key, protected in production only", async () => {
        await declare();
        const s = recorder.one(T.secret, "jwt-secret");
        assert.strictEqual(s.inputs.name, jwtSecretName("grownext", "production"));
        assert.strictEqual(s.inputs.name, "grownext/production/identity-jwt");
        assert.strictEqual(s.inputs.kmsKeyId, keyArn);
        assert.strictEqual(s.inputs.tags[secretKindTag], jwtSigningKeyKind);
        assert.strictEqual(jwtSigningKeyKind, "jwt-signing-key");
        assert.strictEqual(s.protect, true);
        recorder.reset();
        await declare("staging");
        assert.strictEqual(recorder.one(T.secret, "jwt-secret").protect, false);
    });

    it("seeds the first version from config, as a secret, and leaves it to the rotation afterwards", async () => {
        await declare();
        const v = recorder.one(T.version, "jwt-seed");
        assert.ok(isSecretInput(v.inputs.secretString));
        assert.deepStrictEqual([...v.ignoreChanges!].sort(), ["secretString", "versionStages"]);
        const seed = JSON.parse(unwrap(v.inputs.secretString));
        assert.strictEqual(seed.privateKey, testKeyPair().privateKey);
        assert.strictEqual(seed.publicKey, testKeyPair().publicKey);
        assert.ok(!("nextPrivateKey" in seed), "the seed has no next key: the first rotation publishes one");
        assert.deepStrictEqual(seed.previousPublicKeys, []);
    });

    it("derives the seed's public key when config gives only the private key, and carries the previous keys", () => {
        const previous = [testKeyPair().publicKey];
        const fromPrivate = JSON.parse(jwtSeedJson({ privateKey: testKeyPair().privateKey, previousPublicKeys: previous }));
        assert.strictEqual(fromPrivate.publicKey.trim(), testKeyPair().publicKey.trim());
        assert.deepStrictEqual(fromPrivate.previousPublicKeys, previous);
        assert.strictEqual(fromPrivate.otherPublicKeysPem, testKeyPair().publicKey.trim());
    });

    it("deploys rotation/jwtSigningKey.ts as its rotation function, told jwtRsaMinBits, allowed this secret only", async () => {
        const c = await declare();
        const fn = recorder.one(T.fn, "jwt-rotation-function-function");
        assert.strictEqual(fn.inputs.name, jwtRotationFunctionName("grownext", "production"));
        assert.strictEqual(fn.inputs.handler, "jwtSigningKey.handler");
        assert.deepStrictEqual(fn.inputs.environment, { variables: { [minBitsEnv]: String(jwtRsaMinBits) } });
        assert.strictEqual(fn.inputs.vpcConfig, undefined);
        const assets = await fn.inputs.code.assets;
        assert.deepStrictEqual(Object.keys(assets).sort(), ["jwtSigningKey.js", "protocol.js"]);
        const doc = JSON.parse(recorder.one(T.policy, "jwt-rotation-function-policy").inputs.policy);
        const rotate = doc.Statement.find((s: any) => s.Sid === "RotateTheseSecrets");
        assert.deepStrictEqual(rotate.Resource, [await promiseOf(c.arn)]);
    });

    it("rotates every rotation.jwtRotationDays, at once (the first rotation only publishes the next key), after the seed", async () => {
        await declare("production", 30);
        const r = recorder.one(T.rotation, "jwt-rotation");
        assert.deepStrictEqual(r.inputs.rotationRules, { automaticallyAfterDays: 30 });
        assert.strictEqual(r.inputs.rotateImmediately, true);
        assert.strictEqual(r.inputs.rotationLambdaArn, "arn:aws:lambda:eu-west-1:123456789012:jwt-rotation-function-function");
        assert.ok(r.dependencies!.includes(recorder.one(T.version, "jwt-seed").urn!));
    });

    it("refuses a period outside 1..rotationFloors.maxRotationDays", async () => {
        await assert.rejects(
            async () => declare("production", rotationFloors.maxRotationDays + 1),
            /rotation\.jwtRotationDays must be an integer in 1\.\.90, got 91/,
        );
        await assert.rejects(async () => declare("production", 0), /rotation\.jwtRotationDays must be an integer in 1\.\.90, got 0/);
    });

    it("the packaged function, run from its archive, rotates a seed end to end", async function () {
        this.timeout(120000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jwt-rotation-"));
        for (const [file, code] of Object.entries(rotationCode("jwtSigningKey.ts"))) fs.writeFileSync(path.join(dir, file), code);
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the transpiled archive, as Lambda loads it
        const packaged = require(path.join(dir, "jwtSigningKey.js")) as typeof import("../../../../rotation/jwtSigningKey");
        const secretId = "grownext/production/identity-jwt";
        const port = new FakeSecretsPort(secretId, jwtSeedJson({ privateKey: testKeyPair().privateKey }));
        const token = port.startRotation();
        const log = console.log;
        console.log = () => undefined;
        try {
            for (const Step of rotationSteps)
                await packaged.rotateJwtSigningKey({ Step, SecretId: secretId, ClientRequestToken: token }, port, {
                    [minBitsEnv]: String(jwtRsaMinBits),
                });
        } finally {
            console.log = log;
        }
        const current = JSON.parse(port.valueOf("AWSCURRENT")!);
        assert.strictEqual(current.privateKey, testKeyPair().privateKey);
        assert.match(current.nextPublicKey, /BEGIN PUBLIC KEY/);
        assert.strictEqual(current.otherPublicKeysPem, current.nextPublicKey.trim());
    });
});

describe("jwtFromSecret (components/platform.ts): the IDENTITY_JWT_* keys borrowed from the JWT secret", () => {
    const jwt = { name: "grownext/production/identity-jwt", arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:identity-jwt" };
    const env = {
        plain: [
            { name: "IDENTITY_JWT_PUBLIC_KEY", value: "pub" },
            { name: "IDENTITY_ISSUER", value: "https://id" },
        ],
        secret: { IDENTITY_JWT_PRIVATE_KEY: "priv", STRIPE_SECRET_KEY: "sk" },
    };

    it("covers exactly the identityJwt group of the env matrix", () => {
        assert.deepStrictEqual(
            jwtKeys,
            envMatrix
                .filter((r) => r.group === "identityJwt")
                .map((r) => r.name)
                .sort(),
        );
    });

    it("moves the public keys into the Secret and borrows all three from the JWT secret's properties", () => {
        const out = jwtFromSecret(env, jwt);
        assert.deepStrictEqual(out.env.plain, [{ name: "IDENTITY_ISSUER", value: "https://id" }]);
        assert.deepStrictEqual(Object.keys(out.env.secret).sort(), [...jwtKeys, "STRIPE_SECRET_KEY"].sort());
        assert.ok(!Object.values(out.env.secret).includes("priv"), "the private key is not carried on");
        assert.deepStrictEqual(out.borrowed, {
            IDENTITY_JWT_PRIVATE_KEY: { value: { secret: jwt, property: "privateKey" } },
            IDENTITY_JWT_PUBLIC_KEY: { value: { secret: jwt, property: "publicKey" } },
            IDENTITY_JWT_PREVIOUS_PUBLIC_KEYS: { value: { secret: jwt, property: "otherPublicKeysPem" } },
        });
    });

    it("leaves the env alone without a JWT secret, or for a process without the keys", () => {
        assert.deepStrictEqual(jwtFromSecret(env, undefined), { env, borrowed: {} });
        const other = { plain: [{ name: "A", value: "a" }], secret: { B: "b" } };
        assert.deepStrictEqual(jwtFromSecret(other, jwt), { env: other, borrowed: {} });
    });
});

describe("the JWT signing key on the stacks' graphs", () => {
    const byStack: Record<string, RecordedResource[]> = {};
    before(async function () {
        this.timeout(300000);
        installMocks();
        const { evaluateStack } = await import("../../../../sandbox/evaluate");
        for (const stack of ["production", "staging"]) byStack[stack] = await evaluateStack(stack);
    });

    const externalOf = (resources: RecordedResource[], owner: string) =>
        resources.filter((r) => r.type === T.external).find((r) => unwrap(r.inputs.metadata).name === owner);

    it("production: the JWT secret exists, tagged, protected, rotating at most every 90 days by its function", () => {
        const resources = byStack.production!;
        const secrets = resources.filter((r) => r.type === T.secret && r.inputs.tags?.[secretKindTag] === jwtSigningKeyKind);
        assert.strictEqual(secrets.length, 1);
        assert.strictEqual(secrets[0]!.inputs.name, "grownext/production/identity-jwt");
        assert.strictEqual(secrets[0]!.protect, true);
        const rotation = resources.filter((r) => r.type === T.rotation && r.dependencies?.includes(secrets[0]!.urn!));
        assert.strictEqual(rotation.length, 1);
        assert.ok(rotation[0]!.inputs.rotationRules.automaticallyAfterDays <= rotationFloors.maxRotationDays);
        assert.strictEqual(rotation[0]!.inputs.rotationRules.automaticallyAfterDays, rotationDefaults.jwtRotationDays);
        assert.match(rotation[0]!.inputs.rotationLambdaArn, /identity-jwt-rotation-function-function$/);
        assert.strictEqual(resources.filter((r) => r.type === T.fn && r.inputs.handler === "jwtSigningKey.handler").length, 1);
    });

    for (const owner of ["identity", "worker"]) {
        it(`production: ${owner}'s ExternalSecret maps the three IDENTITY_JWT_* keys from the JWT secret, its own secret holds none`, () => {
            const resources = byStack.production!;
            const spec = unwrap(externalOf(resources, owner)!.inputs.spec);
            const jwtData = spec.data.filter((d: any) => jwtKeys.includes(d.secretKey));
            assert.deepStrictEqual(
                jwtData.map((d: any) => [d.secretKey, d.remoteRef.key, d.remoteRef.property]).sort(),
                Object.entries(jwtEnvProperties)
                    .map(([k, p]) => [k, "grownext/production/identity-jwt", p])
                    .sort(),
            );
            for (const k of jwtKeys) assert.strictEqual(spec.target.template.data[k], `{{ .${k} }}`);
            // Its own Secrets Manager secret's value holds no JWT key, public or private.
            const versions = resources.filter((r) => r.type === T.version && typeof unwrap(r.inputs.secretString) === "string");
            for (const v of versions) {
                if (v.name.includes("identity-jwt")) continue;
                const value = unwrap<string>(v.inputs.secretString);
                assert.ok(!value.includes(testKeyPair().privateKey.split("\n")[1]!), `${v.name} holds the private key`);
                for (const k of jwtKeys) assert.ok(!value.includes(`"${k}"`), `${v.name} holds ${k}`);
            }
            // The pods read all three from their Secret, none as a literal.
            const deployment = resources.find(
                (r) => r.type === T.deployment && r.inputs.spec?.template?.metadata?.labels?.["grownext.io/process"] === owner,
            )!;
            const container = deployment.inputs.spec.template.spec.containers[0];
            for (const k of jwtKeys) {
                const e = container.env.find((x: any) => x.name === k);
                assert.ok(e?.valueFrom?.secretKeyRef, `${owner} reads ${k} from its Secret`);
                assert.strictEqual(e.valueFrom.secretKeyRef.name, `${owner}-env`);
            }
        });
    }

    it("production: only identity's and worker's IRSA roles may read the JWT secret", () => {
        const resources = byStack.production!;
        const readers = resources
            .filter((r) => r.type === T.policy && typeof r.inputs.policy === "string" && !r.name.includes("rotation-function"))
            .filter((r) =>
                JSON.parse(r.inputs.policy).Statement.some((s: any) => [s.Resource].flat().some((a: string) => /identity-jwt/.test(a))),
            )
            .map((r) => r.name)
            .sort();
        assert.deepStrictEqual(
            readers.map((n) => n.replace(/^.*-secrets-/, "").replace(/-policy$/, "")),
            ["identity", "worker"],
        );
    });

    it("staging without identityJwtPrivateKey: no JWT secret, no rotation function, the keys stay config", () => {
        const resources = byStack.staging!;
        assert.strictEqual(resources.filter((r) => r.type === T.secret && r.inputs.tags?.[secretKindTag] === jwtSigningKeyKind).length, 0);
        // Staging's rotation functions are the Redis tokens' only.
        assert.deepStrictEqual(
            resources.filter((r) => r.type === T.component && /jwt/.test(r.name)).map((r) => r.name),
            [],
        );
        assert.ok(
            resources.some((r) => r.type === T.component),
            "the Redis tokens' functions are there: the filter can match",
        );
    });
});
