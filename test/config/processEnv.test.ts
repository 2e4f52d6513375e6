/**
 * Extra env per process (`services.<process>.env` and `.secretEnv`): every refusal of
 * config/processEnv.ts with its key and fix, no value ever printed, and the wiring under mocks: plain
 * values into the container, secret ones into the process's own Secret (by secretKeyRef) and, on AWS,
 * into its Secrets Manager secret.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import type { Platform as PlatformType } from "../../components/platform";
import { processEnv, envValues } from "../../wiring/processEnv";
import { dataEnvKeys } from "../../wiring/dataContract";
import { ConfigError } from "../../config/errors";
import { validateConfig, type PlatformConfig } from "../../config/load";
import { installMocks, isSecretInput, recorder, settle, unwrap, type RecordedResource } from "../../sandbox/mocks";
import { stackValues } from "../../sandbox/stacks";

type Stack = "local" | "staging" | "production";

/** A value that must never be printed, made at run time. */
const marker = () => `mk${crypto.randomBytes(6).toString("hex")}`;
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const serviceRoleJwt = () => [b64url({ alg: "HS256", typ: "JWT" }), b64url({ role: "service_role", ref: marker() }), "c2ln"].join(".");

/**
 * Validates a committed stack with `services` merged in; `encrypted` lists the dotted keys stored
 * with --secret (every key below them too).
 */
function validate(stack: Stack, services: Record<string, Record<string, unknown>>, encrypted: readonly string[] = []): PlatformConfig {
    const { values, isPlaintext } = stackValues(stack);
    const merged = structuredClone((values.services ?? {}) as Record<string, Record<string, unknown>>);
    for (const [name, svc] of Object.entries(services)) merged[name] = { ...merged[name], ...svc };
    values.services = merged;
    const secret = (key: string) => encrypted.some((e) => key === e || key.startsWith(`${e}.`));
    return validateConfig(values, { project: "grownext", stack, isPlaintext: (key) => !secret(key) && isPlaintext(key) });
}

/** The problem lines of a refused config. */
function refusal(stack: Stack, services: Record<string, Record<string, unknown>>, encrypted: readonly string[] = []): string[] {
    try {
        validate(stack, services, encrypted);
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return [...err.problems];
    }
    assert.fail("the config was accepted");
}

/** Asserts exactly one problem names `key` and matches `what`, and no `hidden` value appears anywhere. */
function assertRefused(lines: string[], key: string, what: RegExp, hidden: readonly string[] = []): void {
    const mine = lines.filter((l) => l.startsWith(`${key} `));
    assert.strictEqual(mine.length, 1, `one problem for ${key}:\n${lines.join("\n")}`);
    assert.match(mine[0]!, what);
    for (const h of hidden) assert.ok(!lines.join("\n").includes(h), `a value was printed:\n${lines.join("\n")}`);
}

