import { strict as assert } from "assert";
import { alarmsRouteSomewhere } from "../../policies/monitoring/alarms-route-somewhere";
import { alertRouteSubscribed } from "../../policies/monitoring/alert-route-subscribed";
import { postgresMonitored } from "../../policies/monitoring/postgres-monitored";
import { redisMemoryAlarm } from "../../policies/monitoring/redis-memory-alarm";
import { assertClean, assertReports, run } from "./assertions";
import { mutate, parameterGroupProps, rdsInstanceProps, replicationGroupProps, types } from "../fixtures/policyResources";
import { resource, UNKNOWN_VALUE, type PolicyResourceLike } from "./harness";
import { alarmProps, monitoringResources, monitoringTypes as M } from "../fixtures/monitoringResources";

/** A production data tier with its alert route and watchers. */
function stack(name = "production"): PolicyResourceLike[] {
    const db = resource(types.rdsInstance, "app-db", rdsInstanceProps(), { stack: name });
    const params = resource(types.parameterGroup, "redis-params", parameterGroupProps(), { stack: name });
    const redis = resource(types.replicationGroup, "redis", replicationGroupProps(), { stack: name, dependencies: [params.urn] });
    return [db, params, redis, ...monitoringResources(name, db, redis)];
}
const without = (list: PolicyResourceLike[], name: string) => list.filter((r) => r.name !== name);

describe("alert-route-subscribed", () => {
    it("passes a production alert route with a subscriber", async () => {
        await assertClean(alertRouteSubscribed, stack());
    });
    it("reports a production topic nobody subscribes to", async () => {
        await assertReports(
            alertRouteSubscribed,
            without(stack(), "alerts-email"),
            /SNS topic "alerts" has no subscription.*monitoring\.alertEmails/,
        );
    });
    it("reports a production stack with no alert route at all", async () => {
        await assertReports(
            alertRouteSubscribed,
            stack().filter((r) => r.type !== M.topic && r.type !== M.subscription),
            /declares no SNS topic/,
        );
    });
    it("does not apply to staging", async () => {
        const result = await run(alertRouteSubscribed, without(stack("staging"), "alerts-email"));
        assert.deepEqual(result.messages, []);
        assert.match(result.notApplicable ?? "", /Only stacks production/);
    });
});

describe("alarms-route-somewhere", () => {
    const alarm = () => resource(M.alarm, "cpu", alarmProps("CPUUtilization", { DBInstanceIdentifier: "db" }));
    it("passes an alarm that notifies the alert route", async () => {
        await assertClean(alarmsRouteSomewhere, alarm());
    });
    it("reports an alarm without actions", async () => {
        await assertReports(
            alarmsRouteSomewhere,
            mutate(alarm(), (p) => delete p.alarmActions),
            /no alarmActions, so it fires silently/,
        );
        await assertReports(
            alarmsRouteSomewhere,
            mutate(alarm(), (p) => (p.alarmActions = [])),
            /no alarmActions/,
        );
    });
    it("reports disabled actions", async () => {
        await assertReports(
            alarmsRouteSomewhere,
            mutate(alarm(), (p) => (p.actionsEnabled = false)),
            /actions are disabled/,
        );
    });
    it("reports unknown actions at its own mandatory level", async () => {
        await assertReports(
            alarmsRouteSomewhere,
            mutate(alarm(), (p) => (p.alarmActions = UNKNOWN_VALUE)),
            /unknown during preview.*alarmActions/,
        );
    });
});

describe("redis-memory-alarm", () => {
    it("passes a noeviction group with a memory alarm", async () => {
        await assertClean(redisMemoryAlarm, stack());
    });
    it("reports a production noeviction group without a memory alarm", async () => {
        await assertReports(
            redisMemoryAlarm,
            without(stack(), "redis-memory"),
            /replication group "redis" runs noeviction with no alarm on DatabaseMemoryUsagePercentage/,
        );
    });
    it("does not count an alarm on another metric or another resource", async () => {
        const list = stack().map((r) => (r.name === "redis-memory" ? mutate(r, (p) => (p.metricName = "EngineCPUUtilization")) : r));
        await assertReports(redisMemoryAlarm, list, /no alarm on DatabaseMemoryUsagePercentage/);
        const elsewhere = stack().map((r) => (r.name === "redis-memory" ? { ...r, dependencies: [] } : r));
        await assertReports(redisMemoryAlarm, elsewhere, /no alarm/);
    });
    it("leaves a group with a proven evicting policy to redis-noeviction", async () => {
        const list = without(stack(), "redis-memory").map((r) =>
            r.name === "redis-params" ? mutate(r, (p) => (p.parameters = [{ name: "maxmemory-policy", value: "allkeys-lru" }])) : r,
        );
        await assertClean(redisMemoryAlarm, list);
    });
});

describe("postgres-monitored", () => {
    it("passes an instance with a storage alarm and an event subscription", async () => {
        await assertClean(postgresMonitored, stack());
    });
    it("reports a production instance without a FreeStorageSpace alarm", async () => {
        await assertReports(postgresMonitored, without(stack(), "db-free-storage"), /"app-db" has no FreeStorageSpace alarm/);
    });
    it("reports a production instance without an event subscription", async () => {
        await assertReports(postgresMonitored, without(stack(), "db-events"), /"app-db" has no RDS event subscription/);
    });
    it("does not apply to staging", async () => {
        const result = await run(postgresMonitored, without(stack("staging"), "db-events"));
        assert.deepEqual(result.messages, []);
    });
});
