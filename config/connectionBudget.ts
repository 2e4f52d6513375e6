/**
 * The connection budget (issue 12): for each database, the connections its processes may open at
 * their most (max replicas, plus a rollout's surge pod, times each client's pool) must fit within the
 * instance's `max_connections`, less a reserve for migrations, operators and superusers. One RDS
 * instance (or in-cluster StatefulSet) serves each database, so each is budgeted on its own.
 *
 * The pool size reaches each process as Prisma's `connection_limit` on its pooled URLs
 * (wiring/dataContract.ts `pooledEnv`), so the budget checked here is the one that runs.
 *
 * With RDS Proxy in front of a database (config/proxy.ts), the pods connect to the proxy, and the
 * proxy opens at most `maxConnectionsPercent` of `max_connections` to the instance. Two things must
 * then hold: that share leaves the reserve free, and the pools fit within the share. The second is
 * needed because Prisma uses prepared statements, which pin each client connection to one database
 * connection for its session, so the proxy cannot multiplex them (docs/rds-proxy.md).
 */
import { connectionDefaults, type Environment } from "../catalog/guardrails";
import type { EnvGroup, ProcessSpec } from "../catalog/processes";
import { dataDefaults } from "./data";
import { rolloutMaxSurge, serviceDefaults } from "./defaults";
import { problem, type Problem } from "./errors";
import { instanceClassMemoryGiB, rdsMaxConnections } from "./monitoring";
import { proxiedDatabases, resolveProxySettings } from "./proxy";
import type { RawConfig } from "./schema";

export type BudgetedDatabase = "app" | "identity";

/**
 * The database behind each database env group: tasks live in the app database (components/data/dataTier.ts
 * `dataEnv`). Each group is a URL of its own, so a process with two of them holds two client pools.
 */
export const databaseOfEnvGroup: Partial<Readonly<Record<EnvGroup, BudgetedDatabase>>> = {
    appDatabase: "app",
    tasksDatabase: "app",
    identityDatabase: "identity",
};

/**
 * Default pool size per client, by environment and process kind (catalog/guardrails.ts says why);
 * `services.<process>.databasePoolSize` overrides.
 */
export const defaultPoolSize: Readonly<Record<Environment, { readonly http: number; readonly background: number }>> =
    connectionDefaults.poolSize;

/** Connections kept free of the processes' pools, for migrations, operators and superusers (catalog/guardrails.ts). */
export const connectionHeadroom = connectionDefaults.headroom;
export const headroomTotal = connectionHeadroom.superuserReserved + connectionHeadroom.migrations + connectionHeadroom.operators;

/** The in-cluster Postgres (local stack) runs with the server's default `max_connections`. */
export const inClusterPostgresMaxConnections = connectionDefaults.inClusterPostgresMaxConnections;

export interface BudgetLine {
    readonly process: string;
    /** Pods at most: max replicas plus the rollout's surge pod. */
    readonly pods: number;
    readonly maxReplicas: number;
    /** Client pools the process holds on this database (one per URL). */
    readonly clients: number;
    readonly poolSize: number;
    readonly connections: number;
}

export interface DatabaseBudget {
    readonly database: BudgetedDatabase;
    readonly lines: readonly BudgetLine[];
    readonly total: number;
    /** `max_connections`, or undefined when it cannot be known (monitoring.ts reports that). */
    readonly maxConnections: number | undefined;
    readonly headroom: number;
    /** Where the limit comes from, for the message. */
    readonly limitSource: string;
    /** RDS Proxy in front of this database: the share of max_connections the pools draw from. */
    readonly pooler?: { readonly kind: "rdsProxy"; readonly maxConnectionsPercent: number; readonly share: number | undefined };
    /** What the pools may open: the proxy's share, else max_connections less the headroom. */
    readonly available: number | undefined;
}

/** The connections RDS Proxy may open: `maxConnectionsPercent` of max_connections, rounded down as RDS does. */
export function proxyShare(maxConnections: number, maxConnectionsPercent: number): number {
    return percentOf(maxConnections, maxConnectionsPercent);
}

/** A process's pool size: config, else the default for its kind. */
export function poolSizeFor(cfg: Pick<RawConfig, "environment" | "services">, spec: ProcessSpec): number {
    const d = defaultPoolSize[cfg.environment];
    return cfg.services[spec.name]?.databasePoolSize ?? (spec.http !== undefined ? d.http : d.background);
}

