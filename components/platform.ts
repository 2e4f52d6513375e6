/**
 * The whole topology of one stack: providers, the namespace, the data tier, the secret store, every
 * catalog process, the public edge and the post-deploy smoke probes.
 */
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelKeys, partOf } from "../catalog/labels";
import { topologySpreadByEnvironment } from "../config/defaults";
import type { PlatformConfig } from "../config/load";
import { pooledEnv } from "./dataContract";
import { DataTier } from "./dataTier";
import { dnsAnnotations, publicDnsRecords } from "./dnsRecords";
import { Edge } from "./edge";
import { envValues, processEnv } from "./environment";
import { Operations, watchedDatabases } from "./operations";
import { PrometheusRules } from "./prometheusRules";
import { NetworkPolicies } from "./networkPolicies";
import { awsProvider, kubernetesProvider } from "./providers";
import { SecretStore } from "./secretStore";
import { servicePort, ServiceProcess } from "./serviceProcess";
import { SmokeProbes } from "./smokeProbes";

export interface PlatformArgs {
    /** Validated config of the stack (config/load.ts). */
    readonly config: PlatformConfig;
}

function sha256(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, 16);
}

export class Platform extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly urls: { readonly api: string; readonly identity: string; readonly portal: string };
    readonly processes: readonly ServiceProcess[];
    readonly renderDirectory?: string;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        // The config holds credentials: it is never passed to super.
        super("grownext:platform:Platform", name, {}, opts);
        const cfg = args.config;
        const kubernetes = kubernetesProvider(name, cfg, { parent: this });
        const aws = awsProvider(name, cfg, { parent: this });
        const childOpts: pulumi.ComponentResourceOptions = {
            parent: this,
            providers: aws ? { kubernetes, aws } : { kubernetes },
        };

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: {
                name: cfg.kubernetes.namespace,
                labels: {
                    [labelKeys.partOf]: partOf,
                    // Pod Security Admission rejects any pod that is not restricted, ours included.
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            },
        }, { parent: this, provider: kubernetes });
        this.namespace = namespace.metadata.name;

        const data = new DataTier(`${name}-data`, {
            config: cfg,
            namespace: this.namespace,
            kubernetesProvider: kubernetes,
            awsProvider: aws,
        }, childOpts);

        // Day-2 operations (AWS stacks): alert route, alarms, event subscriptions, health checks, dashboard.
        if (data.aws) {
            new Operations(`${name}-operations`, { config: cfg, key: data.aws.key, databases: watchedDatabases(data.aws.postgres, data.aws.restored), redis: data.aws.redis, cache: data.aws.cache, redisMultiAz: data.aws.redis.multiAz }, childOpts);
        }

        // Each process's pooled database URLs carry its own pool size (connection_limit), as the budget counts it.
        const envs = cfg.services.map((service) => {
            const values = envValues(cfg, pooledEnv(data.env, service.databasePoolSize), data.secretManagerProvider);
            return { service, env: processEnv(service.spec, values, cfg) };
        });

        const access = aws && data.kmsKey
            ? new SecretStore(`${name}-secrets`, {
                config: cfg,
                namespace: this.namespace,
                awsProvider: aws,
                kmsKey: data.kmsKey,
                processSecrets: envs.map(({ service, env }) => ({ process: service.spec.name, values: env.secret })),
            }, childOpts)
            : undefined;

        this.processes = envs.map(({ service, env }) => {
            const gate = service.spec.migratesBefore ? data.migrationGate(service.spec.migratesBefore) : undefined;
            return new ServiceProcess(`${name}-${service.spec.name}`, {
                service,
                namespace: this.namespace,
                env,
                serviceAccountAnnotations: access?.serviceAccountAnnotations(service.spec.name),
                rolloutAfter: gate ? [gate] : undefined,
                spread: topologySpreadByEnvironment[cfg.environment],
            }, childOpts);
        });

        new NetworkPolicies(`${name}-network`, {
            namespace: this.namespace,
            processes: cfg.services.map((s) => s.spec),
            ingressNamespace: cfg.edge.ingressNamespace,
            stores: data.stores,
            migratedDatabases: data.migrations.databases(),
        }, childOpts);

        const edge = new Edge(`${name}-edge`, {
            namespace: this.namespace,
            routes: this.processes.flatMap(({ spec, serviceName }) =>
                spec.publicHost && serviceName
                    ? [{ process: spec.name, host: `${spec.publicHost}.${cfg.domain}`, serviceName, servicePort, watchedPaths: spec.watchedPaths?.map((w) => w.path), annotations: dnsAnnotations(cfg.dns, `${spec.publicHost}.${cfg.domain}`) }]
                    : []),
            ingressClassName: cfg.edge.ingressClassName,
            clusterIssuer: cfg.edge.clusterIssuer,
            hstsMaxAgeSeconds: cfg.edge.hstsMaxAgeSeconds,
        }, childOpts);
        publicDnsRecords(`${name}-dns`, cfg, edge.ingresses, childOpts);

        // Kubernetes-side alert rules, where the cluster runs the Prometheus Operator.
        if (cfg.monitoring.prometheusRules) {
            new PrometheusRules(`${name}-alert-rules`, { namespace: cfg.kubernetes.namespace, processes: cfg.services.map((s) => s.spec) }, { ...childOpts, dependsOn: [namespace] });
        }

        this.urls = cfg.urls;
        this.renderDirectory = cfg.kubernetes.renderDirectory;

        new SmokeProbes(`${name}-smoke`, {
            enabled: cfg.probes.enabled,
            apiUrl: cfg.urls.api,
            identityUrl: cfg.urls.identity,
            portalUrl: cfg.urls.portal,
            issuer: cfg.urls.identity,
            deadlineSeconds: cfg.probes.deadlineSeconds,
            // A new pod template (image, env, secret name) re-runs the probes; secret values never enter the hash.
            triggers: this.processes.map((p) => pulumi.jsonStringify(p.deployment.spec.template).apply(sha256)),
            // The probes reach the processes through their public hosts: wait for the edge as well.
            dependsOn: [...this.processes.map((p) => p.deployment), edge],
        }, childOpts);

        this.registerOutputs({ namespace: this.namespace, urls: this.urls });
    }
}
