/**
 * The Redis auth token rotation (rotation/redisAuthToken.ts): the strategy against a fake ElastiCache
 * that keeps ElastiCache's token semantics (ROTATE adds a token beside the current one, at most two are
 * accepted, the group is `modifying` until the change is applied), whole rotations through the protocol
 * with an in-memory Secrets Manager, and `redisAuth` against a real TLS server on loopback speaking
 * RESP, with a certificate made at run time.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import { rotate, type RotationEvent } from "../../rotation/protocol";
import {
    newRedisToken,
    parseRedisAuthToken,
    redisAuth,
    RedisAuthRefused,
    redisAuthTokenStrategy,
    redisTokenLength,
    serializeRedisAuthToken,
    type ElastiCachePort,
    type RedisAuthToken,
    type ReplicationGroupState,
} from "../../rotation/redisAuthToken";
import { createLoopbackCertificates, type LoopbackCertificates } from "../../sandbox/loopback/certificates";
import { FakeSecretsPort } from "./fakeSecretsPort";

const groupId = "grownext-production-queue";

/** What the code under test logs (CloudWatch keeps it in Lambda), captured instead of printed. */
let logged: string[] = [];
/** Captures console.log around each test of the calling describe. */
function captureLogs(): void {
    const realLog = console.log;
    beforeEach(() => {
        logged = [];
        console.log = (...a: unknown[]) => void logged.push(a.map(String).join(" "));
    });
    afterEach(() => {
        console.log = realLog;
    });
}

/** ElastiCache as the rotation sees it: tokens accepted, status, and every ModifyReplicationGroup. */
class FakeElastiCache implements ElastiCachePort {
    status = "available";
    accepted: string[];
    readonly modifications: string[] = [];
    lastModified = new Date(0);

    constructor(initial: string) {
        this.accepted = [initial];
    }

    describe(id: string): Promise<ReplicationGroupState> {
        if (id !== groupId) return Promise.reject(new Error(`ReplicationGroupNotFoundFault: ${id}`));
        return Promise.resolve({ status: this.status, authTokenEnabled: true, authTokenLastModified: this.lastModified });
    }

    rotateAuthToken(id: string, token: string): Promise<void> {
        if (id !== groupId) return Promise.reject(new Error(`ReplicationGroupNotFoundFault: ${id}`));
        if (this.status !== "available") return Promise.reject(new Error(`InvalidReplicationGroupStateFault: ${id} is ${this.status}`));
        this.modifications.push(token);
        this.status = "modifying";
        return Promise.resolve();
    }

    /** The modification completes: ROTATE keeps the newest token before it and adds the new one (two at most). */
    finishModifying(): void {
        const token = this.modifications[this.modifications.length - 1]!;
        this.accepted = [...this.accepted.slice(-1), token];
        this.lastModified = new Date(this.lastModified.getTime() + 1000);
        this.status = "available";
    }

    /** What `AUTH <password>` answers. */
    authenticate = (t: RedisAuthToken): Promise<void> =>
        this.accepted.includes(t.password)
            ? Promise.resolve()
            : Promise.reject(new RedisAuthRefused(`Redis at ${t.host}:${t.port} refused the token: WRONGPASS`));
}

const current = (password: string): RedisAuthToken => ({
    replicationGroupId: groupId,
    host: "master.q.cache.amazonaws.com",
    port: 6379,
    password,
});

