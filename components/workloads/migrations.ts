/**
 * The release gate: one Kubernetes Job per database that runs its schema migrations before any
 * process of that database rolls out (the guides' release phase: migrations first).
 *
 * Pulumi awaits a Job until it completes, so a failed migration fails the update; the processes'
 * Deployments depend on the Job (`migrationGate`), so they are not touched and the old pods keep
 * serving. No `ttlSecondsAfterFinished` (Pulumi would find the Job gone and re-create it) and no
 * `pulumi.com/skipAwait` (that would open the gate before the schema is there).
 *
 * Re-running: a Job's pod template is immutable, and a Job that already completed never runs again.
 * The Job's name is `migrate-<database>-<8 hex of sha256(image, command)>`, so a new image or
 * command is a new Job (Pulumi replaces it, and the new one runs and is awaited), while an update
 * that changes neither keeps the completed Job and runs nothing. The name says which release
 * migrated the database (`kubectl get jobs`), and the rule is testable without an engine.
 * A new name is created before the old Job is deleted, so the gate never stands open; the rare
 * replacement under the same name (a template change that is neither image nor command) is
 * delete-then-create, which the Kubernetes provider chooses by itself for named objects. No
 * explicit `deleteBeforeReplace`: it would also delete first on the usual, renamed path.
 *
 * Extensions: before the migration, an init container of the same Job runs
 * `CREATE EXTENSION IF NOT EXISTS` for each of `databaseExtensions` with `psql` (the stack's
 * Postgres image; the app images carry no client), connected with the migration's own URL, that is
 * as the database's owner (the RDS master user, or `POSTGRES_USER` in-cluster). `IF NOT EXISTS`
 * makes a re-run a no-op, and a failure fails the Job, so the gate stays closed exactly as for a
 * failed migration. The extension list is part of the Job's name, so adding one re-runs the Job.
 */
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelKeys, partOf } from "../../catalog/labels";
import type { DatabaseName } from "../../wiring/dataContract";
import { appUserId, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./podSecurity";
import { componentError } from "../../config/errors";

export interface MigrationSpec {
    /** The database the migration changes. */
    readonly database: DatabaseName;
    /** The image holding the migrations (`images.app` or `images.identity`). */
    readonly image: string;
    /** The migration command (`migrations.app` or `migrations.identity`). */
    readonly command: readonly string[];
    /** The database's connection URL, given to the Job as `DATABASE_URL` (secret). */
    readonly databaseUrl: pulumi.Input<string>;
    /** Resources the Job must wait for (e.g. the in-cluster StatefulSet being ready). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export interface MigrationsArgs {
    /** Namespace of the Jobs and their Secrets. */
    readonly namespace: pulumi.Input<string>;
    /** One entry per database. */
    readonly migrations: readonly MigrationSpec[];
    /** `activeDeadlineSeconds` of each Job (`migrations.timeoutSeconds`). */
    readonly timeoutSeconds: number;
    /** An image with `psql` that creates the extensions (the stack's pinned Postgres image). */
    readonly psqlImage: string;
    /**
     * AWS stacks: the External Secrets Operator writes each `migrate-<database>-database` Secret
     * (components/data/aws/externalSecrets.ts), so none is declared here; the Jobs wait for these resources.
     */
    readonly syncedSecrets?: { readonly syncedBy: pulumi.Input<pulumi.Resource[]> };
}

/** The Secret holding a migration's DATABASE_URL, declared here or written by ESO under this name. */
export function migrationSecretName(database: DatabaseName): string {
    return `migrate-${database}-database`;
}

/**
 * Extensions every database gets. `pg_stat_statements` needs the library preloaded as well
 * (`shared_preload_libraries`: the RDS parameter group, the in-cluster server's arguments).
 */
export const databaseExtensions: readonly string[] = ["pg_stat_statements"];

/** The psql command that creates the extensions, idempotently, in one transaction. */
export function createExtensionsCommand(extensions: readonly string[] = databaseExtensions): string[] {
    for (const e of extensions) {
        if (!/^[a-z_][a-z0-9_]*$/.test(e)) throw new pulumi.RunError(`extension name ${JSON.stringify(e)} is not a plain SQL identifier`);
    }
    const sql = extensions.map((e) => `CREATE EXTENSION IF NOT EXISTS ${e};`).join(" ");
    // $(DATABASE_URL) is expanded by the kubelet from the container's env (a Secret reference).
    return ["psql", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-d", "$(DATABASE_URL)", "-c", sql];
}

/** Retries of a failed migration pod; migrations are not meant to be hammered. */
export const migrationBackoffLimit = 1;

/** A release-gate container: restricted, with HOME on the pod's writable /tmp (the root filesystem is read-only). */
export function gateContainer(c: k8s.types.input.core.v1.Container): k8s.types.input.core.v1.Container {
    return { ...c, securityContext: restrictedContainerSecurityContext(), volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] };
}

/**
 * The spec of a release-gate Job (the migrations, the database roles): one run at a time, retried
 * `migrationBackoffLimit` times within the deadline, a restricted pod without a service-account token
 * or service links, and an empty /tmp for its gateContainer()s.
 */
export function releaseGateJobSpec(p: {
    readonly labels: Record<string, string>;
    readonly timeoutSeconds: number;
    readonly initContainers?: k8s.types.input.core.v1.Container[];
    readonly containers: k8s.types.input.core.v1.Container[];
}): k8s.types.input.batch.v1.JobSpec {
    return {
        backoffLimit: migrationBackoffLimit,
        activeDeadlineSeconds: p.timeoutSeconds,
        completions: 1,
        parallelism: 1,
        template: {
            metadata: { labels: p.labels },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: restrictedPodSecurityContext(appUserId),
                ...(p.initContainers ? { initContainers: p.initContainers } : {}),
                containers: p.containers,
                volumes: [{ name: "tmp", emptyDir: {} }],
            },
        },
    };
}

const resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };
const extensionResources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } };

/** `migrate-<database>-<8 hex>`: changes exactly when the image, the command or the extension list changes. */
export function migrationJobName(
    database: DatabaseName,
    image: string,
    command: readonly string[],
    extensions: readonly string[] = databaseExtensions,
): string {
    const digest = crypto.createHash("sha256").update(JSON.stringify({ image, command, extensions })).digest("hex").slice(0, 8);
    return `migrate-${database}-${digest}`;
}

export function migrationLabels(database: DatabaseName): Record<string, string> {
    return {
        [labelKeys.name]: `migrate-${database}`,
        [labelKeys.partOf]: partOf,
        [labelKeys.component]: "migration",
        [labelKeys.managedBy]: "pulumi",
        "grownext.io/database": database,
    };
}

export class Migrations extends pulumi.ComponentResource {
    private readonly jobs = new Map<DatabaseName, k8s.batch.v1.Job>();

    constructor(name: string, args: MigrationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:Migrations", name, {}, opts);
        if (args.psqlImage.length === 0)
            throw componentError(
                this,
                "Migrations",
                name,
                `psqlImage must name an image with psql (data.inCluster.postgresImage's default)`,
            );
        if (!Number.isInteger(args.timeoutSeconds) || args.timeoutSeconds < 30) {
            throw componentError(
                this,
                "Migrations",
                name,
                `migrations.timeoutSeconds must be an integer of at least 30, got ${args.timeoutSeconds}`,
            );
        }
        const seen = new Set<DatabaseName>();
        for (const m of args.migrations) {
            if (seen.has(m.database))
                throw componentError(this, "Migrations", name, `database ${m.database} is listed twice; give each database one migration`);
            seen.add(m.database);
            if (m.command.length === 0)
                throw componentError(
                    this,
                    "Migrations",
                    name,
                    `migrations.${m.database} must not be empty (example: ["npm","run","prisma:migrate-deploy"])`,
                );
        }

        for (const m of args.migrations) {
            const labels = migrationLabels(m.database);
            const secretName: pulumi.Input<string> = args.syncedSecrets
                ? migrationSecretName(m.database)
                : new k8s.core.v1.Secret(
                      `${name}-${m.database}-secret`,
                      {
                          metadata: { name: migrationSecretName(m.database), namespace: args.namespace, labels },
                          type: "Opaque",
                          stringData: { DATABASE_URL: pulumi.secret(m.databaseUrl) },
                      },
                      { parent: this },
                  ).metadata.name;
            const dependsOn = args.syncedSecrets
                ? pulumi.output(args.syncedSecrets.syncedBy).apply((synced) => [...synced, ...(m.dependsOn ?? [])])
                : m.dependsOn;

            const job = new k8s.batch.v1.Job(
                `${name}-${m.database}`,
                {
                    metadata: {
                        name: migrationJobName(m.database, m.image, m.command),
                        namespace: args.namespace,
                        labels,
                        annotations: { "grownext.io/image": m.image },
                    },
                    spec: releaseGateJobSpec({
                        labels,
                        timeoutSeconds: args.timeoutSeconds,
                        initContainers: [
                            gateContainer({
                                name: "extensions",
                                image: args.psqlImage,
                                command: createExtensionsCommand(),
                                env: [
                                    { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: secretName, key: "DATABASE_URL" } } },
                                    { name: "HOME", value: "/tmp" },
                                ],
                                resources: extensionResources,
                            }),
                        ],
                        containers: [
                            gateContainer({
                                name: "migrate",
                                image: m.image,
                                command: [...m.command],
                                env: [
                                    { name: "NODE_ENV", value: "production" },
                                    { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: secretName, key: "DATABASE_URL" } } },
                                    // npm/pnpm write caches and logs under HOME; the root filesystem is read-only.
                                    { name: "HOME", value: "/tmp" },
                                ],
                                resources,
                            }),
                        ],
                    }),
                },
                {
                    parent: this,
                    dependsOn,
                    // Pulumi's await must outlast the Job's own deadline, so the Job's failure is what it reports.
                    customTimeouts: { create: `${args.timeoutSeconds + 120}s`, update: `${args.timeoutSeconds + 120}s` },
                },
            );
            this.jobs.set(m.database, job);
        }
        this.registerOutputs({ jobs: [...this.jobs.values()].map((j) => j.metadata.name) });
    }

    /** The databases that have a migrations Job. */
    databases(): DatabaseName[] {
        return [...this.jobs.keys()];
    }

    /** The Job of a database, for `dependsOn`; undefined when the database has no migration. */
    job(database: DatabaseName): k8s.batch.v1.Job | undefined {
        return this.jobs.get(database);
    }
}
