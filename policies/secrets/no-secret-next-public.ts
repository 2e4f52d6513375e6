import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { readConfig } from "../lib/config";
import { containersOf, dataKeys, describeContainer, envFromOf, envOf, podTemplateOf } from "../lib/kubernetes";
import { validateTypes, type ResourceView } from "../lib/policy";
import { isSecretName, nextPublicPrefix, secretNameConfigProperties, type SecretNameConfig } from "../lib/secrets";
import { k8sTypes, workloadTypes } from "../lib/types";
import { get, isUnknown, str, unknownMessage } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = { properties: { ...secretNameConfigProperties } };

const fix =
    "NEXT_PUBLIC_* values are compiled into the browser bundle: keep secrets under a server-only name " +
    "(without the NEXT_PUBLIC_ prefix) and expose only publishable values (URLs, the anon key) as NEXT_PUBLIC_*";

/**
 * Where a value comes from does not make it secret: the Supabase anon key and URLs are publishable and
 * may well be read from a Secret. What is secret is named so (the env matrix and the credential
 * pattern), so the rule judges the name of the variable and the name of the Secret key behind it.
 */
function checkWorkload(r: ResourceView, config: SecretNameConfig, report: (m: string) => void): void {
    const t = podTemplateOf(r.type, r.props);
    if (!t) return;
    for (const c of containersOf(t.podSpec).containers) {
        const who = describeContainer(c);
        for (const e of envOf(c.spec).entries) {
            const key = str(get(e.valueFrom, "secretKeyRef", "key"));
            const secretKey = isUnknown(key) || (typeof key === "string" && isSecretName(key, config));
            if (isUnknown(e.name)) {
                if (secretKey)
                    report(
                        unknownMessage(
                            `The name of an env var of ${who} filled from ${isUnknown(key) ? "a Secret" : `Secret key ${key}`}`,
                            fix,
                        ),
                    );
                continue;
            }
            if (!e.name.startsWith(nextPublicPrefix)) continue;
            if (isSecretName(e.name, config)) {
                report(`${who} sets ${e.name}, whose name marks it as a secret; ${fix}.`);
            } else if (isUnknown(key)) {
                report(unknownMessage(`The Secret key behind ${e.name} of ${who}`, fix));
            } else if (secretKey) {
                report(`${who} fills ${e.name} from Secret key ${key}, a secret; ${fix}.`);
            }
        }
        for (const s of envFromOf(c.spec).sources) {
            if (s.kind === "secret" && s.prefix.startsWith(nextPublicPrefix)) {
                report(
                    `${who} imports every key of a Secret under the envFrom prefix ${s.prefix}, secret ones included; ` +
                        `read the publishable keys one by one with valueFrom.secretKeyRef instead. ${fix}.`,
                );
            }
        }
    }
}

/** Nothing secret is ever named NEXT_PUBLIC_*. */
export const noSecretNextPublic: ResourceValidationPolicy = {
    name: "no-secret-next-public",
    description:
        "The Deployment & Production Readiness guide (§4) publishes NEXT_PUBLIC_SUPABASE_URL and the anon key to the " +
        "front ends but says never to expose service-role keys through them, so no NEXT_PUBLIC_* variable may carry a " +
        "secret-looking name or be filled from a secret-named Secret key, no Secret may be imported under a NEXT_PUBLIC_ " +
        "prefix, and no Secret or ConfigMap may hold a secret-named NEXT_PUBLIC_* key; a publishable value read from a " +
        "Secret is fine.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema,
    validateResource: validateTypes([...workloadTypes, k8sTypes.secret, k8sTypes.configMap], (r, args, report) => {
        const config = readConfig<SecretNameConfig>(args, configSchema);
        if (r.type === k8sTypes.secret) {
            // The Kubernetes provider turns a Secret's whole data into one unknown value while any of its
            // values is unknown (every first preview of generated credentials), so its keys cannot be read
            // then. That is not a silent pass of the exposure this rule guards: a Secret key becomes an
            // environment variable only through a workload, whose env names are checked below with
            // unknowns reported, and the keys are checked here on every update where they are known.
            const { keys } = dataKeys(r.props, ["data", "stringData"]);
            for (const key of keys.filter((k) => k.startsWith(nextPublicPrefix) && isSecretName(k, config))) {
                report(`Secret key ${key} is named like a secret under a NEXT_PUBLIC_ name; ${fix}.`);
            }
        } else if (r.type === k8sTypes.configMap) {
            const { keys } = dataKeys(r.props, ["data", "binaryData"]);
            for (const key of keys.filter((k) => k.startsWith(nextPublicPrefix) && isSecretName(k, config))) {
                report(`ConfigMap key ${key} is named like a secret; ${fix}.`);
            }
        } else {
            checkWorkload(r, config, report);
        }
    }),
};
