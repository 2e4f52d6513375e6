import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { dataResourceOptions, postgresUrl, redisUrl } from "../../../wiring/dataContract";
import { dataEnv, migrationPlan } from "../../../components/data/dataTier";
import { postgresAwsProblems, rdsIdentifier } from "../../../components/data/aws/postgresAws";
import { redisAwsProblems, redisTopology } from "../../../components/data/aws/redisAws";
import { redisServerArgs } from "../../../components/data/inCluster/redisInCluster";
import { stackKeyAliasName, stackKeyPolicy, stackKeyProblems } from "../../../components/data/aws/stackKey";
import { rotationDefaults, rotationFloors } from "../../../catalog/guardrails";
import { dataDefaults } from "../../../config/data";
import { installMocks, isSecret, promiseOf, recorder } from "../../../sandbox/mocks";
import { awsNetwork, minimalStackConfig } from "../../fixtures/minimalStacks";

describe("data-tier building blocks", () => {
    before(() => installMocks());
    beforeEach(() => recorder.reset());

    it("protects data resources in production only", () => {
        assert.deepStrictEqual(dataResourceOptions("production"), { protect: true });
        assert.deepStrictEqual(dataResourceOptions("staging"), { protect: false });
        assert.deepStrictEqual(dataResourceOptions("local"), { protect: false });
    });

    it("URL-encodes credentials, so any password keeps the URL valid", () => {
        const url = postgresUrl({ user: "u", password: "a/b@c:d?e", host: "db", port: 5432, database: "app", sslmode: "require" });
        assert.strictEqual(url, "postgresql://u:a%2Fb%40c%3Ad%3Fe@db:5432/app?sslmode=require");
        assert.strictEqual(new URL(url).password, "a%2Fb%40c%3Ad%3Fe");
        assert.strictEqual(
            postgresUrl({ user: "u", password: "Ab-_.~9", host: "h", port: 5432, database: "d", sslmode: "disable" }),
            "postgresql://u:Ab-_.~9@h:5432/d?sslmode=disable",
            "URL-safe specials stay as they are",
        );
        assert.strictEqual(redisUrl({ password: "tok", host: "h", port: 6379, tls: true }), "rediss://:tok@h:6379");
        assert.strictEqual(redisUrl({ password: "tok", host: "h", port: 6379, tls: false }), "redis://:tok@h:6379");
    });

    it("maps the databases onto the env matrix: app serves tasks, every value secret", async () => {
        const pg = (name: string) => ({ url: pulumi.output(`${name}-url`), directUrl: pulumi.output(`${name}-direct`) });
        const s = (v: string) => pulumi.output(v);
        const env = dataEnv(
            pg("app"),
            pg("identity"),
            { url: s("r-url"), host: s("r-host"), port: s("6379"), password: s("r-pw"), tls: s("true") },
            { url: s("c-url") },
        );
        assert.strictEqual(await promiseOf(env.appDatabaseUrl), "app-url");
        assert.strictEqual(await promiseOf(env.tasksDatabaseUrl), "app-url");
        assert.strictEqual(await promiseOf(env.tasksDatabaseDirectUrl), "app-direct");
        assert.strictEqual(await promiseOf(env.identityDatabaseUrl), "identity-url");
        assert.strictEqual(await promiseOf(env.redisUrl), "r-url");
        assert.strictEqual(await promiseOf(env.cacheRedisUrl), "c-url", "the cache's URL is the cache's, never the queue's");
        for (const v of Object.values(env)) assert.ok(await isSecret(v));
    });

    it("plans the app migration on the app image and identity's on the identity image", () => {
        const plan = migrationPlan(minimalStackConfig("staging"));
        assert.deepStrictEqual(
            plan.map((m) => [m.database, m.image.split(":")[0], m.command.join(" ")]),
            [
                ["app", "ghcr.io/grownext/app", "npm run prisma:migrate-deploy"],
                ["identity", "ghcr.io/grownext/identity", "pnpm db:migrate"],
            ],
        );
        assert.throws(() => migrationPlan({ images: {}, migrations: minimalStackConfig("staging").migrations }), /images\.app is required/);
    });

    it("names the key alias and final snapshots from project and stack", () => {
        assert.strictEqual(stackKeyAliasName("grownext", "production"), "grownext-production");
        assert.strictEqual(stackKeyAliasName("grownext", "dev.eu"), "grownext-dev-eu");
        assert.strictEqual(rdsIdentifier("grownext", "production", "app", "final"), "grownext-production-app-final");
        assert.strictEqual(rdsIdentifier("grownext", "my_stack.2", "app"), "grownext-my-stack-2-app");
        assert.deepStrictEqual((stackKeyPolicy("aws-us-gov", "111122223333") as any).Statement[0].Principal, {
            AWS: "arn:aws-us-gov:iam::111122223333:root",
        });
    });

    it("keeps a replica with failover exactly when multi-AZ is on", () => {
        assert.deepStrictEqual(redisTopology({ multiAz: true }), {
            numCacheClusters: 2,
            automaticFailoverEnabled: true,
            multiAzEnabled: true,
        });
        assert.deepStrictEqual(redisTopology({ multiAz: false }), {
            numCacheClusters: 1,
            automaticFailoverEnabled: false,
            multiAzEnabled: false,
        });
    });

    it("never passes the in-cluster Redis password literally", () => {
        for (const role of ["queue", "cache"] as const) {
            const args = redisServerArgs("256mb", role);
            assert.strictEqual(args[args.indexOf("--requirepass") + 1], "$(REDIS_PASSWORD)", role);
        }
    });

    it("runs the in-cluster queue noeviction with an append-only file, and the cache allkeys-lru keeping nothing", () => {
        const queue = redisServerArgs("256mb", "queue");
        assert.deepStrictEqual(queue.slice(0, 4), ["--maxmemory-policy", "noeviction", "--maxmemory", "256mb"]);
        assert.strictEqual(queue[queue.indexOf("--appendonly") + 1], "yes");
        assert.ok(!queue.includes("--save"));
        const cache = redisServerArgs("128mb", "cache");
        assert.deepStrictEqual(cache.slice(0, 4), ["--maxmemory-policy", "allkeys-lru", "--maxmemory", "128mb"]);
        assert.strictEqual(cache[cache.indexOf("--appendonly") + 1], "no");
        assert.strictEqual(cache[cache.indexOf("--save") + 1], "", "no RDB snapshots either");
    });

    describe("components refuse weak settings even when built without config validation", () => {
        const prodPg = dataDefaults("production").postgres;
        const prodRedis = dataDefaults("production").redis;
        it("a production database with 7 days of backups, single-AZ, skipping the final snapshot", () => {
            const problems = postgresAwsProblems({
                environment: "production",
                settings: { ...prodPg, backupRetentionDays: 7, multiAz: false, skipFinalSnapshot: true },
                network: awsNetwork,
                finalSnapshotIdentifier: "x-final",
                rotationDays: rotationDefaults.databaseRotationDays,
            });
            assert.deepStrictEqual(problems, [
                "data.postgres.backupRetentionDays must be at least 30 in production, got 7",
                "data.postgres.multiAz must be true in production",
                "data.postgres.skipFinalSnapshot must be false in production",
            ]);
        });
        it("PostgreSQL 15, a bad snapshot name, a single subnet", () => {
            const problems = postgresAwsProblems({
                environment: "staging",
                settings: { ...dataDefaults("staging").postgres, engineVersion: "15", skipFinalSnapshot: false },
                network: { ...awsNetwork, privateSubnetIds: ["subnet-0a1b2c3d4e5f60718"] },
                finalSnapshotIdentifier: "1-bad--name",
                rotationDays: rotationDefaults.databaseRotationDays,
            });
            assert.strictEqual(problems.length, 3, JSON.stringify(problems));
        });
        it("a master password rotated less often than the floor allows, or never", () => {
            const base = {
                environment: "production" as const,
                settings: dataDefaults("production").postgres,
                network: awsNetwork,
                finalSnapshotIdentifier: "x-final",
            };
            const max = rotationFloors.maxRotationDays;
            assert.deepStrictEqual(postgresAwsProblems({ ...base, rotationDays: max + 1 }), [
                `rotation.databaseRotationDays must be a whole number of days from 1 to ${max} (SecretsManager.4), got ${max + 1}`,
            ]);
            assert.strictEqual(postgresAwsProblems({ ...base, rotationDays: 0 }).length, 1);
            assert.deepStrictEqual(postgresAwsProblems({ ...base, rotationDays: max }), []);
        });
        it("a production cache without multi-AZ or with a day of snapshots", () => {
            assert.deepStrictEqual(
                redisAwsProblems({
                    environment: "production",
                    settings: { ...prodRedis, multiAz: false, snapshotRetentionLimit: 1 },
                    network: awsNetwork,
                }),
                [
                    "data.redis.multiAz must be true in production",
                    "data.redis.snapshotRetentionLimit must be at least 7 in production, got 1",
                ],
            );
        });
        it("a production KMS key with a short deletion window or a rotation AWS refuses", () => {
            assert.deepStrictEqual(stackKeyProblems("production", { aliasName: "grownext-production", deletionWindowInDays: 7 }), [
                "data.kms.deletionWindowDays must be 30 in production, got 7",
            ]);
            assert.deepStrictEqual(stackKeyProblems("staging", { aliasName: "grownext-staging", rotationPeriodInDays: 30 }), [
                "data.kms.rotationPeriodDays must be between 90 and 2560 (AWS limits), got 30",
            ]);
            assert.strictEqual(stackKeyProblems("staging", { aliasName: "aws/mine" }).length, 1);
        });
    });
});
