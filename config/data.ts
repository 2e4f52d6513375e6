/**
 * Stack config of the data tier (`grownext:data`): where Postgres and Redis run and how.
 * `inCluster` (the local stack) runs both as StatefulSets; `aws` uses RDS and ElastiCache under the
 * stack's KMS key.
 *
 * Every setting is optional in the schema: `dataDefaults(environment)` below is the one place the
 * per-environment defaults live, `resolveDataSettings` merges config over them, and `dataProblems`
 * refuses settings weaker than the guides allow (production: 30-day PITR, multi-AZ, deletion
 * protection, a final snapshot; Redis `noeviction` is not configurable at all).
 */
import { z } from "zod";
import { awsLimits, dataProtectionDefaults, environmentFloors, kmsRotationPeriodDays, type Environment } from "../catalog/guardrails";
import { problem, type Problem } from "./errors";
import { pinnedImage } from "./images";
import { postgresProxyConfig, proxyProblems } from "./proxy";
import { recoveryConfigShape, recoveryProblems } from "./recovery";

export const awsNetworkConfig = z
    .object({
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: "must be an AWS region" }),
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: "must be a VPC id" }),
        privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet id" })).min(2),
        /** Security group of the cluster's nodes/pods: the only source admitted to the data ports. */
        clusterSecurityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/, { message: "must be a security group id" }),
        /** The cluster's IAM OIDC provider, for IAM roles for service accounts. */
        clusterOidcProviderArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/, {
            message: "must be an IAM OIDC provider ARN",
        }),
    })
    .strict();

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(Mi|Gi|Ti)$/, { message: "must be a Kubernetes storage quantity such as 2Gi" });

/** Why `data.postgres.passwordVersion` is refused, and what to do instead. */
export const retiredPasswordVersion =
    "is no longer a setting: RDS now generates each master password, keeps it in Secrets Manager under the stack key and " +
    "rotates it every rotation.databaseRotationDays days (docs/secret-rotation.md); remove it: pulumi config rm --path data.postgres.passwordVersion";

/** Why `data.redis.authTokenVersion` is refused on AWS stacks, and what to do instead. */
export const retiredAuthTokenVersion =
    "no longer applies on AWS stacks: each ElastiCache auth token rotates by itself every rotation.redisRotationDays days " +
    "(docs/secret-rotation.md#redis-auth-tokens); remove it (pulumi config rm --path data.redis.authTokenVersion), and to rotate now: " +
    "aws secretsmanager rotate-secret --secret-id <project>/<stack>/redis-queue (or redis-cache)";

/** RDS PostgreSQL (aws stacks). */
export const postgresConfig = z
    .object({
        /** RDS instance class. */
        instanceClass: z
            .string()
            .regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, { message: "must be an RDS instance class" })
            .optional(),
        /** Initial storage in GiB (gp3). */
        allocatedStorage: z.number().int().min(awsLimits.rds.allocatedStorageGiB.min).max(awsLimits.rds.allocatedStorageGiB.max).optional(),
        /** Storage autoscaling ceiling in GiB. */
        maxAllocatedStorage: z
            .number()
            .int()
            .min(awsLimits.rds.allocatedStorageGiB.min)
            .max(awsLimits.rds.allocatedStorageGiB.max)
            .optional(),
        /**
         * PostgreSQL 16 or later: a major version ("16", RDS picks the default minor and upgrades it
         * in the maintenance window) or major.minor ("16.6", which then drifts as minors roll).
         */
        engineVersion: z
            .string()
            .regex(/^(1[6-9]|[2-9]\d)(\.\d+)?$/, { message: 'must be PostgreSQL 16 or later, as "16" or "16.6"' })
            .optional(),
        /** Automated backup (point-in-time recovery) window in days: at least the environment's floor (catalog/guardrails.ts). */
        // 0 (RDS's own minimum) turns point-in-time recovery off: never accepted.
        backupRetentionDays: z.number().int().min(1).max(awsLimits.rds.backupRetentionDays.max).optional(),
        multiAz: z.boolean().optional(),
        deletionProtection: z.boolean().optional(),
        skipFinalSnapshot: z.boolean().optional(),
        performanceInsights: z.boolean().optional(),
        iamDatabaseAuthentication: z.boolean().optional(),
        /** Enhanced monitoring interval; 0 turns it off. */
        monitoringIntervalSeconds: z.literal([0, 1, 5, 10, 15, 30, 60]).optional(),
        /**
         * Retired: the program generated the master passwords and this keeper rotated them by hand. RDS
         * now manages and rotates them (postgresAws.ts), so any value is refused with the fix.
         */
        passwordVersion: z
            .unknown()
            .refine(() => false, { message: retiredPasswordVersion })
            .optional(),
        /** RDS Proxy in front of the app database (config/proxy.ts, docs/rds-proxy.md). */
        proxy: postgresProxyConfig.optional(),
    })
    .strict();

