import { strict as assert } from "assert";
import { healthProbes } from "../../policies/workloads/health-probes";
import { identityTrustProxy } from "../../policies/workloads/identity-trust-proxy";
import { nodeEnvProduction } from "../../policies/workloads/node-env-production";
import { nonRootContainers } from "../../policies/workloads/non-root-containers";
import { pinnedImages } from "../../policies/workloads/pinned-images";
import { resourceRequests } from "../../policies/workloads/resource-requests";
import { singletonNoAutoscaler } from "../../policies/workloads/singleton-no-autoscaler";
import { shallowLiveness } from "../../policies/workloads/shallow-liveness";
import { singletonReplicas } from "../../policies/workloads/singleton-replicas";
import { processCatalog, singletonProcessNames } from "../../catalog/processes";
import { assertClean, assertReports, run } from "./assertions";
import {
    container,
    fromSecret,
    handWrittenDeployment,
    labelsFor,
    literal,
    mutate,
    namespace,
    podSpec,
    redisStatefulSetProps,
    types,
    workload,
} from "../fixtures/policyResources";
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
        await assertReports(
            nodeEnvProduction,
            mutate(workload("worker"), dropEnv("NODE_ENV")),
            /does not set NODE_ENV; add \{ name: "NODE_ENV", value: "production" \}/,
        );
    });
    it("reports NODE_ENV=development", async () => {
        await assertReports(
            nodeEnvProduction,
            mutate(workload("web"), (p) => (env(p)[0]!.value = "development")),
            /NODE_ENV=development/,
        );
    });
    it("reports an unknown NODE_ENV", async () => {
        await assertReports(
            nodeEnvProduction,
            mutate(workload("web"), (p) => (env(p)[0]!.value = UNKNOWN_VALUE)),
            /unknown during preview/,
        );
    });
    it("does not apply to workloads outside the product", async () => {
        const result = await run(nodeEnvProduction, resource(types.statefulSet, "redis", redisStatefulSetProps()));
        assert.deepEqual(result.messages, []);
        assert.ok(result.notApplicable);
        const thirdParty = handWrittenDeployment("proxy", {
            image: "nginx:1.27.3",
            readinessProbe: { httpGet: { path: "/healthz", port: 80 } },
        });
        assert.ok((await run(nodeEnvProduction, thirdParty)).notApplicable);
    });
    it("catches a hand-written Deployment without our labels that runs the product image", async () => {
        const result = await assertReports(
            nodeEnvProduction,
            handWrittenDeployment("api"),
            /Deployment container "api" \(recognised as the product: container "api" runs the product image ghcr\.io\/grownext\/app:1\.4\.2\) does not set NODE_ENV/,
        );
        assert.ok(!result.notApplicable);
        await assertClean(nodeEnvProduction, handWrittenDeployment("api", { env: [literal("NODE_ENV", "production")] }));
    });
    it("recognises the product by a catalog command or by the product's env when the image is renamed", async () => {
        await assertReports(
            nodeEnvProduction,
            handWrittenDeployment("exec", {
                image: "registry.internal/backend:2.0.0",
                command: ["node", "/srv/dist/workers/execution.js"],
            }),
            /container "exec" runs the worker command \(node dist\/workers\/execution\.js\)\) does not set NODE_ENV/,
        );
        await assertReports(
            nodeEnvProduction,
            handWrittenDeployment("q", { image: "node:20.18.1", env: [fromSecret("QUEUE_REDIS_HOST", "q-env")] }),
            /receives the product's QUEUE_REDIS_HOST\) does not set NODE_ENV/,
        );
        await assertReports(
            nodeEnvProduction,
            handWrittenDeployment("db", {
                image: "node:20.18.1",
                env: [fromSecret("DATABASE_URL", "db-env"), literal("NODE_ENV", "development")],
            }),
            /DATABASE_URL\) sets NODE_ENV=development/,
        );
    });
    it("checks only the product containers of a hand-written workload, not its sidecars", async () => {
        const withSidecar = handWrittenDeployment("api", { env: [literal("NODE_ENV", "production")] }, [
            { name: "envoy", image: "envoyproxy/envoy:v1.31.2" },
        ]);
        await assertClean(nodeEnvProduction, withSidecar);
    });
    it("honours a configured product image pattern", async () => {
        const renamed = handWrittenDeployment("api", { image: "registry.internal/grownext-api:3.0.0" });
        assert.ok((await run(nodeEnvProduction, renamed)).notApplicable);
        await assertReports(nodeEnvProduction, renamed, /runs the product image registry\.internal\/grownext-api:3\.0\.0/, {
            productImagePattern: "/grownext-api$",
        });
    });
});

