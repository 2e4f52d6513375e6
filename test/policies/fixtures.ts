/**
 * Compliant baselines for the policy tests: each factory returns a fresh resource that passes every
 * policy; tests apply one mutation and expect exactly that rule to fire. `compliantStack` assembles a
 * whole stack (all catalog processes, their Secrets, edge, data tier, smoke probe) that passes the
 * entire pack.
 */
import { labelKeys, partOf, smokeProbeMarker } from "../../catalog/labels";
import { findProcess, processCatalog, type HealthCheck } from "../../catalog/processes";
import { serviceRoleTrustedProcesses } from "../../catalog/environment";
import { resource, urnOf, type PolicyResourceLike } from "./harness";
import { monitoringResources } from "./monitoringFixtures";

export const types = {
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    pod: "kubernetes:core/v1:Pod",
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    middleware: "kubernetes:traefik.io/v1alpha1:Middleware",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    command: "command:local:Command",
    component: "grownext:platform:ServiceProcess",
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    rdsClusterInstance: "aws:rds/clusterInstance:ClusterInstance",
    parameterGroup: "aws:elasticache/parameterGroup:ParameterGroup",
    replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
    kmsKey: "aws:kms/key:Key",
    smSecret: "aws:secretsmanager/secret:Secret",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
} as const;

export const namespace = "grownext";

/** A deep copy of a resource with its props changed by `change`. */
export function mutate(r: PolicyResourceLike, change: (props: any) => void): PolicyResourceLike {
    const copy: PolicyResourceLike = structuredClone(r);
    change(copy.props);
    return copy;
}

/** The first container of a workload's pod template (Deployment, StatefulSet, ...). */
export function container(props: any, index = 0): any {
    return props.spec.template.spec.containers[index];
}

export function podSpec(props: any): any {
    return props.spec.template.spec;
}

/** Env entry helpers. */
export const literal = (name: string, value: string) => ({ name, value });
export const fromSecret = (name: string, secret: string, key = name) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

export function labelsFor(processName: string): Record<string, string> {
    const spec = findProcess(processName);
    return {
        [labelKeys.name]: processName,
        [labelKeys.partOf]: partOf,
        [labelKeys.process]: processName,
        ...(spec ? { [labelKeys.scaling]: spec.scaling } : {}),
    };
}

export function secretNameFor(processName: string): string {
    return `${processName}-env`;
}

/** A compliant Deployment (props) running a catalog process. */
export function workloadProps(processName: string): Record<string, any> {
    const spec = findProcess(processName);
    if (!spec) throw new Error(`unknown process ${processName}`);
    const labels = labelsFor(processName);
    // The catalog's checks, as ServiceProcess renders them: deep readiness, shallow liveness.
    const handler = (check: HealthCheck) => ("httpGet" in check ? { httpGet: { path: check.httpGet, port: spec.port } } : { tcpSocket: { port: spec.port } });
    const exec = { exec: { command: ["node", "dist/workers/healthcheck.js"] }, periodSeconds: 30 };
    const readiness = spec.http ? handler(spec.http.readiness.check) : exec;
    const liveness = spec.http ? handler(spec.http.liveness.check) : exec;
    const env: any[] = [literal("NODE_ENV", "production"), fromSecret("DATABASE_URL", secretNameFor(processName))];
    if (processName === "identity") env.push(literal("TRUST_PROXY", "true"));
    if (processName === "portal") env.push(literal("NEXT_PUBLIC_SUPABASE_URL", "https://supabase.example.com"));
    const singleton = spec.scaling === "singleton";
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: processName, namespace, labels: { ...labels } },
        spec: {
            replicas: singleton ? 1 : 2,
            ...(singleton ? { strategy: { type: "Recreate" } } : {}),
            selector: { matchLabels: { [labelKeys.process]: processName } },
            template: {
                metadata: { labels: { ...labels } },
                spec: {
                    serviceAccountName: processName,
                    securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 },
                    containers: [
                        {
                            name: processName,
                            image: `ghcr.io/grownext/${spec.image}:1.4.2`,
                            ...(spec.command ? { command: [...spec.command] } : {}),
                            ...(spec.port ? { ports: [{ containerPort: spec.port }] } : {}),
                            env,
                            envFrom: [{ secretRef: { name: secretNameFor(processName) } }],
                            readinessProbe: readiness,
                            livenessProbe: liveness,
                            resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
                        },
                    ],
                },
            },
        },
    };
}

