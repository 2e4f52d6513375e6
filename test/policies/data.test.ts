import { strict as assert } from "assert";
import { elasticacheEncryptionAndAuth } from "../../policies/data/elasticache-encryption-and-auth";
import { kmsKeyRotation } from "../../policies/data/kms-key-rotation";
import { noPublicDataPorts } from "../../policies/data/no-public-data-ports";
import { postgresBackupRetention } from "../../policies/data/postgres-backup-retention";
import { postgresDeletionProtection } from "../../policies/data/postgres-deletion-protection";
import { postgresNotPubliclyAccessible } from "../../policies/data/postgres-not-publicly-accessible";
import { postgresStorageEncrypted } from "../../policies/data/postgres-storage-encrypted";
import { policyFromConf, redisNoeviction } from "../../policies/data/redis-noeviction";
import { secretsManagerCustomerKey } from "../../policies/data/secrets-manager-customer-key";
import { assertClean, assertReports, run } from "./assertions";
import {
    container,
    kmsKeyProps,
    mutate,
    namespace,
    parameterGroupProps,
    podSpec,
    rdsClusterProps,
    rdsInstanceProps,
    redisStatefulSetProps,
    replicationGroupProps,
    securityGroupProps,
    smSecretProps,
    types,
} from "../fixtures/policyResources";
import { resource, UNKNOWN_VALUE } from "./harness";

const instance = () => resource(types.rdsInstance, "app-db", rdsInstanceProps());
const cluster = () => resource(types.rdsCluster, "tasks-db", rdsClusterProps());

describe("postgres-backup-retention", () => {
    it("passes 30-day retention on instances and clusters", async () => {
        await assertClean(postgresBackupRetention, [instance(), cluster()]);
    });
    it("reports retention below the default minimum of 30 days", async () => {
        await assertReports(
            postgresBackupRetention,
            mutate(instance(), (p) => (p.backupRetentionPeriod = 7)),
            /backupRetentionPeriod is 7 days; set backupRetentionPeriod to at least 30/,
        );
    });
    it("reports a cluster without backupRetentionPeriod", async () => {
        await assertReports(
            postgresBackupRetention,
            mutate(cluster(), (p) => delete p.backupRetentionPeriod),
            /not set.*at least 30/,
        );
    });
    it("honours a configured minimum (staging keeps 7 days)", async () => {
        const weekly = mutate(instance(), (p) => (p.backupRetentionPeriod = 7));
        await assertClean(postgresBackupRetention, weekly, { minimumRetentionDays: 7 });
        await assertReports(
            postgresBackupRetention,
            mutate(instance(), (p) => (p.backupRetentionPeriod = 3)),
            /at least 7/,
            { minimumRetentionDays: 7 },
        );
    });
    it("reports an unknown retention at its own mandatory level", async () => {
        await assertReports(
            postgresBackupRetention,
            mutate(instance(), (p) => (p.backupRetentionPeriod = UNKNOWN_VALUE)),
            /unknown during preview.*backupRetentionPeriod/,
        );
    });
    it("does not apply to other resource types", async () => {
        const result = await run(postgresBackupRetention, resource(types.kmsKey, "k", kmsKeyProps()));
        assert.deepEqual(result.messages, []);
        assert.match(result.notApplicable ?? "", /only applies/);
    });
});

describe("postgres-storage-encrypted", () => {
    it("passes encrypted storage", async () => {
        await assertClean(postgresStorageEncrypted, [instance(), cluster()]);
    });
    it("reports storageEncrypted: false", async () => {
        await assertReports(
            postgresStorageEncrypted,
            mutate(instance(), (p) => (p.storageEncrypted = false)),
            /set storageEncrypted: true/,
        );
    });
    it("reports storageEncrypted left unset", async () => {
        await assertReports(
            postgresStorageEncrypted,
            mutate(cluster(), (p) => delete p.storageEncrypted),
            /not set.*set storageEncrypted: true/,
        );
    });
    it("reports an unknown storageEncrypted", async () => {
        await assertReports(
            postgresStorageEncrypted,
            mutate(instance(), (p) => (p.storageEncrypted = UNKNOWN_VALUE)),
            /unknown during preview/,
        );
    });
});

