/**
 * Reading Kubernetes workloads as plain data: the pod template of every workload kind, its
 * containers, their env, labels, images and commands. Workloads are recognised by labels, env,
 * images and commands (catalog/labels.ts, catalog/processes.ts), never by resource names.
 */
import { labelKeys, partOf } from "../../catalog/labels";
import { processCatalog, singletonProcessNames } from "../../catalog/processes";
import { k8sTypes } from "./types";
import { arr, get, isObject, isUnknown, obj, str, UNKNOWN, type Plain, type PlainObject, type Unknown } from "./unknowns";

/** The pod template of a workload, with the labels of both the workload and its pods. */
export interface PodTemplate {
    /** `Deployment`, `StatefulSet`, ... (the type token's last segment). */
    readonly kind: string;
    readonly metadata: PlainObject;
    /** The pod spec, `UNKNOWN` when the whole spec is unknown during preview. */
    readonly podSpec: PlainObject | Unknown;
    /** Workload labels overlaid with pod template labels; unknown label values are `UNKNOWN`. */
    readonly labels: Record<string, string | Unknown>;
    /** The workload's namespace, when set. */
    readonly namespace: string | undefined;
    readonly name: string | undefined;
}

export function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

/** The pod template of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod. */
export function podTemplateOf(type: string, props: PlainObject): PodTemplate | undefined {
    let template: Plain | undefined;
    switch (type) {
        case k8sTypes.pod:
            template = { metadata: props.metadata ?? null, spec: props.spec ?? null };
            break;
        case k8sTypes.cronJob:
            template = get(props, "spec", "jobTemplate", "spec", "template");
            break;
        case k8sTypes.deployment:
        case k8sTypes.statefulSet:
        case k8sTypes.daemonSet:
        case k8sTypes.replicaSet:
        case k8sTypes.job:
            template = get(props, "spec", "template");
            break;
        default:
            return undefined;
    }
    const metadata = obj(props.metadata);
    const podMetadata = obj(get(template, "metadata"));
    const spec = isUnknown(template) ? UNKNOWN : obj(get(template, "spec"));
    const labels: Record<string, string | Unknown> = {};
    for (const source of [get(metadata, "labels"), get(podMetadata, "labels")]) {
        if (isObject(source)) {
            for (const [k, v] of Object.entries(source)) {
                const s = str(v);
                if (s !== undefined) labels[k] = s;
            }
        }
    }
    const ns = str(get(metadata, "namespace"));
    const name = str(get(metadata, "name"));
    return {
        kind: kindOf(type),
        metadata: isObject(metadata) ? metadata : {},
        podSpec: spec === undefined ? {} : spec,
        labels,
        namespace: typeof ns === "string" ? ns : undefined,
        name: typeof name === "string" ? name : undefined,
    };
}

/** A container of a pod spec with a readable path for messages. */
export interface ContainerView {
    /** `containers`, `initContainers` or `ephemeralContainers`. */
    readonly list: string;
    /** The container's name, or `#<index>` when it has none. */
    readonly name: string;
    readonly spec: PlainObject;
}

export interface ContainerLists {
    readonly containers: ContainerView[];
    /** Container lists (or entries) that are unknown during preview, by path. */
    readonly unknown: string[];
}

/** The containers of a pod spec; `lists` selects which container lists to read. */
export function containersOf(
    podSpec: PlainObject | Unknown,
    lists: readonly string[] = ["containers", "initContainers", "ephemeralContainers"],
): ContainerLists {
    if (isUnknown(podSpec)) {
        return { containers: [], unknown: ["spec"] };
    }
    const containers: ContainerView[] = [];
    const unknown: string[] = [];
    for (const list of lists) {
        const items = arr(podSpec[list]);
        if (items === UNKNOWN) {
            unknown.push(list);
            continue;
        }
        (items ?? []).forEach((item, i) => {
            if (isUnknown(item)) {
                unknown.push(`${list}[${i}]`);
                return;
            }
            if (!isObject(item)) return;
            const n = str(item.name);
            containers.push({ list, name: typeof n === "string" ? n : `#${i}`, spec: item });
        });
    }
    return { containers, unknown };
}

