/**
 * The restricted Pod Security Standard, as one place every workload of the program takes it from.
 */
import type * as k8s from "@pulumi/kubernetes";

/** Non-root uid/gid of the official Node.js images (`node` user). */
export const appUserId = 1000;

export function restrictedPodSecurityContext(userId = appUserId): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: userId,
        runAsGroup: userId,
        fsGroup: userId,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function restrictedContainerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}
