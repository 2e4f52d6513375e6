/**
 * The auth token of one ElastiCache group, rotated by itself without downtime (docs/secret-rotation.md
 * "Redis auth tokens"):
 *  - a Secrets Manager secret `grownext/<stack>/redis-<role>` under the stack's KMS key, tagged
 *    `grownext.io/secret-kind: redis-auth-token` and `grownext.io/redis-role`, holding
 *    `{replicationGroupId, host, port, password}` (rotation/redisAuthToken.ts reads and writes it);
 *  - its first version, the group's current token (the RandomPassword the group was created with). From
 *    the first rotation on the function owns the value: the version ignores `secretString` and its
 *    stages, and the group ignores `authToken` (redisAws.ts), so `pulumi up` undoes no rotation;
 *  - our rotation function (rotationFunction.ts, entry rotation/redisAuthToken.ts), in the private
 *    subnets, whose only ways out are the group's port (with the matching ingress rule on the group's
 *    security group, as databaseCredentials.ts does for RDS) and HTTPS to the AWS endpoints; beyond the
 *    protocol's calls on this secret it may describe and modify this group and no other;
 *  - a `SecretRotation` every `rotation.redisRotationDays`, not at creation (`rotateImmediately: false`):
 *    declaring the schedule changes no token.
 * The processes read the token from this secret (wiring/dataContract.ts `BorrowedValue`), never from
 * their own. Production protects the secret; the function and the schedule hold no data.
 */
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../../../catalog/guardrails";
import { labelKeys, redisAuthTokenKind, secretKindTag } from "../../../catalog/labels";
import type { RedisRole } from "../../../catalog/network";
import { componentError } from "../../../config/errors";
import type { CredentialsSecret } from "../../../wiring/dataContract";
import { rotatedSecret } from "./rotatedSecret";
import { RotationFunction } from "./rotationFunction";
import { secretName } from "./secretStore";

/** `grownext/<stack>/redis-<role>`. */
export function redisTokenSecretName(project: string, stack: string, role: RedisRole): string {
    return secretName(project, stack, `redis-${role}`);
}

/** The rotation function's name (Lambda: at most 64 characters). */
export function redisRotationFunctionName(project: string, stack: string, role: RedisRole): string {
    return `${project}-${stack}-redis-${role}-rotation`.slice(0, 64);
}

/** The secret's first version: the shape rotation/redisAuthToken.ts `parseRedisAuthToken` reads. */
export function redisTokenJson(t: { replicationGroupId: string; host: string; port: number; password: string }): string {
    return JSON.stringify({ replicationGroupId: t.replicationGroupId, host: t.host, port: t.port, password: t.password });
}

/** The ElastiCache calls the function adds to the protocol's, on its own group only. */
export const redisRotationActions = ["elasticache:DescribeReplicationGroups", "elasticache:ModifyReplicationGroup"] as const;

export interface RedisAuthTokenArgs {
    readonly environment: Environment;
    /** `project` and `stack` name the secret and the function. */
    readonly project: string;
    readonly stack: string;
    /** Which Redis: `queue` or `cache`. */
    readonly role: RedisRole;
    /** Region, VPC and private subnets (`data.aws`). */
    readonly network: { readonly region: string; readonly vpcId: string; readonly privateSubnetIds: readonly string[] };
    /** ARN of the stack's KMS key: encrypts the secret. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The group whose token rotates. */
    readonly replicationGroup: {
        readonly id: pulumi.Input<string>;
        readonly arn: pulumi.Input<string>;
        readonly host: pulumi.Input<string>;
        /** The port the group listens on (plain: the security group rules take it). */
        readonly port: number;
        /** The group's security group: it admits the function on the group's port. */
        readonly securityGroupId: pulumi.Input<string>;
    };
    /** The token the group was created with (secret): the secret's first version. */
    readonly initialToken: pulumi.Input<string>;
    /** `rotation.redisRotationDays`. */
    readonly rotationDays: number;
}

