import { strict as assert } from "assert";
import { healthProbes } from "../../policies/workloads/health-probes";
import { identityTrustProxy } from "../../policies/workloads/identity-trust-proxy";
import { nodeEnvProduction } from "../../policies/workloads/node-env-production";
import { nonRootContainers } from "../../policies/workloads/non-root-containers";
import { pinnedImages } from "../../policies/workloads/pinned-images";
import { resourceRequests } from "../../policies/workloads/resource-requests";
import { singletonNoAutoscaler } from "../../policies/workloads/singleton-no-autoscaler";
import { singletonReplicas } from "../../policies/workloads/singleton-replicas";
import { processCatalog, singletonProcessNames } from "../../catalog/processes";
import { assertClean, assertReports, run } from "./assertions";
import { container, labelsFor, literal, mutate, namespace, podSpec, redisStatefulSetProps, types, workload } from "./fixtures";
import { resource, UNKNOWN_VALUE } from "./harness";

const allWorkloads = () => processCatalog.map((p) => workload(p.name));
const env = (p: any) => container(p).env as { name: string; value?: string }[];
const dropEnv = (name: string) => (p: any) => (container(p).env = env(p).filter((e) => e.name !== name));
const stripLabels = (p: any) => {
    for (const labels of [p.metadata.labels, p.spec.template.metadata.labels]) {
        delete labels["grownext.io/process"];
        delete labels["grownext.io/scaling"];
    }
};

describe("node-env-production", () => {
    it("passes every catalog process", async () => {
        await assertClean(nodeEnvProduction, allWorkloads());
    });
    it("reports a product container without NODE_ENV", async () => {
        await assertReports(nodeEnvProduction, mutate(workload("worker"), dropEnv("NODE_ENV")), /does not set NODE_ENV; add \{ name: "NODE_ENV", value: "production" \}/);
    });
    it("reports NODE_ENV=development", async () => {
        await assertReports(nodeEnvProduction, mutate(workload("web"), (p) => (env(p)[0].value = "development")), /NODE_ENV=development/);
    });
    it("reports an unknown NODE_ENV", async () => {
        await assertReports(nodeEnvProduction, mutate(workload("web"), (p) => (env(p)[0].value = UNKNOWN_VALUE)), /unknown during preview/);
    });
    it("does not apply to workloads outside the product", async () => {
        const result = await run(nodeEnvProduction, resource(types.statefulSet, "redis", redisStatefulSetProps()));
        assert.deepEqual(result.messages, []);
        assert.ok(result.notApplicable);
    });
});

describe("identity-trust-proxy", () => {
    it("passes identity with TRUST_PROXY=true", async () => {
        await assertClean(identityTrustProxy, workload("identity"));
    });
    it("reports identity (by label) without TRUST_PROXY", async () => {
        await assertReports(identityTrustProxy, mutate(workload("identity"), dropEnv("TRUST_PROXY")), /does not set TRUST_PROXY; add \{ name: "TRUST_PROXY", value: "true" \}/);
    });
    it("recognises identity by its image when the labels are missing", async () => {
        await assertReports(identityTrustProxy, mutate(workload("identity"), (p) => { stripLabels(p); dropEnv("TRUST_PROXY")(p); }), /TRUST_PROXY/);
        await assertReports(identityTrustProxy, mutate(workload("web"), (p) => { stripLabels(p); container(p).image = "registry.example.com/auth:2.0.0"; }), /TRUST_PROXY/, { identityImagePattern: "/auth$" });
    });
    it("reports TRUST_PROXY=false", async () => {
        await assertReports(identityTrustProxy, mutate(workload("identity"), (p) => (env(p).find((e) => e.name === "TRUST_PROXY")!.value = "false")), /TRUST_PROXY=false/);
    });
    it("does not apply to other processes, nor to identity's one-off Jobs (migrations)", async () => {
        assert.ok((await run(identityTrustProxy, workload("web"))).notApplicable);
        const migrate = resource(types.job, "migrate-identity", {
            spec: { template: { spec: { containers: [{ name: "migrate", image: "ghcr.io/grownext/identity:1.4.2", command: ["pnpm", "db:migrate"] }] } } },
        });
        assert.ok((await run(identityTrustProxy, migrate)).notApplicable);
    });
});

