/**
 * The AWS side of keyless CI: an IAM role that GitHub Actions jobs of one repository assume through
 * GitHub's OpenID Connect provider (`aws-actions/configure-aws-credentials` with `role-to-assume`).
 * No access keys exist anywhere; a job receives short-lived credentials only when GitHub vouches for
 * it, and the trust policy decides exactly which jobs GitHub may vouch for:
 *
 * - `aud` must be `sts.amazonaws.com` (the audience configure-aws-credentials requests);
 * - `sub` must equal, character for character, `repo:<owner>/<name>:environment:<env>` for one of
 *   the allowed GitHub environments, or `repo:<owner>/<name>:pull_request` for a preview role.
 *   `StringEquals` only, never `StringLike`: no wildcard can widen the trust to other repositories,
 *   branches or environments.
 *
 * One role per trust boundary: a deploy role per environment (staging cannot touch production), and
 * a separate read-only preview role for pull requests. A role may not trust both environments and
 * pull requests: code on any branch would then hold deploy credentials.
 *
 * An AWS account has at most one OIDC provider per issuer URL: the first role declares it (leave
 * `oidcProviderArn` unset), every other role passes that role's `oidcProviderArn`.
 *
 * The pure functions (`githubSubjects`, `githubTrustPolicy`, `validateGithubDeployRoleArgs`) are
 * exported so tests and other programs call them directly.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Host of GitHub Actions' OIDC issuer; also the prefix of its IAM condition keys. */
export const githubOidcHost = "token.actions.githubusercontent.com";
/** Issuer URL of GitHub Actions' OIDC tokens. */
export const githubOidcUrl = `https://${githubOidcHost}`;
/** Audience that aws-actions/configure-aws-credentials requests by default. */
export const stsAudience = "sts.amazonaws.com";

/** IAM accepts role sessions of 1 to 12 hours; a job asks for its length with `role-duration-seconds`. */
const minSessionSeconds = 3600;
const maxSessionSeconds = 43200;
/**
 * IAM's own default. A production `pulumi up` (multi-AZ RDS, ElastiCache failover groups) can outlast
 * an hour: deploy roles raise this (ci-oidc uses 7200) and the workflow asks for the same.
 */
const defaultSessionSeconds = 3600;

