import { noLiteralSecretEnv } from "../../policies/secrets/no-literal-secret-env";
import { noSecretNextPublic } from "../../policies/secrets/no-secret-next-public";
import { secretsNotInConfigMaps } from "../../policies/secrets/secrets-not-in-configmaps";
import { serviceRoleKeyTrustedOnly } from "../../policies/secrets/service-role-key-trusted-only";
import { assertClean, assertReports } from "./assertions";
import {
    container,
    externalSecretFor,
    fromSecret,
    handWrittenDeployment,
    literal,
    mutate,
    namespace,
    podSpec,
    processSecret,
    secretNameFor,
    types,
    workload,
} from "../fixtures/policyResources";
import { resource, UNKNOWN_VALUE } from "./harness";

describe("no-literal-secret-env", () => {
    it("passes secrets from secretKeyRef and envFrom, and literal non-secrets (SECRET_MANAGER_PROVIDER)", async () => {
        const w = mutate(workload("web"), (p) => container(p).env.push(literal("SECRET_MANAGER_PROVIDER", "aws")));
        await assertClean(noLiteralSecretEnv, w);
    });
    it("reports a literal matrix secret", async () => {
        await assertReports(
            noLiteralSecretEnv,
            mutate(workload("web"), (p) => container(p).env.push(literal("STRIPE_SECRET_KEY", "sk_test_x"))),
            /secret env var STRIPE_SECRET_KEY to a literal value; move the value into the process's Kubernetes Secret/,
        );
    });
    it("reports a literal credential-looking name outside the matrix", async () => {
        await assertReports(
            noLiteralSecretEnv,
            mutate(workload("worker"), (p) => container(p).env.push(literal("GITHUB_CLIENT_SECRET", "x"))),
            /GITHUB_CLIENT_SECRET/,
        );
        await assertReports(
            noLiteralSecretEnv,
            mutate(workload("worker"), (p) => container(p).env.push(literal("OPENAI_API_KEY", "x"))),
            /OPENAI_API_KEY/,
        );
    });
    it("reports a literal secret even when its value is unknown during preview", async () => {
        await assertReports(
            noLiteralSecretEnv,
            mutate(workload("web"), (p) => container(p).env.push(literal("DATABASE_URL", UNKNOWN_VALUE))),
            /DATABASE_URL to a literal value/,
        );
    });
    it("reports a secret read from a ConfigMap", async () => {
        await assertReports(
            noLiteralSecretEnv,
            mutate(workload("web"), (p) =>
                container(p).env.push({ name: "REDIS_URL", valueFrom: { configMapKeyRef: { name: "cfg", key: "REDIS_URL" } } }),
            ),
            /from configMapKeyRef, not from a Secret/,
        );
    });
    it("checks init containers, Jobs, CronJobs and Pods too", async () => {
        await assertReports(
            noLiteralSecretEnv,
            mutate(
                workload("web"),
                (p) => (podSpec(p).initContainers = [{ name: "migrate", image: "app:1", env: [literal("DATABASE_URL", "postgres://")] }]),
            ),
            /initContainer "migrate"/,
        );
        const jobSpec = { template: { spec: { containers: [{ name: "m", image: "app:1", env: [literal("TASKS_DATABASE_URL", "x")] }] } } };
        await assertReports(noLiteralSecretEnv, resource(types.job, "migrate", { spec: jobSpec }), /TASKS_DATABASE_URL/);
        await assertReports(
            noLiteralSecretEnv,
            resource(types.cronJob, "cron", { spec: { schedule: "* * * * *", jobTemplate: { spec: jobSpec } } }),
            /TASKS_DATABASE_URL/,
        );
        await assertReports(noLiteralSecretEnv, resource(types.pod, "debug", { spec: jobSpec.template.spec }), /TASKS_DATABASE_URL/);
    });
    it("reports a literal secret in a hand-written Deployment without our labels", async () => {
        await assertReports(
            noLiteralSecretEnv,
            handWrittenDeployment("api", { env: [literal("QUEUE_REDIS_PASSWORD", "x")] }),
            /container "api" sets secret env var QUEUE_REDIS_PASSWORD to a literal value/,
        );
    });
    it("reports an env list that is unknown during preview", async () => {
        await assertReports(
            noLiteralSecretEnv,
            mutate(workload("web"), (p) => (container(p).env = UNKNOWN_VALUE)),
            /env of container "web" is unknown during preview/,
        );
    });
    it("honours configured secret and non-secret names", async () => {
        const w = mutate(workload("web"), (p) => container(p).env.push(literal("LICENSE", "abc")));
        await assertClean(noLiteralSecretEnv, w);
        await assertReports(noLiteralSecretEnv, w, /LICENSE/, { additionalSecretNames: ["LICENSE"] });
        await assertClean(
            noLiteralSecretEnv,
            mutate(workload("web"), (p) => container(p).env.push(literal("TOKEN_TTL_SECONDS", "60"))),
            { nonSecretNames: ["TOKEN_TTL_SECONDS"] },
        );
    });
});

