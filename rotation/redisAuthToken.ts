/**
 * The rotation of an ElastiCache auth token (docs/secret-rotation.md "Redis auth tokens"): the secret
 * `grownext/<stack>/redis-<role>` holds `{replicationGroupId, host, port, password}`, and this strategy
 * runs inside AWS's four-step protocol (rotation/protocol.ts):
 *  - createSecret: a new 64-character alphanumeric token (node:crypto; ElastiCache takes 16 to 128
 *    printable characters, and alphanumeric keeps `rediss://:token@host:6379` plain);
 *  - setSecret: `ModifyReplicationGroup` with `AuthTokenUpdateStrategy: ROTATE` and `ApplyImmediately`.
 *    ROTATE adds the new token beside the one in use: both are accepted afterwards, so pods still on the
 *    old token keep connecting until ESO re-syncs their Secret and Reloader rolls them. ElastiCache keeps
 *    at most two tokens, so the next ROTATE (a rotation later) drops the token from before this one,
 *    which no pod has used since this rotation's rollout. We never send SET (which leaves only the new
 *    token, cutting off pods not yet rolled): the previous token stays valid until the next rotation;
 *  - testSecret: a TLS connection to the primary endpoint sending `AUTH <pending>`, expecting `+OK`.
 * Idempotent: setSecret first asks the group; while it is `modifying` (this token, or any other change,
 * still being applied) it throws, and Secrets Manager retries the rotation later; once `available`, a
 * group that already accepts the pending token is left alone. testSecret likewise waits for `available`.
 *
 * ElastiCache is reached through `ElastiCachePort` (the SDK v3 client, loaded lazily; a fake in tests).
 * Nothing here logs or throws a token.
 */
import { randomInt } from "node:crypto";
import { isIP } from "node:net";
import * as tls from "node:tls";
import { awsSecretsPort, rotate, type RotationStrategy, type SecretsPort } from "./protocol";

/** The secret's JSON. */
export interface RedisAuthToken {
    readonly replicationGroupId: string;
    /** The group's primary endpoint. */
    readonly host: string;
    readonly port: number;
    readonly password: string;
}

