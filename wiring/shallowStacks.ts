/**
 * Declares the platform with stack capture off (`Error.stackTraceLimit = 0`), for speed.
 *
 * Why: while resources are declared, the SDK stamps a stack trace on every promise it makes (four
 * per input property of every resource, `debuggablePromise` in @pulumi/pulumi/runtime/debuggable.js)
 * and reads it at once, which the language host maps through source maps frame by frame
 * (`source-map-support`): some 12,700 traces for production's 229 resources, about a fifth of the
 * program's own CPU (docs/performance.md). Those traces are only ever printed by the SDK's leak
 * report (PULUMI_DEBUG_PROMISE_LEAKS).
 *
 * What is kept: each resource's source position, which the SDK takes with its own unlimited depth
 * (`Resource.callsites`); every error's message, so config and validation errors (RunError, whose
 * stack the SDK never prints) read as before; full stacks for everything after the declaration
 * (apply callbacks, provider answers). What is lost: the frames of an unexpected error thrown while
 * declaring (a bug); such an error says so and how to get them back.
 *
 * Full stacks throughout when asked for: `--stack-trace-limit` given to node (NODE_OPTIONS or its
 * arguments), or PULUMI_DEBUG_PROMISE_LEAKS set.
 */
import * as pulumi from "@pulumi/pulumi";

/** The hint an unexpected error thrown while declaring carries instead of its frames. */
export const noFramesHint =
    "(no stack frames: the platform is declared without stack capture, for speed; " +
    "run with NODE_OPTIONS=--stack-trace-limit=50 to see them)";

/** Whether whoever runs the program asked for stack traces: a depth given to node, or the SDK's leak report. */
export function fullStacksWanted(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
    const askedDepth = (arg: string) => arg.startsWith("--stack-trace-limit") || arg.startsWith("--stack_trace_limit");
    return (
        env.PULUMI_DEBUG_PROMISE_LEAKS !== undefined || execArgv.some(askedDepth) || (env.NODE_OPTIONS ?? "").split(/\s+/).some(askedDepth)
    );
}

/** Runs `declare` (the synchronous declaration of the resources) with stack capture off, then restores it. */
export function declareWithShallowStacks<T>(declare: () => T, fullStacks = fullStacksWanted()): T {
    if (fullStacks) return declare();
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return declare();
    } catch (err) {
        // RunErrors are printed as their message alone; anything else is a bug, printed with its stack.
        // (A boolean first: RunError's type guard would narrow a plain Error, the same shape, to never.)
        const runError: boolean = pulumi.RunError.isInstance(err);
        if (err instanceof Error && !runError) err.stack = `${err.stack ?? String(err)}\n    ${noFramesHint}`;
        throw err;
    } finally {
        Error.stackTraceLimit = limit;
    }
}
