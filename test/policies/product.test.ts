import { strict as assert } from "assert";
import { existsSync, readFileSync, readdirSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { imageNames } from "../../catalog/processes";
import { parseImage } from "../../policies/lib/kubernetes";
import { defaultProductImagePattern, envNamesOnlyFor, productEnvNames } from "../../policies/lib/product";
import { repoRoot } from "../../sandbox/stacks";

describe("recognising the product's workloads (policies/lib/product.ts)", () => {
    it("recognises every image each stack configures, by the pattern in effect for that stack", () => {
        const stackFiles = readdirSync(repoRoot).filter((f) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(f));
        assert.ok(stackFiles.length >= 3, "expected the committed stack files");
        for (const f of stackFiles) {
            const stack = f.split(".")[1]!;
            // A stack whose images are named otherwise sets the pattern in its policy config; this test holds it to that.
            const configFile = path.join(repoRoot, "policies", "config", `${stack}.json`);
            const policyConfig = existsSync(configFile) ? JSON.parse(readFileSync(configFile, "utf8")) : {};
            const images = (parse(readFileSync(path.join(repoRoot, f), "utf8")).config ?? {})["grownext:images"] as Record<string, string>;
            assert.deepEqual(Object.keys(images).sort(), [...imageNames].sort(), `${f}: images.* and the catalog's image names differ`);
            for (const policy of ["node-env-production", "shallow-liveness"]) {
                const pattern = new RegExp(policyConfig[policy]?.productImagePattern ?? defaultProductImagePattern);
                for (const [name, image] of Object.entries(images)) {
                    assert.ok(
                        pattern.test(parseImage(image).repository),
                        `${f}: images.${name} (${image}) escapes ${policy}'s productImagePattern ${pattern}`,
                    );
                }
            }
            const identityPattern = new RegExp(policyConfig["identity-trust-proxy"]?.identityImagePattern ?? "(^|/)identity$");
            assert.ok(identityPattern.test(parseImage(images.identity!).repository), `${f}: images.identity escapes identity-trust-proxy`);
        }
        const pattern = new RegExp(defaultProductImagePattern);
        for (const other of ["nginx", "redis", "docker.io/library/postgres", "ghcr.io/grownext/application"]) {
            assert.ok(!pattern.test(other), `${other} must not count as a product image`);
        }
    });

    it("takes the product's env names from the env matrix, less the generic NODE_ENV and SENTRY_DSN", () => {
        for (const name of [
            "DATABASE_URL",
            "QUEUE_REDIS_HOST",
            "QUEUE_REDIS_PASSWORD",
            "SUPABASE_SERVICE_ROLE_KEY",
            "NEXT_PUBLIC_SUPABASE_URL",
            "IDENTITY_ISSUER",
        ]) {
            assert.ok(productEnvNames.includes(name), name);
        }
        for (const name of ["NODE_ENV", "SENTRY_DSN", "POSTGRES_PASSWORD", "REDIS_PASSWORD"])
            assert.ok(!productEnvNames.includes(name), name);
    });

    it("derives identity's own env names from the catalog: what no other process receives", () => {
        assert.deepEqual(envNamesOnlyFor("identity", ["TRUST_PROXY"]).sort(), [
            "IDENTITY_COOKIE_DOMAIN",
            "IDENTITY_ISSUER",
            "TASKS_PRODUCT_SLUG",
        ]);
        assert.ok(envNamesOnlyFor("identity").includes("TRUST_PROXY"));
        assert.deepEqual(envNamesOnlyFor("no-such-process"), []);
    });
});
