/**
 * actionlint (Go build, with shellcheck) on the real workflows and on broken ones. Not part of
 * `npm test` (.mocharc.json ignores it: the first run builds actionlint from Go modules, ~1.5 min);
 * `npm run lint` runs it through `npm run lint:workflows`, and `npm run ci:lint` with the rest of test/ci.
 */
import { strict as assert } from "node:assert";
import { actionlintBinary, format, hasShellcheck, lint, readWorkflow, workflowFiles } from "./actionlint";
import { baseline, mutate, pullRequestBaseline } from "./workflowSamples";

describe("actionlint", function () {
    before(function () {
        this.timeout(15 * 60_000); // a cold build of actionlint, once per version
        actionlintBinary();
    });

    it("has shellcheck on PATH, so run: scripts are checked too", () => {
        assert.ok(hasShellcheck(), "shellcheck is not on PATH: install it (Debian: apt-get install -y shellcheck); .ci/run does");
    });

    for (const file of workflowFiles()) {
        it(`finds nothing in ${file}`, () => {
            const findings = lint(readWorkflow(file), `.github/workflows/${file}`);
            assert.deepEqual(findings, [], `actionlint:\n${format(findings)}`);
        });
    }

    it("finds nothing in the compliant samples, vars context included", () => {
        for (const [text, file] of [
            [baseline(), "deploy.yml"],
            [pullRequestBaseline(), "pull-request.yml"],
        ] as const) {
            assert.deepEqual(lint(text, file), [], format(lint(text, file)));
        }
        const withVars = mutate(baseline(), "aws-region: eu-west-1", "aws-region: ${{ vars.AWS_REGION }}");
        assert.deepEqual(lint(withVars, "deploy.yml"), [], "vars is a context this actionlint knows");
    });

    it("reports untrusted input in a script, a job without runs-on and an unknown context", () => {
        const injected = mutate(pullRequestBaseline(), 'run: echo "$TITLE"', 'run: echo "${{ github.event.pull_request.title }}"');
        assert.ok(
            lint(injected, "pull-request.yml").some((f) => /potentially untrusted/.test(f.message)),
            format(lint(injected, "pull-request.yml")),
        );
        const broken = mutate(baseline(), "runs-on: ubuntu-latest\n    environment: staging", "environment: staging");
        assert.ok(lint(broken, "deploy.yml").length > 0, "a job without runs-on is an error");
        const typo = mutate(baseline(), "aws-region: eu-west-1", "aws-region: ${{ varz.AWS_REGION }}");
        assert.deepEqual(
            lint(typo, "deploy.yml").map((f) => f.kind),
            ["expression"],
            "an unknown context is an error",
        );
    });

    it("reports shellcheck's findings in a run: script", () => {
        const unquoted = mutate(pullRequestBaseline(), 'run: echo "$TITLE"', "run: echo $TITLE");
        const findings = lint(unquoted, "pull-request.yml");
        assert.ok(
            findings.some((f) => f.kind === "shellcheck" && /SC2086/.test(f.message)),
            format(findings),
        );
    });
});
