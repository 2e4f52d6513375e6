/**
 * The project's own stacks, evaluated under mocks, run through the whole pack with each stack's
 * policy config (the same files CI passes with --policy-pack-config): no mandatory violation.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { evaluateStack } from "../../sandbox/evaluate";
import { installMocks } from "../../sandbox/mocks";
import { repoRoot, stackNames } from "../../sandbox/stacks";
import { recordedAsPolicyResources, runPackOnResources } from "./harness";

function policyConfig(stack: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(repoRoot, "policies", "config", `${stack}.json`), "utf8"));
}

describe("the project's stacks through the whole policy pack", () => {
    before(() => installMocks());

    for (const stack of stackNames) {
        it(`${stack}: no mandatory violation`, async () => {
            const resources = recordedAsPolicyResources(await evaluateStack(stack));
            assert.ok(resources.length > 40, `expected the whole topology, got ${resources.length} resources`);
            const violations = await runPackOnResources(resources, stack, policyConfig(stack));
            const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
            assert.deepStrictEqual(
                mandatory.map((v) => `${v.policyName}: ${v.message}`),
                [],
            );
        });
    }

    it("production with a weakened Redis, a literal secret and an unrotated master password is rejected (the check can fail)", async () => {
        const resources = recordedAsPolicyResources(await evaluateStack("production"));
        const group = resources.find((r) => r.type === "aws:elasticache/parameterGroup:ParameterGroup")!;
        group.props = { ...group.props, parameters: [{ name: "maxmemory-policy", value: "allkeys-lru" }] };
        const web = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && (r.props as any).metadata.name === "web")!;
        const container = (web.props as any).spec.template.spec.containers[0];
        container.env = [...container.env, { name: "STRIPE_SECRET_KEY", value: "literal" }];
        // Without its SecretRotation, the app database's master password would never rotate.
        const appRotation = resources.findIndex((r) => r.name === "grownext-data-postgres-app-master-rotation");
        assert.ok(appRotation >= 0, "the production graph rotates the app database's master secret");
        resources.splice(appRotation, 1);
        const names = new Set(
            (await runPackOnResources(resources, "production", policyConfig("production")))
                .filter((v) => v.enforcementLevel === "mandatory")
                .map((v) => v.policyName),
        );
        assert.ok(names.has("redis-noeviction"), [...names].join(", "));
        assert.ok(names.has("database-credentials-rotate"), [...names].join(", "));
        assert.ok(names.has("no-literal-secret-env"), [...names].join(", "));
    });
});
