import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { processCatalog } from "../../../catalog/processes";
import type * as dnsModule from "../../../components/edge/dnsRecords";
type DnsRecordsType = typeof dnsModule.DnsRecords;
import { evaluateStack } from "../../../sandbox/evaluate";
import { ingressLoadBalancerHostname, installMocks, recorder, settle, type RecordedResource } from "../../../sandbox/mocks";
import { stackConfig } from "../../../sandbox/stacks";

const recordType = "aws:route53/record:Record";
const ingressType = "kubernetes:networking.k8s.io/v1:Ingress";
const externalDns = "external-dns.alpha.kubernetes.io/hostname";

/** Every host the Ingresses' spec.tls covers. */
function tlsHosts(resources: readonly RecordedResource[]): string[] {
    return resources
        .filter((r) => r.type === ingressType)
        .flatMap((r) => (r.inputs.spec.tls ?? []).flatMap((t: any) => t.hosts ?? []))
        .sort();
}

describe("DnsRecords", () => {
    let DnsRecords: DnsRecordsType;
    let statusHostname: typeof dnsModule.ingressLoadBalancerHostname;
    before(async () => {
        installMocks();
        ({ DnsRecords, ingressLoadBalancerHostname: statusHostname } = await import("../../../components/edge/dnsRecords"));
    });
    beforeEach(() => recorder.reset());

    const routes = [
        { process: "web", host: "api.example.com", loadBalancerHostname: "lb-1.elb.eu-west-1.amazonaws.com" },
        { process: "portal", host: "portal.example.com", loadBalancerHostname: "lb-2.elb.eu-west-1.amazonaws.com" },
    ];

    it("declares an A alias per host in the hosted zone, to that host's load balancer, never overwriting", async () => {
        new DnsRecords("dns", { hostedZoneId: "Z0ZONE", domain: "example.com", routes, loadBalancerZoneId: "Z2IFOLAFXWLO4F" });
        await settle();
        const records = recorder.ofType(recordType);
        assert.deepStrictEqual(records.map((r) => r.name).sort(), ["dns-portal", "dns-web"]);
        const web = recorder.one(recordType, "dns-web").inputs;
        assert.strictEqual(web.name, "api.example.com");
        assert.strictEqual(web.type, "A");
        assert.strictEqual(web.zoneId, "Z0ZONE");
        assert.strictEqual(web.allowOverwrite, false);
        assert.deepStrictEqual(web.aliases, [
            { name: "lb-1.elb.eu-west-1.amazonaws.com", zoneId: "Z2IFOLAFXWLO4F", evaluateTargetHealth: true },
        ]);
        assert.strictEqual(web.records, undefined);
        assert.strictEqual(recorder.one(recordType, "dns-portal").inputs.aliases[0].name, "lb-2.elb.eu-west-1.amazonaws.com");
    });

    it("falls back to a CNAME with a TTL when the load balancer's zone is unknown (no alias possible)", async () => {
        new DnsRecords("dns", { hostedZoneId: "Z0ZONE", domain: "example.com", routes });
        await settle();
        const web = recorder.one(recordType, "dns-web").inputs;
        assert.strictEqual(web.type, "CNAME");
        assert.deepStrictEqual(web.records, ["lb-1.elb.eu-west-1.amazonaws.com"]);
        assert.strictEqual(web.ttl, 300);
        assert.strictEqual(web.aliases, undefined);
        assert.strictEqual(web.allowOverwrite, false);
    });

    it("reads the Ingress status, and names the keys to set when it carries no load balancer", async () => {
        const ingress = (status: object) => ({ status: pulumi.output(status) }) as any;
        const known = statusHostname(
            ingress({ loadBalancer: { ingress: [{ hostname: "lb.elb.eu-west-1.amazonaws.com" }] } }),
            "api.example.com",
        );
        assert.strictEqual(await (known as any).promise(), "lb.elb.eu-west-1.amazonaws.com");
        const missing = statusHostname(ingress({ loadBalancer: {} }), "api.example.com");
        await assert.rejects(
            (missing as any).promise(),
            /Ingress api\.example\.com: reports no load balancer hostname.*set dns\.loadBalancerHostname/,
        );
    });

    it("refuses a host outside the domain and a host twice", () => {
        assert.throws(
            () => new DnsRecords("dns", { hostedZoneId: "Z0ZONE", domain: "example.org", routes }),
            /api\.example\.com is not under the domain example\.org/,
        );
        assert.throws(
            () =>
                new DnsRecords("dns", {
                    hostedZoneId: "Z0ZONE",
                    domain: "example.com",
                    routes: [routes[0]!, { ...routes[1]!, host: "api.example.com" }],
                }),
            /share the host api\.example\.com/,
        );
    });
});

