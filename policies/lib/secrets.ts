/**
 * Which names are secret, from the shared env matrix (catalog/envMatrix.ts): every secret row of
 * the matrix, plus anything that looks like a credential (`secretLookingName`) unless the matrix
 * declares it non-secret (e.g. `SECRET_MANAGER_PROVIDER=aws` contains "SECRET" but is not one).
 */
import { envMatrix, isSecretEnvName, secretEnvNames } from "../../catalog/envMatrix";

/** Config every secret-name rule accepts, so a stack can extend or narrow the matrix. */
export interface SecretNameConfig {
    /** Extra names to treat as secret. */
    readonly additionalSecretNames: string[];
    /** Extra names to treat as non-secret even if they look like credentials. */
    readonly nonSecretNames: string[];
}

export const secretNameConfigProperties = {
    additionalSecretNames: {
        type: "array" as const,
        items: { type: "string" as const },
        default: [] as string[],
        description: "Names to treat as secret in addition to the env matrix and the credential pattern.",
    },
    nonSecretNames: {
        type: "array" as const,
        items: { type: "string" as const },
        default: [] as string[],
        description: "Names that look like credentials but are not secret (the matrix's non-secret rows are always included).",
    },
};

/** Names the matrix declares non-secret; a name that is secret in any row stays secret. */
const matrixNonSecret = new Set(envMatrix.filter((v) => !v.secret && !secretEnvNames.includes(v.name)).map((v) => v.name));

export function isSecretName(name: string, config?: Partial<SecretNameConfig>): boolean {
    if (secretEnvNames.includes(name) || (config?.additionalSecretNames ?? []).includes(name)) {
        return true;
    }
    if (matrixNonSecret.has(name) || (config?.nonSecretNames ?? []).includes(name)) {
        return false;
    }
    // One definition of "looks secret", shared with config validation (services.<p>.env refuses such names).
    return isSecretEnvName(name);
}

export const nextPublicPrefix = "NEXT_PUBLIC_";

/** The Supabase service-role key: only trusted processes may hold it. */
export { serviceRoleKeyName } from "../../catalog/envMatrix";
