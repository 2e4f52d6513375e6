/**
 * secrets-rotate (policies/secrets/secrets-rotate.ts), both ways: every Secrets Manager secret the
 * program declares has a SecretRotation within the limit, tagged or not; a secret tagged as holding
 * issued values is the one exception; a missing, stale, misplaced or disabled rotation and an unknown
 * tag are reported; staging is out of scope.
 */
import { strict as assert } from "assert";
import { rotationFloors } from "../../catalog/guardrails";
import { databaseCredentialsKind, issuedKind, secretKindTag } from "../../catalog/labels";
import { secretsRotate } from "../../policies/secrets/secrets-rotate";
import { assertClean, assertReports, run } from "./assertions";
import { mutate, secretRotationFor, smSecretProps, types } from "../fixtures/policyResources";
import { resource, UNKNOWN_VALUE, type PolicyResourceLike } from "./harness";

const max = rotationFloors.maxRotationDays;
const secret = (name: string, kind?: string, stack = "production") =>
    resource(types.smSecret, name, { ...smSecretProps(), name, ...(kind ? { tags: { [secretKindTag]: kind } } : {}) }, { stack });

/** A credentials secret and an untagged secret, each with its rotation, and an issued secret without one. */
function declared(stack = "production"): PolicyResourceLike[] {
    const credentials = secret("web-db-credentials", databaseCredentialsKind, stack);
    const plain = secret("redis-queue", undefined, stack);
    return [
        credentials,
        secretRotationFor(credentials, 30, stack),
        plain,
        secretRotationFor(plain, max, stack),
        secret("web", issuedKind, stack),
    ];
}

describe("secrets-rotate", () => {
    it("passes secrets that rotate within the limit, and an issued secret without a rotation", async () => {
        await assertClean(secretsRotate, declared());
    });

    it("reports a secret without a rotation, tagged or not, naming both fixes", async () => {
        await assertReports(
            secretsRotate,
            declared().filter((r) => r.name !== "redis-queue-rotation"),
            new RegExp(
                `Secrets Manager secret "redis-queue" has no SecretRotation; .*secretId: secret\\.id.*or, if only a third party .*${issuedKind}`,
            ),
        );
        await assertReports(
            secretsRotate,
            declared().filter((r) => r.name !== "web-db-credentials-rotation"),
            new RegExp(`"web-db-credentials" \\(${secretKindTag}: ${databaseCredentialsKind}\\) has no SecretRotation`),
        );
    });

    it(`reports a rotation less often than every ${max} days, one turned off, and a stricter limit from config`, async () => {
        const stale = declared().map((r) =>
            r.name === "redis-queue-rotation" ? mutate(r, (p) => (p.rotationRules.automaticallyAfterDays = max + 1)) : r,
        );
        await assertReports(
            secretsRotate,
            stale,
            new RegExp(`SecretRotation "redis-queue-rotation" of Secrets Manager secret "redis-queue" rotates every ${max + 1} days`),
        );
        const off = declared().map((r) =>
            r.name === "redis-queue-rotation"
                ? mutate(r, (p) => {
                      p.rotationEnabled = false;
                      delete p.rotationRules;
                  })
                : r,
        );
        await assertReports(secretsRotate, off, /turns rotation off/);
        await assertReports(secretsRotate, declared(), /rotates every 30 days; .*at most 14/, { maximumRotationDays: 14 });
    });

    it("does not count a rotation whose secretId comes from another secret", async () => {
        const credentials = secret("web-db-credentials", databaseCredentialsKind);
        const plain = secret("redis-queue");
        const misplaced = {
            ...secretRotationFor(plain),
            propertyDependencies: { secretId: [credentials.urn] },
            dependencies: [plain.urn, credentials.urn],
        };
        const result = await run(secretsRotate, [credentials, plain, misplaced]);
        assert.ok(
            result.messages.some((m) => /Secrets Manager secret "redis-queue" has no SecretRotation/.test(m)),
            result.messages.join("\n"),
        );
    });

    it("reports a kind tag unknown during preview instead of guessing", async () => {
        const list = declared().map((r) => (r.name === "web" ? mutate(r, (p) => (p.tags[secretKindTag] = UNKNOWN_VALUE)) : r));
        await assertReports(secretsRotate, list, /"web" has its grownext\.io\/secret-kind tag unknown during preview/);
    });

    it("does not apply outside the configured stacks", async () => {
        const result = await run(secretsRotate, [secret("redis-queue", undefined, "staging")]);
        assert.deepEqual(result.messages, []);
        assert.match(result.notApplicable ?? "", /Only stacks production must rotate their Secrets Manager secrets/);
    });
});
