/**
 * One process of the product on Kubernetes: its ServiceAccount, its own Secret, the Deployment, a
 * Service when it serves HTTP, a PodDisruptionBudget, and an autoscaler when it autoscales. Every
 * setting comes from the catalog entry and the stack's resolved config.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelKeys, partOf } from "../../catalog/labels";
import { describeCheck, notShallowReason, type HealthCheck, type ProcessSpec } from "../../catalog/processes";
import type { TopologySpread } from "../../config/defaults";
import { componentError } from "../../config/errors";
import { rolloutMaxSurge } from "../../config/defaults";
import type { ResolvedService } from "../../config/load";
import type { ProcessEnv } from "../../wiring/processEnv";
import { reloaderAnnotation } from "../data/aws/externalSecrets";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./podSecurity";

export interface ServiceProcessArgs {
    /** The process, with its catalog entry and this stack's settings. */
    readonly service: ResolvedService;
    /** Namespace all of the process's resources live in. */
    readonly namespace: pulumi.Input<string>;
    /** Its environment: plain variables and the secret ones for its own Secret. */
    readonly env: ProcessEnv;
    /** Annotations for its ServiceAccount (an IAM role on AWS stacks). */
    readonly serviceAccountAnnotations?: Record<string, pulumi.Input<string>>;
    /** Resources that must be ready before the Deployment rolls out (the migrations Job). */
    readonly rolloutAfter?: pulumi.Input<pulumi.Resource>[];
    /** How a multi-replica process spreads across zones and nodes (config/defaults.ts, per environment). */
    readonly spread: TopologySpread;
    /**
     * AWS stacks: the Secret the External Secrets Operator keeps in sync (components/data/aws/externalSecrets.ts).
     * The process then declares no Secret of its own, and Reloader rolls it when the Secret changes.
     */
    readonly syncedSecret?: { readonly name: string; readonly syncedBy: pulumi.Resource };
}

/** The node labels spread constraints count by: well-known labels every EKS, kind and k3s node carries. */
export const topologyKeys = { zone: "topology.kubernetes.io/zone", node: "kubernetes.io/hostname" } as const;

/** Port name the Service and the probes use. */
const httpPortName = "http";
/** Port the Service exposes inside the cluster; Ingresses route to it. */
export const servicePort = 80;

export function processLabels(spec: ProcessSpec): Record<string, string> {
    return {
        [labelKeys.name]: spec.name,
        [labelKeys.partOf]: partOf,
        [labelKeys.component]: spec.http ? "http" : "background",
        [labelKeys.managedBy]: "pulumi",
        [labelKeys.process]: spec.name,
        [labelKeys.scaling]: spec.scaling,
    };
}

/** The selector is the stable subset of labels (selectors are immutable on Deployments). */
export function selectorLabels(spec: ProcessSpec): Record<string, string> {
    return { [labelKeys.partOf]: partOf, [labelKeys.process]: spec.name };
}

type Probe = k8s.types.input.core.v1.Probe;

/** A catalog check as a probe handler on the container's named HTTP port. */
function handlerFor(check: HealthCheck): Probe {
    return "httpGet" in check ? { httpGet: { path: check.httpGet, port: httpPortName } } : { tcpSocket: { port: httpPortName } };
}

/**
 * Startup, readiness and liveness probes: the catalog's checks for HTTP processes (shallow startup and
 * liveness, deep readiness), one exec check for background processes.
 */
