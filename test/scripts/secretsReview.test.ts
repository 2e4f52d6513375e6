/**
 * The FSBP review of Secrets Manager (scripts/secretsReview.ts), both ways on a recorded graph: a
 * declared secret and an RDS master secret pass with a rotation from them within 90 days; none, a
 * longer one, one turned off and one on another secret fail.
 */
import { strict as assert } from "assert";
import { rotationFloors } from "../../catalog/guardrails";
import { secretKindTag } from "../../catalog/labels";
import type { RecordedResource } from "../../sandbox/mocks";
import { reviewReport, reviewSecrets } from "../../scripts/secretsReview";

const max = rotationFloors.maxRotationDays;
const urn = (name: string) => `urn:pulumi:production::grownext::t::${name}`;
const secret = (name: string, kind?: string): RecordedResource => ({
    type: "aws:secretsmanager/secret:Secret",
    name,
    urn: urn(name),
    custom: true,
    inputs: { name: `grownext/production/${name}`, ...(kind ? { tags: { [secretKindTag]: kind } } : {}) },
});
const instance = (name: string, managed = true): RecordedResource => ({
    type: "aws:rds/instance:Instance",
    name,
    urn: urn(name),
    custom: true,
    inputs: { manageMasterUserPassword: managed },
});
const rotation = (of: RecordedResource, days: number, extra: Record<string, unknown> = {}): RecordedResource => ({
    type: "aws:secretsmanager/secretRotation:SecretRotation",
    name: `${of.name}-rotation`,
    urn: urn(`${of.name}-rotation`),
    custom: true,
    inputs: { rotationRules: { automaticallyAfterDays: days }, ...extra },
    dependencies: [of.urn!],
    propertyDependencies: { secretId: [of.urn!] },
});

describe("the Secrets Manager review (scripts/secretsReview.ts)", () => {
    it("passes declared and RDS master secrets that rotate within the limit", () => {
        const db = instance("app-db");
        const redis = secret("redis-queue", "redis-auth-token");
        const reviewed = reviewSecrets([db, rotation(db, 30), redis, rotation(redis, max)]);
        assert.deepEqual(
            reviewed.map((s) => [s.secret, s.kind, s.rotationDays, s.rotates, s.withinMaxDays]),
            [
                ["RDS master secret of app-db", "rds-master", 30, true, true],
                ["grownext/production/redis-queue", "redis-auth-token", max, true, true],
            ],
        );
        assert.match(reviewReport("production", reviewed), /2 of 2 pass SecretsManager\.1 and \.4/);
    });

    it("fails a secret without a rotation, one rotating too seldom, one turned off, and one whose rotation is another's", () => {
        const none = secret("web", "issued");
        const seldom = secret("slow");
        const off = secret("off");
        const other = secret("other");
        const misplaced = { ...rotation(other, 30), propertyDependencies: { secretId: [urn("elsewhere")] } };
        const reviewed = reviewSecrets([
            none,
            seldom,
            rotation(seldom, max + 1),
            off,
            rotation(off, 30, { rotationEnabled: false }),
            other,
            misplaced,
        ]);
        const by = Object.fromEntries(reviewed.map((s) => [s.secret.split("/").pop(), s]));
        assert.deepEqual([by.web!.rotates, by.web!.withinMaxDays], [false, false]);
        assert.deepEqual([by.slow!.rotates, by.slow!.withinMaxDays, by.slow!.rotationDays], [true, false, max + 1]);
        assert.equal(by.off!.rotates, false);
        assert.equal(by.other!.rotates, false);
        const report = reviewReport("production", reviewed);
        assert.match(report, /0 of 4 pass/);
        assert.match(report, /Failing: grownext\/production\/web \(issued\), /);
    });

    it("does not count an instance whose master password the program holds", () => {
        assert.deepEqual(reviewSecrets([instance("app-db", false)]), []);
    });
});
