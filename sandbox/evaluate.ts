/**
 * Evaluates a committed stack's platform under the shared mocks and returns what it declared.
 */
import { recorder, settle, type RecordedResource } from "./mocks";
import { stackConfig } from "./stacks";

export async function evaluateStack(stack: string, overrides: Record<string, unknown> = {}): Promise<RecordedResource[]> {
    const { Platform } = await import("../components/platform");
    recorder.reset();
    new Platform("grownext", { config: stackConfig(stack, overrides) });
    await settle();
    return [...recorder.resources];
}
