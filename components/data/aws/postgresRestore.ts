/**
 * A point-in-time restore of one database as a NEW RDS instance (`data.restore.<database>`): RDS
 * replays the protected source's backups up to `restoreTime` (or the latest restorable time) into
 * `<project>-<stack>-<database>-restore`, in the source's subnets, security group and parameter group,
 * under the stack key, with the source's settings and protections. The data tier then hands this
 * instance's connection values to the processes instead of the source's, so `pulumi preview` shows the
 * new instance and every process's secret changing; the source is neither modified nor replaced.
 *
 * The restored instance is protected in production like the source: restoring again to another time
 * means first deciding what becomes of this one (docs/operations.md: the restore runbook).
 *
 * It has a master secret of its own: RDS creates a new managed secret (new password, same master user)
 * for the restored instance under the stack key, rotated on the source's schedule. The data tier hands
 * that secret to whatever reads the serving instance's credentials (the External Secrets Operator, RDS
 * Proxy), so the processes connect with it; the source's secret keeps rotating for the source.
 */
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PostgresSettings } from "../../../config/data";
import type { RestoreConfig } from "../../../config/recovery";
import type { Environment } from "../../../config/schema";
import {
    dataResourceOptions,
    postgresNames,
    postgresPort,
    postgresUrl,
    type DatabaseName,
    type PostgresConnection,
} from "../../../wiring/dataContract";
import { masterSecretOf, protectedInstanceArgs, rdsIdentifier, rotateMasterSecret, type MasterSecret } from "./postgresAws";

/** What the restore needs of the source: its instance and what it was declared with. */
export interface RestoreSource {
    readonly instance: aws.rds.Instance;
    readonly settings: PostgresSettings;
    readonly subnetGroupName: pulumi.Input<string>;
    readonly parameterGroupName: pulumi.Input<string>;
    readonly securityGroupId: pulumi.Input<string>;
    readonly monitoringRoleArn?: pulumi.Input<string>;
    /** `rotation.databaseRotationDays`: the restore's master secret rotates as often as the source's. */
    readonly rotationDays: number;
}

export interface PostgresRestoreArgs {
    /** The stack's environment: production protects the restored instance like the source. */
    readonly environment: Environment;
    /** `<project>` and `<stack>`, for the new instance's identifier. */
    readonly project: string;
    readonly stack: string;
    /** Which database is restored. */
    readonly database: DatabaseName;
    /** The point in time (`data.restore.<database>`). */
    readonly restore: RestoreConfig;
    /** The protected source instance. */
    readonly source: RestoreSource;
    /** ARN of the stack's KMS key. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Region of the source. */
    readonly region: string;
}

/** The restore plan as data: the new identifier and the `restoreToPointInTime` block. */
export function restorePlan(
    args: Pick<PostgresRestoreArgs, "project" | "stack" | "database" | "restore">,
    sourceIdentifier: pulumi.Input<string>,
): {
    identifier: string;
    finalSnapshotIdentifier: string;
    restoreToPointInTime: aws.types.input.rds.InstanceRestoreToPointInTime;
} {
    const r = args.restore;
    if ((r.restoreTime === undefined) === (r.useLatestRestorableTime !== true)) {
        throw new pulumi.RunError(`data.restore.${args.database} must set exactly one of restoreTime or useLatestRestorableTime: true`);
    }
    return {
        identifier: rdsIdentifier(args.project, args.stack, args.database, "restore"),
        finalSnapshotIdentifier: rdsIdentifier(args.project, args.stack, args.database, "restore", "final"),
        restoreToPointInTime:
            r.restoreTime !== undefined
                ? { sourceDbInstanceIdentifier: sourceIdentifier, restoreTime: r.restoreTime }
                : { sourceDbInstanceIdentifier: sourceIdentifier, useLatestRestorableTime: true },
    };
}

export class PostgresRestore extends pulumi.ComponentResource implements PostgresConnection {
    readonly url: pulumi.Output<string>;
    readonly directUrl: pulumi.Output<string>;
    readonly instance: aws.rds.Instance;
    readonly settings: PostgresSettings;
    /** The restored instance's own master secret (not the source's), rotating on the source's schedule. */
    readonly masterSecret: MasterSecret;
    readonly masterSecretRotation: aws.secretsmanager.SecretRotation;

    constructor(name: string, args: PostgresRestoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:PostgresRestore", name, {}, opts);
        const s = args.source.settings;
        this.settings = s;
        const plan = restorePlan(args, args.source.instance.identifier);
        const names = postgresNames(args.database);

        this.instance = new aws.rds.Instance(
            `${name}-instance`,
            {
                ...protectedInstanceArgs({
                    environment: args.environment,
                    settings: s,
                    subnetGroupName: args.source.subnetGroupName,
                    securityGroupId: args.source.securityGroupId,
                    parameterGroupName: args.source.parameterGroupName,
                    kmsKeyArn: args.kmsKeyArn,
                    finalSnapshotIdentifier: plan.finalSnapshotIdentifier,
                    monitoringRoleArn: args.source.monitoringRoleArn,
                    region: args.region,
                }),
                identifier: plan.identifier,
                // Engine, version, database and master user come from the source's backups.
                restoreToPointInTime: plan.restoreToPointInTime,
                // A restore is an incident action: its settings apply now, not in the next maintenance window.
                applyImmediately: true,
                tags: {
                    "grownext.io/database": args.database,
                    "grownext.io/restored-to": args.restore.restoreTime ?? "latest-restorable-time",
                },
            },
            { parent: this, ...dataResourceOptions(args.environment) },
        );

        this.masterSecret = masterSecretOf(this.instance, `the ${args.database} database's restore`);
        this.masterSecretRotation = rotateMasterSecret(
            name,
            { secret: this.masterSecret, days: args.source.rotationDays, region: args.region },
            this,
        );

        // No password, as for the source: the External Secrets Operator fills it in from the restore's master secret.
        this.url = pulumi.secret(
            pulumi.all([this.instance.address, this.instance.port]).apply(([host, port]) =>
                postgresUrl({
                    user: names.user,
                    password: "",
                    host,
                    port: port ?? postgresPort,
                    database: names.database,
                    sslmode: "require",
                }),
            ),
        );
        this.directUrl = this.url;
        this.registerOutputs({ instance: this.instance.id, url: this.url });
    }
}