export interface GithubDeployRoleArgs {
    /** GitHub repository allowed to assume the role, as `owner/name` (exactly; no wildcards). */
    readonly repository: pulumi.Input<string>;
    /** GitHub environments (e.g. `staging`) whose jobs may assume the role; each becomes one exact `sub`. */
    readonly environments?: pulumi.Input<pulumi.Input<string>[]>;
    /** Trust `pull_request` jobs of the repository instead (a read-only preview role); excludes `environments`. */
    readonly allowPullRequests?: pulumi.Input<boolean>;
    /** ARN of the account's existing GitHub OIDC provider; unset, the component declares the provider. */
    readonly oidcProviderArn?: pulumi.Input<string>;
    /** Managed policy ARNs attached to the role, exclusively: attachments not listed here are removed. */
    readonly managedPolicyArns?: pulumi.Input<pulumi.Input<string>[]>;
    /** Inline policy document (a JSON string or an object) granted to the role. */
    readonly inlinePolicy?: pulumi.Input<string | aws.iam.PolicyDocument>;
    /** Longest session in seconds (3600-43200, default 3600); match the workflow's `role-duration-seconds`. */
    readonly maxSessionDuration?: pulumi.Input<number>;
    /** Optional permissions boundary ARN capping whatever the policies grant. */
    readonly permissionsBoundary?: pulumi.Input<string>;
    /** Tags for the role and the provider. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The trust inputs, resolved. */
export interface GithubTrust {
    readonly repository: string;
    readonly environments: readonly string[];
    readonly allowPullRequests: boolean;
}

// GitHub owners: alphanumerics and single hyphens, at most 39 characters; repository names:
// alphanumerics, `.`, `_` and `-`, at most 100 characters.
const ownerPattern = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const repoNamePattern = /^[A-Za-z0-9._-]{1,100}$/;
// Environment names become part of the `sub` claim; `:` would forge another claim's shape and `*`/`?`
// read as wildcards to anyone reviewing the policy.
const environmentPattern = /^[^:*?\s](?:[^:*?]{0,253}[^:*?\s])?$/;
const providerArnPattern = new RegExp(`^arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/${githubOidcHost.replace(/\./g, "\\.")}$`);

function isKnown<T>(value: pulumi.Input<T> | undefined): value is T {
    return !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

/** Problems with a repository string, as messages that say what to change (empty when valid). */
export function repositoryProblems(repository: string): string[] {
    const parts = repository.split("/");
    const [owner, repo] = parts;
    if (
        parts.length !== 2 ||
        owner === undefined ||
        repo === undefined ||
        !ownerPattern.test(owner) ||
        !repoNamePattern.test(repo) ||
        repo === "." ||
        repo === ".." ||
        repo.endsWith(".git")
    ) {
        return [
            `repository must be "owner/name" exactly as in https://github.com/<owner>/<name>, e.g. "acme/grownext-platform" ` +
                `(got ${JSON.stringify(repository)}); wildcards, URLs and ".git" suffixes are not allowed: the role trusts one repository`,
        ];
    }
    return [];
}

/** Checks every known argument; throws one error listing every problem and how to fix it. */
export function validateGithubDeployRoleArgs(name: string, args: GithubDeployRoleArgs): void {
    const problems: string[] = [];
    if (isKnown(args.repository)) {
        if (typeof args.repository !== "string") problems.push('repository must be a string "owner/name"');
        else problems.push(...repositoryProblems(args.repository));
    }
    // Unset means "none"; undefined below means "an Output, checked once resolved".
    const environments = args.environments === undefined ? [] : isKnown(args.environments) ? args.environments : undefined;
    const allowPullRequests =
        args.allowPullRequests === undefined ? false : isKnown(args.allowPullRequests) ? args.allowPullRequests : undefined;
    if (environments !== undefined) {
        for (const env of environments) {
            if (isKnown(env) && (typeof env !== "string" || !environmentPattern.test(env))) {
                problems.push(
                    `environment ${JSON.stringify(env)} is not a usable GitHub environment name: use the name shown under ` +
                        `Settings > Environments (no ":", "*", "?" and no leading or trailing spaces)`,
                );
            }
        }
        const names = environments.filter((e): e is string => typeof e === "string");
        const duplicates = names.filter((e, i) => names.indexOf(e) !== i);
        if (duplicates.length > 0) problems.push(`environments lists ${JSON.stringify(duplicates[0])} twice; list each once`);
    }
    if (environments !== undefined && allowPullRequests !== undefined) {
        if (environments.length === 0 && !allowPullRequests) {
            problems.push(
                "nothing may assume the role: list `environments` (a deploy role) or set `allowPullRequests: true` (a preview role)",
            );
        }
        if (environments.length > 0 && allowPullRequests) {
            problems.push(
                "a role cannot trust both `environments` and pull requests: code on any branch could then deploy; " +
                    "declare a separate read-only preview role with `allowPullRequests: true` and no environments",
            );
        }
    }
    if (args.oidcProviderArn !== undefined && isKnown(args.oidcProviderArn) && !providerArnPattern.test(String(args.oidcProviderArn))) {
        problems.push(
            `oidcProviderArn must be the ARN of the ${githubOidcHost} provider, ` +
                `"arn:aws:iam::<account-id>:oidc-provider/${githubOidcHost}" (got ${JSON.stringify(args.oidcProviderArn)}); ` +
                "leave it unset to declare the provider here",
        );
    }
    if (args.managedPolicyArns === undefined && args.inlinePolicy === undefined) {
        problems.push("the role would have no permissions: give `managedPolicyArns`, `inlinePolicy` or both");
    }
    if (args.maxSessionDuration !== undefined && isKnown(args.maxSessionDuration)) {
        const seconds = args.maxSessionDuration;
        if (!Number.isInteger(seconds) || seconds < minSessionSeconds || seconds > maxSessionSeconds) {
            problems.push(
                `maxSessionDuration must be a whole number of seconds from ${minSessionSeconds} to ${maxSessionSeconds} (got ${seconds})`,
            );
        }
    }
    if (problems.length > 0) {
        throw new pulumi.RunError(`GithubDeployRole ${name}: misconfigured:\n  - ${problems.join("\n  - ")}`);
    }
}

/** The exact `sub` claims the role trusts, in a stable order. */
export function githubSubjects(trust: GithubTrust): string[] {
    const subjects = trust.environments.map((env) => `repo:${trust.repository}:environment:${env}`);
    if (trust.allowPullRequests) subjects.push(`repo:${trust.repository}:pull_request`);
    return subjects;
}

/** The trust policy document, as plain data (assignable to `aws.iam.PolicyDocument`). */
export interface GithubTrustPolicy {
    readonly Version: "2012-10-17";
    readonly Statement: Array<{
        readonly Sid: string;
        readonly Effect: "Allow";
        readonly Principal: { readonly Federated: string };
        readonly Action: "sts:AssumeRoleWithWebIdentity";
        readonly Condition: { readonly StringEquals: Readonly<Record<string, string | string[]>> };
    }>;
}

/** The role's trust policy: web identity from the GitHub provider, exact audience, exact subjects. */
export function githubTrustPolicy(providerArn: string, trust: GithubTrust): GithubTrustPolicy {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GithubActionsOidc",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${githubOidcHost}:aud`]: stsAudience,
                        [`${githubOidcHost}:sub`]: githubSubjects(trust),
                    },
                },
            },
        ],
    };
}

