/**
 * Loads the stack config, validates it and resolves defaults: the only way the program reads config.
 * Nothing is declared before this returns, and an invalid config stops the program with one line
 * per problem (ConfigError, printed without a stack trace).
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { processCatalog, type ProcessSpec } from "../catalog/processes";
import { poolSizeFor } from "./connectionBudget";
import { looksSecret } from "./credentials";
import { defaultBackgroundLivenessCommand, genericExecutorDefault, serviceDefaults, type ResourceSpec } from "./defaults";
import { ConfigError, issueProblems, renderProblem, type Problem } from "./errors";
import { keyKindAt, knownKeysAt } from "./keys";
import { extraEnv } from "./processEnv";
import { rules } from "./rules";
import { rawConfigSchema, type Environment, type RawConfig } from "./schema";

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
    /** Extra plain variables from `services.<name>.env` (its secretEnv is in `SecretValues`). */
    readonly env: Readonly<Record<string, string>>;
    /** Connections per database client of each pod (Prisma's `connection_limit`; config/connectionBudget.ts). */
    readonly databasePoolSize: number;
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
    /** `services.<process>.secretEnv`: extra secret variables by process, then by name. */
    readonly processSecretEnv: Readonly<Record<string, Readonly<Record<string, string>>>>;
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
    readonly dns: RawConfig["dns"];
    readonly probes: { readonly enabled: boolean; readonly deadlineSeconds: number };
    readonly supabase: RawConfig["supabase"];
    readonly identity: RawConfig["identity"];
    readonly genericExecutorEnabled: boolean;
    readonly oauthClientIds: Readonly<Record<string, string>>;
    readonly sentryDsn?: string;
    readonly migrations: RawConfig["migrations"];
    readonly data: RawConfig["data"];
    readonly monitoring: RawConfig["monitoring"];
    readonly rotation: RawConfig["rotation"];
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

/** The key paths at and above `path`, shortest first. */
function prefixesOf(path: readonly string[]): string[][] {
    return path.map((_, i) => path.slice(0, i + 1));
}

/** Every key path inside a value (its own keys and array items, recursively), relative to `base`. */
function pathsInside(value: unknown, base: readonly string[], depth = 0): string[][] {
    if (depth > 20 || value === null || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([k, v]) => [[...base, k], ...pathsInside(v, [...base, k], depth + 1)]);
}

/**
 * Whether a value may not be printed: it, a key above it or a key inside it was stored encrypted,
 * or is marked by the schema as a credential or confidential (a kubeconfig), or it contains
 * secret-looking content (a PEM block, a URL with userinfo, a JWT, a kubeconfig credential).
 */
function sensitivity(values: Record<string, unknown>, isEncrypted: (path: readonly string[]) => boolean) {
    return (path: readonly string[], got: unknown): boolean => {
        const stored = (p: readonly string[]) => isEncrypted(p) || keyKindAt(p) !== undefined;
        if (prefixesOf(path).some(stored)) return true;
        if (looksSecret(got)) return true;
        let value: unknown = values;
        for (const seg of path) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[seg] : undefined;
        return [...pathsInside(got, path), ...pathsInside(value, path)].some(stored);
    };
}

/**
 * Validates plain values; `isPlaintext(key)` says whether the value at a dotted key path was stored
 * without --secret (`kubernetes.kubeconfig`, `oauthClientSecrets.GITHUB_CLIENT_SECRET`). A value
 * counts as encrypted when it or any key above it was; answering for top-level keys only is enough
 * where storage is only known per key. `stack` is the stack's name, which `environment` must agree
 * with. Throws ConfigError listing every problem; no value stored encrypted, marked as a credential
 * or looking like one is ever printed in it.
 */
export function validateConfig(
    values: Record<string, unknown>,
    opts: { project: string; stack: string; isPlaintext: (key: string) => boolean; catalog?: readonly ProcessSpec[] },
): PlatformConfig {
    const catalog = opts.catalog ?? processCatalog;
    const isEncrypted = (p: readonly string[]) => prefixesOf(p).some((prefix) => !opts.isPlaintext(prefix.join(".")));
    const render = (problems: readonly Problem[]) => {
        const isSensitive = sensitivity(values, isEncrypted);
        return problems.map((p) => renderProblem(p, isSensitive));
    };
    const parsed = rawConfigSchema.safeParse(values, { reportInput: true });
    if (!parsed.success) throw new ConfigError(render(issueProblems(parsed.error.issues, { knownKeys: knownKeysAt })));
    const cfg = parsed.data;
    const ctx = { catalog, stack: opts.stack, isPlaintext: (p: readonly string[]) => !isEncrypted(p) };
    const problems = rules.flatMap((rule) => rule(cfg, ctx));
    if (problems.length > 0) throw new ConfigError(render(problems));
    return resolve(cfg, catalog, opts.project, opts.stack);
}