describe("service-role-key-trusted-only", () => {
    const stack = () => ["web", "worker", "identity", "portal"].flatMap((p) => [workload(p), processSecret(p)]);
    it("passes the key in the trusted processes' Secrets only", async () => {
        await assertClean(serviceRoleKeyTrustedOnly, stack());
    });
    it("reports the key as an env var of an untrusted process", async () => {
        const res = [
            ...stack(),
            mutate(workload("portal"), (p) => container(p).env.push(fromSecret("SUPABASE_SERVICE_ROLE_KEY", "portal-env"))),
        ];
        await assertReports(
            serviceRoleKeyTrustedOnly,
            res,
            /is process "portal" but receives SUPABASE_SERVICE_ROLE_KEY.*give SUPABASE_SERVICE_ROLE_KEY only to the trusted processes \(identity, worker\)/,
        );
    });
    it("reports the key reached through envFrom of a Secret that holds it", async () => {
        const res = stack().map((r) =>
            r.name === secretNameFor("web") ? mutate(r, (p) => (p.stringData.SUPABASE_SERVICE_ROLE_KEY = "x")) : r,
        );
        await assertReports(serviceRoleKeyTrustedOnly, res, /"web".*envFrom Secret "web-env"/);
    });
    it("reports the key under another env name, and in a mounted Secret volume", async () => {
        await assertReports(
            serviceRoleKeyTrustedOnly,
            [
                ...stack(),
                mutate(workload("web"), (p) => container(p).env.push(fromSecret("SUPA", "identity-env", "SUPABASE_SERVICE_ROLE_KEY"))),
            ],
            /from Secret key SUPABASE_SERVICE_ROLE_KEY/,
        );
        await assertReports(
            serviceRoleKeyTrustedOnly,
            [...stack(), mutate(workload("web"), (p) => (podSpec(p).volumes = [{ name: "s", secret: { secretName: "worker-env" } }]))],
            /Secret volume "worker-env"/,
        );
    });
    it("reports a workload without a process label that receives the key", async () => {
        const unlabelled = mutate(workload("worker"), (p) => {
            delete p.metadata.labels["grownext.io/process"];
            delete p.spec.template.metadata.labels["grownext.io/process"];
        });
        await assertReports(
            serviceRoleKeyTrustedOnly,
            [unlabelled, processSecret("worker")],
            /has no grownext\.io\/process label but receives/,
        );
    });
    it("reports an envFrom Secret it cannot resolve for an untrusted process", async () => {
        await assertReports(
            serviceRoleKeyTrustedOnly,
            [workload("web")],
            /Secret "web-env", which is not declared in this stack.*unknown during preview/,
        );
    });
    it("reports unknown Secret keys for an untrusted process", async () => {
        const res = [workload("web"), mutate(processSecret("web"), (p) => (p.stringData = UNKNOWN_VALUE))];
        await assertReports(serviceRoleKeyTrustedOnly, res, /keys of Secret "web-env"/);
    });
    it("reads the keys of an ESO-written Secret from a secret ExternalSecret spec whose URL templates hold literal parts", async () => {
        // As the program declares them on AWS stacks: a database URL's scheme, host and path are literals of its
        // template, so the whole spec arrives secret (Pulumi's wire form), and the Secret itself is not declared.
        const wrapped = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
        const synced = (process: string, extraKeys: string[]) =>
            mutate(externalSecretFor(processSecret(process)), (p) => {
                for (const k of extraKeys) p.spec.target.template.data[k] = `{{ .${k} }}`;
                p.spec.target.template.data.DATABASE_URL =
                    "postgresql://{{ .DATABASE_URL__username | urlquery }}:{{ .DATABASE_URL__password | urlquery }}@db.internal:5432/app?sslmode=require";
                p.spec = wrapped(p.spec);
            });
        await assertClean(serviceRoleKeyTrustedOnly, [workload("web"), synced("web", []), workload("worker"), synced("worker", [])]);
        await assertReports(
            serviceRoleKeyTrustedOnly,
            [workload("web"), synced("web", ["SUPABASE_SERVICE_ROLE_KEY"])],
            /"web".*envFrom Secret "web-env"/,
        );
    });
    it("honours a configured trusted list", async () => {
        const res = [
            ...stack(),
            mutate(workload("portal"), (p) => container(p).env.push(fromSecret("SUPABASE_SERVICE_ROLE_KEY", "portal-env"))),
        ];
        await assertClean(serviceRoleKeyTrustedOnly, res, { trustedProcesses: ["identity", "worker", "portal"] });
    });
});