/** How a container names itself in messages. */
export function describeContainer(c: ContainerView): string {
    return c.list === "containers" ? `container "${c.name}"` : `${c.list.replace(/s$/, "")} "${c.name}"`;
}

/** An env entry of a container. */
export interface EnvEntry {
    readonly name: string | Unknown;
    /** Present when the entry has a literal `value` (possibly `UNKNOWN`). */
    readonly hasValue: boolean;
    readonly value: string | Unknown | undefined;
    readonly valueFrom: PlainObject | Unknown | undefined;
}

export interface EnvList {
    readonly entries: EnvEntry[];
    /** True when the `env` list itself (or one of its entries) is unknown. */
    readonly unknown: boolean;
}

export function envOf(container: PlainObject): EnvList {
    const items = arr(container.env);
    if (items === UNKNOWN) return { entries: [], unknown: true };
    let unknown = false;
    const entries: EnvEntry[] = [];
    for (const item of items ?? []) {
        if (isUnknown(item)) {
            unknown = true;
            continue;
        }
        if (!isObject(item)) continue;
        const name = str(item.name);
        const value = item.value;
        entries.push({
            name: name === undefined ? "" : name,
            hasValue: "value" in item && value !== null,
            value: isUnknown(value) ? UNKNOWN : value === null || value === undefined ? undefined : scalarText(value),
            valueFrom: obj(item.valueFrom),
        });
    }
    return { entries, unknown };
}

/** An `envFrom` source of a container. */
export interface EnvFromSource {
    readonly kind: "secret" | "configMap";
    readonly name: string | Unknown;
    readonly prefix: string;
}

export function envFromOf(container: PlainObject): { sources: EnvFromSource[]; unknown: boolean } {
    const items = arr(container.envFrom);
    if (items === UNKNOWN) return { sources: [], unknown: true };
    let unknown = false;
    const sources: EnvFromSource[] = [];
    for (const item of items ?? []) {
        if (!isObject(item)) {
            unknown ||= isUnknown(item);
            continue;
        }
        const prefixValue = str(item.prefix);
        if (isUnknown(prefixValue)) unknown = true;
        const prefix = typeof prefixValue === "string" ? prefixValue : "";
        for (const [key, kind] of [
            ["secretRef", "secret"],
            ["configMapRef", "configMap"],
        ] as const) {
            if (key in item) {
                const name = str(get(item, key, "name"));
                sources.push({ kind, name: name === undefined ? "" : name, prefix });
            }
        }
    }
    return { sources, unknown };
}

