/**
 * Each process's own database credentials (components/data/aws/databaseCredentials.ts): the secret per
 * (process, database), its first version left to the rotation afterwards, AWS's alternating-users
 * rotation function per database with its network, and the rotation schedule per secret.
 */
import * as assert from "assert";
import type { DatabaseCredentials as DatabaseCredentialsType } from "../../../../components/data/aws/databaseCredentials";
import {
    credentialsJson,
    credentialsSecretName,
    multiUserRotationApplication,
    rotationFunctionName,
} from "../../../../components/data/aws/databaseCredentials";
import { databaseRoles } from "../../../../catalog/databaseRoles";
import { databaseCredentialsKind, secretKindTag } from "../../../../catalog/labels";
import { rolePasswordEnv } from "../../../../components/workloads/databaseRoles";
import { catalogDatabases } from "../../../../catalog/databaseRoles";
import { evaluateStack } from "../../../../sandbox/evaluate";
import { installMocks, isSecretInput, promiseOf, recorder, settle, unwrap, type RecordedResource } from "../../../../sandbox/mocks";
import { postgresNames } from "../../../../wiring/dataContract";
import { awsNetwork } from "../../../fixtures/minimalStacks";

const T = {
    secret: "aws:secretsmanager/secret:Secret",
    version: "aws:secretsmanager/secretVersion:SecretVersion",
    rotation: "aws:secretsmanager/secretRotation:SecretRotation",
    stack: "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
    password: "random:index/randomPassword:RandomPassword",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
};
const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/stack";
const master = (db: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-${db}-AbCdEf`;

describe("DatabaseCredentials (components/data/aws/databaseCredentials.ts)", () => {
    let DatabaseCredentials: typeof DatabaseCredentialsType;

    before(async () => {
        installMocks();
        ({ DatabaseCredentials } = await import("../../../../components/data/aws/databaseCredentials"));
    });
    beforeEach(() => recorder.reset());

    async function declare(environment: "staging" | "production" = "production", rotationDays = 30) {
        const c = new DatabaseCredentials("creds", {
            environment,
            project: "grownext",
            stack: environment,
            network: awsNetwork,
            kmsKeyArn: keyArn,
            roles: databaseRoles(),
            rotationDays,
            databases: (["app", "identity"] as const).map((database) => ({
                database,
                host: `${database}.abc.eu-west-1.rds.amazonaws.com`,
                dbname: database,
                masterSecretArn: master(database),
                instanceSecurityGroupId: `sg-${database}`,
            })),
        });
        await settle();
        return c;
    }

    it("declares one tagged secret per (process, database) under the stack key, protected in production", async () => {
        const c = await declare();
        const secrets = recorder.ofType(T.secret);
        const expected = databaseRoles().map((r) => credentialsSecretName("grownext", "production", r.process, r.database));
        assert.deepStrictEqual(secrets.map((s) => s.inputs.name).sort(), [...expected].sort());
        assert.ok(
            expected.includes("grownext/production/identity/db-app") && expected.includes("grownext/production/identity/db-identity"),
        );
        for (const s of secrets) {
            assert.strictEqual(s.inputs.kmsKeyId, keyArn);
            assert.strictEqual(s.inputs.tags[secretKindTag], databaseCredentialsKind);
            assert.match(
                s.inputs.name,
                new RegExp(`^grownext/production/${s.inputs.tags["grownext.io/process"]}/db-${s.inputs.tags["grownext.io/database"]}$`),
            );
            assert.strictEqual(s.protect, true, `${s.name} is protected`);
            assert.strictEqual(s.inputs.recoveryWindowInDays, 30);
        }
        const web = c.secret("web", "app")!;
        assert.strictEqual(await promiseOf(web.name), "grownext/production/web/db-app");
        assert.match(await promiseOf(web.arn), /secret:grownext\/production\/web\/db-app-/);
        assert.strictEqual(c.secret("portal", "app"), undefined);
        assert.strictEqual(c.secret("web", "identity"), undefined);
        assert.strictEqual(c.secretArns("app").length, databaseRoles().filter((r) => r.database === "app").length);
        recorder.reset();
        await declare("staging");
        assert.ok(
            recorder.ofType(T.secret).every((s) => s.protect === false),
            "staging secrets stay deletable",
        );
    });

    it("writes the rotation function's JSON once, secret, and never writes it back over a rotation", async () => {
        await declare();
        const version = recorder.one(T.version, "creds-identity-app-initial");
        assert.ok(isSecretInput(version.inputs.secretString), "the secret string is secret in state");
        const json = JSON.parse(unwrap<string>(version.inputs.secretString));
        const password = recorder.one(T.password, "creds-identity-app-password").inputs;
        assert.strictEqual(password.length, 40);
        assert.deepStrictEqual(Object.keys(json).sort(), ["dbname", "engine", "host", "masterarn", "password", "port", "username"]);
        assert.strictEqual(json.engine, "postgres");
        assert.strictEqual(json.username, "grownext_svc_identity");
        assert.strictEqual(json.host, "app.abc.eu-west-1.rds.amazonaws.com");
        assert.strictEqual(json.port, 5432);
        assert.strictEqual(json.dbname, "app");
        assert.strictEqual(json.masterarn, master("app"));
        // The generated password (the mocks answer `pw-<resource name>-x...`): the roles Job reads it from this version.
        assert.match(json.password, /^pw-creds-identity-app-password-x+$/);
        for (const v of recorder.ofType(T.version)) assert.deepStrictEqual(v.ignoreChanges, ["secretString", "versionStages"], v.name);
        assert.strictEqual(
            credentialsJson({ host: "h", port: 5432, dbname: "d", username: "u", password: "p", masterarn: "m" }),
            '{"engine":"postgres","host":"h","port":5432,"dbname":"d","username":"u","password":"p","masterarn":"m"}',
        );
    });

    it("deploys AWS's multi-user rotation function per database, in the private subnets, reaching only the instance and Secrets Manager", async () => {
        await declare();
        const stacks = recorder.ofType(T.stack);
        assert.deepStrictEqual(stacks.map((s) => s.name).sort(), ["creds-app-rotation", "creds-identity-rotation"]);
        const app = recorder.one(T.stack, "creds-app-rotation").inputs;
        assert.strictEqual(app.applicationId, multiUserRotationApplication.applicationId);
        assert.match(app.applicationId, /:applications\/SecretsManagerRDSPostgreSQLRotationMultiUser$/);
        assert.match(app.semanticVersion, /^\d+\.\d+\.\d+$/, "pinned");
        assert.deepStrictEqual(app.capabilities, ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"]);
        assert.deepStrictEqual(app.parameters, {
            endpoint: "https://secretsmanager.eu-west-1.amazonaws.com",
            functionName: rotationFunctionName("grownext", "production", "app"),
            vpcSubnetIds: awsNetwork.privateSubnetIds.join(","),
            vpcSecurityGroupIds: "creds-app-rotation-sg-id",
            kmsKeyArn: keyArn,
            masterSecretArn: master("app"),
            masterSecretKmsKeyArn: keyArn,
        });
        assert.strictEqual(app.name, "grownext-production-app-db-rotation");
        const egress = recorder.ofType(T.egress).filter((e) => e.inputs.securityGroupId === "creds-app-rotation-sg-id");
        assert.deepStrictEqual(egress.map((e) => [e.inputs.fromPort, e.inputs.referencedSecurityGroupId ?? e.inputs.cidrIpv4]).sort(), [
            [443, "0.0.0.0/0"],
            [5432, "sg-app"],
        ]);
        const ingress = recorder.ofType(T.ingress);
        assert.deepStrictEqual(
            ingress.map((i) => [i.inputs.securityGroupId, i.inputs.referencedSecurityGroupId, i.inputs.fromPort]).sort(),
            [
                ["sg-app", "creds-app-rotation-sg-id", 5432],
                ["sg-identity", "creds-identity-rotation-sg-id", 5432],
            ],
            "the instance admits its function, and nothing admits the function",
        );
    });

    it("rotates every secret on the configured schedule through its database's function, not at creation", async () => {
        await declare("production", 45);
        const rotations = recorder.ofType(T.rotation);
        assert.strictEqual(rotations.length, databaseRoles().length);
        for (const r of rotations) {
            const [, process, database] = /^creds-(.+)-(app|identity)-rotation$/.exec(r.name)!;
            assert.deepStrictEqual(r.inputs.rotationRules, { automaticallyAfterDays: 45 });
            assert.strictEqual(r.inputs.rotateImmediately, false);
            assert.strictEqual(
                r.inputs.rotationLambdaArn,
                `arn:aws:lambda:eu-west-1:123456789012:function:grownext-production-${database}-db-rotation`,
            );
            assert.strictEqual(r.inputs.secretId, `creds-${process}-${database}-id`);
            const version = recorder.one(T.version, `creds-${process}-${database}-initial`);
            assert.ok(r.dependencies!.includes(version.urn!), `${r.name} waits for the first version`);
        }
    });

    it("refuses bad input with the key to fix", () => {
        const base = {
            environment: "production" as const,
            project: "grownext",
            stack: "production",
            network: awsNetwork,
            kmsKeyArn: keyArn,
            roles: databaseRoles(),
            rotationDays: 30,
            databases: [],
        };
        assert.throws(() => new DatabaseCredentials("bad1", base), /role is in database app, which is not given/);
        assert.throws(() => new DatabaseCredentials("bad2", { ...base, roles: [], rotationDays: 0 }), /rotation.databaseRotationDays/);
        assert.throws(
            () => new DatabaseCredentials("bad3", { ...base, roles: [], network: { ...awsNetwork, privateSubnetIds: [] } }),
            /data.aws.privateSubnetIds/,
        );
    });
});

describe("database credentials on the production graph", () => {
    let resources: RecordedResource[];

    before(async () => {
        installMocks();
        resources = await evaluateStack("production");
    });

    const ofType = (type: string) => resources.filter((r) => r.type === type);
    /** What an owner's own secret stores; nothing when it has none (its values are all borrowed or text). */
    const stored = (owner: string): Record<string, string> => {
        const version = ofType(T.version).find((v) => v.name === `grownext-secrets-${owner}-version`);
        return version === undefined ? {} : (JSON.parse(unwrap(version.inputs.secretString)) as Record<string, string>);
    };

    it("connects no process as a master user: its URLs hold no user or password, its credentials secret names its own role", () => {
        const masters = catalogDatabases.map((d) => postgresNames(d).user);
        for (const role of databaseRoles()) {
            const own = stored(role.process);
            for (const key of Object.keys(own))
                assert.ok(!/__(username|password)$/.test(key) || !key.includes("DATABASE"), `${role.process} stores no ${key}`);
            const initial = ofType(T.version).find((v) => v.name === `grownext-data-credentials-${role.process}-${role.database}-initial`)!;
            const json = JSON.parse(unwrap(initial.inputs.secretString));
            assert.strictEqual(json.username, role.role);
            assert.ok(!masters.includes(json.username), `${role.process} logs in as ${json.username}`);
            // The ExternalSecret reads user and password from that secret, for every database URL of the process.
            const es = ofType("kubernetes:external-secrets.io/v1:ExternalSecret").find((e) => e.inputs.metadata.name === role.process)!;
            const credentialRefs = unwrap(es.inputs.spec).data.filter(
                (d: any) => /__(username|password)$/.test(d.secretKey) && /DATABASE/.test(d.secretKey),
            );
            assert.ok(credentialRefs.length >= 2, role.process);
            const keys = new Set(credentialRefs.map((d: any) => d.remoteRef.key));
            assert.ok(
                keys.has(credentialsSecretName("grownext", "production", role.process, role.database)),
                `${role.process} reads its ${role.database} credentials`,
            );
        }
    });

    it("feeds each roles Job the master URL and each role's password from its process's credentials secret, with no secret of its own", () => {
        for (const database of catalogDatabases) {
            const roles = databaseRoles().filter((r) => r.database === database);
            const owner = `roles-${database}`;
            assert.strictEqual(
                ofType(T.secret).find((x) => x.inputs.name === `grownext/production/${owner}`),
                undefined,
                `${owner} has no Secrets Manager secret`,
            );
            assert.strictEqual(
                ofType(T.version).find((v) => v.name === `grownext-secrets-${owner}-version`),
                undefined,
                `${owner} has no secret version`,
            );
            const es = ofType("kubernetes:external-secrets.io/v1:ExternalSecret").find((e) => e.inputs.metadata.name === owner)!;
            const spec = unwrap(es.inputs.spec);
            // The keys it held before: the master URL and each role's password.
            assert.deepStrictEqual(
                Object.keys(spec.target.template.data).sort(),
                ["DATABASE_URL", ...roles.map((r) => rolePasswordEnv(r.process))].sort(),
            );
            const byKey = Object.fromEntries(spec.data.map((d: any) => [d.secretKey, d.remoteRef]));
            for (const r of roles) {
                const env = rolePasswordEnv(r.process);
                // The current version of the process's own credentials secret: the first password when the role is created.
                assert.deepStrictEqual(
                    byKey[env],
                    { key: credentialsSecretName("grownext", "production", r.process, database), property: "password" },
                    env,
                );
                assert.strictEqual(spec.target.template.data[env], `{{ .${env} }}`);
            }
            const masterArn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!grownext-data-postgres-${database}-instance-AbCdEf`;
            assert.deepStrictEqual(byKey.DATABASE_URL__username, { key: masterArn, property: "username" });
            assert.deepStrictEqual(byKey.DATABASE_URL__password, { key: masterArn, property: "password" });
            assert.strictEqual(spec.data.length, roles.length + 2, "nothing else is read");
            assert.match(
                spec.target.template.data.DATABASE_URL,
                new RegExp(
                    `^postgresql://\\{\\{ \\.DATABASE_URL__username \\| urlquery \\}\\}:\\{\\{ \\.DATABASE_URL__password \\| urlquery \\}\\}@grownext-data-postgres-${database}-instance\\.abc\\.eu-west-1\\.rds\\.amazonaws\\.com:5432/${database}\\?sslmode=require$`,
                ),
            );
            // Its IRSA role reads exactly the master secret and those credentials secrets, and no secret of its own.
            const policy = JSON.parse(
                ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === `grownext-secrets-${owner}-policy`)!.inputs.policy,
            );
            assert.deepStrictEqual(
                policy.Statement.map((x: any) => x.Sid),
                ["ReadSharedSecrets", "DecryptThroughSecretsManager"],
            );
            const credentialArns = roles.map((r) =>
                ofType(T.secret).find((x) => x.inputs.name === credentialsSecretName("grownext", "production", r.process, database))!,
            );
            assert.deepStrictEqual(
                policy.Statement[0].Resource,
                [
                    masterArn,
                    ...credentialArns.map((x) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${x.inputs.name}-AbCdEf`),
                ].sort(),
            );
            const job = ofType("kubernetes:batch/v1:Job").find((j) => j.inputs.metadata.name.startsWith(`${owner}-`))!;
            const env = job.inputs.spec.template.spec.containers[0].env;
            assert.deepStrictEqual(
                env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef]),
                ["DATABASE_URL", ...roles.map((r) => rolePasswordEnv(r.process))].map((k) => [k, { name: owner, key: k }]),
            );
            const script: string = env.find((e: any) => e.name === "ROLES_SQL").value;
            for (const r of roles) {
                assert.ok(script.includes(`rolname = '${r.role}'`), r.role);
                const initial = ofType(T.version).find((v) => v.name === `grownext-data-credentials-${r.process}-${database}-initial`)!;
                assert.ok(!script.includes(JSON.parse(unwrap(initial.inputs.secretString)).password), "no password in the script");
            }
            assert.ok(script.includes(`FOR ROLE "${postgresNames(database).user}"`), "default privileges of the schema's owner");
            // Its ExternalSecret re-syncs for every new roles Job (the Job's name alone), so the Job never gets a master password from before a rotation.
            assert.strictEqual(es.inputs.metadata.annotations["force-sync"], job.inputs.metadata.name);
        }
    });
});
