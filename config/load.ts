/**
 * Loads the stack config, validates it and resolves defaults: the only way the program reads config.
 * Nothing is declared before this returns, and an invalid config stops the program with one line
 * per problem (ConfigError, printed without a stack trace).
 */
import * as pulumi from "@pulumi/pulumi";
import { processCatalog, type ProcessSpec } from "../catalog/processes";
import {
    defaultBackgroundLivenessCommand,
    genericExecutorDefault,
    serviceDefaults,
    type ResourceSpec,
} from "./defaults";
import { ConfigError, formatIssues } from "./errors";
import { rules } from "./rules";
import { rawConfigSchema, secretConfigKeys, type Environment, type RawConfig } from "./schema";

export const configNamespace = "grownext";

/** A catalog process with its settings for this stack. */
export interface ResolvedService {
    readonly spec: ProcessSpec;
    readonly image: string;
    /** Replicas for fixed-size processes; the autoscaler's minimum for autoscaled ones. */
    readonly replicas: number;
    readonly autoscale?: { readonly min: number; readonly max: number; readonly targetCpuPercent: number };
    readonly resources: ResourceSpec;
    readonly terminationGracePeriodSeconds: number;
    /** Exec liveness command for processes without HTTP health endpoints. */
    readonly livenessCommand?: readonly string[];
}

/** Credentials, in memory only: components wrap them with pulumi.secret before any resource sees them. */
export interface SecretValues {
    readonly supabaseServiceRoleKey?: string;
    readonly identityJwtPrivateKey?: string;
    readonly stripeSecretKey?: string;
    readonly stripeWebhookSecret?: string;
    readonly oauthClientSecrets: Readonly<Record<string, string>>;
    /** HTTPS subscribers of the alert route (pager URLs), by name. */
    readonly alertHttpsEndpoints: Readonly<Record<string, string>>;
}

export interface PlatformConfig {
    readonly project: string;
    readonly stack: string;
    readonly environment: Environment;
    readonly domain: string;
    readonly kubernetes: RawConfig["kubernetes"] & { readonly mode: "cluster" | "render" };
    readonly images: Readonly<Record<string, string>>;
    readonly services: readonly ResolvedService[];
    readonly edge: RawConfig["edge"];
    readonly probes: { readonly enabled: boolean; readonly deadlineSeconds: number };
    readonly supabase: RawConfig["supabase"];
    readonly identity: RawConfig["identity"];
    readonly genericExecutorEnabled: boolean;
    readonly oauthClientIds: Readonly<Record<string, string>>;
    readonly sentryDsn?: string;
    readonly migrations: RawConfig["migrations"];
    readonly data: RawConfig["data"];
    readonly monitoring: RawConfig["monitoring"];
    readonly secrets: SecretValues;
    readonly urls: { readonly api: string; readonly identity: string; readonly portal: string };
}

/** Config as Pulumi stores it: every value a string, structured values as JSON. */
export type RawConfigStrings = Readonly<Record<string, string>>;

function parseValue(text: string): unknown {
    if (/^\s*[[{]/.test(text) || /^(true|false|-?\d+(\.\d+)?)$/.test(text)) {
        try {
            return JSON.parse(text);
        } catch {
            return text;
        }
    }
    return text;
}

/** Reads this project's namespace out of the runtime config (`grownext:key` → value). */
export function collectNamespace(all: RawConfigStrings, namespace = configNamespace): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(all)) {
        const [ns, ...rest] = fullKey.split(":");
        if (ns === namespace && rest.length > 0) out[rest.join(":")] = parseValue(text);
    }
    return out;
}

const isSecretPath = (path: string) => secretConfigKeys.some((k) => path === k || path.startsWith(`${k}.`));

/**
 * Validates plain values; `isPlaintext(key)` says whether a key was stored without --secret.
 * Throws ConfigError listing every problem.
 */
