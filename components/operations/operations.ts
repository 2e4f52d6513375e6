/**
 * Day-2 operations of an AWS stack: the alert route, alarms on every managed store, RDS event
 * subscriptions, Route 53 health checks on the public endpoints and the queue heartbeat, and a
 * dashboard of the same signals. Everything routes to the alert route; every number comes from
 * config/monitoring.ts.
 */
import * as aws from "../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PostgresSettings } from "../../config/data";
import type { PlatformConfig } from "../../config/load";
import { resolveThresholds } from "../../config/monitoring";
import { AlertRoute } from "./alertRoute";
import type { DatabaseName } from "../../wiring/dataContract";
import { HealthChecks, healthCheckMetricsRegion, healthCheckTargets } from "./healthChecks";
import { OperationsDashboard, type DashboardSection } from "./operationsDashboard";
import { PostgresMonitoring } from "./postgresMonitoring";
import type { PostgresAws } from "../data/aws/postgresAws";
import type { PostgresRestore } from "../data/aws/postgresRestore";
import type { RedisAws } from "../data/aws/redisAws";
import { redisTopology } from "../data/aws/redisAws";
import { RedisMonitoring } from "./redisMonitoring";
import { StackKey, stackKeyAliasName } from "../data/aws/stackKey";

/** An RDS instance the processes use (a source, or a point-in-time restore serving instead of it). */
export interface WatchedDatabase {
    /** Label in names: `app`, `identity`, `app-restore`. */
    readonly label: string;
    readonly database: DatabaseName;
    readonly instance: aws.rds.Instance;
    readonly settings: Pick<PostgresSettings, "instanceClass" | "allocatedStorage">;
}

/** The instances to watch: every source, and every point-in-time restore serving instead of one. */
export function watchedDatabases(
    postgres: Readonly<Record<DatabaseName, Pick<PostgresAws, "instance" | "settings">>>,
    restored: Readonly<Partial<Record<DatabaseName, Pick<PostgresRestore, "instance" | "settings">>>> = {},
): WatchedDatabase[] {
    const sources = (Object.entries(postgres) as Array<[DatabaseName, Pick<PostgresAws, "instance" | "settings">]>).map(
        ([database, pg]) => ({ label: database, database, instance: pg.instance, settings: pg.settings }),
    );
    const restores = (
        Object.entries(restored) as Array<[DatabaseName, Pick<PostgresRestore, "instance" | "settings"> | undefined]>
    ).flatMap(([database, pg]) => (pg ? [{ label: `${database}-restore`, database, instance: pg.instance, settings: pg.settings }] : []));
    return [...sources, ...restores];
}

export interface OperationsArgs {
    /** Validated stack config (holds credentials: never passed to super). */
    readonly config: PlatformConfig;
    /** The stack's KMS key: the alert route is encrypted with it. */
    readonly key: StackKey;
    /** The RDS instances to watch. */
    readonly databases: readonly WatchedDatabase[];
    /** The queue's ElastiCache group and its settings. */
    readonly redis: Pick<RedisAws, "replicationGroup">;
    /** The cache's ElastiCache group (same topology as the queue's); watched for its hit rate. */
    readonly cache?: Pick<RedisAws, "replicationGroup">;
    /** Whether the Redis group runs replicas (`data.redis.multiAz`). */
    readonly redisMultiAz: boolean;
}

export class Operations extends pulumi.ComponentResource {
    readonly alertRoute: AlertRoute;
    /** The route in us-east-1 for health-check alarms (the same as alertRoute when the stack is there). */
    readonly healthAlertRoute: AlertRoute;
    readonly postgres: PostgresMonitoring[];
    readonly redis: RedisMonitoring;
    readonly cache?: RedisMonitoring;
    readonly healthChecks: HealthChecks;
    readonly dashboard: OperationsDashboard;

