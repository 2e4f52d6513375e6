/**
 * RDS Proxy in front of one RDS PostgreSQL instance (the app database on AWS stacks where
 * `data.postgres.proxy.enabled`; docs/rds-proxy.md says why and what it costs).
 *
 *  - TLS is required between the pods and the proxy (`requireTls`), as `rds.force_ssl` requires it
 *    between anything and the instance.
 *  - Every process logs in through the proxy as its own role: one `auth` entry per process
 *    credentials secret (databaseCredentials.ts, rotated by AWS's alternating-users function), read
 *    through an IAM role that may read those secrets only and decrypt only through Secrets Manager.
 *    The master secret is not among them: nothing connects as the master user through the proxy (the
 *    migrations and the roles Job use the direct URL), so the proxy need not hold it.
 *  - It sits in the private subnets, in a security group of its own from clusterOnlySecurityGroup
 *    (port 5432 from the cluster's security group only), plus one egress rule to the instance's
 *    security group and the matching ingress rule on it: the instance still admits nothing else.
 *  - `url` is the instance's own URL with the proxy's endpoint for host, so the credentials and the
 *    TLS mode are built in one place (the instance component); `directUrl` stays the instance's.
 */
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsNetworkConfig } from "../../../config/data";
import type { ProxySettings } from "../../../config/proxy";
import { componentError } from "../../../config/errors";
import { serviceAssumeRolePolicy } from "../../../wiring/providers";
import { clusterOnlySecurityGroup } from "./clusterOnlySecurityGroup";
import { type DatabaseName, type PostgresConnection, postgresPort } from "../../../wiring/dataContract";

export interface PostgresProxyArgs {
    /** Which database the proxy fronts. */
    readonly database: DatabaseName;
    /** Resolved `data.postgres.proxy` settings (config/proxy.ts `resolveProxySettings`). */
    readonly settings: ProxySettings;
    /** VPC, private subnets, the cluster's security group and the region (`data.aws`). */
    readonly network: Pick<AwsNetworkConfig, "region" | "vpcId" | "privateSubnetIds" | "clusterSecurityGroupId">;
    /** The instance the proxy serves: its identifier, its security group and its direct URL. */
    readonly target: {
        readonly instanceIdentifier: pulumi.Input<string>;
        readonly securityGroupId: pulumi.Input<string>;
        readonly directUrl: pulumi.Output<string>;
    };
    /**
     * The processes' own credentials secrets (databaseCredentials.ts): one auth entry each, so a
     * process logs in through the proxy as its own role, whichever of its alternating users is current.
     */
    readonly userSecretArns: readonly pulumi.Input<string>[];
    /** ARN of the stack's KMS key, which encrypts the credentials secret: the proxy's role decrypts with it through Secrets Manager. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Extra tags. */
    readonly tags?: Record<string, string>;
}

/** Problems with the arguments, naming the config key and the fix. */
export function postgresProxyProblems(args: Pick<PostgresProxyArgs, "settings" | "network" | "userSecretArns">): string[] {
    const out: string[] = [];
    if (args.userSecretArns.length === 0)
        out.push(
            "the proxy needs at least one process credentials secret to log in with (catalog/databaseRoles.ts gives every process of the database a role)",
        );
    const s = args.settings;
    if (args.network.privateSubnetIds.length < 2)
        out.push("data.aws.privateSubnetIds must list at least 2 subnets in different AZs (RDS Proxy needs two)");
    if (s.maxIdleConnectionsPercent > s.maxConnectionsPercent) {
        out.push(
            `data.postgres.proxy.maxIdleConnectionsPercent (${s.maxIdleConnectionsPercent}) must be at most maxConnectionsPercent (${s.maxConnectionsPercent})`,
        );
    }
    return out;
}

