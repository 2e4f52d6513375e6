import * as assert from "assert";
import { GeneratedSecret, generatedSecretProvider as provider } from "../../../../components/data/inCluster/generatedSecret";
import { installMocks, promiseOf, recorder, settle } from "../../../../sandbox/mocks";

describe("GeneratedSecret (dynamic provider for the in-cluster data stores)", () => {
    before(() => installMocks());

    it("creates a credential of the requested length from a URL-safe alphabet, new each time", async () => {
        const a = await provider.create({ length: 40 });
        const b = await provider.create({ length: 40 });
        assert.match(a.outs!.result, /^[A-Za-z0-9]{40}$/);
        assert.notStrictEqual(a.outs!.result, b.outs!.result);
        assert.notStrictEqual(a.id, b.id);
    });

    it("keeps the credential unless its length or keepers change, then replaces it", async () => {
        const olds = { length: 32, keepers: { version: "1" }, result: "x" };
        assert.deepStrictEqual(await provider.diff!("id", olds, { length: 32, keepers: { version: "1" } }), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
        const rotated = await provider.diff!("id", olds, { length: 32, keepers: { version: "2" } });
        assert.strictEqual(rotated.changes, true);
        assert.ok(rotated.replaces!.length > 0);
    });

    it("tells the engine to keep the credential secret", async () => {
        const secret = new GeneratedSecret("db-password", { length: 32 });
        await settle();
        assert.deepStrictEqual(recorder.one("pulumi-nodejs:dynamic:Resource", "db-password").additionalSecretOutputs, ["result"]);
        assert.strictEqual((await promiseOf(secret.result)).length, 32);
    });

    it("refuses lengths that make weak or unwieldy credentials", () => {
        assert.throws(() => new GeneratedSecret("short", { length: 8 }), /length must be an integer from 16 to 128, got 8/);
    });
});
