/**
 * The connection budget (config/connectionBudget.ts): random replica and pool settings are accepted
 * exactly when a budget computed here, independently, holds; a refusal names the database and the
 * processes to turn down, biggest first.
 */
import * as assert from "assert";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { processCatalog } from "../../catalog/processes";
import { connectionBudgets } from "../../config/connectionBudget";
import { ConfigError } from "../../config/errors";
import { validateConfig } from "../../config/load";
import { repoRoot, stackValues } from "../../sandbox/stacks";

type Stack = "local" | "staging" | "production";

// The test's own model of the topology, written out rather than read from the code under test.
/** Database clients (URLs) each process holds: worker has DATABASE_URL and TASKS_DATABASE_URL, identity reaches tasks in the app database. */
const clients: Record<string, { app: number; identity: number }> = {
    web: { app: 1, identity: 0 },
    worker: { app: 2, identity: 0 },
    scheduler: { app: 1, identity: 0 },
    timers: { app: 1, identity: 0 },
    "encryption-rotation": { app: 1, identity: 0 },
    identity: { app: 1, identity: 1 },
    portal: { app: 0, identity: 0 },
};
const autoscaled = ["web", "identity", "portal"];
const singletons = ["scheduler", "timers", "encryption-rotation"];
const http = ["web", "identity", "portal"];
const poolDefaults: Record<Stack, { http: number; background: number }> = {
    local: { http: 5, background: 3 },
    staging: { http: 10, background: 5 },
    production: { http: 10, background: 5 },
};
/** RDS: LEAST(memory / 9531392, 5000); db.t4g.medium 4 GiB, db.m7g.large 8 GiB, db.r6g.xlarge 32 GiB. */
const rdsLimits: Record<string, number> = { "db.t4g.medium": 450, "db.m7g.large": 901, "db.r6g.xlarge": 3604 };
const reserve = 18;
const surge = 1;
/** RDS Proxy fronts the app database in production by default, opening at most 90% of max_connections (rounded down). */
const proxyPercent: Partial<Record<Stack, number>> = { production: 90 };

interface Settings {
    readonly max: Record<string, number>;
    readonly workerReplicas: number;
    readonly pools: Record<string, number | undefined>;
    readonly instanceClass?: string;
    readonly maxConnectionsOverride?: number;
}

function expectedFits(
    stack: Stack,
    s: Settings,
): { app: number; identity: number; limit: number; appLimit: number; proxyOverReserve: boolean } {
    const pods = (p: string) => (singletons.includes(p) ? 1 : (p === "worker" ? s.workerReplicas : s.max[p]!) + surge);
    const pool = (p: string) => s.pools[p] ?? (http.includes(p) ? poolDefaults[stack].http : poolDefaults[stack].background);
    const sum = (db: "app" | "identity") => Object.keys(clients).reduce((n, p) => n + pods(p) * clients[p]![db] * pool(p), 0);
    const limit =
        stack === "local"
            ? 100
            : (s.maxConnectionsOverride ?? rdsLimits[s.instanceClass ?? (stack === "production" ? "db.m7g.large" : "db.t4g.medium")]!);
    const percent = proxyPercent[stack];
    // With the proxy, the app pools draw from its share, and the share itself must leave the reserve.
    const share = percent === undefined ? undefined : Math.floor((limit * percent) / 100);
    return {
        app: sum("app"),
        identity: sum("identity"),
        limit: limit - reserve,
        appLimit: share ?? limit - reserve,
        proxyOverReserve: share !== undefined && share > limit - reserve,
    };
}

