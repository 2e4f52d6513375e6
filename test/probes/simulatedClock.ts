/**
 * A discrete-event clock for the probe runner: time stands still while any code can still run, and
 * jumps to the next timer only when everything waits. A probe run against simulated servers then
 * takes no real time, and its end time is exact, so the deadline bound is asserted without reading
 * a wall clock.
 */
import type { ProbeClock } from "../../probes/clock";

interface Timer {
    readonly due: number;
    readonly order: number;
    readonly fire: () => void;
    cancelled: boolean;
}

export class SimulatedClock implements ProbeClock {
    private time = 0;
    private order = 0;
    private readonly timers: Timer[] = [];

    now(): number {
        return this.time;
    }

    after(ms: number, fire: () => void): () => void {
        const timer: Timer = { due: this.time + Math.max(0, ms), order: this.order++, fire, cancelled: false };
        this.timers.push(timer);
        return () => {
            timer.cancelled = true;
        };
    }

    sleep(ms: number, signal?: AbortSignal): Promise<void> {
        return new Promise((resolve) => {
            if (signal?.aborted) {
                resolve();
                return;
            }
            const done = (): void => {
                cancel();
                signal?.removeEventListener("abort", done);
                resolve();
            };
            const cancel = this.after(ms, done);
            signal?.addEventListener("abort", done, { once: true });
        });
    }

    /** Drives `work` to completion: lets it run, then fires the earliest timer, until it settles. */
    async run<T>(work: Promise<T>): Promise<T> {
        let settled = false;
        work.then(
            () => (settled = true),
            () => (settled = true),
        );
        for (;;) {
            await idle();
            if (settled) {
                return work;
            }
            const next = this.takeEarliest();
            if (next === undefined) {
                throw new Error(`nothing left to wait for at t=${this.time} ms, yet the run has not ended`);
            }
            this.time = Math.max(this.time, next.due);
            next.fire();
        }
    }

    private takeEarliest(): Timer | undefined {
        const live = this.timers.filter((timer) => !timer.cancelled);
        live.sort((a, b) => a.due - b.due || a.order - b.order);
        const next = live[0];
        this.timers.length = 0;
        this.timers.push(...live.slice(1));
        return next;
    }
}

/** Lets every promise chain that can progress without a timer do so. */
async function idle(): Promise<void> {
    for (let round = 0; round < 3; round += 1) {
        await new Promise<void>((resolve) => setImmediate(resolve));
    }
}
