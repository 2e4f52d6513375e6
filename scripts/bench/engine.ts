/**
 * Real-engine preview of the local stack against the engine's floor: an empty program with the same
 * plugins (the kubernetes provider rendering to a folder, and one dynamic-provider credential).
 * Returns undefined when no toolchain is built yet (`npm run toolchain`), so the bench never builds one.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { ok, projectWorkspace, runPulumi, toolchainEnv, withBackend } from "../../test/engine/engine";

const floorProgram = `import * as k8s from "@pulumi/kubernetes";
import { GeneratedSecret } from "./components/generatedSecret";
new k8s.Provider("floor", { renderYamlToDirectory: "rendered/floor" });
new GeneratedSecret("floor", { length: 32 });
`;

function toolchainBuilt(): boolean {
    const cache = process.env.PULUMI_TOOLCHAIN_CACHE ?? path.join(os.homedir(), ".cache", "grownext-pulumi");
    const onPath = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" }).status === 0;
    return onPath || (fs.existsSync(cache) && fs.readdirSync(cache).some((d) => fs.existsSync(path.join(cache, d, "done", "all"))));
}

function medianPreviewMs(dir: string, env: NodeJS.ProcessEnv, runs: number): number {
    ok(runPulumi(["preview", "--stack", "local"], dir, env), "warm-up preview");
    const samples = Array.from({ length: runs }, () => ok(runPulumi(["preview", "--stack", "local"], dir, env), "pulumi preview").ms);
    return samples.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

export async function benchEnginePreview(runs = 3): Promise<{ localMs: number; emptyMs: number } | undefined> {
    if (!toolchainBuilt()) return undefined;
    const base = toolchainEnv();
    const measure = (program?: string) => {
        const ws = projectWorkspace();
        if (program) fs.writeFileSync(path.join(ws.dir, "index.ts"), program);
        const env = withBackend(base, ws.backend);
        ok(runPulumi(["stack", "init", "local"], ws.dir, env), "pulumi stack init");
        return medianPreviewMs(ws.dir, env, runs);
    };
    return { localMs: measure(), emptyMs: measure(floorProgram) };
}
