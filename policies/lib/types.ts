/**
 * Type tokens the pack inspects. Policies compare `args.type` with these strings instead of
 * importing @pulumi/aws or @pulumi/kubernetes classes, which keeps the pack small and fast to load.
 */
export const awsTypes = {
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    rdsClusterInstance: "aws:rds/clusterInstance:ClusterInstance",
    rdsProxy: "aws:rds/proxy:Proxy",
    rdsProxyTarget: "aws:rds/proxyTarget:ProxyTarget",
    elasticacheParameterGroup: "aws:elasticache/parameterGroup:ParameterGroup",
    elasticacheReplicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
    kmsKey: "aws:kms/key:Key",
    secretsManagerSecret: "aws:secretsmanager/secret:Secret",
    secretsManagerSecretRotation: "aws:secretsmanager/secretRotation:SecretRotation",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    snsTopic: "aws:sns/topic:Topic",
    snsTopicSubscription: "aws:sns/topicSubscription:TopicSubscription",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    rdsEventSubscription: "aws:rds/eventSubscription:EventSubscription",
    route53Record: "aws:route53/record:Record",
} as const;

export const k8sTypes = {
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    replicaSet: "kubernetes:apps/v1:ReplicaSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    pod: "kubernetes:core/v1:Pod",
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    traefikMiddleware: "kubernetes:traefik.io/v1alpha1:Middleware",
} as const;

/** Every HorizontalPodAutoscaler API version the Kubernetes provider knows. */
export const hpaTypes: readonly string[] = [
    "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v2beta1:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler",
];

/** External Secrets Operator objects (components/data/aws/externalSecrets.ts), under every API version ESO served. */
export const esoTypes = {
    secretStores: ["kubernetes:external-secrets.io/v1:SecretStore", "kubernetes:external-secrets.io/v1beta1:SecretStore"],
    externalSecrets: ["kubernetes:external-secrets.io/v1:ExternalSecret", "kubernetes:external-secrets.io/v1beta1:ExternalSecret"],
} as const;

export const commandTypes = {
    localCommand: "command:local:Command",
} as const;

/** Workload kinds whose pod template the pack reads. */
export const workloadTypes: readonly string[] = [
    k8sTypes.deployment,
    k8sTypes.statefulSet,
    k8sTypes.daemonSet,
    k8sTypes.replicaSet,
    k8sTypes.job,
    k8sTypes.cronJob,
    k8sTypes.pod,
];

/** Workloads that run continuously (they need health probes and count toward the topology). */
export const longRunningWorkloadTypes: readonly string[] = [
    k8sTypes.deployment,
    k8sTypes.statefulSet,
    k8sTypes.daemonSet,
    k8sTypes.replicaSet,
];

/** The Deployments and StatefulSets the smoke probe must wait for. */
export const productWorkloadTypes: readonly string[] = [k8sTypes.deployment, k8sTypes.statefulSet];
