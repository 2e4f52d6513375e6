/**
 * docs/configuration.md documents every config key of the schema (config/keys.ts), and names no key the
 * schema does not have: a new key without a row, or a renamed key left in the docs, fails here.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { leafKeyPatterns } from "../../config/keys";
import { repoRoot } from "../../sandbox/stacks";

/**
 * The keys named in the first column of the document's `| key |` tables. In one cell, a code span without
 * a dot after a dotted one is its sibling (`postgres.multiAz` / `deletionProtection`); `<process>` and the
 * like stand for any segment (`*`), `<app\|identity>` for each choice; tables under a heading that names
 * a namespace in backticks (`grownext:data`) are relative to it (`data.`).
 */
export function documentedKeys(markdown: string): string[] {
    const out: string[] = [];
    let prefix = "";
    let inKeyTable = false;
    for (const line of markdown.split("\n")) {
        const heading = /^#{1,6}\s+(.*)$/.exec(line);
        if (heading) {
            const ns = /`grownext:([a-zA-Z]+)`/.exec(heading[1]!);
            prefix = ns ? `${ns[1]}.` : "";
            continue;
        }
        if (!line.startsWith("|")) {
            inKeyTable = false;
            continue;
        }
        const first = line.split(/(?<!\\)\|/)[1]!.trim();
        if (first === "key") {
            inKeyTable = true;
            continue;
        }
        if (!inKeyTable) continue;
        let parent = "";
        for (const m of first.matchAll(/`([^`]+)`/g)) {
            // A comma list inside one code span names full keys (`supabase.url, sentryDsn`).
            const list = m[1]!.includes(",");
            for (const name of m[1]!.split(/,\s*/)) {
                const full = list || name.includes(".") || parent === "" ? name : `${parent}.${name}`;
                if (name.includes(".")) parent = full.slice(0, full.lastIndexOf("."));
                out.push(...expand(prefix + full));
            }
        }
    }
    return out;
}

/** `restore.<app\|identity>.x` -> each choice; `services.<process>.x` -> `services.*.x`. */
function expand(key: string): string[] {
    const choice = /<([^>]*\\\|[^>]*)>/.exec(key);
    if (choice) return choice[1]!.split("\\|").flatMap((c) => expand(key.replace(choice[0], c)));
    return [
        key
            .split(".")
            .map((s) => (s.includes("<") ? "*" : s))
            .join("."),
    ];
}

/** Whether a documented key names the schema pattern, or an object above it (`services.*.resources`). */
export function covers(documented: string, pattern: string): boolean {
    const d = documented.split(".");
    const p = pattern.split(".");
    if (d.length > p.length) return false;
    return d.every((seg, i) => (seg === "*" ? p[i] === "*" : seg === p[i] || p[i] === "*"));
}

const doc = fs.readFileSync(path.join(repoRoot, "docs", "configuration.md"), "utf8");
const patterns = leafKeyPatterns().map((l) => l.pattern);

describe("docs/configuration.md: every config key", () => {
    it("documents every key of the schema", () => {
        const keys = documentedKeys(doc);
        const missing = patterns.filter((p) => !keys.some((k) => covers(k, p)));
        assert.deepStrictEqual(missing, [], `docs/configuration.md has no row for: ${missing.join(", ")}`);
    });

    it("names no key the schema does not have", () => {
        const unknown = documentedKeys(doc).filter((k) => !patterns.some((p) => covers(k, p)));
        assert.deepStrictEqual(unknown, [], `docs/configuration.md names keys the schema does not have: ${unknown.join(", ")}`);
    });

    it("reads siblings, placeholders, choices and namespaces the way the tables write them", () => {
        const md = [
            "## Keys",
            "| key | notes |",
            "| --- | --- |",
            "| `services.<process>.autoscale` | |",
            "| `supabase.url, sentryDsn` | |",
            "## Data (`grownext:data`)",
            "| key | default |",
            "| --- | --- |",
            "| `postgres.multiAz` / `deletionProtection` | |",
            "| `restore.<app\\|identity>.restoreTime` | |",
            "| other | not a key table |",
        ].join("\n");
        assert.deepStrictEqual(documentedKeys(md), [
            "services.*.autoscale",
            "supabase.url",
            "sentryDsn",
            "data.postgres.multiAz",
            "data.postgres.deletionProtection",
            "data.restore.app.restoreTime",
            "data.restore.identity.restoreTime",
        ]);
        assert.ok(covers("services.*.autoscale", "services.*.autoscale.min"));
        assert.ok(covers("images.app", "images.*"));
        assert.ok(!covers("data.*", "data.provider"), "a bare wildcard documents nothing");
        assert.ok(!covers("services.*.autoscale.min.x", "services.*.autoscale.min"));
        assert.ok(!covers("edge.hstsMaxAge", "edge.hstsMaxAgeSeconds"));
    });
});
