/**
 * PostgreSQL 16 as a one-replica StatefulSet, for the local stack (no cloud account).
 *
 * The data tier runs one of these per database (`app` and `identity`), mirroring the one RDS
 * instance per database of the AWS stacks: the same URLs, the same isolation, no init script to
 * keep in sync with the official image's entrypoint (which creates `POSTGRES_DB` owned by
 * `POSTGRES_USER` by itself). Two small pods cost a few hundred MiB on a laptop cluster.
 *
 * It passes the restricted Pod Security Standard: uid 70 (`postgres` in the alpine image), no
 * privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root filesystem with
 * emptyDirs for the socket directory and /tmp. Traffic stays inside the cluster: no TLS
 * (`sslmode=disable`), which only the local stack accepts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GeneratedSecret } from "./generatedSecret";
import { labelKeys, partOf } from "../../../catalog/labels";
import type { InClusterSettings } from "../../../config/data";
import {
    isDnsLabel,
    postgresNames,
    postgresPort,
    postgresUrl,
    type DatabaseName,
    type PostgresConnection,
} from "../../../wiring/dataContract";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../workloads/podSecurity";
import { componentError } from "../../../config/errors";

export interface PostgresInClusterArgs {
    /** Which database this StatefulSet holds. */
    readonly database: DatabaseName;
    /** Namespace of the StatefulSet, its Service and Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Resolved `data.inCluster` settings: image, storage size and class. */
    readonly settings: InClusterSettings;
}

/** uid and gid of `postgres` in the official alpine image. */
export const postgresAlpineUserId = 70;

const resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } };

/** Labels of the database's objects: part of GrowNext, component `database` (not a product process). */
export function postgresLabels(instance: string, database: DatabaseName): Record<string, string> {
    return {
        [labelKeys.name]: "postgres",
        "app.kubernetes.io/instance": instance,
        [labelKeys.partOf]: partOf,
        [labelKeys.component]: "database",
        [labelKeys.managedBy]: "pulumi",
        "grownext.io/database": database,
    };
}

/** `pg_isready` against the local TCP listener, for readiness, liveness and startup. */
export function pgIsReady(user: string, database: string): string[] {
    return ["pg_isready", "-h", "127.0.0.1", "-p", String(postgresPort), "-U", user, "-d", database];
}

export class PostgresInCluster extends pulumi.ComponentResource implements PostgresConnection {
    readonly url: pulumi.Output<string>;
    readonly directUrl: pulumi.Output<string>;
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** Labels that select the database's pod (its NetworkPolicy and its clients' egress use them). */
    readonly podSelector: Readonly<Record<string, string>>;

    constructor(name: string, args: PostgresInClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:PostgresInCluster", name, {}, opts);
        // Fixed object names: a replaced StatefulSet finds its PersistentVolumeClaim (data-<name>-0) again.
        // StatefulSet names stay within 52 characters so pod labels (name + revision hash) fit in 63.
        if (!isDnsLabel(name, 52)) {
            throw componentError(
                this,
                "PostgresInCluster",
                name,
                `the name must be a DNS-1123 label of at most 52 characters (it names the StatefulSet); choose a shorter component name`,
            );
        }
        const s = args.settings;
        const names = postgresNames(args.database);
        const labels = postgresLabels(name, args.database);
        const selector = { [labelKeys.name]: labels[labelKeys.name]!, "app.kubernetes.io/instance": name };
        this.podSelector = selector;

        // The image applies POSTGRES_PASSWORD only when it initialises an empty volume, so this password
        // is never rotated in place: reset a local database by deleting its claim (docs/secrets.md, "Rotating keys and secrets").
        const password = new GeneratedSecret(`${name}-password`, { length: 32 }, { parent: this });
        const secretPassword = pulumi.secret(password.result);

        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { name, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: { POSTGRES_PASSWORD: secretPassword },
            },
            { parent: this },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    clusterIP: "None",
                    selector,
                    ports: [{ name: "postgres", port: postgresPort, targetPort: "postgres", protocol: "TCP" }],
                },
            },
            { parent: this },
        );

        const probe = { exec: { command: pgIsReady(names.user, names.database) } };
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    serviceName: service.metadata.name,
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels },
                        spec: {
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            terminationGracePeriodSeconds: 60,
                            securityContext: restrictedPodSecurityContext(postgresAlpineUserId),
                            containers: [
                                {
                                    name: "postgres",
                                    image: s.postgresImage,
                                    // As on RDS (postgresAws.ts): the library must be preloaded for the view to answer.
                                    args: ["-c", "shared_preload_libraries=pg_stat_statements"],
                                    ports: [{ name: "postgres", containerPort: postgresPort, protocol: "TCP" }],
                                    env: [
                                        { name: "POSTGRES_USER", value: names.user },
                                        { name: "POSTGRES_DB", value: names.database },
                                        {
                                            name: "POSTGRES_PASSWORD",
                                            valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "POSTGRES_PASSWORD" } },
                                        },
                                        // A subdirectory: the volume's root may hold lost+found, which initdb refuses.
                                        { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                                    ],
                                    securityContext: restrictedContainerSecurityContext(),
                                    resources,
                                    startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 60 },
                                    readinessProbe: { ...probe, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                                    livenessProbe: { ...probe, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                                    volumeMounts: [
                                        { name: "data", mountPath: "/var/lib/postgresql/data" },
                                        { name: "run", mountPath: "/var/run/postgresql" },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "run", emptyDir: {} },
                                { name: "tmp", emptyDir: {} },
                            ],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "data", labels },
                            spec: {
                                accessModes: ["ReadWriteOnce"],
                                storageClassName: s.storageClassName,
                                resources: { requests: { storage: s.storageSize } },
                            },
                        },
                    ],
                },
            },
            { parent: this },
        );

        const host = pulumi.interpolate`${service.metadata.name}.${args.namespace}.svc.cluster.local`;
        this.url = pulumi.secret(
            pulumi.all([host, secretPassword]).apply(([h, pw]) =>
                postgresUrl({
                    user: names.user,
                    password: pw,
                    host: h,
                    port: postgresPort,
                    database: names.database,
                    sslmode: "disable",
                }),
            ),
        );
        // No pooler: the direct URL is the same URL.
        this.directUrl = this.url;
        this.registerOutputs({ statefulSet: this.statefulSet.metadata.name, url: this.url });
    }
}
