/**
 * The bench's goals have one home (scripts/bench/goals.ts); docs/performance.md quotes each of them.
 * No timing here: the figures themselves come from `npm run bench`.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { benchGoals } from "../../../scripts/bench/goals";

describe("the bench's goals", () => {
    const doc = fs.readFileSync(path.resolve(__dirname, "..", "..", "..", "docs", "performance.md"), "utf8");

    for (const [name, goal] of Object.entries(benchGoals)) {
        it(`docs/performance.md quotes the ${name} goal as the bench prints it`, () => {
            assert.ok(doc.includes(goal.text), `docs/performance.md should quote: ${goal.text}`);
        });
    }

    it("each goal reads a ratio of CPU or wall time, above 1", () => {
        for (const goal of Object.values(benchGoals)) {
            assert.ok(goal.on === "cpu" || goal.on === "wall");
            assert.ok(goal.max > 1, goal.text);
        }
    });
});
