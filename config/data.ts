/**
 * Stack config of the data tier (`grownext:data`): where Postgres and Redis run and how.
 * `inCluster` (the local stack) runs both as StatefulSets; `aws` uses RDS and ElastiCache.
 */
import { z } from "zod";

export const awsNetworkConfig = z
    .object({
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: "must be an AWS region" }),
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: "must be a VPC id" }),
        privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet id" })).min(2),
        /** Security group of the cluster's nodes/pods: the only source admitted to the data ports. */
        clusterSecurityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/, { message: "must be a security group id" }),
        /** The cluster's IAM OIDC provider, for IAM roles for service accounts. */
        clusterOidcProviderArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/, {
            message: "must be an IAM OIDC provider ARN",
        }),
    })
    .strict();

export const dataConfig = z
    .object({
        provider: z.enum(["inCluster", "aws"]),
        aws: awsNetworkConfig.optional(),
    })
    .strict();

export type DataConfig = z.infer<typeof dataConfig>;
