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
 * Each process connects as its instance's master user, which owns only that one database. Narrower
 * roles (read-only, migration-only) need SQL inside the database: a later step.
 */
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AwsNetworkConfig, PostgresSettings } from "../../../config/data";
import { postgresMajor, postgresParameterFamily } from "../../../config/data";
import { awsLimits, environmentFloors, type Environment } from "../../../catalog/guardrails";
import { clusterOnlySecurityGroup } from "./clusterOnlySecurityGroup";
import {
    dataResourceOptions,
    postgresNames,
    postgresPort,
    postgresUrl,
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
    /** ARN of the stack's KMS key: storage and Performance Insights are encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
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
    args: Pick<PostgresAwsArgs, "environment" | "settings" | "network" | "finalSnapshotIdentifier">,
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
    return out;
}

/** Where an instance lives and what protects it: the same for the source and for a restore of it. */
export interface PostgresPlacement {
    readonly environment: Environment;
    readonly settings: PostgresSettings;
    readonly subnetGroupName: pulumi.Input<string>;
    readonly securityGroupId: pulumi.Input<string>;
    readonly parameterGroupName: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly finalSnapshotIdentifier: string;
    readonly monitoringRoleArn?: pulumi.Input<string>;
    readonly region: string;
}

/**
 * The instance settings every Postgres of ours carries, source or point-in-time restore alike:
 * network, encryption, backups, protections, logs and monitoring. One function, so a restored
 * instance can never come up with weaker settings than the instance it replaces.
 */
export function protectedInstanceArgs(p: PostgresPlacement): aws.rds.InstanceArgs & { instanceClass: pulumi.Input<string> } {
    const s = p.settings;
    const production = p.environment === "production";
    return {
        instanceClass: s.instanceClass,
        storageType: "gp3",
        maxAllocatedStorage: s.maxAllocatedStorage,
        password: p.password,
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

export class PostgresAws extends pulumi.ComponentResource implements PostgresConnection {
    readonly url: pulumi.Output<string>;
    readonly directUrl: pulumi.Output<string>;
    readonly instance: aws.rds.Instance;
    readonly securityGroup: aws.ec2.SecurityGroup;
    /** The resolved settings the instance was declared with (alarms size their thresholds from them). */
    readonly settings: PostgresSettings;
    /** Subnet group, parameter group and master password: a point-in-time restore reuses them. */
    readonly subnetGroupName: pulumi.Output<string>;
    readonly parameterGroupName: pulumi.Output<string>;
    readonly password: pulumi.Output<string>;
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

        // URL-safe specials only (RDS also refuses / @ " and spaces), so the password needs no encoding.
        const password = new random.RandomPassword(
            `${name}-password`,
            {
                length: 40,
                special: true,
                overrideSpecial: "-_.~",
                minLower: 2,
                minUpper: 2,
                minNumeric: 2,
                keepers: { version: String(s.passwordVersion) },
            },
            { parent: this },
        );
        const secretPassword = pulumi.secret(password.result);

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
        this.password = secretPassword;

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
                    password: secretPassword,
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

        this.url = pulumi.secret(
            pulumi
                .all([this.instance.address, this.instance.port, secretPassword])
                .apply(([host, port, pw]) =>
                    postgresUrl({ user: names.user, password: pw, host, port, database: names.database, sslmode: "require" }),
                ),
        );
        // No pooler in front of RDS: the direct URL is the same URL (docs/data-tier.md).
        this.directUrl = this.url;
        this.registerOutputs({ instance: this.instance.id, url: this.url });
    }
}
