import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { envMatrix, secretLookingName, serviceRoleTrustedProcesses } from "../../catalog/envMatrix";
import { processCatalog } from "../../catalog/processes";
import { dataEnvKeys, type DataEnvKey } from "../../wiring/dataContract";
import { envValues, processEnv, type ProcessEnv } from "../../wiring/processEnv";
import type { PlatformConfig } from "../../config/load";
import { installMocks, isSecret, promiseOf } from "../../sandbox/mocks";
import { stackConfig } from "../../sandbox/stacks";

const fakeData = Object.fromEntries(dataEnvKeys.map((k) => [k, pulumi.secret(`FAKE-${k}`)])) as Record<DataEnvKey, pulumi.Output<string>>;

function envsOf(cfg: PlatformConfig, secretManager?: string): Map<string, ProcessEnv> {
    const values = envValues(cfg, fakeData, secretManager);
    return new Map(cfg.services.map((s) => [s.spec.name, processEnv(s.spec, values, cfg)]));
}

function names(env: ProcessEnv): string[] {
    return [...env.plain.map((e) => e.name), ...Object.keys(env.secret)];
}

function plainValue(env: ProcessEnv, name: string): pulumi.Input<string> | undefined {
    return env.plain.find((e) => e.name === name)?.value;
}

describe("environment and secret matrix", () => {
    let production: PlatformConfig;
    before(() => {
        installMocks();
        production = stackConfig("production", {
            supabase: { url: "https://p.supabase.co", anonKey: "anon-publishable" },
            sentryDsn: "https://k@o1.ingest.sentry.io/1",
        });
    });

    it("gives the Supabase service-role key to identity and worker only", () => {
        const envs = envsOf(production);
        const holders = [...envs]
            .filter(([, env]) => "SUPABASE_SERVICE_ROLE_KEY" in env.secret)
            .map(([name]) => name)
            .sort();
        assert.deepStrictEqual(holders, ["identity", "worker"]);
        for (const holder of holders) assert.ok(serviceRoleTrustedProcesses.includes(holder));
    });

    it("never declares a secret or secret-looking variable named NEXT_PUBLIC_*", () => {
        for (const row of envMatrix.filter((r) => r.name.startsWith("NEXT_PUBLIC_"))) {
            assert.strictEqual(row.secret, false, row.name);
            assert.ok(!secretLookingName.test(row.name), row.name);
        }
        for (const [, env] of envsOf(production)) {
            assert.ok(!Object.keys(env.secret).some((n) => n.startsWith("NEXT_PUBLIC_")));
        }
    });

    it("marks every secret-looking matrix variable secret", () => {
        for (const row of envMatrix.filter((r) => secretLookingName.test(r.name))) assert.strictEqual(row.secret, true, row.name);
    });

    it("sets NODE_ENV=production on every process and TRUST_PROXY=true on identity only", () => {
        const envs = envsOf(production);
        assert.strictEqual(envs.size, processCatalog.length);
        for (const [name, env] of envs) {
            assert.strictEqual(plainValue(env, "NODE_ENV"), "production", name);
            assert.strictEqual(plainValue(env, "TRUST_PROXY"), name === "identity" ? "true" : undefined, name);
        }
    });

    it("routes each database to the processes the catalog's env groups name", async () => {
        const envs = envsOf(production);
        assert.strictEqual(await promiseOf(envs.get("identity")!.secret.DATABASE_URL!), "FAKE-identityDatabaseUrl");
        for (const name of ["web", "worker", "scheduler", "timers", "encryption-rotation"]) {
            assert.strictEqual(await promiseOf(envs.get(name)!.secret.DATABASE_URL!), "FAKE-appDatabaseUrl", name);
        }
        const tasksHolders = [...envs]
            .filter(([, env]) => "TASKS_DATABASE_URL" in env.secret)
            .map(([n]) => n)
            .sort();
        assert.deepStrictEqual(tasksHolders, ["identity", "worker"]);
        assert.ok(!("DATABASE_URL" in envs.get("portal")!.secret), "the portal talks to no database");
        const redisHolders = [...envs]
            .filter(([, env]) => "REDIS_URL" in env.secret)
            .map(([n]) => n)
            .sort();
        assert.deepStrictEqual(redisHolders, ["encryption-rotation", "identity", "scheduler", "timers", "web", "worker"]);
    });

    it("keeps credentials secret: config secrets and data values stay Pulumi secrets", async () => {
        const worker = envsOf(production).get("worker")!;
        assert.ok(await isSecret(worker.secret.SUPABASE_SERVICE_ROLE_KEY!));
        assert.ok(await isSecret(worker.secret.IDENTITY_JWT_PRIVATE_KEY!));
        assert.ok(await isSecret(envsOf(production).get("web")!.secret.STRIPE_SECRET_KEY!));
        assert.ok(await isSecret(worker.secret.REDIS_URL!));
    });

    it("turns the generic executor on outside production only, on web and worker", () => {
        for (const [stack, expected] of [
            ["production", "false"],
            ["staging", "true"],
            ["local", "true"],
        ] as const) {
            const envs = envsOf(stack === "production" ? production : stackConfig(stack));
            const holders = [...envs]
                .filter(([, env]) => plainValue(env, "GENERIC_EXECUTOR_ENABLED") !== undefined)
                .map(([n]) => n)
                .sort();
            assert.deepStrictEqual(holders, ["web", "worker"], stack);
            assert.strictEqual(plainValue(envs.get("web")!, "GENERIC_EXECUTOR_ENABLED"), expected, stack);
        }
    });

    it("publishes identity's URL to web and portal, and its issuer and cookie domain to identity", () => {
        const envs = envsOf(production);
        assert.strictEqual(plainValue(envs.get("portal")!, "NEXT_PUBLIC_IDENTITY_BASE_URL"), "https://identity.example.com");
        assert.strictEqual(plainValue(envs.get("web")!, "IDENTITY_BASE_URL"), "https://identity.example.com");
        assert.strictEqual(plainValue(envs.get("identity")!, "IDENTITY_ISSUER"), "https://identity.example.com");
        assert.strictEqual(plainValue(envs.get("identity")!, "IDENTITY_COOKIE_DOMAIN"), "example.com");
        assert.strictEqual(plainValue(envs.get("identity")!, "TASKS_PRODUCT_SLUG"), "tasks");
        assert.strictEqual(plainValue(envs.get("portal")!, "NEXT_PUBLIC_SUPABASE_ANON_KEY"), "anon-publishable");
        assert.ok(!names(envs.get("portal")!).includes("SUPABASE_SERVICE_ROLE_KEY"));
    });

    it("sets SECRET_MANAGER_PROVIDER for web and the background processes when a managed store exists", () => {
        const envs = envsOf(production, "aws");
        const holders = [...envs]
            .filter(([, env]) => plainValue(env, "SECRET_MANAGER_PROVIDER") === "aws")
            .map(([n]) => n)
            .sort();
        assert.deepStrictEqual(holders, ["encryption-rotation", "scheduler", "timers", "web", "worker"]);
        assert.strictEqual(plainValue(envsOf(production).get("web")!, "SECRET_MANAGER_PROVIDER"), undefined);
    });

    it("gives Stripe keys to web only and OAuth clients to web and worker", () => {
        const cfg = stackConfig("staging", {
            oauthClientIds: { GITHUB_CLIENT_ID: "Iv1.abc" },
            oauthClientSecrets: { GITHUB_CLIENT_SECRET: "FAKE-oauth" },
        });
        const envs = envsOf(cfg);
        const stripe = [...envs].filter(([, env]) => "STRIPE_SECRET_KEY" in env.secret).map(([n]) => n);
        assert.deepStrictEqual(stripe, ["web"]);
        for (const name of ["web", "worker"]) {
            assert.strictEqual(plainValue(envs.get(name)!, "GITHUB_CLIENT_ID"), "Iv1.abc");
            assert.ok("GITHUB_CLIENT_SECRET" in envs.get(name)!.secret);
        }
        assert.ok(!("GITHUB_CLIENT_SECRET" in envs.get("identity")!.secret));
    });

    it("fails loudly when the platform misses a required value", () => {
        const values = { ...envValues(production, fakeData, undefined), redisUrl: undefined };
        const web = production.services.find((s) => s.spec.name === "web")!.spec;
        assert.throws(() => processEnv(web, values, production), /REDIS_URL for web has no value: the platform did not provide "redisUrl"/);
    });
});
