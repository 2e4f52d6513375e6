/**
 * Builds each process's environment from the env matrix (catalog/envMatrix.ts): plain variables
 * become literal env entries, secret ones go into the process's own Kubernetes Secret. Pure
 * functions, so tests call them directly.
 */
import * as pulumi from "@pulumi/pulumi";
import { envMatrix, oauthClientSecretPattern, type EnvVarSpec } from "../catalog/envMatrix";
import type { ProcessSpec } from "../catalog/processes";
import type { PlatformConfig } from "../config/load";
import { databaseOfRef, type DatabaseName, type DataEnvKey } from "./dataContract";

/** Every value a matrix `ref` can name, for one stack. Undefined means "not configured". */
export type EnvValues = Readonly<Record<string, pulumi.Input<string> | undefined>>;

export interface ProcessEnv {
    /** Literal, non-secret variables. */
    readonly plain: ReadonlyArray<{ readonly name: string; readonly value: pulumi.Input<string> }>;
    /** Secret variables: name → value; they reach the process only through its own Secret. */
    readonly secret: Readonly<Record<string, pulumi.Input<string>>>;
}

/** The dictionary the matrix's `config`, `configSecret`, `derived` and `data` refs resolve against. */
export function envValues(
    cfg: PlatformConfig,
    data: Readonly<Record<DataEnvKey, pulumi.Input<string>>>,
    secretManagerProvider: string | undefined,
): EnvValues {
    const secret = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
    return {
        "supabase.url": cfg.supabase.url,
        "supabase.anonKey": cfg.supabase.anonKey,
        "identity.productSlug": cfg.identity.productSlug,
        "identity.jwtPublicKey": cfg.identity.jwtPublicKey,
        // Left out when empty, so a stack that is not rotating keeps exactly its former env.
        "identity.previousJwtPublicKeys": cfg.identity.previousJwtPublicKeys?.length
            ? cfg.identity.previousJwtPublicKeys.join("\n")
            : undefined,
        sentryDsn: cfg.sentryDsn,
        supabaseServiceRoleKey: secret(cfg.secrets.supabaseServiceRoleKey),
        identityJwtPrivateKey: secret(cfg.secrets.identityJwtPrivateKey),
        stripeSecretKey: secret(cfg.secrets.stripeSecretKey),
        stripeWebhookSecret: secret(cfg.secrets.stripeWebhookSecret),
        identityUrl: cfg.urls.identity,
        identityIssuer: cfg.urls.identity,
        cookieDomain: cfg.domain,
        secretManagerProvider,
        genericExecutorEnabled: String(cfg.genericExecutorEnabled),
        ...data,
    };
}

function refOf(spec: EnvVarSpec): string | undefined {
    return spec.source.kind === "constant" ? undefined : spec.source.ref;
}

/**
 * The environment of one process: the matrix rows of its env groups, plus OAuth clients when it has
 * that group, plus its extra `services.<name>.env` (plain) and `.secretEnv` (into its Secret), which
 * config validation has already checked against the matrix (config/processEnv.ts).
 */
export function processEnv(process: ProcessSpec, values: EnvValues, cfg: PlatformConfig): ProcessEnv {
    const plain: Array<{ name: string; value: pulumi.Input<string> }> = [];
    const secret: Record<string, pulumi.Input<string>> = {};
    for (const row of envMatrix.filter((r) => process.envGroups.includes(r.group))) {
        const value = row.source.kind === "constant" ? row.source.value : values[refOf(row)!];
        if (value === undefined) {
            if (row.required) {
                throw new pulumi.RunError(`${row.name} for ${process.name} has no value: the platform did not provide "${refOf(row)}"`);
            }
            continue;
        }
        if (row.secret) secret[row.name] = value;
        else plain.push({ name: row.name, value });
    }
    if (process.envGroups.includes("oauth")) {
        for (const [name, value] of Object.entries(cfg.oauthClientIds)) plain.push({ name, value });
        for (const [name, value] of Object.entries(cfg.secrets.oauthClientSecrets)) {
            if (oauthClientSecretPattern.test(name)) secret[name] = pulumi.secret(value);
        }
    }
    const taken = (name: string) => plain.some((p) => p.name === name) || secret[name] !== undefined;
    const extraPlain = cfg.services.find((s) => s.spec.name === process.name)?.env ?? {};
    const extraSecret = cfg.secrets.processSecretEnv[process.name] ?? {};
    for (const [name, value] of [...Object.entries(extraPlain), ...Object.entries(extraSecret)]) {
        // Validation refuses these; a config built without it must not override the catalog silently either.
        if (taken(name))
            throw new Error(
                `services.${process.name} sets ${name}, which the catalog already sets for ${process.name}: remove it from env/secretEnv`,
            );
        if (extraSecret[name] !== undefined) secret[name] = pulumi.secret(value);
        else plain.push({ name, value });
    }
    return { plain, secret };
}

/** The data ref (catalog/envMatrix.ts `data(...)`) each of a process's env keys takes its value from. */
export function dataRefOfEnvKeys(process: Pick<ProcessSpec, "envGroups">): Record<string, DataEnvKey> {
    const out: Record<string, DataEnvKey> = {};
    for (const row of envMatrix) {
        if (process.envGroups.includes(row.group) && row.source.kind === "data") out[row.name] = row.source.ref as DataEnvKey;
    }
    return out;
}

/** The database each of a process's env keys connects to, for the keys that hold a Postgres URL. */
export function databaseOfEnvKeys(process: Pick<ProcessSpec, "envGroups">): Record<string, DatabaseName> {
    const out: Record<string, DatabaseName> = {};
    for (const row of envMatrix) {
        if (!process.envGroups.includes(row.group) || row.source.kind !== "data") continue;
        const database = databaseOfRef[row.source.ref as DataEnvKey];
        if (database !== undefined) out[row.name] = database;
    }
    return out;
}
