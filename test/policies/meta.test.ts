import { strict as assert } from "assert";
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import type { Policy } from "@pulumi/policy";
import { loadPack, policiesDir } from "./harness";

const areas = ["data", "secrets", "workloads", "edge", "stack", "monitoring"];

/** Security and data-loss rules: these must block a deployment by default. */
const mandatory = [
    "postgres-backup-retention",
    "postgres-storage-encrypted",
    "postgres-not-publicly-accessible",
    "postgres-deletion-protection",
    "redis-noeviction",
    "elasticache-encryption-and-auth",
    "kms-key-rotation",
    "secrets-manager-customer-key",
    "no-public-data-ports",
    "no-literal-secret-env",
    "no-literal-k8s-secrets-on-aws",
    "secret-store-own-service-account",
    "service-role-key-trusted-only",
    "no-secret-next-public",
    "secrets-not-in-configmaps",
    "non-root-containers",
    "pinned-images",
    "singleton-replicas",
    "singleton-no-autoscaler",
    "default-deny",
    "ingress-tls",
    "ingress-hsts",
    "process-topology",
    "production-data-protected",
    "alert-route-subscribed",
    "alarms-route-somewhere",
    "redis-memory-alarm",
    "postgres-monitored",
    "postgres-proxy-tls",
    "database-credentials-rotate",
    "secrets-rotate",
];

function policyFiles(): { file: string; exports: Record<string, unknown> }[] {
    return areas.flatMap((area) =>
        readdirSync(path.join(policiesDir, area))
            .filter((f) => f.endsWith(".ts"))
            .map((f) => {
                const file = path.join(policiesDir, area, f);
                // eslint-disable-next-line @typescript-eslint/no-require-imports -- every policy file, found at run time
                return { file, exports: require(file) as Record<string, unknown> };
            }),
    );
}

const isPolicy = (x: unknown): x is Policy =>
    typeof x === "object" &&
    x !== null &&
    typeof (x as Policy).name === "string" &&
    typeof (x as Policy).description === "string" &&
    ("validateResource" in x || "validateStack" in x);

describe("policy pack metadata", () => {
    const pack = loadPack();

    it("is described in PulumiPolicy.yaml for the nodejs runtime", () => {
        const yaml = readFileSync(path.join(policiesDir, "PulumiPolicy.yaml"), "utf8");
        assert.match(yaml, /^runtime: nodejs$/m);
        assert.match(yaml, /^description: \S.+$/m);
        assert.ok(pack.args.description && pack.args.description.length > 20);
    });

    it("gives every policy a unique kebab-case name", () => {
        const names = pack.policies.map((p) => p.name);
        for (const n of names) assert.match(n, /^[a-z0-9]+(-[a-z0-9]+)*$/);
        assert.equal(new Set(names).size, names.length);
    });

    it("gives every policy a full-sentence description that cites a guide", () => {
        for (const p of pack.policies) {
            assert.match(p.description, /^[A-Z][\s\S]{60,}\.$/, `${p.name}: ${p.description}`);
            assert.match(p.description, /guide|Guide/, `${p.name} cites no guide`);
        }
    });

    it("gives every policy an enforcement level: mandatory for the security and data-loss rules, advisory otherwise", () => {
        for (const p of pack.policies) {
            assert.ok(p.enforcementLevel, `${p.name} has no enforcement level`);
            assert.equal(p.enforcementLevel, mandatory.includes(p.name) ? "mandatory" : "advisory", p.name);
        }
        for (const n of mandatory)
            assert.ok(
                pack.policies.some((p) => p.name === n),
                `${n} is not in the pack`,
            );
    });

    it("declares a default for every config property, and never enforcementLevel", () => {
        for (const p of pack.policies.filter((x) => x.configSchema)) {
            for (const [key, prop] of Object.entries(p.configSchema!.properties)) {
                assert.notEqual(key, "enforcementLevel", p.name);
                assert.ok(prop.default !== undefined, `${p.name}.${key} has no default`);
                assert.ok(prop.description, `${p.name}.${key} has no description`);
            }
            assert.ok(!p.configSchema!.required?.length, `${p.name} requires config; give it defaults instead`);
        }
    });

    it("keeps one policy per file, named after the policy, and assembles all of them", () => {
        const files = policyFiles();
        const exported: Policy[] = [];
        for (const { file, exports } of files) {
            const policies = Object.values(exports).filter(isPolicy);
            assert.equal(policies.length, 1, `${file} exports ${policies.length} policies`);
            assert.equal(path.basename(file, ".ts"), policies[0]!.name, `${file} is not named after its policy`);
            exported.push(policies[0]!);
        }
        assert.deepEqual(new Set(pack.policies), new Set(exported), "index.ts and the policy files disagree");
    });

    it("keeps index.ts to assembling the pack", () => {
        const source = readFileSync(path.join(policiesDir, "index.ts"), "utf8")
            .replace(/\/\*[\s\S]*?\*\//g, "")
            .replace(/\/\/.*$/gm, "");
        const statements = source
            .split(/;\s*\n/)
            .map((s) => s.trim())
            .filter((s) => s.length > 0);
        for (const s of statements) {
            assert.ok(
                /^import /.test(s) || /^new PolicyPack\("grownext-guides"/.test(s),
                `unexpected statement in index.ts: ${s.slice(0, 80)}`,
            );
        }
    });

    it("only configures known policies and properties in the per-stack config files", () => {
        const dir = path.join(policiesDir, "config");
        assert.ok(existsSync(path.join(dir, "local.json")));
        for (const f of readdirSync(dir).filter((x) => x.endsWith(".json"))) {
            const config = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as Record<string, unknown>;
            for (const [name, entry] of Object.entries(config)) {
                const policy = pack.policies.find((p) => p.name === name);
                assert.ok(policy, `${f}: unknown policy ${name}`);
                if (typeof entry === "string") continue;
                for (const key of Object.keys(entry as object)) {
                    if (key === "enforcementLevel") continue;
                    assert.ok(policy.configSchema?.properties[key], `${f}: ${name} has no property ${key}`);
                }
            }
        }
    });
});
