/**
 * Network isolation of the stack's namespace, from the catalog (catalog/network.ts): every pod is
 * denied all ingress and egress, then each gets back exactly what its catalog entry says it needs.
 *
 *  - `default-deny`: every pod of the namespace, no ingress, no egress.
 *  - `allow-dns`: every pod may ask the cluster DNS (kube-system, `k8s-app: kube-dns`, UDP/TCP 53).
 *  - one policy per process: ingress to its HTTP port only from the ingress controller's namespace
 *    (`edge.ingressNamespace`) and from the processes that call it; egress to the processes it
 *    calls, to its data stores (pod selectors in-cluster, the private subnets' CIDRs on AWS), and to
 *    TCP 443 outside the private ranges when it talks to an external API (Stripe, Supabase, OAuth
 *    providers, Sentry, AWS).
 *  - one policy per in-cluster data store (the databases, the queue's and the cache's Redis): ingress
 *    only from its client processes (and, for a database, its migrations Job).
 *  - one policy per migrations Job: egress to its database.
 *  - `allow-acme-solver`: cert-manager's HTTP-01 solver pods, which it starts in this namespace
 *    (the Ingresses' own) while a certificate is issued or renewed, take ingress from the ingress
 *    controller on their port; without it no certificate could be issued or renewed.
 *
 * Order matters on the first deploy: DNS first, then the allows, then the deny, so no pod is ever
 * isolated before what it needs is allowed (a migration running meanwhile keeps its connection).
 * A NetworkPolicy names no hosts, so "Stripe" is TCP 443 to public addresses: the table in
 * catalog/network.ts says which processes have a reason for it. Kubelet probes come from the node
 * and are not subject to these policies on the common CNIs (VPC CNI, Calico, Cilium).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelKeys, partOf } from "../../catalog/labels";
import { callProblems, callersOf, clientsOf, dataStoresOf, externalApisOf, type DataStoreName } from "../../catalog/network";
import type { ProcessSpec } from "../../catalog/processes";
import type { DatabaseName } from "../../wiring/dataContract";
import { selectorLabels } from "./serviceProcess";
import { componentError } from "../../config/errors";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Port = k8s.types.input.networking.v1.NetworkPolicyPort;

/** Where a data store listens: pods of the namespace (in-cluster) or address blocks (AWS). */
export type StoreLocation =
    | { readonly kind: "pods"; readonly podSelector: Readonly<Record<string, string>> }
    | { readonly kind: "cidrs"; readonly cidrs: pulumi.Input<pulumi.Input<string>[]> };

export interface StoreEndpoint {
    readonly port: number;
    readonly location: StoreLocation;
}

/** The cluster DNS every pod may query: CoreDNS keeps the `kube-dns` label on EKS, kind and k3s. */
export const clusterDns = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, port: 53 } as const;

export const httpsPort = 443;

/** cert-manager's HTTP-01 solver pods: their label and port (cert-manager's defaults). */
export const acmeSolver = { podLabels: { "acme.cert-manager.io/http01-solver": "true" }, port: 8089 } as const;

/**
 * HTTPS egress goes to public addresses only: private, carrier-grade NAT and link-local ranges (the
 * instance metadata service among them) stay closed. A VPC that reaches AWS APIs through interface
 * endpoints needs an extra allow for those endpoints' subnets.
 */
export const httpsEgressBlocks: ReadonlyArray<{ readonly cidr: string; readonly except: readonly string[] }> = [
    { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"] },
    { cidr: "::/0", except: ["fc00::/7", "fe80::/10"] },
];

/** The pod labels of a database's migrations Job (migrations.ts labels its pods with them). */
export function migrationPodSelector(database: DatabaseName): Record<string, string> {
    return { [labelKeys.partOf]: partOf, [labelKeys.component]: "migration", "grownext.io/database": database };
}

export interface NetworkPoliciesArgs {
    /** Namespace the processes, stores and Jobs run in. */
    readonly namespace: pulumi.Input<string>;
    /** The catalog entries of the processes this stack runs. */
    readonly processes: readonly ProcessSpec[];
    /** Namespace of the ingress controller, the only source of outside traffic (`edge.ingressNamespace`). */
    readonly ingressNamespace: string;
    /** Where each data store listens. */
    readonly stores: Readonly<Record<DataStoreName, StoreEndpoint>>;
    /** The databases that have a migrations Job. */
    readonly migratedDatabases: readonly DatabaseName[];
}

const tcp = (port: number): Port => ({ protocol: "TCP", port });

/** The peers a store is reached at. */
function storePeers(location: StoreLocation): Peer[] | pulumi.Output<Peer[]> {
    if (location.kind === "pods") return [{ podSelector: { matchLabels: { ...location.podSelector } } }];
    return pulumi.output(location.cidrs).apply((cidrs) => cidrs.map((cidr) => ({ ipBlock: { cidr } })));
}

const processPeer = (spec: ProcessSpec): Peer => ({ podSelector: { matchLabels: selectorLabels(spec) } });

/** The egress rules of a process: its callees, its stores, HTTPS when it talks to an external API. */
export function processEgress(
    spec: ProcessSpec,
    processes: readonly ProcessSpec[],
    stores: NetworkPoliciesArgs["stores"],
): k8s.types.input.networking.v1.NetworkPolicyEgressRule[] {
    const rules: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [];
    for (const callee of spec.calls ?? []) {
        const target = processes.find((p) => p.name === callee)!;
        rules.push({ to: [processPeer(target)], ports: [tcp(target.port!)] });
    }
    for (const store of dataStoresOf(spec)) {
        rules.push({ to: storePeers(stores[store].location), ports: [tcp(stores[store].port)] });
    }
    if (externalApisOf(spec).length > 0) {
        rules.push({ to: httpsEgressBlocks.map((b) => ({ ipBlock: { cidr: b.cidr, except: [...b.except] } })), ports: [tcp(httpsPort)] });
    }
    return rules;
}

/** The ingress rule of an HTTP process: the ingress controller's namespace and its callers, on its port. */
export function processIngress(
    spec: ProcessSpec,
    processes: readonly ProcessSpec[],
    ingressNamespace: string,
): k8s.types.input.networking.v1.NetworkPolicyIngressRule[] {
    if (spec.port === undefined) return [];
    const callers = callersOf(spec.name, processes).map((name) => processPeer(processes.find((p) => p.name === name)!));
    return [
        {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ingressNamespace } } }, ...callers],
            ports: [tcp(spec.port)],
        },
    ];
}

