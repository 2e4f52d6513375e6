import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeContainer, podTemplateOf } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { workloadTypes } from "../lib/types";
import { bool, get, isUnknown, num, unknownMessage } from "../lib/unknowns";

/** Containers run as a non-root user and cannot escalate privileges. */
export const nonRootContainers: ResourceValidationPolicy = {
    name: "non-root-containers",
    description:
        "The DevOps guide (§6) requires role-based access control with the principle of least privilege and the " +
        "Production Readiness guide (§6) grants least-privilege access, so every container must run with " +
        "runAsNonRoot: true (pod or container security context), never as UID 0, and with allowPrivilegeEscalation: false.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateTypes(workloadTypes, (r, _args, report) => {
        const t = podTemplateOf(r.type, r.props);
        if (!t) return;
        const podSc = isUnknown(t.podSpec) ? undefined : get(t.podSpec, "securityContext");
        const { containers, unknown } = containersOf(t.podSpec);
        for (const path of unknown)
            report(unknownMessage(`The pod spec's ${path}`, "declare containers and security contexts as plain values"));
        for (const c of containers) {
            const who = `${t.kind} ${describeContainer(c)}`;
            const sc = get(c.spec, "securityContext");
            const pick = (key: string) => {
                const own = get(sc, key);
                return own !== undefined ? own : get(podSc, key);
            };
            const nonRoot = bool(pick("runAsNonRoot"));
            const user = num(pick("runAsUser"));
            if (isUnknown(nonRoot)) {
                report(unknownMessage(`runAsNonRoot of ${who}`, "set securityContext.runAsNonRoot: true as a plain value"));
            } else if (nonRoot !== true) {
                report(
                    `${who} may run as root; set securityContext.runAsNonRoot: true (and a non-zero runAsUser) on the pod or the container.`,
                );
            }
            if (isUnknown(user)) {
                report(unknownMessage(`runAsUser of ${who}`, "set a non-zero runAsUser as a plain value"));
            } else if (user === 0) {
                report(`${who} sets runAsUser: 0 (root); set a non-zero runAsUser.`);
            }
            const escalation = bool(get(sc, "allowPrivilegeEscalation"));
            const privileged = bool(get(sc, "privileged"));
            if (isUnknown(escalation)) {
                report(
                    unknownMessage(
                        `allowPrivilegeEscalation of ${who}`,
                        "set securityContext.allowPrivilegeEscalation: false as a plain value",
                    ),
                );
            } else if (escalation !== false) {
                report(`${who} does not set allowPrivilegeEscalation: false; set it in the container's securityContext.`);
            }
            if (isUnknown(privileged) || privileged === true) {
                report(`${who} is${isUnknown(privileged) ? " possibly" : ""} privileged; remove securityContext.privileged.`);
            }
        }
    }),
};
