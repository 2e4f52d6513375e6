/**
 * RDS-managed master passwords on the production graph (components/data/aws/postgresAws.ts): RDS keeps
 * each master password in a secret of its own under the stack key, a SecretRotation sets its schedule,
 * and everything that logs in as the master user (migrations, RDS Proxy, and for now the processes)
 * reads that secret: the ExternalSecrets take user and password from it, the IRSA roles may read it,
 * and neither Pulumi's inputs nor the owners' own Secrets Manager secrets hold a database password.
 */
import * as assert from "assert";
import { rotationDefaults } from "../../../../catalog/guardrails";
import { evaluateStack } from "../../../../sandbox/evaluate";
import { installMocks, isSecretInput, unwrap, type RecordedResource } from "../../../../sandbox/mocks";

const T = {
    rds: "aws:rds/instance:Instance",
    rotation: "aws:secretsmanager/secretRotation:SecretRotation",
    random: "random:index/randomPassword:RandomPassword",
    version: "aws:secretsmanager/secretVersion:SecretVersion",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    external: "kubernetes:external-secrets.io/v1:ExternalSecret",
    k8sSecret: "kubernetes:core/v1:Secret",
    proxy: "aws:rds/proxy:Proxy",
};
const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/grownext-data-key-key-id";
const masterArn = (database: string) =>
    `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!grownext-data-postgres-${database}-instance-AbCdEf`;

