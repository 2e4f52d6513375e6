/**
 * A local stand-in for the CrossGuard analyzer (node_modules/@pulumi/policy/server.js), so policy
 * tests never start a gRPC server:
 *
 * - `createResourceValidationArgs` / `createStackValidationArgs` fill every field the SDK fills:
 *   type, props (wrapped in the SDK's own `unknownCheckingProxy`, with `undefined` dropped the way
 *   `deserializeProperties` does), urn, name, opts (protect, ignoreChanges, aliases, customTimeouts,
 *   additionalSecretOutputs, parent), provider, stackTags, an `isType`/`asType` that compare the type
 *   token, `getConfig` with the policy's configSchema defaults under the given overrides, and
 *   `notApplicable`; stack resources carry parent, dependencies and propertyDependencies as objects.
 * - `runResourcePolicy` / `runStackPolicy` call a policy and collect its violations. Like the server,
 *   an `UnknownValueError` escaping a policy becomes an ADVISORY "can't run during preview" note, so a
 *   test can see a mandatory rule being silently downgraded.
 * - `loadPack` evaluates policies/index.ts with `PolicyPack` swapped for a recorder, so the tests run
 *   exactly the policies the pack assembles.
 * - `runPackOnResources` runs the whole pack over a resource list (the lead's stack tests).
 */
import * as path from "path";
import type { RecordedResource } from "../../sandbox/mocks";
import type {
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyPackArgs,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

// The proxy module's typings are empty (`export {}`), so its runtime exports are typed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- its typings are empty (see above)
const proxyModule = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T>(value: T): T;
    UnknownValueError: new (...args: unknown[]) => Error;
    unknownStringValue: string;
    unknownBooleanValue: string;
    unknownNumberValue: string;
    unknownArrayValue: string;
    unknownObjectValue: string;
    unknownAssetValue: string;
    unknownArchiveValue: string;
};

/** The engine's sentinel for a value unknown during preview (what the Node SDK sends). */
export const UNKNOWN_VALUE = proxyModule.unknownStringValue;
export const sdkUnknownSentinels: readonly string[] = [
    proxyModule.unknownBooleanValue,
    proxyModule.unknownNumberValue,
    proxyModule.unknownStringValue,
    proxyModule.unknownArrayValue,
    proxyModule.unknownAssetValue,
    proxyModule.unknownArchiveValue,
    proxyModule.unknownObjectValue,
];
export const UnknownValueError = proxyModule.UnknownValueError;

/** A resource as the lead's stack tests describe it (and as the engine would send it). */
export interface PolicyResourceLike {
    type: string;
    name: string;
    urn: string;
    props: Record<string, unknown>;
    opts?: { protect?: boolean; parent?: string; dependsOn?: string[] };
    /** URNs this resource depends on (dependsOn and property dependencies). */
    dependencies?: string[];
    /** URN of the parent resource. */
    parent?: string;
    /** URNs each property depends on. */
    propertyDependencies?: Record<string, string[]>;
}

/** Resources recorded under mocks (sandbox/mocks.ts) as the pack sees them: inputs, options, dependencies. */
export function recordedAsPolicyResources(resources: readonly RecordedResource[]): PolicyResourceLike[] {
    return resources
        .filter((r) => r.urn !== undefined)
        .map((r) => ({
            type: r.type,
            name: r.name,
            urn: r.urn!,
            props: r.inputs,
            opts: { protect: r.protect, parent: r.parent, dependsOn: r.dependencies },
            dependencies: r.dependencies ?? [],
            propertyDependencies: r.propertyDependencies,
            parent: r.parent,
        }));
}

export interface Violation {
    policyName: string;
    enforcementLevel: EnforcementLevel;
    message: string;
    urn?: string;
}

/** `--policy-pack-config` shape: per policy, a level or `{ enforcementLevel?, ...properties }`. */
export type PackConfig = Record<string, unknown>;

export interface ArgsOptions {
    /** Config properties for this policy (overrides; schema defaults fill the rest). */
    config?: Record<string, unknown>;
    stackTags?: Record<string, string>;
    provider?: PolicyProviderResource;
}

class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

