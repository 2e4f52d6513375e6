/**
 * Every guardrail has one home (catalog/guardrails.ts): the module imports nothing, the shipped code
 * holds no literal copy of its numbers, the policy pack's stack configs and defaults agree with it,
 * the defaults sit on or above the floors, and the docs quote its values.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    alarmThresholdDefaults,
    awsLimits,
    connectionDefaults,
    dataProtectionDefaults,
    environmentFloors,
    environments,
    hstsMaxAgeBounds,
    kmsRotationPeriodDays,
    probeDeadlineBounds,
    rolloutMaxSurge,
} from "../../catalog/guardrails";
import { dataDefaults } from "../../config/data";
import { edgeConfig, probesConfig } from "../../config/schema";
import { ingressHsts } from "../../policies/edge/ingress-hsts";
import { kmsKeyRotation } from "../../policies/data/kms-key-rotation";
import { postgresBackupRetention } from "../../policies/data/postgres-backup-retention";
import { deadlineBoundsSeconds, defaultDeadlineSeconds } from "../../probes/settings";
import { minimumHstsMaxAgeSeconds } from "../../probes/checks";
import { repoRoot } from "../../sandbox/stacks";

/** A guardrail number, and the words that make a line state it rather than use it for something else. */
interface Watched {
    readonly what: string;
    readonly value: number;
    readonly context: RegExp;
}

/**
 * Property names whose value is a guardrail: a numeric literal assigned to one is a copy. The alarm
 * table's window keys (periodSeconds, evaluationPeriods, datapointsToAlarm, failureThreshold) are left
 * out: Kubernetes probes and one-off alarms (an eviction pages on its first period) use the same names.
 */
const guardrailProperties: readonly string[] = [
    ...Object.keys(alarmThresholdDefaults.production.postgres),
    ...Object.keys(alarmThresholdDefaults.production.redis),
    "requestIntervalSeconds",
    "maxSurge",
    "backupRetentionPeriod",
    "backupRetentionDays",
    "snapshotRetentionLimit",
    "recoveryWindowInDays",
    "deletionWindowInDays",
    "deletionWindowDays",
    "rotationPeriodInDays",
    "rotationPeriodDays",
    "hstsMaxAgeSeconds",
    "minimumMaxAgeSeconds",
    "minimumRetentionDays",
    "deadlineSeconds",
    "publicProcessMinReplicas",
    "performanceInsightsRetentionPeriod",
    "retentionInDays",
    "logRetentionDays",
];

/** Every guardrail number worth looking for, read from the module: change it there and the scan follows. */
function watchedNumbers(): Watched[] {
    const out: Watched[] = [];
    const add = (what: string, values: readonly number[], context: RegExp) => {
        // 0 and 1 are everywhere (indexes, counts, booleans as numbers); only a named property catches them.
        for (const value of new Set(values)) if (value >= 2) out.push({ what, value, context });
    };
    type Floors = (typeof environmentFloors)["production"];
    type Defaults = (typeof dataProtectionDefaults)["production"];
    const perEnv = <K extends keyof Floors>(k: K) => environments.map((e) => environmentFloors[e][k] as number);
    const defaults = <K extends keyof Defaults>(k: K) => environments.map((e) => dataProtectionDefaults[e][k]);
    add("the HSTS max-age bounds", Object.values(hstsMaxAgeBounds), /./);
    const backups = [...perEnv("postgresBackupRetentionDays"), ...defaults("postgresBackupRetentionDays")];
    add("the backup retention floor", backups, /backup|retention|point-in-time|pitr/i);
    add("the snapshot retention floor", [...perEnv("redisSnapshotRetentionDays"), ...defaults("redisSnapshotRetentionDays")], /snapshot/i);
    add("the KMS deletion window", [...perEnv("kmsDeletionWindowDays"), ...defaults("kmsDeletionWindowDays")], /deletion ?window/i);
    add("the secret recovery window", defaults("secretRecoveryWindowDays"), /recovery ?window/i);
    add("the public-replica floor", perEnv("publicProcessMinReplicas"), /publicProcessMinReplicas|public host/i);
    add("the probe deadline bounds", Object.values(probeDeadlineBounds), /deadline/i);
    add(
        "the RDS retention limit",
        [awsLimits.rds.backupRetentionDays.max, awsLimits.elasticache.snapshotRetentionDays.max],
        /retention|snapshot/i,
    );
    add("the RDS storage limits", Object.values(awsLimits.rds.allocatedStorageGiB), /storage/i);
    add("the RDS identifier limit", [awsLimits.rds.identifierMaxLength], /identifier/i);
    add("the RDS max_connections formula", [awsLimits.rds.maxConnectionsBytesEach], /./);
    add("the RDS max_connections cap", [awsLimits.rds.maxConnectionsCap], /max_?connections/i);
    add("the KMS rotation period", [...Object.values(awsLimits.kms.rotationPeriodDays), kmsRotationPeriodDays], /rotation/i);
    add("the KMS deletion window limits", Object.values(awsLimits.kms.deletionWindowDays), /deletion ?window/i);
    add("the Secrets Manager recovery window limits", Object.values(awsLimits.secretsManager.recoveryWindowDays), /recovery ?window/i);
    add("the in-cluster Postgres max_connections", [connectionDefaults.inClusterPostgresMaxConnections], /max_?connections/i);
    add("the connection headroom", Object.values(connectionDefaults.headroom), /headroom|superuser|operators/i);
    return out;
}

