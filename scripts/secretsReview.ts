/**
 * What an AWS Foundational Security Best Practices review would say of a stack's Secrets Manager
 * secrets, read off the graph the program declares (under the shared mocks, so no AWS account):
 * SecretsManager.1 (automatic rotation on) and SecretsManager.4 (rotated within 90 days) for every
 * secret the program declares and for every master secret RDS keeps for an instance
 * (`manageMasterUserPassword`). It reports; the secrets-rotate and database-credentials-rotate
 * policies are the gates.
 *
 *   npm run review:secrets                 production
 *   npm run review:secrets -- staging      another committed stack
 */
import { rotationFloors } from "../catalog/guardrails";
import { secretKindTag } from "../catalog/labels";
import type { RecordedResource } from "../sandbox/mocks";

const secretType = "aws:secretsmanager/secret:Secret";
const rotationType = "aws:secretsmanager/secretRotation:SecretRotation";
const instanceType = "aws:rds/instance:Instance";

export interface ReviewedSecret {
    /** The secret's name (its `name` input), or `RDS master secret of <instance>`. */
    readonly secret: string;
    /** Its `grownext.io/secret-kind` tag, or `rds-master` for an RDS-managed master secret. */
    readonly kind: string;
    /** The shortest `automaticallyAfterDays` of its enabled rotations; undefined without one. */
    readonly rotationDays?: number;
    /** SecretsManager.1: an automatic rotation is configured. */
    readonly rotates: boolean;
    /** SecretsManager.4: it rotates at least every `maxDays`. */
    readonly withinMaxDays: boolean;
}

/** The rotations whose secretId comes from `urn` (property dependencies, else dependencies). */
function rotationDays(urn: string | undefined, rotations: readonly RecordedResource[]): number | undefined {
    const days = rotations
        .filter((r) => {
            const deps =
                r.propertyDependencies && Object.keys(r.propertyDependencies).length > 0 ? r.propertyDependencies.secretId : r.dependencies;
            return urn !== undefined && (deps ?? []).includes(urn) && r.inputs.rotationEnabled !== false;
        })
        .map((r) => (r.inputs.rotationRules as { automaticallyAfterDays?: unknown } | undefined)?.automaticallyAfterDays)
        .filter((d): d is number => typeof d === "number");
    return days.length > 0 ? Math.min(...days) : undefined;
}

/** Every Secrets Manager secret of the graph, with the two controls' verdicts. */
export function reviewSecrets(resources: readonly RecordedResource[], maxDays: number = rotationFloors.maxRotationDays): ReviewedSecret[] {
    const rotations = resources.filter((r) => r.type === rotationType);
    const verdict = (secret: string, kind: string, urn: string | undefined): ReviewedSecret => {
        const days = rotationDays(urn, rotations);
        return { secret, kind, rotationDays: days, rotates: days !== undefined, withinMaxDays: days !== undefined && days <= maxDays };
    };
    return [
        ...resources
            .filter((r) => r.type === instanceType && r.inputs.manageMasterUserPassword === true)
            .map((r) => verdict(`RDS master secret of ${r.name}`, "rds-master", r.urn)),
        ...resources
            .filter((r) => r.type === secretType)
            .map((r) =>
                verdict(
                    String(r.inputs.name ?? r.name),
                    String((r.inputs.tags as Record<string, string> | undefined)?.[secretKindTag] ?? "untagged"),
                    r.urn,
                ),
            ),
    ];
}

/** The review as a Markdown table and a one-line summary. */
export function reviewReport(stack: string, reviewed: readonly ReviewedSecret[], maxDays: number = rotationFloors.maxRotationDays): string {
    const failing = reviewed.filter((s) => !s.rotates || !s.withinMaxDays);
    const rows = reviewed.map(
        (s) =>
            `| ${s.secret} | ${s.kind} | ${s.rotationDays ?? "-"} | ${s.rotates ? "pass" : "FAIL"} | ${s.withinMaxDays ? "pass" : "FAIL"} |`,
    );
    return [
        `Secrets Manager secrets of ${stack}: ${reviewed.length - failing.length} of ${reviewed.length} pass SecretsManager.1 and .4 (rotated within ${maxDays} days).`,
        ...(failing.length > 0 ? [`Failing: ${failing.map((s) => `${s.secret} (${s.kind})`).join(", ")}.`] : []),
        "",
        "| secret | kind | rotates every (days) | SecretsManager.1 | SecretsManager.4 |",
        "| --- | --- | --- | --- | --- |",
        ...rows,
    ].join("\n");
}

async function main(): Promise<void> {
    const stack = process.argv[2] ?? "production";
    const { installMocks } = await import("../sandbox/mocks");
    installMocks({ stack });
    const { evaluateStack } = await import("../sandbox/evaluate");
    console.log(reviewReport(stack, reviewSecrets(await evaluateStack(stack))));
}

if (require.main === module) {
    main().catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : String(e));
        process.exit(1);
    });
}
