/**
 * database-credentials-rotate (policies/secrets/database-credentials-rotate.ts), both ways: RDS-managed
 * master passwords with a SecretRotation on their secret pass; a program-held password, a missing or
 * stale rotation, a rotation on another resource and a rotation turned off are told apart; secrets the
 * program declares are left to secrets-rotate; staging is out of scope.
 */
import { strict as assert } from "assert";
import { rotationFloors } from "../../catalog/guardrails";
import { databaseCredentialsKind, secretKindTag } from "../../catalog/labels";
import { databaseCredentialsRotate } from "../../policies/secrets/database-credentials-rotate";
import { assertClean, assertReports, run } from "./assertions";
import { mutate, rdsInstanceProps, secretRotationFor, smSecretProps, types } from "../fixtures/policyResources";
import { recordedAsPolicyResources, resource, UNKNOWN_VALUE, type PolicyResourceLike } from "./harness";
import { evaluateStack } from "../../sandbox/evaluate";
import { installMocks } from "../../sandbox/mocks";
import { stackValues } from "../../sandbox/stacks";

const max = rotationFloors.maxRotationDays;
const instance = (name = "app-db", stack = "production") => resource(types.rdsInstance, name, rdsInstanceProps(), { stack });
const credentialsSecret = (name = "web-db-credentials", stack = "production") =>
    resource(types.smSecret, name, { ...smSecretProps(), name, tags: { [secretKindTag]: databaseCredentialsKind } }, { stack });

/** Two instances (the source and identity), each with its rotation. */
function rotated(stack = "production"): PolicyResourceLike[] {
    const app = instance("app-db", stack);
    const identity = instance("identity-db", stack);
    return [app, secretRotationFor(app, 30, stack), identity, secretRotationFor(identity, max, stack)];
}
const editRotation = (list: PolicyResourceLike[], name: string, edit: (p: Record<string, any>) => void) =>
    list.map((r) => (r.name === name ? mutate(r, edit) : r));

describe("database-credentials-rotate", () => {
    it("passes RDS-managed master passwords that rotate within the limit", async () => {
        await assertClean(databaseCredentialsRotate, rotated());
    });

    it("passes a rotation matched by its dependencies when the engine sends no property dependencies", async () => {
        const list = rotated().map((r) => (r.type === types.secretRotation ? { ...r, propertyDependencies: undefined } : r));
        await assertClean(databaseCredentialsRotate, list);
    });

    it("reports an instance whose master password the program holds", async () => {
        const list = rotated().map((r) =>
            r.name === "app-db"
                ? mutate(r, (p) => {
                      delete p.manageMasterUserPassword;
                      p.password = "from-the-program";
                  })
                : r,
        );
        await assertReports(
            databaseCredentialsRotate,
            list,
            /RDS instance "app-db" does not let RDS manage its master password; set manageMasterUserPassword: true/,
        );
        const unknown = rotated().map((r) => (r.name === "app-db" ? mutate(r, (p) => (p.manageMasterUserPassword = UNKNOWN_VALUE)) : r));
        await assertReports(databaseCredentialsRotate, unknown, /manageMasterUserPassword unknown during preview/);
    });

    it("reports a master secret without a rotation, naming the secretId to use", async () => {
        await assertReports(
            databaseCredentialsRotate,
            rotated().filter((r) => r.name !== "identity-db-rotation"),
            /the master secret of RDS instance "identity-db" has no SecretRotation; .*secretId: instance\.masterUserSecrets\[0\]\.secretArn/,
        );
    });

    it("does not count a rotation whose secretId comes from another resource, even if it waits for the instance", async () => {
        const app = instance();
        const other = credentialsSecret("other");
        const misplaced = {
            ...secretRotationFor(app),
            // It waits for the instance (dependsOn), but its secret is another one.
            propertyDependencies: { secretId: [other.urn] },
            dependencies: [app.urn, other.urn],
        };
        const result = await run(databaseCredentialsRotate, [app, other, misplaced]);
        assert.ok(
            result.messages.some((m) => /the master secret of RDS instance "app-db" has no SecretRotation/.test(m)),
            result.messages.join("\n"),
        );
    });

    it(`reports a rotation less often than every ${max} days, one turned off, one without a period, and an unknown period`, async () => {
        await assertReports(
            databaseCredentialsRotate,
            editRotation(rotated(), "app-db-rotation", (p) => (p.rotationRules.automaticallyAfterDays = max + 1)),
            new RegExp(
                `SecretRotation "app-db-rotation" of the master secret of RDS instance "app-db" rotates every ${max + 1} days; .*at most ${max}`,
            ),
        );
        await assertReports(
            databaseCredentialsRotate,
            editRotation(rotated(), "app-db-rotation", (p) => {
                p.rotationEnabled = false;
                delete p.rotationRules;
            }),
            /turns rotation off \(rotationEnabled: false\)/,
        );
        await assertReports(
            databaseCredentialsRotate,
            editRotation(rotated(), "app-db-rotation", (p) => (p.rotationRules = { scheduleExpression: "rate(400 days)" })),
            /sets no rotationRules\.automaticallyAfterDays/,
        );
        await assertReports(
            databaseCredentialsRotate,
            editRotation(rotated(), "app-db-rotation", (p) => (p.rotationRules.automaticallyAfterDays = UNKNOWN_VALUE)),
            /automaticallyAfterDays unknown during preview/,
        );
    });

    it("takes a stricter limit from config", async () => {
        await assertReports(databaseCredentialsRotate, rotated(), /rotates every 30 days; .*at most 14/, { maximumRotationDays: 14 });
    });

    it("leaves the secrets the program declares to secrets-rotate, rotated or not", async () => {
        await assertClean(databaseCredentialsRotate, [...rotated(), credentialsSecret("web-db-credentials")]);
    });

    it("does not apply outside the configured stacks", async () => {
        const bare = [instance("app-db", "staging")].map((r) => mutate(r, (p) => delete p.manageMasterUserPassword));
        const result = await run(databaseCredentialsRotate, bare);
        assert.deepEqual(result.messages, []);
        assert.match(result.notApplicable ?? "", /Only stacks production must rotate their database credentials/);
    });
});

describe("database-credentials-rotate on the production graph with a point-in-time restore", () => {
    let graph: PolicyResourceLike[];
    before(async () => {
        // The stack's name is in every URN, and the policy applies to production only.
        installMocks({ stack: "production" });
        const data = stackValues("production").values.data as Record<string, unknown>;
        graph = recordedAsPolicyResources(
            await evaluateStack("production", { data: { ...data, restore: { app: { useLatestRestorableTime: true } } } }),
        );
    });

    it("passes: the restore rotates its own master secret", async () => {
        assert.strictEqual(graph.filter((r) => r.type === types.rdsInstance).length, 3);
        const result = await assertClean(databaseCredentialsRotate, graph);
        assert.strictEqual(result.notApplicable, undefined, "the production stack is in scope");
    });

    it("reports the restore when its rotation is missing", async () => {
        await assertReports(
            databaseCredentialsRotate,
            graph.filter((r) => r.name !== "grownext-data-postgres-app-restore-master-rotation"),
            /the master secret of RDS instance "grownext-data-postgres-app-restore-instance" has no SecretRotation/,
        );
    });
});