/** Code without its comments: a comment may say why a number is what it is; code must not restate it. */
function codeOf(source: string): string[] {
    return (
        source
            .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, " "))
            .split("\n")
            .map((line) => (/^\s*\/\//.test(line) ? "" : line.replace(/\s\/\/\s.*$/, "")))
            // 15_552_000 is the same literal as 15552000.
            .map((line) => line.replace(/(\d)_(?=\d)/g, "$1"))
    );
}

/** Literal copies of a guardrail in one file's source, as `file:line: what`. */
export function literalCopies(file: string, source: string): string[] {
    const found: string[] = [];
    const watched = watchedNumbers();
    // `key: 30` and `key: production ? 30 : 7` alike: a number anywhere in the value up to the next comma.
    const assigned = new RegExp(`\\b(${guardrailProperties.join("|")})\\b["']?\\s*:\\s*[^,;(]*?(?<![\\w.$])(\\d+(\\.\\d+)?)(?![\\w.])`);
    codeOf(source).forEach((line, i) => {
        const at = `${file}:${i + 1}`;
        const property = assigned.exec(line);
        if (property) found.push(`${at}: ${property[1]} set to the literal ${property[2]}`);
        for (const w of watched) {
            if (!w.context.test(line)) continue;
            if (new RegExp(`(?<![\\w.$])${w.value}(?![\\w.])`).test(line)) found.push(`${at}: ${w.what} (${w.value}) written as a literal`);
        }
    });
    return found;
}

/** The shipped TypeScript the guardrails bind: everything but the module itself and node_modules. */
function shippedSources(): string[] {
    const roots = ["components", "wiring", "config", "policies", "probes", "catalog", "index.ts"];
    const files: string[] = [];
    const walk = (p: string) => {
        const full = path.join(repoRoot, p);
        if (fs.statSync(full).isDirectory()) {
            for (const entry of fs.readdirSync(full)) if (entry !== "node_modules" && entry !== "bin") walk(path.join(p, entry));
        } else if (p.endsWith(".ts") && p !== path.join("catalog", "guardrails.ts")) {
            files.push(p);
        }
    };
    roots.forEach(walk);
    return files;
}

