import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { hstsMaxAgeBounds } from "../../catalog/guardrails";
import { readConfig } from "../lib/config";
import { findObject, objectName } from "../lib/kubernetes";
import { validateStackWith, type StackResource, type StackView } from "../lib/policy";
import { k8sTypes } from "../lib/types";
import { bool, get, isUnknown, num, str, unknownMessage } from "../lib/unknowns";

export const nginxAnnotations = {
    customHeaders: "nginx.ingress.kubernetes.io/custom-headers",
    forceSslRedirect: "nginx.ingress.kubernetes.io/force-ssl-redirect",
} as const;
export const traefikMiddlewaresAnnotation = "traefik.ingress.kubernetes.io/router.middlewares";
export const hstsHeader = "Strict-Transport-Security";

const configSchema: PolicyConfigSchema = {
    properties: {
        minimumMaxAgeSeconds: {
            type: "integer",
            minimum: 0,
            default: hstsMaxAgeBounds.min,
            description: `Minimum HSTS max-age in seconds (default ${hstsMaxAgeBounds.min}, 180 days: catalog/guardrails.ts).`,
        },
    },
};

interface Config {
    minimumMaxAgeSeconds: number;
}

/** max-age of a Strict-Transport-Security value, or undefined when absent. */
export function hstsMaxAge(value: string): number | undefined {
    const m = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?\s*(?:;|$)/i.exec(value);
    return m ? Number(m[1]) : undefined;
}

type Verdict = { ok: true } | { ok: false; message: string };

/** ingress-nginx: custom-headers ConfigMap with Strict-Transport-Security, plus force-ssl-redirect. */
function nginxVerdict(stack: StackView, ingressNs: string | undefined, annotations: Record<string, unknown>, min: number): Verdict {
    const problems: string[] = [];
    const ref = str(annotations[nginxAnnotations.customHeaders]);
    const headerFix = `point ${nginxAnnotations.customHeaders} at "<namespace>/<configmap>" whose data has ${hstsHeader}: "max-age=${min}; includeSubDomains" (or longer)`;
    if (isUnknown(ref)) {
        problems.push(unknownMessage(`The ${nginxAnnotations.customHeaders} annotation`, headerFix));
    } else if (ref === undefined || ref.trim() === "") {
        problems.push(`No ${nginxAnnotations.customHeaders} annotation sends ${hstsHeader}; ${headerFix}.`);
    } else {
        const [ns, name] = ref.includes("/") ? ref.split("/", 2) : [ingressNs, ref];
        const cm = findObject(stack.resources, k8sTypes.configMap, name, ns);
        if (!cm) {
            problems.push(`${nginxAnnotations.customHeaders} names ConfigMap "${ref}", which is not declared in this stack; ${headerFix}.`);
        } else {
            const value = str(get(cm.props, "data", hstsHeader));
            if (isUnknown(value)) problems.push(unknownMessage(`${hstsHeader} in ConfigMap "${ref}"`, headerFix));
            else if (value === undefined) problems.push(`ConfigMap "${ref}" has no ${hstsHeader} key; ${headerFix}.`);
            else {
                const age = hstsMaxAge(value);
                if (age === undefined || age < min) {
                    problems.push(`ConfigMap "${ref}" sets ${hstsHeader}: "${value}"; set max-age to at least ${min}.`);
                }
            }
        }
    }
    const redirect = bool(annotations[nginxAnnotations.forceSslRedirect]);
    if (isUnknown(redirect)) problems.push(unknownMessage(nginxAnnotations.forceSslRedirect, `set it to "true"`));
    else if (redirect !== true)
        problems.push(`set the annotation ${nginxAnnotations.forceSslRedirect}: "true" so HTTP is redirected to HTTPS.`);
    return problems.length === 0 ? { ok: true } : { ok: false, message: problems.join(" ") };
}

