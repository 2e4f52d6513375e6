/**
 * The roles gate (AWS stacks): one Kubernetes Job per database that creates each connecting
 * process's own Postgres role (catalog/databaseRoles.ts) and grants it exactly its privileges, after
 * that database's migrations Job and before any of its processes rolls out. No process connects as
 * the master user (issue #13); the migrations keep it, because they own the schema.
 *
 * The Job runs `psql` (the stack's pinned Postgres image, the one the migrations' extension step
 * uses) as the master user, with the script `rolesScript` builds. The script is idempotent:
 *  - a role is created only when `pg_roles` does not have it, and its password is set only then, so
 *    a password rotated since (AWS's rotation Lambda, docs/secret-rotation.md) is never reset;
 *  - privileges are revoked and granted again in one transaction, so the role converges on the
 *    catalog's privileges (a privilege removed from the catalog is revoked), and
 *    `ALTER DEFAULT PRIVILEGES FOR ROLE <master>` covers the tables later migrations create;
 *  - `REVOKE CREATE ON SCHEMA public FROM PUBLIC`: no role but the owner creates objects.
 * A failure fails the Job; Pulumi awaits it, so the processes keep their old pods (the gate stays shut).
 *
 * Secrets: the master URL and each role's password reach the pod only as env from the Kubernetes
 * Secret `roles-<database>` that ESO syncs (owner `roles-<database>`, its own ServiceAccount and IRSA
 * role, like the migrations, and no Secrets Manager secret of its own): the URL's user and password
 * from the master secret, each role's password from its process's credentials secret, whose current
 * version is the first password when the role is created (platform.ts). psql reads a password with `\getenv`
 * into a variable and hands it to the server with `set_config(..., is_local => true)` under
 * `\o /dev/null`, so no password is in the script, the pod spec, psql's output or a `DO` statement
 * the server might log (`log_statement`).
 *
 * Re-running: the Job's name is `roles-<database>-<8 hex of sha256(image, script)>`, so a changed
 * catalog (a new process, new privileges) or image is a new Job, and an update that changes neither
 * runs nothing (as for the migrations Job, whose header says why there is no TTL).
 */
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { sequencePrivileges, tablePrivileges, type DatabaseAccess } from "../../catalog/databaseRoles";
import { labelKeys } from "../../catalog/labels";
import { componentError } from "../../config/errors";
import type { DatabaseName } from "../../wiring/dataContract";
import { gateContainer, migrationLabels, releaseGateJobSpec } from "./migrations";

/** One role the script ensures. */
export interface RoleGrant {
    /** Postgres role name (`roleName(process)`). */
    readonly role: string;
    readonly access: DatabaseAccess;
    /** The env variable holding the password it is created with (`rolePasswordEnv(process)`). */
    readonly passwordEnv: string;
}

/** `ROLE_PASSWORD_<PROCESS>`: the env name (and Secret key) of the password a role is created with. */
export function rolePasswordEnv(process: string): string {
    return `ROLE_PASSWORD_${process.replace(/-/g, "_").toUpperCase()}`;
}

/** The owner of a database's roles Job, its ServiceAccount, store and Kubernetes Secret. */
export function rolesOwner(database: DatabaseName): string {
    return `roles-${database}`;
}

const plainIdentifier = /^[a-z_][a-z0-9_]{0,62}$/;
const envName = /^[A-Z_][A-Z0-9_]*$/;

/** A double-quoted SQL identifier; refuses anything but a plain lower-case identifier, so quoting never has to escape. */
export function quoteIdent(name: string): string {
    if (!plainIdentifier.test(name)) throw new pulumi.RunError(`${JSON.stringify(name)} is not a plain SQL identifier (a-z, 0-9, _)`);
    return `"${name}"`;
}

/** A single-quoted SQL literal of a plain identifier (for `pg_roles.rolname` and `format` arguments). */
function quoteNameLiteral(name: string): string {
    quoteIdent(name);
    return `'${name}'`;
}

/**
 * The psql script that ensures `roles` in `database`, owned by `owner` (the master user). It holds
 * names only: every password is read from the environment (`\getenv`) at run time.
 */
