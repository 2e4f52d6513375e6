/**
 * The real engine running the program precompiled (`npm run build` to bin/, entry.js picks it), as
 * `npm run local:up`, CI and the other engine tests do. The workspace holds no TypeScript at all, so
 * only the compiled program can run; the dynamic provider (components/data/inCluster/generatedSecret.ts) is
 * serialized from the compiled code and run by the engine's Node.js provider from the project root.
 * And entry.js never runs a stale build: after a source edit the engine runs the sources.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ok, projectWorkspace, runPulumi, toolchainEnv, withBackend } from "../../sandbox/engine";

const dynamicType = "pulumi-nodejs:dynamic:Resource";

function findFiles(dir: string, test: (name: string) => boolean): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === "node_modules") continue;
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) out.push(...findFiles(p, test));
        else if (test(entry.name)) out.push(p);
    }
    return out;
}

describe("the real engine on the compiled program", function () {
    this.timeout(15 * 60 * 1000);
    let env: NodeJS.ProcessEnv;
    let dir: string;

    before(() => {
        const ws = projectWorkspace({ sources: false });
        dir = ws.dir;
        env = withBackend(toolchainEnv({ cluster: false }), ws.backend);
        ok(runPulumi(["stack", "init", "local"], dir, env), "pulumi stack init local");
    });

    it("has only JavaScript to run", () => {
        assert.deepStrictEqual(
            findFiles(dir, (n) => n.endsWith(".ts")),
            [],
        );
        assert.ok(fs.existsSync(path.join(dir, "bin", "components", "data", "inCluster", "generatedSecret.js")));
    });

    it("creates the generated credentials through the dynamic provider, kept secret in state", () => {
        ok(runPulumi(["up", "--yes", "--skip-preview", "--stack", "local"], dir, env), "pulumi up");
        const state = JSON.parse(ok(runPulumi(["stack", "export", "--stack", "local"], dir, env), "pulumi stack export").stdout);
        const dynamic = state.deployment.resources.filter((r: any) => r.type === dynamicType);
        assert.ok(dynamic.length >= 2, `expected the local stack's generated credentials, found ${dynamic.length}`);
        for (const r of dynamic) {
            // The provider, serialized from the compiled module, is what the engine's Node.js provider ran.
            assert.match(String(r.outputs.__provider), /randomInt/, `${r.urn}: no serialized provider`);
            assert.ok(r.outputs.result?.ciphertext, `${r.urn}: the credential is not a secret in state`);
        }
        const secrets = findFiles(path.join(dir, "rendered", "local"), (n) => /\.ya?ml$/.test(n));
        assert.ok(secrets.length > 0, "nothing was rendered");
    });

    it("diffs the credentials with the stored provider: a second up changes nothing", () => {
        ok(runPulumi(["up", "--yes", "--skip-preview", "--expect-no-changes", "--stack", "local"], dir, env), "second pulumi up");
    });

    it("destroys them", () => {
        ok(runPulumi(["destroy", "--yes", "--skip-preview", "--stack", "local"], dir, env), "pulumi destroy");
    });
});

describe("entry.js with a stale build", function () {
    this.timeout(10 * 60 * 1000);

    it("runs the edited sources, never the older bin/", () => {
        const ws = projectWorkspace();
        const env = withBackend(toolchainEnv({ cluster: false }), ws.backend);
        ok(runPulumi(["stack", "init", "local"], ws.dir, env), "pulumi stack init local");
        const check = () => spawnSync(process.execPath, ["entry.js", "--check"], { cwd: ws.dir, encoding: "utf8" });
        assert.strictEqual(check().status, 0, `the copied build should be current: ${check().stderr}`);
        // An edit after the build, as a developer makes one: only the sources have the new output.
        fs.appendFileSync(path.join(ws.dir, "index.ts"), '\nexport const editedAfterBuild = "yes";\n');
        const stale = check();
        assert.strictEqual(stale.status, 1);
        assert.match(stale.stderr, /index\.ts.*npm run build/);
        const r = ok(runPulumi(["preview", "--stack", "local"], ws.dir, env), "pulumi preview");
        assert.match(r.stdout, /editedAfterBuild\s*: "yes"/);
    });
});
