#!/usr/bin/env node
/**
 * Posts, or edits in place, the pull-request comment of a preview that failed.
 *
 * pulumi/actions comments on the pull request only when the command succeeds; a preview stopped by a
 * mandatory policy violation would leave no trace on the PR but a red check. The workflow re-runs the
 * failed preview with the CLI, saves its output, and calls this script. The comment uses the action's
 * own heading and summary tag, so there stays one comment per stack: the action's next successful
 * run edits this comment, and this script edits the action's.
 *
 * Usage: node .github/scripts/preview-comment.cjs <preview-log-file>
 * Environment: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, PR_NUMBER, PULUMI_STACK,
 * RERUN_EXIT_CODE (exit code of the re-run), RUN_URL (link to the workflow run).
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const YAML = require("yaml");

/** GitHub rejects comments over 65,536 characters; keep room for the heading and markup. */
const maxLogChars = 60000;
/** The marker pulumi/actions looks for (with the heading) when it edits its previous comment. */
const summaryTag = "<summary>Pulumi report</summary>";

/** The heading pulumi/actions writes: `#### :tropical_drink: \`<command>\` on <project>/<stack>`. */
function commentHeading(command, project, stack) {
    return `#### :tropical_drink: \`${command}\` on ${project}/${stack}`;
}

function stripAnsi(text) {
    // eslint-disable-next-line no-control-regex -- ANSI escapes start with the ESC control character
    return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}

function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The last `max` characters, cut at a line start: violations and the summary come last. */
function keepTail(text, max) {
    if (text.length <= max) return { text, trimmed: false };
    const cut = text.slice(text.length - max);
    const newline = cut.indexOf("\n");
    return { text: newline >= 0 ? cut.slice(newline + 1) : cut, trimmed: true };
}

/** The comment body for a failed preview. */
function renderFailureComment({ project, stack, log, rerunExitCode, runUrl }) {
    const { text, trimmed } = keepTail(stripAnsi(log).trimEnd(), maxLogChars);
    const verdict =
        rerunExitCode === 0
            ? ":warning: **Preview failed**, but re-running it to capture this output passed: the failure was probably " +
              "transient (a network or backend error). Re-run the job; the check stays red until a preview passes."
            : ":x: **Preview failed.** A mandatory policy violation or an error stops this change: fix it and push. " +
              "The check stays red until a preview passes, and this comment is then replaced by the new diff.";
    return [
        commentHeading("preview", project, stack),
        "",
        verdict,
        runUrl ? `\n[Workflow run](${runUrl})` : "",
        "",
        "<details open>",
        summaryTag,
        "",
        trimmed ? ":warning: The output was too long; only its end is shown." : "",
        "<pre>",
        escapeHtml(text),
        "</pre>",
        "</details>",
        "",
    ].join("\n");
}

/**
 * The earlier comment for this stack (the action's or ours), if any. Like the action, heading and
 * summary tag; stricter than the action, the heading must end its line (`staging` is not `staging-eu`).
 */
function findPreviewComment(comments, heading) {
    return comments.find((c) => typeof c.body === "string" && c.body.startsWith(`${heading}\n`) && c.body.includes(summaryTag));
}

async function github(fetchImpl, { api, token }, method, route, body) {
    const response = await fetchImpl(`${api}${route}`, {
        method,
        headers: {
            accept: "application/vnd.github+json",
            authorization: `Bearer ${token}`,
            "x-github-api-version": "2022-11-28",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
        throw new Error(`${method} ${route} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
    }
    return response.json();
}

/** Edits the stack's comment when one exists, otherwise creates it. Returns what it did. */
async function upsertComment({ api, token, repository, pr, heading, body, fetchImpl = fetch }) {
    const client = { api, token };
    for (let page = 1; page <= 50; page++) {
        const comments = await github(fetchImpl, client, "GET", `/repos/${repository}/issues/${pr}/comments?per_page=100&page=${page}`);
        const existing = findPreviewComment(comments, heading);
        if (existing) {
            await github(fetchImpl, client, "PATCH", `/repos/${repository}/issues/comments/${existing.id}`, { body });
            return { action: "updated", id: existing.id };
        }
        if (comments.length < 100) break;
    }
    const created = await github(fetchImpl, client, "POST", `/repos/${repository}/issues/${pr}/comments`, { body });
    return { action: "created", id: created.id };
}

/** The project name from Pulumi.yaml, as pulumi/actions puts it in its heading. */
function projectName(dir) {
    const doc = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
    if (!doc || typeof doc.name !== "string") throw new Error(`no project name in ${path.join(dir, "Pulumi.yaml")}`);
    return doc.name;
}

function requireEnv(name) {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set; the workflow step must pass it in env`);
    return value;
}

async function main(argv) {
    const logFile = argv[0];
    if (!logFile) throw new Error("usage: preview-comment.cjs <preview-log-file>");
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : `(no output: ${logFile} was not written)`;
    const stack = requireEnv("PULUMI_STACK");
    const project = projectName(process.cwd());
    const heading = commentHeading("preview", project, stack);
    const body = renderFailureComment({
        project,
        stack,
        log,
        rerunExitCode: Number(process.env.RERUN_EXIT_CODE ?? "1"),
        runUrl: process.env.RUN_URL,
    });
    const result = await upsertComment({
        api: process.env.GITHUB_API_URL || "https://api.github.com",
        token: requireEnv("GITHUB_TOKEN"),
        repository: requireEnv("GITHUB_REPOSITORY"),
        pr: requireEnv("PR_NUMBER"),
        heading,
        body,
    });
    console.log(`${result.action} comment ${result.id} for ${stack}`);
}

module.exports = { commentHeading, renderFailureComment, findPreviewComment, upsertComment, keepTail, escapeHtml, stripAnsi, summaryTag };

if (require.main === module) {
    main(process.argv.slice(2)).catch((err) => {
        console.error(`::error title=Preview comment::${err.message}`);
        process.exit(1);
    });
}
