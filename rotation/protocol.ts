/**
 * The Secrets Manager side of every rotation function of our own (docs/secret-rotation.md "Rotation
 * functions of our own"): AWS's four-step protocol, as its rotation template runs it, with the
 * knowledge of one kind of secret (how to read it, make the next value, install and check it) left to
 * a `RotationStrategy`.
 *
 * Secrets Manager invokes the function once per step, each with the same `ClientRequestToken` (the id
 * of the version being made, which it has already staged `AWSPENDING`), and retries a failed step:
 *  - createSecret: write the next value as that version, `AWSPENDING` (once: a retry finds it there);
 *  - setSecret: make the service accept the pending value (the strategy's `apply`, idempotent);
 *  - testSecret: check the pending value works (the strategy's `verify`);
 *  - finishSecret: move `AWSCURRENT` to the version (Secrets Manager then labels the old one `AWSPREVIOUS`).
 * Before any step the secret must have rotation enabled and the token must be one of its versions,
 * staged `AWSPENDING` (or already `AWSCURRENT`: the rotation finished, a late retry does nothing).
 *
 * This folder runs in Lambda: it imports node builtins, `@aws-sdk/*` (the runtime provides the SDK)
 * and other rotation/ files only; components/data/aws/rotationFunction.ts packages it. Nothing here
 * logs or throws a secret value.
 */

export type RotationStep = "createSecret" | "setSecret" | "testSecret" | "finishSecret";

export interface RotationEvent {
    readonly Step: RotationStep;
    readonly SecretId: string;
    readonly ClientRequestToken: string;
}

/** The part of Secrets Manager the protocol uses (an adapter over @aws-sdk/client-secrets-manager in Lambda, an in-memory fake in tests). */
export interface SecretsPort {
    /** Whether rotation is enabled, and each version's staging labels (versionId -> stages). */
    describe(secretId: string): Promise<{ rotationEnabled: boolean; versions: Readonly<Record<string, readonly string[]>> }>;
    /** The value of the version holding `stage` (and being `versionId`, when given); undefined: no such version. */
    getValue(secretId: string, stage: "AWSCURRENT" | "AWSPENDING", versionId?: string): Promise<string | undefined>;
    /** Writes `value` as version `versionId`, staged `AWSPENDING`. */
    putPending(secretId: string, versionId: string, value: string): Promise<void>;
    /** AWSCURRENT moves to versionId (from the version holding it). */
    promote(secretId: string, versionId: string): Promise<void>;
}

/** What one kind of secret knows; the protocol does the Secrets Manager bookkeeping. */
export interface RotationStrategy<T> {
    /** Reads a secret string; throws a clear Error naming what is wrong (never the value). */
    parse(secretString: string): T;
    serialize(value: T): string;
    /** createSecret: the new value. */
    next(current: T): T | Promise<T>;
    /** setSecret: make the service accept it (idempotent). */
    apply?(pending: T, current: T): Promise<void>;
    /** testSecret. */
    verify?(pending: T): Promise<void>;
}

export const rotationSteps: readonly RotationStep[] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

/** Runs one step of a rotation. Throws (so Secrets Manager retries, then marks the rotation failed) on any refusal. */
export async function rotate<T>(event: RotationEvent, secrets: SecretsPort, strategy: RotationStrategy<T>): Promise<void> {
    const { Step: step, SecretId: secretId, ClientRequestToken: token } = checkedEvent(event);
    const metadata = await secrets.describe(secretId);
    if (!metadata.rotationEnabled) throw new Error(`secret ${secretId} does not have rotation enabled: refusing step ${step}`);
    const stages = metadata.versions[token];
    if (stages === undefined) throw new Error(`secret ${secretId} has no version ${token}: refusing step ${step}`);
    if (stages.includes("AWSCURRENT")) {
        // The rotation this token started is finished (a retry arriving late): nothing left to do.
        log(step, secretId, token, "the version is already AWSCURRENT; nothing to do");
        return;
    }
    if (!stages.includes("AWSPENDING"))
        throw new Error(`secret ${secretId}'s version ${token} is not staged AWSPENDING: refusing step ${step}`);

    switch (step) {
        case "createSecret":
            return createSecret(secrets, strategy, secretId, token);
        case "setSecret": {
            if (strategy.apply === undefined) return log(step, secretId, token, "nothing to set for this kind of secret");
            const current = strategy.parse(await required(secrets, secretId, "AWSCURRENT"));
            await strategy.apply(strategy.parse(await required(secrets, secretId, "AWSPENDING", token)), current);
            return log(step, secretId, token, "the service accepts the pending value");
        }
        case "testSecret": {
            if (strategy.verify === undefined) return log(step, secretId, token, "nothing to test for this kind of secret");
            await strategy.verify(strategy.parse(await required(secrets, secretId, "AWSPENDING", token)));
            return log(step, secretId, token, "the pending value works");
        }
        case "finishSecret":
            await secrets.promote(secretId, token);
            return log(step, secretId, token, "AWSCURRENT moved to the version");
    }
}

