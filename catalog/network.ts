/**
 * What each process may reach over the network, derived from its catalog entry alone: the peers it
 * calls (`calls`), the data stores and external HTTPS APIs its env groups connect it to. The
 * NetworkPolicies (components/workloads/networkPolicies.ts) and the tests that walk them read these functions,
 * so an eighth process gets its policies from its entry, with no component change.
 *
 * Imports only types, so the policy pack can read it without the program's dependencies.
 */
import type { EnvGroup, ProcessSpec } from "./processes";

/** The data stores of a stack: the two Postgres databases, the queue's Redis and the cache's Redis. */
export type DataStoreName = "app" | "identity" | "queue" | "cache";

export const dataStoreNames: readonly DataStoreName[] = ["app", "identity", "queue", "cache"];

/** What a Redis is for (its `grownext.io/redis-role`): the BullMQ queue never evicts, the cache does. */
export type RedisRole = Extract<DataStoreName, "queue" | "cache">;
export const redisRoles: readonly RedisRole[] = ["queue", "cache"];

/** Which store an env group connects to (`tasksDatabase` lives in the `app` database). */
export const dataStoreOfGroup: Readonly<Partial<Record<EnvGroup, DataStoreName>>> = {
    appDatabase: "app",
    tasksDatabase: "app",
    identityDatabase: "identity",
    queue: "queue",
    cache: "cache",
};

/** An external HTTPS API the guides name, and the env groups whose variables talk to it. */
export interface ExternalApi {
    readonly name: string;
    readonly description: string;
    readonly envGroups: readonly EnvGroup[];
}

/**
 * The external APIs of the guides. A NetworkPolicy cannot name hosts, so every API is reached the
 * same way (TCP 443 outside the cluster's private ranges); the table says why a process gets it.
 */
export const externalApis: readonly ExternalApi[] = [
    { name: "stripe", description: "Stripe's API (payments, webhooks verification)", envGroups: ["stripe"] },
    {
        name: "supabase",
        description: "Supabase (auth, storage, REST)",
        envGroups: ["supabaseServer", "supabaseServiceRole", "supabasePublic"],
    },
    { name: "oauth", description: "the OAuth providers' token and user-info endpoints", envGroups: ["oauth"] },
    { name: "sentry", description: "Sentry's event ingest", envGroups: ["observability"] },
    { name: "aws", description: "AWS Secrets Manager, KMS and STS (IAM roles for service accounts)", envGroups: ["secretManager"] },
];

/** The data stores a process connects to, in `dataStoreNames` order. */
export function dataStoresOf(spec: Pick<ProcessSpec, "envGroups">): DataStoreName[] {
    const used = new Set(spec.envGroups.map((g) => dataStoreOfGroup[g]).filter((s): s is DataStoreName => s !== undefined));
    return dataStoreNames.filter((s) => used.has(s));
}

/** The external APIs a process talks to, by name. */
export function externalApisOf(spec: ProcessSpec): string[] {
    return externalApis.filter((api) => api.envGroups.some((g) => spec.envGroups.includes(g))).map((api) => api.name);
}

/** The processes of `catalog` that call `name`. */
export function callersOf(name: string, catalog: readonly ProcessSpec[]): string[] {
    return catalog.filter((p) => p.calls?.includes(name)).map((p) => p.name);
}

/** The processes of `catalog` that connect to a data store. */
export function clientsOf(store: DataStoreName, catalog: readonly ProcessSpec[]): string[] {
    return catalog.filter((p) => dataStoresOf(p).includes(store)).map((p) => p.name);
}

/**
 * Problems with the catalog's `calls`, one line each: a callee must be a process of the catalog that
 * serves HTTP, and a process does not call itself.
 */
export function callProblems(catalog: readonly ProcessSpec[]): string[] {
    const out: string[] = [];
    for (const p of catalog) {
        for (const callee of p.calls ?? []) {
            const target = catalog.find((c) => c.name === callee);
            if (callee === p.name) out.push(`${p.name}: calls itself; remove "${callee}" from its catalog calls`);
            else if (!target)
                out.push(`${p.name}: calls "${callee}", which is not a process of this stack; remove it from calls or add the process`);
            else if (target.port === undefined)
                out.push(`${p.name}: calls "${callee}", which serves no HTTP port; only HTTP processes can be called`);
        }
    }
    return out;
}