describe("postgres-not-publicly-accessible", () => {
    it("passes private instances, including ones that leave the flag unset", async () => {
        await assertClean(postgresNotPubliclyAccessible, [instance(), mutate(instance(), (p) => delete p.publiclyAccessible)]);
    });
    it("reports a public instance", async () => {
        await assertReports(
            postgresNotPubliclyAccessible,
            mutate(instance(), (p) => (p.publiclyAccessible = true)),
            /set publiclyAccessible: false/,
        );
    });
    it("reports a public Aurora cluster instance", async () => {
        await assertReports(
            postgresNotPubliclyAccessible,
            resource(types.rdsClusterInstance, "tasks-1", { publiclyAccessible: true }),
            /publiclyAccessible: false/,
        );
    });
    it("reports an unknown publiclyAccessible", async () => {
        await assertReports(
            postgresNotPubliclyAccessible,
            mutate(instance(), (p) => (p.publiclyAccessible = UNKNOWN_VALUE)),
            /unknown during preview/,
        );
    });
});

describe("postgres-deletion-protection", () => {
    it("passes deletion protection with a final snapshot", async () => {
        await assertClean(postgresDeletionProtection, [instance(), cluster()]);
    });
    it("reports deletionProtection off", async () => {
        await assertReports(
            postgresDeletionProtection,
            mutate(instance(), (p) => (p.deletionProtection = false)),
            /set deletionProtection: true/,
        );
    });
    it("reports skipFinalSnapshot: true", async () => {
        await assertReports(
            postgresDeletionProtection,
            mutate(cluster(), (p) => (p.skipFinalSnapshot = true)),
            /set skipFinalSnapshot: false/,
        );
    });
    it("reports a missing finalSnapshotIdentifier", async () => {
        await assertReports(
            postgresDeletionProtection,
            mutate(instance(), (p) => delete p.finalSnapshotIdentifier),
            /set finalSnapshotIdentifier/,
        );
    });
    it("accepts an unknown finalSnapshotIdentifier: presence proves compliance", async () => {
        await assertClean(
            postgresDeletionProtection,
            mutate(instance(), (p) => (p.finalSnapshotIdentifier = UNKNOWN_VALUE)),
        );
    });
    it("reports an unknown deletionProtection", async () => {
        await assertReports(
            postgresDeletionProtection,
            mutate(instance(), (p) => (p.deletionProtection = UNKNOWN_VALUE)),
            /unknown during preview.*deletionProtection: true/,
        );
    });
});

