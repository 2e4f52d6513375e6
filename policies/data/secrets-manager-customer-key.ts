import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { has, str } from "../lib/unknowns";

/** AWS-managed default key for Secrets Manager, which cannot be audited or rotated by the stack. */
const awsManagedKey = /^(alias\/aws\/secretsmanager|arn:aws[a-z-]*:kms:[^:]*:[^:]*:alias\/aws\/secretsmanager)$/;

/** Secrets Manager secrets are encrypted under the stack's customer-managed (rotating) KMS key. */
export const secretsManagerCustomerKey: ResourceValidationPolicy = {
    name: "secrets-manager-customer-key",
    description:
        "The Deployment Guide prefers managed secrets in AWS Secrets Manager, and the Deployment & Production Readiness " +
        "guide (§7) requires keys in a managed KMS with audited access, so every Secrets Manager secret must be encrypted " +
        "with a customer-managed KMS key (kmsKeyId).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateTypes([awsTypes.secretsManagerSecret], (r, _args, report) => {
        // Presence proves compliance: an unknown kmsKeyId is the ARN of a key created in this stack.
        const key = str(r.props.kmsKeyId);
        if (!has(r.props, "kmsKeyId") || (typeof key === "string" && key.trim() === "")) {
            report(
                "kmsKeyId is not set, so the secret uses the AWS-managed key; set kmsKeyId to the stack's customer-managed KMS key (its ARN).",
            );
        } else if (typeof key === "string" && awsManagedKey.test(key.trim())) {
            report(`kmsKeyId is the AWS-managed key ${key}; set kmsKeyId to the stack's customer-managed KMS key (its ARN).`);
        }
    }),
};
