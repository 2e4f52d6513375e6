/**
 * RDS Proxy in front of the app database (components/data/aws/postgresProxy.ts): the inputs of what it declares
 * (TLS required, its own cluster-only security group, the private subnets, the instance's RDS-managed
 * master secret and the role that may read it), where the data tier puts it (production by default, staging on request,
 * in front of a restore when one serves), and the URL split each process sees: pooled URLs through the
 * proxy carrying the process's pool size, the direct URL straight to the instance without one.
 */
import * as assert from "assert";
import type * as awsTypes from "@pulumi/aws";
import type * as k8sTypes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { processCatalog } from "../../../../catalog/processes";
import { pooledEnv, withConnectionLimit } from "../../../../wiring/dataContract";
import type { DataTier as DataTierType } from "../../../../components/data/dataTier";
import type { PostgresProxy as PostgresProxyType } from "../../../../components/data/aws/postgresProxy";
import { postgresProxyProblems, proxySecretPolicy, viaProxy } from "../../../../components/data/aws/postgresProxy";
import { urlPartProperty } from "../../../../components/data/aws/externalSecrets";
import { poolSizeFor } from "../../../../config/connectionBudget";
import { rdsProxyByEnvironment } from "../../../../config/defaults";
import type { PlatformConfig } from "../../../../config/load";
import { evaluateStack } from "../../../../sandbox/evaluate";
import { installMocks, isSecret, promiseOf, recorder, settle, unwrap } from "../../../../sandbox/mocks";
import { awsNetwork, clusterSg, minimalStackConfig } from "../../../fixtures/minimalStacks";

const T = {
    proxy: "aws:rds/proxy:Proxy",
    targetGroup: "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
    target: "aws:rds/proxyTarget:ProxyTarget",
    secret: "aws:secretsmanager/secret:Secret",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    k8sSecret: "kubernetes:core/v1:Secret",
};
const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/stack";
const direct = "postgresql://grownext_app@db-1.abc.eu-west-1.rds.amazonaws.com:5432/app?sslmode=require";
/** The master secret RDS keeps for the target instance (`manageMasterUserPassword`). */
const masterSecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1-AbCdEf";
/** The processes' own credentials secrets (databaseCredentials.ts): what the proxy logs in with. */
const userSecretArns = [
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:grownext/production/web/db-app-AbCdEf",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:grownext/production/worker/db-app-AbCdEf",
];

