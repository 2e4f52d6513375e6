import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { outsideStacks, readConfig, stringList } from "../lib/config";
import { podTemplateOf, sameNamespace, scalarText } from "../lib/kubernetes";
import { validateStackWith } from "../lib/policy";
import { notProductMessage, productConfigProperties, productWorkload, type ProductConfig } from "../lib/product";
import { k8sTypes, workloadTypes } from "../lib/types";
import {
    arr,
    containsUnknown,
    get,
    isObject,
    isUnknown,
    obj,
    str,
    unknownMessage,
    type Plain,
    type PlainObject,
    type Unknown,
} from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        stacks: stringList("Stack names whose product workloads must be isolated by a default-deny NetworkPolicy.", ["production"]),
        ...productConfigProperties,
    },
};

interface Config extends ProductConfig {
    stacks: string[];
}

type Direction = "Ingress" | "Egress";
const directions: readonly Direction[] = ["Ingress", "Egress"];

/** The labels a workload's pods carry (not the workload's own labels: a selector only sees the pods'). */
function podLabels(type: string, props: PlainObject): PlainObject | undefined {
    const template =
        type === k8sTypes.pod
            ? props
            : type === k8sTypes.cronJob
              ? get(props, "spec", "jobTemplate", "spec", "template")
              : get(props, "spec", "template");
    const labels = obj(get(template, "metadata", "labels"));
    return isUnknown(labels) ? undefined : (labels ?? {});
}

/** Whether a label selector selects pods with these labels; undefined when that is unknown. */
function selects(selector: Plain | undefined, labels: PlainObject): boolean | undefined {
    if (selector === undefined || selector === null) return true;
    if (isUnknown(selector)) return undefined;
    if (!isObject(selector) || containsUnknown(selector)) return undefined;
    for (const [key, value] of Object.entries(obj(selector.matchLabels) ?? {})) {
        if (labels[key] !== value) return false;
    }
    for (const e of (arr(selector.matchExpressions) ?? []) as PlainObject[]) {
        const key = scalarText(e.key);
        const values = ((arr(e.values) ?? []) as Plain[]).map(String);
        const has = key in labels;
        const v = has ? scalarText(labels[key]) : undefined;
        const ok =
            e.operator === "In"
                ? has && values.includes(v!)
                : e.operator === "NotIn"
                  ? !has || !values.includes(v!)
                  : e.operator === "Exists"
                    ? has
                    : e.operator === "DoesNotExist"
                      ? !has
                      : false;
        if (!ok) return false;
    }
    return true;
}

/**
 * The directions a NetworkPolicy denies by default: those it isolates (its policyTypes, or Ingress
 * plus Egress when it has egress rules, as Kubernetes defaults them) and gives no rule for.
 */
function deniedDirections(props: PlainObject): Direction[] | undefined {
    const spec = obj(props.spec);
    if (!isObject(spec)) return undefined;
    const declared = arr(spec.policyTypes);
    if (isUnknown(declared)) return undefined;
    const types = declared ? declared.map((t) => str(t)) : ["Ingress", ...(spec.egress !== undefined ? ["Egress"] : [])];
    const out: Direction[] = [];
    for (const d of directions) {
        if (!types.includes(d)) continue;
        const rules = arr(spec[d.toLowerCase()]);
        if (isUnknown(rules)) return undefined;
        if (rules === undefined || rules.length === 0) out.push(d);
    }
    return out;
}

/** Every product workload of a production stack is selected by default-deny NetworkPolicies for ingress and egress. */
export const defaultDeny: StackValidationPolicy = {
    name: "default-deny",
    description:
        "The Deployment & Production Readiness guide keeps the databases, the queue and the service-role key reachable " +
        "only by the processes that need them, and a Kubernetes namespace lets every pod reach every other by default, so " +
        "in production every workload that runs the product must be selected by NetworkPolicies that deny all ingress and " +
        "all egress by default (policyTypes Ingress and Egress with no rules), on top of which only the catalog's allows apply.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const outside = outsideStacks(stack.stack, config.stacks, "must isolate their workloads with a default-deny NetworkPolicy.");
        if (outside !== undefined) return args.notApplicable(outside);
        const policies = stack
            .ofType(k8sTypes.networkPolicy)
            .map((p): { namespace: string | Unknown | undefined; selector: Plain | undefined; denies: Direction[] | undefined } => ({
                namespace: str(get(p.props, "metadata", "namespace")),
                selector: get(p.props, "spec", "podSelector"),
                denies: deniedDirections(p.props),
            }));
        let products = 0;
        for (const r of stack.ofType(...workloadTypes)) {
            const t = podTemplateOf(r.type, r.props);
            const product = t ? productWorkload(t, config) : undefined;
            if (!t || !product) continue;
            products++;
            const labels = podLabels(r.type, r.props);
            const who = `${t.kind} ${t.name ?? r.name}${product.why}`;
            const fix = `declare a NetworkPolicy in its namespace whose podSelector selects its pods (podSelector: {} selects all), with policyTypes ["Ingress", "Egress"] and no ingress or egress rules`;
            let unknown = labels === undefined;
            const denied = new Set<Direction>();
            for (const p of policies) {
                const ns = p.namespace;
                const inNamespace = isUnknown(ns) ? undefined : sameNamespace(ns, t.namespace);
                const selected = labels === undefined ? undefined : selects(p.selector, labels);
                if (inNamespace === false || selected === false) continue;
                if (inNamespace === undefined || selected === undefined || p.denies === undefined) {
                    unknown = true;
                    continue;
                }
                for (const d of p.denies) denied.add(d);
            }
            const missing = directions.filter((d) => !denied.has(d));
            if (missing.length === 0) continue;
            if (unknown) report(unknownMessage(`Whether a default-deny NetworkPolicy selects ${who}`, fix), r.urn);
            else
                report(
                    `${who} is not selected by a NetworkPolicy that denies all ${missing.join(" and ").toLowerCase()} by default; ${fix}.`,
                    r.urn,
                );
        }
        if (products === 0) return args.notApplicable(notProductMessage);
    }),
};
