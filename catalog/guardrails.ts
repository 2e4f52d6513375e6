/**
 * The guardrails, as data, each written once: the floors every environment is held to, the HSTS and
 * probe-deadline bounds, the AWS service limits the checks quote, and the connection, alarm and
 * rollout defaults. Config rules (config/), component validation (components/), the policy pack's
 * config defaults (policies/, and policies/config/*.json, checked by a test), the probe runner
 * (probes/) and the docs all read their numbers from here; test/catalog/guardrails.test.ts fails on
 * a literal copy anywhere else. docs/guardrails.md says how to change one.
 *
 * Imports nothing, so the policy pack, the probe CLI and every config module can read it without
 * dragging the program's dependencies (or each other) along.
 */

/** The stack tiers. A stack's `environment` key picks one; the floors below are keyed by it. */
export const environments = ["local", "staging", "production"] as const;
export type Environment = (typeof environments)[number];

/** Seconds in a day, for the bounds written in days below. */
const day = 24 * 60 * 60;

// ---- Per-environment floors: the least a stack of that environment may configure ----

/** What an environment requires of its data tier and public processes; a stack file cannot go below. */
export interface EnvironmentFloors {
    /** RDS automated backups (the point-in-time recovery window), in days. */
    readonly postgresBackupRetentionDays: number;
    /** A standby in a second AZ. */
    readonly postgresMultiAz: boolean;
    /** The instance cannot be deleted by one API call. */
    readonly postgresDeletionProtection: boolean;
    /** Deleting the instance leaves a final snapshot (`skipFinalSnapshot` false). */
    readonly postgresFinalSnapshot: boolean;
    /** Days of daily ElastiCache snapshots. */
    readonly redisSnapshotRetentionDays: number;
    /** A replica in another AZ with automatic failover (BullMQ's queue survives a node). */
    readonly redisMultiAz: boolean;
    /** Days a scheduled KMS key deletion waits, at least (production: AWS's longest). */
    readonly kmsDeletionWindowDays: number;
    /** Smallest autoscaler minimum of a process with a public host (catalog `publicHost`). */
    readonly publicProcessMinReplicas: number;
}

/**
 * The guides' floors: production keeps 30 days of point-in-time recovery, a standby, deletion
 * protection, a final snapshot, a week of Redis snapshots with a replica, and two pods per public
 * host; staging keeps at least a week of backups and a day of snapshots.
 */
export const environmentFloors: Readonly<Record<Environment, EnvironmentFloors>> = {
    local: {
        postgresBackupRetentionDays: 1,
        postgresMultiAz: false,
        postgresDeletionProtection: false,
        postgresFinalSnapshot: false,
        redisSnapshotRetentionDays: 0,
        redisMultiAz: false,
        kmsDeletionWindowDays: 7,
        publicProcessMinReplicas: 1,
    },
    staging: {
        postgresBackupRetentionDays: 7,
        postgresMultiAz: false,
        postgresDeletionProtection: false,
        postgresFinalSnapshot: false,
        redisSnapshotRetentionDays: 1,
        redisMultiAz: false,
        kmsDeletionWindowDays: 7,
        publicProcessMinReplicas: 1,
    },
    production: {
        postgresBackupRetentionDays: 30,
        postgresMultiAz: true,
        postgresDeletionProtection: true,
        postgresFinalSnapshot: true,
        redisSnapshotRetentionDays: 7,
        redisMultiAz: true,
        kmsDeletionWindowDays: 30,
        publicProcessMinReplicas: 2,
    },
};

/**
 * The data-protection defaults (what a stack gets when it sets nothing): on or above the floors
 * (a test checks). Local keeps a week of backups should it ever run on AWS.
 */
export const dataProtectionDefaults: Readonly<
    Record<
        Environment,
        {
            readonly postgresBackupRetentionDays: number;
            readonly redisSnapshotRetentionDays: number;
            readonly kmsDeletionWindowDays: number;
            /** Days a deleted Secrets Manager secret can still be restored (not configurable). */
            readonly secretRecoveryWindowDays: number;
        }
    >
