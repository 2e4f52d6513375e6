/**
 * `grownext:monitoring` and `grownext:alertHttpsEndpoints`: thresholds over the per-environment table,
 * production must page someone, pager URLs only with --secret and never echoed.
 */
import * as assert from "assert";
import { alarmDefaults, resolveThresholds } from "../../config/monitoring";
import { minimalConfigProblems, minimalStackConfig, minimalStackValues } from "../fixtures/minimalStacks";
import { validateConfig } from "../../config/load";

const pager = ["https://events.example.com/integration", "SECRETPATH0123"].join("/");

function problemsWith(values: Record<string, unknown>, plaintext: string[] = []): string[] {
    try {
        validateConfig(values, { project: "grownext", stack: "production", isPlaintext: (k) => plaintext.includes(k) });
        return [];
    } catch (e) {
        const problems = (e as { problems?: string[] }).problems;
        if (!problems) throw e;
        return problems;
    }
}

describe("monitoring config", () => {
    it("overrides single thresholds over the environment's table", () => {
        const t = resolveThresholds("production", { thresholds: { redis: { memoryPagePercent: 90 }, evaluationPeriods: 10 } });
        assert.strictEqual(t.redis.memoryPagePercent, 90);
        assert.strictEqual(t.redis.memoryWarningPercent, alarmDefaults("production").redis.memoryWarningPercent);
        assert.strictEqual(t.evaluationPeriods, 10);
        assert.deepStrictEqual(resolveThresholds("staging", undefined), alarmDefaults("staging"));
        assert.notDeepStrictEqual(alarmDefaults("staging"), alarmDefaults("production"));
    });

    it("refuses a production stack nobody is paged for", () => {
        const problems = minimalConfigProblems("production", {}, { monitoring: { alertEmails: [] } });
        assert.ok(
            problems.some((p) => p.startsWith("monitoring.alertEmails needs at least one address in production")),
            JSON.stringify(problems),
        );
        assert.deepStrictEqual(minimalConfigProblems("production", {}, { monitoring: {}, alertHttpsEndpoints: { pagerduty: pager } }), []);
    });

    it("refuses a warning threshold above the page threshold, and more breaching points than the window", () => {
        const problems = minimalConfigProblems(
            "staging",
            {},
            {
                monitoring: {
                    thresholds: { redis: { memoryWarningPercent: 90, memoryPagePercent: 80 }, evaluationPeriods: 2, datapointsToAlarm: 3 },
                },
            },
        );
        assert.ok(
            problems.some((p) => p.startsWith("monitoring.thresholds.redis.memoryWarningPercent must be below")),
            JSON.stringify(problems),
        );
        assert.ok(
            problems.some((p) => p.startsWith("monitoring.thresholds.datapointsToAlarm must be at most")),
            JSON.stringify(problems),
        );
    });

    it("refuses a replication-lag threshold the RPO cannot afford", () => {
        const problems = minimalConfigProblems(
            "production",
            { rpoMinutes: 5 },
            { monitoring: { alertEmails: ["a@example.com"], thresholds: { redis: { replicationLagSeconds: 600 } } } },
        );
        assert.ok(
            problems.some((p) => p.startsWith("monitoring.thresholds.redis.replicationLagSeconds must be below data.rpoMinutes (5 min)")),
            JSON.stringify(problems),
        );
    });

    it("requires max_connections for an instance class outside the memory table", () => {
        const problems = minimalConfigProblems("staging", { postgres: { instanceClass: "db.z9.huge" } });
        assert.ok(
            problems.some((p) => p.startsWith("monitoring.postgresMaxConnections is required")),
            JSON.stringify(problems),
        );
        assert.deepStrictEqual(
            minimalConfigProblems(
                "staging",
                { postgres: { instanceClass: "db.z9.huge" } },
                { monitoring: { postgresMaxConnections: 500 } },
            ),
            [],
        );
    });

    it("takes a pager URL only with --secret, and never prints it", () => {
        const values = minimalStackValues("production", {}, { alertHttpsEndpoints: { pagerduty: pager } });
        // Storage is judged per leaf: the map's one entry is what was stored in plaintext.
        const plain = problemsWith(values, ["alertHttpsEndpoints", "alertHttpsEndpoints.pagerduty"]);
        assert.ok(
            plain.some((p) => p.startsWith("alertHttpsEndpoints.pagerduty must be set with --secret")),
            JSON.stringify(plain),
        );
        const bad = problemsWith(
            minimalStackValues("production", {}, { alertHttpsEndpoints: { pagerduty: pager.replace("https", "http") } }),
        );
        assert.ok(
            bad.some((p) => p.startsWith("alertHttpsEndpoints.pagerduty ")),
            JSON.stringify(bad),
        );
        for (const line of [...plain, ...bad]) assert.ok(!line.includes("SECRETPATH0123"), line);
        assert.strictEqual(
            minimalStackConfig("production", {}, { alertHttpsEndpoints: { pagerduty: pager } }).secrets.alertHttpsEndpoints.pagerduty,
            pager,
        );
    });

    it("refuses subscribers on a stack without AWS", () => {
        assert.ok(
            minimalConfigProblems("local", {}, { monitoring: { alertEmails: ["a@example.com"] } }).some((p) =>
                p.startsWith("monitoring.alertEmails only applies"),
            ),
        );
    });
});
