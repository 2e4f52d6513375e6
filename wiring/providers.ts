/**
 * Explicit providers built from validated config: nothing in the program uses the ambient default
 * provider, so a stack can never deploy to whatever cluster or account the shell happens to point at.
 */
import * as aws from "./aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/load";

/** Applies to the configured cluster, or renders manifests to a folder when none is configured (local). */
export function kubernetesProviderArgs(cfg: PlatformConfig): k8s.ProviderArgs {
    const k = cfg.kubernetes;
    return {
        namespace: k.namespace,
        context: k.context,
        // A kubeconfig may hold credentials: keep it secret in state.
        kubeconfig: k.kubeconfig === undefined ? undefined : pulumi.secret(k.kubeconfig),
        renderYamlToDirectory: k.mode === "render" ? k.renderDirectory : undefined,
        enableServerSideApply: k.mode === "cluster",
    };
}

export function kubernetesProvider(name: string, cfg: PlatformConfig, opts: pulumi.CustomResourceOptions): k8s.Provider {
    return new k8s.Provider(`${name}-kubernetes`, kubernetesProviderArgs(cfg), opts);
}

/** Only AWS stacks get an AWS provider: the local stack must not need the AWS plugin at all. */
export function awsProvider(name: string, cfg: PlatformConfig, opts: pulumi.CustomResourceOptions): aws.Provider | undefined {
    if (cfg.data.provider !== "aws" || cfg.data.aws === undefined) return undefined;
    return new aws.Provider(
        `${name}-aws`,
        {
            region: cfg.data.aws.region as aws.Region,
            defaultTags: { tags: { project: cfg.project, stack: cfg.stack, "managed-by": "pulumi" } },
        },
        opts,
    );
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`). */
export function arnPartition(arn: string): string {
    return arn.split(":")[1] ?? "aws";
}

/** The trust policy of an IAM role that one AWS service assumes on the stack's behalf (RDS, its monitoring, ...). */
export function serviceAssumeRolePolicy(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}
