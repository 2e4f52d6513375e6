import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { labelKeys, smokeProbeMarker } from "../../catalog/labels";
import { readConfig } from "../lib/config";
import { isProductWorkload, podTemplateOf } from "../lib/kubernetes";
import { transitiveDependencies, validateStackWith, type StackResource } from "../lib/policy";
import { commandTypes, productWorkloadTypes } from "../lib/types";
import { get, isObject, isUnknown } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        required: {
            type: "boolean",
            default: true,
            description: "Whether the stack must declare a smoke probe (false where the stack only renders manifests).",
        },
    },
};

interface Config {
    required: boolean;
}

/** A Command is the smoke probe when its environment carries the marker key (presence is enough). */
function isSmokeProbe(r: StackResource): boolean {
    if (r.type !== commandTypes.localCommand) return false;
    const env = get(r.props, "environment");
    return isObject(env) && smokeProbeMarker in env;
}

/** A post-deploy smoke probe runs after every product workload. */
export const smokeProbe: StackValidationPolicy = {
    name: "smoke-probe",
    description:
        "The Deployment & Production Readiness guide (§6) validates every surface after a deploy, the Deployment Guide " +
        "gates releases on the queue heartbeat, and the Production Readiness guide (§2) runs smoke tests after each " +
        "release, so the stack must declare a post-deploy smoke probe (a command:local:Command whose environment has " +
        `the ${smokeProbeMarker} key) that depends on every product Deployment and StatefulSet.`,
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const { required } = readConfig<Config>(args, configSchema);
        const probes = stack.resources.filter(isSmokeProbe);
        if (probes.length === 0) {
            if (required) {
                report(
                    `No smoke probe found; declare a command:local:Command with ${smokeProbeMarker} in its environment that ` +
                        "runs the post-deploy probes, with dependsOn the product workloads (or their components). " +
                        'Stacks that only render manifests can turn this off with { "smoke-probe": { "required": false } }.',
                );
            }
            return;
        }
        const workloads = stack.ofType(...productWorkloadTypes).filter((r) => {
            const t = podTemplateOf(r.type, r.props);
            return t !== undefined && isProductWorkload(t);
        });
        for (const probe of probes) {
            const covered = transitiveDependencies(probe);
            const missing = workloads.filter((w) => !covered.has(w));
            if (missing.length > 0) {
                const names = missing.map((w) => {
                    const t = podTemplateOf(w.type, w.props);
                    const p = t?.labels[labelKeys.process];
                    return `${w.name}${typeof p === "string" ? ` (${p})` : isUnknown(p) ? " (unknown process)" : ""}`;
                });
                report(
                    `The smoke probe does not wait for ${names.join(", ")}; add them (or the components that own them) to its dependsOn so it probes the new rollout.`,
                    probe.urn,
                );
            }
        }
    }),
};
