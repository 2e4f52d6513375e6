/**
 * Runs every check concurrently, each retried with backoff until it passes or the run deadline
 * passes. A healthy run therefore lasts about as long as its slowest check; a failing one ends at
 * the deadline (plus at most the time to tear down sockets), never later.
 */
import { performance } from "node:perf_hooks";
import type { Agent } from "undici";
import { BackoffPolicy, backoffDelayMs, defaultBackoff, sleep } from "./backoff";
import { CheckContext, CheckDefinition, Target, smokeChecks } from "./checks";
import { RequestTimeouts, createProbeAgent, defaultRequestTimeouts, fetchWithinDeadline } from "./http";
import { redactUrl, resolveUnderBase } from "./urls";

export interface ProbeTargets {
    readonly api: URL;
    readonly identity: URL;
    readonly portal: URL;
    /** The issuer the discovery document must announce; the identity URL when absent. */
    readonly issuer?: string;
}

export interface ProbeRunOptions {
    readonly targets: ProbeTargets;
    /** Time budget of the whole run, retries included. */
    readonly deadlineMs: number;
    /** PEM of an extra CA to trust (private or self-signed certificates). */
    readonly ca?: string;
    readonly timeouts?: Partial<RequestTimeouts>;
    readonly backoff?: BackoffPolicy;
    /** The validation list; the guides' list unless a test narrows it. */
    readonly checks?: readonly CheckDefinition[];
}

export interface CheckResult {
    readonly id: string;
    readonly target: Target;
    readonly passed: boolean;
    /** The last URL requested, redacted. */
    readonly url: string;
    /** What a healthy answer looks like (for a failure: of the step that failed). */
    readonly expected: string;
    /** What the last attempt got back. */
    readonly observed: string;
    readonly attempts: number;
    readonly durationMs: number;
}

export interface ProbeReport {
    readonly passed: boolean;
    readonly startedAt: string;
    readonly durationMs: number;
    readonly deadlineMs: number;
    readonly checks: readonly CheckResult[];
}

interface AttemptResult {
    readonly passed: boolean;
    readonly url: URL;
    readonly expected: string;
    readonly observed: string;
    /** The deadline interrupted this attempt: its observation says less than an earlier, complete one. */
    readonly cutByDeadline: boolean;
}

interface RunContext {
    readonly agent: Agent;
    readonly targets: ProbeTargets;
    readonly checkContext: CheckContext;
    readonly deadlineAt: number;
    readonly timeouts: RequestTimeouts;
    readonly backoff: BackoffPolicy;
    /** Time an attempt gets at least; a sliver would only turn a useful observation into a timeout. */
    readonly lastAttemptWindowMs: number;
}

const now = (): number => performance.now();

export async function runProbes(options: ProbeRunOptions): Promise<ProbeReport> {
    const startedAt = new Date();
    const start = now();
    const timeouts: RequestTimeouts = { ...defaultRequestTimeouts, ...options.timeouts };
    const agent = createProbeAgent({ timeouts, ...(options.ca === undefined ? {} : { ca: options.ca }) });
    const context: RunContext = {
        agent,
        targets: options.targets,
        checkContext: { expectedIssuer: options.targets.issuer ?? options.targets.identity.href },
        deadlineAt: start + options.deadlineMs,
        timeouts,
        backoff: options.backoff ?? defaultBackoff,
        lastAttemptWindowMs: Math.min(1_000, options.deadlineMs / 10),
    };
    try {
        const checks = await Promise.all((options.checks ?? smokeChecks).map((check) => runCheckUntilDeadline(check, context)));
        return {
            passed: checks.every((check) => check.passed),
            startedAt: startedAt.toISOString(),
            durationMs: Math.round(now() - start),
            deadlineMs: options.deadlineMs,
            checks,
        };
    } finally {
        // destroy, not close: a server that never answers must not keep the process (or the deploy) waiting.
        await agent.destroy();
    }
}

async function runCheckUntilDeadline(check: CheckDefinition, context: RunContext): Promise<CheckResult> {
    const start = now();
    let attempts = 0;
    let last: AttemptResult;
    let lastComplete: AttemptResult | undefined;
    for (;;) {
        attempts += 1;
        last = await attemptCheck(check, context);
        if (!last.cutByDeadline) {
            lastComplete = last;
        }
        if (last.passed) {
            break;
        }
        // The backoff is capped so that one last attempt still starts with time to answer; when
        // not even that window is left, the last observation stands.
        const remaining = context.deadlineAt - now();
        const delay = Math.min(backoffDelayMs(attempts, context.backoff), remaining - context.lastAttemptWindowMs);
        if (delay < 0) {
            break;
        }
        await sleep(delay);
    }
    const observed =
        !last.passed && last.cutByDeadline && lastComplete !== undefined
            ? `${last.observed}; the last complete attempt got: ${lastComplete.observed}`
            : last.observed;
    return {
        id: check.id,
        target: check.target,
        passed: last.passed,
        url: redactUrl(last.url),
        expected: last.expected,
        observed,
        attempts,
        durationMs: Math.round(now() - start),
    };
}

/** One pass through a check's steps; the first step that fails decides the result. */
async function attemptCheck(check: CheckDefinition, context: RunContext): Promise<AttemptResult> {
    const base = context.targets[check.target];
    let next: URL | undefined;
    let url = base;
    let observed = "";
    for (const step of check.steps) {
        const stepUrl = step.request === "url-from-previous-step" ? next : resolveUnderBase(base, step.request.path);
        if (stepUrl === undefined) {
            return { passed: false, url, expected: step.expected, observed: "the previous step gave no URL (check definition error)", cutByDeadline: false };
        }
        url = stepUrl;
        const outcome = await fetchWithinDeadline(context.agent, url, {
            deadlineAt: context.deadlineAt,
            timeouts: context.timeouts,
            now,
        });
        if (outcome.kind === "transport-failure") {
            return { passed: false, url, expected: step.expected, observed: outcome.observed, cutByDeadline: outcome.cutByDeadline };
        }
        let verdict: ReturnType<typeof step.validate>;
        try {
            verdict = step.validate(outcome.response, context.checkContext);
        } catch (error) {
            // A validator bug must still end in a report line, not a stack trace.
            const message = error instanceof Error ? error.message : String(error);
            verdict = { ok: false, observed: `validator error: ${message.split("\n")[0]}` };
        }
        if (!verdict.ok) {
            return { passed: false, url, expected: step.expected, observed: verdict.observed, cutByDeadline: false };
        }
        next = verdict.value;
        observed = `HTTP ${outcome.response.status}`;
    }
    return {
        passed: true,
        url,
        expected: check.steps.map((step) => step.expected).join(", then "),
        observed,
        cutByDeadline: false,
    };
}
