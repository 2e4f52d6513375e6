/**
 * The stack's customer-managed KMS key: it encrypts RDS storage and Performance Insights, the
 * ElastiCache data at rest and every Secrets Manager secret of the stack, and it rotates its key
 * material automatically (yearly by default; `aws kms rotate-key-on-demand` for an immediate one).
 *
 * The key policy only lets the account administer the key through IAM; the services' roles get use
 * of it through their own IAM policies (secretStore.ts), so access stays least-privilege and visible
 * in one place per role.
 */
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsLimits, dataProtectionDefaults, environmentFloors, kmsRotationPeriodDays, type Environment } from "../../../catalog/guardrails";
import { dataResourceOptions, type StackKeyOutputs } from "../../../wiring/dataContract";
import { componentError } from "../../../config/errors";

export interface StackKeyArgs {
    /** The stack's environment: its deletion-window floor (catalog/guardrails.ts), and production protects the key. */
    readonly environment: Environment;
    /** Alias without the `alias/` prefix, e.g. `grownext-production`. */
    readonly aliasName: string;
    /** Days between automatic rotations of the key material (within AWS's limits). */
    readonly rotationPeriodInDays?: number;
    /** Days a scheduled deletion waits (within AWS's limits, at least the environment's floor). */
    readonly deletionWindowInDays?: number;
    /** Region of the key; every resource it encrypts must be in the same region. */
    readonly region?: pulumi.Input<string>;
    /** Extra tags. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export const defaultRotationPeriodInDays = kmsRotationPeriodDays;

/** Service principals that publish to the alert route (CloudWatch alarms, RDS event subscriptions). */
export const alertPublisherServices = ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"] as const;

/** `alias/<project>-<stack>` with characters KMS refuses replaced. */
export function stackKeyAliasName(project: string, stack: string): string {
    return `${project}-${stack}`.replace(/[^a-zA-Z0-9/_-]/g, "-");
}

/** Problems with the key's settings, as messages that name the config key and the fix. */
export function stackKeyProblems(
    environment: Environment,
    args: Pick<StackKeyArgs, "aliasName" | "rotationPeriodInDays" | "deletionWindowInDays">,
): string[] {
    const out: string[] = [];
    const rotation = args.rotationPeriodInDays ?? defaultRotationPeriodInDays;
    const rotationLimits = awsLimits.kms.rotationPeriodDays;
    if (!Number.isInteger(rotation) || rotation < rotationLimits.min || rotation > rotationLimits.max) {
        out.push(
            `data.kms.rotationPeriodDays must be between ${rotationLimits.min} and ${rotationLimits.max} (AWS limits), got ${rotation}`,
        );
    }
    const window = args.deletionWindowInDays ?? dataProtectionDefaults[environment].kmsDeletionWindowDays;
    const windowLimits = awsLimits.kms.deletionWindowDays;
    const floor = environmentFloors[environment].kmsDeletionWindowDays;
    if (!Number.isInteger(window) || window < windowLimits.min || window > windowLimits.max) {
        out.push(`data.kms.deletionWindowDays must be between ${windowLimits.min} and ${windowLimits.max} (AWS limits), got ${window}`);
    } else if (window < floor) {
        out.push(
            `data.kms.deletionWindowDays must be ${floor === windowLimits.max ? "" : "at least "}${floor} in ${environment}, got ${window}`,
        );
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
        if (problems.length > 0) throw componentError(this, "StackKey", name, `${problems.join("; ")}`);

        const deletionWindowInDays = args.deletionWindowInDays ?? dataProtectionDefaults[args.environment].kmsDeletionWindowDays;
        // The account that deploys the key administers it (AWS refuses a policy that locks the caller out).
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const partition = aws.getPartitionOutput({}, { parent: this });

        this.key = new aws.kms.Key(
            `${name}-key`,
            {
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
            },
            { parent: this, ...dataResourceOptions(args.environment) },
        );

        const alias = new aws.kms.Alias(
            `${name}-alias`,
            {
                name: `alias/${args.aliasName}`,
                targetKeyId: this.key.keyId,
                region: args.region,
            },
            { parent: this },
        );

        this.arn = this.key.arn;
        this.id = this.key.id;
        this.alias = alias.name;
        this.region = args.region;
        this.registerOutputs({ arn: this.arn, id: this.id, alias: this.alias });
    }
}