describe("DNS in the evaluated stacks", () => {
    before(() => installMocks());

    it("production has a record for every host TLS covers, each aliased to the load balancer its Ingress reports", async () => {
        const resources = await evaluateStack("production");
        const records = resources.filter((r) => r.type === recordType);
        const hosts = tlsHosts(resources);
        assert.ok(hosts.length >= 3, `production serves the guides' three public surfaces, got ${hosts.join(", ")}`);
        assert.deepStrictEqual(records.map((r) => r.inputs.name).sort(), hosts);
        for (const record of records) {
            const ingress = resources.find((r) => r.type === ingressType && r.inputs.spec.rules[0].host === record.inputs.name)!;
            assert.strictEqual(record.inputs.type, "A");
            assert.deepStrictEqual(record.inputs.aliases, [
                { name: ingressLoadBalancerHostname(ingress.name), zoneId: "Z2IFOLAFXWLO4F", evaluateTargetHealth: true },
            ]);
            assert.match(record.inputs.zoneId, /^Z[A-Z0-9]+$/);
            assert.strictEqual(record.inputs.allowOverwrite, false);
            assert.ok(
                record.provider?.includes("aws"),
                `the record of ${record.inputs.name} uses the stack's aws provider, got ${record.provider}`,
            );
        }
    });

    it("takes the load balancer hostname from config over the Ingress status", async () => {
        const resources = await evaluateStack("staging", {
            dns: { provider: "route53", hostedZoneId: "Z0CONFIGURED", loadBalancerHostname: "edge.elb.eu-west-1.amazonaws.com" },
        });
        const records = resources.filter((r) => r.type === recordType);
        assert.deepStrictEqual(records.map((r) => r.inputs.name).sort(), tlsHosts(resources));
        for (const record of records) {
            assert.strictEqual(record.inputs.type, "CNAME");
            assert.deepStrictEqual(record.inputs.records, ["edge.elb.eu-west-1.amazonaws.com"]);
            assert.strictEqual(record.inputs.zoneId, "Z0CONFIGURED");
        }
    });

    it("externalDns annotates each Ingress with its host and declares no record; none does neither", async () => {
        const annotated = await evaluateStack("staging", { dns: { provider: "externalDns" } });
        assert.strictEqual(annotated.filter((r) => r.type === recordType).length, 0);
        const ingresses = annotated.filter((r) => r.type === ingressType);
        assert.ok(ingresses.length >= 3);
        for (const ingress of ingresses)
            assert.strictEqual(ingress.inputs.metadata.annotations[externalDns], ingress.inputs.spec.rules[0].host);

        const plain = await evaluateStack("local");
        assert.strictEqual(plain.filter((r) => r.type === recordType).length, 0);
        for (const ingress of plain.filter((r) => r.type === ingressType)) assert.ok(!(externalDns in ingress.inputs.metadata.annotations));
    });

    it("an eighth public process gets its record from its catalog entry alone", async () => {
        const { Platform } = await import("../../../components/platform");
        const admin = {
            ...processCatalog.find((p) => p.name === "portal")!,
            name: "admin",
            publicHost: "admin",
            description: "The admin console.",
        };
        recorder.reset();
        new Platform("grownext", { config: stackConfig("production", {}, [...processCatalog, admin]) });
        await settle();
        const record = recorder.ofType(recordType).find((r) => r.inputs.name === "admin.example.com");
        assert.ok(record, "a record for admin.example.com");
        assert.strictEqual(record.inputs.aliases[0].name, ingressLoadBalancerHostname("grownext-edge-admin"));
        assert.deepStrictEqual(
            recorder
                .ofType(recordType)
                .map((r) => r.inputs.name)
                .sort(),
            tlsHosts(recorder.resources),
        );
    });
});
