import { strict as assert } from "assert";
import { smokeProbeMarker } from "../../catalog/labels";
import { processTopology } from "../../policies/stack/process-topology";
import { productionDataProtected } from "../../policies/stack/production-data-protected";
import { smokeProbe } from "../../policies/stack/smoke-probe";
import { assertClean, assertReports, run } from "./assertions";
import { compliantStack, mutate, types } from "../fixtures/policyResources";
import { UNKNOWN_VALUE, type PolicyResourceLike } from "./harness";

const without = (list: PolicyResourceLike[], pred: (r: PolicyResourceLike) => boolean) => list.filter((r) => !pred(r));
const isWorkload = (name: string) => (r: PolicyResourceLike) => r.type === types.deployment && r.name === name;

describe("process-topology", () => {
    it("passes a stack running every catalog process", async () => {
        await assertClean(processTopology, compliantStack("staging"));
    });
    it("reports a missing scheduler", async () => {
        await assertReports(
            processTopology,
            without(compliantStack("staging"), isWorkload("scheduler")),
            /runs no workload for process scheduler; deploy scheduler as workloads labelled grownext\.io\/process=<name>/,
        );
    });
    it("honours a configured process list", async () => {
        await assertClean(processTopology, without(compliantStack("staging"), isWorkload("portal")), {
            requiredProcesses: ["web", "worker"],
        });
    });
    it("reports process labels unknown during preview", async () => {
        const list = compliantStack("staging").map((r) =>
            isWorkload("timers")(r) ? mutate(r, (p) => (p.spec.template.metadata.labels["grownext.io/process"] = UNKNOWN_VALUE)) : r,
        );
        await assertReports(processTopology, list, /grownext\.io\/process label of 1 workload\(s\) is unknown during preview/);
    });
});

describe("smoke-probe", () => {
    it("passes a probe depending on every workload, directly or through its component", async () => {
        await assertClean(smokeProbe, compliantStack("staging"));
    });
    it("reports a stack without a smoke probe", async () => {
        await assertReports(
            smokeProbe,
            compliantStack("staging", { smokeProbe: false }),
            new RegExp(`No smoke probe found; declare a command:local:Command with ${smokeProbeMarker}`),
        );
    });
    it("accepts no probe when not required (local stacks that only render)", async () => {
        await assertClean(smokeProbe, compliantStack("local", { smokeProbe: false }), { required: false });
    });
    it("reports a probe that does not wait for a workload", async () => {
        const list = compliantStack("staging").map((r) =>
            r.type === types.command ? { ...r, opts: { dependsOn: (r.opts?.dependsOn ?? []).filter((u) => !u.endsWith("::web")) } } : r,
        );
        const result = await assertReports(
            smokeProbe,
            list,
            /does not wait for web \(web\); add them \(or the components that own them\) to its dependsOn/,
        );
        assert.ok(result.violations.every((v) => v.urn?.includes("command:local:Command")));
    });
    it("follows dependencies transitively", async () => {
        const list = compliantStack("staging");
        const probe = list.find((r) => r.type === types.command)!;
        const gate = {
            type: "grownext:platform:RolloutGate",
            name: "gate",
            urn: "urn:pulumi:staging::grownext::grownext:platform:RolloutGate::gate",
            props: {},
            opts: { dependsOn: probe.opts?.dependsOn ?? [] },
        };
        probe.opts = { dependsOn: [gate.urn] };
        await assertClean(smokeProbe, [...list, gate]);
    });
    it("only counts a Command carrying the marker", async () => {
        const list = compliantStack("staging").map((r) =>
            r.type === types.command ? mutate(r, (p) => delete p.environment[smokeProbeMarker]) : r,
        );
        await assertReports(smokeProbe, list, /No smoke probe found/);
    });
});

describe("production-data-protected", () => {
    it("passes protected data resources in production", async () => {
        await assertClean(productionDataProtected, compliantStack("production"));
    });
    it("reports an unprotected RDS instance in production", async () => {
        const list = compliantStack("production").map((r) => (r.type === types.rdsInstance ? { ...r, opts: {} } : r));
        const result = await assertReports(
            productionDataProtected,
            list,
            /aws:rds\/instance:Instance "app-db" is not protected; declare it with the resource option \{ protect: true \}/,
        );
        assert.match(result.violations[0]!.urn ?? "", /app-db$/);
    });
    it("does not apply to staging, unless configured", async () => {
        const list = compliantStack("staging").map((r) => ({ ...r, opts: { ...r.opts, protect: false } }));
        const result = await run(productionDataProtected, list);
        assert.deepEqual(result.messages, []);
        assert.ok(result.notApplicable);
        await assertReports(productionDataProtected, list, /KMS|kms/, { stacks: ["staging", "production"] });
    });
});
