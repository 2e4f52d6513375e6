import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { declareWithShallowStacks, fullStacksWanted, noFramesHint } from "../../wiring/shallowStacks";
import { installMocks, settle } from "../../sandbox/mocks";

/** A component as ours are written: the SDK takes its source position from the frame that declares it. */
class Probe extends pulumi.ComponentResource {
    constructor(name: string) {
        super("grownext:test:Probe", name, {});
        this.registerOutputs({});
    }
}

/** The source position each registration carried to the (mock) engine, by resource name. */
function recordSourcePositions(): { positions: Map<string, { uri: string; line: number }>; restore: () => void } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an SDK module outside its typed entry points
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: any } };
    const original = MockMonitor.prototype.registerResource;
    const positions = new Map<string, { uri: string; line: number }>();
    MockMonitor.prototype.registerResource = function (req: any, callback: unknown) {
        const pos = req.getSourceposition();
        if (pos) positions.set(req.getName(), { uri: pos.getUri(), line: pos.getLine() });
        return original.call(this, req, callback);
    };
    return { positions, restore: () => void (MockMonitor.prototype.registerResource = original) };
}

describe("declaring without stack capture (wiring/shallowStacks.ts)", () => {
    before(() => installMocks());

    it("captures no frames while declaring and restores the limit after", () => {
        const before = Error.stackTraceLimit;
        const inside = declareWithShallowStacks(() => ({ limit: Error.stackTraceLimit, stack: new Error("x").stack }), false);
        assert.strictEqual(inside.limit, 0);
        assert.strictEqual(inside.stack, "Error: x");
        assert.strictEqual(Error.stackTraceLimit, before);
    });

    it("restores the limit when the declaration throws", () => {
        const before = Error.stackTraceLimit;
        assert.throws(() =>
            declareWithShallowStacks(() => {
                throw new Error("boom");
            }, false),
        );
        assert.strictEqual(Error.stackTraceLimit, before);
    });

    it("keeps each resource's source position: the SDK takes it with its own depth", async () => {
        const { positions, restore } = recordSourcePositions();
        try {
            // A named function, as index.ts declares: the SDK reads no position from an anonymous frame.
            const declare = () => new Probe("shallow");
            declareWithShallowStacks(declare, false);
            new Probe("full");
            await settle();
        } finally {
            restore();
        }
        const shallow = positions.get("shallow");
        const full = positions.get("full");
        assert.ok(full && /shallowStacks\.test\.ts$/.test(full.uri), `with full stacks: ${JSON.stringify(full)}`);
        assert.ok(shallow, "no source position while declaring without stack capture");
        assert.strictEqual(shallow.uri, full.uri);
        assert.ok(shallow.line > 0);
    });

    it("says how to get the frames back on an unexpected error, and leaves RunErrors (printed without stack) alone", () => {
        const bug = (() => {
            try {
                declareWithShallowStacks(() => (undefined as unknown as { x: { y: number } }).x.y, false);
            } catch (err) {
                return err as Error;
            }
            return undefined;
        })();
        assert.ok(bug instanceof TypeError);
        assert.ok(bug.stack!.includes(noFramesHint), bug.stack);
        assert.ok(!bug.message.includes(noFramesHint), "the message itself is unchanged");

        const refusal = (() => {
            try {
                declareWithShallowStacks(() => {
                    throw new pulumi.RunError("grownext:data.instanceClass: use db.t4g.medium or larger");
                }, false);
            } catch (err) {
                return err as Error;
            }
            return undefined;
        })();
        assert.ok(refusal && !refusal.stack!.includes(noFramesHint));
    });

    it("captures as usual when full stacks are asked for", () => {
        const limit = declareWithShallowStacks(() => Error.stackTraceLimit, true);
        assert.strictEqual(limit, Error.stackTraceLimit);
        assert.ok(limit > 0);
    });

    it("full stacks are asked for by a depth given to node or by the SDK's promise-leak report", () => {
        assert.strictEqual(fullStacksWanted({}, []), false);
        assert.strictEqual(fullStacksWanted({ NODE_OPTIONS: "--max-old-space-size=4096" }, ["--enable-source-maps"]), false);
        assert.strictEqual(fullStacksWanted({ NODE_OPTIONS: "--max-old-space-size=4096 --stack-trace-limit=50" }, []), true);
        assert.strictEqual(fullStacksWanted({}, ["--stack-trace-limit=50"]), true);
        assert.strictEqual(fullStacksWanted({ PULUMI_DEBUG_PROMISE_LEAKS: "true" }, []), true);
    });
});
