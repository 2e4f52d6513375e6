import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { labelKeys } from "../../catalog/labels";
import { readConfig } from "../lib/config";
import { containersOf, describeContainer, literalEnv, parseImage, podTemplateOf, processLabel } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { longRunningWorkloadTypes } from "../lib/types";
import { isUnknown, str, unknownMessage } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        identityProcess: { type: "string", default: "identity", description: "The grownext.io/process value of the identity service." },
        identityImagePattern: {
            type: "string",
            default: "(^|/)identity$",
            description: "Regular expression matched against an image's repository (without tag) to recognise the identity image.",
        },
    },
};

interface Config {
    identityProcess: string;
    identityImagePattern: string;
}

/** The identity service trusts the load balancer's forwarded headers. */
export const identityTrustProxy: ResourceValidationPolicy = {
    name: "identity-trust-proxy",
    description:
        "The Deployment & Production Readiness guide (§4) requires TRUST_PROXY=true on identity when it runs behind " +
        "load balancers, so every container of a long-running identity workload (recognised by its grownext.io/process " +
        "label or its image) must set TRUST_PROXY to the literal true; one-off Jobs such as migrations are not behind the balancer.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    validateResource: validateTypes(longRunningWorkloadTypes, (r, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const t = podTemplateOf(r.type, r.props);
        if (!t) return;
        const pattern = new RegExp(config.identityImagePattern);
        const { containers, unknown } = containersOf(t.podSpec, ["containers"]);
        const byImage = containers.filter((c) => {
            const image = str(c.spec.image);
            return typeof image === "string" && pattern.test(parseImage(image).repository);
        });
        const byLabel = processLabel(t) === config.identityProcess;
        if (!byLabel && byImage.length === 0) {
            return args.notApplicable(`Only the identity workload (${labelKeys.process}=${config.identityProcess} or the identity image).`);
        }
        const fix = 'add { name: "TRUST_PROXY", value: "true" } to its env';
        for (const path of unknown) report(unknownMessage(`The pod spec's ${path}`, fix));
        for (const c of byImage.length > 0 ? byImage : containers) {
            const value = literalEnv(c.spec, "TRUST_PROXY");
            const who = `identity ${describeContainer(c)}`;
            if (isUnknown(value)) report(unknownMessage(`TRUST_PROXY of ${who}`, fix));
            else if (value === undefined) report(`${who} does not set TRUST_PROXY; ${fix}.`);
            else if (value === "valueFrom") report(`${who} reads TRUST_PROXY from a reference; ${fix} as a literal.`);
            else if (value !== "true") report(`${who} sets TRUST_PROXY=${value}; ${fix}.`);
        }
    }),
};
