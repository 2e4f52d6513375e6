import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { readConfig } from "../lib/config";
import { describeContainer, literalEnv, podTemplateOf } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { notProductMessage, productConfigProperties, productWorkload, type ProductConfig } from "../lib/product";
import { workloadTypes } from "../lib/types";
import { isUnknown, unknownMessage } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = { properties: { ...productConfigProperties } };

/** Every container that runs the product's Node processes runs with NODE_ENV=production. */
export const nodeEnvProduction: ResourceValidationPolicy = {
    name: "node-env-production",
    description:
        "The Deployment & Production Readiness guide (§4) sets NODE_ENV=production for all services and the Deployment " +
        "Guide starts every process with NODE_ENV=production, so every container that runs the product (recognised by " +
        "its grownext.io/process label, a product image, a catalog command or the product's env, whoever declared the " +
        "workload) must set NODE_ENV to the literal production.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    validateResource: validateTypes(workloadTypes, (r, args, report) => {
        const config = readConfig<ProductConfig>(args, configSchema);
        const t = podTemplateOf(r.type, r.props);
        const product = t ? productWorkload(t, config) : undefined;
        if (!t || !product) return args.notApplicable(notProductMessage);
        const fix = 'add { name: "NODE_ENV", value: "production" } to its env';
        for (const path of product.unknown) report(unknownMessage(`The pod spec's ${path}`, fix));
        for (const c of product.containers) {
            const value = literalEnv(c.spec, "NODE_ENV");
            const who = `${t.kind} ${describeContainer(c)}${product.why}`;
            if (isUnknown(value)) report(unknownMessage(`NODE_ENV of ${who}`, fix));
            else if (value === undefined) report(`${who} does not set NODE_ENV; ${fix}.`);
            else if (value === "valueFrom") report(`${who} reads NODE_ENV from a reference; ${fix} as a literal.`);
            else if (value !== "production") report(`${who} sets NODE_ENV=${value}; ${fix}.`);
        }
    }),
};
