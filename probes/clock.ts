/**
 * The probe runner's only source of time. Every deadline computation reads `now()` and every wait goes
 * through `sleep()` / `after()`, so tests can run the retry loop on a simulated clock and check the
 * time bound exactly, instead of measuring wall-clock time on a loaded machine.
 */
import { performance } from "node:perf_hooks";

export interface ProbeClock {
    /** Milliseconds on a monotonic scale; only differences mean anything. */
    now(): number;
    /** Resolves after `ms`, or as soon as `signal` aborts. */
    sleep(ms: number, signal?: AbortSignal): Promise<void>;
    /** Calls `fire` after `ms`; the returned function cancels it. */
    after(ms: number, fire: () => void): () => void;
}

export const systemClock: ProbeClock = {
    now: () => performance.now(),
    sleep: (ms, signal) =>
        new Promise((resolve) => {
            if (signal?.aborted) {
                resolve();
                return;
            }
            const done = (): void => {
                clearTimeout(timer);
                signal?.removeEventListener("abort", done);
                resolve();
            };
            const timer = setTimeout(done, Math.max(0, ms));
            signal?.addEventListener("abort", done, { once: true });
        }),
    after: (ms, fire) => {
        const timer = setTimeout(fire, Math.max(0, ms));
        return () => clearTimeout(timer);
    },
};
