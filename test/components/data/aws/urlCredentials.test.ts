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
import {
    externalSecretMapping,
    literalUrlParts,
    remoteSecretValues,
    urlParts,
    urlPartProperty,
    urlTemplate,
} from "../../../../components/data/aws/externalSecrets";
import type { SecretStore as SecretStoreType } from "../../../../components/data/aws/secretStore";
import { secretAccessPolicy } from "../../../../components/data/aws/secretStore";
import { urlCredentials } from "../../../../components/platform";
import { borrowedCredentials, databaseOfRef, postgresUrl, type DatabaseName, type DataEnvKey } from "../../../../wiring/dataContract";
import { databaseOfEnvKeys } from "../../../../wiring/processEnv";
import { installMocks, isSecret, isSecretInput, promiseOf, recorder, settle, unwrap } from "../../../../sandbox/mocks";
import { minimalStackConfig } from "../../../fixtures/minimalStacks";

const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const masterArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf";
const esoExternal = "kubernetes:external-secrets.io/v1:ExternalSecret";

/** The Go template forms the templates use (`{{ .k }}`, `{{ .k | urlquery }}`), read apart from the code under test. */
function render(template: string, values: Record<string, string>): string {
    return template.replace(/\{\{ \.([A-Za-z0-9_]+)( \| urlquery)? \}\}/g, (_m, key: string, q?: string) => {
        const v = values[key];
        if (v === undefined) throw new Error(`template reads ${key}, which no data entry provides`);
        return q ? encodeURIComponent(v) : v;
    });
}