describe("services.<process>.env and .secretEnv", () => {
    describe("accepted", () => {
        it("takes the guides' kill switches as plain env and API keys and a signing secret as secretEnv", () => {
            const openai = marker();
            const signing = marker();
            const cfg = validate(
                "staging",
                {
                    web: {
                        env: { CONCIERGE_DISABLED: true, PUSH_NOTIFICATIONS_DISABLED: "false", RECOMMENDATIONS_CACHE_TTL_OVERRIDE: 300 },
                        secretEnv: { OPENAI_API_KEY: openai, RESEND_WEBHOOK_SIGNING_SECRET: signing },
                    },
                    worker: { secretEnv: { OPENWEATHER_API_KEY: marker() } },
                },
                ["services.web.secretEnv", "services.worker.secretEnv"],
            );
            const web = cfg.services.find((s) => s.spec.name === "web")!;
            assert.deepStrictEqual(web.env, {
                CONCIERGE_DISABLED: "true",
                PUSH_NOTIFICATIONS_DISABLED: "false",
                RECOMMENDATIONS_CACHE_TTL_OVERRIDE: "300",
            });
            assert.deepStrictEqual(cfg.secrets.processSecretEnv.web, { OPENAI_API_KEY: openai, RESEND_WEBHOOK_SIGNING_SECRET: signing });
            assert.deepStrictEqual(Object.keys(cfg.secrets.processSecretEnv.worker!), ["OPENWEATHER_API_KEY"]);
            assert.deepStrictEqual(cfg.services.find((s) => s.spec.name === "portal")!.env, {}, "nothing for processes without any");
        });

        it("lets a publishable NEXT_PUBLIC_ value be plain env, and the trusted worker hold a service-role JWT under its own name", () => {
            const cfg = validate(
                "staging",
                {
                    portal: { env: { NEXT_PUBLIC_FEATURE_BANNER: "maintenance at 22:00" } },
                    worker: { secretEnv: { REPORTING_SUPABASE_KEY: serviceRoleJwt() } },
                },
                ["services.worker.secretEnv"],
            );
            assert.strictEqual(cfg.services.find((s) => s.spec.name === "portal")!.env.NEXT_PUBLIC_FEATURE_BANNER, "maintenance at 22:00");
        });
    });

    describe("refused, naming the key and the fix, printing no value", () => {
        it("a secret-looking name in plain env", () => {
            const v = marker();
            assertRefused(
                refusal("local", { web: { env: { OPENAI_API_KEY: v } } }),
                "services.web.env.OPENAI_API_KEY",
                /looks like a secret by its name.*pulumi config set --secret --path 'services\.web\.secretEnv\.OPENAI_API_KEY'/,
                [v],
            );
            assertRefused(
                refusal("local", { worker: { env: { STRIPE_WEBHOOK_SIGNING_SECRET: v } } }),
                "services.worker.env.STRIPE_WEBHOOK_SIGNING_SECRET",
                /looks like a secret/,
                [v],
            );
        });

        it("a plain env value stored with --secret", () => {
            const v = marker();
            assertRefused(
                refusal("local", { web: { env: { CONCIERGE_DISABLED: v } } }, ["services.web.env.CONCIERGE_DISABLED"]),
                "services.web.env.CONCIERGE_DISABLED",
                /is stored with --secret, but env is written into the Deployment in plaintext: move it to services\.web\.secretEnv/,
                [v],
            );
        });

        it("a plain env value that looks like a credential, or is the service-role key", () => {
            const v = marker();
            assertRefused(
                refusal("local", { web: { env: { REPORT_SINK: `https://user:${v}@reports.example.com` } } }),
                "services.web.env.REPORT_SINK",
                /holds what looks like a credential/,
                [v],
            );
            const key = "service-role-FAKE-0123456789abcdef";
            assertRefused(
                refusal("staging", { worker: { env: { SUPABASE_ADMIN: key } } }),
                "services.worker.env.SUPABASE_ADMIN",
                /holds what looks like a credential/,
                [key],
            );
        });

        it("a secretEnv value stored in plaintext", () => {
            const v = marker();
            assertRefused(
                refusal("local", { web: { secretEnv: { OPENAI_API_KEY: v } } }),
                "services.web.secretEnv.OPENAI_API_KEY",
                /must be set with --secret \(pulumi config set --secret --path 'services\.web\.secretEnv\.OPENAI_API_KEY' \.\.\.\)/,
                [v],
            );
        });

        it("a NEXT_PUBLIC_ name in secretEnv", () => {
            const v = marker();
            assertRefused(
                refusal("local", { portal: { secretEnv: { NEXT_PUBLIC_ANALYTICS_KEY: v } } }, ["services.portal.secretEnv"]),
                "services.portal.secretEnv.NEXT_PUBLIC_ANALYTICS_KEY",
                /must not start with NEXT_PUBLIC_: such variables are published to every browser/,
                [v],
            );
        });

        it("the service-role key for an untrusted process, by name or by value, in env or secretEnv", () => {
            const v = marker();
            const trusted = /must never reach web: the Supabase service-role key .* reaches only identity and worker/;
            assertRefused(
                refusal("local", { web: { secretEnv: { SUPABASE_SERVICE_ROLE_KEY: v } } }, ["services.web.secretEnv"]),
                "services.web.secretEnv.SUPABASE_SERVICE_ROLE_KEY",
                trusted,
                [v],
            );
            assertRefused(
                refusal("local", { web: { env: { SUPABASE_SERVICE_ROLE_KEY: v } } }),
                "services.web.env.SUPABASE_SERVICE_ROLE_KEY",
                trusted,
                [v],
            );
            const jwt = serviceRoleJwt();
            assertRefused(
                refusal("local", { portal: { secretEnv: { SUPABASE_KEY: jwt } } }, ["services.portal.secretEnv"]),
                "services.portal.secretEnv.SUPABASE_KEY",
                /must never reach portal/,
                [jwt],
            );
            const configured = "service-role-FAKE-0123456789abcdef";
            assertRefused(
                refusal("staging", { web: { secretEnv: { ADMIN_KEY: configured } } }, ["services.web.secretEnv"]),
                "services.web.secretEnv.ADMIN_KEY",
                /must never reach web/,
                [configured],
            );
        });

        it("a name the catalog sets for the process, with where its value comes from instead", () => {
            const v = marker();
            assertRefused(
                refusal("staging", { worker: { secretEnv: { SUPABASE_SERVICE_ROLE_KEY: v } } }, ["services.worker.secretEnv"]),
                "services.worker.secretEnv.SUPABASE_SERVICE_ROLE_KEY",
                /is set by the catalog for worker \(env group supabaseServiceRole\) and cannot be overridden here: remove it; set supabaseServiceRoleKey instead \(pulumi config set --secret supabaseServiceRoleKey/,
                [v],
            );
            assertRefused(
                refusal("local", { web: { secretEnv: { DATABASE_URL: `postgresql://x:${v}@h/db` } } }, ["services.web.secretEnv"]),
                "services.web.secretEnv.DATABASE_URL",
                /is set by the catalog for web \(env group appDatabase\).*comes from the data tier/,
                [v],
            );
            assertRefused(
                refusal("local", { web: { env: { CACHE_REDIS_URL: "redis://cache:6379" } } }),
                "services.web.env.CACHE_REDIS_URL",
                /env group cache/,
            );
            assertRefused(
                refusal("local", { portal: { env: { NODE_ENV: "development" } } }),
                "services.portal.env.NODE_ENV",
                /fixed to "production" on every stack/,
            );
            assertRefused(
                refusal("local", { web: { env: { SENTRY_DSN: "https://o1.ingest.sentry.io/1" } } }),
                "services.web.env.SENTRY_DSN",
                /set sentryDsn instead/,
            );
            assertRefused(
                refusal("local", { web: { env: { GITHUB_CLIENT_ID: "Iv1.abc" } } }),
                "services.web.env.GITHUB_CLIENT_ID",
                /set oauthClientIds\.GITHUB_CLIENT_ID instead/,
            );
        });

        it("a name of an env group the process does not have: that is a catalog change", () => {
            const v = marker();
            assertRefused(
                refusal("local", { worker: { secretEnv: { STRIPE_SECRET_KEY: v } } }, ["services.worker.secretEnv"]),
                "services.worker.secretEnv.STRIPE_SECRET_KEY",
                /belongs to the catalog's env group stripe, which worker does not have: remove it, or add the group to worker's envGroups in catalog\/processes\.ts/,
                [v],
            );
            assertRefused(
                refusal("local", { worker: { env: { CACHE_REDIS_URL: "redis://cache:6379" } } }),
                "services.worker.env.CACHE_REDIS_URL",
                /env group cache, which worker does not have/,
            );
            assertRefused(
                refusal("local", { portal: { secretEnv: { GITLAB_CLIENT_SECRET: v } } }, ["services.portal.secretEnv"]),
                "services.portal.secretEnv.GITLAB_CLIENT_SECRET",
                /oauth env group, which portal does not have/,
                [v],
            );
        });

        it("the same name in env and secretEnv", () => {
            assertRefused(
                refusal("local", { web: { env: { REPORTS_BUCKET: "a" }, secretEnv: { REPORTS_BUCKET: marker() } } }, [
                    "services.web.secretEnv",
                ]),
                "services.web.env.REPORTS_BUCKET",
                /is also set in services\.web\.secretEnv/,
            );
        });

        it("names that are not environment variable names, and values that are not scalars", () => {
            assertRefused(
                refusal("local", { web: { env: { "concierge-disabled": "true" } } }),
                "services.web.env.concierge-disabled",
                /must be an upper-case environment variable name/,
            );
            const v = marker();
            // Stored in plaintext, so it may be printed; the secret one below may not.
            assertRefused(
                refusal("local", { web: { env: { CONCIERGE_DISABLED: { value: v } } } }),
                "services.web.env.CONCIERGE_DISABLED",
                /must be a string, number or boolean/,
            );
            assertRefused(
                refusal("local", { web: { secretEnv: { OPENAI_API_KEY: [v] } } }, ["services.web.secretEnv"]),
                "services.web.secretEnv.OPENAI_API_KEY",
                /must be a string, number or boolean/,
                [v],
            );
        });
    });

    describe("wiring", () => {
        let Platform: typeof PlatformType;
        before(async () => {
            installMocks();
            ({ Platform } = await import("../../components/platform"));
        });

        it("puts env into the environment as literals and secretEnv into the process's own Secret", () => {
            const key = marker();
            const cfg = validate("local", { web: { env: { CONCIERGE_DISABLED: true }, secretEnv: { OPENAI_API_KEY: key } } }, [
                "services.web.secretEnv",
            ]);
            const web = cfg.services.find((s) => s.spec.name === "web")!.spec;
            const env = processEnv(web, envValues(cfg, fakeData(), undefined), cfg);
            assert.deepStrictEqual(
                env.plain.filter((p) => p.name === "CONCIERGE_DISABLED"),
                [{ name: "CONCIERGE_DISABLED", value: "true" }],
            );
            assert.ok(env.secret.OPENAI_API_KEY !== undefined && !env.plain.some((p) => p.name === "OPENAI_API_KEY"));
            const portal = cfg.services.find((s) => s.spec.name === "portal")!.spec;
            const other = processEnv(portal, envValues(cfg, fakeData(), undefined), cfg);
            assert.ok(
                !other.plain.some((p) => p.name === "CONCIERGE_DISABLED") && other.secret.OPENAI_API_KEY === undefined,
                "only the process it was set for",
            );
        });

        it("refuses, at the component, an extra variable that would override the catalog without validation", () => {
            const cfg = validate("local", {});
            const web = cfg.services.find((s) => s.spec.name === "web")!;
            const forged: PlatformConfig = {
                ...cfg,
                services: cfg.services.map((s) => (s === web ? { ...s, env: { NODE_ENV: "development" } } : s)),
            };
            assert.throws(
                () => processEnv(web.spec, envValues(forged, fakeData(), undefined), forged),
                /services\.web sets NODE_ENV, which the catalog already sets for web/,
            );
        });

        async function declared(stack: Stack, key: string): Promise<RecordedResource[]> {
            const cfg = validate(stack, { web: { env: { CONCIERGE_DISABLED: true }, secretEnv: { OPENAI_API_KEY: key } } }, [
                "services.web.secretEnv",
            ]);
            recorder.reset();
            new Platform("grownext", { config: cfg });
            await settle();
            return [...recorder.resources];
        }

        it("on a cluster: a literal for the kill switch, a secretKeyRef into web's immutable Secret for the key", async () => {
            const key = marker();
            const resources = await declared("local", key);
            const deployment = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.inputs.metadata.name === "web")!;
            const env = deployment.inputs.spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: any }>;
            assert.deepStrictEqual(
                env.find((e) => e.name === "CONCIERGE_DISABLED"),
                { name: "CONCIERGE_DISABLED", value: "true" },
            );
            const ref = env.find((e) => e.name === "OPENAI_API_KEY")!;
            assert.strictEqual(ref.value, undefined);
            assert.strictEqual(ref.valueFrom.secretKeyRef.key, "OPENAI_API_KEY");
            const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "grownext-web-env")!;
            assert.ok(isSecretInput(secret.inputs.stringData), "the Secret's data is a Pulumi secret");
            assert.strictEqual(unwrap(secret.inputs.stringData).OPENAI_API_KEY, key);
            for (const d of resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && r.inputs.metadata.name !== "web")) {
                assert.ok(!JSON.stringify(d.inputs).includes("OPENAI_API_KEY"), `${d.inputs.metadata.name} does not get web's key`);
            }
            assert.ok(!JSON.stringify(deployment.inputs).includes(key), "the value is not in the Deployment");
        });

        it("on AWS: the key also lands in web's Secrets Manager secret, encrypted, and nowhere else", async () => {
            const key = marker();
            const resources = await declared("staging", key);
            const versions = resources.filter((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion");
            const web = versions.find((v) => v.name.endsWith("-web-version"))!;
            assert.ok(isSecretInput(web.inputs.secretString));
            assert.strictEqual(JSON.parse(unwrap(web.inputs.secretString)).OPENAI_API_KEY, key);
            for (const v of versions.filter((x) => x !== web)) assert.ok(!unwrap<string>(v.inputs.secretString).includes(key), v.name);
        });
    });
});

/** Connection values as the data tier would give them (plain strings are enough for processEnv). */
function fakeData(): Parameters<typeof envValues>[1] {
    return Object.fromEntries(dataEnvKeys.map((k) => [k, `${k}-value`])) as Parameters<typeof envValues>[1];
}