describe("identity-trust-proxy", () => {
    it("passes identity with TRUST_PROXY=true", async () => {
        await assertClean(identityTrustProxy, workload("identity"));
    });
    it("reports identity (by label) without TRUST_PROXY", async () => {
        await assertReports(
            identityTrustProxy,
            mutate(workload("identity"), dropEnv("TRUST_PROXY")),
            /does not set TRUST_PROXY; add \{ name: "TRUST_PROXY", value: "true" \}/,
        );
    });
    it("recognises identity by its image when the labels are missing", async () => {
        await assertReports(
            identityTrustProxy,
            mutate(workload("identity"), (p) => {
                stripLabels(p);
                dropEnv("TRUST_PROXY")(p);
            }),
            /TRUST_PROXY/,
        );
        await assertReports(
            identityTrustProxy,
            mutate(workload("web"), (p) => {
                stripLabels(p);
                container(p).image = "registry.example.com/auth:2.0.0";
            }),
            /TRUST_PROXY/,
            { identityImagePattern: "/auth$" },
        );
    });
    it("catches a hand-written identity Deployment by its image, or by identity's own env", async () => {
        await assertReports(
            identityTrustProxy,
            handWrittenDeployment("auth", { image: "ghcr.io/grownext/identity:1.4.2" }),
            /identity container "auth" \(it runs the identity image ghcr\.io\/grownext\/identity:1\.4\.2\) does not set TRUST_PROXY/,
        );
        await assertReports(
            identityTrustProxy,
            handWrittenDeployment("auth", {
                image: "registry.internal/oidc:7.0.0",
                env: [literal("IDENTITY_ISSUER", "https://identity.example.com")],
            }),
            /receives identity's IDENTITY_ISSUER\) does not set TRUST_PROXY/,
        );
        await assertClean(
            identityTrustProxy,
            handWrittenDeployment("auth", { image: "ghcr.io/grownext/identity:1.4.2", env: [literal("TRUST_PROXY", "true")] }),
        );
    });
    it("reports TRUST_PROXY=false", async () => {
        await assertReports(
            identityTrustProxy,
            mutate(workload("identity"), (p) => (env(p).find((e) => e.name === "TRUST_PROXY")!.value = "false")),
            /TRUST_PROXY=false/,
        );
    });
    it("does not apply to other processes, nor to identity's one-off Jobs (migrations)", async () => {
        assert.ok((await run(identityTrustProxy, workload("web"))).notApplicable);
        const migrate = resource(types.job, "migrate-identity", {
            spec: {
                template: {
                    spec: { containers: [{ name: "migrate", image: "ghcr.io/grownext/identity:1.4.2", command: ["pnpm", "db:migrate"] }] },
                },
            },
        });
        assert.ok((await run(identityTrustProxy, migrate)).notApplicable);
    });
});

describe("health-probes", () => {
    it("passes HTTP and exec probes", async () => {
        await assertClean(healthProbes, [...allWorkloads(), resource(types.statefulSet, "redis", redisStatefulSetProps())]);
    });
    it("reports a container without a readiness probe", async () => {
        await assertReports(
            healthProbes,
            mutate(workload("web"), (p) => delete container(p).readinessProbe),
            /has no readinessProbe; add readinessProbe/,
        );
    });
    it("reports a container without any probe", async () => {
        await assertReports(
            healthProbes,
            mutate(workload("scheduler"), (p) => {
                delete container(p).readinessProbe;
                delete container(p).livenessProbe;
            }),
            /no readinessProbe and no livenessProbe/,
        );
    });
    it("accepts a probe whose details are unknown: presence proves compliance", async () => {
        await assertClean(
            healthProbes,
            mutate(workload("web"), (p) => (container(p).livenessProbe = UNKNOWN_VALUE)),
        );
    });
    it("reports a hand-written product Deployment without probes", async () => {
        await assertReports(
            healthProbes,
            handWrittenDeployment("api", { readinessProbe: undefined, livenessProbe: undefined }),
            /container "api" has no readinessProbe and no livenessProbe/,
        );
    });
    it("does not apply to Jobs", async () => {
        const result = await run(
            healthProbes,
            resource(types.job, "migrate", { spec: { template: { spec: { containers: [{ name: "m", image: "app:1" }] } } } }),
        );
        assert.ok(result.notApplicable);
    });
});

