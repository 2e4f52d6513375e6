/**
 * Defaults that depend on the environment, in one visible place. Config may override each of them
 * under `services.<name>`; rules.ts refuses overrides that break the guides.
 */
import { type Environment } from "../catalog/guardrails";
import type { RedisRole } from "../catalog/network";
import type { ProcessSpec } from "../catalog/processes";

// The rollout surge and the spread rules are guardrail data (catalog/guardrails.ts), re-exported here
// for the components and config rules that read them.
export { rolloutMaxSurge, topologySpreadByEnvironment, type SpreadRule, type TopologySpread } from "../catalog/guardrails";

export interface ResourceSpec {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface ServiceDefaults {
    readonly replicas: number;
    readonly autoscale: { readonly min: number; readonly max: number; readonly targetCpuPercent: number };
    readonly resources: ResourceSpec;
    readonly terminationGracePeriodSeconds: number;
}

/** Web autoscales between 2 and 10 in production, as the guides' `fly autoscale set min=2 max=10` does. */
const autoscaleByEnvironment: Record<Environment, ServiceDefaults["autoscale"]> = {
    local: { min: 1, max: 2, targetCpuPercent: 70 },
    staging: { min: 1, max: 4, targetCpuPercent: 70 },
    production: { min: 2, max: 10, targetCpuPercent: 70 },
};

/** Queue consumers: enough in production that one pod's rollout never stops the queue. */
const workerReplicasByEnvironment: Record<Environment, number> = { local: 1, staging: 1, production: 2 };

const resourcesByEnvironment: Record<Environment, ResourceSpec> = {
    local: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    staging: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    production: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
};

/** Workers finish their in-flight jobs after SIGTERM; two minutes covers the guides' job sizes. */
export const drainGracePeriodSeconds = 120;
export const defaultGracePeriodSeconds = 30;

/**
 * Liveness for background processes, which serve no HTTP port: PID 1 must still be a live process
 * that answers a signal. Apps that write a heartbeat file should set `services.<name>.livenessCommand`.
 */
export const defaultBackgroundLivenessCommand: readonly string[] = ["node", "-e", "process.kill(1, 0)"];

export function serviceDefaults(environment: Environment, process: ProcessSpec): ServiceDefaults {
    return {
        replicas: process.scaling === "horizontal" ? workerReplicasByEnvironment[environment] : 1,
        autoscale: autoscaleByEnvironment[environment],
        resources: resourcesByEnvironment[environment],
        terminationGracePeriodSeconds: process.drainsJobs ? drainGracePeriodSeconds : defaultGracePeriodSeconds,
    };
}

export { rdsProxyByEnvironment, type RdsProxyDefaults } from "../catalog/guardrails";

/** The generic executor exercises connectors from JSON definitions: non-production only (guides). */
export function genericExecutorDefault(environment: Environment): boolean {
    return environment !== "production";
}

/**
 * Each Redis's `maxmemory-policy`, by role. The queue never evicts: BullMQ loses jobs under any
 * evicting policy, so a full queue must fail writes loudly (Deployment & Production Readiness guide
 * §1). The cache evicts the least recently used keys, any key: cached entries are rebuilt on a miss
 * ("Redis is ephemeral; rely on deterministic rebuild", Production Readiness guide §4), so a full
 * cache keeps serving instead of failing the request that writes to it.
 */
export const redisMaxmemoryPolicy: Readonly<Record<RedisRole, string>> = { queue: "noeviction", cache: "allkeys-lru" };

/**
 * Whether each Redis keeps its data across restarts (append-only file on a claim locally, daily
 * snapshots on ElastiCache). The queue must: queued jobs survive a restart. The cache need not:
 * it is rebuilt, and snapshots of it would only restore stale entries.
 */
export const redisPersistent: Readonly<Record<RedisRole, boolean>> = { queue: true, cache: false };

export { rotationDefaults, rotationFloors } from "../catalog/guardrails";
