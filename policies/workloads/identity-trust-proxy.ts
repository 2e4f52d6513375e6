import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { labelKeys } from "../../catalog/labels";
import { readConfig, stringList } from "../lib/config";
import {
    containersOf,
    describeContainer,
    envOf,
    literalEnv,
    parseImage,
    podTemplateOf,
    processLabel,
    type ContainerView,
} from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { envNamesOnlyFor } from "../lib/product";
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
        identityEnvNames: stringList(
            "Env names only the identity service receives (default: its env matrix rows no other process gets, less TRUST_PROXY).",
            envNamesOnlyFor("identity", ["TRUST_PROXY"]),
        ),
    },
};

interface Config {
    identityProcess: string;
    identityImagePattern: string;
    identityEnvNames: string[];
}

/** Why a container runs identity (its image or its own env), or nothing. */
function identityEvidence(c: ContainerView, config: Config): string[] {
    const reasons: string[] = [];
    const image = str(c.spec.image);
    if (typeof image === "string" && new RegExp(config.identityImagePattern).test(parseImage(image).repository)) {
        reasons.push(`runs the identity image ${image}`);
    }
    const names = envOf(c.spec)
        .entries.map((e) => e.name)
        .filter((n): n is string => typeof n === "string" && config.identityEnvNames.includes(n));
    if (names.length > 0) reasons.push(`receives identity's ${[...new Set(names)].join(", ")}`);
    return reasons;
}

/** The identity service trusts the load balancer's forwarded headers. */
export const identityTrustProxy: ResourceValidationPolicy = {
    name: "identity-trust-proxy",
    description:
        "The Deployment & Production Readiness guide (§4) requires TRUST_PROXY=true on identity when it runs behind " +
        "load balancers, so every container of a long-running identity workload (recognised by its grownext.io/process " +
        "label, its image or identity's own env, whoever declared it) must set TRUST_PROXY to the literal true; one-off " +
        "Jobs such as migrations are not behind the balancer.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    validateResource: validateTypes(longRunningWorkloadTypes, (r, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const t = podTemplateOf(r.type, r.props);
        if (!t) return;
        const { containers, unknown } = containersOf(t.podSpec, ["containers"]);
        const recognised = containers.map((c) => ({ c, reasons: identityEvidence(c, config) })).filter((x) => x.reasons.length > 0);
        const byLabel = processLabel(t) === config.identityProcess;
        if (!byLabel && recognised.length === 0) {
            return args.notApplicable(
                `Only the identity workload (${labelKeys.process}=${config.identityProcess}, the identity image or identity's env).`,
            );
        }
        const fix = 'add { name: "TRUST_PROXY", value: "true" } to its env';
        for (const path of unknown) report(unknownMessage(`The pod spec's ${path}`, fix));
        // Unlabelled workloads: only the containers that run identity (a sidecar is not behind the balancer).
        const checked = recognised.length > 0 ? recognised : containers.map((c) => ({ c, reasons: [] as string[] }));
        for (const { c, reasons } of checked) {
            const value = literalEnv(c.spec, "TRUST_PROXY");
            const who = `identity ${describeContainer(c)}${byLabel || reasons.length === 0 ? "" : ` (it ${reasons.join(" and ")})`}`;
            if (isUnknown(value)) report(unknownMessage(`TRUST_PROXY of ${who}`, fix));
            else if (value === undefined) report(`${who} does not set TRUST_PROXY; ${fix}.`);
            else if (value === "valueFrom") report(`${who} reads TRUST_PROXY from a reference; ${fix} as a literal.`);
            else if (value !== "true") report(`${who} sets TRUST_PROXY=${value}; ${fix}.`);
        }
    }),
};
