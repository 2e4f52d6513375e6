/**
 * The URN of every resource each committed stack declares (and the ci-oidc project's), compared with
 * the committed snapshot test/fixtures/stack-urns.json. A URN is made of the stack, the project, the
 * type tokens of the resource and of its parents, and the names: a moved file must change none of
 * them, or the engine would replace the resource (or refuse to, for protected data). A change that is
 * meant (a new resource, a renamed child) is written with `npm run urns:update` and reviewed in the diff.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { evaluateStack } from "../../sandbox/evaluate";
import { installMocks, recorder, settle, type RecordedResource } from "../../sandbox/mocks";
import { repoRoot, stackNames } from "../../sandbox/stacks";

const snapshotFile = path.join(repoRoot, "test", "fixtures", "stack-urns.json");
const ciOidcDir = path.join(repoRoot, "ci-oidc");
/** `npm run urns:update` sets this to rewrite the snapshot from this run's graphs. */
const updating = process.env.URNS_UPDATE === "1";

function urnsOf(resources: readonly RecordedResource[]): string[] {
    return resources
        .map((r) => {
            if (!r.urn) throw new Error(`${r.type} ${r.name} was never registered with the engine`);
            return r.urn;
        })
        .sort();
}

/** The ci-oidc program with the example config of its Pulumi.ci.yaml (it reads config at load). */
async function ciOidcUrns(): Promise<string[]> {
    const doc = YAML.parse(fs.readFileSync(path.join(ciOidcDir, "Pulumi.ci.yaml"), "utf8")) as { config: Record<string, unknown> };
    const project = (YAML.parse(fs.readFileSync(path.join(ciOidcDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    const saved = pulumi.runtime.allConfig();
    try {
        installMocks({ project, stack: "ci" });
        pulumi.runtime.setAllConfig(
            Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
        );
        const program = path.join(ciOidcDir, "index.ts");
        delete require.cache[require.resolve(program)];
        recorder.reset();
        await import(program);
        await settle();
        return urnsOf(recorder.resources);
    } finally {
        pulumi.runtime.setAllConfig(saved);
    }
}

/** What differs between two sorted URN lists, one line per URN, for the failure message. */
function difference(expected: readonly string[], actual: readonly string[]): string {
    const gone = expected.filter((u) => !actual.includes(u)).map((u) => `  - ${u}`);
    const added = actual.filter((u) => !expected.includes(u)).map((u) => `  + ${u}`);
    return [...gone, ...added].join("\n");
}

describe("stack URNs against the committed snapshot", () => {
    const actual: Record<string, string[]> = {};

    before(async () => {
        for (const stack of stackNames) {
            installMocks({ stack });
            actual[stack] = urnsOf(await evaluateStack(stack));
        }
        actual["ci-oidc"] = await ciOidcUrns();
        if (updating) fs.writeFileSync(snapshotFile, `${JSON.stringify(actual, null, 2)}\n`);
    });

    /** Read after `before`, so an update run compares against what it just wrote. */
    const expected = (): Record<string, string[]> => JSON.parse(fs.readFileSync(snapshotFile, "utf8")) as Record<string, string[]>;

    it("snapshots every committed stack and the ci-oidc project", () => {
        assert.deepEqual(Object.keys(expected()).sort(), [...stackNames, "ci-oidc"].sort());
    });

    for (const stack of [...stackNames, "ci-oidc"]) {
        it(`${stack}: the same URNs as test/fixtures/stack-urns.json`, () => {
            const want = expected()[stack] ?? [];
            assert.ok(actual[stack]!.length > 0, `${stack} declared nothing`);
            assert.deepEqual(
                actual[stack],
                want,
                `${stack}: URNs differ from the snapshot (a type token, a parent or a name changed):\n` +
                    `${difference(want, actual[stack]!)}\nIf the change is meant, run \`npm run urns:update\` and commit the snapshot.`,
            );
        });
    }
});
