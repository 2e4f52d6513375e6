/**
 * One RDS PostgreSQL instance holding one database, reachable only from the cluster.
 *
 * Why one instance per database (the data tier creates two: `app`, which is also the tasks
 * database, and `identity`) rather than one instance with two databases:
 *  - it is fully declarative: creating a second database and its own user inside one instance
 *    needs a Postgres provider (not available to this program) or a bootstrap Job holding the
 *    master password in the cluster; RDS itself creates exactly one database and its owner;
 *  - each database restores on its own: point-in-time recovery works per instance, so rolling
 *    identity back to 10:42 does not also roll back every task written since;
 *  - credentials and blast radius are separate: a leaked identity URL cannot read tasks, a runaway
 *    query in one cannot starve the other, and each can be sized, upgraded and failed over alone.
 * The cost is a second instance (a second standby in production); one shared instance is the
 * cheaper option if that ever matters more than the points above.
 *
 * The master password is RDS's, not the program's (`manageMasterUserPassword`): RDS generates it,
 * keeps it in a Secrets Manager secret of its own under the stack key (`masterSecret`) and rotates it
 * every `rotation.databaseRotationDays` (`rotateMasterSecret`, no Lambda). The program never knows
 * it, so it is in neither the state nor any URL the data tier builds: on AWS the connection URLs carry
 * no password, and the External Secrets Operator fills user and password in from the master secret
 * (docs/secret-rotation.md).
 */
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsNetworkConfig, PostgresSettings } from "../../../config/data";
import { postgresMajor, postgresParameterFamily } from "../../../config/data";
import { awsLimits, environmentFloors, rotationFloors, type Environment } from "../../../catalog/guardrails";
import { clusterOnlySecurityGroup } from "./clusterOnlySecurityGroup";
import {
    dataResourceOptions,
    postgresNames,
    postgresPort,
    postgresUrl,
    type CredentialsSecret,
    type DatabaseName,
    type PostgresConnection,
} from "../../../wiring/dataContract";
import { componentError } from "../../../config/errors";
import { serviceAssumeRolePolicy } from "../../../wiring/providers";

export interface PostgresAwsArgs {
    /** The stack's environment; production protects the instance and requires the guides' settings. */
    readonly environment: Environment;
    /** Which database this instance holds. */
    readonly database: DatabaseName;
    /** Resolved `data.postgres` settings (config/data.ts `resolveDataSettings`). */
    readonly settings: PostgresSettings;
    /** VPC, private subnets, the cluster's security group and the region (`data.aws`). */
    readonly network: Pick<AwsNetworkConfig, "region" | "vpcId" | "privateSubnetIds" | "clusterSecurityGroupId">;
    /** ARN of the stack's KMS key: storage, Performance Insights and the master secret are encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Days between rotations of the RDS-managed master password (`rotation.databaseRotationDays`). */
    readonly rotationDays: number;
    /** Name of the snapshot RDS takes when the instance is deleted (required unless skipFinalSnapshot). */
    readonly finalSnapshotIdentifier: string;
    /** AWS partition for managed policy ARNs (`aws`, `aws-us-gov`, `aws-cn`). */
    readonly partition?: string;
    /** Extra tags. */
    readonly tags?: Record<string, string>;
}

