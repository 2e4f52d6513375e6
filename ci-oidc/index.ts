/**
 * grownext-ci-oidc: stands up, once per AWS account, the IAM side of keyless CI for the GrowNext
 * platform repository: the account's GitHub OIDC provider, one deploy role per GitHub environment
 * deployed into this account, and a read-only preview role for pull requests.
 *
 * Run it with an administrator's credentials (it creates IAM roles), then copy the exported ARNs
 * into the repository's variables (see `githubVariables` and README.md).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GithubDeployRole } from "./githubOidc";

const config = new pulumi.Config();

/** `owner/name` of the repository whose workflows deploy the platform. */
const repository = config.require("repository");
/** GitHub environments that deploy into this account (one deploy role each). */
const environments = config.getObject<string[]>("environments") ?? ["staging", "production"];
/** Managed policies of the deploy roles: what `pulumi up` of the platform needs in this account. */
const deployPolicyArns = environments.length > 0 ? config.requireObject<string[]>("deployPolicyArns") : [];
/** Whether pull requests get a preview role in this account. */
const previewRole = config.getBoolean("previewRole") ?? true;
/** Managed policies of the preview role; view-only by default (no data reads). */
const previewPolicyArns = config.getObject<string[]>("previewPolicyArns") ?? ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"];
/** The account's GitHub OIDC provider, when something else already declared it. */
const existingProviderArn = config.get("oidcProviderArn");
/** S3 bucket of a self-managed Pulumi state backend (`PULUMI_BACKEND_URL=s3://<bucket>`), if used. */
const stateBucket = config.get("stateBucket");
/** KMS key of the `awskms://` secrets provider shared by the stacks, if used. */
const secretsKmsKeyArn = config.get("secretsKmsKeyArn");
/** Or one key per environment (stronger: staging's role cannot decrypt production's secrets). */
const secretsKmsKeyArns = config.getObject<Record<string, string>>("secretsKmsKeyArns");
/** Session length of the deploy roles; the workflow's `AWS_ROLE_DURATION_SECONDS` must not exceed it. */
const deploySessionSeconds = config.getNumber("deploySessionSeconds") ?? 7200;

const tags = { project: "grownext", purpose: "github-actions-oidc" };
const partition = aws.getPartitionOutput().partition;

if (secretsKmsKeyArn !== undefined && secretsKmsKeyArns !== undefined) {
    throw new Error("grownext-ci-oidc: set secretsKmsKeyArn (one key) or secretsKmsKeyArns (per environment), not both");
}
const missingKeys = secretsKmsKeyArns === undefined ? [] : environments.filter((env) => !secretsKmsKeyArns[env]);
if (missingKeys.length > 0) {
    throw new Error(`grownext-ci-oidc: secretsKmsKeyArns has no key for ${missingKeys.join(", ")}; add one per environment`);
}

/** The secrets keys a role may decrypt with: its environment's, or all of them for previews. */
function kmsKeys(environment: string | undefined): string[] {
    if (secretsKmsKeyArns !== undefined) {
        return environment === undefined ? Object.values(secretsKmsKeyArns) : [secretsKmsKeyArns[environment]!];
    }
    return secretsKmsKeyArn === undefined ? [] : [secretsKmsKeyArn];
}

/**
 * Least privilege on the state backend: previews read, deploys read and write (and lock). Objects
 * are bucket-wide (the backend's layout is its own business); for hard isolation between
 * environments use one bucket per account, and one KMS key per environment.
 */
function statePolicy(write: boolean, keys: string[]): pulumi.Output<string> | undefined {
    if (stateBucket === undefined && keys.length === 0) return undefined;
    return partition.apply((p) => {
        const statements: object[] = [];
        if (stateBucket !== undefined) {
            statements.push(
                {
                    Sid: "StateBucket",
                    Effect: "Allow",
                    Action: ["s3:ListBucket", "s3:GetBucketLocation"],
                    Resource: `arn:${p}:s3:::${stateBucket}`,
                },
                {
                    Sid: "StateObjects",
                    Effect: "Allow",
                    Action: write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"],
                    Resource: `arn:${p}:s3:::${stateBucket}/*`,
                },
            );
        }
        if (keys.length > 0) {
            // The stack's data key is KMS-encrypted in Pulumi.<stack>.yaml; every operation decrypts it.
            statements.push({
                Sid: "StateSecrets",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: keys.length === 1 ? keys[0] : keys,
            });
        }
        return JSON.stringify({ Version: "2012-10-17", Statement: statements });
    });
}

const roles: GithubDeployRole[] = [];
/** The first role declares the provider unless one exists; every later role reuses it. */
const providerArn = (): pulumi.Input<string> | undefined => existingProviderArn ?? roles[0]?.oidcProviderArn;

const deployRoles: Record<string, GithubDeployRole> = {};
for (const environment of environments) {
    const role = new GithubDeployRole(`deploy-${environment}`, {
        repository,
        environments: [environment],
        oidcProviderArn: providerArn(),
        managedPolicyArns: deployPolicyArns,
        inlinePolicy: statePolicy(true, kmsKeys(environment)),
        maxSessionDuration: deploySessionSeconds,
        tags,
    });
    deployRoles[environment] = role;
    roles.push(role);
}

let preview: GithubDeployRole | undefined;
if (previewRole) {
    preview = new GithubDeployRole("preview", {
        repository,
        allowPullRequests: true,
        oidcProviderArn: providerArn(),
        managedPolicyArns: previewPolicyArns,
        inlinePolicy: statePolicy(false, kmsKeys(undefined)),
        tags,
    });
    roles.push(preview);
}

if (roles.length === 0) {
    throw new Error("grownext-ci-oidc declares nothing: list at least one of `environments` or keep `previewRole: true`");
}

export const oidcProviderArn = roles[0]!.oidcProviderArn;
export const deployRoleArns = Object.fromEntries(Object.entries(deployRoles).map(([env, role]) => [env, role.roleArn]));
export const previewRoleArn = preview?.roleArn;
/** Where each ARN goes in the repository settings (Settings > Secrets and variables > Actions). */
export const githubVariables = {
    repository: preview === undefined ? {} : { AWS_PREVIEW_ROLE_ARN: preview.roleArn },
    environments: Object.fromEntries(
        Object.entries(deployRoles).map(([env, role]) => [
            env,
            { AWS_DEPLOY_ROLE_ARN: role.roleArn, AWS_ROLE_DURATION_SECONDS: String(deploySessionSeconds) },
        ]),
    ),
};
