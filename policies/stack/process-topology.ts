import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { labelKeys } from "../../catalog/labels";
import { requiredProcessNames } from "../../catalog/processes";
import { readConfig, stringList } from "../lib/config";
import { podTemplateOf, processLabel } from "../lib/kubernetes";
import { validateStackWith } from "../lib/policy";
import { longRunningWorkloadTypes } from "../lib/types";
import { isUnknown, unknownMessage } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        requiredProcesses: stringList(
            "grownext.io/process values that must each be run by a long-running workload of the stack (the catalog's processes).",
            requiredProcessNames,
        ),
    },
};

interface Config {
    requiredProcesses: string[];
}

/** The whole process topology of the guides is deployed. */
export const processTopology: StackValidationPolicy = {
    name: "process-topology",
    description:
        "The Deployment Guide provisions one of each Procfile process (web, worker, scheduler, timers, " +
        "encryption-rotation) so background jobs, timers and key rotation keep running, and the Deployment & Production " +
        "Readiness guide adds identity and portal, so every required process must be run by a Deployment, StatefulSet " +
        "or DaemonSet labelled with its grownext.io/process name.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const { requiredProcesses } = readConfig<Config>(args, configSchema);
        const present = new Set<string>();
        let unknownLabels = 0;
        for (const r of stack.ofType(...longRunningWorkloadTypes)) {
            const t = podTemplateOf(r.type, r.props);
            const p = t ? processLabel(t) : undefined;
            if (typeof p === "string") present.add(p);
            else if (isUnknown(p)) unknownLabels++;
        }
        const missing = requiredProcesses.filter((p) => !present.has(p));
        if (missing.length === 0) return;
        const fix = `deploy ${missing.join(", ")} as workloads labelled ${labelKeys.process}=<name> (add the process to the catalog's stack config rather than dropping it)`;
        if (unknownLabels > 0) {
            report(unknownMessage(`The ${labelKeys.process} label of ${unknownLabels} workload(s)`, fix));
        } else {
            report(`The stack runs no workload for process${missing.length > 1 ? "es" : ""} ${missing.join(", ")}; ${fix}.`);
        }
    }),
};