/** ElastiCache (aws stacks) and the in-cluster Redis (local). */
export const redisConfig = z
    .object({
        nodeType: z
            .string()
            .regex(/^cache\.[a-z0-9-]+\.[a-z0-9]+$/, { message: "must be an ElastiCache node type" })
            .optional(),
        engine: z.enum(["valkey", "redis"]).optional(),
        /** Major.minor: valkey 7.2 or later, redis 7.x. */
        engineVersion: z
            .string()
            .regex(/^\d+\.\d+$/, { message: 'must be major.minor such as "7.2"' })
            .optional(),
        /** Days of daily snapshots ElastiCache keeps. */
        snapshotRetentionLimit: z
            .number()
            .int()
            .min(awsLimits.elasticache.snapshotRetentionDays.min)
            .max(awsLimits.elasticache.snapshotRetentionDays.max)
            .optional(),
        /** Primary plus replica in other AZs with automatic failover. */
        multiAz: z.boolean().optional(),
        /** `--maxmemory` of the in-cluster Redis (noeviction: writes fail rather than jobs vanish). */
        maxmemory: z
            .string()
            .regex(/^[1-9]\d*(kb|mb|gb)$/, { message: "must be a size such as 256mb" })
            .optional(),
        /**
         * The local stack: raise it to change the in-cluster Redis password (a random.RandomPassword keeper).
         * Refused on AWS stacks, where the auth tokens rotate by themselves (`retiredAuthTokenVersion`).
         */
        authTokenVersion: z.number().int().min(1).optional(),
    })
    .strict();

/** The local stack's StatefulSets. */
export const inClusterConfig = z
    .object({
        /** PersistentVolumeClaim size of each data store. */
        storageSize: quantity.optional(),
        /** StorageClass of the claims; the cluster's default when absent. */
        storageClassName: z
            .string()
            .max(253)
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
                message: "must be a Kubernetes object name (DNS-1123: lower-case letters, digits, '-' and '.')",
            })
            .optional(),
        postgresImage: pinnedImage.optional(),
        redisImage: pinnedImage.optional(),
    })
    .strict();

/** The stack's KMS key (aws stacks). */
export const kmsConfig = z
    .object({
        /** Days between automatic rotations of the key material (within AWS's limits). */
        rotationPeriodDays: z.number().int().min(awsLimits.kms.rotationPeriodDays.min).max(awsLimits.kms.rotationPeriodDays.max).optional(),
        /** Days a scheduled key deletion waits (within AWS's limits; production's floor is the longest). */
        deletionWindowDays: z.number().int().min(awsLimits.kms.deletionWindowDays.min).max(awsLimits.kms.deletionWindowDays.max).optional(),
    })
    .strict();

export type AwsNetworkConfig = z.infer<typeof awsNetworkConfig>;

export const dataConfig = z
    .object({
        provider: z.enum(["inCluster", "aws"]),
        aws: awsNetworkConfig.optional(),
        postgres: postgresConfig.optional(),
        redis: redisConfig.optional(),
        inCluster: inClusterConfig.optional(),
        kms: kmsConfig.optional(),
        // RPO/RTO and point-in-time restores (config/recovery.ts).
        ...recoveryConfigShape,
    })
    .strict();

export type DataConfig = z.infer<typeof dataConfig>;

export interface PostgresSettings {
    readonly instanceClass: string;
    readonly allocatedStorage: number;
    readonly maxAllocatedStorage: number;
    readonly engineVersion: string;
    readonly backupRetentionDays: number;
    readonly multiAz: boolean;
    readonly deletionProtection: boolean;
    readonly skipFinalSnapshot: boolean;
    readonly performanceInsights: boolean;
    readonly iamDatabaseAuthentication: boolean;
    readonly monitoringIntervalSeconds: number;
}

export interface RedisSettings {
    readonly nodeType: string;
    readonly engine: "valkey" | "redis";
    readonly engineVersion: string;
    readonly snapshotRetentionLimit: number;
    readonly multiAz: boolean;
    readonly maxmemory: string;
    readonly authTokenVersion: number;
}

export interface InClusterSettings {
    readonly storageSize: string;
    readonly storageClassName?: string;
    readonly postgresImage: string;
    readonly redisImage: string;
}

export interface KmsSettings {
    readonly rotationPeriodDays: number;
    readonly deletionWindowDays: number;
}

/** Every data-tier setting with its value for this stack. */
export interface DataSettings {
    readonly postgres: PostgresSettings;
    readonly redis: RedisSettings;
    readonly inCluster: InClusterSettings;
    readonly kms: KmsSettings;
}

