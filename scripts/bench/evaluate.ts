/**
 * One program evaluation under Pulumi mocks, in its own process, for the benchmark:
 *   evaluate.ts empty                 the floor: the SDK and mocks loaded, nothing declared
 *   evaluate.ts <stack> [scale]       the stack's platform, with the catalog repeated `scale` times
 * Prints one JSON line: resources declared and the milliseconds spent declaring them.
 */
import { processCatalog, type ProcessSpec } from "../../catalog/processes";
import { installMocks, recorder, settle } from "../../test/helpers/mocks";
import { validateConfig } from "../../config/load";
import { stackValues } from "../../test/helpers/stack";

/** The catalog repeated: copies get their own names and public hosts, as an eighth process would. */
export function scaledCatalog(scale: number): ProcessSpec[] {
    if (scale === 1) return [...processCatalog];
    return Array.from({ length: scale }, (_, i) =>
        processCatalog.map((p) => (i === 0 ? p : {
            ...p,
            name: `${p.name}-${i}`,
            publicHost: p.publicHost ? `${p.publicHost}-${i}` : undefined,
        })),
    ).flat();
}

async function main(): Promise<void> {
    const [mode = "empty", scaleText = "1"] = process.argv.slice(2);
    installMocks({ stack: mode === "empty" ? "bench" : mode });
    // Test scaffolding (reading the stack file, making a JWT key pair) stays outside the timed part.
    const stack = mode === "empty" ? undefined : stackValues(mode);
    const { Platform } = await import("../../components/platform");
    const started = process.hrtime.bigint();
    if (stack) {
        const catalog = scaledCatalog(Number(scaleText));
        const config = validateConfig(stack.values, { project: "grownext", stack: mode, isPlaintext: stack.isPlaintext, catalog });
        new Platform("grownext", { config });
    }
    await settle();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(`${JSON.stringify({ mode, scale: Number(scaleText), resources: recorder.resources.length, ms })}\n`);
}

main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
