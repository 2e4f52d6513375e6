/**
 * Shared helpers of the probe tests: the probe CLI run in-process (fast) or as a child process (exit
 * codes, NODE_EXTRA_CA_CERTS, the component's command line), against loopback HTTPS servers. Runs
 * are not timed here: timings belong to `npm run bench`.
 */
import { spawn } from "node:child_process";
import { main } from "../../probes/cli";
import type { PlatformUrls } from "../../sandbox/loopback/platform";
import type { ProbeReport } from "../../probes/run";
import { repoRoot } from "../../sandbox/stacks";

export { repoRoot };

export interface CliRun {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export function targetArgs(urls: PlatformUrls): string[] {
    return ["--api", urls.api, "--identity", urls.identity, "--portal", urls.portal];
}

/** The CLI's `main` in this process, the way `npm run smoke` calls it, with real stack-output reading. */
export async function runCliInProcess(args: readonly string[], environment: Record<string, string | undefined> = {}): Promise<CliRun> {
    let stdout = "";
    let stderr = "";
    const code = await main(args, environment, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    return { code, stdout, stderr };
}

/** Runs a command line through /bin/sh from the repository root, as the Command provider does. */
export function runShell(commandLine: string, environment: Record<string, string | undefined>): Promise<CliRun> {
    return spawnAndCollect("/bin/sh", ["-c", commandLine], environment);
}

/** The CLI as a child process (node + ts-node's register hook, as the SmokeProbes component runs it). */
export function spawnCli(args: readonly string[], environment: Record<string, string | undefined> = {}): Promise<CliRun> {
    return spawnAndCollect(process.execPath, ["--require", "ts-node/register/transpile-only", "probes/cli.ts", ...args], environment);
}

function spawnAndCollect(file: string, args: readonly string[], environment: Record<string, string | undefined>): Promise<CliRun> {
    return new Promise((resolve, reject) => {
        // A clean environment: nothing from the developer's shell (SMOKE_*, NODE_EXTRA_CA_CERTS) leaks in.
        const child = spawn(file, [...args], {
            cwd: repoRoot,
            env: { PATH: process.env["PATH"], HOME: process.env["HOME"], ...environment },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

export function parseReport(run: CliRun): ProbeReport {
    try {
        return JSON.parse(run.stdout) as ProbeReport;
    } catch {
        throw new Error(`expected a JSON report on stdout (exit ${run.code}); stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    }
}

export function checkOf(report: ProbeReport, id: string): ProbeReport["checks"][number] {
    const check = report.checks.find((candidate) => candidate.id === id);
    if (check === undefined) {
        throw new Error(`no check ${id} in the report (have ${report.checks.map((c) => c.id).join(", ")})`);
    }
    return check;
}

/** The ids of the failed checks, sorted. */
export function failedIds(report: ProbeReport): string[] {
    return report.checks
        .filter((check) => !check.passed)
        .map((check) => check.id)
        .sort();
}

/** A Node stack trace line, which no output of the CLI may contain. */
export const stackTraceLine = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

/**
 * What a retried check last saw. A check that keeps failing is retried until the run's deadline, and
 * on a loaded machine the deadline may cut the final attempt short; the report then reads "no complete
 * answer before the run deadline ...; the last complete attempt got: <what it saw>". Tests that assert
 * what a failing endpoint answered compare <what it saw>, so they hold however the deadline falls.
 */
export function settledObservation(observed: string): string {
    const marker = "; the last complete attempt got: ";
    const at = observed.indexOf(marker);
    return observed.startsWith("no ") && observed.includes("before the run deadline") && at >= 0
        ? observed.slice(at + marker.length)
        : observed;
}