describe("guardrails (catalog/guardrails.ts)", () => {
    it("imports nothing", () => {
        const source = fs.readFileSync(path.join(repoRoot, "catalog", "guardrails.ts"), "utf8");
        assert.deepStrictEqual(
            codeOf(source).filter((l) => /^\s*import\b|\brequire\(/.test(l)),
            [],
        );
    });

    describe("no literal copy remains", () => {
        it("catches a planted copy in each guardrail-ish context, and passes the same lines reading the module", () => {
            const planted = [
                "        if (s.backupRetentionDays < 30) out.push(`must be at least 30 in production`);",
                "        hstsMaxAgeSeconds: z.number().int().min(15_552_000).max(63072000),",
                "        deadlineSeconds: z.number().int().min(10).max(3600).default(120),",
                "                recoveryWindowInDays: production ? 30 : 7,",
                "            backupRetentionPeriod: 7,",
                "        cpuPercent: production ? 80 : 90,",
                '    return { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };',
                "    return Math.min(Math.floor((memoryGiB * 1024 ** 3) / 9531392), 5000);",
            ];
            for (const line of planted) {
                assert.ok(literalCopies("fixture.ts", line).length > 0, `not caught: ${line}`);
            }
            const clean = [
                "        if (s.backupRetentionDays < floor.postgresBackupRetentionDays) out.push(`must be at least ${floor.postgresBackupRetentionDays}`);",
                "        hstsMaxAgeSeconds: z.number().int().min(hstsMaxAgeBounds.min).max(hstsMaxAgeBounds.max),",
                "                recoveryWindowInDays: dataProtectionDefaults[cfg.environment].secretRecoveryWindowDays,",
                "    // The guides keep backups for 30 days: a comment may say so.",
                '    return { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: rolloutMaxSurge } };',
            ];
            for (const line of clean) assert.deepStrictEqual(literalCopies("fixture.ts", line), [], line);
        });

        it("in components/, config/, policies/, probes/ and catalog/", () => {
            const files = shippedSources();
            assert.ok(files.length > 50, `found only ${files.length} sources`);
            const found = files.flatMap((f) => literalCopies(f, fs.readFileSync(path.join(repoRoot, f), "utf8")));
            assert.deepStrictEqual(found, []);
        });
    });

    it("config, components, probes and the policy pack read the same bounds", () => {
        const edge = edgeConfig.parse({});
        assert.strictEqual(edge.hstsMaxAgeSeconds, hstsMaxAgeBounds.default);
        assert.ok(!edgeConfig.safeParse({ hstsMaxAgeSeconds: hstsMaxAgeBounds.min - 1 }).success);
        assert.ok(edgeConfig.safeParse({ hstsMaxAgeSeconds: hstsMaxAgeBounds.min }).success);
        assert.strictEqual(minimumHstsMaxAgeSeconds, hstsMaxAgeBounds.min);

        assert.strictEqual(probesConfig.parse({}).deadlineSeconds, probeDeadlineBounds.default);
        assert.strictEqual(defaultDeadlineSeconds, probeDeadlineBounds.default);
        assert.deepStrictEqual(deadlineBoundsSeconds, { min: probeDeadlineBounds.min, max: probeDeadlineBounds.max });
        assert.ok(!probesConfig.safeParse({ deadlineSeconds: probeDeadlineBounds.min - 1 }).success);
        assert.ok(probesConfig.safeParse({ deadlineSeconds: probeDeadlineBounds.min }).success);
        assert.ok(!probesConfig.safeParse({ deadlineSeconds: probeDeadlineBounds.max + 1 }).success);

        const schemaDefault = (policy: { configSchema?: { properties?: Record<string, unknown> } }, key: string) =>
            (policy.configSchema?.properties?.[key] as { default?: unknown } | undefined)?.default;
        assert.strictEqual(schemaDefault(ingressHsts, "minimumMaxAgeSeconds"), hstsMaxAgeBounds.min);
        assert.strictEqual(
            schemaDefault(postgresBackupRetention, "minimumRetentionDays"),
            environmentFloors.production.postgresBackupRetentionDays,
        );
        assert.strictEqual(schemaDefault(kmsKeyRotation, "maximumRotationPeriodDays"), kmsRotationPeriodDays);
    });

    it("the policy pack's stack configs (policies/config/<stack>.json) hold each stack to its environment's backup floor", () => {
        const fallback = schemaDefaultOf(postgresBackupRetention, "minimumRetentionDays");
        for (const env of environments) {
            const file = path.join(repoRoot, "policies", "config", `${env}.json`);
            const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, { minimumRetentionDays?: number } | undefined>;
            const effective = config["postgres-backup-retention"]?.minimumRetentionDays ?? fallback;
            const floor = environmentFloors[env].postgresBackupRetentionDays;
            // Local runs no RDS: the pack's stricter default is harmless there. Stacks with RDS match exactly.
            if (env === "local") assert.ok(effective >= floor, `${env}.json: ${effective}`);
            else assert.strictEqual(effective, floor, `policies/config/${env}.json postgres-backup-retention.minimumRetentionDays`);
        }
    });

    it("the defaults sit on or above the floors, within AWS's limits", () => {
        for (const env of environments) {
            const floor = environmentFloors[env];
            const d = dataDefaults(env);
            assert.ok(d.postgres.backupRetentionDays >= floor.postgresBackupRetentionDays, env);
            assert.ok(d.postgres.backupRetentionDays <= awsLimits.rds.backupRetentionDays.max, env);
            assert.ok(d.redis.snapshotRetentionLimit >= floor.redisSnapshotRetentionDays, env);
            assert.ok(d.redis.snapshotRetentionLimit <= awsLimits.elasticache.snapshotRetentionDays.max, env);
            assert.ok(d.kms.deletionWindowDays >= floor.kmsDeletionWindowDays, env);
            assert.ok(floor.kmsDeletionWindowDays <= awsLimits.kms.deletionWindowDays.max, env);
            assert.ok(!floor.postgresMultiAz || d.postgres.multiAz, env);
            assert.ok(!floor.postgresDeletionProtection || d.postgres.deletionProtection, env);
            assert.ok(!floor.postgresFinalSnapshot || !d.postgres.skipFinalSnapshot, env);
            assert.ok(!floor.redisMultiAz || d.redis.multiAz, env);
            const window = dataProtectionDefaults[env].secretRecoveryWindowDays;
            assert.ok(
                window >= awsLimits.secretsManager.recoveryWindowDays.min && window <= awsLimits.secretsManager.recoveryWindowDays.max,
                env,
            );
            const t = alarmThresholdDefaults[env];
            assert.ok(t.datapointsToAlarm <= t.evaluationPeriods, env);
            assert.ok(t.redis.memoryWarningPercent < t.redis.memoryPagePercent, env);
        }
        assert.ok(
            kmsRotationPeriodDays >= awsLimits.kms.rotationPeriodDays.min && kmsRotationPeriodDays <= awsLimits.kms.rotationPeriodDays.max,
        );
        assert.ok(rolloutMaxSurge >= 1);
        // Production is never held to less than another environment.
        const production = environmentFloors.production;
        for (const env of environments) {
            const floor = environmentFloors[env];
            assert.ok(production.postgresBackupRetentionDays >= floor.postgresBackupRetentionDays, env);
            assert.ok(production.redisSnapshotRetentionDays >= floor.redisSnapshotRetentionDays, env);
            assert.ok(production.publicProcessMinReplicas >= floor.publicProcessMinReplicas, env);
        }
    });

    it("the docs quote the module's values (README and docs/*.md)", () => {
        const docs = [path.join(repoRoot, "README.md"), ...markdownUnder(path.join(repoRoot, "docs"))]
            .map((f) => fs.readFileSync(f, "utf8"))
            .join("\n");
        for (const row of [
            `| \`edge.hstsMaxAgeSeconds\` | int >= ${hstsMaxAgeBounds.min} | ${hstsMaxAgeBounds.default} |`,
            `| \`ingress-hsts\` | \`minimumMaxAgeSeconds\` (${hstsMaxAgeBounds.min}, 180 days) |`,
            `with max-age of at least ${hstsMaxAgeBounds.min} s (180 days)`,
        ]) {
            assert.ok(docs.includes(row), `the docs miss or misquote:\n${row}`);
        }
    });
});

function schemaDefaultOf(policy: { configSchema?: { properties?: Record<string, unknown> } }, key: string): number {
    const value = (policy.configSchema?.properties?.[key] as { default?: unknown } | undefined)?.default;
    assert.strictEqual(typeof value, "number", `${key} has a numeric default`);
    return value as number;
}

function markdownUnder(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? markdownUnder(path.join(dir, e.name)) : e.name.endsWith(".md") ? [path.join(dir, e.name)] : []));
}