describe("RDS-managed master secrets on the production graph", () => {
    let resources: RecordedResource[];
    before(async () => {
        installMocks();
        resources = await evaluateStack("production");
    });
    const ofType = (type: string) => resources.filter((r) => r.type === type);
    const named = (type: string, name: string) => {
        const found = ofType(type).filter((r) => r.name === name);
        assert.strictEqual(found.length, 1, `one ${type} named ${name}`);
        return found[0]!;
    };

    it("lets RDS manage each master password under the stack key; the program generates none", () => {
        for (const database of ["app", "identity"]) {
            const i = named(T.rds, `grownext-data-postgres-${database}-instance`).inputs;
            assert.strictEqual(i.manageMasterUserPassword, true);
            assert.strictEqual(i.masterUserSecretKmsKeyId, keyArn);
            assert.ok(!("password" in i), `${database}: no password input`);
        }
        assert.ok(!ofType(T.random).some((r) => r.name.includes("postgres")), "no generated database password");
    });

    it("rotates each master secret on the configured schedule (the stack's default), depending on its instance", () => {
        // The processes' own credentials rotate too (databaseCredentials.ts); these are the master secrets'.
        const rotations = ofType(T.rotation).filter((r) => r.name.endsWith("-master-rotation"));
        assert.strictEqual(rotations.length, 2);
        for (const database of ["app", "identity"]) {
            const r = named(T.rotation, `grownext-data-postgres-${database}-master-rotation`);
            assert.strictEqual(r.inputs.secretId, masterArn(database));
            assert.deepStrictEqual(r.inputs.rotationRules, { automaticallyAfterDays: rotationDefaults.databaseRotationDays });
            assert.strictEqual(r.inputs.rotationLambdaArn, undefined);
            // Its secretId comes from the instance: what database-credentials-rotate looks for in the graph.
            assert.deepStrictEqual(r.propertyDependencies!.secretId, [named(T.rds, `grownext-data-postgres-${database}-instance`).urn!]);
        }
    });

    it("has each migration's ExternalSecret read DATABASE_URL's user and password from its database's master secret, the rest literal", () => {
        for (const database of ["app", "identity"]) {
            const es = ofType(T.external).find((e) => e.inputs.metadata.name === `migrate-${database}`)!;
            assert.ok(es, `migrate-${database} has an ExternalSecret`);
            // The spec holds the URL's host: it is secret in state.
            assert.ok(isSecretInput(es.inputs.spec), `migrate-${database}: the spec is secret`);
            const spec = unwrap(es.inputs.spec);
            // Exactly these two entries: nothing is read from a secret of the migration's own.
            assert.deepStrictEqual(
                spec.data.map((d: any) => [d.secretKey, d.remoteRef]),
                [
                    ["DATABASE_URL__username", { key: masterArn(database), property: "username" }],
                    ["DATABASE_URL__password", { key: masterArn(database), property: "password" }],
                ],
            );
            const host = `grownext-data-postgres-${database}-instance.abc.eu-west-1.rds.amazonaws.com:5432`;
            assert.deepStrictEqual(spec.target.template.data, {
                DATABASE_URL: `postgresql://{{ .DATABASE_URL__username | urlquery }}:{{ .DATABASE_URL__password | urlquery }}@${host}/${database}?sslmode=require`,
            });
        }
    });

    it("re-syncs a migration's Secret before each new migration Job, which may run after a rotation", async () => {
        const job = (rs: RecordedResource[], database: string) =>
            rs.find(
                (r) =>
                    r.type === "kubernetes:batch/v1:Job" &&
                    r.inputs.metadata.labels["grownext.io/database"] === database &&
                    r.inputs.metadata.name.startsWith(`migrate-${database}-`),
            )!;
        const forceSync = (rs: RecordedResource[], owner: string) =>
            rs.find((e) => e.type === T.external && e.inputs.metadata.name === owner)!.inputs.metadata.annotations["force-sync"] as string;
        for (const database of ["app", "identity"]) {
            // The Job's name alone: the migration has no secret of its own to version.
            assert.strictEqual(forceSync(resources, `migrate-${database}`), job(resources, database).inputs.metadata.name);
        }
        // A new migration command means a new Job: its ExternalSecret syncs again; the other one and the processes' do not.
        const changed = await evaluateStack("production", { migrations: { app: ["npm", "run", "migrate:v2"] } });
        assert.notStrictEqual(forceSync(changed, "migrate-app"), forceSync(resources, "migrate-app"));
        assert.strictEqual(forceSync(changed, "migrate-app"), job(changed, "app").inputs.metadata.name);
        assert.strictEqual(forceSync(changed, "migrate-identity"), forceSync(resources, "migrate-identity"));
        assert.strictEqual(forceSync(changed, "web"), forceSync(resources, "web"));
    });

    it("lets each migration's IRSA role read its database's master secret, and no other", () => {
        for (const database of ["app", "identity"]) {
            const policy = JSON.parse(named(T.rolePolicy, `grownext-secrets-migrate-${database}-policy`).inputs.policy);
            const read = policy.Statement.find((s: any) => s.Sid === "ReadSharedSecrets");
            assert.ok(read, `migrate-${database} may read database credentials`);
            // It has no secret of its own to read.
            assert.deepStrictEqual(
                policy.Statement.map((s: any) => s.Sid),
                ["ReadSharedSecrets", "DecryptThroughSecretsManager"],
            );
            assert.deepStrictEqual(read.Resource, [masterArn(database)]);
            assert.deepStrictEqual(read.Action, ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
            // The master secret is under the stack key: the role decrypts it through Secrets Manager only.
            const decrypt = policy.Statement.find((s: any) => s.Sid === "DecryptThroughSecretsManager");
            assert.strictEqual(decrypt.Resource, keyArn);
        }
    });

    it("stores no database user or password in any Secrets Manager secret of the program", () => {
        for (const v of ofType(T.version)) {
            const stored = JSON.parse(unwrap<string>(v.inputs.secretString)) as Record<string, string>;
            const leaked = Object.keys(stored).filter((k) => /DATABASE(_DIRECT)?_URL__(username|password)$/.test(k));
            assert.deepStrictEqual(leaked, [], v.name);
            for (const [k, value] of Object.entries(stored)) {
                if (/^postgresql:/.test(value)) assert.strictEqual(new URL(value).password, "", `${v.name} ${k}`);
            }
        }
    });

    it("keeps the app instance's master secret out of RDS Proxy: neither a login nor readable by its role", () => {
        const proxy = ofType(T.proxy)[0]!;
        const logins = (proxy.inputs.auths as Array<{ secretArn: string }>).map((a) => a.secretArn);
        assert.ok(logins.length > 0, "the proxy has logins (the processes' own)");
        assert.ok(!logins.includes(masterArn("app")), logins.join(", "));
        const policy = JSON.parse(named(T.rolePolicy, "grownext-data-postgres-app-proxy-secret-access").inputs.policy);
        assert.deepStrictEqual([policy.Statement[0].Resource].flat(), logins);
    });

    it("still declares no Kubernetes Secret with literal data", () => {
        const literal = ofType(T.k8sSecret).filter((s) => s.inputs.data !== undefined || s.inputs.stringData !== undefined);
        assert.deepStrictEqual(
            literal.map((s) => s.name),
            [],
        );
    });
});
