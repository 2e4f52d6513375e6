/**
 * The repository's own rules for GitHub Actions workflows, as a pure function over the workflow text:
 * the tests run it on every real workflow (which must pass) and on bad workflow strings (each rule
 * must catch its mutation). actionlint checks syntax and expressions; these rules check policy.
 */
import YAML from "yaml";

export type RuleId =
    | "pinned-action"
    | "pinned-action-comment"
    | "top-level-permissions"
    | "job-permissions"
    | "id-token-scope"
    | "expression-in-run"
    | "pull-request-target"
    | "pull-request-trigger"
    | "deploy-concurrency"
    | "production-approval"
    | "checkout-credentials"
    | "cache-with-credentials";

export interface Violation {
    readonly rule: RuleId;
    readonly where: string;
    readonly message: string;
}

type Json = Record<string, unknown>;

export interface Step {
    readonly name?: string;
    readonly id?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly if?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, unknown>;
    readonly "continue-on-error"?: unknown;
}

export interface Job {
    readonly name?: string;
    readonly needs?: string | string[];
    readonly if?: string;
    readonly environment?: string | { readonly name?: string };
    readonly permissions?: string | Record<string, string>;
    readonly concurrency?: string | { readonly group?: string; readonly "cancel-in-progress"?: unknown };
    readonly env?: Record<string, unknown>;
    readonly uses?: string;
    readonly strategy?: { readonly matrix?: Record<string, unknown> };
    readonly steps?: Step[];
}

export interface Workflow {
    readonly name?: string;
    readonly on?: unknown;
    readonly permissions?: string | Record<string, string>;
    readonly concurrency?: string | { readonly group?: string; readonly "cancel-in-progress"?: unknown };
    readonly env?: Record<string, unknown>;
    readonly jobs: Record<string, Job>;
}

const shaPinned = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[^@\s]+)?@[0-9a-f]{40}$/;
const versionComment = /^v\d+(?:\.\d+){0,2}$/;
const awsCredentialsAction = "aws-actions/configure-aws-credentials";
const deployCommands = new Set(["up", "update", "destroy", "refresh"]);

/** Parses a workflow; throws with the file name when it is not a workflow at all. */
export function parseWorkflow(text: string, file: string): Workflow {
    const doc = YAML.parse(text) as unknown;
    if (!doc || typeof doc !== "object" || !("jobs" in doc) || typeof (doc as Json).jobs !== "object") {
        throw new Error(`${file} is not a workflow: it has no jobs`);
    }
    return doc as Workflow;
}

/** The event names of `on:` in any of its three spellings. */
export function triggers(workflow: Workflow): string[] {
    const on = workflow.on;
    if (typeof on === "string") return [on];
    if (Array.isArray(on)) return on.map(String);
    if (on && typeof on === "object") return Object.keys(on);
    return [];
}

