import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { compliantStack, fromSecret, handWrittenDeployment, literal } from "../fixtures/policyResources";
import { loadPack, policiesDir, policyNames, runPackOnResources } from "./harness";

describe("policy pack: the compliant stacks", () => {
    for (const stack of ["production", "staging", "local"]) {
        it(`reports nothing for a compliant ${stack} stack`, async () => {
            const config = stack === "local" ? JSON.parse(readFileSync(path.join(policiesDir, "config", "local.json"), "utf8")) : undefined;
            const violations = await runPackOnResources(compliantStack(stack), stack, config);
            assert.deepEqual(violations, []);
        });
    }

    it("catches a Deployment written by hand, without our labels, that runs the product image", async () => {
        const readiness = { httpGet: { path: "/api/health/ready", port: 3000 } };
        const handWritten = handWrittenDeployment("api-copy", {
            image: "ghcr.io/grownext/app:latest",
            command: ["node", "dist/index.js"],
            env: [
                literal("DATABASE_URL", "postgres://app@db/app"),
                fromSecret("NEXT_PUBLIC_KEY", "api-copy-env", "SUPABASE_SERVICE_ROLE_KEY"),
            ],
            readinessProbe: readiness,
            livenessProbe: readiness,
            resources: undefined,
            securityContext: undefined,
        });
        const violations = await runPackOnResources([...compliantStack("production"), handWritten], "production");
        assert.ok(
            violations.every((v) => v.urn?.endsWith("::api-copy")),
            violations.map((v) => `${v.policyName}: ${v.urn}`).join("\n"),
        );
        assert.deepEqual(policyNames(violations), [
            "no-literal-secret-env",
            "no-secret-next-public",
            "node-env-production",
            "non-root-containers",
            "pinned-images",
            "resource-requests",
            "service-role-key-trusted-only",
            "shallow-liveness",
        ]);
    });

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
