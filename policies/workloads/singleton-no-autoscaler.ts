import type { StackValidationPolicy } from "@pulumi/policy";
import { readConfig } from "../lib/config";
import { kindOf, objectName, podTemplateOf, sameNamespace, singletonReasons } from "../lib/kubernetes";
import { validateStackWith } from "../lib/policy";
import { hpaTypes, longRunningWorkloadTypes } from "../lib/types";
import { get, isUnknown, str, unknownMessage } from "../lib/unknowns";
import { singletonConfigSchema, type SingletonConfig } from "./singleton-replicas";

/** No HorizontalPodAutoscaler scales a singleton. */
export const singletonNoAutoscaler: StackValidationPolicy = {
    name: "singleton-no-autoscaler",
    description:
        "The Deployment Guide runs exactly one scheduler, timers and encryption-rotation process, so no " +
        "HorizontalPodAutoscaler in the stack may target a workload that runs one of them.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: singletonConfigSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const { singletonProcesses } = readConfig<SingletonConfig>(args, singletonConfigSchema);
        const singletons = stack.ofType(...longRunningWorkloadTypes).flatMap((r) => {
            const t = podTemplateOf(r.type, r.props);
            const reasons = t ? singletonReasons(t, singletonProcesses) : [];
            return t && reasons.length > 0 ? [{ r, t, reasons }] : [];
        });
        if (singletons.length === 0) return;
        for (const hpa of stack.ofType(...hpaTypes)) {
            const targetName = str(get(hpa.props, "spec", "scaleTargetRef", "name"));
            const targetKind = str(get(hpa.props, "spec", "scaleTargetRef", "kind"));
            const hpaNs = objectName(hpa.props).namespace;
            const fix = "delete the autoscaler: singletons run a fixed replicas: 1";
            if (isUnknown(targetName) || isUnknown(targetKind)) {
                report(
                    unknownMessage("The autoscaler's scaleTargetRef", `target it by a plain name, and never at a singleton; ${fix}`),
                    hpa.urn,
                );
                continue;
            }
            for (const s of singletons) {
                const name = s.t.name;
                if (name === undefined) {
                    report(
                        unknownMessage(
                            `The name of singleton ${s.t.kind} "${s.r.name}"`,
                            "name singleton workloads explicitly so autoscaler targets can be checked",
                        ),
                        hpa.urn,
                    );
                    continue;
                }
                if (
                    name === targetName &&
                    (targetKind === undefined || targetKind === kindOf(s.r.type)) &&
                    sameNamespace(hpaNs, s.t.namespace)
                ) {
                    report(
                        `HorizontalPodAutoscaler targets ${targetKind ?? s.t.kind} "${name}", which runs a singleton (${s.reasons.join("; ")}); ${fix}.`,
                        hpa.urn,
                    );
                }
            }
        }
    }),
};