describe("no-secret-next-public", () => {
    it("passes publishable NEXT_PUBLIC_ values", async () => {
        await assertClean(noSecretNextPublic, [workload("portal"), processSecret("portal")]);
    });
    it("passes a publishable value (the anon key, a URL) read from a Secret, and a Secret holding it", async () => {
        const w = mutate(workload("portal"), (p) =>
            container(p).env.push(
                fromSecret("NEXT_PUBLIC_SUPABASE_ANON_KEY", "portal-env"),
                fromSecret("NEXT_PUBLIC_SUPABASE_URL", "portal-env", "SUPABASE_URL"),
            ),
        );
        const secret = mutate(processSecret("portal"), (p) => (p.stringData.NEXT_PUBLIC_SUPABASE_ANON_KEY = "anon"));
        await assertClean(noSecretNextPublic, [w, secret]);
    });
    it("reports a NEXT_PUBLIC_ var filled from a secret-named Secret key", async () => {
        await assertReports(
            noSecretNextPublic,
            mutate(workload("portal"), (p) =>
                container(p).env.push(fromSecret("NEXT_PUBLIC_SUPABASE_ANON_KEY", "portal-env", "SUPABASE_SERVICE_ROLE_KEY")),
            ),
            /fills NEXT_PUBLIC_SUPABASE_ANON_KEY from Secret key SUPABASE_SERVICE_ROLE_KEY, a secret.*server-only name/,
        );
        await assertReports(
            noSecretNextPublic,
            mutate(workload("portal"), (p) => container(p).env.push(fromSecret("NEXT_PUBLIC_DB", "portal-env", "DATABASE_URL"))),
            /NEXT_PUBLIC_DB from Secret key DATABASE_URL/,
        );
    });
    it("honours configured secret names for the Secret key", async () => {
        const w = mutate(workload("portal"), (p) => container(p).env.push(fromSecret("NEXT_PUBLIC_LICENSE", "portal-env", "LICENSE")));
        await assertClean(noSecretNextPublic, w);
        await assertReports(noSecretNextPublic, w, /Secret key LICENSE, a secret/, { additionalSecretNames: ["LICENSE"] });
    });
    it("reports a NEXT_PUBLIC_ var named like a secret, whatever its source", async () => {
        await assertReports(
            noSecretNextPublic,
            mutate(workload("portal"), (p) => container(p).env.push(literal("NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY", "x"))),
            /NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY, whose name marks it as a secret/,
        );
        await assertReports(
            noSecretNextPublic,
            mutate(workload("portal"), (p) => container(p).env.push(fromSecret("NEXT_PUBLIC_STRIPE_SECRET_KEY", "portal-env"))),
            /NEXT_PUBLIC_STRIPE_SECRET_KEY, whose name marks it as a secret/,
        );
    });
    it("reports a Secret key unknown during preview behind a NEXT_PUBLIC_ var", async () => {
        await assertReports(
            noSecretNextPublic,
            mutate(workload("portal"), (p) => container(p).env.push(fromSecret("NEXT_PUBLIC_X", "portal-env", UNKNOWN_VALUE))),
            /Secret key behind NEXT_PUBLIC_X of container "portal" is unknown during preview/,
        );
    });
    it("reports a Secret with a secret-named NEXT_PUBLIC_ key, not a publishable one", async () => {
        await assertReports(
            noSecretNextPublic,
            mutate(processSecret("portal"), (p) => (p.stringData.NEXT_PUBLIC_STRIPE_SECRET_KEY = "x")),
            /Secret key NEXT_PUBLIC_STRIPE_SECRET_KEY is named like a secret/,
        );
        await assertClean(
            noSecretNextPublic,
            mutate(processSecret("portal"), (p) => (p.stringData.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY = "pk")),
        );
    });
    it("reports a ConfigMap NEXT_PUBLIC_ key named like a secret, and an envFrom Secret under a NEXT_PUBLIC_ prefix", async () => {
        await assertReports(
            noSecretNextPublic,
            resource(types.configMap, "cfg", { data: { NEXT_PUBLIC_API_TOKEN: "x" } }),
            /NEXT_PUBLIC_API_TOKEN/,
        );
        await assertReports(
            noSecretNextPublic,
            mutate(workload("portal"), (p) => container(p).envFrom.push({ prefix: "NEXT_PUBLIC_", secretRef: { name: "portal-env" } })),
            /imports every key of a Secret under the envFrom prefix NEXT_PUBLIC_, secret ones included/,
        );
    });
    it("leaves a Secret whose keys are unknown in preview to the workload checks, which still catch the exposure", async () => {
        const unknownKeys = mutate(processSecret("portal"), (p) => (p.stringData = UNKNOWN_VALUE));
        await assertClean(noSecretNextPublic, unknownKeys);
        await assertReports(
            noSecretNextPublic,
            [
                unknownKeys,
                mutate(workload("portal"), (p) =>
                    container(p).env.push(fromSecret("NEXT_PUBLIC_SUPABASE_ANON_KEY", "portal-env", "SUPABASE_SERVICE_ROLE_KEY")),
                ),
            ],
            /fills NEXT_PUBLIC_SUPABASE_ANON_KEY from Secret key SUPABASE_SERVICE_ROLE_KEY/,
        );
    });
    it("checks a hand-written Deployment without our labels too", async () => {
        await assertReports(
            noSecretNextPublic,
            handWrittenDeployment("front", {
                image: "ghcr.io/grownext/portal:1.4.2",
                env: [fromSecret("NEXT_PUBLIC_KEY", "front-env", "SUPABASE_SERVICE_ROLE_KEY")],
            }),
            /container "front" fills NEXT_PUBLIC_KEY from Secret key SUPABASE_SERVICE_ROLE_KEY/,
        );
    });
});

