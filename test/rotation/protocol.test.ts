/**
 * The four-step rotation protocol (rotation/protocol.ts) against an in-memory Secrets Manager with
 * staging-label semantics (fakeSecretsPort.ts): each step, a whole rotation, idempotent retries, and
 * the refusals AWS's template makes.
 */
import * as assert from "assert";
import { checkedEvent, rotate, rotationSteps, type RotationEvent, type RotationStrategy } from "../../rotation/protocol";
import { FakeSecretsPort } from "./fakeSecretsPort";

interface Counter {
    readonly n: number;
}

/** A counter secret: next is n+1; apply and verify record what they were given. */
function counterStrategy(opts: { apply?: boolean; verify?: boolean } = {}) {
    const applied: [number, number][] = [];
    const verified: number[] = [];
    let nexts = 0;
    const strategy: RotationStrategy<Counter> = {
        parse(s) {
            const v = JSON.parse(s) as { n?: unknown };
            if (typeof v.n !== "number") throw new Error("the counter secret has no number n");
            return { n: v.n };
        },
        serialize: (v) => JSON.stringify({ n: v.n }),
        next: (c) => {
            nexts++;
            return { n: c.n + 1 };
        },
        ...(opts.apply === false
            ? {}
            : {
                  apply: (p: Counter, c: Counter) => {
                      applied.push([p.n, c.n]);
                      return Promise.resolve();
                  },
              }),
        ...(opts.verify === false
            ? {}
            : {
                  verify: (p: Counter) => {
                      verified.push(p.n);
                      return Promise.resolve();
                  },
              }),
    };
    return { strategy, applied, verified, nexts: () => nexts };
}

const secretId = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:counter-AbCdEf";
const event = (Step: RotationEvent["Step"], ClientRequestToken: string): RotationEvent => ({
    Step,
    SecretId: secretId,
    ClientRequestToken,
});

async function fullRotation(port: FakeSecretsPort, strategy: RotationStrategy<Counter>, token = port.startRotation()): Promise<string> {
    for (const step of rotationSteps) await rotate(event(step, token), port, strategy);
    return token;
}