export function workload(processName: string, extra: Partial<PolicyResourceLike> & { stack?: string } = {}): PolicyResourceLike {
    return resource(types.deployment, processName, workloadProps(processName), extra);
}

/** The Kubernetes Secret a process's env comes from; trusted processes get the service-role key. */
export function processSecret(processName: string, stack = "test"): PolicyResourceLike {
    const stringData: Record<string, string> = { DATABASE_URL: "postgres://app@db/app", REDIS_URL: "rediss://redis:6379" };
    if (serviceRoleTrustedProcesses.includes(processName)) stringData.SUPABASE_SERVICE_ROLE_KEY = "service-role";
    return resource(
        types.secret,
        secretNameFor(processName),
        { apiVersion: "v1", kind: "Secret", metadata: { name: secretNameFor(processName), namespace }, type: "Opaque", stringData },
        { stack },
    );
}

/** The ESO SecretStore of a process (components/externalSecrets.ts): authenticated as its own ServiceAccount. */
export function esoSecretStore(processName: string, stack = "test"): PolicyResourceLike {
    return resource("kubernetes:external-secrets.io/v1:SecretStore", processName, {
        apiVersion: "external-secrets.io/v1",
        kind: "SecretStore",
        metadata: { name: processName, namespace },
        spec: { provider: { aws: { service: "SecretsManager", region: "eu-west-1", auth: { jwt: { serviceAccountRef: { name: processName } } } } } },
    }, { stack });
}

/** The ExternalSecret writing a process's Secret on AWS stacks: the Secret's keys, as template keys. */
export function externalSecretFor(secret: PolicyResourceLike): PolicyResourceLike {
    const name = (secret.props.metadata as { name: string }).name;
    const keys = Object.keys(secret.props.stringData as object);
    return resource("kubernetes:external-secrets.io/v1:ExternalSecret", name, {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name, namespace },
        spec: {
            refreshInterval: "1h",
            secretStoreRef: { name: name.replace(/-env$/, ""), kind: "SecretStore" },
            target: { name, template: { data: Object.fromEntries(keys.map((k) => [k, `{{ .${k} }}`])) } },
            data: keys.map((k) => ({ secretKey: k, remoteRef: { key: `grownext/production/${name}`, property: k } })),
        },
    }, { stack: secret.urn.split("::")[0]!.replace("urn:pulumi:", "") });
}

/** In-cluster Redis (local stack), configured on its command line. */
export function redisStatefulSetProps(): Record<string, any> {
    const labels = { [labelKeys.name]: "redis", [labelKeys.partOf]: partOf };
    return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "redis", namespace, labels: { ...labels } },
        spec: {
            replicas: 1,
            serviceName: "redis",
            selector: { matchLabels: { ...labels } },
            template: {
                metadata: { labels: { ...labels } },
                spec: {
                    securityContext: { runAsNonRoot: true, runAsUser: 999, fsGroup: 999 },
                    containers: [
                        {
                            name: "redis",
                            image: "redis:7.4.1-alpine",
                            command: ["redis-server"],
                            args: ["--appendonly", "yes", "--maxmemory-policy", "noeviction"],
                            readinessProbe: { exec: { command: ["redis-cli", "ping"] } },
                            livenessProbe: { tcpSocket: { port: 6379 } },
                            resources: { requests: { cpu: "100m", memory: "128Mi" } },
                            securityContext: { allowPrivilegeEscalation: false },
                        },
                    ],
                },
            },
        },
    };
}

