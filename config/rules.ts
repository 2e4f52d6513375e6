/**
 * Rules that span keys or depend on the environment: what the guides require of each stack.
 * Each returns problem lines (errors.ts format); an empty list means the config may be used.
 */
import type { ProcessSpec } from "../catalog/processes";
import { dataDefaults, dataProblems } from "./data";
import { problem } from "./errors";
import { monitoringProblems } from "./monitoring";
import { recoveryObjectives } from "./recovery";
import { secretConfigKeys, type RawConfig } from "./schema";

type Rule = (cfg: RawConfig, catalog: readonly ProcessSpec[], isPlaintext: (key: string) => boolean) => string[];

/** Production uses live Stripe keys only; every other stack test keys only (guides: staging uses non-live keys). */
const stripeKeysMatchEnvironment: Rule = (cfg) => {
    const key = cfg.stripeSecretKey;
    if (key === undefined) return [];
    const live = /^(sk|rk)_live_/.test(key);
    if (cfg.environment === "production" && !live) {
        return [problem("stripeSecretKey", "must be a live key (sk_live_...) in production: test credentials are refused", key, true)];
    }
    if (cfg.environment !== "production" && live) {
        return [problem("stripeSecretKey", `must be a test key (sk_test_...) outside production, the ${cfg.environment} stack refuses live keys`, key, true)];
    }
    return [];
};

/** What production must have before it may serve customers. */
const productionRequirements: Rule = (cfg) => {
    if (cfg.environment !== "production") return [];
    const out: string[] = [];
    const require = (key: keyof RawConfig, why: string) => {
        if (cfg[key] === undefined) out.push(problem(key, `is required in production: ${why}`, undefined, true));
    };
    require("stripeSecretKey", "payments need the live Stripe key");
    require("stripeWebhookSecret", "webhooks must be verified (guides: STRIPE_WEBHOOK_SECRET)");
    require("supabaseServiceRoleKey", "identity and worker call Supabase as a trusted service");
    require("identityJwtPrivateKey", "identity signs tokens with RS256 in production");
    if (cfg.identityJwtPrivateKey !== undefined && !/BEGIN (RSA )?PRIVATE KEY/.test(cfg.identityJwtPrivateKey)) {
        out.push(problem("identityJwtPrivateKey", "must be an RS256 private key in PEM form in production", cfg.identityJwtPrivateKey, true));
    }
    if (cfg.identity.jwtPublicKey === undefined) {
        out.push(problem("identity.jwtPublicKey", "is required in production: workers verify identity's RS256 tokens", undefined, false));
    }
    if (cfg.flags.genericExecutor === true) {
        out.push(problem("flags.genericExecutor", "must be false in production: the generic executor is for non-production only", true, false));
    }
    if (cfg.data.provider !== "aws") {
        out.push(problem("data.provider", 'must be "aws" in production: managed Postgres with PITR and managed Redis', cfg.data.provider, false));
    }
    return out;
};

/** Staging and production run on AWS-managed data stores and an existing cluster. */
const clusterAndDataPlacement: Rule = (cfg) => {
    const out: string[] = [];
    const k = cfg.kubernetes;
    if (k.context !== undefined && k.kubeconfig !== undefined) {
        out.push(problem("kubernetes.kubeconfig", "must not be set together with kubernetes.context: choose one", undefined, false));
    }
    const targetsCluster = k.context !== undefined || k.kubeconfig !== undefined;
    if (cfg.environment !== "local") {
        if (!targetsCluster) {
            out.push(problem("kubernetes.context", `is required on the ${cfg.environment} stack (or set kubernetes.kubeconfig): it deploys to an existing cluster`, undefined, false));
        }
        if (k.renderDirectory !== undefined) {
            out.push(problem("kubernetes.renderDirectory", "is only for the local stack: staging and production deploy to a cluster", k.renderDirectory, false));
        }
    }
    if (cfg.data.provider === "aws" && cfg.data.aws === undefined) {
        out.push(problem("data.aws", "is required when data.provider is aws: region, vpcId, privateSubnetIds, clusterSecurityGroupId, clusterOidcProviderArn", undefined, false));
    }
    if (cfg.data.provider === "inCluster" && cfg.environment !== "local") {
        out.push(problem("data.provider", `must be "aws" on the ${cfg.environment} stack: in-cluster data stores are for local only`, cfg.data.provider, false));
    }
    return out;
};