describe("non-root-containers", () => {
    it("passes pod-level runAsNonRoot with container-level allowPrivilegeEscalation: false", async () => {
        await assertClean(nonRootContainers, allWorkloads());
    });
    it("reports a workload that may run as root", async () => {
        await assertReports(
            nonRootContainers,
            mutate(workload("web"), (p) => delete podSpec(p).securityContext),
            /may run as root; set securityContext\.runAsNonRoot: true/,
        );
    });
    it("reports a container overriding runAsNonRoot: false", async () => {
        await assertReports(
            nonRootContainers,
            mutate(workload("web"), (p) => (container(p).securityContext.runAsNonRoot = false)),
            /may run as root/,
        );
    });
    it("reports runAsUser 0", async () => {
        await assertReports(
            nonRootContainers,
            mutate(workload("web"), (p) => (container(p).securityContext.runAsUser = 0)),
            /runAsUser: 0 \(root\)/,
        );
    });
    it("reports privilege escalation allowed or unset, and privileged containers", async () => {
        await assertReports(
            nonRootContainers,
            mutate(workload("web"), (p) => delete container(p).securityContext.allowPrivilegeEscalation),
            /set it in the container's securityContext/,
        );
        await assertReports(
            nonRootContainers,
            mutate(workload("web"), (p) => (container(p).securityContext.privileged = true)),
            /remove securityContext\.privileged/,
        );
    });
    it("reports init containers too", async () => {
        await assertReports(
            nonRootContainers,
            mutate(workload("web"), (p) => (podSpec(p).initContainers = [{ name: "wait", image: "busybox:1.36" }])),
            /initContainer "wait"/,
        );
    });
    it("reports a hand-written product Deployment that may run as root", async () => {
        await assertReports(
            nonRootContainers,
            mutate(handWrittenDeployment("api"), (p) => delete podSpec(p).securityContext),
            /Deployment container "api" may run as root/,
        );
    });
    it("reports an unknown runAsNonRoot", async () => {
        await assertReports(
            nonRootContainers,
            mutate(workload("web"), (p) => (podSpec(p).securityContext.runAsNonRoot = UNKNOWN_VALUE)),
            /runAsNonRoot.*unknown during preview/,
        );
    });
});

describe("resource-requests", () => {
    it("passes containers requesting CPU and memory", async () => {
        await assertClean(resourceRequests, allWorkloads());
    });
    it("reports a container without requests", async () => {
        await assertReports(
            resourceRequests,
            mutate(workload("web"), (p) => delete container(p).resources),
            /requests no cpu and no memory; set resources\.requests\.cpu and resources\.requests\.memory/,
        );
    });
    it("reports a missing memory request", async () => {
        await assertReports(
            resourceRequests,
            mutate(workload("worker"), (p) => delete container(p).resources.requests.memory),
            /requests no memory/,
        );
    });
    it("accepts unknown quantities: presence proves compliance", async () => {
        await assertClean(
            resourceRequests,
            mutate(workload("web"), (p) => (container(p).resources.requests.cpu = UNKNOWN_VALUE)),
        );
    });
});