> = {
    local: { postgresBackupRetentionDays: 7, redisSnapshotRetentionDays: 1, kmsDeletionWindowDays: 7, secretRecoveryWindowDays: 7 },
    staging: { postgresBackupRetentionDays: 7, redisSnapshotRetentionDays: 1, kmsDeletionWindowDays: 7, secretRecoveryWindowDays: 7 },
    production: { postgresBackupRetentionDays: 30, redisSnapshotRetentionDays: 7, kmsDeletionWindowDays: 30, secretRecoveryWindowDays: 30 },
};

/**
 * Days between automatic rotations of a KMS key's material: yearly by default, and the longest
 * period the policy pack accepts when a key sets one.
 */
export const kmsRotationPeriodDays = 365;

// ---- The edge and the probes ----

/**
 * HSTS max-age: the guides require HTTPS with HSTS; RFC 6797 recommends long max-ages and browsers'
 * preload lists want at least 180 days, and two years is the preload list's longest.
 */
export const hstsMaxAgeBounds = { min: 180 * day, default: 365 * day, max: 730 * day } as const;

/**
 * The smoke probes' deadline (the whole run, retries included), in seconds: the same bounds for
 * `probes.deadlineSeconds`, the SmokeProbes component and the probe CLI. An hour is far beyond any
 * rollout; a larger value is a unit mistake (milliseconds).
 */
export const probeDeadlineBounds = { min: 1, default: 120, max: 3600 } as const;

// ---- AWS service limits the checks quote (a value outside them fails only when AWS is called) ----

export const awsLimits = {
    rds: {
        /** Automated backup retention, days. */
        backupRetentionDays: { min: 0, max: 35 },
        /** gp3 allocated storage, GiB. */
        allocatedStorageGiB: { min: 20, max: 65536 },
        /** Instance identifiers: a letter first, letters, digits and single hyphens. */
        identifierMaxLength: 63,
        /** RDS for PostgreSQL's default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000). */
        maxConnectionsBytesEach: 9531392,
        maxConnectionsCap: 5000,
        /** Performance Insights retention of the free tier, days. */
        performanceInsightsRetentionDays: 7,
    },
    elasticache: {
        /** Daily snapshots kept, days. */
        snapshotRetentionDays: { min: 0, max: 35 },
        /** AUTH token length. */
        authTokenLength: { min: 16, max: 128 },
    },
    kms: {
        /** Automatic rotation period, days. */
        rotationPeriodDays: { min: 90, max: 2560 },
        /** Scheduled key deletion window, days. */
        deletionWindowDays: { min: 7, max: 30 },
    },
    route53: {
        /** Seconds between health checks from each checker region: standard or fast. */
        requestIntervalSeconds: [10, 30],
    },
    rdsProxy: {
        /** `maxConnectionsPercent` and `maxIdleConnectionsPercent`: shares of `max_connections`. */
        connectionsPercent: { min: 1, max: 100 },
        idleConnectionsPercent: { min: 0, max: 100 },
        /** Seconds a client may wait to borrow a connection, and an idle client may stay connected. */
        connectionBorrowTimeoutSeconds: { min: 0, max: 3600 },
        idleClientTimeoutSeconds: { min: 1, max: 28800 },
    },
    secretsManager: {
        /** Recovery window of a deleted secret, days. */
        recoveryWindowDays: { min: 7, max: 30 },
    },
} as const;

// ---- Connection defaults (config/connectionBudget.ts) ----