/** Length of a token this function makes (ElastiCache: 16 to 128 printable characters). */
export const redisTokenLength = 64;
const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** A token ElastiCache accepts: 16 to 128 characters, letters, digits and `! & # $ ^ < > -` only (its AUTH docs). */
const acceptedToken = /^[A-Za-z0-9!&#$^<>-]{16,128}$/;

/** A new token: `redisTokenLength` characters drawn uniformly (randomInt) from letters and digits. */
export function newRedisToken(): string {
    let out = "";
    for (let i = 0; i < redisTokenLength; i++) out += tokenAlphabet[randomInt(tokenAlphabet.length)];
    return out;
}

/** What the rotation needs to know of a replication group. */
export interface ReplicationGroupState {
    /** `available`, `modifying`, `creating`, ... */
    readonly status: string;
    readonly authTokenEnabled: boolean;
    /** When ElastiCache last changed its tokens (logged, to tell rotations apart). */
    readonly authTokenLastModified?: Date;
}

/** The part of ElastiCache the rotation uses. */
export interface ElastiCachePort {
    describe(replicationGroupId: string): Promise<ReplicationGroupState>;
    /** ModifyReplicationGroup: AuthToken = token, AuthTokenUpdateStrategy ROTATE, ApplyImmediately. */
    rotateAuthToken(replicationGroupId: string, token: string): Promise<void>;
}

/** Redis answered AUTH with an error (`-WRONGPASS ...`): the token is not accepted. */
export class RedisAuthRefused extends Error {}

/**
 * Opens TLS to host:port (certificate verified; `ca` for a private CA) and sends RESP `AUTH <password>`.
 * Resolves on `+OK`; rejects with `RedisAuthRefused` naming Redis's error code on `-...`, and with a
 * plain Error when TLS fails, the server closes without answering, or nothing comes within `timeoutMs`.
 */
export function redisAuth(
    target: Pick<RedisAuthToken, "host" | "port" | "password">,
    opts: { readonly ca?: string | Buffer; readonly timeoutMs?: number } = {},
): Promise<void> {
    const where = `${target.host}:${target.port}`;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
        let settled = false;
        let received = "";
        const socket = tls.connect({
            host: target.host,
            port: target.port,
            // SNI takes a host name only.
            ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
            ...(opts.ca === undefined ? {} : { ca: opts.ca }),
        });
        const done = (error?: Error) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            if (error) reject(error);
            else resolve();
        };
        const timer = setTimeout(() => done(new Error(`Redis at ${where} did not answer AUTH within ${timeoutMs} ms`)), timeoutMs);
        socket.once("secureConnect", () => {
            const arg = Buffer.from(target.password, "utf8");
            socket.write(Buffer.concat([Buffer.from(`*2\r\n$4\r\nAUTH\r\n$${arg.length}\r\n`), arg, Buffer.from("\r\n")]));
        });
        socket.on("data", (chunk: Buffer) => {
            received += chunk.toString("latin1");
            const end = received.indexOf("\r\n");
            if (end < 0) return;
            const line = received.slice(0, end);
            if (line === "+OK") return done();
            if (line.startsWith("-")) {
                // Only the error code (WRONGPASS, NOAUTH, ERR): Redis's text never holds the token, but stay terse.
                const code = line.slice(1).split(" ")[0] ?? "";
                return done(new RedisAuthRefused(`Redis at ${where} refused the token: ${code}`));
            }
            done(new Error(`Redis at ${where} answered AUTH with something other than +OK or an error`));
        });
        socket.once("error", (e: Error) => done(new Error(`TLS connection to Redis at ${where} failed: ${e.message}`)));
        socket.once("close", () => done(new Error(`Redis at ${where} closed the connection before answering AUTH`)));
    });
}

/** Reads the secret's JSON; a problem names the field, never a value. */
export function parseRedisAuthToken(secretString: string): RedisAuthToken {
    let v: unknown;
    try {
        v = JSON.parse(secretString);
    } catch {
        throw new Error("the Redis auth token secret is not JSON: expected {replicationGroupId, host, port, password}");
    }
    if (typeof v !== "object" || v === null || Array.isArray(v))
        throw new Error("the Redis auth token secret must be a JSON object {replicationGroupId, host, port, password}");
    const o = v as Record<string, unknown>;
    for (const field of ["replicationGroupId", "host", "password"] as const) {
        if (typeof o[field] !== "string" || o[field] === "") throw new Error(`the Redis auth token secret has no ${field} (a string)`);
    }
    const port = o.port;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
        throw new Error("the Redis auth token secret's port must be an integer 1..65535");
    if (!acceptedToken.test(o.password as string))
        throw new Error(
            "the Redis auth token secret's password is not a valid ElastiCache token (16 to 128 letters, digits or ! & # $ ^ < > -)",
        );
    return { replicationGroupId: o.replicationGroupId as string, host: o.host as string, port, password: o.password as string };
}

/** The secret's JSON, fields in a fixed order. */
export function serializeRedisAuthToken(t: RedisAuthToken): string {
    return JSON.stringify({ replicationGroupId: t.replicationGroupId, host: t.host, port: t.port, password: t.password });
}

