/**
 * The workflow helper scripts in .github/scripts: the failed-preview comment and the backend and
 * secrets-provider preflight. Pure functions, plus the comment upsert against a recorded fake API.
 */
import { strict as assert } from "node:assert";

// CommonJS scripts run by `node` in the workflows; typed here for the tests.
interface CommentScript {
    commentHeading(command: string, project: string, stack: string): string;
    renderFailureComment(a: { project: string; stack: string; log: string; rerunExitCode: number; runUrl?: string }): string;
    findPreviewComment(comments: Array<{ id: number; body?: string }>, heading: string): { id: number } | undefined;
    upsertComment(a: {
        api: string;
        token: string;
        repository: string;
        pr: string;
        heading: string;
        body: string;
        fetchImpl: (url: string, init: { method: string; body?: string; headers: Record<string, string> }) => Promise<unknown>;
    }): Promise<{ action: string; id: number }>;
    keepTail(text: string, max: number): { text: string; trimmed: boolean };
    summaryTag: string;
}
interface PreflightScript {
    checkPulumiSettings(s: {
        backendUrl?: string;
        secretsProvider?: string;
        tokenPresent: boolean;
        stackName: string;
        stackFileText?: string;
        roleVariable: string;
        roleArn?: string;
        region?: string;
    }): { errors: string[]; notes: string[] };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script the workflows run with node; require gives its exports
const comment = require("../../.github/scripts/preview-comment.cjs") as CommentScript;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script the workflows run with node; require gives its exports
const preflight = require("../../.github/scripts/pulumi-preflight.cjs") as PreflightScript;

describe("preview-comment.cjs", () => {
    const heading = comment.commentHeading("preview", "grownext", "staging");

    it("uses pulumi/actions' heading and summary so each side edits the other's comment", () => {
        assert.equal(heading, "#### :tropical_drink: `preview` on grownext/staging");
        const body = comment.renderFailureComment({ project: "grownext", stack: "staging", log: "x", rerunExitCode: 255 });
        assert.ok(body.startsWith(heading));
        assert.ok(body.includes("<summary>Pulumi report</summary>"));
        // What pulumi/actions looks for when it edits in place (src/libs/pr.ts).
        assert.ok(comment.findPreviewComment([{ id: 7, body }], heading));
    });

    it("shows the policy violation, escaped, and says the check fails", () => {
        const log =
            "\u001b[31mPolicies:\u001b[0m\n    grownext-policies@v0.1.0 (local: policies)\n        - [mandatory]  redis-noeviction  (aws:elasticache:ReplicationGroup: cache)\n          maxmemory-policy must be <noeviction>\nerror: preview failed\n";
        const body = comment.renderFailureComment({
            project: "grownext",
            stack: "production",
            log,
            rerunExitCode: 255,
            runUrl: "https://github.com/acme/x/actions/runs/1",
        });
        assert.match(body, /:x: \*\*Preview failed\.\*\*/);
        assert.match(body, /\[mandatory\]  redis-noeviction/);
        assert.match(body, /must be &lt;noeviction&gt;/);
        assert.ok(!body.includes("\u001b"), "no ANSI escapes");
        assert.match(body, /\[Workflow run\]\(https:\/\/github.com\/acme\/x\/actions\/runs\/1\)/);
    });

    it("calls a failure that passed on re-run transient", () => {
        const body = comment.renderFailureComment({ project: "grownext", stack: "staging", log: "ok", rerunExitCode: 0 });
        assert.match(body, /probably transient/);
    });

    it("keeps the end of a long log, where the violations and summary are", () => {
        const log = Array.from({ length: 20000 }, (_, i) => `line ${i}`).join("\n");
        const body = comment.renderFailureComment({ project: "grownext", stack: "staging", log, rerunExitCode: 1 });
        assert.ok(body.length < 65536, `comment is ${body.length} characters`);
        assert.ok(body.includes("line 19999") && !body.includes("line 0\n"));
        assert.match(body, /only its end is shown/);
    });

    it("does not take another stack's comment", () => {
        const other = comment.renderFailureComment({ project: "grownext", stack: "staging-eu", log: "x", rerunExitCode: 1 });
        assert.equal(
            comment.findPreviewComment(
                [
                    { id: 1, body: other },
                    { id: 2, body: "#### :tropical_drink: `preview` on grownext/staging" },
                ],
                heading,
            ),
            undefined,
        );
    });

    it("edits the existing comment in place, across pages", async () => {
        const calls: Array<{ method: string; url: string; body?: string }> = [];
        const page1 = Array.from({ length: 100 }, (_, i) => ({ id: i, body: "lgtm" }));
        const page2 = [{ id: 500, body: `${heading}\n\n<details>\n${comment.summaryTag}\n</details>` }];
        const fetchImpl = (url: string, init: { method: string; body?: string }) => {
            calls.push({ method: init.method, url, body: init.body });
            const json = init.method === "GET" ? (/&page=1$/.test(url) ? page1 : page2) : { id: 500 };
            return Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(json), text: () => Promise.resolve("") });
        };
        const result = await comment.upsertComment({
            api: "https://api.github.test",
            token: "t",
            repository: "acme/x",
            pr: "12",
            heading,
            body: "new",
            fetchImpl,
        });
        assert.deepEqual(result, { action: "updated", id: 500 });
        assert.deepEqual(
            calls.map((c) => `${c.method} ${c.url}`),
            [
                "GET https://api.github.test/repos/acme/x/issues/12/comments?per_page=100&page=1",
                "GET https://api.github.test/repos/acme/x/issues/12/comments?per_page=100&page=2",
                "PATCH https://api.github.test/repos/acme/x/issues/comments/500",
            ],
        );
        assert.deepEqual(JSON.parse(calls[2]!.body!), { body: "new" });
    });

