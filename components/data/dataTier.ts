/**
 * The data tier of one stack: Postgres (an `app` database, which is also the tasks database, and an
 * `identity` database), the queue's Redis and the cache's Redis (two instances, so flushing or
 * evicting the cache never touches a queued job), the migrations that gate each database's processes and,
 * on AWS, the stack's rotating KMS key.
 *
 *  - `data.provider: aws` (staging, production): StackKey, one RDS instance per database
 *    (postgresAws.ts explains why), ElastiCache; nothing runs in the cluster but the migrations.
 *  - `data.provider: inCluster` (local): the same shape as StatefulSets; no AWS resource at all,
 *    so the local stack needs neither an AWS account nor the AWS plugin.
 * Either way `env` has every `data` ref of the env matrix, each a secret Output.
 */
import * as aws from "../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import { resolveDataSettings } from "../../config/data";
import { resolveProxySettings } from "../../config/proxy";
import type { PlatformConfig } from "../../config/load";
import {
    dataEnvKeys,
    postgresNames,
    postgresPort,
    type BorrowedValue,
    type CredentialsSecret,
    redisPort,
    type DatabaseName,
    type DataEnvKey,
    type DataTierOutputs,
    type PostgresConnection,
    type RedisConnection,
    type StackKeyOutputs,
} from "../../wiring/dataContract";
import type { DataStoreName } from "../../catalog/network";
import { Migrations, type MigrationSpec } from "../workloads/migrations";
import { rolesOwner } from "../workloads/databaseRoles";
import type { StoreEndpoint } from "../workloads/networkPolicies";
import { PostgresAws, rdsIdentifier, type MasterSecret } from "./aws/postgresAws";
import { PostgresInCluster } from "./inCluster/postgresInCluster";
import { PostgresProxy } from "./aws/postgresProxy";
import { PostgresRestore } from "./aws/postgresRestore";
import { RedisAws } from "./aws/redisAws";
import { RedisInCluster } from "./inCluster/redisInCluster";
import { arnPartition } from "../../wiring/providers";
import { StackKey, stackKeyAliasName } from "./aws/stackKey";
import { DatabaseCredentials } from "./aws/databaseCredentials";
import { JwtSigningKey, type JwtSeed } from "./aws/jwtSigningKey";
import { databaseRoles, type DatabaseRole } from "../../catalog/databaseRoles";

/** What the data tier reads of the stack config: its tier, names, data settings, migrations, rotation and processes; no credential. */
export type DataTierConfig = Pick<PlatformConfig, "environment" | "project" | "stack" | "data" | "images" | "migrations" | "rotation"> &
    Partial<Pick<PlatformConfig, "services">>;

export interface DataTierArgs {
    /** The parts of the validated stack config the data tier reads (plain object; never passed to `super`). */
    readonly config: DataTierConfig;
    /** Namespace of the in-cluster data stores and the migration Jobs. */
    readonly namespace: pulumi.Input<string>;
    /** AWS stacks: the migration Secrets come from the External Secrets Operator once these are ready. */
    readonly migrationSecretsSyncedBy?: pulumi.Input<pulumi.Resource[]>;
    /**
     * AWS stacks: the JWT signing key's first version (`identityJwtPrivateKey`, a secret, and the public
     * keys from config); unset, the stack has no signing key secret. The only credential the tier is given.
     */
    readonly jwtSeed?: pulumi.Input<JwtSeed>;
}

/** The env-matrix refs from the two databases and the two Redis: `app` serves web, workers and tasks. */
export function dataEnv(
    app: PostgresConnection,
    identity: PostgresConnection,
    redis: RedisConnection,
    cache: Pick<RedisConnection, "url">,
): Record<DataEnvKey, pulumi.Output<string>> {
    const env: Record<DataEnvKey, pulumi.Output<string>> = {
        appDatabaseUrl: app.url,
        identityDatabaseUrl: identity.url,
        tasksDatabaseUrl: app.url,
        tasksDatabaseDirectUrl: app.directUrl,
        redisUrl: redis.url,
        redisHost: redis.host,
        redisPort: redis.port,
        redisPassword: redis.password,
        redisTls: redis.tls,
        cacheRedisUrl: cache.url,
    };
    // Every ref is a secret, whatever the component produced it.
    for (const key of dataEnvKeys) env[key] = pulumi.secret(env[key]);
    return env;
}

