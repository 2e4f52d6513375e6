/**
 * An outside Kubernetes linter on production (issue 12's done-when): kube-score, built from Go modules
 * by tools/kube-score.sh, scores the Kubernetes objects the production stack declares (evaluated
 * under the Pulumi mocks and rendered to YAML). It must find no NetworkPolicy gap and no missing pod
 * anti-affinity or topology spread. Its other findings are printed, not asserted.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments, stringify } from "yaml";
import { installMocks } from "../../sandbox/mocks";
import { repoRoot } from "../../sandbox/stacks";

/** kube-score checks that speak for isolation and spread: none of them may report a finding. */
const isolationAndSpreadChecks = [
    "pod-networkpolicy",
    "networkpolicy-targets-pod",
    "deployment-has-host-podantiaffinity",
    "statefulset-has-host-podantiaffinity",
    "pod-topology-spread-constraints",
];

interface Finding {
    readonly object: string;
    readonly check: string;
    readonly grade: number;
    readonly skipped: boolean;
    readonly comments: string[];
}

function kubeScoreBin(): string {
    const r = spawnSync("bash", [path.join(repoRoot, "tools", "kube-score.sh"), "--print-bin"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    assert.strictEqual(r.status, 0, "tools/kube-score.sh could not build kube-score");
    return r.stdout.trim().split("\n").pop()!;
}

/** Every check kube-score ran on every object of the file. */
function score(bin: string, file: string): Finding[] {
    const r = spawnSync(bin, ["score", "--output-format", "json", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    // kube-score exits 1 when any check is critical; its JSON is the answer either way.
    assert.ok(r.status === 0 || r.status === 1, `kube-score failed (${r.status}): ${r.stderr}`);
    const objects = JSON.parse(r.stdout) as Array<{
        object_name: string;
        checks: Array<{ check: { id: string }; grade: number; skipped: boolean; comments: Array<{ summary: string }> | null }>;
    }>;
    return objects.flatMap((o) =>
        o.checks.map((c) => ({
            object: o.object_name,
            check: c.check.id,
            grade: c.grade,
            skipped: c.skipped,
            comments: (c.comments ?? []).map((m) => m.summary),
        })),
    );
}

/** A finding is a check that ran and did not give full marks. */
const isFinding = (f: Finding) => !f.skipped && f.grade < 10;

describe("kube-score on production's Kubernetes objects", function () {
    this.timeout(30 * 60 * 1000);
    let bin: string;
    let dir: string;
    let docs: Array<Record<string, any>>;
    let findings: Finding[];

    before(async () => {
        bin = kubeScoreBin();
        installMocks();
        const { renderStackYaml } = await import("./renderManifests");
        const yaml = await renderStackYaml("production");
        docs = parseAllDocuments(yaml).map((d) => d.toJS());
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "grownext-kube-score-"));
        const file = path.join(dir, "production.yaml");
        fs.writeFileSync(file, yaml);
        findings = score(bin, file);
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("finds no NetworkPolicy, anti-affinity or topology spread gap", () => {
        const gaps = findings.filter((f) => isolationAndSpreadChecks.includes(f.check) && isFinding(f));
        assert.deepStrictEqual(
            gaps.map((f) => `${f.object} ${f.check}: ${f.comments.join("; ")}`),
            [],
        );
    });

    it("ran those checks on every workload, not on none", () => {
        const ran = (check: string) => new Set(findings.filter((f) => f.check === check && !f.skipped).map((f) => f.object));
        const deployments = docs.filter((d) => d.kind === "Deployment").length;
        assert.ok(deployments >= 7, `production declares its 7 processes, got ${deployments}`);
        assert.ok(ran("pod-networkpolicy").size >= deployments, "every Deployment's pods were checked for a NetworkPolicy");
        assert.ok(
            ran("networkpolicy-targets-pod").size >= docs.filter((d) => d.kind === "NetworkPolicy").length - 1,
            "every NetworkPolicy but the ACME solver's was checked",
        );
        // Anti-affinity is checked only where there are 2 or more replicas: web, identity, portal, worker.
        assert.ok(ran("deployment-has-host-podantiaffinity").size >= 4, "the multi-replica Deployments were checked for anti-affinity");
        assert.ok(ran("pod-topology-spread-constraints").size >= deployments, "every Deployment's spread was checked");
    });

    it("would report the gap without the NetworkPolicies (the check can fail)", () => {
        const file = path.join(dir, "without-policies.yaml");
        fs.writeFileSync(
            file,
            docs
                .filter((d) => d.kind !== "NetworkPolicy")
                .map((d) => stringify(d))
                .join("---\n"),
        );
        const gaps = score(bin, file).filter((f) => f.check === "pod-networkpolicy" && isFinding(f));
        assert.ok(gaps.length >= 7, `kube-score reports the unisolated pods, got ${gaps.length}`);
    });

    it("lists its other findings (informational)", () => {
        const others = new Map<string, Set<string>>();
        for (const f of findings.filter(isFinding)) {
            const key = `${f.check}: ${f.comments[0] ?? ""}`;
            others.set(key, (others.get(key) ?? new Set()).add(f.object.split("/").pop()!));
        }
        for (const [key, objects] of [...others].sort()) console.log(`      ${key} (${[...objects].sort().join(", ")})`);
        assert.ok(findings.length > 0);
    });
});
