/**
 * The connection budget with RDS Proxy in front of the app database (config/connectionBudget.ts,
 * config/proxy.ts): the pools are held to the proxy's share of max_connections, the share must leave
 * the reserve, and docs/rds-proxy.md quotes production's default arithmetic as the code computes it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { processCatalog } from "../../catalog/processes";
import { connectionBudgets, proxyShare } from "../../config/connectionBudget";
import { ConfigError } from "../../config/errors";
import { validateConfig } from "../../config/load";
import { resolveProxySettings } from "../../config/proxy";
import { repoRoot, stackValues } from "../../sandbox/stacks";

function problems(stack: "staging" | "production", edit: (v: Record<string, any>) => void): string[] {
    const { values, isPlaintext } = stackValues(stack);
    const v = structuredClone(values) as Record<string, any>;
    edit(v);
    try {
        validateConfig(v, { project: "grownext", stack, isPlaintext });
        return [];
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.message
            .split("\n")
            .slice(1)
            .map((l) => l.replace(/^ {2}- /, ""));
    }
}

describe("connection budget with RDS Proxy", () => {
    it("rounds the proxy's share down, as RDS does", () => {
        assert.strictEqual(proxyShare(901, 90), 810);
        assert.strictEqual(proxyShare(450, 95), 427);
        assert.strictEqual(proxyShare(100, 1), 1);
    });

    it("holds production's app pools to the proxy's share and identity's to the instance less the reserve", () => {
        const { values } = stackValues("production");
        const cfg = {
            environment: "production",
            data: values.data,
            monitoring: values.monitoring ?? {},
            services: {},
        } as unknown as Parameters<typeof connectionBudgets>[0];
        const [app, identity] = connectionBudgets(cfg, processCatalog);
        assert.deepStrictEqual([app!.database, app!.pooler?.share, app!.available, app!.total], ["app", 810, 810, 265]);
        assert.deepStrictEqual(
            [identity!.database, identity!.pooler, identity!.available, identity!.total],
            ["identity", undefined, 883, 110],
        );
        assert.strictEqual(resolveProxySettings("staging", { provider: "aws" }), undefined, "staging runs none by default");
        assert.strictEqual(resolveProxySettings("production", { provider: "inCluster" }), undefined, "nor does an in-cluster stack");
    });

    it("refuses a share that leaves less than the reserve, naming the highest percent that fits", () => {
        const lines = problems(
            "staging",
            (v) => (v.data.postgres = { ...v.data.postgres, proxy: { enabled: true, maxConnectionsPercent: 97 } }),
        );
        // db.t4g.medium: 450 connections; 97% = 436 > 432; at most floor(432 * 100 / 450) = 96.
        assert.deepStrictEqual(lines, [
            "data.postgres.proxy.maxConnectionsPercent overruns the app database's connection budget: RDS Proxy may open 97% of 450 max_connections " +
                "(db.t4g.medium) = 436, leaving fewer than the 18 kept for migrations and operators. Set it to at most 96",
        ]);
        assert.deepStrictEqual(
            problems("staging", (v) => (v.data.postgres = { ...v.data.postgres, proxy: { enabled: true, maxConnectionsPercent: 96 } })),
            [],
        );
    });

    it("refuses pools beyond the proxy's share that would fit the instance without it", () => {
        // staging app without a proxy: web 5 x 10 + identity 5 x 10 + worker 2 x 2 x 5 + 15 = 135 of 432. A 30% proxy share is 135.
        const at = (percent: number) =>
            problems(
                "staging",
                (v) =>
                    (v.data.postgres = {
                        ...v.data.postgres,
                        proxy: { enabled: true, maxConnectionsPercent: percent, maxIdleConnectionsPercent: 20 },
                    }),
            );
        assert.deepStrictEqual(at(30), []);
        const lines = at(29);
        assert.strictEqual(lines.length, 1, lines.join("\n"));
        assert.ok(lines[0]!.includes("overruns the app database's connection budget by 5:"), lines[0]);
        assert.ok(
            lines[0]!.includes(
                "RDS Proxy's 29% of 450 max_connections (db.t4g.medium, data.postgres.proxy.maxConnectionsPercent) leaves 130",
            ),
            lines[0],
        );
        assert.deepStrictEqual(
            problems("staging", () => undefined),
            [],
            "the same pools fit the instance directly",
        );
    });
});

describe("docs/rds-proxy.md", () => {
    it("quotes production's default arithmetic through the proxy, row by row, as the code computes it", () => {
        const doc = fs.readFileSync(path.join(repoRoot, "docs", "rds-proxy.md"), "utf8");
        const { values } = stackValues("production");
        const cfg = {
            environment: "production",
            data: values.data,
            monitoring: values.monitoring ?? {},
            services: {},
        } as unknown as Parameters<typeof connectionBudgets>[0];
        const [app, identity] = connectionBudgets(cfg, processCatalog);
        for (const l of app!.lines) {
            const row = `| app | ${l.process} | ${l.pods} | ${l.clients} × ${l.poolSize} | ${l.connections} |`;
            assert.ok(doc.includes(row), `docs/rds-proxy.md misses or misquotes:\n${row}`);
        }
        const total = `| app | **total, through the proxy** | | | **${app!.total} of ${app!.available}** |`;
        assert.ok(doc.includes(total), `docs/rds-proxy.md misses or misquotes:\n${total}`);
        assert.ok(doc.includes(`proxy share ${app!.pooler!.maxConnectionsPercent} % = ${app!.pooler!.share}`), "the share");
        const l = identity!.lines[0]!;
        assert.ok(
            doc.includes(
                `| identity | ${l.process} | ${l.pods} | ${l.clients} × ${l.poolSize} | ${l.connections} of ${identity!.available} (direct) |`,
            ),
        );
    });
});