export class NetworkPolicies extends pulumi.ComponentResource {
    /** Kubernetes names of the policies, for the docs and tests. */
    readonly policyNames: string[] = [];

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:platform:NetworkPolicies", name, {}, opts);
        const problems = callProblems(args.processes);
        if (problems.length > 0)
            throw componentError(this, "NetworkPolicies", name, `the catalog's calls are wrong:\n  ${problems.join("\n  ")}`);
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(args.ingressNamespace)) {
            throw componentError(
                this,
                "NetworkPolicies",
                name,
                `edge.ingressNamespace must be a namespace name (DNS-1123 label), got ${JSON.stringify(args.ingressNamespace)}`,
            );
        }
        const labels = { [labelKeys.partOf]: partOf, [labelKeys.managedBy]: "pulumi", [labelKeys.component]: "network-policy" };
        const declare = (
            resource: string,
            policyName: string,
            spec: k8s.types.input.networking.v1.NetworkPolicySpec,
            dependsOn?: pulumi.Resource[],
            annotations?: Record<string, string>,
        ) => {
            this.policyNames.push(policyName);
            return new k8s.networking.v1.NetworkPolicy(
                `${name}-${resource}`,
                {
                    metadata: { name: policyName, namespace: args.namespace, labels, annotations },
                    spec,
                },
                { parent: this, dependsOn },
            );
        };

        const dns = declare("allow-dns", "allow-dns", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": clusterDns.namespace } },
                            podSelector: { matchLabels: { ...clusterDns.podLabels } },
                        },
                    ],
                    ports: [
                        { protocol: "UDP", port: clusterDns.port },
                        { protocol: "TCP", port: clusterDns.port },
                    ],
                },
            ],
        });
        const afterDns = [dns];
        const allows: pulumi.Resource[] = [dns];

        for (const spec of args.processes) {
            allows.push(
                declare(
                    `process-${spec.name}`,
                    `process-${spec.name}`,
                    {
                        podSelector: { matchLabels: selectorLabels(spec) },
                        policyTypes: ["Ingress", "Egress"],
                        ingress: processIngress(spec, args.processes, args.ingressNamespace),
                        egress: processEgress(spec, args.processes, args.stores),
                    },
                    afterDns,
                ),
            );
        }

        for (const store of Object.keys(args.stores) as DataStoreName[]) {
            const endpoint = args.stores[store];
            if (endpoint.location.kind !== "pods") continue;
            const clients = clientsOf(store, args.processes).map((n) => processPeer(args.processes.find((p) => p.name === n)!));
            const database = args.migratedDatabases.find((d) => d === store);
            const migrations = database !== undefined ? [{ podSelector: { matchLabels: migrationPodSelector(database) } }] : [];
            const from = [...clients, ...migrations];
            allows.push(
                declare(
                    `store-${store}`,
                    `store-${store}`,
                    {
                        podSelector: { matchLabels: { ...endpoint.location.podSelector } },
                        policyTypes: ["Ingress"],
                        // No client at all: an empty list would admit nobody, which is what an unused store wants.
                        ingress: from.length > 0 ? [{ from, ports: [tcp(endpoint.port)] }] : [],
                    },
                    afterDns,
                ),
            );
        }

        allows.push(
            declare(
                "allow-acme-solver",
                "allow-acme-solver",
                {
                    podSelector: { matchLabels: { ...acmeSolver.podLabels } },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.ingressNamespace } } }],
                            ports: [tcp(acmeSolver.port)],
                        },
                    ],
                    // cert-manager starts the solver pods only while a challenge is open, so no manifest holds them:
                    // kube-score's static "targets a pod" check cannot see them (test/engine/kube-score.test.ts).
                },
                afterDns,
                { "kube-score/ignore": "networkpolicy-targets-pod" },
            ),
        );

        for (const database of args.migratedDatabases) {
            const endpoint = args.stores[database];
            allows.push(
                declare(
                    `migrate-${database}`,
                    `migrate-${database}`,
                    {
                        podSelector: { matchLabels: migrationPodSelector(database) },
                        policyTypes: ["Egress"],
                        egress: [{ to: storePeers(endpoint.location), ports: [tcp(endpoint.port)] }],
                    },
                    afterDns,
                ),
            );
        }

        // Last: the namespace is closed only once everything it must keep doing is allowed.
        declare("default-deny", "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, allows);

        this.registerOutputs({ policyNames: this.policyNames });
    }
}