/** Every catalog image is configured, services only name catalog processes, and scaling keys fit the process. */
const catalogCoverage: Rule = (cfg, catalog) => {
    const out: string[] = [];
    for (const image of new Set(catalog.map((p) => p.image))) {
        if (cfg.images[image] === undefined) out.push(problem(`images.${image}`, "is required: a pinned image reference", undefined, false));
    }
    for (const [name, svc] of Object.entries(cfg.services)) {
        const spec = catalog.find((p) => p.name === name);
        if (spec === undefined) {
            out.push(problem(`services.${name}`, `is not a process of the catalog (${catalog.map((p) => p.name).join(", ")}): add it to catalog/processes.ts first`, undefined, false));
            continue;
        }
        if (spec.scaling === "singleton" && (svc.replicas !== undefined || svc.autoscale !== undefined)) {
            out.push(problem(`services.${name}.replicas`, `must not be set: ${name} is a singleton (exactly 1 replica) so nothing fires twice`, svc.replicas ?? svc.autoscale, false));
        }
        if (spec.scaling === "autoscaled" && svc.replicas !== undefined) {
            out.push(problem(`services.${name}.replicas`, `must not be set: ${name} is autoscaled, set services.${name}.autoscale.min/max instead`, svc.replicas, false));
        }
        if (spec.scaling === "horizontal" && svc.autoscale !== undefined) {
            out.push(problem(`services.${name}.autoscale`, `must not be set: ${name} scales by services.${name}.replicas`, svc.autoscale, false));
        }
        if (spec.http !== undefined && svc.livenessCommand !== undefined) {
            out.push(problem(`services.${name}.livenessCommand`, `must not be set: ${name} serves HTTP and is probed on ${spec.http.liveness}`, svc.livenessCommand, false));
        }
        if (cfg.environment === "production" && svc.enabled === false) {
            out.push(problem(`services.${name}.enabled`, "must be true in production: the guides' topology runs every process", false, false));
        }
    }
    return out;
};

/** Credentials must be set with --secret so they are encrypted in the stack file and in state. */
const secretsAreEncrypted: Rule = (cfg, _catalog, isPlaintext) => {
    const isSet = (k: (typeof secretConfigKeys)[number]) =>
        typeof cfg[k] === "string" || Object.keys(cfg[k] ?? {}).length > 0;
    return secretConfigKeys
        .filter((k) => isSet(k) && isPlaintext(k))
        .map((k) => problem(k, `must be set with --secret (pulumi config set --secret ${k} ...): it is stored in plaintext`, undefined, true));
};

/** Nothing secret may be published to browsers (guides: never expose secrets through NEXT_PUBLIC_*). */
const oauthNames: Rule = (cfg) => {
    const out: string[] = [];
    for (const name of Object.keys(cfg.oauthClientIds)) {
        if (!name.endsWith("_CLIENT_ID")) out.push(problem(`oauthClientIds.${name}`, "must be named <PROVIDER>_CLIENT_ID", undefined, false));
        if (name.startsWith("NEXT_PUBLIC_")) out.push(problem(`oauthClientIds.${name}`, "must not be NEXT_PUBLIC_: server-side OAuth settings stay on the server", undefined, false));
    }
    for (const name of Object.keys(cfg.oauthClientSecrets)) {
        if (!name.endsWith("_CLIENT_SECRET")) out.push(problem(`oauthClientSecrets.${name}`, "must be named <PROVIDER>_CLIENT_SECRET", undefined, true));
        if (name.startsWith("NEXT_PUBLIC_")) out.push(problem(`oauthClientSecrets.${name}`, "must never be NEXT_PUBLIC_: that would publish a secret to every browser", undefined, true));
    }
    return out;
};

/** Data-tier settings: per-environment floors (30-day PITR, multi-AZ, ...) and cross-key checks (config/data.ts). */
const dataTierSettings: Rule = (cfg) => dataProblems(cfg.environment, cfg.data);

/** Alert route and thresholds (config/monitoring.ts): production must page someone. */
const monitoringSettings: Rule = (cfg) =>
    monitoringProblems(
        cfg.environment, cfg.data.provider, cfg.monitoring, cfg.alertHttpsEndpoints,
        cfg.data.provider === "aws" ? (cfg.data.postgres?.instanceClass ?? dataDefaults(cfg.environment).postgres.instanceClass) : undefined,
        recoveryObjectives(cfg.environment, cfg.data)?.rpoMinutes,
    );

export const rules: readonly Rule[] = [
    stripeKeysMatchEnvironment,
    productionRequirements,
    clusterAndDataPlacement,
    catalogCoverage,
    secretsAreEncrypted,
    oauthNames,
    dataTierSettings,
    monitoringSettings,
];
