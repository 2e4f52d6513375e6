/**
 * A Redis on ElastiCache (Valkey by default, Redis OSS 7 on request), in one of two roles: the
 * `queue` runs `noeviction` (BullMQ loses jobs under any evicting policy) and keeps daily snapshots;
 * the `cache` evicts (config/defaults.ts `redisMaxmemoryPolicy`) and keeps none, since it is rebuilt.
 * Both: TLS with an auth token, encrypted at rest with the stack's key, reachable only from the
 * cluster through a security group of their own, tagged with their role (`grownext.io/redis-role`,
 * which the redis-noeviction policy reads); production runs a replica in a second AZ with automatic
 * failover.
 *
 * The auth token rotates by itself (redisAuthToken.ts, a child): the group is created with a generated
 * token, which becomes the first version of its Secrets Manager secret; after that the rotation
 * function changes it, and the group ignores `authToken` so `pulumi up` never sets an old one back.
 */
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labelKeys } from "../../../catalog/labels";
import type { RedisRole } from "../../../catalog/network";
import { elasticacheParameterFamily, type AwsNetworkConfig, type RedisSettings } from "../../../config/data";
import { awsLimits, environmentFloors, type Environment } from "../../../catalog/guardrails";
import { redisMaxmemoryPolicy, redisPersistent } from "../../../config/defaults";
import { clusterOnlySecurityGroup } from "./clusterOnlySecurityGroup";
import { dataResourceOptions, redisPort, redisUrl, type CredentialsSecret, type RedisConnection } from "../../../wiring/dataContract";
import { componentError } from "../../../config/errors";
import { RedisAuthToken } from "./redisAuthToken";

export interface RedisAwsArgs {
    /** What it is for: `queue` (noeviction, snapshots) or `cache` (evicting, no snapshots). */
    readonly role: RedisRole;
    /** The stack's environment; production protects the group and requires failover and multi-AZ. */
    readonly environment: Environment;
    /** `project` and `stack` (the token's secret and rotation function are named after them) and `rotation.redisRotationDays`. */
    readonly tokenRotation: { readonly project: string; readonly stack: string; readonly rotationDays: number };
    /** Resolved `data.redis` settings (config/data.ts `resolveDataSettings`). */
    readonly settings: RedisSettings;
    /** VPC, private subnets, the cluster's security group and the region (`data.aws`). */
    readonly network: Pick<AwsNetworkConfig, "region" | "vpcId" | "privateSubnetIds" | "clusterSecurityGroupId">;
    /** ARN of the stack's KMS key: data at rest is encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Name of the snapshot taken when the group is deleted (production only). */
    readonly finalSnapshotIdentifier?: string;
    /** Extra tags. */
    readonly tags?: Record<string, string>;
}

/** The one parameter that matters, by role: the queue never evicts keys (BullMQ), the cache does. */
export function redisParameters(role: RedisRole): Array<{ name: string; value: string }> {
    return [{ name: "maxmemory-policy", value: redisMaxmemoryPolicy[role] }];
}

/** What the AWS descriptions say of each role; the queue's are the ones it was first created with. */
const described: Record<RedisRole, { what: string; parameters: string; group: string }> = {
    queue: { what: "Redis", parameters: "GrowNext queue: noeviction (BullMQ must never lose keys)", group: "GrowNext BullMQ queue" },
    cache: {
        what: "Cache Redis",
        parameters: `GrowNext cache: ${redisMaxmemoryPolicy.cache} (entries are rebuilt on a miss)`,
        group: "GrowNext cache",
    },
};

/** Cluster size and failover: a primary plus one replica in another AZ when multiAz is on. */
export function redisTopology(settings: Pick<RedisSettings, "multiAz">): {
    numCacheClusters: number;
    automaticFailoverEnabled: boolean;
    multiAzEnabled: boolean;
} {
    return settings.multiAz
        ? { numCacheClusters: 2, automaticFailoverEnabled: true, multiAzEnabled: true }
        : { numCacheClusters: 1, automaticFailoverEnabled: false, multiAzEnabled: false };
}

/** Problems with the settings, naming the config key and the fix. */
export function redisAwsProblems(args: Pick<RedisAwsArgs, "environment" | "settings" | "network"> & { role?: RedisRole }): string[] {
    const out: string[] = [];
    const s = args.settings;
    const [major = 0, minor = 0] = s.engineVersion.split(".").map(Number);
    if (s.engine === "valkey" && (major < 7 || (major === 7 && minor < 2)))
        out.push(`data.redis.engineVersion must be 7.2 or later for valkey, got ${JSON.stringify(s.engineVersion)}`);
    if (s.engine === "redis" && major !== 7)
        out.push(`data.redis.engineVersion must be 7.x for redis, got ${JSON.stringify(s.engineVersion)}`);
    if (args.network.privateSubnetIds.length < 2) out.push("data.aws.privateSubnetIds must list at least 2 subnets in different AZs");
    // The environment's floors (catalog/guardrails.ts), again: the component may be declared without config.
    const env = args.environment;
    const floor = environmentFloors[env];
    if (floor.redisMultiAz && !s.multiAz) out.push(`data.redis.multiAz must be true in ${env}`);
    if (redisPersistent[args.role ?? "queue"] && s.snapshotRetentionLimit < floor.redisSnapshotRetentionDays) {
        out.push(
            `data.redis.snapshotRetentionLimit must be at least ${floor.redisSnapshotRetentionDays} in ${env}, got ${s.snapshotRetentionLimit}`,
        );
    }
    return out;
}