// ---- AWS data tier ----

export const rdsInstanceProps = (): Record<string, any> => ({
    engine: "postgres",
    engineVersion: "16.4",
    instanceClass: "db.t4g.medium",
    allocatedStorage: 50,
    backupRetentionPeriod: 30,
    storageEncrypted: true,
    publiclyAccessible: false,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: "app-final",
    multiAz: true,
});

export const rdsClusterProps = (): Record<string, any> => ({
    engine: "aurora-postgresql",
    backupRetentionPeriod: 30,
    storageEncrypted: true,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: "cluster-final",
});

export const parameterGroupProps = (): Record<string, any> => ({
    name: "grownext-redis7",
    family: "redis7",
    parameters: [{ name: "maxmemory-policy", value: "noeviction" }],
});

export const replicationGroupProps = (): Record<string, any> => ({
    description: "BullMQ",
    engine: "redis",
    nodeType: "cache.t4g.small",
    parameterGroupName: "grownext-redis7",
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    authToken: "a-long-random-token-from-config",
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
});

export const kmsKeyProps = (): Record<string, any> => ({ description: "grownext", enableKeyRotation: true, deletionWindowInDays: 30 });

export const smSecretProps = (): Record<string, any> => ({
    name: "grownext/production/web",
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1111-2222",
});

export const securityGroupProps = (): Record<string, any> => ({
    description: "data stores",
    vpcId: "vpc-123",
    ingress: [
        { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-nodes"] },
        { protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: ["10.0.0.0/16"] },
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
    ],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
});

// ---- Edge ----

export const hstsConfigMapProps = (): Record<string, any> => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "security-headers", namespace },
    data: { "Strict-Transport-Security": "max-age=31536000; includeSubDomains", "X-Content-Type-Options": "nosniff" },
});

export const ingressProps = (): Record<string, any> => {
    const hosts = processCatalog.filter((p) => p.publicHost).map((p) => ({ host: `${p.publicHost}.example.com`, service: p.name, port: p.port }));
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: {
            name: "grownext",
            namespace,
            annotations: {
                "nginx.ingress.kubernetes.io/custom-headers": `${namespace}/security-headers`,
                "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                "cert-manager.io/cluster-issuer": "letsencrypt-production",
            },
        },
        spec: {
            ingressClassName: "nginx",
            tls: [{ hosts: hosts.map((h) => h.host), secretName: "grownext-tls" }],
            rules: hosts.map((h) => ({
                host: h.host,
                http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: h.service, port: { number: h.port } } } }] },
            })),
        },
    };
};

export const traefikMiddlewareProps = (stsSeconds = 31536000): Record<string, any> => ({
    apiVersion: "traefik.io/v1alpha1",
    kind: "Middleware",
    metadata: { name: "hsts", namespace },
    spec: { headers: { stsSeconds, stsIncludeSubdomains: true } },
});

export function smokeProbeProps(): Record<string, any> {
    return {
        create: "node dist/probes/run.js --suite post-deploy",
        environment: { [smokeProbeMarker]: "post-deploy", PROBE_BASE_URL: "https://api.example.com" },
    };
}

/** A NetworkPolicy that denies all ingress and egress to every pod of the namespace. */
export function defaultDenyProps(): Record<string, any> {
    return { metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };
}

/**
 * A whole compliant stack: every catalog process in its own component with its Secret, the HPA of
 * autoscaled processes, the edge, the data tier (AWS stacks) or in-cluster Redis (local), and a smoke
 * probe that depends on half of the workloads directly and on the other half through their components.
 */
