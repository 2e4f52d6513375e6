/**
 * Helpers for the real-engine tests (test/engine re-exports them) and the engine benchmark: locate (or build) the toolchain, run
 * the Pulumi CLI with a local file backend and a passphrase secrets provider, and lay out a copy of
 * the project in a temporary folder so nothing in the repository changes.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "./stacks";

export { repoRoot };

/**
 * The toolchain's environment: its bin dir first on PATH, its PULUMI_HOME, no update checks or downloads.
 * `cluster: false` leaves the local cluster's binaries unbuilt (for callers that never start it).
 */
export function toolchainEnv(opts: { cluster?: boolean } = {}): NodeJS.ProcessEnv {
    const buildEnv = opts.cluster === false ? { ...process.env, PULUMI_TOOLCHAIN_CLUSTER: "0" } : process.env;
    const result = spawnSync("bash", [path.join(repoRoot, "tools", "toolchain.sh")], {
        encoding: "utf8",
        env: buildEnv,
        stdio: ["ignore", "pipe", "inherit"],
    });
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
    const result = spawnSync("pulumi", [...args, "--non-interactive", "--color", "never"], {
        cwd,
        env,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "", ms: Date.now() - started };
}

/** Fails with the CLI's own output when a command did not exit 0. */
export function ok(result: CliResult, what: string): CliResult {
    if (result.code !== 0) throw new Error(`${what} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    return result;
}

/** What Pulumi runs (Pulumi.yaml `main`), and the build's config it reads to find bin/. */
const entryFiles = ["Pulumi.yaml", "Pulumi.local.yaml", "package.json", "entry.js", "tsconfig.build.json"];
/**
 * Folders and files the program needs; node_modules is linked, not copied. The sources are what the
 * build compiles (tsconfig.build.json `include`, one home): a new folder of the program is copied too.
 */
export function programSources(buildConfig: string = path.join(repoRoot, "tsconfig.build.json")): string[] {
    const include = (JSON.parse(fs.readFileSync(buildConfig, "utf8")) as { include: string[] }).include;
    return [...new Set(include.map((glob) => glob.split("/")[0]!))];
}
const programEntries = [...entryFiles, "tsconfig.json", ...programSources()];

/**
 * `npm run build` into `outDir`, with `extraFiles` (repository-relative) compiled beside the program:
 * the bench runs its evaluation harness compiled too.
 */
export function buildProgram(outDir: string, extraFiles: readonly string[] = []): void {
    let project = path.join(repoRoot, "tsconfig.build.json");
    if (extraFiles.length > 0) {
        const build = JSON.parse(fs.readFileSync(project, "utf8")) as { include: string[] };
        const config = { extends: project, include: [...build.include, ...extraFiles].map((p) => path.join(repoRoot, p)) };
        project = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "grownext-tsconfig-")), "tsconfig.json");
        fs.writeFileSync(project, JSON.stringify(config));
    }
    const tsc = require.resolve("typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", project, "--outDir", outDir, "--rootDir", repoRoot], {
        cwd: repoRoot,
        encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`npm run build (tsc -p tsconfig.build.json) exited ${r.status}\n${r.stdout}${r.stderr}`);
}

let compiledDir: string | undefined;
/**
 * The program compiled once per test process (`npm run build`'s config, into a folder of its own so the
 * repository's bin/ is left alone): the engine runs it as unattended runs do, precompiled.
 */
export function compiledProgram(): string {
    if (compiledDir) return compiledDir;
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "grownext-build-")), "bin");
    buildProgram(out);
    compiledDir = out;
    return out;
}

/**
 * A temporary copy of the project (or of a fixture program) with its own file backend. Timestamps are
 * kept, so entry.js sees the copied bin/ as current exactly when it is.
 */
export function workspace(source: string, entries?: string[]): { dir: string; backend: string } {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "grownext-engine-"));
    const dir = path.join(base, "project");
    fs.mkdirSync(dir);
    for (const entry of entries ?? fs.readdirSync(source).filter((e) => e !== "node_modules")) {
        fs.cpSync(path.join(source, entry), path.join(dir, entry), { recursive: true, preserveTimestamps: true });
    }
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    const backend = path.join(base, "state");
    fs.mkdirSync(backend);
    return { dir, backend };
}

/**
 * The project's sources with the compiled program beside them (bin/), as `npm run local:up` and CI run
 * it; `{ compiled: false }` leaves bin/ out (entry.js then runs the sources through ts-node), and
 * `{ sources: false }` leaves the TypeScript out, so only the compiled program can run.
 */
export function projectWorkspace(opts: { compiled?: boolean; sources?: boolean } = {}): { dir: string; backend: string } {
    const ws = workspace(repoRoot, opts.sources === false ? entryFiles : programEntries);
    if (opts.compiled !== false) fs.cpSync(compiledProgram(), path.join(ws.dir, "bin"), { recursive: true, preserveTimestamps: true });
    return ws;
}

export function withBackend(env: NodeJS.ProcessEnv, backend: string): NodeJS.ProcessEnv {
    return { ...env, PULUMI_BACKEND_URL: `file://${backend}` };
}