export function environmentName(job: Job): string | undefined {
    return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

export function needsOf(job: Job): string[] {
    return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

function actionName(uses: string): string {
    return uses.split("@")[0]!;
}

export function usesAction(step: Step, action: string): boolean {
    return typeof step.uses === "string" && actionName(step.uses) === action;
}

function grants(permissions: Job["permissions"], scope: string, level: string): boolean {
    if (permissions === "write-all") return level === "write" || level === "read";
    if (permissions === "read-all") return level === "read" && scope !== "id-token";
    return typeof permissions === "object" && permissions !== null && permissions[scope] === level;
}

/** A job that changes a stack: pulumi/actions with a mutating command, or `pulumi up|destroy|refresh` in a script. */
export function isDeployJob(job: Job): boolean {
    return (job.steps ?? []).some(
        (step) =>
            (usesAction(step, "pulumi/actions") && typeof step.with?.command === "string" && deployCommands.has(step.with.command)) ||
            (typeof step.run === "string" && /\bpulumi\s+(up|update|destroy|refresh)\b/.test(step.run)),
    );
}

function concurrencyOf(c: Job["concurrency"]): { group?: string; cancel?: unknown } {
    if (c === undefined) return {};
    if (typeof c === "string") return { group: c };
    return { group: c.group, cancel: c["cancel-in-progress"] };
}

/** Every rule over one workflow text; `file` names the workflow in messages. */
export function checkWorkflow(text: string, file: string): Violation[] {
    const violations: Violation[] = [];
    const add = (rule: RuleId, where: string, message: string) => violations.push({ rule, where: `${file}: ${where}`, message });
    const workflow = parseWorkflow(text, file);
    const jobs = Object.entries(workflow.jobs);

    // Pinning: every action by full commit SHA, with the version it stands for in a comment.
    for (const [id, job] of jobs) {
        const uses = [...(job.uses ? [job.uses] : []), ...(job.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : []))];
        for (const ref of uses) {
            if (ref.startsWith("./")) continue;
            if (ref.startsWith("docker://") ? !/@sha256:[0-9a-f]{64}$/.test(ref) : !shaPinned.test(ref)) {
                add("pinned-action", `job ${id}`, `${ref} is not pinned to a full 40-character commit SHA`);
            }
        }
    }
    text.split("\n").forEach((line, index) => {
        const match = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(?:#\s*(\S+))?/.exec(line);
        if (!match || match[1]!.startsWith("./")) return;
        if (!match[2] || !versionComment.test(match[2])) {
            add(
                "pinned-action-comment",
                `line ${index + 1}`,
                `${match[1]} needs a "# vX.Y.Z" comment naming the version its SHA stands for`,
            );
        }
    });

    // Permissions: nothing at the top, an explicit set per job.
    const top = workflow.permissions;
    const topIsMinimal =
        top !== undefined &&
        typeof top === "object" &&
        top !== null &&
        Object.entries(top).every(([scope, level]) => scope === "contents" && level === "read");
    if (!topIsMinimal) {
        add("top-level-permissions", "workflow", "top-level permissions must be {} or { contents: read }; grant more per job");
    }
    for (const [id, job] of jobs) {
        if (job.permissions === undefined) add("job-permissions", `job ${id}`, "every job declares its permissions");
        if (job.permissions === "write-all") add("job-permissions", `job ${id}`, "write-all is never needed; list the scopes");
    }

    // OIDC: only jobs that assume an AWS role may mint an ID token, and they must.
    for (const [id, job] of jobs) {
        const assumesRole = (job.steps ?? []).some((s) => usesAction(s, awsCredentialsAction));
        const mintsToken = grants(job.permissions, "id-token", "write");
        if (mintsToken && !assumesRole) add("id-token-scope", `job ${id}`, "id-token: write on a job that assumes no AWS role");
        if (assumesRole && !mintsToken) add("id-token-scope", `job ${id}`, `${awsCredentialsAction} needs id-token: write on its job`);
    }
    if (typeof top === "object" && top !== null && "id-token" in top) {
        add("id-token-scope", "workflow", "id-token belongs on the jobs that assume AWS roles, not at the top");
    }

    // Scripts: values reach `run:` through env, never by expression interpolation.
    for (const [id, job] of jobs) {
        (job.steps ?? []).forEach((step, index) => {
            if (typeof step.run !== "string") return;
            for (const expr of step.run.match(/\$\{\{[\s\S]*?\}\}/g) ?? []) {
                const untrusted = /github\.event\b|github\.head_ref\b/.test(expr) ? " (untrusted input: script injection)" : "";
                add(
                    "expression-in-run",
                    `job ${id} step ${step.name ?? index}`,
                    `${expr} is interpolated into a script${untrusted}; pass it through env:`,
                );
            }
        });
    }

    // Triggers: pull requests run as themselves, never with the base repository's token and secrets.
    const events = triggers(workflow);
    if (events.includes("pull_request_target")) {
        add("pull-request-target", "on", "pull_request_target runs fork code with secrets; use pull_request");
    }
    if (/pull-request\.ya?ml$/.test(file) && !events.includes("pull_request")) {
        add("pull-request-trigger", "on", "the pull-request workflow must run on pull_request");
    }

    // Deploys: one update per stack at a time, never cancelled; production after staging, approved.
    const deployJobs = jobs.filter(([, job]) => isDeployJob(job));
    for (const [id, job] of deployJobs) {
        const { group, cancel } = concurrencyOf(job.concurrency);
        const env = environmentName(job);
        if (group === undefined || !/^pulumi-[a-z0-9-]+$/.test(group)) {
            add("deploy-concurrency", `job ${id}`, "a deploy job needs concurrency.group pulumi-<stack>");
        } else if (env !== undefined && group !== `pulumi-${env}`) {
            add("deploy-concurrency", `job ${id}`, `concurrency group ${group} does not match environment ${env} (pulumi-${env})`);
        }
        if (cancel !== false)
            add(
                "deploy-concurrency",
                `job ${id}`,
                "a deploy job sets cancel-in-progress: false (a cancelled update leaves the stack locked)",
            );
    }
    if (deployJobs.length > 0 && concurrencyOf(workflow.concurrency).cancel === true) {
        add("deploy-concurrency", "workflow", "workflow-level cancel-in-progress would cancel running updates");
    }
    if (deployJobs.length > 0) {
        const staging = deployJobs.find(([, job]) => environmentName(job) === "staging");
        const production = deployJobs.find(([, job]) => environmentName(job) === "production");
        if (!production) {
            add("production-approval", "jobs", "the production deploy job runs in `environment: production` (required reviewers)");
        } else if (!staging) {
            add("production-approval", "jobs", "a staging deploy job (`environment: staging`) goes first");
        } else if (!needsOf(production[1]).includes(staging[0])) {
            add("production-approval", `job ${production[0]}`, `production must need the staging job (${staging[0]})`);
        }
    }

    // Credentials on disk: no token left in .git/config, no shared cache in jobs that hold cloud credentials.
    for (const [id, job] of jobs) {
        const holdsCredentials = grants(job.permissions, "id-token", "write");
        for (const step of job.steps ?? []) {
            if (usesAction(step, "actions/checkout") && step.with?.["persist-credentials"] !== false) {
                add("checkout-credentials", `job ${id}`, "actions/checkout sets persist-credentials: false");
            }
            if (
                holdsCredentials &&
                usesAction(step, "actions/setup-node") &&
                (step.with?.cache !== undefined || step.with?.["package-manager-cache"] !== false)
            ) {
                add("cache-with-credentials", `job ${id}`, "a job with cloud credentials sets package-manager-cache: false and no cache:");
            }
        }
    }
    return violations;
}
