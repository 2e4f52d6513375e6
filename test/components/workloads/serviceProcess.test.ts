import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecretInput, promiseOf, recorder, settle, unwrap } from "../../../sandbox/mocks";
import { stackConfig } from "../../../sandbox/stacks";
import type {
    ServiceProcess as ServiceProcessType,
    topologySpreadFor as topologySpreadForType,
} from "../../../components/workloads/serviceProcess";
import { findProcess, notShallowReason, processCatalog, singletonProcessNames } from "../../../catalog/processes";
import { topologySpreadByEnvironment } from "../../../config/defaults";
import type { PlatformConfig, ResolvedService } from "../../../config/load";

describe("ServiceProcess", () => {
    let ServiceProcess: typeof ServiceProcessType;
    let topologySpreadFor: typeof topologySpreadForType;
    let production: PlatformConfig;

    before(async () => {
        installMocks();
        ({ ServiceProcess, topologySpreadFor } = await import("../../../components/workloads/serviceProcess"));
        production = stackConfig("production");
    });
    beforeEach(() => recorder.reset());

    function service(name: string, cfg = production): ResolvedService {
        return cfg.services.find((s) => s.spec.name === name)!;
    }

    async function declare(
        name: string,
        env = {
            plain: [{ name: "NODE_ENV", value: "production" }],
            secret: { DATABASE_URL: pulumi.secret("postgresql://u:FAKE-PW@db/app") } as Record<string, pulumi.Input<string>>,
        },
    ) {
        const component = new ServiceProcess(`test-${name}`, {
            service: service(name),
            namespace: "grownext",
            env,
            spread: topologySpreadByEnvironment.production,
        });
        await settle();
        return component;
    }

    function deploymentOf(name: string) {
        return recorder.one("kubernetes:apps/v1:Deployment", `test-${name}-deployment`).inputs;
    }

    it("declares a ServiceAccount, Secret, Deployment, Service, PDB and HPA for web", async () => {
        await declare("web");
        const types = recorder.resources
            .filter((r) => r.custom)
            .map((r) => r.type)
            .sort();
        assert.deepStrictEqual(types, [
            "kubernetes:apps/v1:Deployment",
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            "kubernetes:core/v1:Secret",
            "kubernetes:core/v1:Service",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:policy/v1:PodDisruptionBudget",
        ]);
    });

    it("runs web's Procfile command, checks readiness deeply on /api/health/ready and liveness and startup by a TCP connect", async () => {
        await declare("web");
        const c = deploymentOf("web").spec.template.spec.containers[0];
        assert.deepStrictEqual(c.command, ["node", "dist/index.js"]);
        assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/api/health/ready", port: "http" });
        for (const probe of [c.livenessProbe, c.startupProbe]) {
            assert.deepStrictEqual(probe.tcpSocket, { port: "http" }, "a database outage must not restart web");
            assert.strictEqual(probe.httpGet, undefined);
        }
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 3000 }]);
    });

    it("checks identity's liveness on /version and readiness on /health, and portal's liveness by TCP", async () => {
        await declare("identity");
        const id = deploymentOf("identity").spec.template.spec.containers[0];
        assert.strictEqual(id.livenessProbe.httpGet.path, "/version");
        assert.strictEqual(id.startupProbe.httpGet.path, "/version");
        assert.strictEqual(id.readinessProbe.httpGet.path, "/health");
        recorder.reset();
        await declare("portal");
        const portal = deploymentOf("portal").spec.template.spec.containers[0];
        assert.deepStrictEqual(portal.livenessProbe.tcpSocket, { port: "http" });
        assert.strictEqual(portal.readinessProbe.httpGet.path, "/api/health");
    });

    it("gives every HTTP process a liveness check that differs from its readiness check", async () => {
        for (const name of ["web", "identity", "portal"]) {
            recorder.reset();
            await declare(name);
            const c = deploymentOf(name).spec.template.spec.containers[0];
            assert.notDeepStrictEqual(c.livenessProbe.httpGet ?? c.livenessProbe.tcpSocket, c.readinessProbe.httpGet, name);
        }
    });

    it("keeps the catalog's promise: shallow liveness and startup, a deep readiness endpoint, each probe saying why", () => {
        const http = processCatalog.filter((p) => p.http);
        assert.deepStrictEqual(http.map((p) => p.name).sort(), ["identity", "portal", "web"]);
        for (const p of http) {
            const h = p.http!;
            for (const probe of ["liveness", "startup"] as const) {
                assert.strictEqual(notShallowReason(h[probe].check, h), undefined, `${p.name} ${probe}`);
            }
            assert.notDeepStrictEqual(h.liveness.check, h.readiness.check, `${p.name}: liveness repeats readiness`);
            const readiness = h.readiness.check;
            assert.ok(
                "httpGet" in readiness && h.endpoints.some((e) => e.path === readiness.httpGet && !e.shallow),
                `${p.name}: readiness is not a deep endpoint`,
            );
            for (const probe of ["startup", "readiness", "liveness"] as const) {
                assert.match(h[probe].why, /^[A-Z][\s\S]{40,}\.$/, `${p.name} ${probe}: say why it checks what it checks`);
            }
        }
        assert.match(notShallowReason({ httpGet: "/api/health/ready" }, findProcess("web")!.http!)!, /answers for the connector registry/);
        assert.strictEqual(notShallowReason({ tcpSocket: true }, findProcess("web")!.http!), undefined);
    });

    it("refuses a catalog entry whose liveness or startup check is a deep endpoint", () => {
        const web = service("web");
        const http = web.spec.http!;
        for (const probe of ["liveness", "startup"] as const) {
            const deep = {
                ...web,
                spec: { ...web.spec, http: { ...http, [probe]: { check: { httpGet: "/api/health/ready" }, why: "test" } } },
            };
            assert.throws(
                () =>
                    new ServiceProcess(`deep-${probe}`, {
                        service: deep,
                        namespace: "grownext",
                        env: { plain: [], secret: {} },
                        spread: topologySpreadByEnvironment.production,
                    }),
                new RegExp(
                    `web: the catalog's ${probe} check \\(GET /api/health/ready\\) must be shallow, but /api/health/ready answers for the connector registry`,
                ),
            );
        }
        const unknownPath = { ...web, spec: { ...web.spec, http: { ...http, liveness: { check: { httpGet: "/livez" }, why: "test" } } } };
        assert.throws(
            () =>
                new ServiceProcess("unknown-live", {
                    service: unknownPath,
                    namespace: "grownext",
                    env: { plain: [], secret: {} },
                    spread: topologySpreadByEnvironment.production,
                }),
            /\/livez is not an endpoint the catalog declares shallow/,
        );
    });

    it("autoscales web between 2 and 10 in production and leaves replicas to the autoscaler", async () => {
        await declare("web");
        const hpa = recorder.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "test-web-hpa").inputs;
        assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 10]);
        assert.strictEqual(hpa.spec.scaleTargetRef.name, "web");
        assert.strictEqual(deploymentOf("web").spec.replicas, undefined);
    });

    for (const name of ["scheduler", "timers", "encryption-rotation"]) {
        it(`runs ${name} as a singleton: 1 replica, Recreate, no autoscaler, exec liveness`, async () => {
            await declare(name);
            const d = deploymentOf(name);
            assert.strictEqual(d.spec.replicas, 1);
            assert.deepStrictEqual(d.spec.strategy, { type: "Recreate" });
            assert.strictEqual(recorder.ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 0);
            assert.strictEqual(recorder.ofType("kubernetes:core/v1:Service").length, 0, "background processes serve nothing");
            const c = d.spec.template.spec.containers[0];
            assert.deepStrictEqual(c.livenessProbe.exec.command, ["node", "-e", "process.kill(1, 0)"]);
            assert.ok(c.readinessProbe.exec);
            assert.strictEqual(c.ports, undefined);
        });
    }

    it("scales workers horizontally with a drain period of at least 30 s and rolls without downtime", async () => {
        await declare("worker");
        const d = deploymentOf("worker");
        assert.strictEqual(d.spec.replicas, 2);
        assert.ok(d.spec.template.spec.terminationGracePeriodSeconds >= 30);
        assert.deepStrictEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        assert.deepStrictEqual(d.spec.template.spec.containers[0].command, ["node", "dist/workers/execution.js"]);
    });

    it("takes the worker drain period and liveness command from config", async () => {
        const cfg = stackConfig("staging", {
            services: { worker: { terminationGracePeriodSeconds: 300, livenessCommand: ["node", "dist/healthcheck.js"] } },
        });
        new ServiceProcess("test-worker", {
            service: service("worker", cfg),
            namespace: "grownext",
            env: { plain: [], secret: {} },
            spread: topologySpreadByEnvironment.production,
        });
        await settle();
        const spec = deploymentOf("worker").spec.template.spec;
        assert.strictEqual(spec.terminationGracePeriodSeconds, 300);
        assert.deepStrictEqual(spec.containers[0].livenessProbe.exec.command, ["node", "dist/healthcheck.js"]);
        assert.strictEqual(recorder.ofType("kubernetes:core/v1:Secret").length, 0, "no secret values, no Secret");
    });

    it("runs restricted: non-root, no privilege escalation, read-only root, no capabilities, RuntimeDefault seccomp", async () => {
        await declare("identity");
        const pod = deploymentOf("identity").spec.template.spec;
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
        assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
        const sc = pod.containers[0].securityContext;
        assert.strictEqual(sc.allowPrivilegeEscalation, false);
        assert.strictEqual(sc.readOnlyRootFilesystem, true);
        assert.deepStrictEqual(sc.capabilities.drop, ["ALL"]);
        assert.ok(pod.containers[0].resources.requests.cpu && pod.containers[0].resources.limits.memory);
        assert.strictEqual(pod.containers[0].image, "ghcr.io/grownext/identity:0.1.0");
    });

    it("passes secret values only through its own Secret, by secretKeyRef", async () => {
        const component = await declare("worker");
        const secret = recorder.one("kubernetes:core/v1:Secret", "test-worker-env").inputs;
        assert.strictEqual(secret.immutable, true);
        assert.ok(isSecretInput(secret.stringData), "the Secret's data must be a Pulumi secret");
        assert.deepStrictEqual(Object.keys(unwrap(secret.stringData)), ["DATABASE_URL"]);
        const env = deploymentOf("worker").spec.template.spec.containers[0].env;
        const dbUrl = env.find((e: any) => e.name === "DATABASE_URL");
        assert.strictEqual(dbUrl.value, undefined);
        assert.strictEqual(dbUrl.valueFrom.secretKeyRef.key, "DATABASE_URL");
        assert.strictEqual(dbUrl.valueFrom.secretKeyRef.name, "test-worker-env-abc123");
        assert.ok(!JSON.stringify(deploymentOf("worker")).includes("FAKE-PW"));
        assert.strictEqual(await promiseOf(component.deployment.metadata.name), "worker");
    });

    it("labels every workload with its process, so policies recognise it by what it is", async () => {
        await declare("portal");
        const d = deploymentOf("portal");
        assert.strictEqual(d.spec.template.metadata.labels["grownext.io/process"], "portal");
        assert.strictEqual(d.spec.template.metadata.labels["app.kubernetes.io/part-of"], "grownext");
        assert.deepStrictEqual(d.spec.selector.matchLabels, { "app.kubernetes.io/part-of": "grownext", "grownext.io/process": "portal" });
    });

    it("annotates the ServiceAccount for IAM and waits for the migrations gate", async () => {
        class Gate extends pulumi.CustomResource {
            constructor(gateName: string) {
                super("test:index:Gate", gateName, {});
            }
        }
        const gate = new Gate("gate");
        new ServiceProcess("test-web", {
            service: service("web"),
            namespace: "grownext",
            env: { plain: [], secret: {} },
            serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/web" },
            rolloutAfter: [gate],
            spread: topologySpreadByEnvironment.production,
        });
        await settle();
        const sa = recorder.one("kubernetes:core/v1:ServiceAccount", "test-web-sa").inputs;
        assert.strictEqual(sa.metadata.name, "web");
        assert.strictEqual(sa.metadata.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/web");
        assert.strictEqual(sa.automountServiceAccountToken, false);
        const deployment = recorder.one("kubernetes:apps/v1:Deployment", "test-web-deployment");
        const gateUrn = recorder.one("test:index:Gate", "gate").urn!;
        assert.ok(deployment.dependencies!.includes(gateUrn), "the Deployment must wait for the migrations gate");
        const hpa = recorder.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "test-web-hpa");
        assert.ok(!hpa.dependencies!.includes(gateUrn), "only the rollout waits, not the rest");
    });

    it("refuses a singleton with more than one replica", () => {
        const scheduler = { ...service("scheduler"), replicas: 2 };
        assert.throws(
            () =>
                new ServiceProcess("bad", {
                    service: scheduler,
                    namespace: "grownext",
                    env: { plain: [], secret: {} },
                    spread: topologySpreadByEnvironment.production,
                }),
            /scheduler is a singleton and must run exactly 1 replica, got 2/,
        );
    });
    describe("topology spread", () => {
        const keys = (constraints: any[]) => constraints.map((c) => [c.topologyKey, c.maxSkew, c.whenUnsatisfiable]);

        it("spreads every multi-replica process of production softly across zones and hard across nodes", async () => {
            for (const name of processCatalog.filter((p) => p.scaling !== "singleton").map((p) => p.name)) {
                recorder.reset();
                await declare(name);
                const spec = deploymentOf(name).spec.template.spec;
                assert.deepStrictEqual(
                    keys(spec.topologySpreadConstraints),
                    [
                        ["topology.kubernetes.io/zone", 1, "ScheduleAnyway"],
                        ["kubernetes.io/hostname", 1, "DoNotSchedule"],
                    ],
                    name,
                );
                for (const c of spec.topologySpreadConstraints) {
                    assert.deepStrictEqual(c.labelSelector, {
                        matchLabels: { "app.kubernetes.io/part-of": "grownext", "grownext.io/process": name },
                    });
                    // Only this revision's pods count, and nodes the pod cannot use are no empty domain.
                    assert.deepStrictEqual(c.matchLabelKeys, ["pod-template-hash"]);
                    assert.strictEqual(c.nodeTaintsPolicy, "Honor");
                    assert.strictEqual(c.nodeAffinityPolicy, "Honor");
                }
                const preferred = spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
                assert.deepStrictEqual(preferred, [
                    {
                        weight: 100,
                        podAffinityTerm: {
                            topologyKey: "kubernetes.io/hostname",
                            labelSelector: { matchLabels: { "app.kubernetes.io/part-of": "grownext", "grownext.io/process": name } },
                        },
                    },
                ]);
                assert.strictEqual(
                    spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
                    undefined,
                    "never one pod per node",
                );
            }
        });

        it("never spreads a singleton", async () => {
            for (const name of singletonProcessNames) {
                recorder.reset();
                await declare(name);
                assert.strictEqual(deploymentOf(name).spec.template.spec.topologySpreadConstraints, undefined, name);
                assert.strictEqual(deploymentOf(name).spec.template.spec.affinity, undefined, name);
            }
        });

        it("only prefers spread in staging and local, which run on few nodes and zones", () => {
            for (const environment of ["staging", "local"] as const) {
                const constraints = topologySpreadFor(findProcess("web")!, topologySpreadByEnvironment[environment])!;
                assert.deepStrictEqual(
                    constraints.map((c) => c.whenUnsatisfiable),
                    ["ScheduleAnyway", "ScheduleAnyway"],
                    environment,
                );
            }
        });

        it("never makes zone spread hard in production: a zone short of capacity must not block scale-up", () => {
            assert.strictEqual(topologySpreadByEnvironment.production.zone.whenUnsatisfiable, "ScheduleAnyway");
        });
    });
});
