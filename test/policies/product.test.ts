import { strict as assert } from "assert";
import { readFileSync, readdirSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { imageNames } from "../../catalog/processes";
import { parseImage } from "../../policies/lib/kubernetes";
import { defaultProductImagePattern, envNamesOnlyFor, productEnvNames } from "../../policies/lib/product";

const repoRoot = path.resolve(__dirname, "..", "..");

describe("recognising the product's workloads (policies/lib/product.ts)", () => {
    it("recognises every image a stack configures by the default image pattern", () => {
        const stackFiles = readdirSync(repoRoot).filter((f) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(f));
        assert.ok(stackFiles.length >= 3, "expected the committed stack files");
        const pattern = new RegExp(defaultProductImagePattern);
        for (const f of stackFiles) {
            const images = (parse(readFileSync(path.join(repoRoot, f), "utf8")).config ?? {})["grownext:images"] as Record<string, string>;
            assert.deepEqual(Object.keys(images).sort(), [...imageNames].sort(), `${f}: images.* and the catalog's image names differ`);
            for (const [name, image] of Object.entries(images)) {
                assert.ok(pattern.test(parseImage(image).repository), `${f}: images.${name} (${image}) is not recognised by ${defaultProductImagePattern}`);
            }
        }
        for (const other of ["nginx", "redis", "docker.io/library/postgres", "ghcr.io/grownext/application"]) {
            assert.ok(!pattern.test(other), `${other} must not count as a product image`);
        }
    });

    it("takes the product's env names from the env matrix, less the generic NODE_ENV and SENTRY_DSN", () => {
        for (const name of ["DATABASE_URL", "QUEUE_REDIS_HOST", "QUEUE_REDIS_PASSWORD", "SUPABASE_SERVICE_ROLE_KEY", "NEXT_PUBLIC_SUPABASE_URL", "IDENTITY_ISSUER"]) {
            assert.ok(productEnvNames.includes(name), name);
        }
        for (const name of ["NODE_ENV", "SENTRY_DSN", "POSTGRES_PASSWORD", "REDIS_PASSWORD"]) assert.ok(!productEnvNames.includes(name), name);
    });

    it("derives identity's own env names from the catalog: what no other process receives", () => {
        assert.deepEqual(envNamesOnlyFor("identity", ["TRUST_PROXY"]).sort(), ["IDENTITY_COOKIE_DOMAIN", "IDENTITY_ISSUER", "TASKS_PRODUCT_SLUG"]);
        assert.ok(envNamesOnlyFor("identity").includes("TRUST_PROXY"));
        assert.deepEqual(envNamesOnlyFor("no-such-process"), []);
    });
});
