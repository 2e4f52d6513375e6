import { strict as assert } from "assert";
import { dnsCoversTls } from "../../policies/edge/dns-covers-tls";
import { awsTypes } from "../../policies/lib/types";
import { evaluateStack } from "../../sandbox/evaluate";
import { installMocks } from "../../sandbox/mocks";
import { assertClean, assertReports } from "./assertions";
import { ingressProps, mutate, types } from "../fixtures/policyResources";
import { recordedAsPolicyResources, resource, UNKNOWN_VALUE } from "./harness";

const ingress = () => resource(types.ingress, "grownext", ingressProps());
const hosts = (): string[] => ingressProps().spec.tls[0].hosts;
const record = (name: string, type = "A") =>
    resource(awsTypes.route53Record, `dns-${name}`, {
        zoneId: "Z0ZONE",
        name,
        type,
        allowOverwrite: false,
        aliases: [{ name: "lb.elb.eu-west-1.amazonaws.com", zoneId: "Z2IFOLAFXWLO4F", evaluateTargetHealth: true }],
    });

describe("dns-covers-tls", () => {
    it("passes when every TLS host has a record (A alias, CNAME, or a trailing-dot name)", async () => {
        const [first, ...rest] = hosts();
        await assertClean(dnsCoversTls, [ingress(), record(`${first!}.`, "CNAME"), ...rest.map((h) => record(h))]);
    });
    it("reports a TLS host without a record", async () => {
        const [first, ...rest] = hosts();
        await assertReports(
            dnsCoversTls,
            [ingress(), ...rest.map((h) => record(h))],
            new RegExp(`TLS host ${first!.replace(/\./g, "\\.")} has no Route 53 record: declare an aws\\.route53\\.Record`),
        );
    });
    it("does not count a record of another type", async () => {
        const [first, ...rest] = hosts();
        await assertReports(dnsCoversTls, [ingress(), record(first!, "TXT"), ...rest.map((h) => record(h))], /has no Route 53 record/);
    });
    it("accepts a wildcard record for one label", async () => {
        await assertClean(dnsCoversTls, [ingress(), record("*.example.com")]);
        await assertReports(dnsCoversTls, [ingress(), record("*.other.example.com")], /has no Route 53 record/);
    });
    it("stays out of stacks without Route 53 records unless required", async () => {
        await assertClean(dnsCoversTls, [ingress()]);
        await assertReports(dnsCoversTls, [ingress()], /has no Route 53 record/, { required: true });
    });
    it("reports record names and TLS hosts unknown during preview", async () => {
        const [first, ...rest] = hosts();
        await assertReports(
            dnsCoversTls,
            [ingress(), record(UNKNOWN_VALUE), ...rest.map((h) => record(h))],
            new RegExp(`record covers ${first!.replace(/\./g, "\\.")}.*unknown during preview`),
        );
        await assertReports(
            dnsCoversTls,
            [mutate(ingress(), (p) => (p.spec.tls[0].hosts = UNKNOWN_VALUE)), record(first!)],
            /unknown during preview/,
        );
    });
});

describe("dns-covers-tls over the evaluated production stack", () => {
    before(() => installMocks());

    it("passes as declared, and reports the host whose record is dropped", async () => {
        const resources = recordedAsPolicyResources(await evaluateStack("production"));
        assert.ok(resources.filter((r) => r.type === awsTypes.route53Record).length >= 3);
        await assertClean(dnsCoversTls, resources);
        const dropped = resources.find((r) => r.type === awsTypes.route53Record)!;
        await assertReports(
            dnsCoversTls,
            resources.filter((r) => r !== dropped),
            new RegExp(`TLS host ${String((dropped.props as any).name).replace(/\./g, "\\.")} has no Route 53 record`),
        );
    });
});