export const connectionDefaults = {
    /**
     * Connections kept free of the processes' pools: superuser_reserved_connections (Postgres's
     * default 3, which max_connections already counts), the migration Jobs (Prisma migrate, CREATE
     * EXTENSION) and operators (psql, pg_dump, a console).
     */
    headroom: { superuserReserved: 3, migrations: 5, operators: 10 },
    /** The in-cluster Postgres (local stack) runs with the server's default `max_connections`. */
    inClusterPostgresMaxConnections: 100,
    /**
     * Pool size per client, by environment. Prisma's own default is num_cpus * 2 + 1 of the host it
     * sees, which in a container may be the node's cores; a fixed size is predictable. HTTP processes
     * serve concurrent requests; background processes run a bounded number of jobs. Local is smaller:
     * its in-cluster Postgres keeps the server default and carries a developer's load.
     */
    poolSize: {
        local: { http: 5, background: 3 },
        staging: { http: 10, background: 5 },
        production: { http: 10, background: 5 },
    } as Readonly<Record<Environment, { readonly http: number; readonly background: number }>>,
} as const;

// ---- Rollout and spread defaults (config/defaults.ts, components/workloads/serviceProcess.ts) ----

/** Extra pods a rolling update starts before it stops old ones; the connection budget counts them. */
export const rolloutMaxSurge = 1;

/** One topology spread constraint's strictness: how uneven, and what happens when it cannot hold. */
export interface SpreadRule {
    readonly maxSkew: number;
    readonly whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
}

/** How multi-replica processes spread across zones and nodes (singletons are never spread). */
export interface TopologySpread {
    readonly zone: SpreadRule;
    readonly node: SpreadRule;
}

const soft: SpreadRule = { maxSkew: 1, whenUnsatisfiable: "ScheduleAnyway" };

/**
 * Production spreads hard across nodes and soft across zones. Hard node spread is safe: nodes that
 * are cordoned or unreachable carry NoSchedule taints and drop out of the count (the constraints
 * honour taints), and a pod left pending makes the node autoscaler add a node. Hard zone spread is
 * not: a zone short of capacity (an instance type sold out, an impaired AZ whose nodes are still
 * Ready) would hold every further replica pending, blocking scale-up and rollouts just when the other
 * zones must take the load; so the zone rule only prefers. Staging and local run on one or few nodes
 * and zones, so both rules only prefer there.
 */
