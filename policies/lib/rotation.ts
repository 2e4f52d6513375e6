/**
 * What the rotation policies share: which SecretRotations rotate a given secret (by the graph, which
 * also holds in preview, where ARNs are unknown) and whether a rotation's schedule is often enough.
 */
import type { StackResource } from "./policy";
import { bool, get, isUnknown, num } from "./unknowns";

/**
 * The SecretRotations whose `secretId` comes from `target` (the instance whose master secret it is, or
 * the secret itself). The engine sends every resource's property dependencies; a rotation sent with
 * none at all (an engine that does not) is matched by its dependencies instead.
 */
export function rotationsOf(target: StackResource, rotations: readonly StackResource[]): StackResource[] {
    return rotations.filter((r) => {
        const byProperty = Object.keys(r.propertyDependencies).length > 0;
        return (byProperty ? (r.propertyDependencies.secretId ?? []) : r.dependencies).includes(target);
    });
}

/** What is wrong with a rotation's schedule, or undefined when it rotates at least every `max` days. */
export function scheduleProblem(rotation: StackResource, max: number, configKey: string): string | undefined {
    const enabled = bool(rotation.props.rotationEnabled);
    if (isUnknown(enabled)) return "has rotationEnabled unknown during preview; leave it unset or set it to the literal true";
    if (enabled === false) return "turns rotation off (rotationEnabled: false); remove rotationEnabled and set rotationRules";
    const days = num(get(rotation.props, "rotationRules", "automaticallyAfterDays"));
    if (isUnknown(days)) return `has rotationRules.automaticallyAfterDays unknown during preview; set it from config to at most ${max}`;
    if (days === undefined) return `sets no rotationRules.automaticallyAfterDays; set it to at most ${max} (${configKey})`;
    if (days > max) return `rotates every ${days} days; set rotationRules.automaticallyAfterDays to at most ${max} (${configKey})`;
    return undefined;
}

/**
 * Reports `target` unless at least one rotation of it has a good schedule: none at all is one report
 * on the target (with `fix`), bad schedules one report per rotation.
 */
export function checkRotated(
    what: string,
    target: StackResource,
    rotations: readonly StackResource[],
    max: number,
    configKey: string,
    fix: string,
    report: (message: string, urn?: string) => void,
): void {
    const own = rotationsOf(target, rotations);
    if (own.length === 0) {
        report(`${what} has no SecretRotation; ${fix}.`, target.urn);
        return;
    }
    const problems = own.map((r) => [r, scheduleProblem(r, max, configKey)] as const).filter(([, p]) => p !== undefined);
    if (problems.length === own.length) {
        for (const [r, p] of problems) report(`SecretRotation "${r.name}" of ${what} ${p}.`, r.urn);
    }
}