export function compliantStack(stack = "production", opts: { aws?: boolean; smokeProbe?: boolean } = {}): PolicyResourceLike[] {
    const aws = opts.aws ?? stack !== "local";
    const out: PolicyResourceLike[] = [];
    const probeDeps: string[] = [];
    processCatalog.forEach((p, i) => {
        const componentUrn = urnOf(types.component, p.name, stack);
        out.push({ type: types.component, name: p.name, urn: componentUrn, props: {}, opts: {}, dependencies: [] });
        const w = workload(p.name, { stack, parent: componentUrn });
        w.urn = urnOf(types.deployment, p.name, stack, "grownext", types.component);
        out.push(w);
        // AWS stacks: ESO writes the Secret from Secrets Manager; the program declares only the store.
        const s = aws ? esoSecretStore(p.name, stack) : processSecret(p.name, stack);
        s.parent = componentUrn;
        out.push(s);
        if (aws) out.push({ ...externalSecretFor(processSecret(p.name, stack)), parent: componentUrn });
        if (p.scaling === "autoscaled") {
            out.push(resource(types.hpa, `${p.name}-hpa`, {
                metadata: { name: p.name, namespace },
                spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: p.name }, minReplicas: 2, maxReplicas: 10 },
            }, { stack, parent: componentUrn }));
        }
        probeDeps.push(i % 2 === 0 ? componentUrn : w.urn);
    });
    out.push(resource(types.configMap, "security-headers", hstsConfigMapProps(), { stack }));
    out.push(resource(types.ingress, "grownext", ingressProps(), { stack }));
    out.push(resource(types.networkPolicy, "default-deny", defaultDenyProps(), { stack }));
    if (aws) {
        const protect = { protect: true };
        out.push(resource(types.rdsInstance, "app-db", rdsInstanceProps(), { stack, opts: protect }));
        out.push(resource(types.parameterGroup, "redis-params", parameterGroupProps(), { stack }));
        out.push(resource(types.replicationGroup, "redis", replicationGroupProps(), { stack, opts: protect }));
        out.push(resource(types.kmsKey, "stack-key", kmsKeyProps(), { stack, opts: protect }));
        out.push(resource(types.smSecret, "web-secrets", smSecretProps(), { stack, opts: protect }));
        out.push(resource(types.securityGroup, "data", securityGroupProps(), { stack }));
        const find = (type: string) => out.find((r) => r.type === type)!;
        out.push(...monitoringResources(stack, find(types.rdsInstance), find(types.replicationGroup)));
    } else {
        out.push(resource(types.statefulSet, "redis", redisStatefulSetProps(), { stack }));
    }
    if (opts.smokeProbe ?? true) {
        out.push(resource(types.command, "smoke", smokeProbeProps(), { stack, opts: { dependsOn: probeDeps } }));
    }
    return out;
}

/**
 * A Deployment written by hand, without any of this program's labels: compliant in every other
 * respect (non-root, requests, pinned, probes), running `image` with `containers` overrides. Product
 * rules must still recognise it by its image, command or env.
 */
export function handWrittenDeployment(name: string, containerOverrides: Record<string, any> = {}, extra: Record<string, any>[] = []): PolicyResourceLike {
    const labels = { app: name };
    return resource(types.deployment, name, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace, labels: { ...labels } },
        spec: {
            replicas: 2,
            selector: { matchLabels: { ...labels } },
            template: {
                metadata: { labels: { ...labels } },
                spec: {
                    securityContext: { runAsNonRoot: true, runAsUser: 10001 },
                    containers: [
                        {
                            name,
                            image: "ghcr.io/grownext/app:1.4.2",
                            ports: [{ containerPort: 3000 }],
                            readinessProbe: { httpGet: { path: "/api/health/ready", port: 3000 } },
                            livenessProbe: { tcpSocket: { port: 3000 } },
                            resources: { requests: { cpu: "100m", memory: "128Mi" } },
                            securityContext: { allowPrivilegeEscalation: false },
                            ...containerOverrides,
                        },
                        ...extra.map((c) => ({
                            resources: { requests: { cpu: "10m", memory: "16Mi" } },
                            securityContext: { allowPrivilegeEscalation: false },
                            ...c,
                        })),
                    ],
                },
            },
        },
    });
}