    constructor(name: string, args: OperationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:operations:Operations", name, {}, opts);
        const cfg = args.config;
        const network = cfg.data.aws;
        if (network === undefined) throw new pulumi.RunError("data.aws is required for day-2 operations: they watch the AWS data stores");
        const region = network.region;
        const prefix = stackKeyAliasName(cfg.project, cfg.stack);
        const t = resolveThresholds(cfg.environment, cfg.monitoring);
        const child = { parent: this };
        const subscribers = { emails: cfg.monitoring.alertEmails, httpsEndpoints: cfg.secrets.alertHttpsEndpoints };

        this.alertRoute = new AlertRoute(
            `${name}-alerts`,
            { topicName: `${prefix}-alerts`, kmsKeyArn: args.key.arn, region, ...subscribers },
            child,
        );
        const topicArn = this.alertRoute.topicArn;

        this.postgres = args.databases.map(
            (db) =>
                new PostgresMonitoring(
                    `${name}-postgres-${db.label}`,
                    {
                        database: db.label,
                        instanceIdentifier: db.instance.identifier,
                        instanceClass: db.settings.instanceClass,
                        allocatedStorage: db.settings.allocatedStorage,
                        maxConnections: cfg.monitoring.postgresMaxConnections,
                        thresholds: t,
                        topicArn,
                        namePrefix: prefix,
                        region,
                    },
                    child,
                ),
        );

        const nodeCount = redisTopology({ multiAz: args.redisMultiAz }).numCacheClusters;
        this.redis = new RedisMonitoring(
            `${name}-redis`,
            {
                role: "queue",
                replicationGroupId: args.redis.replicationGroup.id,
                nodeCount,
                thresholds: t,
                topicArn,
                namePrefix: prefix,
                region,
            },
            child,
        );
        this.cache =
            args.cache &&
            new RedisMonitoring(
                `${name}-cache`,
                {
                    role: "cache",
                    replicationGroupId: args.cache.replicationGroup.id,
                    nodeCount,
                    thresholds: t,
                    topicArn,
                    namePrefix: prefix,
                    region,
                },
                child,
            );

        // Route 53 metrics exist only in us-east-1, and an alarm can only notify a topic in its own region.
        const usEast1 = new aws.Provider(
            `${name}-aws-${healthCheckMetricsRegion}`,
            {
                region: healthCheckMetricsRegion,
                defaultTags: { tags: { project: cfg.project, stack: cfg.stack, "managed-by": "pulumi" } },
            },
            child,
        );
        if (region === healthCheckMetricsRegion) {
            this.healthAlertRoute = this.alertRoute;
        } else {
            const key = new StackKey(
                `${name}-key-${healthCheckMetricsRegion}`,
                {
                    environment: cfg.environment,
                    aliasName: `${prefix}-alerts-${healthCheckMetricsRegion}`,
                    region: healthCheckMetricsRegion,
                },
                { parent: this, provider: usEast1 },
            );
            this.healthAlertRoute = new AlertRoute(
                `${name}-alerts-${healthCheckMetricsRegion}`,
                {
                    topicName: `${prefix}-alerts`,
                    kmsKeyArn: key.arn,
                    region: healthCheckMetricsRegion,
                    ...subscribers,
                },
                { parent: this, provider: usEast1 },
            );
        }
        const targets = healthCheckTargets(
            cfg.services.map((s) => s.spec),
            cfg.domain,
            cfg.monitoring.healthCheckSearchStrings,
        );
        this.healthChecks = new HealthChecks(
            `${name}-health`,
            {
                targets,
                thresholds: t,
                topicArn: this.healthAlertRoute.topicArn,
                namePrefix: prefix,
                usEast1,
            },
            child,
        );

        const sections: DashboardSection[] = [
            ...this.postgres.map((m, i) => ({ title: `Postgres ${args.databases[i]!.label}`, region, specs: m.specs })),
            { title: "Queue Redis", region, specs: this.redis.specs },
            ...(this.cache ? [{ title: "Cache Redis", region, specs: this.cache.specs }] : []),
            { title: "Health checks (Route 53, us-east-1)", region: healthCheckMetricsRegion, specs: this.healthChecks.specs },
        ];
        this.dashboard = new OperationsDashboard(`${name}-dashboard`, { dashboardName: prefix, sections, region }, child);

        this.registerOutputs({ alertTopic: topicArn });
    }
}