/** The migration of each database: which image and command, from `images.*` and `migrations.*`. */
export function migrationPlan(
    cfg: Pick<PlatformConfig, "images" | "migrations">,
): Array<{ database: DatabaseName; image: string; command: readonly string[] }> {
    const image = (name: string) => {
        const ref = cfg.images[name];
        if (ref === undefined)
            throw new pulumi.RunError(
                `images.${name} is required: the ${name} image runs its database migrations (example: ghcr.io/grownext/${name}:1.4.2)`,
            );
        return ref;
    };
    return [
        { database: "app", image: image("app"), command: cfg.migrations.app },
        { database: "identity", image: image("identity"), command: cfg.migrations.identity },
    ];
}

export class DataTier extends pulumi.ComponentResource implements DataTierOutputs {
    readonly env: Readonly<Record<DataEnvKey, pulumi.Output<string>>>;
    readonly kmsKey?: StackKeyOutputs;
    readonly secretManagerProvider?: string;
    readonly migrations: Migrations;
    /** The URL each database's migrations connect with (the direct one, past any pooler). */
    readonly migrationUrls: Readonly<Record<DatabaseName, pulumi.Output<string>>>;
    /** The managed stores and the stack key (AWS stacks), for the day-2 operations component. */
    readonly aws?: {
        readonly key: StackKey;
        readonly postgres: Readonly<Record<DatabaseName, PostgresAws>>;
        /** Point-in-time restores serving instead of their source (`data.restore`). */
        readonly restored: Readonly<Partial<Record<DatabaseName, PostgresRestore>>>;
        readonly redis: RedisAws;
        /** The cache's group (evicting); watched for hit rate, not for filling up. */
        readonly cache: RedisAws;
    };
    /** Where each store listens, for the NetworkPolicies (components/workloads/networkPolicies.ts). */
    readonly stores: Readonly<Record<DataStoreName, StoreEndpoint>>;
    /** AWS stacks: the master secret of the instance serving each database (a restore's when one serves). */
    private readonly masterSecrets?: Readonly<Record<DatabaseName, MasterSecret>>;
    /** The stack's processes' own database roles (catalog/databaseRoles.ts); AWS stacks only, empty in-cluster. */
    readonly roles: readonly DatabaseRole[];
    /** AWS stacks: each process's own rotating credentials secret per database (databaseCredentials.ts). */
    readonly credentials?: DatabaseCredentials;
    /** AWS stacks: the refs read from the Redis auth tokens' secrets (redisAuthToken.ts), which rotate by themselves. */
    private readonly borrowedRefs: Partial<Record<DataEnvKey, BorrowedValue>> = {};
    /** AWS stacks with `identityJwtPrivateKey`: identity's JWT signing keys, rotated by a function of our own. */
    readonly jwtSigningKey?: JwtSigningKey;

