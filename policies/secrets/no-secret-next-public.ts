import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { readConfig } from "../lib/config";
import { containersOf, dataKeys, describeContainer, envFromOf, envOf, podTemplateOf } from "../lib/kubernetes";
import { validateTypes, type ResourceView } from "../lib/policy";
import { isSecretName, nextPublicPrefix, secretNameConfigProperties, type SecretNameConfig } from "../lib/secrets";
import { k8sTypes, workloadTypes } from "../lib/types";
import { has, isUnknown, unknownMessage } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = { properties: { ...secretNameConfigProperties } };

const fix =
    "NEXT_PUBLIC_* values are compiled into the browser bundle: keep secrets under a server-only name " +
    "(without the NEXT_PUBLIC_ prefix) and expose only publishable values (URLs, the anon key) as NEXT_PUBLIC_*";

function checkWorkload(r: ResourceView, config: SecretNameConfig, report: (m: string) => void): void {
    const t = podTemplateOf(r.type, r.props);
    if (!t) return;
    for (const c of containersOf(t.podSpec).containers) {
        const who = describeContainer(c);
        for (const e of envOf(c.spec).entries) {
            if (isUnknown(e.name)) {
                if (has(e.valueFrom, "secretKeyRef")) {
                    report(unknownMessage(`The name of a Secret-backed env var of ${who}`, fix));
                }
                continue;
            }
            if (!e.name.startsWith(nextPublicPrefix)) continue;
            if (has(e.valueFrom, "secretKeyRef")) {
                report(`${who} fills ${e.name} from a Secret (valueFrom.secretKeyRef); ${fix}.`);
            } else if (isSecretName(e.name, config)) {
                report(`${who} sets ${e.name}, whose name marks it as a secret; ${fix}.`);
            }
        }
        for (const s of envFromOf(c.spec).sources) {
            if (s.kind === "secret" && s.prefix.startsWith(nextPublicPrefix)) {
                report(`${who} imports a Secret with envFrom prefix ${s.prefix}; ${fix}.`);
            }
        }
    }
}

/** Nothing secret is ever named NEXT_PUBLIC_*. */
export const noSecretNextPublic: ResourceValidationPolicy = {
    name: "no-secret-next-public",
    description:
        "The Deployment & Production Readiness guide (§4) says never to expose service-role keys to the NEXT_PUBLIC_* " +
        "front-end variables, so no NEXT_PUBLIC_* variable may come from a Secret or carry a secret-looking name, and " +
        "no Kubernetes Secret may hold a NEXT_PUBLIC_* key.",
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
            for (const key of keys.filter((k) => k.startsWith(nextPublicPrefix))) {
                report(`Secret key ${key} is a secret under a NEXT_PUBLIC_ name; ${fix}.`);
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
