/**
 * The floors are data (config/floors.ts): docs/configuration.md quotes every row, the defaults sit on or above
 * them, and the stack-name check reads words, not substrings.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { processCatalog } from "../../catalog/processes";
import { environmentFloors } from "../../catalog/guardrails";
import { dataDefaults } from "../../config/data";
import { serviceDefaults } from "../../config/defaults";
import { clusterIssuerFloor, floorTable, publicProcessMinReplicas } from "../../config/floors";
import { environmentNamedBy } from "../../config/rules";
import { edgeConfig, environments } from "../../config/schema";
import { repoRoot } from "../../sandbox/stacks";

/** The floors section of docs/configuration.md, up to the next section of its level. */
function floorsSection(): string {
    const doc = fs.readFileSync(path.join(repoRoot, "docs", "configuration.md"), "utf8");
    const start = doc.indexOf("## Production floors and how to change them");
    const end = doc.indexOf("\n## ", start + 1);
    assert.ok(start >= 0 && end > start, "docs/configuration.md has a 'Production floors and how to change them' section");
    return doc.slice(start, end);
}

describe("floors (config/floors.ts)", () => {
    it("docs/configuration.md quotes every floor: key, where it binds, what it requires, how to change it", () => {
        const section = floorsSection();
        for (const f of floorTable) {
            const binds = f.environments === "all" ? "all" : f.environments.join(", ");
            const row = `| \`${f.key}\` | ${binds} | ${f.rule} | ${f.change} |`;
            assert.ok(section.includes(row), `docs/configuration.md misses or misquotes:\n${row}`);
        }
    });

    it("the defaults of every environment meet the public-replica floor", () => {
        for (const env of environments) {
            for (const p of processCatalog.filter((s) => s.publicHost !== undefined)) {
                assert.strictEqual(p.scaling, "autoscaled", `${p.name} serves a public host`);
                assert.ok(serviceDefaults(env, p).autoscale.min >= publicProcessMinReplicas[env], `${env} ${p.name}`);
            }
        }
    });

    it("the default issuer passes the issuer floor, and no allowed name matches a denied pattern", () => {
        const issuer = edgeConfig.parse({}).clusterIssuer;
        assert.ok(clusterIssuerFloor.allowed.includes(issuer));
        for (const name of clusterIssuerFloor.allowed) assert.ok(!clusterIssuerFloor.denied.some((re) => re.test(name)), name);
        for (const name of ["selfsigned", "self-signed-ca", "letsencrypt-staging", "acme-staging", "test-issuer"]) {
            assert.ok(
                clusterIssuerFloor.denied.some((re) => re.test(name)),
                name,
            );
        }
    });

    it("the data tier's defaults meet its floors", () => {
        for (const env of environments) {
            const d = dataDefaults(env);
            assert.ok(d.postgres.backupRetentionDays >= environmentFloors[env].postgresBackupRetentionDays, env);
            assert.ok(d.redis.snapshotRetentionLimit >= environmentFloors[env].redisSnapshotRetentionDays, env);
        }
    });

    it("a stack name names an environment by whole words only", () => {
        assert.strictEqual(environmentNamedBy("production"), "production");
        assert.strictEqual(environmentNamedBy("prod-eu"), "production");
        assert.strictEqual(environmentNamedBy("eu_stg"), "staging");
        assert.strictEqual(environmentNamedBy("dev"), "local");
        assert.strictEqual(environmentNamedBy("eu-1"), undefined);
        assert.strictEqual(environmentNamedBy("product-demo"), undefined, "'product' is not 'prod'");
        assert.strictEqual(environmentNamedBy("prod-to-staging"), undefined, "two environments named: nothing to check against");
    });
});