describe("secrets-not-in-configmaps", () => {
    const cm = (data: Record<string, string>) => resource(types.configMap, "settings", { metadata: { name: "settings", namespace }, data });
    it("passes plain settings and the HSTS headers", async () => {
        await assertClean(
            secretsNotInConfigMaps,
            cm({ LOG_LEVEL: "info", "Strict-Transport-Security": "max-age=31536000", SECRET_MANAGER_PROVIDER: "aws" }),
        );
    });
    it("reports a key named like a secret", async () => {
        await assertReports(
            secretsNotInConfigMaps,
            cm({ DATABASE_PASSWORD: "hunter2" }),
            /ConfigMap key DATABASE_PASSWORD holds a secret; move it to a Kubernetes Secret/,
        );
        await assertReports(secretsNotInConfigMaps, cm({ STRIPE_WEBHOOK_SECRET: "whsec" }), /STRIPE_WEBHOOK_SECRET/);
    });
    it("reports a dotenv file with a secret", async () => {
        await assertReports(
            secretsNotInConfigMaps,
            cm({ ".env": "LOG_LEVEL=info\nREDIS_URL=redis://:pw@redis:6379\n" }),
            /key \.env sets secret REDIS_URL in dotenv form/,
        );
    });
    it("reports data unknown during preview", async () => {
        await assertReports(secretsNotInConfigMaps, resource(types.configMap, "x", { data: UNKNOWN_VALUE }), /unknown during preview/);
    });
});