function resolve(cfg: RawConfig, catalog: readonly ProcessSpec[], project: string, stack: string): PlatformConfig {
    const services = catalog
        .filter((spec) => cfg.services[spec.name]?.enabled !== false)
        .map((spec): ResolvedService => {
            const own = cfg.services[spec.name];
            const d = serviceDefaults(cfg.environment, spec);
            const autoscale = spec.scaling === "autoscaled" ? (own?.autoscale ?? d.autoscale) : undefined;
            return {
                spec,
                image: cfg.images[spec.image]!,
                replicas: spec.scaling === "singleton" ? 1 : (autoscale?.min ?? own?.replicas ?? d.replicas),
                autoscale,
                resources: own?.resources ?? d.resources,
                terminationGracePeriodSeconds: own?.terminationGracePeriodSeconds ?? d.terminationGracePeriodSeconds,
                livenessCommand: spec.http ? undefined : (own?.livenessCommand ?? defaultBackgroundLivenessCommand),
                env: extraEnv(own?.env),
                databasePoolSize: poolSizeFor(cfg, spec),
            };
        });
    const targetsCluster = cfg.kubernetes.context !== undefined || cfg.kubernetes.kubeconfig !== undefined;
    const mode = targetsCluster ? "cluster" : "render";
    const kubernetes = {
        ...cfg.kubernetes,
        mode,
        renderDirectory: mode === "render" ? (cfg.kubernetes.renderDirectory ?? `rendered/${stack}`) : undefined,
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
        dns: cfg.dns,
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
        rotation: cfg.rotation,
        secrets: {
            supabaseServiceRoleKey: cfg.supabaseServiceRoleKey,
            identityJwtPrivateKey: cfg.identityJwtPrivateKey,
            stripeSecretKey: cfg.stripeSecretKey,
            stripeWebhookSecret: cfg.stripeWebhookSecret,
            oauthClientSecrets: cfg.oauthClientSecrets,
            alertHttpsEndpoints: cfg.alertHttpsEndpoints,
            processSecretEnv: Object.fromEntries(
                Object.entries(cfg.services)
                    .filter(([, svc]) => svc.secretEnv !== undefined)
                    .map(([name, svc]) => [name, extraEnv(svc.secretEnv)]),
            ),
        },
        urls: {
            api: host(publicHostOf(catalog, "web", "api")),
            identity: host(publicHostOf(catalog, "identity", "identity")),
            portal: host(publicHostOf(catalog, "portal", "portal")),
        },
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
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deep SDK path with no typings to import
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
    return runtimeConfig.isConfigSecret(fullKey);
}

/**
 * Which values of the stack file are stored encrypted, per leaf: `grownext:oauthClientSecrets` may
 * hold `{secure: ...}` entries next to plaintext ones, while the runtime only says whether a whole
 * top-level key holds any secret. Returns, for a dotted key path, whether that node is a `secure`
 * value (true), a plain one (false), or is not in the file (undefined). Undefined altogether when
 * the file cannot be read (config from elsewhere, e.g. an ESC environment or the Automation API).
 */
export function stackFileStorage(file: string, namespace = configNamespace): ((key: string) => boolean | undefined) | undefined {
    let doc: unknown;
    try {
        doc = parseYaml(fs.readFileSync(file, "utf8"));
    } catch {
        return undefined;
    }
    const config = (doc as { config?: Record<string, unknown> } | null)?.config;
    if (config === null || typeof config !== "object") return undefined;
    const nodes = new Map<string, boolean>();
    const walk = (value: unknown, key: string) => {
        const secure =
            value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
        nodes.set(key, secure);
        if (!secure && value !== null && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) walk(v, `${key}.${k}`);
        }
    };
    for (const [fullKey, value] of Object.entries(config)) {
        const [ns, ...rest] = fullKey.split(":");
        if (ns === namespace && rest.length > 0) walk(value, rest.join(":"));
    }
    return (key) => nodes.get(key);
}

/** The stack file Pulumi read: `Pulumi.<stack>.yaml` next to Pulumi.yaml, or under its `stackConfigDir`. */
function stackFilePath(stack: string): string {
    const root = process.cwd();
    let dir = root;
    try {
        const project = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { stackConfigDir?: string } | null;
        if (typeof project?.stackConfigDir === "string") dir = path.resolve(root, project.stackConfigDir);
    } catch {
        // No readable project file: the default location.
    }
    return path.join(dir, `Pulumi.${stack}.yaml`);
}

/**
 * `isPlaintext` for validateConfig: the stack file knows each leaf; where it does not hold the key
 * (or cannot be read), the runtime's per-key flag (`isTopLevelSecret`) decides for top-level keys.
 */
export function plaintextOracle(
    file: ReturnType<typeof stackFileStorage>,
    isTopLevelSecret: (key: string) => boolean,
): (key: string) => boolean {
    return (key) => {
        const top = key.split(".")[0]!;
        const inFile = file?.(top) === undefined ? undefined : file(key);
        if (inFile !== undefined) return !inFile;
        return key === top ? !isTopLevelSecret(top) : true;
    };
}

/** Loads and validates the current stack's config from the Pulumi runtime. */
export function loadConfig(catalog: readonly ProcessSpec[] = processCatalog): PlatformConfig {
    const stack = pulumi.getStack();
    return validateConfig(collectNamespace(pulumi.runtime.allConfig()), {
        project: pulumi.getProject(),
        stack,
        isPlaintext: plaintextOracle(stackFileStorage(stackFilePath(stack)), (key) => isConfigSecret(`${configNamespace}:${key}`)),
        catalog,
    });
}
