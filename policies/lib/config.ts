/**
 * Policy configuration: thresholds live in each policy's `configSchema` with defaults, read with
 * `args.getConfig()`. The Pulumi CLI fills schema defaults before it configures the pack, but the
 * SDK's `getConfig()` returns `{}` when a policy has no config at all (for instance when the pack is
 * run without `--policy-pack-config`), so every policy reads its config through `readConfig`, which
 * applies the schema defaults itself. One visible place for defaults.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";

/** The defaults declared in a config schema, by property. */
export function schemaDefaults(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!schema) return out;
    for (const [key, prop] of Object.entries(schema.properties)) {
        if (prop.default !== undefined) {
            out[key] = prop.default;
        }
    }
    return out;
}

/** `args.getConfig()` layered over the schema's defaults. */
export function readConfig<T extends object>(args: { getConfig<C extends object>(): C }, schema: PolicyConfigSchema): T {
    const given = args.getConfig<Record<string, unknown>>() ?? {};
    const merged: Record<string, unknown> = { ...schemaDefaults(schema) };
    for (const [key, value] of Object.entries(given)) {
        if (key !== "enforcementLevel" && value !== undefined) {
            merged[key] = value;
        }
    }
    return merged as T;
}

/** A `string[]` config property with a default. */
export function stringList(description: string, defaults: readonly string[]) {
    return { type: "array" as const, items: { type: "string" as const }, default: [...defaults], description };
}

/**
 * The scope guard of a stack policy configured with a `stacks` list: the reason to give
 * `args.notApplicable` when the stack is not one of them (or has no name), else undefined.
 * `duty` completes "Only stacks production ..." with what those stacks must do.
 */
export function outsideStacks(stackName: string | undefined, stacks: readonly string[], duty: string): string | undefined {
    return stackName !== undefined && stacks.includes(stackName) ? undefined : `Only stacks ${stacks.join(", ")} ${duty}`;
}