/**
 * An IAM role assumable only by chosen GitHub Actions jobs of one repository, plus (unless an
 * existing provider ARN is given) the account's GitHub OIDC provider.
 */
export class GithubDeployRole extends pulumi.ComponentResource {
    /** ARN to set as the workflow's `role-to-assume` (a repository or environment variable). */
    public readonly roleArn: pulumi.Output<string>;
    /** Name of the role. */
    public readonly roleName: pulumi.Output<string>;
    /** ARN of the GitHub OIDC provider the role trusts; pass it to every further role in the account. */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** The `sub` claims the role trusts. */
    public readonly subjects: pulumi.Output<string[]>;

    constructor(name: string, args: GithubDeployRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:ci:GithubDeployRole", name, {}, opts);
        validateGithubDeployRoleArgs(name, args);

        const maxSessionDuration = args.maxSessionDuration ?? defaultSessionSeconds;

        const providerArn: pulumi.Output<string> =
            args.oidcProviderArn !== undefined
                ? pulumi.output(args.oidcProviderArn)
                : new aws.iam.OpenIdConnectProvider(
                      `${name}-oidc`,
                      {
                          url: githubOidcUrl,
                          clientIdLists: [stsAudience],
                          // AWS validates GitHub's certificate against its own trusted CAs; no thumbprint needed.
                          tags: args.tags,
                      },
                      { parent: this },
                  ).arn;

        // Arguments that were Outputs are checked once resolved (the engine reports the error).
        const trust = pulumi
            .all([args.repository, args.environments ?? [], args.allowPullRequests ?? false])
            .apply(([repository, environments, allowPullRequests]): GithubTrust => {
                validateGithubDeployRoleArgs(name, {
                    repository,
                    environments,
                    allowPullRequests,
                    managedPolicyArns: args.managedPolicyArns,
                    inlinePolicy: args.inlinePolicy,
                });
                return { repository, environments, allowPullRequests };
            });

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: pulumi.interpolate`GitHub Actions OIDC role for ${args.repository}`,
                assumeRolePolicy: pulumi.all([providerArn, trust]).apply(([arn, t]) => JSON.stringify(githubTrustPolicy(arn, t))),
                maxSessionDuration,
                permissionsBoundary: args.permissionsBoundary,
                // Exclusive attachments below own the managed policies; detaching lets the role be deleted.
                forceDetachPolicies: true,
                tags: args.tags,
            },
            { parent: this },
        );

        if (args.managedPolicyArns !== undefined) {
            new aws.iam.RolePolicyAttachmentsExclusive(
                `${name}-managed`,
                {
                    roleName: role.name,
                    policyArns: args.managedPolicyArns,
                },
                { parent: this },
            );
        }
        if (args.inlinePolicy !== undefined) {
            new aws.iam.RolePolicy(
                `${name}-inline`,
                {
                    role: role.name,
                    policy: args.inlinePolicy,
                },
                { parent: this },
            );
        }

        this.roleArn = role.arn;
        this.roleName = role.name;
        this.oidcProviderArn = providerArn;
        this.subjects = trust.apply(githubSubjects);
        this.registerOutputs({
            roleArn: this.roleArn,
            roleName: this.roleName,
            oidcProviderArn: this.oidcProviderArn,
            subjects: this.subjects,
        });
    }
}