/** A value as text: scalars as `String` writes them, lists and objects as JSON (never "[object Object]"). */
export function scalarText(value: Plain | undefined): string {
    return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** The literal env value of `name` in a container: the string, `UNKNOWN`, "valueFrom" or undefined. */
export function literalEnv(container: PlainObject, name: string): string | Unknown | undefined {
    const { entries, unknown } = envOf(container);
    // Kubernetes keeps the last duplicate; so do we.
    const entry = [...entries].reverse().find((e) => e.name === name);
    if (!entry) return unknown ? UNKNOWN : undefined;
    if (entry.hasValue) return entry.value ?? "";
    return entry.valueFrom !== undefined ? "valueFrom" : "";
}

// ---- Labels and recognition ----

/** The `grownext.io/process` label of a workload. */
export function processLabel(t: PodTemplate): string | Unknown | undefined {
    return t.labels[labelKeys.process];
}

/**
 * Declared by this program as a product process: `app.kubernetes.io/part-of: grownext` and a
 * `grownext.io/process` label. Rules about whatever runs the product, whoever declared it, use
 * `productWorkload` (product.ts), which also recognises images, catalog commands and env.
 */
export function isProductWorkload(t: PodTemplate): boolean {
    return t.labels[labelKeys.partOf] === partOf && processLabel(t) !== undefined;
}

/** The words of a container's command and args (shell strings split on whitespace). */
export function commandTokens(container: PlainObject): string[] {
    const tokens: string[] = [];
    for (const key of ["command", "args"]) {
        const list = arr(container[key]);
        if (!Array.isArray(list)) continue;
        for (const item of list) {
            if (typeof item === "string") tokens.push(...item.split(/\s+/).filter((t) => t.length > 0));
        }
    }
    return tokens;
}

/** True when the container runs the catalog command (matched by its entrypoint script path). */
export function runsCommand(container: PlainObject, command: readonly string[]): boolean {
    const script = command[command.length - 1];
    if (!script) return false;
    return commandTokens(container).some((t) => t === script || t.endsWith(`/${script}`));
}

/**
 * The catalog processes a workload runs that must be singletons: by `grownext.io/process`, by
 * `grownext.io/scaling: singleton`, or by a container running a singleton's catalog command.
 */
export function singletonReasons(t: PodTemplate, singletonNames: readonly string[] = singletonProcessNames): string[] {
    const reasons: string[] = [];
    const process = processLabel(t);
    if (typeof process === "string" && singletonNames.includes(process)) {
        reasons.push(`label ${labelKeys.process}=${process}`);
    }
    if (t.labels[labelKeys.scaling] === "singleton") {
        reasons.push(`label ${labelKeys.scaling}=singleton`);
    }
    const { containers } = containersOf(t.podSpec, ["containers"]);
    for (const spec of processCatalog) {
        if (!spec.command || !singletonNames.includes(spec.name)) continue;
        for (const c of containers) {
            if (runsCommand(c.spec, spec.command)) {
                reasons.push(`${describeContainer(c)} runs the ${spec.name} command (${spec.command.join(" ")})`);
            }
        }
    }
    return reasons;
}

// ---- Images ----

export interface ImageRef {
    /** Registry and path without tag or digest. */
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

/** Splits `registry:port/path:tag@sha256:...` into repository, tag and digest. */
export function parseImage(image: string): ImageRef {
    let rest = image.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    const slash = rest.lastIndexOf("/");
    const colon = rest.lastIndexOf(":");
    let tag: string | undefined;
    if (colon > slash) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    return { repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Namespaces match when equal, or when either side leaves it to the provider's default. */
export function sameNamespace(a: string | undefined, b: string | undefined): boolean {
    return a === undefined || b === undefined || a === "" || b === "" || a === b;
}

/** `metadata.name` and `metadata.namespace` of any Kubernetes object. */
export function objectName(props: PlainObject): { name: string | Unknown | undefined; namespace: string | undefined } {
    const name = str(get(props, "metadata", "name"));
    const ns = str(get(props, "metadata", "namespace"));
    return { name, namespace: typeof ns === "string" ? ns : undefined };
}

/**
 * The object of `type` named `name` in `namespace`. Stack policies see outputs, where auto-named
 * objects carry their generated `metadata.name`; when only inputs are known (no `metadata.name`), an
 * object also matches if `name` is its Pulumi auto-name (`<resource name>-<suffix>`).
 */
export function findObject<R extends { readonly type: string; readonly name: string; readonly props: PlainObject }>(
    resources: readonly R[],
    type: string,
    name: string,
    namespace: string | undefined,
): R | undefined {
    const candidates = resources.filter((r) => r.type === type && sameNamespace(objectName(r.props).namespace, namespace));
    return (
        candidates.find((r) => objectName(r.props).name === name) ??
        candidates.find((r) => {
            const own = objectName(r.props).name;
            return own === undefined && name.startsWith(`${r.name}-`) && /^[a-z0-9]+$/.test(name.slice(r.name.length + 1));
        })
    );
}

/** Keys of a Secret's `data` and `stringData`, or of a ConfigMap's `data` and `binaryData`. */
export function dataKeys(props: PlainObject, fields: readonly string[]): { keys: string[]; unknown: boolean } {
    const keys: string[] = [];
    let unknown = false;
    for (const field of fields) {
        const data = obj(props[field]);
        if (data === UNKNOWN) {
            unknown = true;
            continue;
        }
        if (data) keys.push(...Object.keys(data));
    }
    return { keys, unknown };
}