describe("pinned-images", () => {
    it("passes version tags and digests", async () => {
        const digest = `ghcr.io/grownext/app@sha256:${"a".repeat(64)}`;
        await assertClean(pinnedImages, [...allWorkloads(), mutate(workload("web"), (p) => (container(p).image = digest))]);
        await assertClean(
            pinnedImages,
            mutate(workload("web"), (p) => (container(p).image = "localhost:5000/app:1.0.0")),
        );
    });
    it("reports :latest", async () => {
        await assertReports(
            pinnedImages,
            mutate(workload("web"), (p) => (container(p).image = "node:latest")),
            /node:latest, whose :latest tag moves; pin it with a release tag/,
        );
    });
    it("reports untagged images, including a registry with a port", async () => {
        await assertReports(
            pinnedImages,
            mutate(workload("web"), (p) => (container(p).image = "ghcr.io/grownext/app")),
            /untagged image/,
        );
        await assertReports(
            pinnedImages,
            mutate(workload("web"), (p) => (container(p).image = "localhost:5000/app")),
            /untagged image/,
        );
    });
    it("reports an image unknown during preview", async () => {
        await assertReports(
            pinnedImages,
            mutate(workload("web"), (p) => (container(p).image = UNKNOWN_VALUE)),
            /image of Deployment container "web" is unknown during preview/,
        );
    });
    it("honours configured mutable tags", async () => {
        await assertReports(
            pinnedImages,
            mutate(workload("web"), (p) => (container(p).image = "app:main")),
            /:main tag moves/,
            { mutableTags: ["latest", "main"] },
        );
    });
});