describe("redis-noeviction", () => {
    const group = () => resource(types.parameterGroup, "redis-params", parameterGroupProps());
    const replication = () => resource(types.replicationGroup, "redis", replicationGroupProps());
    const redis = () => resource(types.statefulSet, "redis", redisStatefulSetProps());
    const confMap = (conf: string) =>
        resource(types.configMap, "redis-conf", { metadata: { name: "redis-conf", namespace }, data: { "redis.conf": conf } });
    const redisWithConf = () =>
        mutate(redis(), (p) => {
            container(p).args = ["/etc/redis/redis.conf"];
            container(p).volumeMounts = [{ name: "conf", mountPath: "/etc/redis" }];
            podSpec(p).volumes = [{ name: "conf", configMap: { name: "redis-conf" } }];
        });

    it("passes a noeviction parameter group used by the replication group, and in-cluster Redis with the flag", async () => {
        await assertClean(redisNoeviction, [group(), replication(), redis()]);
    });
    it("reports a parameter group without maxmemory-policy", async () => {
        await assertReports(
            redisNoeviction,
            [mutate(group(), (p) => (p.parameters = [])), replication()],
            /does not set maxmemory-policy.*add \{ name: "maxmemory-policy", value: "noeviction" \}/,
        );
    });
    it("reports a parameter group with allkeys-lru", async () => {
        await assertReports(
            redisNoeviction,
            [mutate(group(), (p) => (p.parameters[0].value = "allkeys-lru")), replication()],
            /maxmemory-policy is allkeys-lru; set it to noeviction/,
        );
    });
    it("reports unknown parameters", async () => {
        await assertReports(
            redisNoeviction,
            [mutate(group(), (p) => (p.parameters = UNKNOWN_VALUE)), replication()],
            /unknown during preview/,
        );
    });
    it("ignores memcached parameter groups", async () => {
        await assertClean(redisNoeviction, [resource(types.parameterGroup, "mc", { family: "memcached1.6", parameters: [] })]);
    });
    it("reports a replication group on the default parameter group", async () => {
        await assertReports(
            redisNoeviction,
            [mutate(replication(), (p) => delete p.parameterGroupName)],
            /default parameter group.*set parameterGroupName/,
        );
        await assertReports(
            redisNoeviction,
            [mutate(replication(), (p) => (p.parameterGroupName = "default.redis7"))],
            /AWS default group default\.redis7/,
        );
    });
    it("reports a parameter group that is not in the stack", async () => {
        await assertReports(redisNoeviction, [replication()], /not declared in this stack/);
    });
    it("accepts an unknown parameterGroupName that depends on a parameter group of the stack", async () => {
        const g = group();
        const rg = mutate(replication(), (p) => (p.parameterGroupName = UNKNOWN_VALUE));
        rg.propertyDependencies = { parameterGroupName: [g.urn] };
        await assertClean(redisNoeviction, [g, rg]);
        rg.propertyDependencies = {};
        await assertReports(redisNoeviction, [g, rg], /parameterGroupName is unknown during preview/);
    });
    it("reports in-cluster Redis started without --maxmemory-policy", async () => {
        await assertReports(
            redisNoeviction,
            [mutate(redis(), (p) => (container(p).args = ["--appendonly", "yes"]))],
            /does not set maxmemory-policy.*"--maxmemory-policy noeviction"/,
        );
    });
    it("reports in-cluster Redis with another policy, also inside a shell command", async () => {
        await assertReports(
            redisNoeviction,
            [mutate(redis(), (p) => (container(p).args = ["--maxmemory-policy", "allkeys-lru"]))],
            /sets --maxmemory-policy allkeys-lru/,
        );
        await assertReports(
            redisNoeviction,
            [
                mutate(redis(), (p) => {
                    container(p).command = ["sh", "-c"];
                    container(p).args = ["exec redis-server --maxmemory-policy volatile-lru"];
                }),
            ],
            /volatile-lru/,
        );
    });
    it("reports the default redis image run without arguments", async () => {
        await assertReports(
            redisNoeviction,
            [
                mutate(redis(), (p) => {
                    delete container(p).command;
                    delete container(p).args;
                }),
            ],
            /does not set maxmemory-policy/,
        );
    });
    it("passes a redis.conf ConfigMap with noeviction and reports one with another policy or none", async () => {
        await assertClean(redisNoeviction, [redisWithConf(), confMap("appendonly yes\nmaxmemory-policy noeviction\n")]);
        await assertReports(
            redisNoeviction,
            [redisWithConf(), confMap("maxmemory-policy allkeys-lru\n")],
            /reads maxmemory-policy allkeys-lru from ConfigMap "redis-conf"/,
        );
        await assertReports(
            redisNoeviction,
            [redisWithConf(), confMap("appendonly yes\n")],
            /does not set maxmemory-policy \(checked ConfigMap "redis-conf"/,
        );
        await assertReports(redisNoeviction, [redisWithConf()], /does not set maxmemory-policy/);
    });
    it("reports unknown Redis arguments", async () => {
        await assertReports(redisNoeviction, [mutate(redis(), (p) => (container(p).args = UNKNOWN_VALUE))], /unknown during preview/);
    });
    it("reads the last maxmemory-policy directive of a redis.conf", () => {
        assert.equal(policyFromConf("maxmemory-policy allkeys-lru\n# comment\nmaxmemory-policy noeviction"), "noeviction");
        assert.equal(policyFromConf("maxmemory 100mb"), undefined);
    });
});

describe("elasticache-encryption-and-auth", () => {
    const rg = () => resource(types.replicationGroup, "redis", replicationGroupProps());
    it("passes TLS, at-rest encryption and an auth token", async () => {
        await assertClean(elasticacheEncryptionAndAuth, rg());
    });
    it("reports transit encryption off", async () => {
        await assertReports(
            elasticacheEncryptionAndAuth,
            mutate(rg(), (p) => (p.transitEncryptionEnabled = false)),
            /set transitEncryptionEnabled: true/,
        );
    });
    it("reports at-rest encryption unset", async () => {
        await assertReports(
            elasticacheEncryptionAndAuth,
            mutate(rg(), (p) => delete p.atRestEncryptionEnabled),
            /set atRestEncryptionEnabled: true/,
        );
    });
    it("reports a missing auth token", async () => {
        await assertReports(
            elasticacheEncryptionAndAuth,
            mutate(rg(), (p) => delete p.authToken),
            /set authToken/,
        );
    });
    it("accepts an unknown (secret) auth token, and RBAC user groups instead of a token", async () => {
        await assertClean(
            elasticacheEncryptionAndAuth,
            mutate(rg(), (p) => (p.authToken = UNKNOWN_VALUE)),
        );
        await assertClean(
            elasticacheEncryptionAndAuth,
            mutate(rg(), (p) => {
                delete p.authToken;
                p.userGroupIds = ["app-users"];
            }),
        );
    });
    it("reports unknown encryption flags", async () => {
        await assertReports(
            elasticacheEncryptionAndAuth,
            mutate(rg(), (p) => (p.transitEncryptionEnabled = UNKNOWN_VALUE)),
            /transitEncryptionEnabled is unknown during preview/,
        );
    });
});

describe("kms-key-rotation", () => {
    const key = () => resource(types.kmsKey, "stack-key", kmsKeyProps());
    it("passes a rotating key", async () => {
        await assertClean(kmsKeyRotation, key());
    });
    it("reports rotation disabled or unset", async () => {
        await assertReports(
            kmsKeyRotation,
            mutate(key(), (p) => (p.enableKeyRotation = false)),
            /set enableKeyRotation: true/,
        );
        await assertReports(
            kmsKeyRotation,
            mutate(key(), (p) => delete p.enableKeyRotation),
            /set enableKeyRotation: true/,
        );
    });
    it("reports an unknown rotation flag", async () => {
        await assertReports(
            kmsKeyRotation,
            mutate(key(), (p) => (p.enableKeyRotation = UNKNOWN_VALUE)),
            /unknown during preview/,
        );
    });
    it("reports a rotation period longer than the configured maximum", async () => {
        await assertReports(
            kmsKeyRotation,
            mutate(key(), (p) => (p.rotationPeriodInDays = 730)),
            /at most 365/,
        );
        await assertClean(
            kmsKeyRotation,
            mutate(key(), (p) => (p.rotationPeriodInDays = 730)),
            { maximumRotationPeriodDays: 730 },
        );
    });
    it("does not apply to asymmetric keys, which AWS cannot rotate", async () => {
        const result = await run(
            kmsKeyRotation,
            resource(types.kmsKey, "signing", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }),
        );
        assert.deepEqual(result.messages, []);
        assert.match(result.notApplicable ?? "", /RSA_2048/);
    });
});

