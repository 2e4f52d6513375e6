/**
 * Day-2 operations config (`grownext:monitoring`, plus the secret `grownext:alertHttpsEndpoints`):
 * who is paged, at which thresholds, and what the operator does about each alarm.
 *
 * One home for every number: `alarmDefaults(environment)` is the per-environment thresholds table,
 * `monitoring.thresholds.*` in stack config overrides single values, and components, policies, the
 * dashboard and the docs all read the resolved values from here. The runbook actions an alarm's
 * description names live here too (`runbook`), quoted from the guides.
 */
import { z } from "zod";
import { alarmThresholdDefaults, awsLimits, type Environment } from "../catalog/guardrails";
import { problem, type Problem } from "./errors";

/** What an alarm's description tells the operator to do, citing the guide it comes from. */
export const runbook = {
    restartInspect:
        "Production Readiness guide §3 (health probes): restart the service and inspect its logs; check Sentry with the request's correlation id (§4 Incident response).",
    queueHeartbeat:
        "Deployment Guide (queue health): the queue stopped draining. Run `npm run check:queue`, check the worker, scheduler and timers pods and Redis, and halt any deploy in progress.",
    redisMemory:
        "Deployment & Production Readiness guide §6/§8 (monitor Redis memory): Redis runs noeviction, so when full every enqueue fails. Find the backlog (queue length, retry counts), scale the workers, or raise data.redis.nodeType; never flush the queue.",
    redisEvictions:
        "Deployment & Production Readiness guide §1 (maxmemory-policy=noeviction): an eviction means queued jobs were dropped. Check the parameter group's maxmemory-policy and the redis-noeviction policy, then replay lost jobs.",
    cacheHitRate:
        "Production Readiness guide §3 (Redis metrics: cache miss > 40%): flush and prewarm the caches if necessary (the product catalog is primed by cacheService.primeProducts) and validate the TTL config (RECOMMENDATIONS_CACHE_TTL_OVERRIDE); a cache that evicts its hot keys needs a larger data.redis.nodeType.",
    redisLoad:
        "Deployment & Production Readiness guide §8 (revisit sizing, monitor Redis): find the hot clients (CurrConnections, slow log), scale workers back, or raise data.redis.nodeType.",
    redisReplication:
        "Production Readiness guide §4 (resilience): the replica lags the primary, so a failover now would lose queued jobs beyond the RPO. Check network and write load on the primary.",
    postgresCapacity:
        "Deployment & Production Readiness guide §8 (revisit sizing): check slow queries in Performance Insights / pg_stat_statements, then raise data.postgres.instanceClass.",
    postgresStorage:
        "Deployment & Production Readiness guide §8: storage autoscaling stops at data.postgres.maxAllocatedStorage. Raise it (or allocatedStorage) and `pulumi up`; check for runaway tables or logs.",
    postgresConnections:
        "Deployment & Production Readiness guide §8 (monitor Postgres connection counts): look for connection leaks, lower the processes' pool sizes, or raise data.postgres.instanceClass.",
    postgresWal:
        "Production Readiness guide §4: transaction logs pile up when a replication slot or archiving is stuck. Drop unused replication slots (pg_replication_slots) and check the RDS events.",
    rdsEvent:
        "Production Readiness guide §4/§5 (backups, RTO 4 h): confirm the failover or recovery completed and the backup ran; if data was lost, restore to a point in time (docs/operations.md: the restore runbook).",
} as const;
export type RunbookAction = keyof typeof runbook;

/** Thresholds of one stack: every alarm reads its number from here. */
export interface AlarmThresholds {
    /** How CloudWatch evaluates: period in seconds, periods looked at, and how many must breach. */
    readonly periodSeconds: number;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm: number;
    readonly postgres: {
        readonly cpuPercent: number;
        /** Free storage below this percentage of the allocated storage. */
        readonly freeStoragePercent: number;
        /** Freeable memory below this percentage of the instance class's memory. */
        readonly freeableMemoryPercent: number;
        /** Connections above this percentage of the instance class's max_connections. */
        readonly connectionsPercent: number;
        /** Transaction log disk usage above this percentage of the allocated storage. */
        readonly transactionLogsPercent: number;
        readonly diskQueueDepth: number;
    };
    readonly redis: {
        /** DatabaseMemoryUsagePercentage that warns: time to plan. */
        readonly memoryWarningPercent: number;
        /** DatabaseMemoryUsagePercentage that pages: under noeviction, writes fail at 100. */
        readonly memoryPagePercent: number;
        readonly engineCpuPercent: number;
        readonly currConnections: number;
        readonly replicationLagSeconds: number;
        /** The cache's hits as a share of lookups (CacheHitRate) below which it warns: the guide's "cache miss > 40%". */
        readonly cacheHitRatePercent: number;
    };
    readonly healthChecks: {
        /** Consecutive failed checks before Route 53 calls an endpoint unhealthy. */
        readonly failureThreshold: number;
        /** Seconds between checks from each checker region: 10 or 30. */
        readonly requestIntervalSeconds: (typeof awsLimits.route53.requestIntervalSeconds)[number];
    };
}