describe("Redis auth token rotation: the strategy", () => {
    captureLogs();
    it("makes 64-character alphanumeric tokens, a new one each time, and keeps the group and endpoint", async () => {
        const first = newRedisToken();
        assert.strictEqual(redisTokenLength, 64);
        assert.match(first, /^[A-Za-z0-9]{64}$/);
        const tokens = new Set(Array.from({ length: 50 }, () => newRedisToken()));
        assert.strictEqual(tokens.size, 50);
        const strategy = redisAuthTokenStrategy({ elasticache: new FakeElastiCache(first) });
        const next = await strategy.next(current(first));
        assert.notStrictEqual(next.password, first);
        assert.deepStrictEqual({ ...next, password: first }, current(first));
    });

    it("reads and writes the secret's JSON, and names what is wrong without printing a value", () => {
        const token = newRedisToken();
        assert.deepStrictEqual(parseRedisAuthToken(serializeRedisAuthToken(current(token))), current(token));
        const bad = (s: string, pattern: RegExp) =>
            assert.throws(
                () => parseRedisAuthToken(s),
                (e: Error) => pattern.test(e.message) && !e.message.includes(token),
            );
        bad(`not json ${token}`, /is not JSON/);
        bad(JSON.stringify({ host: "h", port: 6379, password: token }), /has no replicationGroupId/);
        bad(JSON.stringify({ ...current(token), port: "6379" }), /port must be an integer/);
        bad(JSON.stringify({ ...current(token), password: `${token}@` }), /not a valid ElastiCache token/);
        bad(JSON.stringify({ ...current(token), password: "short" }), /not a valid ElastiCache token/);
    });

    it("applies with ROTATE once, refuses while the group is modifying, and leaves a group that accepts the token alone", async () => {
        const old = newRedisToken();
        const ec = new FakeElastiCache(old);
        const strategy = redisAuthTokenStrategy({ elasticache: ec, authenticate: ec.authenticate });
        const pending = await strategy.next(current(old));

        await strategy.apply!(pending, current(old));
        assert.deepStrictEqual(ec.modifications, [pending.password]);
        // A retry while the change is applied: a clear error, so Secrets Manager retries; no second modification.
        await assert.rejects(strategy.apply!(pending, current(old)), /is modifying .*Secrets Manager retries the rotation/);
        await assert.rejects(strategy.verify!(pending), /is modifying .*testSecret waits/);
        ec.finishModifying();
        // A retry once applied: the group already accepts the token; nothing is modified again.
        await strategy.apply!(pending, current(old));
        assert.deepStrictEqual(ec.modifications, [pending.password]);
        await strategy.verify!(pending);
        // Both tokens work: pods not yet rolled keep connecting with the old one.
        assert.deepStrictEqual(ec.accepted, [old, pending.password]);
    });

    it("refuses a pending version for another group, and a group that is neither available nor modifying", async () => {
        const old = newRedisToken();
        const ec = new FakeElastiCache(old);
        const strategy = redisAuthTokenStrategy({ elasticache: ec, authenticate: ec.authenticate });
        await assert.rejects(
            strategy.apply!({ ...current(newRedisToken()), replicationGroupId: "other" }, current(old)),
            /another replication group or endpoint .*changes the password only/,
        );
        ec.status = "snapshotting";
        await assert.rejects(strategy.apply!(current(newRedisToken()), current(old)), /is snapshotting, not available/);
        assert.deepStrictEqual(ec.modifications, []);
    });

    it("lets a network failure of the check through instead of modifying blindly", async () => {
        const old = newRedisToken();
        const ec = new FakeElastiCache(old);
        const strategy = redisAuthTokenStrategy({
            elasticache: ec,
            authenticate: () => Promise.reject(new Error("TLS connection to Redis at h:6379 failed: ETIMEDOUT")),
        });
        await assert.rejects(strategy.apply!(current(newRedisToken()), current(old)), /ETIMEDOUT/);
        assert.deepStrictEqual(ec.modifications, []);
    });
});

describe("Redis auth token rotation: whole rotations through the protocol", () => {
    captureLogs();
    const secretId = "grownext/production/redis-queue";

    async function rotation(secrets: FakeSecretsPort, ec: FakeElastiCache): Promise<void> {
        const strategy = redisAuthTokenStrategy({ elasticache: ec, authenticate: ec.authenticate });
        const token = secrets.startRotation();
        const step = (Step: RotationEvent["Step"]) => rotate({ Step, SecretId: secretId, ClientRequestToken: token }, secrets, strategy);
        await step("createSecret");
        await step("setSecret");
        // Secrets Manager retries the rotation until the group has applied the token.
        await assert.rejects(step("testSecret"), /modifying/);
        ec.finishModifying();
        await step("createSecret");
        await step("setSecret");
        await step("testSecret");
        await step("finishSecret");
    }

    it("rotates twice: both tokens of the last rotation work, the first token is dropped at the second", async () => {
        const first = newRedisToken();
        const secrets = new FakeSecretsPort(secretId, serializeRedisAuthToken(current(first)));
        const ec = new FakeElastiCache(first);

        await rotation(secrets, ec);
        const second = parseRedisAuthToken(secrets.valueOf("AWSCURRENT")!).password;
        assert.notStrictEqual(second, first);
        assert.deepStrictEqual(ec.accepted, [first, second]);
        assert.strictEqual(ec.modifications.length, 1, "one ModifyReplicationGroup per rotation, retries included");

        await rotation(secrets, ec);
        const third = parseRedisAuthToken(secrets.valueOf("AWSCURRENT")!).password;
        assert.deepStrictEqual(ec.accepted, [second, third]);
        assert.strictEqual(parseRedisAuthToken(secrets.valueOf("AWSPREVIOUS")!).password, second);
        assert.strictEqual(ec.modifications.length, 2);
        // Identifiers only: no token of either rotation reaches the logs.
        assert.ok(logged.length > 0);
        for (const t of [first, second, third]) assert.ok(!logged.some((l) => l.includes(t)), "no token is logged");
    });
});