describe("URL credentials from another secret: the pure parts", () => {
    const parts = { scheme: "postgresql", host: "db.internal:5432", path: "/app?sslmode=require" };

    it("reads a URL's user and password from the credentials secret and writes its other parts into the template", () => {
        const mapping = externalSecretMapping(
            "grownext/production/web",
            ["DATABASE_URL", "STRIPE_SECRET_KEY"],
            ["DATABASE_URL"],
            { DATABASE_URL: borrowedCredentials({ name: masterArn, arn: masterArn }) },
            { DATABASE_URL: parts },
        );
        assert.deepStrictEqual(
            mapping.data.map((d) => [d.secretKey, d.remoteRef]),
            [
                ["DATABASE_URL__username", { key: masterArn, property: "username" }],
                ["DATABASE_URL__password", { key: masterArn, property: "password" }],
                ["STRIPE_SECRET_KEY", { key: "grownext/production/web", property: "STRIPE_SECRET_KEY" }],
            ],
        );
        // Joined with the master secret's user and password, the template yields the URL.
        const pw = crypto.randomBytes(9).toString("base64url");
        assert.strictEqual(
            render(mapping.template.DATABASE_URL!, { DATABASE_URL__username: "grownext_app", DATABASE_URL__password: pw }),
            `postgresql://grownext_app:${pw}@db.internal:5432/app?sslmode=require`,
        );
        // Without credentials elsewhere, every part is read from the owner's secret, as before.
        const own = externalSecretMapping("grownext/production/web", ["DATABASE_URL"], ["DATABASE_URL"]);
        assert.deepStrictEqual(
            own.data.map((d) => d.remoteRef),
            urlParts.map((p) => ({ key: "grownext/production/web", property: urlPartProperty("DATABASE_URL", p) })),
        );
        assert.strictEqual(own.template.DATABASE_URL, urlTemplate("DATABASE_URL"));
    });

    it("reads a referenced key whole from another secret's property, and needs no secret of the owner's when nothing else is read", () => {
        const mapping = externalSecretMapping(
            undefined,
            ["DATABASE_URL", "ROLE_PASSWORD_WEB"],
            ["DATABASE_URL"],
            {
                DATABASE_URL: borrowedCredentials({ name: masterArn, arn: masterArn }),
                ROLE_PASSWORD_WEB: {
                    value: { secret: { name: "grownext/production/web/db-app", arn: "arn:db-app" }, property: "password" },
                },
            },
            { DATABASE_URL: parts },
        );
        assert.deepStrictEqual(
            mapping.data.find((d) => d.secretKey === "ROLE_PASSWORD_WEB"),
            { secretKey: "ROLE_PASSWORD_WEB", remoteRef: { key: "grownext/production/web/db-app", property: "password" } },
        );
        assert.strictEqual(mapping.template.ROLE_PASSWORD_WEB, "{{ .ROLE_PASSWORD_WEB }}");
        assert.throws(
            () => externalSecretMapping(undefined, ["STRIPE_SECRET_KEY"], []),
            /STRIPE_SECRET_KEY would be read from the owner's own secret, and the owner has none/,
        );
    });

    it("refuses a literal part a Go template would read as an action, without printing it", () => {
        assert.throws(
            () => urlTemplate("DATABASE_URL", { ...parts, host: "{{ .x }}" }),
            (e: Error) => /DATABASE_URL: a connection URL part holds/.test(e.message) && !e.message.includes(".x"),
        );
    });

    it("writes a user it does not borrow as a URL-encoded literal (Redis's empty one), and never a password", () => {
        const token = { secret: { name: "grownext/production/redis-queue", arn: "arn:redis" }, property: "password" };
        const mapping = externalSecretMapping(
            undefined,
            ["REDIS_URL"],
            ["REDIS_URL"],
            { REDIS_URL: { url: { password: token } } },
            { REDIS_URL: { scheme: "rediss", username: "", host: "cache.internal:6379", path: "" } },
        );
        assert.deepStrictEqual(
            mapping.data.map((d) => [d.secretKey, d.remoteRef]),
            [["REDIS_URL__password", { key: "grownext/production/redis-queue", property: "password" }]],
        );
        const t = crypto.randomBytes(9).toString("base64url");
        assert.strictEqual(render(mapping.template.REDIS_URL!, { REDIS_URL__password: t }), `rediss://:${t}@cache.internal:6379`);
        assert.throws(
            () => externalSecretMapping(undefined, ["REDIS_URL"], ["REDIS_URL"], { REDIS_URL: { url: { password: token } } }, {}),
            /REDIS_URL borrows its credentials, and its scheme, username, host, path must be given as literals/,
        );
        assert.throws(
            () => externalSecretMapping(undefined, ["REDIS_URL"], ["REDIS_URL"], { REDIS_URL: { url: { username: token } } }, {}),
            /REDIS_URL borrows URL parts but not its password/,
        );
    });

    it("splits a URL into its literal parts, secret, leaving out the user and password", async () => {
        const pw = crypto.randomBytes(12).toString("base64url");
        const out = literalUrlParts(
            "DATABASE_URL",
            postgresUrl({ user: "grownext_app", password: pw, host: "db.internal", port: 5432, database: "app", sslmode: "require" }),
            borrowedCredentials({ name: masterArn, arn: masterArn }),
        );
        assert.ok(await isSecret(out));
        assert.deepStrictEqual(await promiseOf(out), parts);
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
        // DATABASE_URL's scheme, host and path are literals of its template: the owner's secret holds nothing of it.
        assert.deepStrictEqual(
            Object.keys(resolved).sort(),
            ["STRIPE", ...urlParts.map((p) => urlPartProperty("TASKS_DATABASE_URL", p))].sort(),
        );
        assert.deepStrictEqual(
            Object.keys(resolved).filter((k) => resolved[k]!.includes(pw)),
            ["TASKS_DATABASE_URL__password"],
        );
        assert.strictEqual(resolved.TASKS_DATABASE_URL__host, "db.internal:5432");
        // An owner whose only values are such URLs has nothing to store (the migrations, the roles Jobs).
        assert.deepStrictEqual(
            remoteSecretValues({ DATABASE_URL: url }, ["DATABASE_URL"], {
                DATABASE_URL: borrowedCredentials({ name: masterArn, arn: masterArn }),
            }),
            {},
        );
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
        // An owner without a secret of its own reads only its credentials secrets.
        const { secretArn: _none, ...roleOnly } = base;
        assert.deepStrictEqual(sids(secretAccessPolicy({ ...roleOnly, sharedSecretArns: ["arn:a"] })), [
            "ReadSharedSecrets",
            "DecryptThroughSecretsManager",
        ]);
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

    it("points the ExternalSecret's user and password entries at the credentials secret and writes the rest as literals, secret", async () => {
        const host = "db-FAKE.internal";
        const url = postgresUrl({ user: "grownext_app", password: "pw", host, port: 5432, database: "app", sslmode: "require" });
        new ExternalSecrets("t", {
            namespace: "grownext",
            region: "eu-west-1",
            refreshInterval: "1h",
            apiVersion: "external-secrets.io/v1",
            secrets: [
                {
                    owner: "migrate-app",
                    keys: ["DATABASE_URL"],
                    urlKeys: ["DATABASE_URL"],
                    borrowed: { DATABASE_URL: borrowedCredentials({ name: pulumi.output(masterArn), arn: masterArn }) },
                    literals: {
                        DATABASE_URL: literalUrlParts(
                            "DATABASE_URL",
                            pulumi.secret(url),
                            borrowedCredentials({ name: masterArn, arn: masterArn }),
                        ),
                    },
                    targetName: "migrate-app-database",
                    labels: {},
                },
            ],
        });
        await settle();
        const recorded = recorder.one(esoExternal, "t-migrate-app").inputs.spec;
        // The spec holds the host: Pulumi keeps it secret in state.
        assert.ok(isSecretInput(recorded), "the spec is secret");
        const spec = unwrap(recorded);
        assert.deepStrictEqual(
            (spec.data as Array<{ secretKey: string; remoteRef: unknown }>).map((d) => [d.secretKey, d.remoteRef]),
            [
                ["DATABASE_URL__username", { key: masterArn, property: "username" }],
                ["DATABASE_URL__password", { key: masterArn, property: "password" }],
            ],
        );
        assert.strictEqual(
            spec.target.template.data.DATABASE_URL,
            `postgresql://{{ .DATABASE_URL__username | urlquery }}:{{ .DATABASE_URL__password | urlquery }}@${host}:5432/app?sslmode=require`,
        );
    });

    it("refuses an owner without a secret of its own whose keys would be read from one, and a reference that is not a key", () => {
        const base = {
            owner: "roles-app",
            keys: ["DATABASE_URL", "ROLE_PASSWORD_WEB"],
            urlKeys: ["DATABASE_URL"],
            borrowed: { DATABASE_URL: borrowedCredentials({ name: masterArn, arn: masterArn }) },
            literals: { DATABASE_URL: { scheme: "postgresql", host: "h:5432", path: "/app" } },
            targetName: "roles-app",
            labels: {},
        };
        const declare = (name: string, s: Record<string, unknown>) =>
            new ExternalSecrets(name, {
                namespace: "grownext",
                region: "eu-west-1",
                refreshInterval: "1h",
                apiVersion: "external-secrets.io/v1",
                secrets: [{ ...base, ...s }],
            });
        assert.throws(
            () => declare("own", {}),
            /roles-app has no secret of its own \(remoteName\), yet ROLE_PASSWORD_WEB would be read from it/,
        );
        const password = { value: { secret: { name: "s", arn: "arn:s" }, property: "password" } };
        assert.throws(
            () => declare("ref", { borrowed: { ...base.borrowed, ROLE_PASSWORD_WEB: password, ROLE_PASSWORD_X: password } }),
            /roles-app borrows ROLE_PASSWORD_X, which are not among its keys/,
        );
        assert.throws(
            () => declare("url", { borrowed: { DATABASE_URL: password.value && { value: password.value }, ROLE_PASSWORD_WEB: password } }),
            /DATABASE_URL is a connection URL: borrow its user and password/,
        );
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
        const store = new SecretStore(
            "cred",
            {
                config: minimalStackConfig("production"),
                namespace: "grownext",
                kmsKey: { arn: pulumi.output(keyArn), id: pulumi.output("1234abcd") },
                processSecrets: [
                    { process: "migrate-app", values: {}, sharedSecretArns: [pulumi.output(masterArn)] },
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
        // No values: the role and its policy, no secret and no version, and no statement on a secret of its own.
        assert.deepStrictEqual(
            policy("migrate-app").Statement.map((s) => s.Sid),
            ["ReadSharedSecrets", "DecryptThroughSecretsManager"],
        );
        assert.deepStrictEqual(
            recorder.ofType("aws:secretsmanager/secret:Secret").map((s) => s.name),
            ["cred-web"],
        );
        assert.deepStrictEqual(
            recorder.ofType("aws:secretsmanager/secretVersion:SecretVersion").map((s) => s.name),
            ["cred-web-version"],
        );
        recorder.one("aws:iam/role:Role", "cred-migrate-app-role");
        assert.strictEqual(store.hasOwnSecret("migrate-app"), false);
        assert.strictEqual(store.secretVersionId("migrate-app"), undefined, "nothing to force a sync with");
        assert.ok(store.hasOwnSecret("web"));
        assert.deepStrictEqual(Object.keys(store.serviceAccountAnnotations("migrate-app")), ["eks.amazonaws.com/role-arn"]);
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
