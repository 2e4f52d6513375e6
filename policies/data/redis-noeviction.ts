import type { StackValidationPolicy } from "@pulumi/policy";
import { labelKeys } from "../../catalog/labels";
import {
    commandTokens,
    containersOf,
    describeContainer,
    findObject,
    parseImage,
    podTemplateOf,
    type ContainerView,
    type PodTemplate,
} from "../lib/kubernetes";
import { validateStackWith, type StackResource, type StackView } from "../lib/policy";
import { awsTypes, k8sTypes, workloadTypes } from "../lib/types";
import { arr, get, isUnknown, str, UNKNOWN, unknownMessage, type Unknown } from "../lib/unknowns";

const required = "noeviction";

/**
 * What a Redis is for, from its `grownext.io/redis-role` label (Kubernetes) or tag (AWS), never from
 * its name: only a plain `cache` makes it a cache. Anything else (no label, another value, a value
 * unknown during preview) is held to the queue's rule, so dropping the label cannot weaken it.
 */
export type Role = "queue" | "cache";
export function roleOf(labelsOrTags: unknown): Role {
    return str(get(labelsOrTags, labelKeys.redisRole)) === "cache" ? "cache" : "queue";
}

const cacheFix = `an evicting policy such as allkeys-lru (a cache is rebuilt on a miss; under ${required} a full cache fails every write)`;

/** Image repositories (last path segment) and binaries that run a Redis-compatible server. */
const redisImages = ["redis", "valkey", "redis-stack-server", "redis-stack", "keydb"];
const redisBinaries = ["redis-server", "valkey-server", "keydb-server"];

function isRedisContainer(c: ContainerView): boolean {
    const image = str(c.spec.image);
    if (typeof image === "string") {
        const repo = parseImage(image).repository;
        if (redisImages.includes(repo.slice(repo.lastIndexOf("/") + 1))) return true;
    }
    const first = commandTokens(c.spec)[0];
    return first !== undefined && redisBinaries.includes(first.slice(first.lastIndexOf("/") + 1));
}

