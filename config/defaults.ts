/**
 * Defaults that depend on the environment, in one visible place. Config may override each of them
 * under `services.<name>`; rules.ts refuses overrides that break the guides.
 */
import type { ProcessSpec } from "../catalog/processes";
import type { Environment } from "./schema";

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

/** Extra pods a rolling update starts before it stops old ones (components/serviceProcess.ts); the connection budget counts them. */
export const rolloutMaxSurge = 1;

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
export const topologySpreadByEnvironment: Record<Environment, TopologySpread> = {
    local: { zone: soft, node: soft },
    staging: { zone: soft, node: soft },
    production: { zone: soft, node: { maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" } },
};

/** The generic executor exercises connectors from JSON definitions: non-production only (guides). */
export function genericExecutorDefault(environment: Environment): boolean {
    return environment !== "production";
}

/**
 * Secret rotation (docs/secret-rotation.md), as data: how often the External Secrets Operator re-reads
 * each process's Secrets Manager secret, and how often Secrets Manager rotates the RDS-managed master
 * passwords. Config may override both under `rotation.*`; production may not rotate less often than
 * `rotationFloors` (the guides' quarterly rotation; SecretsManager.4 fails after 90 days).
 */
export const rotationDefaults = {
    /** ESO refresh: a rotated value reaches the cluster within this long (a Go duration). */
    refreshInterval: "1h",
    /** Days between automatic rotations of each database's master password. */
    databaseRotationDays: 30,
} as const;

/** The longest rotation period a stack may configure (SecretsManager.4: rotated within 90 days). */
export const rotationFloors = { maxDatabaseRotationDays: 90 } as const;