function validate(stack: Stack, s: Settings, encrypted: readonly string[] = []): string[] {
    const { values, isPlaintext } = stackValues(stack);
    const v = structuredClone(values) as Record<string, any>;
    const min = stack === "production" ? 2 : 1;
    v.services = {
        ...Object.fromEntries(autoscaled.map((p) => [p, { autoscale: { min: Math.min(min, s.max[p]!), max: s.max[p] } }])),
        worker: { replicas: s.workerReplicas },
    };
    for (const [p, size] of Object.entries(s.pools)) if (size !== undefined) v.services[p] = { ...v.services[p], databasePoolSize: size };
    if (s.instanceClass !== undefined) v.data = { ...v.data, postgres: { ...v.data.postgres, instanceClass: s.instanceClass } };
    if (s.maxConnectionsOverride !== undefined) v.monitoring = { ...v.monitoring, postgresMaxConnections: s.maxConnectionsOverride };
    try {
        validateConfig(v, { project: "grownext", stack, isPlaintext: (key) => !encrypted.includes(key) && isPlaintext(key) });
        return [];
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.message
            .split("\n")
            .slice(1)
            .map((l) => l.replace(/^ {2}- /, ""));
    }
}

const settings = (stack: Stack): fc.Arbitrary<Settings> => {
    const floor = stack === "production" ? 2 : 1;
    // Ranges around each stack's limit, so that both outcomes come up.
    const top = stack === "local" ? 8 : 30;
    const poolTop = stack === "local" ? 8 : 20;
    return fc.record(
        {
            max: fc.record({
                web: fc.integer({ min: floor, max: top }),
                identity: fc.integer({ min: floor, max: top }),
                portal: fc.integer({ min: floor, max: top }),
            }),
            workerReplicas: fc.integer({ min: 1, max: top }),
            pools: fc.record(
                Object.fromEntries(
                    Object.keys(clients).map((p) => [p, fc.option(fc.integer({ min: 1, max: poolTop }), { nil: undefined })]),
                ),
            ),
            ...(stack === "local"
                ? {}
                : {
                      instanceClass: fc.option(fc.constantFrom(...Object.keys(rdsLimits)), { nil: undefined }),
                      maxConnectionsOverride: fc.option(fc.integer({ min: 10, max: 5000 }), { nil: undefined }),
                  }),
        },
        { requiredKeys: ["max", "workerReplicas", "pools"] },
    );
};