export function rolesScript(p: { readonly database: string; readonly owner: string; readonly roles: readonly RoleGrant[] }): string {
    const db = quoteIdent(p.database);
    const owner = quoteIdent(p.owner);
    const seen = new Set<string>();
    for (const r of p.roles) {
        quoteIdent(r.role);
        if (r.role === p.owner)
            throw new pulumi.RunError(`role ${r.role} is the owner (master user) of ${p.database}; give the process a role of its own`);
        if (seen.has(r.role)) throw new pulumi.RunError(`role ${r.role} is listed twice for ${p.database}`);
        seen.add(r.role);
        if (!envName.test(r.passwordEnv)) throw new pulumi.RunError(`${JSON.stringify(r.passwordEnv)} is not an env variable name`);
    }
    const lines: string[] = ["\\set ON_ERROR_STOP on", "\\set QUIET on"];
    // Passwords: env -> psql variable -> transaction-local setting. Output is discarded, so the value
    // set_config returns is printed nowhere.
    lines.push("\\o /dev/null");
    p.roles.forEach((r, i) => {
        lines.push(`\\getenv role_password_${i} ${r.passwordEnv}`);
        lines.push(`SELECT set_config('grownext.role_password_${i}', :'role_password_${i}', true);`);
    });
    lines.push("\\o");
    lines.push(`REVOKE CREATE ON SCHEMA public FROM PUBLIC;`);
    p.roles.forEach((r, i) => {
        const role = quoteIdent(r.role);
        const tables = tablePrivileges[r.access].join(", ");
        const sequences = sequencePrivileges[r.access].join(", ");
        lines.push(
            `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${quoteNameLiteral(r.role)}) THEN ` +
                `EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', ${quoteNameLiteral(r.role)}, current_setting('grownext.role_password_${i}')); ` +
                `END IF; END $$;`,
            `GRANT CONNECT ON DATABASE ${db} TO ${role};`,
            `GRANT USAGE ON SCHEMA public TO ${role};`,
            `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role};`,
            `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role};`,
            `GRANT ${tables} ON ALL TABLES IN SCHEMA public TO ${role};`,
            `GRANT ${sequences} ON ALL SEQUENCES IN SCHEMA public TO ${role};`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public REVOKE ALL ON TABLES FROM ${role};`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${role};`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT ${tables} ON TABLES TO ${role};`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT ${sequences} ON SEQUENCES TO ${role};`,
        );
    });
    return lines.join("\n") + "\n";
}

/**
 * The container command: the script (a plain env value, no secret in it) is piped to psql, which
 * runs it in one transaction and stops at the first error. `DATABASE_URL` is the master user's URL.
 */
export const rolesCommand: readonly string[] = [
    "sh",
    "-c",
    'printf \'%s\' "$ROLES_SQL" | psql --no-psqlrc --single-transaction -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f -',
];

/** `roles-<database>-<8 hex>`: changes exactly when the image or the script changes. */
export function rolesJobName(database: DatabaseName, image: string, script: string): string {
    const digest = crypto
        .createHash("sha256")
        .update(JSON.stringify({ image, script, command: rolesCommand }))
        .digest("hex")
        .slice(0, 8);
    return `${rolesOwner(database)}-${digest}`;
}

/**
 * The Job's labels: the release phase's (`component: migration`, the database), so the NetworkPolicy
 * that lets a database's migrations Job reach it (networkPolicies.ts `migrationPodSelector`) admits
 * the roles Job too; its name tells the two apart.
 */
export function rolesLabels(database: DatabaseName): Record<string, string> {
    return { ...migrationLabels(database), [labelKeys.name]: rolesOwner(database) };
}

