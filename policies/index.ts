/**
 * The GrowNext CrossGuard pack: assembles the policies (one per file) into the PolicyPack.
 * Run it with `pulumi preview --policy-pack policies`; see docs/policy-pack.md for per-stack config.
 */
import { PolicyPack } from "@pulumi/policy";
import { elasticacheEncryptionAndAuth } from "./data/elasticache-encryption-and-auth";
import { kmsKeyRotation } from "./data/kms-key-rotation";
import { noPublicDataPorts } from "./data/no-public-data-ports";
import { postgresBackupRetention } from "./data/postgres-backup-retention";
import { postgresDeletionProtection } from "./data/postgres-deletion-protection";
import { postgresNotPubliclyAccessible } from "./data/postgres-not-publicly-accessible";
import { postgresStorageEncrypted } from "./data/postgres-storage-encrypted";
import { postgresProxyTls } from "./data/postgres-proxy-tls";
import { redisNoeviction } from "./data/redis-noeviction";
import { secretsManagerCustomerKey } from "./data/secrets-manager-customer-key";
import { dnsCoversTls } from "./edge/dns-covers-tls";
import { ingressHsts } from "./edge/ingress-hsts";
import { alarmsRouteSomewhere } from "./monitoring/alarms-route-somewhere";
import { alertRouteSubscribed } from "./monitoring/alert-route-subscribed";
import { postgresMonitored } from "./monitoring/postgres-monitored";
import { redisMemoryAlarm } from "./monitoring/redis-memory-alarm";
import { ingressTls } from "./edge/ingress-tls";
import { databaseCredentialsRotate } from "./secrets/database-credentials-rotate";
import { noLiteralSecretEnv } from "./secrets/no-literal-secret-env";
import { noLiteralK8sSecretsOnAws } from "./secrets/no-literal-k8s-secrets-on-aws";
import { noSecretNextPublic } from "./secrets/no-secret-next-public";
import { secretsRotate } from "./secrets/secrets-rotate";
import { secretStoreOwnServiceAccount } from "./secrets/secret-store-own-service-account";
import { secretsNotInConfigMaps } from "./secrets/secrets-not-in-configmaps";
import { serviceRoleKeyTrustedOnly } from "./secrets/service-role-key-trusted-only";
import { processTopology } from "./stack/process-topology";
import { productionDataProtected } from "./stack/production-data-protected";
import { smokeProbe } from "./stack/smoke-probe";
import { defaultDeny } from "./workloads/default-deny";
import { healthProbes } from "./workloads/health-probes";
import { identityTrustProxy } from "./workloads/identity-trust-proxy";
import { nodeEnvProduction } from "./workloads/node-env-production";
import { nonRootContainers } from "./workloads/non-root-containers";
import { pinnedImages } from "./workloads/pinned-images";
import { resourceRequests } from "./workloads/resource-requests";
import { shallowLiveness } from "./workloads/shallow-liveness";
import { singletonNoAutoscaler } from "./workloads/singleton-no-autoscaler";
import { singletonReplicas } from "./workloads/singleton-replicas";

new PolicyPack("grownext-guides", {
    description:
        "Enforces the GrowNext production-deployment guides: data durability, secret handling, workload hardening, edge TLS/HSTS and the process topology.",
    enforcementLevel: "advisory",
    policies: [
        // Data
        postgresBackupRetention,
        postgresStorageEncrypted,
        postgresProxyTls,
        postgresNotPubliclyAccessible,
        postgresDeletionProtection,
        redisNoeviction,
        elasticacheEncryptionAndAuth,
        kmsKeyRotation,
        secretsManagerCustomerKey,
        noPublicDataPorts,
        // Secrets
        noLiteralSecretEnv,
        serviceRoleKeyTrustedOnly,
        noSecretNextPublic,
        secretsNotInConfigMaps,
        noLiteralK8sSecretsOnAws,
        secretStoreOwnServiceAccount,
        databaseCredentialsRotate,
        secretsRotate,
        // Workloads
        nodeEnvProduction,
        identityTrustProxy,
        healthProbes,
        shallowLiveness,
        nonRootContainers,
        resourceRequests,
        pinnedImages,
        singletonReplicas,
        singletonNoAutoscaler,
        defaultDeny,
        // Edge
        ingressTls,
        ingressHsts,
        dnsCoversTls,
        // Stack
        processTopology,
        smokeProbe,
        productionDataProtected,
        // Monitoring (day-2 operations)
        alertRouteSubscribed,
        alarmsRouteSomewhere,
        redisMemoryAlarm,
        postgresMonitored,
    ],
});
