/**
 * Recognising the product's workloads by what they run, not by who declared them. A Deployment
 * written by hand (or rendered from a chart) carries none of this program's labels, yet runs the
 * product as surely as ours: it runs one of the product's images, a catalog command, or receives the
 * product's environment. Every workload rule that is about the product (NODE_ENV, TRUST_PROXY,
 * shallow liveness) asks this module, so such a workload cannot escape them.
 */
import { envMatrix } from "../../catalog/envMatrix";
import { labelKeys } from "../../catalog/labels";
import { imageNames, processCatalog } from "../../catalog/processes";
import {
    containersOf,
    describeContainer,
    envOf,
    parseImage,
    processLabel,
    runsCommand,
    type ContainerView,
    type PodTemplate,
} from "./kubernetes";
import { isUnknown, str } from "./unknowns";

/** Env groups any Node service might have (NODE_ENV, SENTRY_DSN): they say nothing about the product. */
const genericEnvGroups: readonly string[] = ["runtime", "observability"];

/** The env names that only the product's processes receive (the matrix, less the generic groups). */
export const productEnvNames: readonly string[] = [
    ...new Set(envMatrix.filter((v) => !genericEnvGroups.includes(v.group)).map((v) => v.name)),
];

/**
 * Env names only `processName` receives: the names of its env groups that no other catalog process
 * has, less `except` (a rule's own subject, which says nothing when it is missing or wrong).
 */
export function envNamesOnlyFor(processName: string, except: readonly string[] = []): string[] {
    const own = processCatalog.find((p) => p.name === processName);
    if (!own) return [];
    const others = processCatalog.filter((p) => p.name !== processName);
    const otherNames = new Set(envMatrix.filter((v) => others.some((p) => p.envGroups.includes(v.group))).map((v) => v.name));
    return [...new Set(envMatrix.filter((v) => own.envGroups.includes(v.group) && !otherNames.has(v.name)).map((v) => v.name))].filter(
        (n) => !except.includes(n),
    );
}

/** Config every product rule accepts, so a stack can narrow or widen what counts as the product. */
export interface ProductConfig {
    /** Regular expression on an image's repository (no tag or digest). */
    readonly productImagePattern: string;
    /** Env names whose presence marks a container as running the product. */
    readonly productEnvNames: string[];
}

/** The default image pattern: a repository whose last segment is a catalog image name. */
export const defaultProductImagePattern = `(^|/)(${imageNames.join("|")})$`;

export const productConfigProperties = {
    productImagePattern: {
        type: "string" as const,
        default: defaultProductImagePattern,
        description:
            "Regular expression matched against an image's repository (without tag or digest) to recognise the product's " +
            "images (the configured images.app, images.identity and images.portal).",
    },
    productEnvNames: {
        type: "array" as const,
        items: { type: "string" as const },
        default: [...productEnvNames],
        description:
            "Env names whose presence marks a container as running the product (default: the env matrix less NODE_ENV and SENTRY_DSN).",
    },
};

/** Why a container runs the product, or nothing when it does not. */
export function containerEvidence(c: ContainerView, config: ProductConfig): string[] {
    const reasons: string[] = [];
    const who = describeContainer(c);
    const image = str(c.spec.image);
    if (typeof image === "string" && new RegExp(config.productImagePattern).test(parseImage(image).repository)) {
        reasons.push(`${who} runs the product image ${image}`);
    }
    for (const spec of processCatalog) {
        if (spec.command && runsCommand(c.spec, spec.command)) {
            reasons.push(`${who} runs the ${spec.name} command (${spec.command.join(" ")})`);
        }
    }
    const names = envOf(c.spec)
        .entries.map((e) => e.name)
        .filter((n): n is string => !isUnknown(n));
    const productNames = [...new Set(names.filter((n) => config.productEnvNames.includes(n)))];
    if (productNames.length > 0) reasons.push(`${who} receives the product's ${productNames.join(", ")}`);
    return reasons;
}

/** The containers of a workload that run the product, with the evidence. */
export interface ProductWorkload {
    /** Why the workload is the product, for messages. */
    readonly reasons: string[];
    /** The containers the product rules check: all of them for a labelled workload, else those recognised. */
    readonly containers: ContainerView[];
    /** Container lists unknown during preview. */
    readonly unknown: string[];
    /** For messages: empty for a labelled workload, else ` (recognised as the product: <evidence>)`. */
    readonly why: string;
}

/**
 * The product part of a workload, or undefined when nothing in it runs the product. A workload with
 * a `grownext.io/process` label is the product throughout (its sidecars included, as declared by this
 * program); otherwise only the containers that run a product image, command or env are.
 */
export function productWorkload(t: PodTemplate, config: ProductConfig): ProductWorkload | undefined {
    const { containers, unknown } = containersOf(t.podSpec, ["containers"]);
    const process = processLabel(t);
    if (process !== undefined) {
        const label = isUnknown(process) ? `an unknown ${labelKeys.process} label` : `label ${labelKeys.process}=${process}`;
        return { reasons: [label], containers, unknown, why: "" };
    }
    const recognised = containers.map((c) => ({ c, reasons: containerEvidence(c, config) })).filter((x) => x.reasons.length > 0);
    if (recognised.length === 0) return undefined;
    const reasons = recognised.flatMap((x) => x.reasons);
    return { reasons, containers: recognised.map((x) => x.c), unknown, why: ` (recognised as the product: ${reasons.join("; ")})` };
}

/** The note a product rule gives when a workload does not run the product. */
export const notProductMessage =
    "The workload runs no product image, catalog command or product env, and has no grownext.io/process label.";