export function probesFor(service: ResolvedService): { startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe } {
    const http = service.spec.http;
    if (http) {
        for (const [probe, { check }] of [
            ["startup", http.startup],
            ["liveness", http.liveness],
        ] as const) {
            const reason = notShallowReason(check, http);
            // A deep liveness check turns a dependency outage into a restart of every pod.
            if (reason)
                throw new pulumi.RunError(
                    `${service.spec.name}: the catalog's ${probe} check (${describeCheck(check)}) must be shallow, but ${reason}; use a shallow endpoint or tcpSocket`,
                );
        }
        return {
            // Up to 5 minutes to start (migrations have already run; this covers cold caches).
            startupProbe: { ...handlerFor(http.startup.check), periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 3 },
            readinessProbe: { ...handlerFor(http.readiness.check), periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
            livenessProbe: { ...handlerFor(http.liveness.check), periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
        };
    }
    if (!service.livenessCommand)
        throw new pulumi.RunError(`${service.spec.name} has neither HTTP health endpoints nor a liveness command`);
    // One shallow exec check for all three: a background process serves nothing to be ready for, and
    // its queue health is watched through web's heartbeat endpoint, never by restarting it.
    const exec = { exec: { command: [...service.livenessCommand] } };
    return {
        startupProbe: { ...exec, periodSeconds: 5, failureThreshold: 24, timeoutSeconds: 5 },
        readinessProbe: { ...exec, periodSeconds: 15, failureThreshold: 3, timeoutSeconds: 5 },
        livenessProbe: { ...exec, periodSeconds: 30, failureThreshold: 3, timeoutSeconds: 5 },
    };
}

/** Singletons are replaced, never overlapped: `Recreate` stops the old pod before the new one starts. */
export function strategyFor(spec: ProcessSpec): k8s.types.input.apps.v1.DeploymentStrategy {
    if (spec.scaling === "singleton") return { type: "Recreate" };
    return { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: rolloutMaxSurge } };
}

/**
 * Zone and node spread for every process that may run more than one replica; none for singletons
 * (one pod has nothing to spread). Only the pods of the same revision are counted
 * (`pod-template-hash`), so a rollout's surge pod is not pushed off by the pods it replaces; nodes
 * the pods cannot use (taints, affinity) are not counted as empty domains.
 */
export function topologySpreadFor(
    spec: ProcessSpec,
    spread: TopologySpread,
): k8s.types.input.core.v1.TopologySpreadConstraint[] | undefined {
    if (spec.scaling === "singleton") return undefined;
    return (["zone", "node"] as const).map((domain) => ({
        topologyKey: topologyKeys[domain],
        maxSkew: spread[domain].maxSkew,
        whenUnsatisfiable: spread[domain].whenUnsatisfiable,
        labelSelector: { matchLabels: selectorLabels(spec) },
        matchLabelKeys: ["pod-template-hash"],
        nodeAffinityPolicy: "Honor",
        nodeTaintsPolicy: "Honor",
    }));
}

/**
 * A soft preference for other nodes than the process's own pods, beside the spread: the spread
 * decides, this only breaks ties, and it lets linters that know anti-affinity but not spread
 * constraints (kube-score, zegl/kube-score#613) see the intent. None for singletons.
 */
export function antiAffinityFor(spec: ProcessSpec): k8s.types.input.core.v1.Affinity | undefined {
    if (spec.scaling === "singleton") return undefined;
    return {
        podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
                {
                    weight: 100,
                    podAffinityTerm: { topologyKey: topologyKeys.node, labelSelector: { matchLabels: selectorLabels(spec) } },
                },
            ],
        },
    };
}

export class ServiceProcess extends pulumi.ComponentResource {
    /** Name of the Service in front of the process (HTTP processes only). */
    readonly serviceName?: pulumi.Output<string>;
    readonly deployment: k8s.apps.v1.Deployment;
    /** The catalog entry this component runs. */
    readonly spec: ProcessSpec;