/** A TLS server on loopback that reads one RESP `AUTH <password>` and answers as told. */
async function startRespServer(
    certs: LoopbackCertificates,
    behaviour: { readonly password: string } | "close",
): Promise<{ port: number; received: string[]; close: () => Promise<void> }> {
    const received: string[] = [];
    const server = tls.createServer({ key: certs.serverKeyPem, cert: certs.serverCertPem }, (socket) => {
        let buffer = "";
        socket.on("data", (chunk: Buffer) => {
            if (behaviour === "close") {
                socket.destroy();
                return;
            }
            buffer += chunk.toString("utf8");
            // *2 $4 AUTH $<n> <password>
            const m = /^\*2\r\n\$4\r\nAUTH\r\n\$(\d+)\r\n/.exec(buffer);
            if (!m) return;
            const start = m[0].length;
            const length = Number(m[1]);
            if (buffer.length < start + length + 2) return;
            const password = buffer.slice(start, start + length);
            received.push(password);
            socket.write(
                password === behaviour.password ? "+OK\r\n" : "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
            );
        });
        socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as AddressInfo).port,
        received,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

describe("Redis auth token rotation: AUTH over real TLS on loopback", () => {
    captureLogs();
    let certs: LoopbackCertificates;
    const token = crypto.randomBytes(24).toString("base64url").replace(/[-_]/g, "x");

    before(async () => {
        certs = await createLoopbackCertificates();
    });
    after(async () => {
        await certs.remove();
    });

    it("accepts a token the server answers +OK, sending it as RESP AUTH", async () => {
        const server = await startRespServer(certs, { password: token });
        try {
            await redisAuth({ host: "127.0.0.1", port: server.port, password: token }, { ca: certs.caPem });
            assert.deepStrictEqual(server.received, [token]);
        } finally {
            await server.close();
        }
    });

    it("reports -WRONGPASS as a refusal naming the endpoint and the code, never the token", async () => {
        const server = await startRespServer(certs, { password: token });
        const wrong = newRedisToken();
        try {
            await assert.rejects(
                redisAuth({ host: "127.0.0.1", port: server.port, password: wrong }, { ca: certs.caPem }),
                (e: Error) =>
                    e instanceof RedisAuthRefused &&
                    e.message === `Redis at 127.0.0.1:${server.port} refused the token: WRONGPASS` &&
                    !e.message.includes(wrong),
            );
        } finally {
            await server.close();
        }
    });

    it("reports a server that closes without answering", async () => {
        const server = await startRespServer(certs, "close");
        try {
            await assert.rejects(
                redisAuth({ host: "127.0.0.1", port: server.port, password: token }, { ca: certs.caPem }),
                (e: Error) => !(e instanceof RedisAuthRefused) && /closed the connection before answering AUTH/.test(e.message),
            );
        } finally {
            await server.close();
        }
    });

    it("verifies the server's certificate: an unknown CA fails the TLS connection", async () => {
        const server = await startRespServer(certs, { password: token });
        try {
            await assert.rejects(
                redisAuth({ host: "127.0.0.1", port: server.port, password: token }),
                /TLS connection to Redis at 127\.0\.0\.1:\d+ failed/,
            );
            assert.deepStrictEqual(server.received, [], "no token is sent to an unverified server");
        } finally {
            await server.close();
        }
    });

    it("verifies a pending token through the strategy's testSecret against the real server", async () => {
        const server = await startRespServer(certs, { password: token });
        const ec = new FakeElastiCache(token);
        const strategy = redisAuthTokenStrategy({
            elasticache: ec,
            authenticate: (t) => redisAuth(t, { ca: certs.caPem }),
        });
        const at = (password: string): RedisAuthToken => ({ replicationGroupId: groupId, host: "127.0.0.1", port: server.port, password });
        try {
            await strategy.verify!(at(token));
            await assert.rejects(strategy.verify!(at(newRedisToken())), /refused the token: WRONGPASS/);
        } finally {
            await server.close();
        }
    });
});
