import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { esoTypes } from "../lib/types";

/**
 * Each ESO SecretStore authenticates as one ServiceAccount, named like the store, whose IRSA role may
 * read that owner's secret only (components/data/aws/secretStore.ts): a store with static keys, the operator's
 * own identity or an assumed role could sync any secret the operator can reach.
 */
/** The parts of an ESO SecretStore's spec this rule reads (external-secrets.io/v1). */
interface SecretStoreSpec {
    readonly provider?: {
        readonly aws?: {
            readonly auth?: {
                readonly jwt?: { readonly serviceAccountRef?: { readonly name?: string; readonly namespace?: string } };
                readonly secretRef?: unknown;
            };
            readonly role?: unknown;
        };
        readonly [other: string]: unknown;
    };
}

export const secretStoreOwnServiceAccount: ResourceValidationPolicy = {
    name: "secret-store-own-service-account",
    description:
        "The Deployment & Production Readiness guide asks for least privilege on secrets: every External Secrets Operator SecretStore authenticates as one process's " +
        "own ServiceAccount (auth.jwt.serviceAccountRef named like the store, in its namespace), never with static keys, " +
        "the operator's ambient identity or an extra assumed role, so a store can read only its own process's secret.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateTypes(esoTypes.secretStores, (r, _args, report) => {
        const spec = r.props.spec as SecretStoreSpec | undefined;
        const store = (r.props.metadata as { name?: string } | undefined)?.name;
        const providers = Object.keys(spec?.provider ?? {});
        const aws = spec?.provider?.aws;
        if (providers.length !== 1 || aws === undefined) {
            report(`SecretStore "${store}" must use the aws provider only (Secrets Manager), got ${providers.join(", ") || "none"}.`);
            return;
        }
        const jwt = aws.auth?.jwt?.serviceAccountRef;
        if (aws.auth?.secretRef !== undefined)
            report(`SecretStore "${store}" authenticates with static keys (auth.secretRef); use auth.jwt.serviceAccountRef.`);
        if (jwt === undefined) {
            report(
                `SecretStore "${store}" has no auth.jwt.serviceAccountRef, so it runs as the operator's own identity; authenticate as the process's ServiceAccount.`,
            );
            return;
        }
        if (jwt.name !== store)
            report(
                `SecretStore "${store}" authenticates as ServiceAccount "${jwt.name}"; each store authenticates as its own process's ServiceAccount, named like the store.`,
            );
        if (jwt.namespace !== undefined)
            report(`SecretStore "${store}" names a ServiceAccount in namespace "${jwt.namespace}"; use the store's own namespace.`);
        if (aws.role !== undefined)
            report(
                `SecretStore "${store}" assumes the extra role ${JSON.stringify(aws.role)}; the ServiceAccount's IRSA role is the only identity.`,
            );
    }),
};
