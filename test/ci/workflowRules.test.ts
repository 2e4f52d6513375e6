/**
 * Each workflow rule can fail: a compliant baseline workflow passes every rule, then one mutation per
 * test breaks exactly the rule it names. (actionlint's own cases: actionlint.test.ts.)
 */
import { strict as assert } from "node:assert";
import { baseline, mutate, pullRequestBaseline, sha } from "./workflowSamples";
import { checkWorkflow, type RuleId } from "./workflowRules";

function rulesBroken(text: string, file = "deploy.yml"): RuleId[] {
    return [...new Set(checkWorkflow(text, file).map((v) => v.rule))].sort();
}

describe("workflow rules", () => {
    it("pass the compliant baselines", () => {
        assert.deepEqual(checkWorkflow(baseline(), "deploy.yml"), []);
        assert.deepEqual(checkWorkflow(pullRequestBaseline(), "pull-request.yml"), []);
    });

    const cases: Array<{ rule: RuleId; what: string; text: () => string; file?: string }> = [
        {
            rule: "pinned-action",
            what: "an action pinned to a tag",
            text: () => mutate(baseline(), `pulumi/actions@${sha}`, "pulumi/actions@v7"),
        },
        {
            rule: "pinned-action",
            what: "an action pinned to a short SHA",
            text: () => mutate(baseline(), `actions/checkout@${sha}`, "actions/checkout@0123456"),
        },
        {
            rule: "pinned-action",
            what: "an action pinned to a branch",
            text: () => mutate(baseline(), `actions/setup-node@${sha}`, "actions/setup-node@main"),
        },
        {
            rule: "pinned-action-comment",
            what: "a SHA without its version comment",
            text: () => mutate(baseline(), `@${sha} # v7.0.0`, `@${sha}`),
        },
        {
            rule: "top-level-permissions",
            what: "write permissions at the top",
            text: () => mutate(baseline(), "permissions: {}", "permissions:\n  contents: write"),
        },
        { rule: "top-level-permissions", what: "no top-level permissions", text: () => mutate(baseline(), "permissions: {}\n", "") },
        {
            rule: "job-permissions",
            what: "a job without permissions",
            text: () =>
                mutate(
                    baseline(),
                    /    permissions:\n      contents: read\n      id-token: write\n    concurrency:\n      group: pulumi-production/,
                    "    concurrency:\n      group: pulumi-production",
                ),
        },
        {
            rule: "id-token-scope",
            what: "id-token: write on a job that assumes no role",
            text: () => mutate(pullRequestBaseline(), "      contents: read\n", "      contents: read\n      id-token: write\n"),
            file: "pull-request.yml",
        },
        {
            rule: "id-token-scope",
            what: "a role assumed without id-token: write",
            text: () =>
                mutate(
                    baseline(),
                    /      id-token: write\n    concurrency:\n      group: pulumi-production/,
                    "    concurrency:\n      group: pulumi-production",
                ),
        },
        {
            rule: "expression-in-run",
            what: "github.event interpolated into a script",
            text: () => mutate(pullRequestBaseline(), 'run: echo "$TITLE"', 'run: echo "${{ github.event.pull_request.title }}"'),
            file: "pull-request.yml",
        },
        {
            rule: "expression-in-run",
            what: "github.head_ref interpolated into a script",
            text: () => mutate(pullRequestBaseline(), 'run: echo "$TITLE"', "run: git checkout ${{ github.head_ref }}"),
            file: "pull-request.yml",
        },
        {
            rule: "pull-request-target",
            what: "pull_request_target",
            text: () => mutate(pullRequestBaseline(), "  pull_request:\n", "  pull_request_target:\n"),
            file: "pull-request.yml",
        },
        {
            rule: "pull-request-trigger",
            what: "a pull-request workflow that does not run on pull_request",
            text: () => mutate(pullRequestBaseline(), "  pull_request:\n    branches: [main]\n", "  push:\n    branches: [main]\n"),
            file: "pull-request.yml",
        },
        {
            rule: "deploy-concurrency",
            what: "a deploy job without a concurrency group",
            text: () => mutate(baseline(), "    concurrency:\n      group: pulumi-staging\n      cancel-in-progress: false\n", ""),
        },
        {
            rule: "deploy-concurrency",
            what: "a deploy job that cancels in-progress updates",
            text: () =>
                mutate(
                    baseline(),
                    /group: pulumi-production\n      cancel-in-progress: false/,
                    "group: pulumi-production\n      cancel-in-progress: true",
                ),
        },
        {
            rule: "deploy-concurrency",
            what: "a deploy job that leaves cancel-in-progress implicit",
            text: () => mutate(baseline(), /group: pulumi-staging\n      cancel-in-progress: false\n/, "group: pulumi-staging\n"),
        },
        {
            rule: "deploy-concurrency",
            what: "a group that is not the job's stack",
            text: () => mutate(baseline(), "group: pulumi-staging", "group: pulumi-production"),
        },
        {
            rule: "production-approval",
            what: "production without the protected environment",
            text: () => mutate(baseline(), "    environment: production\n", ""),
        },
        {
            rule: "production-approval",
            what: "production that does not need staging",
            text: () => mutate(baseline(), "    needs: staging\n", ""),
        },
        {
            rule: "checkout-credentials",
            what: "checkout that leaves the token in .git/config",
            text: () => mutate(baseline(), "persist-credentials: false", "persist-credentials: true"),
        },
        {
            rule: "cache-with-credentials",
            what: "a dependency cache in a job with cloud credentials",
            text: () => mutate(baseline(), "package-manager-cache: false", "cache: npm"),
        },
    ];

    for (const c of cases) {
        it(`${c.rule} catches ${c.what}`, () => {
            const broken = rulesBroken(c.text(), c.file);
            assert.ok(broken.includes(c.rule), `expected ${c.rule}, got [${broken.join(", ")}]`);
        });
    }
});
