/**
 * The bench's goals (DESIGN.md "Performance targets", issue #16), written once: `npm run bench` prints
 * each beside its figure, and docs/performance.md quotes them (test/scripts/bench/goals.test.ts keeps it in step).
 */
export interface BenchGoal {
    /** Which figure of the pair the goal reads: the median of the pairwise ratios of CPU or of wall time. */
    readonly on: "cpu" | "wall";
    /** The ratio must be at most this. */
    readonly max: number;
    readonly text: string;
}

export const benchGoals = {
    enginePreview: { on: "cpu", max: 1.3, text: "local stack's engine preview at most 1.3x the floor program's (CPU, median of pairs)" },
    productionEvaluation: {
        on: "cpu",
        max: 1.5,
        text: "production's mock evaluation at most 1.5x the empty program's (CPU, median of pairs)",
    },
    processGrowth: { on: "cpu", max: 10, text: "10x the processes costs at most 10x the declaring time (linear or better)" },
    probeRun: { on: "wall", max: 1.2, text: "a healthy probe run takes at most 1.2x its slowest check (the checks run concurrently)" },
    clusterUp: {
        on: "wall",
        max: 1.3,
        text: "pulumi up to healthy at most 1.3x kubectl apply --server-side + kubectl wait (wall, median of pairs)",
    },
} as const satisfies Record<string, BenchGoal>;
