/**
 * Runs every check concurrently, each retried with backoff until it passes or the run deadline
 * passes. A healthy run therefore lasts about as long as its slowest check; a failing one ends at
 * the deadline, never later: every request is cut by one abort signal bound to the deadline, and every
 * connect (TCP and TLS handshake) timeout is clipped to the time left. An error that retrying cannot
 * fix (a certificate error, a redirect down to http, signing keys over http) ends the run at once:
 * the check stops, and no other check starts another attempt.
 *
 * Time comes from a `ProbeClock` and the network from a `ProbeTransport`, both replaceable, so the
 * time bound is tested on a simulated clock rather than measured on a loaded machine.
 */
import { setMaxListeners } from "node:events";
import type { BackoffPolicy } from "./backoff";
import { backoffDelayMs, defaultBackoff } from "./backoff";
import { CheckContext, CheckDefinition, Target, smokeChecks } from "./checks";
import { ProbeClock, systemClock } from "./clock";
import { FetchOutcome, ProbeTransport, RequestTimeouts, createHttpTransport, defaultRequestTimeouts, requestBudget } from "./http";
import { followRedirects } from "./redirects";
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
    /** The local stack: its issuer and JWKS may be plain http. Everywhere else they must be https. */
    readonly local?: boolean;
    readonly timeouts?: Partial<RequestTimeouts>;
    readonly backoff?: BackoffPolicy;
    /** The validation list; the guides' list unless a test narrows it. */
    readonly checks?: readonly CheckDefinition[];
    /** The source of time; the system's monotonic clock unless a test simulates time. */
    readonly clock?: ProbeClock;
    /** The network; undici over real sockets unless a test simulates the servers. */
    readonly transport?: ProbeTransport;
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
    /** Retrying cannot change this result. */
    readonly permanent: boolean;
}

interface RunContext {
    readonly transport: ProbeTransport;
    readonly clock: ProbeClock;
    readonly targets: ProbeTargets;
    readonly checkContext: CheckContext;
    readonly deadlineAt: number;
    /** Aborts at the deadline: every request in flight settles then. */
    readonly deadline: AbortSignal;
    /** Aborts at the first permanent failure, or at the deadline: no new attempt starts after either. */
    readonly stop: AbortController;
    /** The check whose permanent failure stopped the run, for the other checks' reports. */
    stoppedBy?: string;
    readonly timeouts: RequestTimeouts;
    readonly backoff: BackoffPolicy;
    /** Time an attempt gets at least; a sliver would only turn a useful observation into a timeout. */
    readonly lastAttemptWindowMs: number;
}

/** How long closing the sockets may take after the run; connects are clipped to the deadline, so this is slack. */
export const teardownGraceMs = 500;

class DeadlineReached extends Error {
    constructor() {
        super("the run deadline passed");
        this.name = "DeadlineReached";
    }
}

export async function runProbes(options: ProbeRunOptions): Promise<ProbeReport> {
    const clock = options.clock ?? systemClock;
    const startedAt = new Date();
    const start = clock.now();
    const deadlineAt = start + options.deadlineMs;
    const timeouts: RequestTimeouts = { ...defaultRequestTimeouts, ...options.timeouts };
    const deadline = new AbortController();
    const stop = new AbortController();
    // Every request and every backoff pause listens to these two; that is the design, not a leak.
    setMaxListeners(0, deadline.signal, stop.signal);
    const cancelDeadline = clock.after(options.deadlineMs, () => {
        deadline.abort(new DeadlineReached());
        stop.abort();
    });
    const http =
        options.transport === undefined
            ? createHttpTransport({
                  timeouts,
                  remainingMs: () => deadlineAt - clock.now(),
                  ...(options.ca === undefined ? {} : { ca: options.ca }),
              })
            : undefined;
    const context: RunContext = {
        transport: options.transport ?? http!.fetch,
        clock,
        targets: options.targets,
        checkContext: { expectedIssuer: options.targets.issuer ?? options.targets.identity.href, requireHttps: options.local !== true },
        deadlineAt,
        deadline: deadline.signal,
        stop,
        timeouts,
        backoff: options.backoff ?? defaultBackoff,
        lastAttemptWindowMs: Math.min(1_000, options.deadlineMs / 10),
    };
    try {
        const checks = await Promise.all((options.checks ?? smokeChecks).map((check) => runCheckUntilDeadline(check, context)));
        return {
            passed: checks.every((check) => check.passed),
            startedAt: startedAt.toISOString(),
            durationMs: Math.round(clock.now() - start),
            deadlineMs: options.deadlineMs,
            checks,
        };
    } finally {
        cancelDeadline();
        if (http !== undefined) {
            // Pending handshakes end at the deadline by themselves; the grace only guards against the unforeseen.
            const grace = new AbortController();
            await Promise.race([http.close().catch(() => undefined), clock.sleep(teardownGraceMs, grace.signal)]);
            grace.abort();
        }
    }
}