/**
 * The per-environment defaults of the data tier, in one place. Local only uses `inCluster` and
 * `redis.maxmemory`; staging is the lighter managed setup; production is what the guides require.
 */
export function dataDefaults(environment: Environment): DataSettings {
    const production = environment === "production";
    const protection = dataProtectionDefaults[environment];
    const floor = environmentFloors[environment];
    return {
        postgres: {
            instanceClass: production ? "db.m7g.large" : "db.t4g.medium",
            allocatedStorage: production ? 100 : awsLimits.rds.allocatedStorageGiB.min,
            maxAllocatedStorage: production ? 1000 : 100,
            engineVersion: "16",
            backupRetentionDays: protection.postgresBackupRetentionDays,
            multiAz: floor.postgresMultiAz,
            deletionProtection: floor.postgresDeletionProtection,
            skipFinalSnapshot: !floor.postgresFinalSnapshot,
            performanceInsights: true,
            iamDatabaseAuthentication: false,
            monitoringIntervalSeconds: production ? 60 : 0,
        },
        redis: {
            nodeType: production ? "cache.m7g.large" : "cache.t4g.small",
            engine: "valkey",
            engineVersion: "7.2",
            snapshotRetentionLimit: protection.redisSnapshotRetentionDays,
            multiAz: floor.redisMultiAz,
            maxmemory: "256mb",
            authTokenVersion: 1,
        },
        inCluster: {
            storageSize: "2Gi",
            postgresImage: "postgres:16.6-alpine",
            redisImage: "redis:7.4.2-alpine",
        },
        kms: {
            rotationPeriodDays: kmsRotationPeriodDays,
            deletionWindowDays: protection.kmsDeletionWindowDays,
        },
    };
}

/** Config over defaults. Validate with `dataProblems` first (config/rules.ts does). */
export function resolveDataSettings(environment: Environment, data: DataConfig): DataSettings {
    const d = dataDefaults(environment);
    const defined = <T extends object>(o: T | undefined): Partial<T> =>
        Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
    return {
        postgres: { ...d.postgres, ...defined(data.postgres) },
        redis: { ...d.redis, ...defined(data.redis) },
        inCluster: { ...d.inCluster, ...defined(data.inCluster) },
        kms: { ...d.kms, ...defined(data.kms) },
    };
}

/** PostgreSQL major version of an engine version ("16.6" gives 16). */
export function postgresMajor(engineVersion: string): number {
    return Number(engineVersion.split(".")[0]);
}

/** The RDS parameter group family of an engine version (`postgres16`). */
export function postgresParameterFamily(engineVersion: string): string {
    return `postgres${postgresMajor(engineVersion)}`;
}

/** The ElastiCache parameter group family: `valkey7`, `valkey8`, `redis7`. */
export function elasticacheParameterFamily(engine: RedisSettings["engine"], engineVersion: string): string {
    return `${engine}${engineVersion.split(".")[0]}`;
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
    const [a = 0, b = 0] = version.split(".").map(Number);
    return a > major || (a === major && b >= minor);
}

/**
 * Cross-key and per-environment checks of `data.*`, as problem lines (config/errors.ts format).
 * Production refuses anything weaker than the guides; staging keeps at least a week of backups.
 */
