import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { readConfig } from "../lib/config";
import { validateTypes } from "../lib/policy";
import { isSecretName, secretNameConfigProperties, type SecretNameConfig } from "../lib/secrets";
import { k8sTypes } from "../lib/types";
import { isUnknown, obj, unknownMessage } from "../lib/unknowns";

/** `NAME=value` lines of a dotenv-style file (an `.env` stored in a ConfigMap). */
function dotenvNames(text: string): string[] {
    const names: string[] = [];
    for (const line of text.split(/\r?\n/)) {
        const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S.*)?$/.exec(line);
        if (m && m[2] !== undefined && m[2].replace(/^["']|["']$/g, "") !== "") names.push(m[1]!);
    }
    return names;
}

const configSchema: PolicyConfigSchema = { properties: { ...secretNameConfigProperties } };

/** Secret values live in Secrets, never in ConfigMaps. */
export const secretsNotInConfigMaps: ResourceValidationPolicy = {
    name: "secrets-not-in-configmaps",
    description:
        "The Production Readiness guide (§6) says secrets live exclusively in secret managers and the Deployment Guide " +
        "forbids committing .env files, so no ConfigMap may hold a key (or a dotenv line) named like a secret; such " +
        "values belong in a Kubernetes Secret or AWS Secrets Manager.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema,
    validateResource: validateTypes([k8sTypes.configMap], (r, args, report) => {
        const config = readConfig<SecretNameConfig>(args, configSchema);
        const fix = "move it to a Kubernetes Secret (from Secrets Manager or encrypted stack config) and reference it with secretKeyRef";
        for (const field of ["data", "binaryData"]) {
            const data = obj(r.props[field]);
            if (isUnknown(data)) {
                report(unknownMessage(`The ConfigMap's ${field}`, "declare its keys as plain values"));
                continue;
            }
            for (const [key, value] of Object.entries(data ?? {})) {
                if (isSecretName(key, config)) {
                    report(`ConfigMap key ${key} holds a secret; ${fix}.`);
                } else if (typeof value === "string") {
                    for (const name of dotenvNames(value).filter((n) => isSecretName(n, config))) {
                        report(`ConfigMap key ${key} sets secret ${name} in dotenv form; ${fix}.`);
                    }
                }
            }
        }
    }),
};
