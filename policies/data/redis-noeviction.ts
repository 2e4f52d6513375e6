import type { StackValidationPolicy } from "@pulumi/policy";
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
function policyFromConfigMap(
    stack: StackView,
    t: PodTemplate,
    c: ContainerView,
    confPath: string,
): ConfResult {
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
    const fix = `run redis-server with "--maxmemory-policy ${required}" (or "maxmemory-policy ${required}" in the redis.conf ConfigMap it is given)`;
    // Unknown container lists cannot be told apart from Redis; the workload rules report them.
    const { containers } = containersOf(t.podSpec, ["containers"]);
    for (const c of containers.filter(isRedisContainer)) {
        const who = `${t.kind} ${describeContainer(c)}`;
        if (isUnknown(c.spec.command) || isUnknown(c.spec.args) ||
            [arr(c.spec.command), arr(c.spec.args)].some((l) => Array.isArray(l) && l.some(isUnknown))) {
            report(unknownMessage(`The command of ${who}`, fix), r.urn);
            continue;
        }
        const tokens = commandTokens(c.spec);
        const fromArgs = policyFromArgs(tokens);
        if (fromArgs !== undefined) {
            if (fromArgs !== required) report(`${who} sets --maxmemory-policy ${fromArgs}; ${fix}.`, r.urn);
            continue;
        }
        const confs = tokens.filter((tok) => tok.endsWith(".conf"));
        const results = confs.map((conf) => policyFromConfigMap(stack, t, c, conf));
        const last = [...results].reverse().find((x) => x.kind !== "none" && x.kind !== "unresolved");
        if (last?.kind === "policy") {
            if (last.value !== required) report(`${who} reads maxmemory-policy ${last.value} from ${last.where}; ${fix}.`, r.urn);
        } else if (last?.kind === "unknown") {
            report(unknownMessage(`The redis.conf of ${who} (${last.where})`, fix), r.urn);
        } else {
            const seen = results.map((x) => x.where).join(", ");
            report(
                `${who} does not set maxmemory-policy${seen ? ` (checked ${seen})` : ""}, so Redis may evict BullMQ jobs under memory pressure; ${fix}.`,
                r.urn,
            );
        }
    }
}

/** Parameter groups of the stack whose `maxmemory-policy` the replication groups may rely on. */
function checkElastiCache(stack: StackView, report: (message: string, urn?: string) => void): void {
    const groups = stack.ofType(awsTypes.elasticacheParameterGroup);
    for (const g of groups) {
        const family = str(g.props.family);
        if (typeof family === "string" && !/^(redis|valkey)/i.test(family)) continue;
        const fix = `add { name: "maxmemory-policy", value: "${required}" } to its parameters`;
        const params = arr(g.props.parameters);
        if (isUnknown(params)) {
            report(unknownMessage("The parameters of the ElastiCache parameter group", fix), g.urn);
            continue;
        }
        const entry = [...(params ?? [])].reverse().find((p) => get(p, "name") === "maxmemory-policy");
        const anyUnknownName = (params ?? []).some((p) => isUnknown(p) || isUnknown(get(p, "name")));
        if (!entry) {
            if (anyUnknownName) report(unknownMessage("A parameter name of the ElastiCache parameter group", fix), g.urn);
            else report(`The parameter group does not set maxmemory-policy (ElastiCache defaults to volatile-lru); ${fix}.`, g.urn);
            continue;
        }
        const value = str(get(entry, "value"));
        if (isUnknown(value)) report(unknownMessage("maxmemory-policy", fix), g.urn);
        else if (value !== required) report(`maxmemory-policy is ${value ?? "empty"}; set it to ${required}.`, g.urn);
    }
    for (const rg of stack.ofType(awsTypes.elasticacheReplicationGroup)) {
        const fix = `set parameterGroupName to a parameter group declared in this stack with maxmemory-policy ${required}`;
        const name: string | Unknown | undefined = str(rg.props.parameterGroupName);
        if (name === undefined) {
            report(`parameterGroupName is not set, so the replication group uses a default parameter group (volatile-lru); ${fix}.`, rg.urn);
        } else if (name === UNKNOWN) {
            const deps = rg.propertyDependencies.parameterGroupName ?? [];
            if (!deps.some((d) => d.type === awsTypes.elasticacheParameterGroup)) {
                report(unknownMessage("parameterGroupName", fix), rg.urn);
            }
        } else if (name.startsWith("default.")) {
            report(`parameterGroupName is the AWS default group ${name}, which evicts keys (volatile-lru); ${fix}.`, rg.urn);
        } else if (!groups.some((g) => g.props.name === name || g.name === name)) {
            report(`parameterGroupName "${name}" is not declared in this stack, so its maxmemory-policy cannot be verified; ${fix}.`, rg.urn);
        }
    }
}

/** Redis never evicts BullMQ's keys: ElastiCache parameter groups and in-cluster Redis alike. */
export const redisNoeviction: StackValidationPolicy = {
    name: "redis-noeviction",
    description:
        "The Deployment & Production Readiness guide (§1 Core infrastructure) requires the BullMQ Redis to run with " +
        "maxmemory-policy=noeviction, so every ElastiCache parameter group and replication group, and every in-cluster " +
        "Redis container (by its arguments or its redis.conf ConfigMap), must use noeviction.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: validateStackWith((stack, _args, report) => {
        checkElastiCache(stack, report);
        for (const r of stack.ofType(...workloadTypes)) {
            checkInClusterRedis(stack, r, report);
        }
    }),
};
