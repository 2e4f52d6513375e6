/**
 * The process table in docs/processes.md is generated from the catalog (tools/processTable.ts): the
 * committed table must be exactly the generated one, and the generator must follow the catalog.
 */
import * as assert from "assert";
import * as fs from "fs";
import { processCatalog, type ProcessSpec } from "../../catalog/processes";
import {
    beginMarker,
    committedProcessTable,
    endMarker,
    processesDoc,
    renderProcessTable,
    withProcessTable,
} from "../../tools/processTable";

describe("docs/processes.md process table (tools/processTable.ts)", () => {
    it("the committed table is the one generated from catalog/processes.ts (else: npm run docs:processes)", () => {
        const committed = committedProcessTable(fs.readFileSync(processesDoc, "utf8"));
        assert.ok(committed !== undefined, `docs/processes.md has the markers ${beginMarker} ... ${endMarker}`);
        const fix = "docs/processes.md's table drifted from the catalog: run `npm run docs:processes`";
        assert.strictEqual(committed, renderProcessTable(), fix);
    });

    it("has one row per catalog process, in catalog order", () => {
        const rows = renderProcessTable().split("\n").slice(2);
        assert.deepStrictEqual(
            rows.map((r) => r.split(" | ")[0]!.slice(2)),
            processCatalog.map((p) => p.name),
        );
    });

    it("a changed catalog entry changes the table (the comparison can fail)", () => {
        const web = processCatalog.find((p) => p.name === "web")!;
        const changed: ProcessSpec[] = processCatalog.map((p) =>
            p === web ? { ...p, command: ["node", "dist/server.js"], publicHost: "www" } : p,
        );
        const table = renderProcessTable(changed);
        assert.notStrictEqual(table, renderProcessTable());
        assert.ok(table.includes(`| web | ${web.description} | app | \`node dist/server.js\` |`), table);
        assert.ok(table.includes("`www.<domain>`"), table);
        const added = renderProcessTable([...processCatalog, { ...web, name: "admin", publicHost: "admin" }]);
        assert.ok(
            added.split("\n").some((r) => r.startsWith(`| admin | ${web.description} | app |`)),
            added,
        );
    });

    it("rewrites only what sits between the markers, and names the markers when they are missing", () => {
        const doc = `intro\n${beginMarker}\nstale\n${endMarker}\noutro\n`;
        assert.strictEqual(withProcessTable(doc, "| t |"), `intro\n${beginMarker}\n| t |\n${endMarker}\noutro\n`);
        assert.throws(() => withProcessTable("no markers here", "| t |"), /docs\/processes\.md needs the markers/);
        assert.throws(() => withProcessTable(`${endMarker}\n${beginMarker}`, "| t |"), /in that order/);
    });
});
