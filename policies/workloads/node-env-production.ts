import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeContainer, isProductWorkload, literalEnv, podTemplateOf } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { workloadTypes } from "../lib/types";
import { isUnknown, unknownMessage } from "../lib/unknowns";

/** Every container of the product's Node processes runs with NODE_ENV=production. */
export const nodeEnvProduction: ResourceValidationPolicy = {
    name: "node-env-production",
    description:
        "The Deployment & Production Readiness guide (§4) sets NODE_ENV=production for all services and the Deployment " +
        "Guide starts every process with NODE_ENV=production, so every container of a product workload " +
        "(app.kubernetes.io/part-of: grownext with a grownext.io/process label) must set NODE_ENV to the literal production.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: validateTypes(workloadTypes, (r, args, report) => {
        const t = podTemplateOf(r.type, r.props);
        if (!t || !isProductWorkload(t)) {
            return args.notApplicable("Only product workloads (part-of grownext with a process label) run the Node processes.");
        }
        const fix = 'add { name: "NODE_ENV", value: "production" } to its env';
        const { containers, unknown } = containersOf(t.podSpec, ["containers"]);
        for (const path of unknown) report(unknownMessage(`The pod spec's ${path}`, fix));
        for (const c of containers) {
            const value = literalEnv(c.spec, "NODE_ENV");
            const who = describeContainer(c);
            if (isUnknown(value)) report(unknownMessage(`NODE_ENV of ${who}`, fix));
            else if (value === undefined) report(`${who} does not set NODE_ENV; ${fix}.`);
            else if (value === "valueFrom") report(`${who} reads NODE_ENV from a reference; ${fix} as a literal.`);
            else if (value !== "production") report(`${who} sets NODE_ENV=${value}; ${fix}.`);
        }
    }),
};
