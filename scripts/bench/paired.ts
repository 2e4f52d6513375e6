/**
 * Paired runs for the bench: A and B in turn (A B A B ...), so a change in the machine's load hits
 * both sides of a pair alike, and the ratio is taken pair by pair. Every figure is a spread: median,
 * min and max. CPU time is the children's user + system time as the kernel accounts it for processes
 * this one has waited for (/proc/self/stat cutime + cstime): a `pulumi` run's language host, plugins
 * and dynamic provider included, since each parent waits for its own children.
 */
import * as fs from "fs";

export interface Sample {
    readonly wallMs: number;
    readonly cpuMs: number;
}

export interface Spread {
    readonly median: number;
    readonly min: number;
    readonly max: number;
}

export interface Paired {
    readonly pairs: number;
    readonly a: { readonly wall: Spread; readonly cpu: Spread };
    readonly b: { readonly wall: Spread; readonly cpu: Spread };
    /** A/B of each pair, then the spread of those ratios. */
    readonly ratio: { readonly wall: Spread; readonly cpu: Spread };
}

/** Clock ticks per second of /proc's times (USER_HZ): 100 on every Linux this runs on. */
const ticksPerSecond = 100;

/** User + system milliseconds of the children this process has waited for, so far. */
export function childCpuMs(): number {
    // Fields after the command name (which may hold spaces, hence the last ')'): cutime is field 16, cstime 17.
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond;
}

/** This process's own user + system milliseconds (for work done in-process). */
export function ownCpuMs(): number {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
}

/** Times `run` (which must wait for every child it starts): wall clock, and the CPU of children plus this process. */
export async function measure(run: () => unknown): Promise<Sample> {
    const cpu0 = childCpuMs() + ownCpuMs();
    const t0 = process.hrtime.bigint();
    await run();
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { wallMs, cpuMs: childCpuMs() + ownCpuMs() - cpu0 };
}

export function spread(values: readonly number[]): Spread {
    const sorted = [...values].sort((x, y) => x - y);
    const mid = sorted.length / 2;
    const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** `pairs` pairs of A then B (after `warmup` unmeasured pairs), each side timed by `measure`. */
export async function pairedRuns(pairs: number, a: () => unknown, b: () => unknown, warmup = 1): Promise<Paired> {
    for (let i = 0; i < warmup; i++) {
        await a();
        await b();
    }
    const as: Sample[] = [];
    const bs: Sample[] = [];
    for (let i = 0; i < pairs; i++) {
        as.push(await measure(a));
        bs.push(await measure(b));
    }
    return fromSamples(as, bs);
}

export function fromSamples(as: readonly Sample[], bs: readonly Sample[]): Paired {
    const side = (s: readonly Sample[]) => ({ wall: spread(s.map((x) => x.wallMs)), cpu: spread(s.map((x) => x.cpuMs)) });
    return {
        pairs: as.length,
        a: side(as),
        b: side(bs),
        ratio: {
            wall: spread(as.map((x, i) => x.wallMs / bs[i]!.wallMs)),
            cpu: spread(as.map((x, i) => x.cpuMs / bs[i]!.cpuMs)),
        },
    };
}

const ms = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);
const x = (n: number) => `${n.toFixed(2)}x`;
const msSpread = (s: Spread) => `${ms(s.median)} (${ms(s.min)}-${ms(s.max)})`;
const ratioSpread = (s: Spread) => `${x(s.median)} (${x(s.min)}-${x(s.max)})`;

/** Lines for one paired figure: each side's CPU and wall, the pairwise ratios, and the goal with its verdict. */
export function formatPaired(
    labelA: string,
    labelB: string,
    p: Paired,
    goal?: { readonly on: "cpu" | "wall"; readonly max: number; readonly text: string },
): string[] {
    const lines = [
        `  ${labelA}: cpu ${msSpread(p.a.cpu)}, wall ${msSpread(p.a.wall)}`,
        `  ${labelB}: cpu ${msSpread(p.b.cpu)}, wall ${msSpread(p.b.wall)}`,
        `  ratio pair by pair (${p.pairs} pairs, median (min-max)): cpu ${ratioSpread(p.ratio.cpu)}, wall ${ratioSpread(p.ratio.wall)}`,
    ];
    if (goal) {
        const got = p.ratio[goal.on].median;
        lines.push(`  goal: ${goal.text} -> ${x(got)} ${got <= goal.max ? "MET" : "NOT MET"}`);
    }
    return lines;
}