/** Traefik: a router middleware (namespace-name@kubernetescrd) whose headers.stsSeconds is long enough. */
function traefikVerdict(stack: StackView, ingressNs: string | undefined, annotations: Record<string, unknown>, min: number): Verdict {
    const value = str(annotations[traefikMiddlewaresAnnotation]);
    const fix = `reference a traefik.io/v1alpha1 Middleware with spec.headers.stsSeconds >= ${min} in ${traefikMiddlewaresAnnotation}`;
    if (isUnknown(value)) return { ok: false, message: unknownMessage(`The ${traefikMiddlewaresAnnotation} annotation`, fix) };
    const refs = (value ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    const problems: string[] = [];
    for (const ref of refs) {
        const bare = ref.replace(/@kubernetescrd$/, "");
        const mw = stack.ofType(k8sTypes.traefikMiddleware).find((r) => {
            const n = objectName(r.props);
            if (typeof n.name !== "string") return false;
            const ns = n.namespace ?? ingressNs ?? "default";
            return bare === `${ns}-${n.name}` || (!ref.includes("@") && bare === n.name);
        });
        if (!mw) continue;
        const sts = num(get(mw.props, "spec", "headers", "stsSeconds"));
        if (isUnknown(sts)) problems.push(unknownMessage(`stsSeconds of Middleware ${ref}`, fix));
        else if (sts !== undefined && sts >= min) return { ok: true };
        else if (sts !== undefined)
            problems.push(`Middleware ${ref} sets stsSeconds ${sts}; set spec.headers.stsSeconds to at least ${min}.`);
    }
    if (problems.length === 0) problems.push(`none of the referenced middlewares (${refs.join(", ") || "none"}) sets HSTS; ${fix}.`);
    return { ok: false, message: problems.join(" ") };
}

function checkIngress(stack: StackView, ingress: StackResource, min: number, report: (m: string, urn?: string) => void): void {
    const annotations = get(ingress.props, "metadata", "annotations");
    const { namespace } = objectName(ingress.props);
    if (isUnknown(annotations)) {
        report(unknownMessage("The Ingress annotations", "declare them as plain values"), ingress.urn);
        return;
    }
    const a = (annotations && typeof annotations === "object" && !Array.isArray(annotations) ? annotations : {}) as Record<string, unknown>;
    const usesNginx = nginxAnnotations.customHeaders in a || nginxAnnotations.forceSslRedirect in a;
    const usesTraefik = traefikMiddlewaresAnnotation in a;
    if (!usesNginx && !usesTraefik) {
        report(
            `The Ingress declares no HSTS; add ${nginxAnnotations.customHeaders} (a ConfigMap with ${hstsHeader}: "max-age=${min}; includeSubDomains") ` +
                `and ${nginxAnnotations.forceSslRedirect}: "true" for ingress-nginx, or a Traefik Middleware with spec.headers.stsSeconds >= ${min} ` +
                `in ${traefikMiddlewaresAnnotation}.`,
            ingress.urn,
        );
        return;
    }
    const verdicts = [
        ...(usesNginx ? [nginxVerdict(stack, namespace, a, min)] : []),
        ...(usesTraefik ? [traefikVerdict(stack, namespace, a, min)] : []),
    ];
    if (verdicts.some((v) => v.ok)) return;
    for (const v of verdicts) if (!v.ok) report(v.message, ingress.urn);
}

/** Every Ingress sends HSTS with a long enough max-age and redirects HTTP to HTTPS. */
export const ingressHsts: StackValidationPolicy = {
    name: "ingress-hsts",
    description:
        "The Deployment & Production Readiness guide (§7 Observability & security) requires HTTPS and HSTS on every " +
        "surface, so every Ingress must send Strict-Transport-Security with at least the configured max-age, either " +
        "through an ingress-nginx custom-headers ConfigMap with force-ssl-redirect or through a Traefik headers Middleware.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const { minimumMaxAgeSeconds } = readConfig<Config>(args, configSchema);
        for (const ingress of stack.ofType(k8sTypes.ingress)) {
            checkIngress(stack, ingress, minimumMaxAgeSeconds, report);
        }
    }),
};
