/**
 * Recovery objectives and restores (`data.rpoMinutes`, `data.rtoHours`, `data.restore`): what the
 * guides promise (Production Readiness: RPO 1 h, RTO 4 h, 30-day backups) stated as config, the
 * settings that cannot keep the promise refused, and a point-in-time restore as a config change.
 *
 * Imports nothing from data.ts, which calls `recoveryProblems`: the parts of `data.*` it reads are
 * declared below as the shapes it needs (data.ts's types satisfy them).
 */
import { z } from "zod";
import type { Environment } from "../catalog/guardrails";
import { problem, type Problem } from "./errors";

/** The objectives of a stack. The guides set production's; staging is a day, to be rebuilt from production. */
export const recoveryDefaults: Record<Environment, { rpoMinutes: number; rtoHours: number } | undefined> = {
    local: undefined,
    staging: { rpoMinutes: 1440, rtoHours: 24 },
    production: { rpoMinutes: 60, rtoHours: 4 },
};

/** What the stores can do, as data the checks and the docs share. */
export const recoveryFacts = {
    /** RDS archives transaction logs every 5 minutes: the latest restorable time trails by up to that. */
    rdsPitrLagMinutes: 5,
    /** A point-in-time restore is a new instance; budget an hour for it and the pods to roll onto it. */
    pitrRestoreHours: 1,
    /** ElastiCache takes one snapshot a day: without a replica, that is how much of the queue can be lost. */
    redisSnapshotIntervalMinutes: 1440,
} as const;

/** `data.restore.<database>`: restore that database to a point in time as a new instance. */
export const restoreConfig = z
    .object({
        /** UTC time to restore to, RFC 3339 (`2026-12-01T10:42:00Z`), within the backup retention window. */
        restoreTime: z.iso.datetime().optional(),
        /** Restore to the latest restorable time (about five minutes ago) instead of a given time. */
        useLatestRestorableTime: z.boolean().optional(),
    })
    .strict();
export type RestoreConfig = z.infer<typeof restoreConfig>;

export const recoveryConfigShape = {
    /** Recovery point objective: at most this much data may be lost (minutes). */
    rpoMinutes: z.number().int().min(1).max(10080).optional(),
    /** Recovery time objective: service is back within this many hours. */
    rtoHours: z.number().min(0.25).max(168).optional(),
    /** Point-in-time restores by database (`app`, `identity`): docs/operations.md, the restore runbook. */
    restore: z.object({ app: restoreConfig.optional(), identity: restoreConfig.optional() }).strict().optional(),
};

/** What the recovery checks read of `data.*` (config/data.ts `DataConfig`). */
export interface RecoveryData {
    readonly provider: "inCluster" | "aws";
    readonly rpoMinutes?: number | undefined;
    readonly rtoHours?: number | undefined;
    readonly restore?: { readonly app?: RestoreConfig | undefined; readonly identity?: RestoreConfig | undefined } | undefined;
}

/** What the recovery checks read of the resolved data settings (config/data.ts `DataSettings`). */
export interface RecoverySettings {
    readonly postgres: { readonly backupRetentionDays: number };
    readonly redis: { readonly multiAz: boolean; readonly snapshotRetentionLimit: number };
}

/** The objectives in force: config over the environment's defaults (undefined: none promised). */
export function recoveryObjectives(
    environment: Environment,
    data: Pick<RecoveryData, "rpoMinutes" | "rtoHours">,
): { rpoMinutes: number; rtoHours: number } | undefined {
    const d = recoveryDefaults[environment];
    if (d === undefined && data.rpoMinutes === undefined && data.rtoHours === undefined) return undefined;
    return { rpoMinutes: data.rpoMinutes ?? d?.rpoMinutes ?? 60, rtoHours: data.rtoHours ?? d?.rtoHours ?? 4 };
}

/** Settings that cannot meet the objectives, and restores that cannot run, as problem lines. */
export function recoveryProblems(environment: Environment, data: RecoveryData, s: RecoverySettings): Problem[] {
    const out: Problem[] = [];
    const aws = data.provider === "aws";
    for (const [database, r] of Object.entries(data.restore ?? {})) {
        if (r === undefined) continue;
        const key = `data.restore.${database}`;
        if (!aws) out.push(problem(key, 'only applies when data.provider is "aws": the in-cluster Postgres has no point-in-time recovery'));
        const given = (r.restoreTime !== undefined ? 1 : 0) + (r.useLatestRestorableTime === true ? 1 : 0);
        if (given !== 1)
            out.push(problem(key, "must set exactly one of restoreTime (RFC 3339 UTC) or useLatestRestorableTime: true", { got: r }));
    }
    const objectives = recoveryObjectives(environment, data);
    if (objectives === undefined) return out;
    const { rpoMinutes, rtoHours } = objectives;
    if (!aws) {
        out.push(
            problem(
                data.rpoMinutes !== undefined ? "data.rpoMinutes" : "data.rtoHours",
                'only applies when data.provider is "aws": the in-cluster stores keep no backups, so no objective can be promised',
            ),
        );
        return out;
    }
    const f = recoveryFacts;
    if (rpoMinutes < f.rdsPitrLagMinutes) {
        out.push(
            problem(
                "data.rpoMinutes",
                `cannot be met below ${f.rdsPitrLagMinutes}: RDS point-in-time recovery trails by up to ${f.rdsPitrLagMinutes} minutes`,
                { got: rpoMinutes },
            ),
        );
    }
    if (s.postgres.backupRetentionDays < 1) {
        out.push(
            problem(
                "data.postgres.backupRetentionDays",
                `must be at least 1 to meet data.rpoMinutes ${rpoMinutes}: 0 turns point-in-time recovery off`,
                { got: s.postgres.backupRetentionDays },
            ),
        );
    }
    if (!s.redis.multiAz && rpoMinutes < f.redisSnapshotIntervalMinutes) {
        out.push(
            problem(
                "data.redis.multiAz",
                `must be true to meet data.rpoMinutes ${rpoMinutes}: without a replica, losing the node loses the queue back to the last daily snapshot (${f.redisSnapshotIntervalMinutes} minutes)`,
                { got: s.redis.multiAz },
            ),
        );
    }
    if (s.redis.snapshotRetentionLimit < 1 && !s.redis.multiAz) {
        out.push(
            problem(
                "data.redis.snapshotRetentionLimit",
                `must be at least 1 to meet any RPO: with no replica and no snapshot, the queue cannot be recovered at all`,
                { got: s.redis.snapshotRetentionLimit },
            ),
        );
    }
    if (rtoHours < f.pitrRestoreHours) {
        out.push(
            problem(
                "data.rtoHours",
                `cannot be met below ${f.pitrRestoreHours}: a point-in-time restore creates a new instance, then every process rolls onto it`,
                { got: rtoHours },
            ),
        );
    }
    return out;
}
