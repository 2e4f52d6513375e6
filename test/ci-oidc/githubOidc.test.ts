/**
 * GithubDeployRole under Pulumi mocks: what it declares (provider, role, trust policy, policies)
 * and what it refuses.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, recorder, settle } from "../../sandbox/mocks";
import type * as oidc from "../../ci-oidc/githubOidc";

const providerType = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
const roleType = "aws:iam/role:Role";
const existingArn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

interface Statement {
    Effect: string;
    Principal: { Federated: string };
    Action: string;
    Condition: Record<string, Record<string, string | string[]>>;
}

let m: typeof oidc;

function trustOf(roleName: string): Statement {
    const policy = JSON.parse(recorder.one(roleType, roleName).inputs.assumeRolePolicy) as { Statement: Statement[] };
    assert.equal(policy.Statement.length, 1, "one trust statement");
    return policy.Statement[0]!;
}

function deployArgs(overrides: Partial<oidc.GithubDeployRoleArgs> = {}): oidc.GithubDeployRoleArgs {
    return {
        repository: "acme/grownext-platform",
        environments: ["staging", "production"],
        managedPolicyArns: ["arn:aws:iam::aws:policy/PowerUserAccess"],
        ...overrides,
    };
}

describe("GithubDeployRole", () => {
    before(async () => {
        installMocks({ project: "grownext", stack: "ci" });
        m = await import("../../ci-oidc/githubOidc");
    });
    beforeEach(() => recorder.reset());

    it("declares GitHub's OIDC provider for sts.amazonaws.com when no ARN is given", async () => {
        const role = new m.GithubDeployRole("deploy", deployArgs());
        await settle();
        const providers = recorder.ofType(providerType);
        assert.equal(providers.length, 1);
        assert.equal(providers[0]!.name, "deploy-oidc");
        assert.equal(providers[0]!.inputs.url, "https://token.actions.githubusercontent.com");
        assert.deepEqual(providers[0]!.inputs.clientIdLists, ["sts.amazonaws.com"]);
        assert.equal(trustOf("deploy-role").Principal.Federated, await promiseOf(role.oidcProviderArn));
    });

    it("trusts exactly aud sts.amazonaws.com and one exact sub per environment, with no wildcard", async () => {
        const role = new m.GithubDeployRole("deploy", deployArgs());
        await settle();
        const trust = trustOf("deploy-role");
        assert.equal(trust.Effect, "Allow");
        assert.equal(trust.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepEqual(Object.keys(trust.Condition), ["StringEquals"], "StringEquals only: no StringLike, no wildcard matching");
        assert.deepEqual(trust.Condition.StringEquals, {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [
                "repo:acme/grownext-platform:environment:staging",
                "repo:acme/grownext-platform:environment:production",
            ],
        });
        assert.ok(!/[*?]/.test(JSON.stringify(trust)), "no wildcard character anywhere in the trust statement");
        assert.deepEqual(await promiseOf(role.subjects), trust.Condition.StringEquals["token.actions.githubusercontent.com:sub"]);
    });

    it("reuses an existing provider ARN and declares no provider", async () => {
        const role = new m.GithubDeployRole("deploy", deployArgs({ oidcProviderArn: existingArn }));
        await settle();
        assert.equal(recorder.ofType(providerType).length, 0);
        assert.equal(trustOf("deploy-role").Principal.Federated, existingArn);
        assert.equal(await promiseOf(role.oidcProviderArn), existingArn);
    });

    it("makes a preview role trusted by the repository's pull_request jobs only", async () => {
        new m.GithubDeployRole("preview", {
            repository: "acme/grownext-platform",
            allowPullRequests: true,
            oidcProviderArn: existingArn,
            managedPolicyArns: ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"],
        });
        await settle();
        assert.deepEqual(trustOf("preview-role").Condition.StringEquals!["token.actions.githubusercontent.com:sub"], [
            "repo:acme/grownext-platform:pull_request",
        ]);
    });

    it("attaches the managed policies exclusively and the inline policy, with the session length", async () => {
        const inline = {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::state/*" }],
        };
        new m.GithubDeployRole("deploy", deployArgs({ inlinePolicy: JSON.stringify(inline), maxSessionDuration: 7200 }));
        await settle();
        const role = recorder.one(roleType, "deploy-role");
        assert.equal(role.inputs.maxSessionDuration, 7200);
        assert.equal(role.inputs.forceDetachPolicies, true);
        const managed = recorder.one("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "deploy-managed");
        assert.deepEqual(managed.inputs.policyArns, ["arn:aws:iam::aws:policy/PowerUserAccess"]);
        assert.deepEqual(JSON.parse(recorder.one("aws:iam/rolePolicy:RolePolicy", "deploy-inline").inputs.policy), inline);
    });

    it("defaults the session to one hour and declares no inline policy unless given", async () => {
        new m.GithubDeployRole("deploy", deployArgs());
        await settle();
        assert.equal(recorder.one(roleType, "deploy-role").inputs.maxSessionDuration, 3600);
        assert.equal(recorder.ofType("aws:iam/rolePolicy:RolePolicy").length, 0);
    });

    it("names children after the instance and parents them to it, so two instances never collide", async () => {
        const parented: string[] = [];
        const record: pulumi.ResourceTransformation = (args) => {
            if (args.opts.parent !== undefined) parented.push(args.name);
            return undefined;
        };
        const first = new m.GithubDeployRole("staging", deployArgs({ environments: ["staging"] }), { transformations: [record] });
        new m.GithubDeployRole("production", deployArgs({ environments: ["production"], oidcProviderArn: first.oidcProviderArn }));
        await settle();
        const names = recorder.resources
            .filter((r) => r.custom)
            .map((r) => r.name)
            .sort();
        assert.deepEqual(names, ["production-managed", "production-role", "staging-managed", "staging-oidc", "staging-role"]);
        assert.deepEqual(parented.sort(), ["staging-managed", "staging-oidc", "staging-role"]);
        assert.equal(recorder.ofType("grownext:ci:GithubDeployRole").length, 2);
    });

    describe("refuses, saying what to change", () => {
        const refusals: Array<{ what: string; args: () => oidc.GithubDeployRoleArgs; message: RegExp }> = [
            {
                what: "a repository without an owner",
                args: () => deployArgs({ repository: "grownext-platform" }),
                message: /repository must be "owner\/name"/,
            },
            { what: "a wildcard repository", args: () => deployArgs({ repository: "acme/*" }), message: /wildcards.*not allowed/ },
            {
                what: "a wildcard owner",
                args: () => deployArgs({ repository: "*/grownext-platform" }),
                message: /repository must be "owner\/name"/,
            },
            {
                what: "a repository URL",
                args: () => deployArgs({ repository: "https://github.com/acme/grownext-platform" }),
                message: /got "https:\/\/github.com/,
            },
            { what: "a .git suffix", args: () => deployArgs({ repository: "acme/grownext-platform.git" }), message: /\.git/ },
            {
                what: "an extra path segment",
                args: () => deployArgs({ repository: "acme/grownext/platform" }),
                message: /repository must be "owner\/name"/,
            },
            {
                what: "a wildcard environment",
                args: () => deployArgs({ environments: ["prod*"] }),
                message: /environment "prod\*" is not a usable GitHub environment name/,
            },
            { what: "an environment with a colon", args: () => deployArgs({ environments: ["staging:ref"] }), message: /no ":"/ },
            {
                what: "an environment listed twice",
                args: () => deployArgs({ environments: ["staging", "staging"] }),
                message: /lists "staging" twice/,
            },
            { what: "a role nobody may assume", args: () => deployArgs({ environments: [] }), message: /nothing may assume the role/ },
            {
                what: "a deploy role that also trusts pull requests",
                args: () => deployArgs({ allowPullRequests: true }),
                message: /cannot trust both/,
            },
            {
                what: "a role without permissions",
                args: () => deployArgs({ managedPolicyArns: undefined }),
                message: /no permissions: give `managedPolicyArns`, `inlinePolicy`/,
            },
            {
                what: "a session over 12 hours",
                args: () => deployArgs({ maxSessionDuration: 50000 }),
                message: /maxSessionDuration must be a whole number of seconds from 3600 to 43200/,
            },
            {
                what: "a provider ARN of another issuer",
                args: () => deployArgs({ oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" }),
                message: /oidcProviderArn must be the ARN of the token\.actions\.githubusercontent\.com provider/,
            },
        ];
        for (const r of refusals) {
            it(r.what, () => {
                assert.throws(
                    () => new m.GithubDeployRole("bad", r.args()),
                    (err: Error) => {
                        assert.match(err.message, /^GithubDeployRole bad: misconfigured:/);
                        assert.match(err.message, r.message);
                        return true;
                    },
                );
            });
        }

        it("every problem at once", () => {
            assert.throws(
                () => new m.GithubDeployRole("bad", { repository: "acme", environments: ["a*"], maxSessionDuration: 60 }),
                (err: Error) => err.message.split("\n  - ").length === 5,
            );
        });
    });

    it("builds the trust policy as a pure function too", () => {
        const policy = m.githubTrustPolicy(existingArn, { repository: "acme/x", environments: ["production"], allowPullRequests: false });
        assert.deepEqual(policy.Statement[0], {
            Sid: "GithubActionsOidc",
            Effect: "Allow",
            Principal: { Federated: existingArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": ["repo:acme/x:environment:production"],
                },
            },
        });
    });
});
