/**
 * Renders the Kubernetes objects a stack declares, evaluated under the shared Pulumi mocks, as one
 * multi-document YAML string (for outside linters such as kube-score). Secret values are replaced
 * by a placeholder: a linter needs the shape, never the value.
 */
import { stringify } from "yaml";
import { evaluateStack } from "../../sandbox/evaluate";
import { isSecretInput, type RecordedResource } from "../../sandbox/mocks";

/** `kubernetes:apps/v1:Deployment` gives `apps/v1` and `Deployment` (`core/v1` is plain `v1`). */
export function apiVersionKind(type: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+):([^:]+)$/.exec(type);
    if (!m) return undefined;
    const group = m[1]!.startsWith("core/") ? m[1]!.slice("core/".length) : m[1]!;
    return { apiVersion: group, kind: m[2]! };
}

function redact(value: unknown): unknown {
    if (isSecretInput(value)) return "redacted";
    if (Array.isArray(value)) return value.map(redact);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
    return value;
}

/** The manifests of one recorded resource list: Kubernetes objects only, named as declared. */
export function manifestsOf(resources: readonly RecordedResource[]): Array<Record<string, any>> {
    const out: Array<Record<string, any>> = [];
    for (const r of resources) {
        const t = r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:") ? apiVersionKind(r.type) : undefined;
        if (t === undefined || !r.custom) continue;
        const body = redact(r.inputs) as Record<string, any>;
        // The provider autonames objects without a name; the logical name stands in for it here.
        const metadata = { ...(body.metadata ?? {}), name: body.metadata?.name ?? r.name };
        out.push({ ...body, apiVersion: t.apiVersion, kind: t.kind, metadata });
    }
    return out;
}

export async function renderStackYaml(stack: string): Promise<string> {
    const docs = manifestsOf(await evaluateStack(stack));
    return docs.map((d) => stringify(d)).join("---\n");
}