export function validateConfig(
    values: Record<string, unknown>,
    opts: { project: string; stack: string; isPlaintext: (key: string) => boolean; catalog?: readonly ProcessSpec[] },
): PlatformConfig {
    const catalog = opts.catalog ?? processCatalog;
    const parsed = rawConfigSchema.safeParse(values, { reportInput: true });
    if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, isSecretPath));
    const cfg = parsed.data;
    const problems = rules.flatMap((rule) => rule(cfg, catalog, opts.isPlaintext));
    if (problems.length > 0) throw new ConfigError(problems);
    return resolve(cfg, catalog, opts.project, opts.stack);
}

function resolve(cfg: RawConfig, catalog: readonly ProcessSpec[], project: string, stack: string): PlatformConfig {
    const services = catalog
        .filter((spec) => cfg.services[spec.name]?.enabled !== false)
        .map((spec): ResolvedService => {
            const own = cfg.services[spec.name];
            const d = serviceDefaults(cfg.environment, spec);
            const autoscale = spec.scaling === "autoscaled" ? own?.autoscale ?? d.autoscale : undefined;
            return {
                spec,
                image: cfg.images[spec.image]!,
                replicas: spec.scaling === "singleton" ? 1 : autoscale?.min ?? own?.replicas ?? d.replicas,
                autoscale,
                resources: own?.resources ?? d.resources,
                terminationGracePeriodSeconds: own?.terminationGracePeriodSeconds ?? d.terminationGracePeriodSeconds,
                livenessCommand: spec.http ? undefined : own?.livenessCommand ?? defaultBackgroundLivenessCommand,
            };
        });
    const targetsCluster = cfg.kubernetes.context !== undefined || cfg.kubernetes.kubeconfig !== undefined;
    const mode = targetsCluster ? "cluster" : "render";
    const kubernetes = {
        ...cfg.kubernetes,
        mode,
        renderDirectory: mode === "render" ? cfg.kubernetes.renderDirectory ?? `rendered/${stack}` : undefined,
    } as const;
    const host = (label: string) => `https://${label}.${cfg.domain}`;
    return {
        project,
        stack,
        environment: cfg.environment,
        domain: cfg.domain,
        kubernetes,
        images: cfg.images,
        services,
        edge: cfg.edge,
        // Probes need something to probe: off by default while the stack only renders manifests.
        probes: { enabled: cfg.probes.enabled ?? mode === "cluster", deadlineSeconds: cfg.probes.deadlineSeconds },
        supabase: cfg.supabase,
        identity: cfg.identity,
        genericExecutorEnabled: cfg.flags.genericExecutor ?? genericExecutorDefault(cfg.environment),
        oauthClientIds: cfg.oauthClientIds,
        sentryDsn: cfg.sentryDsn,
        migrations: cfg.migrations,
        data: cfg.data,
        monitoring: cfg.monitoring,
        secrets: {
            supabaseServiceRoleKey: cfg.supabaseServiceRoleKey,
            identityJwtPrivateKey: cfg.identityJwtPrivateKey,
            stripeSecretKey: cfg.stripeSecretKey,
            stripeWebhookSecret: cfg.stripeWebhookSecret,
            oauthClientSecrets: cfg.oauthClientSecrets,
            alertHttpsEndpoints: cfg.alertHttpsEndpoints,
        },
        urls: { api: host(publicHostOf(catalog, "web", "api")), identity: host(publicHostOf(catalog, "identity", "identity")), portal: host(publicHostOf(catalog, "portal", "portal")) },
    };
}

function publicHostOf(catalog: readonly ProcessSpec[], process: string, fallback: string): string {
    return catalog.find((p) => p.name === process)?.publicHost ?? fallback;
}

/**
 * `isConfigSecret` is exported by the SDK's runtime but missing from its typings; it says whether a
 * key was stored encrypted (`pulumi config set --secret`).
 */
function isConfigSecret(fullKey: string): boolean {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
    return runtimeConfig.isConfigSecret(fullKey);
}

/** Loads and validates the current stack's config from the Pulumi runtime. */
export function loadConfig(catalog: readonly ProcessSpec[] = processCatalog): PlatformConfig {
    return validateConfig(collectNamespace(pulumi.runtime.allConfig()), {
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        isPlaintext: (key) => !isConfigSecret(`${configNamespace}:${key}`),
        catalog,
    });
}
