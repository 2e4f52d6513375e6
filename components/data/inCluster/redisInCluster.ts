/**
 * Redis 7 as a one-replica StatefulSet, for the local stack, in one of two roles. The `queue`:
 * `noeviction` (BullMQ must never lose a job to eviction; writes fail loudly instead) and an
 * append-only file on a PersistentVolumeClaim so queued jobs survive a pod restart. The `cache`:
 * an evicting policy (config/defaults.ts `redisMaxmemoryPolicy`) and no persistence at all (an
 * emptyDir), since its entries are rebuilt on a miss. Both: a memory ceiling, a password, and their
 * role as the `grownext.io/redis-role` label, which the redis-noeviction policy reads.
 *
 * The password reaches redis-server through Kubernetes' `$(REDIS_PASSWORD)` expansion of an env
 * var from the Secret, never as a literal in the manifest; `redis-cli` probes authenticate with
 * `REDISCLI_AUTH` from the same Secret. Restricted Pod Security: uid 999 (`redis` in the image),
 * read-only root filesystem (Redis writes only to /data).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GeneratedSecret } from "./generatedSecret";
import { labelKeys, partOf } from "../../../catalog/labels";
import type { RedisRole } from "../../../catalog/network";
import type { InClusterSettings, RedisSettings } from "../../../config/data";
import { redisMaxmemoryPolicy, redisPersistent } from "../../../config/defaults";
import { isDnsLabel, redisPort, redisUrl, type RedisConnection } from "../../../wiring/dataContract";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../workloads/podSecurity";
import { componentError } from "../../../config/errors";

export interface RedisInClusterArgs {
    /** What it is for: `queue` (noeviction, append-only file on a claim) or `cache` (evicting, nothing kept). */
    readonly role: RedisRole;
    /** Namespace of the StatefulSet, its Service and Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Resolved `data.inCluster` settings: image, storage size and class. */
    readonly settings: InClusterSettings;
    /** `--maxmemory` (e.g. `256mb`); the policy follows the role. */
    readonly maxmemory: RedisSettings["maxmemory"];
    /** Raise it to rotate the password; Redis reads it again at the next start. */
    readonly passwordVersion?: number;
}

/** uid of `redis` in the official images. */
export const redisUserId = 999;

const resources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } };

/** Labels of a Redis's objects: part of GrowNext, component `cache` (not a product process), and its role. */
export function redisLabels(instance: string, role: RedisRole): Record<string, string> {
    return {
        [labelKeys.name]: "redis",
        "app.kubernetes.io/instance": instance,
        [labelKeys.partOf]: partOf,
        [labelKeys.component]: "cache",
        [labelKeys.managedBy]: "pulumi",
        [labelKeys.redisRole]: role,
    };
}

/** redis-server arguments; `$(REDIS_PASSWORD)` is expanded by the kubelet from the container's env. */
export function redisServerArgs(maxmemory: string, role: RedisRole): string[] {
    // The queue appends every write to disk; the cache writes nothing (no AOF, no RDB snapshots).
    const persistence = redisPersistent[role] ? ["--appendonly", "yes"] : ["--appendonly", "no", "--save", ""];
    return [
        "--maxmemory-policy",
        redisMaxmemoryPolicy[role],
        "--maxmemory",
        maxmemory,
        "--requirepass",
        "$(REDIS_PASSWORD)",
        ...persistence,
        "--dir",
        "/data",
        "--port",
        String(redisPort),
    ];
}

/** Probe command: PONG from an authenticated ping (REDISCLI_AUTH comes from the Secret). */
export const redisPing = ["sh", "-c", 'test "$(redis-cli -h 127.0.0.1 -p 6379 ping)" = PONG'];