async function runCheckUntilDeadline(check: CheckDefinition, context: RunContext): Promise<CheckResult> {
    const start = context.clock.now();
    let attempts = 0;
    let last: AttemptResult;
    let lastComplete: AttemptResult | undefined;
    let notRetriedBecause: string | undefined;
    for (;;) {
        attempts += 1;
        last = await attemptCheck(check, context);
        if (!last.cutByDeadline) {
            lastComplete = last;
        }
        if (last.passed) {
            break;
        }
        if (last.cutByDeadline) {
            // The deadline (or a connect timeout clipped to it, which undici's coarse timers may fire
            // up to half a second early) ended this attempt: there is no time for another.
            break;
        }
        if (last.permanent) {
            context.stoppedBy ??= check.id;
            context.stop.abort();
            break;
        }
        // The backoff is capped so that one last attempt still starts with time to answer; when
        // not even that window is left, the last observation stands.
        const remaining = context.deadlineAt - context.clock.now();
        const delay = Math.min(backoffDelayMs(attempts, context.backoff), remaining - context.lastAttemptWindowMs);
        if (delay < 0) {
            break;
        }
        if (!context.stop.signal.aborted) {
            await context.clock.sleep(delay, context.stop.signal);
        }
        if (context.stop.signal.aborted) {
            if (context.stoppedBy !== undefined) {
                notRetriedBecause = `not retried: ${context.stoppedBy} failed with an error retrying cannot fix`;
            }
            break;
        }
    }
    let observed =
        !last.passed && last.cutByDeadline && lastComplete !== undefined
            ? `${last.observed}; the last complete attempt got: ${lastComplete.observed}`
            : last.observed;
    if (last.permanent) {
        observed = `${observed} (not retried: retrying cannot fix this)`;
    } else if (notRetriedBecause !== undefined) {
        observed = `${observed}; ${notRetriedBecause}`;
    }
    return {
        id: check.id,
        target: check.target,
        passed: last.passed,
        url: redactUrl(last.url),
        expected: last.expected,
        observed,
        attempts,
        durationMs: Math.round(context.clock.now() - start),
    };
}

/** One request within the time left, or a failure saying none is left. */
function fetchWithinDeadline(context: RunContext, url: URL): Promise<FetchOutcome> {
    const budget = requestBudget(context.deadlineAt - context.clock.now(), context.timeouts);
    if (budget === undefined || context.deadline.aborted) {
        return Promise.resolve({
            kind: "failure",
            observed: "no time left before the run deadline",
            cutByDeadline: true,
            permanent: false,
        });
    }
    return context.transport(url, { budget, signal: context.deadline });
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
            return {
                passed: false,
                url,
                expected: step.expected,
                observed: "the previous step gave no URL (check definition error)",
                cutByDeadline: false,
                permanent: false,
            };
        }
        url = stepUrl;
        const outcome = await followRedirects(url, (hop) => fetchWithinDeadline(context, hop));
        if (outcome.kind === "failure") {
            return {
                passed: false,
                url,
                expected: step.expected,
                observed: outcome.observed,
                cutByDeadline: outcome.cutByDeadline,
                permanent: outcome.permanent,
            };
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
            return {
                passed: false,
                url,
                expected: step.expected,
                observed: verdict.observed,
                cutByDeadline: false,
                permanent: verdict.permanent === true,
            };
        }
        next = verdict.value;
        url = outcome.response.url;
        observed = `HTTP ${outcome.response.status}`;
    }
    return {
        passed: true,
        url,
        expected: check.steps.map((step) => step.expected).join(", then "),
        observed,
        cutByDeadline: false,
        permanent: false,
    };
}
