import * as assert from "assert";
import { dataDefaults, dataProblems, elasticacheParameterFamily, postgresParameterFamily, resolveDataSettings } from "../../config/data";
import { minimalConfigProblems, minimalStackConfig } from "../fixtures/minimalStacks";

/** Asserts exactly one problem mentions `key`, and that it contains every fragment. */
function assertProblem(problems: string[], key: string, ...fragments: string[]): void {
    const mine = problems.filter((p) => p.startsWith(`${key} `));
    assert.strictEqual(mine.length, 1, `one problem for ${key}, got: ${JSON.stringify(problems)}`);
    for (const f of fragments) assert.ok(mine[0]!.includes(f), `${JSON.stringify(mine[0])} should contain ${JSON.stringify(f)}`);
}

describe("data config (grownext:data)", () => {
    describe("defaults per environment, in one place", () => {
        it("gives production the guides' settings", () => {
            const d = dataDefaults("production");
            assert.deepStrictEqual(
                [d.postgres.backupRetentionDays, d.postgres.multiAz, d.postgres.deletionProtection, d.postgres.skipFinalSnapshot],
                [30, true, true, false],
            );
            assert.deepStrictEqual([d.redis.multiAz, d.redis.snapshotRetentionLimit, d.redis.engine], [true, 7, "valkey"]);
            assert.strictEqual(d.kms.deletionWindowDays, 30);
            assert.strictEqual(d.kms.rotationPeriodDays, 365);
        });

        it("gives staging lighter managed settings that still keep a week of backups", () => {
            const d = dataDefaults("staging");
            assert.deepStrictEqual(
                [d.postgres.backupRetentionDays, d.postgres.multiAz, d.postgres.deletionProtection, d.postgres.skipFinalSnapshot],
                [7, false, false, true],
            );
            assert.deepStrictEqual([d.redis.multiAz, d.redis.snapshotRetentionLimit], [false, 1]);
        });

        it("merges config over the defaults, key by key", () => {
            const s = resolveDataSettings("staging", {
                provider: "aws",
                postgres: { backupRetentionDays: 14 },
                redis: { nodeType: "cache.t4g.medium" },
            });
            assert.strictEqual(s.postgres.backupRetentionDays, 14);
            assert.strictEqual(s.postgres.instanceClass, dataDefaults("staging").postgres.instanceClass);
            assert.strictEqual(s.redis.nodeType, "cache.t4g.medium");
            assert.strictEqual(s.redis.engineVersion, "7.2");
        });

        it("accepts every committed-style stack with its defaults", () => {
            for (const env of ["local", "staging", "production"] as const) {
                assert.deepStrictEqual(minimalConfigProblems(env), [], env);
            }
        });

        it("derives the parameter group families from the engine versions", () => {
            assert.strictEqual(postgresParameterFamily("16"), "postgres16");
            assert.strictEqual(postgresParameterFamily("17.2"), "postgres17");
            assert.strictEqual(elasticacheParameterFamily("valkey", "7.2"), "valkey7");
            assert.strictEqual(elasticacheParameterFamily("valkey", "8.0"), "valkey8");
            assert.strictEqual(elasticacheParameterFamily("redis", "7.1"), "redis7");
        });
    });

    describe("refuses weaker settings in production, naming the key and the fix", () => {
        it("a backup retention under 30 days", () => {
            assertProblem(
                minimalConfigProblems("production", { postgres: { backupRetentionDays: 7 } }),
                "data.postgres.backupRetentionDays",
                "must be at least 30 in production",
                "got 7",
                "(example: 30)",
            );
        });
        it("a single-AZ database", () => {
            assertProblem(
                minimalConfigProblems("production", { postgres: { multiAz: false } }),
                "data.postgres.multiAz",
                "must be true in production",
                "got false",
            );
        });
        it("a database without deletion protection", () => {
            assertProblem(
                minimalConfigProblems("production", { postgres: { deletionProtection: false } }),
                "data.postgres.deletionProtection",
                "must be true in production",
            );
        });
        it("skipping the final snapshot", () => {
            assertProblem(
                minimalConfigProblems("production", { postgres: { skipFinalSnapshot: true } }),
                "data.postgres.skipFinalSnapshot",
                "must be false in production",
                "(example: false)",
            );
        });
        it("a cache without a replica in another AZ", () => {
            assertProblem(
                minimalConfigProblems("production", { redis: { multiAz: false } }),
                "data.redis.multiAz",
                "must be true in production",
            );
        });
        it("less than a week of cache snapshots", () => {
            assertProblem(
                minimalConfigProblems("production", { redis: { snapshotRetentionLimit: 1 } }),
                "data.redis.snapshotRetentionLimit",
                "at least 7 in production",
                "got 1",
            );
        });
        it("a KMS deletion window under 30 days", () => {
            assertProblem(
                minimalConfigProblems("production", { kms: { deletionWindowDays: 7 } }),
                "data.kms.deletionWindowDays",
                "must be 30 in production",
                "got 7",
            );
        });
        it("in-cluster data stores", () => {
            const problems = minimalConfigProblems("production", { provider: "inCluster", aws: undefined });
            assert.ok(
                problems.some((p) => p.startsWith("data.provider ") && p.includes('must be "aws" in production')),
                JSON.stringify(problems),
            );
        });
        it("every problem at once, not the first only", () => {
            const problems = minimalConfigProblems("production", {
                postgres: { backupRetentionDays: 1, multiAz: false },
                redis: { multiAz: false },
            });
            assert.strictEqual(problems.length, 3, JSON.stringify(problems));
        });
    });

    describe("refuses other invalid data settings", () => {
        it("a staging backup retention under 7 days", () => {
            assertProblem(
                minimalConfigProblems("staging", { postgres: { backupRetentionDays: 3 } }),
                "data.postgres.backupRetentionDays",
                "at least 7 in staging",
                "got 3",
            );
        });
        it("staging may go without multi-AZ and deletion protection", () => {
            assert.deepStrictEqual(minimalConfigProblems("staging", { postgres: { multiAz: false, deletionProtection: false } }), []);
        });
        it("PostgreSQL older than 16", () => {
            assertProblem(
                minimalConfigProblems("staging", { postgres: { engineVersion: "15.4" } }),
                "data.postgres.engineVersion",
                "PostgreSQL 16 or later",
                '(example: "16")',
            );
        });
        it("a retention beyond what RDS allows", () => {
            assertProblem(
                minimalConfigProblems("production", { postgres: { backupRetentionDays: 36 } }),
                "data.postgres.backupRetentionDays",
                "must be at most 35",
            );
        });
        it("a storage ceiling below the allocated storage", () => {
            assertProblem(
                minimalConfigProblems("staging", { postgres: { allocatedStorage: 200, maxAllocatedStorage: 100 } }),
                "data.postgres.maxAllocatedStorage",
                "at least data.postgres.allocatedStorage",
                "got 100",
            );
        });
        it("valkey older than 7.2 and redis other than 7.x", () => {
            assertProblem(
                minimalConfigProblems("staging", { redis: { engineVersion: "7.0" } }),
                "data.redis.engineVersion",
                "7.2 or later for engine valkey",
            );
            assertProblem(
                minimalConfigProblems("staging", { redis: { engine: "redis", engineVersion: "6.2" } }),
                "data.redis.engineVersion",
                "must be 7.x for engine redis",
            );
            assert.deepStrictEqual(minimalConfigProblems("staging", { redis: { engine: "redis", engineVersion: "7.1" } }), []);
        });
        it("any eviction policy: noeviction is not a setting", () => {
            assertProblem(
                minimalConfigProblems("staging", { redis: { maxmemoryPolicy: "allkeys-lru" } }),
                "data.redis.maxmemoryPolicy",
                "is not a known key",
            );
            assertProblem(
                minimalConfigProblems("local", { redis: { maxMemory: "1gb" } }),
                "data.redis.maxMemory",
                "did you mean data.redis.maxmemory?",
            );
        });
        it("a malformed in-cluster memory ceiling", () => {
            assertProblem(
                minimalConfigProblems("local", { redis: { maxmemory: "lots" } }),
                "data.redis.maxmemory",
                "must be a size such as 256mb",
                "(example: 256mb)",
            );
        });
        it("an unpinned in-cluster image", () => {
            assertProblem(
                minimalConfigProblems("local", { inCluster: { postgresImage: "postgres:latest" } }),
                "data.inCluster.postgresImage",
                "pinned",
            );
            assertProblem(minimalConfigProblems("local", { inCluster: { redisImage: "redis" } }), "data.inCluster.redisImage", "pinned");
            assert.deepStrictEqual(
                minimalConfigProblems("local", {
                    inCluster: { postgresImage: "postgres:16.6-alpine", redisImage: `redis@sha256:${"a".repeat(64)}` },
                }),
                [],
            );
        });
        it("AWS settings on the in-cluster stack, and in-cluster settings on AWS stacks", () => {
            assertProblem(
                minimalConfigProblems("local", { postgres: { instanceClass: "db.t4g.micro" } }),
                "data.postgres",
                'only applies when data.provider is "aws"',
            );
            assertProblem(
                minimalConfigProblems("local", { redis: { nodeType: "cache.t4g.micro" } }),
                "data.redis.nodeType",
                "only applies to ElastiCache",
            );
            assertProblem(
                minimalConfigProblems("staging", { inCluster: { storageSize: "5Gi" } }),
                "data.inCluster",
                'only applies when data.provider is "inCluster"',
            );
            assertProblem(
                minimalConfigProblems("staging", { redis: { maxmemory: "1gb" } }),
                "data.redis.maxmemory",
                "set data.redis.nodeType",
            );
        });
        it("a KMS rotation period outside AWS's limits", () => {
            assertProblem(
                minimalConfigProblems("staging", { kms: { rotationPeriodDays: 30 } }),
                "data.kms.rotationPeriodDays",
                "must be at least 90",
                "(example: 365)",
            );
        });
    });

    it("dataProblems is a pure function over (environment, data)", () => {
        assert.deepStrictEqual(dataProblems("production", { provider: "aws" }), []);
        assert.strictEqual(dataProblems("production", { provider: "aws", postgres: { backupRetentionDays: 29 } }).length, 1);
        assert.strictEqual(minimalStackConfig("production").data.provider, "aws");
    });
});