// ---- URNs and resources ----

export function urnOf(type: string, name: string, stack = "test", project = "grownext", parentType?: string): string {
    const qualified = parentType ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** A resource for tests; the URN is derived from type and name unless given. */
export function resource(
    type: string,
    name: string,
    props: Record<string, unknown>,
    extra: Partial<PolicyResourceLike> & { stack?: string } = {},
): PolicyResourceLike {
    const { stack, ...rest } = extra;
    return { type, name, urn: urnOf(type, name, stack), props, opts: {}, dependencies: [], ...rest };
}

// ---- Args ----

function schemaDefaults(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
        if (prop.default !== undefined) out[key] = JSON.parse(JSON.stringify(prop.default));
    }
    return out;
}

/** Config as the CLI hands it to a policy: schema defaults, then overrides, without enforcementLevel. */
export function policyConfig(policy: Policy, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const { enforcementLevel: _ignored, ...rest } = overrides;
    void _ignored;
    return { ...schemaDefaults(policy.configSchema), ...rest };
}

/** Pulumi's wire signature key, and the signature of a secret (`{ [sigKey]: secretSig, value }`). */
const sigKey = "4dabf18193072939515e22adb298388d";
const secretSig = "1b47061264138c4ac30d75fd1eb44270";

/**
 * What `deserializeProperties` hands a policy: `undefined` dropped, secrets unwrapped to their plain
 * values (inputs recorded by Pulumi mocks carry the wire form), unknown sentinels kept.
 */
function wire(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : wire(v)));
    if (value && typeof value === "object") {
        const sig = (value as Record<string, unknown>)[sigKey];
        if (sig === secretSig) return wire((value as Record<string, unknown>).value);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            if (v !== undefined) out[k] = wire(v);
        }
        return out;
    }
    return value;
}

function propsFor(r: PolicyResourceLike): Record<string, unknown> {
    return proxyModule.unknownCheckingProxy(wire(r.props ?? {}) as Record<string, unknown>);
}

function optionsFor(r: PolicyResourceLike): PolicyResourceOptions {
    const parent = r.parent ?? r.opts?.parent;
    return {
        protect: r.opts?.protect === true,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(parent ? { parent } : {}),
    };
}

function typeMatcher(type: string) {
    return (resourceClass: unknown): boolean => {
        const cls = resourceClass as { __pulumiType?: unknown; isInstance?: (o: unknown) => boolean } | undefined;
        if (cls && typeof cls.__pulumiType === "string" && cls.__pulumiType.length > 0) {
            return cls.__pulumiType === type;
        }
        return typeof cls?.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
    };
}

function freezeTags(tags: Record<string, string> = {}): ReadonlyMap<string, string> {
    return new Map(Object.entries(tags));
}

export function createResourceValidationArgs(policy: Policy, r: PolicyResourceLike, options: ArgsOptions = {}): ResourceValidationArgs {
    const props = propsFor(r);
    const isType = typeMatcher(r.type);
    return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: optionsFor(r),
        ...(options.provider ? { provider: options.provider } : {}),
        stackTags: freezeTags(options.stackTags),
        isType: (cls) => isType(cls),
        asType: ((cls: unknown) => (isType(cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => policyConfig(policy, options.config) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicableError(reason);
        },
    };
}

/** The stack's resources as the SDK builds them: parent, dependencies and propertyDependencies resolved. */
export function policyResources(resources: readonly PolicyResourceLike[]): PolicyResource[] {
    const built = new Map<string, PolicyResource>();
    for (const r of resources) {
        const props = propsFor(r);
        const isType = typeMatcher(r.type);
        built.set(r.urn, {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optionsFor(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isType(cls),
            asType: ((cls: unknown) => (isType(cls) ? props : undefined)) as PolicyResource["asType"],
        });
    }
    const lookup = (urns: readonly string[]) => urns.map((u) => built.get(u)).filter((x): x is PolicyResource => x !== undefined);
    for (const r of resources) {
        const b = built.get(r.urn)!;
        const parent = r.parent ?? r.opts?.parent;
        if (parent && built.has(parent)) b.parent = built.get(parent);
        b.dependencies = lookup([...new Set([...(r.dependencies ?? []), ...(r.opts?.dependsOn ?? [])])]);
        for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
            b.propertyDependencies[k] = lookup(urns);
        }
    }
    return [...built.values()];
}

export function createStackValidationArgs(
    policy: Policy,
    resources: readonly PolicyResourceLike[],
    options: ArgsOptions = {},
): StackValidationArgs {
    return {
        resources: policyResources(resources),
        stackTags: freezeTags(options.stackTags),
        getConfig: <T extends object>() => policyConfig(policy, options.config) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicableError(reason);
        },
    };
}

