/**
 * The real Pulumi engine (built from Go modules by tools/toolchain.sh) on the local stack: preview,
 * up rendering the manifests, an idempotent second up, the policy pack enforced by the CLI, secrets
 * encrypted in state, and destroy. Runs on a temporary copy of the project with a file backend.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { isSecretEnvName } from "../../catalog/envMatrix";
import { labelKeys } from "../../catalog/labels";
import { ok, projectWorkspace, repoRoot, runPulumi, toolchainEnv, withBackend, workspace } from "../../sandbox/engine";

/** Test-only values, assembled at run time; they must never show up in plaintext in state or outputs. */
const stripeTestKey = ["sk", "test", "ENGINEFAKE0123456789"].join("_");
const serviceRoleKey = "service-role-ENGINE-FAKE-0123456789";

function readManifests(dir: string): any[] {
    const out: any[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory()) walk(p);
            else if (/\.ya?ml$/.test(entry.name))
                out.push(
                    ...parseAllDocuments(fs.readFileSync(p, "utf8"))
                        .map((doc) => doc.toJS())
                        .filter(Boolean),
                );
        }
    };
    walk(dir);
    return out;
}

describe("the real engine on the local stack", function () {
    this.timeout(15 * 60 * 1000);
    let env: NodeJS.ProcessEnv;
    let dir: string;
    let rendered: string;

    before(() => {
        const ws = projectWorkspace();
        dir = ws.dir;
        env = withBackend(toolchainEnv(), ws.backend);
        rendered = path.join(dir, "rendered", "local");
        ok(runPulumi(["stack", "init", "local"], dir, env), "pulumi stack init local");
        ok(runPulumi(["config", "set", "--secret", "stripeSecretKey", stripeTestKey], dir, env), "config set --secret stripeSecretKey");
        ok(
            runPulumi(["config", "set", "--secret", "supabaseServiceRoleKey", serviceRoleKey], dir, env),
            "config set --secret supabaseServiceRoleKey",
        );
    });

    it("previews the whole topology", () => {
        const r = ok(runPulumi(["preview", "--stack", "local"], dir, env), "pulumi preview");
        assert.match(r.stdout, /\+ \d+ to create/);
        for (const name of ["grownext-web", "grownext-worker", "grownext-scheduler", "grownext-identity", "grownext-portal"]) {
            assert.ok(r.stdout.includes(name), `${name} missing from the preview`);
        }
    });

    it("passes the policy pack, enforced by the CLI", () => {
        const r = runPulumi(
            [
                "preview",
                "--stack",
                "local",
                "--policy-pack",
                path.join(repoRoot, "policies"),
                "--policy-pack-config",
                path.join(repoRoot, "policies", "config", "local.json"),
            ],
            dir,
            env,
        );
        ok(r, "pulumi preview --policy-pack policies");
        assert.match(r.stdout, /grownext-guides/);
        assert.doesNotMatch(r.stdout, /mandatory/i);
    });

    it("renders the manifests with up", () => {
        ok(runPulumi(["up", "--yes", "--skip-preview", "--stack", "local"], dir, env), "pulumi up");
        const manifests = readManifests(rendered);
        const deployments = manifests.filter((m) => m.kind === "Deployment");
        assert.strictEqual(deployments.length, 7);
        for (const d of deployments) {
            const c = d.spec.template.spec.containers[0];
            assert.ok(c.readinessProbe && c.livenessProbe && c.startupProbe, d.metadata.name);
            for (const e of c.env ?? []) {
                if (isSecretEnvName(e.name)) {
                    assert.ok(e.valueFrom?.secretKeyRef && e.value === undefined, `${d.metadata.name} ${e.name}`);
                }
            }
        }
        // Two in-cluster Redis, told apart by their role label: the BullMQ queue never evicts, the cache does.
        const redisByRole = (role: string) =>
            manifests.find((m) => m.kind === "StatefulSet" && m.metadata.labels?.[labelKeys.redisRole] === role);
        const queue = redisByRole("queue");
        const cache = redisByRole("cache");
        assert.ok(queue && cache, "an in-cluster queue Redis and cache Redis");
        assert.match(JSON.stringify(queue.spec.template.spec.containers[0]), /--maxmemory-policy","noeviction"/);
        assert.doesNotMatch(JSON.stringify(cache.spec.template.spec.containers[0]), /--maxmemory-policy","noeviction"/);
        for (const m of manifests.filter((x) => x.kind !== "Secret")) {
            const text = JSON.stringify(m);
            assert.ok(
                !text.includes(stripeTestKey) && !text.includes(serviceRoleKey),
                `${m.kind} ${m.metadata?.name} holds a secret value`,
            );
        }
    });

    it("reports no change on a second up", () => {
        ok(runPulumi(["up", "--yes", "--skip-preview", "--expect-no-changes", "--stack", "local"], dir, env), "second pulumi up");
    });

    it("keeps secrets encrypted in state and out of the outputs", () => {
        const state = ok(runPulumi(["stack", "export", "--stack", "local"], dir, env), "pulumi stack export").stdout;
        assert.ok(!state.includes(stripeTestKey), "the Stripe key is in plaintext in state");
        assert.ok(!state.includes(serviceRoleKey), "the service-role key is in plaintext in state");
        assert.match(state, /"ciphertext"/);
        const outputs = ok(runPulumi(["stack", "output", "--json", "--stack", "local"], dir, env), "pulumi stack output").stdout;
        const parsed = JSON.parse(outputs);
        assert.strictEqual(parsed.apiUrl, "https://api.grownext.localtest.me");
        assert.ok(!outputs.includes(stripeTestKey) && !/postgresql:\/\//.test(outputs));
    });

    it("destroys what it rendered", () => {
        ok(runPulumi(["destroy", "--yes", "--skip-preview", "--stack", "local"], dir, env), "pulumi destroy");
        assert.deepStrictEqual(readManifests(rendered), []);
    });
});

describe("the real engine rejects a non-compliant program", function () {
    this.timeout(10 * 60 * 1000);

    it("fails the preview with the expected mandatory policies", () => {
        const fixture = path.join(repoRoot, "test", "fixtures", "noncompliant");
        const ws = workspace(fixture);
        const env = withBackend(toolchainEnv(), ws.backend);
        ok(runPulumi(["stack", "init", "dev"], ws.dir, env), "pulumi stack init");
        const expected: string[] = JSON.parse(fs.readFileSync(path.join(fixture, "expected-violations.json"), "utf8"));
        const r = runPulumi(["preview", "--stack", "dev", "--policy-pack", path.join(repoRoot, "policies")], ws.dir, env);
        assert.notStrictEqual(r.code, 0, "the preview must fail");
        const output = r.stdout + r.stderr;
        for (const name of expected) assert.ok(output.includes(name), `${name} not reported:\n${output}`);
        assert.match(output, /mandatory/);
    });
});
