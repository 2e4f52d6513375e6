import * as assert from "assert";
import { callersOf, callProblems, clientsOf, dataStoresOf, externalApis, externalApisOf } from "../../catalog/network";
import { findProcess, processCatalog } from "../../catalog/processes";

describe("catalog: what each process may reach", () => {
    it("has only calls to HTTP processes of the catalog", () => {
        assert.deepStrictEqual(callProblems(processCatalog), []);
        assert.deepStrictEqual(callersOf("identity", processCatalog).sort(), ["portal", "web", "worker"]);
        assert.deepStrictEqual(callersOf("web", processCatalog), []);
    });

    it("derives the data stores from the env groups (tasks live in the app database)", () => {
        assert.deepStrictEqual(dataStoresOf(findProcess("identity")!), ["app", "identity", "queue"]);
        assert.deepStrictEqual(dataStoresOf(findProcess("portal")!), []);
        assert.deepStrictEqual(clientsOf("identity", processCatalog), ["identity"]);
        assert.deepStrictEqual(clientsOf("queue", processCatalog).sort(), [
            "encryption-rotation",
            "identity",
            "scheduler",
            "timers",
            "web",
            "worker",
        ]);
    });

    it("names the external APIs the guides give each process", () => {
        assert.deepStrictEqual(externalApisOf(findProcess("web")!), ["stripe", "oauth", "sentry", "aws"]);
        assert.deepStrictEqual(externalApisOf(findProcess("worker")!), ["supabase", "oauth", "sentry", "aws"]);
        assert.deepStrictEqual(externalApisOf(findProcess("portal")!), ["supabase", "sentry"]);
        assert.deepStrictEqual(externalApisOf(findProcess("scheduler")!), ["sentry", "aws"]);
        assert.deepStrictEqual(externalApisOf({ ...findProcess("portal")!, envGroups: ["runtime"] }), []);
        assert.strictEqual(
            new Set(externalApis.flatMap((a) => a.envGroups)).size,
            externalApis.flatMap((a) => a.envGroups).length,
            "an env group names one API",
        );
    });

    it("reports a call to an unknown, non-HTTP or own process", () => {
        const catalog = processCatalog.map((p) => (p.name === "portal" ? { ...p, calls: ["portal", "timers", "nope"] } : p));
        assert.deepStrictEqual(callProblems(catalog), [
            'portal: calls itself; remove "portal" from its catalog calls',
            'portal: calls "timers", which serves no HTTP port; only HTTP processes can be called',
            'portal: calls "nope", which is not a process of this stack; remove it from calls or add the process',
        ]);
    });
});