/**
 * The per-environment thresholds table: guardrail data (catalog/guardrails.ts `alarmThresholdDefaults`).
 * Production pages within minutes; staging looks at longer windows with looser limits.
 */
export function alarmDefaults(environment: Environment): AlarmThresholds {
    // A copy: callers may spread and adjust it, the table stays as written.
    return structuredClone(alarmThresholdDefaults[environment]);
}

const percent = z.number().min(1).max(99);

const thresholdsConfig = z
    .object({
        periodSeconds: z.literal([10, 30, 60, 300, 900, 3600]).optional(),
        evaluationPeriods: z.number().int().min(1).max(60).optional(),
        datapointsToAlarm: z.number().int().min(1).max(60).optional(),
        postgres: z
            .object({
                cpuPercent: percent.optional(),
                freeStoragePercent: percent.optional(),
                freeableMemoryPercent: percent.optional(),
                connectionsPercent: percent.optional(),
                transactionLogsPercent: percent.optional(),
                diskQueueDepth: z.number().min(1).optional(),
            })
            .strict()
            .optional(),
        redis: z
            .object({
                memoryWarningPercent: percent.optional(),
                memoryPagePercent: percent.optional(),
                engineCpuPercent: percent.optional(),
                currConnections: z.number().int().min(1).max(65000).optional(),
                replicationLagSeconds: z.number().min(1).optional(),
                cacheHitRatePercent: percent.optional(),
            })
            .strict()
            .optional(),
        healthChecks: z
            .object({
                failureThreshold: z.number().int().min(1).max(10).optional(),
                requestIntervalSeconds: z.literal([...awsLimits.route53.requestIntervalSeconds]).optional(),
            })
            .strict()
            .optional(),
    })
    .strict();

/** `grownext:monitoring`. */
export const monitoringConfig = z
    .object({
        /** Addresses subscribed to the stack's alert route (SNS email; each confirms once). */
        alertEmails: z.array(z.email()).default([]),
        /** Overrides of the per-environment thresholds table (`alarmDefaults`). */
        thresholds: thresholdsConfig.optional(),
        /**
         * A string each public process's readiness body must contain, by process; without one the
         * Route 53 check accepts any 2xx/3xx, which is the readiness contract of the guides.
         */
        healthCheckSearchStrings: z.record(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/), z.string().min(1).max(255)).default({}),
        /** Declare PrometheusRule objects (the cluster must run the Prometheus Operator). */
        prometheusRules: z.boolean().default(false),
        /** Override `max_connections` when the instance class is not in the memory table (or a parameter group sets it). */
        postgresMaxConnections: z.number().int().min(10).max(262143).optional(),
    })
    .strict();
export type MonitoringConfig = z.infer<typeof monitoringConfig>;

/** `grownext:alertHttpsEndpoints`: name → HTTPS URL (a pager's integration URL). A secret. */
export const alertHttpsEndpointsConfig = z.record(
    z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a short lower-case name such as pagerduty" }),
    z.url({ protocol: /^https$/ }),
);

/** Config over the table. */
export function resolveThresholds(environment: Environment, monitoring: Pick<MonitoringConfig, "thresholds"> | undefined): AlarmThresholds {
    const d = alarmDefaults(environment);
    const t = monitoring?.thresholds ?? {};
    const defined = <T extends object>(o: T | undefined): Partial<T> =>
        Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
    return {
        ...d,
        ...defined({ periodSeconds: t.periodSeconds, evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.datapointsToAlarm }),
        postgres: { ...d.postgres, ...defined(t.postgres) },
        redis: { ...d.redis, ...defined(t.redis) },
        healthChecks: { ...d.healthChecks, ...defined(t.healthChecks) },
    };
}

// ---- RDS instance classes: memory, and max_connections derived from it ----

