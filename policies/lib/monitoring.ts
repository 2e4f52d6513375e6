/**
 * Shared by the monitoring policies: which stacks they apply to, and whether an alarm (or event
 * subscription) watches a given resource. A watcher is recognised by the resource graph: its inputs
 * (the alarm's dimensions, the subscription's source ids) come from the watched resource's outputs,
 * so the engine records a dependency on it, which also holds while those values are unknown.
 */
import { stringList } from "./config";
import type { StackResource } from "./policy";
import { str } from "./unknowns";

/** The `stacks` config property of the monitoring policies: production by default. */
export const productionStacks = stringList("Stack names whose resources must be monitored.", ["production"]);

/** Whether `watcher` depends on `target` (directly or through a property). */
export function watches(watcher: StackResource, target: StackResource): boolean {
    return watcher.dependencies.includes(target) || Object.values(watcher.propertyDependencies).some((deps) => deps.includes(target));
}

/** The alarm's metric name, when known. */
export function metricOf(alarm: StackResource): string | undefined {
    const m = str(alarm.props.metricName);
    return typeof m === "string" ? m : undefined;
}