    it("creates the comment when none exists, and reports API errors", async () => {
        const posted: string[] = [];
        const ok = (url: string, init: { method: string }) => {
            posted.push(`${init.method} ${url}`);
            return Promise.resolve({
                ok: true,
                status: 201,
                json: () => Promise.resolve(init.method === "GET" ? [] : { id: 9 }),
                text: () => Promise.resolve(""),
            });
        };
        assert.deepEqual(
            await comment.upsertComment({ api: "https://api", token: "t", repository: "a/b", pr: "1", heading, body: "b", fetchImpl: ok }),
            { action: "created", id: 9 },
        );
        assert.equal(posted[1], "POST https://api/repos/a/b/issues/1/comments");
        const denied = () =>
            Promise.resolve({
                ok: false,
                status: 403,
                json: () => Promise.resolve({}),
                text: () => Promise.resolve("Resource not accessible by integration"),
            });
        await assert.rejects(
            comment.upsertComment({ api: "https://api", token: "t", repository: "a/b", pr: "1", heading, body: "b", fetchImpl: denied }),
            /403: Resource not accessible/,
        );
    });
});

describe("pulumi-preflight.cjs", () => {
    const role = "arn:aws:iam::123456789012:role/deploy-staging-role-abc";
    const kms = "awskms://alias/pulumi-grownext?region=eu-west-1";
    const kmsStack = `secretsprovider: ${kms}\nencryptedkey: AQIC...\nconfig:\n  aws:region: eu-west-1\n`;
    const base = { tokenPresent: false, stackName: "staging", roleVariable: "AWS_DEPLOY_ROLE_ARN", roleArn: role, region: "eu-west-1" };

    it("accepts Pulumi Cloud with a token", () => {
        const r = preflight.checkPulumiSettings({ ...base, tokenPresent: true, stackFileText: "config: {}\n" });
        assert.deepEqual(r.errors, []);
        assert.match(r.notes.join("\n"), /Pulumi Cloud/);
    });

    it("accepts an s3 backend with the awskms provider the stack records", () => {
        const r = preflight.checkPulumiSettings({
            ...base,
            backendUrl: "s3://acme-pulumi-state?region=eu-west-1",
            secretsProvider: kms,
            stackFileText: kmsStack,
        });
        assert.deepEqual(r.errors, []);
        assert.match(r.notes.join("\n"), /state: s3:\/\/acme-pulumi-state/);
    });

    const refusals: Array<{ what: string; settings: Partial<Parameters<PreflightScript["checkPulumiSettings"]>[0]>; message: RegExp }> = [
        {
            what: "no backend at all",
            settings: { stackFileText: "" },
            message: /add the PULUMI_ACCESS_TOKEN secret.*or set the PULUMI_BACKEND_URL variable/,
        },
        {
            what: "a missing role variable",
            settings: { tokenPresent: true, roleArn: "" },
            message: /the AWS_DEPLOY_ROLE_ARN variable is not set/,
        },
        {
            what: "a role variable that is not a role ARN",
            settings: { tokenPresent: true, roleArn: "deploy" },
            message: /must be an IAM role ARN/,
        },
        { what: "a missing region", settings: { tokenPresent: true, region: "" }, message: /AWS_REGION variable is not set/ },
        { what: "an unsupported backend", settings: { backendUrl: "file://~" }, message: /PULUMI_BACKEND_URL must be s3:\/\// },
        {
            what: "a non-KMS secrets provider variable",
            settings: { tokenPresent: true, secretsProvider: "passphrase" },
            message: /must be an awskms:\/\/ URL/,
        },
        {
            what: "an s3 stack never created",
            settings: { backendUrl: "s3://b", secretsProvider: kms },
            message: /Pulumi\.staging\.yaml is missing: create the stack once/,
        },
        {
            what: "an s3 stack without a secrets provider",
            settings: { backendUrl: "s3://b", stackFileText: "config: {}\n" },
            message: /records no secretsprovider/,
        },
        {
            what: "a passphrase stack",
            settings: { backendUrl: "s3://b", stackFileText: "encryptionsalt: v1:abc\nconfig: {}\n" },
            message: /passphrase secrets provider, which CI cannot unlock/,
        },
        {
            what: "a stack on another key service",
            settings: { tokenPresent: true, stackFileText: "secretsprovider: gcpkms://projects/p/keys/k\n" },
            message: /uses the "gcpkms" secrets provider/,
        },
        {
            what: "a variable naming another key than the stack",
            settings: { backendUrl: "s3://b", secretsProvider: "awskms://alias/other", stackFileText: kmsStack },
            message: /records "awskms:\/\/alias\/pulumi-grownext/,
        },
        {
            what: "a KMS variable on a Pulumi Cloud-keyed stack",
            settings: { tokenPresent: true, secretsProvider: kms, stackFileText: "config: {}\n" },
            message: /uses Pulumi Cloud's own keys/,
        },
    ];
    for (const r of refusals) {
        it(`refuses ${r.what}, saying what to set`, () => {
            const { errors } = preflight.checkPulumiSettings({ ...base, ...r.settings });
            assert.ok(
                errors.some((e) => r.message.test(e)),
                `expected ${r.message}, got:\n${errors.join("\n")}`,
            );
        });
    }
});
