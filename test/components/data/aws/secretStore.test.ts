import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type * as awsTypes from "@pulumi/aws";
import type { SecretStore as SecretStoreType } from "../../../../components/data/aws/secretStore";
import { irsaTrustPolicy, oidcIssuer, secretAccessPolicy, secretName } from "../../../../components/data/aws/secretStore";
import type { StackKeyOutputs } from "../../../../wiring/dataContract";
import type { PlatformConfig } from "../../../../config/load";
import { installMocks, isSecretInput, promiseOf, recorder, settle, unwrap } from "../../../../sandbox/mocks";
import { oidcIssuerOf, oidcProviderArn, redactSecrets, minimalStackConfig } from "../../../fixtures/minimalStacks";

const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const FAKE = "FAKE-stripe-0123456789";

describe("SecretStore (Secrets Manager + IRSA)", () => {
    let SecretStore: typeof SecretStoreType;
    let aws: typeof awsTypes;
    const kmsKey: StackKeyOutputs = { arn: pulumi.output(keyArn), id: pulumi.output("1234abcd") };

    before(async () => {
        installMocks();
        ({ SecretStore } = await import("../../../../components/data/aws/secretStore"));
        aws = await import("@pulumi/aws");
    });
    beforeEach(() => recorder.reset());

    async function declare(cfg: PlatformConfig) {
        const store = new SecretStore(
            "test-secrets",
            {
                config: cfg,
                namespace: "grownext",
                kmsKey,
                processSecrets: [
                    {
                        process: "web",
                        values: { STRIPE_SECRET_KEY: pulumi.secret(FAKE), DATABASE_URL: pulumi.secret("postgresql://u:pw-db@h/app") },
                    },
                    { process: "worker", values: { DATABASE_URL: pulumi.secret("postgresql://u:pw-db@h/app") } },
                    { process: "encryption-rotation", values: { DATABASE_URL: pulumi.secret("postgresql://u:pw-db@h/app") } },
                ],
            },
            { providers: [new aws.Provider("test-aws", { region: "eu-west-1" })] },
        );
        await settle();
        return store;
    }

    const policyOf = (process: string) =>
        JSON.parse(recorder.one("aws:iam/rolePolicy:RolePolicy", `test-secrets-${process}-policy`).inputs.policy);

    describe("production", () => {
        let cfg: PlatformConfig;
        before(() => {
            cfg = minimalStackConfig("production");
        });

        it("keeps one secret per process, named grownext/<stack>/<process>, under the stack key with a 30-day recovery window, protected", async () => {
            await declare(cfg);
            const secrets = recorder.ofType("aws:secretsmanager/secret:Secret");
            assert.deepStrictEqual(secrets.map((s) => s.inputs.name).sort(), [
                "grownext/production/encryption-rotation",
                "grownext/production/web",
                "grownext/production/worker",
            ]);
            for (const s of secrets) {
                assert.strictEqual(s.inputs.kmsKeyId, keyArn);
                assert.strictEqual(s.inputs.recoveryWindowInDays, 30);
                assert.strictEqual(s.protect, true, `${s.name} is protected`);
                assert.match(s.provider ?? "", /::test-aws::/);
            }
        });

        it("stores each process's own values as JSON in a secret version", async () => {
            await declare(cfg);
            const version = recorder.one("aws:secretsmanager/secretVersion:SecretVersion", "test-secrets-web-version").inputs;
            assert.ok(isSecretInput(version.secretString));
            assert.deepStrictEqual(JSON.parse(unwrap(version.secretString)), {
                DATABASE_URL: "postgresql://u:pw-db@h/app",
                STRIPE_SECRET_KEY: FAKE,
            });
            const worker = JSON.parse(
                unwrap(recorder.one("aws:secretsmanager/secretVersion:SecretVersion", "test-secrets-worker-version").inputs.secretString),
            );
            assert.deepStrictEqual(Object.keys(worker), ["DATABASE_URL"], "the worker's secret holds no Stripe key");
            for (const r of recorder.resources) {
                assert.ok(!JSON.stringify(redactSecrets(r.inputs)).includes(FAKE), `${r.type} ${r.name} holds a secret value in plaintext`);
            }
        });

        it("trusts exactly the process's ServiceAccount with audience sts.amazonaws.com", async () => {
            await declare(cfg);
            const trust = JSON.parse(recorder.one("aws:iam/role:Role", "test-secrets-worker-role").inputs.assumeRolePolicy);
            assert.deepStrictEqual(trust, {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "ServiceAccountOnly",
                        Effect: "Allow",
                        Principal: { Federated: oidcProviderArn },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                [`${oidcIssuerOf}:sub`]: "system:serviceaccount:grownext:worker",
                                [`${oidcIssuerOf}:aud`]: "sts.amazonaws.com",
                            },
                        },
                    },
                ],
            });
        });

        it("lets a role read its own secret only, and decrypt with the key only through Secrets Manager", async () => {
            await declare(cfg);
            const web = policyOf("web");
            assert.deepStrictEqual(web.Statement, [
                {
                    Sid: "ReadOwnSecret",
                    Effect: "Allow",
                    Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    Resource: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:grownext/production/web-AbCdEf",
                },
                {
                    Sid: "DecryptThroughSecretsManager",
                    Effect: "Allow",
                    Action: "kms:Decrypt",
                    Resource: keyArn,
                    Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
                },
            ]);
            assert.ok(!JSON.stringify(policyOf("worker")).includes("grownext/production/web"), "the worker cannot read web's secret");
            for (const p of ["web", "worker", "encryption-rotation"]) {
                for (const st of policyOf(p).Statement) assert.notStrictEqual(st.Resource, "*", `${p} ${st.Sid} names its resource`);
            }
        });

        it("gives encryption-rotation direct use of the stack key, and nobody else", async () => {
            await declare(cfg);
            const extra = policyOf("encryption-rotation").Statement.find((s: any) => s.Sid === "UseStackKeyForDataEncryption");
            assert.deepStrictEqual(extra, {
                Sid: "UseStackKeyForDataEncryption",
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"],
                Resource: keyArn,
            });
            for (const p of ["web", "worker"]) {
                assert.strictEqual(policyOf(p).Statement.length, 2, `${p} has no direct key use`);
            }
        });

        it("annotates each ServiceAccount with its own role and nothing for unknown processes", async () => {
            const store = await declare(cfg);
            const annotations = store.serviceAccountAnnotations("worker");
            assert.deepStrictEqual(Object.keys(annotations), ["eks.amazonaws.com/role-arn"]);
            assert.strictEqual(
                await promiseOf(annotations["eks.amazonaws.com/role-arn"]!),
                "arn:aws:iam::123456789012:role/test-secrets-worker-role",
            );
            assert.deepStrictEqual(store.serviceAccountAnnotations("portal"), {});
        });

        it("records no credential as a component input", async () => {
            await declare(cfg);
            const component = recorder.one("grownext:data:SecretStore", "test-secrets");
            assert.deepStrictEqual(component.inputs, {});
        });
    });

    it("staging keeps deleted secrets recoverable for 7 days and protects nothing", async () => {
        await declare(minimalStackConfig("staging"));
        for (const s of recorder.ofType("aws:secretsmanager/secret:Secret")) {
            assert.strictEqual(s.inputs.recoveryWindowInDays, 7);
            assert.strictEqual(s.inputs.kmsKeyId, keyArn);
            assert.strictEqual(s.protect, false);
        }
    });

    describe("refuses, saying what to change", () => {
        it("the in-cluster stack", () => {
            assert.throws(
                () => new SecretStore("bad-local", { config: minimalStackConfig("local"), namespace: "ns", kmsKey, processSecrets: [] }),
                /data\.provider must be "aws"/,
            );
        });
        it("a process listed twice", () => {
            assert.throws(
                () =>
                    new SecretStore("bad-twice", {
                        config: minimalStackConfig("staging"),
                        namespace: "ns",
                        kmsKey,
                        processSecrets: [
                            { process: "web", values: {} },
                            { process: "web", values: {} },
                        ],
                    }),
                /process web is listed twice/,
            );
        });
        it("a process name that cannot name a ServiceAccount", () => {
            assert.throws(
                () =>
                    new SecretStore("bad-name", {
                        config: minimalStackConfig("staging"),
                        namespace: "ns",
                        kmsKey,
                        processSecrets: [{ process: "Web_1", values: {} }],
                    }),
                /must be a DNS-1123 label/,
            );
        });
    });

    describe("pure policy builders", () => {
        it("take the issuer from the provider ARN", () => {
            assert.strictEqual(oidcIssuer(oidcProviderArn), oidcIssuerOf);
            assert.throws(() => oidcIssuer("arn:aws:iam::123456789012:role/x"), /clusterOidcProviderArn must be an IAM OIDC provider ARN/);
        });
        it("build the names and documents the components use", () => {
            assert.strictEqual(secretName("grownext", "staging", "web"), "grownext/staging/web");
            assert.strictEqual(
                (irsaTrustPolicy(oidcProviderArn, "apps", "identity") as any).Statement[0].Condition.StringEquals[`${oidcIssuerOf}:sub`],
                "system:serviceaccount:apps:identity",
            );
            const p = secretAccessPolicy({ secretArn: "arn:s", keyArn: "arn:k", region: "us-east-2", usesKeyDirectly: false }) as any;
            assert.strictEqual(p.Statement[1].Condition.StringEquals["kms:ViaService"], "secretsmanager.us-east-2.amazonaws.com");
        });
    });
});
