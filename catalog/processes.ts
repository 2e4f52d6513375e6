/**
 * The process catalog: every long-running process of the product, declared once as data.
 *
 * Components (the service process, the edge, the platform), the policy pack and the tests all read
 * this table. Adding a process (the guides also mention `admin` and `tasks` surfaces) is a new entry
 * here plus its config under `services.<name>`; no component code changes.
 *
 * This module imports nothing so the policy pack can read it without the program's dependencies.
 */

/** The images the processes run. `web` and the four background processes share the app image. */
export type ImageName = "app" | "identity" | "portal";

/** Every image name, as data (the `images.<name>` config keys; the policy pack recognises them). */
export const imageNames: readonly ImageName[] = ["app", "identity", "portal"];

/** How a process is scaled; it decides replicas, the rollout strategy and the autoscaler. */
export type ScalingMode =
    /** A HorizontalPodAutoscaler between min and max replicas (CPU target). */
    | "autoscaled"
    /** A fixed replica count, scaled by hand or config; for queue consumers. */
    | "horizontal"
    /** Exactly one replica, `Recreate` rollouts: two copies would fire jobs twice. */
    | "singleton";

/**
 * What a probe asks of an HTTP process: a GET of one of its paths (2xx/3xx passes), or only that its
 * port accepts a TCP connection (the kubelet connects and closes; no request reaches the code).
 */
export type HealthCheck = { readonly httpGet: string } | { readonly tcpSocket: true };

/** A check connects to the process's port and nothing else. */
export const tcpSocket: HealthCheck = { tcpSocket: true };

/** One probe of a process: what it checks and why it checks exactly that. */
export interface ProbeCheck {
    readonly check: HealthCheck;
    /** Why this check answers this probe's question, and what it deliberately leaves out. */
    readonly why: string;
}

/** An HTTP endpoint the guides name for a process, and what answering it depends on. */
export interface HealthEndpoint {
    readonly path: string;
    /** What the endpoint answers for, as the guides describe it. */
    readonly answersFor: string;
    /**
     * True only when it is known to answer from the process alone. An endpoint that checks a
     * dependency, or is not known not to, may back readiness and the smoke probes but never liveness.
     */
    readonly shallow: boolean;
}

/**
 * Health of a process that serves HTTP. Liveness asks "is this process alive" and a failure restarts
 * the container; readiness asks "may it take traffic" and a failure only takes the pod out of its
 * Service. So readiness may check dependencies, liveness must not: a database outage behind a deep
 * liveness check would restart every pod at once (issue 10). The startup probe only holds
 * liveness back while the process boots, so it is shallow too: a pod starting during an outage must
 * not be killed in a loop. `components/workloads/serviceProcess.ts` refuses a liveness or startup check on a
 * non-shallow endpoint, and the `shallow-liveness` policy reports one on any product workload.
 */
export interface HttpHealth {
    /** The endpoints the guides name for this process (read by the shallow-liveness policy). */
    readonly endpoints: readonly HealthEndpoint[];
    /** Holds liveness back until the process has started (startup probe). */
    readonly startup: ProbeCheck;
    /** Whether the process may receive traffic (readiness probe): the deep check. */
    readonly readiness: ProbeCheck;
    /** Whether the process is alive at all (liveness probe): shallow, never a dependency. */
    readonly liveness: ProbeCheck;
}

/** How a check reads in messages and docs: `GET /version` or `TCP connect to the port`. */
export function describeCheck(check: HealthCheck): string {
    return "httpGet" in check ? `GET ${check.httpGet}` : "TCP connect to the port";
}

/**
 * Why a check may not back liveness or startup: undefined when it may (a TCP connect, or a GET of an
 * endpoint the catalog declares shallow), else the reason.
 */
export function notShallowReason(check: HealthCheck, health: HttpHealth): string | undefined {
    if (!("httpGet" in check)) return undefined;
    const endpoint = health.endpoints.find((e) => e.path === check.httpGet);
    if (!endpoint) return `${check.httpGet} is not an endpoint the catalog declares shallow`;
    return endpoint.shallow ? undefined : `${check.httpGet} answers for ${endpoint.answersFor}`;
}

/** The env groups of environment.ts; a process receives exactly the variables of its groups. */
export type EnvGroup =
    | "runtime"
    | "appDatabase"
    | "identityDatabase"
    | "tasksDatabase"
    | "queue"
    | "cache"
    | "supabaseServer"
    | "supabaseServiceRole"
    | "supabasePublic"
    | "identityClient"
    | "identityServer"
    | "identityJwt"
    | "secretManager"
    | "executor"
    | "oauth"
    | "stripe"
    | "observability";

/**
 * A public path whose failures page on their own, apart from the process's overall 5xx rate: a
 * path that carries little traffic (a webhook) drowns in the process's totals. The edge gives it an
 * Ingress path of its own, so ingress-nginx's request metrics carry it as their `path` label, and
 * the Kubernetes alert rules watch that series.
 */
