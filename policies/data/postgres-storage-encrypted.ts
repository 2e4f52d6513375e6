import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { bool, isUnknown, unknownMessage } from "../lib/unknowns";

/** RDS Postgres storage is encrypted at rest. */
export const postgresStorageEncrypted: ResourceValidationPolicy = {
    name: "postgres-storage-encrypted",
    description:
        "The DevOps guide (§6 Compliance & Data Protection) requires all data to be encrypted at rest with encrypted " +
        "database storage, so every RDS instance and cluster must set storageEncrypted to true.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateTypes([awsTypes.rdsInstance, awsTypes.rdsCluster], (r, _args, report) => {
        const encrypted = bool(r.props.storageEncrypted);
        if (isUnknown(encrypted)) {
            report(unknownMessage("storageEncrypted", "set storageEncrypted: true as a plain value"));
        } else if (encrypted !== true) {
            report(
                `storageEncrypted is ${encrypted === undefined ? "not set (unencrypted by default)" : "false"}; ` +
                    "set storageEncrypted: true (optionally with kmsKeyId set to the stack's KMS key). " +
                    "Encryption cannot be switched on in place: restore from an encrypted snapshot copy.",
            );
        }
    }),
};