/** vCPUs by size suffix (AWS's naming is the same across the m, r, x families). */
const vcpusBySize: Readonly<Record<string, number>> = {
    large: 2,
    xlarge: 4,
    "2xlarge": 8,
    "4xlarge": 16,
    "8xlarge": 32,
    "12xlarge": 48,
    "16xlarge": 64,
    "24xlarge": 96,
    "32xlarge": 128,
    "48xlarge": 192,
};
/** GiB of memory per vCPU by family prefix: general purpose 4, memory optimised 8, x2 16. */
const gibPerVcpu: ReadonlyArray<readonly [RegExp, number]> = [
    [/^m\d/, 4],
    [/^r\d/, 8],
    [/^x2/, 16],
];
/** Burstable classes have their own memory per size. */
const burstableGib: Readonly<Record<string, number>> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 };

/** Memory of an RDS instance class in GiB, from the AWS naming scheme; undefined when not in the table. */
export function instanceClassMemoryGiB(instanceClass: string): number | undefined {
    const m = /^db\.([a-z0-9-]+)\.([a-z0-9]+)$/.exec(instanceClass);
    if (!m) return undefined;
    const [, family, size] = m as unknown as [string, string, string];
    if (/^t\d/.test(family)) return burstableGib[size];
    const perVcpu = gibPerVcpu.find(([re]) => re.test(family))?.[1];
    const vcpus = vcpusBySize[size];
    return perVcpu !== undefined && vcpus !== undefined ? perVcpu * vcpus : undefined;
}

/** RDS for PostgreSQL's default: `LEAST({DBInstanceClassMemory/9531392}, 5000)` (catalog/guardrails.ts `awsLimits.rds`). */
export function rdsMaxConnections(memoryGiB: number): number {
    const rds = awsLimits.rds;
    return Math.min(Math.floor((memoryGiB * 1024 ** 3) / rds.maxConnectionsBytesEach), rds.maxConnectionsCap);
}

/** Route 53 health checks: the queue heartbeat the guides gate releases on, served through `web`. */
export const queueHeartbeat = {
    /** Catalog process whose public host serves the heartbeat. */
    servedBy: "web",
    path: "/api/production/queue/heartbeat",
    /** The body's `.status.status` is `"pass"` when the queue drains (guides: `jq -e '.status.status == "pass"'`). */
    searchString: '"pass"',
} as const;

/** Cross-key checks of `monitoring.*` and `alertHttpsEndpoints`, as problem lines. */
export function monitoringProblems(
    environment: Environment,
    provider: "aws" | "inCluster",
    monitoring: MonitoringConfig,
    alertHttpsEndpoints: Readonly<Record<string, string>>,
    instanceClass: string | undefined,
    rpoMinutes?: number,
): Problem[] {
    const out: Problem[] = [];
    const t = resolveThresholds(environment, monitoring);
    if (t.datapointsToAlarm > t.evaluationPeriods) {
        out.push(
            problem(
                "monitoring.thresholds.datapointsToAlarm",
                `must be at most monitoring.thresholds.evaluationPeriods (${t.evaluationPeriods})`,
                { got: t.datapointsToAlarm },
            ),
        );
    }
    if (t.redis.memoryWarningPercent >= t.redis.memoryPagePercent) {
        out.push(
            problem(
                "monitoring.thresholds.redis.memoryWarningPercent",
                `must be below monitoring.thresholds.redis.memoryPagePercent (${t.redis.memoryPagePercent}): the warning comes first`,
                { got: t.redis.memoryWarningPercent },
            ),
        );
    }
    if (rpoMinutes !== undefined && t.redis.replicationLagSeconds >= rpoMinutes * 60) {
        out.push(
            problem(
                "monitoring.thresholds.redis.replicationLagSeconds",
                `must be below data.rpoMinutes (${rpoMinutes} min): a failover at that lag would already lose more than the RPO`,
                { got: t.redis.replicationLagSeconds },
            ),
        );
    }
    const aws = provider === "aws";
    const routes = monitoring.alertEmails.length + Object.keys(alertHttpsEndpoints).length;
    if (aws && environment === "production" && routes === 0) {
        out.push(
            problem(
                "monitoring.alertEmails",
                "needs at least one address in production (or set alertHttpsEndpoints.<name> with --secret): alarms must reach someone",
            ),
        );
    }
    if (!aws && routes > 0) {
        out.push(
            problem(
                monitoring.alertEmails.length > 0 ? "monitoring.alertEmails" : "alertHttpsEndpoints",
                'only applies when data.provider is "aws": the alert route is an SNS topic',
            ),
        );
    }
    if (
        aws &&
        instanceClass !== undefined &&
        monitoring.postgresMaxConnections === undefined &&
        instanceClassMemoryGiB(instanceClass) === undefined
    ) {
        out.push(
            problem(
                "monitoring.postgresMaxConnections",
                `is required: data.postgres.instanceClass ${instanceClass} is not in the memory table, so its max_connections cannot be derived`,
            ),
        );
    }
    return out;
}