describe("shallow-liveness", () => {
    const probes = (p: any, liveness: any, readiness?: any, startup?: any) => {
        container(p).livenessProbe = liveness;
        if (readiness !== undefined) container(p).readinessProbe = readiness;
        if (startup !== undefined) container(p).startupProbe = startup;
    };
    const get = (path: string) => ({ httpGet: { path, port: 3000 } });
    it("passes the catalog's checks: TCP liveness for web and portal, /version for identity, exec for background processes", async () => {
        await assertClean(shallowLiveness, allWorkloads());
        assert.deepEqual(container(workload("web").props).livenessProbe, { tcpSocket: { port: 3000 } });
    });
    it("reports web's liveness on /api/health/ready, the deep readiness check", async () => {
        await assertReports(
            shallowLiveness,
            mutate(workload("web"), (p) => probes(p, get("/api/health/ready"))),
            /The livenessProbe of Deployment container "web" GETs \/api\/health\/ready, a deep check \(it answers for the connector registry, OAuth and database configuration.*restart every pod; give it a shallow check of the process alone \(a tcpSocket/,
        );
    });
    it("reports identity's liveness on /health, and any other deep endpoint of the catalog, query string or trailing slash aside", async () => {
        await assertReports(
            shallowLiveness,
            mutate(workload("identity"), (p) => probes(p, get("/health"))),
            /GETs \/health, a deep check/,
        );
        await assertReports(
            shallowLiveness,
            mutate(workload("web"), (p) => probes(p, get("/api/production/ready/?probe=1"))),
            /GETs \/api\/production\/ready\/\?probe=1, a deep check/,
        );
    });
    it("reports a liveness probe that repeats the readiness check, whatever its path", async () => {
        await assertReports(
            shallowLiveness,
            mutate(workload("portal"), (p) => probes(p, get("/status"), get("/status"))),
            /GETs \/status, the same check as its readinessProbe/,
        );
        await assertClean(
            shallowLiveness,
            mutate(workload("portal"), (p) => probes(p, get("/livez"), get("/status"))),
        );
    });
    it("reports a deep startup probe, which kills pods that start during an outage", async () => {
        await assertReports(
            shallowLiveness,
            mutate(workload("web"), (p) => probes(p, { tcpSocket: { port: 3000 } }, undefined, get("/api/health/ready"))),
            /The startupProbe of Deployment container "web" GETs \/api\/health\/ready/,
        );
        await assertClean(
            shallowLiveness,
            mutate(workload("web"), (p) => probes(p, { tcpSocket: { port: 3000 } }, undefined, { tcpSocket: { port: 3000 } })),
        );
    });
    it("catches a hand-written Deployment without our labels that runs the product image with a deep liveness check", async () => {
        const deep = handWrittenDeployment("api", { livenessProbe: get("/api/health/ready") });
        await assertReports(
            shallowLiveness,
            deep,
            /Deployment container "api" \(recognised as the product: container "api" runs the product image ghcr\.io\/grownext\/app:1\.4\.2\) GETs \/api\/health\/ready/,
        );
        await assertClean(shallowLiveness, handWrittenDeployment("api"));
    });
    it("reports a liveness path or readiness path unknown during preview", async () => {
        await assertReports(
            shallowLiveness,
            mutate(workload("web"), (p) => probes(p, { httpGet: { path: UNKNOWN_VALUE, port: 3000 } })),
            /livenessProbe of Deployment container "web" is unknown during preview/,
        );
        await assertReports(
            shallowLiveness,
            mutate(workload("web"), (p) => probes(p, get("/livez"), { httpGet: { path: UNKNOWN_VALUE, port: 3000 } })),
            /readinessProbe path of .* is unknown during preview/,
        );
    });
    it("does not apply outside the product: a third-party server may probe one path for both", async () => {
        const thirdParty = handWrittenDeployment("proxy", {
            image: "nginx:1.27.3",
            readinessProbe: get("/healthz"),
            livenessProbe: get("/healthz"),
        });
        assert.ok((await run(shallowLiveness, thirdParty)).notApplicable);
        assert.ok((await run(shallowLiveness, resource(types.statefulSet, "redis", redisStatefulSetProps()))).notApplicable);
    });
    it("honours configured deep paths", async () => {
        const w = mutate(workload("portal"), (p) => probes(p, get("/api/deep")));
        await assertClean(shallowLiveness, w);
        await assertReports(shallowLiveness, w, /GETs \/api\/deep, a deep check: a dependency outage/, { deepPaths: ["/api/deep"] });
    });
});

describe("singleton-replicas", () => {
    it("passes the catalog singletons with replicas 1 and Recreate", async () => {
        await assertClean(
            singletonReplicas,
            singletonProcessNames.map((n) => workload(n)),
        );
    });
    it("reports two scheduler replicas", async () => {
        await assertReports(
            singletonReplicas,
            mutate(workload("scheduler"), (p) => (p.spec.replicas = 2)),
            /spec\.replicas is 2; set spec\.replicas: 1/,
        );
    });
    it("reports a rolling update", async () => {
        await assertReports(
            singletonReplicas,
            mutate(workload("timers"), (p) => delete p.spec.strategy),
            /RollingUpdate.*set spec\.strategy: \{ type: "Recreate" \}/,
        );
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
        const ds = mutate(workload("scheduler"), (p) => {
            p.kind = "DaemonSet";
        });
        ds.type = types.daemonSet;
        await assertReports(singletonReplicas, ds, /run it as a Deployment with replicas: 1/);
    });
    it("reports unknown replicas", async () => {
        await assertReports(
            singletonReplicas,
            mutate(workload("scheduler"), (p) => (p.spec.replicas = UNKNOWN_VALUE)),
            /spec\.replicas is unknown during preview/,
        );
    });
    it("does not apply to horizontal processes", async () => {
        assert.ok((await run(singletonReplicas, workload("worker"))).notApplicable);
    });
});

describe("singleton-no-autoscaler", () => {
    const hpa = (target: string) =>
        resource(types.hpa, `${target}-hpa`, {
            metadata: { name: target, namespace },
            spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas: 1, maxReplicas: 3 },
        });
    it("passes autoscalers on autoscaled processes", async () => {
        await assertClean(singletonNoAutoscaler, [...allWorkloads(), hpa("web"), hpa("identity")]);
    });
    it("reports an autoscaler targeting the scheduler", async () => {
        await assertReports(
            singletonNoAutoscaler,
            [...allWorkloads(), hpa("scheduler")],
            /targets Deployment "scheduler", which runs a singleton.*delete the autoscaler/,
        );
    });
    it("reports an autoscaler whose target is unknown during preview", async () => {
        await assertReports(
            singletonNoAutoscaler,
            [workload("timers"), mutate(hpa("x"), (p) => (p.spec.scaleTargetRef.name = UNKNOWN_VALUE))],
            /scaleTargetRef is unknown during preview/,
        );
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
