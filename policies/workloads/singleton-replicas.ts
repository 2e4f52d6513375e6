import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { singletonProcessNames } from "../../catalog/processes";
import { readConfig, stringList } from "../lib/config";
import { podTemplateOf, singletonReasons } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { k8sTypes, longRunningWorkloadTypes } from "../lib/types";
import { get, isUnknown, num, str, unknownMessage } from "../lib/unknowns";

export const singletonConfigSchema: PolicyConfigSchema = {
    properties: {
        singletonProcesses: stringList(
            "Processes (grownext.io/process values, matched also by their catalog command) that must run exactly one replica.",
            singletonProcessNames,
        ),
    },
};

export interface SingletonConfig {
    singletonProcesses: string[];
}

/** The scheduler, timers and encryption-rotation run exactly one replica, replaced with Recreate. */
export const singletonReplicas: ResourceValidationPolicy = {
    name: "singleton-replicas",
    description:
        "The Deployment Guide runs one scheduler, one timers and one encryption-rotation process (the Procfile's " +
        "singletons) because two copies would enqueue jobs, fire timers or rotate keys twice, so a workload running " +
        "one of them (by grownext.io/process or grownext.io/scaling label, or by its catalog command) must set " +
        "replicas: 1 and, as a Deployment, the Recreate strategy.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: singletonConfigSchema,
    validateResource: validateTypes(longRunningWorkloadTypes, (r, args, report) => {
        const { singletonProcesses } = readConfig<SingletonConfig>(args, singletonConfigSchema);
        const t = podTemplateOf(r.type, r.props);
        const reasons = t ? singletonReasons(t, singletonProcesses) : [];
        if (!t || reasons.length === 0) {
            return args.notApplicable("The workload does not run a singleton process.");
        }
        const why = `it runs a singleton (${reasons.join("; ")})`;
        if (r.type === k8sTypes.daemonSet) {
            report(`A DaemonSet runs one copy per node but ${why}; run it as a Deployment with replicas: 1 and strategy Recreate.`);
            return;
        }
        const replicas = num(get(r.props, "spec", "replicas"));
        if (isUnknown(replicas)) report(unknownMessage("spec.replicas", `set spec.replicas: 1 as a plain value because ${why}`));
        else if (replicas !== 1) report(`spec.replicas is ${replicas ?? "not set"}; set spec.replicas: 1 because ${why}.`);
        if (r.type === k8sTypes.deployment) {
            const strategy = str(get(r.props, "spec", "strategy", "type"));
            if (isUnknown(strategy)) {
                report(unknownMessage("spec.strategy.type", `set spec.strategy.type: "Recreate" as a plain value because ${why}`));
            } else if (strategy !== "Recreate") {
                report(
                    `spec.strategy.type is ${strategy ?? "not set (RollingUpdate)"}, which starts the new pod before the old one stops; ` +
                        `set spec.strategy: { type: "Recreate" } because ${why}.`,
                );
            }
        }
    }),
};
