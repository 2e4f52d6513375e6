/**
 * Helpers for the real-engine tests and the engine benchmark: locate (or build) the toolchain, run
 * the Pulumi CLI with a local file backend and a passphrase secrets provider, and lay out a copy of
 * the project in a temporary folder so nothing in the repository changes.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const repoRoot = path.resolve(__dirname, "..", "..");

/**
 * The toolchain's environment: its bin dir first on PATH, its PULUMI_HOME, no update checks or downloads.
 * `cluster: false` leaves the local cluster's binaries unbuilt (for callers that never start it).
 */
export function toolchainEnv(opts: { cluster?: boolean } = {}): NodeJS.ProcessEnv {
    const buildEnv = opts.cluster === false ? { ...process.env, PULUMI_TOOLCHAIN_CLUSTER: "0" } : process.env;
    const result = spawnSync("bash", [path.join(repoRoot, "tools", "toolchain.sh")], { encoding: "utf8", env: buildEnv, stdio: ["ignore", "pipe", "inherit"] });
    if (result.status !== 0) throw new Error(`tools/toolchain.sh failed with exit code ${result.status}`);
    const bin = result.stdout.trim().split("\n").pop()!;
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // Transpile-only: the engine's fast path for TypeScript programs (tsc --noEmit checks types in CI).
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        // The local stack's documented passphrase: it guards no real credential (scripts/local-up.sh).
        PULUMI_CONFIG_PASSPHRASE: "local-stack-only",
    };
    const home = path.join(path.dirname(bin), "pulumi-home");
    if (fs.existsSync(home)) env.PULUMI_HOME = home;
    return env;
}

export interface CliResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

export function runPulumi(args: string[], cwd: string, env: NodeJS.ProcessEnv): CliResult {
    const started = Date.now();
    const result = spawnSync("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "", ms: Date.now() - started };
}

/** Fails with the CLI's own output when a command did not exit 0. */
export function ok(result: CliResult, what: string): CliResult {
    if (result.code !== 0) throw new Error(`${what} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    return result;
}

/** Folders and files the program needs; node_modules is linked, not copied. */
const programEntries = ["Pulumi.yaml", "Pulumi.local.yaml", "package.json", "tsconfig.json", "index.ts", "catalog", "config", "components", "probes"];

/** A temporary copy of the project (or of a fixture program) with its own file backend. */
export function workspace(source: string, entries?: string[]): { dir: string; backend: string } {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "grownext-engine-"));
    const dir = path.join(base, "project");
    fs.mkdirSync(dir);
    for (const entry of entries ?? fs.readdirSync(source).filter((e) => e !== "node_modules")) {
        fs.cpSync(path.join(source, entry), path.join(dir, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    const backend = path.join(base, "state");
    fs.mkdirSync(backend);
    return { dir, backend };
}

export function projectWorkspace(): { dir: string; backend: string } {
    return workspace(repoRoot, programEntries);
}

export function withBackend(env: NodeJS.ProcessEnv, backend: string): NodeJS.ProcessEnv {
    return { ...env, PULUMI_BACKEND_URL: `file://${backend}` };
}
