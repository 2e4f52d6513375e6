/**
 * Glue between the SDK's validation callbacks and the pack's rules: each rule receives plain data
 * (see unknowns.ts), is only called for the types it names, and can never be downgraded to an
 * advisory "can't run during preview" note by an unknown value.
 */
import type {
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidation,
    StackValidationArgs,
} from "@pulumi/policy";
import { isUnknownValueError, plainProps, type PlainObject } from "./unknowns";

/** A resource as a resource rule sees it. */
export interface ResourceView {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** The resource's inputs as plain data; unknown values are `UNKNOWN`. */
    readonly props: PlainObject;
    readonly protect: boolean;
    /** The stack name, read from the URN. */
    readonly stack: string | undefined;
}

export type ResourceCheck = (resource: ResourceView, args: ResourceValidationArgs, report: (message: string) => void) => void;

/**
 * A `validateResource` for the given type tokens; other types are reported as not applicable. With a
 * single type the SDK's fast path (`__pulumiType`) skips other resources without calling us.
 */
export function validateTypes(types: readonly string[], check: ResourceCheck): ResourceValidation {
    const fn: ResourceValidation = (args, reportViolation) => {
        if (!types.includes(args.type)) {
            return args.notApplicable(`Policy only applies to ${types.join(", ")}.`);
        }
        const view: ResourceView = {
            type: args.type,
            name: args.name,
            urn: args.urn,
            props: plainProps(args.props),
            protect: args.opts?.protect === true,
            stack: stackOfUrn(args.urn),
        };
        try {
            check(view, args, (message) => reportViolation(message));
        } catch (e) {
            if (!isUnknownValueError(e)) throw e;
            reportViolation(
                `A value this rule needs is unknown during preview (${(e as Error).message}); ` +
                    "make it known at preview time (plain config instead of a resource output) so the rule can verify it.",
            );
        }
    };
    return types.length === 1 ? Object.assign(fn, { __pulumiType: types[0] }) : fn;
}

/** A resource as a stack rule sees it: plain props and the resolved resource graph. */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: PlainObject;
    readonly protect: boolean;
    parent?: StackResource;
    readonly children: StackResource[];
    readonly dependencies: StackResource[];
    readonly propertyDependencies: Record<string, StackResource[]>;
}

export interface StackView {
    readonly resources: readonly StackResource[];
    /** The stack name, read from the resources' URNs (undefined for an empty stack). */
    readonly stack: string | undefined;
    ofType(...types: readonly string[]): StackResource[];
}

export type StackCheck = (stack: StackView, args: StackValidationArgs, report: ReportViolation) => void;

export function validateStackWith(check: StackCheck): StackValidation {
    return (args, reportViolation) => {
        const view = stackView(args.resources);
        try {
            check(view, args, reportViolation);
        } catch (e) {
            if (!isUnknownValueError(e)) throw e;
            reportViolation(
                `A value this rule needs is unknown during preview (${(e as Error).message}); ` +
                    "make it known at preview time so the rule can verify it.",
            );
        }
    };
}

/** Copies the SDK's resources into plain views, keeping parents, children and dependencies. */
export function stackView(resources: readonly PolicyResource[]): StackView {
    const views = new Map<string, StackResource>();
    for (const r of resources) {
        views.set(r.urn, {
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: plainProps(r.props),
            protect: r.opts?.protect === true,
            children: [],
            dependencies: [],
            propertyDependencies: {},
        });
    }
    const lookup = (x: PolicyResource | undefined): StackResource | undefined => (x ? views.get(x.urn) : undefined);
    for (const r of resources) {
        const v = views.get(r.urn)!;
        const parent = lookup(r.parent) ?? (r.opts?.parent ? views.get(r.opts.parent) : undefined);
        if (parent) {
            v.parent = parent;
            parent.children.push(v);
        }
        for (const d of r.dependencies ?? []) {
            const dv = lookup(d);
            if (dv) v.dependencies.push(dv);
        }
        for (const [key, deps] of Object.entries(r.propertyDependencies ?? {})) {
            v.propertyDependencies[key] = deps.map(lookup).filter((x): x is StackResource => x !== undefined);
        }
    }
    const all = [...views.values()];
    const first = all[0];
    return {
        resources: all,
        stack: first ? stackOfUrn(first.urn) : undefined,
        ofType: (...types) => all.filter((r) => types.includes(r.type)),
    };
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>` gives `<stack>`. */
export function stackOfUrn(urn: string): string | undefined {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn);
    return m ? m[1] : undefined;
}

/** The resource and all of its descendants (component children, recursively). */
export function withDescendants(r: StackResource): StackResource[] {
    const out: StackResource[] = [];
    const queue = [r];
    while (queue.length > 0) {
        const cur = queue.shift()!;
        if (out.includes(cur)) continue;
        out.push(cur);
        queue.push(...cur.children);
    }
    return out;
}

/**
 * Everything `r` waits for: its dependencies and property dependencies, transitively; depending on
 * a component resource counts as depending on all of its descendants.
 */
export function transitiveDependencies(r: StackResource): Set<StackResource> {
    const seen = new Set<StackResource>();
    const queue: StackResource[] = [...r.dependencies, ...Object.values(r.propertyDependencies).flat()];
    while (queue.length > 0) {
        const cur = queue.shift()!;
        if (seen.has(cur)) continue;
        for (const d of withDescendants(cur)) {
            if (!seen.has(d)) {
                seen.add(d);
                queue.push(...d.dependencies, ...Object.values(d.propertyDependencies).flat());
            }
        }
    }
    return seen;
}
