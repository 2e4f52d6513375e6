/**
 * The parts of @pulumi/aws the program declares, imported from their own modules: components write
 * `import * as aws from "../../wiring/aws"` and use `aws.rds.Instance` as with the package itself.
 *
 * Why not the package's index: it requires every one of its ~250 service namespaces at load (301
 * modules, about 0.24 s of CPU on an idle core), where these few load 48 (0.06 s); the resource
 * classes inside each namespace load on first use either way. The local stack loads none of them:
 * entry.js defers every `@pulumi/aws` module until first use.
 *
 * A component that needs another service adds its line here (the typecheck names what is missing).
 */
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as ec2 from "@pulumi/aws/ec2";
export * as elasticache from "@pulumi/aws/elasticache";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as lambda from "@pulumi/aws/lambda";
export * as rds from "@pulumi/aws/rds";
export * as route53 from "@pulumi/aws/route53";
export * as secretsmanager from "@pulumi/aws/secretsmanager";
export * as serverlessrepository from "@pulumi/aws/serverlessrepository";
export * as sns from "@pulumi/aws/sns";
export * as vpc from "@pulumi/aws/vpc";
export type * as types from "@pulumi/aws/types";
export type { Region } from "@pulumi/aws/types/enums";
export { Provider } from "@pulumi/aws/provider";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { getPartitionOutput } from "@pulumi/aws/getPartition";