    constructor(name: string, args: ServiceProcessArgs, opts?: pulumi.ComponentResourceOptions) {
        // Args carry secret env values: never hand them to super, where they would become component inputs.
        super("grownext:platform:ServiceProcess", name, {}, opts);
        const { service, namespace } = args;
        const spec = service.spec;
        if (spec.scaling === "singleton" && service.replicas !== 1) {
            throw componentError(
                this,
                "ServiceProcess",
                name,
                `${spec.name} is a singleton and must run exactly 1 replica, got ${service.replicas}`,
            );
        }
        if (spec.http && spec.port === undefined)
            throw componentError(this, "ServiceProcess", name, `${spec.name} serves HTTP but its catalog entry has no port`);
        this.spec = spec;
        const labels = processLabels(spec);
        const metadata = { namespace, labels };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: { ...metadata, name: spec.name, annotations: args.serviceAccountAnnotations },
                // Pods call no Kubernetes API; IRSA injects its own projected token when annotated.
                automountServiceAccountToken: false,
            },
            { parent: this },
        );

        const secretNames = Object.keys(args.env.secret).sort();
        const synced = secretNames.length === 0 ? undefined : args.syncedSecret;
        // Immutable and auto-named: a changed value makes a new Secret, so the pods roll to pick it up.
        const secret =
            secretNames.length === 0 || synced
                ? undefined
                : new k8s.core.v1.Secret(
                      `${name}-env`,
                      {
                          metadata,
                          type: "Opaque",
                          immutable: true,
                          stringData: Object.fromEntries(secretNames.map((key) => [key, pulumi.secret(args.env.secret[key]!)])),
                      },
                      { parent: this },
                  );

        const env: k8s.types.input.core.v1.EnvVar[] = [
            ...args.env.plain.map(({ name: envName, value }) => ({ name: envName, value })),
            ...secretNames.map((key) => ({
                name: key,
                valueFrom: { secretKeyRef: { name: synced ? synced.name : secret!.metadata.name, key } },
            })),
        ];
        const rolloutAfter: pulumi.Input<pulumi.Resource>[] = [...(args.rolloutAfter ?? []), ...(synced ? [synced.syncedBy] : [])];

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                // A synced Secret changes in place (ESO): Reloader rolls the pods, which read env only at start.
                metadata: { ...metadata, name: spec.name, annotations: synced ? { [reloaderAnnotation]: synced.name } : undefined },
                spec: {
                    // Autoscaled processes leave replicas to their HPA, so an update never resets the scale.
                    replicas: spec.scaling === "autoscaled" ? undefined : service.replicas,
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: selectorLabels(spec) },
                    strategy: strategyFor(spec),
                    template: {
                        metadata: { labels },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(),
                            terminationGracePeriodSeconds: service.terminationGracePeriodSeconds,
                            topologySpreadConstraints: topologySpreadFor(spec, args.spread),
                            affinity: antiAffinityFor(spec),
                            containers: [
                                {
                                    name: spec.name,
                                    image: service.image,
                                    imagePullPolicy: "IfNotPresent",
                                    command: spec.command ? [...spec.command] : undefined,
                                    ports: spec.port !== undefined ? [{ name: httpPortName, containerPort: spec.port }] : undefined,
                                    env,
                                    resources: service.resources,
                                    securityContext: restrictedContainerSecurityContext(),
                                    ...probesFor(service),
                                    // The root filesystem is read-only; Node and Next.js still need a scratch dir.
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
                        },
                    },
                },
            },
            { parent: this, dependsOn: rolloutAfter.length > 0 ? rolloutAfter : undefined },
        );

        if (spec.http) {
            const svc = new k8s.core.v1.Service(
                `${name}-service`,
                {
                    metadata: { ...metadata, name: spec.name },
                    spec: {
                        type: "ClusterIP",
                        selector: selectorLabels(spec),
                        ports: [{ name: httpPortName, port: servicePort, targetPort: httpPortName }],
                    },
                },
                { parent: this },
            );
            this.serviceName = svc.metadata.name;
        }

        // One pod at a time may be evicted: drains proceed, and multi-replica processes keep serving.
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            {
                metadata,
                spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(spec) } },
            },
            { parent: this },
        );

        if (service.autoscale) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata,
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deployment.metadata.name },
                        minReplicas: service.autoscale.min,
                        maxReplicas: service.autoscale.max,
                        metrics: [
                            {
                                type: "Resource",
                                resource: {
                                    name: "cpu",
                                    target: { type: "Utilization", averageUtilization: service.autoscale.targetCpuPercent },
                                },
                            },
                        ],
                    },
                },
                { parent: this },
            );
        }

        this.registerOutputs({ serviceName: this.serviceName, deployment: this.deployment.metadata.name });
    }
}