export interface DatabaseRolesSpec {
    readonly database: DatabaseName;
    /** The database's name inside its instance (`postgresNames(database).database`). */
    readonly databaseName: string;
    /** The master user, owner of the schema (`postgresNames(database).user`). */
    readonly owner: string;
    readonly roles: readonly RoleGrant[];
    /** The Kubernetes Secret holding `DATABASE_URL` (master) and each `passwordEnv`, written by ESO. */
    readonly secretName: pulumi.Input<string>;
    /** What the Job waits for: the database's migrations Job and the ExternalSecret of its Secret. */
    readonly dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

export interface DatabaseRolesArgs {
    /** Namespace of the Jobs. */
    readonly namespace: pulumi.Input<string>;
    /** An image with `psql` (the stack's pinned Postgres image, `data.inCluster.postgresImage`). */
    readonly psqlImage: string;
    /** `activeDeadlineSeconds` of each Job (`migrations.timeoutSeconds`: the same release-phase budget). */
    readonly timeoutSeconds: number;
    /** One entry per database. */
    readonly databases: readonly DatabaseRolesSpec[];
}

/** The oldest psql the roles script runs on: `\getenv`, which reads each password from the environment, came with PostgreSQL 15. */
export const psqlMinMajor = 15;

/**
 * The PostgreSQL major version of an official `postgres:<tag>` image (with or without a registry or a
 * digest), or undefined when the image says nothing about it (another repository, a digest alone).
 */
export function postgresImageMajor(image: string): number | undefined {
    const match = /(?:^|\/)postgres:(\d+)(?:[.-]|@|$)/.exec(image);
    return match === null ? undefined : Number(match[1]);
}

const resources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } };

export class DatabaseRoles extends pulumi.ComponentResource {
    private readonly jobs = new Map<DatabaseName, k8s.batch.v1.Job>();

    constructor(name: string, args: DatabaseRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:DatabaseRoles", name, {}, opts);
        if (args.psqlImage.length === 0)
            throw componentError(this, "DatabaseRoles", name, "psqlImage must name an image with psql (data.inCluster.postgresImage)");
        const major = postgresImageMajor(args.psqlImage);
        if (major !== undefined && major < psqlMinMajor)
            throw componentError(
                this,
                "DatabaseRoles",
                name,
                `psqlImage ${args.psqlImage} has psql ${major}; the roles script reads passwords with \\getenv, which psql ${psqlMinMajor} added: use postgres:${psqlMinMajor} or later (data.inCluster.postgresImage)`,
            );
        if (!Number.isInteger(args.timeoutSeconds) || args.timeoutSeconds < 30)
            throw componentError(
                this,
                "DatabaseRoles",
                name,
                `migrations.timeoutSeconds must be an integer of at least 30, got ${args.timeoutSeconds}`,
            );
        const seen = new Set<DatabaseName>();
        const scripts = new Map<DatabaseName, string>();
        for (const d of args.databases) {
            if (seen.has(d.database)) throw componentError(this, "DatabaseRoles", name, `database ${d.database} is listed twice`);
            seen.add(d.database);
            try {
                scripts.set(d.database, rolesScript({ database: d.databaseName, owner: d.owner, roles: d.roles }));
            } catch (e) {
                throw componentError(this, "DatabaseRoles", name, `${d.database}: ${(e as Error).message}`);
            }
        }

        for (const d of args.databases) {
            if (d.roles.length === 0) continue;
            const labels = rolesLabels(d.database);
            const script = scripts.get(d.database)!;
            const fromSecret = (env: string, key: string) => ({ name: env, valueFrom: { secretKeyRef: { name: d.secretName, key } } });
            const job = new k8s.batch.v1.Job(
                `${name}-${d.database}`,
                {
                    metadata: {
                        name: rolesJobName(d.database, args.psqlImage, script),
                        namespace: args.namespace,
                        labels,
                    },
                    spec: releaseGateJobSpec({
                        labels,
                        timeoutSeconds: args.timeoutSeconds,
                        containers: [
                            gateContainer({
                                name: "roles",
                                image: args.psqlImage,
                                command: [...rolesCommand],
                                env: [
                                    fromSecret("DATABASE_URL", "DATABASE_URL"),
                                    ...d.roles.map((r) => fromSecret(r.passwordEnv, r.passwordEnv)),
                                    { name: "ROLES_SQL", value: script },
                                    { name: "HOME", value: "/tmp" },
                                ],
                                resources,
                            }),
                        ],
                    }),
                },
                {
                    parent: this,
                    dependsOn: d.dependsOn,
                    customTimeouts: { create: `${args.timeoutSeconds + 120}s`, update: `${args.timeoutSeconds + 120}s` },
                },
            );
            this.jobs.set(d.database, job);
        }
        this.registerOutputs({ jobs: [...this.jobs.values()].map((j) => j.metadata.name) });
    }

    /** The roles Job of a database (a process's rollout waits for it); undefined when it has none. */
    job(database: DatabaseName): k8s.batch.v1.Job | undefined {
        return this.jobs.get(database);
    }
}
