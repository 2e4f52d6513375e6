import * as assert from "assert";
import type * as k8sTypes from "@pulumi/kubernetes";
import type { DatabaseRoles as DatabaseRolesType, RoleGrant } from "../../../components/workloads/databaseRoles";
import {
    postgresImageMajor,
    quoteIdent,
    rolePasswordEnv,
    rolesCommand,
    rolesJobName,
    rolesScript,
} from "../../../components/workloads/databaseRoles";
import { resolveDataSettings } from "../../../config/data";
import { migrationBackoffLimit } from "../../../components/workloads/migrations";
import { installMocks, recorder, settle } from "../../../sandbox/mocks";

const roles: RoleGrant[] = [
    { role: "grownext_svc_web", access: "readWrite", passwordEnv: "ROLE_PASSWORD_WEB" },
    { role: "grownext_svc_reports", access: "read", passwordEnv: "ROLE_PASSWORD_REPORTS" },
];
const script = rolesScript({ database: "app", owner: "grownext_app", roles });
/** The statements the server receives (psql meta-commands removed). */
const statements = script.split("\n").filter((l) => l.length > 0 && !l.startsWith("\\"));

describe("database roles: the SQL (rolesScript)", () => {
    it("creates each role only when pg_roles lacks it, setting the password only then", () => {
        const creates = statements.filter((s) => s.includes("CREATE ROLE"));
        assert.strictEqual(creates.length, 2);
        for (const [i, r] of roles.entries()) {
            assert.ok(
                creates[i]!.startsWith(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${r.role}') THEN `),
                creates[i],
            );
            assert.match(
                creates[i]!,
                new RegExp(
                    `format\\('CREATE ROLE %I LOGIN PASSWORD %L', '${r.role}', current_setting\\('grownext.role_password_${i}'\\)\\)`,
                ),
            );
        }
        // Nothing outside the guarded block touches a password: a rotated password is never reset.
        assert.deepStrictEqual(
            statements.filter((s) => /ALTER (ROLE|USER)|PASSWORD/.test(s) && !s.startsWith("DO $$")),
            [],
        );
    });

    it("re-grants idempotently: revoke then grant, default privileges for the owner, no CREATE on public", () => {
        assert.strictEqual(statements.filter((s) => s === "REVOKE CREATE ON SCHEMA public FROM PUBLIC;").length, 1);
        assert.ok(statements.includes(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "grownext_svc_web";`));
        assert.ok(statements.includes(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "grownext_svc_web";`));
        assert.ok(
            statements.includes(
                `ALTER DEFAULT PRIVILEGES FOR ROLE "grownext_app" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "grownext_svc_web";`,
            ),
        );
        assert.ok(statements.includes(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO "grownext_svc_reports";`));
        assert.ok(
            statements.includes(
                `ALTER DEFAULT PRIVILEGES FOR ROLE "grownext_app" IN SCHEMA public GRANT SELECT ON TABLES TO "grownext_svc_reports";`,
            ),
        );
        assert.ok(
            !statements.some((s) => /GRANT [A-Z, ]*(INSERT|UPDATE|DELETE)[A-Z, ]* .* TO "grownext_svc_reports"/.test(s)),
            "read gets no DML",
        );
        assert.ok(statements.includes(`GRANT CONNECT ON DATABASE "app" TO "grownext_svc_web";`));
        // Each role's revokes come before its grants, so the role converges on the catalog.
        const web = statements.filter((s) => s.includes(`"grownext_svc_web"`));
        assert.ok(web.findIndex((s) => s.startsWith("REVOKE ALL ON ALL TABLES")) < web.findIndex((s) => s.startsWith("GRANT SELECT")));
        assert.ok(!statements.some((s) => /\b(CREATE|ALTER|DROP) (TABLE|SCHEMA)\b|GRANT ALL|SUPERUSER|CREATEROLE|CREATEDB/.test(s)));
        assert.strictEqual(rolesScript({ database: "app", owner: "grownext_app", roles }), script, "deterministic");
    });

    it("quotes identifiers and refuses anything that would need escaping", () => {
        assert.strictEqual(quoteIdent("grownext_svc_web"), `"grownext_svc_web"`);
        for (const bad of [`web"; DROP TABLE x; --`, "Web", "a-b", "", "x".repeat(64), "web'"]) {
            assert.throws(() => quoteIdent(bad), /not a plain SQL identifier/, bad);
            assert.throws(
                () => rolesScript({ database: "app", owner: "grownext_app", roles: [{ ...roles[0]!, role: bad }] }),
                /plain SQL identifier/,
            );
        }
        assert.throws(() => rolesScript({ database: "app; x", owner: "grownext_app", roles }), /plain SQL identifier/);
        assert.throws(
            () => rolesScript({ database: "app", owner: "grownext_app", roles: [{ ...roles[0]!, role: "grownext_app" }] }),
            /is the owner/,
        );
        assert.throws(() => rolesScript({ database: "app", owner: "grownext_app", roles: [roles[0]!, roles[0]!] }), /listed twice/);
        assert.throws(
            () => rolesScript({ database: "app", owner: "grownext_app", roles: [{ ...roles[0]!, passwordEnv: "$(id)" }] }),
            /env variable/,
        );
    });

    it("reads passwords from the environment with output discarded: no password in the script, the command or psql's output", () => {
        const lines = script.split("\n");
        const off = lines.indexOf("\\o /dev/null");
        const on = lines.indexOf("\\o");
        assert.ok(off >= 0 && on > off, "output is discarded around the password statements");
        const passwordLines = lines.map((l, i) => [l, i] as const).filter(([l]) => l.includes("role_password_") && !l.startsWith("DO $$"));
        assert.strictEqual(passwordLines.length, 4);
        for (const [l, i] of passwordLines) assert.ok(i > off && i < on, `${l} runs with output discarded`);
        assert.ok(lines.includes("\\getenv role_password_0 ROLE_PASSWORD_WEB"));
        assert.ok(lines.includes("SELECT set_config('grownext.role_password_0', :'role_password_0', true);"), "transaction-local");
        // psql never echoes statements, and the DO blocks read the setting: the password is in no logged DO statement.
        assert.ok(!/\\set ECHO|\\echo|-e\b|--echo/.test(script + rolesCommand.join(" ")));
        assert.deepStrictEqual(rolesCommand.slice(0, 2), ["sh", "-c"]);
        assert.match(rolesCommand[2]!, /psql --no-psqlrc --single-transaction -v ON_ERROR_STOP=1 -d "\$DATABASE_URL" -f -$/);
        assert.strictEqual(rolePasswordEnv("encryption-rotation"), "ROLE_PASSWORD_ENCRYPTION_ROTATION");
    });

    it("names the Job after the database and a hash of image and script", () => {
        const name = rolesJobName("app", "postgres:16.6-alpine", script);
        assert.match(name, /^roles-app-[0-9a-f]{8}$/);
        assert.strictEqual(rolesJobName("app", "postgres:16.6-alpine", script), name);
        assert.notStrictEqual(rolesJobName("app", "postgres:16.7-alpine", script), name, "new image");
        assert.notStrictEqual(
            rolesJobName("app", "postgres:16.6-alpine", rolesScript({ database: "app", owner: "grownext_app", roles: roles.slice(0, 1) })),
            name,
            "new roles",
        );
        assert.notStrictEqual(rolesJobName("identity", "postgres:16.6-alpine", script), name);
    });
});

describe("DatabaseRoles (the roles gate)", () => {
    let DatabaseRoles: typeof DatabaseRolesType;
    let k8s: typeof k8sTypes;

    before(async () => {
        installMocks();
        ({ DatabaseRoles } = await import("../../../components/workloads/databaseRoles"));
        k8s = await import("@pulumi/kubernetes");
    });
    beforeEach(() => recorder.reset());

    it("runs psql after its gate, with the master URL and each password from the ESO-synced Secret only", async () => {
        const provider = new k8s.Provider("roles-k8s", {});
        const migration = new k8s.core.v1.ConfigMap("roles-migration-stand-in", { metadata: { name: "m" } }, { provider });
        const synced = new k8s.core.v1.ConfigMap("roles-synced-stand-in", { metadata: { name: "s" } }, { provider });
        const component = new DatabaseRoles(
            "roles",
            {
                namespace: "grownext",
                psqlImage: "postgres:16.6-alpine",
                timeoutSeconds: 600,
                databases: [
                    {
                        database: "app",
                        databaseName: "app",
                        owner: "grownext_app",
                        roles,
                        secretName: "roles-app",
                        dependsOn: [migration, synced],
                    },
                    {
                        database: "identity",
                        databaseName: "identity",
                        owner: "grownext_identity",
                        roles: [],
                        secretName: "roles-identity",
                        dependsOn: [],
                    },
                ],
            },
            { providers: [provider] },
        );
        await settle();
        const jobs = recorder.ofType("kubernetes:batch/v1:Job");
        assert.deepStrictEqual(
            jobs.map((j) => j.name),
            ["roles-app"],
            "a database without roles gets no Job",
        );
        assert.ok(component.job("app") && !component.job("identity"));
        const job = jobs[0]!;
        assert.strictEqual(job.inputs.metadata.name, rolesJobName("app", "postgres:16.6-alpine", script));
        const spec = job.inputs.spec;
        assert.strictEqual(spec.backoffLimit, migrationBackoffLimit);
        assert.strictEqual(spec.activeDeadlineSeconds, 600);
        assert.strictEqual(spec.ttlSecondsAfterFinished, undefined, "a finished Job stays, or Pulumi would re-create it");
        const pod = spec.template.spec;
        assert.strictEqual(pod.restartPolicy, "Never");
        assert.strictEqual(pod.automountServiceAccountToken, false);
        const [container] = pod.containers;
        assert.strictEqual(container.image, "postgres:16.6-alpine");
        assert.deepStrictEqual(container.command, [...rolesCommand]);
        assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
        const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
        for (const key of ["DATABASE_URL", "ROLE_PASSWORD_WEB", "ROLE_PASSWORD_REPORTS"]) {
            assert.deepStrictEqual(env[key].valueFrom, { secretKeyRef: { name: "roles-app", key } }, key);
            assert.strictEqual(env[key].value, undefined);
        }
        assert.strictEqual(env.ROLES_SQL.value, script);
        // Gated: it waits for the migrations Job and the ExternalSecret.
        const urnOf = (n: string) => recorder.one("kubernetes:core/v1:ConfigMap", n).urn!;
        for (const n of ["roles-migration-stand-in", "roles-synced-stand-in"]) assert.ok(job.dependencies!.includes(urnOf(n)), n);
    });

    it("reads the PostgreSQL major of an official image, and nothing from one that does not say", () => {
        assert.strictEqual(postgresImageMajor("postgres:16.6-alpine"), 16);
        assert.strictEqual(postgresImageMajor("docker.io/library/postgres:14"), 14);
        assert.strictEqual(postgresImageMajor("postgres:13-bookworm@sha256:abc"), 13);
        assert.strictEqual(postgresImageMajor("postgres@sha256:abc"), undefined);
        assert.strictEqual(postgresImageMajor("bitnami/postgresql:16"), undefined);
        // The image every stack runs the roles Job with (data.inCluster is refused on AWS stacks).
        for (const env of ["staging", "production"] as const) {
            const image = resolveDataSettings(env, { provider: "aws" } as never).inCluster.postgresImage;
            assert.ok((postgresImageMajor(image) ?? 0) >= 15, `${env}: ${image}`);
        }
    });

    it("refuses bad input with the key to fix", () => {
        const make = (over: Partial<ConstructorParameters<typeof DatabaseRoles>[1]>) => () =>
            new DatabaseRoles("bad", {
                namespace: "grownext",
                psqlImage: "postgres:16.6-alpine",
                timeoutSeconds: 600,
                databases: [],
                ...over,
            });
        assert.throws(make({ timeoutSeconds: 5 }), /migrations.timeoutSeconds must be an integer of at least 30/);
        assert.throws(make({ psqlImage: "" }), /psqlImage/);
        assert.throws(
            make({ psqlImage: "postgres:14.12-alpine" }),
            /psqlImage postgres:14\.12-alpine has psql 14; .*\\getenv.*postgres:15 or later/,
        );
        assert.doesNotThrow(make({ psqlImage: "postgres:15" }));
        assert.doesNotThrow(make({ psqlImage: "registry.example/psql-tools:1.0" }), "an image that does not say is trusted");
        const d = { database: "app" as const, databaseName: "app", owner: "grownext_app", roles, secretName: "s", dependsOn: [] };
        assert.throws(make({ databases: [d, d] }), /listed twice/);
        assert.throws(make({ databases: [{ ...d, owner: "Master" }] }), /app: .*plain SQL identifier/);
    });
});