/** Max replicas of a process on this stack: autoscale.max, replicas, or 1 for singletons; 0 when disabled. */
export function maxReplicasFor(cfg: Pick<RawConfig, "environment" | "services">, spec: ProcessSpec): number {
    const own = cfg.services[spec.name];
    if (own?.enabled === false) return 0;
    const d = serviceDefaults(cfg.environment, spec);
    if (spec.scaling === "autoscaled") return own?.autoscale?.max ?? d.autoscale.max;
    if (spec.scaling === "horizontal") return own?.replicas ?? d.replicas;
    return 1;
}

/** Pods at most during a rollout: singletons are recreated, the rest surge (components/workloads/serviceProcess.ts). */
function peakPods(spec: ProcessSpec, maxReplicas: number): number {
    if (maxReplicas === 0) return 0;
    return spec.scaling === "singleton" ? maxReplicas : maxReplicas + rolloutMaxSurge;
}

/** `max_connections` of the stack's Postgres and where it comes from. */
export function postgresMaxConnections(cfg: Pick<RawConfig, "environment" | "data" | "monitoring">): {
    value: number | undefined;
    source: string;
} {
    if (cfg.data.provider !== "aws") return { value: inClusterPostgresMaxConnections, source: "the in-cluster Postgres's default" };
    if (cfg.monitoring.postgresMaxConnections !== undefined)
        return { value: cfg.monitoring.postgresMaxConnections, source: "monitoring.postgresMaxConnections" };
    const instanceClass = cfg.data.postgres?.instanceClass ?? dataDefaults(cfg.environment).postgres.instanceClass;
    const memory = instanceClassMemoryGiB(instanceClass);
    return { value: memory === undefined ? undefined : rdsMaxConnections(memory), source: instanceClass };
}

/** The budget of each database on this stack, biggest contributors first. */
export function connectionBudgets(
    cfg: Pick<RawConfig, "environment" | "data" | "monitoring" | "services">,
    catalog: readonly ProcessSpec[],
): DatabaseBudget[] {
    const limit = postgresMaxConnections(cfg);
    const proxy = resolveProxySettings(cfg.environment, cfg.data);
    return (["app", "identity"] as const).map((database) => {
        const lines: BudgetLine[] = [];
        for (const spec of catalog) {
            const clients = spec.envGroups.filter((g) => databaseOfEnvGroup[g] === database).length;
            if (clients === 0) continue;
            const maxReplicas = maxReplicasFor(cfg, spec);
            const pods = peakPods(spec, maxReplicas);
            const poolSize = poolSizeFor(cfg, spec);
            lines.push({ process: spec.name, pods, maxReplicas, clients, poolSize, connections: pods * clients * poolSize });
        }
        lines.sort((a, b) => b.connections - a.connections || a.process.localeCompare(b.process));
        const total = lines.reduce((s, l) => s + l.connections, 0);
        const m = limit.value;
        if (proxy !== undefined && proxiedDatabases.includes(database)) {
            const share = m === undefined ? undefined : proxyShare(m, proxy.maxConnectionsPercent);
            const pooler = { kind: "rdsProxy" as const, maxConnectionsPercent: proxy.maxConnectionsPercent, share };
            return {
                database,
                lines,
                total,
                maxConnections: m,
                headroom: headroomTotal,
                limitSource: limit.source,
                pooler,
                available: share,
            };
        }
        const available = m === undefined ? undefined : m - headroomTotal;
        return { database, lines, total, maxConnections: m, headroom: headroomTotal, limitSource: limit.source, available };
    });
}

/** The key to name for a process: what the stack set, else what scales it. */
function keyFor(cfg: Pick<RawConfig, "services">, spec: ProcessSpec | undefined, process: string): string {
    if (cfg.services[process]?.databasePoolSize !== undefined || spec === undefined || spec.scaling === "singleton")
        return `services.${process}.databasePoolSize`;
    return spec.scaling === "autoscaled" ? `services.${process}.autoscale.max` : `services.${process}.replicas`;
}

