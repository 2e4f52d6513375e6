import type { StackValidationPolicy } from "@pulumi/policy";
import { validateStackWith } from "../lib/policy";
import { k8sTypes } from "../lib/types";
import { has } from "../lib/unknowns";

/**
 * On AWS stacks Secrets Manager holds every secret value and the External Secrets Operator writes the
 * Kubernetes Secrets (components/data/aws/externalSecrets.ts): a Secret the program declares with values puts
 * them in Pulumi's state and is never rotated. An AWS stack is one that declares any AWS resource.
 */
export const noLiteralK8sSecretsOnAws: StackValidationPolicy = {
    name: "no-literal-k8s-secrets-on-aws",
    description:
        "The Deployment Guide prefers managed secrets in AWS Secrets Manager and the Production Readiness guide asks for " +
        "quarterly key rotation: on AWS stacks the secret values live in Secrets Manager, and the External Secrets " +
        "Operator keeps each process's Kubernetes Secret in sync; so no Kubernetes Secret declared by the program may " +
        "carry data or stringData (the values would sit in Pulumi state and never rotate).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: validateStackWith((stack, args, report) => {
        if (!stack.resources.some((r) => r.type.startsWith("aws:"))) {
            return args.notApplicable("Not an AWS stack: the local stack writes its Kubernetes Secrets directly.");
        }
        for (const s of stack.ofType(k8sTypes.secret)) {
            const keys = (["data", "stringData"] as const).filter(
                (field) =>
                    has(s.props, field) &&
                    !(typeof s.props[field] === "object" && s.props[field] !== null && Object.keys(s.props[field] as object).length === 0),
            );
            if (keys.length > 0) {
                report(
                    `Kubernetes Secret "${s.name}" carries literal values (${keys.join(", ")}) on an AWS stack; put them in the process's ` +
                        "Secrets Manager secret and let an ExternalSecret write the Secret (components/data/aws/externalSecrets.ts).",
                    s.urn,
                );
            }
        }
    }),
};