describe("health-probes", () => {
    it("passes HTTP and exec probes", async () => {
        await assertClean(healthProbes, [...allWorkloads(), resource(types.statefulSet, "redis", redisStatefulSetProps())]);
    });
    it("reports a container without a readiness probe", async () => {
        await assertReports(healthProbes, mutate(workload("web"), (p) => delete container(p).readinessProbe), /has no readinessProbe; add readinessProbe/);
    });
    it("reports a container without any probe", async () => {
        await assertReports(healthProbes, mutate(workload("scheduler"), (p) => { delete container(p).readinessProbe; delete container(p).livenessProbe; }), /no readinessProbe and no livenessProbe/);
    });
    it("accepts a probe whose details are unknown: presence proves compliance", async () => {
        await assertClean(healthProbes, mutate(workload("web"), (p) => (container(p).livenessProbe = UNKNOWN_VALUE)));
    });
    it("does not apply to Jobs", async () => {
        const result = await run(healthProbes, resource(types.job, "migrate", { spec: { template: { spec: { containers: [{ name: "m", image: "app:1" }] } } } }));
        assert.ok(result.notApplicable);
    });
});

describe("non-root-containers", () => {
    it("passes pod-level runAsNonRoot with container-level allowPrivilegeEscalation: false", async () => {
        await assertClean(nonRootContainers, allWorkloads());
    });
    it("reports a workload that may run as root", async () => {
        await assertReports(nonRootContainers, mutate(workload("web"), (p) => delete podSpec(p).securityContext), /may run as root; set securityContext\.runAsNonRoot: true/);
    });
    it("reports a container overriding runAsNonRoot: false", async () => {
        await assertReports(nonRootContainers, mutate(workload("web"), (p) => (container(p).securityContext.runAsNonRoot = false)), /may run as root/);
    });
    it("reports runAsUser 0", async () => {
        await assertReports(nonRootContainers, mutate(workload("web"), (p) => (container(p).securityContext.runAsUser = 0)), /runAsUser: 0 \(root\)/);
    });
    it("reports privilege escalation allowed or unset, and privileged containers", async () => {
        await assertReports(nonRootContainers, mutate(workload("web"), (p) => delete container(p).securityContext.allowPrivilegeEscalation), /set it in the container's securityContext/);
        await assertReports(nonRootContainers, mutate(workload("web"), (p) => (container(p).securityContext.privileged = true)), /remove securityContext\.privileged/);
    });
    it("reports init containers too", async () => {
        await assertReports(nonRootContainers, mutate(workload("web"), (p) => (podSpec(p).initContainers = [{ name: "wait", image: "busybox:1.36" }])), /initContainer "wait"/);
    });
    it("reports an unknown runAsNonRoot", async () => {
        await assertReports(nonRootContainers, mutate(workload("web"), (p) => (podSpec(p).securityContext.runAsNonRoot = UNKNOWN_VALUE)), /runAsNonRoot.*unknown during preview/);
    });
});

describe("resource-requests", () => {
    it("passes containers requesting CPU and memory", async () => {
        await assertClean(resourceRequests, allWorkloads());
    });
    it("reports a container without requests", async () => {
        await assertReports(resourceRequests, mutate(workload("web"), (p) => delete container(p).resources), /requests no cpu and no memory; set resources\.requests\.cpu and resources\.requests\.memory/);
    });
    it("reports a missing memory request", async () => {
        await assertReports(resourceRequests, mutate(workload("worker"), (p) => delete container(p).resources.requests.memory), /requests no memory/);
    });
    it("accepts unknown quantities: presence proves compliance", async () => {
        await assertClean(resourceRequests, mutate(workload("web"), (p) => (container(p).resources.requests.cpu = UNKNOWN_VALUE)));
    });
});

describe("pinned-images", () => {
    it("passes version tags and digests", async () => {
        const digest = `ghcr.io/grownext/app@sha256:${"a".repeat(64)}`;
        await assertClean(pinnedImages, [...allWorkloads(), mutate(workload("web"), (p) => (container(p).image = digest))]);
        await assertClean(pinnedImages, mutate(workload("web"), (p) => (container(p).image = "localhost:5000/app:1.0.0")));
    });
    it("reports :latest", async () => {
        await assertReports(pinnedImages, mutate(workload("web"), (p) => (container(p).image = "node:latest")), /node:latest, whose :latest tag moves; pin it with a release tag/);
    });
    it("reports untagged images, including a registry with a port", async () => {
        await assertReports(pinnedImages, mutate(workload("web"), (p) => (container(p).image = "ghcr.io/grownext/app")), /untagged image/);
        await assertReports(pinnedImages, mutate(workload("web"), (p) => (container(p).image = "localhost:5000/app")), /untagged image/);
    });
    it("reports an image unknown during preview", async () => {
        await assertReports(pinnedImages, mutate(workload("web"), (p) => (container(p).image = UNKNOWN_VALUE)), /image of Deployment container "web" is unknown during preview/);
    });
    it("honours configured mutable tags", async () => {
        await assertReports(pinnedImages, mutate(workload("web"), (p) => (container(p).image = "app:main")), /:main tag moves/, { mutableTags: ["latest", "main"] });
    });
});

describe("singleton-replicas", () => {
    it("passes the catalog singletons with replicas 1 and Recreate", async () => {
        await assertClean(singletonReplicas, singletonProcessNames.map((n) => workload(n)));
    });
    it("reports two scheduler replicas", async () => {
        await assertReports(singletonReplicas, mutate(workload("scheduler"), (p) => (p.spec.replicas = 2)), /spec\.replicas is 2; set spec\.replicas: 1/);
    });
    it("reports a rolling update", async () => {
        await assertReports(singletonReplicas, mutate(workload("timers"), (p) => delete p.spec.strategy), /RollingUpdate.*set spec\.strategy: \{ type: "Recreate" \}/);
    });
    it("recognises a singleton by its catalog command alone", async () => {
        const unlabelled = mutate(workload("encryption-rotation"), (p) => {
            stripLabels(p);
            p.spec.replicas = 3;
            container(p).command = ["node", "/app/dist/workers/encryption-rotation.js"];
        });
        await assertReports(singletonReplicas, unlabelled, /runs the encryption-rotation command/);
    });
    it("reports a singleton DaemonSet", async () => {
        const ds = mutate(workload("scheduler"), (p) => { p.kind = "DaemonSet"; });
        ds.type = types.daemonSet;
        await assertReports(singletonReplicas, ds, /run it as a Deployment with replicas: 1/);
    });
    it("reports unknown replicas", async () => {
        await assertReports(singletonReplicas, mutate(workload("scheduler"), (p) => (p.spec.replicas = UNKNOWN_VALUE)), /spec\.replicas is unknown during preview/);
    });
    it("does not apply to horizontal processes", async () => {
        assert.ok((await run(singletonReplicas, workload("worker"))).notApplicable);
    });
});

describe("singleton-no-autoscaler", () => {
    const hpa = (target: string) =>
        resource(types.hpa, `${target}-hpa`, { metadata: { name: target, namespace }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas: 1, maxReplicas: 3 } });
    it("passes autoscalers on autoscaled processes", async () => {
        await assertClean(singletonNoAutoscaler, [...allWorkloads(), hpa("web"), hpa("identity")]);
    });
    it("reports an autoscaler targeting the scheduler", async () => {
        await assertReports(singletonNoAutoscaler, [...allWorkloads(), hpa("scheduler")], /targets Deployment "scheduler", which runs a singleton.*delete the autoscaler/);
    });
    it("reports an autoscaler whose target is unknown during preview", async () => {
        await assertReports(singletonNoAutoscaler, [workload("timers"), mutate(hpa("x"), (p) => (p.spec.scaleTargetRef.name = UNKNOWN_VALUE))], /scaleTargetRef is unknown during preview/);
    });
    it("labels drive recognition: a renamed timers Deployment is still a singleton", async () => {
        const renamed = mutate(workload("timers"), (p) => (p.metadata.name = "td"));
        await assertReports(singletonNoAutoscaler, [renamed, hpa("td")], /"td"/);
        assert.deepEqual(labelsFor("timers")["grownext.io/scaling"], "singleton");
    });
});

describe("workload recognition ignores resource names", () => {
    it("treats a Deployment named like a singleton but labelled web as web", async () => {
        const w = workload("web", {});
        w.name = "scheduler";
        assert.ok((await run(singletonReplicas, w)).notApplicable);
        const untouched = mutate(w, (p) => env(p).push(literal("X", "1")));
        await assertClean(nodeEnvProduction, untouched);
    });
});
