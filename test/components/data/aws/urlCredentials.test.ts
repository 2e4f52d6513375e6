/**
 * Connection URLs whose user and password live in another secret (wiring/dataContract.ts
 * `CredentialsSecret`): what the owner's Secrets Manager secret holds, what its ExternalSecret reads
 * and from where, what its IRSA role may read, and which of a process's keys take part.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type * as awsTypes from "@pulumi/aws";
import { envMatrix } from "../../../../catalog/envMatrix";
import { rotationDefaults } from "../../../../catalog/guardrails";
import { processCatalog } from "../../../../catalog/processes";
import type { ExternalSecrets as ExternalSecretsType } from "../../../../components/data/aws/externalSecrets";
import { externalSecretMapping, remoteSecretValues, urlParts, urlPartProperty } from "../../../../components/data/aws/externalSecrets";
import type { SecretStore as SecretStoreType } from "../../../../components/data/aws/secretStore";
import { secretAccessPolicy } from "../../../../components/data/aws/secretStore";
import { urlCredentials } from "../../../../components/platform";
import { borrowedCredentials, databaseOfRef, postgresUrl, type DatabaseName, type DataEnvKey } from "../../../../wiring/dataContract";
import { databaseOfEnvKeys } from "../../../../wiring/processEnv";
import { installMocks, recorder, settle, unwrap } from "../../../../sandbox/mocks";
import { minimalStackConfig } from "../../../fixtures/minimalStacks";

const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const masterArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf";
const esoExternal = "kubernetes:external-secrets.io/v1:ExternalSecret";

describe("URL credentials from another secret: the pure parts", () => {
    it("reads a URL's user and password from the credentials secret, and its other parts from the owner's", () => {
        const mapping = externalSecretMapping("grownext/production/web", ["DATABASE_URL", "STRIPE_SECRET_KEY"], ["DATABASE_URL"], {
            DATABASE_URL: borrowedCredentials({ name: masterArn, arn: masterArn }),
        });
        const byKey = Object.fromEntries(mapping.data.map((d) => [d.secretKey, d.remoteRef]));
        for (const part of urlParts) {
            const ref = byKey[urlPartProperty("DATABASE_URL", part)];
            if (part === "username" || part === "password") assert.deepStrictEqual(ref, { key: masterArn, property: part });
            else assert.deepStrictEqual(ref, { key: "grownext/production/web", property: urlPartProperty("DATABASE_URL", part) });
        }
        assert.deepStrictEqual(byKey.STRIPE_SECRET_KEY, { key: "grownext/production/web", property: "STRIPE_SECRET_KEY" });
        // The template is the same either way: only where the parts come from differs.
        assert.deepStrictEqual(
            mapping.template,
            externalSecretMapping("grownext/production/web", ["DATABASE_URL", "STRIPE_SECRET_KEY"], ["DATABASE_URL"]).template,
        );
    });

    it("names the credentials secret's properties as RDS and AWS's rotation Lambdas write them", () => {
        const secret = { name: "n", arn: "a" };
        assert.deepStrictEqual(borrowedCredentials(secret), {
            url: { username: { secret, property: "username" }, password: { secret, property: "password" } },
        });
    });

    it("stores no user or password for a URL whose credentials live elsewhere, and every part of the others", async () => {
        const pw = crypto.randomBytes(12).toString("base64url");
        const url = postgresUrl({
            user: "grownext_app",
            password: pw,
            host: "db.internal",
            port: 5432,
            database: "app",
            sslmode: "require",
        });
        const values = remoteSecretValues(
            { DATABASE_URL: url, TASKS_DATABASE_URL: url, STRIPE: "FAKE" },
            ["DATABASE_URL", "TASKS_DATABASE_URL"],
            { DATABASE_URL: borrowedCredentials({ name: masterArn, arn: masterArn }) },
        );
        const resolved: Record<string, string> = {};
        for (const [k, v] of Object.entries(values)) resolved[k] = await new Promise<string>((r) => pulumi.output(v).apply(r));
        assert.deepStrictEqual(
            Object.keys(resolved).sort(),
            [
                "DATABASE_URL__host",
                "DATABASE_URL__path",
                "DATABASE_URL__scheme",
                "STRIPE",
                ...urlParts.map((p) => urlPartProperty("TASKS_DATABASE_URL", p)),
            ].sort(),
        );
        assert.deepStrictEqual(
            Object.keys(resolved).filter((k) => resolved[k]!.includes(pw)),
            ["TASKS_DATABASE_URL__password"],
        );
        assert.strictEqual(resolved.DATABASE_URL__host, "db.internal:5432");
    });

    it("lets a role read its shared secrets (deduplicated), and adds nothing when there are none", () => {
        const base = { secretArn: "arn:own", keyArn, region: "eu-west-1", usesKeyDirectly: false };
        const sids = (p: Record<string, unknown>) => (p.Statement as Array<{ Sid: string }>).map((s) => s.Sid);
        assert.deepStrictEqual(sids(secretAccessPolicy(base)), ["ReadOwnSecret", "DecryptThroughSecretsManager"]);
        const withCredentials = secretAccessPolicy({ ...base, sharedSecretArns: ["arn:b", "arn:a", "arn:b"] });
        const read = (withCredentials.Statement as Array<{ Sid: string; Resource: unknown; Action: unknown }>).find(
            (s) => s.Sid === "ReadSharedSecrets",
        );
        assert.deepStrictEqual(read?.Resource, ["arn:a", "arn:b"]);
        assert.deepStrictEqual(read?.Action, ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
    });

    it("knows the database of each of a process's Postgres keys, from the matrix's data refs", () => {
        for (const process of processCatalog) {
            const expected: Record<string, DatabaseName> = {};
            for (const row of envMatrix) {
                if (!process.envGroups.includes(row.group) || row.source.kind !== "data") continue;
                const db = databaseOfRef[row.source.ref as DataEnvKey];
                if (db) expected[row.name] = db;
            }
            assert.deepStrictEqual(databaseOfEnvKeys(process), expected, process.name);
        }
        const web = databaseOfEnvKeys(processCatalog.find((p) => p.name === "web")!);
        assert.strictEqual(web.DATABASE_URL, "app");
        assert.ok(!("REDIS_URL" in web));
    });

    it("asks the data tier per owner and database, and leaves out keys it has no secret for", () => {
        const asked: string[] = [];
        const data = {
            databaseCredentials: (owner: string, database: DatabaseName) => {
                asked.push(`${owner}/${database}`);
                return database === "app" ? { name: `${owner}-app`, arn: `arn:${owner}-app` } : undefined;
            },
        };
        const out = urlCredentials(data, "worker", { DATABASE_URL: "app", IDENTITY_DATABASE_URL: "identity" }, [
            "DATABASE_URL",
            "IDENTITY_DATABASE_URL",
            "REDIS_URL",
        ]);
        assert.deepStrictEqual(out, { DATABASE_URL: borrowedCredentials({ name: "worker-app", arn: "arn:worker-app" }) });
        assert.deepStrictEqual(asked, ["worker/app", "worker/identity"]);
        assert.deepStrictEqual(urlCredentials({}, "worker", { DATABASE_URL: "app" }, ["DATABASE_URL"]), {});
    });
});

describe("URL credentials from another secret: the components", () => {
    let ExternalSecrets: typeof ExternalSecretsType;
    let SecretStore: typeof SecretStoreType;
    let aws: typeof awsTypes;

    before(async () => {
        installMocks();
        ({ ExternalSecrets } = await import("../../../../components/data/aws/externalSecrets"));
        ({ SecretStore } = await import("../../../../components/data/aws/secretStore"));
        aws = await import("@pulumi/aws");
    });
    beforeEach(() => recorder.reset());

    it("points the ExternalSecret's user and password entries at the credentials secret, resolved from an Output", async () => {
        new ExternalSecrets("t", {
            namespace: "grownext",
            region: "eu-west-1",
            refreshInterval: "1h",
            apiVersion: "external-secrets.io/v1",
            secrets: [
                {
                    owner: "migrate-app",
                    remoteName: "grownext/production/migrate-app",
                    keys: ["DATABASE_URL"],
                    urlKeys: ["DATABASE_URL"],
                    borrowed: { DATABASE_URL: borrowedCredentials({ name: pulumi.output(masterArn), arn: masterArn }) },
                    targetName: "migrate-app-database",
                    labels: {},
                },
            ],
        });
        await settle();
        const spec = unwrap(recorder.one(esoExternal, "t-migrate-app").inputs.spec);
        const refs = Object.fromEntries(
            (spec.data as Array<{ secretKey: string; remoteRef: unknown }>).map((d) => [d.secretKey, d.remoteRef]),
        );
        assert.deepStrictEqual(refs.DATABASE_URL__password, { key: masterArn, property: "password" });
        assert.deepStrictEqual(refs.DATABASE_URL__username, { key: masterArn, property: "username" });
        assert.deepStrictEqual(refs.DATABASE_URL__host, { key: "grownext/production/migrate-app", property: "DATABASE_URL__host" });
    });

    it("refuses URL credentials for a key that is not one of the owner's URLs", () => {
        assert.throws(
            () =>
                new ExternalSecrets("bad", {
                    namespace: "grownext",
                    region: "eu-west-1",
                    refreshInterval: "1h",
                    apiVersion: "external-secrets.io/v1",
                    secrets: [
                        {
                            owner: "web",
                            remoteName: "grownext/production/web",
                            keys: ["DATABASE_URL", "STRIPE_SECRET_KEY"],
                            urlKeys: ["DATABASE_URL"],
                            borrowed: { STRIPE_SECRET_KEY: borrowedCredentials({ name: masterArn, arn: masterArn }) },
                            targetName: "web-env",
                            labels: {},
                        },
                    ],
                }),
            /web: STRIPE_SECRET_KEY is not a connection URL: borrow its whole value/,
        );
    });

    it("lets the owner's IRSA role read its credentials secrets", async () => {
        new SecretStore(
            "cred",
            {
                config: minimalStackConfig("production"),
                namespace: "grownext",
                kmsKey: { arn: pulumi.output(keyArn), id: pulumi.output("1234abcd") },
                processSecrets: [
                    { process: "migrate-app", values: { DATABASE_URL__host: "h" }, sharedSecretArns: [pulumi.output(masterArn)] },
                    { process: "web", values: { STRIPE_SECRET_KEY: "FAKE" } },
                ],
            },
            { providers: [new aws.Provider("cred-aws", { region: "eu-west-1" })] },
        );
        await settle();
        const policy = (process: string) =>
            JSON.parse(recorder.one("aws:iam/rolePolicy:RolePolicy", `cred-${process}-policy`).inputs.policy) as {
                Statement: Array<{ Sid: string; Resource: unknown }>;
            };
        assert.deepStrictEqual(policy("migrate-app").Statement.find((s) => s.Sid === "ReadSharedSecrets")?.Resource, [masterArn]);
        assert.strictEqual(
            policy("web").Statement.find((s) => s.Sid === "ReadSharedSecrets"),
            undefined,
        );
    });
});

describe("URL credentials on the production graph: how soon a rotation reaches the pods", () => {
    let externals: Array<{ name: string; refreshInterval: string; readsCredentials: boolean }>;
    before(async () => {
        installMocks();
        const { evaluateStack } = await import("../../../../sandbox/evaluate");
        const resources = await evaluateStack("production");
        externals = resources
            .filter((r) => r.type === esoExternal)
            .map((r) => {
                const spec = unwrap(r.inputs.spec);
                const own = unwrap(r.inputs.metadata).name as string;
                const data = spec.data as Array<{ remoteRef: { key: string } }>;
                return {
                    name: own,
                    refreshInterval: spec.refreshInterval as string,
                    // Reads a property of a secret other than its own (`.../<owner>`): a credentials secret.
                    readsCredentials: data.some((d) => !d.remoteRef.key.endsWith(`/${own}`)),
                };
            });
    });

    it("re-reads rotated credentials on the short refresh for processes, and the rest on the long one", () => {
        const processes = new Set(processCatalog.map((p) => p.name));
        const short = externals.filter((e) => processes.has(e.name) && e.readsCredentials);
        assert.ok(short.length >= 3, `processes reading credentials: ${short.map((e) => e.name).join(", ")}`);
        for (const e of short) assert.strictEqual(e.refreshInterval, rotationDefaults.credentialsRefreshInterval, e.name);
        const long = externals.filter((e) => !short.includes(e));
        assert.ok(long.length > 0);
        for (const e of long) assert.strictEqual(e.refreshInterval, rotationDefaults.refreshInterval, e.name);
        assert.notStrictEqual(rotationDefaults.credentialsRefreshInterval, rotationDefaults.refreshInterval);
    });
});
