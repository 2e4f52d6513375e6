/**
 * What the engine tests copy of the program (sandbox/engine.ts `programSources`, read from
 * tsconfig.build.json): every file the program imports, from index.ts on, lies in it. A folder the
 * program starts to import without the build knowing of it (rotation/ once) fails here, not in the engine.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { programSources } from "../../sandbox/engine";

const repoRoot = path.join(__dirname, "..", "..");

/** The repository files reachable from `entry` through relative imports. */
function reachable(entry: string): Set<string> {
    const seen = new Set<string>();
    const queue = [entry];
    while (queue.length > 0) {
        const file = queue.pop()!;
        if (seen.has(file)) continue;
        seen.add(file);
        const text = fs.readFileSync(file, "utf8");
        for (const m of text.matchAll(/(?:from|import|require\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
            const base = path.resolve(path.dirname(file), m[1]!);
            const found = [`${base}.ts`, path.join(base, "index.ts"), base].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
            if (found !== undefined) queue.push(found);
        }
    }
    return seen;
}

describe("the program's sources as the engine tests copy them (sandbox/engine.ts)", () => {
    it("cover every file index.ts reaches", () => {
        const sources = programSources();
        const outside = [...reachable(path.join(repoRoot, "index.ts"))]
            .map((f) => path.relative(repoRoot, f))
            .filter((f) => !sources.includes(f.split(path.sep)[0]!));
        assert.deepStrictEqual(outside, []);
    });

    it("would notice a folder the build does not name", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grownext-build-"));
        const config = path.join(dir, "tsconfig.build.json");
        fs.writeFileSync(config, JSON.stringify({ include: ["index.ts", "catalog/**/*.ts", "components/**/*.ts"] }));
        const sources = programSources(config);
        assert.deepStrictEqual(sources, ["index.ts", "catalog", "components"]);
        const outside = [...reachable(path.join(repoRoot, "index.ts"))].filter(
            (f) => !sources.includes(path.relative(repoRoot, f).split(path.sep)[0]!),
        );
        assert.ok(
            outside.some((f) => f.includes(`${path.sep}wiring${path.sep}`)),
            "wiring/ is reached and not named",
        );
    });
});
