import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { readConfig } from "../lib/config";
import { containersOf, describeContainer, envOf, podTemplateOf } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { isSecretName, secretNameConfigProperties, type SecretNameConfig } from "../lib/secrets";
import { workloadTypes } from "../lib/types";
import { has, isUnknown, unknownMessage } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = { properties: { ...secretNameConfigProperties } };

/** Secret env vars reach containers only through Kubernetes Secrets, never as literal values. */
export const noLiteralSecretEnv: ResourceValidationPolicy = {
    name: "no-literal-secret-env",
    description:
        "The Deployment Guide says to configure secrets in the deployment environment and never commit them, and the " +
        "Production Readiness guide (§6) keeps secrets exclusively in secret managers, so a secret environment variable " +
        "(a secret row of the env matrix or a credential-looking name) may reach a container only through " +
        "valueFrom.secretKeyRef or envFrom, never as a literal value in the workload spec.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema,
    validateResource: validateTypes(workloadTypes, (r, args, report) => {
        const config = readConfig<SecretNameConfig>(args, configSchema);
        const t = podTemplateOf(r.type, r.props);
        if (!t) return;
        const { containers, unknown } = containersOf(t.podSpec);
        for (const path of unknown) {
            report(unknownMessage(`The pod spec's ${path}`, "declare containers and their env as plain values"));
        }
        for (const c of containers) {
            const env = envOf(c.spec);
            const who = describeContainer(c);
            if (env.unknown) {
                report(unknownMessage(`The env of ${who}`, "declare the env list as plain values with secrets in valueFrom.secretKeyRef"));
            }
            for (const e of env.entries) {
                const fix =
                    "move the value into the process's Kubernetes Secret and reference it with valueFrom.secretKeyRef (or envFrom.secretRef)";
                if (isUnknown(e.name)) {
                    if (e.hasValue) report(unknownMessage(`The name of a literal env var of ${who}`, fix));
                    continue;
                }
                if (!isSecretName(e.name, config)) continue;
                if (e.hasValue) {
                    report(`${who} sets secret env var ${e.name} to a literal value; ${fix}.`);
                } else if (isUnknown(e.valueFrom)) {
                    report(unknownMessage(`valueFrom of secret env var ${e.name} in ${who}`, fix));
                } else if (e.valueFrom !== undefined && !has(e.valueFrom, "secretKeyRef")) {
                    const source = Object.keys(e.valueFrom)[0] ?? "an unknown source";
                    report(`${who} reads secret env var ${e.name} from ${source}, not from a Secret; ${fix}.`);
                }
            }
        }
    }),
};
