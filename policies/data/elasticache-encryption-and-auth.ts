import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { arr, bool, has, isUnknown, str, unknownMessage } from "../lib/unknowns";

/** The managed Redis encrypts in transit and at rest, and requires authentication. */
export const elasticacheEncryptionAndAuth: ResourceValidationPolicy = {
    name: "elasticache-encryption-and-auth",
    description:
        "The DevOps guide (§6) requires data to be encrypted in transit and at rest, and the Deployment & Production " +
        "Readiness guide (§4) treats the Redis connection as a secret, so every ElastiCache replication group must " +
        "enable transit and at-rest encryption and require an auth token (or RBAC user groups).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateTypes([awsTypes.elasticacheReplicationGroup], (r, _args, report) => {
        for (const [key, what] of [
            ["transitEncryptionEnabled", "TLS between clients and Redis"],
            ["atRestEncryptionEnabled", "encryption of Redis data at rest"],
        ] as const) {
            const value = bool(r.props[key]);
            if (isUnknown(value)) {
                report(unknownMessage(key, `set ${key}: true as a plain value`));
            } else if (value !== true) {
                report(`${key} is ${value === false ? "false" : "not set"}; set ${key}: true (${what}).`);
            }
        }
        // Presence proves compliance: the token is a secret and is usually unknown during preview.
        const token = str(r.props.authToken);
        const hasToken = has(r.props, "authToken") && !(typeof token === "string" && token.trim() === "");
        const groups = arr(r.props.userGroupIds);
        const hasGroups = has(r.props, "userGroupIds") && (isUnknown(groups) || (groups ?? []).length > 0);
        if (!hasToken && !hasGroups) {
            report(
                "No authToken (or userGroupIds) is set, so any client that can reach the endpoint can use Redis; " +
                    "set authToken from a secret (e.g. a random.RandomPassword result) with transitEncryptionEnabled: true.",
            );
        }
    }),
};
