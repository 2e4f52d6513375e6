import * as assert from "assert";
import type * as k8sTypes from "@pulumi/kubernetes";
import type { DataTier as DataTierType } from "../../../components/data/dataTier";
import { createExtensionsCommand, migrationJobName } from "../../../components/workloads/migrations";
import type { Migrations as MigrationsType } from "../../../components/workloads/migrations";
import type { PlatformConfig } from "../../../config/load";
import { installMocks, recorder, settle } from "../../../sandbox/mocks";
import { images, minimalStackConfig } from "../../fixtures/minimalStacks";

const psqlImage = "postgres:16.6-alpine";

describe("Migrations (the release gate)", () => {
    let DataTier: typeof DataTierType;
    let Migrations: typeof MigrationsType;
    let k8s: typeof k8sTypes;

    before(async () => {
        installMocks();
        ({ DataTier } = await import("../../../components/data/dataTier"));
        ({ Migrations } = await import("../../../components/workloads/migrations"));
        k8s = await import("@pulumi/kubernetes");
    });
    beforeEach(() => recorder.reset());

    /** The Job names a stack's data tier declares, by database. */
    async function jobNames(cfg: PlatformConfig): Promise<Record<string, string>> {
        recorder.reset();
        new DataTier("rel-data", { config: cfg, namespace: "grownext" }, { providers: [new k8s.Provider("rel-k8s", {})] });
        await settle();
        return Object.fromEntries(
            recorder
                .ofType("kubernetes:batch/v1:Job")
                .map((j) => [j.inputs.metadata.labels["grownext.io/database"], j.inputs.metadata.name]),
        );
    }

    it("names a Job after its database and a hash of image and command", () => {
        const name = migrationJobName("app", images.app, ["npm", "run", "prisma:migrate-deploy"]);
        assert.match(name, /^migrate-app-[0-9a-f]{8}$/);
        assert.strictEqual(migrationJobName("app", images.app, ["npm", "run", "prisma:migrate-deploy"]), name, "deterministic");
        assert.notStrictEqual(
            migrationJobName("app", "ghcr.io/grownext/app:1.4.3", ["npm", "run", "prisma:migrate-deploy"]),
            name,
            "new image",
        );
        assert.notStrictEqual(migrationJobName("app", images.app, ["npm", "run", "migrate"]), name, "new command");
        assert.notStrictEqual(migrationJobName("identity", images.app, ["npm", "run", "prisma:migrate-deploy"]), name, "other database");
        // The command is hashed as a list: ["a b"] and ["a", "b"] are different commands.
        assert.notStrictEqual(migrationJobName("app", images.app, ["npm run"]), migrationJobName("app", images.app, ["npm", "run"]));
    });

    it("re-names (so re-runs) only the app migration when only the app image changes", async () => {
        const before = await jobNames(minimalStackConfig("staging"));
        const after = await jobNames(minimalStackConfig("staging", {}, { images: { ...images, app: "ghcr.io/grownext/app:1.4.3" } }));
        assert.notStrictEqual(after.app, before.app);
        assert.strictEqual(after.identity, before.identity);
    });

    it("re-runs the identity migration when its command changes", async () => {
        const before = await jobNames(minimalStackConfig("staging"));
        const after = await jobNames(minimalStackConfig("staging", {}, { migrations: { identity: ["pnpm", "db:migrate:deploy"] } }));
        assert.strictEqual(after.app, before.app);
        assert.notStrictEqual(after.identity, before.identity);
    });

    it("keeps both Jobs (runs nothing) when an update changes neither image nor command", async () => {
        const before = await jobNames(minimalStackConfig("staging"));
        const after = await jobNames(
            minimalStackConfig(
                "staging",
                { postgres: { backupRetentionDays: 14 } },
                {
                    domain: "other.example.com",
                    services: { worker: { replicas: 3 } },
                    images: { ...images, portal: "ghcr.io/grownext/portal:9.9.9" },
                },
            ),
        );
        assert.deepStrictEqual(after, before);
    });

    it("gives Pulumi's await more time than the Job's own deadline", async () => {
        recorder.reset();
        const m = new Migrations("gate", {
            namespace: "grownext",
            timeoutSeconds: 900,
            psqlImage,
            migrations: [
                { database: "app", image: images.app, command: ["npm", "run", "migrate"], databaseUrl: "postgresql://u:p@h:5432/app" },
            ],
        });
        await settle();
        const job = recorder.one("kubernetes:batch/v1:Job", "gate-app").inputs;
        assert.strictEqual(job.spec.activeDeadlineSeconds, 900);
        assert.ok(m.job("app"));
        assert.strictEqual(m.job("identity"), undefined);
    });

    it("creates pg_stat_statements idempotently, as the owner, before the migration and in the same Job", async () => {
        recorder.reset();
        new Migrations("ext", {
            namespace: "grownext",
            timeoutSeconds: 600,
            psqlImage,
            migrations: [
                {
                    database: "app",
                    image: images.app,
                    command: ["npm", "run", "migrate"],
                    databaseUrl: "postgresql://app:p@h:5432/app?sslmode=require",
                },
                {
                    database: "identity",
                    image: images.identity,
                    command: ["pnpm", "db:migrate"],
                    databaseUrl: "postgresql://identity:p@h:5432/identity?sslmode=require",
                },
            ],
        });
        await settle();
        for (const database of ["app", "identity"]) {
            const pod = recorder.one("kubernetes:batch/v1:Job", `ext-${database}`).inputs.spec.template.spec;
            assert.strictEqual(pod.initContainers.length, 1, database);
            const init = pod.initContainers[0];
            assert.strictEqual(init.image, psqlImage);
            const sql = init.command[init.command.length - 1];
            assert.strictEqual(sql, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;");
            assert.ok(init.command.includes("ON_ERROR_STOP=1"), "a failed statement fails the Job");
            // The migration's own URL (the owner's), read from the same Secret, never a literal.
            const url = init.env.find((e: any) => e.name === "DATABASE_URL");
            const main = pod.containers[0].env.find((e: any) => e.name === "DATABASE_URL");
            assert.deepStrictEqual(url.valueFrom, main.valueFrom);
            assert.strictEqual(url.value, undefined);
            assert.deepStrictEqual(init.command.slice(init.command.indexOf("-d"), init.command.indexOf("-d") + 2), [
                "-d",
                "$(DATABASE_URL)",
            ]);
            assert.strictEqual(init.securityContext.allowPrivilegeEscalation, false);
            assert.strictEqual(init.securityContext.readOnlyRootFilesystem, true);
        }
    });

    it("preloads pg_stat_statements in the in-cluster Postgres too, so the view answers locally, and runs the extension step with the stack's Postgres image", async () => {
        recorder.reset();
        new DataTier(
            "ext-data",
            { config: minimalStackConfig("local"), namespace: "grownext" },
            { providers: [new k8s.Provider("ext-k8s", {})] },
        );
        await settle();
        const postgres = recorder
            .ofType("kubernetes:apps/v1:StatefulSet")
            .filter((r) => r.inputs.metadata.labels["app.kubernetes.io/name"] === "postgres");
        assert.strictEqual(postgres.length, 2);
        for (const sts of postgres)
            assert.deepStrictEqual(sts.inputs.spec.template.spec.containers[0].args, ["-c", "shared_preload_libraries=pg_stat_statements"]);
        for (const job of recorder.ofType("kubernetes:batch/v1:Job")) {
            assert.strictEqual(
                job.inputs.spec.template.spec.initContainers[0].image,
                postgres[0]!.inputs.spec.template.spec.containers[0].image,
            );
        }
    });

    it("re-names the Job when the extension list changes, and refuses a name that is not an identifier", () => {
        const command = ["npm", "run", "migrate"];
        assert.notStrictEqual(
            migrationJobName("app", images.app, command, ["pg_stat_statements", "pgcrypto"]),
            migrationJobName("app", images.app, command),
        );
        assert.deepStrictEqual(createExtensionsCommand(["a", "b_c"]).slice(-1), [
            "CREATE EXTENSION IF NOT EXISTS a; CREATE EXTENSION IF NOT EXISTS b_c;",
        ]);
        assert.throws(() => createExtensionsCommand(["x; DROP TABLE y"]), /not a plain SQL identifier/);
    });

    describe("refuses, saying what to change", () => {
        const base = { database: "app" as const, image: images.app, command: ["npm", "run", "migrate"], databaseUrl: "postgresql://x" };
        it("a timeout under 30 seconds", () => {
            assert.throws(
                () => new Migrations("bad-timeout", { namespace: "ns", psqlImage, timeoutSeconds: 5, migrations: [base] }),
                /migrations\.timeoutSeconds must be an integer of at least 30, got 5/,
            );
        });
        it("an empty command", () => {
            assert.throws(
                () =>
                    new Migrations("bad-command", {
                        namespace: "ns",
                        psqlImage,
                        timeoutSeconds: 60,
                        migrations: [{ ...base, command: [] }],
                    }),
                /migrations\.app must not be empty/,
            );
        });
        it("a database listed twice", () => {
            assert.throws(
                () => new Migrations("bad-twice", { namespace: "ns", psqlImage, timeoutSeconds: 60, migrations: [base, base] }),
                /database app is listed twice/,
            );
        });
    });
});
