/**
 * The config modules import one way: no cycle among config/ and catalog/ (type-only imports count:
 * a cycle of types is still two modules that cannot be read apart). The check that would otherwise
 * need madge, in a few lines.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../../sandbox/stacks";

/** Relative imports of each module under the given folders, as repo-relative paths without extension. */
export function importGraph(folders: readonly string[]): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const folder of folders) {
        for (const file of fs.readdirSync(path.join(repoRoot, folder)).filter((f) => f.endsWith(".ts"))) {
            const id = path.join(folder, file.replace(/\.ts$/, ""));
            const source = fs.readFileSync(path.join(repoRoot, folder, file), "utf8");
            const targets = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/g)].map((m) =>
                path.normalize(path.join(folder, m[1]!)),
            );
            graph.set(id, targets);
        }
    }
    return graph;
}

/** Every cycle found by depth-first search, each as `a -> b -> a`. */
export function cycles(graph: Map<string, string[]>): string[] {
    const found: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (node: string) => {
        state.set(node, "open");
        stack.push(node);
        for (const next of graph.get(node) ?? []) {
            if (!graph.has(next)) continue;
            if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next].join(" -> "));
            else if (state.get(next) === undefined) visit(next);
        }
        stack.pop();
        state.set(node, "done");
    };
    for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
    return found;
}

describe("config imports", () => {
    it("finds a planted cycle", () => {
        const planted = new Map([
            ["config/schema", ["config/data"]],
            ["config/data", ["config/schema"]],
            ["config/errors", []],
        ]);
        assert.deepStrictEqual(cycles(planted), ["config/schema -> config/data -> config/schema"]);
    });

    it("config/ and catalog/ have no import cycle", () => {
        const graph = importGraph(["config", "catalog"]);
        assert.ok(graph.get("config/schema")?.includes("config/data"), "the graph reads imports");
        assert.deepStrictEqual(cycles(graph), []);
    });
});
