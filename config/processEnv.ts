/**
 * Extra variables per process from stack config: `services.<process>.env` (plain values, written into
 * the container's env) and `services.<process>.secretEnv` (set with `pulumi config set --secret`;
 * they reach the process through its own Kubernetes Secret, and on AWS its Secrets Manager secret).
 * This is how the guides' variables that the catalog does not model get in: a webhook signing
 * secret, third-party API keys, an incident kill switch.
 *
 * Every rule of the env matrix (catalog/envMatrix.ts) still holds, and this file refuses what
 * would break one, naming the key and the fix:
 *  - a secret-looking name (the one definition, `isSecretEnvName`) is never a plain `env` entry, nor
 *    is a value stored with --secret or one that looks like a credential;
 *  - nothing in `secretEnv` is `NEXT_PUBLIC_*` (those are published to every browser);
 *  - the Supabase service-role key reaches the trusted processes only, under any name;
 *  - a name the catalog already owns (a matrix row, an OAuth client variable) is not overridden:
 *    its value comes from its own source, or its env group is given to the process in the catalog.
 * No rule here prints a value: problems name keys only.
 */
import {
    envMatrix,
    isSecretEnvName,
    oauthClientIdPattern,
    oauthClientSecretPattern,
    serviceRoleKeyName,
    serviceRoleTrustedProcesses,
    type EnvVarSpec,
} from "../catalog/envMatrix";
import type { ProcessSpec } from "../catalog/processes";
import { looksSecret, supabaseKeyRole } from "./credentials";
import { problem, type Problem } from "./errors";
import type { RawConfig } from "./schema";

/** What a value of `env` or `secretEnv` may be in stack config; it reaches the process as a string. */
export type EnvValue = string | number | boolean;

export const nextPublicPrefix = "NEXT_PUBLIC_";

/** Where a catalog-owned variable's value is set instead, for the refusal's fix. */
function sourceOf(row: EnvVarSpec): string {
    const s = row.source;
    switch (s.kind) {
        case "constant":
            return `it is fixed to ${JSON.stringify(s.value)} on every stack`;
        case "config":
            return `set ${s.ref} instead`;
        case "configSecret":
            return `set ${s.ref} instead (pulumi config set --secret ${s.ref} ...)`;
        case "data":
            return "it comes from the data tier (components/data/dataTier.ts)";
        case "derived":
            return "it is derived from the stack's domain and flags";
    }
}

/**
 * Why the catalog owns `name` for `spec`, as the rest of a refusal; undefined when it does not. A name
 * of another env group is owned too: giving it to a process is a catalog change, reviewed like code.
 */
function ownership(name: string, spec: ProcessSpec): string | undefined {
    const rows = envMatrix.filter((r) => r.name === name);
    const own = rows.find((r) => spec.envGroups.includes(r.group));
    if (own !== undefined) {
        return `is set by the catalog for ${spec.name} (env group ${own.group}) and cannot be overridden here: remove it; ${sourceOf(own)}`;
    }
    if (rows.length > 0) {
        const groups = [...new Set(rows.map((r) => r.group))].join(", ");
        return `belongs to the catalog's env group ${groups}, which ${spec.name} does not have: remove it, or add the group to ${spec.name}'s envGroups in catalog/processes.ts (reviewed like code)`;
    }
    if (oauthClientIdPattern.test(name) || oauthClientSecretPattern.test(name)) {
        const key = oauthClientIdPattern.test(name) ? `oauthClientIds.${name}` : `oauthClientSecrets.${name}`;
        return spec.envGroups.includes("oauth")
            ? `is an OAuth client variable, which the catalog sets for ${spec.name}: remove it and set ${key} instead`
            : `is an OAuth client variable of the catalog's oauth env group, which ${spec.name} does not have: remove it, or add the group in catalog/processes.ts`;
    }
    return undefined;
}

/** Problems with `services.<process>.env` and `.secretEnv`, one per key. */
export function processEnvProblems(
    cfg: RawConfig,
    catalog: readonly ProcessSpec[],
    isPlaintext: (path: readonly string[]) => boolean,
): Problem[] {
    const out: Problem[] = [];
    const serviceRoleKey = cfg.supabaseServiceRoleKey;
    for (const [process, svc] of Object.entries(cfg.services)) {
        const spec = catalog.find((p) => p.name === process);
        // An unknown process is reported by the catalog rule (config/rules.ts).
        if (spec === undefined) continue;
        const env = svc.env ?? {};
        const secretEnv = svc.secretEnv ?? {};
        const trusted = serviceRoleTrustedProcesses.includes(process);
        const serviceRole =
            `must never reach ${process}: the Supabase service-role key bypasses row-level security and reaches ` +
            `only ${serviceRoleTrustedProcesses.join(" and ")} (guides: trusted services only), whose supabaseServiceRoleKey the catalog sets`;

        for (const [name, value] of Object.entries(env)) {
            const key = ["services", process, "env", name];
            const secretKey = `services.${process}.secretEnv.${name}`;
            const owned = ownership(name, spec);
            if (name === serviceRoleKeyName && !trusted) out.push(problem(key, serviceRole));
            else if (owned !== undefined) out.push(problem(key, owned));
            else if (secretEnv[name] !== undefined)
                out.push(
                    problem(key, `is also set in services.${process}.secretEnv: set it in one place; a secret belongs in secretEnv only`),
                );
            else if (isSecretEnvName(name)) {
                out.push(
                    problem(
                        key,
                        `looks like a secret by its name, and env is written into the Deployment in plaintext: remove it from env and ` +
                            `set it with pulumi config set --secret --path '${secretKey}' ...`,
                    ),
                );
            } else if (!isPlaintext(key)) {
                out.push(
                    problem(
                        key,
                        `is stored with --secret, but env is written into the Deployment in plaintext: move it to ` +
                            `services.${process}.secretEnv (pulumi config set --secret --path '${secretKey}' ...)`,
                    ),
                );
            } else if (looksSecret(String(value)) || (serviceRoleKey !== undefined && String(value) === serviceRoleKey)) {
                out.push(
                    problem(
                        key,
                        `holds what looks like a credential, and env is written into the Deployment in plaintext: remove it from env and ` +
                            `set it with pulumi config set --secret --path '${secretKey}' ...`,
                    ),
                );
            }
        }

        for (const [name, value] of Object.entries(secretEnv)) {
            const key = ["services", process, "secretEnv", name];
            const owned = ownership(name, spec);
            const holdsServiceRole =
                typeof value === "string" &&
                (supabaseKeyRole(value) === "service_role" || (serviceRoleKey !== undefined && value === serviceRoleKey));
            if ((name === serviceRoleKeyName || holdsServiceRole) && !trusted) out.push(problem(key, serviceRole));
            else if (owned !== undefined) out.push(problem(key, owned));
            else if (name.startsWith(nextPublicPrefix)) {
                out.push(
                    problem(
                        key,
                        `must not start with ${nextPublicPrefix}: such variables are published to every browser, and nothing secret may be; ` +
                            `drop the prefix to keep it on the server, or put a publishable value in services.${process}.env`,
                    ),
                );
            }
        }
    }
    return out;
}

/** Plain extra variables of a process, as strings (validated by processEnvProblems first). */
export function extraEnv(values: Readonly<Record<string, EnvValue>> | undefined): Record<string, string> {
    return Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, String(value)]));
}