// ---- Running policies ----

export interface RunResult {
    /** Messages passed to reportViolation (without the description the server prepends). */
    messages: string[];
    violations: Violation[];
    /** Set when the policy called notApplicable. */
    notApplicable?: string;
}

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
    return "validateResource" in p && (p as ResourceValidationPolicy).validateResource !== undefined;
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}

async function collect(
    policy: Policy,
    level: EnforcementLevel,
    defaultUrn: string | undefined,
    run: (report: (message: string, urn?: string) => void) => Promise<void> | void,
): Promise<RunResult> {
    const result: RunResult = { messages: [], violations: [] };
    try {
        await run((message, urn) => {
            result.messages.push(message);
            result.violations.push({ policyName: policy.name, enforcementLevel: level, message, urn: urn ?? defaultUrn });
        });
    } catch (e) {
        if (e instanceof NotApplicableError) {
            result.notApplicable = e.reason ?? "not applicable";
        } else if (e instanceof UnknownValueError) {
            // What server.js does: the policy could not run, reported as advisory whatever its level.
            const message = `can't run policy '${policy.name}' during preview: ${e.message}`;
            result.messages.push(message);
            result.violations.push({ policyName: policy.name, enforcementLevel: "advisory", message, urn: defaultUrn });
        } else {
            throw e;
        }
    }
    return result;
}

export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    r: PolicyResourceLike,
    options: ArgsOptions = {},
    level: EnforcementLevel = policy.enforcementLevel ?? "advisory",
): Promise<RunResult> {
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    const merged: RunResult = { messages: [], violations: [] };
    for (const validate of validations) {
        if (!validate) continue;
        const res = await collect(policy, level, r.urn, (report) =>
            validate(createResourceValidationArgs(policy, r, options), (m) => report(m)),
        );
        merged.messages.push(...res.messages);
        merged.violations.push(...res.violations);
        merged.notApplicable ??= res.notApplicable;
    }
    return merged;
}

export async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: readonly PolicyResourceLike[],
    options: ArgsOptions = {},
    level: EnforcementLevel = policy.enforcementLevel ?? "advisory",
): Promise<RunResult> {
    return collect(policy, level, undefined, (report) =>
        policy.validateStack(createStackValidationArgs(policy, resources, options), report),
    );
}

/** Runs any policy: resource policies over each resource, stack policies once. */
export async function runPolicy(
    policy: Policy,
    resources: PolicyResourceLike | readonly PolicyResourceLike[],
    config?: Record<string, unknown>,
): Promise<RunResult> {
    const list = Array.isArray(resources) ? resources : [resources as PolicyResourceLike];
    if (isStackPolicy(policy)) return runStackPolicy(policy, list, { config });
    if (!isResourcePolicy(policy)) throw new Error(`${policy.name} is neither a resource nor a stack policy`);
    const merged: RunResult = { messages: [], violations: [] };
    for (const r of list) {
        const res = await runResourcePolicy(policy, r, { config });
        merged.messages.push(...res.messages);
        merged.violations.push(...res.violations);
        if (list.length === 1) merged.notApplicable = res.notApplicable;
    }
    return merged;
}

// ---- The pack ----

export const policiesDir = path.resolve(__dirname, "../../policies");

export interface LoadedPack {
    name: string;
    args: PolicyPackArgs;
    policies: (ResourceValidationPolicy | StackValidationPolicy)[];
}

let loaded: LoadedPack | undefined;

/**
 * Evaluates policies/index.ts with `PolicyPack` replaced by a recorder (the real one reads
 * package.json from the cwd and starts the analyzer's gRPC server), and returns what it assembled.
 */