export interface WatchedPath {
    /** The exact request path. */
    readonly path: string;
    /** What calls it, for the alert's summary. */
    readonly what: string;
    /** Response statuses that count as failures, as a Prometheus regex on `status`. */
    readonly failingStatus: string;
    /** How many failures within 15 minutes page: low-traffic paths are judged by count, not ratio. */
    readonly failuresPer15Minutes: number;
    /** The guide's runbook action when it fires. */
    readonly action: string;
}

export interface ProcessSpec {
    /** DNS-1123 name; also the `grownext.io/process` label and the `services.<name>` config key. */
    readonly name: string;
    /** One sentence for the docs and the preview tree. */
    readonly description: string;
    readonly image: ImageName;
    /** Container command (Procfile-style); absent means the image's own entrypoint. */
    readonly command?: readonly string[];
    /** Container port when the process serves HTTP. */
    readonly port?: number;
    /** HTTP health checks; absent for background processes, which get an exec liveness check. */
    readonly http?: HttpHealth;
    /** Subdomain label of its public host (`api` gives `api.<domain>`); absent when internal only. */
    readonly publicHost?: string;
    readonly envGroups: readonly EnvGroup[];
    readonly scaling: ScalingMode;
    /** Whether it consumes queued jobs and must be given time to drain them on SIGTERM. */
    readonly drainsJobs: boolean;
    /** Which database's migrations must have run before this process rolls out. */
    readonly migratesBefore?: "app" | "identity";
    /** Public paths that page on their own failures (see WatchedPath); only for processes with a public host. */
    readonly watchedPaths?: readonly WatchedPath[];
    /**
     * HTTP processes of the catalog it calls inside the cluster, through their Services. Its
     * NetworkPolicies allow exactly these peers (egress here, ingress at the callee): see network.ts.
     */
    readonly calls?: readonly string[];
}

const backgroundEnv: readonly EnvGroup[] = ["runtime", "appDatabase", "queue", "secretManager", "observability"];

