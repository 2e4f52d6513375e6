import * as assert from "assert";
import type * as awsTypes from "@pulumi/aws";
import type * as k8sTypes from "@pulumi/kubernetes";
import type { DataTier as DataTierType } from "../../../components/data/dataTier";
import { rotationDefaults } from "../../../catalog/guardrails";
import { dataEnvKeys } from "../../../wiring/dataContract";
import type { PlatformConfig } from "../../../config/load";
import { installMocks, isSecret, isSecretInput, promiseOf, recorder, settle, unwrap, type RecordedResource } from "../../../sandbox/mocks";
import { clusterSg, images, redactSecrets, minimalStackConfig } from "../../fixtures/minimalStacks";

const T = {
    kmsKey: "aws:kms/key:Key",
    kmsAlias: "aws:kms/alias:Alias",
    rds: "aws:rds/instance:Instance",
    rdsParams: "aws:rds/parameterGroup:ParameterGroup",
    rdsSubnets: "aws:rds/subnetGroup:SubnetGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    cacheParams: "aws:elasticache/parameterGroup:ParameterGroup",
    cacheSubnets: "aws:elasticache/subnetGroup:SubnetGroup",
    redis: "aws:elasticache/replicationGroup:ReplicationGroup",
    password: "random:index/randomPassword:RandomPassword",
    rotation: "aws:secretsmanager/secretRotation:SecretRotation",
    sts: "kubernetes:apps/v1:StatefulSet",
    job: "kubernetes:batch/v1:Job",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
};

