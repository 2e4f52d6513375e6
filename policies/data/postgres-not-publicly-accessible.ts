import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { bool, isUnknown, unknownMessage } from "../lib/unknowns";

/** RDS Postgres is reachable only from the private network. */
export const postgresNotPubliclyAccessible: ResourceValidationPolicy = {
    name: "postgres-not-publicly-accessible",
    description:
        "The DevOps guide (§6 Production Security Measures) keeps the managed PostgreSQL on private network access, " +
        "so no RDS instance or cluster instance may set publiclyAccessible to true.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: validateTypes([awsTypes.rdsInstance, awsTypes.rdsClusterInstance], (r, _args, report) => {
        const pub = bool(r.props.publiclyAccessible);
        if (isUnknown(pub)) {
            report(unknownMessage("publiclyAccessible", "set publiclyAccessible: false as a plain value"));
        } else if (pub === true) {
            report(
                "publiclyAccessible is true, which gives the database a public endpoint; set publiclyAccessible: false " +
                    "and reach it from the cluster through its VPC security group.",
            );
        }
    }),
};
