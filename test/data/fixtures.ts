/**
 * Stack configs for the data-tier tests, built in code (not from the stack files) so each test
 * states the data settings it depends on. Secret values are fakes made at run time.
 */
import { validateConfig, type PlatformConfig } from "../../config/load";
import { secretConfigKeys, type Environment } from "../../config/schema";
import { fakeStripe, testKeyPair } from "../helpers/stack";
import { isSecretInput } from "../helpers/mocks";

export const oidcProviderArn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
export const oidcIssuerOf = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
export const clusterSg = "sg-0a1b2c3d4e5f60718";

export const awsNetwork = {
    region: "eu-west-1",
    vpcId: "vpc-0a1b2c3d4e5f60718",
    privateSubnetIds: ["subnet-0a1b2c3d4e5f60718", "subnet-1a2b3c4d5e6f70819"],
    clusterSecurityGroupId: clusterSg,
    clusterOidcProviderArn: oidcProviderArn,
};

export const images = {
    app: "ghcr.io/grownext/app:1.4.2",
    identity: "ghcr.io/grownext/identity:1.4.2",
    portal: "ghcr.io/grownext/portal:1.4.2",
};

/** Raw config values of a stack; `data` is merged over the stack's data block. */
export function stackValues(environment: Environment, data: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
    const base: Record<string, unknown> = {
        environment,
        domain: environment === "production" ? "example.com" : `${environment}.example.com`,
        kubernetes: environment === "local" ? { namespace: "grownext" } : { namespace: "grownext", context: `grownext-${environment}` },
        data: environment === "local" ? { provider: "inCluster", ...data } : { provider: "aws", aws: awsNetwork, ...data },
        images,
    };
    if (environment === "production") {
        Object.assign(base, {
            identity: { jwtPublicKey: testKeyPair().publicKey },
            stripeSecretKey: fakeStripe.live,
            stripeWebhookSecret: fakeStripe.webhook,
            supabaseServiceRoleKey: "service-role-FAKE-0123456789abcdef",
            identityJwtPrivateKey: testKeyPair().privateKey,
            // Production must page someone (config/monitoring.ts).
            monitoring: { alertEmails: ["oncall@example.com"] },
        });
    }
    return { ...base, ...top };
}

export function stackConfig(environment: Environment, data: Record<string, unknown> = {}, top: Record<string, unknown> = {}): PlatformConfig {
    // Credentials count as set with --secret; every other value as plain config, as an operator leaves it.
    const credentials: readonly string[] = secretConfigKeys;
    return validateConfig(stackValues(environment, data, top), { project: "grownext", stack: environment, isPlaintext: (key) => !credentials.includes(key) });
}

/** The config problems of a stack, or [] when it validates. */
export function configProblems(environment: Environment, data: Record<string, unknown> = {}, top: Record<string, unknown> = {}): string[] {
    try {
        stackConfig(environment, data, top);
        return [];
    } catch (e) {
        const problems = (e as { problems?: readonly string[] }).problems;
        if (!problems) throw e;
        return [...problems];
    }
}

/** A recorded input with every secret-wrapped value replaced by a marker: what is left is plaintext. */
export function redactSecrets(value: unknown): unknown {
    if (isSecretInput(value)) return "[secret]";
    if (Array.isArray(value)) return value.map(redactSecrets);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
    }
    return value;
}
