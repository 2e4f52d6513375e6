import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeContainer, podTemplateOf } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { workloadTypes } from "../lib/types";
import { get, has, isUnknown, unknownMessage } from "../lib/unknowns";

/** Every container requests CPU and memory, so scheduling and autoscaling have a basis. */
export const resourceRequests: ResourceValidationPolicy = {
    name: "resource-requests",
    description:
        "The Production Deployment Guide (§3) scales and autoscales the backend between minimum and maximum instances " +
        "and the Deployment & Production Readiness guide (§8) revisits sizing quarterly, so every container must request " +
        "CPU and memory (resources.requests.cpu and resources.requests.memory) for scheduling and the CPU autoscaler.",
    enforcementLevel: "advisory",
    severity: "low",
    validateResource: validateTypes(workloadTypes, (r, _args, report) => {
        const t = podTemplateOf(r.type, r.props);
        if (!t) return;
        const { containers, unknown } = containersOf(t.podSpec, ["containers", "initContainers"]);
        for (const path of unknown)
            report(unknownMessage(`The pod spec's ${path}`, "declare containers and their resources as plain values"));
        for (const c of containers) {
            const requests = get(c.spec, "resources", "requests");
            if (isUnknown(requests)) continue; // present: presence proves compliance
            // Presence proves compliance: unknown quantities are still requests.
            const missing = ["cpu", "memory"].filter((k) => !has(requests, k));
            if (missing.length > 0) {
                report(
                    `${t.kind} ${describeContainer(c)} requests no ${missing.join(" and no ")}; set resources.requests.${missing.join(" and resources.requests.")}.`,
                );
            }
        }
    }),
};
