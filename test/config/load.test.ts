import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import fc from "fast-check";
import { ConfigError } from "../../config/errors";
import { collectNamespace, validateConfig } from "../../config/load";
import { rawConfigSchema } from "../../config/schema";
import { fakeStripe, operatorSecrets, stackConfig, stackConfigStrings, stackNames, testKeyPair } from "../../sandbox/stacks";

/** The committed local stack's values, as a base for mutations. */
function localValues(): Record<string, any> {
    return collectNamespace(stackConfigStrings("local"));
}

function productionValues(): Record<string, any> {
    const v = collectNamespace(stackConfigStrings("production"));
    v.identity = { jwtPublicKey: testKeyPair().publicKey };
    return { ...v, ...operatorSecrets("production") };
}

function problemsOf(
    values: Record<string, unknown>,
    stack = "local",
    secretKeys: string[] = Object.keys(operatorSecrets("production")),
): string[] {
    try {
        validateConfig(values, { project: "grownext", stack, isPlaintext: (k) => !secretKeys.includes(k) });
    } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
    }
    return [];
}

function assertProblem(problems: string[], pattern: RegExp): void {
    assert.ok(
        problems.some((p) => pattern.test(p)),
        `expected a problem matching ${pattern}, got:\n${problems.join("\n")}`,
    );
}

