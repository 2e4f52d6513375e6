/**
 * Network isolation: the inputs of every NetworkPolicy the component declares, and a walk of whole
 * stacks' policies (as the mocks recorded them) with a small NetworkPolicy evaluator, proving each
 * process reaches exactly its peers, DNS, its data stores and HTTPS, and nothing else.
 */
import * as assert from "assert";
import { processCatalog, type ProcessSpec } from "../../../catalog/processes";
import type { NetworkPolicies as NetworkPoliciesType, StoreEndpoint } from "../../../components/workloads/networkPolicies";
import type { DataStoreName } from "../../../catalog/network";
import { evaluateStack } from "../../../sandbox/evaluate";
import { installMocks, recorder, settle, type RecordedResource } from "../../../sandbox/mocks";
import { stackConfig } from "../../../sandbox/stacks";

const npType = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const namespace = "grownext";

// ---- A NetworkPolicy evaluator (networking.k8s.io/v1 semantics, IPv4) ----

type Labels = Record<string, string>;
type Endpoint = { kind: "pod"; namespace: string; labels: Labels } | { kind: "ip"; ip: string };
interface Policy {
    namespace: string;
    spec: any;
}

function selects(selector: any, labels: Labels): boolean {
    for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of selector?.matchExpressions ?? []) {
        const has = e.key in labels;
        const ok =
            e.operator === "In"
                ? has && e.values.includes(labels[e.key])
                : e.operator === "NotIn"
                  ? !has || !e.values.includes(labels[e.key])
                  : e.operator === "Exists"
                    ? has
                    : !has;
        if (!ok) return false;
    }
    return true;
}

function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}
function inCidr(ip: string, cidr: string): boolean {
    if (cidr.includes(":") || ip.includes(":")) return false;
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(base!) / size);
}

/** Whether a peer of a policy in `policyNs` matches an endpoint. Pod IPs never match an ipBlock here. */
function peerMatches(peer: any, policyNs: string, e: Endpoint): boolean {
    if (peer.ipBlock)
        return e.kind === "ip" && inCidr(e.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((x: string) => inCidr(e.ip, x));
    if (e.kind !== "pod") return false;
    const nsOk = peer.namespaceSelector
        ? selects(peer.namespaceSelector, { "kubernetes.io/metadata.name": e.namespace })
        : e.namespace === policyNs;
    return nsOk && (!peer.podSelector || selects(peer.podSelector, e.labels));
}

function portMatches(ports: any[] | undefined, port: number, protocol: string): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || p.port === port));
}

function typesOf(spec: any): string[] {
    return spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
}

/** One direction: allowed when no policy isolates the pod that way, or some rule admits the peer. */
function directionAllows(
    policies: Policy[],
    pod: Endpoint,
    direction: "Ingress" | "Egress",
    peer: Endpoint,
    port: number,
    protocol: string,
): boolean {
    if (pod.kind !== "pod") return true;
    const selecting = policies.filter(
        (p) => p.namespace === pod.namespace && selects(p.spec.podSelector, pod.labels) && typesOf(p.spec).includes(direction),
    );
    if (selecting.length === 0) return true;
    const key = direction === "Ingress" ? "ingress" : "egress";
    const peers = direction === "Ingress" ? "from" : "to";
    return selecting.some((p) =>
        (p.spec[key] ?? []).some(
            (rule: any) =>
                (rule[peers] === undefined || rule[peers].some((x: any) => peerMatches(x, p.namespace, peer))) &&
                portMatches(rule.ports, port, protocol),
        ),
    );
}

function canConnect(policies: Policy[], from: Endpoint, to: Endpoint, port: number, protocol = "TCP"): boolean {
    return directionAllows(policies, from, "Egress", to, port, protocol) && directionAllows(policies, to, "Ingress", from, port, protocol);
}

function policiesOf(resources: RecordedResource[]): Policy[] {
    return resources.filter((r) => r.type === npType).map((r) => ({ namespace: r.inputs.metadata.namespace, spec: r.inputs.spec }));
}

function podOf(resources: RecordedResource[], type: string, match: (labels: Labels) => boolean): Endpoint {
    const found = resources.filter((r) => r.type === type && match(r.inputs.spec.template.metadata.labels));
    assert.strictEqual(found.length, 1, `one ${type} matching`);
    return { kind: "pod", namespace: found[0]!.inputs.metadata.namespace, labels: found[0]!.inputs.spec.template.metadata.labels };
}

