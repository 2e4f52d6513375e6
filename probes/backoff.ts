/**
 * Exponential backoff with jitter between probe attempts. undici's RetryAgent retries on status codes
 * and network errors only, while a probe also retries on a body that fails validation (a heartbeat
 * still "fail" while workers start), so the runner owns its retry loop and this is its delay policy.
 */

export interface BackoffPolicy {
    /** Delay ceiling before the first retry. */
    readonly initialDelayMs: number;
    /** Ceiling of any single delay, however many attempts failed. */
    readonly maxDelayMs: number;
}

/** Fast first retries (pods turning ready), then no more than one attempt per check every 5 s. */
export const defaultBackoff: BackoffPolicy = { initialDelayMs: 250, maxDelayMs: 5_000 };

/**
 * The pause after the `failedAttempts`-th failure: the exponential ceiling, half of it fixed and half
 * random ("equal jitter"), so concurrent checks against one recovering service do not retry in lockstep
 * while each still waits a predictable minimum.
 */
export function backoffDelayMs(failedAttempts: number, policy: BackoffPolicy, random: () => number = Math.random): number {
    const exponent = Math.max(0, failedAttempts - 1);
    const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(exponent, 30));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