/** The strategy, over an ElastiCache port and a way to try a token (redisAuth by default). */
export function redisAuthTokenStrategy(ports: {
    readonly elasticache: ElastiCachePort;
    readonly authenticate?: (t: RedisAuthToken) => Promise<void>;
}): RotationStrategy<RedisAuthToken> {
    const authenticate = ports.authenticate ?? ((t: RedisAuthToken) => redisAuth(t));
    /** The group, refusing (so Secrets Manager retries) until it is available with AUTH on. */
    const available = async (id: string, step: string): Promise<ReplicationGroupState> => {
        const state = await ports.elasticache.describe(id);
        if (state.status === "modifying")
            throw new Error(
                `replication group ${id} is modifying (a token change or another modification is being applied): ${step} waits; Secrets Manager retries the rotation`,
            );
        if (state.status !== "available")
            throw new Error(
                `replication group ${id} is ${state.status}, not available: ${step} waits; Secrets Manager retries the rotation`,
            );
        if (!state.authTokenEnabled) throw new Error(`replication group ${id} has no AUTH token enabled: there is nothing to rotate`);
        return state;
    };
    return {
        parse: parseRedisAuthToken,
        serialize: serializeRedisAuthToken,
        next(current) {
            let password = newRedisToken();
            while (password === current.password) password = newRedisToken();
            return { ...current, password };
        },
        async apply(pending, current) {
            if (pending.replicationGroupId !== current.replicationGroupId || pending.host !== current.host || pending.port !== current.port)
                throw new Error(
                    `the pending version names another replication group or endpoint than the current one (${current.replicationGroupId}): a rotation changes the password only`,
                );
            const id = pending.replicationGroupId;
            const state = await available(id, "setSecret");
            try {
                await authenticate(pending);
                // A retry after the change was applied: ElastiCache already accepts the token.
                console.log(
                    JSON.stringify({
                        replicationGroupId: id,
                        message: "the group already accepts the pending token; nothing to modify",
                        authTokenLastModified: state.authTokenLastModified?.toISOString(),
                    }),
                );
                return;
            } catch (e) {
                if (!(e instanceof RedisAuthRefused)) throw e;
            }
            await ports.elasticache.rotateAuthToken(id, pending.password);
        },
        async verify(pending) {
            await available(pending.replicationGroupId, "testSecret");
            await authenticate(pending);
        },
    };
}

/**
 * The SDK v3 adapter, loaded on the first call (the Lambda runtime provides `@aws-sdk/client-elasticache`).
 */
export function awsElastiCachePort(): ElastiCachePort {
    type Sdk = typeof import("@aws-sdk/client-elasticache");
    let loaded: { sdk: Sdk; client: InstanceType<Sdk["ElastiCacheClient"]> } | undefined;
    const ec = async () => {
        if (loaded === undefined) {
            const sdk = await import("@aws-sdk/client-elasticache");
            loaded = { sdk, client: new sdk.ElastiCacheClient({}) };
        }
        return loaded;
    };
    return {
        async describe(replicationGroupId) {
            const { sdk, client } = await ec();
            const out = await client.send(new sdk.DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }));
            const group = out.ReplicationGroups?.[0];
            if (group === undefined) throw new Error(`replication group ${replicationGroupId} does not exist`);
            return {
                status: group.Status ?? "unknown",
                authTokenEnabled: group.AuthTokenEnabled === true,
                authTokenLastModified: group.AuthTokenLastModifiedDate,
            };
        },
        async rotateAuthToken(replicationGroupId, token) {
            const { sdk, client } = await ec();
            await client.send(
                new sdk.ModifyReplicationGroupCommand({
                    ReplicationGroupId: replicationGroupId,
                    AuthToken: token,
                    AuthTokenUpdateStrategy: "ROTATE",
                    ApplyImmediately: true,
                }),
            );
        },
    };
}

/** One step of a rotation, over the given ports (tests pass fakes). */
export async function rotateRedisAuthToken(event: unknown, secrets: SecretsPort, elasticache: ElastiCachePort): Promise<void> {
    await rotate(event as Parameters<typeof rotate>[0], secrets, redisAuthTokenStrategy({ elasticache }));
}

/** What Secrets Manager invokes. */
export async function handler(event: unknown): Promise<void> {
    await rotateRedisAuthToken(event, awsSecretsPort(), awsElastiCachePort());
}
