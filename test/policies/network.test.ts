import { strict as assert } from "assert";
import { defaultDeny } from "../../policies/workloads/default-deny";
import { assertClean, assertReports, run } from "./assertions";
import { compliantStack, handWrittenDeployment, mutate, namespace, types } from "../fixtures/policyResources";
import { resource, UNKNOWN_VALUE, type PolicyResourceLike } from "./harness";

const isDeny = (r: PolicyResourceLike) => r.type === types.networkPolicy;
const withDeny = (stack: string, change: (props: any) => void) => compliantStack(stack).map((r) => (isDeny(r) ? mutate(r, change) : r));
const policy = (name: string, spec: Record<string, unknown>, ns = namespace) =>
    resource(types.networkPolicy, name, { metadata: { name, namespace: ns }, spec }, { stack: "production" });

describe("default-deny", () => {
    it("passes production when one policy denies ingress and egress to every pod of the namespace", async () => {
        await assertClean(defaultDeny, compliantStack("production"));
    });

    it("passes with separate ingress and egress denies that select the workloads by label", async () => {
        const list = [
            ...compliantStack("production").filter((r) => !isDeny(r)),
            policy("deny-in", { podSelector: { matchLabels: { "app.kubernetes.io/part-of": "grownext" } }, policyTypes: ["Ingress"] }),
            policy("deny-out", {
                podSelector: { matchExpressions: [{ key: "grownext.io/process", operator: "Exists" }] },
                policyTypes: ["Egress"],
                egress: [],
            }),
        ];
        await assertClean(defaultDeny, list);
    });

    it("reports every product workload of a production stack without one", async () => {
        const list = compliantStack("production").filter((r) => !isDeny(r));
        const result = await assertReports(
            defaultDeny,
            list,
            /Deployment web is not selected by a NetworkPolicy that denies all ingress and egress by default; declare a NetworkPolicy in its namespace/,
        );
        assert.equal(result.violations.length, 7, "one per process");
    });

    it("reports a deny that only covers ingress", async () => {
        await assertReports(
            defaultDeny,
            withDeny("production", (p) => (p.spec.policyTypes = ["Ingress"])),
            /denies all egress by default/,
        );
    });

    it("reports a policy with rules, which allows rather than denies", async () => {
        await assertReports(
            defaultDeny,
            withDeny("production", (p) => (p.spec.egress = [{ ports: [{ port: 443, protocol: "TCP" }] }])),
            /denies all egress by default/,
        );
    });

    it("reports a deny in another namespace, or one whose selector misses the pods", async () => {
        await assertReports(
            defaultDeny,
            withDeny("production", (p) => (p.metadata.namespace = "other")),
            /is not selected/,
        );
        await assertReports(
            defaultDeny,
            withDeny("production", (p) => (p.spec.podSelector = { matchLabels: { tier: "db" } })),
            /is not selected/,
        );
        await assertReports(
            defaultDeny,
            withDeny(
                "production",
                (p) => (p.spec.podSelector = { matchExpressions: [{ key: "grownext.io/process", operator: "NotIn", values: ["web"] }] }),
            ),
            /Deployment web is not selected/,
        );
    });

    it("catches a hand-written workload that runs the product outside the isolated namespace", async () => {
        const hand = handWrittenDeployment("api-copy", { image: "ghcr.io/grownext/app:1.0.0" });
        (hand.props as any).metadata.namespace = "elsewhere";
        const result = await assertReports(defaultDeny, [...compliantStack("production"), hand], /api-copy \(recognised as the product/);
        assert.ok(result.violations.every((v) => v.urn?.endsWith("::api-copy")));
    });

    it("cannot pass on a selector unknown during preview", async () => {
        await assertReports(
            defaultDeny,
            withDeny("production", (p) => (p.spec.podSelector = UNKNOWN_VALUE)),
            /unknown during preview/,
        );
    });

    it("does not apply to staging unless configured", async () => {
        const list = compliantStack("staging").filter((r) => !isDeny(r));
        const result = await run(defaultDeny, list);
        assert.deepEqual(result.messages, []);
        assert.ok(result.notApplicable);
        await assertReports(defaultDeny, list, /is not selected/, { stacks: ["staging"] });
    });
});