/** `maxmemory-policy` from redis-server arguments: the value, or undefined when not given. */
export function policyFromArgs(tokens: readonly string[]): string | undefined {
    let found: string | undefined;
    tokens.forEach((t, i) => {
        if (t === "--maxmemory-policy") found = tokens[i + 1] ?? "";
        else if (t.startsWith("--maxmemory-policy=")) found = t.slice("--maxmemory-policy=".length);
    });
    return found?.replace(/^["']|["']$/g, "");
}

/** `maxmemory-policy` from redis.conf text; the last directive wins, as in Redis. */
export function policyFromConf(text: string): string | undefined {
    let found: string | undefined;
    for (const line of text.split(/\r?\n/)) {
        const m = /^\s*maxmemory-policy\s+["']?([A-Za-z-]+)["']?\s*(#.*)?$/.exec(line);
        if (m) found = m[1]!.toLowerCase();
    }
    return found;
}

type ConfResult =
    | { kind: "policy"; value: string; where: string }
    | { kind: "none"; where: string }
    | { kind: "unknown"; where: string }
    | { kind: "unresolved"; where: string };

/** Follows a `.conf` argument to the ConfigMap mounted at that path and reads its policy. */
function policyFromConfigMap(stack: StackView, t: PodTemplate, c: ContainerView, confPath: string): ConfResult {
    const where = `${confPath}`;
    if (isUnknown(t.podSpec)) return { kind: "unknown", where };
    const mounts = arr(c.spec.volumeMounts);
    const volumes = arr(t.podSpec.volumes);
    if (isUnknown(mounts) || isUnknown(volumes)) return { kind: "unknown", where };
    for (const m of mounts ?? []) {
        const mountPath = str(get(m, "mountPath"));
        const volumeName = str(get(m, "name"));
        const subPath = str(get(m, "subPath"));
        if (isUnknown(mountPath) || isUnknown(volumeName) || isUnknown(subPath)) return { kind: "unknown", where };
        if (typeof mountPath !== "string") continue;
        const base = mountPath.replace(/\/+$/, "");
        let relative: string | undefined;
        if (confPath === mountPath && typeof subPath === "string") relative = subPath;
        else if (confPath.startsWith(`${base}/`)) relative = confPath.slice(base.length + 1);
        if (relative === undefined) continue;
        const volume = (volumes ?? []).find((v) => get(v, "name") === volumeName);
        const cmName = str(get(volume, "configMap", "name"));
        if (isUnknown(cmName)) return { kind: "unknown", where };
        if (typeof cmName !== "string") return { kind: "unresolved", where };
        const items = arr(get(volume, "configMap", "items"));
        if (isUnknown(items)) return { kind: "unknown", where };
        let key = relative;
        for (const item of items ?? []) {
            if (get(item, "path") === relative) {
                const k = str(get(item, "key"));
                if (isUnknown(k)) return { kind: "unknown", where };
                if (typeof k === "string") key = k;
            }
        }
        const cm = findObject(stack.resources, k8sTypes.configMap, cmName, t.namespace);
        const cmWhere = `ConfigMap "${cmName}" key "${key}" (mounted at ${confPath})`;
        if (!cm) return { kind: "unresolved", where: cmWhere };
        const text = str(get(cm.props, "data", key));
        if (isUnknown(text)) return { kind: "unknown", where: cmWhere };
        if (typeof text !== "string") return { kind: "unresolved", where: cmWhere };
        const value = policyFromConf(text);
        return value === undefined ? { kind: "none", where: cmWhere } : { kind: "policy", value, where: cmWhere };
    }
    return { kind: "unresolved", where };
}

function checkInClusterRedis(stack: StackView, r: StackResource, report: (message: string, urn?: string) => void): void {
    const t = podTemplateOf(r.type, r.props);
    if (!t) return;
    const role = roleOf(t.labels);
    const fix =
        role === "queue"
            ? `run redis-server with "--maxmemory-policy ${required}" (or "maxmemory-policy ${required}" in the redis.conf ConfigMap it is given)`
            : `run this ${labelKeys.redisRole}=cache Redis with ${cacheFix}`;
    // Unknown container lists cannot be told apart from Redis; the workload rules report them.
    const { containers } = containersOf(t.podSpec, ["containers"]);
    for (const c of containers.filter(isRedisContainer)) {
        const who = `${t.kind} ${describeContainer(c)}`;
        if (
            isUnknown(c.spec.command) ||
            isUnknown(c.spec.args) ||
            [arr(c.spec.command), arr(c.spec.args)].some((l) => Array.isArray(l) && l.some(isUnknown))
        ) {
            report(unknownMessage(`The command of ${who}`, fix), r.urn);
            continue;
        }
        const tokens = commandTokens(c.spec);
        const fromArgs = policyFromArgs(tokens);
        let found: { value: string; where: string } | undefined;
        let seen = "";
        if (fromArgs !== undefined) {
            found = { value: fromArgs, where: "its arguments" };
        } else {
            const confs = tokens.filter((tok) => tok.endsWith(".conf"));
            const results = confs.map((conf) => policyFromConfigMap(stack, t, c, conf));
            const last = [...results].reverse().find((x) => x.kind !== "none" && x.kind !== "unresolved");
            if (last?.kind === "unknown") {
                report(unknownMessage(`The redis.conf of ${who} (${last.where})`, fix), r.urn);
                continue;
            }
            if (last?.kind === "policy") found = { value: last.value, where: last.where };
            seen = results.map((x) => x.where).join(", ");
        }
        const sets =
            found === undefined
                ? ""
                : found.where === "its arguments"
                  ? `sets --maxmemory-policy ${found.value}`
                  : `reads maxmemory-policy ${found.value} from ${found.where}`;
        if (role === "queue") {
            if (found === undefined) {
                report(
                    `${who} does not set maxmemory-policy${seen ? ` (checked ${seen})` : ""}, so Redis may evict BullMQ jobs under memory pressure; ${fix}.`,
                    r.urn,
                );
            } else if (found.value !== required) {
                report(`${who} ${sets}; ${fix}.`, r.urn);
            }
        } else if (found === undefined) {
            // redis-server's own default is noeviction.
            report(
                `${who} is labelled a cache but does not set maxmemory-policy${seen ? ` (checked ${seen})` : ""}, so Redis runs its default ${required}; ${fix}.`,
                r.urn,
            );
        } else if (found.value === required) {
            report(`${who} is labelled a cache but ${sets}; ${fix}.`, r.urn);
        }
    }
}

/** Whether a replication group uses a parameter group (by name, or by dependency while the name is unknown). */
function usesGroup(rg: StackResource, g: StackResource): boolean {
    const name = str(rg.props.parameterGroupName);
    if (typeof name === "string") return g.props.name === name || g.name === name;
    return name === UNKNOWN && (rg.propertyDependencies.parameterGroupName ?? []).includes(g);
}

/**
 * Parameter groups and replication groups by role: a queue's must say noeviction; a cache's must not.
 * A parameter group takes the queue's rule when it is tagged queue (or untagged) or any queue uses it.
 */
function checkElastiCache(stack: StackView, report: (message: string, urn?: string) => void): void {
    const groups = stack.ofType(awsTypes.elasticacheParameterGroup);
    const replicationGroups = stack.ofType(awsTypes.elasticacheReplicationGroup);
    for (const g of groups) {
        const family = str(g.props.family);
        if (typeof family === "string" && !/^(redis|valkey)/i.test(family)) continue;
        const users = replicationGroups.filter((rg) => usesGroup(rg, g));
        const queueUsers = users.filter((rg) => roleOf(rg.props.tags) === "queue");
        const role: Role = roleOf(g.props.tags) === "cache" && queueUsers.length === 0 ? "cache" : "queue";
        const fix =
            role === "queue"
                ? `add { name: "maxmemory-policy", value: "${required}" } to its parameters`
                : `set maxmemory-policy to ${cacheFix}`;
        const params = arr(g.props.parameters);
        if (isUnknown(params)) {
            report(unknownMessage("The parameters of the ElastiCache parameter group", fix), g.urn);
            continue;
        }
        const entry = [...(params ?? [])].reverse().find((p) => get(p, "name") === "maxmemory-policy");
        const anyUnknownName = (params ?? []).some((p) => isUnknown(p) || isUnknown(get(p, "name")));
        if (!entry) {
            if (anyUnknownName) report(unknownMessage("A parameter name of the ElastiCache parameter group", fix), g.urn);
            // Unset, ElastiCache evicts (volatile-lru): wrong for a queue, fine for a cache.
            else if (role === "queue")
                report(`The parameter group does not set maxmemory-policy (ElastiCache defaults to volatile-lru); ${fix}.`, g.urn);
            continue;
        }
        const value = str(get(entry, "value"));
        if (isUnknown(value)) report(unknownMessage("maxmemory-policy", fix), g.urn);
        else if (role === "queue" && value !== required) {
            const shared =
                roleOf(g.props.tags) === "cache"
                    ? ` It is tagged ${labelKeys.redisRole}=cache but the queue ${queueUsers.map((rg) => `"${rg.name}"`).join(", ")} uses it: give the cache a parameter group of its own.`
                    : "";
            report(`maxmemory-policy is ${value ?? "empty"}; set it to ${required}.${shared}`, g.urn);
        } else if (role === "cache" && value === required) {
            report(`The parameter group is tagged ${labelKeys.redisRole}=cache but sets maxmemory-policy ${required}; ${fix}.`, g.urn);
        }
    }
    for (const rg of replicationGroups) {
        const role = roleOf(rg.props.tags);
        const fix =
            role === "queue"
                ? `set parameterGroupName to a parameter group declared in this stack with maxmemory-policy ${required}`
                : `set parameterGroupName to a parameter group declared in this stack with ${cacheFix}`;
        const name: string | Unknown | undefined = str(rg.props.parameterGroupName);
        if (name === undefined) {
            // AWS's default group evicts (volatile-lru): a cache may use it, a queue may not.
            if (role === "queue")
                report(
                    `parameterGroupName is not set, so the replication group uses a default parameter group (volatile-lru); ${fix}.`,
                    rg.urn,
                );
        } else if (name === UNKNOWN) {
            const deps = rg.propertyDependencies.parameterGroupName ?? [];
            if (!deps.some((d) => d.type === awsTypes.elasticacheParameterGroup)) {
                report(unknownMessage("parameterGroupName", fix), rg.urn);
            }
        } else if (name.startsWith("default.")) {
            if (role === "queue")
                report(`parameterGroupName is the AWS default group ${name}, which evicts keys (volatile-lru); ${fix}.`, rg.urn);
        } else if (!groups.some((g) => g.props.name === name || g.name === name)) {
            report(
                `parameterGroupName "${name}" is not declared in this stack, so its maxmemory-policy cannot be verified; ${fix}.`,
                rg.urn,
            );
        }
    }
}

/** Redis never evicts BullMQ's keys, and the cache's Redis does: ElastiCache and in-cluster alike, told apart by role. */
export const redisNoeviction: StackValidationPolicy = {
    name: "redis-noeviction",
    description:
        "The Deployment & Production Readiness guide (§1 Core infrastructure) requires the BullMQ Redis to run with " +
        "maxmemory-policy=noeviction, so every ElastiCache parameter group and replication group, and every in-cluster " +
        "Redis container (by its arguments or its redis.conf ConfigMap), must use noeviction; one whose " +
        "grownext.io/redis-role label or tag says cache (the guides' cache, rebuilt on a miss) must evict instead.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: validateStackWith((stack, _args, report) => {
        checkElastiCache(stack, report);
        for (const r of stack.ofType(...workloadTypes)) {
            checkInClusterRedis(stack, r, report);
        }
    }),
};
