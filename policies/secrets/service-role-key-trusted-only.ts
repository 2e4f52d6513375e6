import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { labelKeys } from "../../catalog/labels";
import { serviceRoleTrustedProcesses } from "../../catalog/envMatrix";
import { readConfig, stringList } from "../lib/config";
import {
    containersOf,
    dataKeys,
    describeContainer,
    envFromOf,
    envOf,
    findObject,
    sameNamespace,
    podTemplateOf,
    processLabel,
} from "../lib/kubernetes";
import { validateStackWith, type StackResource, type StackView } from "../lib/policy";
import { serviceRoleKeyName } from "../lib/secrets";
import { esoTypes, k8sTypes, workloadTypes } from "../lib/types";
import { arr, get, isUnknown, str, unknownMessage, type Unknown } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        trustedProcesses: stringList(
            "Values of the grownext.io/process label whose workloads may hold the Supabase service-role key.",
            serviceRoleTrustedProcesses,
        ),
        keyName: { type: "string", default: serviceRoleKeyName, description: "The env var / Secret key of the service-role key." },
    },
};

interface Config {
    trustedProcesses: string[];
    keyName: string;
}

/** The keys of the Secret or ConfigMap `name` in the workload's namespace, or why they are unknown. */
function keysOf(
    stack: StackView,
    kind: "secret" | "configMap",
    name: string | Unknown,
    namespace: string | undefined,
): { keys: string[] } | { unknown: string } {
    const label = kind === "secret" ? "Secret" : "ConfigMap";
    if (isUnknown(name)) return { unknown: `the name of a referenced ${label}` };
    const type = kind === "secret" ? k8sTypes.secret : k8sTypes.configMap;
    const found = findObject(stack.resources, type, name, namespace);
    // AWS stacks: ESO writes the Secret, with exactly its ExternalSecret's template keys.
    const synced = kind === "secret" && !found ? syncedSecretKeys(stack, name, namespace) : undefined;
    if (synced) return synced;
    if (!found) return { unknown: `the keys of ${label} "${name}", which is not declared in this stack` };
    const { keys, unknown } = dataKeys(found.props, kind === "secret" ? ["data", "stringData"] : ["data", "binaryData"]);
    return unknown ? { unknown: `the keys of ${label} "${name}"` } : { keys };
}

/** The keys of a Secret an ExternalSecret writes (spec.target.name), from its template; undefined when none writes it. */
function syncedSecretKeys(
    stack: StackView,
    name: string,
    namespace: string | undefined,
): { keys: string[] } | { unknown: string } | undefined {
    const writer = stack
        .ofType(...esoTypes.externalSecrets)
        .find(
            (r) =>
                get(r.props, "spec", "target", "name") === name &&
                sameNamespace(str(get(r.props, "metadata", "namespace")) as string | undefined, namespace),
        );
    if (!writer) return undefined;
    const data = get(writer.props, "spec", "target", "template", "data");
    if (isUnknown(data) || data === null || typeof data !== "object")
        return { unknown: `the template keys of the ExternalSecret that writes Secret "${name}"` };
    return { keys: Object.keys(data) };
}

function checkWorkload(stack: StackView, r: StackResource, config: Config, report: (m: string, urn?: string) => void): void {
    const t = podTemplateOf(r.type, r.props);
    if (!t) return;
    const process = processLabel(t);
    if (typeof process === "string" && config.trustedProcesses.includes(process)) return;
    const whoIs =
        process === undefined
            ? `has no ${labelKeys.process} label`
            : isUnknown(process)
              ? `has an unknown ${labelKeys.process} label`
              : `is process "${process}"`;
    const fix = `give ${config.keyName} only to the trusted processes (${config.trustedProcesses.join(", ")}) and use the anon key elsewhere`;
    const holds = (where: string) =>
        report(`${t.kind} "${t.name ?? r.name}" ${whoIs} but receives ${config.keyName} (${where}); ${fix}.`, r.urn);
    const cannotVerify = (what: string) =>
        report(
            unknownMessage(
                `For ${t.kind} "${t.name ?? r.name}" (${whoIs.replace(/^is /, "")}), ${what}`,
                `declare it in this stack with plain keys, or ${fix}`,
            ),
            r.urn,
        );

    const { containers, unknown } = containersOf(t.podSpec);
    for (const path of unknown) cannotVerify(`the pod spec's ${path}`);
    for (const c of containers) {
        const who = describeContainer(c);
        const env = envOf(c.spec);
        if (env.unknown) cannotVerify(`the env of ${who}`);
        for (const e of env.entries) {
            if (e.name === config.keyName) holds(`env ${e.name} of ${who}`);
            else if (isUnknown(e.name)) cannotVerify(`the name of an env var of ${who}`);
            const ref = get(e.valueFrom, "secretKeyRef", "key");
            if (ref === config.keyName && e.name !== config.keyName) holds(`env ${String(e.name)} of ${who} from Secret key ${ref}`);
            else if (isUnknown(ref)) cannotVerify(`the Secret key behind an env var of ${who}`);
        }
        const envFrom = envFromOf(c.spec);
        if (envFrom.unknown) cannotVerify(`the envFrom of ${who}`);
        for (const s of envFrom.sources) {
            const result = keysOf(stack, s.kind, s.name, t.namespace);
            if ("unknown" in result) cannotVerify(`${result.unknown} (envFrom of ${who})`);
            else if (result.keys.some((k) => s.prefix + k === config.keyName)) {
                holds(`envFrom ${s.kind === "secret" ? "Secret" : "ConfigMap"} "${String(s.name)}" of ${who}`);
            }
        }
    }
    // Secrets mounted as files carry their keys too.
    if (!isUnknown(t.podSpec)) {
        const volumes = arr(t.podSpec.volumes);
        if (isUnknown(volumes)) cannotVerify("the pod's volumes");
        for (const v of Array.isArray(volumes) ? volumes : []) {
            const secretName = str(get(v, "secret", "secretName"));
            if (secretName === undefined) continue;
            const result = keysOf(stack, "secret", secretName, t.namespace);
            if ("unknown" in result) cannotVerify(`${result.unknown} (a mounted volume)`);
            else if (result.keys.includes(config.keyName)) holds(`Secret volume "${String(secretName)}"`);
        }
    }
}

/** Only the trusted processes may hold the Supabase service-role key. */
export const serviceRoleKeyTrustedOnly: StackValidationPolicy = {
    name: "service-role-key-trusted-only",
    description:
        "The Deployment & Production Readiness guide (§4) says the Supabase service-role key is only for trusted " +
        "services (identity and worker) and §7 asks to audit access to it, so only workloads whose grownext.io/process " +
        "label is in the trusted list may receive SUPABASE_SERVICE_ROLE_KEY, whether as an env var, through envFrom " +
        "or from a mounted Secret.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        for (const r of stack.ofType(...workloadTypes)) {
            checkWorkload(stack, r, config, report);
        }
    }),
};