export function loadPack(): LoadedPack {
    if (loaded) return loaded;
    const policyModulePath = require.resolve("@pulumi/policy/policy", { paths: [policiesDir] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the pack's own copy of @pulumi/policy, patched below
    const policyModule = require(policyModulePath) as { PolicyPack: unknown };
    const original = policyModule.PolicyPack;
    let captured: { name: string; args: PolicyPackArgs } | undefined;
    policyModule.PolicyPack = class RecordingPolicyPack {
        constructor(name: string, args: PolicyPackArgs) {
            captured = { name, args };
        }
    };
    try {
        const indexPath = require.resolve(path.join(policiesDir, "index.ts"));
        delete require.cache[indexPath];
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- re-evaluated on purpose, after its cache entry is deleted
        require(indexPath);
    } finally {
        policyModule.PolicyPack = original;
    }
    if (!captured) throw new Error("policies/index.ts did not construct a PolicyPack");
    loaded = { ...captured, policies: captured.args.policies };
    return loaded;
}

/** Per-policy entry of a pack config: its enforcement level override and its properties. */
function entryOf(config: PackConfig | undefined, name: string): { level?: EnforcementLevel; properties: Record<string, unknown> } {
    const entry = config?.[name];
    if (typeof entry === "string") return { level: entry as EnforcementLevel, properties: {} };
    if (entry && typeof entry === "object") {
        const { enforcementLevel, ...properties } = entry as Record<string, unknown>;
        return { level: enforcementLevel as EnforcementLevel | undefined, properties };
    }
    return { properties: {} };
}

/** Replaces the stack segment of a URN (`urn:pulumi:<stack>::...`). */
function withStack(urn: string, stack: string): string {
    return urn.replace(/^urn:pulumi:[^:]*::/, `urn:pulumi:${stack}::`);
}

/**
 * Runs every policy of the pack over the resources of one stack, the way `pulumi preview
 * --policy-pack policies --policy-pack-config <file>` would: resource policies on each resource,
 * stack policies once; configSchema defaults under `config` overrides; levels from the config, the
 * policy, then the pack; `disabled` policies skipped. URNs are rewritten to name `stack`, so
 * stack-scoped rules (production-data-protected) see the intended stack even under default mocks.
 */
export async function runPackOnResources(resources: PolicyResourceLike[], stack: string, config?: PackConfig): Promise<Violation[]> {
    const pack = loadPack();
    const fix = (u: string) => withStack(u, stack);
    const list: PolicyResourceLike[] = resources.map((r) => ({
        ...r,
        urn: fix(r.urn),
        opts: {
            ...r.opts,
            ...(r.opts?.parent ? { parent: fix(r.opts.parent) } : {}),
            ...(r.opts?.dependsOn ? { dependsOn: r.opts.dependsOn.map(fix) } : {}),
        },
        dependencies: (r.dependencies ?? []).map(fix),
        ...(r.parent ? { parent: fix(r.parent) } : {}),
        ...(r.propertyDependencies
            ? { propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, v.map(fix)])) }
            : {}),
    }));
    const violations: Violation[] = [];
    for (const policy of pack.policies) {
        const { level: configured, properties } = entryOf(config, policy.name);
        let level: EnforcementLevel = configured ?? policy.enforcementLevel ?? pack.args.enforcementLevel ?? "advisory";
        if (level === "disabled") continue;
        if (level === "remediate") level = "mandatory";
        if (isStackPolicy(policy)) {
            violations.push(...(await runStackPolicy(policy, list, { config: properties }, level)).violations);
        } else if (isResourcePolicy(policy)) {
            for (const r of list) {
                violations.push(...(await runResourcePolicy(policy, r, { config: properties }, level)).violations);
            }
        }
    }
    return violations;
}

/** The distinct policy names among violations, optionally of one level, sorted. */
export function policyNames(violations: readonly Violation[], level?: EnforcementLevel): string[] {
    return [...new Set(violations.filter((v) => !level || v.enforcementLevel === level).map((v) => v.policyName))].sort();
}
