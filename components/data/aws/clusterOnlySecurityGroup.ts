/**
 * A security group for a managed data store that admits its one port from the cluster's security
 * group and from nowhere else (and, having no egress rule, lets the store initiate nothing).
 * Postgres and Redis on AWS both take their network boundary from here.
 */
import * as aws from "../../../wiring/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface ClusterOnlySecurityGroupArgs {
    /** What the store is, for the AWS descriptions (e.g. `PostgreSQL app`). */
    readonly what: string;
    readonly port: number;
    readonly vpcId: pulumi.Input<string>;
    readonly clusterSecurityGroupId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export function clusterOnlySecurityGroup(
    name: string,
    args: ClusterOnlySecurityGroupArgs,
    parent: pulumi.Resource,
): {
    securityGroup: aws.ec2.SecurityGroup;
    ingress: aws.vpc.SecurityGroupIngressRule;
} {
    const securityGroup = new aws.ec2.SecurityGroup(
        `${name}-sg`,
        {
            description: `${args.what}: port ${args.port} from the cluster only`,
            vpcId: args.vpcId,
            revokeRulesOnDelete: true,
            region: args.region,
            tags: args.tags,
        },
        { parent },
    );
    // No egress rule: the store initiates nothing (the provider removes AWS's default allow-all).
    const ingress = new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-cluster`,
        {
            description: `${args.what} from the cluster's pods`,
            securityGroupId: securityGroup.id,
            referencedSecurityGroupId: args.clusterSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: args.port,
            toPort: args.port,
            region: args.region,
            tags: args.tags,
        },
        { parent },
    );
    return { securityGroup, ingress };
}