describe("stack config validation", () => {
    for (const stack of stackNames) {
        it(`accepts the committed ${stack} stack once its operator secrets are set`, () => {
            const cfg = stackConfig(stack);
            assert.strictEqual(cfg.environment, stack);
            assert.strictEqual(cfg.services.length, 7);
        });
    }

    it("names the key, what was wrong, what came and an example: autoscale min 0", () => {
        const v = localValues();
        v.services = { web: { autoscale: { min: 0, max: 3 } } };
        const problems = problemsOf(v);
        assert.deepStrictEqual(problems, ["services.web.autoscale.min must be at least 1, got 0 (example: 2)"]);
    });

    it("reports every problem at once, one line each", () => {
        const v = localValues();
        v.domain = "Not A Domain";
        v.images = { ...v.images, app: "ghcr.io/grownext/app:latest" };
        v.edge = { hstsMaxAgeSeconds: 60 };
        const problems = problemsOf(v);
        assert.strictEqual(problems.length, 3, problems.join("\n"));
        assertProblem(problems, /^domain must be a lower-case DNS name, got "Not A Domain"/);
        assertProblem(problems, /^images\.app must be pinned by a tag other than latest, or by digest/);
        assertProblem(problems, /^edge\.hstsMaxAgeSeconds must be at least 15552000, got 60/);
    });

    it("refuses untagged images", () => {
        const v = localValues();
        v.images = { ...v.images, portal: "ghcr.io/grownext/portal" };
        assertProblem(problemsOf(v), /^images\.portal must be pinned/);
    });

    it("accepts images pinned by digest", () => {
        const v = localValues();
        v.images = { ...v.images, app: `ghcr.io/grownext/app@sha256:${"a".repeat(64)}` };
        assert.deepStrictEqual(problemsOf(v), []);
    });

    it("requires every image the catalog uses", () => {
        const v = localValues();
        delete v.images.identity;
        assertProblem(problemsOf(v), /^images\.identity is required/);
    });

    it("refuses unknown keys, naming them", () => {
        const v = localValues();
        v.domian = "example.com";
        assertProblem(problemsOf(v), /^domian is not a known key: remove it or fix its spelling \(did you mean domain\?\)/);
    });

    it("refuses a replica count on a singleton", () => {
        const v = localValues();
        v.services = { scheduler: { replicas: 2 } };
        assertProblem(problemsOf(v), /^services\.scheduler\.replicas must not be set: scheduler is a singleton/);
    });

    it("refuses a worker drain period under 30 seconds", () => {
        const v = localValues();
        v.services = { worker: { terminationGracePeriodSeconds: 10 } };
        assertProblem(problemsOf(v), /^services\.worker\.terminationGracePeriodSeconds must be at least 30, got 10/);
    });

    it("refuses services that are not in the catalog", () => {
        const v = localValues();
        v.services = { admin: { replicas: 1 } };
        assertProblem(problemsOf(v), /^services\.admin is not a process of the catalog/);
    });

    it("refuses a Stripe test key in production, without echoing it", () => {
        const v = productionValues();
        v.stripeSecretKey = fakeStripe.test;
        const problems = problemsOf(v, "production");
        assertProblem(problems, /^stripeSecretKey must be a live key \(sk_live_\.\.\.\) in production/);
        assert.ok(!problems.join("\n").includes(fakeStripe.test), "the key itself must never be printed");
    });

    it("refuses a live Stripe key outside production", () => {
        for (const stack of ["local", "staging"]) {
            const v = stack === "local" ? localValues() : collectNamespace(stackConfigStrings("staging"));
            v.stripeSecretKey = fakeStripe.live;
            const problems = problemsOf(v, stack, ["stripeSecretKey"]);
            assertProblem(
                problems,
                new RegExp(
                    `^stripeSecretKey must be a test key \\(sk_test_\\.\\.\\.\\) outside production, the ${stack} stack refuses live keys`,
                ),
            );
            assert.ok(!problems.join("\n").includes(fakeStripe.live));
        }
    });

    it("refuses credentials stored in plaintext", () => {
        const v = localValues();
        v.stripeSecretKey = fakeStripe.test;
        assertProblem(problemsOf(v, "local", []), /^stripeSecretKey must be set with --secret/);
    });

    it("requires production's credentials and RS256 key", () => {
        const v = productionValues();
        delete v.stripeWebhookSecret;
        v.identityJwtPrivateKey = ["-----BEGIN EC", "PRIVATE KEY-----\nabc\n-----END EC", "PRIVATE KEY-----"].join(" ");
        const problems = problemsOf(v, "production");
        assertProblem(problems, /^stripeWebhookSecret is required in production/);
        assertProblem(problems, /^identityJwtPrivateKey is not a private key that node:crypto can read/);
    });

    it("refuses the generic executor in production", () => {
        const v = productionValues();
        v.flags = { genericExecutor: true };
        assertProblem(problemsOf(v, "production"), /^flags\.genericExecutor must be false in production/);
    });

    it("requires a cluster outside local, and keeps rendering for local only", () => {
        const v = collectNamespace(stackConfigStrings("staging"));
        v.kubernetes = { namespace: "grownext", renderDirectory: "out" };
        const problems = problemsOf(v, "staging");
        assertProblem(problems, /^kubernetes\.context is required on the staging stack/);
        assertProblem(problems, /^kubernetes\.renderDirectory is only for the local stack/);
    });

    it("refuses in-cluster data stores in production", () => {
        const v = productionValues();
        v.data = { provider: "inCluster" };
        assertProblem(problemsOf(v, "production"), /^data\.provider must be "aws" in production/);
    });

    it("refuses secret OAuth settings named NEXT_PUBLIC_*", () => {
        const v = localValues();
        v.oauthClientSecrets = { NEXT_PUBLIC_GITHUB_CLIENT_SECRET: "x" };
        assertProblem(
            problemsOf(v, "local", ["oauthClientSecrets"]),
            /^oauthClientSecrets\.NEXT_PUBLIC_GITHUB_CLIENT_SECRET must never be NEXT_PUBLIC_/,
        );
    });

    it("resolves the guides' defaults: web 2..10 in production, singletons at 1, executor per stack", () => {
        const prod = stackConfig("production");
        const web = prod.services.find((s) => s.spec.name === "web")!;
        assert.deepStrictEqual([web.autoscale?.min, web.autoscale?.max], [2, 10]);
        for (const name of ["scheduler", "timers", "encryption-rotation"]) {
            assert.strictEqual(prod.services.find((s) => s.spec.name === name)!.replicas, 1);
        }
        assert.strictEqual(prod.genericExecutorEnabled, false);
        assert.strictEqual(stackConfig("staging").genericExecutorEnabled, true);
        assert.strictEqual(stackConfig("local").genericExecutorEnabled, true);
        const worker = prod.services.find((s) => s.spec.name === "worker")!;
        assert.ok(worker.terminationGracePeriodSeconds >= 30);
    });

    it("turns the probes off while the local stack only renders, on when it targets a cluster", () => {
        assert.strictEqual(stackConfig("local").probes.enabled, false);
        assert.strictEqual(stackConfig("local").kubernetes.mode, "render");
        const onCluster = stackConfig("local", { kubernetes: { namespace: "grownext", context: "kind-grownext" } });
        assert.strictEqual(onCluster.probes.enabled, true);
        assert.strictEqual(onCluster.kubernetes.mode, "cluster");
    });

    it("never crashes on arbitrary config: every outcome is a config or a ConfigError", () => {
        const topLevel = Object.keys(rawConfigSchema.shape).join("|");
        const startsWithKey = new RegExp("^(" + topLevel + ')(\\.[\\w-]+|\\["(?:[^"\\\\]|\\\\.)*"\\])* [a-z]');
        const keys = [
            "environment",
            "domain",
            "kubernetes",
            "images",
            "services",
            "edge",
            "probes",
            "data",
            "flags",
            "stripeSecretKey",
            "identity",
        ];
        fc.assert(
            fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
                const v = localValues();
                v[key] = value;
                try {
                    validateConfig(v, { project: "grownext", stack: "local", isPlaintext: () => false });
                } catch (err) {
                    if (!(err instanceof ConfigError)) throw err;
                    for (const p of err.problems) {
                        if (!startsWithKey.test(p)) throw new Error(`problem does not start with its key: ${p}`, { cause: err });
                    }
                }
            }),
            { numRuns: 300 },
        );
    });

    it("never crashes on arbitrary service settings", () => {
        fc.assert(
            fc.property(
                fc.constantFrom("web", "worker", "scheduler", "identity"),
                fc.dictionary(
                    fc.constantFrom("replicas", "autoscale", "resources", "terminationGracePeriodSeconds", "livenessCommand", "enabled"),
                    fc.jsonValue(),
                ),
                (name, svc) => {
                    const v = localValues();
                    v.services = { [name]: svc };
                    try {
                        validateConfig(v, { project: "grownext", stack: "local", isPlaintext: () => false });
                    } catch (err) {
                        if (!(err instanceof ConfigError)) throw err;
                        assert.ok(
                            err.problems.every((p) => p.startsWith("services.")),
                            err.problems.join("\n"),
                        );
                    }
                },
            ),
            { numRuns: 300 },
        );
    });

    it("prints without a stack trace: ConfigError is a Pulumi RunError", () => {
        const v = localValues();
        v.environment = "prod";
        try {
            validateConfig(v, { project: "grownext", stack: "local", isPlaintext: () => true });
            assert.fail("expected a ConfigError");
        } catch (err) {
            assert.ok(pulumi.RunError.isInstance(err));
            assert.match(err.message, /environment must be one of "local", "staging", "production", got "prod"/);
        }
    });
});