/** One problem per database whose processes may open more connections than it allows. */
export function connectionBudgetProblems(
    cfg: Pick<RawConfig, "environment" | "data" | "monitoring" | "services">,
    catalog: readonly ProcessSpec[],
    isPlaintext: (path: readonly string[]) => boolean = () => true,
): Problem[] {
    const out: Problem[] = [];
    // Figures come from config: they are printed only when every setting behind them is stored in plaintext.
    const settings = [
        ["monitoring", "postgresMaxConnections"],
        ["data", "postgres", "instanceClass"],
        ["data", "postgres", "proxy", "maxConnectionsPercent"],
        ...Object.entries(cfg.services).flatMap(([name, svc]) =>
            (["replicas", "autoscale", "databasePoolSize", "enabled"] as const)
                .filter((k) => svc[k] !== undefined)
                .map((k) => ["services", name, k]),
        ),
    ];
    const printable = settings.every((path) => {
        let node: unknown = cfg;
        for (const seg of path) node = (node as Record<string, unknown> | undefined)?.[seg];
        return node === undefined || isPlaintext(path);
    });
    for (const b of connectionBudgets(cfg, catalog)) {
        if (b.maxConnections === undefined || b.available === undefined) continue;
        const available = b.available;
        const reserveLeft = b.maxConnections - b.headroom;
        if (b.pooler !== undefined && available > reserveLeft) {
            // The proxy alone could take the connections kept for migrations and operators.
            const most = wholePercent(reserveLeft, b.maxConnections);
            const figures = printable
                ? `RDS Proxy may open ${b.pooler.maxConnectionsPercent}% of ${b.maxConnections} max_connections (${b.limitSource}) = ${available}, ` +
                  `leaving fewer than the ${b.headroom} kept for migrations and operators. ` +
                  (most >= 1 ? `Set it to at most ${most}` : "Choose a larger data.postgres.instanceClass")
                : `RDS Proxy's share of max_connections leaves fewer than the ${b.headroom} kept for migrations and operators ` +
                  "(the figures are left out: some settings behind them are stored with --secret). Lower it";
            out.push(
                problem("data.postgres.proxy.maxConnectionsPercent", `overruns the ${b.database} database's connection budget: ${figures}`),
            );
        }
        if (b.total <= available) continue;
        const over = b.total - available;
        const contributing = b.lines.filter((l) => l.connections > 0);
        const terms = contributing.map(
            (l) =>
                `${l.process} ${l.pods} ${l.pods === 1 ? "pod" : "pods"} x ${l.clients > 1 ? `${l.clients} clients x ` : ""}pool ${l.poolSize} = ${l.connections}`,
        );
        // The biggest contributors that together hold at least the overrun: turning them down helps most.
        const turnDown: string[] = [];
        for (let sum = 0, i = 0; sum < over && i < contributing.length; i++) {
            turnDown.push(contributing[i]!.process);
            sum += contributing[i]!.connections;
        }
        const larger =
            cfg.data.provider !== "aws"
                ? ""
                : b.pooler !== undefined
                  ? ", or raise data.postgres.proxy.maxConnectionsPercent or choose a larger data.postgres.instanceClass"
                  : ", or choose a larger data.postgres.instanceClass";
        const biggest = b.lines[0]!;
        const limitText =
            b.pooler !== undefined
                ? `RDS Proxy's ${b.pooler.maxConnectionsPercent}% of ${b.maxConnections} max_connections (${b.limitSource}, data.postgres.proxy.maxConnectionsPercent) ` +
                  `leaves ${available} (Prisma pins each client connection, so the proxy cannot multiplex them)`
                : `${b.maxConnections} max_connections (${b.limitSource}) less ${b.headroom} kept for migrations and operators leaves ${available}`;
        const why = printable
            ? ` by ${over}: its processes may open ${b.total} connections at max replicas plus a rollout's surge pod ` +
              `(${terms.join(", ")}), but ${limitText}`
            : `: its processes may open more connections at max replicas plus a rollout's surge pod than ${b.pooler !== undefined ? "RDS Proxy's share of max_connections" : `max_connections less ${b.headroom} kept for migrations and operators`} ` +
              "(the figures are left out: some settings behind them are stored with --secret)";
        out.push(
            problem(
                keyFor(
                    cfg,
                    catalog.find((p) => p.name === biggest.process),
                    biggest.process,
                ),
                `overruns the ${b.database} database's connection budget${why}. ` +
                    `Turn down, biggest first: ${turnDown.join(", ")} (services.<process>.autoscale.max or .replicas, or services.<process>.databasePoolSize)${larger}`,
            ),
        );
    }
    return out;
}

/** `percent`% of `total`, rounded down (as RDS rounds a proxy's share). */
function percentOf(total: number, percent: number): number {
    return Math.floor((total * percent) / 100);
}

/** The whole percent `part` is of `whole`, rounded down. */
function wholePercent(part: number, whole: number): number {
    return Math.floor((part * 100) / whole);
}