/** The role's permissions: read its credentials secrets, decrypt them only through Secrets Manager. */
export function proxySecretPolicy(p: { secretArns: readonly string[]; keyArn: string; region: string }): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadDatabaseCredentials",
                Effect: "Allow",
                Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                Resource: [...p.secretArns],
            },
            {
                Sid: "DecryptThroughSecretsManager",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: p.keyArn,
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${p.region}.amazonaws.com` } },
            },
        ],
    };
}

/** The pooled URL: the direct URL with the proxy's endpoint for host (same user, database, port and sslmode). */
export function viaProxy(directUrl: string, proxyEndpoint: string): string {
    const u = new URL(directUrl);
    u.hostname = proxyEndpoint;
    return u.toString();
}

export class PostgresProxy extends pulumi.ComponentResource implements PostgresConnection {
    /** Through the proxy: what the processes get. */
    readonly url: pulumi.Output<string>;
    /** Straight to the instance: migrations and `*_DIRECT_URL`. */
    readonly directUrl: pulumi.Output<string>;
    readonly proxy: aws.rds.Proxy;
    readonly securityGroup: aws.ec2.SecurityGroup;
    /** ARNs of the secrets the proxy reads its logins from: the processes' credentials secrets. */
    readonly credentialsSecretArns: pulumi.Output<string[]>;

    constructor(name: string, args: PostgresProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:PostgresProxy", name, {}, opts);
        const problems = postgresProxyProblems(args);
        if (problems.length > 0) throw componentError(this, "PostgresProxy", name, problems.join("; "));

        const s = args.settings;
        const region = args.network.region;
        const tags = { "grownext.io/database": args.database, ...args.tags };

        this.credentialsSecretArns = pulumi.all([...args.userSecretArns]);

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `RDS Proxy of the ${args.database} database: reads the processes' credentials secrets`,
                assumeRolePolicy: serviceAssumeRolePolicy("rds.amazonaws.com"),
                tags,
            },
            { parent: this },
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-secret-access`,
            {
                role: role.id,
                policy: pulumi
                    .all([this.credentialsSecretArns, args.kmsKeyArn])
                    .apply(([secretArns, keyArn]) => JSON.stringify(proxySecretPolicy({ secretArns, keyArn, region }))),
            },
            { parent: this },
        );

        const { securityGroup, ingress } = clusterOnlySecurityGroup(
            name,
            {
                what: `RDS Proxy ${args.database}`,
                port: postgresPort,
                vpcId: args.network.vpcId,
                clusterSecurityGroupId: args.network.clusterSecurityGroupId,
                region,
                tags,
            },
            this,
        );
        this.securityGroup = securityGroup;
        // The proxy initiates exactly one kind of connection: to its instance on 5432.
        const egress = new aws.vpc.SecurityGroupEgressRule(
            `${name}-to-instance`,
            {
                description: `RDS Proxy ${args.database} to its instance`,
                securityGroupId: securityGroup.id,
                referencedSecurityGroupId: args.target.securityGroupId,
                ipProtocol: "tcp",
                fromPort: postgresPort,
                toPort: postgresPort,
                region,
                tags,
            },
            { parent: this },
        );
        const instanceIngress = new aws.vpc.SecurityGroupIngressRule(
            `${name}-into-instance`,
            {
                description: `PostgreSQL ${args.database} from its RDS Proxy`,
                securityGroupId: args.target.securityGroupId,
                referencedSecurityGroupId: securityGroup.id,
                ipProtocol: "tcp",
                fromPort: postgresPort,
                toPort: postgresPort,
                region,
                tags,
            },
            { parent: this },
        );

        this.proxy = new aws.rds.Proxy(
            `${name}`,
            {
                engineFamily: "POSTGRESQL",
                requireTls: true,
                debugLogging: false,
                idleClientTimeout: s.idleClientTimeoutSeconds,
                roleArn: role.arn,
                vpcSubnetIds: args.network.privateSubnetIds,
                vpcSecurityGroupIds: [securityGroup.id],
                auths: [
                    ...args.userSecretArns.map((secretArn) => ({
                        authScheme: "SECRETS",
                        secretArn,
                        iamAuth: "DISABLED",
                        clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
                        description: `A process's own role in the ${args.database} database`,
                    })),
                ],
                region,
                tags,
            },
            { parent: this, dependsOn: [rolePolicy, ingress, egress, instanceIngress] },
        );

        const targetGroup = new aws.rds.ProxyDefaultTargetGroup(
            `${name}-targets`,
            {
                dbProxyName: this.proxy.name,
                connectionPoolConfig: {
                    maxConnectionsPercent: s.maxConnectionsPercent,
                    maxIdleConnectionsPercent: s.maxIdleConnectionsPercent,
                    connectionBorrowTimeout: s.connectionBorrowTimeoutSeconds,
                },
                region,
            },
            { parent: this },
        );

        const target = new aws.rds.ProxyTarget(
            `${name}-target`,
            {
                dbProxyName: this.proxy.name,
                targetGroupName: targetGroup.name,
                dbInstanceIdentifier: args.target.instanceIdentifier,
                region,
            },
            { parent: this },
        );

        this.directUrl = args.target.directUrl;
        // Clients wait for the target to be registered: the endpoint answers only once it is.
        this.url = pulumi.secret(
            pulumi.all([args.target.directUrl, this.proxy.endpoint, target.id]).apply(([direct, endpoint]) => viaProxy(direct, endpoint)),
        );
        this.registerOutputs({ proxy: this.proxy.id, url: this.url });
    }
}
