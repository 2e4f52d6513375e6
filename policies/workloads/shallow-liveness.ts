import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { processCatalog } from "../../catalog/processes";
import { readConfig } from "../lib/config";
import { describeContainer, podTemplateOf } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { notProductMessage, productConfigProperties, productWorkload, type ProductConfig } from "../lib/product";
import { longRunningWorkloadTypes } from "../lib/types";
import { get, isUnknown, str, unknownMessage } from "../lib/unknowns";

/** The catalog's endpoints that are not known to answer from the process alone, with what they answer for. */
const deepEndpoints = new Map<string, string>(
    processCatalog.flatMap((p) => (p.http?.endpoints ?? []).filter((e) => !e.shallow).map((e) => [e.path, e.answersFor] as const)),
);

const configSchema: PolicyConfigSchema = {
    properties: {
        ...productConfigProperties,
        deepPaths: {
            type: "array",
            items: { type: "string" },
            default: [...deepEndpoints.keys()],
            description:
                "HTTP paths that check dependencies (the catalog's non-shallow endpoints): fit for readiness, never for liveness or startup.",
        },
    },
};

interface Config extends ProductConfig {
    deepPaths: string[];
}

/** `/api/health/ready/?x=1` and `/api/health/ready` are the same endpoint. */
function normalisePath(path: string): string {
    const bare = path.split(/[?#]/)[0]!;
    return bare.length > 1 ? bare.replace(/\/+$/, "") : bare;
}

const fix =
    "give it a shallow check of the process alone (a tcpSocket on its port, or a path the catalog declares shallow) " +
    "and keep the deep check on the readinessProbe, which only takes the pod out of its Service";

/** Liveness (and startup) ask "is this process alive", never "are its dependencies up". */
export const shallowLiveness: ResourceValidationPolicy = {
    name: "shallow-liveness",
    description:
        "The Production Readiness guide (§3) restarts a service whose probe fails, so a liveness probe that checks the " +
        "database or Redis (the Deployment Guide's /api/health/ready checks registry, OAuth and database) turns a " +
        "dependency outage into a restart of every pod: the livenessProbe and startupProbe of every container that runs " +
        "the product must not GET a deep endpoint nor repeat its HTTP readinessProbe; readiness keeps the deep check.",
    enforcementLevel: "advisory",
    severity: "high",
    configSchema,
    validateResource: validateTypes(longRunningWorkloadTypes, (r, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const t = podTemplateOf(r.type, r.props);
        const product = t ? productWorkload(t, config) : undefined;
        if (!t || !product) return args.notApplicable(notProductMessage);
        const deep = new Set(config.deepPaths.map(normalisePath));
        for (const path of product.unknown)
            report(unknownMessage(`The pod spec's ${path}`, "declare containers and their probes as plain values"));
        for (const c of product.containers) {
            const who = `${t.kind} ${describeContainer(c)}${product.why}`;
            const readinessPath = str(get(c.spec, "readinessProbe", "httpGet", "path"));
            for (const probe of ["livenessProbe", "startupProbe"]) {
                const spec = get(c.spec, probe);
                if (spec === undefined) continue; // health-probes asks for a livenessProbe; a startupProbe is optional
                const path = str(get(spec, "httpGet", "path"));
                if (isUnknown(spec) || isUnknown(path)) {
                    report(unknownMessage(`The ${probe} of ${who}`, `declare it as a plain value and ${fix}`));
                    continue;
                }
                if (path === undefined) continue; // tcpSocket, exec or grpc: the process alone answers
                const normal = normalisePath(path);
                if (deep.has(normal)) {
                    const answersFor = deepEndpoints.get(normal);
                    report(
                        `The ${probe} of ${who} GETs ${path}, a deep check${answersFor ? ` (it answers for ${answersFor})` : ""}: ` +
                            `a dependency outage would fail it and restart every pod; ${fix}.`,
                    );
                } else if (probe === "livenessProbe" && isUnknown(readinessPath)) {
                    report(
                        unknownMessage(
                            `The readinessProbe path of ${who}, which its livenessProbe (GET ${path}) must not repeat,`,
                            `declare it as a plain value and ${fix}`,
                        ),
                    );
                } else if (probe === "livenessProbe" && typeof readinessPath === "string" && normalisePath(readinessPath) === normal) {
                    report(
                        `The livenessProbe of ${who} GETs ${path}, the same check as its readinessProbe: whatever makes the pod ` +
                            `unready (a dependency outage) would also restart it; ${fix}.`,
                    );
                }
            }
        }
    }),
};