describe("rotation protocol (rotation/protocol.ts)", () => {
    let logged: unknown[];
    const realLog = console.log;
    beforeEach(() => {
        logged = [];
        console.log = (...a: unknown[]) => void logged.push(...a);
    });
    afterEach(() => {
        console.log = realLog;
    });

    it("createSecret writes the next value as the token's version, staged AWSPENDING, and leaves AWSCURRENT", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const { strategy } = counterStrategy();
        const token = port.startRotation("t1");
        await rotate(event("createSecret", token), port, strategy);
        assert.strictEqual(port.holderOf("AWSPENDING"), "t1");
        assert.strictEqual(port.valueOf("AWSPENDING"), '{"n":2}');
        assert.strictEqual(port.holderOf("AWSCURRENT"), "v0");
        assert.strictEqual(port.valueOf("AWSCURRENT"), '{"n":1}');
    });

    it("createSecret is idempotent: a retry finds the pending version and makes no new value", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        const token = port.startRotation();
        await rotate(event("createSecret", token), port, c.strategy);
        await rotate(event("createSecret", token), port, c.strategy);
        assert.strictEqual(c.nexts(), 1);
        assert.strictEqual(port.calls.filter((x) => x.call === "putPending").length, 1);
        assert.strictEqual(port.valueOf("AWSPENDING"), '{"n":2}');
    });

    it("createSecret retried after a failed write writes the value then", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        const token = port.startRotation();
        port.failOnce("putPending");
        await assert.rejects(rotate(event("createSecret", token), port, c.strategy), /injected failure of putPending/);
        assert.strictEqual(port.valueOf("AWSPENDING"), undefined);
        await rotate(event("createSecret", token), port, c.strategy);
        assert.strictEqual(port.valueOf("AWSPENDING"), '{"n":2}');
    });

    it("setSecret hands the strategy's apply the pending and the current values", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":7}');
        const c = counterStrategy();
        const token = port.startRotation();
        await rotate(event("createSecret", token), port, c.strategy);
        await rotate(event("setSecret", token), port, c.strategy);
        await rotate(event("setSecret", token), port, c.strategy); // a retry applies again: apply is idempotent by contract
        assert.deepStrictEqual(c.applied, [
            [8, 7],
            [8, 7],
        ]);
        assert.strictEqual(port.holderOf("AWSCURRENT"), "v0");
    });

    it("testSecret hands the strategy's verify the pending value, and a failed verify fails the step", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        const token = port.startRotation();
        await rotate(event("createSecret", token), port, c.strategy);
        await rotate(event("testSecret", token), port, c.strategy);
        assert.deepStrictEqual(c.verified, [2]);
        const failing: RotationStrategy<Counter> = {
            ...c.strategy,
            verify: () => Promise.reject(new Error("the pending counter is wrong")),
        };
        await assert.rejects(rotate(event("testSecret", token), port, failing), /the pending counter is wrong/);
        assert.strictEqual(port.holderOf("AWSCURRENT"), "v0");
    });

    it("setSecret and testSecret without apply or verify do nothing but check the staging", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy({ apply: false, verify: false });
        const token = port.startRotation();
        await rotate(event("createSecret", token), port, c.strategy);
        const before = port.calls.length;
        await rotate(event("setSecret", token), port, c.strategy);
        await rotate(event("testSecret", token), port, c.strategy);
        assert.deepStrictEqual(
            port.calls.slice(before).map((x) => x.call),
            ["describe", "describe"],
        );
    });

    it("finishSecret moves AWSCURRENT to the token's version; the old one becomes AWSPREVIOUS", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        const token = await fullRotation(port, c.strategy);
        assert.strictEqual(port.holderOf("AWSCURRENT"), token);
        assert.strictEqual(port.valueOf("AWSCURRENT"), '{"n":2}');
        assert.strictEqual(port.holderOf("AWSPREVIOUS"), "v0");
        assert.strictEqual(port.holderOf("AWSPENDING"), undefined);
    });

    it("any step with a token already AWSCURRENT is a no-op (a late retry after the rotation finished)", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        const token = await fullRotation(port, c.strategy);
        const before = port.calls.length;
        for (const step of rotationSteps) await rotate(event(step, token), port, c.strategy);
        assert.deepStrictEqual(
            port.calls.slice(before).map((x) => x.call),
            ["describe", "describe", "describe", "describe"],
        );
        assert.strictEqual(c.nexts(), 1);
        assert.strictEqual(port.valueOf("AWSCURRENT"), '{"n":2}');
    });

    it("rotations chain: three in a row each step the value once", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        const tokens = [await fullRotation(port, c.strategy), await fullRotation(port, c.strategy), await fullRotation(port, c.strategy)];
        assert.strictEqual(new Set(tokens).size, 3);
        assert.strictEqual(port.valueOf("AWSCURRENT"), '{"n":4}');
        assert.strictEqual(port.holderOf("AWSPREVIOUS"), tokens[1]);
    });

    it("a rotation whose finishSecret failed once finishes on the retry", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        const token = port.startRotation();
        for (const step of ["createSecret", "setSecret", "testSecret"] as const) await rotate(event(step, token), port, c.strategy);
        port.failOnce("promote");
        await assert.rejects(rotate(event("finishSecret", token), port, c.strategy), /injected failure of promote/);
        assert.strictEqual(port.holderOf("AWSCURRENT"), "v0");
        await rotate(event("finishSecret", token), port, c.strategy);
        assert.strictEqual(port.holderOf("AWSCURRENT"), token);
    });

    it("refuses every step when rotation is disabled, and writes nothing", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        const token = port.startRotation();
        port.rotationEnabled = false;
        for (const step of rotationSteps)
            await assert.rejects(rotate(event(step, token), port, c.strategy), (e: Error) => {
                assert.match(e.message, new RegExp(`does not have rotation enabled: refusing step ${step}`));
                return true;
            });
        assert.ok(port.calls.every((x) => x.call === "describe"));
    });

    it("refuses a token that is not a version of the secret", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        port.startRotation("t1");
        for (const step of rotationSteps)
            await assert.rejects(rotate(event(step, "t-unknown"), port, c.strategy), /has no version t-unknown: refusing/);
        assert.strictEqual(port.holderOf("AWSCURRENT"), "v0");
    });

    it("refuses a version staged neither AWSPENDING nor AWSCURRENT (e.g. AWSPREVIOUS)", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        await fullRotation(port, c.strategy);
        assert.strictEqual(port.holderOf("AWSPREVIOUS"), "v0");
        for (const step of rotationSteps)
            await assert.rejects(rotate(event(step, "v0"), port, c.strategy), /version v0 is not staged AWSPENDING: refusing/);
        assert.strictEqual(c.nexts(), 1);
    });

    it("setSecret and testSecret before createSecret fail: the pending version holds no value", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":1}');
        const c = counterStrategy();
        const token = port.startRotation("t1");
        await assert.rejects(rotate(event("setSecret", token), port, c.strategy), /has no AWSPENDING value for version t1/);
        await assert.rejects(rotate(event("testSecret", token), port, c.strategy), /has no AWSPENDING value for version t1/);
        assert.deepStrictEqual(c.applied, []);
    });

    it("a current value the strategy cannot parse fails createSecret before anything is written, without printing it", async () => {
        const port = new FakeSecretsPort(secretId, '{"m":"s3cr3t-value"}');
        const c = counterStrategy();
        const token = port.startRotation();
        await assert.rejects(rotate(event("createSecret", token), port, c.strategy), (e: Error) => {
            assert.match(e.message, /no number n/);
            assert.doesNotMatch(e.message, /s3cr3t/);
            return true;
        });
        assert.ok(!port.calls.some((x) => x.call === "putPending"));
    });

    it("logs identifiers only, never a value", async () => {
        const port = new FakeSecretsPort(secretId, '{"n":424242}');
        await fullRotation(port, counterStrategy().strategy);
        assert.ok(logged.length >= 4);
        for (const line of logged) {
            assert.doesNotMatch(String(line), /42424[23]/);
            assert.match(String(line), /"step":"(createSecret|setSecret|testSecret|finishSecret)"/);
        }
    });

    it("checks the event Lambda hands over, naming the missing or wrong field", () => {
        assert.throws(() => checkedEvent(null), /must be an object/);
        assert.throws(() => checkedEvent({ SecretId: "s", ClientRequestToken: "t" }), /has no Step/);
        assert.throws(() => checkedEvent({ Step: "createSecret", ClientRequestToken: "t" }), /has no SecretId/);
        assert.throws(() => checkedEvent({ Step: "createSecret", SecretId: "s" }), /has no ClientRequestToken/);
        assert.throws(
            () => checkedEvent({ Step: "deleteSecret", SecretId: "s", ClientRequestToken: "t" }),
            /Step must be one of .*got deleteSecret/,
        );
        assert.deepStrictEqual(checkedEvent({ Step: "testSecret", SecretId: "s", ClientRequestToken: "t", extra: 1 }), {
            Step: "testSecret",
            SecretId: "s",
            ClientRequestToken: "t",
        });
    });
});