const processPod = (resources: RecordedResource[], name: string) =>
    podOf(resources, "kubernetes:apps/v1:Deployment", (l) => l["grownext.io/process"] === name);

/** Destinations every process is tried against; each name says what it stands for. */
function destinations(
    resources: RecordedResource[],
    stores: Record<string, { endpoint: Endpoint; port: number }>,
): Array<{ name: string; to: Endpoint; port: number; protocol?: string }> {
    const out: Array<{ name: string; to: Endpoint; port: number; protocol?: string }> = [];
    for (const p of processCatalog) {
        const pod = processPod(resources, p.name);
        out.push({ name: `${p.name}:${p.port ?? 8080}`, to: pod, port: p.port ?? 8080 });
        out.push({ name: `${p.name}:9229`, to: pod, port: 9229 });
    }
    const dns: Endpoint = { kind: "pod", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
    out.push({ name: "dns:udp", to: dns, port: 53, protocol: "UDP" }, { name: "dns:tcp", to: dns, port: 53 });
    out.push({ name: "dns:9153", to: dns, port: 9153 });
    out.push({
        name: "kube-system-other:53",
        to: { kind: "pod", namespace: "kube-system", labels: { app: "other" } },
        port: 53,
        protocol: "UDP",
    });
    out.push({ name: "other-namespace:443", to: { kind: "pod", namespace: "monitoring", labels: { app: "x" } }, port: 443 });
    for (const [name, s] of Object.entries(stores)) {
        out.push({ name, to: s.endpoint, port: s.port });
        out.push({ name: `${name}:22`, to: s.endpoint, port: 22 });
    }
    out.push({ name: "https", to: { kind: "ip", ip: "203.0.113.10" }, port: 443 });
    out.push({ name: "public:80", to: { kind: "ip", ip: "203.0.113.10" }, port: 80 });
    out.push({ name: "metadata:80", to: { kind: "ip", ip: "169.254.169.254" }, port: 80 });
    out.push({ name: "metadata:443", to: { kind: "ip", ip: "169.254.169.254" }, port: 443 });
    out.push({ name: "private:443", to: { kind: "ip", ip: "10.99.0.5" }, port: 443 });
    out.push({ name: "private:5432", to: { kind: "ip", ip: "10.99.0.5" }, port: 5432 });
    return out;
}

function reachable(resources: RecordedResource[], from: Endpoint, stores: Record<string, { endpoint: Endpoint; port: number }>): string[] {
    const policies = policiesOf(resources);
    return destinations(resources, stores)
        .filter((d) => canConnect(policies, from, d.to, d.port, d.protocol))
        .map((d) => d.name)
        .sort();
}

const everyone = ["dns:tcp", "dns:udp"];

describe("NetworkPolicies", () => {
    let NetworkPolicies: typeof NetworkPoliciesType;

    before(async () => {
        installMocks();
        ({ NetworkPolicies } = await import("../../../components/workloads/networkPolicies"));
    });

    describe("the inputs it declares", () => {
        const stores: Record<DataStoreName, StoreEndpoint> = {
            app: { port: 5432, location: { kind: "pods", podSelector: { db: "app" } } },
            identity: { port: 5432, location: { kind: "pods", podSelector: { db: "identity" } } },
            queue: { port: 6379, location: { kind: "cidrs", cidrs: ["10.1.0.0/24", "10.1.1.0/24"] } },
            cache: { port: 6379, location: { kind: "pods", podSelector: { redis: "cache" } } },
        };
        let resources: RecordedResource[];
        const named = (name: string) => resources.find((r) => r.type === npType && r.inputs.metadata.name === name)!.inputs;

        before(async () => {
            recorder.reset();
            new NetworkPolicies("np", {
                namespace,
                processes: processCatalog,
                ingressNamespace: "edge",
                stores,
                migratedDatabases: ["app", "identity"],
            });
            await settle();
            resources = [...recorder.resources];
        });

        it("denies everything to every pod of the namespace, and declares that last", () => {
            const deny = resources.find((r) => r.type === npType && r.inputs.metadata.name === "default-deny")!;
            assert.deepStrictEqual(deny.inputs.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            assert.strictEqual(deny.inputs.metadata.namespace, namespace);
            const others = resources.filter((r) => r.type === npType && r !== deny);
            for (const o of others) assert.ok(deny.dependencies!.includes(o.urn!), `default-deny waits for ${o.inputs.metadata.name}`);
            const dns = others.find((r) => r.inputs.metadata.name === "allow-dns")!;
            for (const o of others.filter((r) => r !== dns))
                assert.ok(o.dependencies!.includes(dns.urn!), `${o.inputs.metadata.name} waits for DNS`);
        });

        it("lets every pod query the cluster DNS, over UDP and TCP, and nothing else", () => {
            assert.deepStrictEqual(named("allow-dns").spec, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                            },
                        ],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            });
        });

        it("admits identity's port from the ingress controller's namespace and its callers only", () => {
            const spec = named("process-identity").spec;
            assert.deepStrictEqual(spec.podSelector, {
                matchLabels: { "app.kubernetes.io/part-of": "grownext", "grownext.io/process": "identity" },
            });
            assert.deepStrictEqual(spec.policyTypes, ["Ingress", "Egress"]);
            assert.strictEqual(spec.ingress.length, 1);
            assert.deepStrictEqual(spec.ingress[0].ports, [{ protocol: "TCP", port: 4000 }]);
            const from = spec.ingress[0].from;
            assert.deepStrictEqual(from[0], { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } } });
            assert.deepStrictEqual(
                from
                    .slice(1)
                    .map((p: any) => p.podSelector.matchLabels["grownext.io/process"])
                    .sort(),
                ["portal", "web", "worker"],
            );
        });

        it("admits nothing to a background process", () => {
            assert.deepStrictEqual(named("process-scheduler").spec.ingress, []);
        });

        it("lets web reach identity, its stores by pod or CIDR, and HTTPS outside the private ranges", () => {
            const egress = named("process-web").spec.egress;
            assert.deepStrictEqual(egress[0], {
                to: [{ podSelector: { matchLabels: { "app.kubernetes.io/part-of": "grownext", "grownext.io/process": "identity" } } }],
                ports: [{ protocol: "TCP", port: 4000 }],
            });
            assert.deepStrictEqual(egress[1], {
                to: [{ podSelector: { matchLabels: { db: "app" } } }],
                ports: [{ protocol: "TCP", port: 5432 }],
            });
            assert.deepStrictEqual(egress[2], {
                to: [{ ipBlock: { cidr: "10.1.0.0/24" } }, { ipBlock: { cidr: "10.1.1.0/24" } }],
                ports: [{ protocol: "TCP", port: 6379 }],
            });
            assert.deepStrictEqual(
                egress[3],
                { to: [{ podSelector: { matchLabels: { redis: "cache" } } }], ports: [{ protocol: "TCP", port: 6379 }] },
                "web's cache",
            );
            assert.deepStrictEqual(egress[4].ports, [{ protocol: "TCP", port: 443 }]);
            assert.deepStrictEqual(egress[4].to[0].ipBlock.cidr, "0.0.0.0/0");
            for (const closed of ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"])
                assert.ok(egress[4].to[0].ipBlock.except.includes(closed), closed);
            assert.strictEqual(egress.length, 5);
            const worker = named("process-worker").spec.egress;
            assert.ok(!JSON.stringify(worker).includes('"cache"'), "the worker asks for no cache");
        });

        it("admits each in-cluster store's port from exactly its clients and its migrations Job; none for an AWS store", () => {
            const app = named("store-app").spec;
            assert.deepStrictEqual(app.podSelector, { matchLabels: { db: "app" } });
            assert.deepStrictEqual(app.policyTypes, ["Ingress"]);
            assert.deepStrictEqual(app.ingress[0].ports, [{ protocol: "TCP", port: 5432 }]);
            const from = app.ingress[0].from.map(
                (p: any) =>
                    p.podSelector.matchLabels["grownext.io/process"] ?? `migrate-${p.podSelector.matchLabels["grownext.io/database"]}`,
            );
            // identity reads the tasks tables (TASKS_DATABASE_URL), which live in the app database.
            assert.deepStrictEqual(from.sort(), ["encryption-rotation", "identity", "migrate-app", "scheduler", "timers", "web", "worker"]);
            const identity = named("store-identity").spec.ingress[0].from.map(
                (p: any) => p.podSelector.matchLabels["grownext.io/process"] ?? "migrate",
            );
            assert.deepStrictEqual(identity.sort(), ["identity", "migrate"]);
            assert.ok(
                !resources.some((r) => r.type === npType && r.inputs.metadata.name === "store-queue"),
                "the queue is outside the cluster here",
            );
            const cache = named("store-cache").spec;
            assert.deepStrictEqual(cache.podSelector, { matchLabels: { redis: "cache" } });
            assert.deepStrictEqual(
                cache.ingress,
                [
                    {
                        from: [{ podSelector: { matchLabels: { "app.kubernetes.io/part-of": "grownext", "grownext.io/process": "web" } } }],
                        ports: [{ protocol: "TCP", port: 6379 }],
                    },
                ],
                "exactly the processes that ask for a cache, and no migrations Job",
            );
        });

        it("lets each migrations Job reach its own database only", () => {
            const spec = named("migrate-identity").spec;
            assert.deepStrictEqual(spec.podSelector, {
                matchLabels: {
                    "app.kubernetes.io/part-of": "grownext",
                    "app.kubernetes.io/component": "migration",
                    "grownext.io/database": "identity",
                },
            });
            assert.deepStrictEqual(spec.policyTypes, ["Egress"]);
            assert.deepStrictEqual(spec.egress, [
                { to: [{ podSelector: { matchLabels: { db: "identity" } } }], ports: [{ protocol: "TCP", port: 5432 }] },
            ]);
        });

        it("lets the ingress controller reach cert-manager's HTTP-01 solver pods, and nobody else", () => {
            assert.deepStrictEqual(named("allow-acme-solver").spec, {
                podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } } }],
                        ports: [{ protocol: "TCP", port: 8089 }],
                    },
                ],
            });
            const policies = policiesOf(resources);
            const solver: Endpoint = { kind: "pod", namespace, labels: { "acme.cert-manager.io/http01-solver": "true" } };
            assert.ok(canConnect(policies, { kind: "pod", namespace: "edge", labels: {} }, solver, 8089));
            assert.ok(
                !canConnect(
                    policies,
                    { kind: "pod", namespace, labels: { "grownext.io/process": "web", "app.kubernetes.io/part-of": "grownext" } },
                    solver,
                    8089,
                ),
            );
        });

        it("refuses a call to an unknown or non-HTTP process, and a bad ingress namespace, saying what to change", () => {
            const bad = (calls: string[]): ProcessSpec[] => processCatalog.map((p) => (p.name === "web" ? { ...p, calls } : p));
            assert.throws(
                () =>
                    new NetworkPolicies("bad1", {
                        namespace,
                        processes: bad(["billing"]),
                        ingressNamespace: "edge",
                        stores,
                        migratedDatabases: [],
                    }),
                /web: calls "billing", which is not a process of this stack; remove it from calls or add the process/,
            );
            assert.throws(
                () =>
                    new NetworkPolicies("bad2", {
                        namespace,
                        processes: bad(["worker"]),
                        ingressNamespace: "edge",
                        stores,
                        migratedDatabases: [],
                    }),
                /web: calls "worker", which serves no HTTP port/,
            );
            assert.throws(
                () =>
                    new NetworkPolicies("bad3", {
                        namespace,
                        processes: bad(["web"]),
                        ingressNamespace: "edge",
                        stores,
                        migratedDatabases: [],
                    }),
                /web: calls itself/,
            );
            assert.throws(
                () =>
                    new NetworkPolicies("bad4", {
                        namespace,
                        processes: processCatalog,
                        ingressNamespace: "Ingress_NGINX",
                        stores,
                        migratedDatabases: [],
                    }),
                /edge\.ingressNamespace must be a namespace name/,
            );
        });
    });

    describe("the production graph, walked", () => {
        let resources: RecordedResource[];
        // The mocks give each private subnet a /24 (sandbox/mocks.ts): an address in the first one.
        const subnetIp = "10.0.24.7";
        const stores = {
            "postgres:5432": { endpoint: { kind: "ip", ip: subnetIp } as Endpoint, port: 5432 },
            "redis:6379": { endpoint: { kind: "ip", ip: subnetIp } as Endpoint, port: 6379 },
        };
        before(async () => {
            resources = await evaluateStack("production");
        });

        // Written out by hand from the guides, not computed from the catalog: the walk must agree.
        const expected: Record<string, string[]> = {
            web: ["identity:4000", "postgres:5432", "redis:6379", "https", ...everyone],
            worker: ["identity:4000", "postgres:5432", "redis:6379", "https", ...everyone],
            scheduler: ["postgres:5432", "redis:6379", "https", ...everyone],
            timers: ["postgres:5432", "redis:6379", "https", ...everyone],
            "encryption-rotation": ["postgres:5432", "redis:6379", "https", ...everyone],
            identity: ["postgres:5432", "redis:6379", "https", ...everyone],
            portal: ["identity:4000", "https", ...everyone],
        };

        for (const [process, allowed] of Object.entries(expected)) {
            it(`${process} reaches exactly ${allowed.filter((a) => !everyone.includes(a)).join(", ")} and DNS`, () => {
                assert.deepStrictEqual(reachable(resources, processPod(resources, process), stores), [...allowed].sort());
            });
        }

        it("is reached from outside only through the ingress controller, on the public processes' ports", () => {
            const policies = policiesOf(resources);
            const controller: Endpoint = { kind: "pod", namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx" } };
            const stranger: Endpoint = { kind: "pod", namespace: "default", labels: { "app.kubernetes.io/name": "ingress-nginx" } };
            for (const p of processCatalog) {
                const pod = processPod(resources, p.name);
                assert.strictEqual(canConnect(policies, controller, pod, p.port ?? 3000), p.publicHost !== undefined, p.name);
                assert.strictEqual(canConnect(policies, stranger, pod, p.port ?? 3000), false, `${p.name} from another namespace`);
                assert.strictEqual(canConnect(policies, controller, pod, 9229), false, `${p.name} on another port`);
            }
        });

        it("lets a migrations Job reach the databases and nothing but DNS besides", () => {
            const policies = policiesOf(resources);
            for (const database of ["app", "identity"]) {
                const job = resources.find(
                    (r) => r.type === "kubernetes:batch/v1:Job" && r.inputs.metadata.labels["grownext.io/database"] === database,
                )!;
                const pod: Endpoint = { kind: "pod", namespace, labels: job.inputs.spec.template.metadata.labels };
                assert.ok(canConnect(policies, pod, { kind: "ip", ip: subnetIp }, 5432), database);
                assert.ok(!canConnect(policies, pod, { kind: "ip", ip: subnetIp }, 6379), `${database} migrations never touch Redis`);
                assert.ok(!canConnect(policies, pod, { kind: "ip", ip: "203.0.113.10" }, 443), `${database} migrations have no internet`);
            }
        });

        it("gives the databases' CIDRs from the configured private subnets", () => {
            const cidrs = resources
                .filter((r) => r.type === npType && r.inputs.metadata.name === "migrate-app")[0]!
                .inputs.spec.egress[0].to.map((p: any) => p.ipBlock.cidr);
            assert.deepStrictEqual(cidrs, ["10.0.24.0/24", "10.0.25.0/24", "10.0.16.0/24"]);
        });

        it("is isolated by default-deny in the eyes of the policy pack; without it the pack rejects production", async () => {
            const { runPackOnResources } = await import("../../policies/harness");
            const asPolicy = (list: RecordedResource[]) =>
                list
                    .filter((r) => r.urn)
                    .map((r) => ({
                        type: r.type,
                        name: r.name,
                        urn: r.urn!,
                        props: r.inputs,
                        opts: { protect: r.protect, parent: r.parent },
                        dependencies: r.dependencies ?? [],
                        parent: r.parent,
                    }));
            const clean = await runPackOnResources(asPolicy(resources), "production");
            assert.deepStrictEqual(
                clean.filter((v) => v.policyName === "default-deny"),
                [],
            );
            const open = await runPackOnResources(
                asPolicy(resources.filter((r) => !(r.type === npType && r.inputs.metadata.name === "default-deny"))),
                "production",
            );
            const denied = open.filter((v) => v.policyName === "default-deny" && v.enforcementLevel === "mandatory");
            // Every product process (the seven Deployments), the two migrations Jobs running product images and
            // the two roles Jobs (they receive the product's DATABASE_URL).
            assert.strictEqual(denied.length, 11, denied.map((v) => v.message).join("\n"));
        });
    });

    describe("the local graph, walked (stores in the cluster)", () => {
        let resources: RecordedResource[];
        let stores: Record<string, { endpoint: Endpoint; port: number }>;
        before(async () => {
            resources = await evaluateStack("local");
            const sts = (match: (l: Labels) => boolean) => podOf(resources, "kubernetes:apps/v1:StatefulSet", match);
            stores = {
                "postgres-app:5432": {
                    endpoint: sts((l) => l["app.kubernetes.io/name"] === "postgres" && l["grownext.io/database"] === "app"),
                    port: 5432,
                },
                "postgres-identity:5432": {
                    endpoint: sts((l) => l["app.kubernetes.io/name"] === "postgres" && l["grownext.io/database"] === "identity"),
                    port: 5432,
                },
                "redis:6379": {
                    endpoint: sts((l) => l["app.kubernetes.io/name"] === "redis" && l["grownext.io/redis-role"] === "queue"),
                    port: 6379,
                },
                "cache:6379": {
                    endpoint: sts((l) => l["app.kubernetes.io/name"] === "redis" && l["grownext.io/redis-role"] === "cache"),
                    port: 6379,
                },
            };
        });

        const expected: Record<string, string[]> = {
            // Only web asks for a cache (the backend's caching and rate limiting).
            web: ["identity:4000", "postgres-app:5432", "redis:6379", "cache:6379", "https", ...everyone],
            worker: ["identity:4000", "postgres-app:5432", "redis:6379", "https", ...everyone],
            scheduler: ["postgres-app:5432", "redis:6379", "https", ...everyone],
            // The tasks database is the app database (TASKS_DATABASE_URL).
            identity: ["postgres-app:5432", "postgres-identity:5432", "redis:6379", "https", ...everyone],
            portal: ["identity:4000", "https", ...everyone],
        };
        for (const [process, allowed] of Object.entries(expected)) {
            it(`${process} reaches exactly its own stores' pods`, () => {
                assert.deepStrictEqual(reachable(resources, processPod(resources, process), stores), [...allowed].sort());
            });
        }

        it("admits to each database only its clients and its own migrations Job", () => {
            const policies = policiesOf(resources);
            const jobPod = (database: string): Endpoint => {
                const job = resources.find(
                    (r) => r.type === "kubernetes:batch/v1:Job" && r.inputs.metadata.labels["grownext.io/database"] === database,
                )!;
                return { kind: "pod", namespace, labels: job.inputs.spec.template.metadata.labels };
            };
            assert.ok(canConnect(policies, jobPod("app"), stores["postgres-app:5432"]!.endpoint, 5432));
            assert.ok(!canConnect(policies, jobPod("app"), stores["postgres-identity:5432"]!.endpoint, 5432));
            assert.ok(canConnect(policies, jobPod("identity"), stores["postgres-identity:5432"]!.endpoint, 5432));
            const stranger: Endpoint = { kind: "pod", namespace, labels: { app: "debug-shell" } };
            for (const s of Object.values(stores))
                assert.ok(!canConnect(policies, stranger, s.endpoint, s.port), "an unlisted pod of the namespace");
        });
    });

    it("gives an eighth process its policies and its spread from its catalog entry alone", async () => {
        const { Platform } = await import("../../../components/platform");
        const admin: ProcessSpec = {
            ...processCatalog.find((p) => p.name === "portal")!,
            name: "admin",
            publicHost: "admin",
            description: "The admin console.",
            envGroups: ["runtime", "appDatabase", "identityClient"],
            calls: ["identity", "web"],
        };
        recorder.reset();
        new Platform("grownext", { config: stackConfig("production", {}, [...processCatalog, admin]) });
        await settle();
        const resources = [...recorder.resources];
        const policies = policiesOf(resources);
        const adminPod = processPod(resources, "admin");
        const subnet: Endpoint = { kind: "ip", ip: "10.0.24.7" };
        assert.ok(canConnect(policies, adminPod, processPod(resources, "web"), 3000), "admin calls web");
        assert.ok(canConnect(policies, adminPod, processPod(resources, "identity"), 4000), "admin calls identity");
        assert.ok(!canConnect(policies, processPod(resources, "web"), adminPod, 3000), "nobody calls admin");
        assert.ok(canConnect(policies, adminPod, subnet, 5432), "admin uses the app database");
        assert.ok(!canConnect(policies, adminPod, subnet, 6379), "admin has no queue");
        assert.ok(!canConnect(policies, adminPod, { kind: "ip", ip: "203.0.113.10" }, 443), "admin names no external API");
        assert.ok(canConnect(policies, { kind: "pod", namespace: "ingress-nginx", labels: {} }, adminPod, 3000), "admin is public");
        const deployment = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.inputs.metadata.name === "admin")!;
        const spread = deployment.inputs.spec.template.spec.topologySpreadConstraints;
        assert.deepStrictEqual(
            spread.map((c: any) => [c.topologyKey, c.whenUnsatisfiable]),
            [
                ["topology.kubernetes.io/zone", "ScheduleAnyway"],
                ["kubernetes.io/hostname", "DoNotSchedule"],
            ],
        );
        assert.deepStrictEqual(spread[0].labelSelector, {
            matchLabels: { "app.kubernetes.io/part-of": "grownext", "grownext.io/process": "admin" },
        });
    });
});