export class RedisAuthToken extends pulumi.ComponentResource {
    /** The secret the processes read the token from (its `password` property). */
    readonly secret: CredentialsSecret;
    readonly rotationFunction: RotationFunction;

    constructor(name: string, args: RedisAuthTokenArgs, opts?: pulumi.ComponentResourceOptions) {
        // The args carry the token: nothing is recorded on the component.
        super("grownext:data:RedisAuthToken", name, {}, opts);
        const fail = (message: string) => componentError(this, "RedisAuthToken", name, message);
        if (!Number.isInteger(args.rotationDays) || args.rotationDays < 1)
            throw fail(`rotation.redisRotationDays must be a positive integer, got ${args.rotationDays}`);
        if (args.network.privateSubnetIds.length === 0)
            throw fail("data.aws.privateSubnetIds must list the private subnets (the rotation function runs there)");
        const region = args.network.region;
        const g = args.replicationGroup;
        const tags = { [labelKeys.redisRole]: args.role, [secretKindTag]: redisAuthTokenKind };

        const { secret, firstVersion: version } = rotatedSecret(
            {
                names: { secret: `${name}-secret`, firstVersion: `${name}-initial` },
                secretName: redisTokenSecretName(args.project, args.stack, args.role),
                description: `Auth token of the ${args.role} Redis (${args.stack}), rotated by its own function`,
                environment: args.environment,
                kmsKeyArn: args.kmsKeyArn,
                region,
                tags,
                firstValue: pulumi
                    .all([g.id, g.host, args.initialToken])
                    .apply(([replicationGroupId, host, password]) => redisTokenJson({ replicationGroupId, host, port: g.port, password })),
            },
            this,
        );

        this.rotationFunction = new RotationFunction(
            `${name}-rotation-fn`,
            {
                environment: args.environment,
                functionName: redisRotationFunctionName(args.project, args.stack, args.role),
                entry: "redisAuthToken.ts",
                secretArns: [secret.arn],
                kmsKeyArn: args.kmsKeyArn,
                region,
                extraStatements: [{ Sid: "RotateThisGroupsToken", Effect: "Allow", Action: [...redisRotationActions], Resource: g.arn }],
                vpc: {
                    vpcId: args.network.vpcId,
                    subnetIds: [...args.network.privateSubnetIds],
                    egress: [
                        {
                            description: `Rotation function to the ${args.role} Redis`,
                            port: g.port,
                            securityGroupId: g.securityGroupId,
                        },
                        // Secrets Manager's and ElastiCache's regional endpoints (through the VPC's NAT or interface endpoints).
                        {
                            description: "Rotation function to the AWS endpoints (Secrets Manager, ElastiCache)",
                            port: 443,
                            cidrIpv4: "0.0.0.0/0",
                        },
                    ],
                },
                tags: { [labelKeys.redisRole]: args.role },
            },
            { parent: this },
        );
        const intoGroup = new aws.vpc.SecurityGroupIngressRule(
            `${name}-rotation-into-redis`,
            {
                description: `${args.role} Redis from its auth token rotation function`,
                securityGroupId: g.securityGroupId,
                referencedSecurityGroupId: this.rotationFunction.securityGroup!.id,
                ipProtocol: "tcp",
                fromPort: g.port,
                toPort: g.port,
                region,
                tags: { [labelKeys.redisRole]: args.role },
            },
            { parent: this },
        );
        new aws.secretsmanager.SecretRotation(
            `${name}-rotation`,
            {
                secretId: secret.id,
                rotationLambdaArn: this.rotationFunction.arn,
                rotationRules: { automaticallyAfterDays: args.rotationDays },
                rotateImmediately: false,
                region,
            },
            { parent: this, dependsOn: [version, intoGroup] },
        );

        this.secret = { name: secret.name, arn: secret.arn };
        this.registerOutputs({ secretArn: secret.arn });
    }
}