export class RedisInCluster extends pulumi.ComponentResource implements RedisConnection {
    readonly url: pulumi.Output<string>;
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<string>;
    readonly password: pulumi.Output<string>;
    readonly tls: pulumi.Output<string>;
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** Labels that select the Redis pod (its NetworkPolicy and its clients' egress use them). */
    readonly podSelector: Readonly<Record<string, string>>;

    constructor(name: string, args: RedisInClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:RedisInCluster", name, {}, opts);
        if (!isDnsLabel(name, 52)) {
            throw componentError(
                this,
                "RedisInCluster",
                name,
                `the name must be a DNS-1123 label of at most 52 characters (it names the StatefulSet); choose a shorter component name`,
            );
        }
        if (!/^[1-9]\d*(kb|mb|gb)$/.test(args.maxmemory)) {
            throw componentError(
                this,
                "RedisInCluster",
                name,
                `data.redis.maxmemory must be a size such as 256mb, got ${JSON.stringify(args.maxmemory)}`,
            );
        }
        const labels = redisLabels(name, args.role);
        const persistent = redisPersistent[args.role];
        const selector = { [labelKeys.name]: "redis", "app.kubernetes.io/instance": name };
        this.podSelector = selector;

        const password = new GeneratedSecret(
            `${name}-password`,
            {
                length: 32,
                keepers: { version: String(args.passwordVersion ?? 1) },
            },
            { parent: this },
        );
        this.password = pulumi.secret(password.result);

        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { name, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: { REDIS_PASSWORD: this.password },
            },
            { parent: this },
        );
        const fromSecret = { secretKeyRef: { name: secret.metadata.name, key: "REDIS_PASSWORD" } };

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    clusterIP: "None",
                    selector,
                    ports: [{ name: "redis", port: redisPort, targetPort: "redis", protocol: "TCP" }],
                },
            },
            { parent: this },
        );

        const probe = { exec: { command: redisPing } };
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
                            terminationGracePeriodSeconds: 30,
                            securityContext: restrictedPodSecurityContext(redisUserId),
                            containers: [
                                {
                                    name: "redis",
                                    image: args.settings.redisImage,
                                    command: ["redis-server"],
                                    args: redisServerArgs(args.maxmemory, args.role),
                                    ports: [{ name: "redis", containerPort: redisPort, protocol: "TCP" }],
                                    env: [
                                        { name: "REDIS_PASSWORD", valueFrom: fromSecret },
                                        { name: "REDISCLI_AUTH", valueFrom: fromSecret },
                                    ],
                                    securityContext: restrictedContainerSecurityContext(),
                                    resources,
                                    readinessProbe: { ...probe, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                                    livenessProbe: {
                                        ...probe,
                                        initialDelaySeconds: 10,
                                        periodSeconds: 15,
                                        timeoutSeconds: 3,
                                        failureThreshold: 4,
                                    },
                                    volumeMounts: [{ name: "data", mountPath: "/data" }],
                                },
                            ],
                            // The cache keeps nothing: a scratch directory for Redis's working files only.
                            volumes: persistent ? undefined : [{ name: "data", emptyDir: { sizeLimit: "64Mi" } }],
                        },
                    },
                    volumeClaimTemplates: !persistent
                        ? undefined
                        : [
                              {
                                  // Claim templates are immutable: they keep the labels they were created with (no role).
                                  metadata: {
                                      name: "data",
                                      labels: Object.fromEntries(Object.entries(labels).filter(([k]) => k !== labelKeys.redisRole)),
                                  },
                                  spec: {
                                      accessModes: ["ReadWriteOnce"],
                                      storageClassName: args.settings.storageClassName,
                                      resources: { requests: { storage: args.settings.storageSize } },
                                  },
                              },
                          ],
                },
            },
            { parent: this },
        );

        const host = pulumi.interpolate`${service.metadata.name}.${args.namespace}.svc.cluster.local`;
        this.host = pulumi.secret(host);
        this.port = pulumi.secret(String(redisPort));
        this.tls = pulumi.secret("false");
        this.url = pulumi.secret(
            pulumi.all([host, this.password]).apply(([h, pw]) => redisUrl({ password: pw, host: h, port: redisPort, tls: false })),
        );
        this.registerOutputs({ statefulSet: this.statefulSet.metadata.name, url: this.url });
    }
}
