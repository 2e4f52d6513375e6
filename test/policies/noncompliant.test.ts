import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { policyNames, resource, runPackOnResources, urnOf, type PolicyResourceLike } from "./harness";

const fixtureDir = path.resolve(__dirname, "../fixtures/noncompliant");
const expected: string[] = JSON.parse(readFileSync(path.join(fixtureDir, "expected-violations.json"), "utf8"));

/** The resources test/fixtures/noncompliant/index.ts declares, as the engine would send them. */
function noncompliantResources(stack: string): PolicyResourceLike[] {
    const providerUrn = urnOf("pulumi:providers:kubernetes", "render", stack, "noncompliant");
    const labels = { app: "api" };
    return [
        resource(
            "pulumi:providers:kubernetes",
            "render",
            { renderYamlToDirectory: "/tmp/noncompliant-manifests" },
            { stack, urn: providerUrn },
        ),
        resource(
            "kubernetes:apps/v1:Deployment",
            "api",
            {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "api", labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            containers: [
                                {
                                    name: "api",
                                    image: "node:latest",
                                    command: ["node", "server.js"],
                                    env: [{ name: "STRIPE_SECRET_KEY", value: "fixture-not-a-real-key" }],
                                    securityContext: { runAsUser: 0 },
                                },
                            ],
                        },
                    },
                },
            },
            { stack, urn: urnOf("kubernetes:apps/v1:Deployment", "api", stack, "noncompliant") },
        ),
        resource(
            "kubernetes:core/v1:ConfigMap",
            "settings",
            {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "settings" },
                data: { DATABASE_PASSWORD: "fixture-not-a-real-password" },
            },
            { stack, urn: urnOf("kubernetes:core/v1:ConfigMap", "settings", stack, "noncompliant") },
        ),
    ];
}

describe("the non-compliant fixture program", () => {
    it("declares the resources this test mirrors", () => {
        const program = readFileSync(path.join(fixtureDir, "index.ts"), "utf8");
        for (const needle of [
            'image: "node:latest"',
            'name: "STRIPE_SECRET_KEY", value:',
            "runAsUser: 0",
            "DATABASE_PASSWORD:",
            "renderYamlToDirectory",
        ]) {
            assert.ok(program.includes(needle), `index.ts no longer contains ${needle}`);
        }
        assert.match(readFileSync(path.join(fixtureDir, "Pulumi.yaml"), "utf8"), /^name: noncompliant$/m);
    });

    it("violates exactly the mandatory policies listed in expected-violations.json", async () => {
        const violations = await runPackOnResources(noncompliantResources("dev"), "dev");
        assert.deepEqual(policyNames(violations, "mandatory"), [...expected].sort());
    });

    it("says what to change for each violation", async () => {
        const violations = await runPackOnResources(noncompliantResources("dev"), "dev");
        const messages = violations.map((v) => `${v.policyName}: ${v.message}`).join("\n");
        assert.match(messages, /no-literal-secret-env: .*STRIPE_SECRET_KEY.*valueFrom\.secretKeyRef/);
        assert.match(messages, /pinned-images: .*node:latest.*pin it/);
        assert.match(messages, /non-root-containers: .*runAsNonRoot: true/);
        assert.match(messages, /secrets-not-in-configmaps: .*DATABASE_PASSWORD.*Kubernetes Secret/);
        assert.match(messages, /health-probes: .*readinessProbe/);
    });

    it("pins the fixture's dependencies to the root's exact versions", () => {
        const root = JSON.parse(readFileSync(path.resolve(__dirname, "../../package.json"), "utf8"));
        const fixture = JSON.parse(readFileSync(path.join(fixtureDir, "package.json"), "utf8"));
        for (const dep of ["@pulumi/kubernetes", "@pulumi/pulumi"]) {
            assert.equal(fixture.dependencies[dep], root.dependencies[dep]);
        }
        assert.deepEqual(Object.keys(fixture.dependencies).sort(), ["@pulumi/kubernetes", "@pulumi/pulumi"]);
    });
});