export const processCatalog: readonly ProcessSpec[] = [
    {
        name: "web",
        description: "The web API and UI server.",
        image: "app",
        command: ["node", "dist/index.js"],
        port: 3000,
        http: {
            endpoints: [
                {
                    path: "/api/health/ready",
                    answersFor: "the connector registry, OAuth and database configuration (Deployment Guide)",
                    shallow: false,
                },
                {
                    path: "/api/health/features",
                    answersFor: "the feature flags (Deployment Guide), not documented to answer without the database",
                    shallow: false,
                },
                {
                    path: "/api/production/ready",
                    answersFor: "production readiness, the check the guide gives Fly (Deployment Guide)",
                    shallow: false,
                },
                {
                    path: "/api/production/queue/heartbeat",
                    answersFor: "Redis and the worker fleet draining the queue (Deployment Guide)",
                    shallow: false,
                },
            ],
            startup: {
                check: tcpSocket,
                why:
                    "The server listens only once it has booted (it exits at startup when Redis is unreachable), so an open port " +
                    "means started; a deep check here would kill pods that start during a database outage, in a loop.",
            },
            readiness: {
                check: { httpGet: "/api/health/ready" },
                why:
                    "The guide's readiness endpoint checks registry, OAuth and database configuration: a pod that cannot reach " +
                    "them leaves the Service until they are back, without a restart.",
            },
            liveness: {
                check: tcpSocket,
                why:
                    "Every path the guides name for web checks a dependency or is not documented not to, so none can say " +
                    '"alive" alone; a TCP connect asks only whether the process still holds its port. It does not see a ' +
                    "blocked event loop (the kernel still accepts): readiness takes such a pod out of the Service, though " +
                    "nothing restarts it, the price of never restarting web for an outage.",
            },
        },
        publicHost: "api",
        watchedPaths: [
            {
                // Observability & Alerting guide: "Stripe webhooks | /api/v1/stripe/webhook | Repeated 4XX responses".
                path: "/api/v1/stripe/webhook",
                what: "Stripe webhooks",
                failingStatus: "4..|5..",
                failuresPer15Minutes: 5,
                action:
                    "Observability & Alerting guide (Stripe webhooks): check the signing secret (stripeWebhookSecret) against the " +
                    "endpoint's secret in the Stripe dashboard and rotate it if needed; once the backend is healthy, replay the failed events from the Stripe dashboard.",
            },
        ],
        // The backend's Redis "backs caching, rate limiting, concierge degradation" (Production Readiness guide §1):
        // a cache of its own, apart from the BullMQ queue, so evicting or flushing it never touches a job.
        envGroups: [
            "runtime",
            "appDatabase",
            "queue",
            "cache",
            "identityClient",
            "secretManager",
            "executor",
            "oauth",
            "stripe",
            "observability",
        ],
        scaling: "autoscaled",
        drainsJobs: false,
        migratesBefore: "app",
        // Verifies sessions and tokens against the issuer (IDENTITY_BASE_URL).
        calls: ["identity"],
    },
    {
        name: "worker",
        description: "The execution worker: consumes BullMQ jobs and scales horizontally.",
        image: "app",
        command: ["node", "dist/workers/execution.js"],
        envGroups: [...backgroundEnv, "tasksDatabase", "supabaseServer", "supabaseServiceRole", "identityJwt", "executor", "oauth"],
        scaling: "horizontal",
        drainsJobs: true,
        migratesBefore: "app",
        // Verifies the identity tokens jobs carry (identityJwt) against the issuer.
        calls: ["identity"],
    },
    {
        name: "scheduler",
        description: "Enqueues scheduled jobs; a singleton so nothing is scheduled twice.",
        image: "app",
        command: ["node", "dist/workers/scheduler.js"],
        envGroups: backgroundEnv,
        scaling: "singleton",
        drainsJobs: false,
        migratesBefore: "app",
    },
    {
        name: "timers",
        description: "Dispatches due timers; a singleton so no timer fires twice.",
        image: "app",
        command: ["node", "dist/workers/timerDispatcher.js"],
        envGroups: backgroundEnv,
        scaling: "singleton",
        drainsJobs: false,
        migratesBefore: "app",
    },
    {
        name: "encryption-rotation",
        description: "Rotates data encryption keys under the stack's KMS key; a singleton.",
        image: "app",
        command: ["node", "dist/workers/encryption-rotation.js"],
        envGroups: backgroundEnv,
        scaling: "singleton",
        drainsJobs: false,
        migratesBefore: "app",
    },
    {
        name: "identity",
        description: "The OIDC/JWT issuer behind the load balancer.",
        image: "identity",
        port: 4000,
        http: {
            endpoints: [
                {
                    path: "/health",
                    answersFor: "the service's health, by which the platform routes traffic (Deployment & Production Readiness guide)",
                    shallow: false,
                },
                { path: "/version", answersFor: "the running build's version, reported by the process itself", shallow: true },
                {
                    path: "/.well-known/openid-configuration",
                    answersFor: "the issuer's discovery document, built from its configuration",
                    shallow: false,
                },
            ],
            startup: {
                check: { httpGet: "/version" },
                why:
                    "Answered once the HTTP server is up, from the process alone, so a pod starting during a database outage " +
                    "is not killed in a loop; readiness, not startup, holds traffic back.",
            },
            readiness: {
                check: { httpGet: "/health" },
                why: "The guide's health endpoint, which the post-deploy validation checks: the pod takes logins only while it answers.",
            },
            liveness: {
                check: { httpGet: "/version" },
                why:
                    "The one path the guide names that the process answers by itself (its build version): it proves the event " +
                    "loop still serves requests without asking the database, so an outage restarts nothing.",
            },
        },
        publicHost: "identity",
        envGroups: [
            "runtime",
            "identityDatabase",
            "tasksDatabase",
            "queue",
            "supabaseServer",
            "supabaseServiceRole",
            "identityServer",
            "identityJwt",
            "observability",
        ],
        scaling: "autoscaled",
        drainsJobs: false,
        migratesBefore: "identity",
    },
    {
        name: "portal",
        description: "The Next.js front end.",
        image: "portal",
        port: 3000,
        http: {
            endpoints: [
                {
                    path: "/api/health",
                    answersFor: "the portal's health route (this program's choice: the guides name no portal endpoint)",
                    shallow: false,
                },
            ],
            startup: {
                check: tcpSocket,
                why: "Next.js opens its port once the server is ready; an open port means started.",
            },
            readiness: {
                check: { httpGet: "/api/health" },
                why: "The portal's health route, rendered by its own server code: it takes traffic only while that answers.",
            },
            liveness: {
                check: tcpSocket,
                why:
                    "The guides name no portal path known to answer without its dependencies, so a TCP connect asks only " +
                    "whether the server still holds its port.",
            },
        },
        publicHost: "portal",
        envGroups: ["runtime", "supabasePublic", "identityClient", "observability"],
        scaling: "autoscaled",
        drainsJobs: false,
        // Server-side rendering signs users in against the issuer (IDENTITY_BASE_URL).
        calls: ["identity"],
    },
];

/** The names of the processes every stack must run (the guides' topology). */
export const requiredProcessNames: readonly string[] = processCatalog.map((p) => p.name);

/** Processes that must never run more than one replica. */
export const singletonProcessNames: readonly string[] = processCatalog.filter((p) => p.scaling === "singleton").map((p) => p.name);

export function findProcess(name: string, catalog: readonly ProcessSpec[] = processCatalog): ProcessSpec | undefined {
    return catalog.find((p) => p.name === name);
}
