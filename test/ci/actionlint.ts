/**
 * actionlint, the Go build from tools/actionlint-toolchain.sh (built from Go modules into the
 * toolchain cache on first use, about 1.5 minutes; instant afterwards). With shellcheck on PATH it
 * also checks every `run:` script. Its findings are used as they come: nothing is filtered.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
export const workflowsDir = path.join(root, ".github/workflows");

export function workflowFiles(): string[] {
    return fs
        .readdirSync(workflowsDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
}

export function readWorkflow(file: string): string {
    return fs.readFileSync(path.join(workflowsDir, file), "utf8");
}

/** One finding, as actionlint's JSON output gives it. */
export interface Finding {
    message: string;
    filepath: string;
    line: number;
    column: number;
    kind: string;
}

let binary: string | undefined;

/** The actionlint binary, built by tools/actionlint-toolchain.sh when the cache does not hold it yet. */
export function actionlintBinary(): string {
    if (binary === undefined) {
        const out = execFileSync("bash", [path.join(root, "tools/actionlint-toolchain.sh")], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
        });
        binary = out.trim().split("\n").pop() ?? "";
        if (!fs.existsSync(binary)) throw new Error(`tools/actionlint-toolchain.sh printed no actionlint binary (got "${binary}")`);
    }
    return binary;
}

/** Whether shellcheck is on PATH (actionlint then checks `run:` scripts with it). */
export function hasShellcheck(): boolean {
    return spawnSync("shellcheck", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Every finding of actionlint on a workflow's text (exit 0: none; 1: findings; anything else: failure). */
export function lint(text: string, file: string): Finding[] {
    const run = spawnSync(actionlintBinary(), ["-no-color", "-format", "{{json .}}", "-stdin-filename", file, "-"], {
        input: text,
        encoding: "utf8",
    });
    if (run.status !== 0 && run.status !== 1) throw new Error(`actionlint failed (exit ${run.status}): ${run.stderr}`);
    return run.stdout.trim() === "" ? [] : (JSON.parse(run.stdout) as Finding[]);
}

export function format(findings: Finding[]): string {
    return findings.map((f) => `${f.filepath}:${f.line}:${f.column}: ${f.message} [${f.kind}]`).join("\n");
}
