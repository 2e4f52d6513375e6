import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { awsLimits, kmsRotationPeriodDays } from "../../catalog/guardrails";
import { readConfig } from "../lib/config";
import { validateTypes } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { bool, isUnknown, num, str, unknownMessage } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        maximumRotationPeriodDays: {
            type: "integer",
            minimum: awsLimits.kms.rotationPeriodDays.min,
            maximum: awsLimits.kms.rotationPeriodDays.max,
            default: kmsRotationPeriodDays,
            description: "Longest accepted rotationPeriodInDays when one is set.",
        },
    },
};

interface Config {
    maximumRotationPeriodDays: number;
}

/** Customer-managed KMS keys rotate automatically. */
export const kmsKeyRotation: ResourceValidationPolicy = {
    name: "kms-key-rotation",
    description:
        "The Deployment & Production Readiness guide (§7) requires signing and encryption keys to rotate through a " +
        "managed KMS, and the Production Readiness guide (§6) rotates keys at least quarterly, so every symmetric KMS " +
        "key must enable automatic key rotation.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateResource: validateTypes([awsTypes.kmsKey], (r, args, report) => {
        const { maximumRotationPeriodDays } = readConfig<Config>(args, configSchema);
        const spec = str(r.props.customerMasterKeySpec ?? r.props.keySpec);
        if (typeof spec === "string" && spec !== "SYMMETRIC_DEFAULT") {
            return args.notApplicable(`AWS cannot rotate ${spec} keys automatically.`);
        }
        const rotation = bool(r.props.enableKeyRotation);
        if (isUnknown(rotation)) {
            report(unknownMessage("enableKeyRotation", "set enableKeyRotation: true as a plain value"));
        } else if (rotation !== true) {
            report("enableKeyRotation is not enabled; set enableKeyRotation: true.");
        }
        const period = num(r.props.rotationPeriodInDays);
        if (isUnknown(period)) {
            report(unknownMessage("rotationPeriodInDays", `set it to at most ${maximumRotationPeriodDays} as a plain value`));
        } else if (period !== undefined && period > maximumRotationPeriodDays) {
            report(`rotationPeriodInDays is ${period}; set it to at most ${maximumRotationPeriodDays}.`);
        }
    }),
};
