/**
 * The public edge: one Ingress per public surface (api, identity, portal under the stack's domain),
 * TLS for every host from a cert-manager issuer, HTTP redirected to HTTPS, and HSTS on every response.
 *
 * HSTS is set by ingress-nginx's `custom-headers` annotation from a ConfigMap of ours, so the header
 * and its max-age are declared here (and checked by the policy pack), not left to controller defaults.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { hstsMaxAgeBounds } from "../../catalog/guardrails";
import { labelKeys, partOf } from "../../catalog/labels";
import { componentError } from "../../config/errors";

export interface PublicRoute {
    /** Catalog process behind the route. */
    readonly process: string;
    /** Fully qualified public host, e.g. `api.example.com`. */
    readonly host: string;
    /** Name of the process's Service. */
    readonly serviceName: pulumi.Input<string>;
    /** Port of that Service. */
    readonly servicePort: number;
    /** Exact paths that get an Ingress path of their own, so the controller's metrics label them (catalog `watchedPaths`). */
    readonly watchedPaths?: readonly string[];
    /** Further annotations on the route's Ingress (external-dns's hostname, components/edge/dnsRecords.ts). */
    readonly annotations?: Readonly<Record<string, string>>;
}

function backendOf(route: PublicRoute) {
    return { service: { name: route.serviceName, port: { number: route.servicePort } } };
}

export interface EdgeArgs {
    /** Namespace of the Ingresses and the headers ConfigMap. */
    readonly namespace: pulumi.Input<string>;
    /** The public surfaces. */
    readonly routes: readonly PublicRoute[];
    /** IngressClass of the controller that serves them. */
    readonly ingressClassName: pulumi.Input<string>;
    /** cert-manager ClusterIssuer that signs each host's certificate. */
    readonly clusterIssuer: pulumi.Input<string>;
    /** HSTS max-age in seconds (at least catalog/guardrails.ts `hstsMaxAgeBounds.min`, 180 days). */
    readonly hstsMaxAgeSeconds: number;
}

export const minimumHstsMaxAgeSeconds = hstsMaxAgeBounds.min;

export function hstsHeader(maxAgeSeconds: number): string {
    return `max-age=${maxAgeSeconds}; includeSubDomains`;
}

export function tlsSecretName(process: string): string {
    return `${process}-tls`;
}

export class Edge extends pulumi.ComponentResource {
    /** The Ingress per public host (DNS records read their load balancer address). */
    readonly ingresses: { readonly process: string; readonly host: string; readonly ingress: k8s.networking.v1.Ingress }[] = [];

    constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:platform:Edge", name, {}, opts);
        if (args.hstsMaxAgeSeconds < minimumHstsMaxAgeSeconds) {
            throw componentError(
                this,
                "Edge",
                name,
                `edge.hstsMaxAgeSeconds must be at least ${minimumHstsMaxAgeSeconds} (180 days), got ${args.hstsMaxAgeSeconds}`,
            );
        }
        const hosts = args.routes.map((r) => r.host);
        const duplicate = hosts.find((h, i) => hosts.indexOf(h) !== i);
        if (duplicate)
            throw componentError(
                this,
                "Edge",
                name,
                `two public processes share the host ${duplicate}: give each catalog entry its own publicHost`,
            );

        const labels = { [labelKeys.partOf]: partOf, [labelKeys.managedBy]: "pulumi", [labelKeys.component]: "edge" };
        const headers = new k8s.core.v1.ConfigMap(
            `${name}-security-headers`,
            {
                metadata: { namespace: args.namespace, labels },
                data: { "Strict-Transport-Security": hstsHeader(args.hstsMaxAgeSeconds) },
            },
            { parent: this },
        );

        for (const route of args.routes) {
            const ingress = new k8s.networking.v1.Ingress(
                `${name}-${route.process}`,
                {
                    metadata: {
                        namespace: args.namespace,
                        name: route.process,
                        labels: { ...labels, [labelKeys.name]: route.process },
                        annotations: {
                            ...route.annotations,
                            "cert-manager.io/cluster-issuer": args.clusterIssuer,
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/custom-headers": pulumi.interpolate`${headers.metadata.namespace}/${headers.metadata.name}`,
                        },
                    },
                    spec: {
                        ingressClassName: args.ingressClassName,
                        tls: [{ hosts: [route.host], secretName: tlsSecretName(route.process) }],
                        rules: [
                            {
                                host: route.host,
                                http: {
                                    // Exact paths win over the prefix in ingress-nginx, and the same backend serves both.
                                    paths: [
                                        ...(route.watchedPaths ?? []).map((path) => ({
                                            path,
                                            pathType: "Exact",
                                            backend: backendOf(route),
                                        })),
                                        { path: "/", pathType: "Prefix", backend: backendOf(route) },
                                    ],
                                },
                            },
                        ],
                    },
                },
                { parent: this },
            );
            this.ingresses.push({ process: route.process, host: route.host, ingress });
        }

        this.registerOutputs({ hosts: args.routes.map((r) => r.host) });
    }
}
