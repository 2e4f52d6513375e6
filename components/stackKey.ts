/**
 * The stack's customer-managed KMS key: it encrypts RDS storage and Performance Insights, the
 * ElastiCache data at rest and every Secrets Manager secret of the stack, and it rotates its key
 * material automatically (yearly by default; `aws kms rotate-key-on-demand` for an immediate one).
 *
 * The key policy only lets the account administer the key through IAM; the services' roles get use
 * of it through their own IAM policies (secretStore.ts), so access stays least-privilege and visible
 * in one place per role.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../config/schema";
import { dataResourceOptions, type StackKeyOutputs } from "./dataContract";

export interface StackKeyArgs {
    /** The stack's environment: production keeps a 30-day deletion window and protects the key. */
    readonly environment: Environment;
    /** Alias without the `alias/` prefix, e.g. `grownext-production`. */
    readonly aliasName: string;
    /** Days between automatic rotations of the key material (90 to 2560). */
    readonly rotationPeriodInDays?: number;
    /** Days a scheduled deletion waits (7 to 30; production requires 30). */
    readonly deletionWindowInDays?: number;
    /** Region of the key; every resource it encrypts must be in the same region. */
    readonly region?: pulumi.Input<string>;
    /** Extra tags. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export const defaultRotationPeriodInDays = 365;

/** Service principals that publish to the alert route (CloudWatch alarms, RDS event subscriptions). */
export const alertPublisherServices = ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"] as const;

/** `alias/<project>-<stack>` with characters KMS refuses replaced. */
export function stackKeyAliasName(project: string, stack: string): string {
    return `${project}-${stack}`.replace(/[^a-zA-Z0-9/_-]/g, "-");
}

/** Problems with the key's settings, as messages that name the config key and the fix. */
export function stackKeyProblems(environment: Environment, args: Pick<StackKeyArgs, "aliasName" | "rotationPeriodInDays" | "deletionWindowInDays">): string[] {
    const out: string[] = [];
    const rotation = args.rotationPeriodInDays ?? defaultRotationPeriodInDays;
    if (!Number.isInteger(rotation) || rotation < 90 || rotation > 2560) {
        out.push(`data.kms.rotationPeriodDays must be between 90 and 2560 (AWS limits), got ${rotation}`);
    }
    const window = args.deletionWindowInDays ?? (environment === "production" ? 30 : 7);
    if (!Number.isInteger(window) || window < 7 || window > 30) {
        out.push(`data.kms.deletionWindowDays must be between 7 and 30 (AWS limits), got ${window}`);
    } else if (environment === "production" && window !== 30) {
        out.push(`data.kms.deletionWindowDays must be 30 in production, got ${window}`);
    }
    if (!/^[a-zA-Z0-9/_-]{1,250}$/.test(args.aliasName) || args.aliasName.startsWith("aws/")) {
        out.push(`the KMS alias name must use letters, digits, / _ - and not start with aws/, got ${JSON.stringify(args.aliasName)}`);
    }
    return out;
}

/**
 * The key policy: the account's root principal administers the key, which delegates every use to
 * IAM policies (the AWS-recommended default; without it the key could become unmanageable).
 */
export function stackKeyPolicy(partition: string, accountId: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministersKeyThroughIam",
                Effect: "Allow",
                Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                // The alert route's SNS topic is encrypted with this key: the services that publish
                // alarms and RDS events to it must be able to use the key, for this account only.
                Sid: "AlarmPublishersUseKeyForAlertRoute",
                Effect: "Allow",
                Principal: { Service: [...alertPublisherServices] },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
        ],
    };
}

export class StackKey extends pulumi.ComponentResource implements StackKeyOutputs {
    readonly arn: pulumi.Output<string>;
    readonly id: pulumi.Output<string>;
    /** The alias name, `alias/<project>-<stack>`. */
    readonly alias: pulumi.Output<string>;
    readonly key: aws.kms.Key;
    /** The key's region (the alert route's topic must be in the same one). */
    readonly region?: pulumi.Input<string>;

    constructor(name: string, args: StackKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:StackKey", name, {}, opts);
        const problems = stackKeyProblems(args.environment, args);
        if (problems.length > 0) throw new pulumi.RunError(`StackKey ${name}: ${problems.join("; ")}`);

        const production = args.environment === "production";
        const deletionWindowInDays = args.deletionWindowInDays ?? (production ? 30 : 7);
        // The account that deploys the key administers it (AWS refuses a policy that locks the caller out).
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const partition = aws.getPartitionOutput({}, { parent: this });

        this.key = new aws.kms.Key(`${name}-key`, {
            description: `Encrypts the ${args.aliasName} data tier: RDS, ElastiCache and Secrets Manager.`,
            keyUsage: "ENCRYPT_DECRYPT",
            customerMasterKeySpec: "SYMMETRIC_DEFAULT",
            enableKeyRotation: true,
            rotationPeriodInDays: args.rotationPeriodInDays ?? defaultRotationPeriodInDays,
            deletionWindowInDays,
            policy: pulumi
                .all([partition.partition, identity.accountId])
                .apply(([p, account]) => JSON.stringify(stackKeyPolicy(p, account))),
            region: args.region,
            tags: args.tags,
        }, { parent: this, ...dataResourceOptions(args.environment) });

        const alias = new aws.kms.Alias(`${name}-alias`, {
            name: `alias/${args.aliasName}`,
            targetKeyId: this.key.keyId,
            region: args.region,
        }, { parent: this });

        this.arn = this.key.arn;
        this.id = this.key.id;
        this.alias = alias.name;
        this.region = args.region;
        this.registerOutputs({ arn: this.arn, id: this.id, alias: this.alias });
    }
}
