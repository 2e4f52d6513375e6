import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeContainer, podTemplateOf } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { longRunningWorkloadTypes } from "../lib/types";
import { has, unknownMessage } from "../lib/unknowns";

/** Every long-running container has readiness and liveness probes. */
export const healthProbes: ResourceValidationPolicy = {
    name: "health-probes",
    description:
        "The Deployment Guide defines readiness endpoints (/api/health/ready, identity's /health) and asks platforms to " +
        "restart unhealthy processes, and the Production Readiness guide (§3) restarts services on probe failure, so " +
        "every container of a Deployment, StatefulSet, DaemonSet or ReplicaSet must declare a readinessProbe and a livenessProbe.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: validateTypes(longRunningWorkloadTypes, (r, _args, report) => {
        const t = podTemplateOf(r.type, r.props);
        if (!t) return;
        const { containers, unknown } = containersOf(t.podSpec, ["containers"]);
        for (const path of unknown)
            report(unknownMessage(`The pod spec's ${path}`, "declare containers with their probes as plain values"));
        for (const c of containers) {
            // Presence proves compliance: a probe whose details are unknown is still a probe.
            const missing = ["readinessProbe", "livenessProbe"].filter((p) => !has(c.spec, p));
            if (missing.length > 0) {
                report(
                    `${t.kind} ${describeContainer(c)} has no ${missing.join(" and no ")}; add ${missing.join(" and ")} ` +
                        "(an httpGet on the process's health path, or an exec check for background workers).",
                );
            }
        }
    }),
};
