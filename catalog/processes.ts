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

/** How a process is scaled; it decides replicas, the rollout strategy and the autoscaler. */
export type ScalingMode =
    /** A HorizontalPodAutoscaler between min and max replicas (CPU target). */
    | "autoscaled"
    /** A fixed replica count, scaled by hand or config; for queue consumers. */
    | "horizontal"
    /** Exactly one replica, `Recreate` rollouts: two copies would fire jobs twice. */
    | "singleton";

/** HTTP health endpoints of a process that serves. */
export interface HttpHealth {
    /** Path the kubelet polls until the process has started (startup probe). */
    readonly startup: string;
    /** Path that says the process may receive traffic (readiness probe). */
    readonly readiness: string;
    /** Path that says the process is alive (liveness probe). */
    readonly liveness: string;
}

/** The env groups of environment.ts; a process receives exactly the variables of its groups. */
export type EnvGroup =
    | "runtime"
    | "appDatabase"
    | "identityDatabase"
    | "tasksDatabase"
    | "queue"
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

export interface ProcessSpec {
    /** DNS-1123 name; also the `grownext.io/process` label and the `services.<name>` config key. */
    readonly name: string;
    /** One sentence for the README and the preview tree. */
    readonly description: string;
    readonly image: ImageName;
    /** Container command (Procfile-style); absent means the image's own entrypoint. */
    readonly command?: readonly string[];
    /** Container port when the process serves HTTP. */
    readonly port?: number;
    /** HTTP health endpoints; absent for background processes, which get an exec liveness check. */
    readonly http?: HttpHealth;
    /** Subdomain label of its public host (`api` gives `api.<domain>`); absent when internal only. */
    readonly publicHost?: string;
    readonly envGroups: readonly EnvGroup[];
    readonly scaling: ScalingMode;
    /** Whether it consumes queued jobs and must be given time to drain them on SIGTERM. */
    readonly drainsJobs: boolean;
    /** Which database's migrations must have run before this process rolls out. */
    readonly migratesBefore?: "app" | "identity";
}

const backgroundEnv: readonly EnvGroup[] = [
    "runtime", "appDatabase", "queue", "secretManager", "observability",
];

export const processCatalog: readonly ProcessSpec[] = [
    {
        name: "web",
        description: "The web API and UI server.",
        image: "app",
        command: ["node", "dist/index.js"],
        port: 3000,
        http: { startup: "/api/health/ready", readiness: "/api/health/ready", liveness: "/api/health/ready" },
        publicHost: "api",
        envGroups: [
            "runtime", "appDatabase", "queue", "identityClient", "secretManager", "executor", "oauth",
            "stripe", "observability",
        ],
        scaling: "autoscaled",
        drainsJobs: false,
        migratesBefore: "app",
    },
    {
        name: "worker",
        description: "The execution worker: consumes BullMQ jobs and scales horizontally.",
        image: "app",
        command: ["node", "dist/workers/execution.js"],
        envGroups: [
            ...backgroundEnv, "tasksDatabase", "supabaseServer", "supabaseServiceRole", "identityJwt",
            "executor", "oauth",
        ],
        scaling: "horizontal",
        drainsJobs: true,
        migratesBefore: "app",
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
        http: { startup: "/health", readiness: "/health", liveness: "/health" },
        publicHost: "identity",
        envGroups: [
            "runtime", "identityDatabase", "tasksDatabase", "queue", "supabaseServer", "supabaseServiceRole",
            "identityServer", "identityJwt", "observability",
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
        http: { startup: "/api/health", readiness: "/api/health", liveness: "/api/health" },
        publicHost: "portal",
        envGroups: ["runtime", "supabasePublic", "identityClient", "observability"],
        scaling: "autoscaled",
        drainsJobs: false,
    },
];

/** The names of the processes every stack must run (the guides' topology). */
export const requiredProcessNames: readonly string[] = processCatalog.map((p) => p.name);

/** Processes that must never run more than one replica. */
export const singletonProcessNames: readonly string[] = processCatalog
    .filter((p) => p.scaling === "singleton")
    .map((p) => p.name);

export function findProcess(name: string, catalog: readonly ProcessSpec[] = processCatalog): ProcessSpec | undefined {
    return catalog.find((p) => p.name === name);
}