/** Postgres parameters every instance gets: query statistics and TLS-only connections. */
export const postgresParameters = [
    { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
    { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
] as const;

/** RDS identifiers: a letter first, then letters, digits and single hyphens, at most 63 characters. */
export function rdsIdentifier(...parts: string[]): string {
    const id = parts
        .join("-")
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .replace(/-+/g, "-")
        .replace(/^[^a-z]+/, "")
        .replace(/-$/, "");
    return id.slice(0, awsLimits.rds.identifierMaxLength).replace(/-$/, "");
}

/** Problems with the settings, naming the config key and the fix. */
export function postgresAwsProblems(
    args: Pick<PostgresAwsArgs, "environment" | "settings" | "network" | "finalSnapshotIdentifier" | "rotationDays">,
): string[] {
    const out: string[] = [];
    const s = args.settings;
    if (!(postgresMajor(s.engineVersion) >= 16))
        out.push(`data.postgres.engineVersion must be PostgreSQL 16 or later, got ${JSON.stringify(s.engineVersion)}`);
    if (s.maxAllocatedStorage < s.allocatedStorage)
        out.push(
            `data.postgres.maxAllocatedStorage must be at least data.postgres.allocatedStorage (${s.allocatedStorage}), got ${s.maxAllocatedStorage}`,
        );
    if (args.network.privateSubnetIds.length < 2)
        out.push("data.aws.privateSubnetIds must list at least 2 subnets in different AZs (an RDS subnet group needs two)");
    if (!s.skipFinalSnapshot && !/^[a-z]([a-z0-9]|-(?!-)){0,254}$/.test(args.finalSnapshotIdentifier)) {
        out.push(
            `the final snapshot identifier must start with a letter and hold only letters, digits and single hyphens, got ${JSON.stringify(args.finalSnapshotIdentifier)}`,
        );
    }
    // The environment's floors (catalog/guardrails.ts), again: the component may be declared without config.
    const env = args.environment;
    const floor = environmentFloors[env];
    if (s.backupRetentionDays < floor.postgresBackupRetentionDays) {
        out.push(
            `data.postgres.backupRetentionDays must be at least ${floor.postgresBackupRetentionDays} in ${env}, got ${s.backupRetentionDays}`,
        );
    }
    if (floor.postgresMultiAz && !s.multiAz) out.push(`data.postgres.multiAz must be true in ${env}`);
    if (floor.postgresDeletionProtection && !s.deletionProtection) out.push(`data.postgres.deletionProtection must be true in ${env}`);
    if (floor.postgresFinalSnapshot && s.skipFinalSnapshot) out.push(`data.postgres.skipFinalSnapshot must be false in ${env}`);
    out.push(...rotationDaysProblems(args.rotationDays));
    return out;
}

/** Problems with the master password's rotation period (`rotation.databaseRotationDays`), naming the key and the bound. */
export function rotationDaysProblems(days: number): string[] {
    const max = rotationFloors.maxRotationDays;
    return Number.isInteger(days) && days >= 1 && days <= max
        ? []
        : [`rotation.databaseRotationDays must be a whole number of days from 1 to ${max} (SecretsManager.4), got ${days}`];
}

/** Where an instance lives and what protects it: the same for the source and for a restore of it. */
export interface PostgresPlacement {
    readonly environment: Environment;
    readonly settings: PostgresSettings;
    readonly subnetGroupName: pulumi.Input<string>;
    readonly securityGroupId: pulumi.Input<string>;
    readonly parameterGroupName: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly finalSnapshotIdentifier: string;
    readonly monitoringRoleArn?: pulumi.Input<string>;
    readonly region: string;
}

/**
 * The instance settings every Postgres of ours carries, source or point-in-time restore alike:
 * network, encryption, backups, protections, logs, monitoring, and a master password RDS keeps in
 * Secrets Manager under the stack key (no password input: the program never knows it). One function, so a restored
 * instance can never come up with weaker settings than the instance it replaces.
 */
export function protectedInstanceArgs(p: PostgresPlacement): aws.rds.InstanceArgs & { instanceClass: pulumi.Input<string> } {
    const s = p.settings;
    const production = p.environment === "production";
    return {
        instanceClass: s.instanceClass,
        storageType: "gp3",
        maxAllocatedStorage: s.maxAllocatedStorage,
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: p.kmsKeyArn,
        port: postgresPort,
        iamDatabaseAuthenticationEnabled: s.iamDatabaseAuthentication,
        dbSubnetGroupName: p.subnetGroupName,
        vpcSecurityGroupIds: [p.securityGroupId],
        publiclyAccessible: false,
        parameterGroupName: p.parameterGroupName,
        storageEncrypted: true,
        kmsKeyId: p.kmsKeyArn,
        multiAz: s.multiAz,
        backupRetentionPeriod: s.backupRetentionDays,
        backupWindow: "02:00-03:00",
        maintenanceWindow: "sun:03:30-sun:04:30",
        copyTagsToSnapshot: true,
        // Automated backups outlive a deleted production instance, so its PITR window survives too.
        deleteAutomatedBackups: !production,
        deletionProtection: s.deletionProtection,
        skipFinalSnapshot: s.skipFinalSnapshot,
        finalSnapshotIdentifier: s.skipFinalSnapshot ? undefined : p.finalSnapshotIdentifier,
        performanceInsightsEnabled: s.performanceInsights,
        performanceInsightsKmsKeyId: s.performanceInsights ? p.kmsKeyArn : undefined,
        performanceInsightsRetentionPeriod: s.performanceInsights ? awsLimits.rds.performanceInsightsRetentionDays : undefined,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        monitoringInterval: s.monitoringIntervalSeconds,
        monitoringRoleArn: p.monitoringRoleArn,
        autoMinorVersionUpgrade: true,
        region: p.region,
    };
}

/**
 * The secret RDS keeps the master user's `username` and `password` in (`manageMasterUserPassword`).
 * Its name is its ARN: Secrets Manager, IAM and the External Secrets Operator all take the ARN as a key.
 */
export interface MasterSecret extends CredentialsSecret {
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
}

/** The master secret of an instance declared with `protectedInstanceArgs`. */
export function masterSecretOf(instance: aws.rds.Instance, what: string): MasterSecret {
    const arn = instance.masterUserSecrets.apply((secrets) => {
        const found = secrets?.[0]?.secretArn;
        if (found === undefined) {
            throw new pulumi.RunError(
                `RDS reported no master user secret for ${what}: the instance must be declared with manageMasterUserPassword: true (postgresAws.ts protectedInstanceArgs)`,
            );
        }
        return found;
    });
    return { name: arn, arn };
}

/**
 * The master secret's rotation schedule. RDS rotates its own secrets without a Lambda; this sets how
 * often (RDS's default is every 7 days). `rotateImmediately: false`: the new schedule starts from now,
 * instead of changing the password (and rolling every pod) on the update that declares it.
 */
export function rotateMasterSecret(
    name: string,
    args: { readonly secret: MasterSecret; readonly days: number; readonly region: string },
    parent: pulumi.Resource,
): aws.secretsmanager.SecretRotation {
    return new aws.secretsmanager.SecretRotation(
        `${name}-master-rotation`,
        {
            secretId: args.secret.arn,
            rotationRules: { automaticallyAfterDays: args.days },
            rotateImmediately: false,
            region: args.region,
        },
        { parent },
    );
}

export class PostgresAws extends pulumi.ComponentResource implements PostgresConnection {
    readonly url: pulumi.Output<string>;
    readonly directUrl: pulumi.Output<string>;
    readonly instance: aws.rds.Instance;
    readonly securityGroup: aws.ec2.SecurityGroup;
    /** The resolved settings the instance was declared with (alarms size their thresholds from them). */
    readonly settings: PostgresSettings;
    /** Subnet group and parameter group: a point-in-time restore reuses them. */
    readonly subnetGroupName: pulumi.Output<string>;
    readonly parameterGroupName: pulumi.Output<string>;
    /** The secret RDS keeps the master user's credentials in, rotating every `rotationDays`. */
    readonly masterSecret: MasterSecret;
    readonly masterSecretRotation: aws.secretsmanager.SecretRotation;
    /** `rotation.databaseRotationDays`: a restore of this instance rotates its own master secret as often. */
    readonly rotationDays: number;
    /** The enhanced-monitoring role, when monitoring is on: a restore of this instance reuses it. */
    readonly monitoringRoleArn?: pulumi.Output<string>;

    constructor(name: string, args: PostgresAwsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:PostgresAws", name, {}, opts);
        const problems = postgresAwsProblems(args);
        if (problems.length > 0) throw componentError(this, "PostgresAws", name, `${problems.join("; ")}`);

        const s = args.settings;
        this.settings = s;
        const production = args.environment === "production";
        const region = args.network.region;
        const tags = { "grownext.io/database": args.database, ...args.tags };
        const names = postgresNames(args.database);

        const subnets = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            {
                description: `Private subnets of the ${args.database} database`,
                subnetIds: args.network.privateSubnetIds,
                region,
                tags,
            },
            { parent: this },
        );

        const { securityGroup, ingress } = clusterOnlySecurityGroup(
            name,
            {
                what: `PostgreSQL ${args.database}`,
                port: postgresPort,
                vpcId: args.network.vpcId,
                clusterSecurityGroupId: args.network.clusterSecurityGroupId,
                region,
                tags,
            },
            this,
        );
        this.securityGroup = securityGroup;

        const parameters = new aws.rds.ParameterGroup(
            `${name}-params`,
            {
                description: `GrowNext ${args.database}: pg_stat_statements, TLS only`,
                family: postgresParameterFamily(s.engineVersion),
                parameters: postgresParameters.map((p) => ({ ...p })),
                region,
                tags,
            },
            { parent: this },
        );

        this.subnetGroupName = subnets.name;
        this.parameterGroupName = parameters.name;
        this.rotationDays = args.rotationDays;

        let monitoringRoleArn: pulumi.Output<string> | undefined;
        if (s.monitoringIntervalSeconds > 0) {
            const role = new aws.iam.Role(
                `${name}-monitoring`,
                {
                    description: `RDS enhanced monitoring of the ${args.database} database`,
                    assumeRolePolicy: serviceAssumeRolePolicy("monitoring.rds.amazonaws.com"),
                    tags,
                },
                { parent: this },
            );
            const attachment = new aws.iam.RolePolicyAttachment(
                `${name}-monitoring-policy`,
                {
                    role: role.name,
                    policyArn: `arn:${args.partition ?? "aws"}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
                },
                { parent: this },
            );
            monitoringRoleArn = pulumi.all([role.arn, attachment.id]).apply(([arn]) => arn);
        }

        this.monitoringRoleArn = monitoringRoleArn;
        this.instance = new aws.rds.Instance(
            `${name}-instance`,
            {
                ...protectedInstanceArgs({
                    environment: args.environment,
                    settings: s,
                    subnetGroupName: subnets.name,
                    securityGroupId: this.securityGroup.id,
                    parameterGroupName: parameters.name,
                    kmsKeyArn: args.kmsKeyArn,
                    finalSnapshotIdentifier: args.finalSnapshotIdentifier,
                    monitoringRoleArn,
                    region,
                }),
                engine: "postgres",
                engineVersion: s.engineVersion,
                // Minor versions roll in the maintenance window; a major upgrade is an explicit engineVersion change.
                allowMajorVersionUpgrade: true,
                allocatedStorage: s.allocatedStorage,
                dbName: names.database,
                username: names.user,
                // Staging applies changes now; production waits for the maintenance window.
                applyImmediately: !production,
                tags,
            },
            { parent: this, dependsOn: [ingress], ...dataResourceOptions(args.environment) },
        );

        this.masterSecret = masterSecretOf(this.instance, `the ${args.database} database`);
        this.masterSecretRotation = rotateMasterSecret(name, { secret: this.masterSecret, days: args.rotationDays, region }, this);

        // No password: the External Secrets Operator fills user and password in from the master secret.
        this.url = pulumi.secret(
            pulumi
                .all([this.instance.address, this.instance.port])
                .apply(([host, port]) =>
                    postgresUrl({ user: names.user, password: "", host, port, database: names.database, sslmode: "require" }),
                ),
        );
        // No pooler in front of RDS: the direct URL is the same URL (docs/data-tier.md).
        this.directUrl = this.url;
        this.registerOutputs({ instance: this.instance.id, url: this.url });
    }
}
