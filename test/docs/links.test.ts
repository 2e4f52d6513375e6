/**
 * Every relative link and file reference in the README and the docs points at something that exists:
 * a moved or deleted file, or a renamed heading, fails here instead of leaving a dead link.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../../sandbox/stacks";

/** The documents checked: the README, everything under docs/, the tools' own README. */
function documents(): string[] {
    const docs = fs
        .readdirSync(path.join(repoRoot, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => path.join("docs", f));
    return ["README.md", "tools/README.md", ...docs.sort()];
}

/** Prose only: fenced code blocks are examples, not references. */
function prose(markdown: string): string {
    return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

export interface Reference {
    readonly target: string;
    readonly line: number;
}

/** Markdown links `[text](target)` (not images' remote URLs, not mailto), with their line numbers. */
export function markdownLinks(markdown: string): Reference[] {
    const out: Reference[] = [];
    prose(markdown)
        .split("\n")
        .forEach((text, i) => {
            // Inline code is not a link: `[a](b)` inside backticks stays literal.
            const line = text.replace(/`[^`]*`/g, (m) => " ".repeat(m.length));
            for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ target: m[1]!, line: i + 1 });
        });
    return out;
}

/** Inline-code spans that name a repository file by path, e.g. `components/data/dataTier.ts`. */
export function fileReferences(markdown: string): Reference[] {
    const out: Reference[] = [];
    prose(markdown)
        .split("\n")
        .forEach((text, i) => {
            for (const m of text.matchAll(/`([A-Za-z0-9_.][A-Za-z0-9_./-]*\/[A-Za-z0-9_.-]+\.(?:ts|cjs|js|sh|json|yaml|yml|md))`/g)) {
                out.push({ target: m[1]!, line: i + 1 });
            }
        });
    return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** The anchors a document defines, with GitHub's -1, -2 suffixes for repeated headings. */
export function anchors(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
        const base = slug(m[1]!);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

/** What is wrong with one link of `doc`, or undefined when its target exists. */
export function brokenLink(
    doc: string,
    target: string,
    read: (file: string) => string | undefined,
    exists: (file: string) => boolean,
): string | undefined {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: ... not ours to check
    const [file, anchor] = target.split("#", 2) as [string, string | undefined];
    const resolved = file === "" ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), file));
    if (resolved.startsWith("..")) return `${target} leaves the repository`;
    if (!exists(resolved)) return `${target}: ${resolved} does not exist`;
    if (anchor !== undefined && resolved.endsWith(".md")) {
        const text = read(resolved);
        if (text !== undefined && !anchors(text).has(anchor)) return `${target}: ${resolved} has no heading #${anchor}`;
    }
    return undefined;
}

/**
 * Paths quoted in the docs that are not this repository's files: a file of another project, or one
 * relative to a folder the sentence names. Each says why it is not checked.
 */
const notRepositoryFiles: Record<string, string> = {
    "src/main.ts": "pulumi/actions' own source (docs/ci-cd.md explains why previews re-run on failure)",
    "lib/product.ts": "relative to policies/ (docs/policy-pack.md)",
    "lib/unknowns.ts": "relative to policies/ (docs/policy-pack.md)",
    "config/local.json": "relative to policies/ (docs/policy-pack.md)",
    "config/staging.json": "relative to policies/ (docs/policy-pack.md)",
    "config/production.json": "relative to policies/ (docs/policy-pack.md)",
    "../catalog/processes.ts": "relative to policies/ (docs/policy-pack.md)",
    "../catalog/environment.ts": "relative to policies/ (docs/policy-pack.md)",
    "../catalog/labels.ts": "relative to policies/ (docs/policy-pack.md)",
    ".cluster/Pulumi.local.yaml": "written by scripts/local-up.sh on each run, git-ignored (docs/local-cluster.md)",
};

const inRepo = (file: string) => fs.existsSync(path.join(repoRoot, file));
const readInRepo = (file: string) =>
    inRepo(file) && file.endsWith(".md") ? fs.readFileSync(path.join(repoRoot, file), "utf8") : undefined;

describe("docs: links and file references (README.md, docs/*.md, tools/README.md)", () => {
    for (const doc of documents()) {
        it(`${doc}: every relative link points at a file (and heading) that exists`, () => {
            const text = fs.readFileSync(path.join(repoRoot, doc), "utf8");
            const broken = markdownLinks(text).flatMap((l) => {
                const why = brokenLink(doc, l.target, readInRepo, inRepo);
                return why ? [`${doc}:${l.line}: ${why}`] : [];
            });
            assert.deepStrictEqual(broken, [], broken.join("\n"));
        });

        it(`${doc}: every file path it quotes exists`, () => {
            const text = fs.readFileSync(path.join(repoRoot, doc), "utf8");
            const missing = fileReferences(text)
                .filter((r) => !(r.target in notRepositoryFiles))
                .filter((r) => !inRepo(r.target) && !inRepo(path.posix.join(path.posix.dirname(doc), r.target)))
                .map((r) => `${doc}:${r.line}: \`${r.target}\` does not exist`);
            assert.deepStrictEqual(missing, [], missing.join("\n"));
        });
    }

    it("every path exempted above is still quoted somewhere (the exemptions do not outlive their reason)", () => {
        const read = (d: string) => fs.readFileSync(path.join(repoRoot, d), "utf8");
        const quoted = new Set(documents().flatMap((d) => fileReferences(read(d)).map((r) => r.target)));
        const stale = Object.keys(notRepositoryFiles).filter((f) => !quoted.has(f));
        assert.deepStrictEqual(stale, [], `no document quotes ${stale.join(", ")} any more: drop it from notRepositoryFiles`);
    });

    it("the README links every document under docs/", () => {
        const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
        const linked = new Set(markdownLinks(readme).map((l) => l.target.split("#")[0]));
        const unlinked = documents().filter((d) => d.startsWith("docs/") && !linked.has(d));
        assert.deepStrictEqual(unlinked, [], `README.md links no ${unlinked.join(", ")}`);
    });

    describe("the checker itself", () => {
        const files: Record<string, string> = {
            "docs/a.md": "# Title\n\n## Data tier keys (`grownext:data`)\n\n## Same\n\n## Same\n",
            "components/x.ts": "",
        };
        const read = (f: string) => files[f];
        const exists = (f: string) => f in files;

        it("accepts existing files, headings, repeated headings and remote URLs", () => {
            assert.strictEqual(brokenLink("README.md", "docs/a.md", read, exists), undefined);
            assert.strictEqual(brokenLink("README.md", "docs/a.md#data-tier-keys-grownextdata", read, exists), undefined);
            assert.strictEqual(brokenLink("docs/a.md", "#same-1", read, exists), undefined);
            assert.strictEqual(brokenLink("docs/a.md", "../components/x.ts", read, exists), undefined);
            assert.strictEqual(brokenLink("docs/a.md", "https://kwok.sigs.k8s.io", read, exists), undefined);
        });

        it("refuses a missing file, a missing heading and a path out of the repository", () => {
            assert.match(brokenLink("README.md", "docs/b.md", read, exists)!, /docs\/b\.md does not exist/);
            assert.match(brokenLink("docs/a.md", "components/x.ts", read, exists)!, /docs\/components\/x\.ts does not exist/);
            assert.match(brokenLink("README.md", "docs/a.md#nope", read, exists)!, /has no heading #nope/);
            assert.match(brokenLink("docs/a.md", "../../etc/passwd", read, exists)!, /leaves the repository/);
        });

        it("finds links and paths in prose, not in code blocks or inline code", () => {
            const md = "See [a](docs/a.md) and `components/x.ts`.\n```\n[b](nowhere.md) `scripts/gone.sh`\n```\n`[c](inline.md)`\n";
            assert.deepStrictEqual(
                markdownLinks(md).map((l) => l.target),
                ["docs/a.md"],
            );
            assert.deepStrictEqual(
                fileReferences(md).map((r) => r.target),
                ["components/x.ts"],
            );
        });
    });
});