describe("connection budget (config/connectionBudget.ts)", () => {
    for (const stack of ["local", "staging", "production"] as const) {
        it(`${stack}: random replicas and pools are accepted exactly when every database's budget holds`, () => {
            let refused = 0;
            let accepted = 0;
            fc.assert(
                fc.property(settings(stack), (s) => {
                    const e = expectedFits(stack, s);
                    const lines = validate(stack, s);
                    const budgetLines = lines.filter((l) => l.includes("connection budget"));
                    assert.deepStrictEqual(lines, budgetLines, "only the budget refuses these settings");
                    const appOver = e.app > e.appLimit || e.proxyOverReserve;
                    assert.strictEqual(
                        budgetLines.some((l) => l.includes("the app database's")),
                        appOver,
                        `app ${e.app} against ${e.appLimit}`,
                    );
                    assert.strictEqual(
                        budgetLines.some((l) => l.includes("the identity database's")),
                        e.identity > e.limit,
                        `identity ${e.identity} against ${e.limit}`,
                    );
                    if (lines.length > 0) refused++;
                    else accepted++;
                }),
                { numRuns: 80 },
            );
            console.log(`      ${stack}: ${refused} refused, ${accepted} accepted`);
            // Both outcomes were exercised, so neither "always refuse" nor "always accept" passes.
            assert.ok(refused > 0 && accepted > 0, `refused ${refused}, accepted ${accepted}`);
        });
    }

    it("names the database, its arithmetic and the processes to turn down, biggest first", () => {
        const s: Settings = { max: { web: 30, identity: 10, portal: 10 }, workerReplicas: 30, pools: { worker: 10 } };
        const lines = validate("production", s);
        assert.strictEqual(lines.length, 1, lines.join("\n"));
        const line = lines[0]!;
        // worker 31 pods x 2 x 10 = 620, web 31 x 10 = 310, identity 11 x 10 = 110, 3 singletons x 5 = 15: 1055,
        // 245 over RDS Proxy's 90% of 901 = 810 (the proxy fronts production's app database).
        assert.ok(line.startsWith("services.worker.databasePoolSize overruns the app database's connection budget by 245:"), line);
        assert.ok(
            line.includes("worker 31 pods x 2 clients x pool 10 = 620, web 31 pods x pool 10 = 310, identity 11 pods x pool 10 = 110"),
            line,
        );
        assert.ok(
            line.includes("RDS Proxy's 90% of 901 max_connections (db.m7g.large, data.postgres.proxy.maxConnectionsPercent) leaves 810"),
            line,
        );
        assert.ok(line.includes("Turn down, biggest first: worker ("), line);
        assert.ok(line.includes("or raise data.postgres.proxy.maxConnectionsPercent or choose a larger data.postgres.instanceClass"), line);
    });

    it("lists every big contributor needed to cover the overrun, and names the scaling key of an unconfigured pool", () => {
        const lines = validate("local", { max: { web: 12, identity: 12, portal: 1 }, workerReplicas: 1, pools: {} });
        // local app: web 13 x 5 = 65, identity 13 x 5 = 65, worker 2 x 2 x 3 = 12, singletons 9: 151, 69 over 82.
        const app = lines.find((l) => l.includes("the app database's"))!;
        assert.ok(app.startsWith("services.identity.autoscale.max overruns the app database's connection budget by 69:"), app);
        assert.ok(app.includes("Turn down, biggest first: identity, web ("), app);
        assert.ok(!app.includes("instanceClass"), "the in-cluster Postgres has no instance class to choose");
        // identity database: identity 13 x 5 = 65 fits 82.
        assert.ok(!lines.some((l) => l.includes("the identity database's")), lines.join("\n"));
    });

    it("leaves the figures out when a setting behind them is stored with --secret", () => {
        const s: Settings = { max: { web: 2, identity: 2, portal: 2 }, workerReplicas: 1, pools: { web: 77 } };
        const lines = validate("local", s, ["services.web.databasePoolSize"]);
        assert.strictEqual(lines.length, 1, lines.join("\n"));
        assert.ok(lines[0]!.startsWith("services.web.databasePoolSize overruns the app database's connection budget:"), lines[0]);
        assert.ok(!lines[0]!.includes("77") && !lines[0]!.includes("231"), lines[0]);
    });
});

describe("connection budget in docs/configuration.md", () => {
    it("quotes production's default arithmetic row by row, as the code computes it", () => {
        const doc = fs.readFileSync(path.join(repoRoot, "docs", "configuration.md"), "utf8");
        const start = doc.indexOf("## The connection budget");
        assert.ok(start >= 0, "docs/configuration.md has a 'The connection budget' section");
        const end = doc.indexOf("\n## ", start + 1);
        const section = doc.slice(start, end < 0 ? undefined : end);
        // The committed production stack's data settings, with every process on its defaults.
        const { values } = stackValues("production");
        const cfg = {
            environment: "production",
            data: values.data,
            monitoring: values.monitoring ?? {},
            services: {},
        } as unknown as Parameters<typeof connectionBudgets>[0];
        for (const b of connectionBudgets(cfg, processCatalog)) {
            for (const l of b.lines) {
                const row = `| ${b.database} | ${l.process} | ${l.pods} | ${l.clients} x ${l.poolSize} | ${l.connections} |`;
                assert.ok(section.includes(row), `docs/configuration.md misses or misquotes:\n${row}`);
            }
            const total = `| ${b.database} | **total** | | | **${b.total} of ${b.maxConnections! - b.headroom}** |`;
            assert.ok(section.includes(total), `docs/configuration.md misses or misquotes:\n${total}`);
        }
    });
});