async function createSecret<T>(secrets: SecretsPort, strategy: RotationStrategy<T>, secretId: string, token: string): Promise<void> {
    // The current value first: a secret without one cannot rotate (and this fails before anything is written).
    const current = strategy.parse(await required(secrets, secretId, "AWSCURRENT"));
    if ((await secrets.getValue(secretId, "AWSPENDING", token)) !== undefined) {
        // A retry of this step: the pending value is written already, and making another would change it.
        log("createSecret", secretId, token, "the pending version exists already");
        return;
    }
    const next = await strategy.next(current);
    await secrets.putPending(secretId, token, strategy.serialize(next));
    log("createSecret", secretId, token, "wrote the pending version");
}

async function required(secrets: SecretsPort, secretId: string, stage: "AWSCURRENT" | "AWSPENDING", versionId?: string): Promise<string> {
    const value = await secrets.getValue(secretId, stage, versionId);
    if (value === undefined)
        throw new Error(`secret ${secretId} has no ${stage} value${versionId === undefined ? "" : ` for version ${versionId}`}`);
    return value;
}

/** The event as Lambda hands it over (`unknown`), checked: a malformed one names the field. */
export function checkedEvent(event: unknown): RotationEvent {
    if (typeof event !== "object" || event === null) throw new Error("the rotation event must be an object");
    const e = event as Record<string, unknown>;
    for (const field of ["Step", "SecretId", "ClientRequestToken"] as const) {
        if (typeof e[field] !== "string" || e[field] === "") throw new Error(`the rotation event has no ${field}`);
    }
    if (!(rotationSteps as readonly unknown[]).includes(e.Step))
        throw new Error(`the rotation event's Step must be one of ${rotationSteps.join(", ")}, got ${String(e.Step)}`);
    return { Step: e.Step as RotationStep, SecretId: e.SecretId as string, ClientRequestToken: e.ClientRequestToken as string };
}

function log(step: RotationStep, secretId: string, token: string, what: string): void {
    // Identifiers only: CloudWatch Logs keep what a rotation function prints.
    console.log(JSON.stringify({ step, secretId, version: token, message: what }));
}

/**
 * The SDK v3 adapter. The client is loaded lazily (on the first call), so tests of the protocol and
 * the strategies never load or need AWS; in Lambda the runtime provides `@aws-sdk/client-secrets-manager`.
 */
export function awsSecretsPort(): SecretsPort {
    type Sdk = typeof import("@aws-sdk/client-secrets-manager");
    let loaded: { sdk: Sdk; client: InstanceType<Sdk["SecretsManagerClient"]> } | undefined;
    const sm = async () => {
        if (loaded === undefined) {
            const sdk = await import("@aws-sdk/client-secrets-manager");
            // SECRETS_MANAGER_ENDPOINT, when set, points the client at a VPC endpoint (AWS's templates do the same).
            const endpoint = process.env.SECRETS_MANAGER_ENDPOINT;
            loaded = { sdk, client: new sdk.SecretsManagerClient(endpoint ? { endpoint } : {}) };
        }
        return loaded;
    };
    return {
        async describe(secretId) {
            const { sdk, client } = await sm();
            const out = await client.send(new sdk.DescribeSecretCommand({ SecretId: secretId }));
            return { rotationEnabled: out.RotationEnabled === true, versions: out.VersionIdsToStages ?? {} };
        },
        async getValue(secretId, stage, versionId) {
            const { sdk, client } = await sm();
            try {
                const out = await client.send(
                    new sdk.GetSecretValueCommand({
                        SecretId: secretId,
                        VersionStage: stage,
                        ...(versionId ? { VersionId: versionId } : {}),
                    }),
                );
                return out.SecretString;
            } catch (e) {
                if (e instanceof sdk.ResourceNotFoundException) return undefined;
                throw e;
            }
        },
        async putPending(secretId, versionId, value) {
            const { sdk, client } = await sm();
            await client.send(
                new sdk.PutSecretValueCommand({
                    SecretId: secretId,
                    ClientRequestToken: versionId,
                    SecretString: value,
                    VersionStages: ["AWSPENDING"],
                }),
            );
        },
        async promote(secretId, versionId) {
            const { sdk, client } = await sm();
            const out = await client.send(new sdk.DescribeSecretCommand({ SecretId: secretId }));
            const holder = Object.entries(out.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"))?.[0];
            if (holder === versionId) return;
            await client.send(
                new sdk.UpdateSecretVersionStageCommand({
                    SecretId: secretId,
                    VersionStage: "AWSCURRENT",
                    MoveToVersionId: versionId,
                    ...(holder ? { RemoveFromVersionId: holder } : {}),
                }),
            );
        },
    };
}