export class RedisAws extends pulumi.ComponentResource implements RedisConnection {
    readonly url: pulumi.Output<string>;
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<string>;
    readonly password: pulumi.Output<string>;
    readonly tls: pulumi.Output<string>;
    readonly replicationGroup: aws.elasticache.ReplicationGroup;
    /** Whether the group runs a replica with automatic failover (`data.redis.multiAz`). */
    readonly multiAz: boolean;
    readonly securityGroup: aws.ec2.SecurityGroup;
    /** The secret holding the current token (`password`), which the processes read it from. */
    readonly tokenSecret: CredentialsSecret;

    constructor(name: string, args: RedisAwsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:RedisAws", name, {}, opts);
        const problems = redisAwsProblems(args);
        if (problems.length > 0) throw componentError(this, "RedisAws", name, `${problems.join("; ")}`);

        const s = args.settings;
        this.multiAz = s.multiAz;
        const production = args.environment === "production";
        const region = args.network.region;
        const role = args.role;
        const persistent = redisPersistent[role];
        const tags = { [labelKeys.redisRole]: role, ...args.tags };

        // ElastiCache tokens: 16-128 printable characters without @ " /; alphanumeric keeps URLs plain.
        const token = new random.RandomPassword(
            `${name}-auth-token`,
            {
                length: 64,
                special: false,
                keepers: { version: String(s.authTokenVersion) },
            },
            { parent: this },
        );
        this.password = pulumi.secret(token.result);

        const subnets = new aws.elasticache.SubnetGroup(
            `${name}-subnets`,
            {
                description: `Private subnets of the ${role} Redis`,
                subnetIds: args.network.privateSubnetIds,
                region,
                tags,
            },
            { parent: this },
        );

        const { securityGroup, ingress } = clusterOnlySecurityGroup(
            name,
            {
                what: described[role].what,
                port: redisPort,
                vpcId: args.network.vpcId,
                clusterSecurityGroupId: args.network.clusterSecurityGroupId,
                region,
                tags,
            },
            this,
        );
        this.securityGroup = securityGroup;

        const parameters = new aws.elasticache.ParameterGroup(
            `${name}-params`,
            {
                description: described[role].parameters,
                family: elasticacheParameterFamily(s.engine, s.engineVersion),
                parameters: redisParameters(role),
                region,
                tags,
            },
            { parent: this },
        );

        this.replicationGroup = new aws.elasticache.ReplicationGroup(
            `${name}-group`,
            {
                description: described[role].group,
                engine: s.engine,
                engineVersion: s.engineVersion,
                autoMinorVersionUpgrade: true,
                nodeType: s.nodeType,
                port: redisPort,
                ...redisTopology(s),
                parameterGroupName: parameters.name,
                subnetGroupName: subnets.name,
                securityGroupIds: [this.securityGroup.id],
                atRestEncryptionEnabled: true,
                kmsKeyId: args.kmsKeyArn,
                transitEncryptionEnabled: true,
                transitEncryptionMode: "required",
                authToken: this.password,
                // A new token is added next to the old one, so running pods keep working until they roll.
                authTokenUpdateStrategy: "ROTATE",
                // The cache is rebuilt on a miss: a snapshot would only restore stale entries.
                snapshotRetentionLimit: persistent ? s.snapshotRetentionLimit : awsLimits.elasticache.snapshotRetentionDays.min,
                snapshotWindow: persistent ? "03:00-04:00" : undefined,
                maintenanceWindow: "sun:04:30-sun:05:30",
                finalSnapshotIdentifier: production && persistent ? args.finalSnapshotIdentifier : undefined,
                applyImmediately: !production,
                region,
                tags,
            },
            // The rotation function owns the token after the first rotation: never set it back.
            { parent: this, dependsOn: [ingress], ignoreChanges: ["authToken"], ...dataResourceOptions(args.environment) },
        );

        const rotating = new RedisAuthToken(
            `${name}-token`,
            {
                environment: args.environment,
                project: args.tokenRotation.project,
                stack: args.tokenRotation.stack,
                role,
                network: args.network,
                kmsKeyArn: args.kmsKeyArn,
                replicationGroup: {
                    id: this.replicationGroup.id,
                    arn: this.replicationGroup.arn,
                    host: this.replicationGroup.primaryEndpointAddress,
                    port: redisPort,
                    securityGroupId: this.securityGroup.id,
                },
                initialToken: this.password,
                rotationDays: args.tokenRotation.rotationDays,
            },
            { parent: this },
        );
        this.tokenSecret = rotating.secret;

        this.host = pulumi.secret(this.replicationGroup.primaryEndpointAddress);
        this.port = pulumi.secret(this.replicationGroup.port.apply((p) => String(p ?? redisPort)));
        this.tls = pulumi.secret("true");
        this.url = pulumi.secret(
            pulumi
                .all([this.replicationGroup.primaryEndpointAddress, this.replicationGroup.port, this.password])
                .apply(([host, port, pw]) => redisUrl({ password: pw, host, port: port ?? redisPort, tls: true })),
        );
        this.registerOutputs({ replicationGroup: this.replicationGroup.id, url: this.url });
    }
}
