import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { bool, has, isUnknown, str, unknownMessage } from "../lib/unknowns";

/** RDS Postgres cannot be deleted by accident, and a deletion leaves a final snapshot. */
export const postgresDeletionProtection: ResourceValidationPolicy = {
    name: "postgres-deletion-protection",
    description:
        "The Production Readiness guide (§2 rollback plan and §4 Database & Cache) restores from database snapshots, " +
        "so every RDS instance and cluster must enable deletionProtection and take a final snapshot on deletion " +
        "(skipFinalSnapshot not true and a finalSnapshotIdentifier).",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: validateTypes([awsTypes.rdsInstance, awsTypes.rdsCluster], (r, _args, report) => {
        const protection = bool(r.props.deletionProtection);
        if (isUnknown(protection)) {
            report(unknownMessage("deletionProtection", "set deletionProtection: true as a plain value"));
        } else if (protection !== true) {
            report("deletionProtection is not enabled; set deletionProtection: true.");
        }
        const skip = bool(r.props.skipFinalSnapshot);
        if (isUnknown(skip)) {
            report(unknownMessage("skipFinalSnapshot", "set skipFinalSnapshot: false as a plain value"));
        } else if (skip === true) {
            report("skipFinalSnapshot is true, so deleting the database discards its data; set skipFinalSnapshot: false.");
        }
        // Presence proves compliance: an unknown identifier is still an identifier.
        const id = str(r.props.finalSnapshotIdentifier);
        if (!has(r.props, "finalSnapshotIdentifier") || (typeof id === "string" && id.trim() === "")) {
            report("finalSnapshotIdentifier is not set; set finalSnapshotIdentifier to a name for the snapshot taken on deletion.");
        }
    }),
};