export const topologySpreadByEnvironment: Readonly<Record<Environment, TopologySpread>> = {
    local: { zone: soft, node: soft },
    staging: { zone: soft, node: soft },
    production: { zone: soft, node: { maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" } },
};

// ---- Alarm defaults (config/monitoring.ts `alarmDefaults`; `monitoring.thresholds.*` overrides) ----

/**
 * The per-environment thresholds table. Production pages within minutes; staging looks at longer
 * windows with looser limits, so a load test there does not wake anyone.
 */
const productionAlarms = {
    periodSeconds: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    postgres: {
        cpuPercent: 80,
        freeStoragePercent: 15,
        freeableMemoryPercent: 10,
        connectionsPercent: 80,
        transactionLogsPercent: 10,
        diskQueueDepth: 20,
    },
    redis: {
        memoryWarningPercent: 70,
        memoryPagePercent: 85,
        engineCpuPercent: 80,
        currConnections: 5000,
        replicationLagSeconds: 30,
        cacheHitRatePercent: 60,
    },
    healthChecks: { failureThreshold: 3, requestIntervalSeconds: 30 as 10 | 30 },
};
const nonProductionAlarms: typeof productionAlarms = {
    periodSeconds: 60,
    evaluationPeriods: 15,
    datapointsToAlarm: 10,
    postgres: {
        cpuPercent: 90,
        freeStoragePercent: 10,
        freeableMemoryPercent: 5,
        connectionsPercent: 90,
        transactionLogsPercent: 20,
        diskQueueDepth: 64,
    },
    redis: {
        memoryWarningPercent: 80,
        memoryPagePercent: 90,
        engineCpuPercent: 90,
        currConnections: 1000,
        replicationLagSeconds: 30,
        cacheHitRatePercent: 60,
    },
    healthChecks: { failureThreshold: 3, requestIntervalSeconds: 30 },
};
export const alarmThresholdDefaults: Readonly<Record<Environment, typeof productionAlarms>> = {
    local: nonProductionAlarms,
    staging: nonProductionAlarms,
    production: productionAlarms,
};

/**
 * RDS Proxy in front of the app database (components/data/aws/postgresProxy.ts, docs/rds-proxy.md; re-exported
 * by config/defaults.ts), per
 * environment; `data.postgres.proxy.*` overrides. Production runs it (faster failover, TLS required,
 * credentials from Secrets Manager); staging may turn it on to rehearse. `maxConnectionsPercent` is
 * the share of the instance's `max_connections` the proxy may hold open: the connection budget
 * (config/connectionBudget.ts) checks that it leaves the reserve for migrations and operators, and
 * that the processes' pools fit within it. The rest mirror RDS's own defaults, written down so the
 * budget and the docs read the same numbers as the proxy.
 */
export interface RdsProxyDefaults {
    readonly enabled: boolean;
    readonly maxConnectionsPercent: number;
    readonly maxIdleConnectionsPercent: number;
    readonly connectionBorrowTimeoutSeconds: number;
    readonly idleClientTimeoutSeconds: number;
}

const rdsProxyShared = {
    maxConnectionsPercent: 90,
    maxIdleConnectionsPercent: 50,
    connectionBorrowTimeoutSeconds: 120,
    idleClientTimeoutSeconds: 1800,
};

export const rdsProxyByEnvironment: Record<Environment, RdsProxyDefaults> = {
    local: { enabled: false, ...rdsProxyShared },
    staging: { enabled: false, ...rdsProxyShared },
    production: { enabled: true, ...rdsProxyShared },
};

/**
 * Secret rotation (docs/secret-rotation.md), as data: how often the External Secrets Operator re-reads
 * each process's Secrets Manager secret, and how often Secrets Manager rotates the RDS-managed master
 * passwords. Config may override both under `rotation.*` (config/schema.ts); production may not rotate less often than
 * `rotationFloors` (the guides' quarterly rotation; SecretsManager.4 fails after 90 days).
 */
export const rotationDefaults = {
    /** ESO refresh: a rotated value reaches the cluster within this long (a Go duration). */
    refreshInterval: "1h",
    /**
     * ESO refresh of the Secrets that hold database credentials AWS rotates: RDS Proxy knows only a
     * secret's current user, so a pod still on the previous user opens no new connection through it
     * until this refresh and Reloader's rollout have replaced the pod (docs/secret-rotation.md).
     */
    credentialsRefreshInterval: "1m",
    /** Days between automatic rotations of each database's master password and of each process's credentials. */
    databaseRotationDays: 30,
    /**
     * Days between automatic rotations of identity's JWT signing key: the guides' quarter. Each key is
     * published one period before it signs and stays published one period after (docs/secret-rotation.md).
     */
    jwtRotationDays: 90,
    /**
     * Days between automatic rotations of each ElastiCache auth token (queue and cache). ROTATE keeps the
     * previous token valid until the next rotation, so this is also how long a token outlives its successor.
     */
    redisRotationDays: 30,
} as const;

/** The longest rotation period a stack may configure (SecretsManager.4: rotated within 90 days). */
export const rotationFloors = { maxRotationDays: 90 } as const;

/**
 * The Lambda rotation functions of our own (components/data/aws/rotationFunction.ts): runtime, size,
 * time limit of one step, and how long their CloudWatch logs are kept (a year: FSBP CloudWatch.16).
 */
export const rotationFunctionDefaults = {
    runtime: "nodejs22.x",
    /** One step at most; generating a 4096-bit RSA key takes a few seconds on Lambda's smallest CPU share. */
    timeoutSeconds: 60,
    memorySizeMb: 256,
    logRetentionDays: 365,
} as const;