describe("PostgresProxy (components/data/aws/postgresProxy.ts)", () => {
    let PostgresProxy: typeof PostgresProxyType;
    let DataTier: typeof DataTierType;
    let k8s: typeof k8sTypes;
    let aws: typeof awsTypes;

    before(async () => {
        installMocks();
        ({ PostgresProxy } = await import("../../../../components/data/aws/postgresProxy"));
        ({ DataTier } = await import("../../../../components/data/dataTier"));
        k8s = await import("@pulumi/kubernetes");
        aws = await import("@pulumi/aws");
    });
    beforeEach(() => recorder.reset());

    const settings = {
        ...rdsProxyByEnvironment.production,
        maxConnectionsPercent: 80,
        maxIdleConnectionsPercent: 40,
        connectionBorrowTimeoutSeconds: 60,
        idleClientTimeoutSeconds: 900,
    };
    const target = { instanceIdentifier: "db-1", securityGroupId: "sg-db", directUrl: pulumi.secret(direct) };
    const inputs = (type: string) => {
        const found = recorder.ofType(type);
        assert.strictEqual(found.length, 1, `one ${type}, got ${found.length}`);
        return unwrap(found[0]!.inputs);
    };

    async function declare() {
        const proxy = new PostgresProxy("pg-proxy", {
            database: "app",
            settings,
            network: awsNetwork,
            target,
            userSecretArns,
            kmsKeyArn: keyArn,
        });
        await settle();
        return proxy;
    }

    it("requires TLS, logs in with each process's credentials secret and no IAM auth, in the private subnets and its own security group", async () => {
        await declare();
        const p = inputs(T.proxy);
        assert.strictEqual(p.requireTls, true);
        assert.strictEqual(p.engineFamily, "POSTGRESQL");
        assert.strictEqual(p.debugLogging, false);
        assert.strictEqual(p.idleClientTimeout, 900);
        assert.deepStrictEqual(p.vpcSubnetIds, awsNetwork.privateSubnetIds);
        assert.deepStrictEqual(p.vpcSecurityGroupIds, ["pg-proxy-sg-id"]);
        assert.strictEqual(p.roleArn, "arn:aws:iam::123456789012:role/pg-proxy-role");
        assert.deepStrictEqual(
            p.auths,
            userSecretArns.map((secretArn) => ({
                authScheme: "SECRETS",
                secretArn,
                iamAuth: "DISABLED",
                clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
                description: "A process's own role in the app database",
            })),
        );
        assert.ok(!JSON.stringify(p.auths).includes(masterSecretArn), "nothing logs in as the master user through the proxy");
        assert.strictEqual(p.region, "eu-west-1");
    });

    it("admits 5432 only from the cluster, reaches only its instance, and opens the instance to itself alone", async () => {
        await declare();
        const sg = inputs(T.sg);
        assert.strictEqual(sg.vpcId, awsNetwork.vpcId);
        assert.strictEqual(sg.ingress, undefined);
        assert.strictEqual(sg.egress, undefined);
        const rules = recorder
            .ofType(T.ingress)
            .map((r) => unwrap(r.inputs))
            .map((r) => [r.securityGroupId, r.referencedSecurityGroupId, r.fromPort, r.toPort, r.cidrIpv4])
            .sort();
        assert.deepStrictEqual(rules, [
            ["pg-proxy-sg-id", clusterSg, 5432, 5432, undefined],
            ["sg-db", "pg-proxy-sg-id", 5432, 5432, undefined],
        ]);
        const out = inputs(T.egress);
        assert.deepStrictEqual(
            [out.securityGroupId, out.referencedSecurityGroupId, out.ipProtocol, out.fromPort, out.toPort, out.cidrIpv4],
            ["pg-proxy-sg-id", "sg-db", "tcp", 5432, 5432, undefined],
        );
    });

    it("reads the processes' credentials secrets, creating no secret of its own, through a role that may read only them and decrypt only through Secrets Manager", async () => {
        const proxy = await declare();
        assert.strictEqual(recorder.ofType(T.secret).length, 0, "no copy of the credentials");
        assert.strictEqual(recorder.ofType(T.secretVersion).length, 0);
        assert.deepStrictEqual(await promiseOf(proxy.credentialsSecretArns), userSecretArns);
        const trust = JSON.parse(inputs(T.role).assumeRolePolicy);
        assert.deepStrictEqual(trust.Statement, [
            { Effect: "Allow", Principal: { Service: "rds.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
        const policy = JSON.parse(inputs(T.rolePolicy).policy);
        assert.deepStrictEqual(policy.Statement[0].Resource, userSecretArns);
        assert.deepStrictEqual(policy.Statement[0].Action, ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
        assert.deepStrictEqual(policy.Statement[1], {
            Sid: "DecryptThroughSecretsManager",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
        });
        assert.deepStrictEqual(policy, proxySecretPolicy({ secretArns: userSecretArns, keyArn, region: "eu-west-1" }));
        // The proxy waits for its role's permission: without it, its first login would fail.
        const rolePolicy = recorder.one(T.rolePolicy, "pg-proxy-secret-access");
        assert.ok(recorder.one(T.proxy, "pg-proxy").dependencies?.includes(rolePolicy.urn!));
    });

    it("registers the instance in the default target group with the configured pool shares", async () => {
        await declare();
        const tg = inputs(T.targetGroup);
        assert.strictEqual(tg.dbProxyName, "pg-proxy-proxy");
        assert.deepStrictEqual(tg.connectionPoolConfig, {
            maxConnectionsPercent: 80,
            maxIdleConnectionsPercent: 40,
            connectionBorrowTimeout: 60,
        });
        const t = inputs(T.target);
        assert.deepStrictEqual([t.dbProxyName, t.dbInstanceIdentifier, t.targetGroupName], ["pg-proxy-proxy", "db-1", "default"]);
    });

    it("hands out the proxy's endpoint as the URL and the instance's as the direct URL, both secret", async () => {
        const proxy = await declare();
        assert.ok(await isSecret(proxy.url));
        assert.strictEqual(
            await promiseOf(proxy.url),
            "postgresql://grownext_app@pg-proxy-proxy.proxy-abc.eu-west-1.rds.amazonaws.com:5432/app?sslmode=require",
        );
        assert.strictEqual(await promiseOf(proxy.directUrl), direct);
        assert.strictEqual(
            viaProxy("postgresql://u:a%2Fb@h:5432/d?sslmode=require", "p"),
            "postgresql://u:a%2Fb@p:5432/d?sslmode=require",
            "credentials stay encoded",
        );
    });

    it("refuses one subnet, an idle share above the whole, or no login at all, naming the keys", () => {
        const problems = postgresProxyProblems({
            settings: { ...settings, maxIdleConnectionsPercent: 90 },
            network: { ...awsNetwork, privateSubnetIds: ["subnet-0a1b2c3d4e5f60718"] },
            userSecretArns: [],
        });
        assert.strictEqual(problems.length, 3, problems.join("\n"));
        assert.match(problems[0]!, /the proxy needs at least one process credentials secret/);
        assert.match(problems[1]!, /data\.aws\.privateSubnetIds/);
        assert.match(problems[2]!, /data\.postgres\.proxy\.maxIdleConnectionsPercent \(90\) must be at most maxConnectionsPercent \(80\)/);
        assert.deepStrictEqual(postgresProxyProblems({ settings, network: awsNetwork, userSecretArns }), []);
    });

    describe("in the data tier", () => {
        async function tier(cfg: PlatformConfig): Promise<DataTierType> {
            const kubernetesProvider = new k8s.Provider("test-k8s", {});
            const awsProvider = new aws.Provider("test-aws", { region: "eu-west-1" });
            const t = new DataTier("test-data", { config: cfg, namespace: "grownext" }, { providers: [kubernetesProvider, awsProvider] });
            await settle();
            return t;
        }

        it("puts a proxy in front of production's app database only", async () => {
            await tier(minimalStackConfig("production"));
            assert.strictEqual(recorder.ofType(T.proxy).length, 1);
            assert.strictEqual(recorder.one(T.proxy, "test-data-postgres-app-proxy").inputs.tags["grownext.io/database"], "app");
            assert.strictEqual(inputs(T.target).dbInstanceIdentifier, "test-data-postgres-app-instance-abc123");
        });

        it("runs none on staging by default, where the URL is the direct one, and one when asked", async () => {
            const plain = await tier(minimalStackConfig("staging"));
            assert.strictEqual(recorder.ofType(T.proxy).length, 0);
            assert.strictEqual(await promiseOf(plain.env.appDatabaseUrl), await promiseOf(plain.env.tasksDatabaseDirectUrl));
            recorder.reset();
            const proxied = await tier(minimalStackConfig("staging", { postgres: { proxy: { enabled: true } } }));
            assert.strictEqual(recorder.ofType(T.proxy).length, 1);
            assert.match(await promiseOf(proxied.env.appDatabaseUrl), /@test-data-postgres-app-proxy-proxy\.proxy-abc\./);
            assert.match(await promiseOf(proxied.env.tasksDatabaseDirectUrl), /@test-data-postgres-app-instance\.abc\./);
            const logins = (inputs(T.proxy).auths as Array<{ secretArn: string }>).map((a) => a.secretArn);
            assert.ok(
                logins.length > 0 && logins.every((arn) => /:secret:grownext\/staging\/[a-z-]+\/db-app/.test(arn)),
                logins.join(", "),
            );
        });

        it("targets a point-in-time restore when one serves in place of the app database", async () => {
            await tier(minimalStackConfig("production", { restore: { app: { restoreTime: "2026-11-30T10:42:00Z" } } }));
            const identifier = inputs(T.target).dbInstanceIdentifier;
            const restore = recorder.ofType("aws:rds/instance:Instance").find((r) => r.name.includes("restore"));
            assert.ok(restore, "the restore instance is declared");
            assert.strictEqual(identifier, unwrap(restore.inputs).identifier);
            // The processes log in with their own credentials, whichever instance serves; no master secret, the restore's or the source's.
            const logins = (inputs(T.proxy).auths as Array<{ secretArn: string }>).map((a) => a.secretArn);
            assert.ok(
                logins.length > 0 && logins.every((arn) => /:secret:grownext\/production\/[a-z-]+\/db-app/.test(arn)),
                logins.join(", "),
            );
            // The proxy's role (the Redis token rotation functions have roles of their own).
            const proxyPolicy = recorder.ofType(T.rolePolicy).filter((r) => r.name.includes("proxy"));
            assert.strictEqual(proxyPolicy.length, 1);
            assert.deepStrictEqual(JSON.parse(unwrap(proxyPolicy[0]!.inputs).policy).Statement[0].Resource, logins);
        });
    });
});

describe("pooled URLs carry each process's pool size (connection_limit)", () => {
    before(() => installMocks());

    it("sets connection_limit on the pooled refs only, keeping them secret", async () => {
        assert.strictEqual(withConnectionLimit(direct, 7), `${direct}&connection_limit=7`);
        assert.strictEqual(
            withConnectionLimit(`${direct}&connection_limit=3`, 7),
            `${direct}&connection_limit=7`,
            "replaces, never repeats",
        );
        assert.throws(() => withConnectionLimit(direct, 0), /positive integer/);
        const env = {
            appDatabaseUrl: pulumi.secret(direct),
            tasksDatabaseUrl: pulumi.secret(direct),
            tasksDatabaseDirectUrl: pulumi.secret(direct),
            redisUrl: pulumi.secret("rediss://:t@h:6379"),
        };
        const out = pooledEnv(env, 4);
        assert.strictEqual(await promiseOf(out.appDatabaseUrl), `${direct}&connection_limit=4`);
        assert.strictEqual(await promiseOf(out.tasksDatabaseUrl), `${direct}&connection_limit=4`);
        assert.strictEqual(await promiseOf(out.tasksDatabaseDirectUrl), direct);
        assert.strictEqual(await promiseOf(out.redisUrl), "rediss://:t@h:6379");
        for (const v of Object.values(out)) assert.ok(await isSecret(v));
    });

    it("production: each process's ExternalSecret template holds its pooled URLs through the proxy with its own pool, and the direct URL to the instance", async () => {
        const resources = await evaluateStack("production", { services: { worker: { replicas: 2, databasePoolSize: 7 } } });
        const cfg = { environment: "production" as const, services: { worker: { databasePoolSize: 7 } } };
        const checked: string[] = [];
        const urls: Record<string, Record<string, string | undefined>> = {};
        for (const spec of processCatalog) {
            // On AWS stacks a database URL's scheme, host and path are literals of its ExternalSecret's template, which
            // joins them with the credentials secret's user and password (docs/secret-rotation.md).
            const es = resources.find(
                (r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret" && r.inputs.metadata.name === spec.name,
            );
            const templates = es ? (unwrap(es.inputs.spec).target.template.data as Record<string, string>) : {};
            const data: Record<string, string | undefined> = {};
            for (const key of ["DATABASE_URL", "TASKS_DATABASE_URL", "TASKS_DATABASE_DIRECT_URL"]) {
                const template = templates[key];
                if (template !== undefined)
                    data[key] = template
                        .replace(`{{ .${urlPartProperty(key, "username")} | urlquery }}`, "user")
                        .replace(`{{ .${urlPartProperty(key, "password")} | urlquery }}`, "pass");
            }
            urls[spec.name] = data;
            const pool = poolSizeFor(cfg as unknown as Parameters<typeof poolSizeFor>[0], spec);
            for (const name of ["DATABASE_URL", "TASKS_DATABASE_URL"]) {
                const url = data[name];
                if (url === undefined) continue;
                const u = new URL(url);
                assert.strictEqual(u.searchParams.get("connection_limit"), String(pool), `${spec.name} ${name}`);
                if (u.pathname === "/app") assert.match(u.hostname, /\.proxy-abc\./, `${spec.name} ${name} goes through the proxy`);
                else assert.match(u.hostname, /identity-instance/, `${spec.name} ${name}: the identity database stays direct`);
                checked.push(`${spec.name} ${name}`);
            }
            const directUrl = data.TASKS_DATABASE_DIRECT_URL;
            if (directUrl !== undefined) {
                const u = new URL(directUrl);
                assert.strictEqual(u.searchParams.get("connection_limit"), null, `${spec.name}: migrations' URL carries no pool`);
                assert.match(u.hostname, /app-instance\.abc\./, `${spec.name}: the direct URL reaches the instance`);
                checked.push(`${spec.name} TASKS_DATABASE_DIRECT_URL`);
            }
        }
        assert.deepStrictEqual(checked.sort(), [
            "encryption-rotation DATABASE_URL",
            "identity DATABASE_URL",
            "identity TASKS_DATABASE_DIRECT_URL",
            "identity TASKS_DATABASE_URL",
            "scheduler DATABASE_URL",
            "timers DATABASE_URL",
            "web DATABASE_URL",
            "worker DATABASE_URL",
            "worker TASKS_DATABASE_DIRECT_URL",
            "worker TASKS_DATABASE_URL",
        ]);
        assert.match(urls.worker!.DATABASE_URL!, /connection_limit=7$/, "the worker's configured pool");
        assert.match(urls.web!.DATABASE_URL!, /connection_limit=10$/, "web's default HTTP pool");
    });
});
