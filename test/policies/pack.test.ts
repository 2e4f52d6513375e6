import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { compliantStack } from "./fixtures";
import { loadPack, policiesDir, policyNames, runPackOnResources } from "./harness";

describe("policy pack: the compliant stacks", () => {
    for (const stack of ["production", "staging", "local"]) {
        it(`reports nothing for a compliant ${stack} stack`, async () => {
            const config = stack === "local" ? JSON.parse(readFileSync(path.join(policiesDir, "config", "local.json"), "utf8")) : undefined;
            const violations = await runPackOnResources(compliantStack(stack), stack, config);
            assert.deepEqual(violations, []);
        });
    }

    it("assembles the pack under the name grownext-guides", () => {
        assert.equal(loadPack().name, "grownext-guides");
        assert.ok(loadPack().policies.length >= 20);
    });

    it("policyNames lists each violated policy once", () => {
        assert.deepEqual(
            policyNames([
                { policyName: "b", enforcementLevel: "mandatory", message: "" },
                { policyName: "a", enforcementLevel: "advisory", message: "" },
                { policyName: "b", enforcementLevel: "mandatory", message: "" },
            ]),
            ["a", "b"],
        );
    });
});
