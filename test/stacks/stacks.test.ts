/**
 * Whole-stack evaluation: each committed Pulumi.<stack>.yaml (plus the secrets an operator sets)
 * runs through the platform under mocks, and the declared topology is checked against the guides.
 */
import * as assert from "assert";
import { isSecretEnvName } from "../../catalog/envMatrix";
import { processCatalog } from "../../catalog/processes";
import { databasesOf } from "../../catalog/databaseRoles";
import { evaluateStack } from "../../sandbox/evaluate";
import { installMocks, recorder, settle, unwrap, type RecordedResource } from "../../sandbox/mocks";
import { stackConfig, stackNames } from "../../sandbox/stacks";

const deploymentType = "kubernetes:apps/v1:Deployment";

function processDeployments(resources: RecordedResource[]): Map<string, RecordedResource> {
    return new Map(
        resources
            .filter((r) => r.type === deploymentType && r.inputs.spec?.template?.metadata?.labels?.["grownext.io/process"])
            .map((r) => [r.inputs.spec.template.metadata.labels["grownext.io/process"], r]),
    );
}

describe("whole stacks under mocks", () => {
    before(() => installMocks());

    for (const stack of stackNames) {
        describe(stack, () => {
            let resources: RecordedResource[];
            before(async () => {
                resources = await evaluateStack(stack);
            });

            it("runs all seven processes, each probed for startup, readiness and liveness", () => {
                const deployments = processDeployments(resources);
                assert.deepStrictEqual([...deployments.keys()].sort(), processCatalog.map((p) => p.name).sort());
                for (const [name, d] of deployments) {
                    const c = d.inputs.spec.template.spec.containers[0];
                    assert.ok(c.startupProbe && c.readinessProbe && c.livenessProbe, name);
                    assert.ok(
                        c.env.some((e: any) => e.name === "NODE_ENV" && e.value === "production"),
                        name,
                    );
                }
            });

            it("never puts a secret value in a literal env entry", () => {
                for (const d of processDeployments(resources).values()) {
                    for (const e of d.inputs.spec.template.spec.containers[0].env) {
                        if (isSecretEnvName(e.name)) assert.ok(e.valueFrom?.secretKeyRef && e.value === undefined, e.name);
                    }
                }
            });

            it("exposes api, identity and portal over TLS under the stack's domain", () => {
                const cfg = stackConfig(stack);
                const hosts = resources
                    .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")
                    .map((r) => r.inputs.spec.rules[0].host)
                    .sort();
                assert.deepStrictEqual(
                    hosts,
                    ["api", "identity", "portal"].map((h) => `${h}.${cfg.domain}`),
                );
            });

            it("uses one explicit Kubernetes provider for every Kubernetes resource", () => {
                const providers = resources.filter((r) => r.type === "pulumi:providers:kubernetes");
                assert.strictEqual(providers.length, 1);
                const k8sResources = resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
                assert.ok(k8sResources.length > 0);
                for (const r of k8sResources)
                    assert.match(r.provider ?? "", /pulumi:providers:kubernetes::grownext-kubernetes::/, `${r.type} ${r.name}`);
            });

            it("makes every database user's rollout wait for its migrations Job, and on AWS for its roles Jobs", () => {
                const jobs = resources.filter((r) => r.type === "kubernetes:batch/v1:Job");
                const deployments = processDeployments(resources);
                for (const spec of processCatalog.filter((p) => p.migratesBefore)) {
                    const d = deployments.get(spec.name)!;
                    const gates = jobs.filter((j) => d.dependencies!.includes(j.urn!));
                    const migrations = gates.filter((j) => j.inputs.metadata.name.startsWith("migrate-"));
                    assert.strictEqual(migrations.length, 1, `${spec.name} must depend on exactly one migrations Job`);
                    assert.strictEqual(migrations[0]!.inputs.metadata.labels["grownext.io/database"], spec.migratesBefore);
                    // AWS: the roles Job of each database the process connects to (its own role exists before it rolls).
                    const roles = gates.filter((j) => j.inputs.metadata.name.startsWith("roles-"));
                    assert.deepStrictEqual(
                        roles.map((j) => j.inputs.metadata.labels["grownext.io/database"]).sort(),
                        stack === "local" ? [] : databasesOf(spec),
                        `${spec.name}'s roles gates`,
                    );
                    assert.strictEqual(gates.length, migrations.length + roles.length);
                }
                assert.ok(!deployments.get("portal")!.dependencies!.some((u) => jobs.some((j) => j.urn === u)));
            });

            it("gives the release-gate Jobs no Secrets Manager secret: each secret holds a value of its owner's own", () => {
                const secrets = resources.filter((r) => r.type === "aws:secretsmanager/secret:Secret").map((r) => r.inputs.name as string);
                const versions = resources.filter((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion").map((r) => r.name);
                if (stack === "local") {
                    assert.deepStrictEqual([...secrets, ...versions], []);
                    return;
                }
                // The migrations and roles Jobs read only the master and credentials secrets (docs/secret-rotation.md).
                assert.ok(secrets.length > 0);
                assert.deepStrictEqual(
                    secrets.filter((n) => /\/(migrate|roles)-[a-z]+$/.test(n)),
                    [],
                );
                assert.deepStrictEqual(
                    versions.filter((n) => /-secrets-(migrate|roles)-/.test(n)),
                    [],
                );
                // Their IRSA roles stay: ESO authenticates as their ServiceAccounts.
                const roles = resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.name);
                for (const owner of ["migrate-app", "migrate-identity", "roles-app", "roles-identity"])
                    assert.ok(roles.includes(`grownext-secrets-${owner}-role`), owner);
                // An owner's own secret holds at least one value (no empty secret to rotate).
                for (const v of resources.filter(
                    (r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion" && /-secrets-/.test(r.name),
                ))
                    assert.ok(Object.keys(JSON.parse(unwrap(v.inputs.secretString))).length > 0, v.name);
            });

            it("runs the smoke probes after every workload when it deploys to a cluster", () => {
                const probes = resources.filter((r) => r.type === "command:local:Command");
                if (stack === "local") {
                    assert.strictEqual(probes.length, 0, "the local stack only renders manifests");
                    return;
                }
                assert.strictEqual(probes.length, 1);
                const urns = [...processDeployments(resources).values()].map((d) => d.urn!);
                for (const urn of urns) assert.ok(probes[0]!.dependencies!.includes(urn), urn);
                for (const ingress of resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")) {
                    assert.ok(probes[0]!.dependencies!.includes(ingress.urn!), `the probes wait for ${ingress.name} too`);
                }
            });
        });
    }

    it("local declares no AWS resource and renders manifests to a folder", async () => {
        const resources = await evaluateStack("local");
        assert.deepStrictEqual(
            resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws"),
            [],
        );
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.strictEqual(provider.inputs.renderYamlToDirectory, "rendered/local");
    });

    it("local applies to a local cluster when a context is configured", async () => {
        const resources = await evaluateStack("local", { kubernetes: { namespace: "grownext", context: "kind-grownext" } });
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.strictEqual(provider.inputs.renderYamlToDirectory, undefined);
        assert.strictEqual(provider.inputs.context, "kind-grownext");
    });

    it("staging differs from production where the guides say: scale, executor flag", async () => {
        const prod = await evaluateStack("production");
        const prodWebHpa = prod.find(
            (r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" && r.inputs.spec.scaleTargetRef.name === "web",
        )!;
        const staging = await evaluateStack("staging");
        const stagingWebHpa = staging.find(
            (r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" && r.inputs.spec.scaleTargetRef.name === "web",
        )!;
        assert.deepStrictEqual([prodWebHpa.inputs.spec.minReplicas, prodWebHpa.inputs.spec.maxReplicas], [2, 10]);
        assert.ok(stagingWebHpa.inputs.spec.minReplicas < 2);
        const flag = (rs: RecordedResource[]) =>
            processDeployments(rs)
                .get("web")!
                .inputs.spec.template.spec.containers[0].env.find((e: any) => e.name === "GENERIC_EXECUTOR_ENABLED").value;
        assert.strictEqual(flag(prod), "false");
        assert.strictEqual(flag(staging), "true");
    });

    it("protects production's data resources as the engine sees them, and no staging one", async () => {
        const dataTypes = [
            "aws:rds/instance:Instance",
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:kms/key:Key",
            "aws:secretsmanager/secret:Secret",
        ];
        const prod = (await evaluateStack("production")).filter((r) => dataTypes.includes(r.type));
        assert.deepStrictEqual([...new Set(prod.map((r) => r.type))].sort(), [...dataTypes].sort());
        for (const r of prod) assert.strictEqual(r.protect, true, `${r.type} ${r.name}`);
        const rds = prod.filter((r) => r.type === "aws:rds/instance:Instance");
        for (const r of rds) {
            assert.strictEqual(r.inputs.deletionProtection, true, r.name);
            assert.strictEqual(r.inputs.skipFinalSnapshot, false, r.name);
            assert.ok(r.inputs.finalSnapshotIdentifier, r.name);
            assert.strictEqual(r.inputs.backupRetentionPeriod, 30, r.name);
        }
        const staging = (await evaluateStack("staging")).filter((r) => dataTypes.includes(r.type));
        for (const r of staging) assert.strictEqual(r.protect, false, `${r.type} ${r.name}`);
    });

    it("an eighth process is a catalog entry and config, not new code", async () => {
        const { Platform } = await import("../../components/platform");
        const admin = {
            ...processCatalog.find((p) => p.name === "portal")!,
            name: "admin",
            publicHost: "admin",
            description: "The admin console.",
        };
        recorder.reset();
        new Platform("grownext", { config: stackConfig("local", {}, [...processCatalog, admin]) });
        await settle();
        const deployments = processDeployments([...recorder.resources]);
        assert.ok(deployments.has("admin"));
        const hosts = recorder.ofType("kubernetes:networking.k8s.io/v1:Ingress").map((r) => r.inputs.spec.rules[0].host);
        assert.ok(hosts.includes("admin.grownext.localtest.me"));
    });
});
