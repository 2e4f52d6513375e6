/**
 * `data.postgres.proxy`: RDS Proxy in front of the app database on AWS stacks (docs/rds-proxy.md).
 * Defaults per environment live in catalog/guardrails.ts (`rdsProxyByEnvironment`); this module holds
 * the schema, the merge of config over those defaults, and the checks that need no max_connections
 * (the connection budget, config/connectionBudget.ts, checks the percent against the instance).
 */
import { z } from "zod";
import { awsLimits, rdsProxyByEnvironment, type Environment, type RdsProxyDefaults } from "../catalog/guardrails";
import { problem, type Problem } from "./errors";

const limits = awsLimits.rdsProxy;

export const postgresProxyConfig = z
    .object({
        /** Put an RDS Proxy in front of the app database (production: required). */
        enabled: z.boolean().optional(),
        /** Share of the instance's max_connections the proxy may open (RDS: 1..100). */
        maxConnectionsPercent: z.number().int().min(limits.connectionsPercent.min).max(limits.connectionsPercent.max).optional(),
        /** Share of max_connections the proxy keeps open while idle (at most maxConnectionsPercent). */
        maxIdleConnectionsPercent: z
            .number()
            .int()
            .min(limits.idleConnectionsPercent.min)
            .max(limits.idleConnectionsPercent.max)
            .optional(),
        /** Seconds a client waits for a free database connection before the proxy refuses it (RDS: 0..3600). */
        connectionBorrowTimeoutSeconds: z
            .number()
            .int()
            .min(limits.connectionBorrowTimeoutSeconds.min)
            .max(limits.connectionBorrowTimeoutSeconds.max)
            .optional(),
        /** Seconds an idle client connection stays open (RDS: 1..28800). */
        idleClientTimeoutSeconds: z
            .number()
            .int()
            .min(limits.idleClientTimeoutSeconds.min)
            .max(limits.idleClientTimeoutSeconds.max)
            .optional(),
    })
    .strict();

export type PostgresProxyConfig = z.infer<typeof postgresProxyConfig>;
export type ProxySettings = RdsProxyDefaults;

/**
 * The databases a proxy fronts: the app database, which every product process shares (the identity
 * database serves one process and stays direct; its budget is a ninth of its instance's).
 */
export const proxiedDatabases: readonly string[] = ["app"];

interface DataLike {
    readonly provider: "inCluster" | "aws";
    readonly postgres?: { readonly proxy?: PostgresProxyConfig };
}

/** The proxy's settings on this stack, config over defaults; undefined when the stack runs none. */
export function resolveProxySettings(environment: Environment, data: DataLike): ProxySettings | undefined {
    if (data.provider !== "aws") return undefined;
    const own = Object.fromEntries(Object.entries(data.postgres?.proxy ?? {}).filter(([, v]) => v !== undefined));
    const s: ProxySettings = { ...rdsProxyByEnvironment[environment], ...own };
    return s.enabled ? s : undefined;
}

/** `data.postgres.proxy` problems that need no instance figures. */
export function proxyProblems(environment: Environment, data: DataLike): Problem[] {
    const out: Problem[] = [];
    const own = data.postgres?.proxy;
    if (data.provider !== "aws" || own === undefined) return out;
    const merged = {
        ...rdsProxyByEnvironment[environment],
        ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)),
    };
    if (environment === "production" && !merged.enabled) {
        out.push(
            problem(
                "data.postgres.proxy.enabled",
                "must be true in production: the app database's processes reach it through RDS Proxy " +
                    "(TLS required, credentials from Secrets Manager, connections kept through a failover)",
                { got: merged.enabled },
            ),
        );
    }
    if (merged.maxIdleConnectionsPercent > merged.maxConnectionsPercent) {
        const key =
            own.maxIdleConnectionsPercent !== undefined
                ? "data.postgres.proxy.maxIdleConnectionsPercent"
                : "data.postgres.proxy.maxConnectionsPercent";
        // Figures only through `got`, which the loader prints only for values stored in plaintext.
        out.push(
            problem(
                key,
                "must keep data.postgres.proxy.maxIdleConnectionsPercent at most data.postgres.proxy.maxConnectionsPercent " +
                    `(defaults ${rdsProxyByEnvironment[environment].maxIdleConnectionsPercent} and ${rdsProxyByEnvironment[environment].maxConnectionsPercent}): ` +
                    "RDS refuses an idle share above the whole",
                { got: own.maxIdleConnectionsPercent ?? own.maxConnectionsPercent },
            ),
        );
    }
    return out;
}