describe("DataTier", () => {
    let DataTier: typeof DataTierType;
    let k8s: typeof k8sTypes;
    let aws: typeof awsTypes;

    before(async () => {
        installMocks();
        ({ DataTier } = await import("../../../components/data/dataTier"));
        k8s = await import("@pulumi/kubernetes");
        aws = await import("@pulumi/aws");
    });
    beforeEach(() => recorder.reset());

    async function declare(cfg: PlatformConfig): Promise<DataTierType> {
        const kubernetesProvider = new k8s.Provider("test-k8s", {});
        const awsProvider = cfg.data.provider === "aws" ? new aws.Provider("test-aws", { region: "eu-west-1" }) : undefined;
        const tier = new DataTier(
            "test-data",
            { config: cfg, namespace: "grownext" },
            { providers: [kubernetesProvider, ...(awsProvider ? [awsProvider] : [])] },
        );
        await settle();
        return tier;
    }

    const inputs = (type: string, name: string) => recorder.one(type, name).inputs;
    const custom = () => recorder.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));

    /** Every recorded input with secrets redacted must not contain any generated password. */
    function assertNoPlaintextPasswords(): void {
        const generated = [...recorder.ofType(T.password), ...recorder.ofType("pulumi-nodejs:dynamic:Resource")];
        const needles = generated.map((r) => `pw-${r.name}`);
        assert.ok(needles.length > 0, "the data tier generates its passwords");
        for (const r of recorder.resources) {
            const text = JSON.stringify(redactSecrets(r.inputs));
            for (const needle of needles) {
                assert.ok(!text.includes(needle), `${r.type} ${r.name} holds the password of ${needle.slice(3)} in plaintext`);
            }
        }
    }

    describe("production", () => {
        let cfg: PlatformConfig;
        before(() => {
            cfg = minimalStackConfig("production");
        });

        it("creates a rotating KMS key with a 30-day deletion window, an alias and an account-root key policy", async () => {
            await declare(cfg);
            const key = inputs(T.kmsKey, "test-data-key-key");
            assert.strictEqual(key.enableKeyRotation, true);
            assert.strictEqual(key.rotationPeriodInDays, 365);
            assert.strictEqual(key.deletionWindowInDays, 30);
            assert.strictEqual(key.region, "eu-west-1");
            const policy = JSON.parse(key.policy);
            assert.deepStrictEqual(
                policy.Statement.map((s: any) => [s.Effect, s.Principal.AWS ?? s.Principal.Service, s.Action]),
                [
                    ["Allow", "arn:aws:iam::123456789012:root", "kms:*"],
                    // The alert route's publishers (CloudWatch, RDS events) may use the key for this account only.
                    ["Allow", ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"], ["kms:Decrypt", "kms:GenerateDataKey*"]],
                ],
            );
            assert.strictEqual(inputs(T.kmsAlias, "test-data-key-alias").name, "alias/grownext-production");
        });

        it("runs one multi-AZ RDS PostgreSQL 16 instance per database with 30-day PITR, deletion protection and a final snapshot", async () => {
            await declare(cfg);
            const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/test-data-key-key-id";
            for (const db of ["app", "identity"]) {
                const i = inputs(T.rds, `test-data-postgres-${db}-instance`);
                assert.strictEqual(i.engine, "postgres");
                assert.strictEqual(i.engineVersion, "16");
                assert.strictEqual(i.dbName, db);
                assert.strictEqual(i.username, `grownext_${db}`);
                // RDS generates the master password and keeps it in Secrets Manager under the stack key.
                assert.strictEqual(i.manageMasterUserPassword, true);
                assert.strictEqual(i.masterUserSecretKmsKeyId, keyArn);
                assert.ok(!("password" in i), "the program gives no master password");
                assert.strictEqual(i.backupRetentionPeriod, 30);
                assert.strictEqual(i.multiAz, true);
                assert.strictEqual(i.deletionProtection, true);
                assert.strictEqual(i.skipFinalSnapshot, false);
                assert.strictEqual(i.finalSnapshotIdentifier, `grownext-production-${db}-final`);
                assert.strictEqual(i.deleteAutomatedBackups, false);
                assert.strictEqual(i.copyTagsToSnapshot, true);
                assert.strictEqual(i.storageEncrypted, true);
                assert.strictEqual(i.kmsKeyId, keyArn);
                assert.strictEqual(i.publiclyAccessible, false);
                assert.strictEqual(i.performanceInsightsEnabled, true);
                assert.strictEqual(i.performanceInsightsKmsKeyId, keyArn);
                assert.deepStrictEqual(i.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
                assert.strictEqual(i.autoMinorVersionUpgrade, true);
                assert.strictEqual(i.monitoringInterval, 60);
                assert.strictEqual(i.monitoringRoleArn, `arn:aws:iam::123456789012:role/test-data-postgres-${db}-monitoring`);
                assert.strictEqual(i.dbSubnetGroupName, `test-data-postgres-${db}-subnets`);
                assert.deepStrictEqual(i.vpcSecurityGroupIds, [`test-data-postgres-${db}-sg-id`]);
                assert.strictEqual(i.parameterGroupName, `test-data-postgres-${db}-params`);
                assert.deepStrictEqual(inputs(T.rdsSubnets, `test-data-postgres-${db}-subnets`).subnetIds, [
                    "subnet-0a1b2c3d4e5f60718",
                    "subnet-1a2b3c4d5e6f70819",
                ]);
            }
        });

        it("rotates each master secret every rotation.databaseRotationDays, without a Lambda, from the instance's own secret", async () => {
            const tier = await declare(minimalStackConfig("production", {}, { rotation: { databaseRotationDays: 45 } }));
            assert.strictEqual(
                recorder.ofType(T.password).filter((r) => r.name.includes("postgres")).length,
                0,
                "no generated master password",
            );
            assert.strictEqual(recorder.ofType(T.rotation).filter((r) => r.name.endsWith("-master-rotation")).length, 2);
            for (const db of ["app", "identity"] as const) {
                const instance = recorder.one(T.rds, `test-data-postgres-${db}-instance`);
                const rotation = recorder.one(T.rotation, `test-data-postgres-${db}-master-rotation`);
                const secretArn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!test-data-postgres-${db}-instance-AbCdEf`;
                assert.deepStrictEqual(unwrap(rotation.inputs), {
                    secretId: secretArn,
                    rotationRules: { automaticallyAfterDays: 45 },
                    rotateImmediately: false,
                    region: "eu-west-1",
                });
                assert.strictEqual(rotation.inputs.rotationLambdaArn, undefined, "RDS rotates its own secrets");
                assert.ok(rotation.dependencies?.includes(instance.urn!), "the rotation waits for the instance that owns the secret");
                assert.strictEqual(rotation.parent, recorder.one("grownext:data:PostgresAws", `test-data-postgres-${db}`).urn);
                // The schema's owners (the migrations, the roles Job) read this database's credentials from that secret;
                // a process reads its own role's (databaseCredentials.ts), never the master's.
                const credentials = tier.databaseCredentials(`migrate-${db}`, db)!;
                assert.strictEqual(await promiseOf(credentials.arn), secretArn);
                assert.strictEqual(await promiseOf(credentials.name), secretArn);
                assert.strictEqual(await promiseOf(tier.databaseCredentials(`roles-${db}`, db)!.arn), secretArn);
                const process = db === "app" ? "web" : "identity";
                assert.strictEqual(await promiseOf(tier.databaseCredentials(process, db)!.name), `grownext/production/${process}/db-${db}`);
                assert.strictEqual(tier.databaseCredentials("portal", db), undefined);
            }
        });

        it("rotates on the default schedule when the stack sets none", async () => {
            await declare(cfg);
            for (const r of recorder.ofType(T.rotation)) {
                assert.strictEqual(unwrap(r.inputs).rotationRules.automaticallyAfterDays, rotationDefaults.databaseRotationDays);
            }
            assert.strictEqual(recorder.ofType(T.rotation).filter((r) => r.name.endsWith("-master-rotation")).length, 2);
        });

        it("loads pg_stat_statements and forces TLS in the postgres16 parameter groups", async () => {
            await declare(cfg);
            for (const db of ["app", "identity"]) {
                const p = inputs(T.rdsParams, `test-data-postgres-${db}-params`);
                assert.strictEqual(p.family, "postgres16");
                assert.deepStrictEqual(p.parameters, [
                    { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
                    { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
                ]);
            }
        });

        it("admits the data ports only from the cluster security group, the app instance from its RDS Proxy, each store from its credentials or token rotation", async () => {
            await declare(cfg);
            for (const sg of recorder.ofType(T.sg)) {
                assert.strictEqual(sg.inputs.vpcId, "vpc-0a1b2c3d4e5f60718");
                assert.strictEqual(sg.inputs.ingress, undefined, `${sg.name} has no inline ingress`);
                assert.strictEqual(sg.inputs.egress, undefined, `${sg.name} has no egress`);
            }
            const rules = recorder.ofType(T.ingress).map((r) => unwrap(r.inputs));
            assert.deepStrictEqual(
                rules
                    .map((r) => [
                        r.securityGroupId,
                        r.referencedSecurityGroupId,
                        r.ipProtocol,
                        r.fromPort,
                        r.toPort,
                        r.cidrIpv4,
                        r.cidrIpv6,
                    ])
                    .sort(),
                [
                    ["test-data-cache-sg-id", clusterSg, "tcp", 6379, 6379, undefined, undefined],
                    ["test-data-cache-sg-id", "test-data-cache-token-rotation-fn-sg-id", "tcp", 6379, 6379, undefined, undefined],
                    ["test-data-postgres-app-proxy-sg-id", clusterSg, "tcp", 5432, 5432, undefined, undefined],
                    ["test-data-postgres-app-sg-id", clusterSg, "tcp", 5432, 5432, undefined, undefined],
                    ["test-data-postgres-app-sg-id", "test-data-credentials-app-rotation-sg-id", "tcp", 5432, 5432, undefined, undefined],
                    ["test-data-postgres-app-sg-id", "test-data-postgres-app-proxy-sg-id", "tcp", 5432, 5432, undefined, undefined],
                    ["test-data-postgres-identity-sg-id", clusterSg, "tcp", 5432, 5432, undefined, undefined],
                    [
                        "test-data-postgres-identity-sg-id",
                        "test-data-credentials-identity-rotation-sg-id",
                        "tcp",
                        5432,
                        5432,
                        undefined,
                        undefined,
                    ],
                    ["test-data-redis-sg-id", clusterSg, "tcp", 6379, 6379, undefined, undefined],
                    ["test-data-redis-sg-id", "test-data-redis-token-rotation-fn-sg-id", "tcp", 6379, 6379, undefined, undefined],
                ],
            );
            // The egress rules: the proxy to its instance; each rotation function to its store and to the AWS endpoints (HTTPS).
            const egress = recorder.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => unwrap(r.inputs));
            assert.deepStrictEqual(
                egress.map((r) => [r.securityGroupId, r.referencedSecurityGroupId, r.ipProtocol, r.fromPort, r.toPort, r.cidrIpv4]).sort(),
                [
                    ["test-data-cache-token-rotation-fn-sg-id", undefined, "tcp", 443, 443, "0.0.0.0/0"],
                    ["test-data-cache-token-rotation-fn-sg-id", "test-data-cache-sg-id", "tcp", 6379, 6379, undefined],
                    ["test-data-credentials-app-rotation-sg-id", undefined, "tcp", 443, 443, "0.0.0.0/0"],
                    ["test-data-credentials-app-rotation-sg-id", "test-data-postgres-app-sg-id", "tcp", 5432, 5432, undefined],
                    ["test-data-credentials-identity-rotation-sg-id", undefined, "tcp", 443, 443, "0.0.0.0/0"],
                    ["test-data-credentials-identity-rotation-sg-id", "test-data-postgres-identity-sg-id", "tcp", 5432, 5432, undefined],
                    ["test-data-postgres-app-proxy-sg-id", "test-data-postgres-app-sg-id", "tcp", 5432, 5432, undefined],
                    ["test-data-redis-token-rotation-fn-sg-id", undefined, "tcp", 443, 443, "0.0.0.0/0"],
                    ["test-data-redis-token-rotation-fn-sg-id", "test-data-redis-sg-id", "tcp", 6379, 6379, undefined],
                ],
            );
            assert.strictEqual(recorder.ofType("aws:ec2/securityGroupRule:SecurityGroupRule").length, 0);
        });

        it("runs Valkey with noeviction, TLS, an auth token, at-rest encryption, failover and multi-AZ", async () => {
            await declare(cfg);
            const p = inputs(T.cacheParams, "test-data-redis-params");
            assert.strictEqual(p.family, "valkey7");
            assert.deepStrictEqual(p.parameters, [{ name: "maxmemory-policy", value: "noeviction" }]);
            const g = inputs(T.redis, "test-data-redis-group");
            assert.strictEqual(g.engine, "valkey");
            assert.strictEqual(g.engineVersion, "7.2");
            assert.strictEqual(g.parameterGroupName, "test-data-redis-params");
            assert.strictEqual(g.transitEncryptionEnabled, true);
            assert.ok(isSecretInput(g.authToken), "the auth token is a secret input");
            assert.match(unwrap<string>(g.authToken), /^pw-test-data-redis-auth-token-/);
            assert.strictEqual(g.atRestEncryptionEnabled, true);
            assert.strictEqual(g.kmsKeyId, "arn:aws:kms:eu-west-1:123456789012:key/test-data-key-key-id");
            assert.strictEqual(g.automaticFailoverEnabled, true);
            assert.strictEqual(g.multiAzEnabled, true);
            assert.strictEqual(g.numCacheClusters, 2);
            assert.strictEqual(g.snapshotRetentionLimit, 7);
            assert.strictEqual(g.finalSnapshotIdentifier, "grownext-production-queue-final");
            assert.deepStrictEqual(g.securityGroupIds, ["test-data-redis-sg-id"]);
            assert.strictEqual(g.subnetGroupName, "test-data-redis-subnets");
            const token = recorder.one(T.password, "test-data-redis-auth-token").inputs;
            assert.strictEqual(token.special, false);
            assert.ok(token.length >= 32);
        });

        it("protects the databases, the cache and the key, and nothing that holds no data", async () => {
            await declare(cfg);
            // RDS keeps the master secrets; the data tier's own secrets are the processes' credentials
            // (databaseCredentials.ts) and the two Redis auth tokens (redisAuthToken.ts).
            const protectedTypes = [T.rds, T.redis, T.kmsKey, "aws:secretsmanager/secret:Secret"];
            const kinds = recorder.ofType("aws:secretsmanager/secret:Secret").map((s) => unwrap(s.inputs).tags["grownext.io/secret-kind"]);
            assert.deepStrictEqual([...new Set(kinds)].sort(), ["database-credentials", "redis-auth-token"]);
            assert.strictEqual(kinds.filter((k) => k === "redis-auth-token").length, 2);
            for (const r of custom()) {
                const expected = protectedTypes.includes(r.type);
                assert.strictEqual(r.protect, expected, `${r.type} ${r.name} protect`);
            }
            assert.strictEqual(recorder.ofType(T.rds).length, 2);
        });

        it("uses the given providers: AWS resources the AWS provider, Kubernetes objects the cluster's", async () => {
            await declare(cfg);
            for (const r of custom()) {
                if (r.type.startsWith("aws:")) assert.match(r.provider ?? "", /::test-aws::/, `${r.type} ${r.name}`);
                if (r.type.startsWith("kubernetes:")) assert.match(r.provider ?? "", /::test-k8s::/, `${r.type} ${r.name}`);
            }
        });

        it("gives every data ref as a secret: TLS URLs without a database password, the app database for tasks through its RDS Proxy, the direct URL to the instance", async () => {
            const tier = await declare(cfg);
            assert.deepStrictEqual(Object.keys(tier.env).sort(), [...dataEnvKeys].sort());
            for (const key of dataEnvKeys) assert.ok(await isSecret(tier.env[key]), `${key} is secret`);
            const app = await promiseOf(tier.env.appDatabaseUrl);
            assert.match(
                app,
                /^postgresql:\/\/grownext_app@test-data-postgres-app-proxy-proxy\.proxy-abc\.eu-west-1\.rds\.amazonaws\.com:5432\/app\?sslmode=require$/,
            );
            assert.strictEqual(await promiseOf(tier.env.tasksDatabaseUrl), app);
            const direct = await promiseOf(tier.env.tasksDatabaseDirectUrl);
            assert.strictEqual(
                direct,
                "postgresql://grownext_app:@test-data-postgres-app-instance.abc.eu-west-1.rds.amazonaws.com:5432/app?sslmode=require",
            );
            // Migrations bypass the proxy: the app Job's URL is the direct one.
            assert.notStrictEqual(direct, app);
            // The External Secrets Operator fills the password in from the master secret (databaseCredentials).
            assert.strictEqual(
                await promiseOf(tier.env.identityDatabaseUrl),
                "postgresql://grownext_identity:@test-data-postgres-identity-instance.abc.eu-west-1.rds.amazonaws.com:5432/identity?sslmode=require",
            );
            assert.strictEqual(new URL(direct).password, "");
            assert.match(
                await promiseOf(tier.env.redisUrl),
                /^rediss:\/\/:pw-test-data-redis-auth-token-x*@master\.test-data-redis-group\..+:6379$/,
            );
            assert.strictEqual(await promiseOf(tier.env.redisPort), "6379");
            assert.strictEqual(await promiseOf(tier.env.redisTls), "true");
            assert.strictEqual(tier.secretManagerProvider, "aws");
            assert.ok(tier.kmsKey);
        });

        it("never records a generated password outside a secret", async () => {
            await declare(cfg);
            assertNoPlaintextPasswords();
        });

        it("gates each database's processes on a migration Job with its image, command and own URL secret", async () => {
            const tier = await declare(cfg);
            const app = inputs(T.job, "test-data-migrations-app");
            const c = app.spec.template.spec.containers[0];
            assert.strictEqual(c.image, images.app);
            assert.deepStrictEqual(c.command, ["npm", "run", "prisma:migrate-deploy"]);
            assert.match(app.metadata.name, /^migrate-app-[0-9a-f]{8}$/);
            assert.deepStrictEqual(c.env.find((e: any) => e.name === "DATABASE_URL").valueFrom, {
                secretKeyRef: { name: "migrate-app-database", key: "DATABASE_URL" },
            });
            const secret = inputs(T.secret, "test-data-migrations-app-secret");
            assert.ok(isSecretInput(secret.stringData) || isSecretInput(secret.stringData.DATABASE_URL));
            assert.match(unwrap<any>(secret.stringData).DATABASE_URL, /@test-data-postgres-app-instance\..*\/app\?sslmode=require$/);
            const identity = inputs(T.job, "test-data-migrations-identity");
            assert.strictEqual(identity.spec.template.spec.containers[0].image, images.identity);
            assert.deepStrictEqual(identity.spec.template.spec.containers[0].command, ["pnpm", "db:migrate"]);
            assert.match(
                unwrap<any>(inputs(T.secret, "test-data-migrations-identity-secret").stringData).DATABASE_URL,
                /\/identity\?sslmode=require$/,
            );
            for (const job of [app, identity]) {
                assert.strictEqual(job.spec.activeDeadlineSeconds, 600);
                assert.strictEqual(job.spec.backoffLimit, 1);
                assert.strictEqual(job.spec.ttlSecondsAfterFinished, undefined, "a vanished Job would be re-created by Pulumi");
                assert.strictEqual(job.metadata.annotations?.["pulumi.com/skipAwait"], undefined, "Pulumi must await the Job");
                assert.strictEqual(job.spec.template.spec.restartPolicy, "Never");
                assertRestricted(job.spec.template.spec, 1000);
            }
            assert.strictEqual(tier.migrationGate("app"), tier.migrations.job("app"));
            assert.ok(tier.migrationGate("identity"));
        });
    });

    describe("staging", () => {
        it("keeps 7 days of backups on a single-AZ instance without deletion protection or final snapshot", async () => {
            await declare(minimalStackConfig("staging"));
            for (const db of ["app", "identity"]) {
                const i = inputs(T.rds, `test-data-postgres-${db}-instance`);
                assert.strictEqual(i.backupRetentionPeriod, 7);
                assert.strictEqual(i.multiAz, false);
                assert.strictEqual(i.deletionProtection, false);
                assert.strictEqual(i.skipFinalSnapshot, true);
                assert.strictEqual(i.finalSnapshotIdentifier, undefined);
                assert.strictEqual(i.storageEncrypted, true);
                assert.strictEqual(i.publiclyAccessible, false);
                assert.strictEqual(i.monitoringInterval, 0);
            }
            // The only roles are the Redis token rotation functions' (queue and cache).
            assert.deepStrictEqual(
                recorder
                    .ofType("aws:iam/role:Role")
                    .map((r) => r.name)
                    .sort(),
                ["test-data-cache-token-rotation-fn-role", "test-data-redis-token-rotation-fn-role"],
                "no enhanced-monitoring role when monitoring is off",
            );
        });

        it("runs one encrypted, authenticated cache node with a day of snapshots and a 7-day key deletion window", async () => {
            await declare(minimalStackConfig("staging"));
            const g = inputs(T.redis, "test-data-redis-group");
            assert.deepStrictEqual([g.numCacheClusters, g.automaticFailoverEnabled, g.multiAzEnabled], [1, false, false]);
            assert.strictEqual(g.snapshotRetentionLimit, 1);
            assert.deepStrictEqual([g.transitEncryptionEnabled, g.atRestEncryptionEnabled], [true, true]);
            assert.ok(isSecretInput(g.authToken));
            assert.strictEqual(inputs(T.kmsKey, "test-data-key-key").deletionWindowInDays, 7);
            assert.strictEqual(inputs(T.kmsKey, "test-data-key-key").enableKeyRotation, true);
        });

        it("protects nothing, so staging can be torn down", async () => {
            await declare(minimalStackConfig("staging"));
            for (const r of custom()) assert.strictEqual(r.protect, false, `${r.type} ${r.name}`);
        });

        it("takes staging overrides: a final snapshot and a longer retention when asked", async () => {
            await declare(minimalStackConfig("staging", { postgres: { skipFinalSnapshot: false, backupRetentionDays: 14 } }));
            const i = inputs(T.rds, "test-data-postgres-app-instance");
            assert.strictEqual(i.skipFinalSnapshot, false);
            assert.strictEqual(i.finalSnapshotIdentifier, "grownext-staging-app-final");
            assert.strictEqual(i.backupRetentionPeriod, 14);
        });
    });

    describe("local", () => {
        let cfg: PlatformConfig;
        before(() => {
            cfg = minimalStackConfig("local");
        });

        it("declares no AWS resource at all", async () => {
            const tier = await declare(cfg);
            assert.deepStrictEqual(
                recorder.types().filter((t) => t.startsWith("aws:") || t === "pulumi:providers:aws"),
                [],
            );
            assert.strictEqual(tier.kmsKey, undefined);
            assert.strictEqual(tier.secretManagerProvider, undefined);
        });

        it("runs each database as its own Postgres 16 StatefulSet with a claim, a headless Service and a Secret", async () => {
            await declare(cfg);
            for (const db of ["app", "identity"]) {
                const name = `test-data-postgres-${db}`;
                const sts = inputs(T.sts, `${name}-statefulset`);
                assert.strictEqual(sts.metadata.name, name);
                assert.strictEqual(sts.spec.serviceName, name);
                assert.strictEqual(sts.spec.replicas, 1);
                const labels = sts.spec.template.metadata.labels;
                assert.strictEqual(labels["app.kubernetes.io/part-of"], "grownext");
                assert.strictEqual(labels["app.kubernetes.io/component"], "database");
                assert.strictEqual(labels["grownext.io/process"], undefined, "a data store is not a product process");
                const c = sts.spec.template.spec.containers[0];
                assert.strictEqual(c.image, "postgres:16.6-alpine");
                assert.deepStrictEqual(c.env.find((e: any) => e.name === "POSTGRES_PASSWORD").valueFrom, {
                    secretKeyRef: { name, key: "POSTGRES_PASSWORD" },
                });
                assert.strictEqual(c.env.find((e: any) => e.name === "POSTGRES_DB").value, db);
                assert.strictEqual(c.readinessProbe.exec.command[0], "pg_isready");
                assert.strictEqual(c.livenessProbe.exec.command[0], "pg_isready");
                assert.ok(c.resources.requests && c.resources.limits);
                assertRestricted(sts.spec.template.spec, 70);
                assert.deepStrictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests, { storage: "2Gi" });
                const svc = inputs(T.service, `${name}-service`);
                assert.strictEqual(svc.spec.clusterIP, "None");
                assert.strictEqual(svc.spec.ports[0].port, 5432);
                const secret = inputs(T.secret, `${name}-secret`);
                assert.ok(isSecretInput(secret.stringData) || isSecretInput(secret.stringData.POSTGRES_PASSWORD));
            }
        });

        it("runs Redis with noeviction, a memory ceiling, the password from the Secret, AOF on a claim and authenticated pings", async () => {
            await declare(minimalStackConfig("local", { redis: { maxmemory: "128mb" } }));
            const sts = inputs(T.sts, "test-data-redis-statefulset");
            const c = sts.spec.template.spec.containers[0];
            assert.match(c.image, /^redis:7\.\d+\.\d+-alpine$/);
            const args: string[] = c.args;
            assert.strictEqual(args[args.indexOf("--maxmemory-policy") + 1], "noeviction");
            assert.strictEqual(args[args.indexOf("--maxmemory") + 1], "128mb");
            assert.strictEqual(args[args.indexOf("--requirepass") + 1], "$(REDIS_PASSWORD)");
            assert.strictEqual(args[args.indexOf("--appendonly") + 1], "yes");
            const fromSecret = { secretKeyRef: { name: "test-data-redis", key: "REDIS_PASSWORD" } };
            assert.deepStrictEqual(c.env, [
                { name: "REDIS_PASSWORD", valueFrom: fromSecret },
                { name: "REDISCLI_AUTH", valueFrom: fromSecret },
            ]);
            assert.match(c.readinessProbe.exec.command.join(" "), /redis-cli .*ping/);
            assert.match(c.livenessProbe.exec.command.join(" "), /redis-cli .*ping/);
            assert.strictEqual(sts.spec.template.metadata.labels["app.kubernetes.io/component"], "cache");
            assert.deepStrictEqual(c.volumeMounts, [{ name: "data", mountPath: "/data" }]);
            assertRestricted(sts.spec.template.spec, 999);
        });

        it("gives the same secret env keys, pointing at the in-cluster Services", async () => {
            const tier = await declare(cfg);
            assert.deepStrictEqual(Object.keys(tier.env).sort(), [...dataEnvKeys].sort());
            for (const key of dataEnvKeys) assert.ok(await isSecret(tier.env[key]), `${key} is secret`);
            assert.match(
                await promiseOf(tier.env.appDatabaseUrl),
                /^postgresql:\/\/grownext_app:pw-[^@]+@test-data-postgres-app\.grownext\.svc\.cluster\.local:5432\/app\?sslmode=disable$/,
            );
            assert.match(await promiseOf(tier.env.redisUrl), /^redis:\/\/:pw-[^@]+@test-data-redis\.grownext\.svc\.cluster\.local:6379$/);
            assert.strictEqual(await promiseOf(tier.env.redisHost), "test-data-redis.grownext.svc.cluster.local");
            assert.strictEqual(await promiseOf(tier.env.redisTls), "false");
        });

        it("never records a generated password outside a secret", async () => {
            await declare(cfg);
            assertNoPlaintextPasswords();
        });

        it("runs the migrations after the in-cluster database is up", async () => {
            await declare(cfg);
            const job = recorder.one(T.job, "test-data-migrations-app");
            const sts = recorder.one(T.sts, "test-data-postgres-app-statefulset");
            assert.ok(job.dependencies?.includes(sts.urn!), "the app migration waits for the app StatefulSet");
        });
    });
});

function assertRestricted(podSpec: any, uid: number): void {
    assert.deepStrictEqual(podSpec.securityContext.runAsNonRoot, true);
    assert.strictEqual(podSpec.securityContext.runAsUser, uid);
    assert.deepStrictEqual(podSpec.securityContext.seccompProfile, { type: "RuntimeDefault" });
    assert.strictEqual(podSpec.automountServiceAccountToken, false);
    for (const c of podSpec.containers) {
        assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
        assert.strictEqual(c.securityContext.runAsNonRoot, true);
    }
}

export type { RecordedResource };