    constructor(name: string, args: DataTierArgs, opts?: pulumi.ComponentResourceOptions) {
        // Nothing of the config is passed to super. The providers (the cluster's, and the AWS account's
        // on AWS stacks) come through opts, and every child inherits them.
        super("grownext:data:DataTier", name, {}, opts);
        const cfg = args.config;
        const settings = resolveDataSettings(cfg.environment, cfg.data);
        const plan = migrationPlan(cfg);
        const child = { parent: this };

        let app: PostgresConnection;
        let identity: PostgresConnection;
        let redis: RedisConnection;
        let cache: RedisConnection;
        const waitFor: Partial<Record<DatabaseName, pulumi.Resource[]>> = {};
        let stores: Record<DataStoreName, StoreEndpoint>;
        let roles: DatabaseRole[] = [];

        if (cfg.data.provider === "aws") {
            const network = cfg.data.aws;
            if (network === undefined) {
                throw new pulumi.RunError(
                    "data.aws is required when data.provider is aws: region, vpcId, privateSubnetIds, clusterSecurityGroupId, clusterOidcProviderArn",
                );
            }
            const key = new StackKey(
                `${name}-key`,
                {
                    environment: cfg.environment,
                    aliasName: stackKeyAliasName(cfg.project, cfg.stack),
                    rotationPeriodInDays: settings.kms.rotationPeriodDays,
                    deletionWindowInDays: settings.kms.deletionWindowDays,
                    region: network.region,
                },
                child,
            );
            this.kmsKey = key;
            this.secretManagerProvider = "aws";
            const partition = arnPartition(network.clusterOidcProviderArn);
            const postgres = (database: DatabaseName) =>
                new PostgresAws(
                    `${name}-postgres-${database}`,
                    {
                        environment: cfg.environment,
                        database,
                        settings: settings.postgres,
                        network,
                        kmsKeyArn: key.arn,
                        finalSnapshotIdentifier: rdsIdentifier(cfg.project, cfg.stack, database, "final"),
                        rotationDays: cfg.rotation.databaseRotationDays,
                        partition,
                    },
                    child,
                );
            const appDb = postgres("app");
            const identityDb = postgres("identity");
            // A point-in-time restore (data.restore.<database>) serves instead of its untouched source.
            const restored: Partial<Record<DatabaseName, PostgresRestore>> = {};
            const serving = (database: DatabaseName, source: PostgresAws): PostgresConnection => {
                const restore = cfg.data.restore?.[database];
                if (restore === undefined) return source;
                return (restored[database] = new PostgresRestore(
                    `${name}-postgres-${database}-restore`,
                    {
                        environment: cfg.environment,
                        project: cfg.project,
                        stack: cfg.stack,
                        database,
                        restore,
                        source: { ...source, securityGroupId: source.securityGroup.id },
                        kmsKeyArn: key.arn,
                        region: network.region,
                    },
                    child,
                ));
            };
            app = serving("app", appDb);
            identity = serving("identity", identityDb);
            const masterSecrets: Record<DatabaseName, MasterSecret> = {
                app: (restored.app ?? appDb).masterSecret,
                identity: (restored.identity ?? identityDb).masterSecret,
            };
            this.masterSecrets = masterSecrets;
            // Each process logs in as its own role, with a rotating secret of its own (never the master user).
            roles = databaseRoles((cfg.services ?? []).map((s) => s.spec));
            const servingInstance = (database: DatabaseName) =>
                (restored[database] ?? { app: appDb, identity: identityDb }[database]).instance;
            const credentials = new DatabaseCredentials(
                `${name}-credentials`,
                {
                    environment: cfg.environment,
                    project: cfg.project,
                    stack: cfg.stack,
                    network,
                    kmsKeyArn: key.arn,
                    roles,
                    rotationDays: cfg.rotation.databaseRotationDays,
                    databases: (["app", "identity"] as const).map((database) => ({
                        database,
                        host: servingInstance(database).address,
                        dbname: postgresNames(database).database,
                        // The serving instance's RDS-managed master secret: the function creates the clone users with it.
                        masterSecretArn: masterSecrets[database].arn,
                        instanceSecurityGroupId: { app: appDb, identity: identityDb }[database].securityGroup.id,
                    })),
                },
                child,
            );
            this.credentials = credentials;
            // RDS Proxy (data.postgres.proxy): the processes' URL goes through it, migrations' stays direct.
            const proxySettings = resolveProxySettings(cfg.environment, cfg.data);
            if (proxySettings !== undefined) {
                const instance = restored.app?.instance ?? appDb.instance;
                app = new PostgresProxy(
                    `${name}-postgres-app-proxy`,
                    {
                        database: "app",
                        settings: proxySettings,
                        network,
                        target: {
                            instanceIdentifier: instance.identifier,
                            securityGroupId: appDb.securityGroup.id,
                            directUrl: app.directUrl,
                        },
                        userSecretArns: credentials.secretArns("app"),
                        kmsKeyArn: key.arn,
                    },
                    child,
                );
            }
            const tokenRotation = { project: cfg.project, stack: cfg.stack, rotationDays: cfg.rotation.redisRotationDays };
            const redisAws = new RedisAws(
                `${name}-redis`,
                {
                    role: "queue",
                    environment: cfg.environment,
                    tokenRotation,
                    settings: settings.redis,
                    network,
                    kmsKeyArn: key.arn,
                    finalSnapshotIdentifier: rdsIdentifier(cfg.project, cfg.stack, "queue", "final"),
                },
                child,
            );
            redis = redisAws;
            // Same node type, engine and failover as the queue; the role sets eviction and snapshots.
            const cacheAws = new RedisAws(
                `${name}-cache`,
                {
                    role: "cache",
                    environment: cfg.environment,
                    tokenRotation,
                    settings: settings.redis,
                    network,
                    kmsKeyArn: key.arn,
                },
                child,
            );
            cache = cacheAws;
            const password = (r: RedisAws) => ({ secret: r.tokenSecret, property: "password" });
            this.borrowedRefs = {
                redisUrl: { url: { password: password(redisAws) } },
                redisPassword: { value: password(redisAws) },
                cacheRedisUrl: { url: { password: password(cacheAws) } },
            };
            // identity's signing key: seeded from config once, then rotated every rotation.jwtRotationDays.
            if (args.jwtSeed !== undefined) {
                this.jwtSigningKey = new JwtSigningKey(
                    `${name}-identity-jwt`,
                    {
                        environment: cfg.environment,
                        project: cfg.project,
                        stack: cfg.stack,
                        region: network.region,
                        kmsKeyArn: key.arn,
                        seed: args.jwtSeed,
                        rotationDays: cfg.rotation.jwtRotationDays,
                    },
                    child,
                );
            }
            this.aws = { key, postgres: { app: appDb, identity: identityDb }, restored, redis: redisAws, cache: cacheAws };
            // RDS and ElastiCache live in the private subnets: pods reach them by those subnets' CIDRs.
            const cidrs = network.privateSubnetIds.map((id) => aws.ec2.getSubnetOutput({ id }, { parent: this }).cidrBlock);
            const inSubnets = (port: number): StoreEndpoint => ({ port, location: { kind: "cidrs", cidrs } });
            stores = {
                app: inSubnets(postgresPort),
                identity: inSubnets(postgresPort),
                queue: inSubnets(redisPort),
                cache: inSubnets(redisPort),
            };
        } else {
            const postgres = (database: DatabaseName) =>
                new PostgresInCluster(
                    `${name}-postgres-${database}`,
                    {
                        database,
                        namespace: args.namespace,
                        settings: settings.inCluster,
                    },
                    child,
                );
            const appDb = postgres("app");
            const identityDb = postgres("identity");
            app = appDb;
            identity = identityDb;
            // The URL names a Service that exists before Postgres answers: wait for the StatefulSet.
            waitFor.app = [appDb.statefulSet];
            waitFor.identity = [identityDb.statefulSet];
            const inClusterRedis = (role: "queue" | "cache", component: string) =>
                new RedisInCluster(
                    `${name}-${component}`,
                    {
                        role,
                        namespace: args.namespace,
                        settings: settings.inCluster,
                        maxmemory: settings.redis.maxmemory,
                        passwordVersion: settings.redis.authTokenVersion,
                    },
                    child,
                );
            const queue = inClusterRedis("queue", "redis");
            const cacheInCluster = inClusterRedis("cache", "cache");
            redis = queue;
            cache = cacheInCluster;
            const pods = (port: number, podSelector: Readonly<Record<string, string>>): StoreEndpoint => ({
                port,
                location: { kind: "pods", podSelector },
            });
            stores = {
                app: pods(postgresPort, appDb.podSelector),
                identity: pods(postgresPort, identityDb.podSelector),
                queue: pods(redisPort, queue.podSelector),
                cache: pods(redisPort, cacheInCluster.podSelector),
            };
        }
        this.stores = stores;
        this.roles = roles;

        this.env = dataEnv(app, identity, redis, cache);
        const urls: Record<DatabaseName, pulumi.Output<string>> = { app: app.directUrl, identity: identity.directUrl };
        this.migrationUrls = urls;
        this.migrations = new Migrations(
            `${name}-migrations`,
            {
                namespace: args.namespace,
                timeoutSeconds: cfg.migrations.timeoutSeconds,
                psqlImage: settings.inCluster.postgresImage,
                syncedSecrets: args.migrationSecretsSyncedBy === undefined ? undefined : { syncedBy: args.migrationSecretsSyncedBy },
                migrations: plan.map((m): MigrationSpec => ({ ...m, databaseUrl: urls[m.database], dependsOn: waitFor[m.database] })),
            },
            child,
        );

        this.registerOutputs({ secretManagerProvider: this.secretManagerProvider, kmsKey: this.kmsKey?.arn });
    }

    migrationGate(database: DatabaseName): pulumi.Resource | undefined {
        return this.migrations.job(database);
    }

    /**
     * The secret a connection URL of `owner` (a process, or `migrate-<database>`/`roles-<database>`)
     * takes its user and password from on AWS: a process's own rotating credentials secret
     * (databaseCredentials.ts), else (the migrations, the roles Job) the serving instance's master
     * secret. Undefined in-cluster, where the URLs carry their credentials.
     */
    borrowedRef(ref: DataEnvKey): BorrowedValue | undefined {
        return this.borrowedRefs[ref];
    }

    databaseCredentials(owner: string, database: DatabaseName): CredentialsSecret | undefined {
        // Only the schema's owners get the master secret; a process gets its own role's, or none.
        if (owner === `migrate-${database}` || owner === rolesOwner(database)) return this.masterSecrets?.[database];
        return this.credentials?.secret(owner, database);
    }
}
