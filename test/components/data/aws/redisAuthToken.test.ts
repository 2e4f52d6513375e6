/**
 * The Redis auth tokens that rotate by themselves (components/data/aws/redisAuthToken.ts, redisAws.ts):
 * the inputs of every resource the component declares under mocks, the group left to the rotation,
 * and the production graph: both Redis secrets exist and rotate, no process's own secret holds a
 * Redis token, each process's ExternalSecret maps the same keys as its env, the tokens borrowed.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type * as awsTypes from "@pulumi/aws";
import { envMatrix } from "../../../../catalog/envMatrix";
import { dataProtectionDefaults, rotationDefaults, rotationFloors } from "../../../../catalog/guardrails";
import { labelKeys, redisAuthTokenKind, secretKindTag } from "../../../../catalog/labels";
import { findProcess, processCatalog } from "../../../../catalog/processes";
import type { RedisAuthToken as RedisAuthTokenType } from "../../../../components/data/aws/redisAuthToken";
import { redisRotationActions, redisRotationFunctionName, redisTokenSecretName } from "../../../../components/data/aws/redisAuthToken";
import { rotationCode } from "../../../../components/data/aws/rotationFunction";
import { parseRedisAuthToken } from "../../../../rotation/redisAuthToken";
import { evaluateStack } from "../../../../sandbox/evaluate";
import { installMocks, isSecretInput, recorder, settle, unwrap, type RecordedResource } from "../../../../sandbox/mocks";
import { awsNetwork } from "../../../fixtures/minimalStacks";

const T = {
    secret: "aws:secretsmanager/secret:Secret",
    version: "aws:secretsmanager/secretVersion:SecretVersion",
    rotation: "aws:secretsmanager/secretRotation:SecretRotation",
    fn: "aws:lambda/function:Function",
    policy: "aws:iam/rolePolicy:RolePolicy",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    group: "aws:elasticache/replicationGroup:ReplicationGroup",
    external: "kubernetes:external-secrets.io/v1:ExternalSecret",
};
const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/stack";
const groupArn = "arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:grownext-production-queue";

describe("RedisAuthToken (components/data/aws/redisAuthToken.ts)", () => {
    let RedisAuthToken: typeof RedisAuthTokenType;
    let aws: typeof awsTypes;

    before(async () => {
        installMocks();
        ({ RedisAuthToken } = await import("../../../../components/data/aws/redisAuthToken"));
        aws = await import("@pulumi/aws");
    });
    beforeEach(() => recorder.reset());

    const token = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6";
    async function declare(environment: "staging" | "production" = "production", extra: { rotationDays?: number } = {}) {
        const t = new RedisAuthToken(
            "q",
            {
                environment,
                project: "grownext",
                stack: environment,
                role: "queue",
                network: awsNetwork,
                kmsKeyArn: keyArn,
                replicationGroup: {
                    id: "grownext-production-queue",
                    arn: groupArn,
                    host: "master.q.abc.euw1.cache.amazonaws.com",
                    port: 6379,
                    securityGroupId: "sg-redis",
                },
                initialToken: pulumi.secret(token),
                rotationDays: extra.rotationDays ?? rotationDefaults.redisRotationDays,
            },
            { providers: [new aws.Provider("q-aws", { region: "eu-west-1" })] },
        );
        await settle();
        return t;
    }

    it("keeps the token in grownext/<stack>/redis-<role> under the stack key, tagged by kind and role, protected in production", async () => {
        await declare();
        const s = recorder.one(T.secret, "q-secret");
        assert.strictEqual(s.inputs.name, redisTokenSecretName("grownext", "production", "queue"));
        assert.strictEqual(s.inputs.name, "grownext/production/redis-queue");
        assert.strictEqual(s.inputs.kmsKeyId, keyArn);
        assert.deepStrictEqual(s.inputs.tags, { [labelKeys.redisRole]: "queue", [secretKindTag]: redisAuthTokenKind });
        assert.strictEqual(redisAuthTokenKind, "redis-auth-token");
        assert.strictEqual(s.inputs.recoveryWindowInDays, dataProtectionDefaults.production.secretRecoveryWindowDays);
        assert.strictEqual(s.protect, true);
        recorder.reset();
        await declare("staging");
        assert.strictEqual(recorder.one(T.secret, "q-secret").protect, false);
    });

    it("writes the current token once, as the JSON the rotation function reads, and never writes it back", async () => {
        await declare();
        const v = recorder.one(T.version, "q-initial");
        assert.ok(isSecretInput(v.inputs.secretString), "the version's string is a secret");
        assert.deepStrictEqual(parseRedisAuthToken(unwrap<string>(v.inputs.secretString)), {
            replicationGroupId: "grownext-production-queue",
            host: "master.q.abc.euw1.cache.amazonaws.com",
            port: 6379,
            password: token,
        });
        assert.deepStrictEqual(v.ignoreChanges?.sort(), ["secretString", "versionStages"]);
        assert.strictEqual(v.protect, false);
    });

    it("deploys rotation/redisAuthToken.ts in the private subnets, reaching only the group's port and HTTPS", async () => {
        await declare();
        const fn = recorder.one(T.fn, "q-rotation-fn-function");
        assert.strictEqual(fn.inputs.name, redisRotationFunctionName("grownext", "production", "queue"));
        assert.strictEqual(fn.inputs.name, "grownext-production-redis-queue-rotation");
        assert.strictEqual(fn.inputs.handler, "redisAuthToken.handler");
        // The code is the strategy and the protocol, nothing else of the repository.
        assert.deepStrictEqual(Object.keys(rotationCode("redisAuthToken.ts")), ["protocol.js", "redisAuthToken.js"]);
        assert.deepStrictEqual(unwrap(fn.inputs.vpcConfig).subnetIds, awsNetwork.privateSubnetIds);
        const egress = recorder
            .ofType(T.egress)
            .map((r) => unwrap(r.inputs))
            .map((r) => [r.referencedSecurityGroupId ?? r.cidrIpv4, r.fromPort, r.toPort]);
        assert.deepStrictEqual(egress, [
            ["sg-redis", 6379, 6379],
            ["0.0.0.0/0", 443, 443],
        ]);
        // The group admits the function on its port, from the function's own group only.
        const ingress = recorder.one(T.ingress, "q-rotation-into-redis").inputs;
        assert.deepStrictEqual(
            [ingress.securityGroupId, ingress.referencedSecurityGroupId, ingress.fromPort, ingress.toPort],
            ["sg-redis", "q-rotation-fn-sg-id", 6379, 6379],
        );
    });

    it("lets the function rotate this secret and describe and modify this group only", async () => {
        await declare();
        const policy = JSON.parse(unwrap<string>(recorder.one(T.policy, "q-rotation-fn-policy").inputs.policy)) as {
            Statement: Array<{ Sid: string; Action: string[]; Resource: unknown }>;
        };
        const group = policy.Statement.find((s) => s.Sid === "RotateThisGroupsToken");
        assert.deepStrictEqual(group?.Action, [...redisRotationActions]);
        assert.deepStrictEqual(group?.Action, ["elasticache:DescribeReplicationGroups", "elasticache:ModifyReplicationGroup"]);
        assert.strictEqual(group?.Resource, groupArn);
        const secrets = policy.Statement.find((s) => s.Sid === "RotateTheseSecrets");
        assert.deepStrictEqual(secrets?.Resource, [
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:grownext/production/redis-queue-AbCdEf",
        ]);
        // Only the network interfaces Lambda needs in a VPC take "*" (EC2 accepts nothing narrower).
        assert.deepStrictEqual(
            policy.Statement.filter((s) => s.Resource === "*").map((s) => s.Sid),
            ["VpcNetworkInterfaces"],
        );
    });

    it("rotates every rotation.redisRotationDays, not at creation, after the first version and the ingress rule", async () => {
        await declare("production", { rotationDays: 14 });
        const r = recorder.one(T.rotation, "q-rotation");
        assert.deepStrictEqual(unwrap(r.inputs.rotationRules), { automaticallyAfterDays: 14 });
        assert.strictEqual(r.inputs.rotateImmediately, false);
        assert.match(unwrap<string>(r.inputs.rotationLambdaArn), /^arn:aws:lambda:/);
        const version = recorder.one(T.version, "q-initial");
        const ingress = recorder.one(T.ingress, "q-rotation-into-redis");
        for (const dep of [version, ingress]) assert.ok(r.dependencies?.includes(dep.urn!), `the rotation waits for ${dep.name}`);
    });

    it("refuses a rotation period that is not a positive integer, naming the key", () => {
        assert.throws(
            () =>
                new RedisAuthToken("bad", {
                    environment: "production",
                    project: "grownext",
                    stack: "production",
                    role: "cache",
                    network: awsNetwork,
                    kmsKeyArn: keyArn,
                    replicationGroup: { id: "g", arn: groupArn, host: "h", port: 6379, securityGroupId: "sg" },
                    initialToken: token,
                    rotationDays: 0,
                }),
            /rotation\.redisRotationDays must be a positive integer, got 0/,
        );
    });
});

describe("Redis auth tokens on the production graph", () => {
    let resources: RecordedResource[];
    let local: RecordedResource[];
    before(async () => {
        installMocks();
        resources = await evaluateStack("production");
        local = await evaluateStack("local");
    });
    const named = (rs: RecordedResource[], type: string, name: string) => rs.filter((r) => r.type === type && r.name === name);

    it("has both Redis secrets, each rotating on the default schedule through its own function", () => {
        for (const role of ["queue", "cache"] as const) {
            const component = role === "queue" ? "redis" : "cache";
            const [secret] = named(resources, T.secret, `grownext-data-${component}-token-secret`);
            assert.ok(secret, `${role} secret`);
            assert.strictEqual(unwrap(secret.inputs).name, `grownext/production/redis-${role}`);
            assert.strictEqual(unwrap(secret.inputs).tags[secretKindTag], redisAuthTokenKind);
            assert.strictEqual(secret.protect, true);
            const [rotation] = named(resources, T.rotation, `grownext-data-${component}-token-rotation`);
            assert.ok(rotation, `${role} rotation`);
            assert.strictEqual(unwrap(rotation.inputs).rotationRules.automaticallyAfterDays, rotationDefaults.redisRotationDays);
            assert.ok(rotationDefaults.redisRotationDays <= rotationFloors.maxRotationDays);
            const [group] = named(resources, T.group, `grownext-data-${component}-group`);
            assert.ok(group?.ignoreChanges?.includes("authToken"), `${role}: pulumi up never sets the token back`);
            assert.ok(group);
            assert.strictEqual(unwrap(group.inputs).authTokenUpdateStrategy, "ROTATE");
        }
    });

    it("keeps every Redis token out of the processes' own secrets", () => {
        const initial = resources
            .filter((r) => r.type === T.version && /-token-initial$/.test(r.name))
            .map((r) => parseRedisAuthToken(unwrap<string>(r.inputs.secretString)).password);
        assert.strictEqual(initial.length, 2);
        for (const v of resources.filter((r) => r.type === T.version && r.name.startsWith("grownext-secrets-"))) {
            const stored = unwrap<string>(v.inputs.secretString);
            for (const t of initial) assert.ok(!stored.includes(t), `${v.name} holds no Redis token`);
            const keys = Object.keys(JSON.parse(stored) as object);
            for (const k of ["QUEUE_REDIS_PASSWORD", "REDIS_URL__password", "CACHE_REDIS_URL__password"])
                assert.ok(!keys.includes(k), `${v.name} holds no ${k}`);
        }
    });

    it("maps exactly the env's secret keys in each process's ExternalSecret, the tokens read from the Redis secrets", () => {
        const queueKeys = new Set(envMatrix.filter((r) => r.group === "queue" && r.secret).map((r) => r.name));
        let borrowing = 0;
        for (const process of processCatalog) {
            const [es] = resources.filter((r) => r.type === T.external && unwrap(r.inputs.metadata).name === process.name);
            if (!es) continue;
            const spec = unwrap(es.inputs.spec);
            const env = resources
                .find((r) => r.type === "kubernetes:apps/v1:Deployment" && unwrap(r.inputs.metadata).name === process.name)!
                .inputs.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom?.secretKeyRef)
                .map((e: any) => e.name)
                .sort();
            assert.deepStrictEqual(Object.keys(spec.target.template.data).sort(), env, process.name);
            const refs = Object.fromEntries(
                (spec.data as Array<{ secretKey: string; remoteRef: unknown }>).map((d) => [d.secretKey, d.remoteRef]),
            );
            const groups = findProcess(process.name)!.envGroups;
            if (groups.includes("queue")) {
                assert.ok(
                    [...queueKeys].every((k) => env.includes(k)),
                    `${process.name} has every queue key`,
                );
                assert.deepStrictEqual(refs.QUEUE_REDIS_PASSWORD, { key: "grownext/production/redis-queue", property: "password" });
                assert.deepStrictEqual(refs.REDIS_URL__password, { key: "grownext/production/redis-queue", property: "password" });
                // The empty user, like the scheme, host and path, is a literal of the template.
                assert.strictEqual(refs.REDIS_URL__username, undefined);
                assert.match(spec.target.template.data.REDIS_URL, /^rediss:\/\/:\{\{ \.REDIS_URL__password \| urlquery \}\}@/);
                borrowing++;
            }
            if (groups.includes("cache")) {
                assert.deepStrictEqual(refs.CACHE_REDIS_URL__password, { key: "grownext/production/redis-cache", property: "password" });
                borrowing++;
            }
            if (groups.includes("queue") || groups.includes("cache"))
                assert.strictEqual(spec.refreshInterval, rotationDefaults.credentialsRefreshInterval, process.name);
        }
        assert.ok(borrowing >= 3, `processes reading a Redis token: ${borrowing}`);
    });

    it("lets exactly the processes that read a token read its secret", () => {
        for (const process of processCatalog) {
            const [policy] = resources.filter((r) => r.type === T.policy && r.name === `grownext-secrets-${process.name}-policy`);
            if (!policy) continue;
            const doc = JSON.parse(unwrap<string>(policy.inputs.policy)) as { Statement: Array<{ Sid: string; Resource: unknown }> };
            const shared = ([doc.Statement.find((s) => s.Sid === "ReadSharedSecrets")?.Resource ?? []].flat() as string[]).join(" ");
            const groups = findProcess(process.name)!.envGroups;
            assert.strictEqual(
                shared.includes("secret:grownext/production/redis-queue-"),
                groups.includes("queue"),
                `${process.name} queue`,
            );
            assert.strictEqual(
                shared.includes("secret:grownext/production/redis-cache-"),
                groups.includes("cache"),
                `${process.name} cache`,
            );
        }
    });

    it("leaves the local stack without any of it: no secret, function or rotation", () => {
        assert.deepStrictEqual(
            local.filter((r) => /token-(secret|initial|rotation)/.test(r.name) || r.type === T.fn),
            [],
        );
    });
});
