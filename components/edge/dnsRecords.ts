/**
 * Public DNS for the edge hosts: one Route 53 record per public host, pointing at the ingress load
 * balancer. The records are aliases when the load balancer's canonical hosted zone is known (free
 * queries, and they follow the balancer's addresses), CNAMEs otherwise: an alias needs that zone,
 * and the Ingress status only carries the balancer's hostname.
 *
 * With `dns.provider: externalDns` nothing is declared here: the Ingresses carry the
 * `external-dns.alpha.kubernetes.io/hostname` annotation and the cluster's external-dns writes the
 * records. With `none` the records are a manual step (docs/edge-and-network.md: "DNS").
 */
import * as aws from "../../wiring/aws";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentError } from "../../config/errors";
import type { PlatformConfig } from "../../config/load";

/** The annotation external-dns reads for the names it publishes. */
export const externalDnsHostnameAnnotation = "external-dns.alpha.kubernetes.io/hostname";

/** TTL of the CNAME fallback; aliases have none of their own. */
export const cnameTtlSeconds = 300;

/** Ingress annotations the DNS provider wants on the Ingress of `host` (only externalDns wants any). */
export function dnsAnnotations(dns: PlatformConfig["dns"], host: string): Record<string, string> {
    return dns.provider === "externalDns" ? { [externalDnsHostnameAnnotation]: host } : {};
}

/** The load balancer address an Ingress reports once its controller has published it. */
export function ingressLoadBalancerHostname(ingress: k8s.networking.v1.Ingress, host: string): pulumi.Output<string> {
    return ingress.status.apply((status) => {
        const hostname = status?.loadBalancer?.ingress?.[0]?.hostname;
        if (!hostname) {
            throw componentError(
                ingress,
                "Ingress",
                host,
                `reports no load balancer hostname in status.loadBalancer.ingress[0]: set dns.loadBalancerHostname (and dns.loadBalancerZoneId for an alias) to the ingress load balancer's DNS name`,
            );
        }
        return hostname;
    });
}

export interface DnsRecordRoute {
    /** Catalog process behind the host. */
    readonly process: string;
    /** Fully qualified public host, e.g. `api.example.com`. */
    readonly host: string;
    /** DNS name of the load balancer that serves the host. */
    readonly loadBalancerHostname: pulumi.Input<string>;
}

export interface DnsRecordsArgs {
    /** Route 53 hosted zone of `domain`. */
    readonly hostedZoneId: pulumi.Input<string>;
    /** The stack's domain: every host must lie under it. */
    readonly domain: string;
    /** One record per public host. */
    readonly routes: readonly DnsRecordRoute[];
    /** Canonical hosted zone of the load balancer: set, the records are aliases; unset, CNAMEs. */
    readonly loadBalancerZoneId?: pulumi.Input<string>;
}

export class DnsRecords extends pulumi.ComponentResource {
    /** The record per host. */
    readonly records: Record<string, aws.route53.Record>;

    constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:platform:DnsRecords", name, {}, opts);
        const hosts = args.routes.map((r) => r.host);
        const duplicate = hosts.find((h, i) => hosts.indexOf(h) !== i);
        if (duplicate)
            throw componentError(
                this,
                "DnsRecords",
                name,
                `two public processes share the host ${duplicate}: give each catalog entry its own publicHost`,
            );
        const outside = hosts.find((h) => !h.endsWith(`.${args.domain}`));
        if (outside)
            throw componentError(
                this,
                "DnsRecords",
                name,
                `the host ${outside} is not under the domain ${args.domain}, so dns.hostedZoneId cannot hold its record: set domain to the hosted zone's domain`,
            );

        this.records = {};
        for (const route of args.routes) {
            // Never take over a record someone else created: a clash fails the update instead.
            const common = { zoneId: args.hostedZoneId, name: route.host, allowOverwrite: false };
            this.records[route.host] = new aws.route53.Record(
                `${name}-${route.process}`,
                args.loadBalancerZoneId !== undefined
                    ? {
                          ...common,
                          type: "A",
                          aliases: [{ name: route.loadBalancerHostname, zoneId: args.loadBalancerZoneId, evaluateTargetHealth: true }],
                      }
                    : { ...common, type: "CNAME", ttl: cnameTtlSeconds, records: [route.loadBalancerHostname] },
                { parent: this },
            );
        }

        this.registerOutputs({ hosts });
    }
}

/** The records of a stack whose `dns.provider` is route53, for the Ingresses the edge declared; nothing otherwise. */
export function publicDnsRecords(
    name: string,
    cfg: Pick<PlatformConfig, "dns" | "domain">,
    ingresses: readonly { readonly process: string; readonly host: string; readonly ingress: k8s.networking.v1.Ingress }[],
    opts: pulumi.ComponentResourceOptions,
): DnsRecords | undefined {
    const dns = cfg.dns;
    if (dns.provider !== "route53") return undefined;
    if (dns.hostedZoneId === undefined)
        throw new pulumi.RunError("dns.hostedZoneId is required when dns.provider is route53: the hosted zone of the stack's domain");
    return new DnsRecords(
        name,
        {
            hostedZoneId: dns.hostedZoneId,
            domain: cfg.domain,
            loadBalancerZoneId: dns.loadBalancerZoneId,
            routes: ingresses.map(({ process, host, ingress }) => ({
                process,
                host,
                loadBalancerHostname: dns.loadBalancerHostname ?? ingressLoadBalancerHostname(ingress, host),
            })),
        },
        opts,
    );
}
