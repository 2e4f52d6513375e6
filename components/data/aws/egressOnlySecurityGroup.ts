/**
 * A security group for something that only reaches out (a rotation function): no ingress rule, and
 * exactly the listed ways out, each one TCP port to a CIDR block or to another security group. AWS's
 * database rotation function and our own rotation functions take their network boundary from here,
 * as the data stores take theirs from clusterOnlySecurityGroup.
 */
import * as aws from "../../../wiring/aws";
import type * as pulumi from "@pulumi/pulumi";

/** One way out. */
export interface EgressRule {
    /** What it is for (the rule's description). */
    readonly description: string;
    readonly port: number;
    /** Either a CIDR block... */
    readonly cidrIpv4?: string;
    /** ...or a security group (e.g. a data store's). */
    readonly securityGroupId?: pulumi.Input<string>;
}

export interface EgressOnlySecurityGroupArgs {
    /** Resource names of the group and of each rule, in order (kept as each caller first named them: URNs). */
    readonly names: { readonly group: string; readonly egress: readonly string[] };
    readonly description: string;
    readonly vpcId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
    readonly egress: readonly EgressRule[];
}

/** Problems with the rules: each needs exactly one destination. */
export function egressProblems(egress: readonly EgressRule[]): string[] {
    return egress
        .filter((e) => (e.cidrIpv4 === undefined) === (e.securityGroupId === undefined))
        .map((e) => `the egress "${e.description}" needs exactly one of cidrIpv4 and securityGroupId`);
}

export function egressOnlySecurityGroup(
    args: EgressOnlySecurityGroupArgs,
    parent: pulumi.Resource,
): { securityGroup: aws.ec2.SecurityGroup; egress: aws.vpc.SecurityGroupEgressRule[] } {
    if (args.names.egress.length !== args.egress.length)
        throw new Error(`${args.names.group}: ${args.egress.length} egress rules need as many names, got ${args.names.egress.length}`);
    const securityGroup = new aws.ec2.SecurityGroup(
        args.names.group,
        { description: args.description, vpcId: args.vpcId, revokeRulesOnDelete: true, region: args.region, tags: args.tags },
        { parent },
    );
    const egress = args.egress.map(
        (e, i) =>
            new aws.vpc.SecurityGroupEgressRule(
                args.names.egress[i]!,
                {
                    description: e.description,
                    securityGroupId: securityGroup.id,
                    ...(e.cidrIpv4 === undefined ? { referencedSecurityGroupId: e.securityGroupId } : { cidrIpv4: e.cidrIpv4 }),
                    ipProtocol: "tcp",
                    fromPort: e.port,
                    toPort: e.port,
                    region: args.region,
                    tags: args.tags,
                },
                { parent },
            ),
    );
    return { securityGroup, egress };
}