export function dataProblems(environment: Environment, data: DataConfig): Problem[] {
    const out: Problem[] = [];
    const s = resolveDataSettings(environment, data);
    const pg = s.postgres;
    const redis = s.redis;
    const aws = data.provider === "aws";

    if (aws) {
        if (data.redis?.authTokenVersion !== undefined) {
            out.push(problem("data.redis.authTokenVersion", retiredAuthTokenVersion, { got: data.redis.authTokenVersion }));
        }
        const minBackup = environmentFloors[environment].postgresBackupRetentionDays;
        if (pg.backupRetentionDays < minBackup) {
            out.push(
                problem(
                    "data.postgres.backupRetentionDays",
                    `must be at least ${minBackup} in ${environment} (point-in-time recovery window the guides require)`,
                    { got: pg.backupRetentionDays },
                ),
            );
        }
        const minSnapshots = environmentFloors[environment].redisSnapshotRetentionDays;
        if (redis.snapshotRetentionLimit < minSnapshots) {
            out.push(
                problem(
                    "data.redis.snapshotRetentionLimit",
                    `must be at least ${minSnapshots} in ${environment}: queued jobs must survive losing the cache nodes`,
                    { got: redis.snapshotRetentionLimit },
                ),
            );
        }
        if (pg.maxAllocatedStorage < pg.allocatedStorage) {
            // Name the key the user wrote: a ceiling left at its default is not the user's mistake.
            if (data.postgres?.maxAllocatedStorage === undefined) {
                out.push(
                    problem(
                        "data.postgres.allocatedStorage",
                        `must be at most the storage ceiling data.postgres.maxAllocatedStorage (default ${pg.maxAllocatedStorage} on ${environment}): raise the ceiling too`,
                        { got: pg.allocatedStorage },
                    ),
                );
            } else {
                out.push(
                    problem(
                        "data.postgres.maxAllocatedStorage",
                        "must be at least data.postgres.allocatedStorage: it is the storage autoscaling ceiling",
                        { got: pg.maxAllocatedStorage },
                    ),
                );
            }
        }
        if (redis.engine === "valkey" && !versionAtLeast(redis.engineVersion, 7, 2)) {
            out.push(
                problem("data.redis.engineVersion", "must be 7.2 or later for engine valkey (ElastiCache offers 7.2 and 8.x)", {
                    got: redis.engineVersion,
                }),
            );
        }
        if (redis.engine === "redis" && !redis.engineVersion.startsWith("7.")) {
            out.push(
                problem(
                    "data.redis.engineVersion",
                    'must be 7.x for engine redis (7.1 is the current ElastiCache Redis OSS), or set data.redis.engine to "valkey"',
                    { got: redis.engineVersion },
                ),
            );
        }
    } else {
        const awsOnly: Array<[string, unknown]> = [
            ["data.postgres", data.postgres],
            ["data.kms", data.kms],
            ["data.aws", data.aws],
        ];
        for (const [key, value] of awsOnly) {
            if (value !== undefined) {
                out.push(problem(key, 'only applies when data.provider is "aws": remove it from this stack or switch the provider'));
            }
        }
        const awsOnlyRedis = (["nodeType", "engine", "engineVersion", "snapshotRetentionLimit", "multiAz"] as const).filter(
            (k) => data.redis?.[k] !== undefined,
        );
        for (const k of awsOnlyRedis) {
            out.push(
                problem(
                    `data.redis.${k}`,
                    'only applies to ElastiCache (data.provider "aws"); the in-cluster Redis takes data.redis.maxmemory',
                    { got: data.redis?.[k] },
                ),
            );
        }
    }
    // Subnet groups refuse a subnet listed twice, but only when RDS is called, after the KMS key and
    // security groups were created: refuse it here. Positions, not ids, name the culprits.
    const subnets = data.aws?.privateSubnetIds ?? [];
    const seen = new Map<string, number>();
    subnets.forEach((id, i) => {
        const first = seen.get(id);
        if (first === undefined) seen.set(id, i);
        else
            out.push(problem(`data.aws.privateSubnetIds.${i}`, `repeats item ${first}: list each subnet once (one per availability zone)`));
    });
    if (aws && data.inCluster !== undefined) {
        out.push(problem("data.inCluster", 'only applies when data.provider is "inCluster": remove it from this stack'));
    }
    if (aws && data.redis?.maxmemory !== undefined) {
        out.push(
            problem(
                "data.redis.maxmemory",
                "only applies to the in-cluster Redis: on AWS the node type decides memory (set data.redis.nodeType)",
                { got: data.redis.maxmemory },
            ),
        );
    }

    out.push(...proxyProblems(environment, data));

    {
        const floor = environmentFloors[environment];
        const require = (key: string, ok: boolean, what: string, value: unknown) => {
            if (!ok) out.push(problem(key, what, { got: value }));
        };
        const kmsWindow = floor.kmsDeletionWindowDays;
        require("data.postgres.multiAz", pg.multiAz ||
            !floor.postgresMultiAz, `must be true in ${environment}: a standby in a second AZ takes over on failure`, pg.multiAz);
        require("data.postgres.deletionProtection", pg.deletionProtection ||
            !floor.postgresDeletionProtection, `must be true in ${environment}: the database must not be deletable by one API call`, pg.deletionProtection);
        require("data.postgres.skipFinalSnapshot", !pg.skipFinalSnapshot ||
            !floor.postgresFinalSnapshot, `must be false in ${environment}: deleting the instance must leave a final snapshot`, pg.skipFinalSnapshot);
        require("data.redis.multiAz", redis.multiAz ||
            !floor.redisMultiAz, `must be true in ${environment}: BullMQ needs a replica with automatic failover`, redis.multiAz);
        require("data.kms.deletionWindowDays", s.kms.deletionWindowDays >= kmsWindow, kmsWindow === awsLimits.kms.deletionWindowDays.max
            ? `must be ${kmsWindow} in ${environment}: the longest window to cancel a key deletion that would make every backup unreadable`
            : `must be at least ${kmsWindow} in ${environment}`, s.kms.deletionWindowDays);
    }
    // One line per key: a setting the guides already refuse is not reported again against the RPO.
    const keyOf = (p: Problem) => p.path.join(".");
    out.push(...recoveryProblems(environment, data, s).filter((p) => !out.some((o) => keyOf(o) === keyOf(p))));
    return out;
}