describe("secrets-manager-customer-key", () => {
    const secret = () => resource(types.smSecret, "web", smSecretProps());
    it("passes a secret under a customer-managed key", async () => {
        await assertClean(secretsManagerCustomerKey, secret());
    });
    it("reports a secret without kmsKeyId", async () => {
        await assertReports(
            secretsManagerCustomerKey,
            mutate(secret(), (p) => delete p.kmsKeyId),
            /set kmsKeyId to the stack's customer-managed KMS key/,
        );
    });
    it("reports the AWS-managed key", async () => {
        await assertReports(
            secretsManagerCustomerKey,
            mutate(secret(), (p) => (p.kmsKeyId = "alias/aws/secretsmanager")),
            /AWS-managed key/,
        );
    });
    it("accepts an unknown key ARN: presence proves compliance", async () => {
        await assertClean(
            secretsManagerCustomerKey,
            mutate(secret(), (p) => (p.kmsKeyId = UNKNOWN_VALUE)),
        );
    });
});

describe("no-public-data-ports", () => {
    const sg = () => resource(types.securityGroup, "data", securityGroupProps());
    it("passes private data ports and a public HTTPS port", async () => {
        await assertClean(noPublicDataPorts, sg());
    });
    it("reports Postgres open to 0.0.0.0/0", async () => {
        await assertReports(
            noPublicDataPorts,
            mutate(sg(), (p) => (p.ingress[0].cidrBlocks = ["0.0.0.0/0"])),
            /ingress\[0\] opens port 5432 to the internet.*security group/,
        );
    });
    it("reports Redis open to ::/0", async () => {
        await assertReports(
            noPublicDataPorts,
            mutate(sg(), (p) => (p.ingress[1].ipv6CidrBlocks = ["::/0"])),
            /opens port 6379/,
        );
    });
    it("reports all traffic or a port range from the internet", async () => {
        await assertReports(
            noPublicDataPorts,
            mutate(sg(), (p) => p.ingress.push({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] })),
            /port 5432/,
        );
        await assertReports(
            noPublicDataPorts,
            mutate(sg(), (p) => p.ingress.push({ protocol: "tcp", fromPort: 1024, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] })),
            /port 5432/,
        );
    });
    it("reports standalone ingress rules, and ignores egress rules", async () => {
        await assertReports(
            noPublicDataPorts,
            resource(types.securityGroupRule, "pg", {
                type: "ingress",
                protocol: "tcp",
                fromPort: 5432,
                toPort: 5432,
                cidrBlocks: ["0.0.0.0/0"],
                securityGroupId: "sg-1",
            }),
            /rule opens port 5432/,
        );
        await assertClean(
            noPublicDataPorts,
            resource(types.securityGroupRule, "out", {
                type: "egress",
                protocol: "tcp",
                fromPort: 5432,
                toPort: 5432,
                cidrBlocks: ["0.0.0.0/0"],
                securityGroupId: "sg-1",
            }),
        );
        await assertReports(
            noPublicDataPorts,
            resource(types.ingressRule, "redis", {
                ipProtocol: "tcp",
                fromPort: 6379,
                toPort: 6379,
                cidrIpv4: "0.0.0.0/0",
                securityGroupId: "sg-1",
            }),
            /port 6379/,
        );
    });
    it("reports an unknown CIDR on a data port, but not on other ports", async () => {
        await assertReports(
            noPublicDataPorts,
            mutate(sg(), (p) => (p.ingress[1].cidrBlocks = [UNKNOWN_VALUE])),
            /unknown during preview/,
        );
        await assertClean(
            noPublicDataPorts,
            mutate(sg(), (p) => (p.ingress[2].cidrBlocks = [UNKNOWN_VALUE])),
        );
    });
    it("checks the configured ports", async () => {
        const mongo = resource(types.ingressRule, "mongo", { ipProtocol: "tcp", fromPort: 27017, toPort: 27017, cidrIpv4: "0.0.0.0/0" });
        await assertClean(noPublicDataPorts, mongo);
        await assertReports(noPublicDataPorts, mongo, /port 27017/, { ports: [27017] });
    });
});
