/** Assertions shared by the policy tests: a rule fires with a message that says what to change, or stays quiet. */
import { strict as assert } from "assert";
import type { Policy } from "@pulumi/policy";
import { runPolicy, type PolicyResourceLike, type RunResult } from "./harness";

export async function run(
    policy: Policy,
    resources: PolicyResourceLike | PolicyResourceLike[],
    config?: Record<string, unknown>,
): Promise<RunResult> {
    return runPolicy(policy, resources, config);
}

/** The policy reports at least one violation, and some message matches `pattern`. */
export async function assertReports(
    policy: Policy,
    resources: PolicyResourceLike | PolicyResourceLike[],
    pattern: RegExp,
    config?: Record<string, unknown>,
): Promise<RunResult> {
    const result = await run(policy, resources, config);
    assert.ok(result.messages.length > 0, `${policy.name} reported nothing`);
    assert.ok(
        result.messages.some((m) => pattern.test(m)),
        `${policy.name}: no message matches ${pattern}:\n  ${result.messages.join("\n  ")}`,
    );
    for (const v of result.violations) {
        assert.equal(v.enforcementLevel, policy.enforcementLevel, `${policy.name} reported at ${v.enforcementLevel}: ${v.message}`);
    }
    return result;
}

/** The policy reports nothing. */
export async function assertClean(
    policy: Policy,
    resources: PolicyResourceLike | PolicyResourceLike[],
    config?: Record<string, unknown>,
): Promise<RunResult> {
    const result = await run(policy, resources, config);
    assert.deepEqual(result.messages, [], `${policy.name} reported:\n  ${result.messages.join("\n  ")}`);
    return result;
}
